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

The disagreement point is by default the worst-for-both Nash equilibrium payoff (each player's
lowest payoff over the game's equilibria), or the players' mixed security levels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.errors import InputError
from sim.render import HtmlRepr
from sim.stage.equilibria import as_arrays, nash_equilibria, payoff_scale
from sim.stage.labels import labelled
from sim.stage.lp import SolverError, game_label, simplex_point, solve_lp, unit_payoffs
from sim.stage.security import security_levels


@dataclass(frozen=True)
class BargainingSolution(HtmlRepr):
    """A point of the feasible payoff set and how to reach it.

    ``lottery`` maps pure profiles ``(i, j)`` to weights summing to 1 whose expected payoff is
    ``point``. ``disagreement`` and ``disagreement_source`` state the threat point used.
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
        }


def pareto_profiles(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``(k, 2)`` pure profiles ``(i, j)`` whose payoff pair no other pure profile weakly improves
    with one strict improvement (vectorised pairwise comparison)."""
    u = np.stack([np.asarray(A, float).ravel(), np.asarray(B, float).ravel()], axis=1)
    order = np.lexsort((-u[:, 1], -u[:, 0]))  # by u1 desc, then u2 desc
    best2 = -np.inf
    keep = np.zeros(len(u), dtype=bool)
    prev, keep_prev = None, False
    for k in order:
        p = (u[k, 0], u[k, 1])
        if prev is not None and p == prev:
            keep[k] = keep_prev
            continue
        keep_prev = u[k, 1] > best2
        keep[k] = keep_prev
        best2 = max(best2, u[k, 1])
        prev = p
    idx = np.nonzero(keep)[0]
    n = np.asarray(A).shape[1]
    return np.stack([idx // n, idx % n], axis=1)


def _frontier(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Vertices of the Pareto frontier of the convex hull of payoff pairs, u1 increasing."""
    n = A.shape[1]
    u = np.stack([A.ravel(), B.ravel()], axis=1)
    pts, first = np.unique(u, axis=0, return_index=True)  # sorted by u1 then u2
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


def disagreement_point(game, source: str = "nash") -> tuple[tuple[float, float], str]:
    """The threat point: ``"nash"`` (each player's lowest equilibrium payoff) or ``"security"``."""
    A, B, _, ids = as_arrays(game)
    if source == "security":
        s = security_levels(A, B, game=game_label(game), player_ids=ids)
        return (s[0].mixed_value, s[1].mixed_value), "security levels (mixed maxmin)"
    if source == "nash":
        eq = nash_equilibria(game, "auto", max_seconds=30.0)
        if not len(eq.equilibria):
            raise SolverError(f"no Nash equilibrium of {game_label(game)} passed verification, so there is no "
                              "Nash disagreement point; use the security disagreement point")
        pay = np.array([e.payoffs for e in eq.equilibria])
        return (float(pay[:, 0].min()), float(pay[:, 1].min())), "worst-for-both Nash equilibrium payoffs"

    raise InputError(f"unknown disagreement point {source!r}; use nash or security", key="disagreement")


def _resolve_d(game, disagreement):
    if isinstance(disagreement, str):
        return disagreement_point(game, disagreement)
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


@labelled
def nash_bargaining(game, disagreement="nash") -> BargainingSolution:
    """Nash bargaining solution over the convex hull of payoff pairs.

    Maximises ``(u1 - d1)(u2 - d2)`` over feasible ``u >= d``; the maximiser lies on one edge of the
    Pareto frontier, where the product is a quadratic in the edge parameter (solved in closed form).
    ``disagreement`` is ``"nash"``, ``"security"`` or a pair of payoffs.
    """
    A, B, _, _ = as_arrays(game)
    d, src = _resolve_d(game if not isinstance(game, tuple) else (A, B), disagreement)
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
def kalai_smorodinsky(game, disagreement="nash") -> BargainingSolution:
    """Kalai–Smorodinsky solution: the last feasible point on the ray from ``d`` to the ideal point
    (each player's best feasible payoff among agreements that give the other at least ``d``)."""
    A, B, _, _ = as_arrays(game)
    d_given, src = _resolve_d(game if not isinstance(game, tuple) else (A, B), disagreement)
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


@dataclass(frozen=True)
class CorrelatedEquilibrium(HtmlRepr):
    """A distribution over pure profiles from which neither player gains by deviating."""

    distribution: np.ndarray
    payoffs: tuple[float, float]
    objective: str = "maximise total payoff"
    method: str = "linprog (HiGHS)"
    max_violation: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    actions: tuple[tuple[str, ...], tuple[str, ...]] | None = field(default=None, repr=False)
    player_ids: tuple[str, str] = ("row", "col")

    def to_dict(self) -> dict:
        actions, player_ids = self.actions, self.player_ids
        rows = []
        for i, j in np.argwhere(self.distribution > 1e-12):
            rows.append({"profile": [actions[0][i], actions[1][j]] if actions else [int(i), int(j)],
                         "probability": float(self.distribution[i, j])})
        return {"objective": self.objective, "method": self.method,
                "payoffs": {player_ids[p]: self.payoffs[p] for p in range(2)},
                "distribution": rows, "max_violation": self.max_violation}


def correlated_incentives(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``(k, m*n)`` rows ``g`` with ``g @ p <= 0`` iff ``p`` (row-major profile probabilities) is a
    correlated equilibrium: one row per ordered pair of distinct actions of either player (none for
    a player with one action, who has nothing to deviate to)."""
    m, n = A.shape
    # row incentive: for i != k: sum_j p[i, j] (A[k, j] - A[i, j]) <= 0
    ii, kk = np.nonzero(~np.eye(m, dtype=bool))
    R = np.zeros((len(ii), m, n))
    R[np.arange(len(ii)), ii, :] = A[kk] - A[ii]
    jj, ll = np.nonzero(~np.eye(n, dtype=bool))
    C = np.zeros((len(jj), m, n))
    C[np.arange(len(jj)), :, jj] = (B[:, ll] - B[:, jj]).T
    return np.concatenate([R.reshape(len(ii), m * n), C.reshape(len(jj), m * n)])


@labelled
def correlated_equilibrium(game) -> CorrelatedEquilibrium:
    """Correlated equilibrium maximising ``A + B`` (LP over the m*n profile probabilities).

    The LP's objective sees ``A`` and ``B`` shifted and divided by one common range (which keeps
    the maximiser of the sum) and each player's incentive rows divided by that player's payoff
    range (which keeps their half-spaces); the answer is checked against the original payoffs.
    """
    A, B, _, _ = as_arrays(game)
    m, n = A.shape
    name = game_label(game)
    G = correlated_incentives(A, B)
    ranges = payoff_scale(A, B)
    # row incentives in units of the row player's range, column ones in the column player's
    G_unit = G / np.repeat(ranges, [m * (m - 1), n * (n - 1)])[:, None]
    common = max(ranges)
    objective = -((A - A.min()) + (B - B.min())).ravel() / common
    res = solve_lp(objective, A_ub=G_unit, b_ub=np.zeros(len(G)), A_eq=np.ones((1, m * n)), b_eq=[1.0],
                   bounds=(0, None), what="correlated-equilibrium", game=name)
    p = simplex_point(res.x, "correlated-equilibrium", name)
    viol = float(max(0.0, (G @ p).max())) if len(G) else 0.0
    if len(G) and float((G_unit @ p).max()) > 1e-6:
        raise SolverError(f"the correlated-equilibrium LP on {name} returned a distribution that violates "
                          f"an incentive constraint by {viol:.3g} (payoff ranges {ranges[0]:.3g}, {ranges[1]:.3g})")
    P = p.reshape(m, n)
    return CorrelatedEquilibrium(P, (float((P * A).sum()), float((P * B).sum())), max_violation=viol)
