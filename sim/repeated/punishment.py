"""Punishments a truce is enforced by, and the discount factor at which they suffice.

For a cooperative profile with stage payoff ``v``, best one-shot deviation ``d`` and a punishment
worth ``p`` per round for ever after, the truce is self-enforcing iff ``v >= (1 - δ) d + δ p``
(Fudenberg and Tirole 1991, section 5.1). Grim trigger reverts to a stage Nash equilibrium; of
several, :func:`reversion_equilibrium` takes the one that needs the lowest discount factor.
"""

from __future__ import annotations

import numpy as np

from sim.model.actions import default_cooperative
from sim.model.game import StageGame
from sim.stage.equilibria import stage_nash_profiles

__all__ = ["critical_discount", "reversion_equilibrium", "profile_payoff"]

_EPS = 1e-12


def critical_discount(cooperative, deviation, punishment):
    """Smallest δ with ``v >= (1-δ) d + δ p``: 0 if no gain from deviating, ``inf`` if never.

    Works on numbers (returns a float) and elementwise on arrays (sweeps evaluate many points).
    """
    v, d, p = (np.asarray(x, dtype=float) for x in (cooperative, deviation, punishment))
    gain = d - v
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = gain / (d - p)
    out = np.where(v - p <= _EPS * (1 + np.abs(v)), np.inf, ratio)
    out = np.where(gain <= _EPS * (1 + np.abs(d)), 0.0, out)
    return float(out) if out.ndim == 0 else out


def profile_payoff(game: StageGame, player: int, x: np.ndarray, y: np.ndarray) -> float:
    """``player``'s expected stage payoff when the sides play the mixed actions ``x`` and ``y``."""
    return float(x @ (game.A if player == 0 else game.B) @ y)


def _threshold_pair(game: StageGame, coop: tuple[int, int], x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    i, j = coop
    v = (game.A[i, j], game.B[i, j])
    d = (game.A[:, j].max(), game.B[i, :].max())
    return tuple(critical_discount(v[p], d[p], profile_payoff(game, p, x, y)) for p in (0, 1))  # type: ignore[return-value]


def reversion_equilibrium(game: StageGame, cooperative: tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The stage Nash equilibrium grim trigger reverts to: of all found, the one that makes the
    truce self-enforcing at the lowest discount factor (max over both players)."""
    coop = default_cooperative(game) if cooperative is None else cooperative
    profiles = stage_nash_profiles(game)
    if len(profiles) == 1:
        return profiles[0]
    scores = [max(_threshold_pair(game, coop, x, y)) for x, y in profiles]
    return profiles[int(np.argmin(scores))]
