"""Reading and checking an events CSV: dated moves of a scenario's players, in the scenario's levels.

The format is documented in ``docs/replay.md`` (the contract). In short: one row per move, with the
columns ``date`` (``YYYY-MM-DD``), ``player`` (a player id, or ``state``), ``lever`` (a lever of that
player, or a state variable), ``level`` (a level label or value; another number is snapped to the
nearest level of the grid), and optional ``kind`` (``move``, ``initial`` or ``state``), ``period``,
``note`` and ``source``. Row numbers in errors count the header as row 1, as a spreadsheet does.

No cell of a column the file is read by may hold a control character (a terminal escape would reach
the terminal through ``replay``'s output); ``note`` and ``source`` may hold tabs.

Levels are read by :func:`sim.model.actions.level_index` (labels, values, ``"47%"``); only a number
that is no level of the grid is snapped here (the *level mapping rule*: the nearest level, the more
conciliatory one on an exact tie), and the row records that it was.
"""

from __future__ import annotations

import csv
import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from sim._files import MAX_EVENTS_BYTES, read_text_capped
from sim.errors import InputError
from sim.model.actions import LeverInfo, snap_level

__all__ = ["KINDS", "REQUIRED", "EventRow", "EventLog", "read_events"]

#: What a row does: a scored move, a starting level (not scored), or a state variable's level.
KINDS = ("move", "initial", "state")
REQUIRED = ("date", "player", "lever", "level")
OPTIONAL = ("kind", "period", "note", "source")
#: The ``player`` of a row that sets a state variable.
STATE_PLAYER = "state"
MAX_ROWS = 100_000

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_NOTES = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")  # a tab is text
_FREE_TEXT = ("note", "source")


@dataclass(frozen=True)
class EventRow:
    """One checked row of an events file.

    Attributes
    ----------
    row : its row number in the file (the header is row 1).
    date : the date.
    kind : ``move``, ``initial`` or ``state``.
    player : index of the player (0 row, 1 column), or ``None`` for a state row.
    lever : index of the lever among the player's levers, or of the state variable.
    name : the lever's (or state variable's) name.
    level : index of the level set.
    given : the level as written in the file.
    snapped : whether ``given`` was a number snapped to the nearest level.
    period, note, source : labels carried into the output (``period`` defaults to the year).
    """

    row: int
    date: _dt.date
    kind: str
    player: int | None
    lever: int
    name: str
    level: int
    given: str
    snapped: bool
    period: str
    note: str = ""
    source: str = ""

    @property
    def scored(self) -> bool:
        return self.kind == "move"


@dataclass(frozen=True)
class EventLog:
    """The rows of an events file in the order they are applied (by date, stable for equal dates)."""

    path: str
    rows: tuple[EventRow, ...]
    player_ids: tuple[str, str]

    @property
    def moves(self) -> tuple[EventRow, ...]:
        return tuple(r for r in self.rows if r.scored)

    @property
    def periods(self) -> tuple[str, ...]:
        """Periods of the scored moves, in order of first appearance."""
        return tuple(dict.fromkeys(r.period for r in self.moves))

    def dates(self) -> list[list[EventRow]]:
        """The rows grouped by date, in date order."""
        groups: list[list[EventRow]] = []
        for r in self.rows:
            if groups and groups[-1][0].date == r.date:
                groups[-1].append(r)
            else:
                groups.append([r])
        return groups


def read_events(path: str | Path, space: Any, *, state: Any = None) -> EventLog:
    """Read and check an events CSV against a game.

    Parameters
    ----------
    path : the CSV file.
    space : the game (:class:`~sim.model.game.StageGame` or :class:`~sim.model.dynamic.DynamicGame`):
        its ``player_ids`` and ``levers``.
    state : the game's :class:`~sim.model.dynamic.StateSpace`, if it has state.

    Raises
    ------
    InputError
        naming the file, the row and the column of the first problem.
    """
    source = str(path)
    text = read_text_capped(path, what="events CSV", cap=MAX_EVENTS_BYTES)
    reader = csv.reader(text.splitlines())
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InputError("empty file; expected a header row with " + ", ".join(REQUIRED), file=source) from None
    for col in REQUIRED:
        if col not in header:
            raise InputError(f"missing column {col!r} (the header has: {', '.join(h for h in header if h)})",
                             file=source, key="row 1")
    where = {col: header.index(col) for col in (*REQUIRED, *OPTIONAL) if col in header}
    rows: list[EventRow] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise InputError(f"more than {MAX_ROWS:,} rows", file=source, key=f"row {reader.line_num}")
        values = {col: (cells[i].strip() if i < len(cells) else "") for col, i in where.items()}
        rows.append(_check_row(values, reader.line_num, space, state, source))
    if not rows:
        raise InputError("no rows below the header", file=source)
    rows.sort(key=lambda r: r.date)  # stable: equal dates keep file order
    return EventLog(source, tuple(rows), tuple(space.player_ids))  # type: ignore[arg-type]


def _check_row(values: dict[str, str], line: int, space: Any, state: Any, source: str) -> EventRow:
    def fail(column: str, message: str):
        raise InputError(message, file=source, key=f"row {line}, column {column}")

    for column, text in values.items():
        found = (_CONTROL_IN_NOTES if column in _FREE_TEXT else _CONTROL).search(text)
        if found:
            fail(column, f"contains the control character U+{ord(found.group()):04X}; control characters and "
                 "terminal escapes are not allowed")

    date_text = values["date"]
    if not _DATE.fullmatch(date_text):
        fail("date", f"expected a date YYYY-MM-DD, got {date_text!r}")
    try:
        date = _dt.date.fromisoformat(date_text)
    except ValueError:
        fail("date", f"no such date {date_text!r}")
    pid = values["player"]
    kind = values.get("kind", "").lower() or ("state" if pid == STATE_PLAYER else "move")
    if kind not in KINDS:
        fail("kind", f"unknown kind {kind!r} (kinds: {', '.join(KINDS)})")
    ids = tuple(space.player_ids)
    if (kind == "state") != (pid == STATE_PLAYER):
        fail("kind" if "kind" in values and values["kind"] else "player",
             f"a state variable is set by player {STATE_PLAYER!r} with kind 'state'; got player {pid!r}, kind {kind!r}")
    name = values["lever"]
    if kind == "state":
        player, infos, what = None, _state_infos(state), "state variable"
        if not infos:
            fail("player", "the scenario has no state variables")
    else:
        if pid not in ids:
            fail("player", f"no player {pid!r} (players: {', '.join(ids)}, or {STATE_PLAYER!r} for a state variable)")
        player = ids.index(pid)
        infos, what = tuple(space.levers[player]), f"lever of {pid}"
        if not name and len(infos) == 1:
            name = infos[0].name
    names = [lv.name for lv in infos]
    if name not in names:
        implicit = kind == "state" and state is not None and name in state.names
        fail("lever", f"{name!r} follows the lever it names and cannot be set" if implicit else
             f"no {what} {name!r} ({what}s: {', '.join(names)})")
    info = infos[names.index(name)]
    if not values["level"]:
        fail("level", f"empty level (levels of {name}: {', '.join(info.labels)})")
    try:
        level, snapped = snap_level(info, values["level"], key="level")
    except InputError as exc:
        fail("level", exc.message)
    return EventRow(row=line, date=date, kind=kind, player=player, lever=names.index(name), name=name,
                    level=level, given=values["level"], snapped=snapped,
                    period=values.get("period", "") or str(date.year), note=values.get("note", ""),
                    source=values.get("source", ""))


def _state_infos(state: Any) -> Sequence[LeverInfo]:
    """The declared state variables as levers (``prev.*`` ones follow the levers and are left out)."""
    if state is None:
        return ()
    return tuple(LeverInfo(name, tuple(state.levels[k]), tuple(state.labels[k]))
                 for k, name in enumerate(state.names) if not name.startswith("prev."))
