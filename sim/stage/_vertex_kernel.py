"""Numba kernel of the vertex enumeration (see :mod:`sim.stage.enumeration` for the method).

Breadth-first traversal of the lexicographically feasible bases of ``P = {x >= 0, B^T x <= 1}``
(payoffs normalised into [1, 2]) in dictionary form, with visited bases kept in a hash set under a
128-bit Zobrist key, and for each new vertex the complementary point of ``Q`` solved in place
(Avis, Rosenberg, Savani and von Stengel 2010, Economic Theory 42:9-37). Breadth-first order keeps
every tableau at most "graph diameter" pivots away from the exact starting tableau, which bounds
the floating-point drift. Each call expands a bounded chunk of the frontier and returns the bases
it produced, so the caller keeps the frontier in chunks, checks a wall-clock deadline and a memory
cap between calls, and resumes.

Imported lazily: importing this module imports numba (compiled functions are cached on disk).
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.typed import Dict

KEY = types.UniTuple(types.int64, 2)


def new_set():
    """An empty typed hash set (a dict to booleans) of 128-bit keys."""
    return Dict.empty(key_type=KEY, value_type=types.boolean)


@njit(cache=True)
def _solve(S, k):
    """Solve ``S y = 1`` (k x k) by Gaussian elimination with partial pivoting; None if singular."""
    a = S.copy()
    b = np.ones(k)
    scale = 0.0
    for i in range(k):
        for j in range(k):
            if abs(a[i, j]) > scale:
                scale = abs(a[i, j])
    for c in range(k):
        p = c
        for i in range(c + 1, k):
            if abs(a[i, c]) > abs(a[p, c]):
                p = i
        if abs(a[p, c]) <= 1e-11 * scale:
            return b, False
        if p != c:
            for j in range(k):
                a[c, j], a[p, j] = a[p, j], a[c, j]
            b[c], b[p] = b[p], b[c]
        for i in range(c + 1, k):
            f = a[i, c] / a[c, c]
            if f != 0.0:
                for j in range(c, k):
                    a[i, j] -= f * a[c, j]
                b[i] -= f * b[c]
    for c in range(k - 1, -1, -1):
        s = b[c]
        for j in range(c + 1, k):
            s -= a[c, j] * b[j]
        b[c] = s / a[c, c]
    return b, True


@njit(cache=True)
def run(M, An, tol, D, rhs, bas, nb, h1, h2, visited, seen, z1, z2, z3, z4, budget, max_layer):
    """Expand the given bases (one BFS layer), then the layers they produce, while fewer than
    ``budget`` pivots were made and the new layer has at most ``max_layer`` bases.

    Returns ``(D, rhs, bas, nb, h1, h2, eqx, eqy, fbx, fbl, nvert, pivots, flags)`` where the first
    six are the new frontier, ``eqx/eqy`` the equilibria found, ``fbx/fbl`` vertices (and their
    label masks) whose complementary face is not a single point, and ``flags[0]`` is 1 when a
    non-simple vertex or a degenerate equilibrium was met.
    """
    r, d = M.shape
    nv = d + r
    m, n = An.shape
    eqx = np.empty((16, m))
    eqy = np.empty((16, n))
    neq = 0
    fbx = np.empty((4, m))
    fbl = np.empty((4, nv), dtype=np.bool_)
    nfb = 0
    nvert = 0
    pivots = 0
    flags = np.zeros(2, dtype=np.int64)
    lab = np.zeros(nv, dtype=np.bool_)
    x = np.zeros(d)
    S = np.empty((d, r))
    Iidx = np.empty(d, dtype=np.int64)
    Jidx = np.empty(r, dtype=np.int64)
    posb = np.empty(nv, dtype=np.int64)
    while D.shape[0] > 0 and pivots < budget:
        L = D.shape[0]
        cap = max(16, 2 * L)
        D2 = np.empty((cap, r, d))
        r2 = np.empty((cap, r))
        b2 = np.empty((cap, r), dtype=np.int64)
        n2 = np.empty((cap, d), dtype=np.int64)
        g1 = np.empty(cap, dtype=np.int64)
        g2 = np.empty(cap, dtype=np.int64)
        cnt = 0
        for v in range(L):
            for e in range(d):
                p = -1
                best = np.inf
                ties = 0
                for i in range(r):
                    a = D[v, i, e]
                    if a > tol:
                        rt = rhs[v, i] / a
                        if p < 0 or rt < best - tol:
                            best = rt
                            p = i
                            ties = 0
                        elif rt <= best + tol:
                            ties += 1
                if p < 0:
                    continue
                if ties > 0:
                    p = _lex_row(D, rhs, bas, nb, v, e, best, tol, d, r, posb)
                k1 = h1[v] ^ z1[bas[v, p]] ^ z1[nb[v, e]]
                k2 = h2[v] ^ z2[bas[v, p]] ^ z2[nb[v, e]]
                key = (k1, k2)
                if key in visited:
                    continue
                visited[key] = True
                if cnt == cap:
                    cap *= 2
                    D2 = _grow3(D2, cap)
                    r2 = _grow2(r2, cap)
                    b2 = _grow2i(b2, cap)
                    n2 = _grow2i(n2, cap)
                    g1 = _grow1i(g1, cap)
                    g2 = _grow1i(g2, cap)
                # pivot (p, e) into slot cnt
                piv = D[v, p, e]
                for j in range(d):
                    D2[cnt, p, j] = D[v, p, j] / piv
                D2[cnt, p, e] = 1.0 / piv
                r2[cnt, p] = rhs[v, p] / piv
                for i in range(r):
                    if i == p:
                        continue
                    f = D[v, i, e]
                    for j in range(d):
                        D2[cnt, i, j] = D[v, i, j] - f * D2[cnt, p, j]
                    D2[cnt, i, e] = -f / piv
                    val = rhs[v, i] - f * r2[cnt, p]
                    r2[cnt, i] = val if val > 0.0 else 0.0
                for i in range(r):
                    b2[cnt, i] = bas[v, i]
                for j in range(d):
                    n2[cnt, j] = nb[v, j]
                b2[cnt, p] = nb[v, e]
                n2[cnt, e] = bas[v, p]
                g1[cnt] = k1
                g2[cnt] = k2
                pivots += 1
                # the vertex of this basis: coordinates, labels, label key
                for j in range(nv):
                    lab[j] = False
                for j in range(d):
                    lab[n2[cnt, j]] = True
                    x[j] = 0.0
                for i in range(r):
                    if bas_is_x(b2[cnt, i], d):
                        x[b2[cnt, i]] = r2[cnt, i]
                    if r2[cnt, i] <= tol:
                        lab[b2[cnt, i]] = True
                l1 = 0
                l2 = 0
                nl = 0
                for j in range(nv):
                    if lab[j]:
                        l1 ^= z3[j]
                        l2 ^= z4[j]
                        nl += 1
                cnt += 1
                lkey = (l1, l2)
                if lkey in seen:
                    continue
                seen[lkey] = True
                nvert += 1
                if nl > d:
                    flags[0] = 1
                k = 0
                for i in range(d):
                    if not lab[i]:
                        Iidx[k] = i
                        k += 1
                if k == 0:
                    continue
                kj = 0
                for j in range(r):
                    if lab[d + j]:
                        Jidx[kj] = j
                        kj += 1
                ok = False
                y = np.zeros(n)
                if kj == k:
                    for a_ in range(k):
                        for b_ in range(k):
                            S[a_, b_] = An[Iidx[a_], Jidx[b_]]
                    yJ, ok = _solve(S[:k, :k], k)
                    if ok:
                        feas = True
                        for b_ in range(k):
                            if yJ[b_] < -tol:
                                feas = False
                            y[Jidx[b_]] = max(yJ[b_], 0.0)
                        ntight = 0
                        if feas:
                            for i in range(m):
                                s = 0.0
                                for b_ in range(k):
                                    s += An[i, Jidx[b_]] * y[Jidx[b_]]
                                if s > 1.0 + tol:
                                    feas = False
                                    break
                                if s >= 1.0 - tol:
                                    ntight += 1
                        if feas:
                            for b_ in range(k):
                                if yJ[b_] <= tol:
                                    flags[0] = 1
                            if ntight > k:
                                flags[0] = 1
                            if neq == eqx.shape[0]:
                                eqx = _grow2(eqx, 2 * neq)
                                eqy = _grow2(eqy, 2 * neq)
                            eqx[neq, :] = x
                            eqy[neq, :] = y
                            neq += 1
                if not ok:
                    flags[0] = 1
                    if nfb == fbx.shape[0]:
                        fbx = _grow2(fbx, 2 * nfb)
                        fbl = _grow2b(fbl, 2 * nfb)
                    fbx[nfb, :] = x
                    fbl[nfb, :] = lab
                    nfb += 1
        D, rhs, bas, nb, h1, h2 = D2[:cnt], r2[:cnt], b2[:cnt], n2[:cnt], g1[:cnt], g2[:cnt]
        if cnt > max_layer:  # hand a large layer back to the caller, which splits it into chunks
            break
    return D, rhs, bas, nb, h1, h2, eqx[:neq], eqy[:neq], fbx[:nfb], fbl[:nfb], nvert, pivots, flags


@njit(cache=True, inline="always")
def bas_is_x(var, d):
    return var < d


@njit(cache=True)
def _lex_row(D, rhs, bas, nb, v, e, best, tol, d, r, posb):
    """Lexicographic minimum-ratio row among ties (columns of B^{-1} = the slack columns)."""
    cand = np.zeros(r, dtype=np.bool_)
    for i in range(r):
        a = D[v, i, e]
        if a > tol and rhs[v, i] / a <= best + tol:
            cand[i] = True
    for j in range(d + r):
        posb[j] = -1
    for j in range(d):
        posb[nb[v, j]] = j
    for k in range(r):
        var = d + k
        col = np.zeros(r)
        if posb[var] >= 0:
            for i in range(r):
                col[i] = D[v, i, posb[var]]
        else:
            for i in range(r):
                if bas[v, i] == var:
                    col[i] = 1.0
        lo = np.inf
        for i in range(r):
            if cand[i]:
                q = col[i] / D[v, i, e]
                if q < lo:
                    lo = q
        c = 0
        last = -1
        for i in range(r):
            if cand[i]:
                if col[i] / D[v, i, e] > lo + tol:
                    cand[i] = False
                else:
                    c += 1
                    last = i
        if c == 1:
            return last
    for i in range(r):
        if cand[i]:
            return i
    return -1


@njit(cache=True)
def _grow3(a, cap):
    out = np.empty((cap, a.shape[1], a.shape[2]))
    out[: a.shape[0]] = a
    return out


@njit(cache=True)
def _grow2(a, cap):
    out = np.empty((cap, a.shape[1]))
    out[: a.shape[0]] = a
    return out


@njit(cache=True)
def _grow2i(a, cap):
    out = np.empty((cap, a.shape[1]), dtype=np.int64)
    out[: a.shape[0]] = a
    return out


@njit(cache=True)
def _grow2b(a, cap):
    out = np.empty((cap, a.shape[1]), dtype=np.bool_)
    out[: a.shape[0]] = a
    return out


@njit(cache=True)
def _grow1i(a, cap):
    out = np.empty(cap, dtype=np.int64)
    out[: a.shape[0]] = a
    return out


@njit(cache=True)
def refactor(M, bas, nb):
    """Dictionaries ``(D, rhs)`` of the bases ``bas`` computed afresh from ``[M | I]``.

    Used for frontier chunks stored compactly (bases only) when memory is short; a fresh
    factorisation also removes any drift accumulated by pivoting.
    """
    r, d = M.shape
    L = bas.shape[0]
    D = np.empty((L, r, d))
    rhs = np.empty((L, r))
    Bm = np.empty((r, r))
    R = np.empty((r, d + 1))
    for v in range(L):
        for i in range(r):
            var = bas[v, i]
            for k in range(r):
                Bm[k, i] = M[k, var] if var < d else (1.0 if var - d == k else 0.0)
        for k in range(r):
            R[k, 0] = 1.0
            for j in range(d):
                var = nb[v, j]
                R[k, j + 1] = M[k, var] if var < d else (1.0 if var - d == k else 0.0)
        X = np.linalg.solve(Bm, R)
        for i in range(r):
            rhs[v, i] = X[i, 0] if X[i, 0] > 0.0 else 0.0
            for j in range(d):
                D[v, i, j] = X[i, j + 1]
    return D, rhs
