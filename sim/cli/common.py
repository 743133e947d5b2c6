"""Pieces every command shares: the ``--format`` option, JSON output, atomic writes, progress."""

from __future__ import annotations

import json
import math
import os
import sys
from typing import Any, Callable, Mapping

import click
import numpy as np

from sim._files import (  # noqa: F401  (re-exported for commands)
    atomic_path,
    check_plot_path,
    write_text_atomic,
)
from sim.errors import InputError
from sim.model.load import document_hash

FORMATS = ("text", "json")


def format_option(*choices: str) -> Callable:
    """``--format`` with the given choices (text first: the default)."""
    choices = choices or FORMATS
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help="text is a readable table; json (and csv where offered) are stable, for pipes.",
    )


def to_jsonable(obj: Any) -> Any:
    """Numpy scalars and arrays to plain Python; non-finite floats to ``None``."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    return obj


def dumps(obj: Any) -> str:
    """Stable JSON: sorted keys off (order is meaningful), two-space indent, plain types."""
    return json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False)


def echo_json(obj: Any) -> None:
    click.echo(dumps(obj))


def console():
    """A rich console that keeps tables readable when output goes to a pipe or a file."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 140, highlight=False, soft_wrap=False)


def show_progress() -> bool:
    """Progress bars only on an interactive terminal, never in pipes or CI."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def plot_option(help_text: str) -> Callable:
    """``--plot FILE``: png, svg or pdf by extension, checked before any work is done."""

    def check(ctx, param, value):
        if value is None:
            return None
        check_plot_path(value)
        return value

    return click.option("--plot", "plot_path", type=click.Path(dir_okay=False), callback=check, help=help_text)


def invocation(ctx: click.Context, scenario_path: str, *, seed_key: int | None = None) -> dict[str, Any]:
    """How a result was made, so ``tradesim plot`` can make it again: command, options, scenario hash.

    A run without ``--seed`` records the seed it drew (``seed_key``), so it too can be made again.
    """

    params = {k: v for k, v in ctx.params.items() if k not in ("fmt", "plot_path")}
    if "seed" in params and params["seed"] is None and seed_key is not None:
        params["seed"] = int(seed_key)
    return {
        "command": ctx.info_name,
        "params": to_jsonable(params),
        "scenario": scenario_path,
        "scenario_sha256": document_hash(scenario_path),
    }


def save_plot(fig, path: str | None) -> None:
    """Save a figure if ``--plot`` was given; say where on stderr."""
    if path is None:
        return
    from sim.viz.plots import save_figure

    save_figure(fig, path)
    click.echo(f"wrote {path}", err=True)


def cooperative_option(items: tuple[str, ...]) -> dict[str, str] | None:
    """``--cooperative PLAYER=ACTION`` items as ``{player: action}`` (``None`` when none given)."""
    if not items:
        return None
    out = {}
    for item in items:
        pid, eq, label = item.partition("=")
        if not eq:
            raise InputError(f"expected PLAYER=ACTION, got {item!r}", key="--cooperative")
        out[pid.strip()] = label.strip()
    return out


def fmt_number(x: Any, digits: int = 3) -> str:
    """A number for a text table: ``-`` for none, ``never`` for infinity."""
    if x is None:
        return "-"
    if isinstance(x, float):
        if math.isinf(x):
            return "never"
        return f"{x:.{digits}f}"
    return str(x)


def welfare_option(f):
    """``--welfare``: payoffs under the scenario's ``[welfare]`` parameter values."""
    return click.option("--welfare", is_flag=True,
                        help="Payoffs as national welfare: build the game with the scenario's [welfare] parameter "
                             "values instead of its base (political) values.")(f)


def payoffs_note(scenario, welfare: bool) -> str | None:
    """Text line saying which payoffs were used (none for a scenario without ``[welfare]``)."""
    if welfare:
        return "Payoffs: national welfare ([welfare] " + ", ".join(f"{k}={v:g}" for k, v in scenario.welfare.items()) + ")"
    if scenario.welfare:
        return "Payoffs: political (the file's base values; --welfare for national welfare)"
    return None


def threat_option(game, trigger_items, response_items) -> tuple[int, int, dict[str, str], dict[str, str]]:
    """``--if MOVE --then RESPONSE`` as ``(trigger player, response player, trigger, response)``
    (:func:`sim.stage.commitment.threat_check` takes the response player as the threatener)."""
    trigger_player, trigger = lever_settings(game, trigger_items, "--if")
    response_player, response = lever_settings(game, response_items, "--then")
    if trigger_player == response_player:
        raise InputError("--if and --then must name different players", key="--then")
    return trigger_player, response_player, trigger, response


def emit(text: str, path: str | None, *, option: str) -> None:
    """Print ``text``, or write it to ``path`` (given by ``option``) atomically and say so on stderr."""
    if path is None:
        click.echo(text, nl=False)
        return
    write_text_atomic(path, text, what=option)
    click.echo(f"wrote {path}", err=True)


def lever_settings(game, items, option) -> tuple[int, dict[str, str]]:
    """``--if``/``--then`` items ``PLAYER.LEVER=LEVEL`` as ``(player index, {lever: level})``."""
    players = set()
    settings = {}
    for item in items:
        name, sep, level = item.partition("=")
        pid, dot, lever = name.strip().partition(".")
        if not sep or not dot:
            raise InputError(f"expected PLAYER.LEVER=LEVEL, got {item!r}", key=option)
        if pid not in game.player_ids:
            raise InputError(f"no player {pid!r} (players: {', '.join(game.player_ids)})", key=option)
        players.add(game.player_ids.index(pid))
        if lever in settings:
            raise InputError(f"lever {pid}.{lever} is given twice", key=option)
        settings[lever] = level.strip()
    if len(players) != 1:
        raise InputError("name levers of one player only", key=option)
    return players.pop(), settings


def refuse_two_player_options(game: Any, options: Mapping[str, Any]) -> None:
    """For a game of more than two players: an ``InputError`` naming the first of ``options``
    (``{option: value}``) given a truthy value, an option that only means something for two."""
    for option, value in options.items():
        if value:
            raise InputError(f"is for two-player games; this game has {game.n_players} players", key=option)
