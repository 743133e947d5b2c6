"""Figures of tournaments and evolution (importable from :mod:`sim.viz.plots`).

Each function takes a result of :mod:`sim.repeated.tournament`, :mod:`sim.repeated.evolution` or
:mod:`sim.repeated.evolution_two` and computes nothing of its own. A game whose sides differ gets
one panel per side, each on its side's own payoff scale.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from sim.errors import InputError
from sim.viz.plots_base import (
    ACCENTS,
    SIDE_COLOURS,
    _figure,
    _seed,
    _units,
    result_game,
    side_colour,
)

__all__ = ["plot_tournament", "plot_evolution", "plot_simplex"]


def _colours(k: int) -> list[str]:
    return [(SIDE_COLOURS + ACCENTS)[i % 8] for i in range(k)]


def _ranking_panel(ax, names, order, means, lo, hi, colour, xlabel, title) -> None:
    y = np.arange(len(order))[::-1]
    ax.barh(y, means, color=colour, alpha=0.85)
    ax.errorbar(means, y, xerr=[means - lo, hi - means], fmt="none", ecolor="black", capsize=2, linewidth=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([names[i] for i in order], fontsize=8)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_title(title, fontsize=10)


def _heat_panel(fig, ax, P, names, xlabel, ylabel, title, bar_label) -> None:
    image = ax.imshow(P, cmap="cividis")
    fig.colorbar(image, ax=ax, shrink=0.8, label=bar_label)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=7)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.set_title(title, fontsize=10)


def plot_tournament(result, *, fig: Figure | None = None) -> Figure:
    """Ranking (mean payoff per round, whiskers spanning the best and worst opponent) and the
    pairwise payoff heatmap of a :class:`sim.repeated.tournament.TournamentResult`.

    In a game whose sides differ there is one row of panels per side, each on that side's own
    scale and ranked within the side, and the title gives the overall rank's normalisation.
    """
    game = result_game(result)
    names = list(result.strategies)
    unit = _units(game).per_round
    roles = getattr(result, "roles", None)
    rows = 1 if roles is None else 2
    if fig is None:
        fig = Figure(figsize=(13, rows * (0.35 * len(names) + 3.2) + 0.3), layout="constrained")
    axes = np.atleast_2d(fig.subplots(rows, 2, gridspec_kw={"width_ratios": [1, 1.3]}))
    if roles is None:
        P = np.asarray(result.pairwise, dtype=float)
        order = list(result.ranking)
        _ranking_panel(axes[0, 0], names, order, np.asarray(result.mean_payoff, float)[order],
                       np.nanmin(P, axis=1)[order], np.nanmax(P, axis=1)[order], SIDE_COLOURS[0],
                       f"mean payoff per round ({unit}); whiskers: worst and best opponent", "ranking")
        _heat_panel(fig, axes[0, 1], P, names, "opponent", "strategy", "pairwise payoffs",
                    f"strategy's mean payoff per round against opponent ({unit})")
    else:
        ids = result.player_ids
        for p, pid in enumerate(ids):
            P = np.asarray(roles.pairwise[p], dtype=float)
            means = np.asarray(roles.mean[p], dtype=float)
            order = sorted(range(len(names)), key=lambda i: (-means[i], i))
            _ranking_panel(axes[p, 0], names, order, means[order], np.nanmin(P, axis=1)[order],
                           np.nanmax(P, axis=1)[order], side_colour(p),
                           f"{pid}'s mean payoff per round ({unit}); whiskers: worst and best opponent",
                           f"playing {pid}: ranking on {pid}'s scale")
            axes[p, 0].title.set_color(side_colour(p))
            _heat_panel(fig, axes[p, 1], P, names, f"opponent (playing {ids[1 - p]})", f"strategy (playing {pid})",
                        f"playing {pid}: pairwise payoffs", f"{pid}'s payoff per round ({unit})")
            axes[p, 1].title.set_color(side_colour(p))
    horizon = f"{result.rounds} rounds" if result.rounds else f"continuation {result.continuation:g}"
    title = (f"{getattr(game, 'name', 'game')}: round robin ({horizon}, {result.replicates} replicates, "
             f"noise {result.noise:g}, seed {_seed(result)})")
    if roles is not None:
        best = names[result.ranking[0]]
        title += f"\noverall rank: {roles.NORMALISATION}; first: {best}"
    fig.suptitle(title, fontsize=10)
    return fig


def _two_populations(result) -> bool:
    return getattr(result, "player_ids", None) is not None and np.ndim(
        result.shares if hasattr(result, "shares") else result.mean_shares) == 3


def plot_evolution(result, *, ax=None, seed: int | None = None) -> Figure:
    """Population shares of each strategy over time (stack plot; one panel per side for two populations).

    ``result`` is a :class:`sim.repeated.evolution.ReplicatorResult` (shares over continuous time), a
    :class:`sim.repeated.evolution.MoranResult` (mean shares over replicates at each birth–death
    step) or their two-population forms in :mod:`sim.repeated.evolution_two`. ``seed`` is the seed
    the user gave, named in the title of a Moran figure (default: the seed the process drew from).
    """
    two = _two_populations(result)
    if hasattr(result, "times"):
        times, shares = np.asarray(result.times), np.asarray(result.shares)
        xlabel, what = "time (replicator dynamics)", "replicator dynamics"
    else:
        shares = np.asarray(result.mean_shares)
        times = np.arange(len(shares))
        xlabel = "birth–death step"
        per = " per side" if two else ""
        what = (f"Moran process (N={result.population}{per}, {result.replicates} replicates, "
                f"seed {_seed(result) if seed is None else seed})")
    colours = _colours(len(result.strategies))
    if two:
        fig = ax.figure if ax is not None else Figure(figsize=(9, 7), layout="constrained")
        axes = [ax] if ax is not None else fig.subplots(2, 1, sharex=True)
        panels = [(axes[p], shares[:, p, :], f"{pid}'s population") for p, pid in enumerate(result.player_ids)
                  if p < len(axes)]
    else:
        fig, ax = _figure(ax, figsize=(9, 4.8))
        panels = [(ax, shares, None)]
    for k, (a, sh, name) in enumerate(panels):
        a.stackplot(times, sh.T, labels=list(result.strategies), colors=colours, alpha=0.85)
        a.set_ylim(0, 1)
        a.set_xlim(float(times[0]), float(times[-1]))
        a.set_ylabel("population share" + (f"\n{name}" if name else ""))
        if name:
            a.yaxis.label.set_color(side_colour(k))
        if k == 0:
            a.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    panels[-1][0].set_xlabel(xlabel)
    title = f"Evolution of strategies: {what}" + (" — one population per side" if two else "")
    if two and ax is None:
        fig.suptitle(title, fontsize=10)
    else:
        panels[0][0].set_title(title, fontsize=10)
    return fig


_CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])
#: Where each corner's label sits (offset in points) and how it is aligned.
_CORNER_TEXT = (((-4, -6), "right", "top"), ((4, -6), "left", "top"), ((0, 8), "center", "bottom"))


def _simplex_panel(ax, shares, names, title, colour) -> None:
    xy = shares @ _CORNERS
    ax.fill(_CORNERS[:, 0], _CORNERS[:, 1], facecolor="none", edgecolor="black", linewidth=1)
    ax.plot(xy[:, 0], xy[:, 1], color=colour, linewidth=1.8, label="path")
    ax.scatter(*xy[0], color=ACCENTS[0], s=50, zorder=3, label="start")
    ax.scatter(*xy[-1], color=SIDE_COLOURS[1] if colour == SIDE_COLOURS[0] else SIDE_COLOURS[0], s=50, zorder=3,
               label="end")
    for corner, name, (offset, ha, va) in zip(_CORNERS, names, _CORNER_TEXT):
        ax.annotate(name, corner, xytext=offset,
                    textcoords="offset points", ha=ha, va=va, fontsize=9, annotation_clip=False)
    ax.set_xlim(-0.35, 1.35)
    ax.set_ylim(-0.15, np.sqrt(3) / 2 + 0.12)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper right", frameon=False)


def plot_simplex(result, *, ax=None) -> Figure:
    """Trajectory of a three-strategy population on the simplex (barycentric coordinates).

    Each corner is labelled with the strategy that fills the whole population there; two
    populations (one per side) get one simplex each.
    """
    shares = np.asarray(result.shares if hasattr(result, "shares") else result.mean_shares, dtype=float)
    if shares.shape[-1] != 3:
        raise InputError(f"a simplex plot needs exactly 3 strategies, got {shares.shape[-1]}", key="strategies")
    names = list(result.strategies)
    if _two_populations(result):
        fig = Figure(figsize=(11, 5), layout="constrained")
        for p, (a, pid) in enumerate(zip(fig.subplots(1, 2), result.player_ids)):
            _simplex_panel(a, shares[:, p, :], names, f"{pid}'s population", side_colour(p))
        fig.suptitle("Evolution of strategies on the simplex, one population per side", fontsize=10)
        return fig
    fig, ax = _figure(ax, figsize=(7, 5.5))
    _simplex_panel(ax, shares, names, "Evolution of strategies on the simplex", SIDE_COLOURS[0])
    return fig
