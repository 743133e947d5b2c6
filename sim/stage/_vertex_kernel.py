"""Numba kernel of the vertex enumeration: lexicographic reverse search over one best-response polytope.

The polytope is ``P = {x >= 0, M x <= 1}`` (``M`` of shape ``(r, d)``, payoffs normalised into
[1, 2]) in dictionary form: basic variables ``= rhs - D @ nonbasic``, objective ``f = c @ nonbasic``
for ``f = -w @ x`` with a fixed generic weight vector ``w > 0``, so the origin (the slack basis) is the
unique optimum. Reverse search (Avis and Fukuda 1992; Avis 2000, the method of ``lrs``) visits every
lexicographically feasible basis once as a node of the tree whose parent map is one simplex pivot:
Bland's rule picks the entering variable, the lexicographic ratio test (Dantzig, Orden and Wolfe
1955) the leaving one. A node's children are found by testing each nonbasic variable with the
reverse test, which needs one ratio test and one updated cost row, not a pivot. The search is
depth-first with one dictionary stored per depth, so it needs no visited set, its memory is
``depth x r x d`` numbers and a dictionary is at most "depth" pivots from the exact root (which
bounds the floating-point drift); a stopped search resumes from its stack, and the subtrees
below any depth can be searched separately (:func:`parallel_search`).

For every vertex met, the complementary point of ``Q = {y >= 0, A y <= 1}`` is found (Avis,
Rosenberg, Savani and von Stengel 2010, Economic Theory 42:9-37). Q's dictionary for the basis
complementary to P's (Q's basic variables are P's nonbasic labels) is carried along the search, one
pivot per pivot of P, so a simple vertex whose complementary basic solution is clearly outside Q
is dropped without a solve; the others get a fresh solve of their own labels (so results do not
depend on the path), and vertices whose complementary face is not one point are returned as label
masks for the caller to pair. A degenerate vertex has several bases; it is handled once (a hash
set holds the label sets of the non-simple vertices only, so nondegenerate games use no set).

Imported lazily: importing this module imports numba (compiled functions are cached on disk).
"""

from __future__ import annotations

import functools
import time

import numpy as np
from numba import njit, types
from numba.typed import Dict

KEY = types.UniTuple(types.int64, 2)
#: Status codes of :func:`search`.
DONE, BUDGET, DEEPER = 0, 1, 2


def new_set():
    """An empty typed hash set (a dict to booleans) of 128-bit keys."""
    return Dict.empty(key_type=KEY, value_type=types.boolean)


@njit(cache=True)
def _solve(a, k, b):
    """Solve ``a[:k, :k] y = 1`` into ``b[:k]`` by Gaussian elimination with partial pivoting,
    overwriting ``a``. Returns False when it is singular (a pivot below ``1e-11`` times the
    largest entry)."""
    for i in range(k):
        b[i] = 1.0
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
            return False
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
    return True


@njit(cache=True)
def _lex_row(Dst, Rst, Bst, Nst, L, e, cand, nc, tol, work, vals):
    """Lexicographic minimum-ratio row among the tied rows ``cand[:nc]`` at depth ``L``: ties are
    broken by the columns of B^{-1} (the slack columns) divided by the entering column, in order."""
    d, r = Dst.shape[1], Dst.shape[2]
    posb = work
    for i in range(r):
        posb[Bst[L, i]] = -1
    for j in range(d):
        posb[Nst[L, j]] = j
    for k in range(r):
        var = d + k
        q = posb[var]
        lo = np.inf
        for c in range(nc):
            i = cand[c]
            if q >= 0:
                v = Dst[L, q, i] / Dst[L, e, i]
            else:
                v = 1.0 / Dst[L, e, i] if Bst[L, i] == var else 0.0
            vals[c] = v
            if v < lo:
                lo = v
        kept = 0
        for c in range(nc):
            if vals[c] <= lo + tol:
                cand[kept] = cand[c]
                kept += 1
        nc = kept
        if nc == 1:
            break
    return cand[0]


@njit(cache=True, inline="always")
def _ratio_row(Dst, Rst, Bst, Nst, L, e, tol, work, vals, ratio, cand):
    """Leaving row for entering slot ``e`` at depth ``L`` (lexicographic ratio test); -1 for a ray.

    Rows within ``tol`` of the minimum ratio tie; the lexicographic rule picks one of them.
    """
    r = Dst.shape[2]
    best = np.inf
    for i in range(r):
        a = Dst[L, e, i]
        q = Rst[L, i] / max(a, tol)  # computed for every row (no branch around the division)
        ratio[i] = q
        best = min(best, q if a > tol else np.inf)
    if best == np.inf:
        return -1
    lim = best + tol
    nc = 0
    for i in range(r):
        if ratio[i] <= lim and Dst[L, e, i] > tol:
            cand[nc] = i
            nc += 1
    if nc == 1:
        return cand[0]
    return _lex_row(Dst, Rst, Bst, Nst, L, e, cand, nc, tol, work, vals)


@njit(cache=True)
def _pivot(Dst, Rst, Cst, Bst, Nst, L, p, s):
    """Dictionary of depth ``L + 1``: the one of depth ``L`` pivoted on row ``p``, slot ``s``.

    ``Dst[L, j, i]`` is the coefficient of nonbasic slot ``j`` in row ``i`` (columns contiguous,
    for the ratio tests)."""
    d, r = Dst.shape[1], Dst.shape[2]
    N = L + 1
    col = Dst[L, s]
    piv = col[p]
    rp = Rst[L, p] / piv
    for i in range(r):
        val = Rst[L, i] - col[i] * rp
        Rst[N, i] = val if val > 0.0 else 0.0
    Rst[N, p] = rp
    cs = Cst[L, s]
    for j in range(d):
        src = Dst[L, j]
        dst = Dst[N, j]
        if j == s:
            for i in range(r):
                dst[i] = -col[i] / piv
            dst[p] = 1.0 / piv
            Cst[N, j] = -cs / piv
        else:
            g = src[p] / piv
            for i in range(r):
                dst[i] = src[i] - col[i] * g
            dst[p] = g
            Cst[N, j] = Cst[L, j] - cs * g
    for i in range(r):
        Bst[N, i] = Bst[L, i]
    for j in range(d):
        Nst[N, j] = Nst[L, j]
    Bst[N, p] = Nst[L, s]
    Nst[N, s] = Bst[L, p]


@njit(cache=True, inline="always")
def _reverse(Dst, Rst, Cst, Bst, Nst, L, s, tol, tolc, work, vals, ratio, cand):
    """Row ``p`` if pivoting slot ``s`` in at depth ``L`` gives a child in the search tree, else -1.

    The child's parent pivot (Bland's rule: the smallest-index nonbasic variable with a positive
    cost coefficient enters) must bring back the variable that leaves here.
    """
    cs = Cst[L, s]
    if cs >= 0.0:
        return -1
    p = _ratio_row(Dst, Rst, Bst, Nst, L, s, tol, work, vals, ratio, cand)
    if p < 0:
        return -1
    piv = Dst[L, s, p]
    if -cs / piv <= tolc:
        return -1
    u = Bst[L, p]
    for j in range(Dst.shape[1]):
        if j != s and Nst[L, j] < u and Cst[L, j] - cs * (Dst[L, j, p] / piv) > tolc:
            return -1
    return p


@njit(cache=True)
def init_root(M, w, An, Dst, Rst, Cst, Bst, Nst, Qst, QRst, QBst, QNst, Qok):
    """Depth 0: the slack basis (the origin), cost row ``-w``; Q's dictionary for the
    complementary basis (its slack basis, ``y = 0``)."""
    r, d = M.shape
    for i in range(r):
        for j in range(d):
            Dst[0, j, i] = M[i, j]
        Rst[0, i] = 1.0
        Bst[0, i] = d + i
    for j in range(d):
        Cst[0, j] = -w[j]
        Nst[0, j] = j
    m, n = An.shape
    for i in range(m):
        for j in range(n):
            Qst[0, j, i] = An[i, j]
        QRst[0, i] = 1.0
        QBst[0, i] = i
    for j in range(n):
        QNst[0, j] = m + j
    Qok[0] = True


@njit(cache=True)
def replay(path, An, tol, Dst, Rst, Cst, Bst, Nst, Qst, QRst, QBst, QNst, Qok):
    """Pivot from the root along ``path`` (the slot chosen at each depth), as :func:`search` does."""
    d, r = Dst.shape[1], Dst.shape[2]
    work = np.empty(d + r, dtype=np.int64)
    vals, ratio, cand = np.empty(r), np.empty(r), np.empty(r, dtype=np.int64)
    qwork = np.empty((An.shape[0], An.shape[0] + An.shape[1] + 1))
    for L in range(len(path)):
        s = path[L]
        p = _ratio_row(Dst, Rst, Bst, Nst, L, s, tol, work, vals, ratio, cand)
        e, u = Nst[L, s], Bst[L, p]
        _pivot(Dst, Rst, Cst, Bst, Nst, L, p, s)
        _qstep(An, Nst, Qst, QRst, QBst, QNst, Qok, L, e, u, qwork)


#: The complementary dictionary is pivoted only on pivots above this fraction of its column's
#: largest entry; smaller pivots (a nearly singular complementary basis) refactor it instead.
QPIV = 1e-6
#: A simple vertex is skipped without a solve when its complementary basic solution has a value
#: below minus this (it is not in Q); anything closer is decided by a fresh solve.
QMARGIN = 1e-7


@njit(cache=True)
def _qstep(An, Nst, Qst, QRst, QBst, QNst, Qok, L, e, u, qwork):
    """Q's dictionary at depth ``L + 1``, for the basis complementary to P's there (Q's basic
    variables are P's nonbasic labels): P's pivot brought label ``e`` into its basis and ``u`` out,
    so in Q label ``e`` leaves the basis and ``u`` enters. One pivot, or a refactorisation."""
    m, n = An.shape
    N = L + 1
    if Qok[L]:
        qi = -1
        for i in range(m):
            if QBst[L, i] == e:
                qi = i
        qj = -1
        for j in range(n):
            if QNst[L, j] == u:
                qj = j
        col = Qst[L, qj]
        big = 0.0
        for i in range(m):
            big = max(big, abs(col[i]))
        piv = col[qi]
        if abs(piv) > QPIV * big:
            rp = QRst[L, qi] / piv
            for i in range(m):
                QRst[N, i] = QRst[L, i] - col[i] * rp
            QRst[N, qi] = rp
            for j in range(n):
                src = Qst[L, j]
                dst = Qst[N, j]
                if j == qj:
                    for i in range(m):
                        dst[i] = -col[i] / piv
                    dst[qi] = 1.0 / piv
                else:
                    g = src[qi] / piv
                    for i in range(m):
                        dst[i] = src[i] - col[i] * g
                    dst[qi] = g
            for i in range(m):
                QBst[N, i] = QBst[L, i]
            for j in range(n):
                QNst[N, j] = QNst[L, j]
            QBst[N, qi] = u
            QNst[N, qj] = e
            Qok[N] = True
            return
    Qok[N] = _qrefactor(An, Nst[N], Qst[N], QRst[N], QBst[N], QNst[N], qwork)


@njit(cache=True)
def _qrefactor(An, basic, D, rhs, QB, QN, X):
    """Q's dictionary for the basis of labels ``basic`` computed afresh (Gaussian elimination with
    partial pivoting); False when that basis is (nearly) singular."""
    m, n = An.shape
    isb = np.zeros(m + n, dtype=np.bool_)
    for i in range(m):
        QB[i] = basic[i]
        isb[basic[i]] = True
    k = 0
    for v in range(m + n):
        if not isb[v]:
            QN[k] = v
            k += 1
    W = m + n + 1  # X = [basis columns | nonbasic columns | rhs]
    for i in range(m):
        for c in range(m + n):
            v = QB[c] if c < m else QN[c - m]
            X[i, c] = (1.0 if v == i else 0.0) if v < m else An[i, v - m]
        X[i, W - 1] = 1.0
    for c in range(m):
        p = c
        for i in range(c + 1, m):
            if abs(X[i, c]) > abs(X[p, c]):
                p = i
        if abs(X[p, c]) <= 1e-9:
            return False
        if p != c:
            for j in range(W):
                X[c, j], X[p, j] = X[p, j], X[c, j]
        f = 1.0 / X[c, c]
        for j in range(W):
            X[c, j] *= f
        for i in range(m):
            if i != c and X[i, c] != 0.0:
                g = X[i, c]
                for j in range(W):
                    X[i, j] -= g * X[c, j]
    for i in range(m):
        rhs[i] = X[i, W - 1]
        for j in range(n):
            D[j, i] = X[i, m + j]
    return True


@njit(cache=True)
def search(M, An, tol, tolc, Dst, Rst, Cst, Bst, Nst, Qst, QRst, QBst, QNst, Qok, nxt, slot, info, seen, z1, z2,
           budget, cut, collect):
    """Continue the reverse search from the stack for up to ``budget`` new nodes.

    ``info = [depth, base]``: the current depth and the depth of the subtree root (the search
    never climbs above it). Nodes at depth ``cut`` (if ``cut >= 0``) are handled but not expanded;
    their paths from the root are returned as jobs. With ``collect``, no pairing: the label mask
    of every vertex (but the origin) is returned in ``fb``. Returns ``(status, eqx, eqy, fb, jobs, nodes,
    nvert, flags)``: status :data:`DONE`, :data:`BUDGET` or :data:`DEEPER` (the stack is full:
    grow it and call again), the equilibria found, the label masks of vertices whose
    complementary face is not a single point, and ``flags[0] = 1`` when a non-simple vertex,
    a singular support or a degenerate equilibrium was met.
    """
    r, d = M.shape
    nv = d + r
    m, n = An.shape
    cap = Dst.shape[0]
    eqx = np.empty((8, m))
    eqy = np.empty((8, n))
    neq = 0
    fb = np.empty((8, nv), dtype=np.bool_)
    nfb = 0
    jobs = np.empty((8, max(cut, 1)), dtype=np.int64)
    njobs = 0
    nodes = 0
    nvert = 0
    flags = np.zeros(2, dtype=np.int64)
    lab = np.zeros(nv, dtype=np.bool_)
    S = np.empty((max(d, r), max(d, r)))
    yJ = np.empty(max(d, r))
    xI = np.empty(max(d, r))
    Iidx = np.empty(d, dtype=np.int64)
    Jidx = np.empty(r, dtype=np.int64)
    work = np.empty(nv, dtype=np.int64)
    vals, ratio, cand = np.empty(r), np.empty(r), np.empty(r, dtype=np.int64)
    qwork = np.empty((m, m + n + 1))
    L = info[0]
    base = info[1]
    status = DONE
    while True:
        if cut >= 0 and L == cut and L > base:  # a job: its subtree is searched elsewhere
            if njobs == jobs.shape[0]:
                jobs = _grow2i(jobs, 2 * njobs)
            for t in range(cut):
                jobs[njobs, t] = slot[t + 1]
            njobs += 1
            L -= 1
            continue
        if nodes >= budget:
            status = BUDGET
            break
        s = nxt[L]
        p = -1
        while s < d:
            p = _reverse(Dst, Rst, Cst, Bst, Nst, L, s, tol, tolc, work, vals, ratio, cand)
            if p >= 0:
                break
            s += 1
        if p < 0:
            nxt[L] = d
            if L == base:
                break
            L -= 1
            continue
        if L + 1 >= cap:
            nxt[L] = s
            status = DEEPER
            break
        nxt[L] = s + 1
        e, u = Nst[L, s], Bst[L, p]
        _pivot(Dst, Rst, Cst, Bst, Nst, L, p, s)
        if not collect:
            _qstep(An, Nst, Qst, QRst, QBst, QNst, Qok, L, e, u, qwork)
        L += 1
        slot[L] = s
        nxt[L] = 0
        nodes += 1
        # the vertex of this basis: labels, then its complementary point or face
        rhs, bas, nb = Rst[L], Bst[L], Nst[L]
        for j in range(nv):
            lab[j] = False
        for j in range(d):
            lab[nb[j]] = True
        nl = d
        for i in range(r):
            if rhs[i] <= tol:
                lab[bas[i]] = True
                nl += 1
        if nl > d:  # non-simple: other bases of it are met too; handle it once
            flags[0] = 1
            l1 = 0
            l2 = 0
            for j in range(nv):
                if lab[j]:
                    l1 ^= z1[j]
                    l2 ^= z2[j]
            key = (l1, l2)
            if key in seen:
                continue
            seen[key] = True
            flags[1] += 1
        nvert += 1
        if not collect and nl == d and Qok[L]:  # simple: its complementary point is Q's basic solution
            low = 0.0
            for i in range(m):
                low = min(low, QRst[L, i])
            if low < -QMARGIN:
                continue
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
        if kj == k and not collect:
            for a_ in range(k):
                for b_ in range(k):
                    S[a_, b_] = An[Iidx[a_], Jidx[b_]]
            ok = _solve(S, k, yJ)
            if ok and _feasible(An, yJ, Jidx, k, tol, flags):
                for a_ in range(k):  # x from its own labels, so it does not depend on the path
                    for b_ in range(k):
                        S[a_, b_] = M[Jidx[a_], Iidx[b_]]
                if _solve(S, k, xI):
                    if neq == eqx.shape[0]:
                        eqx = _grow2(eqx, 2 * neq)
                        eqy = _grow2(eqy, 2 * neq)
                    for i in range(m):
                        eqx[neq, i] = 0.0
                    for j in range(n):
                        eqy[neq, j] = 0.0
                    for a_ in range(k):
                        eqx[neq, Iidx[a_]] = max(xI[a_], 0.0)
                        eqy[neq, Jidx[a_]] = max(yJ[a_], 0.0)
                    neq += 1
                else:
                    ok = False
        if not ok:
            if not collect:
                flags[0] = 1
            if nfb == fb.shape[0]:
                fb = _grow2b(fb, 2 * nfb)
            for j in range(nv):
                fb[nfb, j] = lab[j]
            nfb += 1
    info[0] = L
    return status, eqx[:neq], eqy[:neq], fb[:nfb], jobs[:njobs], nodes, nvert, flags


@njit(cache=True)
def _feasible(An, yJ, Jidx, k, tol, flags):
    """``y >= 0`` and ``A y <= 1`` for the solved ``y_J``; flags a degenerate equilibrium."""
    for b_ in range(k):
        if yJ[b_] < -tol:
            return False
    ntight = 0
    for i in range(An.shape[0]):
        s = 0.0
        for b_ in range(k):
            s += An[i, Jidx[b_]] * max(yJ[b_], 0.0)
        if s > 1.0 + tol:
            return False
        if s >= 1.0 - tol:
            ntight += 1
    for b_ in range(k):
        if yJ[b_] <= tol:
            flags[0] = 1
    if ntight > k:
        flags[0] = 1
    return True


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
def complete_pairs(wP, wQ, full):
    """Index pairs ``(i, j)`` with ``wP[i] | wQ[j] == full`` (label masks as 64-bit words)."""
    hits = np.empty((16, 2), dtype=np.int64)
    nh = 0
    W = wP.shape[1]
    for i in range(wP.shape[0]):
        for j in range(wQ.shape[0]):
            ok = True
            for w in range(W):
                if (wP[i, w] | wQ[j, w]) != full[w]:
                    ok = False
                    break
            if ok:
                if nh == hits.shape[0]:
                    hits = _grow2i(hits, 2 * nh)
                hits[nh, 0] = i
                hits[nh, 1] = j
                nh += 1
    return hits[:nh]


@njit(cache=True)
def _keys(seen):
    out = np.empty((len(seen), 2), dtype=np.int64)
    i = 0
    for k in seen.keys():
        out[i, 0] = k[0]
        out[i, 1] = k[1]
        i += 1
    return out


# ----------------------------------------------------------------------------- Python driver
#: Seed of the objective weights and the label hash keys: fixed, so every run walks the same tree.
SEED = 20250101
#: Nodes searched per call of the compiled search (a time or memory budget is checked between calls).
CHUNK = 20_000
#: Reduced costs within this of zero count as zero in the reverse test (payoffs lie in [1, 2]).
COST_TOL = 1e-11


@functools.lru_cache(maxsize=64)
def _weights(r: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """The objective weights ``w`` (d) and the label hash keys (2, d + r), drawn from :data:`SEED`."""
    rng = np.random.default_rng(SEED)
    w = 1.0 + rng.random(d)
    z = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=(2, d + r), dtype=np.int64)
    w.flags.writeable = z.flags.writeable = False
    return w, z


class Search:
    """A resumable reverse search of ``P = {x >= 0, M x <= 1}`` (the subtree below ``path``, or all
    of it), pairing each vertex with its complementary point of ``Q = {y >= 0, An y <= 1}``; with
    ``collect`` (``An`` not needed), recording every vertex's labels instead.

    :meth:`run` continues it for a number of nodes; the results accumulate on the object.
    """

    #: Depths the stack holds at first (it doubles when the search goes deeper).
    DEPTH = 64

    def __init__(self, M: np.ndarray, An: np.ndarray | None, tol: float, path=(), collect: bool = False):
        self.M = np.ascontiguousarray(M, dtype=float)
        self.collect = bool(collect)
        # collecting, Q is not used: a placeholder of its shape (Q's dictionaries are not updated)
        self.An = np.ones(self.M.shape[::-1]) if An is None else np.ascontiguousarray(An, dtype=float)
        self.tol = float(tol)
        self.w, self.z = _weights(*self.M.shape)
        path = np.asarray(path, dtype=np.int64)
        self._alloc(max(self.DEPTH, 2 * len(path) + 2))
        init_root(self.M, self.w, self.An, *self._stack)
        if len(path):
            replay(path, self.An, self.tol, *self._stack)
        self.info = np.array([len(path), len(path)], dtype=np.int64)
        self.seen = new_set()
        self.eqx, self.eqy, self.fb, self.jobs = [], [], [], []
        self.nodes = self.vertices = self.nonsimple = 0
        self.degenerate = False
        self.done = False

    def _alloc(self, cap: int, old=None) -> None:
        r, d = self.M.shape
        m, n = self.An.shape
        shapes = [((cap, d, r), float), ((cap, r), float), ((cap, d), float), ((cap, r), np.int64),
                  ((cap, d), np.int64), ((cap, n, m), float), ((cap, m), float), ((cap, m), np.int64),
                  ((cap, n), np.int64), ((cap,), np.bool_), ((cap,), np.int64), ((cap,), np.int64)]
        arrays = [np.zeros(s, dtype=t) for s, t in shapes]
        if old is not None:
            for a, b in zip(arrays, old):
                a[: len(b)] = b
        self._stack, self.nxt, self.slot = arrays[:10], arrays[10], arrays[11]

    def run(self, budget: int, cut: int = -1) -> bool:
        """Search up to ``budget`` more nodes (not expanding nodes at depth ``cut``); True when done."""
        while not self.done:
            status, ex, ey, fb, jobs, nodes, nvert, flags = search(
                self.M, self.An, self.tol, COST_TOL, *self._stack, self.nxt, self.slot, self.info, self.seen,
                self.z[0], self.z[1], budget, cut, self.collect)
            self.eqx.append(ex)
            self.eqy.append(ey)
            self.fb.append(fb)
            self.jobs.append(jobs)
            self.nodes += int(nodes)
            self.vertices += int(nvert)
            self.degenerate |= bool(flags[0])
            self.nonsimple += int(flags[1])
            budget -= int(nodes)
            if status == DONE:
                self.done = True
            elif status == DEEPER:
                self._alloc(2 * len(self.nxt), self._stack + [self.nxt, self.slot])
            else:
                break
        return self.done

    def nbytes(self) -> int:
        """Memory held by results and the set of non-simple vertices (about 80 bytes an entry)."""
        return 80 * self.nonsimple + sum(a.nbytes for a in self.fb) + sum(a.nbytes for a in self.eqx)

    def results(self) -> dict:
        m, n = self.An.shape
        nv = sum(self.M.shape)
        return {
            "x": np.concatenate(self.eqx) if self.eqx else np.empty((0, m)),
            "y": np.concatenate(self.eqy) if self.eqy else np.empty((0, n)),
            "fb": np.concatenate(self.fb) if self.fb else np.empty((0, nv), dtype=bool),
            "nonsimple": _keys(self.seen),
            "nodes": self.nodes,
            "vertices": self.vertices,
            "degenerate": self.degenerate,
            "done": self.done,
        }


def warm() -> None:
    """Load the compiled functions (from numba's disk cache) with a search of a tiny polytope: the
    initializer of worker processes, so their first subtree is not slowed by it."""
    M = np.array([[1.0, 2.0], [2.0, 1.0]])
    s = Search(M, M, 1e-9)
    s.run(CHUNK)
    complete_pairs(np.zeros((1, 1), dtype=np.uint64), np.zeros((1, 1), dtype=np.uint64), np.zeros(1, dtype=np.uint64))


def search_subtrees(M, An, tol, paths, deadline, max_bytes, budget=1000) -> dict:
    """Search the subtrees below ``paths`` (one search each, in order) until ``deadline``
    (a ``time.monotonic()`` value, or None); the merged results of :meth:`Search.results`."""
    parts = []
    done = True
    for path in paths:
        if deadline is not None and time.monotonic() > deadline:
            done = False
            break
        s = Search(M, An, tol, path)
        while not s.run(budget):
            if (deadline is not None and time.monotonic() > deadline) or s.nbytes() > max_bytes:
                break
            budget = min(2 * budget, CHUNK)
        parts.append(s.results())
        if not s.done:
            done = False
            break
    if not parts:
        return Search(M, An, tol, ()).results() | {"nodes": 0, "vertices": 0, "done": True}
    out = {k: np.concatenate([p[k] for p in parts]) for k in ("x", "y", "fb", "nonsimple")}
    out["nodes"] = sum(p["nodes"] for p in parts)
    out["vertices"] = sum(p["vertices"] for p in parts)
    out["degenerate"] = any(p["degenerate"] for p in parts)
    out["done"] = done
    return out


def parallel_search(M, An, tol, deadline, max_bytes, pool, workers, jobs_per_worker):
    """The search of :class:`Search`, shared out: the top of the tree here, down to the shallowest
    depth with ``jobs_per_worker`` subtrees per worker; the subtrees in ``pool`` (an executor).
    The same nodes as the serial search, so the same results. ``deadline`` is a
    ``time.perf_counter()`` value or None. Returns the merged :meth:`Search.results` and why it
    stopped early (``"time"``, ``"memory"`` or None)."""
    for cut in range(1, 64):
        top = Search(M, An, tol)
        top.run(np.iinfo(np.int64).max, cut)
        jobs = np.concatenate(top.jobs)
        if len(jobs) >= jobs_per_worker * workers or not len(jobs):
            break
    parts = [top.results()]
    mono = None if deadline is None else time.monotonic() + (deadline - time.perf_counter())
    if len(jobs):
        chunks = np.array_split(np.arange(len(jobs)), min(len(jobs), 8 * workers))
        futures = [pool.submit(search_subtrees, M, An, tol, jobs[c], mono, max_bytes / workers) for c in chunks]
        for f in futures:
            parts.append(f.result())
            if not parts[-1]["done"]:
                for g in futures:
                    g.cancel()
                break
    res = {k: np.concatenate([p[k] for p in parts]) for k in ("x", "y", "fb", "nonsimple")}
    res.update({k: sum(p[k] for p in parts) for k in ("nodes", "vertices")})
    res["degenerate"] = any(p["degenerate"] for p in parts)
    res["done"] = all(p["done"] for p in parts)
    reason = None
    if not res["done"]:
        reason = "time" if mono is not None and time.monotonic() > mono else "memory"
    return res, reason


def vertex_labels(M, tol, deadline=None):
    """Label masks of the vertices of ``{z >= 0, M z <= 1}`` other than the origin, distinct and
    sorted (``z_k = 0`` for label ``k``, row ``i`` tight for label ``d + i``); None if the
    ``time.perf_counter()`` deadline passed first."""
    s = Search(M, None, tol, collect=True)
    while not s.run(CHUNK):
        if deadline is not None and time.perf_counter() > deadline:
            return None
    return np.unique(s.results()["fb"], axis=0)
