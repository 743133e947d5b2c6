"""HTML views of scenarios and results: one function per result type.

Each takes the result alone: results carry their player ids and action labels. ``game=`` is still
accepted, and wins, for results built from bare matrices that have no labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.render._base import (
    _CAPTION,
    _TABLE,
    _TD,
    _TH,
    _div,
    _e,
    _ids,
    _kv,
    _label,
    _note,
    _num,
    _title,
    table_html,
)


# ----------------------------------------------------------------------------- scenario
def scenario_html(scenario) -> str:
    """A scenario: description, each player's levers (levels and labels), parameters with sources."""
    meta = scenario.meta
    parts = [_title(_e(meta.name)), _note(_e(meta.description)),
             _note(f"one round = one {_e(meta.period)}; payoffs in {_e(meta.payoff_unit or 'points')}")]
    for pid, player in scenario.players.items():
        if player.levers:
            rows = [{"lever": name, "levels (conciliatory → hostile)": " · ".join(
                        f"{lab} ({_num(v)})" if lab != _num(v) else lab
                        for lab, v in zip(lv.level_labels(), lv.levels)),
                     "unit": lv.unit, "source": lv.source or ""} for name, lv in player.levers.items()]
        else:
            rows = [{"lever": "action", "levels (conciliatory → hostile)": " · ".join(player.actions or ()),
                     "unit": "", "source": ""}]
        parts.append(table_html(rows, caption=f"{player.name} ({pid}), discount {player.discount:g} per {meta.period}"))
    if getattr(scenario, "state", None):
        rows = [{"state": name, "levels": " < ".join(v.level_labels()), "initial": str(v.initial), "unit": v.unit,
                 "next": (v.next if not isinstance(v.next, tuple)
                          else "; ".join(f"p = {o.p}: {o.value}" for o in v.next)) or "stays"}
                for name, v in scenario.state.items()]
        parts.append(table_html(rows, caption="State: carries over between rounds"))
    if scenario.parameters:
        rows = []
        for name, p in scenario.parameters.items():
            basis = (f'<span style="color:#8a6d00">assumption: {_e(p.assumption)}</span>' if p.assumption
                     else _e(p.source or ""))
            rng = f"{_num(p.range[0])} – {_num(p.range[1])}" if p.range else ""
            rows.append({"parameter": name, "value": p.value, "unit": p.unit, "range": rng, "basis": basis})
        parts.append(table_html(rows, caption="Parameters", raw=("basis",)))
    rep = scenario.repeated
    strategies = ", ".join(f"{k}: {v}" for k, v in rep.strategies.items()) or "—"
    parts.append(_note(f"repeated play: {rep.play_rounds} rounds, noise {rep.noise:g}; strategies {_e(strategies)}"))
    if rep.events:
        parts.append(_note("events: " + "; ".join(f"round {ev.round}: {_e(ev.label)}"
                                                  + (f" ({_e(ev.date)})" if ev.date else "") for ev in rep.events)))
    return "".join(parts)



# ----------------------------------------------------------------------------- equilibria
def _strategy_text(game, player: int, s: np.ndarray, actions=None) -> str:
    idx = np.nonzero(s > 1e-12)[0]
    lab = (lambda i: actions[player][i]) if actions is not None else (lambda i: _label(game, player, i))
    if len(idx) == 1:
        return str(lab(idx[0]))
    return "; ".join(f"{lab(i)} ({s[i]:.3f})" for i in idx)


def equilibria_html(eqs, game=None) -> str:
    """An :class:`~sim.stage.equilibria.EquilibriumSet`: one row per equilibrium, then how it was found."""
    ids = _ids(eqs, game)
    actions = game.actions if game is not None else eqs.actions
    rows = []
    for k, e in enumerate(eqs):
        rows.append({"#": k + 1, "kind": "pure" if e.is_pure else "mixed",
                     ids[0]: _strategy_text(game, 0, e.row, actions), ids[1]: _strategy_text(game, 1, e.col, actions),
                     f"payoff {ids[0]}": e.payoffs[0], f"payoff {ids[1]}": e.payoffs[1],
                     "max regret": f"{max(e.regret):.1e}"})
    cols = ["#", "kind", ids[0], ids[1], f"payoff {ids[0]}", f"payoff {ids[1]}", "max regret"]
    status = "complete" if eqs.complete else ("partial (time budget ran out)" if eqs.partial else "not guaranteed complete")
    head = (f"{len(eqs)} Nash equilibri{'um' if len(eqs) == 1 else 'a'} — method {eqs.method}"
            + (f" (asked: {eqs.requested})" if eqs.requested != eqs.method else "") + f"; {status}"
            + ("; degenerate game" if eqs.degenerate else ""))
    parts = [table_html(rows, cols, caption=head) if rows else _title(_e(head))]
    if eqs.dominance is not None:
        d = eqs.dominance
        sizes = [len(game.actions[p]) if game is not None else (len(actions[p]) if actions else None) for p in (0, 1)]
        gone = [sum(1 for x in d.eliminated if x.player == p) for p in (0, 1)]
        txt = f"{d.method}: removed " + " and ".join(
            f"{gone[p]}" + (f" of {sizes[p]}" if sizes[p] else "") + f" {ids[p]} actions" for p in (0, 1))
        parts.append(_note(_e(txt + f" in {d.rounds} round{'s' if d.rounds != 1 else ''}.")))
    if len(eqs.components) and any(len(c) > 1 for c in eqs.components):
        parts.append(_note(_e("connected components: " + "; ".join(
            "{" + ", ".join(str(i + 1) for i in c) + "}" for c in eqs.components))))
    for note in eqs.notes:
        parts.append(_note(_e(note)))
    return "".join(parts)


def dominance_html(d, game=None) -> str:
    """A :class:`~sim.stage.dominance.DominanceResult`: what was removed, in which round, by what."""
    src = game if game is not None else d
    rows = [{"round": x.round, "player": _ids(d, game)[x.player],
             "removed": _label(src, x.player, x.action),
             "dominated by": ", ".join(f"{_label(src, x.player, k)}" + (f" ({w:.2f})" if w < 1 else "")
                                       for k, w in x.dominated_by.items()),
             "margin": x.margin} for x in d.eliminated]
    surv = " | ".join(str(len(s)) for s in d.surviving)
    cap = f"{d.method}{' (pure and mixed)' if d.mixed else ''}: {surv} actions survive after {d.rounds} rounds"
    return table_html(rows, ["round", "player", "removed", "dominated by", "margin"], caption=cap) if rows else _title(_e(cap))


# ----------------------------------------------------------------------------- repeated play
def match_html(match) -> str:
    """A :class:`~sim.repeated.engine.MatchResult`: set-up line, then each side's payoffs and the truce record."""
    s = match.summary()
    ids = match.player_ids
    horizon = f"{match.rounds} rounds" if match.rounds is not None else f"continuation {match.continuation:g}"
    head = (f"{' vs '.join(match.strategies)} — {horizon}, {match.replicates} replicate"
            f"{'s' if match.replicates != 1 else ''}, noise {match.noise:g}"
            + (f", perception noise {match.perception_noise:g}" if match.perception_noise else "")
            + f", seed {match.seed}")
    rows = []
    for p, pid in enumerate(ids):
        q = s["discounted_payoff_quantiles"][pid]
        rows.append({"side": pid, "strategy": match.strategies[p], "payoff per round": s["per_round_payoff"][pid],
                     "total": s["total_payoff"][pid], "discounted": s["discounted_payoff"][pid],
                     "discounted 5–95%": f"{_num(q['q05'])} … {_num(q['q95'])}",
                     "plays cooperative": f"{s['cooperation_rate_player'][pid]:.0%}", "δ": match.discount[p]})
    parts = [table_html(rows, caption=head)]
    fb = s["first_breakdown_median"]
    parts.append(_note(
        f"Both sides in the cooperative profile {s['cooperation_rate']:.0%} of rounds; the truce broke in "
        f"{s['breakdown_share']:.0%} of replicates"
        + (f" (in those, the median first breakdown is round {fb + 1:g}, counting rounds from 1)"
           if fb is not None else "") + "."))
    if match.game is not None and match.game.units:
        parts.append(_note(f"payoffs in {_e(match.game.units)}"))
    return "".join(parts)


def tournament_html(result) -> str:
    """A :class:`~sim.repeated.tournament.TournamentResult`: ranking table and pairwise payoff matrix
    (one per side, each on its side's scale, when the sides differ)."""
    head = (f"round robin of {len(result.strategies)} strategies — "
            + (f"{result.rounds} rounds" if result.rounds is not None else f"continuation {result.continuation:g}")
            + f", {result.replicates} replicates, noise {result.noise:g}, seed {result.seed}")
    units = getattr(result, "units", None)
    per_round = units.per_round if units is not None else ""
    roles = getattr(result, "roles", None)
    if roles is None:
        ranking = table_html([{**r, "cooperation_rate": f"{r['cooperation_rate']:.0%}"} for r in result.table()],
                             ["rank", "strategy", "mean_payoff", "cooperation_rate", "wins"], caption=head)
        caption = "mean payoff per round of the row strategy against the column strategy"
        parts = [ranking, _div(_pairwise_html(result.pairwise, result.strategies,
                                              caption + (f" ({per_round})" if per_round else "")))]
        return "".join(parts)
    ids = result.player_ids
    cols = ["rank", "strategy", "score"] + [c for pid in ids for c in (f"{pid}_payoff", f"{pid}_wins")] + [
        "cooperation_rate"]
    ranking = table_html([{**r, "cooperation_rate": f"{r['cooperation_rate']:.0%}"} for r in result.table()], cols,
                         caption=head)
    parts = [ranking, _note(f"The sides differ: each strategy played each side; payoffs per round ({_e(per_round)}) "
                            f"and wins are per side, on that side's scale; {_e(roles.NORMALISATION)}.")]
    for p, pid in enumerate(ids):
        parts.append(_div(_pairwise_html(roles.pairwise[p], result.strategies,
                                         f"{pid}'s mean payoff per round (strategy playing {pid}, row) against the "
                                         f"strategy playing {ids[1 - p]} (column)"
                                         + (f", {per_round}" if per_round else ""))))
    return "".join(parts)


def _pairwise_html(P, names, caption: str) -> str:
    P = np.asarray(P, float)
    finite = P[np.isfinite(P)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    head_row = "".join(f'<th style="{_TH}">{_e(nm)}</th>' for nm in names)
    body = []
    for a, nm in enumerate(names):
        cells = []
        for b in range(len(names)):
            v = P[a, b]
            if not np.isfinite(v):
                cells.append(f'<td style="{_TD}">–</td>')
                continue
            t = 0.0 if hi == lo else (v - lo) / (hi - lo)
            cells.append(f'<td style="{_TD};background:rgba(0,158,115,{0.08 + 0.5 * t:.2f})">{_num(v)}</td>')
        body.append(f'<tr><th style="{_TH};text-align:left">{_e(nm)}</th>{"".join(cells)}</tr>')
    return (f'<table style="{_TABLE}"><caption style="{_CAPTION}">{_e(caption)}</caption><thead><tr>'
            f'<th style="{_TH}"></th>{head_row}</tr></thead><tbody>{"".join(body)}</tbody></table>')


def thresholds_html(tt) -> str:
    """A :class:`~sim.repeated.thresholds.TruceThresholds`: the folk-theorem numbers per side, then in words."""
    ids = tt.player_ids
    rows = []
    for p, pid in enumerate(ids):
        rows.append({"side": pid, "truce action": tt.cooperative_labels[p], "truce payoff": tt.cooperative_payoff[p],
                     "best deviation": tt.deviation_action[p], "deviation payoff": tt.deviation_payoff[p],
                     "Nash payoff": tt.nash_payoff[p], "minmax": tt.minmax_payoff[p],
                     "δ* grim (Nash)": tt.grim_nash[p], "δ* grim (minmax)": tt.grim_minmax[p],
                     "δ* tit for tat": tt.tit_for_tat[p], "own δ": tt.discount[p],
                     "holds (grim, Nash)": bool(tt.discount[p] >= tt.grim_nash[p])})
    cap = f"Truce thresholds: critical discount factors per {tt.period}" + (f"; payoffs in {tt.units}" if tt.units else "")
    return table_html(rows, caption=cap) + "".join(_note(_e(s)) for s in tt.sentences())


def curve_html(curve) -> str:
    """A :class:`~sim.repeated.curves.ThresholdCurve` as a table (one row per parameter value)."""
    ids = curve.player_ids
    rows = []
    for k, v in enumerate(curve.values):
        row: dict[str, Any] = {curve.parameter: v}
        for p, pid in enumerate(ids):
            row[f"δ* grim {pid}"] = curve.grim_nash[k, p]
            row[f"δ* tft {pid}"] = curve.tit_for_tat[k, p]
            row[f"holds {pid}"] = bool(curve.self_enforcing[k, p])
        rows.append(row)
    return table_html(rows, caption=f"{curve.name}: truce thresholds as {curve.parameter} varies"
                      + (f" ({curve.unit})" if curve.unit else ""))


def payoff_set_html(ps) -> str:
    """A :class:`~sim.repeated.thresholds.PayoffSet`: minmax floors and the size of the folk-theorem region."""
    ids = ps.player_ids
    pairs = [(f"minmax {pid} (mixed / pure)", f"{_num(ps.minmax[p])} / {_num(ps.pure_minmax[p])}")
             for p, pid in enumerate(ids)]
    pairs.append(("feasible set vertices", len(ps.feasible)))
    pairs.append(("individually rational vertices", len(ps.individually_rational)))
    if len(ps.individually_rational):
        ir = np.asarray(ps.individually_rational)
        pairs.append(("IR payoffs range", f"{ids[0]} {_num(ir[:, 0].min())} … {_num(ir[:, 0].max())}; "
                                          f"{ids[1]} {_num(ir[:, 1].min())} … {_num(ir[:, 1].max())}"))
    return _kv(pairs, caption="Feasible and individually rational payoffs (folk theorem)")


# ----------------------------------------------------------------------------- bargaining, threats
def bargaining_html(sol, game=None) -> str:
    """A :class:`~sim.stage.bargaining.BargainingSolution`: the point, the threat point and the lottery."""
    src = game if game is not None else sol
    ids = _ids(sol, game)
    pairs: list[tuple[str, Any]] = [(f"payoff {ids[p]}", sol.point[p]) for p in (0, 1)]
    if sol.disagreement is not None:
        pairs.append(("disagreement point", f"{_num(sol.disagreement[0])}, {_num(sol.disagreement[1])} "
                                            f"({sol.disagreement_source})"))
        pairs.append(("gains from agreement", bool(sol.gains)))
    parts = [_kv(pairs, caption=sol.concept)]
    if sol.lottery:
        rows = [{ids[0]: _label(src, 0, i), ids[1]: _label(src, 1, j), "weight": w} for (i, j), w in sol.lottery.items()]
        parts.append(table_html(rows, [ids[0], ids[1], "weight"], caption="reached by playing", digits=3))
    parts.extend(_note(_e(n)) for n in sol.notes)
    return "".join(parts)


def correlated_html(ce, game=None) -> str:
    """A :class:`~sim.stage.bargaining.CorrelatedEquilibrium`: payoffs and the profiles it mixes."""
    src = game if game is not None else ce
    ids = _ids(ce, game)
    P = np.asarray(ce.distribution)
    rows = [{ids[0]: _label(src, 0, i), ids[1]: _label(src, 1, j), "probability": float(P[i, j])}
            for i, j in np.argwhere(P > 1e-9)]
    pairs = [(f"payoff {ids[p]}", ce.payoffs[p]) for p in (0, 1)] + [("max incentive violation", f"{ce.max_violation:.1e}")]
    return (_kv(pairs, caption=f"correlated equilibrium ({ce.objective})")
            + table_html(rows, [ids[0], ids[1], "probability"], digits=3))


def stackelberg_html(st, game=None) -> str:
    """A :class:`~sim.stage.commitment.StackelbergOutcome`: who leads, the commitment, the reply, payoffs."""
    src = game if game is not None else st
    ids = _ids(st, game)
    f = 1 - st.leader
    pairs = [("leader", ids[st.leader]), ("leader commits to", _label(src, st.leader, st.leader_action)),
             ("follower replies", _label(src, f, st.follower_action))]
    pairs += [(f"payoff {ids[p]}", st.payoffs[p]) for p in (0, 1)] + [("ties broken", st.tie_rule)]
    return _kv(pairs, caption=f"Stackelberg outcome ({st.method})")


def threat_html(th, game=None) -> str:
    """A :class:`~sim.stage.commitment.ThreatAssessment`: credible? deterrent? at what cost to the threatener?"""
    src = game if game is not None else th
    ids = _ids(th, game)
    t, o = th.threatener, 1 - th.threatener
    pairs = [
        ("threat", f"if {ids[o]} plays {_label(src, o, th.trigger)}, {ids[t]} answers {_label(src, t, th.response)}"),
        ("baseline", f"{_label(src, 0, th.baseline[0])} | {_label(src, 1, th.baseline[1])}"),
        ("credible (a best reply once triggered)", bool(th.credible)),
        ("credibility gap", th.credibility_gap),
        (f"{ids[t]}'s best reply instead", _label(src, t, th.best_response)),
        ("cost to the threatener of carrying it out", th.threatener_cost),
        ("deterrent (target worse off than at baseline)", bool(th.deterrent)),
        (f"{ids[o]} payoff: baseline", th.target_baseline_payoff),
        (f"{ids[o]} payoff: trigger, threat carried out", th.target_payoff_if_carried_out),
        (f"{ids[o]} payoff: trigger, threat ignored", th.target_payoff_if_ignored),
        ("trigger profitable without the threat", bool(th.trigger_profitable_without_threat)),
    ]
    return _kv(pairs, caption="Threat check")


def security_html(levels, game=None) -> str:
    """A pair of :class:`~sim.stage.security.SecurityLevel`: what each side can guarantee and be held to."""
    levels = list(levels)
    ids = _ids(levels[0], game)
    src = game if game is not None else levels[0]
    rows = []
    for s in levels:
        p = s.player
        rows.append({"side": ids[p], "maxmin (pure)": s.pure_value,
                     "guaranteeing action": _label(src, p, s.pure_action),
                     "maxmin (mixed)": s.mixed_value,
                     "minmax punishment (pure)": s.punish_pure_value,
                     "punishing action of the other side": _label(src, 1 - p, s.punish_pure_action)})
    return table_html(rows, caption="Security levels: what each side can guarantee itself, and be held to")


def _evolution_html(res) -> str:
    """Replicator or Moran results, one population or one per side (``player_ids`` and 2-d shares)."""
    two = np.ndim(res.final if hasattr(res, "final") else res.fixation) == 2
    sides = list(res.player_ids) if two else [None]
    rows = []
    if hasattr(res, "final"):
        init, final = np.reshape(res.initial, (len(sides), -1)), np.reshape(res.final, (len(sides), -1))
        for p, side in enumerate(sides):
            for i, s in enumerate(res.strategies):
                rows.append({**({"side": side} if two else {}), "strategy": s, "initial share": float(init[p, i]),
                             "final share": float(final[p, i])})
        return table_html(rows, caption=f"replicator dynamics to t = {res.t_max:g}"
                          + (", one population per side" if two else ""), digits=3)
    last = np.reshape(res.mean_shares[-1], (len(sides), -1))
    fix = np.reshape(res.fixation_probability, (len(sides), -1))
    ci = np.reshape(res.fixation_interval, (len(sides), -1, 2)) if hasattr(res, "fixation_interval") else None
    for p, side in enumerate(sides):
        for i, s in enumerate(res.strategies):
            row = {**({"side": side} if two else {}), "strategy": s, "mean final share": float(last[p, i]),
                   "fixation share": float(fix[p, i])}
            if ci is not None:
                row["95% interval"] = f"{_num(ci[p, i, 0], 3)} … {_num(ci[p, i, 1], 3)}"
            rows.append(row)
    return table_html(rows, caption=f"Moran process, population {res.population}"
                      + (" per side" if two else "") + f", {res.replicates} replicates", digits=3)


def _generic_html(obj) -> str:
    if hasattr(obj, "to_dict"):
        d = obj.to_dict()
        pairs = [(k, v if isinstance(v, (int, float, str, bool)) or v is None else _short_repr(v)) for k, v in d.items()]
        return _kv(pairs, caption=type(obj).__name__)
    return f"<pre>{_e(repr(obj))}</pre>"


def _short_repr(v: Any, width: int = 160) -> str:
    text = repr(v)
    return text if len(text) <= width else text[: width - 1] + "…"

