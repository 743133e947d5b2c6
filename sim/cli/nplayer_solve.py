"""``tradesim solve`` on a game of three or more players: the report, as text or JSON.

The ``solve`` command calls :func:`solve_nplayer` when the file's game has more than two players
(two-player files keep their own path and its bimatrix solvers). The report lists the players, the
Nash equilibria (each player's strategy and payoff, whether the search was complete and by which
method), iterated dominance, security levels, the welfare-maximising correlated and coarse
correlated equilibria, the limit of the logit QRE branch, and the coalitional stability of each
pure equilibrium.
"""

from __future__ import annotations

import time
from typing import Any

import click

from sim.cli.common import dumps, fmt_number
from sim.errors import TradesimError
from sim.stage.nplayer_coalition import (
    CPNE_PLAYER_LIMIT,
    CPNE_PROFILE_LIMIT,
    coalition_check,
)
from sim.stage.nplayer_correlated import (
    CE_PROFILE_LIMIT,
    correlated_equilibrium_nplayer,
)
from sim.stage.nplayer_dominance import iterated_dominance_nplayer
from sim.stage.nplayer_mixed import nplayer_nash
from sim.stage.nplayer_qre import logit_qre_branch
from sim.stage.nplayer_security import security_levels_nplayer

__all__ = ["solve_nplayer", "nplayer_report", "render_nplayer_text"]

#: The QRE trace gets this share of ``max_seconds`` (it is a summary, not the equilibrium search).
QRE_SHARE = 0.25


def _step(report: dict, key: str, fn) -> Any:
    """Run one analysis; a failure (too large, a solver refusing) is recorded, not raised."""
    try:
        value = fn()
    except TradesimError as exc:
        report["skipped"][key] = str(exc)
        return None
    return value


def nplayer_report(game, *, method: str = "auto", max_seconds: float = 60.0, mixed_dominance: bool = False
                   ) -> dict:
    """Every one-shot analysis of an N-player game as one JSON-ready dict."""
    t0 = time.perf_counter()
    report: dict[str, Any] = {
        "game": game.name, "players": [{"id": p, "name": n, "actions": list(a)} for p, n, a in
                                       zip(game.player_ids, game.player_names, game.actions)],
        "units": game.units, "profiles": game.profiles, "skipped": {}}
    eqs = nplayer_nash(game, method, max_seconds=max_seconds)
    report.update(eqs.to_dict())
    dom = _step(report, "dominance", lambda: iterated_dominance_nplayer(game, mixed=mixed_dominance))
    report["dominance"] = None if dom is None else dom.to_dict()
    sec = _step(report, "security", lambda: security_levels_nplayer(game))
    report["security"] = None if sec is None else sec.to_dict()["players"]
    corr = {}
    if game.profiles <= CE_PROFILE_LIMIT:
        for kind in ("ce", "cce"):
            res = _step(report, kind, lambda kind=kind: correlated_equilibrium_nplayer(game, kind=kind))
            corr[kind] = None if res is None else res.to_dict()
    else:
        report["skipped"]["ce"] = f"more than {CE_PROFILE_LIMIT:,} profiles"
    report["correlated"] = corr
    qre = _step(report, "qre", lambda: logit_qre_branch(game, max_seconds=max(1.0, QRE_SHARE * max_seconds)))
    report["qre"] = None if qre is None else qre.to_dict()
    stab = []
    small = game.n_players <= CPNE_PLAYER_LIMIT and game.profiles <= CPNE_PROFILE_LIMIT
    for e in eqs.equilibria:
        if e.is_pure:
            prof = [s[0] for s in e.support]
            stab.append(coalition_check(game, prof, coalition_proof=small).to_dict())
    report["coalitions"] = stab
    report["elapsed_seconds"] = time.perf_counter() - t0
    return report


def _strategy_text(strat: dict[str, float]) -> str:
    if len(strat) == 1:
        return next(iter(strat))
    return ", ".join(f"{a} {p:.3g}" for a, p in strat.items())


def render_nplayer_text(report: dict) -> str:
    """The readable report of :func:`nplayer_report`."""
    ids = [p["id"] for p in report["players"]]
    unit = f" ({report['units']})" if report.get("units") else ""
    lines = [f"{report['game']}: {len(ids)} players, " + " x ".join(str(len(p["actions"])) for p in report["players"])
             + f" = {report['profiles']:,} profiles"]
    for p in report["players"]:
        lines.append(f"  {p['id']} ({p['name']}): {', '.join(p['actions'])}")
    eqs = report["equilibria"]
    lines.append("")
    lines.append(f"Nash equilibria: {len(eqs)} found by {report['method']} "
                 f"({'complete' if report['complete'] else 'not complete'}; every player's regret <= "
                 f"{report['tol']:g} x its payoff range)")
    for i, e in enumerate(eqs, 1):
        lines.append(f"  {i}. " + "; ".join(f"{p}: {_strategy_text(e['strategies'][p])}" for p in ids))
        lines.append("     payoffs" + unit + ": " + ", ".join(f"{p} {fmt_number(e['payoffs'][p])}" for p in ids))
    for note in report.get("notes", []):
        lines.append(f"  note: {note}")
    dom = report.get("dominance")
    if dom is not None:
        lines.append("")
        if dom["eliminations"]:
            lines.append("Iterated strict dominance" + (" (pure and mixed)" if dom["mixed"] else "") + ":")
            for e in dom["eliminations"]:
                by = e["dominated_by"] if isinstance(e["dominated_by"], str) else _strategy_text(e["dominated_by"])
                lines.append(f"  round {e['round']}: {e['player']} drops {e['action']} (dominated by {by})")
        else:
            lines.append("Iterated strict dominance: no action is strictly dominated")
        lines.append("  survive: " + "; ".join(f"{p}: {', '.join(a)}" for p, a in dom["surviving"].items()))
    if report.get("security"):
        lines.append("")
        lines.append("Security levels (against the others' joint play)" + unit + ":")
        for r in report["security"]:
            lines.append(f"  {r['player']}: maxmin {fmt_number(r['maxmin'])} with {_strategy_text(r['strategy'])}; "
                         f"pure {fmt_number(r['pure_maxmin'])} with {r['pure_action']}")
    corr = report.get("correlated") or {}
    for kind, title in (("ce", "Correlated equilibrium"), ("cce", "Coarse correlated equilibrium")):
        c = corr.get(kind)
        if c:
            lines.append(f"{title}, welfare-maximising: total {fmt_number(c['value'])} ("
                         + ", ".join(f"{p} {fmt_number(v)}" for p, v in c["payoffs"].items()) + ")")
    q = report.get("qre")
    if q is not None:
        lines.append("")
        lim = q["limit"]
        text = "no verified limit" if lim is None else "; ".join(
            f"{p}: {_strategy_text(lim['strategies'][p])}" for p in ids)
        lines.append(f"Logit QRE branch: traced to lambda {q['lambda_max']:.3g} in {q['steps']} steps; limit: {text}")
    if report.get("coalitions"):
        lines.append("")
        lines.append("Coalitions against the pure equilibria:")
        for c in report["coalitions"]:
            prof = ", ".join(f"{p}: {a}" for p, a in c["profile"].items())
            breaks = "; ".join("+".join(b["coalition"]) + " -> " + ", ".join(f"{p}: {a}" for p, a in b["deviation"].items())
                               for b in c["breaking"]) or "none"
            cp = {True: "yes", False: "no", None: "not computed"}[c["coalition_proof"]]
            lines.append(f"  ({prof}): strong Nash {'yes' if c['strong'] else 'no'}; coalition-proof {cp}; "
                         f"broken by {breaks}")
    for key, why in report.get("skipped", {}).items():
        lines.append(f"skipped {key}: {why}")
    return "\n".join(lines)


def solve_nplayer(game, *, fmt: str = "text", max_seconds: float = 60.0, method: str = "auto",
                  mixed_dominance: bool = False, plot_path: str | None = None,
                  extra: dict | None = None) -> dict:
    """Print the N-player report (``fmt`` ``text`` or ``json``; ``extra`` keys, e.g. the invocation,
    are added to the JSON) and draw the payoff-space projections to ``plot_path``; returns the report."""
    report = nplayer_report(game, method=method, max_seconds=max_seconds, mixed_dominance=mixed_dominance)
    if plot_path is not None:
        from sim.cli.common import save_plot
        from sim.viz.nplayer import payoff_projections

        save_plot(payoff_projections(game, report["equilibria"]), plot_path)
    if fmt == "json":
        click.echo(dumps({**report, **(extra or {})}))
    else:
        click.echo(render_nplayer_text(report))
    return report
