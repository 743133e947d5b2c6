"""Enumeration kernels for bimatrix games: polytope vertices, vertex and support enumeration.

Everything here works on plain arrays; :mod:`sim.stage.equilibria` wraps it for a :class:`StageGame`.

The vertex enumeration follows the best-response polytope formulation of Avis, Rosenberg, Savani
and von Stengel (2010), "Enumeration of Nash equilibria for two-player games", Economic Theory
42:9-37 (the method of ``lrsnash``): enumerate the vertices of one player's polytope, and for each
vertex solve for the complementary vertices of the other polytope. Vertices are enumerated by a
breadth-first traversal of the graph of lexicographically feasible bases (lexicographic
perturbation as in Dantzig, Orden and Wolfe 1955; see also Avis and Fukuda 1992), so each vertex of
the perturbed (simple) polytope is visited once; a layer of the traversal is processed as one batch
of numpy operations, which keeps the per-vertex cost at a few vectorised row operations.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

#: Memory the numba traversal may use for its frontier and visited set before it stops (partial).
MAX_BYTES = 1.0e9
#: Tolerance on the normalised payoffs (entries in [1, 2]) for "tight" constraints and zeros.
DEFAULT_TOL = 1e-9


def normalise(M: np.ndarray) -> np.ndarray:
    """Positive affine rescaling of ``M`` into [1, 2] (constant matrices map to all ones).

    A positive affine change of one player's payoffs changes no best response, so equilibria are
    unchanged; the polytope formulation needs strictly positive payoffs.
    """
    M = np.asarray(M, dtype=float)
    lo, hi = float(M.min()), float(M.max())
    if hi - lo <= 0.0:
        return np.ones_like(M)
    return 1.0 + (M - lo) / (hi - lo)


def _void(keys: np.ndarray) -> np.ndarray:
    keys = np.ascontiguousarray(keys)
    return keys.view(np.dtype((np.void, keys.shape[1]))).ravel()


@dataclass
class Vertices:
    """Vertices of ``{z >= 0, M z <= 1}``: coordinates and label masks.

    ``labels[v, k]`` for ``k < d`` means ``z_k = 0``; for ``k = d + i`` it means ``(M z)_i = 1``.
    """

    points: np.ndarray
    labels: np.ndarray
    complete: bool
    bases_visited: int
    simple: bool


def polytope_vertices(
    M: np.ndarray, *, tol: float = DEFAULT_TOL, deadline: float | None = None
) -> Vertices:
    """All vertices of the polytope ``{z in R^d : z >= 0, M z <= 1}`` for ``M > 0`` of shape (r, d).

    Breadth-first search over lexicographically feasible simplex bases, one numpy batch per BFS
    layer. Neighbours of a basis lie in the previous, the same or the next layer, so duplicates are
    removed against those only. ``deadline`` (``time.perf_counter()`` value) stops the search
    between layers; the result then has ``complete=False``.
    """
    M = np.asarray(M, dtype=float)
    r, d = M.shape
    nv = d + r
    # Full tableau [M | I] with rhs 1; basis = slack variables d..d+r-1.
    T = np.concatenate([M, np.eye(r)], axis=1)[None]  # (L, r, nv)
    rhs = np.ones((1, r))
    basis = np.arange(d, nv)[None, :]  # (L, r)
    key_of = lambda b: np.packbits(_basis_mask(b, nv), axis=1)  # noqa: E731
    cur_keys = _void(key_of(basis))
    prev_keys = cur_keys[:0]
    out_T_rhs, out_basis = [rhs], [basis]
    complete = True
    visited = 1
    while len(basis):
        if deadline is not None and time.perf_counter() > deadline:
            complete = False
            break
        L = len(basis)
        nonbasic = np.nonzero(~_basis_mask(basis, nv))[1].reshape(L, d)  # (L, d)
        cols = np.take_along_axis(T, nonbasic[:, None, :], axis=2)  # (L, r, d): column of entering
        cols = np.swapaxes(cols, 1, 2)  # (L, d, r)
        pos = cols > tol
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(pos, rhs[:, None, :] / np.where(pos, cols, 1.0), np.inf)
        leave = _lex_argmin(ratio, cols, pos, T[:, :, d:], tol)  # (L, d), -1 if unbounded
        ok = leave >= 0
        li, ei = np.nonzero(ok)
        if len(li) == 0:
            break
        lr = leave[li, ei]
        new_basis = basis[li].copy()
        new_basis[np.arange(len(li)), lr] = nonbasic[li, ei]
        keys = _void(key_of(new_basis))
        uniq, first = np.unique(keys, return_index=True)
        old = np.concatenate([prev_keys, cur_keys])
        allk = np.concatenate([old, uniq])
        _, inv, counts = np.unique(allk, return_inverse=True, return_counts=True)
        fresh = counts[inv[len(old):]] == 1
        sel = first[fresh]
        if len(sel) == 0:
            break
        # Pivot the selected parents into the new bases.
        pl, pe, prow = li[sel], nonbasic[li[sel], ei[sel]], lr[sel]
        Tn = T[pl].copy()
        rn = rhs[pl].copy()
        K = len(sel)
        kk = np.arange(K)
        piv = Tn[kk, prow, pe]
        Tn[kk, prow, :] /= piv[:, None]
        rn[kk, prow] /= piv
        colv = Tn[kk, :, pe].copy()  # (K, r)
        colv[kk, prow] = 0.0
        Tn -= colv[:, :, None] * Tn[kk, prow, :][:, None, :]
        rn -= colv * rn[kk, prow][:, None]
        np.maximum(rn, 0.0, out=rn)
        T, rhs, basis = Tn, rn, new_basis[sel]
        prev_keys, cur_keys = cur_keys, allk[len(old):][fresh]
        out_T_rhs.append(rhs)
        out_basis.append(basis)
        visited += K
    all_rhs = np.concatenate(out_T_rhs)
    all_basis = np.concatenate(out_basis)
    values = np.zeros((len(all_basis), nv))
    np.put_along_axis(values, all_basis, all_rhs, axis=1)
    labels = values <= tol
    lab_keys = _void(np.packbits(labels, axis=1))
    _, idx = np.unique(lab_keys, return_index=True)
    idx.sort()
    labels = labels[idx]
    points = values[idx, :d]
    points[labels[:, :d]] = 0.0
    simple = bool(np.all(labels.sum(axis=1) == d))
    return Vertices(points, labels, complete, visited, simple)


def _basis_mask(basis: np.ndarray, nv: int) -> np.ndarray:
    mask = np.zeros((len(basis), nv), dtype=bool)
    np.put_along_axis(mask, basis, True, axis=1)
    return mask


def _lex_argmin(ratio, cols, pos, Binv, tol):
    """Row of the lexicographic minimum ratio per (vertex, entering variable); -1 if unbounded."""
    best = ratio.min(axis=2)  # (L, d)
    bounded = np.isfinite(best)
    cand = pos & (ratio <= best[..., None] + tol * np.maximum(1.0, np.abs(best[..., None])))
    k = 0
    r = Binv.shape[2]
    while k < r and np.any(cand.sum(axis=2) > 1):
        # lexicographic tie-break on column k of B^{-1} divided by the pivot column
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(cand, Binv[:, None, :, k] / np.where(cand, cols, 1.0), np.inf)
        vb = v.min(axis=2)
        cand &= v <= vb[..., None] + tol
        k += 1
    leave = np.argmax(cand, axis=2)
    leave[~bounded] = -1
    return leave


@dataclass
class RawEquilibria:
    """Extreme equilibria found by an enumeration kernel, before wrapping."""

    pairs: list[tuple[np.ndarray, np.ndarray]]
    degenerate: bool
    complete: bool
    stats: dict = field(default_factory=dict)


def vertex_enumeration_arrays(
    A: np.ndarray,
    B: np.ndarray,
    *,
    tol: float = DEFAULT_TOL,
    max_seconds: float | None = None,
    side: str = "auto",
    engine: str = "auto",
    max_bytes: float = MAX_BYTES,
) -> RawEquilibria:
    """All extreme Nash equilibria of the bimatrix game ``(A, B)``.

    Enumerates the vertices ``x`` of ``P = {x >= 0, B^T x <= 1}`` (or of ``Q`` for the other side)
    and, for each, the vertices ``y`` of the face of ``Q = {y >= 0, A y <= 1}`` complementary to
    ``x``. In a nondegenerate game that face is one point found by one linear solve (batched per
    support size); otherwise the vertices of the face are enumerated too, so degenerate games get
    every extreme equilibrium (Avis et al. 2010, section 3).

    ``side`` is ``"row"`` (enumerate P), ``"col"`` (enumerate Q) or ``"auto"`` (the player with fewer
    actions, whose polytope has the lower dimension). ``engine`` is ``"numba"`` (compiled kernel,
    :mod:`sim.stage._vertex_kernel`), ``"numpy"`` (one batch per BFS layer, no compilation) or ``"auto"``
    (numpy when the smaller side has at most 5 actions and the kernel is not loaded yet, so small
    games never pay for importing numba).
    """
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    if side == "auto":
        side = "row" if A.shape[0] <= A.shape[1] else "col"
    if engine == "auto":
        loaded = "sim.stage._vertex_kernel" in sys.modules
        engine = "numpy" if min(A.shape) <= 5 and not loaded else "numba"
    if side == "col":
        raw = vertex_enumeration_arrays(
            B.T, A.T, tol=tol, max_seconds=max_seconds, side="row", engine=engine, max_bytes=max_bytes
        )
        raw.pairs = [(y, x) for x, y in raw.pairs]
        raw.stats["side"] = "col"
        return raw
    deadline = None if max_seconds is None else time.perf_counter() + max_seconds
    m, n = A.shape
    An, Bn = normalise(A), normalise(B)
    if engine == "numba":
        pairs, fb_x, fb_lab, degenerate, complete, stats = _numba_traversal(An, Bn, tol, deadline, max_bytes)
    else:
        pairs, fb_x, fb_lab, degenerate, complete, stats = _numpy_traversal(An, Bn, tol, deadline)
    fallback = range(len(fb_x))
    supp = ~fb_lab[:, :m]
    tight = fb_lab[:, m:]
    pts = fb_x
    if fallback:
        degenerate = True
        cache: dict[bytes, Vertices] = {}
        for v in fallback:
            if deadline is not None and time.perf_counter() > deadline:
                complete = False
                break
            J = np.nonzero(tight[v])[0]
            I = np.nonzero(supp[v])[0]
            key = J.tobytes()
            if key not in cache:
                cache[key] = polytope_vertices(An[:, J], tol=tol, deadline=deadline)
            face = cache[key]
            complete &= face.complete
            kJ = len(J)
            ok = face.labels[:, kJ + I].all(axis=1) & ~face.labels[:, :kJ].all(axis=1)
            for f in np.nonzero(ok)[0]:
                y = np.zeros(n)
                y[J] = face.points[f]
                pairs.append((pts[v], y))
    out = []
    for x, y in pairs:
        out.append((x / x.sum(), y / y.sum()))
    stats["side"] = "row"
    stats["engine"] = engine
    return RawEquilibria(out, degenerate, complete, stats)


def _numba_traversal(An, Bn, tol, deadline, max_bytes):
    from sim.stage import (
        _vertex_kernel as K,  # imports numba: heavy, loaded only when the kernel runs
    )

    m, n = An.shape
    M = Bn.T
    r, d = M.shape
    rng = np.random.default_rng(20250101)
    z = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=(4, d + r), dtype=np.int64)
    D = M[None].copy()
    rhs = np.ones((1, r))
    bas = np.arange(d, d + r, dtype=np.int64)[None]
    nb = np.arange(d, dtype=np.int64)[None]
    h1 = np.array([np.bitwise_xor.reduce(z[0, d:])], dtype=np.int64)
    h2 = np.array([np.bitwise_xor.reduce(z[1, d:])], dtype=np.int64)
    visited, seen = K.new_set(), K.new_set()
    visited[(int(h1[0]), int(h2[0]))] = True
    seen[(int(np.bitwise_xor.reduce(z[2, :d])), int(np.bitwise_xor.reduce(z[3, :d])))] = True
    pairs, fbx, fbl = [], [np.empty((0, m))], [np.empty((0, m + n), dtype=bool)]
    degenerate = False
    nvert, pivots = 1, 0
    chunk = 1024
    queue = deque([(D, rhs, bas, nb, h1, h2)])
    small = 8 * (r + d + 2)
    per_basis = 8 * (r * d + r) + small
    queued_bytes = per_basis
    compact_above = max_bytes / 8
    compacted = 0
    complete = True
    reason = None
    while queue:
        if deadline is not None and time.perf_counter() > deadline:
            complete, reason = False, "time"
            break
        if queued_bytes + 80 * len(visited) > max_bytes:
            complete, reason = False, "memory"
            break
        head = queue.popleft()
        if len(head[2]) > chunk:
            queue.appendleft(tuple(None if a is None else a[chunk:] for a in head))
            head = tuple(None if a is None else a[:chunk] for a in head)
        queued_bytes -= len(head[2]) * (small if head[0] is None else per_basis)
        if head[0] is None:  # stored compactly: refactor the dictionaries from the bases
            head = K.refactor(M, head[2], head[3]) + head[2:]
        out = K.run(M, An, tol, *head, visited, seen, z[0], z[1], z[2], z[3], 20 * chunk, chunk)
        Dn, rn, bn, nn, g1, g2, ex, ey, fx, fl, nv, pv, flags = out
        if len(Dn):
            if queued_bytes > compact_above:  # keep only the bases of new chunks
                compacted += len(bn)
                queue.append((None, None, bn, nn, g1, g2))
                queued_bytes += len(bn) * small
            else:
                queue.append((Dn, rn, bn, nn, g1, g2))
                queued_bytes += len(bn) * per_basis
        pairs.extend(zip(ex, ey))
        fbx.append(fx)
        fbl.append(fl)
        degenerate |= bool(flags[0])
        nvert += int(nv)
        pivots += int(pv)
    stats = {"vertices": nvert, "bases": pivots + 1, "refactored_bases": compacted}
    if reason:
        stats["stopped_by"] = reason
    return pairs, np.concatenate(fbx), np.concatenate(fbl), degenerate, complete, stats


def _numpy_traversal(An, Bn, tol, deadline):
    """The same traversal with :func:`polytope_vertices` and batched solves (no numba)."""
    m, n = An.shape
    verts = polytope_vertices(Bn.T, tol=tol, deadline=deadline)
    pts, labs = verts.points, verts.labels
    nonzero = ~labs[:, :m].all(axis=1)
    pts, labs = pts[nonzero], labs[nonzero]
    supp = ~labs[:, :m]
    tight = labs[:, m:]
    ks, js = supp.sum(axis=1), tight.sum(axis=1)
    degenerate = not verts.simple
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    fallback = list(np.nonzero(ks != js)[0])
    for k in np.unique(ks):
        idx = np.nonzero((ks == k) & (js == k))[0]
        if len(idx) == 0:
            continue
        I = np.nonzero(supp[idx])[1].reshape(len(idx), k)
        J = np.nonzero(tight[idx])[1].reshape(len(idx), k)
        S = An[I[:, :, None], J[:, None, :]]  # (c, k, k)
        sv = np.linalg.svd(S, compute_uv=False)
        det_ok = sv[:, -1] > 1e-12 * sv[:, 0]
        fallback.extend(idx[~det_ok])
        idx, I, J, S = idx[det_ok], I[det_ok], J[det_ok], S[det_ok]
        if len(idx) == 0:
            continue
        yJ = np.linalg.solve(S, np.ones((len(idx), k, 1)))[:, :, 0]  # (c, k)
        Ay = np.einsum("ijk,ik->ij", An[:, J].transpose(1, 0, 2), yJ)  # (c, m)
        good = (yJ >= -tol).all(axis=1) & (Ay <= 1 + tol).all(axis=1)
        for c in np.nonzero(good)[0]:
            y = np.zeros(n)
            y[J[c]] = np.maximum(yJ[c], 0.0)
            if np.any(yJ[c] <= tol) or np.sum(Ay[c] >= 1 - tol) > k:
                degenerate = True
            pairs.append((pts[idx[c]], y))
    fallback = np.array(sorted(fallback), dtype=int)
    if len(fallback):
        degenerate = True
    stats = {"vertices": int(len(verts.points)), "bases": int(verts.bases_visited)}
    return pairs, pts[fallback], labs[fallback], degenerate, verts.complete, stats


def support_enumeration_arrays(
    A: np.ndarray,
    B: np.ndarray,
    *,
    tol: float = DEFAULT_TOL,
    max_seconds: float | None = None,
) -> RawEquilibria:
    """Equilibria on supports of equal size, by solving the indifference conditions.

    The textbook algorithm (Nisan et al. 2007, Algorithm 3.4; nashpy's ``support_enumeration``):
    for every pair of supports ``I, J`` with ``|I| = |J|``, solve for the strategies making the
    opponent indifferent on the support and keep solutions that are nonnegative with no profitable
    deviation off the support. Finds every equilibrium of a nondegenerate game; in a degenerate
    game it can miss equilibria (and the result then says ``degenerate``), so the vertex method is
    the one to use there. The k-by-k systems of one row support are solved as one batch.
    """
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    m, n = A.shape
    deadline = None if max_seconds is None else time.perf_counter() + max_seconds
    pairs = []
    complete = True
    degenerate = False
    for k in range(1, min(m, n) + 1):
        Js = np.array(list(itertools.combinations(range(n), k)), dtype=int)
        for I in itertools.combinations(range(m), k):
            if deadline is not None and time.perf_counter() > deadline:
                complete = False
                break
            I = np.array(I)
            # y on J: A[I, J] y = v 1, sum y = 1  ->  (k+1) x (k+1) systems, batched over J.
            ys, vA = _indifference(A[I][:, Js].transpose(1, 0, 2))
            xs, vB = _indifference(B[I][:, Js].transpose(1, 2, 0))
            for c in range(len(Js)):
                if ys is None or xs is None or not (np.isfinite(ys[c]).all() and np.isfinite(xs[c]).all()):
                    continue
                if (ys[c] < -tol).any() or (xs[c] < -tol).any():
                    continue
                x = np.zeros(m)
                x[I] = np.maximum(xs[c], 0)
                y = np.zeros(n)
                y[Js[c]] = np.maximum(ys[c], 0)
                x /= x.sum()
                y /= y.sum()
                gain_a = (A @ y).max() - vA[c] - tol * max(1.0, abs(vA[c]))
                gain_b = (x @ B).max() - vB[c] - tol * max(1.0, abs(vB[c]))
                if gain_a > 0 or gain_b > 0:
                    continue
                if (x > tol).sum() < k or (y > tol).sum() < k:
                    degenerate = True
                if np.sum(A @ y >= vA[c] - tol) > k or np.sum(x @ B >= vB[c] - tol) > k:
                    degenerate = True
                pairs.append((x, y))
        if not complete:
            break
    return RawEquilibria(pairs, degenerate, complete, {"support_pairs_max": int(sum(
        _comb(m, k) * _comb(n, k) for k in range(1, min(m, n) + 1)))})


def _comb(a: int, b: int) -> int:
    from math import comb

    return comb(a, b)


def _indifference(S: np.ndarray):
    """For a batch of k x k matrices S (payoff of the indifferent player: rows = his actions in
    his support, columns = the mixing player's support), solve ``S p = v 1, sum p = 1``."""
    c, k, _ = S.shape
    M = np.zeros((c, k + 1, k + 1))
    M[:, :k, :k] = S
    M[:, :k, k] = -1.0
    M[:, k, :k] = 1.0
    rhs = np.zeros((c, k + 1, 1))
    rhs[:, k, 0] = 1.0
    sol = np.full((c, k + 1), np.nan)
    det = np.linalg.det(M)
    ok = np.abs(det) > 1e-12
    if ok.any():
        sol[ok] = np.linalg.solve(M[ok], rhs[ok])[:, :, 0]
    return sol[:, :k], sol[:, k]
