"""``tradesim handout``: printable PDF handouts of a scenario for a class."""

from __future__ import annotations

import click

from sim._files import check_plot_path
from sim.cli.scenario_cmds import read_scenario
from sim.errors import InputError


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="The PDF to write (A4 pages).")
def handout(scenario: str, output: str) -> None:
    """Write printable handouts of SCENARIO to a PDF: a card per player with its levers (levels
    from conciliatory to hostile) and its payoff terms with the numbers they use, the payoff matrix
    of the stage game (for a large game: the matrix over each side's main lever, the others at the
    cooperative profile, said on the page; for a game with state: one per state), and action
    cards to cut out.

    \b
    Example:
      tradesim handout scenarios/fivethirtyeight_trade.toml -o handout.pdf
    """
    from sim.viz.handouts import write_handout

    check_plot_path(output, option="-o")
    if not output.lower().endswith(".pdf"):
        raise InputError(f"a handout is a PDF: name a file ending in .pdf, not {output!r}", key="-o")
    loaded = read_scenario(scenario)
    write_handout(loaded, output, source=scenario)
    click.echo(f"wrote {output}", err=True)


def register(group: click.Group) -> None:
    group.add_command(handout)
