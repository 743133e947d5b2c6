"""The payoff space as an inline SVG whose points name their profile on hover.

A notebook shows SVG natively, and a browser shows an element's ``<title>`` as a tooltip, so
every pure profile of a 16 x 54 game can carry its full label without a plotting widget. The
static figure for files is :func:`sim.viz.plots.plot_payoff_space`; this is its notebook twin and,
like it, computes nothing: the points come from the game and the results passed in.
"""

from __future__ import annotations

from html import escape
from typing import Sequence

import numpy as np

from sim.viz.plots import ACCENTS, SIDE_COLOURS

_MARGIN = (56, 16, 16, 44)  # left, right, top, bottom, in pixels


def payoff_space_svg(
    game,
    *,
    payoff_set=None,
    points: dict[str, Sequence[tuple[float, float]]] | None = None,
    width: int = 640,
    height: int = 460,
) -> str:
    """SVG of every pure profile in (row payoff, column payoff) space; hover a point for its label.

    Parameters
    ----------
    game : the stage game.
    payoff_set : a :class:`sim.repeated.thresholds.PayoffSet`; its feasible and individually rational sets
        are shaded.
    points : named solution points (``{"Nash equilibrium": [(u, v)], ...}``), drawn as diamonds
        with their name as the tooltip.
    """
    A, B = np.asarray(game.A, float).ravel(), np.asarray(game.B, float).ravel()
    named = {k: np.atleast_2d(np.asarray(v, float)) for k, v in (points or {}).items() if len(v)}
    xs = np.concatenate([A, *(p[:, 0] for p in named.values())])
    ys = np.concatenate([B, *(p[:, 1] for p in named.values())])
    (x0, x1), (y0, y1) = _padded(xs), _padded(ys)
    left, right, top, bottom = _MARGIN

    def sx(x):
        return left + (np.asarray(x) - x0) / (x1 - x0) * (width - left - right)

    def sy(y):
        return height - bottom - (np.asarray(y) - y0) / (y1 - y0) * (height - top - bottom)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'style="font-family:sans-serif;font-size:11px;background:white">']
    if payoff_set is not None:
        for poly, colour, label in ((payoff_set.feasible, "#dddddd", "feasible set"),
                                    (payoff_set.individually_rational, ACCENTS[0], "individually rational")):
            poly = np.asarray(poly, float)
            if len(poly) >= 3:
                pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(sx(poly[:, 0]), sy(poly[:, 1])))
                parts.append(f'<polygon points="{pts}" fill="{colour}" fill-opacity="0.3"><title>{label}</title></polygon>')
    m, n = game.shape
    for k, (x, y) in enumerate(zip(sx(A), sy(B))):
        i, j = divmod(k, n)
        tip = (f"{game.player_ids[0]}: {game.actions[0][i]}\n{game.player_ids[1]}: {game.actions[1][j]}\n"
               f"payoffs {A[k]:.4g}, {B[k]:.4g}")
        parts.append(f'<circle class="profile" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="grey" fill-opacity="0.6">'
                     f"<title>{escape(tip)}</title></circle>")
    for k, (name, pts) in enumerate(named.items()):
        colour = (ACCENTS + SIDE_COLOURS)[(k + 2) % 8]
        for x, y, (u, v) in zip(sx(pts[:, 0]), sy(pts[:, 1]), pts):
            parts.append(f'<rect class="solution" x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" '
                         f'transform="rotate(45 {x:.1f} {y:.1f})" fill="{colour}" stroke="black">'
                         f"<title>{escape(name)}: {u:.4g}, {v:.4g}</title></rect>")
    unit = f" ({escape(game.units)})" if game.units else ""
    parts.append(_axes(width, height, x0, x1, y0, y1))
    parts.append(f'<text x="{(left + width - right) / 2:.0f}" y="{height - 8}" text-anchor="middle" '
                 f'fill="{SIDE_COLOURS[0]}">{escape(game.player_ids[0])} payoff{unit}</text>')
    parts.append(f'<text transform="translate(14 {(top + height - bottom) / 2:.0f}) rotate(-90)" '
                 f'text-anchor="middle" fill="{SIDE_COLOURS[1]}">{escape(game.player_ids[1])} payoff{unit}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _padded(values: np.ndarray) -> tuple[float, float]:
    lo, hi = float(np.min(values)), float(np.max(values))
    pad = (hi - lo) * 0.05 or 1.0
    return lo - pad, hi + pad


def _axes(width, height, x0, x1, y0, y1) -> str:
    left, right, top, bottom = _MARGIN
    out = [f'<rect x="{left}" y="{top}" width="{width - left - right}" height="{height - top - bottom}" '
           f'fill="none" stroke="black"/>']
    for value, pos in zip(np.linspace(x0, x1, 5), np.linspace(left, width - right, 5)):
        out.append(f'<text x="{pos:.0f}" y="{height - bottom + 14}" text-anchor="middle">{value:.3g}</text>')
    for value, pos in zip(np.linspace(y0, y1, 5), np.linspace(height - bottom, top, 5)):
        out.append(f'<text x="{left - 4}" y="{pos + 4:.0f}" text-anchor="end">{value:.3g}</text>')
    return "\n".join(out)
