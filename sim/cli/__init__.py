"""The ``tradesim`` command line. It only connects the library's pieces; no analysis lives here."""

from __future__ import annotations

import importlib
import sys

import click

from sim.errors import TradesimError

# Each module defines click commands and a ``register(group)`` function.
_COMMAND_MODULES = (
    "sim.cli.scenario_cmds",
    "sim.cli.solve_cmd",
    "sim.cli.play_cmds",
    "sim.cli.thresholds_cmd",
    "sim.cli.sweep_cmd",
    "sim.cli.plot_cmd",
    "sim.cli.robust_cmd",
    "sim.cli.replay_cmd",
    "sim.cli.classroom_cmd",
    "sim.cli.duel_cmd",
    "sim.cli.handout_cmd",
)


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


for _name in _COMMAND_MODULES:
    importlib.import_module(_name).register(main)
