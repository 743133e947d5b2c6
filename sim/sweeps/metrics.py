"""Sweep metrics: what is measured at each point, computed for a whole block of points at once.

A block of points becomes a :class:`Batch` of stage games: payoff matrices ``A, B`` of shape
``(points, m, n)`` evaluated in one pass of the compiled payoff expressions (parameters and lever
levels broadcast along the first axis), plus each point's discount factors, repeated-play
settings and seed. Every metric works on the whole batch:

* ``equilibria`` (pure), ``critical_delta``, ``self_enforcing``: array operations over the stack;
* ``security``: a pure saddle point gives the mixed value exactly; the other points share linear
  programmes (:func:`maxmin_values`);
* ``bargaining``: the Pareto sets of the whole stack in one sort, then each point's frontier; the
  default disagreement point (worst-for-both Nash payoffs, as ``solve``) takes one equilibrium search
  per point, ``disagreement=security`` the shared security programmes;
* ``play``: one engine call for the points whose strategies move alike
  (:meth:`sim.sweeps.evaluate.PointEvaluator.play_matches`);
* mixed ``equilibria`` and ``markov`` solve one point at a time.

Batched or not, a point gets the numbers its own analysis gives (``tests/sweeps/test_batched.py``).
Each metric returns columns named ``METRIC.PART.PLAYER_ID`` (``critical_delta.grim_nash.us``) or
``METRIC.PART`` when the number is not per player. See ``docs/sweeps.md``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from sim.errors import InputError
from sim.model.game import StageGame
from sim.repeated.punishment import critical_discount, reversion_equilibrium
from sim.stage.bargaining import DEFAULT_DISAGREEMENT, disagreement_point
from sim.stage.equilibria import nash_equilibria, pure_equilibrium_mask
from sim.stage.security import zero_sum_solution

__all__ = ["Metric", "METRICS", "parse_metric", "Batch", "SweepJob", "maxmin_values", "bargaining_solutions",
           "grim_nash_thresholds", "reversion_cells"]

#: Largest number of payoff cells (points x m x n) evaluated in one pass.
BATCH_CELLS = 1_000_000


@dataclass(frozen=True)
class SweepJob:
    """Everything a worker needs to evaluate points (picklable; the same on every worker)."""

    document: Mapping[str, Any]
    source: str
    paths: tuple[str, ...]
    metrics: tuple[str, ...]
    strategies: tuple[tuple[str, str], ...]
    reps: int
    seed: int
    replicates: int


@dataclass
class Batch:
    """A block of points as stage games and repeated-play settings (first axis: points)."""

    A: np.ndarray
    B: np.ndarray
    discount: np.ndarray  # (c, 2)
    levels: tuple[np.ndarray, np.ndarray]  # per player (c, actions, levers) level values
    rounds: np.ndarray  # (c,) int
    noise: np.ndarray  # (c,)
    continuation: np.ndarray  # (c,), NaN: fixed rounds
    strategy_values: dict[str, np.ndarray]  # strategy path -> (c,)
    seeds: np.ndarray  # (c,) int64
    values: np.ndarray | None = None  # (c, paths): the swept numbers themselves
    memo: dict = dataclasses.field(default_factory=dict)  # what several metrics of the block share

    def __len__(self) -> int:
        return len(self.A)


@dataclass(frozen=True)
class Metric:
    """A registered metric: short stable name, one-line doc, options and column names."""

    name: str
    doc: str
    fn: Callable[["Batch", Any, dict], dict[str, np.ndarray]]
    columns: Callable[[Any, dict], list[str]]
    options: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)


def _per(ev: Any, *parts: str) -> list[str]:
    return [f"{part}.{pid}" for part in parts for pid in ev.player_ids]


# ----------------------------------------------------------------------------- equilibria
def _equilibria(batch: Batch, ev: Any, opts: dict) -> dict[str, np.ndarray]:
    A, B = batch.A, batch.B
    c, m, n = A.shape
    ids = ev.player_ids
    out: dict[str, np.ndarray] = {}
    method = opts.get("method", "pure")
    if method == "pure":
        eq = _pure_mask(batch)
        flat = np.flatnonzero(eq.reshape(c, -1))  # equilibrium cells, sorted by point then cell
        point, cell = flat // (m * n), flat % (m * n)
        vals = [U.reshape(c, -1)[point, cell] for U in (A, B)]
        count = np.bincount(point, minlength=c)
        order = np.lexsort((cell, -(vals[0] + vals[1]), point))
        first = order[np.unique(point[order], return_index=True)[1]]
        sel = np.zeros(c, dtype=np.int64)
        sel[point[first]] = cell[first]
        has = count > 0
        pay = [np.full(c, np.nan), np.full(c, np.nan)]
        lo = [np.where(has, np.inf, np.nan), np.where(has, np.inf, np.nan)]
        hi = [np.where(has, -np.inf, np.nan), np.where(has, -np.inf, np.nan)]
        for p in (0, 1):
            pay[p][point[first]] = vals[p][first]
            np.minimum.at(lo[p], point, vals[p])
            np.maximum.at(hi[p], point, vals[p])
        actions = (np.where(has, sel // n, -1), np.where(has, sel % n, -1))
    else:
        count = np.zeros(c, dtype=np.int64)
        pay, lo, hi = ([np.full(c, np.nan), np.full(c, np.nan)] for _ in range(3))
        actions = (np.full(c, -1), np.full(c, -1))
        for k in range(c):
            found = nash_equilibria((A[k], B[k]), method, max_seconds=float(opts.get("max_seconds", 10.0)))
            count[k] = len(found)
            if not len(found):
                continue
            P = np.array([e.payoffs for e in found])
            best = int(np.argmax(P.sum(axis=1)))
            for p in (0, 1):
                pay[p][k], lo[p][k], hi[p][k] = P[best, p], P[:, p].min(), P[:, p].max()
            if found[best].is_pure:
                actions[0][k], actions[1][k] = found[best].support[0][0], found[best].support[1][0]
    out["equilibria.count"] = count.astype(np.int64)
    for name, arrays in (("payoff", pay), ("payoff_min", lo), ("payoff_max", hi)):
        for p, pid in enumerate(ids):
            out[f"equilibria.{name}.{pid}"] = arrays[p]
    for p, pid in enumerate(ids):
        act = actions[p]
        ok = act >= 0
        table = batch.levels[p]  # (c or 1, actions, levers)
        rows = np.arange(c) if table.shape[0] == c else np.zeros(c, dtype=np.int64)
        for j, lever in enumerate(ev.lever_names[p]):
            vals = table[rows, np.where(ok, act, 0), j]
            out[f"equilibria.{lever}.{pid}"] = np.where(ok, vals, np.nan)
    return out


def _equilibria_columns(ev: Any, opts: dict) -> list[str]:
    cols = ["equilibria.count", *_per(ev, "equilibria.payoff", "equilibria.payoff_min", "equilibria.payoff_max")]
    for p, pid in enumerate(ev.player_ids):
        cols += [f"equilibria.{lever}.{pid}" for lever in ev.lever_names[p]]
    return cols


def _pure_mask(batch: Batch) -> np.ndarray:
    if "pure" not in batch.memo:
        batch.memo["pure"] = pure_equilibrium_mask(batch.A, batch.B)
    return batch.memo["pure"]


# ----------------------------------------------------------------------------- security
def maxmin_values(U: np.ndarray) -> np.ndarray:
    """Mixed maxmin value ``max_x min_j (x^T U[k])_j`` of each matrix game of the stack ``U`` ``(c, m, n)``.

    A pure saddle point (``max_i min_j = min_j max_i``) is the value, exactly, with no LP. Of the
    other games, the first is solved by LP (:func:`sim.stage.security.zero_sum_solution`) and its
    optimal supports tried on the rest at once: the square system of those supports is solved for
    every game of the stack, and a solution kept where it is an optimal pair (both mixes
    nonnegative, duality gap within 1e-9 of the payoff range). What is left gets the next LP.
    """
    lo = U.min(axis=2).max(axis=1)
    out = np.where(lo == U.max(axis=1).min(axis=1), lo, np.nan)
    todo = np.flatnonzero(np.isnan(out))
    while todo.size:
        k, todo = todo[0], todo[1:]
        out[k], x, y = zero_sum_solution(U[k])
        rows, cols = np.flatnonzero(x > 1e-9), np.flatnonzero(y > 1e-9)
        if todo.size and len(rows) == len(cols):
            ok, values = _support_values(U[todo], rows, cols)
            out[todo[ok]] = values[ok]
            todo = todo[~ok]
    return out


def _support_values(U: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each game of ``U``: whether the equalising mixes on ``rows`` x ``cols`` are optimal, and the value."""
    r, m, n = U.shape
    s = len(rows)
    M = U[:, rows][:, :, cols]
    K = np.zeros((2, r, s + 1, s + 1))
    K[0, :, :s, :s], K[1, :, :s, :s] = np.swapaxes(M, 1, 2), M  # x^T M = v 1 and M y = v 1
    K[:, :, :s, s], K[:, :, s, :s] = -1.0, 1.0
    rhs = np.zeros((2, r, s + 1, 1))
    rhs[:, :, s] = 1.0
    try:
        sol = np.linalg.solve(K, rhs)[..., 0]
    except np.linalg.LinAlgError:  # some system is singular: solve one by one, and those points go to the LP
        sol = np.full((2, r, s + 1), np.nan)
        for i, j in np.ndindex(2, r):
            try:
                sol[i, j] = np.linalg.solve(K[i, j], rhs[i, j])[:, 0]
            except np.linalg.LinAlgError:
                pass
    x, y = np.zeros((r, m)), np.zeros((r, n))
    x[:, rows], y[:, cols] = sol[0, :, :s], sol[1, :, :s]
    ok = (x >= -1e-12).all(axis=1) & (y >= -1e-12).all(axis=1) & np.isfinite(sol).all(axis=(0, 2))
    x, y = np.maximum(x, 0.0), np.maximum(y, 0.0)
    x /= np.where(x.sum(axis=1) > 0, x.sum(axis=1), 1.0)[:, None]
    y /= np.where(y.sum(axis=1) > 0, y.sum(axis=1), 1.0)[:, None]
    value = np.einsum("ki,kij->kj", x, U).min(axis=1)
    gap = np.einsum("kij,kj->ki", U, y).max(axis=1) - value
    span = U.max(axis=(1, 2)) - U.min(axis=(1, 2))
    return ok & (gap <= 1e-9 * np.where(span > 0, span, 1.0)), value


def _mixed_security(batch: Batch) -> tuple[np.ndarray, np.ndarray]:
    if "security" not in batch.memo:
        batch.memo["security"] = (maxmin_values(batch.A), maxmin_values(np.swapaxes(batch.B, 1, 2)))
    return batch.memo["security"]


def _security(batch: Batch, ev: Any, opts: dict) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    Us = (batch.A, np.swapaxes(batch.B, 1, 2))  # own actions on axis 1
    for p, pid in enumerate(ev.player_ids):
        out[f"security.pure.{pid}"] = Us[p].min(axis=2).max(axis=1)
    for p, pid in enumerate(ev.player_ids):
        out[f"security.mixed.{pid}"] = _mixed_security(batch)[p]
    return out


# ----------------------------------------------------------------------------- bargaining
def _unit_stack(U: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`sim.stage.lp.unit_payoffs` of each matrix of a stack: ``(V, lo, span)``."""
    lo, hi = U.min(axis=(1, 2)), U.max(axis=(1, 2))
    span = np.where(hi > lo, hi - lo, 1.0)
    return (U - lo[:, None, None]) / span[:, None, None], lo, span


def _pareto_masks(u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    """``sim.stage.bargaining``'s Pareto mask of each row of the payoff pairs ``(u1, u2)`` ``(c, N)``.

    Cells that the maximiser of a weighted sum ``w u1 + (1 - w) u2`` dominates are not efficient;
    what is left (a few hundred of 5,040 cells on the US–China game) gets the exact test, every
    row at once, with the rows padded by ``(-inf, -inf)`` pairs, which no order puts first."""
    c, N = u1.shape
    rows = np.arange(c)[:, None]
    keep = np.ones((c, N), dtype=bool)
    for w in (0.0, 0.25, 0.5, 0.75, 1.0):
        best = np.argmax(w * u1 + (1.0 - w) * u2, axis=1)[:, None]
        b1, b2 = u1[rows, best], u2[rows, best]
        keep &= ~((b1 >= u1) & (b2 >= u2) & ((b1 > u1) | (b2 > u2)))
    row, col = np.nonzero(keep)  # a dominated cell dominates no efficient one, so the test on the rest is exact
    pos = np.arange(len(row)) - np.searchsorted(row, row)
    K = int(pos.max()) + 1 if len(pos) else 1
    v1, v2 = np.full((c, K), -np.inf), np.full((c, K), -np.inf)
    v1[row, pos], v2[row, pos] = u1[row, col], u2[row, col]
    mask = np.zeros((c, N), dtype=bool)
    mask[row, col] = _pareto_rows(v1, v2)[row, pos]
    return mask


def _pareto_rows(u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    """``sim.stage.bargaining``'s ``_pareto_mask`` of each row of ``(u1, u2)``: the same two stable sorts."""
    c, N = u1.shape
    by2 = np.argsort(-u2, axis=1, kind="stable")
    order = np.take_along_axis(by2, np.argsort(-np.take_along_axis(u1, by2, 1), axis=1, kind="stable"), 1)
    s1, s2 = np.take_along_axis(u1, order, 1), np.take_along_axis(u2, order, 1)
    before = np.concatenate([np.full((c, 1), -np.inf), np.maximum.accumulate(s2, axis=1)[:, :-1]], axis=1)
    first = np.concatenate([np.ones((c, 1), dtype=bool), (s1[:, 1:] != s1[:, :-1]) | (s2[:, 1:] != s2[:, :-1])], 1)
    lead = np.maximum.accumulate(np.where(first, np.arange(N), 0), axis=1)
    mask = np.empty((c, N), dtype=bool)
    np.put_along_axis(mask, order, np.take_along_axis(s2 > before, lead, 1), 1)
    return mask


def _frontier(pts: list, first: np.ndarray, n: int) -> tuple[list, list]:
    """The Pareto frontier's vertices (u1 increasing) and their profiles, as ``sim.stage.bargaining``
    builds them (upper hull by monotone chain, collinear points kept), in plain floats."""
    hull: list[int] = []
    for k, (x, y) in enumerate(pts):
        while len(hull) >= 2:
            (ox, oy), (ax, ay) = pts[hull[-2]], pts[hull[-1]]
            if (ax - ox) * (y - oy) - (ay - oy) * (x - ox) > 0:
                hull.pop()
            else:
                break
        hull.append(k)
    start = max(range(len(hull)), key=lambda k: (pts[hull[k]][1], pts[hull[k]][0]))
    chain = hull[start:]
    return [pts[k] for k in chain], [(int(first[k]) // n, int(first[k]) % n) for k in chain]


def _expected(A: np.ndarray, B: np.ndarray, prof: list, p: int, q: int, t: float) -> tuple[float, float]:
    """Expected payoffs of the lottery ``1 - t`` on ``prof[p]``, ``t`` on ``prof[q]`` (weights <= 1e-12 dropped)."""
    lot: dict[tuple[int, int], float] = {}
    for pr, w in ((prof[p], 1.0 - t), (prof[q], t)):
        if w > 1e-12:
            lot[pr] = lot.get(pr, 0.0) + float(w)
    return (float(sum(w * A[i, j] for (i, j), w in lot.items())), float(sum(w * B[i, j] for (i, j), w in lot.items())))


def _nash_point(P: list, prof: list, du: tuple[float, float], A, B, d) -> tuple[float, float]:
    """:func:`sim.stage.bargaining.nash_bargaining` on the frontier ``P`` (unit payoffs)."""
    best_val, best = -1.0, None
    for k in range(len(P)):
        for p, q in ([(k, k)] if k == len(P) - 1 else [(k, k), (k, k + 1)]):
            a0, a1 = P[q][0] - P[p][0], P[q][1] - P[p][1]
            g0, g1 = P[p][0] - du[0], P[p][1] - du[1]
            cands = [0.0, 1.0] if a0 * a1 == 0 else [0.0, 1.0, -(g0 * a1 + g1 * a0) / (2 * a0 * a1)]
            for t in cands:
                t = min(max(t, 0.0), 1.0)
                u0, u1 = P[p][0] + t * a0, P[p][1] + t * a1
                if u0 >= du[0] - 1e-12 and u1 >= du[1] - 1e-12:
                    val = (u0 - du[0]) * (u1 - du[1])
                    if val > best_val + 1e-15:
                        best_val, best = val, (p, q, t)
    if best is None or best_val <= 1e-12:
        return d
    return _expected(A, B, prof, *best)


def _ks_point(P: list, prof: list, du: tuple[float, float], A, B, d) -> tuple[float, float]:
    """:func:`sim.stage.bargaining.kalai_smorodinsky` on the frontier ``P`` (unit payoffs)."""
    ideal, clipped = list(du), []
    for k in range(max(len(P) - 1, 1)):
        p, q = (k, k + 1) if len(P) > 1 else (0, 0)
        a = (P[q][0] - P[p][0], P[q][1] - P[p][1])
        lo, hi = 0.0, 1.0
        for c in (0, 1):
            if a[c] > 0:
                lo = max(lo, (du[c] - P[p][c]) / a[c])
            elif a[c] < 0:
                hi = min(hi, (du[c] - P[p][c]) / a[c])
            elif P[p][c] < du[c]:
                hi = -1.0
        if lo <= hi:
            for t in (lo, hi):
                ideal = [max(ideal[c], P[p][c] + t * a[c]) for c in (0, 1)]
            clipped.append((p, q))
    w = (ideal[0] - du[0], ideal[1] - du[1])
    if not clipped or min(w) <= 1e-12:
        return d
    best_lam, best = -1.0, None
    for p, q in clipped:
        a0, a1 = P[q][0] - P[p][0], P[q][1] - P[p][1]
        det = -w[0] * a1 + a0 * w[1]  # of [[w0, -a0], [w1, -a1]]: the ray from d meets the edge
        if abs(det) < 1e-14:
            continue
        r0, r1 = P[p][0] - du[0], P[p][1] - du[1]
        lam, t = (-r0 * a1 + a0 * r1) / det, (w[0] * r1 - w[1] * r0) / det
        if -1e-12 <= t <= 1 + 1e-12 and lam > best_lam:
            best_lam, best = lam, (p, q, min(max(t, 0.0), 1.0))
    return d if best is None else _expected(A, B, prof, *best)


def bargaining_solutions(A: np.ndarray, B: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(nash, ks)``, each ``(c, 2)``: the Nash bargaining and Kalai–Smorodinsky points of each game
    of the stack ``(A, B)`` over the disagreement points ``d`` ``(c, 2)``, as
    :func:`sim.stage.bargaining.nash_bargaining` and :func:`~sim.stage.bargaining.kalai_smorodinsky`
    compute them (on payoffs rescaled into [0, 1]; the Pareto sets of all games in one pass). A
    non-finite ``d`` gives NaN."""
    c, m, n = A.shape
    (Au, la, sa), (Bu, lb, sb) = _unit_stack(A), _unit_stack(B)
    u1, u2 = Au.reshape(c, -1), Bu.reshape(c, -1)
    mask = _pareto_masks(u1, u2)
    nash, ks = np.full((c, 2), np.nan), np.full((c, 2), np.nan)
    for k in np.flatnonzero(np.isfinite(d).all(axis=1)):
        eff = np.flatnonzero(mask[k])
        pts, first = np.unique(np.column_stack([u1[k, eff], u2[k, eff]]), axis=0, return_index=True)
        P, prof = _frontier(pts.tolist(), eff[first], n)
        dk = (float(d[k, 0]), float(d[k, 1]))
        du = ((dk[0] - la[k]) / sa[k], (dk[1] - lb[k]) / sb[k])
        nash[k] = _nash_point(P, prof, du, A[k], B[k], dk)
        ks[k] = _ks_point(P, prof, du, A[k], B[k], dk)
    return nash, ks


def _bargaining(batch: Batch, ev: Any, opts: dict) -> dict[str, np.ndarray]:
    """Nash and Kalai-Smorodinsky points over each point's disagreement point (also a column pair):
    worst-for-both Nash equilibrium payoffs by default, security levels with ``disagreement=security``."""
    if opts.get("disagreement", DEFAULT_DISAGREEMENT) == "security":
        d = np.column_stack(_mixed_security(batch))
    else:  # one equilibrium search per point; a search stopped by its budget leaves NaN
        d = np.array([disagreement_point((a, b), "nash")[0] for a, b in zip(batch.A, batch.B)], dtype=float)
    nash, ks = bargaining_solutions(batch.A, batch.B, d)
    cols = {}
    for name, values in (("nash", nash), ("ks", ks), ("disagreement", d)):
        for p, pid in enumerate(ev.player_ids):
            cols[f"bargaining.{name}.{pid}"] = values[:, p]
    return cols


# ----------------------------------------------------------------------------- thresholds
def reversion_cells(batch: Batch, coop: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Per point the pure stage equilibrium grim trigger reverts to, as
    :func:`sim.repeated.punishment.reversion_equilibrium` picks it (of least max-threshold, then
    first in row-major order): its flat cell (-1: no pure equilibrium) and its ``(c, 2)`` thresholds;
    and the cooperative payoffs and best deviations ``(v, d)`` of both sides."""
    key = ("reversion", coop)
    if key in batch.memo:
        return batch.memo[key]
    A, B = batch.A, batch.B
    c, m, n = A.shape
    i0, j0 = coop
    v = (A[:, i0, j0], B[:, i0, j0])
    d = (A[:, :, j0].max(axis=1), B[:, i0, :].max(axis=1))
    # thresholds at the equilibrium cells only (a handful per point)
    flat = np.flatnonzero(_pure_mask(batch).reshape(c, -1))
    point, cell = flat // (m * n), flat % (m * n)
    t = np.column_stack([critical_discount(v[s][point], d[s][point], U.reshape(c, -1)[point, cell])
                         for s, U in enumerate((A, B))])
    order = np.lexsort((cell, t.max(axis=1), point))
    first = order[np.unique(point[order], return_index=True)[1]]
    cells, thresholds = np.full(c, -1, dtype=np.int64), np.full((c, 2), np.nan)
    cells[point[first]], thresholds[point[first]] = cell[first], t[first]
    batch.memo[key] = cells, thresholds, (v, d)
    return batch.memo[key]


def grim_nash_thresholds(batch: Batch, coop: tuple[int, int]) -> np.ndarray:
    """``(c, 2)`` critical δ of grim trigger with Nash reversion, as :func:`sim.repeated.thresholds.truce_thresholds`.

    The reversion equilibrium is, of the pure stage equilibria, the one that makes the truce
    self-enforcing at the lowest δ (max over both sides); points with no pure equilibrium
    fall back to :func:`sim.repeated.thresholds.reversion_equilibrium` (a mixed one).
    """
    cells, thresholds, (v, d) = reversion_cells(batch, coop)
    out = thresholds.copy()
    A, B = batch.A, batch.B
    for k in np.flatnonzero(cells < 0):
        x, y = reversion_equilibrium(StageGame.from_matrices(A[k], B[k], cooperative=coop), coop)
        p = (float(x @ A[k] @ y), float(x @ B[k] @ y))
        out[k] = [critical_discount(float(v[s][k]), float(d[s][k]), p[s]) for s in (0, 1)]
    return out


def _critical_delta(batch: Batch, ev: Any, opts: dict) -> dict[str, np.ndarray]:
    crit = grim_nash_thresholds(batch, ev.cooperative)
    return {f"critical_delta.grim_nash.{pid}": crit[:, p] for p, pid in enumerate(ev.player_ids)}


def _self_enforcing(batch: Batch, ev: Any, opts: dict) -> dict[str, np.ndarray]:
    ok = batch.discount >= grim_nash_thresholds(batch, ev.cooperative)
    out = {f"self_enforcing.grim_nash.{pid}": ok[:, p] for p, pid in enumerate(ev.player_ids)}
    out["self_enforcing.truce"] = ok.all(axis=1)
    return out


# ----------------------------------------------------------------------------- repeated play
def _play(batch: Batch, ev: Any, opts: dict) -> dict[str, np.ndarray]:
    """Matches of the point's strategy pair (:meth:`sim.sweeps.evaluate.PointEvaluator.play_matches`)."""
    return ev.play_matches(batch, _play_columns(ev, opts))


# ----------------------------------------------------------------------------- games with state
def _markov(batch: Batch, ev: Any, opts: dict) -> dict[str, np.ndarray]:
    """Per point: the first Markov perfect equilibrium's values from the initial state, whether it
    verified, and each state variable's expected value at the end of the horizon (20 rounds with
    no end date) under it (:meth:`sim.sweeps.evaluate.PointEvaluator.markov_equilibria`)."""
    if ev.scenario.is_matrix_game:  # a lever scenario without state is the one-state case (a repeated stage game)
        raise InputError("the markov metric needs a scenario with levers and payoff terms", key="--metric")
    for p in ev.paths:
        if p.kind not in ("parameter", "state", "discount"):
            raise InputError(f"the markov metric sweeps parameters, discounts and state.NAME.initial, not {p.path}",
                             key="--metric")
    return ev.markov_equilibria(batch, _markov_columns(ev, opts), opts.get("selection", "utilitarian"))


def _state_names(ev: Any) -> list[str]:
    return list(ev.scenario.state)


def _markov_columns(ev: Any, opts: dict) -> list[str]:
    return [*_per(ev, "markov.value"), "markov.verified", *(f"markov.final.{n}" for n in _state_names(ev))]


def _play_columns(ev: Any, opts: dict) -> list[str]:
    return [*_per(ev, "play.payoff", "play.discounted"), "play.cooperation_rate", "play.breakdown_share",
            "play.first_breakdown"]


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("equilibria", "pure equilibria (method=auto: mixed too): count, payoffs, lever levels",
               _equilibria, _equilibria_columns,
               {"method": ("pure", "auto", "vertex", "support", "lemke-howson"), "max_seconds": ()}),
        Metric("security", "security levels (maxmin) per player, pure and mixed",
               _security, lambda ev, o: _per(ev, "security.pure", "security.mixed")),
        Metric("bargaining", "Nash, Kalai-Smorodinsky payoffs; disagreement point (default: worst Nash, as solve)",
               _bargaining, lambda ev, o: _per(ev, "bargaining.nash", "bargaining.ks", "bargaining.disagreement"),
               {"disagreement": ("nash", "security")}),
        Metric("critical_delta", "critical discount factor per side, grim trigger, cooperative profile",
               _critical_delta, lambda ev, o: _per(ev, "critical_delta.grim_nash")),
        Metric("self_enforcing", "truce self-enforcing under grim trigger, per side and both",
               _self_enforcing, lambda ev, o: [*_per(ev, "self_enforcing.grim_nash"), "self_enforcing.truce"]),
        Metric("play", "--strategy pair: mean payoff, cooperation rate, first breakdown round",
               _play, _play_columns),
        Metric("markov", "games with state: MPE values from the initial state, verified, expected final state",
               _markov, _markov_columns, {"selection": ("utilitarian", "first", "row", "col")}),
    )
}


def parse_metric(spec: str) -> tuple[str, dict[str, str]]:
    """``"equilibria:method=vertex"`` -> ``("equilibria", {"method": "vertex"})``, checked."""
    name, _, rest = spec.strip().partition(":")
    name = name.strip()
    if name not in METRICS:
        import difflib

        near = difflib.get_close_matches(name, METRICS, n=1)
        hint = f" (did you mean {near[0]}?)" if near else ""
        raise InputError(f"unknown metric {name!r}{hint}; known: {', '.join(METRICS)}", key="--metric")
    metric = METRICS[name]
    opts: dict[str, str] = {}
    for item in filter(None, (s.strip() for s in rest.split(","))):
        key, eq, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or key not in metric.options:
            allowed = ", ".join(metric.options) or "none"
            raise InputError(f"bad option {item!r} for {name} (options: {allowed})", key="--metric")
        choices = metric.options[key]
        if choices and value not in choices:
            raise InputError(f"{key} must be one of {', '.join(choices)}; got {value!r}", key="--metric")
        if not choices:
            try:
                if not float(value) > 0:
                    raise ValueError
            except ValueError:
                raise InputError(f"{key} must be a positive number, got {value!r}", key="--metric") from None
        opts[key] = value
    return name, opts
