"""``tradesim plot``: draw a saved JSON result again."""

from __future__ import annotations

import contextlib
import io
import json

import click

from sim._files import check_plot_path
from sim.errors import InputError
from sim.model.load import document_hash


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
    changed since, tradesim refuses rather than draw something else.

    \b
    Example:
      tradesim play scenarios/us_china_2025.toml --reps 200 --seed 1 --format json > run.json
      tradesim plot run.json paths.png
    """

    check_plot_path(figure)
    try:
        with open(result, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a JSON result: {exc}", file=result) from None
    record = data.get("invocation") if isinstance(data, dict) else None
    if not isinstance(record, dict) or "command" not in record:
        raise InputError("no 'invocation' block: save results with --format json", file=result, key="invocation")
    root = ctx.find_root().command
    command = root.get_command(ctx, record["command"]) if isinstance(root, click.Group) else None
    if command is None or command.name in ("plot", "sweep") or not any(p.name == "plot_path" for p in command.params):
        raise InputError(f"results of {record['command']!r} have no figure", file=result, key="invocation.command")
    if document_hash(record["scenario"]) != record.get("scenario_sha256"):
        raise InputError(
            f"scenario {record['scenario']} changed since the result was saved; run the command again",
            file=result,
            key="invocation.scenario_sha256",
        )
    params = dict(record["params"])
    for param in command.params:
        if param.multiple and param.name in params and params[param.name] is not None:
            params[param.name] = tuple(params[param.name])
    params.update(plot_path=figure, fmt="json")
    with contextlib.redirect_stdout(io.StringIO()):
        ctx.invoke(command, **params)


def register(group: click.Group) -> None:
    group.add_command(plot)
