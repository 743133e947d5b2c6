"""``tradesim solve``: equilibria, security levels, negotiation solutions and commitment outcomes."""

from __future__ import annotations

import click

from sim._files import check_plot_path
from sim.cli.common import (
    echo_json,
    format_option,
    invocation,
    payoffs_note,
    plot_option,
    refuse_two_player_options,
    save_plot,
    threat_option,
    welfare_option,
)
from sim.cli.markov import markov_report, render_markov
from sim.cli.nplayer_solve import solve_nplayer
from sim.cli.progress import StatusLine
from sim.cli.robust_cmd import knife_edge_lines
from sim.cli.scenario_cmds import (
    gambit_kind,
    load_any_payoffs,
    load_game,
    read_tree,
)
from sim.dynamic.solve import SELECTIONS
from sim.empirics.robust import stage_knife_edges
from sim.errors import InputError
from sim.model.nplayer import NormalFormGame
from sim.repeated.analysis import (
    BUDGET_REASON,
    DEFAULT_DISAGREEMENT,
    DISAGREEMENTS,
    analysis_text,
)
from sim.repeated.analysis import analyse as analyse_game
from sim.repeated.payoff_set import feasible_ir_set
from sim.stage.budget import Budget
from sim.stage.commitment import threat_check

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
  truce thresholds  each side's critical discount factor for keeping the cooperative profile
                    under grim trigger (tradesim thresholds gives the rest).
Every payoff is printed with the scenario's payoff_unit. On a terminal a step running more than
a few seconds shows a status line on stderr (--quiet: none).

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
@click.option("--method", type=click.Choice(["auto", "pure", "support", "vertex", "lemke-howson", "qre"]),
              default="auto", show_default=True,
              help="How to find Nash equilibria (vertex and lemke-howson: two players; qre: three or more, "
                   "one equilibrium at the end of the logit QRE branch).")
@click.option("--max-seconds", type=float, default=60.0, show_default=True,
              help="Time budget for the equilibrium search, and once more for every other step together "
                   "(dominance, security, bargaining, correlated equilibrium, commitment, truce thresholds, "
                   "knife edges); a step past it says partial, incomplete or 'skipped: time budget' (JSON: "
                   "budget.cut_short).")
@click.option("--disagreement", type=click.Choice(DISAGREEMENTS), default=DEFAULT_DISAGREEMENT, show_default=True,
              help="Bargaining threat point: each side's worst payoff over the Nash equilibria (the default "
                   "everywhere, sweep's bargaining metric too), or the security levels.")
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
@click.option("--quiet", "-q", is_flag=True, help="No status line on the terminal for long steps.")
@click.pass_context
def solve(ctx, file, method, max_seconds, disagreement, tie, selection, mixed_dominance, fmt, plot_path, terms_path,
          matrix_path, tree_path, simultaneous, state_path, policy_path, infinite, welfare, no_knife, quiet):
    if not max_seconds > 0:
        raise InputError(f"must be positive, got {max_seconds:g}", key="--max-seconds")
    for option, extra in (("--plot-terms", terms_path), ("--plot-matrix", matrix_path),
                          ("--plot-state", state_path), ("--plot-policy", policy_path), ("--plot-tree", tree_path)):
        if extra is not None:
            check_plot_path(extra, option=option)
    if gambit_kind(file) == "efg" and not simultaneous:  # a Gambit game tree
        from sim.cli.sequence_cmd import solve_sequential

        solve_sequential(file, None, read_tree(file), fmt, plot_tree=tree_path)
        return
    scenario, game = load_any_payoffs(file, welfare)
    if isinstance(game, NormalFormGame):  # three or more players: their own solvers (sim.stage.nplayer_*)
        refuse_two_player_options(game, {
            "--disagreement": disagreement != "nash", "--tie": tie != "leader", "--plot-terms": terms_path,
            "--plot-matrix": matrix_path, "--plot-state": state_path, "--plot-policy": policy_path,
            "--plot-tree": tree_path, "--simultaneous": simultaneous, "--infinite-horizon": infinite,
            "--method": method in ("vertex", "lemke-howson")})
        solve_nplayer(game, fmt=fmt, max_seconds=max_seconds, method=method, mixed_dominance=mixed_dominance,
                      plot_path=plot_path, extra={"invocation": invocation(ctx, file)} if fmt == "json" else None)
        return
    if method == "qre":
        raise InputError("is for games of three or more players (two players: auto, pure, support, vertex, "
                         "lemke-howson)", key="--method")
    if scenario.sequence is not None and not simultaneous:  # moves in order: the game tree
        from sim.cli.sequence_cmd import solve_sequential
        from sim.model.load import welfare_scenario
        from sim.model.sequence import build_sequential_game

        tree = build_sequential_game(welfare_scenario(scenario, source=file) if welfare else scenario, source=file)
        solve_sequential(file, scenario, tree, fmt, plot_tree=tree_path)
        return
    if tree_path is not None:
        raise InputError("only a sequential game (a scenario with [sequence]) has a tree", key="--plot-tree")
    budget = Budget()  # shared with the knife edges; analyse sets its deadline when the equilibrium search ends
    with StatusLine(enabled=False if quiet else None) as status:
        result = analyse_game(game, method=method, max_seconds=max_seconds, disagreement=disagreement, tie=tie,
                              mixed_dominance=mixed_dominance, progress=status, budget=budget)
        report = result.to_dict()
        report["payoffs"] = "welfare" if welfare else "political"
        found, knife_skipped = None, None
        if no_knife:
            pass
        elif budget.expired():
            knife_skipped = BUDGET_REASON
            report["budget"]["cut_short"]["knife edges"] = "skipped: " + BUDGET_REASON
            report["budget"]["complete"] = False
        else:
            status("knife edges", 0.0)
            found = stage_knife_edges(file, conclusions="equilibria", welfare=welfare)
            status("knife edges", 1.0)
        report["knife_edges"] = None if found is None else found[0]
        status("Markov perfect equilibria", 0.0)
        markov = markov_report(scenario, selection=selection, source=file, state_plot=state_path,
                               policy_plot=policy_path, infinite=infinite)
        status("Markov perfect equilibria", 1.0)
    if markov is not None:
        report["markov_perfect"] = markov
    draw(game, report, space=plot_path, terms=terms_path, matrix=matrix_path)
    if fmt == "json":
        made = invocation(ctx, file)
        made["params"].pop("quiet", None)  # how the terminal looked, not how the result was made
        echo_json({**report, "invocation": made})
    else:
        text = render_text(report)
        note = payoffs_note(scenario, welfare)
        if note:
            text = note + "\n" + text
        if found is not None:
            text += "\n" + "\n".join(knife_edge_lines(*found, what="the pure equilibrium set"))
        elif knife_skipped:
            text += f"\n\nKnife edges: skipped: {knife_skipped}"
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


def analyse(game, *, method="auto", max_seconds=60.0, disagreement=DEFAULT_DISAGREEMENT, tie="leader",
            mixed_dominance=False, progress=None) -> dict:
    """Everything ``solve`` prints, as one JSON-ready dict (stable keys): the ``to_dict()`` of
    :func:`sim.repeated.analysis.analyse`, which does the work (kept for callers of this name)."""
    return analyse_game(game, method=method, max_seconds=max_seconds, disagreement=disagreement, tie=tie,
                        mixed_dominance=mixed_dominance, progress=progress).to_dict()


#: ``solve``'s text for a report dict (:func:`sim.repeated.analysis.analysis_text`).
render_text = analysis_text


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
