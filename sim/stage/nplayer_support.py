"""Solving the indifference system of one support profile of an N-player game.

Given a support ``S_k`` for each player, a Nash equilibrium with those supports makes every player
indifferent among its support actions: ``v_k(a) = v_k(a')`` for ``a, a'`` in ``S_k``, where
``v_k(a)`` is multilinear in the other players' probabilities. With N >= 3 the system is
polynomial. :func:`solve_support` solves it

* exactly when at most two players mix (each one's indifference is then linear in the other's
  probabilities: two square linear systems), or when three players mix over two actions each (the
  system reduces to one quadratic in one probability, as in McKelvey and McLennan 1997);
* otherwise by Newton's method from seeded random starts in the product of simplices, which may
  miss solutions (the caller then reports ``complete: false``).

The result is a list of candidate profiles over the full action sets; the caller verifies each
(regrets of all actions, not only the support's).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from sim.stage.nplayer_pure import action_values, pair_values

__all__ = ["solve_support", "newton_support", "SupportSolution"]

#: A solution probability below this (negative) is outside the simplex: rejected.
NEG_TOL = 1e-9


class SupportSolution:
    """Candidates of one support profile, whether the method was exhaustive, and degeneracy."""

    __slots__ = ("profiles", "exact", "degenerate")

    def __init__(self, profiles: list[tuple[np.ndarray, ...]], exact: bool, degenerate: bool = False):
        self.profiles = profiles
        self.exact = exact
        self.degenerate = degenerate


def _embed(shape: Sequence[int], supports, probs) -> tuple[np.ndarray, ...] | None:
    out = []
    for n, S, p in zip(shape, supports, probs):
        p = np.asarray(p, dtype=float)
        if (p < -NEG_TOL).any() or not np.isfinite(p).all():
            return None
        s = np.zeros(n)
        s[list(S)] = np.maximum(p, 0.0)
        tot = s.sum()
        if tot <= 0:
            return None
        out.append(s / tot)
    return tuple(out)


def _equations(Us: np.ndarray, x: Sequence[np.ndarray]):
    """Residual and Jacobian of the indifference system on the support-restricted payoffs ``Us``
    (shape ``(N, |S_0|, ..., |S_{N-1}|)``) at the support probabilities ``x``."""
    N = Us.shape[0]
    sizes = Us.shape[1:]
    offs = np.cumsum((0,) + sizes)
    size = int(offs[-1])
    F = np.zeros(size)
    J = np.zeros((size, size))
    row = 0
    for k in range(N):
        nk = sizes[k]
        v = None
        for j in range(N):
            if j == k:
                continue
            P = pair_values(Us, x, k, j)
            J[row:row + nk - 1, offs[j]:offs[j + 1]] = P[1:] - P[0]
            if v is None:
                v = P @ x[j]
        F[row:row + nk - 1] = v[1:] - v[0]
        row += nk - 1
    for k in range(N):
        F[row] = x[k].sum() - 1.0
        J[row, offs[k]:offs[k + 1]] = 1.0
        row += 1
    return F, J, offs


def newton_support(U, supports, start: Sequence[np.ndarray], *, iters: int = 40, tol: float = 1e-13
                   ) -> tuple[np.ndarray, ...] | None:
    """Newton's method on the indifference system of ``supports`` from the full profile ``start``;
    the converged profile (probabilities may be slightly negative: the caller checks), or ``None``
    (no convergence, or the iterates left the neighbourhood of the simplices)."""
    shape = U.shape[1:]
    supports = [list(S) for S in supports]
    Us = U[(slice(None),) + np.ix_(*supports)]
    x = [np.asarray(start[k], dtype=float)[S].copy() for k, S in enumerate(supports)]
    best = np.inf
    scale = max(1.0, float(np.abs(Us).max()))  # the residuals are payoff differences
    for it in range(iters):
        F, J, offs = _equations(Us, x)
        res = np.abs(F).max()
        if res <= tol * scale:
            break
        if it >= 2 and res > 0.5 * best:  # no longer converging quadratically
            if res <= 1e-9 * scale:
                break  # converged to rounding
            if it >= 12:
                return None  # give up on this start
        best = min(best, res)
        try:
            d = np.linalg.solve(J, -F)
        except np.linalg.LinAlgError:
            d = np.linalg.lstsq(J, -F, rcond=None)[0]
        if not np.isfinite(d).all():
            return None
        for k in range(len(x)):
            x[k] = x[k] + d[offs[k]:offs[k + 1]]
        if it >= 4 and min(float(v.min()) for v in x) < -1.0:  # far outside the simplex
            return None
    else:
        F, _, _ = _equations(Us, x)
        if np.abs(F).max() > 1e-9 * scale:
            return None
    out = []
    for n, S, v in zip(shape, supports, x):
        full = np.zeros(n)
        full[S] = v
        out.append(full)
    return tuple(out)


def _fixed_profile(shape, supports) -> list[np.ndarray]:
    sigma = [np.zeros(n) for n in shape]
    for k, S in enumerate(supports):
        sigma[k][S[0]] = 1.0
    return sigma


def _linear_pair(U, supports, i, j):
    """Players i and j mix, the others are pure: i's indifference is linear in j's probabilities."""
    shape = U.shape[1:]
    base = _fixed_profile(shape, supports)
    Si, Sj = list(supports[i]), list(supports[j])
    if len(Si) != len(Sj):
        return SupportSolution([], True, degenerate=False)  # nondegenerate games: equal sizes
    probs = {}
    for a, b, Sa, Sb in ((i, j, Si, Sj), (j, i, Sj, Si)):
        P = pair_values(U, base, a, b)[np.ix_(Sa, Sb)]
        M = np.vstack([P[1:] - P[0], np.ones(len(Sb))])
        rhs = np.zeros(len(Sb))
        rhs[-1] = 1.0
        if abs(np.linalg.det(M)) < 1e-12 * max(1.0, np.abs(M).max()) ** len(Sb):
            x = np.linalg.lstsq(M, rhs, rcond=None)[0]
            if np.abs(M @ x - rhs).max() > 1e-9 * max(1.0, np.abs(M).max()):
                return SupportSolution([], True)  # inconsistent: no profile with these supports
            return SupportSolution([], True, degenerate=True)  # a continuum of solutions
        probs[b] = np.linalg.solve(M, rhs)
    full = [np.array([1.0]) for _ in supports]
    full[i], full[j] = probs[i], probs[j]
    prof = _embed(shape, supports, full)
    return SupportSolution([] if prof is None else [prof], True)


def _bilinear(U, base, me, x, y, supports):
    """Coefficients ``(a, b, c, d)`` of ``D(px, py) = a + b px + c py + d px py``: player ``me``'s
    payoff difference (second minus first support action) as players x and y put ``px``, ``py`` on
    their second support action."""
    Sm, Sx, Sy = (list(supports[k]) for k in (me, x, y))
    vals = np.zeros((2, 2))
    for bx in range(2):
        for by in range(2):
            prof = [s.copy() for s in base]
            prof[x] = np.zeros_like(base[x])
            prof[x][Sx[bx]] = 1.0
            prof[y] = np.zeros_like(base[y])
            prof[y][Sy[by]] = 1.0
            v = action_values(U, prof, me)
            vals[bx, by] = v[Sm[1]] - v[Sm[0]]
    a = vals[0, 0]
    return a, vals[1, 0] - a, vals[0, 1] - a, vals[0, 0] - vals[0, 1] - vals[1, 0] + vals[1, 1]


def _quadratic_triple(U, supports, i, j, l):
    """Three players mix over two actions each (others pure): one quadratic in l's probability."""
    shape = U.shape[1:]
    base = _fixed_profile(shape, supports)
    ai, bi, ci, di = _bilinear(U, base, i, j, l, supports)  # D_i(q, r) with q = p_j, r = p_l
    aj, bj, cj, dj = _bilinear(U, base, j, i, l, supports)  # D_j(p, r) with p = p_i
    al, bl, cl, dl = _bilinear(U, base, l, i, j, supports)  # D_l(p, q)
    P = np.polynomial.Polynomial
    Q1, Q2 = P([ai, ci]), P([bi, di])  # q = -Q1/Q2
    P1, P2 = P([aj, cj]), P([bj, dj])  # p = -P1/P2
    poly = al * P2 * Q2 - bl * P1 * Q2 - cl * Q1 * P2 + dl * P1 * Q1
    coef = poly.coef
    scale = max(1.0, max(abs(v) for v in (ai, bi, ci, di, aj, bj, cj, dj, al, bl, cl, dl)))
    if np.abs(coef).max() <= 1e-12 * scale ** 3:
        return SupportSolution([], True, degenerate=True)
    out: list[tuple[np.ndarray, ...]] = []
    degenerate = False
    for root in poly.roots():
        if abs(root.imag) > 1e-9:
            continue
        r = float(root.real)
        if r < -NEG_TOL or r > 1 + NEG_TOL:
            continue
        den_q, den_p, eps = Q2(r), P2(r), 1e-9 * scale
        if abs(den_q) < eps and abs(den_p) < eps:
            degenerate = True
            continue
        if abs(den_p) < eps:  # j's indifference holds for every p at this r: p from l's
            q = -Q1(r) / den_q
            den = bl + dl * q
            if abs(den) < eps:
                degenerate = True
                continue
            p = -(al + cl * q) / den
        elif abs(den_q) < eps:  # likewise i's for every q: q from l's
            p = -P1(r) / den_p
            den = cl + dl * p
            if abs(den) < eps:
                degenerate = True
                continue
            q = -(al + bl * p) / den
        else:
            q, p = -Q1(r) / den_q, -P1(r) / den_p
        full = [np.array([1.0]) for _ in supports]
        full[i], full[j], full[l] = np.array([1 - p, p]), np.array([1 - q, q]), np.array([1 - r, r])
        prof = _embed(shape, supports, full)
        if prof is not None:
            polished = newton_support(U, supports, prof, iters=5)
            out.append(prof if polished is None else polished)
    return SupportSolution(out, True, degenerate)


def _random_start(rng, shape, supports) -> list[np.ndarray]:
    out = []
    for n, S in zip(shape, supports):
        s = np.zeros(n)
        s[list(S)] = rng.dirichlet(np.ones(len(S)))
        out.append(s)
    return out


def conditionally_dominated(U: np.ndarray, supports: Sequence[Sequence[int]]) -> bool:
    """True when some support action is strictly dominated by another action of its player while the
    others play within their supports: no equilibrium has these supports (Porter, Nudelman and
    Shoham 2004), so the support profile is skipped without losing any equilibrium."""
    for k, S in enumerate(supports):
        sub = U[k][np.ix_(*[range(U.shape[1 + k]) if j == k else list(T) for j, T in enumerate(supports)])]
        M = np.moveaxis(sub, k, 0).reshape(U.shape[1 + k], -1)
        for a in S:
            if ((M - M[a]).min(axis=1) > 0).any():
                return True
    return False


def solve_support(U: np.ndarray, supports: Sequence[Sequence[int]], *, rng: np.random.Generator,
                  starts: int = 12) -> SupportSolution:
    """Candidate equilibria with exactly these supports (see the module docstring for the method)."""
    shape = U.shape[1:]
    supports = [tuple(int(a) for a in S) for S in supports]
    if conditionally_dominated(U, supports):
        return SupportSolution([], True)
    mixers = [k for k, S in enumerate(supports) if len(S) > 1]
    if not mixers:
        return SupportSolution([_fixed_profile(shape, supports)], True)  # type: ignore[list-item]
    if len(mixers) == 1:
        k = mixers[0]
        v = action_values(U, _fixed_profile(shape, supports), k)[list(supports[k])]
        span = max(1.0, float(np.abs(U[k]).max()))
        if np.abs(v[1:] - v[0]).max() > 1e-12 * span:
            return SupportSolution([], True)
        return SupportSolution([], True, degenerate=True)  # a continuum: indifferent against pure play
    if len(mixers) == 2:
        return _linear_pair(U, supports, *mixers)
    if len(mixers) == 3 and all(len(supports[k]) == 2 for k in mixers):
        return _quadratic_triple(U, supports, *mixers)
    found: list[tuple[np.ndarray, ...]] = []
    for _ in range(starts):
        sol = newton_support(U, supports, _random_start(rng, shape, supports))
        if sol is None:
            continue
        prof = _embed(shape, supports, [s[list(S)] for s, S in zip(sol, supports)])
        if prof is not None:
            found.append(prof)
    return SupportSolution(found, False)
