"""Payoff space of a game of three or more players, as pairwise projections.

One panel per pair of players (three for three players; at most :data:`MAX_PANELS`): every pure
profile a grey point at the pair's payoffs, pure Nash equilibria as filled markers, mixed ones as
open markers, and the cooperative profile (if the game names one) as a star. The numbers come from
the game's payoff tensors and the equilibrium records handed in; nothing is computed here.
"""

from __future__ import annotations

import itertools
from typing import Any, Sequence

import numpy as np
from matplotlib.figure import Figure

from sim.viz.plots_base import ACCENTS, SIDE_COLOURS, _short, _unit

__all__ = ["payoff_projections", "MAX_PANELS"]

MAX_PANELS = 6


def _records(equilibria) -> list[dict]:
    if equilibria is None:
        return []
    if hasattr(equilibria, "to_dict"):
        return equilibria.to_dict()["equilibria"]
    return list(equilibria)


def payoff_projections(game, equilibria: Any = None, *, pairs: Sequence[tuple[int, int]] | None = None,
                       fig: Figure | None = None) -> Figure:
    """Pairwise payoff projections of an N-player game.

    Parameters
    ----------
    game : NormalFormGame with three or more players (two players give one panel).
    equilibria : an :class:`~sim.stage.nplayer_results.NPlayerEquilibria`, or its ``to_dict()``
        ``equilibria`` records (``payoffs: {player id: value}``, ``pure``).
    pairs : which pairs of player indices to draw (default: every pair, up to :data:`MAX_PANELS`).
    """
    ids = list(game.player_ids)
    names = list(game.player_names)
    pairs = list(pairs) if pairs is not None else list(itertools.combinations(range(len(ids)), 2))[:MAX_PANELS]
    records = _records(equilibria)
    if fig is None:
        fig = Figure(figsize=(4.2 * len(pairs), 4.4), layout="constrained")
    axes = fig.subplots(1, len(pairs), squeeze=False)[0]
    flat = [np.asarray(t, dtype=float).ravel() for t in game.payoffs]
    coop = None
    if game.cooperative is not None:
        coop = [float(np.asarray(t)[tuple(game.cooperative)]) for t in game.payoffs]
    unit = _unit(game)
    for ax, (i, j) in zip(axes, pairs):
        ax.scatter(flat[i], flat[j], s=14, color="#999999", alpha=0.6, label="pure profiles", zorder=1)
        pure = [e for e in records if e.get("pure", False)]
        mixed = [e for e in records if not e.get("pure", False)]
        if pure:
            ax.scatter([e["payoffs"][ids[i]] for e in pure], [e["payoffs"][ids[j]] for e in pure], s=70,
                       color=SIDE_COLOURS[1], edgecolor="black", zorder=3, label="pure equilibrium")
        if mixed:
            ax.scatter([e["payoffs"][ids[i]] for e in mixed], [e["payoffs"][ids[j]] for e in mixed], s=70,
                       facecolor="none", edgecolor=ACCENTS[0], linewidth=2, zorder=3, label="mixed equilibrium")
        if coop is not None:
            ax.scatter([coop[i]], [coop[j]], marker="*", s=300, color=SIDE_COLOURS[0], zorder=2,
                       label="cooperative profile")
        ax.set_xlabel(f"{_short(names[i])} payoff{unit}")
        ax.set_ylabel(f"{_short(names[j])} payoff{unit}")
        ax.set_title(f"{_short(names[i], 18)} vs {_short(names[j], 18)}", fontsize=10)
        ax.grid(alpha=0.3)
    seen: dict[str, Any] = {}
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            seen.setdefault(lab, h)
    fig.legend(list(seen.values()), list(seen.keys()), loc="outside lower center", ncols=min(4, len(seen)),
               frameon=False)
    fig.suptitle(f"{game.name}: payoff space, pairwise projections ({len(ids)} players, {game.profiles:,} profiles)")
    return fig
