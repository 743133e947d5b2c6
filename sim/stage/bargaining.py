"""Negotiation solutions on the payoff pairs of a stage game.

The feasible set is the convex hull of the pure-profile payoff pairs (agreements may be lotteries
over profiles, e.g. alternating or jointly randomised settlements). Solutions:

* Pareto-efficient pure profiles;
* the Nash bargaining solution (Nash 1950, Econometrica 18:155-162): maximise the product of gains
  over a disagreement point;
* the Kalai–Smorodinsky solution (Kalai and Smorodinsky 1975, Econometrica 43:513-518): the
  efficient point on the segment from the disagreement point to the ideal point;
* the utilitarian optimum (largest payoff sum);
* the correlated equilibrium of largest total payoff (Aumann 1974; an LP, Papadimitriou and
  Roughgarden 2008).

The disagreement point is by default (:data:`DEFAULT_DISAGREEMENT`, the same in ``solve``,
``sweep``'s bargaining metric and :func:`sim.analyse`) the worst-for-both Nash equilibrium payoff
(each player's lowest payoff over the game's equilibria), or the players' mixed security levels.

Scale: the Pareto set is one sort of the ``m*n`` payoff pairs (no pairwise comparison), and the
frontier's hull is built on the Pareto points only, so a 1000 x 1000 game takes well under a
second and a few ``m*n`` arrays. Only the disagreement point can take long (the equilibrium
search or the security LPs); it runs under the time budget (:mod:`sim.stage.budget`), and when
that runs out the solution says ``skipped`` rather than raising.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.errors import InputError
from sim.render import HtmlRepr
from sim.stage.budget import Budget, Progress, budget_of
from sim.stage.correlated import (
    CorrelatedEquilibrium,
    correlated_equilibrium,
    correlated_incentives,
)
from sim.stage.equilibria import as_arrays, nash_equilibria
from sim.stage.labels import fmt_value, labelled, records_frame
from sim.stage.lp import SolverError, game_label, unit_payoffs
from sim.stage.security import security_levels

__all__ = ["DEFAULT_DISAGREEMENT", "BargainingSolution", "pareto_profiles", "disagreement_point", "nash_bargaining", "kalai_smorodinsky",
           "utilitarian_optimum", "CorrelatedEquilibrium", "correlated_equilibrium", "correlated_incentives"]


#: The disagreement point of every bargaining solution unless one is given: ``"nash"``, each side's
#: lowest payoff over the stage game's Nash equilibria. Failing to agree leaves the sides playing the
#: game without an agreement, and a non-cooperative equilibrium is where that play rests: the
#: tariff-war point of Johnson (1953, Rev. Econ. Stud. 21:142-153) and Mayer (1981, Oxford Econ.
#: Papers 33:135-153), the threat point of Grossman and Helpman's trade talks (1995, JPE
#: 103:675-708); the worst equilibrium for both is the cautious reading when there are several.
#: Security levels (``"security"``) assume each side expects the other to minimise its payoff at any
#: cost to itself: lower, and rarely what a breakdown of talks looks like. ``solve``, ``sweep``'s
#: bargaining metric and :func:`sim.analyse` all use this default, and all state the point used.
DEFAULT_DISAGREEMENT = "nash"


@dataclass(frozen=True)
class BargainingSolution(HtmlRepr):
    """A point of the feasible payoff set and how to reach it.

    ``lottery`` maps pure profiles ``(i, j)`` to weights summing to 1 whose expected payoff is
    ``point``. ``disagreement`` and ``disagreement_source`` state the threat point used.
    ``skipped`` says why there is no solution (the disagreement point could not be computed in the
    time budget); ``point`` is then NaN and ``lottery`` empty.
    """

    concept: str
    point: tuple[float, float]
    lottery: dict[tuple[int, int], float]
    disagreement: tuple[float, float] | None
    disagreement_source: str | None
    gains: bool = True
    notes: tuple[str, ...] = ()

    actions: tuple[tuple[str, ...], tuple[str, ...]] | None = field(default=None, repr=False)
    player_ids: tuple[str, str] = ("row", "col")
    skipped: str | None = None

    @property
    def complete(self) -> bool:
        """The solution was computed (not skipped)."""
        return self.skipped is None

    def to_dict(self) -> dict:
        actions, player_ids = self.actions, self.player_ids

        def lab(i, j):
            return [actions[0][i], actions[1][j]] if actions else [i, j]

        return {
            "concept": self.concept,
            "payoffs": {player_ids[p]: self.point[p] for p in range(2)},
            "lottery": [{"profile": lab(i, j), "weight": w} for (i, j), w in self.lottery.items()],
            "disagreement": None if self.disagreement is None else {player_ids[p]: self.disagreement[p] for p in range(2)},
            "disagreement_source": self.disagreement_source,
            "gains_from_agreement": self.gains,
            "notes": list(self.notes),
            "complete": self.skipped is None,
            "skipped": self.skipped,
        }

    def record(self) -> dict:
        """One flat record (action labels): what ``to_frame()`` and printing show."""
        d, ids = self.to_dict(), self.player_ids
        row = {"concept": self.concept}
        row.update({f"payoff.{p}": d["payoffs"][p] for p in ids})
        row.update({f"disagreement.{p}": None if d["disagreement"] is None else d["disagreement"][p] for p in ids})
        row["disagreement_source"] = self.disagreement_source
        row["agreement"] = " / ".join(f"{x['weight']:.3g} x ({'; '.join(map(str, x['profile']))})" for x in d["lottery"])
        row["skipped"] = self.skipped
        return row

    def to_frame(self):
        """The solution as a one-row :class:`pandas.DataFrame` (payoffs, disagreement point, agreement)."""
        return records_frame([self.record()])

    def __str__(self) -> str:
        r, ids = self.record(), self.player_ids
        if self.skipped:
            return f"{self.concept}: skipped: {self.skipped}"
        text = f"{self.concept}: " + ", ".join(f"{p} {fmt_value(r[f'payoff.{p}'])}" for p in ids)
        if self.disagreement is not None:
            text += (" (disagreement point " + ", ".join(f"{p} {fmt_value(r[f'disagreement.{p}'])}" for p in ids)
                     + f": {self.disagreement_source})")
        return text + (f"\n  agreement: {r['agreement']}" if r["agreement"] else "")

    def __repr__(self) -> str:
        return f"BargainingSolution({self})"


def _pareto_mask(u: np.ndarray) -> np.ndarray:
    """Which rows of the ``(N, 2)`` payoff pairs ``u`` no other pair weakly improves with one strict
    improvement. One sort (by u1 then u2, both descending): a pair is efficient iff its u2 beats
    every u2 before it; equal pairs share the verdict of the first of them."""
    by2 = np.argsort(-u[:, 1], kind="stable")  # two stable sorts: np.lexsort's order, ten times faster here
    order = by2[np.argsort(-u[by2, 0], kind="stable")]
    s1, s2 = u[order, 0], u[order, 1]
    before = np.r_[-np.inf, np.maximum.accumulate(s2)[:-1]]
    first = np.r_[True, (s1[1:] != s1[:-1]) | (s2[1:] != s2[:-1])]
    lead = np.maximum.accumulate(np.where(first, np.arange(len(u)), 0))
    mask = np.empty(len(u), dtype=bool)
    mask[order] = (s2 > before)[lead]
    return mask


def pareto_profiles(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``(k, 2)`` pure profiles ``(i, j)`` whose payoff pair no other pure profile weakly improves
    with one strict improvement (one sort of the payoff pairs, row-major order)."""
    u = np.stack([np.asarray(A, float).ravel(), np.asarray(B, float).ravel()], axis=1)
    idx = np.nonzero(_pareto_mask(u))[0]
    n = np.asarray(A).shape[1]
    return np.stack([idx // n, idx % n], axis=1)


def _frontier(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Vertices of the Pareto frontier of the convex hull of payoff pairs, u1 increasing.

    Only Pareto-efficient pairs can lie on that part of the hull, so the hull is built on them
    alone (the same chain as on all pairs, at the cost of a sort)."""
    n = A.shape[1]
    u = np.stack([A.ravel(), B.ravel()], axis=1)
    eff = np.nonzero(_pareto_mask(u))[0]
    pts, first = np.unique(u[eff], axis=0, return_index=True)  # sorted by u1 then u2
    first = eff[first]  # the first profile with each pair (equal pairs are all efficient or none)
    hull: list[int] = []
    for k in range(len(pts)):  # upper hull, monotone chain
        while len(hull) >= 2:
            o, a = pts[hull[-2]], pts[hull[-1]]
            # pop on a strict left turn only: collinear points stay, so agreements stay pure where they can
            if (a[0] - o[0]) * (pts[k][1] - o[1]) - (a[1] - o[1]) * (pts[k][0] - o[0]) > 0:
                hull.pop()
            else:
                break
        hull.append(k)
    # keep the part from the highest u2 to the highest u1 (a nonincreasing chain)
    h = pts[hull]
    start = max(range(len(h)), key=lambda k: (h[k][1], h[k][0]))
    chain = hull[start:]
    prof = [(int(first[k] // n), int(first[k] % n)) for k in chain]
    return pts[chain], prof


#: Seconds the equilibrium search behind a Nash disagreement point may take at most.
NASH_DISAGREEMENT_SECONDS = 30.0


def disagreement_point(game, source: str = DEFAULT_DISAGREEMENT, *, max_seconds: float | None = None,
                       progress: Progress | None = None, budget: Budget | None = None
                       ) -> tuple[tuple[float, float], str]:
    """The threat point: ``"nash"`` (each player's lowest equilibrium payoff) or ``"security"``.

    ``"nash"`` searches for at most :data:`NASH_DISAGREEMENT_SECONDS` (or what the budget has
    left); a search stopped early gives the worst payoffs over the equilibria it found, and the
    source says so. Past the budget with nothing to go on: ``(nan, nan)`` and the reason.
    """
    A, B, _, ids = as_arrays(game)
    budget = budget_of(max_seconds, progress, budget)
    if source == "security":
        s = security_levels(A, B, game=game_label(game), player_ids=ids, budget=budget)
        for level in s:
            if level.skipped:
                return (float("nan"), float("nan")), f"skipped: {level.skipped}"
        return (s[0].mixed_value, s[1].mixed_value), "security levels (mixed maxmin)"
    if source == "nash":
        left = budget.remaining()
        if left is not None and left <= 0:
            return (float("nan"), float("nan")), "skipped: the time budget ran out before the equilibrium search"
        budget.report("Nash disagreement point", 0.0)
        eq = nash_equilibria(game, "auto", max_seconds=NASH_DISAGREEMENT_SECONDS if left is None
                             else max(min(NASH_DISAGREEMENT_SECONDS, left), 1e-3))
        budget.report("Nash disagreement point", 1.0)
        if not len(eq.equilibria):
            if eq.partial:
                return (float("nan"), float("nan")), "skipped: the equilibrium search found none in its time budget"
            raise SolverError(f"no Nash equilibrium of {game_label(game)} passed verification, so there is no "
                              "Nash disagreement point; use the security disagreement point")
        pay = np.array([e.payoffs for e in eq.equilibria])
        src = "worst-for-both Nash equilibrium payoffs"
        if eq.partial:
            src += f" (over the {len(pay)} equilibria found before the time budget ran out)"
        return (float(pay[:, 0].min()), float(pay[:, 1].min())), src

    raise InputError(f"unknown disagreement point {source!r}; use nash or security", key="disagreement")


def _resolve_d(game, disagreement, budget=None):
    if isinstance(disagreement, str):
        return disagreement_point(game, disagreement, budget=budget)
    try:
        d = tuple(float(v) for v in disagreement)
    except (TypeError, ValueError):
        d = ()
    if len(d) != 2 or not all(np.isfinite(d)):
        raise InputError("a disagreement point is nash, security or two finite payoffs", key="disagreement")
    return d, "given"


def _lottery(prof, p, q, t):
    lot: dict[tuple[int, int], float] = {}
    for pr, w in ((prof[p], 1.0 - t), (prof[q], t)):
        if w > 1e-12:
            lot[pr] = lot.get(pr, 0.0) + float(w)
    return lot


def _unit(A: np.ndarray, B: np.ndarray, d):
    """Both payoff matrices mapped onto [0, 1] (:func:`~sim.stage.lp.unit_payoffs`), the
    disagreement point mapped with them, and each player's ``(lo, span)`` to map back: the
    tolerances below then mean the same whatever the payoff unit or offset."""
    (Au, la, sa), (Bu, lb, sb) = unit_payoffs(A), unit_payoffs(B)
    return (Au, Bu), np.array([(d[0] - la) / sa, (d[1] - lb) / sb]), ((la, sa), (lb, sb))


def _expected(A: np.ndarray, B: np.ndarray, lottery: dict[tuple[int, int], float]) -> tuple[float, float]:
    """Expected payoff pair of a lottery over pure profiles, on the original payoffs."""
    return (float(sum(w * A[i, j] for (i, j), w in lottery.items())),
            float(sum(w * B[i, j] for (i, j), w in lottery.items())))


def _no_point(concept: str, src: str) -> BargainingSolution:
    nan = (float("nan"), float("nan"))
    return BargainingSolution(concept, nan, {}, nan, src, gains=False, skipped=src.removeprefix("skipped: "))


@labelled
def nash_bargaining(game, disagreement=DEFAULT_DISAGREEMENT, *, max_seconds: float | None = None,
                    progress: Progress | None = None, budget: Budget | None = None) -> BargainingSolution:
    """Nash bargaining solution over the convex hull of payoff pairs.

    Maximises ``(u1 - d1)(u2 - d2)`` over feasible ``u >= d``; the maximiser lies on one edge of the
    Pareto frontier, where the product is a quadratic in the edge parameter (solved in closed form).
    ``disagreement`` is ``"nash"``, ``"security"`` or a pair of payoffs. ``max_seconds``,
    ``progress``, ``budget`` bound the disagreement point's computation (:func:`disagreement_point`).
    """
    A, B, _, _ = as_arrays(game)
    d, src = _resolve_d(game if not isinstance(game, tuple) else (A, B), disagreement,
                        budget_of(max_seconds, progress, budget))
    if src.startswith("skipped: "):
        return _no_point("Nash bargaining", src)
    U, du, _ = _unit(A, B, d)  # the solution is invariant to each player's positive affine rescaling
    pts, prof = _frontier(*U)
    best = (-1.0, None)
    for k in range(len(pts)):
        segs = [(k, k)] if k == len(pts) - 1 else [(k, k), (k, k + 1)]
        for p, q in segs:
            a = pts[q] - pts[p]
            g = pts[p] - du
            cands = [0.0, 1.0]
            if a[0] * a[1] != 0:
                cands.append(-(g[0] * a[1] + g[1] * a[0]) / (2 * a[0] * a[1]))
            for t in cands:
                t = min(max(t, 0.0), 1.0)
                u = pts[p] + t * a
                if u[0] >= du[0] - 1e-12 and u[1] >= du[1] - 1e-12:
                    val = (u[0] - du[0]) * (u[1] - du[1])
                    if val > best[0] + 1e-15:
                        best = (val, (p, q, t, u))
    if best[1] is None or best[0] <= 1e-12:
        return BargainingSolution("Nash bargaining", d, {}, d, src, gains=False,
                                  notes=("no feasible agreement gives both players more than the disagreement point",))
    p, q, t, _ = best[1]
    lot = _lottery(prof, p, q, t)
    return BargainingSolution("Nash bargaining", _expected(A, B, lot), lot, d, src)


@labelled
def kalai_smorodinsky(game, disagreement=DEFAULT_DISAGREEMENT, *, max_seconds: float | None = None,
                      progress: Progress | None = None, budget: Budget | None = None) -> BargainingSolution:
    """Kalai–Smorodinsky solution: the last feasible point on the ray from ``d`` to the ideal point
    (each player's best feasible payoff among agreements that give the other at least ``d``).
    ``max_seconds``, ``progress``, ``budget``: as :func:`nash_bargaining`."""
    A, B, _, _ = as_arrays(game)
    d_given, src = _resolve_d(game if not isinstance(game, tuple) else (A, B), disagreement,
                              budget_of(max_seconds, progress, budget))
    if src.startswith("skipped: "):
        return _no_point("Kalai-Smorodinsky", src)
    d_given = tuple(map(float, d_given))
    U, d, units = _unit(A, B, d_given)  # the solution is invariant to each player's positive affine rescaling
    pts, prof = _frontier(*U)
    ideal = d.copy()
    clipped = []
    for k in range(max(len(pts) - 1, 1)):
        p, q = (k, k + 1) if len(pts) > 1 else (0, 0)
        a = pts[q] - pts[p]
        lo, hi = 0.0, 1.0
        for c in range(2):
            if a[c] > 0:
                lo = max(lo, (d[c] - pts[p][c]) / a[c])
            elif a[c] < 0:
                hi = min(hi, (d[c] - pts[p][c]) / a[c])
            elif pts[p][c] < d[c]:
                hi = -1.0
        if lo <= hi:
            for t in (lo, hi):
                ideal = np.maximum(ideal, pts[p] + t * a)
            clipped.append((p, q))
    w = ideal - d
    if not clipped or w.min() <= 1e-12:
        return BargainingSolution("Kalai-Smorodinsky", d_given, {}, d_given, src, gains=False,
                                  notes=("no feasible agreement gives both players more than the disagreement point",))
    best = (-1.0, None)
    for p, q in clipped:
        a = pts[q] - pts[p]
        M = np.array([[w[0], -a[0]], [w[1], -a[1]]])
        if abs(np.linalg.det(M)) < 1e-14:
            continue
        lam, t = np.linalg.solve(M, pts[p] - d)
        if -1e-12 <= t <= 1 + 1e-12 and lam > best[0]:
            best = (lam, (p, q, min(max(t, 0.0), 1.0)))
    if best[1] is None:
        return BargainingSolution("Kalai-Smorodinsky", d_given, {}, d_given, src, gains=False)
    p, q, t = best[1]
    lot = _lottery(prof, p, q, t)
    ideal_given = tuple(float(lo + span * v) for (lo, span), v in zip(units, ideal))
    return BargainingSolution("Kalai-Smorodinsky", _expected(A, B, lot), lot, d_given, src,
                              notes=(f"ideal point {ideal_given}",))


@labelled
def utilitarian_optimum(game) -> BargainingSolution:
    """The pure profile(s) of largest payoff sum (a linear objective peaks at a hull vertex)."""
    A, B, _, _ = as_arrays(game)
    S = A + B
    best = np.argwhere(S >= S.max() - 1e-12 * max(1.0, abs(S.max())))
    i, j = (int(v) for v in best[0])
    notes = (f"{len(best)} profiles tie for the largest sum",) if len(best) > 1 else ()
    return BargainingSolution("utilitarian", (float(A[i, j]), float(B[i, j])), {(i, j): 1.0}, None, None, notes=notes)
