"""The explorer as a static page: the figure inlined as PNG, the settings, the analyses' tables.

The page needs no kernel, no network and no script: it opens from a file anywhere, as the view was
when it was saved. :func:`view_html` is the body (also what a notebook without ipywidgets shows);
:func:`page_html` wraps it into a document.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from sim.render import table_html
from sim.viz.explorer_controls import parameter_label

__all__ = ["settings_rows", "view_html", "page_html", "reproduce_call"]

_CHANGED = '<b style="color:#D55E00">changed</b>'


def _value(x: Any) -> Any:
    """Numbers in full (``22.13``, not the tables' rounded ``22.1``): they are settings to copy."""
    return f"{x:g}" if isinstance(x, (int, float)) and not isinstance(x, bool) else x


def settings_rows(explorer: Any, run: Any) -> list[dict[str, Any]]:
    """One row per setting of ``run``: play settings, every parameter with a range (by group), then
    the fixed ones; each with the scenario's own value and whether it was changed."""
    d, s = explorer.defaults, run.settings
    ids = run.game.player_ids
    rows: list[dict[str, Any]] = []

    def row(group, label, name, value, default, unit=""):
        changed = _CHANGED if value != default else ""
        rows.append({"group": group, "setting": label, "name": name, "value": _value(value),
                     "scenario value": _value(default), "unit": unit, "": changed})

    for k, pid in enumerate(ids):
        row("play", f"{run.game.player_names[k]}: strategy", f"strategies[{k}]", s["strategies"][k], d["strategies"][k])
        row("play", f"{run.game.player_names[k]}: discount factor δ", f"discount[{k}]", float(s["discount"][k]),
            float(d["discount"][k]), f"per {explorer.scenario.meta.period}")
    row("play", "implementation noise", "noise", float(s["noise"]), float(d["noise"]))
    row("play", "misperception", "perception_noise", float(s["perception_noise"]), float(d["perception_noise"]))
    row("play", "rounds", "rounds", int(run.match.rounds), int(d["rounds"]), f"{explorer.scenario.meta.period}s")
    row("play", "replicates", "replicates", explorer.replicates, explorer.replicates)
    row("play", "seed", "seed", explorer.seed, explorer.seed)
    params = explorer.scenario.parameters
    for group in explorer.groups:
        for name in group.names:
            p = params[name]
            row(group.title, parameter_label(name, p, explorer.scenario), name, float(s["parameters"][name]),
                float(p.value), p.unit)
    for name in explorer.fixed:
        p = params[name]
        row("fixed (no range)", parameter_label(name, p, explorer.scenario), name, float(p.value), float(p.value),
            p.unit)
    return rows


def reproduce_call(explorer: Any, run: Any) -> str:
    """The Python call that evaluates these settings again (only what differs from the scenario)."""
    d, s = explorer.defaults, run.settings
    parts = []
    changed = {n: v for n, v in s["parameters"].items() if v != d["parameters"][n]}
    if changed:
        parts.append("parameters={" + ", ".join(f"{n!r}: {v:g}" for n, v in changed.items()) + "}")
    for key in ("discount", "strategies"):
        if tuple(s[key]) != tuple(d[key]):
            parts.append(f"{key}={tuple(s[key])!r}")
    for key in ("noise", "perception_noise", "rounds"):
        if s[key] != d[key]:
            parts.append(f"{key}={s[key]!r}")
    source = Path(explorer.source).name if explorer.source else "scenario.toml"
    return (f"explore({source!r}, replicates={explorer.replicates}, seed={explorer.seed})"
            f".run({', '.join(parts)})")


def view_html(explorer: Any, run: Any, png: bytes, *, note: str = "") -> str:
    """The view as an HTML fragment: heading, the figure (PNG inlined), settings and analyses."""
    scenario = explorer.scenario
    data = base64.b64encode(png).decode("ascii")
    meta = scenario.meta
    head = (f'<h2 style="font-family:sans-serif;margin:4px 0">{html.escape(meta.name)}: explorer view</h2>'
            f'<p style="font-family:sans-serif;font-size:12px;color:#444;max-width:1100px;margin:2px 0">'
            f"{html.escape(' '.join((meta.description or '').split()))}</p>")
    if note:
        head += f'<p style="font-family:sans-serif;font-size:12px;color:#8a6d00;margin:2px 0">{note}</p>'
    figure = (f'<img alt="{html.escape(meta.name, quote=True)}: payoff space and play" style="max-width:100%" '
              f'src="data:image/png;base64,{data}"/>')
    call = (f'<p style="font-family:sans-serif;font-size:12px;margin:4px 0">To evaluate these settings again: '
            f"<code>{html.escape(reproduce_call(explorer, run))}</code></p>")
    settings = table_html(settings_rows(explorer, run), caption=f"Settings (payoffs in {meta.payoff_unit})",
                          raw=("",))
    tables = f'<div style="max-width:100%;overflow-x:auto">{run.summary_html()}{call}{settings}</div>'
    return head + figure + tables


def page_html(title: str, body: str) -> str:
    """A whole document around ``body``: no script, no stylesheet, no address outside itself."""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
            f"<title>{html.escape(title)}</title>\n</head>\n"
            f'<body style="margin:12px;font-family:sans-serif">\n{body}\n</body>\n</html>\n')
