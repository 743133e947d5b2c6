"""Plots. The only module that imports matplotlib.

Every function takes a result (and ``ax=None`` or ``fig=None``), returns a
:class:`matplotlib.figure.Figure`, and computes nothing of its own: the numbers come from
the result objects of :mod:`sim.repeated.engine`, :mod:`sim.repeated.thresholds`, :mod:`sim.stage.equilibria`,
:mod:`sim.stage.bargaining`, :mod:`sim.repeated.tournament`, :mod:`sim.repeated.evolution` and :mod:`sim.repeated.curves`.
Figures are built with the object-oriented API (no pyplot state), so they are safe in
scripts, tests and notebooks alike.

Style: one colour per side across every plot (Okabe–Ito, colour-blind safe), titles that
name the scenario and the settings, axes with units, legends outside the data.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import offset_copy

from sim._files import atomic_path, check_plot_path
from sim.model.actions import resolve_profile
from sim.viz.plots_base import (  # noqa: F401  (re-exported: other figures import them from here)
    ACCENTS,
    SIDE_COLOURS,
    _figure,
    _period,
    _seed,
    _short,
    _title,
    _unit,
    _units,
    result_game,
    side_colour,
)
from sim.viz.plots_evolution import plot_evolution, plot_simplex, plot_tournament


# ----------------------------------------------------------------------------- saving
def save_figure(fig: Figure, path: str | os.PathLike) -> Path:
    """Save ``fig`` atomically (png, svg or pdf by extension); no partial file on failure."""

    import matplotlib

    target = check_plot_path(path)
    fmt = target.suffix.lower().lstrip(".")
    # no creation dates and fixed SVG ids: the same result draws a byte-identical file
    metadata = {"pdf": {"CreationDate": None}, "svg": {"Date": None}}.get(fmt)
    with atomic_path(target, what="--plot") as tmp, matplotlib.rc_context({"svg.hashsalt": "tradesim"}):
        fig.savefig(tmp, format=fmt, bbox_inches="tight", dpi=120, metadata=metadata)
    return target


# ----------------------------------------------------------------------------- outcome paths
def plot_outcome_paths(match, *, replicate: int = 0, fig: Figure | None = None) -> Figure:
    """Fan chart of a repeated match: each lever of each side over rounds, then payoffs.

    One panel per lever (level on the y axis, labelled with the lever's level labels and
    unit): median over replicates as a step line, 50% and 90% bands, and replicate
    ``replicate`` highlighted. Below: per-round payoff (median and 90% band; in the scenario's
    payoff unit) and cumulative discounted payoff of each side (a rate per year over quarterly
    rounds summed as amounts: :mod:`sim.repeated.units`), sharing the round axis. A legend names
    the median, the sample path and the bands. Scenario events (deadlines, summits) are marked as
    vertical lines.
    """
    game = match.game
    units = _units(game)
    pay = match.payoffs()
    cum = match.cumulative_discounted() * (units.factor if units.factor is not None else 1.0)
    T = pay.shape[1]
    rounds = np.arange(T)
    panels = [(p, k) for p in (0, 1) for k in range(len(game.levers[p]))]
    dynamic, states = getattr(match, "dynamic", None), getattr(match, "states", None)
    n_state = len(dynamic.states.names) if dynamic is not None and states is not None else 0
    n = len(panels) + n_state + 2
    if fig is None:
        fig = Figure(figsize=(10, 1.45 * (len(panels) + n_state) + 5), layout="constrained")
    heights = [1.0] * (len(panels) + n_state) + [2.0, 2.0]
    axes = fig.subplots(n, 1, sharex=True, gridspec_kw={"height_ratios": heights})
    for k in range(n_state):  # state variables: the level index of each replicate's state, fan chart
        ax = axes[len(panels) + k]
        idx = dynamic.states.indices()[:, k]
        level = np.where(states[:, :T] >= 0, idx[np.maximum(states[:, :T], 0)], -1).astype(float)
        level[level < 0] = np.nan
        _fan(ax, rounds, level, ACCENTS[k % len(ACCENTS)], replicate, step=True)
        labels = dynamic.states.labels[k]
        ax.set_yticks(range(len(labels)))
        ax.set_yticklabels([_short(lab, 18) for lab in labels], fontsize=7)
        ax.set_ylim(-0.3, len(labels) - 0.7)
        unit = dynamic.states.units[k]
        ax.set_ylabel(f"state: {dynamic.states.names[k]}" + (f"\n[{_short(unit, 24)}]" if unit else ""), fontsize=8,
                      rotation=0, ha="right", va="center")
        ax.grid(axis="y", alpha=0.3)
    for ax, (p, k) in zip(axes, panels):
        lever = game.levers[p][k]
        levels = match.levels(p)[..., k].astype(float)
        levels[levels < 0] = np.nan
        _fan(ax, rounds, levels, side_colour(p), replicate, step=True)
        ax.set_yticks(range(lever.size))
        ax.set_yticklabels([_short(lab, 18) for lab in lever.labels], fontsize=7)
        ax.set_ylim(-0.3, lever.size - 0.7)
        unit = f" [{lever.unit}]" if lever.unit else ""
        ax.set_ylabel(f"{game.player_ids[p]}.{lever.name}{unit}", fontsize=8, rotation=0, ha="right", va="center")
        ax.grid(axis="y", alpha=0.3)
    ax_pay, ax_cum = axes[-2], axes[-1]
    for p in (0, 1):
        _fan(ax_pay, rounds, pay[..., p], side_colour(p), replicate, step=True, label=game.player_ids[p], bands=(0.9,))
        _fan(ax_cum, rounds, cum[..., p], side_colour(p), replicate, step=False, label=game.player_ids[p], bands=(0.9,))
    ax_pay.set_ylabel(f"payoff per round\n({units.per_round})", fontsize=8)
    ax_cum.set_ylabel(f"cumulative discounted\npayoff ({units.total})", fontsize=8)
    ax_cum.set_xlabel(f"round ({_period(game)})")
    ax_pay.legend(handles=_fan_legend(game, replicate), loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
                  frameon=False)
    for ax in axes:
        _mark_events(ax, game, T)
    strategies = ", ".join(f"{pid}={s}" for pid, s in zip(match.player_ids, match.strategies))
    fig.suptitle(
        f"{game.name}: outcome paths ({strategies}; {match.replicates} replicates, noise {match.noise:g}, "
        f"seed {_seed(match)})",
        fontsize=10,
    )
    return fig


def _fan_legend(game, replicate: int) -> list:
    """Legend entries of a fan chart: each side's median, the sample path and the two bands."""
    return [
        *(Line2D([], [], color=side_colour(p), linewidth=1.8, label=f"{game.player_ids[p]}: median of replicates")
          for p in (0, 1)),
        Line2D([], [], color="black", linewidth=0.8, alpha=0.7, linestyle="--", label=f"replicate {replicate} (one path)"),
        Patch(facecolor="grey", alpha=0.3, linewidth=0, label="middle 50% of replicates"),
        Patch(facecolor="grey", alpha=0.15, linewidth=0, label="middle 90% of replicates"),
    ]


def _fan(ax, x, values, colour, replicate, *, step, label=None, bands=(0.9, 0.5)):
    """Median line, quantile bands and one highlighted replicate of ``values`` (R, T)."""
    values = np.asarray(values, dtype=float)
    ok = ~np.isnan(values).all(axis=0)
    x, values = x[ok], values[:, ok]
    where = "post" if step else None
    for width, alpha in zip(bands, (0.15, 0.3)):
        lo, hi = np.nanquantile(values, [(1 - width) / 2, (1 + width) / 2], axis=0)
        ax.fill_between(x, lo, hi, color=colour, alpha=alpha, linewidth=0, step=where, label=None)
    median = np.nanmedian(values, axis=0)
    sample = values[min(replicate, len(values) - 1)]
    if step:
        ax.step(x, median, where="post", color=colour, linewidth=1.8, label=label)
        ax.step(x, sample, where="post", color="black", linewidth=0.8, alpha=0.7, linestyle="--")
    else:
        ax.plot(x, median, color=colour, linewidth=1.8, label=label)
        ax.plot(x, sample, color="black", linewidth=0.8, alpha=0.7, linestyle="--")


def _mark_events(ax, game, T):
    scenario = getattr(game, "scenario", None)
    if scenario is None:
        return
    for event in scenario.repeated.events:
        if event.round < T:
            ax.axvline(event.round, color="grey", linestyle=":", linewidth=1)
            if ax is ax.figure.axes[0]:
                ax.annotate(event.label, (event.round, 1.0), xycoords=("data", "axes fraction"),
                            fontsize=7, color="dimgrey", rotation=0, va="bottom", ha="left")


# ----------------------------------------------------------------------------- decomposition
def _profiles(game, specs, key: str) -> list[tuple[int, int]]:
    """Profiles given as index pairs, label pairs or ``{player: action or {lever: level}}`` mappings
    (:func:`sim.model.actions.resolve_profile`; a player left out is at its cooperative action)."""
    default = game.cooperative or (0, 0)
    return [resolve_profile(game, spec, default=default, key=f"{key}.{k}") for k, spec in enumerate(specs)]


def plot_decomposition(game, profiles: dict, *, fig: Figure | None = None) -> Figure:
    """Each side's payoff at chosen profiles split into its named terms (stacked bars).

    ``profiles`` maps a name (``"equilibrium"``, ``"truce"``, ``"full escalation"``) to a profile:
    a ``(row action, column action)`` pair of indices or labels, or a mapping such as
    ``{"us": {"tariff": "peak"}, "china": "rare_earths=October controls"}`` (a player left out is at
    its cooperative action). Positive terms stack up from zero, negative terms down; a black tick
    marks the total.
    """
    profiles = dict(zip(profiles, _profiles(game, profiles.values(), "profiles")))
    if fig is None:
        fig = Figure(figsize=(11, 4.8), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    names = list(profiles)
    x = np.arange(len(names))
    width = 0.8
    lo, hi = 0.0, 0.0
    for p, ax in enumerate(axes):
        terms = list(game.terms[p])
        colours = {t: _term_colour(i, len(terms)) for i, t in enumerate(terms)}
        pos = np.zeros(len(names))
        neg = np.zeros(len(names))
        for t in terms:
            vals = np.array([game.terms[p][t][i, j] for i, j in profiles.values()])
            up = np.where(vals > 0, vals, 0)
            down = np.where(vals < 0, vals, 0)
            if np.any(vals != 0):
                ax.bar(x, up, width, bottom=pos, color=colours[t], label=t, edgecolor="white", linewidth=0.5)
                ax.bar(x, down, width, bottom=neg, color=colours[t], edgecolor="white", linewidth=0.5)
            pos += up
            neg += down
        totals = np.array([game.payoffs(p)[i, j] for i, j in profiles.values()])
        ax.scatter(x, totals, marker="_", s=900, linewidths=2, color="black", zorder=5, label="total")
        for xi, tv in zip(x, totals):  # the value sits above its line, on a white box, never across it
            ax.annotate(f"{tv:.1f}", (xi, tv), textcoords="offset points", xytext=(0, 4), ha="center", va="bottom",
                        fontsize=8, zorder=6,
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9})
        lo, hi = min(lo, neg.min(), totals.min()), max(hi, pos.max(), totals.max())
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_xticks(x)
        ax.set_xticklabels(names, fontsize=8)
        ax.set_xlim(-0.6, len(names) - 0.4)
        ax.set_title(f"{game.player_names[p]} ({game.player_ids[p]})", color=side_colour(p))
        handles, labels = ax.get_legend_handles_labels()
        keep = [i for i, lab in enumerate(labels) if lab != "total"]  # its marker would run over its text
        handles = [Line2D([], [], color="black", linewidth=2)] + [handles[i] for i in keep]
        labels = ["total (value above the line)"] + [labels[i] for i in keep]
        ax.legend(handles, labels, fontsize=7, loc="upper left", bbox_to_anchor=(0.0, -0.12), ncol=2, frameon=False)
    span = max(hi - lo, 1e-9)
    axes[0].set_ylim(lo - 0.06 * span, hi + 0.12 * span)  # every bar and every total's label inside the frame
    axes[0].set_ylabel(f"payoff ({_units(game).per_round})")
    fig.suptitle(_title(game, "where each side's payoff comes from"), fontsize=10)
    return fig


def _term_colour(i: int, n: int) -> str:
    """Okabe–Ito colours for up to eight terms; beyond that, twenty distinct ones (no colour twice)."""
    if n <= 8:
        return (ACCENTS + SIDE_COLOURS)[i]
    return to_hex(colormaps["tab20"](i % 20))


# ----------------------------------------------------------------------------- heatmap
def plot_payoff_matrix(
    game,
    *,
    equilibria: Sequence = (),
    fig: Figure | None = None,
    max_labels: int = 100,
) -> Figure:
    """Heatmap of each side's payoff matrix with best responses and equilibrium cells marked.

    The two sides' matrices are stacked, rows = the row side's actions. Dots mark each
    side's best responses (row side: best row in each column; column side: best column in
    each row); white squares mark ``equilibria`` (pure profiles: index or label pairs, or
    ``{player: action}`` mappings, as :func:`plot_decomposition` reads them). In multi-lever games the
    tick labels list only the levels, in the lever order the axis label gives, so a 24 x 96
    game stays readable; past ``max_labels`` actions every k-th label is shown.
    """
    equilibria = _profiles(game, equilibria, "equilibria")
    m, n = game.shape
    if fig is None:
        fig = Figure(figsize=(min(5 + 0.17 * n, 22), 2 * min(2.5 + 0.2 * m, 10) + 2.5), layout="constrained")
    axes = fig.subplots(2, 1)
    row_labels, row_axis = _compact_labels(game, 0)
    col_labels, col_axis = _compact_labels(game, 1)
    for p, ax in enumerate(axes):
        M = game.payoffs(p)
        image = ax.imshow(M, cmap="cividis", aspect="auto", interpolation="nearest")
        fig.colorbar(image, ax=ax, shrink=0.9, label=f"{game.player_ids[p]} payoff{_unit(game)}")
        best = M == (M.max(axis=0, keepdims=True) if p == 0 else M.max(axis=1, keepdims=True))
        rows, cols = np.nonzero(best)
        ax.scatter(cols, rows, s=12, color=side_colour(p), edgecolors="white", linewidths=0.4,
                   label=f"{game.player_ids[p]}'s best response", zorder=3)
        if len(equilibria):
            eq = np.array(equilibria)
            ax.scatter(eq[:, 1], eq[:, 0], s=110, facecolors="none", edgecolors="white", linewidths=2,
                       marker="s", label="pure equilibrium", zorder=4)
        _ticks(ax.set_yticks, ax.set_yticklabels, row_labels, max_labels)
        _ticks(ax.set_xticks, ax.set_xticklabels, col_labels, max_labels, rotation=90)
        ax.set_ylabel(f"{game.player_ids[0]} action\n{row_axis}", fontsize=8)
        ax.set_xlabel(f"{game.player_ids[1]} action: {col_axis}", fontsize=8)
        ax.set_title(f"{game.player_ids[p]}'s payoff", color=side_colour(p), fontsize=10)
        ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.suptitle(_title(game, "payoff matrices"), fontsize=10)
    return fig


def _compact_labels(game, player: int) -> tuple[list[str], str]:
    """Action labels without lever names (``truce / suspended``) and the lever order they follow."""
    levers = game.levers[player]
    if len(levers) == 1:
        return list(game.actions[player]), levers[0].name if levers[0].name != "action" else ""
    levels = np.asarray(game.action_levels[player])
    labels = [" / ".join(lv.labels[k] for lv, k in zip(levers, row)) for row in levels]
    return labels, " / ".join(lv.name for lv in levers)


def _ticks(set_ticks, set_labels, labels, max_labels, rotation=0):
    step = max(1, int(np.ceil(len(labels) / max_labels)))
    idx = np.arange(0, len(labels), step)
    set_ticks(idx)
    set_labels([_short(labels[i], 60) for i in idx], fontsize=6, rotation=rotation)


# ----------------------------------------------------------------------------- payoff space
def plot_payoff_space(
    game,
    *,
    payoff_set=None,
    points: dict[str, Sequence[tuple[float, float]]] | None = None,
    match=None,
    ax=None,
    label_points: bool | None = None,
) -> Figure:
    """All pure profiles as points in (row payoff, column payoff) space, with solution points.

    Parameters
    ----------
    game : the stage game (every pure profile is drawn).
    payoff_set : a :class:`sim.repeated.thresholds.PayoffSet`: shades the feasible set (convex hull),
        the individually rational region (above both minmax values) and draws the Pareto
        frontier and the minmax lines.
    points : named solution points to mark, e.g. ``{"Nash equilibrium": [(u, v), ...],
        "Nash bargaining": [(u, v)], "Kalai–Smorodinsky": [...], "Stackelberg (us leads)": [...]}``.
    match : a :class:`sim.repeated.engine.MatchResult`; its average payoff per round is marked.
    label_points : write short action labels beside the profiles (default: small games only).
    """
    fig, ax = _figure(ax, figsize=(8.5, 6.5))
    A, B = game.A.ravel(), game.B.ravel()
    ax.scatter(A, B, s=8, color="grey", alpha=0.5, label="pure profiles", zorder=2)
    if label_points is None:
        label_points = A.size <= 16
    if label_points:
        m, n = game.shape
        for i in range(m):
            for j in range(n):
                ax.annotate(f"{_short(game.actions[0][i], 12)}/{_short(game.actions[1][j], 12)}",
                            (game.A[i, j], game.B[i, j]), fontsize=7, xytext=(3, 3), textcoords="offset points")
    if payoff_set is not None:
        hull = np.asarray(payoff_set.feasible)
        if len(hull) >= 3:
            ax.fill(hull[:, 0], hull[:, 1], color="lightgrey", alpha=0.35, label="feasible set", zorder=1)
        ir = np.asarray(payoff_set.individually_rational)
        if len(ir) >= 3:
            ax.fill(ir[:, 0], ir[:, 1], color=ACCENTS[0], alpha=0.2, label="individually rational", zorder=1)
        pareto = np.asarray(payoff_set.pareto)
        if len(pareto):
            order = np.argsort(pareto[:, 0])
            ax.plot(pareto[order, 0], pareto[order, 1], color=ACCENTS[0], linewidth=2, label="Pareto frontier", zorder=3)
        mm = payoff_set.minmax
        ax.axvline(mm[0], color=side_colour(0), linestyle=":", linewidth=1, label=f"minmax {game.player_ids[0]}")
        ax.axhline(mm[1], color=side_colour(1), linestyle=":", linewidth=1, label=f"minmax {game.player_ids[1]}")
    _solution_points(ax, list((points or {}).items()))
    if match is not None:
        avg = match.per_round.mean(axis=0)
        ax.scatter([avg[0]], [avg[1]], marker="o", s=120, facecolors="none", edgecolors="black", linewidths=2,
                   label=f"played average ({' vs '.join(match.strategies)})", zorder=6)
    ax.set_xlabel(f"{game.player_ids[0]} payoff{_unit(game)}", color=side_colour(0))
    ax.set_ylabel(f"{game.player_ids[1]} payoff{_unit(game)}", color=side_colour(1))
    ax.set_title(_title(game, "payoff space"), fontsize=10)
    handles, labels = ax.get_legend_handles_labels()
    order = [n for n in (points or {})]
    ranked = sorted(range(len(labels)), key=lambda i: (labels[i] in order, order.index(labels[i]) if labels[i] in order
                                                        else i))
    ax.legend([handles[i] for i in ranked], [labels[i] for i in ranked], fontsize=7, loc="upper left",
              bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.grid(alpha=0.3)
    return fig


_MARKERS = ("*", "D", "P", "X", "^", "v", "s", "o")


def _solution_points(ax, named: list) -> None:
    """Mark named solution points; points that coincide are fanned out around their common spot.

    The first-named point (the Nash equilibrium, say) is drawn last, on top; when several named
    points share a spot (a Stackelberg outcome that is also the equilibrium), each marker is moved
    a few points in its own direction from that spot, with a thin spoke back to it and a black dot
    on the true position, so every marker stays visible.
    """
    flat = []  # (order, x, y)
    for k, (_name, pts) in enumerate(named):
        for x, y in np.atleast_2d(np.asarray(pts, dtype=float)).reshape(-1, 2):
            flat.append((k, float(x), float(y)))
    allxy = np.array([(x, y) for _, x, y in flat]) if flat else np.zeros((0, 2))
    span = float(np.ptp(allxy, axis=0).max()) if len(allxy) > 1 else 1.0
    tol = 1e-6 * max(span, 1.0)
    groups: list[list[int]] = []
    for i, (_, x, y) in enumerate(flat):
        for g in groups:
            _, gx, gy = flat[g[0]]
            if abs(x - gx) <= tol and abs(y - gy) <= tol:
                g.append(i)
                break
        else:
            groups.append([i])
    offsets = {}
    for g in groups:
        if len(g) == 1:
            offsets[g[0]] = (0.0, 0.0)
            continue
        _, gx, gy = flat[g[0]]
        ax.scatter([gx], [gy], s=10, color="black", zorder=20)
        for j, i in enumerate(g):
            angle = np.pi / 2 + 2 * np.pi * j / len(g)
            offsets[i] = (9.0 * np.cos(angle), 9.0 * np.sin(angle))
    labelled = set()
    for i in sorted(range(len(flat)), key=lambda i: -flat[i][0]):  # later names first: the first on top
        k, x, y = flat[i]
        dx, dy = offsets[i]
        where = offset_copy(ax.transData, fig=ax.figure, x=dx, y=dy, units="points")
        if dx or dy:
            ax.plot([x, x], [y, y], color="black", linewidth=0)  # keep the spot in the data limits
            ax.annotate("", (x, y), xytext=(dx, dy), textcoords="offset points",
                        arrowprops={"arrowstyle": "-", "color": "black", "linewidth": 0.6}, zorder=19)
        ax.scatter([x], [y], marker=_MARKERS[k % len(_MARKERS)], s=90 + 60 * (len(named) - k) / len(named),
                   color=(ACCENTS + SIDE_COLOURS)[(k + 2) % 8], edgecolors="black", linewidths=0.6,
                   label=named[k][0] if k not in labelled else None, zorder=5 + len(named) - k, transform=where)
        labelled.add(k)


# ----------------------------------------------------------------------------- thresholds
def parameter_label(name: str, unit: str = "", scenario=None, width: int = 60) -> str:
    """An axis label for a parameter: what it is (its ``description``, else the first clause of its
    ``assumption`` in ``scenario``; a source names a document, not the quantity), its name, and its unit.

    >>> parameter_label("cn_audience", "USD bn/yr per point")
    'cn audience (cn_audience), USD bn/yr per point'
    """
    what = ""
    param = getattr(scenario, "parameters", {}).get(name) if scenario is not None else None
    if param is not None:
        text = param.description or param.assumption or ""
        what = text.split(";")[0].split(": ")[0].split(" (")[0].strip().rstrip(".")
        if len(what) > width:
            what = what[: width].rsplit(" ", 1)[0] + "…"
    if not what:
        what = name.replace("_", " ").replace(".", " ")
    return f"{what} ({name})" + (f", {unit}" if unit else "")


def plot_threshold_curve(curve, *, ax=None, scenario=None, label: str | None = None) -> Figure:
    """Critical discount factor of each side against a swept parameter.

    ``curve`` is a :class:`sim.repeated.curves.ThresholdCurve`. Each side's critical δ (grim trigger
    with Nash reversion, solid; with minmax punishment, dashed) is drawn in its colour with
    its actual discount factor as a dotted line; where both discount factors clear both
    thresholds the truce is self-enforcing, and that region is shaded. The x axis says what the
    parameter is and its unit (:func:`parameter_label`; pass the ``scenario`` for its words, or
    ``label`` to give the axis label).
    """
    fig, ax = _figure(ax, figsize=(8.5, 5))
    x = np.asarray(curve.values, dtype=float)
    for p, pid in enumerate(curve.player_ids):
        colour = side_colour(p)
        grim = _finite(curve.grim_nash[:, p])
        ax.plot(x, grim, color=colour, linewidth=2, label=f"{pid}: critical δ, Nash reversion")
        ax.plot(x, _finite(curve.grim_minmax[:, p]), color=colour, linewidth=1.2, linestyle="--",
                label=f"{pid}: critical δ, minmax punishment")
        ax.plot(x, curve.discount[:, p], color=colour, linewidth=1, linestyle=":", label=f"{pid}: discount factor")
    ok = curve.self_enforcing.all(axis=1)
    if ok.any():
        ax.fill_between(x, 0, 1, where=ok, step="mid", color=ACCENTS[0], alpha=0.15,
                        transform=ax.get_xaxis_transform(), label="truce self-enforcing (both sides)")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(label if label is not None else parameter_label(curve.parameter, curve.unit, scenario))
    ax.set_ylabel(f"discount factor per {curve.period} (critical δ at 1: never self-enforcing)")
    ax.set_title(f"{curve.name}: when does the truce hold? (grim trigger)", fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.grid(alpha=0.3)
    return fig


def _finite(values):
    """Thresholds of ``inf`` (never self-enforcing) are drawn at the top of the axis."""
    v = np.asarray(values, dtype=float).copy()
    v[~np.isfinite(v)] = 1.0
    return v


__all__ = [
    "SIDE_COLOURS",
    "check_plot_path",
    "save_figure",
    "side_colour",
    "plot_outcome_paths",
    "plot_decomposition",
    "plot_payoff_matrix",
    "plot_payoff_space",
    "plot_threshold_curve",
    "parameter_label",
    "plot_tournament",
    "plot_evolution",
    "plot_simplex",
]
