"""The classroom on a game with state: each pair's state moves with its moves, payoffs are the state's."""

from __future__ import annotations

import numpy as np
import pytest

from sim.classroom.duel import Duel
from sim.classroom.tally import export_rows


def _levels(lever: str, label: str) -> dict[str, str]:
    return {lever: label}


def _play(room, a, b, moves):
    for t, (x, y) in enumerate(moves, 1):
        room.move(a, t, _levels("export", x))
        room.move(b, t, _levels("invest", y))


def test_leverage_wears_out_round_by_round(db, open_room):
    room, _ = open_room(db, "leverage_game", rounds=5, seed=3)
    a, b = room.join(room.session.room_code), room.join(room.session.room_code)
    dyn = room.cg.dynamic
    assert dyn is not None and room.state(a)["state"] == {"leverage": "high"}
    # the supplier stays open and the buyer diversifies: leverage falls one level a round, for certain
    _play(room, a, b, [("open", "diversify")] * 4)
    st = room.state(a)
    assert [h["state"]["leverage"] for h in st["history"]] == ["high", "medium", "low", "none"]
    assert st["state"] == {"leverage": "none"}
    A, B = dyn.payoffs()
    levels = {"high": 3, "medium": 2, "low": 1, "none": 0}
    for h in st["history"]:
        s = [k for k in range(dyn.n_states) if dyn.states.key(k) == f"leverage={h['state']['leverage']}"][0]
        assert h["payoff"]["you"] == pytest.approx(A[s, 0, 1]) and levels[h["state"]["leverage"]] == s
        assert sum(h["terms"]["you"].values()) == pytest.approx(h["payoff"]["you"])
    # the tally and the export read the same states and payoffs
    tally = room.tally()
    assert tally["students"][0]["score"] == pytest.approx(st["score"]["you"])
    rows = room.export()
    assert [r["state"] for r in rows] == ["leverage=high", "leverage=medium", "leverage=low", "leverage=none"]


def test_random_erosion_is_seeded_and_survives_a_restart(db, open_room):
    room, _ = open_room(db, "leverage_game", rounds=6, seed=5)
    a, b = room.join(room.session.room_code), room.join(room.session.room_code)
    _play(room, a, b, [("restrict", "rely")] * 6)
    before = [h["state"]["leverage"] for h in room.state(a)["history"]]
    assert len(set(before)) > 1  # restriction erodes leverage by chance (probability 0.5 a round)
    again, resumed = open_room(db, "leverage_game", rounds=6, seed=5)
    assert resumed
    seat = again.seat_for(a.token)
    assert [h["state"]["leverage"] for h in again.state(seat)["history"]] == before
    # another seed draws another path for the same moves
    other, _ = open_room(db, "leverage_game", rounds=6, seed=6, new=True)
    c, d = other.join(other.session.room_code), other.join(other.session.room_code)
    _play(other, c, d, [("restrict", "rely")] * 6)
    paths = {tuple(h["state"]["leverage"] for h in other.state(c)["history"])}
    rows = export_rows(other.cg, other.id, other.store.pairs(other.id), other.store.moves(other.id), other.seed_key)
    assert tuple(r["state"].split("=")[1] for r in rows) in paths


def test_duel_with_state(tmp_path):
    from sim.model.dynamic import build_dynamic_game
    from sim.model.load import load_scenario
    from tests.conftest import SCENARIOS

    game = build_dynamic_game(load_scenario(SCENARIOS / "leverage_game.toml"))
    d = Duel.start(game, "always_cooperate", side="buyer", rounds=4, seed=1)
    assert d.state_now() == {"leverage": "high"}
    for _ in range(3):
        d.play({"invest": "diversify"})
    assert d.state_now() == {"leverage": "none"}
    assert [r.state["leverage"] for r in d.history] == ["high", "medium", "low"]
    A, B = game.payoffs()
    assert [r.payoffs[1] for r in d.history] == pytest.approx([B[s, 0, 1] for s in (3, 2, 1)])
    assert np.isfinite(d.summary()["tit_for_tat_score"])
