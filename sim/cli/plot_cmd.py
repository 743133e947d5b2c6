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
    """Draw the figure of a saved JSON RESULT into FIGURE (png, svg or pdf).

    \b
    RESULT is the --format json output of solve, play, tournament, evolve or
    thresholds. Its "invocation" block records the command, its options and the
    scenario file's hash; the result is made again from them (same seed, same
    numbers) and drawn as that command's --plot would. If the scenario file has
    changed since, tradesim refuses rather than draw something else. FIGURE is
    the only file written: output options recorded in RESULT (--plot-terms,
    --plot-simplex, ...) are ignored. See docs/plot.md.

    \b
    Example:
      tradesim play scenarios/us_china_2025.toml --reps 200 --seed 1 --format json > run.json
      tradesim plot run.json paths.png
    """

    try:
        check_plot_path(figure, option="FIGURE")
    except InputError as exc:
        raise InputError(exc.message, key="FIGURE") from None
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


def register(group: click.Group) -> None:
    group.add_command(plot)
