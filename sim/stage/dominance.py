"""Iterated elimination of strictly dominated actions, with a record of what went and why.

Pure domination is checked for all pairs at once; domination by a mixed strategy is an LP per
action (Fudenberg and Tirole 1991, section 2.1; Myerson 1991, section 3.1): action ``i`` is strictly
dominated iff ``max eps s.t. sigma^T U[:, j] >= U[i, j] + eps for all remaining j, sigma in the
simplex over the other remaining actions`` has ``eps > 0``. Strict domination never removes an
equilibrium, and the order of removal does not change the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.render import HtmlRepr
from sim.stage.lp import simplex_point, solve_lp, unit_payoffs


@dataclass(frozen=True)
class Elimination:
    """One removed action: who, which, in which round, and what dominated it (with weights)."""

    player: int
    action: int
    round: int
    dominated_by: dict[int, float]
    margin: float

    def to_dict(self, actions=None) -> dict:
        lab = (lambda p, a: actions[p][a]) if actions is not None else (lambda p, a: a)
        return {
            "player": self.player,
            "action": lab(self.player, self.action),
            "round": self.round,
            "dominated_by": {str(lab(self.player, k)): v for k, v in self.dominated_by.items()},
            "margin": self.margin,
        }


@dataclass(frozen=True)
class DominanceResult(HtmlRepr):
    """Surviving actions of each player and the elimination record.

    ``surviving[p]`` are the original indices still in the game; ``eliminated`` is in removal order.
    """

    surviving: tuple[tuple[int, ...], tuple[int, ...]]
    eliminated: tuple[Elimination, ...]
    mixed: bool
    tol: float
    rounds: int
    method: str = field(default="iterated strict dominance")

    actions: tuple[tuple[str, ...], tuple[str, ...]] | None = field(default=None, repr=False)
    player_ids: tuple[str, str] = ("row", "col")

    def reduce(self, A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r, c = (np.array(s, dtype=int) for s in self.surviving)
        return A[np.ix_(r, c)], B[np.ix_(r, c)]

    def to_dict(self) -> dict:
        actions = self.actions
        lab = (lambda p, a: actions[p][a]) if actions is not None else (lambda p, a: a)
        return {
            "method": self.method + (" (pure and mixed)" if self.mixed else " (pure)"),
            "tol": self.tol,
            "rounds": self.rounds,
            "surviving": [[lab(p, a) for a in s] for p, s in enumerate(self.surviving)],
            "eliminated": [e.to_dict(actions) for e in self.eliminated],
        }


def _pure_dominated(U: np.ndarray, tol: float) -> dict[int, tuple[int, float]]:
    """Rows of ``U`` strictly dominated by another row: ``{row: (dominator, margin)}``."""
    diff = U[None, :, :] - U[:, None, :]  # diff[i, k, j] = U[k, j] - U[i, j]
    margin = diff.min(axis=2)  # margin[i, k] > tol: k strictly dominates i
    np.fill_diagonal(margin, -np.inf)
    best = margin.argmax(axis=1)
    val = margin[np.arange(len(U)), best]
    return {int(i): (int(best[i]), float(val[i])) for i in np.nonzero(val > tol)[0]}


def _mixed_dominated(U: np.ndarray, i: int, tol: float) -> tuple[dict[int, float], float] | None:
    """Row ``i`` of ``U`` strictly dominated by a mix of the other rows: ``(weights, margin)``.

    The LP sees ``U`` mapped onto [0, 1] (:func:`~sim.stage.lp.unit_payoffs`; the best mix is the
    same and the margin scales back by the range), and the margin is confirmed on ``U`` itself.
    """
    others = [k for k in range(len(U)) if k != i]
    if not others:
        return None
    V, _, span = unit_payoffs(U)
    k = len(others)
    # variables: sigma (k), eps; maximise eps
    c = np.zeros(k + 1)
    c[-1] = -1.0
    A_ub = np.hstack([-V[others].T, np.ones((V.shape[1], 1))])
    b_ub = -V[i]
    A_eq = np.hstack([np.ones((1, k)), np.zeros((1, 1))])
    bounds = [(0, None)] * k + [(None, 1.0)]  # eps <= 1 bounds the LP (payoffs lie in [0, 1])
    res = solve_lp(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=[1.0], bounds=bounds, what="mixed-dominance")
    w = simplex_point(res.x[:k], "mixed-dominance", "the game")
    margin = float((w @ U[others] - U[i]).min())  # the margin the mix really has, in payoff units
    if margin <= tol or -res.fun * span <= tol:
        return None
    return {others[a]: float(w[a]) for a in range(k) if w[a] > 1e-12}, margin


def iterated_dominance(
    A: np.ndarray, B: np.ndarray, *, mixed: bool = False, tol: float = 1e-9
) -> DominanceResult:
    """Iteratively remove strictly dominated actions of both players.

    Parameters
    ----------
    A, B : payoff matrices of the row and column player, shape (m, n).
    mixed : also remove actions dominated only by a mixed strategy (one LP per action per round).
    tol : a domination margin must exceed ``tol`` to count as strict.

    Each round removes, for both players simultaneously, every action dominated in the game left by
    the previous round.
    """
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    rows = list(range(A.shape[0]))
    cols = list(range(A.shape[1]))
    record: list[Elimination] = []
    rnd = 0
    while True:
        rnd += 1
        removed = False
        sub = (A[np.ix_(rows, cols)], B[np.ix_(rows, cols)].T)
        kill: list[list[int]] = [[], []]
        for p, idx in ((0, rows), (1, cols)):
            U = sub[p]
            if len(idx) <= 1:
                continue
            dom = _pure_dominated(U, tol)
            for i, (k, mg) in dom.items():
                record.append(Elimination(p, idx[i], rnd, {idx[k]: 1.0}, mg))
                kill[p].append(i)
            if mixed:
                for i in range(len(idx)):
                    if i in dom:
                        continue
                    keep = [k for k in range(len(idx)) if k not in dom or k == i]
                    got = _mixed_dominated(U[keep], keep.index(i), tol)
                    if got is not None:
                        w, mg = got
                        record.append(Elimination(p, idx[i], rnd, {idx[keep[a]]: v for a, v in w.items()}, mg))
                        kill[p].append(i)
        for p, idx in ((0, rows), (1, cols)):
            if kill[p]:
                removed = True
                dead = set(kill[p])
                idx[:] = [a for j, a in enumerate(idx) if j not in dead]
        if not removed:
            break
    return DominanceResult((tuple(rows), tuple(cols)), tuple(record), mixed, tol, rnd - 1)
