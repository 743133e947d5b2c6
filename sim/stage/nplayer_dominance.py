"""Iterated elimination of strictly dominated actions in N-player games, in order.

Player k's action ``a`` is strictly dominated by ``b`` when ``U_k[b, c] > U_k[a, c]`` for every
surviving profile ``c`` of the others (with a margin above ``tol`` times k's payoff range). Each
round removes every dominated action of every player at once (the order of removal does not change
what survives under strict domination; Gilboa, Kalai and Zemel 1990), and records the round, the
action and its dominator. With ``mixed=True`` an action not dominated by a pure one is tested
against mixtures of the player's other surviving actions by an LP (Fudenberg and Tirole 1991,
section 2.1): ``max eps`` s.t. ``sum_b w_b U_k[b, c] >= U_k[a, c] + eps`` for all ``c``.
"""

from __future__ import annotations

import numpy as np

from sim.errors import InputError
from sim.stage.lp import game_label, simplex_point, solve_lp
from sim.stage.nplayer_pure import payoff_ranges, payoff_stack
from sim.stage.nplayer_results import NPlayerDominance, NPlayerElimination

__all__ = ["iterated_dominance_nplayer", "MIXED_CELL_LIMIT"]

#: Mixed domination LPs only while a player's reduced payoff matrix has at most this many cells.
MIXED_CELL_LIMIT = 200_000


def _own_rows(T: np.ndarray, k: int) -> np.ndarray:
    """Player k's reduced payoffs as a matrix: one row per own action, one column per others' profile."""
    return np.moveaxis(T, k, 0).reshape(T.shape[k], -1)


def _mixed_dominator(M: np.ndarray, a: int, tol: float, label: str):
    """``(weights, margin)`` of the best mixture of the other rows of ``M`` against row ``a``, or None."""
    others = [b for b in range(M.shape[0]) if b != a]
    if len(others) < 2:
        return None
    lo, span = M.min(), max(M.max() - M.min(), 1e-300)
    V = (M - lo) / span
    n, c = len(others), M.shape[1]
    # variables (w_1..w_n, eps); maximise eps: -sum_b w_b V[b, j] + eps <= -V[a, j]
    A_ub = np.hstack([-V[others].T, np.ones((c, 1))])
    b_ub = -V[a]
    A_eq = np.hstack([np.ones((1, n)), np.zeros((1, 1))])
    cost = np.zeros(n + 1)
    cost[-1] = -1.0
    res = solve_lp(cost, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=[1.0], bounds=[(0, None)] * n + [(None, 1.0)],
                   what="mixed dominance", game=label)
    eps = float(res.x[-1])
    if eps <= tol:
        return None
    w = np.zeros(M.shape[0])
    w[others] = simplex_point(res.x[:n], "mixed dominance", label)
    return w, eps * span


def iterated_dominance_nplayer(game, *, mixed: bool = False, tol: float = 1e-9) -> NPlayerDominance:
    """Iterated strict dominance (pure, and by mixed strategies with ``mixed=True``).

    Returns the eliminations in order (round, player, action, dominator) and the surviving actions.
    ``tol`` is relative to each player's payoff range.
    """
    if not tol >= 0:
        raise InputError("tol must be non-negative", key="tol")
    U = payoff_stack(game)
    N = U.shape[0]
    span = payoff_ranges(U)
    label = game_label(game)
    alive = [list(range(n)) for n in U.shape[1:]]
    elims: list[NPlayerElimination] = []
    notes: list[str] = []
    rnd = 0
    while True:
        rnd += 1
        sub = U[(slice(None),) + np.ix_(*alive)]
        removed: list[tuple[int, list[int]]] = []
        for k in range(N):
            M = _own_rows(sub[k], k)
            if M.shape[0] < 2:
                continue
            # margin[a, b] = min_c M[b, c] - M[a, c]: b dominates a when > tol
            margin = (M[None, :, :] - M[:, None, :]).min(axis=2)
            np.fill_diagonal(margin, -np.inf)
            gone = []
            for a in range(M.shape[0]):
                b = int(np.argmax(margin[a]))
                if margin[a, b] > tol * span[k]:
                    elims.append(NPlayerElimination(rnd, k, alive[k][a], alive[k][b], False, None, float(margin[a, b])))
                    gone.append(a)
                elif mixed:
                    if M.size > MIXED_CELL_LIMIT:
                        if not any("mixed dominance skipped" in n for n in notes):
                            notes.append(f"mixed dominance skipped past {MIXED_CELL_LIMIT:,} cells")
                        continue
                    hit = _mixed_dominator(M, a, tol, label)
                    if hit is not None:
                        w, eps = hit
                        weights = np.zeros(U.shape[1 + k])
                        weights[alive[k]] = w
                        elims.append(NPlayerElimination(rnd, k, alive[k][a], None, True,
                                                        tuple(float(x) for x in weights), eps))
                        gone.append(a)
            if len(gone) == M.shape[0]:  # cannot happen under strict domination; keep one to be safe
                gone = gone[:-1]
            if gone:
                removed.append((k, gone))
        if not removed:
            break
        for k, gone in removed:
            alive[k] = [x for i, x in enumerate(alive[k]) if i not in set(gone)]
    actions = tuple(getattr(game, "actions", tuple(tuple(f"a{i}" for i in range(n)) for n in U.shape[1:])))
    ids = tuple(getattr(game, "player_ids", tuple(f"p{k + 1}" for k in range(N))))
    return NPlayerDominance(tuple(elims), tuple(tuple(a) for a in alive), mixed, actions, ids, tuple(notes))
