"""Figures of a sweep table: a line per metric for one swept parameter, a phase diagram for two.

:func:`sweep_view` reads a table of :func:`sim.sweeps.run.sweep` (and its manifest, and the
scenario the manifest names, when they are at hand) into a :class:`SweepView`: the swept inputs
with readable axis labels and units, the metric columns averaged over replicates, and the
*conclusions*, the categorical columns whose regions the phase diagram colours and labels:
which pure equilibrium (the levers that change across the sweep, by their level labels), the
number of equilibria, and whether the truce is self-enforcing. :func:`plot_sweep` draws a view
and computes nothing of its own.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from sim.errors import InputError
from sim.sweeps.metrics import METRICS
from sim.viz.explorer_controls import parameter_label
from sim.viz.plots import ACCENTS, side_colour

__all__ = ["SweepView", "sweep_view", "plot_sweep", "read_sweep", "axis_label", "MAX_PANELS"]

#: Panels in one figure (the rest are left out, most important first).
MAX_PANELS = 6
_ID_COLUMNS = ("point", "replicate", "seed")
#: Readable names of metric columns (METRIC.PART, players left out); others are shown as they are.
NAMES = {
    "equilibria.count": "number of equilibria", "equilibria.payoff": "payoff in the equilibrium",
    "critical_delta.grim_nash": "critical δ (grim trigger)", "security.pure": "security level (pure maxmin)",
    "security.mixed": "security level (mixed maxmin)", "bargaining.disagreement": "disagreement point",
    "bargaining.nash": "Nash bargaining payoff", "bargaining.ks": "Kalai–Smorodinsky payoff",
}
_REGION_COLOURS = ("#56B4E9", "#E69F00", "#009E73", "#F0E442", "#CC79A7", "#0072B2", "#D55E00", "#999999")


@dataclass(frozen=True)
class SweepView:
    """What a sweep figure shows.

    Attributes
    ----------
    inputs : the swept columns, slowest first; ``labels`` their axis labels (with units).
    x : each input's values on the grid (sorted, unique).
    numbers : ``{column: values}`` of each numeric metric, one value per grid point (mean over
        replicates), in the order of ``points``.
    points : the grid point of each row of ``numbers``: ``(n, len(inputs))``.
    conclusions : ``{title: labels}``, one label per point (``None`` where undefined); the regions.
    units : ``{column: unit}`` of the numeric metrics, where known.
    title : the figure's title (scenario name).
    """

    inputs: tuple[str, ...]
    labels: tuple[str, ...]
    x: tuple[np.ndarray, ...]
    points: np.ndarray
    numbers: dict[str, np.ndarray]
    conclusions: dict[str, list]
    units: dict[str, str] = field(default_factory=dict)
    title: str = "sweep"
    player_ids: tuple[str, ...] = ()


def read_sweep(path: str | Path):
    """``(table, manifest or None, scenario or None)`` of a sweep's Parquet or CSV file."""
    import pandas as pd

    path = Path(path)
    suffix = path.suffix.lower()
    try:
        table = pd.read_parquet(path) if suffix in (".parquet", ".pq") else pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the sweep table: {exc}", file=str(path)) from None
    manifest = None
    mpath = Path(f"{path}.manifest.json")
    if mpath.is_file():
        try:
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
        except ValueError:
            manifest = None
    scenario = None
    name = (manifest or {}).get("scenario")
    if name:
        for candidate in (Path(name), path.parent / name):
            if candidate.is_file():
                from sim.model.load import load_scenario

                try:
                    scenario = load_scenario(candidate)
                except Exception:  # noqa: BLE001 - the labels are a courtesy; the table is what is drawn
                    scenario = None
                break
    return table, manifest, scenario


def _metric_column(column: str) -> bool:
    return column.split(".", 1)[0] in METRICS


def axis_label(path: str, scenario: Any = None) -> str:
    """A readable axis label with its unit for a swept path (``parameters.us_re_cost``)."""
    parts = path.split(".")
    if scenario is not None and parts[0] == "parameters" and len(parts) == 2 and parts[1] in scenario.parameters:
        p = scenario.parameters[parts[1]]
        unit = f" ({p.unit})" if p.unit else ""
        return f"{parameter_label(parts[1], p, scenario)}{unit}"
    if parts[0] == "players" and len(parts) == 3 and parts[2] == "discount":
        name = scenario.players[parts[1]].name if scenario is not None and parts[1] in scenario.players else parts[1]
        period = scenario.scenario.period if scenario is not None else "round"
        return f"{name}: discount factor (per {period})"
    if parts[0] == "players" and len(parts) >= 5 and parts[2] == "levers" and scenario is not None:
        lever = scenario.players.get(parts[1]).levers.get(parts[3]) if parts[1] in scenario.players else None
        if lever is not None:
            unit = f" ({lever.unit})" if lever.unit else ""
            return f"{parts[1]} {parts[3]}, level {parts[4]}{unit}"
    if parts[0] == "payoffs" and len(parts) == 4 and scenario is not None and parts[1] in scenario.players:
        ids = list(scenario.player_ids)
        acts = [scenario.players[pid].actions or () for pid in ids]
        i, j = int(parts[2]), int(parts[3])
        if i < len(acts[0]) and j < len(acts[1]):
            unit = f" ({scenario.scenario.payoff_unit})" if scenario.scenario.payoff_unit else ""
            return f"{scenario.players[parts[1]].name}'s payoff at ({acts[0][i]}, {acts[1][j]}){unit}"
    if parts[0] == "parameters" and len(parts) == 2:
        return parts[1]
    return path


def _level_label(scenario: Any, pid: str, lever: str, value: float) -> str:
    player = scenario.players.get(pid) if scenario is not None else None
    if lever == "action" and player is not None and player.actions and 0 <= int(value) < len(player.actions):
        return str(player.actions[int(value)])
    if scenario is not None and pid in scenario.players and scenario.players[pid].levers:
        lv = scenario.players[pid].levers.get(lever)
        if lv is not None and lv.labels:
            for level, label in zip(lv.levels, lv.labels):
                if math.isclose(float(level), float(value), rel_tol=1e-9, abs_tol=1e-12):
                    return str(label)
    return f"{value:g}"


def sweep_view(table, manifest: Mapping | None = None, scenario: Any = None) -> SweepView:
    """The :class:`SweepView` of a sweep ``table`` (a DataFrame); see the module docstring.

    Inputs are the manifest's axes, else the columns that are neither ids nor metrics. A sampled
    sweep (no grid) is drawn on its unique values per input all the same.
    """
    columns = list(table.columns)
    axes = [a["path"] for a in ((manifest or {}).get("sweep", {}).get("design", {}).get("axes") or [])]
    inputs = [c for c in axes if c in columns] or [c for c in columns if c not in _ID_COLUMNS and not _metric_column(c)]
    if not inputs:
        raise InputError("the table has no swept input column", key="columns")
    if len(inputs) > 2:
        raise InputError(f"{len(inputs)} swept inputs; a figure shows one or two", key="columns")
    metrics = [c for c in columns if _metric_column(c)]
    if not metrics:
        raise InputError("the table has no metric column", key="columns")
    grouped = table.groupby(inputs, sort=True)
    first = grouped.first()  # one row per point, in the order of the grouped means below
    points = np.array(first.index.tolist(), dtype=float).reshape(len(first), len(inputs))
    x = tuple(np.unique(points[:, a]) for a in range(len(inputs)))
    numbers: dict[str, np.ndarray] = {}
    for c in metrics:
        col = table[c]
        if col.dtype.kind in "biuf":
            numbers[c] = grouped[c].mean().to_numpy(dtype=float)
    per_player = ("equilibria.payoff.", "critical_delta.grim_nash.", "security.pure.", "bargaining.nash.",
                  "self_enforcing.grim_nash.", "play.payoff.")
    ids = tuple(scenario.player_ids) if scenario is not None else tuple(  # row player first, as the columns
        dict.fromkeys(c.rsplit(".", 1)[1] for c in metrics if c.startswith(per_player)))
    conclusions: dict[str, list] = {}
    levers = [c for c in metrics if c.startswith("equilibria.") and len(c.split(".")) == 3 and c.split(".")[1] not in
              ("count", "payoff", "payoff_min", "payoff_max")]
    varying = [c for c in levers if first[c].nunique(dropna=True) > 1]
    if levers:
        labels = []
        for k in range(len(first)):
            row = first.iloc[k]
            if any(isinstance(row[c], float) and math.isnan(row[c]) for c in levers):
                labels.append("no pure equilibrium" if row.get("equilibria.count", 1) == 0 else "mixed only")
                continue
            shown = varying or levers[:1]
            labels.append(", ".join(f"{c.split('.')[2]} {c.split('.')[1]}={_level_label(scenario, c.split('.')[2], c.split('.')[1], row[c])}"
                                    for c in shown))
        conclusions["which pure equilibrium"] = labels
    if "equilibria.count" in metrics:
        conclusions["number of equilibria"] = [f"{int(v)}" for v in first["equilibria.count"]]
    if "self_enforcing.truce" in metrics:
        conclusions["truce self-enforcing"] = ["yes" if float(v) >= 0.5 else "no"
                                               for v in grouped["self_enforcing.truce"].mean()]
    units = {}
    if scenario is not None:
        unit = scenario.scenario.payoff_unit
        for c in numbers:
            if ".payoff" in c or c.startswith(("security.", "bargaining.", "play.discounted.")):
                units[c] = unit
            elif c.startswith("critical_delta."):
                units[c] = f"per {scenario.scenario.period}"
    title = scenario.scenario.name if scenario is not None else Path(str((manifest or {}).get("results", "sweep"))).stem
    return SweepView(tuple(inputs), tuple(axis_label(c, scenario) for c in inputs), x, points, numbers, conclusions,
                     units, title, ids)


def _groups(view: SweepView) -> list[tuple[str, list[str]]]:
    """Numeric columns in panels: one per METRIC.PART (players in one panel); lever columns and
    the min/max bands of the equilibrium payoff left out (the regions and bands show them)."""
    out: dict[str, list[str]] = {}
    for c in view.numbers:
        parts = c.split(".")
        if parts[0] == "equilibria" and parts[1] not in ("count", "payoff"):
            continue
        if parts[0] in ("self_enforcing",):
            continue
        key = ".".join(parts[:-1]) if len(parts) > 2 and parts[-1] in view.player_ids else c
        out.setdefault(key, []).append(c)
    return list(out.items())


def _colour(c: str, view: SweepView, k: int) -> str:
    pid = c.rsplit(".", 1)[-1]
    return side_colour(view.player_ids.index(pid)) if pid in view.player_ids[:2] else ACCENTS[k % len(ACCENTS)]


def plot_sweep(view: SweepView, *, fig: Figure | None = None) -> Figure:
    """A line per metric (one input) or a phase diagram of each conclusion (two inputs)."""
    if len(view.inputs) == 1:
        return _lines(view, fig)
    return _phase(view, fig)


def _region_spans(x: np.ndarray, labels: Sequence) -> list[tuple[float, float, Any]]:
    """Runs of equal labels along ``x``, each as ``(start, end, label)`` halfway between points."""
    edges = np.concatenate([[x[0]], (x[1:] + x[:-1]) / 2, [x[-1]]]) if len(x) > 1 else np.array([x[0] - 0.5, x[0] + 0.5])
    spans, start = [], 0
    for k in range(1, len(x) + 1):
        if k == len(x) or labels[k] != labels[start]:
            spans.append((float(edges[start]), float(edges[k]), labels[start]))
            start = k
    return spans


def _lines(view: SweepView, fig: Figure | None) -> Figure:
    groups = _groups(view)[:MAX_PANELS]
    order = np.argsort(view.points[:, 0])
    x = view.points[order, 0]
    n = max(len(groups), 1)
    fig = fig or Figure(figsize=(8.5, 2.3 * n + 1.0), layout="constrained")
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    # shade the regions of the first conclusion that changes along the sweep
    region = next(((t, v) for t, v in view.conclusions.items() if len(set(v)) > 1), None)
    spans = _region_spans(x, [region[1][i] for i in order]) if region else []
    palette = {lab: _REGION_COLOURS[k % len(_REGION_COLOURS)]
               for k, lab in enumerate(dict.fromkeys(s[2] for s in spans))}
    for ax, (key, cols) in zip(axes, groups):
        for k, c in enumerate(cols):
            y = view.numbers[c][order]
            ax.plot(x, np.where(np.isfinite(y), y, np.nan), marker="os^v"[k % 4], markersize=3.5,
                    color=_colour(c, view, k), linestyle=("-", "--", ":", "-.")[k % 4],
                    label=c.rsplit(".", 1)[-1] if len(cols) > 1 else c)
            lo, hi = c.replace(".payoff.", ".payoff_min."), c.replace(".payoff.", ".payoff_max.")
            if ".payoff." in c and lo in view.numbers and hi in view.numbers:
                ax.fill_between(x, view.numbers[lo][order], view.numbers[hi][order], color=_colour(c, view, k),
                                alpha=0.15, linewidth=0)
        for a, b, lab in spans if len(palette) > 1 else ():
            ax.axvspan(a, b, color=palette[lab], alpha=0.18, linewidth=0)
        unit = view.units.get(cols[0], "")
        ax.set_ylabel(f"{NAMES.get(key, key)}" + (f"\n({unit})" if unit else ""), fontsize=8)
        ax.grid(alpha=0.3)
        if len(cols) > 1:
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    axes[-1].set_xlabel(view.labels[0])
    if len(palette) > 1:
        from matplotlib.patches import Patch

        handles = [Patch(color=colour, alpha=0.4, label=str(lab)) for lab, colour in palette.items()]
        fig.legend(handles=handles, loc="outside lower center", fontsize=7, frameon=False,
                   title=f"shaded: {region[0]}", title_fontsize=7, ncols=min(2, len(handles)))
    fig.suptitle(f"{view.title}: sweep over {view.labels[0]}", fontsize=10)
    return fig


def _grid(view: SweepView, values: Sequence) -> np.ndarray:
    """Values per point on the ``(len(y), len(x))`` grid of the two inputs (NaN/None where absent)."""
    xs, ys = view.x[1], view.x[0]  # the first (slowest) input on the y axis
    out = np.full((len(ys), len(xs)), None, dtype=object)
    for (yv, xv), v in zip(view.points, values):
        out[np.searchsorted(ys, yv), np.searchsorted(xs, xv)] = v
    return out


def _edges(v: np.ndarray) -> np.ndarray:
    if len(v) == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    mid = (v[1:] + v[:-1]) / 2
    return np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])


def _phase(view: SweepView, fig: Figure | None) -> Figure:
    panels: list[tuple[str, str, list]] = [("regions", t, labels) for t, labels in view.conclusions.items()
                                           if len(set(labels)) > 1 or t == "which pure equilibrium"]
    for key, cols in _groups(view):
        for c in cols:
            if not (c.startswith("equilibria.") and c.split(".")[1] == "count"):
                panels.append(("number", c, list(view.numbers[c])))
    panels = panels[:MAX_PANELS]
    n = len(panels)
    ncols = 1 if n == 1 else 2
    nrows = math.ceil(n / ncols)
    fig = fig or Figure(figsize=(6.2 * ncols, 5.2 * nrows + 0.6), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    xe, ye = _edges(view.x[1]), _edges(view.x[0])
    for ax, (kind, title, values) in zip(axes, panels):
        grid = _grid(view, values)
        if kind == "regions":
            cats = list(dict.fromkeys(v for v in values if v is not None))
            code = np.array([[np.nan if v is None else cats.index(v) for v in row] for row in grid], dtype=float)
            from matplotlib.colors import ListedColormap

            cmap = ListedColormap([_REGION_COLOURS[k % len(_REGION_COLOURS)] for k in range(max(len(cats), 1))])
            ax.pcolormesh(xe, ye, code, cmap=cmap, vmin=-0.5, vmax=max(len(cats), 1) - 0.5, shading="flat")
            tags = [chr(ord("A") + k) if k < 26 else str(k) for k in range(len(cats))]
            for k, cat in enumerate(cats):  # a tag inside each region, at its point nearest the centre of mass
                iy, ix = np.nonzero(code == k)
                cx, cy = view.x[1][ix].mean(), view.x[0][iy].mean()
                near = np.argmin((view.x[1][ix] - cx) ** 2 / np.ptp(xe) ** 2 + (view.x[0][iy] - cy) ** 2 / np.ptp(ye) ** 2)
                ax.text(view.x[1][ix[near]], view.x[0][iy[near]], tags[k], ha="center", va="center", fontsize=9,
                        fontweight="bold", bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.85,
                                                 "linewidth": 0})
            from matplotlib.patches import Patch

            ax.legend(handles=[Patch(color=_REGION_COLOURS[k % len(_REGION_COLOURS)], label=f"{tags[k]}: {cat}")
                               for k, cat in enumerate(cats)], fontsize=7, loc="upper left",
                      bbox_to_anchor=(0.0, -0.13), frameon=False, ncols=1)
            ax.set_title(title, fontsize=9)
        else:
            z = np.array([[np.nan if v is None else float(v) for v in row] for row in grid], dtype=float)
            z = np.where(np.isfinite(z), z, np.nan)
            mesh = ax.pcolormesh(xe, ye, z, cmap="viridis", shading="flat")
            unit = view.units.get(title, "")
            fig.colorbar(mesh, ax=ax, label=unit or None, shrink=0.85)
            key, _, pid = title.rpartition(".")
            blank = " (white: never or undefined)" if np.isnan(z).any() else ""
            ax.set_title((f"{NAMES[key]}: {pid}" if key in NAMES else NAMES.get(title, title)) + blank, fontsize=9)
        ax.set_xlabel(view.labels[1], fontsize=8)
        ax.set_ylabel(view.labels[0], fontsize=8)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle(f"{view.title}: phase diagram over {view.labels[0]} and {view.labels[1]}", fontsize=10)
    return fig


def _wrap(text: str, width: int = 26) -> str:
    words, lines, line = text.replace(", ", ",\n").split("\n"), [], ""
    for w in words:
        if line and len(line) + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line}{w}" if not line else f"{line} {w}"
    lines.append(line)
    return "\n".join(lines)
