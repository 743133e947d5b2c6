"""Enumeration kernels for bimatrix games: polytope vertices, vertex and support enumeration.

Everything here works on plain arrays; :mod:`sim.stage.equilibria` wraps it for a :class:`StageGame`.

The vertex enumeration follows the best-response polytope formulation of Avis, Rosenberg, Savani
and von Stengel (2010), "Enumeration of Nash equilibria for two-player games", Economic Theory
42:9-37 (the method of ``lrsnash``): enumerate the vertices of one player's polytope, and for each
vertex solve for the complementary vertex of the other polytope. Two engines list the vertices,
both over the lexicographically feasible bases (lexicographic perturbation as in Dantzig, Orden
and Wolfe 1955), so each vertex of the perturbed, simple polytope is visited once:

* ``numba``: reverse search (Avis and Fukuda 1992, the method of ``lrs``) in compiled code,
  :mod:`sim.stage._vertex_kernel`; no visited set, memory independent of the number of vertices,
  and its search tree splits into subtrees that a process pool can share out;
* ``numpy``: a breadth-first traversal, one batch of numpy operations per layer, for small games
  (no compilation).

A degenerate game has vertices whose complementary face is more than a point. Rather than
enumerate each such face, the other player's polytope is enumerated the same way (which pairs
every equilibrium with a point face on that side), and the vertices left unpaired on both sides
are matched by their label sets: an extreme equilibrium is a pair of vertices whose labels
together cover every action.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import sys
import time
from dataclasses import dataclass, field

import numpy as np

#: Memory the numba search may use for its results and its set of non-simple vertices before it
#: stops (partial).
MAX_BYTES = 1.0e9
#: The parallel search shares out at least this many subtrees per worker.
JOBS_PER_WORKER = 64
#: Up to one vertex in this many of the first polytope left unpaired (a nearly degenerate game):
#: their complementary faces are enumerated one by one instead of the whole other polytope.
LOCAL_FACES = 1000
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
    workers: int = 1,
) -> RawEquilibria:
    """All extreme Nash equilibria of the bimatrix game ``(A, B)``.

    Enumerates the vertices ``x`` of ``P = {x >= 0, B^T x <= 1}`` (or of ``Q`` for the other side)
    and, for each, solves for the point ``y`` of ``Q = {y >= 0, A y <= 1}`` complementary to ``x``
    (Avis et al. 2010). Where that face of ``Q`` is not a single point, its vertices are found
    too, so degenerate games get every extreme equilibrium: for a few such ``x`` (at most one
    vertex in :data:`LOCAL_FACES`, a nearly nondegenerate game) face by face; otherwise the
    vertices of ``Q`` are enumerated and paired the same way, and the vertices left over on both
    sides are paired by their label sets (an extreme equilibrium is a pair of vertices whose labels
    cover all actions).

    ``side`` is ``"row"`` (enumerate P first), ``"col"`` (Q first) or ``"auto"`` (the player with
    fewer actions, whose polytope has the lower dimension). ``engine`` is ``"numba"`` (reverse
    search, :mod:`sim.stage._vertex_kernel`), ``"numpy"`` (a breadth-first traversal, one batch of
    array operations per layer, no compilation) or ``"auto"`` (numpy when the smaller side has at most
    5 actions and the kernel is not loaded yet, so small games never pay for importing numba).
    ``workers > 1`` searches the subtrees of the numba engine's search tree in that many
    processes; the result is the same whatever the number (pairs are returned in one canonical
    order).
    """
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    if side == "auto":
        side = "row" if A.shape[0] <= A.shape[1] else "col"
    if engine == "auto":
        loaded = "sim.stage._vertex_kernel" in sys.modules
        engine = "numpy" if min(A.shape) <= 5 and not loaded else "numba"
    if side == "col":
        raw = vertex_enumeration_arrays(B.T, A.T, tol=tol, max_seconds=max_seconds, side="row", engine=engine,
                                        max_bytes=max_bytes, workers=workers)
        raw.pairs = _canonical([(y, x) for x, y in raw.pairs])
        raw.stats["side"] = "col"
        return raw
    deadline = None if max_seconds is None else time.perf_counter() + max_seconds
    m, n = A.shape
    An, Bn = normalise(A), normalise(B)
    with _pool(workers if engine == "numba" else 1) as pool:
        run = functools.partial(_numba_side, pool=pool, workers=workers) if engine == "numba" else _numpy_side
        first = run(An, Bn, tol, deadline, max_bytes)
        pairs, degenerate, complete = list(first.pairs), first.degenerate, first.complete
        stats = {"vertices": first.vertices, "bases": first.bases, "unpaired": len(first.faces)}
        if first.stopped_by:
            stats["stopped_by"] = first.stopped_by
        if len(first.faces) and complete and engine == "numba" and LOCAL_FACES * len(first.faces) <= first.vertices:
            # a few vertices whose complementary face is not a point (near-degenerate): their faces
            degenerate = True
            found, complete = _local_faces(first.faces, An, Bn, tol, deadline)
            pairs += found
            stats["faces_searched"] = len(first.faces)
            if not complete:
                stats["stopped_by"] = "time"
        elif len(first.faces) and complete:
            # Degenerate: some complementary faces are not points. Their vertices are vertices of
            # Q: enumerate Q the same way, and pair what neither side could pair alone by labels.
            degenerate = True
            second = run(Bn.T, An.T, tol, deadline, max_bytes)
            pairs += [(x, y) for y, x in second.pairs]
            complete = second.complete
            faces_q = np.concatenate([second.faces[:, n:], second.faces[:, :n]], axis=1)  # labels as P's
            pairs += _pair_by_labels(first.faces, faces_q, An, Bn)
            stats.update({"vertices_col": second.vertices, "bases_col": second.bases, "unpaired_col": len(faces_q)})
            if second.stopped_by:
                stats["stopped_by"] = second.stopped_by
    out = _canonical([(x / x.sum(), y / y.sum()) for x, y in pairs])
    stats.update({"side": "row", "engine": engine, "workers": workers if engine == "numba" else 1})
    return RawEquilibria(out, degenerate, complete, stats)


def _pool(workers: int):
    """A process pool of ``workers`` (forkserver or spawn, never fork: the caller may hold threads),
    each with the kernel loaded; a null context for one worker."""
    if workers <= 1:
        return contextlib.nullcontext()
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from sim.stage import (
        _vertex_kernel as K,  # imports numba: heavy, loaded only when the kernel runs
    )

    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method), initializer=K.warm)


@dataclass
class _Side:
    """One polytope's enumeration: equilibria paired by a solve, and the label masks (labels of the
    enumerated player's polytope) of vertices whose complementary face is not a single point."""

    pairs: list[tuple[np.ndarray, np.ndarray]]
    faces: np.ndarray
    degenerate: bool
    complete: bool
    vertices: int
    bases: int
    stopped_by: str | None = None


def _canonical(pairs: list) -> list:
    """Distinct pairs (to 1e-12) in lexicographic order of ``(x, y)``: one order whatever found them."""
    keyed = {tuple(np.round(np.concatenate([x, y]), 12)): (x, y) for x, y in pairs}
    return [keyed[k] for k in sorted(keyed)]


def _pair_by_labels(fP: np.ndarray, fQ: np.ndarray, An: np.ndarray, Bn: np.ndarray) -> list:
    """Equilibria ``(x, y)`` among vertices of P and Q given by label masks: those whose labels
    cover all ``m + n``; each vertex's coordinates are solved from its labels."""
    m, n = An.shape
    fP, fQ = np.unique(fP, axis=0), np.unique(fQ, axis=0)
    if not len(fP) or not len(fQ):
        return []
    wP, wQ = _words(fP), _words(fQ)
    full = _words(np.ones((1, m + n), dtype=bool))[0]
    if "sim.stage._vertex_kernel" in sys.modules:
        hits = sys.modules["sim.stage._vertex_kernel"].complete_pairs(wP, wQ, full).tolist()
    else:  # small games on the numpy engine
        ok = np.ones((len(wP), len(wQ)), dtype=bool)
        for w in range(wP.shape[1]):
            ok &= (wP[:, w, None] | wQ[None, :, w]) == full[w]
        hits = list(zip(*np.nonzero(ok)))
    xs = {i: _vertex(Bn, fP[i], m) for i in {i for i, _ in hits}}
    ys = {j: _vertex(An.T, np.concatenate([fQ[j, m:], fQ[j, :m]]), n) for j in {j for _, j in hits}}
    return [(xs[i], ys[j]) for i, j in hits]


def _local_faces(faces: np.ndarray, An: np.ndarray, Bn: np.ndarray, tol: float, deadline) -> tuple[list, bool]:
    """Equilibria ``(x, y)`` for vertices ``x`` of P (label masks) whose complementary face is not a
    point: that face's vertices are the vertices of ``Q_J = {y >= 0, y_j = 0 off J, A y <= 1}``
    (``J`` the columns tight at ``x``) at which every row in the support of ``x`` is tight."""
    from sim.stage import (
        _vertex_kernel as K,  # imports numba: heavy, loaded only when the kernel runs
    )

    m, n = An.shape
    pairs, found = [], {}
    for lab in np.unique(faces, axis=0):
        I, J = np.nonzero(~lab[:m])[0], np.nonzero(lab[m:])[0]
        if J.tobytes() not in found:
            found[J.tobytes()] = K.vertex_labels(An[:, J], tol, deadline)
            if found[J.tobytes()] is None:
                return pairs, False
        V = found[J.tobytes()]  # labels: y_J zero (len(J)), then the rows of A tight
        x = _vertex(Bn, lab, m)
        for v in V[V[:, len(J) + I].all(axis=1)]:
            y = np.zeros(n)
            y[J] = _vertex(An[:, J].T, v, len(J))
            pairs.append((x, y))
    return pairs, True


def _words(masks: np.ndarray) -> np.ndarray:
    """Boolean masks (k, L) as (k, ceil(L / 64)) unsigned 64-bit words."""
    k, L = masks.shape
    pad = np.zeros((k, -L % 64), dtype=bool)
    return np.packbits(np.concatenate([masks, pad], axis=1), axis=1).view(">u8").astype(np.uint64)


def _vertex(U: np.ndarray, labels: np.ndarray, d: int) -> np.ndarray:
    """The vertex of ``{z >= 0, U^T z <= 1}`` (``U`` of shape (d, r)) with the given labels
    (``z_k = 0`` for label ``k < d``, ``(U^T z)_j = 1`` for label ``d + j``)."""
    I = np.nonzero(~labels[:d])[0]
    J = np.nonzero(labels[d:])[0]
    z = np.zeros(d)
    z[I] = np.maximum(np.linalg.lstsq(U[np.ix_(I, J)].T, np.ones(len(J)), rcond=None)[0], 0.0)
    return z


def _numba_side(An, Bn, tol, deadline, max_bytes, pool=None, workers=1) -> _Side:
    """Reverse search of P, serial or (given a process pool) its subtrees in the pool."""
    from sim.stage import (
        _vertex_kernel as K,  # imports numba: heavy, loaded only when the kernel runs
    )

    M = np.ascontiguousarray(Bn.T)
    if pool is not None:
        res, reason = K.parallel_search(M, An, tol, deadline, max_bytes, pool, workers, JOBS_PER_WORKER)
    else:
        s = K.Search(M, An, tol)
        reason = None
        budget = 1000  # nodes before the first check of time and memory, growing to CHUNK
        while not s.run(budget):
            if deadline is not None and time.perf_counter() > deadline:
                reason = "time"
                break
            if s.nbytes() > max_bytes:
                reason = "memory"
                break
            budget = min(2 * budget, K.CHUNK)
        res = s.results()
    # distinct vertices: simple ones are met once; non-simple ones once per search that met them
    keys = res["nonsimple"]
    vertices = res["vertices"] - len(keys) + len(np.unique(keys, axis=0)) + 1  # + the origin
    pairs = list(zip(res["x"], res["y"]))
    faces = np.unique(res["fb"], axis=0)
    return _Side(pairs, faces, res["degenerate"], res["done"], vertices, res["nodes"] + 1, reason)


def _numpy_side(An, Bn, tol, deadline, max_bytes=None) -> _Side:
    """The same with :func:`polytope_vertices` and batched solves (no numba)."""
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
            pairs.append((_vertex(Bn, labs[idx[c]], m), y))
    fallback = np.array(sorted(fallback), dtype=int)
    degenerate |= bool(len(fallback))
    return _Side(pairs, labs[fallback], degenerate, verts.complete, int(len(verts.points)),
                 int(verts.bases_visited), None if verts.complete else "time")


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
