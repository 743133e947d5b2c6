"""``tradesim thresholds``: when is the scenario's truce self-enforcing (folk theorem), and, in a game
with state, from which initial states."""

from __future__ import annotations

import copy
import dataclasses

import click
import numpy as np

from sim.cli.common import (
    console,
    cooperative_option,
    echo_json,
    fmt_number,
    format_option,
    invocation,
    payoffs_note,
    plot_option,
    refuse_two_player_options,
    save_plot,
    welfare_option,
)
from sim.cli.markov import render_truce, truce_report
from sim.cli.nplayer_play import thresholds_nplayer
from sim.cli.robust_cmd import knife_edge_lines
from sim.cli.scenario_cmds import load_any_payoffs
from sim.empirics.robust import stage_knife_edges
from sim.errors import InputError
from sim.model.load import read_document
from sim.model.nplayer import NormalFormGame
from sim.repeated.curves import ThresholdCurve, threshold_curve
from sim.repeated.payoff_set import feasible_ir_set
from sim.repeated.thresholds import truce_thresholds
from sim.sweeps.design import number_paths, parse_axis
from sim.sweeps.evaluate import PointEvaluator
from sim.sweeps.metrics import BATCH_CELLS, SweepJob

#: Parameter values a --vary curve may have (a sweep does more).
MAX_CURVE_POINTS = 10_000


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--cooperative", "coop_items", multiple=True, metavar="PLAYER=ACTION",
              help="Truce profile (default: scenario's).")
@click.option("--vary", metavar="PATH=LO:HI:N", default=None,
              help="Also trace the thresholds as one number runs over N values from LO to HI (or PATH=v1,v2,...): "
                   "any path sweep -p takes, e.g. a parameter, players.ID.discount, a lever level.")
@click.option("--infinite-horizon", "infinite", is_flag=True,
              help="Games with state: check the truce with no end date (ignore [repeated] rounds).")
@welfare_option
@click.option("--no-knife-edges", "no_knife", is_flag=True,
              help="Skip the search for parameters whose small move (within 10% of its range) changes whether the "
                   "truce is self-enforcing for a side.")
@format_option("text", "json")
@plot_option("Draw the folk-theorem picture (feasible and individually rational payoffs, truce, Nash, "
             "minmax) or, with --vary, the critical discount factors against the parameter.")
@click.pass_context
def thresholds(ctx, file, coop_items, vary, infinite, welfare, no_knife, fmt, plot_path):
    """Critical discount factors that make the scenario's truce self-enforcing (folk theorem).

    \b
    grim trigger (Nash reversion): deviate once and both play the stage equilibrium for ever;
    grim trigger (minmax): deviate once and the other side holds you to your minmax value;
    tit for tat: the other side mirrors your last move.
    The truce is self-enforcing for a side whose discount factor (per round) is at least its threshold.
    In a game with state it is also checked from every initial state, with deviations answered by
    reverting to the Markov perfect equilibrium (JSON key markov_truce).
    """

    scenario, game = load_any_payoffs(file, welfare)
    cooperative = cooperative_option(coop_items)
    if isinstance(game, NormalFormGame):  # three or more players: grim trigger against all, per player
        refuse_two_player_options(game, {"--vary": vary, "--plot": plot_path, "--infinite-horizon": infinite})
        thresholds_nplayer(game, cooperative=cooperative, fmt=fmt)
        return
    th = truce_thresholds(game, cooperative)
    found = None if no_knife else stage_knife_edges(file, conclusions="self_enforcing", welfare=welfare,
                                                    cooperative=th.cooperative)
    markov = truce_report(scenario, cooperative, source=file, infinite=infinite)
    payoff_set = feasible_ir_set(game)
    curve = _threshold_curve(scenario, vary, cooperative, source=file, welfare=welfare) if vary else None
    if plot_path:
        from sim.viz import plots

        if curve is not None:
            fig = plots.plot_threshold_curve(curve, scenario=scenario)
        else:
            i, j = th.cooperative
            fig = plots.plot_payoff_space(game, payoff_set=payoff_set, points={
                "truce": [(game.A[i, j], game.B[i, j])],
                "stage Nash (reversion)": [th.nash_payoff],
                "minmax point": [th.minmax_payoff],
            })
        save_plot(fig, plot_path)
    if fmt == "json":
        out = {**th.to_dict(), "feasible_set": payoff_set.to_dict(), "payoffs": "welfare" if welfare else "political",
               "knife_edges": None if found is None else found[0], "invocation": invocation(ctx, file)}
        if markov is not None:
            out["markov_truce"] = markov
        if curve is not None:
            out["curve"] = curve.to_dict()
        echo_json(out)
        return
    from rich.table import Table

    con = console()
    note = payoffs_note(scenario, welfare)
    if note:
        click.echo(note)
    con.print(f"[bold]{game.name}[/bold]: truce " + "; ".join(f"{pid} = {lab}" for pid, lab in zip(th.player_ids, th.cooperative_labels)))
    table = Table(show_header=True)
    table.add_column("")
    for pid in th.player_ids:
        table.add_column(pid, justify="right")
    table.add_row(f"truce payoff ({th.units})" if th.units else "truce payoff", *(fmt_number(v, 2) for v in th.cooperative_payoff))
    table.add_row("best deviation payoff", *(fmt_number(v, 2) for v in th.deviation_payoff))
    table.add_row("stage Nash payoff", *(fmt_number(v, 2) for v in th.nash_payoff))
    table.add_row("minmax payoff", *(fmt_number(v, 2) for v in th.minmax_payoff))
    table.add_row("critical δ: grim trigger (Nash reversion)", *(fmt_number(v) for v in th.grim_nash))
    table.add_row("critical δ: grim trigger (minmax)", *(fmt_number(v) for v in th.grim_minmax))
    table.add_row("critical δ: tit for tat", *(fmt_number(v) for v in th.tit_for_tat))
    table.add_row(f"discount factor per {th.period}", *(fmt_number(v) for v in th.discount))
    con.print(table)
    for line in th.sentences():
        con.print(line)
    if found is not None:
        click.echo("\n".join(knife_edge_lines(*found, what="whether the truce is self-enforcing")))
    if markov is not None:
        click.echo("\n".join(render_truce(markov, list(th.player_ids))))
    if curve is not None:
        con.print(f"\nAs {curve.parameter} varies (critical δ under grim trigger, Nash reversion):")
        table = Table(show_header=True)
        table.add_column(f"{curve.parameter} {curve.unit}".strip(), justify="right")
        for pid in curve.player_ids:
            table.add_column(pid, justify="right")
        table.add_column("self-enforcing", justify="center")
        for k, value in enumerate(curve.values):
            table.add_row(f"{value:g}", *(fmt_number(v) for v in curve.grim_nash[k]), "yes" if curve.self_enforcing[k].all() else "no")
        con.print(table)


def _threshold_curve(scenario, vary: str, cooperative, *, source: str, welfare: bool = False):
    """The curve of ``--vary PATH=LO:HI:N`` (or ``PATH=v1,v2,...``): any number ``sweep -p`` takes
    (a parameter, ``players.ID.discount``, a lever level, a payoff entry, a state's initial level,
    ...), parsed by sweep's own parser (:func:`sim.sweeps.design.parse_axis`)."""

    try:
        axis = parse_axis(vary, number_paths(scenario))
    except InputError as exc:
        raise InputError(exc.message, key=f"--vary {vary}") from None
    if axis.values is None and axis.n is None:
        raise InputError(f"give N values as NAME=LO:HI:N, got {vary!r}", key="--vary")
    values = axis.grid()
    if len(values) > MAX_CURVE_POINTS:
        raise InputError(f"{len(values)} values; at most {MAX_CURVE_POINTS} (use tradesim sweep for more)", key="--vary")
    if axis.path.kind == "parameter":
        return threshold_curve(scenario, axis.path.name, values, cooperative=cooperative)
    return curve_along_path(source, axis.path, values, cooperative=cooperative, welfare=welfare)


def curve_along_path(source: str, path, values, *, cooperative=None, welfare: bool = False) -> ThresholdCurve:
    """Truce thresholds as the sweep path ``path`` (a :class:`~sim.sweeps.design.NumberPath`) takes
    each of ``values``: the stage games come from sweep's own evaluator, so a number means here what
    it means in ``sweep -p``. Numbers the thresholds do not read (repeated-play settings, strategy
    parameters) give a flat curve."""
    document = copy.deepcopy(read_document(source))
    if welfare:  # the [welfare] values as base values, as --welfare reads the file
        for name, value in (document.get("welfare") or {}).items():
            document["parameters"][name]["value"] = float(value)
    job = SweepJob(document=document, source=source, paths=(path.path,), metrics=(), strategies=(), reps=1,
                   seed=0, replicates=1)
    ev = PointEvaluator(job)
    base = ev.base_game
    values = np.asarray(values, dtype=float)
    step = max(1, BATCH_CELLS // max(1, base.A.size))
    rows = []
    for lo in range(0, len(values), step):
        block = values[lo:lo + step, None]
        batch = ev.batch(block, np.zeros(len(block), dtype=np.int64))
        for k in range(len(block)):
            game = dataclasses.replace(base, A=np.asarray(batch.A[k]), B=np.asarray(batch.B[k]),
                                       discount=(float(batch.discount[k, 0]), float(batch.discount[k, 1])))
            rows.append(truce_thresholds(game, cooperative))
    first = rows[0]
    return ThresholdCurve(
        name=base.name, parameter=path.path, unit="", period=first.period, player_ids=first.player_ids,
        values=values, grim_nash=np.array([r.grim_nash for r in rows]), grim_minmax=np.array([r.grim_minmax for r in rows]),
        tit_for_tat=np.array([r.tit_for_tat for r in rows]), discount=np.array([r.discount for r in rows]),
        self_enforcing=np.array([r.self_enforcing("grim_nash") for r in rows]),
    )


def register(group: click.Group) -> None:
    """Add ``thresholds`` to the ``tradesim`` group."""
    group.add_command(thresholds)
