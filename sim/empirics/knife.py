"""Knife edges: conclusions that flip when one parameter alone moves a little from its base value.

A conclusion is on a knife edge of parameter ``p`` when it changes as ``p`` moves within ±10% of
its range width from its base value, every other parameter at its base value. Each parameter is
tried on a small grid (11 points over ``[base − 0.1 w, base + 0.1 w]``, clipped to the range);
where the conclusion differs from its base value, the nearest flip on each side is bracketed
between two grid points and located by bisection to ``1e-3`` of the width. All parameters,
conclusions and bisection steps are evaluated together, one block of points per step.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

__all__ = ["knife_edges", "KNIFE_SHARE", "KNIFE_POINTS", "KNIFE_TOL"]

#: How far a parameter moves each way, as a share of its range width.
KNIFE_SHARE = 0.1
#: Grid points along each parameter.
KNIFE_POINTS = 11
#: Precision of a flip's location, as a share of the range width.
KNIFE_TOL = 1e-3


def knife_edges(
    conclude: Callable[[np.ndarray], np.ndarray],
    base: np.ndarray,
    ranges: Sequence[tuple[float, float] | None],
    names: Sequence[str],
    conclusions: Sequence[str],
    *,
    share: float = KNIFE_SHARE,
    points: int = KNIFE_POINTS,
    tol: float = KNIFE_TOL,
) -> list[dict]:
    """The knife edges of every conclusion along every parameter with a range.

    Parameters
    ----------
    conclude : maps points ``(c, len(base))`` to conclusions ``(c, len(conclusions))`` (bool).
    base : the base value of each parameter (the columns of a point).
    ranges : each parameter's ``(low, high)``, or ``None`` (not checked).
    names, conclusions : the parameters' and the conclusions' names.

    Returns one item per (conclusion, parameter) that flips, the nearer flip of the two sides:
    ``{"conclusion", "parameter", "base", "flips_at", "distance"}`` with ``distance =
    (flips_at − base) / width`` (signed), sorted by ``|distance|``.
    """
    base = np.asarray(base, dtype=float)
    at_base = np.asarray(conclude(base[None, :]), dtype=bool)[0]
    ranged = [a for a, r in enumerate(ranges) if r is not None and r[1] > r[0]]
    if not ranged:
        return []
    # the grid of each parameter, the parameter alone moved
    offsets = np.linspace(-share, share, points)
    rows, owner, along = [], [], []
    for a in ranged:
        lo, hi = ranges[a]
        w = hi - lo
        vals = np.clip(base[a] + offsets * w, lo, hi)
        for v in vals:
            point = base.copy()
            point[a] = v
            rows.append(point)
            owner.append(a)
            along.append(v)
    grid_values = np.asarray(conclude(np.array(rows)), dtype=bool)  # (len(ranged) * points, K)
    # brackets: (parameter, conclusion, inner value (as at base), outer value (flipped))
    brackets: list[list[float]] = []
    keys: list[tuple[int, int]] = []
    for r, a in enumerate(ranged):
        block = grid_values[r * points:(r + 1) * points]
        vals = np.asarray(along[r * points:(r + 1) * points])
        for k in range(len(conclusions)):
            flipped = block[:, k] != at_base[k]
            for side in (-1, 1):
                idx = [i for i in range(points) if side * (vals[i] - base[a]) > 0 and flipped[i]]
                if not idx:
                    continue
                first = min(idx, key=lambda i: abs(vals[i] - base[a]))
                # the nearest unflipped point between base and ``first`` (base itself if none)
                inner = [vals[i] for i in range(points) if side * (vals[i] - base[a]) >= 0
                         and abs(vals[i] - base[a]) < abs(vals[first] - base[a]) and not flipped[i]]
                start = max(inner, key=lambda v: abs(v - base[a])) if inner else base[a]
                brackets.append([start, vals[first]])
                keys.append((a, k))
    if not brackets:
        return []
    br = np.array(brackets)
    widths = np.array([ranges[a][1] - ranges[a][0] for a, _ in keys])
    cols = np.array([a for a, _ in keys])
    which = np.array([k for _, k in keys])
    while True:
        open_ = np.abs(br[:, 1] - br[:, 0]) > tol * widths
        if not open_.any():
            break
        idx = np.flatnonzero(open_)
        mid = 0.5 * (br[idx, 0] + br[idx, 1])
        pts = np.repeat(base[None, :], len(idx), axis=0)
        pts[np.arange(len(idx)), cols[idx]] = mid
        got = np.asarray(conclude(pts), dtype=bool)[np.arange(len(idx)), which[idx]]
        flipped = got != at_base[which[idx]]
        br[idx[flipped], 1] = mid[flipped]
        br[idx[~flipped], 0] = mid[~flipped]
    best: dict[tuple[int, int], dict] = {}
    for (a, k), (inner, outer), w in zip(keys, br, widths):
        flips_at = 0.5 * (inner + outer)
        item = {"conclusion": conclusions[k], "parameter": names[a], "base": float(base[a]),
                "flips_at": float(flips_at), "distance": float((flips_at - base[a]) / w)}
        if (a, k) not in best or abs(item["distance"]) < abs(best[(a, k)]["distance"]):
            best[(a, k)] = item
    return sorted(best.values(), key=lambda e: (abs(e["distance"]), e["conclusion"], e["parameter"]))
