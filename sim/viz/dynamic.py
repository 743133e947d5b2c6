"""Figures of games with state: the state's path under an equilibrium policy, and the policy itself.

Like :mod:`sim.viz.plots`, these draw numbers the results already hold (a
:class:`~sim.dynamic.forward.StatePath`, a :class:`~sim.dynamic.result.MarkovPerfectEquilibrium`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from sim.viz.plots import ACCENTS, side_colour

__all__ = ["plot_state_path", "plot_policy"]


def _quantile(cdf_levels: np.ndarray, levels: np.ndarray, q: float) -> np.ndarray:
    """Per round, the smallest level whose cumulative probability reaches ``q``."""
    cdf = np.cumsum(cdf_levels, axis=1)
    return levels[np.argmax(cdf >= q - 1e-12, axis=1)]


def plot_state_path(path, *, fig: Figure | None = None) -> Figure:
    """Fan chart of each state variable over rounds (mean, 50% and 90% bands of its exact
    distribution), with each side's expected escalation of its action below."""
    k = len(path.names)
    if fig is None:
        fig = Figure(figsize=(8, 2.1 * (k + 1) + 0.6), layout="constrained")
    axes = fig.subplots(k + 1, 1, sharex=True)
    axes = np.atleast_1d(axes)
    x = np.arange(path.rounds + 1)
    for ax, name, lv, labels, unit, marg, mean, colour in zip(axes, path.names, path.levels, path.labels, path.units,
                                                               path.marginals, path.mean, ACCENTS):
        levels = np.asarray(lv, dtype=float)
        for lo, hi, alpha in ((0.05, 0.95, 0.18), (0.25, 0.75, 0.35)):
            ax.fill_between(x, _quantile(marg, levels, lo), _quantile(marg, levels, hi), step="post", color=colour,
                            alpha=alpha, linewidth=0, label=f"{int(round((hi - lo) * 100))}% of paths")
        ax.step(x, _quantile(marg, levels, 0.5), where="post", color=colour, linewidth=1.2, linestyle=":",
                label="median")
        ax.plot(x, mean, color=colour, linewidth=2, label="mean")
        ax.set_yticks(levels)
        ax.set_yticklabels(labels, fontsize=8)
        ax.set_ylabel(f"{name}\n({unit})" if unit else name, fontsize=8)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax = axes[-1]
    for p, pid in enumerate(path.player_ids):
        ax.step(np.arange(path.rounds) , path.hostility[:, p], where="post", color=side_colour(p), linewidth=2,
                label=pid)
    ax.set_ylim(-0.05, 1.05)
    ax.set_ylabel("expected escalation\n(0 conciliatory, 1 all levers hostile)", fontsize=8)
    ax.set_xlabel(f"{path.period} (round)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.suptitle(f"{path.name}: state under the Markov perfect equilibrium (exact distribution)", fontsize=10)
    return fig


def plot_policy(mpe, game, *, levers: tuple[str | None, str | None] = (None, None), fig: Figure | None = None,
                max_states: int = 60) -> Figure:
    """Heatmap of each side's equilibrium policy per state (rows) and round (columns; one column
    when stationary), and each side's value by state beside it.

    The colour is the escalation of the side's action (mean over its levers of level / top level),
    or, with ``levers=(row lever, column lever)``, the expected level of that one lever.
    """
    S = len(mpe.state_keys)
    shown = min(S, max_states)
    T = mpe.row.shape[0]
    if fig is None:
        fig = Figure(figsize=(min(4 + 0.35 * T, 14) * 2 / 2 + 4, 1.6 + 0.22 * shown), layout="constrained")
    axes = fig.subplots(1, 3, width_ratios=[max(T, 2), max(T, 2), 3])
    for p, ax in enumerate(axes[:2]):
        names = [lv.name for lv in game.levers[p]]
        if levers[p] is not None:
            k = names.index(levers[p])
            hostility = np.asarray(game.action_levels[p], dtype=float)[:, k] / max(game.levers[p][k].size - 1, 1)
            what = f"{levers[p]} ({' → '.join(game.levers[p][k].labels)})"
        else:
            hostility = game.stage().hostility(p)
            what = "escalation of its action"
        pol = mpe.row if p == 0 else mpe.col
        H = (pol[:, :shown] @ hostility).T  # (states, rounds)
        image = ax.imshow(H, cmap="cividis", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
        ax.set_title(f"{mpe.player_ids[p]}: {what}", color=side_colour(p), fontsize=8)
        ax.set_xlabel("round" if T > 1 else "stationary policy", fontsize=8)
        ax.set_xticks(range(T))
        ax.set_yticks(range(shown))
        ax.set_yticklabels(mpe.state_keys[:shown] if p == 0 else [], fontsize=6)
    fig.colorbar(image, ax=axes[:2], shrink=0.8, label="0 = conciliatory level(s), 1 = most hostile")
    ax = axes[2]
    y = np.arange(shown)
    for p, pid in enumerate(mpe.player_ids):
        ax.plot(mpe.values[0, :shown, p], y, "o", color=side_colour(p), label=pid, markersize=4)
    ax.set_ylim(shown - 0.5, -0.5)
    ax.set_yticks([])
    ax.set_xlabel("value from round 0" + (f" ({mpe.units}, discounted sum)" if mpe.units else ""), fontsize=8)
    ax.legend(fontsize=7, frameon=False)
    note = "" if shown == S else f" (first {shown} of {S} states)"
    fig.suptitle(f"{game.name}: Markov perfect policy ({mpe.method}){note}", fontsize=10)
    return fig
