"""The figure of an inverse analysis: where a target holds in the box of two parameters.

:func:`plot_region` draws an :class:`sim.empirics.inverse.InverseResult` and computes nothing of its
own: the shaded region, the traced edge, the base values and the nearest point all come from it.
"""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.figure import Figure

from sim.viz.plots import ACCENTS

__all__ = ["plot_region"]

_REGION = ACCENTS[0]  # Okabe-Ito bluish green: where the target holds
_FILL = "#b3e2d1"  # the same green at 30% on white, opaque so the quadtree's cells leave no seams
_EDGE = "#000000"
_NEAREST = ACCENTS[1]


def _axis_label(p) -> str:
    label = p.label + (f" ({p.unit})" if p.unit else "")
    return "\n".join(textwrap.wrap(label, 60))


def plot_region(result, *, ax=None, points: bool = False) -> Figure:
    """The region of ``result`` shaded, its traced edge, the base point and the nearest point.

    An arrow runs from the base values to the nearest point of the region (or, when the target holds
    at the base values, to the nearest point of its edge), labelled with the range-scaled distance.
    ``points=True`` also marks every point the search evaluated (filled: the target held).
    """
    from matplotlib.collections import PolyCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if ax is None:
        fig = Figure(figsize=(6.8, 7.4), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    a, b = result.parameters
    if result.region:
        ax.add_collection(PolyCollection([np.asarray(p) for p in result.region], facecolors=_FILL,
                                         edgecolors=_FILL, linewidths=0.6, zorder=1))
    for line in result.boundary:
        ax.plot(line[:, 0], line[:, 1], color=_EDGE, lw=1.6, zorder=3)
    if points:
        held = np.asarray(result.values, dtype=bool)
        ax.scatter(result.points[held, 0], result.points[held, 1], s=4, color=_EDGE, lw=0, zorder=2)
        ax.scatter(result.points[~held, 0], result.points[~held, 1], s=4, facecolors="none", edgecolors="#777777",
                   lw=0.4, zorder=2)
    ax.plot([a.base], [b.base], "o", ms=8, mfc="white" if not result.base_holds else _EDGE, mec=_EDGE, mew=1.5,
            zorder=5)
    target = result.edge if result.base_holds else result.nearest
    handles = [Patch(facecolor=_FILL, edgecolor=_REGION, label=f"where it holds ({result.share:.0%} of the box)"),
               Line2D([], [], marker="o", ls="", ms=8, mfc="white" if not result.base_holds else _EDGE, mec=_EDGE,
                      label=f"base values ({'holds' if result.base_holds else 'does not hold'})")]
    if result.boundary:
        handles.insert(1, Line2D([], [], color=_EDGE, lw=1.6, label=f"traced edge (to {result.tol:g} of each range)"))
    ax.annotate(f"base ({a.base:.3g}, {b.base:.3g})", (a.base, b.base), xytext=(-8, -14), textcoords="offset points",
                ha="right", fontsize=8.5, zorder=7)
    if target is not None:
        x, y = target["values"]
        ax.annotate(f"({x:.3g}, {y:.3g})", (x, y), xytext=(9, 4), textcoords="offset points", fontsize=8.5, zorder=7)
        ax.plot([x], [y], "*", ms=14, color=_NEAREST, mec=_EDGE, mew=0.6, zorder=6)
        ax.annotate("", xy=(x, y), xytext=(a.base, b.base), zorder=4,
                    arrowprops={"arrowstyle": "-|>", "color": _NEAREST, "lw": 1.8, "shrinkA": 5, "shrinkB": 6})
        what = "nearest edge" if result.base_holds else "smallest change that reaches it"
        handles.append(Line2D([], [], marker="*", ls="", ms=14, color=_NEAREST, mec=_EDGE, mew=0.6,
                              label=f"{what}: {target['distance']:.3f} range widths"))
    ax.set_box_aspect(1)  # a range width is as long on both axes: distances look as they are measured
    ax.set_axisbelow(True)
    ax.set_xlim(a.low, a.high)
    ax.set_ylim(b.low, b.high)
    ax.set_xlabel(_axis_label(a))
    ax.set_ylabel(_axis_label(b))
    if result.holds != "in part":
        ax.text(0.5, 0.5, f"holds {result.holds} in the box", transform=ax.transAxes, ha="center", va="center",
                fontsize=13, color="#444444")
    title = textwrap.wrap(f"{result.scenario}: where {result.description}", 72)
    ax.set_title("\n".join(title[:4] + (["…"] if len(title) > 4 else [])), fontsize=10, loc="left")
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=1, frameon=False,
              fontsize=9)
    ax.grid(True, alpha=0.25, lw=0.5)
    return fig
