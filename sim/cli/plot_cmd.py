"""``tradesim plot``: draw a saved JSON result again."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import click

from sim._files import check_plot_path
from sim.cli.results import check_scenario_unchanged, read_invocation
from sim.errors import InputError, TradesimError


@click.command()
@click.argument("result", type=click.Path(exists=True, dir_okay=False))
@click.argument("figure", type=click.Path(dir_okay=False))
@click.pass_context
def plot(ctx: click.Context, result: str, figure: str) -> None:
    """Draw the figure of a saved JSON RESULT (or a sweep table) into FIGURE (png, svg or pdf).

    \b
    RESULT is the --format json output of solve, play, tournament, evolve or
    thresholds. Its "invocation" block records the command, its options and the
    scenario file's hash; the result is made again from them (same seed, same
    numbers) and drawn as that command's --plot would. If the scenario file has
    changed since, tradesim refuses rather than draw something else. FIGURE is
    the only file written: output options recorded in RESULT (--plot-terms,
    --plot-simplex, ...) are ignored. See docs/plot.md.

    \b
    A sweep's table (.parquet or .csv, from tradesim sweep -o) is drawn as
    sweep --plot draws it: a line per metric for one swept number, a phase
    diagram for two; axes are labelled from the scenario its manifest names.

    \b
    Example:
      tradesim play scenarios/us_china_2025.toml --reps 200 --seed 1 --format json > run.json
      tradesim plot run.json paths.png
      tradesim plot sweep.parquet phase.png
    """

    try:
        check_plot_path(figure, option="FIGURE")
    except InputError as exc:
        raise InputError(exc.message, key="FIGURE") from None
    if Path(result).suffix.lower() in SWEEP_SUFFIXES:
        _plot_sweep(result, figure)
        return
    saved = read_invocation(result)
    check_scenario_unchanged(saved)
    target = Path(figure).resolve()
    for path, what in ((result, "the result file"), (saved.scenario, "the scenario file")):
        if target == Path(path).resolve():
            raise InputError(f"{figure} is {what}; name a new file for the figure", key="FIGURE")
    root = ctx.find_root().command
    command = root.get_command(ctx, saved.command) if isinstance(root, click.Group) else None
    if command is None:  # the schema knows a command this build of tradesim does not have
        raise InputError(f"no command {saved.command!r}", file=result, key="invocation.command")
    params = {**saved.params.run_params(), "plot_path": figure, "fmt": "json"}
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            ctx.invoke(command, **params)
    except TradesimError as exc:  # an option the schema lets through but the command refuses
        raise InputError(f"{saved.command} refused the recorded options: {exc}", file=result,
                         key="invocation.params") from None


#: Extensions of a sweep table (drawn by :func:`sim.viz.sweep_plot.plot_sweep`).
SWEEP_SUFFIXES = (".parquet", ".pq", ".csv")


def _plot_sweep(table_path: str, figure: str) -> None:
    from sim.cli.common import save_plot
    from sim.viz.sweep_plot import plot_sweep, read_sweep, sweep_view

    if Path(figure).resolve() == Path(table_path).resolve():
        raise InputError(f"{figure} is the sweep table; name a new file for the figure", key="FIGURE")
    table, manifest, scenario = read_sweep(table_path)
    try:
        view = sweep_view(table, manifest, scenario)
    except InputError as exc:
        raise InputError(exc.message, file=table_path, key=exc.key) from None
    save_plot(plot_sweep(view), figure)


def register(group: click.Group) -> None:
    group.add_command(plot)
