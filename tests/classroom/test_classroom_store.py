"""The classroom store: WAL, one row per move, and a restart that resumes the session."""

from __future__ import annotations

import sqlite3

import pytest

from sim.classroom.errors import ClassroomError
from sim.classroom.store import Store


def test_the_store_uses_wal_and_keeps_one_row_per_move(db, open_room):
    room, resumed = open_room(db, rounds=3, opponent="tit_for_tat", seed=1)
    assert not resumed and room.store.journal_mode == "wal"
    seat = room.join(room.session.room_code, "Ann")
    room.move(seat, 1, {"action": "D"})
    rows = sqlite3.connect(db).execute("SELECT session, pair, round, side, seat, action, label, moved_at FROM moves "
                                       "ORDER BY side").fetchall()
    assert [r[:7] for r in rows] == [(room.id, 0, 0, 0, 0, 1, "D"), (room.id, 0, 0, 1, None, 0, "C")]
    assert all(r[7].endswith("+00:00") for r in rows)


def test_a_restart_resumes_the_session_and_loses_nothing(db, open_room):
    room, _ = open_room(db, rounds=4, seed=3)
    a = room.join(room.session.room_code, "Ann")
    b = room.join(room.session.room_code, "Bob")
    room.move(a, 1, {"action": "C"})
    room.move(b, 1, {"action": "D"})
    room.move(a, 2, {"action": "D"})  # round 2 half played when the server dies
    room.store.close()

    again, resumed = open_room(db, rounds=4)
    assert resumed and again.id == room.id
    assert again.session.room_code == room.session.room_code
    assert again.session.teacher_token == room.session.teacher_token
    a2 = again.seat_for(a.token)
    state = again.state(a2)
    assert state["status"] == "waiting_for_other" and state["round"] == 2
    assert [h["you"] for h in state["history"]] == [{"action": "C"}]
    with pytest.raises(ClassroomError, match="already moved"):
        again.move(a2, 2, {"action": "C"})
    again.move(again.seat_for(b.token), 2, {"action": "D"})
    assert again.state(a2)["round"] == 3
    assert again.store.count_moves(again.id) == 4


def test_other_settings_start_a_new_session_and_new_session_forces_one(db, open_room):
    first, _ = open_room(db, rounds=4)
    other, resumed = open_room(db, rounds=5)
    assert not resumed and other.id != first.id
    forced, resumed = open_room(db, rounds=4, new=True)
    assert not resumed and forced.id not in (first.id, other.id)
    assert len({r.room_code for r in Store(db).sessions()}) == 3


def test_a_duplicate_move_is_refused_by_the_database_itself(db, open_room):
    room, _ = open_room(db, rounds=2, opponent="always_defect")
    seat = room.join(room.session.room_code)
    room.move(seat, 1, {"action": "C"})
    with pytest.raises(sqlite3.IntegrityError):
        room.store.add_moves(room.id, [(0, 0, 0, 0, 1, "D")])
    assert room.store.count_moves(room.id) == 2


def test_a_random_end_is_reproducible_from_the_seed(db, tmp_path, open_room):
    room, _ = open_room(db, continuation=0.8, max_rounds=30, seed=7, opponent="tit_for_tat")
    seats = [room.join(room.session.room_code) for _ in range(6)]
    lengths = [room.store.pair_of_seat(room.id, s.seat).length for s in seats]
    twin, _ = open_room(tmp_path / "twin.sqlite", continuation=0.8, max_rounds=30, seed=7, opponent="tit_for_tat")
    twins = [twin.join(twin.session.room_code) for _ in range(6)]
    assert lengths == [twin.store.pair_of_seat(twin.id, s.seat).length for s in twins]
    assert len(set(lengths)) > 1 and all(1 <= n <= 30 for n in lengths)
