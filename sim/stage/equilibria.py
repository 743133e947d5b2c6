"""Nash equilibria of a stage game: all of them where possible, each one verified before return.

Public entry points take a :class:`~sim.model.game.StageGame` or a pair ``(A, B)`` of payoff matrices:

* :func:`nash_equilibria` — ``method="auto" | "pure" | "support" | "vertex" | "lemke-howson"``;
  ``auto`` first removes strictly dominated actions, then enumerates vertices when the smaller
  side of the reduced game has at most :data:`AUTO_VERTEX_LIMIT` actions and falls back to
  Lemke–Howson from every label beyond that, or when the enumeration stops early (time budget,
  :data:`AUTO_SECONDS` if none is given, or the memory cap :data:`sim.stage.enumeration.MAX_BYTES`).
* :func:`pure_equilibria`, :func:`support_enumeration`, :func:`vertex_enumeration`,
  :func:`lemke_howson` — one method each.

Every returned equilibrium has regret at most ``tol`` times that player's payoff range (max - min
of its matrix) and probabilities that are nonnegative and sum to one; with ``exact=True`` each is also
confirmed in rational arithmetic (:mod:`fractions`) after rounding to a nearby rational.
"""

from __future__ import annotations

import dataclasses
import math
import time
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from sim.errors import InputError
from sim.stage.dominance import iterated_dominance
from sim.stage.enumeration import (
    RawEquilibria,
    support_enumeration_arrays,
    vertex_enumeration_arrays,
)
from sim.stage.equilibrium_set import Equilibrium, EquilibriumSet
from sim.stage.lemke_howson import lemke_howson_arrays
from sim.stage.lp import SolverError, game_label, payoff_range

METHODS = ("auto", "pure", "support", "vertex", "lemke-howson")
#: ``auto`` enumerates vertices when min(m, n) of the reduced game is at most this.
AUTO_VERTEX_LIMIT = 20
#: ``auto`` gives vertex enumeration this many seconds when no ``max_seconds`` is set (a random
#: 20x20 game, 3 to 5 million vertices, takes about 10 seconds on a free core).
AUTO_SECONDS = 60.0
#: Largest game (cells) accepted by any method.
MAX_CELLS = 1_000_000
DEFAULT_TOL = 1e-7
#: Ties in pure best responses: relative to each side's payoff range, near rounding error, so a
#: pure equilibrium is the same whether solve, thresholds or a sweep looks for it.
PURE_TOL = 1e-12


def as_arrays(game) -> tuple[np.ndarray, np.ndarray, tuple | None, tuple[str, str]]:
    """``(A, B, actions, player_ids)`` from a StageGame or a pair of matrices; validated."""
    if hasattr(game, "A") and hasattr(game, "B"):
        A, B, actions, ids = game.A, game.B, game.actions, tuple(game.player_ids)
    else:
        try:
            A, B = game
        except (TypeError, ValueError):
            raise InputError("expected a StageGame or a pair (A, B) of payoff matrices", key="game") from None
        actions, ids = None, ("row", "col")
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    if A.ndim != 2 or A.shape != B.shape:
        raise InputError(f"payoff matrices must be 2-d of one shape, got {A.shape} and {B.shape}", key="payoffs")
    if A.size == 0:
        raise InputError("a player has no actions", key="actions")
    if A.size > MAX_CELLS:
        raise InputError(f"game has {A.size} cells, more than the limit {MAX_CELLS}", key="payoffs")
    if not (np.isfinite(A).all() and np.isfinite(B).all()):
        raise InputError("payoffs must be finite numbers", key="payoffs")
    return A, B, actions, ids


def regrets(A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """How much each player gains by the best deviation from ``(x, y)``."""
    Ay = A @ y
    xB = x @ B
    return float(Ay.max() - x @ Ay), float(xB.max() - xB @ y)


def exact_check(A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray, max_den: int = 10**6) -> bool:
    """Confirm ``(x, y)`` in rational arithmetic after rounding to denominators <= ``max_den``.

    Payoffs are converted exactly (every float is a rational); strategies are rounded to the nearest
    rationals, renormalised, and every action in a support must be an exact best response.
    """
    return _exact_check(_integer_matrix(A), _integer_matrix(B), x, y, max_den)


def _integer_matrix(U: np.ndarray) -> np.ndarray:
    """``U`` times the common denominator of its entries (exact rationals), as Python integers:
    a positive rescaling, so it has the same best responses."""
    U = np.asarray(U, dtype=float)
    if np.array_equal(U, np.round(U)) and np.abs(U).max() < 2.0**53:  # integers, exactly
        return U.astype(np.int64).astype(object)
    F = [Fraction(float(v)) for v in U.ravel()]
    den = math.lcm(*(f.denominator for f in F))
    return np.array([f.numerator * (den // f.denominator) for f in F], dtype=object).reshape(np.shape(U))


def _exact_check(Ai: np.ndarray, Bi: np.ndarray, x: np.ndarray, y: np.ndarray, max_den: int) -> bool:
    def rat(v):  # the rounded strategy as integers over a common denominator (scale does not matter)
        f = [Fraction(float(p)).limit_denominator(max_den) if p else Fraction(0) for p in v]
        den = math.lcm(*(p.denominator for p in f))
        return np.array([p.numerator * (den // p.denominator) for p in f], dtype=object)

    xs, ys = rat(x), rat(y)
    if any(p < 0 for p in xs) or any(p < 0 for p in ys) or not any(xs) or not any(ys):
        return False
    Ay = Ai.dot(ys)
    xB = xs.dot(Bi)
    best_a, best_b = max(Ay), max(xB)
    return all(Ay[i] == best_a for i in np.nonzero(xs)[0]) and all(xB[j] == best_b for j in np.nonzero(ys)[0])


def payoff_scale(A: np.ndarray, B: np.ndarray) -> tuple[float, float]:
    """Each player's payoff range (max - min), 1 for a constant matrix: the unit of ``tol``."""
    return payoff_range(A), payoff_range(B)


def _simple_rationals(A: np.ndarray, B: np.ndarray, max_den: int = 1000) -> bool:
    """All payoffs are rationals with small denominators (then equilibria are simple rationals)."""
    values = np.concatenate([A.ravel(), B.ravel()])
    if np.array_equal(values, np.round(values)):  # integers: the common case, no Fractions needed
        return True
    return all(Fraction(float(v)).limit_denominator(max_den) == Fraction(float(v)) for v in values)


def _finish(A, B, pairs, tol, exact) -> list[Equilibrium]:
    """Clean, verify and deduplicate candidate pairs; order pure first, then by support size."""
    scale = payoff_scale(A, B)
    integers = (_integer_matrix(A), _integer_matrix(B)) if exact else None
    out: dict[tuple, Equilibrium] = {}
    for x, y in pairs:
        x = np.where(x > 1e-12, x, 0.0)
        y = np.where(y > 1e-12, y, 0.0)
        if x.sum() <= 0 or y.sum() <= 0:
            continue
        x, y = x / x.sum(), y / y.sum()
        r = regrets(A, B, x, y)
        if r[0] > tol * scale[0] or r[1] > tol * scale[1]:
            continue
        key = (tuple(np.round(x, 9)), tuple(np.round(y, 9)))
        if key in out:
            continue
        ex = _exact_check(*integers, x, y, 10**6) if exact else None
        out[key] = Equilibrium(x, y, (float(x @ A @ y), float(x @ B @ y)), r, ex)
    eqs = list(out.values())
    eqs.sort(key=lambda e: (len(e.support[0]) + len(e.support[1]), e.support, tuple(-e.row), tuple(-e.col)))
    return eqs


def _components(eqs: Sequence[Equilibrium]) -> tuple[tuple[int, ...], ...]:
    parent = list(range(len(eqs)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for side in ("row", "col"):
        first: dict[tuple, int] = {}
        for i, e in enumerate(eqs):
            k = tuple(np.round(getattr(e, side), 9))
            if k in first:
                parent[find(i)] = find(first[k])
            else:
                first[k] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(eqs)):
        groups.setdefault(find(i), []).append(i)
    return tuple(tuple(g) for g in groups.values())


def pure_equilibrium_mask(A: np.ndarray, B: np.ndarray, tol: float = PURE_TOL) -> np.ndarray:
    """Boolean mask ``(..., m, n)`` of pure equilibria, batched over any leading axes.

    A cell is an equilibrium when each side's action is a best response within ``tol`` times
    that side's payoff range (as :func:`payoff_scale`), so one tolerance means the same for
    both sides whatever their units. The one pure-equilibrium test of the project: solve,
    thresholds, sweeps and the notebook display all use it.
    """
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)

    def scale(U: np.ndarray) -> np.ndarray:
        spread = U.max(axis=(-2, -1), keepdims=True) - U.min(axis=(-2, -1), keepdims=True)
        return np.where(spread > 0, spread, 1.0)

    row_br = A >= A.max(axis=-2, keepdims=True) - tol * scale(A)
    col_br = B >= B.max(axis=-1, keepdims=True) - tol * scale(B)
    return row_br & col_br


def pure_best_response_profiles(A: np.ndarray, B: np.ndarray, tol: float = PURE_TOL) -> np.ndarray:
    """``(k, 2)`` array of pure equilibria ``(i, j)`` (:func:`pure_equilibrium_mask`), row-major order."""
    return np.argwhere(pure_equilibrium_mask(A, B, tol))


def _raw_pure(A, B, tol) -> RawEquilibria:
    m, n = A.shape
    pairs = []
    for i, j in pure_best_response_profiles(A, B, tol):
        x = np.zeros(m)
        y = np.zeros(n)
        x[i] = y[j] = 1.0
        pairs.append((x, y))
    return RawEquilibria(pairs, False, True, {})


def _raw_lemke_howson(A, B, labels, tol, deadline) -> RawEquilibria:
    m, n = A.shape
    pairs, complete, paths = [], True, []
    for k in labels:
        if deadline is not None and time.perf_counter() > deadline:
            complete = False
            break
        try:
            x, y, piv, ok = lemke_howson_arrays(A, B, int(k))
        except FloatingPointError:  # a ray: numerical trouble on this path; the others may still end
            x, y, piv, ok = None, None, -1, False
        paths.append({"label": int(k), "pivots": piv, "converged": ok})
        if ok:
            pairs.append((x, y))
    return RawEquilibria(pairs, False, complete, {"paths": paths})


def _check_labels(labels: Sequence[int], count: int) -> list[int]:
    """Lemke-Howson starting labels as a list of ints in ``[0, count)``, or InputError."""
    bad = InputError(f"labels must be a non-empty list of integers in 0..{count - 1}", key="labels")
    try:
        items = list(labels)
    except TypeError:
        raise bad from None
    if not items or any(isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer))
                        or not 0 <= k < count for k in items):
        raise bad
    return [int(k) for k in items]


def nash_equilibria(
    game,
    method: str = "auto",
    *,
    max_seconds: float | None = None,
    tol: float = DEFAULT_TOL,
    reduce: bool | None = None,
    mixed_dominance: bool = False,
    exact: bool | None = None,
    labels: Sequence[int] | None = None,
    workers: int = 1,
) -> EquilibriumSet:
    """Nash equilibria of a two-player game by the chosen method; see the module docstring.

    Parameters
    ----------
    game : StageGame or ``(A, B)``.
    method : ``auto``, ``pure``, ``support``, ``vertex`` or ``lemke-howson``.
    max_seconds : wall-clock budget for the search; when it runs out the result has
        ``partial=True`` and contains what was found and verified so far.
    tol : largest regret accepted, relative to each player's payoff range (max - min), so the
        check means the same whatever the payoff unit.
    reduce : remove strictly dominated actions first (default: only for ``auto``). Strict
        domination never removes an equilibrium.
    mixed_dominance : when reducing, also remove actions dominated by mixed strategies (LPs).
    exact : confirm each equilibrium in rational arithmetic (default: for games up to 100 cells
        whose payoffs are rationals with denominators up to 1000, e.g. integers). ``exact`` on
        an equilibrium is True when confirmed, False when the rounded rational profile failed
        (the float profile still passed the regret check), None when not attempted.
    labels : starting labels for Lemke–Howson (default: all ``m + n``).
    workers : processes for vertex enumeration (its search tree's subtrees are shared out); the
        equilibria are the same whatever the number. Starting the processes takes seconds, so
        more than one pays only on games whose enumeration takes longer than that.

    Notes
    -----
    Vertex enumeration: Avis, Rosenberg, Savani and von Stengel (2010); support enumeration:
    Nisan, Roughgarden, Tardos and Vazirani (2007), ch. 3; Lemke and Howson (1964).
    """
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}", key="method")
    if max_seconds is not None and not (max_seconds > 0):
        raise InputError("max_seconds must be positive", key="max_seconds")
    if isinstance(workers, (bool, np.bool_)) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise InputError("workers must be a positive integer", key="workers")
    A, B, actions, ids = as_arrays(game)
    if labels is not None:
        labels = _check_labels(labels, sum(A.shape))
    t0 = time.perf_counter()
    deadline = None if max_seconds is None else t0 + max_seconds
    m, n = A.shape
    if exact is None:
        exact = m * n <= 100 and _simple_rationals(A, B)
    if reduce is None:
        reduce = method == "auto"
    dom = iterated_dominance(A, B, mixed=mixed_dominance) if reduce else None
    rows, cols = (np.array(s, dtype=int) for s in dom.surviving) if dom else (np.arange(m), np.arange(n))
    Ar, Br = A[np.ix_(rows, cols)], B[np.ix_(rows, cols)]
    notes: list[str] = []
    used = method
    if method == "auto":
        used = "vertex" if min(Ar.shape) <= AUTO_VERTEX_LIMIT else "lemke-howson"
        notes.append(
            f"auto: reduced game is {Ar.shape[0]}x{Ar.shape[1]}; "
            + ("vertex enumeration" if used == "vertex" else f"Lemke-Howson (min side > {AUTO_VERTEX_LIMIT})")
        )
    remaining = None if deadline is None else max(deadline - time.perf_counter(), 1e-3)
    if method == "auto" and used == "vertex" and remaining is None:
        remaining = AUTO_SECONDS
    params: dict[str, Any] = {"max_seconds": max_seconds, "reduce": reduce, "mixed_dominance": mixed_dominance}
    if used == "pure":
        raw = _raw_pure(Ar, Br, PURE_TOL)
        complete = True
        notes.append("pure equilibria only (mixed equilibria not searched)")
    elif used == "support":
        raw = support_enumeration_arrays(Ar, Br, max_seconds=remaining)
        complete = raw.complete and not raw.degenerate
        if raw.degenerate:
            notes.append("degenerate game: equal-size support enumeration may miss equilibria; use vertex")
    elif used == "vertex":
        raw = vertex_enumeration_arrays(Ar, Br, max_seconds=remaining, workers=int(workers))
        complete = raw.complete
        params["side"] = raw.stats.get("side")
    else:
        labs = list(range(Ar.shape[0] + Ar.shape[1])) if labels is None else list(labels)
        raw = _raw_lemke_howson(Ar, Br, labs, tol, deadline)
        complete = False
        params["labels"] = labs
        notes.append("Lemke-Howson from the listed labels finds some equilibria, not necessarily all")
    partial = not raw.complete
    if method == "auto" and used == "vertex" and partial:
        lh = _raw_lemke_howson(Ar, Br, range(sum(Ar.shape)), tol, None)
        raw.pairs.extend(lh.pairs)
        notes.append("vertex enumeration stopped early; added Lemke-Howson from every label")
    if raw.stats.get("stopped_by") == "memory":
        notes.append("partial: the enumeration frontier reached its memory cap")
    elif partial:
        notes.append("partial: the time budget stopped the search before it finished")
    pairs = []
    for x, y in raw.pairs:
        fx = np.zeros(m)
        fy = np.zeros(n)
        fx[rows] = x
        fy[cols] = y
        pairs.append((fx, fy))
    if used != "pure":
        # pure equilibria are cheap to list exactly; a search that missed some (Lemke-Howson,
        # a stopped enumeration) still returns them, and says how many it had to add
        found = {(int(np.argmax(x)), int(np.argmax(y))) for x, y in raw.pairs
                 if np.count_nonzero(x > 0) == 1 and np.count_nonzero(y > 0) == 1}
        missing = [(int(i), int(j)) for i, j in pure_best_response_profiles(Ar, Br) if (int(i), int(j)) not in found]
        for i, j in missing:
            fx, fy = np.zeros(m), np.zeros(n)
            fx[rows[i]] = fy[cols[j]] = 1.0
            pairs.append((fx, fy))
        if missing:
            notes.append(f"added {len(missing)} pure equilibria the {used} search did not return")
    eqs = _finish(A, B, pairs, tol, exact)
    if len(raw.pairs) and not eqs:
        notes.append("candidates found but none passed verification at this tolerance")
    degenerate = bool(raw.degenerate) or any(len(e.support[0]) != len(e.support[1]) for e in eqs)
    comps = _components(eqs)
    return EquilibriumSet(
        tuple(eqs), used, method, bool(complete and not partial), partial, degenerate, comps, tol,
        params, tuple(notes), dict(raw.stats), time.perf_counter() - t0,
        None if dom is None else dataclasses.replace(dom, actions=actions, player_ids=ids), actions, ids,
    )


def pure_equilibria(game, *, tol: float = DEFAULT_TOL) -> EquilibriumSet:
    """All pure-strategy Nash equilibria, by vectorised best responses.

    Parameters
    ----------
    game : StageGame or ``(A, B)``.
    tol : regret tolerance (relative to each player's payoff range) for the verification.

    Returns
    -------
    EquilibriumSet with ``method="pure"``; mixed equilibria are not searched.

    Notes
    -----
    A cell is an equilibrium iff its row is a best response in its column of ``A`` and its column
    a best response in its row of ``B`` (Nash 1951); both masks are computed with whole-array
    maxima, no loop over cells.
    """
    return nash_equilibria(game, "pure", tol=tol)


def support_enumeration(game, *, max_seconds: float | None = None, tol: float = DEFAULT_TOL, **kw) -> EquilibriumSet:
    """Equilibria by support enumeration over pairs of equal-size supports.

    Parameters
    ----------
    game : StageGame or ``(A, B)``.
    max_seconds : time budget; the result says ``partial`` when it runs out.
    tol : regret tolerance (relative to each player's payoff range).
    **kw : passed to :func:`nash_equilibria` (``reduce``, ``exact``, ...).

    Returns
    -------
    EquilibriumSet; ``complete`` only when no degeneracy was seen (the equal-size rule can miss
    equilibria of degenerate games, the result then says ``degenerate``).

    References
    ----------
    Nisan, Roughgarden, Tardos and Vazirani (eds., 2007), *Algorithmic Game Theory*, ch. 3.5
    (von Stengel), Algorithm 3.4; the method of nashpy's ``support_enumeration``.
    """
    return nash_equilibria(game, "support", max_seconds=max_seconds, tol=tol, **kw)


def vertex_enumeration(game, *, max_seconds: float | None = None, tol: float = DEFAULT_TOL, **kw) -> EquilibriumSet:
    """All extreme Nash equilibria by best-response polytope vertex enumeration.

    Parameters
    ----------
    game : StageGame or ``(A, B)``.
    max_seconds : time budget; the result says ``partial`` when it runs out (a memory cap,
        :data:`sim.stage.enumeration.MAX_BYTES`, stops it the same way).
    tol : regret tolerance (relative to each player's payoff range).
    **kw : passed to :func:`nash_equilibria` (``reduce``, ``exact``, ...).

    Returns
    -------
    EquilibriumSet with every extreme equilibrium, in degenerate games too, ``degenerate`` when
    degeneracy was met, and ``components``: extreme equilibria sharing a strategy of either
    player, whose convex combinations along shared strategies are equilibria too.

    References
    ----------
    Avis, Rosenberg, Savani and von Stengel (2010), "Enumeration of Nash equilibria for two-player
    games", Economic Theory 42:9-37 (lrsnash); lexicographic pivoting after Dantzig, Orden and
    Wolfe (1955). Implementation notes in :mod:`sim.stage.enumeration` and :mod:`sim.stage._vertex_kernel`.
    """
    return nash_equilibria(game, "vertex", max_seconds=max_seconds, tol=tol, **kw)


def lemke_howson(
    game, *, labels: Sequence[int] | None = None, max_seconds: float | None = None, tol: float = DEFAULT_TOL, **kw
) -> EquilibriumSet:
    """Equilibria reached by the Lemke–Howson algorithm from each starting label.

    Parameters
    ----------
    game : StageGame or ``(A, B)``.
    labels : starting (dropped) labels, ``0..m-1`` row actions and ``m..m+n-1`` column actions;
        default all ``m + n``. The labels used are recorded in ``parameters["labels"]``.
    max_seconds : time budget, checked between paths.
    tol : regret tolerance (relative to each player's payoff range).

    Returns
    -------
    EquilibriumSet with ``complete=False``: Lemke–Howson reaches some equilibria, not necessarily
    all (in von Stengel's 3x2 example it reaches 2 of 3).

    References
    ----------
    Lemke and Howson (1964), SIAM J. Appl. Math. 12:413-423; von Stengel (2002), Handbook of Game
    Theory vol. 3, ch. 45.
    """
    return nash_equilibria(game, "lemke-howson", labels=labels, max_seconds=max_seconds, tol=tol, **kw)


# ----------------------------------------------------------------------------- as mixed profiles
def stage_nash_profiles(game) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stage Nash equilibria as mixed profiles ``(x, y)``: every pure one, else every extreme
    mixed one (:func:`sim.stage.equilibria.nash_equilibria`, verified)."""
    m, n = game.shape
    out = []
    for i, j in pure_best_response_profiles(game.A, game.B):
        x, y = np.zeros(m), np.zeros(n)
        x[i], y[j] = 1.0, 1.0
        out.append((x, y))
    if out:
        return out
    eqs = nash_equilibria(game, "auto")
    if not len(eqs.equilibria):  # every finite game has one; none found passed verification
        raise SolverError(f"no Nash equilibrium of {game_label(game)} passed verification "
                          f"(tolerance {eqs.tol:g}); notes: {'; '.join(eqs.notes) or 'none'}")
    return [(np.asarray(e.row, float), np.asarray(e.col, float)) for e in eqs.equilibria]
