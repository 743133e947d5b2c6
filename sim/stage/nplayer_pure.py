"""Tensor kernels of N-player games: expected payoffs, regrets, pure Nash equilibria.

Every N-player analysis works on the stacked payoffs ``U`` of shape ``(N, n_0, ..., n_{N-1})``
(:meth:`NormalFormGame.payoff_array <sim.model.nplayer.NormalFormGame.payoff_array>`): ``U[k]`` is
player k's payoff tensor, axis k its own actions. A mixed profile is a tuple of probability
vectors, one per player. Pure equilibria are found on the whole tensor at once (each player's best
reply along its own axis, compared with ``keepdims``), with no Python loop over profiles.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["payoff_stack", "action_values", "pair_values", "expected_payoffs", "regrets", "payoff_ranges",
           "pure_equilibrium_mask", "pure_equilibria_profiles", "is_equilibrium", "PURE_TOL"]

#: Ties within this fraction of a player's payoff range count as best replies in the pure search.
PURE_TOL = 1e-12


def payoff_stack(game) -> np.ndarray:
    """``U`` of shape ``(N, n_0, ..., n_{N-1})`` from a NormalFormGame or an array/sequence of tensors."""
    if hasattr(game, "payoff_array"):
        return np.asarray(game.payoff_array(), dtype=float)
    return np.stack([np.asarray(t, dtype=float) for t in game])


def payoff_ranges(U: np.ndarray) -> np.ndarray:
    """Each player's ``max - min`` payoff (1 for a constant one): the unit of relative tolerances."""
    flat = U.reshape(U.shape[0], -1)
    span = flat.max(axis=1) - flat.min(axis=1)
    return np.where(span > 0, span, 1.0)


def _contract(T: np.ndarray, sigma: Sequence[np.ndarray], keep: Sequence[int]) -> np.ndarray:
    """``T`` (one axis per player) with every axis not in ``keep`` averaged under ``sigma``."""
    for j in reversed(range(T.ndim)):
        if j not in keep:
            T = (T if j == T.ndim - 1 else np.moveaxis(T, j, -1)) @ sigma[j]
    return T


def action_values(U: np.ndarray, sigma: Sequence[np.ndarray], k: int) -> np.ndarray:
    """Player k's expected payoff of each of its pure actions against the others' mixed strategies."""
    return _contract(U[k], sigma, (k,))


def pair_values(U: np.ndarray, sigma: Sequence[np.ndarray], k: int, j: int) -> np.ndarray:
    """Player k's expected payoff of each pair (own action, player j's action): shape ``(n_k, n_j)``."""
    T = _contract(U[k], sigma, (k, j))
    return T if k < j else T.T


def expected_payoffs(U: np.ndarray, sigma: Sequence[np.ndarray]) -> np.ndarray:
    """Each player's expected payoff under the mixed profile ``sigma``."""
    return np.array([float(action_values(U, sigma, k) @ sigma[k]) for k in range(U.shape[0])])


def regrets(U: np.ndarray, sigma: Sequence[np.ndarray]) -> np.ndarray:
    """Each player's gain from its best pure deviation (>= 0 up to rounding; 0 at an equilibrium)."""
    out = []
    for k in range(U.shape[0]):
        v = action_values(U, sigma, k)
        out.append(float(v.max() - v @ sigma[k]))
    return np.array(out)


def is_equilibrium(U: np.ndarray, sigma: Sequence[np.ndarray], tol: float) -> bool:
    """True when every player's regret is at most ``tol`` times its payoff range."""
    return bool((regrets(U, sigma) <= tol * payoff_ranges(U)).all())


def pure_equilibrium_mask(U: np.ndarray, tol: float = PURE_TOL) -> np.ndarray:
    """Boolean tensor of shape ``(n_0, ..., n_{N-1})``: True at the pure Nash equilibria.

    A profile is an equilibrium when each player's payoff there is (within ``tol`` of its payoff
    range) the maximum along its own axis; one ``max(axis=k, keepdims=True)`` per player.
    """
    span = payoff_ranges(U)
    mask = np.ones(U.shape[1:], dtype=bool)
    for k in range(U.shape[0]):
        mask &= U[k] >= U[k].max(axis=k, keepdims=True) - tol * span[k]
    return mask


def pure_equilibria_profiles(U: np.ndarray, tol: float = PURE_TOL) -> np.ndarray:
    """The pure equilibria as an int array ``(count, N)`` of action indices, in lexicographic order."""
    return np.argwhere(pure_equilibrium_mask(U, tol))
