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
    "sim.cli.sweep_cmd",
    "sim.cli.plot_cmd",
)


class _Group(click.Group):
    """Turns a :class:`TradesimError` into one line on stderr and exit status 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except TradesimError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


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
