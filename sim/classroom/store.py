"""SQLite storage of a live class: sessions, seats, pairs, one row per move, the strategies
students submitted and the class tournaments run on them.

Everything is written as it happens (stdlib :mod:`sqlite3`, WAL journal, ``synchronous=FULL``),
so a server killed at any moment and started again on the same file loses no acknowledged move
and resumes the session. The store knows nothing of games: it keeps integers and short strings,
and the uniqueness of ``(session, pair, round, side)`` is what makes a duplicate move impossible
even under concurrent requests.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Sequence

__all__ = ["Store", "SessionRow", "SeatRow", "PairRow", "MoveRow", "SCHEMA_VERSION", "utc_now"]

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    scenario TEXT NOT NULL,
    scenario_hash TEXT NOT NULL,
    settings TEXT NOT NULL,
    room_code TEXT NOT NULL UNIQUE,
    teacher_token TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS seats (
    session INTEGER NOT NULL REFERENCES sessions(id),
    seat INTEGER NOT NULL,
    token TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    joined_at TEXT NOT NULL,
    PRIMARY KEY (session, seat)
);
CREATE TABLE IF NOT EXISTS pairs (
    session INTEGER NOT NULL REFERENCES sessions(id),
    pair INTEGER NOT NULL,
    row_seat INTEGER,
    col_seat INTEGER,
    row_strategy TEXT,
    col_strategy TEXT,
    length INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (session, pair)
);
CREATE TABLE IF NOT EXISTS moves (
    id INTEGER PRIMARY KEY,
    session INTEGER NOT NULL REFERENCES sessions(id),
    pair INTEGER NOT NULL,
    round INTEGER NOT NULL,
    side INTEGER NOT NULL CHECK (side IN (0, 1)),
    seat INTEGER,
    action INTEGER NOT NULL,
    label TEXT NOT NULL,
    moved_at TEXT NOT NULL,
    UNIQUE (session, pair, round, side)
);
CREATE INDEX IF NOT EXISTS moves_by_pair ON moves (session, pair, round);
CREATE TABLE IF NOT EXISTS strategies (
    session INTEGER NOT NULL REFERENCES sessions(id),
    seat INTEGER NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    PRIMARY KEY (session, seat)
);
CREATE TABLE IF NOT EXISTS tournaments (
    id INTEGER PRIMARY KEY,
    session INTEGER NOT NULL REFERENCES sessions(id),
    result TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""


def utc_now() -> str:
    """The current time as an ISO 8601 UTC timestamp with milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class SessionRow:
    id: int
    created_at: str
    scenario: str
    scenario_hash: str
    settings: dict[str, Any]
    room_code: str
    teacher_token: str


@dataclass(frozen=True)
class SeatRow:
    session: int
    seat: int
    token: str
    name: str
    joined_at: str


@dataclass(frozen=True)
class PairRow:
    """A pair: each side is a student's seat or a strategy spec (the other is ``None``)."""

    session: int
    pair: int
    row_seat: int | None
    col_seat: int | None
    row_strategy: str | None
    col_strategy: str | None
    length: int
    created_at: str

    def seat(self, side: int) -> int | None:
        return self.row_seat if side == 0 else self.col_seat

    def strategy(self, side: int) -> str | None:
        return self.row_strategy if side == 0 else self.col_strategy

    def side_of(self, seat: int) -> int:
        return 0 if self.row_seat == seat else 1


@dataclass(frozen=True)
class MoveRow:
    session: int
    pair: int
    round: int
    side: int
    seat: int | None
    action: int
    label: str
    moved_at: str


class Store:
    """One SQLite file holding every classroom session played on it.

    One connection is shared by the server's threads behind a lock; :meth:`transaction` groups
    writes (``BEGIN IMMEDIATE`` ... ``COMMIT``) and nests.
    """

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._lock = threading.RLock()
        self._depth = 0
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10.0)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.executescript(_SCHEMA)  # idempotent: every statement is IF NOT EXISTS
        with self.transaction():
            found = self._conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if found is None:
                self._conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            elif int(found[0]) != SCHEMA_VERSION:
                raise ValueError(f"{self.path}: classroom database schema {found[0]}, expected {SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @property
    def journal_mode(self) -> str:
        return str(self._conn.execute("PRAGMA journal_mode").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the block's statements atomically (nested blocks join the outer one)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._conn
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._depth = 0

    def _all(self, sql: str, args: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, tuple(args)).fetchall()

    # ------------------------------------------------------------------ sessions
    def create_session(self, *, scenario: str, scenario_hash: str, settings: dict[str, Any], room_code: str,
                       teacher_token: str) -> SessionRow:
        with self.transaction() as c:
            cur = c.execute("INSERT INTO sessions (created_at, scenario, scenario_hash, settings, room_code, teacher_token)"
                            " VALUES (?, ?, ?, ?, ?, ?)",
                            (utc_now(), scenario, scenario_hash, json.dumps(settings, sort_keys=True), room_code,
                             teacher_token))
            return self.session(int(cur.lastrowid))  # type: ignore[arg-type]

    def session(self, session_id: int) -> SessionRow:
        rows = self._all("SELECT * FROM sessions WHERE id = ?", (session_id,))
        if not rows:
            raise KeyError(session_id)
        return _session(rows[0])

    def sessions(self) -> list[SessionRow]:
        return [_session(r) for r in self._all("SELECT * FROM sessions ORDER BY id")]

    def count_sessions(self) -> int:
        return int(self._all("SELECT COUNT(*) FROM sessions")[0][0])

    # ------------------------------------------------------------------ seats and pairs
    def add_seat(self, session: int, token: str, name: str) -> SeatRow:
        with self.transaction() as c:
            seat = int(c.execute("SELECT COALESCE(MAX(seat), -1) + 1 FROM seats WHERE session = ?",
                                 (session,)).fetchone()[0])
            row = SeatRow(session, seat, token, name, utc_now())
            c.execute("INSERT INTO seats VALUES (?, ?, ?, ?, ?)", (row.session, row.seat, row.token, row.name,
                                                                   row.joined_at))
            return row

    def seat_by_token(self, session: int, token: str) -> SeatRow | None:
        rows = self._all("SELECT * FROM seats WHERE session = ? AND token = ?", (session, token))
        return SeatRow(*rows[0]) if rows else None

    def seats(self, session: int) -> list[SeatRow]:
        return [SeatRow(*r) for r in self._all("SELECT * FROM seats WHERE session = ? ORDER BY seat", (session,))]

    def count_seats(self, session: int) -> int:
        return int(self._all("SELECT COUNT(*) FROM seats WHERE session = ?", (session,))[0][0])

    def waiting_seats(self, session: int) -> list[int]:
        """Seats of the session in no pair yet, in joining order."""
        rows = self._all("SELECT seat FROM seats s WHERE session = ? AND NOT EXISTS (SELECT 1 FROM pairs p WHERE "
                         "p.session = s.session AND (p.row_seat = s.seat OR p.col_seat = s.seat)) ORDER BY seat",
                         (session,))
        return [int(r[0]) for r in rows]

    def add_pair(self, session: int, *, row_seat: int | None, col_seat: int | None, row_strategy: str | None,
                 col_strategy: str | None, length: int) -> PairRow:
        with self.transaction() as c:
            pair = int(c.execute("SELECT COALESCE(MAX(pair), -1) + 1 FROM pairs WHERE session = ?",
                                 (session,)).fetchone()[0])
            c.execute("INSERT INTO pairs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      (session, pair, row_seat, col_seat, row_strategy, col_strategy, int(length), utc_now()))
            return self.pair(session, pair)  # type: ignore[return-value]

    def pair(self, session: int, pair: int) -> PairRow | None:
        rows = self._all("SELECT * FROM pairs WHERE session = ? AND pair = ?", (session, pair))
        return PairRow(*rows[0]) if rows else None

    def pair_of_seat(self, session: int, seat: int) -> PairRow | None:
        rows = self._all("SELECT * FROM pairs WHERE session = ? AND (row_seat = ? OR col_seat = ?)",
                         (session, seat, seat))
        return PairRow(*rows[0]) if rows else None

    def pairs(self, session: int) -> list[PairRow]:
        return [PairRow(*r) for r in self._all("SELECT * FROM pairs WHERE session = ? ORDER BY pair", (session,))]

    # ------------------------------------------------------------------ moves
    def add_moves(self, session: int, moves: Sequence[tuple[int, int, int, int | None, int, str]]) -> None:
        """Store ``(pair, round, side, seat, action, label)`` rows in one transaction.

        Raises :class:`sqlite3.IntegrityError` (and stores none) if any side already moved that round.
        """
        now = utc_now()
        with self.transaction() as c:
            c.executemany("INSERT INTO moves (session, pair, round, side, seat, action, label, moved_at) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                          [(session, p, r, s, seat, a, lab, now) for p, r, s, seat, a, lab in moves])

    def moves(self, session: int, pair: int | None = None) -> list[MoveRow]:
        cols = "session, pair, round, side, seat, action, label, moved_at"
        if pair is None:
            rows = self._all(f"SELECT {cols} FROM moves WHERE session = ? ORDER BY pair, round, side", (session,))
        else:
            rows = self._all(f"SELECT {cols} FROM moves WHERE session = ? AND pair = ? ORDER BY round, side",
                             (session, pair))
        return [MoveRow(*r) for r in rows]

    def count_moves(self, session: int) -> int:
        return int(self._all("SELECT COUNT(*) FROM moves WHERE session = ?", (session,))[0][0])


    # ------------------------------------------------------------------ class tournament
    def put_strategy(self, session: int, seat: int, source: str, sha256: str) -> None:
        """Store (or replace) the strategy a seat submitted."""
        with self.transaction() as c:
            c.execute("INSERT OR REPLACE INTO strategies VALUES (?, ?, ?, ?, ?)",
                      (session, seat, source, sha256, utc_now()))

    def strategies(self, session: int) -> list[tuple[int, str, str, str]]:
        """``(seat, source, sha256, submitted_at)`` of every submitted strategy, by seat."""
        return [(int(r[0]), r[1], r[2], r[3]) for r in self._all(
            "SELECT seat, source, sha256, submitted_at FROM strategies WHERE session = ? ORDER BY seat", (session,))]

    def add_tournament(self, session: int, result: dict[str, Any]) -> None:
        with self.transaction() as c:
            c.execute("INSERT INTO tournaments (session, result, created_at) VALUES (?, ?, ?)",
                      (session, json.dumps(result, sort_keys=True), utc_now()))

    def latest_tournament(self, session: int) -> dict[str, Any] | None:
        rows = self._all("SELECT result, created_at FROM tournaments WHERE session = ? ORDER BY id DESC LIMIT 1",
                         (session,))
        return {**json.loads(rows[0][0]), "run_at": rows[0][1]} if rows else None


def _session(row: tuple) -> SessionRow:
    return SessionRow(int(row[0]), row[1], row[2], row[3], json.loads(row[4]), row[5], row[6])
