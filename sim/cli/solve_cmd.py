"""``tradesim solve``: equilibria, security levels, negotiation solutions and commitment outcomes."""

from __future__ import annotations

import click

from sim.cli.common import echo_json, format_option

HELP = """Analyse the stage game of a scenario FILE.

\b
Solution concepts:
  Nash equilibria   profiles where neither side gains by changing its own (mixed) action;
                    all extreme equilibria, each verified (regret <= tol).
  dominance         actions strictly worse than another action whatever the other side does,
                    removed round by round (never removes an equilibrium).
  security (maxmin) the most a side can guarantee itself whatever the other does;
  punishment (minmax) the least the other side can hold it to.
  Pareto set        pure profiles no other profile improves for one side without hurting the other.
  Nash bargaining   the agreement (lottery over profiles) maximising the product of both sides'
                    gains over the disagreement point.
  Kalai-Smorodinsky the efficient agreement giving each side the same share of its ideal gain.
  utilitarian       the profile with the largest total payoff.
  correlated eq.    a jointly randomised recommendation neither side wants to disobey, best total.
  Stackelberg       one side commits first, the other best-responds (ties broken as --tie says);
                    also the best commitment to a mixed action (ties for the leader).

Methods: auto (reduce by dominance, then vertex enumeration, or Lemke-Howson past 20 actions a
side), pure, support (equal-size supports), vertex (all extreme equilibria, degenerate games too),
lemke-howson (from every starting label; finds some, not necessarily all).
"""


@click.command("solve", help=HELP)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--method", type=click.Choice(["auto", "pure", "support", "vertex", "lemke-howson"]),
              default="auto", show_default=True, help="How to find Nash equilibria.")
@click.option("--max-seconds", type=float, default=60.0, show_default=True,
              help="Time budget for the equilibrium search; past it the result says partial.")
@click.option("--disagreement", type=click.Choice(["nash", "security"]), default="nash", show_default=True,
              help="Bargaining threat point: worst-for-both Nash payoffs, or security levels.")
@click.option("--tie", type=click.Choice(["leader", "against"]), default="leader", show_default=True,
              help="Stackelberg: break the follower's ties in the leader's favour or against it.")
@click.option("--mixed-dominance", is_flag=True,
              help="Also remove actions dominated only by a mixture of other actions (one LP each).")
@format_option()
def solve(file, method, max_seconds, disagreement, tie, mixed_dominance, fmt):
    from sim.game import build_game
    from sim.scenario import load_scenario

    game = build_game(load_scenario(file))
    report = analyse(game, method=method, max_seconds=max_seconds, disagreement=disagreement, tie=tie,
                     mixed_dominance=mixed_dominance)
    if fmt == "json":
        echo_json(report)
    else:
        click.echo(render_text(report))


def analyse(game, *, method="auto", max_seconds=60.0, disagreement="nash", tie="leader",
            mixed_dominance=False) -> dict:
    """Everything ``solve`` prints, as one JSON-ready dict (stable keys)."""
    import numpy as np

    from sim.bargaining import (
        correlated_equilibrium,
        kalai_smorodinsky,
        nash_bargaining,
        pareto_profiles,
        utilitarian_optimum,
    )
    from sim.dominance import iterated_dominance
    from sim.equilibria import nash_equilibria
    from sim.security import security_levels
    from sim.threats import stackelberg, stackelberg_mixed

    acts, ids = game.actions, tuple(game.player_ids)
    eq = nash_equilibria(game, method, max_seconds=max_seconds, mixed_dominance=mixed_dominance)
    out = eq.to_dict()
    dom = eq.dominance or iterated_dominance(game.A, game.B, mixed=mixed_dominance)
    out["dominance"] = dom.to_dict(acts)
    out["game"] = {"name": game.name, "players": list(ids), "shape": list(game.shape), "units": game.units}
    out["security"] = [s.to_dict(acts, ids) for s in security_levels(game.A, game.B)]
    pareto = pareto_profiles(game.A, game.B)
    out["pareto"] = [
        {"profile": {ids[0]: acts[0][i], ids[1]: acts[1][j]},
         "payoffs": {ids[0]: float(game.A[i, j]), ids[1]: float(game.B[i, j])}}
        for i, j in pareto
    ]
    if eq.equilibria:
        pay = np.array([e.payoffs for e in eq.equilibria])
        d = (float(pay[:, 0].min()), float(pay[:, 1].min()))
        d_arg = d if disagreement == "nash" else "security"
    else:
        d_arg = "security"
    sols = [nash_bargaining(game, d_arg), kalai_smorodinsky(game, d_arg), utilitarian_optimum(game)]
    if disagreement == "nash" and eq.equilibria:
        sols = [
            type(s)(s.concept, s.point, s.lottery, s.disagreement, "worst-for-both Nash equilibrium payoffs"
                    if s.disagreement is not None else None, s.gains, s.notes)
            for s in sols
        ]
    out["bargaining"] = [s.to_dict(acts, ids) for s in sols]
    if game.A.size <= 20_000:
        out["correlated_equilibrium"] = correlated_equilibrium(game).to_dict(acts, ids)
    out["stackelberg"] = [stackelberg(game, leader, tie=tie).to_dict(acts, ids) for leader in (0, 1)]
    if game.A.size <= 20_000:
        out["stackelberg_mixed"] = [stackelberg_mixed(game, leader).to_dict(acts, ids) for leader in (0, 1)]
    return out


def _fmt_strategy(s: dict) -> str:
    if len(s) == 1:
        return next(iter(s))
    return " + ".join(f"{p:.4g}·[{a}]" for a, p in s.items())


def render_text(r: dict) -> str:
    ids = r["game"]["players"]
    lines = [f"{r['game']['name']}: {r['game']['shape'][0]} x {r['game']['shape'][1]} actions"
             + (f", payoffs in {r['game']['units']}" if r["game"]["units"] else "")]
    state = "complete" if r["complete"] else ("partial (time budget)" if r["partial"] else "not guaranteed complete")
    lines.append(f"\nNash equilibria: {len(r['equilibria'])} by {r['method']} ({state}"
                 + ("; degenerate game" if r["degenerate"] else "") + ")")
    for k, e in enumerate(r["equilibria"], 1):
        lines.append(f"  {k}. " + "; ".join(f"{p}: {_fmt_strategy(e['strategies'][p])}" for p in ids))
        lines.append("     payoffs " + ", ".join(f"{p} {e['payoffs'][p]:.4g}" for p in ids))
    if len(r["components"]) < len(r["equilibria"]):
        lines.append("  connected components: " + ", ".join(str([i + 1 for i in c]) for c in r["components"]))
    for note in r["notes"]:
        lines.append(f"  note: {note}")
    dom = r["dominance"]
    lines.append(f"\nDominance ({dom['method']}): {len(dom['eliminated'])} actions removed in {dom['rounds']} rounds; "
                 f"surviving {len(dom['surviving'][0])} x {len(dom['surviving'][1])}")
    for e in dom["eliminated"][:20]:
        by = ", ".join(dom_by for dom_by in e["dominated_by"])
        lines.append(f"  round {e['round']}: {ids[e['player']]} drops [{e['action']}] (dominated by [{by}])")
    if len(dom["eliminated"]) > 20:
        lines.append(f"  ... {len(dom['eliminated']) - 20} more (see --format json)")
    lines.append("\nSecurity levels (maxmin = guaranteed; minmax = what the other side can hold you to):")
    for s in r["security"]:
        lines.append(f"  {s['player']}: maxmin pure {s['maxmin_pure']['value']:.4g} with [{s['maxmin_pure']['action']}], "
                     f"mixed {s['maxmin_mixed']['value']:.4g}; minmax pure {s['minmax_pure']['value']:.4g}, "
                     f"mixed {s['minmax_mixed']['value']:.4g}")
    lines.append(f"\nPareto-efficient pure profiles: {len(r['pareto'])}")
    for p in r["pareto"][:10]:
        lines.append("  " + "; ".join(f"{i}: {p['profile'][i]}" for i in ids)
                     + "  -> " + ", ".join(f"{p['payoffs'][i]:.4g}" for i in ids))
    if len(r["pareto"]) > 10:
        lines.append(f"  ... {len(r['pareto']) - 10} more")
    lines.append("\nNegotiation:")
    for b in r["bargaining"]:
        pts = ", ".join(f"{p} {b['payoffs'][p]:.4g}" for p in ids)
        lot = " / ".join(f"{x['weight']:.3g}×({'; '.join(x['profile'])})" for x in b["lottery"])
        dp = ""
        if b["disagreement"]:
            dp = f" [disagreement {', '.join(f'{v:.4g}' for v in b['disagreement'].values())}: {b['disagreement_source']}]"
        lines.append(f"  {b['concept']}: {pts}{dp}")
        if lot:
            lines.append(f"     {lot}")
    if "correlated_equilibrium" in r:
        ce = r["correlated_equilibrium"]
        lines.append("  correlated equilibrium (max total): "
                     + ", ".join(f"{p} {ce['payoffs'][p]:.4g}" for p in ids))
    lines.append("\nStackelberg (leader commits, follower best-responds):")
    for s in r["stackelberg"]:
        lines.append(f"  {s['leader']} leads with [{s['leader_action']}], follower answers [{s['follower_action']}]: "
                     + ", ".join(f"{p} {s['payoffs'][p]:.4g}" for p in ids) + f" (ties: {s['tie_rule']})")
    for s in r.get("stackelberg_mixed", []):
        lines.append(f"  {s['leader']} commits to {_fmt_strategy(s['leader_strategy'])}, follower answers "
                     f"[{s['follower_action']}]: " + ", ".join(f"{p} {s['payoffs'][p]:.4g}" for p in ids)
                     + " (mixed commitment)")
    return "\n".join(lines)


def register(group: click.Group) -> None:
    group.add_command(solve)
