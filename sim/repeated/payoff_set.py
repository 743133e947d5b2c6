"""The feasible payoff set of a stage game and its individually rational part (folk-theorem payoffs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.model.game import StageGame
from sim.render import HtmlRepr
from sim.stage.security import minmax_profile, pure_minmax

__all__ = ["PayoffSet", "feasible_ir_set"]


@dataclass(frozen=True, eq=False)
class PayoffSet(HtmlRepr):
    """The feasible set (convex hull of stage payoff pairs) and its individually rational part.

    Attributes
    ----------
    feasible : hull vertices ``(k, 2)`` in counter-clockwise order.
    minmax : each side's mixed minmax value (the individual-rationality floor).
    pure_minmax : each side's pure minmax value.
    individually_rational : vertices ``(q, 2)`` of ``feasible ∩ {u >= minmax}``, ccw (may be empty).
    pareto : the IR vertices on the upper-right frontier.
    """

    player_ids: tuple[str, str]
    feasible: np.ndarray
    minmax: tuple[float, float]
    pure_minmax: tuple[float, float]
    individually_rational: np.ndarray
    pareto: np.ndarray

    def contains(self, point: tuple[float, float], *, rational: bool = True) -> bool:
        """Whether a payoff pair lies in the (individually rational) feasible set."""
        poly = self.individually_rational if rational else self.feasible
        return _in_polygon(np.asarray(point, float), poly)

    def to_dict(self) -> dict[str, Any]:
        return {
            "player_ids": list(self.player_ids),
            "feasible": self.feasible.tolist(),
            "minmax": dict(zip(self.player_ids, self.minmax)),
            "pure_minmax": dict(zip(self.player_ids, self.pure_minmax)),
            "individually_rational": self.individually_rational.tolist(),
            "pareto": self.pareto.tolist(),
        }


def _hull(points: np.ndarray) -> np.ndarray:
    """Convex hull (monotone chain), counter-clockwise, no repeated end point."""
    pts = np.unique(np.round(points, 12), axis=0)
    if len(pts) <= 2:
        return pts
    pts = pts[np.lexsort((pts[:, 1], pts[:, 0]))]

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list = []
    for p in pts[::-1]:
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1])


def _clip(poly: np.ndarray, axis: int, floor: float) -> np.ndarray:
    """Sutherland–Hodgman clip of a polygon to ``x[axis] >= floor``."""
    if len(poly) == 0:
        return poly
    if len(poly) == 1:
        return poly if poly[0, axis] >= floor - 1e-12 else poly[:0]
    out = []
    n = len(poly)
    closed = n > 2
    for k in range(n if closed else n - 1):
        p, q = poly[k], poly[(k + 1) % n]
        pin, qin = p[axis] >= floor - 1e-12, q[axis] >= floor - 1e-12
        if pin:
            out.append(p)
        if pin != qin:
            s = (floor - p[axis]) / (q[axis] - p[axis])
            out.append(p + s * (q - p))
    if not closed and poly[-1, axis] >= floor - 1e-12:
        out.append(poly[-1])
    if not out:
        return poly[:0]
    return np.unique(np.round(np.array(out), 12), axis=0) if len(out) <= 2 else _hull(np.array(out))


def _in_polygon(p: np.ndarray, poly: np.ndarray) -> bool:
    if len(poly) == 0:
        return False
    if len(poly) <= 2:
        a, b = poly[0], poly[-1]
        ab = b - a
        if not ab.any():
            return bool(np.allclose(p, a))
        s = float(np.dot(p - a, ab) / np.dot(ab, ab))
        return bool(-1e-9 <= s <= 1 + 1e-9 and np.allclose(a + s * ab, p, atol=1e-9))
    for k in range(len(poly)):
        a, b = poly[k], poly[(k + 1) % len(poly)]
        if (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) < -1e-9:
            return False
    return True


def feasible_ir_set(game: StageGame) -> PayoffSet:
    """The feasible payoff set and its individually rational part (folk-theorem payoffs)."""
    pts = np.column_stack([np.ravel(game.A), np.ravel(game.B)]).astype(float)
    hull = _hull(pts)
    mm = (minmax_profile(game, 0)[0], minmax_profile(game, 1)[0])
    pmm = (pure_minmax(game, 0)[0], pure_minmax(game, 1)[0])
    ir = _clip(_clip(hull, 0, mm[0]), 1, mm[1])
    if len(ir):
        dominated = np.array([
            ((ir[:, 0] >= p[0] - 1e-12) & (ir[:, 1] >= p[1] - 1e-12) & ((ir[:, 0] > p[0] + 1e-12) | (ir[:, 1] > p[1] + 1e-12))).any()
            for p in ir
        ])
        pareto = ir[~dominated]
        pareto = pareto[np.argsort(pareto[:, 0])]
    else:
        pareto = ir
    return PayoffSet(tuple(game.player_ids), hull, mm, pmm, ir, pareto)  # type: ignore[arg-type]
