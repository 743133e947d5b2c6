"""The ``tradesim`` command line. It only connects the library's pieces; no analysis lives here."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, MutableMapping

import click

from sim.errors import TradesimError

# Each module defines click commands and a ``register(group)`` function. A module is imported only
# when one of its commands runs or ``tradesim --help`` lists them all, so start-up stays short.
_COMMAND_MODULES = (
    "sim.cli.scenario_cmds",
    "sim.cli.solve_cmd",
    "sim.cli.play_cmds",
    "sim.cli.thresholds_cmd",
    "sim.cli.sweep_cmd",
    "sim.cli.plot_cmd",
    "sim.cli.robust_cmd",
    "sim.cli.inverse_cmd",
    "sim.cli.replay_cmd",
    "sim.cli.classroom_cmd",
    "sim.cli.duel_cmd",
    "sim.cli.handout_cmd",
    "sim.cli.stability_cmd",
    "sim.cli.export_cmd",
    "sim.cli.report_cmd",
    "sim.cli.compare_cmd",
)


#: The module that registers each command, so running one imports that module alone. It only saves
#: time: a command missing here is still found (its module is imported when the name is looked up).
_COMMANDS = {
    "validate": "sim.cli.scenario_cmds",
    "show": "sim.cli.scenario_cmds",
    "schema": "sim.cli.scenario_cmds",
    "solve": "sim.cli.solve_cmd",
    "threat": "sim.cli.solve_cmd",
    "play": "sim.cli.play_cmds",
    "tournament": "sim.cli.play_cmds",
    "evolve": "sim.cli.play_cmds",
    "thresholds": "sim.cli.thresholds_cmd",
    "sweep": "sim.cli.sweep_cmd",
    "plot": "sim.cli.plot_cmd",
    "robust": "sim.cli.robust_cmd",
    "replay": "sim.cli.replay_cmd",
    "fit": "sim.cli.replay_cmd",
    "classroom": "sim.cli.classroom_cmd",
    "classroom-export": "sim.cli.classroom_cmd",
    "duel": "sim.cli.duel_cmd",
    "handout": "sim.cli.handout_cmd",
    "inverse": "sim.cli.inverse_cmd",
    "stability": "sim.cli.stability_cmd",
    "export": "sim.cli.export_cmd",
    "report": "sim.cli.report_cmd",
    "compare": "sim.cli.compare_cmd",
}


class _Commands(MutableMapping):
    """A group's commands, each module registered on first need: a lookup by name imports the module
    ``_COMMANDS`` gives for it, else the modules ``_COMMANDS`` does not name, else all of them;
    listing the commands (``--help``, "did you mean") imports every module."""

    def __init__(self, group: click.Group) -> None:
        self._group = group
        self._commands: dict[str, click.Command] = {}
        self._loaded: set[str] = set()

    def _load(self, modules) -> None:
        for module in modules:
            if module not in self._loaded:
                self._loaded.add(module)
                importlib.import_module(module).register(self._group)

    def __getitem__(self, name: str) -> click.Command:
        named = set(_COMMANDS.values())
        for modules in ([_COMMANDS.get(name)], [m for m in _COMMAND_MODULES if m not in named], _COMMAND_MODULES):
            if name in self._commands:
                break
            self._load(m for m in modules if m in _COMMAND_MODULES)
        return self._commands[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._commands[name] = command

    def __delitem__(self, name: str) -> None:
        del self._commands[name]

    def __iter__(self) -> Iterator[str]:
        self._load(_COMMAND_MODULES)
        return iter(self._commands)

    def __len__(self) -> int:
        self._load(_COMMAND_MODULES)
        return len(self._commands)


class _Group(click.Group):
    """Every error a user can cause is one line on stderr, ``error: ...``, and exit status 2.

    That covers :class:`TradesimError` (bad scenario, bad option value), click's usage errors
    (unknown option, a value of the wrong type) and files that cannot be written.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except TradesimError as exc:
            _fail(str(exc))
        except BrokenPipeError:  # output piped into `head`: not an error of ours
            sys.stderr.close()
            sys.exit(0)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(f"{where}{exc.strerror or exc}")

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            where = f"{exc.ctx.command_path}: " if exc.ctx is not None else ""
            _fail(f"{where}{exc.format_message()}")
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except click.exceptions.Abort:
            _fail("aborted", 1)
        sys.exit(result if isinstance(result, int) else 0)


def _fail(message: str, status: int = 2):
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="tradesim")
def main() -> None:
    """tradesim: trade-leverage games from scenario files.

    \b
    A scenario file (TOML) gives two players, their levers (ordered levels,
    conciliatory first) and payoff terms; tradesim builds the stage game and
    analyses it: equilibria, bargaining, threats, repeated play and sweeps.

    \b
    Start with:
      tradesim show scenarios/us_china_2025.toml
      tradesim solve scenarios/us_china_2025.toml
    """


main.commands = _Commands(main)
