"""What every figure of :mod:`sim.viz.plots` shares: the colours of the sides, titles, units, seeds.

Importable from :mod:`sim.viz.plots` as before; kept apart so the figure modules
(:mod:`sim.viz.plots`, :mod:`sim.viz.plots_evolution`) share them without importing each other.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from sim.repeated.units import PayoffUnits, game_units

#: Okabe–Ito colours: row side, column side, then accents.
SIDE_COLOURS = ("#0072B2", "#D55E00")
ACCENTS = ("#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


def side_colour(player: int) -> str:
    """The colour of a side (0 = row, 1 = column), the same in every plot."""
    return SIDE_COLOURS[player]


def _figure(ax=None, *, figsize=(8, 5)):
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _title(game, what: str) -> str:
    return f"{game.name}: {what}"


def _unit(game) -> str:
    return f" ({game.units})" if getattr(game, "units", "") else ""


def _units(game) -> PayoffUnits:
    """Units of a game's payoffs per round and of sums over rounds (:mod:`sim.repeated.units`)."""
    return game_units(game)


def _short(label: str, width: int = 28) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def _seed(result) -> int:
    """The seed that reproduces a result: the one given, or the one drawn when none was."""
    return result.seed if result.seed is not None else result.seed_key


def _period(game) -> str:
    scenario = getattr(game, "scenario", None)
    return scenario.meta.period if scenario is not None else "round"


def result_game(result):
    """The game a result was computed on, when the result keeps it."""
    return getattr(result, "game", None)
