"""Correlated and coarse correlated equilibria of N-player games, by linear programming.

A correlated equilibrium (Aumann 1974) is a distribution ``p`` over pure profiles such that no
player, told its recommended action ``a``, gains by playing ``a'`` instead:
``sum_c p(a, c) (U_k(a', c) - U_k(a, c)) <= 0`` for every player k and pair ``a != a'``. A coarse
correlated equilibrium (Moulin and Vial 1978) asks only that no player gains by committing to a
fixed ``a'`` before the draw: ``sum_s p(s) (U_k(a', s_-k) - U_k(s)) <= 0``. Both sets are
polytopes; the LP picks the point maximising total expected payoff (``objective='welfare'``) or one
player's (``objective=<player id>``). Each player's constraints are written on its payoffs rescaled
to a unit range (same polytope, better conditioned: see :mod:`sim.stage.lp`); the reported
``violation`` is the largest constraint excess after the solve, in those units.
"""

from __future__ import annotations

import numpy as np

from sim.errors import InputError
from sim.stage.lp import game_label, solve_lp
from sim.stage.nplayer_pure import payoff_ranges, payoff_stack
from sim.stage.nplayer_results import NPlayerCorrelated

__all__ = ["correlated_equilibrium_nplayer", "obedience_constraints", "CE_PROFILE_LIMIT"]

#: Largest number of pure profiles the LPs are built for.
CE_PROFILE_LIMIT = 200_000


def obedience_constraints(U: np.ndarray, kind: str = "ce"):
    """The incentive constraints ``G @ p <= 0`` as a ``scipy.sparse`` CSR matrix (unit payoffs)."""
    from scipy import sparse  # optional heavy dependency, with the LP

    shape = U.shape[1:]
    P = int(np.prod(shape))
    span = payoff_ranges(U)
    idx = np.arange(P).reshape(shape)
    rows, cols, vals = [], [], []
    r = 0
    for k in range(U.shape[0]):
        G = np.moveaxis(U[k], k, 0).reshape(shape[k], -1) / span[k]
        I = np.moveaxis(idx, k, 0).reshape(shape[k], -1)
        for dev in range(shape[k]):
            for a in range(shape[k]):
                if a == dev:
                    continue
                rows.append(np.full(I.shape[1], r))
                cols.append(I[a])
                vals.append(G[dev] - G[a])
                if kind == "ce":
                    r += 1
            if kind == "cce":
                r += 1
    M = sparse.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, P))
    return M.tocsr()


def correlated_equilibrium_nplayer(game, *, kind: str = "ce", objective: str = "welfare") -> NPlayerCorrelated:
    """The correlated (``kind='ce'``) or coarse correlated (``'cce'``) equilibrium maximising
    ``objective`` (``welfare``: the sum of expected payoffs; or a player id: that player's)."""
    if kind not in ("ce", "cce"):
        raise InputError(f"unknown kind {kind!r}; choose ce or cce", key="kind")
    U = payoff_stack(game)
    ids = tuple(getattr(game, "player_ids", tuple(f"p{k + 1}" for k in range(U.shape[0]))))
    if objective == "welfare":
        weights = np.ones(U.shape[0])
    elif objective in ids:
        weights = np.eye(U.shape[0])[ids.index(objective)]
    else:
        raise InputError(f"unknown objective {objective!r}; choose welfare or one of {', '.join(ids)}",
                         key="objective")
    P = int(np.prod(U.shape[1:]))
    if P > CE_PROFILE_LIMIT:
        raise InputError(f"{P:,} profiles is past the correlated-equilibrium limit of {CE_PROFILE_LIMIT:,}",
                         key="profiles")
    label = game_label(game)
    G = obedience_constraints(U, kind)
    flat = U.reshape(U.shape[0], -1)
    obj = weights @ flat
    scale = max(float(np.abs(obj).max()), 1e-300)
    res = solve_lp(-obj / scale, A_ub=G, b_ub=np.zeros(G.shape[0]), A_eq=np.ones((1, P)), b_eq=[1.0],
                   bounds=(0, None), what=f"{kind} {objective}", game=label)
    p = np.maximum(res.x, 0.0)
    p /= p.sum()
    violation = float(max(0.0, (G @ p).max())) if G.shape[0] else 0.0
    pay = flat @ p
    actions = tuple(getattr(game, "actions", tuple(tuple(f"a{i}" for i in range(n)) for n in U.shape[1:])))
    return NPlayerCorrelated(kind, objective, p.reshape(U.shape[1:]), float(obj @ p), tuple(pay.tolist()),
                             violation, actions, ids)
