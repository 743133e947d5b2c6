"""Rich display: every result as an HTML table, for notebooks (and ``_repr_html_``).

* :func:`game_html` — a bimatrix table with lever labels: each cell shows ``row payoff, column
  payoff``; each side's best responses are bold and underlined in the side's colour; pure
  equilibria are shaded and named profiles (the cooperative truce, say) outlined. Big games get
  a scrollable table, or an aggregated view over one lever per side, or a slice (``rows=``,
  ``cols=``; see :func:`actions_where`).
* :func:`to_html` — any supported object (Scenario, StageGame, EquilibriumSet, MatchResult,
  TournamentResult, TruceThresholds, bargaining and threat results, ...) as HTML.
* :func:`show` — display any of these (or a matplotlib Figure) in a notebook.

Everything here only formats numbers the result objects already hold; nothing is computed except
best responses and pure equilibria for the bimatrix view (one vectorised comparison each). All
styling is inline (notebook front ends may strip ``<style>`` blocks from untrusted output).
"""

from __future__ import annotations

import base64
import html
import io
import math
from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = [
    "to_html",
    "show",
    "game_html",
    "scenario_html",
    "equilibria_html",
    "match_html",
    "tournament_html",
    "thresholds_html",
    "bargaining_html",
    "table_html",
    "figure_html",
    "actions_where",
    "FULL_CELLS",
]

#: ``view="auto"`` shows every cell up to this many, and aggregates beyond.
FULL_CELLS = 400
SIDE = ("#0072B2", "#D55E00")  # as sim.plots.SIDE_COLOURS (not imported: no matplotlib here)
EQ_BG = "#fff3b0"
COOP_BORDER = "#009E73"
_TABLE = "border-collapse:collapse;font-size:12px;font-family:sans-serif;margin:4px 0"
_TD = "border:1px solid #ccc;padding:2px 6px;text-align:right;white-space:nowrap"
_TH = "border:1px solid #ccc;padding:2px 6px;background:#f4f4f4;text-align:center;white-space:nowrap;font-weight:600"
_CAPTION = "caption-side:top;text-align:left;font-weight:600;padding:4px 0"
_NOTE = "font-size:11px;color:#555;margin:2px 0"


# ----------------------------------------------------------------------------- small helpers
def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(x: Any, digits: int | None = None) -> str:
    """A number for a table: integers plain, others to ``digits`` decimals (auto: 2 below 10)."""
    if x is None:
        return "–"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return _e(x)
    if math.isnan(v):
        return "–"
    if math.isinf(v):
        return "never" if v > 0 else "−∞"
    if digits is None:
        if v.is_integer() and abs(v) < 1e12:
            return f"{int(v)}"
        digits = 2 if abs(v) < 10 else 1
    return f"{v:.{digits}f}".replace("-", "−")


def _auto_digits(*arrays: np.ndarray) -> int | None:
    vals = np.concatenate([np.ravel(a) for a in arrays])
    vals = vals[np.isfinite(vals)]
    if not len(vals) or np.allclose(vals, np.round(vals)):
        return 0
    return 2 if np.abs(vals).max() < 10 else 1


def _div(body: str, *, scroll: str | None = None) -> str:
    style = f"max-height:{scroll};overflow:auto;" if scroll else ""
    return f'<div style="{style}max-width:100%;overflow-x:auto">{body}</div>'


def _note(text: str) -> str:
    return f'<p style="{_NOTE}">{text}</p>'


def _title(text: str) -> str:
    return f'<div style="font-weight:700;font-family:sans-serif;margin:6px 0 2px">{text}</div>'


def _tick(ok: bool) -> str:
    return '<span style="color:#009E73">✓ yes</span>' if ok else '<span style="color:#D55E00">✗ no</span>'


def table_html(rows: Sequence[Mapping[str, Any]] | Sequence[Sequence[Any]], columns: Sequence[str] | None = None,
               *, caption: str | None = None, digits: int | None = None, raw: Sequence[str] = ()) -> str:
    """A plain HTML table from records (dicts) or row sequences.

    Values are escaped and numbers formatted, except in the columns named in ``raw`` (already HTML).
    """
    rows = list(rows)
    if columns is None:
        columns = list(rows[0].keys()) if rows and isinstance(rows[0], Mapping) else []
    head = "".join(f'<th style="{_TH}">{_e(c)}</th>' for c in columns)
    body = []
    for r in rows:
        values = [r.get(c) for c in columns] if isinstance(r, Mapping) else list(r)
        cells = []
        for c, v in zip(columns, values):
            if c in raw:
                text = str(v)
            elif isinstance(v, (bool, np.bool_)):
                text = _tick(bool(v))
            elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
                text = _num(v, digits)
            else:
                text = _e("–" if v is None else v)
            align = "" if isinstance(v, (int, float, np.integer, np.floating)) else ";text-align:left"
            cells.append(f'<td style="{_TD}{align}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f'<caption style="{_CAPTION}">{_e(caption)}</caption>' if caption else ""
    return f'<table style="{_TABLE}">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _kv(pairs: Sequence[tuple[str, Any]], *, caption: str | None = None, raw_values: bool = False) -> str:
    rows = []
    for k, v in pairs:
        text = str(v) if raw_values else (_num(v) if isinstance(v, (int, float, np.integer, np.floating))
                                          and not isinstance(v, bool) else (_tick(v) if isinstance(v, bool) else _e(v)))
        rows.append(f'<tr><th style="{_TH};text-align:left">{_e(k)}</th><td style="{_TD};text-align:left">{text}</td></tr>')
    cap = f'<caption style="{_CAPTION}">{_e(caption)}</caption>' if caption else ""
    return f'<table style="{_TABLE}">{cap}<tbody>{"".join(rows)}</tbody></table>'


def _ids(obj: Any, game: Any = None) -> tuple[str, str]:
    if game is not None:
        return tuple(game.player_ids)  # type: ignore[return-value]
    return tuple(getattr(obj, "player_ids", ("row", "col")))  # type: ignore[return-value]


def _label(game: Any, player: int, index: int) -> str:
    if game is not None and getattr(game, "actions", None) is not None:
        return str(game.actions[player][index])
    return f"#{index}"


# ----------------------------------------------------------------------------- the bimatrix
def actions_where(game, player: int, **levers: Any) -> list[int]:
    """Indices of ``player``'s actions whose levers are at the given levels.

    ``actions_where(game, 1, soybeans="25 MMT", fentanyl="enforce")`` keeps China's actions that buy
    25 MMT and enforce, whatever its other levers; levels are given by label or index.
    """
    from sim.errors import InputError

    lv = list(game.levers[player])
    names = [x.name for x in lv]
    keep = np.ones(len(game.actions[player]), dtype=bool)
    table = np.asarray(game.action_levels[player])
    for name, level in levers.items():
        if name not in names:
            raise InputError(f"player {game.player_ids[player]} has no lever {name!r} (levers: {', '.join(names)})",
                             key=name)
        k = names.index(name)
        if isinstance(level, str):
            if level not in lv[k].labels:
                raise InputError(f"lever {name!r} has no level {level!r} (levels: {', '.join(lv[k].labels)})", key=name)
            level = lv[k].labels.index(level)
        keep &= table[:, k] == int(level)
    return np.nonzero(keep)[0].tolist()


def _pure_equilibria(A: np.ndarray, B: np.ndarray) -> list[tuple[int, int]]:
    from sim.equilibria import pure_best_response_profiles

    return [(int(i), int(j)) for i, j in pure_best_response_profiles(A, B)]


def _profiles_of(equilibria: Any, A: np.ndarray, B: np.ndarray) -> tuple[list[tuple[int, int]], list]:
    """Pure profiles to shade, and mixed equilibria to list, from what the caller gave."""
    if equilibria is None:
        return _pure_equilibria(A, B), []
    pure, mixed = [], []
    for e in equilibria:
        if hasattr(e, "is_pure"):
            if e.is_pure:
                pure.append((e.support[0][0], e.support[1][0]))
            else:
                mixed.append(e)
        else:
            i, j = e
            pure.append((int(i), int(j)))
    return pure, mixed


def _header_rows(game, player: int, idx: Sequence[int]) -> list[list[tuple[str, int]]]:
    """Per lever, runs of equal level labels over the actions ``idx``: ``[(label, span), ...]``."""
    levers = game.levers[player]
    levels = np.asarray(game.action_levels[player])[list(idx)]
    out = []
    for k, lever in enumerate(levers):
        runs: list[tuple[str, int]] = []
        prev = None
        for row in levels:
            key = tuple(int(x) for x in row[: k + 1])  # a run also ends where an outer lever changes
            if runs and key == prev:
                runs[-1] = (runs[-1][0], runs[-1][1] + 1)
            else:
                runs.append((lever.labels[int(row[k])], 1))
            prev = key
        out.append(runs)
    return out


def game_html(
    game,
    *,
    equilibria: Any = None,
    highlight: Mapping[str, tuple[int, int]] | None = None,
    rows: Sequence[int] | None = None,
    cols: Sequence[int] | None = None,
    view: str = "auto",
    aggregate: tuple[str, str] | None = None,
    max_cells: int = FULL_CELLS,
    max_height: str = "36em",
    digits: int | None = None,
) -> str:
    """The payoff bimatrix of a :class:`~sim.game.StageGame` as an HTML table.

    Parameters
    ----------
    game : the stage game.
    equilibria : what to shade: an :class:`~sim.equilibria.EquilibriumSet` (pure ones shaded,
        mixed ones listed below), a list of ``(i, j)`` profiles, or ``None`` for the game's pure
        equilibria (found by vectorised best responses).
    highlight : named profiles to outline, e.g. ``{"Busan truce": game.cooperative}``; default the
        game's cooperative profile, if any. ``{}`` outlines nothing.
    rows, cols : show only these actions (a slice, e.g. from :func:`actions_where`); best responses
        are then marked *within the slice* and the caption says so.
    view : ``"auto"`` (full table up to ``max_cells`` cells, aggregated beyond), ``"full"`` (every
        cell, in a scrollable box ``max_height`` high) or ``"aggregate"``.
    aggregate : ``(row lever, column lever)`` for the aggregated view (default: each side's first).
    digits : decimals (default: 0 for integer games, else 1 or 2).
    """
    if view not in ("auto", "full", "aggregate"):
        raise ValueError(f"view must be auto, full or aggregate, got {view!r}")
    m, n = game.shape
    r_idx = list(range(m)) if rows is None else [int(i) for i in rows]
    c_idx = list(range(n)) if cols is None else [int(j) for j in cols]
    sliced = rows is not None or cols is not None
    if highlight is None:
        highlight = {"cooperative": tuple(game.cooperative)} if game.cooperative is not None else {}
    A, B = np.asarray(game.A, float), np.asarray(game.B, float)
    pure, mixed = _profiles_of(equilibria, A, B)
    if view == "aggregate" or (view == "auto" and len(r_idx) * len(c_idx) > max_cells):
        return _aggregate_html(game, pure, mixed, highlight, r_idx, c_idx, aggregate, digits)
    As, Bs = A[np.ix_(r_idx, c_idx)], B[np.ix_(r_idx, c_idx)]
    if digits is None:
        digits = _auto_digits(As, Bs)
    scale = max(1.0, float(np.abs(As).max(initial=0)), float(np.abs(Bs).max(initial=0)))
    row_best = As >= As.max(axis=0, keepdims=True) - 1e-9 * scale
    col_best = Bs >= Bs.max(axis=1, keepdims=True) - 1e-9 * scale
    eq_set = set(pure)
    marks: dict[tuple[int, int], list[str]] = {}
    for name, prof in highlight.items():
        marks.setdefault((int(prof[0]), int(prof[1])), []).append(name)

    rlev, clev = game.levers
    r_multi = len(rlev) > 1 or rlev[0].name != "action"
    c_multi = len(clev) > 1 or clev[0].name != "action"
    r_head = _header_rows(game, 0, r_idx) if r_multi else [[(game.actions[0][i], 1) for i in r_idx]]
    c_head = _header_rows(game, 1, c_idx) if c_multi else [[(game.actions[1][j], 1) for j in c_idx]]
    r_names = [lv.name for lv in rlev] if r_multi else [game.player_ids[0]]
    c_names = [lv.name for lv in clev] if c_multi else [game.player_ids[1]]
    head = []
    corner = (f'<th colspan="{len(r_names)}" rowspan="{len(c_head)}" style="{_TH};vertical-align:bottom">'
              f'<span style="color:{SIDE[1]}">{_e(game.player_names[1])} →</span><br>'
              f'<span style="color:{SIDE[0]}">{_e(game.player_names[0])} ↓</span></th>')
    for k, runs in enumerate(c_head):
        cells = "".join(
            f'<th colspan="{span}" style="{_TH};color:{SIDE[1]}" title="{_e(c_names[k])}">'
            f'<span style="font-weight:400;color:#888">{_e(c_names[k]) if c_multi else ""}{": " if c_multi else ""}</span>'
            f'{_e(lab)}</th>'
            for lab, span in runs)
        head.append("<tr>" + (corner if k == 0 else "") + cells + "</tr>")
    # row headers: per lever, rowspans of equal labels
    starts: list[dict[int, tuple[str, int]]] = []
    for runs in r_head:
        pos, d = 0, {}
        for lab, span in runs:
            d[pos] = (lab, span)
            pos += span
        starts.append(d)
    body = []
    for a, i in enumerate(r_idx):
        cells = []
        for k, d in enumerate(starts):
            if a in d:
                lab, span = d[a]
                cells.append(f'<th rowspan="{span}" style="{_TH};text-align:left;color:{SIDE[0]}" title="{_e(r_names[k])}">'
                             f'{_e(lab)}</th>')
        for b, j in enumerate(c_idx):
            style = _TD
            if (i, j) in eq_set:
                style += f";background:{EQ_BG}"
            title = []
            if (i, j) in eq_set:
                title.append("pure Nash equilibrium")
            if (i, j) in marks:
                style += f";outline:2px solid {COOP_BORDER};outline-offset:-2px"
                title.extend(marks[(i, j)])
            u = _num(As[a, b], digits)
            v = _num(Bs[a, b], digits)
            if row_best[a, b]:
                u = f'<b style="color:{SIDE[0]};text-decoration:underline">{u}</b>'
            if col_best[a, b]:
                v = f'<b style="color:{SIDE[1]};text-decoration:underline">{v}</b>'
            tip = f' title="{_e("; ".join(title))}"' if title else ""
            cells.append(f'<td style="{style}"{tip}>{u}, {v}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    # the whole header sticks when the table scrolls (per-cell sticky rows would overlap each other)
    table = (f'<table style="{_TABLE}"><thead style="position:sticky;top:0;z-index:1">{"".join(head)}</thead>'
             f'<tbody>{"".join(body)}</tbody></table>')
    where = " within the rows and columns shown" if sliced else ""
    legend = [
        f'{_e(game.name)}: {len(r_idx)} × {len(c_idx)}'
        + (f" of {m} × {n} actions" if sliced else " actions")
        + (f"; payoffs in {_e(game.units)}" if game.units else "")
        + f' — each cell is <span style="color:{SIDE[0]}">{_e(game.player_ids[0])}</span>, '
          f'<span style="color:{SIDE[1]}">{_e(game.player_ids[1])}</span>.',
        f'<b style="color:{SIDE[0]};text-decoration:underline">bold</b> / '
        f'<b style="color:{SIDE[1]};text-decoration:underline">bold</b>: that side\'s best response{where}; '
        f'<span style="background:{EQ_BG}">shaded</span>: pure Nash equilibrium'
        + (f'; <span style="outline:2px solid {COOP_BORDER}">outlined</span>: {_e(", ".join(highlight))}'
           if highlight else "") + ".",
    ]
    hidden = [p for p in pure if p[0] not in r_idx or p[1] not in c_idx]
    if sliced and hidden:
        legend.append(f"{len(hidden)} pure equilibri{'um lies' if len(hidden) == 1 else 'a lie'} outside this slice: "
                      + "; ".join(f"({_e(_label(game, 0, i))} | {_e(_label(game, 1, j))})" for i, j in hidden[:3]))
    legend.extend(_mixed_lines(game, mixed))
    scroll = max_height if len(r_idx) > 20 or len(c_idx) > 12 else None
    return _div(table, scroll=scroll) + "".join(_note(t) for t in legend)


def _mixed_lines(game, mixed) -> list[str]:
    out = []
    for e in mixed:
        parts = []
        for p, s in enumerate((e.row, e.col)):
            parts.append(", ".join(f"{_e(_label(game, p, i))} {s[i]:.2f}" for i in np.nonzero(s > 1e-12)[0]))
        out.append(f"mixed equilibrium: {game.player_ids[0]} plays {parts[0]}; {game.player_ids[1]} plays {parts[1]} "
                   f"(payoffs {_num(e.payoffs[0])}, {_num(e.payoffs[1])})")
    return out


def _aggregate_html(game, pure, mixed, highlight, r_idx, c_idx, aggregate, digits) -> str:
    """Blocks over one lever per side: mean payoffs (range in the tooltip), equilibria marked."""
    names = [[lv.name for lv in game.levers[p]] for p in (0, 1)]
    agg = aggregate or (names[0][0], names[1][0])
    ks = []
    for p in (0, 1):
        if agg[p] not in names[p]:
            raise ValueError(f"player {game.player_ids[p]} has no lever {agg[p]!r} (levers: {', '.join(names[p])})")
        ks.append(names[p].index(agg[p]))
    lev = [game.levers[p][ks[p]] for p in (0, 1)]
    lvl = [np.asarray(game.action_levels[p])[:, ks[p]] for p in (0, 1)]
    A, B = np.asarray(game.A, float), np.asarray(game.B, float)
    r_idx_a, c_idx_a = np.asarray(r_idx), np.asarray(c_idx)
    blocks = []
    for a in range(lev[0].size):
        rr = r_idx_a[lvl[0][r_idx_a] == a]
        row = []
        for b in range(lev[1].size):
            cc = c_idx_a[lvl[1][c_idx_a] == b]
            row.append((rr, cc))
        blocks.append(row)
    if digits is None:
        digits = _auto_digits(A, B)
    head = (f'<tr><th style="{_TH}"><span style="color:{SIDE[0]}">{_e(game.player_ids[0])}.{_e(agg[0])}</span> ↓ '
            f'<span style="color:{SIDE[1]}">{_e(game.player_ids[1])}.{_e(agg[1])}</span> →</th>'
            + "".join(f'<th style="{_TH};color:{SIDE[1]}">{_e(lab)}</th>' for lab in lev[1].labels) + "</tr>")
    eq_set, marks = set(pure), {tuple(map(int, p)): k for k, p in highlight.items()}
    body = []
    for a, row in enumerate(blocks):
        cells = [f'<th style="{_TH};text-align:left;color:{SIDE[0]}">{_e(lev[0].labels[a])}</th>']
        for rr, cc in row:
            if len(rr) == 0 or len(cc) == 0:
                cells.append(f'<td style="{_TD}">–</td>')
                continue
            sa, sb = A[np.ix_(rr, cc)], B[np.ix_(rr, cc)]
            inside = {(int(i), int(j)) for i in rr for j in cc}
            style, tags = _TD, []
            if inside & eq_set:
                style += f";background:{EQ_BG}"
                tags.append("★" * len(inside & eq_set))
            named = [marks[p] for p in inside if p in marks]
            if named:
                style += f";outline:2px solid {COOP_BORDER};outline-offset:-2px"
                tags.append("◆")
            tip = (f"{len(rr)}×{len(cc)} profiles; {game.player_ids[0]} {_num(sa.min(), digits)} to {_num(sa.max(), digits)}, "
                   f"{game.player_ids[1]} {_num(sb.min(), digits)} to {_num(sb.max(), digits)}"
                   + (f"; contains {', '.join(named)}" if named else ""))
            cells.append(f'<td style="{style}" title="{_e(tip)}">{_num(sa.mean(), digits)}, {_num(sb.mean(), digits)}'
                         f'{" " + " ".join(tags) if tags else ""}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    table = f'<table style="{_TABLE}"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>'
    m, n = game.shape
    notes = [
        f"{_e(game.name)}: {m} × {n} actions, too many cells to show one by one; each block averages every "
        f"profile with <i>{_e(game.player_ids[0])}.{_e(agg[0])}</i> and <i>{_e(game.player_ids[1])}.{_e(agg[1])}</i> "
        f"at the levels shown (hover for the range). Means are not strategic payoffs: use "
        f"<code>game_html(game, view=\"full\")</code> or a slice (<code>rows=</code>, <code>cols=</code>) for best responses.",
        f'<span style="background:{EQ_BG}">★</span>: block holds a pure Nash equilibrium'
        + (f'; <span style="outline:2px solid {COOP_BORDER}">◆</span>: holds {_e(", ".join(highlight))}' if highlight else "")
        + ".",
    ]
    for i, j in pure[:5]:
        notes.append(f"pure equilibrium: {_e(game.player_ids[0])} {_e(_label(game, 0, i))} | "
                     f"{_e(game.player_ids[1])} {_e(_label(game, 1, j))} → {_num(A[i, j])}, {_num(B[i, j])}")
    notes.extend(_mixed_lines(game, mixed))
    return _div(table) + "".join(_note(t) for t in notes)


# ----------------------------------------------------------------------------- scenario
def scenario_html(scenario) -> str:
    """A scenario: description, each player's levers (levels and labels), parameters with sources."""
    meta = scenario.meta
    parts = [_title(_e(meta.name)), _note(_e(meta.description)),
             _note(f"one round = one {_e(meta.period)}; payoffs in {_e(meta.payoff_unit or 'points')}")]
    for pid, player in scenario.players.items():
        if player.levers:
            rows = [{"lever": name, "levels (conciliatory → hostile)": " · ".join(
                        f"{lab} ({_num(v)})" if lab != _num(v) else lab
                        for lab, v in zip(lv.level_labels(), lv.levels)),
                     "unit": lv.unit, "source": lv.source or ""} for name, lv in player.levers.items()]
        else:
            rows = [{"lever": "action", "levels (conciliatory → hostile)": " · ".join(player.actions or ()),
                     "unit": "", "source": ""}]
        parts.append(table_html(rows, caption=f"{player.name} ({pid}), discount {player.discount:g} per {meta.period}"))
    if scenario.parameters:
        rows = []
        for name, p in scenario.parameters.items():
            basis = (f'<span style="color:#8a6d00">assumption: {_e(p.assumption)}</span>' if p.assumption
                     else _e(p.source or ""))
            rng = f"{_num(p.range[0])} – {_num(p.range[1])}" if p.range else ""
            rows.append({"parameter": name, "value": p.value, "unit": p.unit, "range": rng, "basis": basis})
        parts.append(table_html(rows, caption="Parameters", raw=("basis",)))
    rep = scenario.repeated
    strategies = ", ".join(f"{k}: {v}" for k, v in rep.strategies.items()) or "—"
    parts.append(_note(f"repeated play: {rep.rounds} rounds, noise {rep.noise:g}; strategies {_e(strategies)}"))
    if rep.events:
        parts.append(_note("events: " + "; ".join(f"round {ev.round}: {_e(ev.label)}"
                                                  + (f" ({_e(ev.date)})" if ev.date else "") for ev in rep.events)))
    return "".join(parts)


def _stage_game_html(game, **kw) -> str:
    return game_html(game, **kw)


# ----------------------------------------------------------------------------- equilibria
def _strategy_text(game, player: int, s: np.ndarray, actions=None) -> str:
    idx = np.nonzero(s > 1e-12)[0]
    lab = (lambda i: actions[player][i]) if actions is not None else (lambda i: _label(game, player, i))
    if len(idx) == 1:
        return str(lab(idx[0]))
    return "; ".join(f"{lab(i)} ({s[i]:.3f})" for i in idx)


def equilibria_html(eqs, game=None) -> str:
    """An :class:`~sim.equilibria.EquilibriumSet`: one row per equilibrium, then how it was found."""
    ids = _ids(eqs, game)
    actions = eqs.actions if eqs.actions is not None else (game.actions if game is not None else None)
    rows = []
    for k, e in enumerate(eqs):
        rows.append({"#": k + 1, "kind": "pure" if e.is_pure else "mixed",
                     ids[0]: _strategy_text(game, 0, e.row, actions), ids[1]: _strategy_text(game, 1, e.col, actions),
                     f"payoff {ids[0]}": e.payoffs[0], f"payoff {ids[1]}": e.payoffs[1],
                     "max regret": f"{max(e.regret):.1e}"})
    cols = ["#", "kind", ids[0], ids[1], f"payoff {ids[0]}", f"payoff {ids[1]}", "max regret"]
    status = "complete" if eqs.complete else ("partial (time budget ran out)" if eqs.partial else "not guaranteed complete")
    head = (f"{len(eqs)} Nash equilibri{'um' if len(eqs) == 1 else 'a'} — method {eqs.method}"
            + (f" (asked: {eqs.requested})" if eqs.requested != eqs.method else "") + f"; {status}"
            + ("; degenerate game" if eqs.degenerate else ""))
    parts = [table_html(rows, cols, caption=head) if rows else _title(_e(head))]
    if eqs.dominance is not None:
        d = eqs.dominance
        sizes = [len(game.actions[p]) if game is not None else (len(actions[p]) if actions else None) for p in (0, 1)]
        gone = [sum(1 for x in d.eliminated if x.player == p) for p in (0, 1)]
        txt = f"{d.method}: removed " + " and ".join(
            f"{gone[p]}" + (f" of {sizes[p]}" if sizes[p] else "") + f" {ids[p]} actions" for p in (0, 1))
        parts.append(_note(_e(txt + f" in {d.rounds} round{'s' if d.rounds != 1 else ''}.")))
    if len(eqs.components) and any(len(c) > 1 for c in eqs.components):
        parts.append(_note(_e("connected components: " + "; ".join(
            "{" + ", ".join(str(i + 1) for i in c) + "}" for c in eqs.components))))
    for note in eqs.notes:
        parts.append(_note(_e(note)))
    return "".join(parts)


def dominance_html(d, game=None) -> str:
    """A :class:`~sim.dominance.DominanceResult`: what was removed, in which round, by what."""
    rows = [{"round": x.round, "player": x.player if game is None else game.player_ids[x.player],
             "removed": _label(game, x.player, x.action),
             "dominated by": ", ".join(f"{_label(game, x.player, k)}" + (f" ({w:.2f})" if w < 1 else "")
                                       for k, w in x.dominated_by.items()),
             "margin": x.margin} for x in d.eliminated]
    surv = " | ".join(str(len(s)) for s in d.surviving)
    cap = f"{d.method}{' (pure and mixed)' if d.mixed else ''}: {surv} actions survive after {d.rounds} rounds"
    return table_html(rows, ["round", "player", "removed", "dominated by", "margin"], caption=cap) if rows else _title(_e(cap))


# ----------------------------------------------------------------------------- repeated play
def match_html(match) -> str:
    """A :class:`~sim.engine.MatchResult`: set-up line, then each side's payoffs and the truce record."""
    s = match.summary()
    ids = match.player_ids
    horizon = f"{match.rounds} rounds" if match.rounds is not None else f"continuation {match.continuation:g}"
    head = (f"{' vs '.join(match.strategies)} — {horizon}, {match.replicates} replicate"
            f"{'s' if match.replicates != 1 else ''}, noise {match.noise:g}"
            + (f", perception noise {match.perception_noise:g}" if match.perception_noise else "")
            + f", seed {match.seed}")
    rows = []
    for p, pid in enumerate(ids):
        q = s["discounted_payoff_quantiles"][pid]
        rows.append({"side": pid, "strategy": match.strategies[p], "payoff per round": s["per_round_payoff"][pid],
                     "total": s["total_payoff"][pid], "discounted": s["discounted_payoff"][pid],
                     "discounted 5–95%": f"{_num(q['q05'])} … {_num(q['q95'])}",
                     "plays cooperative": f"{s['cooperation_rate_player'][pid]:.0%}", "δ": match.discount[p]})
    parts = [table_html(rows, caption=head)]
    fb = s["first_breakdown_median"]
    parts.append(_note(
        f"Both sides in the cooperative profile {s['cooperation_rate']:.0%} of rounds; the truce broke in "
        f"{s['breakdown_share']:.0%} of replicates"
        + (f" (median first breakdown: round {fb:g})" if fb is not None else "") + "."))
    if match.game is not None and match.game.units:
        parts.append(_note(f"payoffs in {_e(match.game.units)}"))
    return "".join(parts)


def tournament_html(result) -> str:
    """A :class:`~sim.tournament.TournamentResult`: ranking table and pairwise payoff matrix."""
    head = (f"round robin of {len(result.strategies)} strategies — "
            + (f"{result.rounds} rounds" if result.rounds is not None else f"continuation {result.continuation:g}")
            + f", {result.repetitions} repetitions, noise {result.noise:g}, seed {result.seed}")
    ranking = table_html([{**r, "cooperation_rate": f"{r['cooperation_rate']:.0%}"} for r in result.table()],
                         ["rank", "strategy", "mean_payoff", "cooperation_rate", "wins"], caption=head)
    P = np.asarray(result.pairwise, float)
    finite = P[np.isfinite(P)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    names = result.strategies
    head_row = "".join(f'<th style="{_TH}">{_e(nm)}</th>' for nm in names)
    body = []
    for a, nm in enumerate(names):
        cells = []
        for b in range(len(names)):
            v = P[a, b]
            if not np.isfinite(v):
                cells.append(f'<td style="{_TD}">–</td>')
                continue
            t = 0.0 if hi == lo else (v - lo) / (hi - lo)
            cells.append(f'<td style="{_TD};background:rgba(0,158,115,{0.08 + 0.5 * t:.2f})">{_num(v)}</td>')
        body.append(f'<tr><th style="{_TH};text-align:left">{_e(nm)}</th>{"".join(cells)}</tr>')
    pair = (f'<table style="{_TABLE}"><caption style="{_CAPTION}">mean payoff per round of the row strategy against '
            f'the column strategy</caption><thead><tr><th style="{_TH}"></th>{head_row}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')
    return ranking + _div(pair)


def thresholds_html(tt) -> str:
    """A :class:`~sim.repeated.TruceThresholds`: the folk-theorem numbers per side, then in words."""
    ids = tt.player_ids
    rows = []
    for p, pid in enumerate(ids):
        rows.append({"side": pid, "truce action": tt.cooperative_labels[p], "truce payoff": tt.cooperative_payoff[p],
                     "best deviation": tt.deviation_action[p], "deviation payoff": tt.deviation_payoff[p],
                     "Nash payoff": tt.nash_payoff[p], "minmax": tt.minmax_payoff[p],
                     "δ* grim (Nash)": tt.grim_nash[p], "δ* grim (minmax)": tt.grim_minmax[p],
                     "δ* tit for tat": tt.tit_for_tat[p], "own δ": tt.discount[p],
                     "holds (grim, Nash)": bool(tt.discount[p] >= tt.grim_nash[p])})
    cap = f"Truce thresholds: critical discount factors per {tt.period}" + (f"; payoffs in {tt.units}" if tt.units else "")
    return table_html(rows, caption=cap) + "".join(_note(_e(s)) for s in tt.sentences())


def curve_html(curve) -> str:
    """A :class:`~sim.curves.ThresholdCurve` as a table (one row per parameter value)."""
    ids = curve.player_ids
    rows = []
    for k, v in enumerate(curve.values):
        row: dict[str, Any] = {curve.parameter: v}
        for p, pid in enumerate(ids):
            row[f"δ* grim {pid}"] = curve.grim_nash[k, p]
            row[f"δ* tft {pid}"] = curve.tit_for_tat[k, p]
            row[f"holds {pid}"] = bool(curve.self_enforcing[k, p])
        rows.append(row)
    return table_html(rows, caption=f"{curve.name}: truce thresholds as {curve.parameter} varies"
                      + (f" ({curve.unit})" if curve.unit else ""))


def payoff_set_html(ps) -> str:
    """A :class:`~sim.repeated.PayoffSet`: minmax floors and the size of the folk-theorem region."""
    ids = ps.player_ids
    pairs = [(f"minmax {pid} (mixed / pure)", f"{_num(ps.minmax[p])} / {_num(ps.pure_minmax[p])}")
             for p, pid in enumerate(ids)]
    pairs.append(("feasible set vertices", len(ps.feasible)))
    pairs.append(("individually rational vertices", len(ps.individually_rational)))
    if len(ps.individually_rational):
        ir = np.asarray(ps.individually_rational)
        pairs.append(("IR payoffs range", f"{ids[0]} {_num(ir[:, 0].min())} … {_num(ir[:, 0].max())}; "
                                          f"{ids[1]} {_num(ir[:, 1].min())} … {_num(ir[:, 1].max())}"))
    return _kv(pairs, caption="Feasible and individually rational payoffs (folk theorem)")


# ----------------------------------------------------------------------------- bargaining, threats
def bargaining_html(sol, game=None) -> str:
    """A :class:`~sim.bargaining.BargainingSolution`: the point, the threat point and the lottery."""
    ids = _ids(sol, game)
    pairs: list[tuple[str, Any]] = [(f"payoff {ids[p]}", sol.point[p]) for p in (0, 1)]
    if sol.disagreement is not None:
        pairs.append(("disagreement point", f"{_num(sol.disagreement[0])}, {_num(sol.disagreement[1])} "
                                            f"({sol.disagreement_source})"))
        pairs.append(("gains from agreement", bool(sol.gains)))
    parts = [_kv(pairs, caption=sol.concept)]
    if sol.lottery:
        rows = [{ids[0]: _label(game, 0, i), ids[1]: _label(game, 1, j), "weight": w} for (i, j), w in sol.lottery.items()]
        parts.append(table_html(rows, [ids[0], ids[1], "weight"], caption="reached by playing", digits=3))
    parts.extend(_note(_e(n)) for n in sol.notes)
    return "".join(parts)


def correlated_html(ce, game=None) -> str:
    """A :class:`~sim.bargaining.CorrelatedEquilibrium`: payoffs and the profiles it mixes."""
    ids = _ids(ce, game)
    P = np.asarray(ce.distribution)
    rows = [{ids[0]: _label(game, 0, i), ids[1]: _label(game, 1, j), "probability": float(P[i, j])}
            for i, j in np.argwhere(P > 1e-9)]
    pairs = [(f"payoff {ids[p]}", ce.payoffs[p]) for p in (0, 1)] + [("max incentive violation", f"{ce.max_violation:.1e}")]
    return (_kv(pairs, caption=f"correlated equilibrium ({ce.objective})")
            + table_html(rows, [ids[0], ids[1], "probability"], digits=3))


def stackelberg_html(st, game=None) -> str:
    """A :class:`~sim.threats.StackelbergOutcome`: who leads, the commitment, the reply, payoffs."""
    ids = _ids(st, game)
    f = 1 - st.leader
    pairs = [("leader", ids[st.leader]), ("leader commits to", _label(game, st.leader, st.leader_action)),
             ("follower replies", _label(game, f, st.follower_action))]
    pairs += [(f"payoff {ids[p]}", st.payoffs[p]) for p in (0, 1)] + [("ties broken", st.tie_rule)]
    return _kv(pairs, caption=f"Stackelberg outcome ({st.method})")


def threat_html(th, game=None) -> str:
    """A :class:`~sim.threats.ThreatAssessment`: credible? deterrent? at what cost to the threatener?"""
    ids = _ids(th, game)
    t, o = th.threatener, 1 - th.threatener
    pairs = [
        ("threat", f"if {ids[o]} plays {_label(game, o, th.trigger)}, {ids[t]} answers {_label(game, t, th.response)}"),
        ("baseline", f"{_label(game, 0, th.baseline[0])} | {_label(game, 1, th.baseline[1])}"),
        ("credible (a best reply once triggered)", bool(th.credible)),
        ("credibility gap", th.credibility_gap),
        (f"{ids[t]}'s best reply instead", _label(game, t, th.best_response)),
        ("cost to the threatener of carrying it out", th.threatener_cost),
        ("deterrent (target worse off than at baseline)", bool(th.deterrent)),
        (f"{ids[o]} payoff: baseline", th.target_baseline_payoff),
        (f"{ids[o]} payoff: trigger, threat carried out", th.target_payoff_if_carried_out),
        (f"{ids[o]} payoff: trigger, threat ignored", th.target_payoff_if_ignored),
        ("trigger profitable without the threat", bool(th.trigger_profitable_without_threat)),
    ]
    return _kv(pairs, caption="Threat check")


def security_html(levels, game=None) -> str:
    """A pair of :class:`~sim.security.SecurityLevel`: what each side can guarantee and be held to."""
    levels = list(levels)
    ids = _ids(levels[0], game)
    rows = []
    for s in levels:
        p = s.player
        rows.append({"side": ids[p], "maxmin (pure)": s.pure_value,
                     "guaranteeing action": _label(game, p, s.pure_action),
                     "maxmin (mixed)": s.mixed_value,
                     "minmax punishment (pure)": s.punish_pure_value,
                     "punishing action of the other side": _label(game, 1 - p, s.punish_pure_action)})
    return table_html(rows, caption="Security levels: what each side can guarantee itself, and be held to")


def _evolution_html(res) -> str:
    if hasattr(res, "final"):
        rows = [{"strategy": s, "initial share": float(res.initial[i]), "final share": float(res.final[i])}
                for i, s in enumerate(res.strategies)]
        return table_html(rows, caption=f"replicator dynamics to t = {res.t_max:g}", digits=3)
    rows = [{"strategy": s, "mean final share": float(res.mean_shares[-1, i]) if res.mean_shares.ndim == 2
             else float(res.mean_shares[i]), "fixation share": float(np.mean(res.fixation == i))}
            for i, s in enumerate(res.strategies)]
    return table_html(rows, caption=f"Moran process, population {res.population}, {res.replicates} replicates", digits=3)


def _generic_html(obj) -> str:
    if hasattr(obj, "to_dict"):
        d = obj.to_dict()
        pairs = [(k, v if isinstance(v, (int, float, str, bool)) or v is None else _short_repr(v)) for k, v in d.items()]
        return _kv(pairs, caption=type(obj).__name__)
    return f"<pre>{_e(repr(obj))}</pre>"


def _short_repr(v: Any, width: int = 160) -> str:
    text = repr(v)
    return text if len(text) <= width else text[: width - 1] + "…"


# ----------------------------------------------------------------------------- figures and dispatch
def figure_png(fig, *, dpi: int = 90) -> bytes:
    """PNG bytes of a matplotlib Figure (pyplot-free figures included)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def figure_html(fig, *, dpi: int = 90) -> str:
    """A Figure as an ``<img>`` with the PNG inlined (for static HTML reports)."""
    data = base64.b64encode(figure_png(fig, dpi=dpi)).decode("ascii")
    return f'<img style="max-width:100%" src="data:image/png;base64,{data}"/>'


_RENDERERS: dict[str, Callable[..., str]] = {
    "Scenario": lambda o, **kw: scenario_html(o),
    "StageGame": _stage_game_html,
    "EquilibriumSet": equilibria_html,
    "DominanceResult": dominance_html,
    "MatchResult": lambda o, **kw: match_html(o),
    "TournamentResult": lambda o, **kw: tournament_html(o),
    "TruceThresholds": lambda o, **kw: thresholds_html(o),
    "ThresholdCurve": lambda o, **kw: curve_html(o),
    "PayoffSet": lambda o, **kw: payoff_set_html(o),
    "BargainingSolution": bargaining_html,
    "CorrelatedEquilibrium": correlated_html,
    "StackelbergOutcome": stackelberg_html,
    "ThreatAssessment": threat_html,
    "ReplicatorResult": lambda o, **kw: _evolution_html(o),
    "MoranResult": lambda o, **kw: _evolution_html(o),
}


def to_html(obj: Any, **kw: Any) -> str:
    """HTML for any supported result; ``game=`` supplies action labels to results that hold indices.

    Supported: Scenario, StageGame (keywords of :func:`game_html`), EquilibriumSet, DominanceResult,
    MatchResult, TournamentResult, TruceThresholds, ThresholdCurve, PayoffSet, BargainingSolution,
    CorrelatedEquilibrium, StackelbergOutcome, ThreatAssessment, a pair of SecurityLevel,
    Replicator/MoranResult, a matplotlib Figure, a pandas DataFrame, a list of records; anything
    else with ``to_dict()`` as a key-value table, or its escaped ``repr``.
    """
    name = type(obj).__name__
    if name in _RENDERERS:
        fn = _RENDERERS[name]
        if fn in (equilibria_html, dominance_html, bargaining_html, correlated_html, stackelberg_html,
                  threat_html):
            return fn(obj, kw.get("game"))
        if fn is _stage_game_html:
            return fn(obj, **kw)
        return fn(obj)
    if isinstance(obj, (tuple, list)) and obj and all(type(x).__name__ == "SecurityLevel" for x in obj):
        return security_html(obj, kw.get("game"))
    if isinstance(obj, (tuple, list)) and obj and all(isinstance(x, Mapping) for x in obj):
        return table_html(obj, caption=kw.get("caption"))
    if name == "Figure" and hasattr(obj, "savefig"):
        return figure_html(obj)
    if hasattr(obj, "to_html") and name == "DataFrame":
        return obj.to_html(max_rows=kw.get("max_rows", 30))
    return _generic_html(obj)


def show(obj: Any, **kw: Any) -> None:
    """Display ``obj`` in a notebook: a Figure as a PNG, anything else through :func:`to_html`.

    Outside IPython, prints a plain-text summary instead.
    """
    try:
        from IPython.display import HTML, Image, display
    except ImportError:  # pragma: no cover - IPython ships with every notebook
        print(repr(obj))
        return
    if type(obj).__name__ == "Figure" and hasattr(obj, "savefig"):
        display(Image(data=figure_png(obj, dpi=kw.get("dpi", 90))))
    else:
        display(HTML(to_html(obj, **kw)))
