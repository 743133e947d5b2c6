"""Formatting helpers shared by every HTML view: escaping, numbers, tables, notes.

Everything here formats what result objects already hold. All styling is inline (notebook front
ends may strip ``<style>`` blocks from untrusted output).
"""

from __future__ import annotations

import html
import math
from typing import Any, Mapping, Sequence

import numpy as np

FULL_CELLS = 400
SIDE = ("#0072B2", "#D55E00")  # as sim.viz.plots.SIDE_COLOURS (render imports nothing of sim)
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
    """Player ids of a result (or of ``game``, when one is given)."""
    source = game if game is not None else obj
    return tuple(getattr(source, "player_ids", None) or ("row", "col"))  # type: ignore[return-value]


def _label(source: Any, player: int, index: int) -> str:
    """Label of action ``index`` of ``player`` from anything that carries ``actions``."""
    actions = getattr(source, "actions", None) if source is not None else None
    if actions is not None:
        return str(actions[player][index])
    return f"#{index}"


