"""The Lemke–Howson algorithm on arrays (complementary pivoting with a lexicographic ratio test).

Lemke and Howson (1964), "Equilibrium points of bimatrix games", SIAM J. Appl. Math. 12:413-423;
tableau form as in von Stengel (2002), "Computing equilibria for two-person games", Handbook of
Game Theory vol. 3, ch. 45, section 4, with the lexicographic rule of section 6 for degenerate games.
"""

from __future__ import annotations

import numpy as np

from sim.stage.enumeration import normalise


def _pivot(T: np.ndarray, basis: np.ndarray, col: int, slack0: int, nslack: int, tol: float) -> int:
    """Enter column ``col``; lexicographic min-ratio row leaves. Returns the leaving variable."""
    a = T[:, col]
    pos = np.nonzero(a > tol)[0]
    if len(pos) == 0:
        raise FloatingPointError("unbounded ray in Lemke-Howson (payoffs not positive?)")
    cand = pos
    rhs = T[cand, -1] / a[cand]
    cand = cand[rhs <= rhs.min() + tol]
    k = 0
    while len(cand) > 1 and k < nslack:
        v = T[cand, slack0 + k] / a[cand]
        cand = cand[v <= v.min() + tol]
        k += 1
    p = int(cand[0])
    leaving = int(basis[p])
    T[p] /= T[p, col]
    others = np.arange(T.shape[0]) != p
    T[others] -= np.outer(T[others, col], T[p])
    basis[p] = col
    return leaving


def lemke_howson_arrays(
    A: np.ndarray, B: np.ndarray, init_label: int, *, max_pivots: int = 100_000, tol: float = 1e-12
) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """One Lemke–Howson path from the artificial equilibrium, dropping ``init_label``.

    Labels ``0..m-1`` are the row player's actions, ``m..m+n-1`` the column player's. Returns
    ``(x, y, pivots, converged)``; ``converged`` is False if ``max_pivots`` ran out.
    """
    A = normalise(A)
    B = normalise(B)
    m, n = A.shape
    if not 0 <= init_label < m + n:
        raise ValueError(f"init_label must be in [0, {m + n}), got {init_label}")
    # P tableau (column player's constraints): B^T x + s = 1; variable index = label.
    TP = np.concatenate([B.T, np.eye(n), np.ones((n, 1))], axis=1)
    bP = np.arange(m, m + n)
    # Q tableau (row player's constraints): r + A y = 1.
    TQ = np.concatenate([np.eye(m), A, np.ones((m, 1))], axis=1)
    bQ = np.arange(m)
    entering = init_label
    in_P = init_label < m
    pivots = 0
    converged = False
    while pivots < max_pivots:
        if in_P:
            leaving = _pivot(TP, bP, entering, m, n, tol)
        else:
            leaving = _pivot(TQ, bQ, entering, 0, m, tol)
        pivots += 1
        if leaving == init_label:
            converged = True
            break
        entering = leaving
        in_P = not in_P
    x = np.zeros(m)
    y = np.zeros(n)
    for row, var in enumerate(bP):
        if var < m:
            x[var] = max(TP[row, -1], 0.0)
    for row, var in enumerate(bQ):
        if var >= m:
            y[var - m] = max(TQ[row, -1], 0.0)
    if x.sum() > 0:
        x = x / x.sum()
    if y.sum() > 0:
        y = y / y.sum()
    return x, y, pivots, converged
