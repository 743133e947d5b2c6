"""The explorer's figure: laid out once per scenario, its artists updated on every redraw.

Left, the payoff space: every pure profile, the feasible and individually rational sets, the
Pareto frontier, each side's minmax value, the stage Nash equilibria, the cooperative profile, and
where play went (each replicate's average payoff per round and their mean). Right, play over the
rounds: one strip per lever (and per state variable of a game with state) shaded by the share of
replicates at each level, with the mean level as a line; below, each side's payoff per round and
its cumulative discounted payoff (mean and 90% band).

Building a figure and laying it out (tick labels measured, constrained layout solved) costs several
times more than drawing it, so :class:`ExplorerFigure` does both once, at fixed positions in
inches, and a redraw only moves data into existing artists and rasterises. Most of what remains is
text (level labels, legend, names) that no setting changes: it is rasterised once into a
background, and a redraw paints only the artists that move over a copy of it (Agg blitting).
"""

from __future__ import annotations

import io
import warnings
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from matplotlib.ticker import NullLocator
from PIL import Image

from sim.viz.plots import ACCENTS, side_colour

__all__ = ["ExplorerFigure", "DPI", "EXPORT_DPI", "FIGURE_WIDTH"]

#: Resolution of the live view (the HTML export uses :data:`EXPORT_DPI`).
DPI = 80
EXPORT_DPI = 110
_WIDTH = 10.5  # inches
#: Width of the live view in pixels.
FIGURE_WIDTH = round(_WIDTH * DPI)
_TOP, _BOTTOM, _GAP = 0.62, 0.42, 0.07  # inches: title band, x-label band, gap between strips
_PER_LEVEL, _MIN_STRIP, _PAYOFF = 0.12, 0.36, 1.0  # inches: strip height per level, least strip, payoff panel
_LEFT_AXES = (0.75, 4.45)  # inches from the left: payoff space axes
_RIGHT_AXES = (5.75, 8.95)  # inches from the left: the strips (level labels left of them, names right)


def _short(label: str, width: int) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def _edges(values: np.ndarray) -> np.ndarray:
    """Values per round repeated once at the end, for ``steps-post`` lines over round edges."""
    return np.concatenate([values, values[-1:]]) if len(values) else values


class _Strip:
    """One lever or state variable over the rounds: shares of replicates per level, mean level."""

    def __init__(self, ax, labels, colour: str, name: str, unit: str):
        self.ax, self.size = ax, len(labels)
        cmap = LinearSegmentedColormap.from_list("share", ["#ffffff", colour])
        self.image = ax.imshow(np.zeros((self.size, 1)), origin="lower", aspect="auto", cmap=cmap, vmin=0.0,
                               vmax=1.0, interpolation="nearest", extent=(0, 1, -0.5, self.size - 0.5))
        (self.mean,) = ax.plot([], [], drawstyle="steps-post", color="black", linewidth=1.2)
        ax.set_yticks(range(self.size), [_short(str(x), 16) for x in labels], fontsize=6.5)
        ax.set_ylim(-0.5, self.size - 0.5)
        ax.tick_params(axis="y", length=2, pad=1)
        ax.xaxis.set_major_locator(NullLocator())  # the rounds are read off the payoff panels below
        text = _short(name, 24) + (f"\n[{_short(unit, 24)}]" if unit else "")
        ax.text(1.015, 0.5, text, transform=ax.transAxes, fontsize=7, ha="left", va="center", color=colour)

    def update(self, levels: np.ndarray) -> None:
        """``levels``: ``(R, T)`` level index per replicate and round (-1 where none)."""
        R, T = levels.shape
        valid = levels >= 0
        counts = np.stack([(levels == k).sum(axis=0) for k in range(self.size)])  # (size, T)
        n = np.maximum(valid.sum(axis=0), 1)
        self.image.set_data(counts / n)
        self.image.set_extent((0, T, -0.5, self.size - 0.5))
        mean = np.where(valid, levels, 0).sum(axis=0) / n
        self.mean.set_data(np.arange(T + 1), _edges(mean))
        self.ax.set_xlim(0, T)

    def moving(self) -> list:
        """Artists a redraw changes."""
        return [self.image, self.mean, *self.ax.spines.values()]


class _Band:
    """Mean line and 90% band of each side's series over the rounds."""

    def __init__(self, ax, *, step: bool):
        self.ax, self.step = ax, step
        self.bands, self.lines = [], []
        for p in (0, 1):
            self.bands.append(ax.fill_between([0, 1], [0, 0], [0, 0], step="post" if step else None,
                                              color=side_colour(p), alpha=0.2, linewidth=0))
            (line,) = ax.plot([], [], color=side_colour(p), linewidth=1.6,
                              drawstyle="steps-post" if step else "default")
            self.lines.append(line)
        self.zero = ax.axhline(0.0, color="grey", linewidth=0.6, alpha=0.6)
        ax.grid(axis="y", alpha=0.3)
        ax.tick_params(axis="y", labelsize=7, length=2, pad=1)

    def update(self, values: np.ndarray) -> None:
        """``values``: ``(R, T, 2)`` (NaN after a replicate's end)."""
        T = values.shape[1]
        lows, highs = [], []
        for p in (0, 1):
            v = values[..., p]
            with warnings.catch_warnings():  # rounds no replicate reached are NaN, and drawn as gaps
                warnings.simplefilter("ignore", RuntimeWarning)
                lo, hi = np.nanquantile(v, [0.05, 0.95], axis=0)
                mean = np.nanmean(v, axis=0)
            if self.step:
                x, lo, hi, mean = np.arange(T + 1), _edges(lo), _edges(hi), _edges(mean)
            else:
                x = np.arange(1, T + 1)
            self.bands[p].set_data(x, lo, hi)
            self.lines[p].set_data(x, mean)
            lows.append(np.nanmin(lo) if np.isfinite(lo).any() else 0.0)
            highs.append(np.nanmax(hi) if np.isfinite(hi).any() else 0.0)
        lo, hi = min(lows + [0.0]), max(highs + [0.0])
        pad = 0.06 * (hi - lo) or 1.0
        self.ax.set_ylim(lo - pad, hi + pad)
        self.ax.set_xlim(0, T)

    def moving(self) -> list:
        """Artists a redraw changes (the axes too: their ticks follow the data)."""
        return [*self.bands, *self.lines, self.zero, self.ax.xaxis, self.ax.yaxis, *self.ax.spines.values()]


class ExplorerFigure:
    """The explorer's one figure for a game's structure (its levers, state variables and players).

    Parameters
    ----------
    game : the stage game (its levers, player ids and units shape the layout; its payoffs do not).
    states : the :class:`~sim.model.dynamic.StateSpace` of a game with state, else ``None``.
    dpi : resolution of :meth:`png`.
    """

    def __init__(self, game: Any, states: Any = None, *, dpi: int = DPI):
        self.dpi = dpi
        self.player_ids = tuple(game.player_ids)
        strips = [(p, k, lever) for p in (0, 1) for k, lever in enumerate(game.levers[p])]
        n_state = len(states.names) if states is not None else 0
        sizes = [len(states.labels[k]) for k in range(n_state)] + [lever.size for _, _, lever in strips]
        heights = [max(_MIN_STRIP, _PER_LEVEL * s) for s in sizes] + [_PAYOFF, _PAYOFF]
        H = _TOP + _BOTTOM + sum(heights) + _GAP * (len(heights) - 1) + 0.25
        self.height = max(H, 5.6)
        self.fig = Figure(figsize=(_WIDTH, self.height), dpi=dpi)
        FigureCanvasAgg(self.fig)
        fig = self.fig

        # ---- right: strips then payoffs, top to bottom
        x0, x1 = _RIGHT_AXES[0] / _WIDTH, _RIGHT_AXES[1] / _WIDTH
        top = self.height - _TOP - 0.25
        self.axes_right = []
        for h in heights:  # not sharex: the strips have no x ticks to lay out
            ax = fig.add_axes((x0, (top - h) / self.height, x1 - x0, h / self.height))
            ax.tick_params(axis="x", labelbottom=False, length=2)
            self.axes_right.append(ax)
            top -= h + _GAP
        self.axes_right[-2].tick_params(axis="x", labelbottom=False)
        self.axes_right[-1].tick_params(axis="x", labelbottom=True, labelsize=7)
        self._xlabel = self.axes_right[-1].set_xlabel("round", fontsize=8, labelpad=1)
        fig.text(x0, 1 - (_TOP + 0.08) / self.height, "play: shading = share of replicates at each level, "
                 "line = mean level", fontsize=7.5, color="#333", ha="left", va="bottom")
        self.strips = []
        for k in range(n_state):
            unit = states.units[k]
            colour = ACCENTS[(0, 1, 2, 3, 5)[k % 5]]  # not the pale yellow
            self.strips.append(_Strip(self.axes_right[k], states.labels[k], colour, f"state: {states.names[k]}", unit))
        for ax, (p, k, lever) in zip(self.axes_right[n_state:], strips):
            self.strips.append(_Strip(ax, lever.labels, side_colour(p), f"{game.player_ids[p]}.{lever.name}", lever.unit))
        self.n_state = n_state
        unit = f"[{_short(game.units, 22)}]" if game.units else ""
        self.pay = _Band(self.axes_right[-2], step=True)
        self.cum = _Band(self.axes_right[-1], step=False)
        for ax, what in ((self.axes_right[-2], "payoff per round"), (self.axes_right[-1], "cumulative\ndiscounted")):
            ax.text(1.015, 0.98, f"{what}\n{unit}", transform=ax.transAxes, fontsize=7, ha="left", va="top")
            for p in (0, 1):
                ax.text(1.015, 0.28 - 0.2 * p, f"— {game.player_ids[p]}", transform=ax.transAxes, fontsize=7.5,
                        ha="left", va="center", color=side_colour(p), weight="bold")
        self._events = []
        scenario = getattr(game, "scenario", None)
        for event in sorted(scenario.repeated.events if scenario is not None else (), key=lambda e: e.round):
            lines = [ax.axvline(event.round, color="dimgrey", linestyle=":", linewidth=0.9) for ax in self.axes_right]
            note = self.axes_right[0].text(event.round, 1.02, "", fontsize=6.5, color="dimgrey",
                                           transform=self.axes_right[0].get_xaxis_transform(), ha="left",
                                           va="bottom")
            self._events.append((event.round, event.label, lines, note))

        # ---- left: payoff space
        bottom_in = 1.55
        ax = fig.add_axes((_LEFT_AXES[0] / _WIDTH, bottom_in / self.height, (_LEFT_AXES[1] - _LEFT_AXES[0]) / _WIDTH,
                           (self.height - _TOP - 0.25 - bottom_in) / self.height))
        self.ax_space = ax
        self._profiles = ax.scatter(np.empty(0), np.empty(0), s=6, color="grey", alpha=0.45, linewidths=0,
                                    label="pure profiles", zorder=2)
        self._feasible = ax.add_patch(Polygon(np.zeros((3, 2)), closed=True, color="lightgrey", alpha=0.35,
                                              label="feasible set", zorder=1))
        self._ir = ax.add_patch(Polygon(np.zeros((3, 2)), closed=True, color=ACCENTS[0], alpha=0.2,
                                        label="individually rational", zorder=1))
        (self._pareto,) = ax.plot([], [], color=ACCENTS[0], linewidth=2, label="Pareto frontier", zorder=3)
        self._minmax = (ax.axvline(0, color=side_colour(0), linestyle=":", linewidth=1,
                                   label=f"minmax {game.player_ids[0]}"),
                        ax.axhline(0, color=side_colour(1), linestyle=":", linewidth=1,
                                   label=f"minmax {game.player_ids[1]}"))
        self._nash = ax.scatter(np.empty(0), np.empty(0), marker="*", s=170, color=ACCENTS[2], edgecolors="black",
                                linewidths=0.6, label="stage Nash equilibrium", zorder=7)
        self._coop = ax.scatter(np.empty(0), np.empty(0), marker="D", s=60, color=ACCENTS[3], edgecolors="black",
                                linewidths=0.6, label="cooperative profile", zorder=6)
        self._reps = ax.scatter(np.empty(0), np.empty(0), s=12, facecolors="none", edgecolors="black",
                                linewidths=0.5, alpha=0.45, label="replicates' average", zorder=5)
        self._avg = ax.scatter(np.empty(0), np.empty(0), marker="o", s=130, facecolors="none", edgecolors="black",
                               linewidths=2, label="played average (mean)", zorder=8)
        ax.set_xlabel(f"{game.player_ids[0]} payoff per round" + (f" ({game.units})" if game.units else ""),
                      color=side_colour(0), fontsize=8)
        ax.set_ylabel(f"{game.player_ids[1]} payoff per round" + (f" ({game.units})" if game.units else ""),
                      color=side_colour(1), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        self._space_title = ax.set_title("", fontsize=8.5)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.11), ncol=2, frameon=False,
                  handletextpad=0.4, columnspacing=1.0)
        # the titles change with the settings: children of an axes (drawn when saving), placed on the figure
        self._title = ax.text(0.5, 1 - 0.12 / self.height, "", transform=fig.transFigure, ha="center", va="top",
                              fontsize=10.5, weight="bold")
        self._subtitle = ax.text(0.5, 1 - 0.36 / self.height, "", transform=fig.transFigure, ha="center", va="top",
                                 fontsize=8.5, color="#333")
        self._moving = self._moving_artists()
        for a in self._moving:
            a.set_animated(True)  # left out of the background, painted by every redraw
        self._background = None

    def _moving_artists(self) -> list:
        """Every artist a redraw changes, in drawing order (axes by axes, by z-order within one)."""
        per_axes: dict[Any, list] = {ax: [] for ax in self.fig.axes}
        for part in (*self.strips, self.pay, self.cum):
            per_axes[part.ax] += part.moving()
        for *_, lines, note in self._events:
            for a in (*lines, note):
                per_axes[a.axes].append(a)
        ax = self.ax_space
        per_axes[ax] += [self._profiles, self._feasible, self._ir, self._pareto, *self._minmax, self._nash, self._coop,
                         self._reps, self._avg, ax.xaxis, ax.yaxis, *ax.spines.values(), self._space_title,
                         self._title, self._subtitle]
        return [a for ax in self.fig.axes for a in sorted(per_axes[ax], key=lambda a: a.get_zorder())]

    # ----------------------------------------------------------------------------- update
    def update(self, run: Any) -> None:
        """Move ``run`` (an :class:`~sim.viz.explorer.ExplorerRun`) into the artists."""
        game, match = run.game, run.match
        self._update_space(run)
        T = int(match.actions.shape[1])
        levels = []
        states, dynamic = getattr(match, "states", None), getattr(match, "dynamic", None)
        if self.n_state:
            idx = dynamic.states.indices()
            s = states[:, :T]
            for k in range(self.n_state):
                levels.append(np.where(s >= 0, idx[np.maximum(s, 0), k], -1))
        for p in (0, 1):
            lv = match.levels(p)
            levels += [lv[..., k] for k in range(lv.shape[-1])]
        for strip, lv in zip(self.strips, levels):
            strip.update(np.asarray(lv))
        self.pay.update(match.payoffs())
        self.cum.update(match.cumulative_discounted())
        self._update_events(T)
        period = game.scenario.meta.period if getattr(game, "scenario", None) is not None else "round"
        self._xlabel.set_text("round" if period == "round" else f"round ({period})")
        strategies = " vs ".join(f"{pid} = {s}" for pid, s in zip(self.player_ids, match.strategies))
        self._title.set_text(f"{game.name}: {strategies}")
        discount = ", ".join(f"{pid} {d:g}" for pid, d in zip(self.player_ids, game.discount))
        self._subtitle.set_text(f"δ {discount} · noise {match.noise:g} · misperception {match.perception_noise:g} · "
                                f"{T} rounds · {match.replicates} replicates · seed {match.seed}"
                                + (f" · {len(run.changed)} parameter(s) changed" if run.changed else ""))

    def _update_events(self, T: int) -> None:
        """Event lines within the rounds played; each label cut to the room before the next one."""
        per_char = 0.05 / (_RIGHT_AXES[1] - _RIGHT_AXES[0])  # axes fraction of one character at 6.5 pt
        for k, (when, label, lines, note) in enumerate(self._events):
            for line in lines:
                line.set_visible(when < T)
            nxt = self._events[k + 1][0] if k + 1 < len(self._events) else T + T / 3
            room = int((min(nxt, T + T / 3) - when) / max(T, 1) / per_char) - 1
            note.set_text(_short(label, min(room, 24)) if room >= 4 else "")
            note.set_visible(when < T)

    def _update_space(self, run: Any) -> None:
        game, match, ps = run.game, run.match, run.payoff_set
        A, B = game.A.ravel(), game.B.ravel()
        self._profiles.set_offsets(np.column_stack([A, B]))
        self._profiles.set_sizes([6.0 if A.size > 100 else 24.0])  # a small game's few profiles stay visible
        for patch, pts in ((self._feasible, ps.feasible), (self._ir, ps.individually_rational)):
            pts = np.asarray(pts, dtype=float).reshape(-1, 2)
            patch.set_visible(len(pts) >= 3)
            if len(pts) >= 3:
                patch.set_xy(pts)
        pareto = np.asarray(ps.pareto, dtype=float).reshape(-1, 2)
        order = np.argsort(pareto[:, 0])
        self._pareto.set_data(pareto[order, 0], pareto[order, 1])
        self._minmax[0].set_xdata([ps.minmax[0]] * 2)
        self._minmax[1].set_ydata([ps.minmax[1]] * 2)
        eq = np.array([e.payoffs for e in run.equilibria], dtype=float).reshape(-1, 2)
        self._nash.set_offsets(eq)
        c = match.cooperative
        self._coop.set_offsets(np.array([[game.A[c], game.B[c]]]) if c is not None else np.empty((0, 2)))
        per = np.asarray(match.per_round, dtype=float)
        self._reps.set_offsets(per)
        self._avg.set_offsets(per.mean(axis=0, keepdims=True))
        xs = np.concatenate([A, per[:, 0], eq[:, 0]])
        ys = np.concatenate([B, per[:, 1], eq[:, 1]])
        for lo, hi, setter in ((xs.min(), xs.max(), self.ax_space.set_xlim), (ys.min(), ys.max(), self.ax_space.set_ylim)):
            pad = 0.05 * (hi - lo) or 1.0
            setter(lo - pad, hi + pad)
        eqs = len(eq)
        where = " of the initial state" if getattr(match, "dynamic", None) is not None else ""
        self._space_title.set_text(f"payoff space{where}: {A.size:,} pure profiles, {eqs} stage "
                                   f"equilibri{'um' if eqs == 1 else 'a'}")

    # ----------------------------------------------------------------------------- output
    def png(self, *, dpi: int | None = None) -> bytes:
        """The figure as PNG bytes.

        At the live resolution the background (everything no setting changes) is rasterised once and
        each call paints the moving artists over a copy of it; at another ``dpi`` (the export) the
        whole figure is drawn afresh.
        """
        buf = io.BytesIO()
        if dpi is not None and dpi != self.dpi:
            self.fig.savefig(buf, format="png", dpi=dpi)
            return buf.getvalue()
        canvas = self.fig.canvas
        if self._background is None:
            canvas.draw()  # leaves out the animated artists
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        canvas.restore_region(self._background)
        for a in self._moving:
            self.fig.draw_artist(a)
        w, h = canvas.get_width_height()
        image = Image.frombuffer("RGBA", (w, h), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        image.save(buf, format="png", compress_level=1)  # fast: the live view is redrawn often
        return buf.getvalue()
