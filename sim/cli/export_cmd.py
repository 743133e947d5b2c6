"""``tradesim export``: write a scenario (or a Gambit file) as a Gambit ``.nfg`` or ``.efg`` file."""

from __future__ import annotations

import click

from sim.cli.scenario_cmds import gambit_kind, load_any_game, load_game, read_tree
from sim.errors import InputError

__all__ = ["register", "export"]


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--to", "out", required=True, type=click.Path(dir_okay=False), metavar="GAME.nfg|GAME.efg",
              help="The file to write; its suffix chooses the format.")
def export(file, out):
    """Write the game of FILE in Gambit's format, so Gambit (or pygambit) can open it.

    \b
    GAME.nfg  the strategic form: the stage game (every profile of levers), or the
              reduced normal form of a game tree; strategies keep their labels.
    GAME.efg  the extensive form: a sequential scenario's tree ([sequence]), or a
              stage game as a tree in which the second player moves without seeing
              the first one's move (one information set).

    \b
    Examples:
      tradesim export scenarios/prisoners_dilemma.toml --to pd.nfg
      tradesim export scenarios/us_china_sequential.toml --to october.efg
      tradesim solve october.efg
    """
    from sim.model.gambit import write_efg, write_nfg

    target = gambit_kind(out)
    if target is None:
        raise InputError(f"write a .nfg or .efg file, got {out!r}", key="--to")
    source = gambit_kind(file)
    if source == "efg":
        tree = read_tree(file)
        if target == "efg":
            write_efg(tree, out)
        else:
            from sim.stage.extensive import reduced_normal_form

            write_nfg(reduced_normal_form(tree), out)
        click.echo(f"wrote {out}")
        return
    scenario, game = load_any_game(file) if target == "nfg" else load_game(file)
    if target == "nfg":
        write_nfg(game, out)
    else:
        write_efg(_tree(scenario, file), out)
    click.echo(f"wrote {out}")


def _tree(scenario, file: str):
    """The scenario's game tree: its [sequence], else the stage game played as two moves in one
    information set (the second mover does not see the first)."""
    import dataclasses

    from sim.model.scenario import MoveOrder, Stage
    from sim.model.sequence import build_sequential_game

    if scenario.sequence is None:
        if scenario.has_state:
            raise InputError("a game with state has no single tree; export its stage game as .nfg", key="--to")
        first, second = scenario.player_ids
        order = MoveOrder(stages=(Stage(player=first), Stage(player=second, observes="own")))
        scenario = dataclasses.replace(scenario, sequence=order)
    return build_sequential_game(scenario, source=file)


def register(group: click.Group) -> None:
    group.add_command(export)
