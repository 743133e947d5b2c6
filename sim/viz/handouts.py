"""Printable class handouts: a lever card per player, the payoff matrix and cut-out action cards.

:func:`handout_figures` draws the pages as matplotlib Figures (A4 portrait, text no smaller than
8 pt); :func:`write_handout` writes them to one PDF with ``PdfPages``, atomically (a failure leaves
no file behind). The pages, in order:

* one **lever card** per player: the scenario in a sentence, the player's levers with their levels
  from conciliatory to hostile (or its actions in a matrix game), and its payoff term by term with
  the numbers the terms use (assumptions marked); a game with state adds a page on the state;
* the **payoff matrix** of the stage game when it is small enough to print (up to
  :data:`MAX_ROWS` x :data:`MAX_COLS` actions; one page per state of a small game with state); for a
  larger game, the matrix over each side's **main lever** (the lever that moves the payoffs most from
  the cooperative profile) with every other lever held at the cooperative profile, said on the page;
  failing that, a table of the named profiles with a note;
* **cut-out cards**, one per action (or per lever level), for playing the game on paper.
"""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle

from sim._files import atomic_path
from sim.errors import InputError
from sim.model.dynamic import build_dynamic_game
from sim.model.game import build_game
from sim.viz.plots import side_colour

__all__ = ["handout_figures", "write_handout", "matrix_view", "MAX_ROWS", "MAX_COLS"]

#: A4 portrait, inches.
A4 = (8.27, 11.69)
#: The largest stage game printed whole (row player's actions x column player's).
MAX_ROWS, MAX_COLS = 14, 8
#: Games with state: a matrix page per state up to this many states, else the initial state only.
MAX_STATE_PAGES = 6
_MARGIN = 0.07  # of the page width / height
_SANS, _MONO = "DejaVu Sans", "DejaVu Sans Mono"


class _Pages:
    """Lines of text laid top-down on A4 figures, a new page when one is full."""

    def __init__(self, footer: str):
        self.figures: list[Figure] = []
        self.footer = footer
        self._new()

    def _new(self) -> None:
        fig = Figure(figsize=A4)
        fig.text(0.5, _MARGIN / 2, self.footer, ha="center", va="center", fontsize=8, color="grey", family=_SANS)
        self.figures.append(fig)
        self.fig, self.y = fig, 1 - _MARGIN

    def line(self, text: str, *, size: float = 10.5, weight: str = "normal", mono: bool = False,
             colour: str = "black", indent: float = 0.0, gap: float = 0.3) -> None:
        """Write ``text``, wrapped to the page width, then leave ``gap`` line heights."""
        width = (1 - 2 * _MARGIN - indent) * A4[0] * 72 / (size * (0.68 if mono else 0.58))
        for part in textwrap.wrap(text, int(width), subsequent_indent="    " if mono else "") or [""]:
            step = size * 1.45 / 72 / A4[1]
            if self.y - step < _MARGIN:
                self._new()
            self.y -= step
            self.fig.text(_MARGIN + indent, self.y, part, fontsize=size, weight=weight, color=colour,
                          family=_MONO if mono else _SANS, va="baseline")
        self.y -= gap * size * 1.45 / 72 / A4[1]

    def need(self, fraction: float) -> None:
        """Start a new page unless ``fraction`` of the page height is left (keeps a heading with its text)."""
        if self.y - fraction < _MARGIN:
            self._new()

    def title(self, text: str, subtitle: str = "") -> None:
        if self.y < 1 - _MARGIN - 0.01:
            self._new()
        self.line(text, size=17, weight="bold", gap=0.2)
        if subtitle:
            self.line(subtitle, size=11, colour="#444444", gap=0.8)

    def heading(self, text: str) -> None:
        self.need(0.1)
        self.line(text, size=12.5, weight="bold", gap=0.3)


def _number(x: float) -> str:
    return f"{x:g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.3g}"


def _words(name: str) -> str:
    return name.replace("_", " ")


def _expression(text: str) -> str:
    """A payoff expression as printed: multiplication and powers in the usual signs."""
    text = re.sub(r"\s*\*\*\s*", "^", text)
    return re.sub(r"\s*\*\s*", " × ", text).replace("-", "−")


def _lever_card(pages: _Pages, scenario, p: int) -> None:
    pid = scenario.player_ids[p]
    player = scenario.players[pid]
    other = scenario.players[scenario.player_ids[1 - p]].name
    pages.title(f"{player.name}: your card", f"{scenario.meta.name} — you play against {other}.")
    if scenario.meta.description:
        pages.line(scenario.meta.description, size=10, colour="#333333", gap=0.8)
    if player.description:
        pages.line(player.description, size=10, gap=0.8)
    unit = scenario.meta.payoff_unit or "points"
    period = scenario.meta.period or "round"
    if player.actions:
        pages.heading("Your actions")
        pages.line("Each " + period + " you choose one: " + ", ".join(player.actions) + ".", gap=0.8)
        pages.heading("Your payoff")
        pages.line(f"Read it from the payoff matrix: in each cell the {'first' if p == 0 else 'second'} number "
                   f"is yours ({unit}). You choose a {'row' if p == 0 else 'column'}, {other} chooses a "
                   f"{'column' if p == 0 else 'row'}, both at the same time.", gap=0.8)
        return
    pages.heading("Your levers (levels from conciliatory to hostile)")
    pages.line(f"Each {period} you set every lever to one of its levels; your action is the set of all of them.",
               size=10, gap=0.5)
    for name, lever in player.levers.items():
        unit_text = f" ({lever.unit})" if lever.unit else ""
        pages.need(0.06)
        pages.line(f"{_words(name)}{unit_text}", weight="bold", gap=0.1)
        if lever.description:
            pages.line(lever.description, size=9, colour="#444444", indent=0.03, gap=0.1)
        labels = lever.labels or tuple(_number(v) for v in lever.levels)
        steps = [f"{k + 1}. {label}" + ("" if lever.labels is None else f" = {_number(v)}")
                 for k, (label, v) in enumerate(zip(labels, lever.levels))]
        pages.line("   ".join(steps), indent=0.03, gap=0.6)
    terms = player.payoff or {}
    pages.heading(f"Your payoff ({unit}): the sum of these terms")
    used: list[str] = []
    for term, expr in terms.items():
        pages.need(0.05)
        pages.line(f"{_words(term)}:", weight="bold", size=10, gap=0.05)
        pages.line(_expression(expr), mono=True, size=9, indent=0.03, gap=0.4)
        used += [n for n in dict.fromkeys(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", expr))
                 if n in scenario.parameters and n not in used]
    refs = [r for expr in terms.values() for r in re.findall(r"\b[A-Za-z_]\w*\.[A-Za-z_]\w*", expr)]
    if refs:
        note = (f"A name like {refs[0]} is the level set on that lever this {period} (player.lever); "
                "max, min, where and the like are the usual functions.")
        if scenario.has_state:
            note += " " + ", ".join(scenario.state) + " is the state (see its page)."
        pages.line(note, size=9, colour="#444444", gap=0.6)
    if used:
        pages.heading("The numbers these terms use")
        for name in used:
            param = scenario.parameters[name]
            basis = "assumed: " + param.assumption if param.assumption else ("source: " + param.source if param.source else "")
            unit_text = f" {param.unit}" if param.unit else ""
            pages.need(0.03)
            pages.line(f"{name} = {_number(param.value)}{unit_text}", size=9.5, weight="bold", gap=0.0)
            if basis:
                pages.line(basis, size=8.5, colour="#555555", indent=0.03, gap=0.2)


def _state_card(pages: _Pages, scenario) -> None:
    pages.title("The state", f"{scenario.meta.name}: what carries over from one {scenario.meta.period or 'round'} to the next.")
    for name, var in scenario.state.items():
        labels = var.labels or tuple(_number(v) for v in var.levels)
        unit = f" ({var.unit})" if var.unit else ""
        pages.line(f"{_words(name)}{unit}", weight="bold", gap=0.1)
        pages.line("levels: " + ", ".join(labels) + f"; it starts at {var.initial}.", indent=0.03, gap=0.1)
        if isinstance(var.next, str):
            pages.line("next: " + _expression(var.next), mono=True, size=9, indent=0.03, gap=0.6)
        else:
            for outcome in var.next:
                pages.line(f"with probability {_expression(outcome.p)}: becomes {_expression(outcome.value)}",
                           mono=True, size=9, indent=0.03, gap=0.1)
            pages.line("(a value between levels is moved to the nearest level)", size=9, colour="#555555",
                       indent=0.03, gap=0.6)


def _main_lever(game, p: int, coop: tuple[int, int]) -> int:
    """The lever of player ``p`` that, others at the cooperative profile, moves the payoffs most."""
    levels = np.asarray(game.action_levels[p])
    best, spread = 0, -1.0
    for k in range(levels.shape[1]):
        rows = _slice(levels, k, levels[coop[p]])
        a = [game.A[r, coop[1]] if p == 0 else game.A[coop[0], r] for r in rows if r is not None]
        b = [game.B[r, coop[1]] if p == 0 else game.B[coop[0], r] for r in rows if r is not None]
        moved = float(np.ptp(a) + np.ptp(b)) if a else 0.0
        if moved > spread + 1e-9:
            best, spread = k, moved
    return best


def _slice(levels: np.ndarray, lever: int, base: np.ndarray) -> list[int | None]:
    """The actions that set ``lever`` to each of its levels, other levers as in ``base`` (None: forbidden)."""
    out = []
    for level in range(int(levels[:, lever].max()) + 1):
        want = base.copy()
        want[lever] = level
        hit = np.flatnonzero((levels == want).all(axis=1))
        out.append(int(hit[0]) if len(hit) else None)
    return out


def matrix_view(game) -> dict:
    """What the matrix page shows: ``kind`` ("full", "levers" or "summary"), the row and column
    ``labels``, the payoff matrices ``A`` and ``B`` (NaN where a combination is forbidden) and a ``note``."""
    m, n = game.shape
    if m <= MAX_ROWS and n <= MAX_COLS:
        return {"kind": "full", "rows": list(game.actions[0]), "cols": list(game.actions[1]),
                "A": np.asarray(game.A, float), "B": np.asarray(game.B, float), "note": ""}
    coop = tuple(game.cooperative) if game.cooperative is not None else (0, 0)
    if game.levers[0] and game.levers[1]:
        keys = [_main_lever(game, p, coop) for p in (0, 1)]
        idx = [_slice(np.asarray(game.action_levels[p]), keys[p], np.asarray(game.action_levels[p])[coop[p]])
               for p in (0, 1)]
        if len(idx[0]) <= MAX_ROWS and len(idx[1]) <= MAX_COLS:
            A = np.full((len(idx[0]), len(idx[1])), np.nan)
            B = A.copy()
            for r, i in enumerate(idx[0]):
                for c, j in enumerate(idx[1]):
                    if i is not None and j is not None:
                        A[r, c], B[r, c] = game.A[i, j], game.B[i, j]
            levers = [game.levers[p][keys[p]] for p in (0, 1)]
            held = []
            for p in (0, 1):
                setting = game.actions[p][coop[p]].split(", ")
                held.append(", ".join(s for s in setting if not s.startswith(levers[p].name + "=")) or "nothing else")
            note = (f"The full game has {m} × {n} = {m * n:,} profiles, too many to print. This is the matrix over "
                    f"each side's main lever (the one that moves the payoffs most from the cooperative profile): "
                    f"{game.player_ids[0]}.{levers[0].name} against {game.player_ids[1]}.{levers[1].name}. "
                    f"Every other lever stays at the cooperative profile — {game.player_ids[0]}: {held[0]}; "
                    f"{game.player_ids[1]}: {held[1]}.")
            return {"kind": "levers", "rows": [f"{levers[0].name}={lab}" for lab in levers[0].labels],
                    "cols": [f"{levers[1].name}={lab}" for lab in levers[1].labels], "A": A, "B": B, "note": note}
    named = {"cooperative profile": coop, "all conciliatory": (0, 0), "all hostile": (m - 1, n - 1)}
    rows = [f"{k}: {game.actions[0][i]} | {game.actions[1][j]}" for k, (i, j) in named.items()]
    A = np.array([[game.A[i, j]] for i, j in named.values()], float)
    B = np.array([[game.B[i, j]] for i, j in named.values()], float)
    note = (f"The full game has {m} × {n} = {m * n:,} profiles, too many to print, and its levers do not "
            f"give a printable slice: here are three named profiles. `tradesim show` lists all of them.")
    return {"kind": "summary", "rows": rows, "cols": ["payoffs"], "A": A, "B": B, "note": note}


def _fmt(x: float, integer: bool) -> str:
    if not np.isfinite(x):
        return "—"
    return (f"{x:.0f}" if integer else f"{x:.1f}").replace("-", "−")


def _matrix_page(game, scenario, view: dict, caption: str) -> Figure:
    fig = Figure(figsize=A4)
    ids = game.player_ids
    names = [scenario.players[pid].name for pid in ids]
    unit = scenario.meta.payoff_unit or "points"
    fig.text(_MARGIN, 1 - _MARGIN, "Payoff matrix" + (f" — {caption}" if caption else ""), fontsize=17,
             weight="bold", family=_SANS, va="top")
    intro = (f"{names[0]} chooses a row, {names[1]} a column, both at once. In each cell: {names[0]}'s payoff, "
             f"then {names[1]}'s ({unit}).")
    y = 1 - _MARGIN - 0.035
    for text, size, colour in ((intro, 10.5, "black"), (view["note"], 9.5, "#444444")):
        for part in textwrap.wrap(text, 95 if size > 10 else 105):
            fig.text(_MARGIN, y, part, fontsize=size, family=_SANS, color=colour, va="top")
            y -= size * 1.45 / 72 / A4[1]
        y -= 0.008
    rows, cols = view["rows"], view["cols"]
    A, B = view["A"], view["B"]
    finite = np.concatenate([A[np.isfinite(A)], B[np.isfinite(B)]])
    integer = bool(np.allclose(finite, np.round(finite))) if finite.size else True
    ax = fig.add_axes((_MARGIN, _MARGIN + 0.03, 1 - 2 * _MARGIN, y - _MARGIN - 0.05))
    ax.set_axis_off()
    nr, nc = len(rows), len(cols)
    head_w = 0.3 if view["kind"] != "summary" else 0.72
    cell_w, cell_h = (1 - head_w) / nc, min(0.12, 0.95 / (nr + 2))
    size = 13 if nc <= 3 and nr <= 4 else (10 if nc <= 5 else 8.5)
    top = 1.0
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    if view["kind"] != "summary":
        ax.text(head_w + (1 - head_w) / 2, top + cell_h * 0.1, f"{names[1]} plays", ha="center", va="bottom",
                fontsize=size, color=side_colour(1), family=_SANS)
        ax.text(0.005, top - cell_h * 0.75, f"{names[0]} plays", ha="left", va="center", fontsize=size,
                color=side_colour(0), family=_SANS, style="italic")
    for c, label in enumerate(cols):
        x = head_w + (c + 0.5) * cell_w
        ax.text(x, top - cell_h * 0.75, "\n".join(textwrap.wrap(label, max(8, int(cell_w * 110)))), ha="center",
                va="center", fontsize=size - 1, color=side_colour(1), weight="bold", family=_SANS)
    for r, label in enumerate(rows):
        yc = top - cell_h * (r + 2)
        ax.text(0.005, yc + cell_h / 2, "\n".join(textwrap.wrap(label, int(head_w * 100))), ha="left", va="center",
                fontsize=size - 1, color=side_colour(0), weight="bold", family=_SANS)
        for c in range(nc):
            x0 = head_w + c * cell_w
            ax.add_patch(_rect(x0, yc, cell_w, cell_h))
            ax.text(x0 + cell_w / 2 - 0.004, yc + cell_h / 2, _fmt(A[r, c], integer) + ",", ha="right", va="center",
                    fontsize=size + 1, color=side_colour(0), family=_SANS)
            ax.text(x0 + cell_w / 2 + 0.004, yc + cell_h / 2, _fmt(B[r, c], integer), ha="left", va="center",
                    fontsize=size + 1, color=side_colour(1), family=_SANS)
    fig.text(0.5, _MARGIN / 2, f"{scenario.meta.name} — payoff matrix", ha="center", fontsize=8, color="grey",
             family=_SANS)
    return fig


def _rect(x, y, w, h):
    return Rectangle((x, y), w, h, fill=False, linewidth=0.8, edgecolor="#555555", clip_on=False)


def _card_pages(scenario, game, p: int) -> list[Figure]:
    """Cut-out cards: one per action (matrix game) or per lever level, 3 x 6 to a page."""
    pid = scenario.player_ids[p]
    player = scenario.players[pid]
    if player.actions:
        cards = [(a, "action") for a in player.actions]
    else:
        cards = [(label, f"{_words(name)}" + (f" = {_number(v)} {lever.unit or ''}".rstrip()))
                 for name, lever in player.levers.items()
                 for label, v in zip(lever.labels or tuple(_number(x) for x in lever.levels), lever.levels)]
    figures = []
    per_page, ncol = 18, 3
    for start in range(0, len(cards), per_page):
        fig = Figure(figsize=A4)
        fig.text(_MARGIN, 1 - _MARGIN, f"{player.name}: cards to cut out", fontsize=15, weight="bold",
                 family=_SANS, va="top")
        ax = fig.add_axes((_MARGIN, _MARGIN, 1 - 2 * _MARGIN, 1 - 2 * _MARGIN - 0.04))
        ax.set_axis_off()
        ax.set_xlim(0, ncol)
        ax.set_ylim(-per_page // ncol, 0)
        for k, (big, small) in enumerate(cards[start:start + per_page]):
            col, row = k % ncol, k // ncol
            ax.add_patch(FancyBboxPatch((col + 0.05, -row - 0.95), 0.9, 0.9, boxstyle="round,pad=0,rounding_size=0.05",
                                        fill=False, linestyle="--", linewidth=0.8, edgecolor=side_colour(p)))
            ax.text(col + 0.5, -row - 0.2, player.name, ha="center", va="center", fontsize=8.5, color=side_colour(p),
                    family=_SANS)
            ax.text(col + 0.5, -row - 0.5, "\n".join(textwrap.wrap(big, 14)), ha="center", va="center", fontsize=15,
                    weight="bold", family=_SANS)
            ax.text(col + 0.5, -row - 0.8, "\n".join(textwrap.wrap(small, 24)), ha="center", va="center",
                    fontsize=8.5, color="#444444", family=_SANS)
        figures.append(fig)
    return figures


def handout_figures(scenario, *, source: str | None = None) -> list[Figure]:
    """The handout's pages for a loaded scenario, as A4 Figures (see the module docstring)."""
    game = build_game(scenario, source=source)
    pages = _Pages(f"{scenario.meta.name} — handout made by tradesim from the scenario file")
    for p in (0, 1):
        _lever_card(pages, scenario, p)
        if p == 0:
            pages._new()
    figures = list(pages.figures)
    if scenario.has_state:
        states = _Pages(f"{scenario.meta.name} — the state")
        _state_card(states, scenario)
        figures += states.figures
        dynamic = build_dynamic_game(scenario, source=source)
        keys = list(dynamic.states.keys())
        shown = range(len(keys)) if len(keys) <= MAX_STATE_PAGES else [dynamic.states.initial]
        for k in shown:
            stage = dynamic.stage(k)
            figures.append(_matrix_page(stage, scenario, matrix_view(stage), f"state {keys[k]}"))
    else:
        figures.append(_matrix_page(game, scenario, matrix_view(game), ""))
    for p in (0, 1):
        figures += _card_pages(scenario, game, p)
    return figures


def write_handout(scenario, path: str | os.PathLike, *, source: str | None = None, option: str = "-o") -> Path:
    """Write the handout of ``scenario`` to the PDF ``path``; nothing is left behind on failure."""
    target = Path(path)
    if target.suffix.lower() != ".pdf":
        raise InputError(f"a handout is a PDF: name a file ending in .pdf, not {target.name!r}", key=option)
    figures = handout_figures(scenario, source=source)  # every page drawn before a byte is written
    with atomic_path(target, what=option) as tmp:
        with PdfPages(tmp, metadata={"Creator": "tradesim", "Title": f"{scenario.meta.name}: handout",
                                     "CreationDate": None}) as pdf:
            for fig in figures:
                pdf.savefig(fig)
    return target
