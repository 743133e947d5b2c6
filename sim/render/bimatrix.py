"""The payoff bimatrix as an HTML table, with lever labels.

Each cell shows ``row payoff, column payoff``; each side's best responses are bold and underlined
in the side's colour; pure equilibria are shaded and named profiles (the cooperative truce, say)
outlined. Big games get a scrollable table, an aggregated view over one lever per side, or a slice
(``rows=``, ``cols=``; see :func:`sim.model.actions.actions_where`).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from sim.render._base import (
    _TABLE,
    _TD,
    _TH,
    COOP_BORDER,
    EQ_BG,
    FULL_CELLS,
    SIDE,
    _auto_digits,
    _div,
    _e,
    _label,
    _note,
    _num,
)

__all__ = ["game_html", "pure_best_response_profiles", "PURE_TOL"]

#: Ties in pure best responses, relative to each side's payoff range: the value of
#: ``sim.stage.equilibria.PURE_TOL``, so the view shades what ``solve`` reports (a test checks it).
PURE_TOL = 1e-12


def pure_best_response_profiles(A: np.ndarray, B: np.ndarray, tol: float = PURE_TOL) -> list[tuple[int, int]]:
    """Pure equilibria ``(i, j)``: each side's action a best response within ``tol`` times its payoff range.

    The rule of ``sim.stage.equilibria.pure_equilibrium_mask``; it is restated here because the
    renderer imports nothing of the package, and ``tests/render`` checks that both agree.
    """
    def spread(U: np.ndarray) -> float:
        s = float(U.max() - U.min()) if U.size else 0.0
        return s if s > 0 else 1.0

    row_br = A >= A.max(axis=0, keepdims=True) - tol * spread(A)
    col_br = B >= B.max(axis=1, keepdims=True) - tol * spread(B)
    return [(int(i), int(j)) for i, j in np.argwhere(row_br & col_br)]


def _profiles_of(equilibria: Any, A: np.ndarray, B: np.ndarray) -> tuple[list[tuple[int, int]], list]:
    """Pure profiles to shade, and mixed equilibria to list, from what the caller gave."""
    if equilibria is None:
        return pure_best_response_profiles(A, B), []
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
    """The payoff bimatrix of a :class:`~sim.model.game.StageGame` as an HTML table.

    Parameters
    ----------
    game : the stage game.
    equilibria : what to shade: an :class:`~sim.stage.equilibria.EquilibriumSet` (pure ones shaded,
        mixed ones listed below), a list of ``(i, j)`` profiles, or ``None`` for the game's pure
        equilibria (found by vectorised best responses).
    highlight : named profiles to outline, e.g. ``{"Busan truce": game.cooperative}``; default the
        game's cooperative profile, if any. ``{}`` outlines nothing.
    rows, cols : show only these actions (a slice, e.g. from :func:`sim.model.actions.actions_where`); best responses
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

