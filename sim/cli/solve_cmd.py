"""``tradesim solve``: equilibria, security levels, negotiation solutions and commitment outcomes."""

from __future__ import annotations

import dataclasses
import sys

import click

from sim._files import check_plot_path
from sim.cli.common import (
    echo_json,
    format_option,
    invocation,
    payoffs_note,
    plot_option,
    save_plot,
    threat_option,
    welfare_option,
)
from sim.cli.markov import markov_report, render_markov
from sim.cli.robust_cmd import knife_edge_lines
from sim.cli.scenario_cmds import gambit_kind, load_game, load_payoffs, read_tree
from sim.dynamic.solve import SELECTIONS
from sim.empirics.robust import stage_knife_edges
from sim.errors import InputError
from sim.repeated.payoff_set import feasible_ir_set
from sim.stage.bargaining import (
    correlated_equilibrium,
    kalai_smorodinsky,
    nash_bargaining,
    pareto_profiles,
    utilitarian_optimum,
)
from sim.stage.commitment import stackelberg, stackelberg_mixed, threat_check
from sim.stage.dominance import iterated_dominance
from sim.stage.equilibria import nash_equilibria
from sim.stage.labels import attach_labels
from sim.stage.security import security

#: Pareto-efficient profiles listed in the report (all are counted).
MAX_PARETO_LISTED = 1_000

HELP = """Analyse the stage game of a scenario FILE (for a game with state: the stage game of
the initial state, and the game's Markov perfect equilibria; for a sequential game, a scenario
with [sequence]: the game tree and its subgame-perfect equilibria).

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

\b
Sequential games ([sequence]: stages of players choosing levers in order, chance moves):
  subgame perfect   backward induction (perfect information; every equilibrium up to a cap when
  equilibria        ties give several), else the equilibria of each subgame bottom up; printed
                    with what each side would do at every point, off the path too (a threat is
                    credible when the equilibrium carries it out). JSON key subgame_perfect.

\b
Games with state ([state] tables, or payoffs using round or prev.PLAYER.LEVER):
  Markov perfect    policies that map each state to an action (one per round with a horizon),
  equilibria        with no profitable one-shot deviation in any state: backward induction with
                    [repeated] rounds; otherwise Shapley's value (zero-sum), every pure stationary
                    equilibrium (small games) and the one value iteration reaches. JSON key
                    markov_perfect: horizon, policy and values per round, keyed by state.
"""


@click.command("solve", help=HELP)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--method", type=click.Choice(["auto", "pure", "support", "vertex", "lemke-howson"]),
              default="auto", show_default=True, help="How to find Nash equilibria.")
@click.option("--max-seconds", type=float, default=60.0, show_default=True,
              help="Time budget for the equilibrium search, and once more for all the other steps together "
                   "(dominance, security, bargaining, correlated equilibrium, commitment); past it a result "
                   "says partial, incomplete or skipped.")
@click.option("--disagreement", type=click.Choice(["nash", "security"]), default="nash", show_default=True,
              help="Bargaining threat point: worst-for-both Nash payoffs, or security levels.")
@click.option("--tie", type=click.Choice(["leader", "against"]), default="leader", show_default=True,
              help="Stackelberg: break the follower's ties in the leader's favour or against it.")
@click.option("--selection", type=click.Choice(SELECTIONS), default="utilitarian", show_default=True,
              help="Games with state: which stage equilibrium continues where several exist (largest total "
                   "payoff, the solver's first, best for the row or the column player).")
@click.option("--mixed-dominance", is_flag=True,
              help="Also remove actions dominated only by a mixture of other actions (one LP each).")
@format_option()
@plot_option("Draw the payoff space (profiles, feasible and individually rational sets, Pareto "
             "frontier, equilibria, bargaining and Stackelberg points) to this png/svg/pdf file.")
@click.option("--plot-terms", "terms_path", type=click.Path(dir_okay=False), default=None,
              help="Draw each side's payoff split into its terms at the equilibrium, the truce and full escalation.")
@click.option("--plot-matrix", "matrix_path", type=click.Path(dir_okay=False), default=None,
              help="Draw both payoff matrices as heatmaps, best responses and pure equilibria marked.")
@click.option("--plot-state", "state_path", type=click.Path(dir_okay=False), default=None,
              help="Games with state: draw the state's distribution over rounds under the (first) Markov "
                   "perfect equilibrium.")
@click.option("--plot-policy", "policy_path", type=click.Path(dir_okay=False), default=None,
              help="Games with state: draw the equilibrium policy per state and round, and values by state.")
@click.option("--plot-tree", "tree_path", type=click.Path(dir_okay=False), default=None,
              help="Sequential games: draw the game tree, the equilibrium path bold (big trees summarised).")
@click.option("--simultaneous", is_flag=True,
              help="Sequential games: analyse the levers as if chosen at once (the stage game) instead of in order.")
@click.option("--infinite-horizon", "infinite", is_flag=True,
              help="Games with state: ignore [repeated] rounds and report stationary equilibria (no end date).")
@welfare_option
@click.option("--no-knife-edges", "no_knife", is_flag=True,
              help="Skip the search for parameters whose small move (within 10% of its range) changes the "
                   "pure equilibrium set.")
@click.pass_context
def solve(ctx, file, method, max_seconds, disagreement, tie, selection, mixed_dominance, fmt, plot_path, terms_path,
          matrix_path, tree_path, simultaneous, state_path, policy_path, infinite, welfare, no_knife):
    for option, extra in (("--plot-terms", terms_path), ("--plot-matrix", matrix_path),
                          ("--plot-state", state_path), ("--plot-policy", policy_path), ("--plot-tree", tree_path)):
        if extra is not None:
            check_plot_path(extra, option=option)
    if gambit_kind(file) == "efg" and not simultaneous:  # a Gambit game tree
        from sim.cli.sequence_cmd import solve_sequential

        solve_sequential(file, None, read_tree(file), fmt, plot_tree=tree_path)
        return
    scenario, game = load_payoffs(file, welfare)
    if scenario.sequence is not None and not simultaneous:  # moves in order: the game tree
        from sim.cli.sequence_cmd import solve_sequential
        from sim.model.load import welfare_scenario
        from sim.model.sequence import build_sequential_game

        tree = build_sequential_game(welfare_scenario(scenario, source=file) if welfare else scenario, source=file)
        solve_sequential(file, scenario, tree, fmt, plot_tree=tree_path)
        return
    if tree_path is not None:
        raise InputError("only a sequential game (a scenario with [sequence]) has a tree", key="--plot-tree")
    report = analyse(game, method=method, max_seconds=max_seconds, disagreement=disagreement, tie=tie,
                     mixed_dominance=mixed_dominance, progress=_status_line())
    report["payoffs"] = "welfare" if welfare else "political"
    found = None if no_knife else stage_knife_edges(file, conclusions="equilibria", welfare=welfare)
    report["knife_edges"] = None if found is None else found[0]
    markov = markov_report(scenario, selection=selection, source=file, state_plot=state_path,
                           policy_plot=policy_path, infinite=infinite)
    if markov is not None:
        report["markov_perfect"] = markov
    draw(game, report, space=plot_path, terms=terms_path, matrix=matrix_path)
    if fmt == "json":
        echo_json({**report, "invocation": invocation(ctx, file)})
    else:
        text = render_text(report)
        note = payoffs_note(scenario, welfare)
        if note:
            text = note + "\n" + text
        if found is not None:
            text += "\n" + "\n".join(knife_edge_lines(*found, what="the pure equilibrium set"))
        if markov is not None:
            text += "\n" + "\n".join(render_markov(markov, list(game.player_ids)))
        click.echo(text)


def draw(game, report: dict, *, space=None, terms=None, matrix=None) -> None:
    """The figures of ``solve``, drawn from its report (the plots compute nothing themselves)."""
    if not (space or terms or matrix):
        return
    import numpy as np

    from sim.viz import plots

    ids = game.player_ids

    def pts(items):
        return [(r["payoffs"][ids[0]], r["payoffs"][ids[1]]) for r in items]

    pure = [
        (game.action_index(0, next(iter(e["strategies"][ids[0]]))), game.action_index(1, next(iter(e["strategies"][ids[1]]))))
        for e in report["equilibria"]
        if len(e["strategies"][ids[0]]) == 1 and len(e["strategies"][ids[1]]) == 1
    ]
    if space:

        named = {"Nash equilibrium": pts(report["equilibria"])}
        for b in report["bargaining"]:
            named[b["concept"]] = pts([b])
        for s in report["stackelberg"]:
            named[f"Stackelberg ({s['leader']} leads)"] = pts([s])
        save_plot(plots.plot_payoff_space(game, payoff_set=feasible_ir_set(game), points=named), space)
    if terms:
        profiles = {}
        if pure:
            profiles["equilibrium"] = pure[0]
        if game.cooperative is not None:
            profiles["truce"] = game.cooperative
        profiles["full escalation"] = (int(np.argmax(game.hostility(0))), int(np.argmax(game.hostility(1))))
        save_plot(plots.plot_decomposition(game, profiles), terms)
    if matrix:
        save_plot(plots.plot_payoff_matrix(game, equilibria=pure), matrix)


def _status_line():
    """A ``progress(step, fraction)`` that keeps one status line on a terminal's stderr (else ``None``)."""
    if not sys.stderr.isatty():
        return None

    def show(step: str, fraction: float) -> None:
        sys.stderr.write(f"\r{step[:60]}: {fraction:4.0%}   ")
        if fraction >= 1.0:
            sys.stderr.write("\r" + " " * 72 + "\r")
        sys.stderr.flush()

    return show


def analyse(game, *, method="auto", max_seconds=60.0, disagreement="nash", tie="leader",
            mixed_dominance=False, progress=None) -> dict:
    """Everything ``solve`` prints, as one JSON-ready dict (stable keys).

    ``max_seconds`` bounds the equilibrium search, and once more every other step together (one
    shared :class:`~sim.stage.budget.Budget`): a step the time runs out in says ``complete: false``
    or ``skipped`` with the reason, as does one whose arrays would pass the memory cap.
    """
    import numpy as np

    from sim.stage.budget import Budget

    acts, ids = game.actions, tuple(game.player_ids)
    eq = nash_equilibria(game, method, max_seconds=max_seconds, mixed_dominance=mixed_dominance)
    budget = Budget(max_seconds=max_seconds, progress=progress)
    out = eq.to_dict()
    dom = eq.dominance or attach_labels(iterated_dominance(game.A, game.B, mixed=mixed_dominance, budget=budget), game)
    out["dominance"] = dom.to_dict()
    out["game"] = {"name": game.name, "players": list(ids), "shape": list(game.shape), "units": game.units}
    out["security"] = [s.to_dict() for s in security(game, budget=budget)]
    pareto = pareto_profiles(game.A, game.B)
    out["pareto"] = [
        {"profile": {ids[0]: acts[0][i], ids[1]: acts[1][j]},
         "payoffs": {ids[0]: float(game.A[i, j]), ids[1]: float(game.B[i, j])}}
        for i, j in pareto[:MAX_PARETO_LISTED]
    ]
    out["pareto_count"] = int(len(pareto))
    if eq.equilibria:
        pay = np.array([e.payoffs for e in eq.equilibria])
        d = (float(pay[:, 0].min()), float(pay[:, 1].min()))
        d_arg = d if disagreement == "nash" else "security"
    else:
        d_arg = "security"
    sols = [nash_bargaining(game, d_arg, budget=budget), kalai_smorodinsky(game, d_arg, budget=budget),
            utilitarian_optimum(game)]
    if disagreement == "nash" and eq.equilibria:
        sols = [
            dataclasses.replace(s, disagreement_source="worst-for-both Nash equilibrium payoffs"
                                if s.disagreement is not None else None)
            for s in sols
        ]
    out["bargaining"] = [s.to_dict() for s in sols]
    out["correlated_equilibrium"] = correlated_equilibrium(game, budget=budget).to_dict()
    out["stackelberg"] = [stackelberg(game, leader, tie=tie).to_dict() for leader in (0, 1)]
    out["stackelberg_mixed"] = [stackelberg_mixed(game, leader, budget=budget).to_dict() for leader in (0, 1)]
    return out


def _pays(values: dict | None, ids) -> str:
    if not values or any(values.get(p) is None for p in ids):
        return "n/a"
    return ", ".join(f"{p} {values[p]:.4g}" for p in ids)


def _skipped(item: dict) -> str:
    """`` (skipped: why)`` or `` (incomplete: time budget)`` for a step that did not finish, else ``""``."""
    if item.get("skipped"):
        return f" (skipped: {item['skipped']})"
    if item.get("complete") is False:
        return " (incomplete: the time budget ran out; the best found so far)"
    return ""


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
        mixed = {k: s[k]["value"] for k in ("maxmin_mixed", "minmax_mixed")}
        text = {k: "n/a" if v is None else f"{v:.4g}" for k, v in mixed.items()}
        lines.append(f"  {s['player']}: maxmin pure {s['maxmin_pure']['value']:.4g} with [{s['maxmin_pure']['action']}], "
                     f"mixed {text['maxmin_mixed']}; minmax pure {s['minmax_pure']['value']:.4g}, "
                     f"mixed {text['minmax_mixed']}{_skipped(s)}")
    lines.append(f"\nPareto-efficient pure profiles: {r.get('pareto_count', len(r['pareto']))}")
    for p in r["pareto"][:10]:
        lines.append("  " + "; ".join(f"{i}: {p['profile'][i]}" for i in ids)
                     + "  -> " + ", ".join(f"{p['payoffs'][i]:.4g}" for i in ids))
    if r.get("pareto_count", len(r["pareto"])) > 10:
        lines.append(f"  ... {r.get('pareto_count', len(r['pareto'])) - 10} more")
    lines.append("\nNegotiation:")
    for b in r["bargaining"]:
        pts = _pays(b["payoffs"], ids) + _skipped(b)
        lot = " / ".join(f"{x['weight']:.3g}×({'; '.join(x['profile'])})" for x in b["lottery"])
        dp = ""
        if b["disagreement"]:
            dp = f" [disagreement {', '.join(f'{v:.4g}' for v in b['disagreement'].values())}: {b['disagreement_source']}]"
        lines.append(f"  {b['concept']}: {pts}{dp}")
        if lot:
            lines.append(f"     {lot}")
    if "correlated_equilibrium" in r:
        ce = r["correlated_equilibrium"]
        lines.append("  correlated equilibrium (max total): " + _pays(ce["payoffs"], ids) + _skipped(ce))
    lines.append("\nStackelberg (leader commits, follower best-responds):")
    for s in r["stackelberg"]:
        lines.append(f"  {s['leader']} leads with [{s['leader_action']}], follower answers [{s['follower_action']}]: "
                     + ", ".join(f"{p} {s['payoffs'][p]:.4g}" for p in ids) + f" (ties: {s['tie_rule']})")
    for s in r.get("stackelberg_mixed", []):
        if not s.get("leader_strategy"):
            lines.append(f"  {s['leader']}'s mixed commitment: n/a{_skipped(s)}")
            continue
        lines.append(f"  {s['leader']} commits to {_fmt_strategy(s['leader_strategy'])}, follower answers "
                     f"[{s['follower_action']}]: " + _pays(s["payoffs"], ids) + " (mixed commitment)" + _skipped(s))
    return "\n".join(lines)


@click.command("threat")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--if", "trigger_items", multiple=True, required=True, metavar="PLAYER.LEVER=LEVEL",
              help="The move the threat answers, e.g. china.rare_earths='October controls' (repeatable).")
@click.option("--then", "response_items", multiple=True, required=True, metavar="PLAYER.LEVER=LEVEL",
              help="The threatened response, e.g. us.tariff='Oct threat' (repeatable).")
@format_option()
def threat(file, trigger_items, response_items, fmt):
    """Is a threat credible, and would it deter? Checked from the scenario's truce.

    \b
    "If the other side plays X, I respond with Y":
      credible   Y is a best response once X has happened (carrying it out does not cost me);
      deterrent  the other side gets less from X-then-Y than from the truce it would leave.
    Levers not named keep their level in the truce ([repeated] cooperative).

    \b
    Example (the October 2025 threat):
      tradesim threat scenarios/us_china_2025.toml \\
          --if "china.rare_earths=October controls" --then "us.tariff=Oct threat"
    """

    _, game = load_game(file)
    trigger_player, response_player, trigger, response = threat_option(game, trigger_items, response_items)
    result = threat_check(game, response_player, trigger, response)
    ids, acts = game.player_ids, game.actions
    data = result.to_dict()
    if fmt == "json":
        echo_json(data)
        return
    t, o = ids[response_player], ids[trigger_player]
    click.echo(f"{game.name}: if {o} plays [{acts[trigger_player][result.trigger]}],")
    click.echo(f"  {t} answers [{acts[response_player][result.response]}].")
    verdict = "credible" if result.credible else "NOT credible"
    click.echo(f"Credible? {verdict}: {t}'s best reply would be [{acts[response_player][result.best_response]}]; "
               f"carrying the threat out costs {t} {result.credibility_gap:.4g} {game.units} against that reply.")
    verdict = "deters" if result.deterrent else "does NOT deter"
    click.echo(f"Deterrent? It {verdict}: {o} gets {result.target_payoff_if_carried_out:.4g} if it moves and the threat "
               f"is carried out, {result.target_payoff_if_ignored:.4g} if it moves and the threat is not, "
               f"against {result.target_baseline_payoff:.4g} in the truce.")
    if not result.trigger_profitable_without_threat:
        click.echo(f"Note: the move does not pay {o} even if the threat is ignored, so the threat is not what stops it.")


def register(group: click.Group) -> None:
    group.add_command(solve)
    group.add_command(threat)
