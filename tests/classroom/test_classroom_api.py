"""The classroom's HTTP API through Starlette's TestClient: play, tokens, validation, tally, export."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx2")  # what starlette.testclient uses

from starlette.testclient import TestClient  # noqa: E402

from sim.classroom.server import MAX_BODY, SEAT_COOKIE, create_app  # noqa: E402


@pytest.fixture
def room(db, open_room):
    return open_room(db, rounds=5, seed=11)[0]


def _client(room) -> TestClient:
    return TestClient(create_app(room, join_url="http://testserver/?code=X"))


def _join(room, name="") -> tuple[TestClient, str]:
    client = _client(room)
    r = client.post("/api/join", json={"code": room.session.room_code.lower(), "name": name})
    assert r.status_code == 200, r.text
    assert SEAT_COOKIE in r.cookies
    return client, r.json()["token"]


def _move(client, round_, action, **kw):
    return client.post("/api/move", json={"round": round_, "levels": {"action": action}}, **kw)


def test_two_students_play_five_rounds(room):
    ann, _ = _join(room, "Ann")
    bob, _ = _join(room, "Bob")
    assert ann.get("/api/state").json()["status"] == "choose"
    plan = [("C", "C"), ("C", "D"), ("D", "D"), ("C", "C"), ("D", "C")]
    for t, (a, b) in enumerate(plan, 1):
        r = _move(ann, t, a)
        assert r.status_code == 200, r.text
        st = r.json()
        assert st["status"] == "waiting_for_other"
        # the other's move of an unfinished round is never shown
        assert len(st["history"]) == t - 1
        assert bob.get("/api/state").json()["other_moved"] is True
        r = _move(bob, t, b)
        assert r.status_code == 200, r.text
        assert r.json()["history"][-1]["other"] == {"action": a}
    st = ann.get("/api/state").json()
    assert st["status"] == "finished" and len(st["history"]) == 5
    A = {("C", "C"): 3, ("C", "D"): 0, ("D", "C"): 5, ("D", "D"): 1}
    assert st["score"]["you"] == sum(A[p] for p in plan)
    assert st["score"]["other"] == sum(A[(b, a)] for a, b in plan)
    assert st["history"][1]["terms"] == {"you": {"payoff": 0.0}, "other": {"payoff": 5.0}}
    assert _move(ann, 6, "C").json() == {"error": "your game is over"}


def test_a_student_cannot_move_for_the_other_seat(room):
    ann, ann_token = _join(room)
    bob, bob_token = _join(room)
    # Ann's cookie with Bob's seat number in the body does nothing: the seat comes from the token only
    r = ann.post("/api/move", json={"round": 1, "levels": {"action": "D"}, "seat": 2})
    assert r.status_code == 400 and "unknown field" in r.json()["error"]
    stranger = _client(room)
    r = _move(stranger, 1, "D")
    assert r.status_code == 403 and r.json() == {"error": "no seat: join the class first"}
    r = _move(stranger, 1, "D", headers={"X-Seat-Token": bob_token[:-2] + "xx"})
    assert r.status_code == 403
    assert room.store.count_moves(room.id) == 0
    assert _move(stranger, 1, "D", headers={"X-Seat-Token": bob_token}).status_code == 200
    moves = room.store.moves(room.id)
    assert [(m.seat, m.label) for m in moves] == [(1, "D")]
    assert ann.get("/api/state").json()["moved"] is False


def test_the_teacher_page_needs_its_token(room):
    client, _ = _join(room)
    for url in ("/teacher", "/teacher?token=wrong", "/teacher/api/tally", "/teacher/export.csv?token=",
                f"/teacher/api/tally?token={room.session.room_code}"):
        r = client.get(url)
        assert r.status_code == 403, url
    token = room.session.teacher_token
    r = client.get(f"/teacher?token={token}")
    assert r.status_code == 200 and room.session.room_code in r.text and "Critical discount factors" in r.text
    assert r.headers["referrer-policy"] == "no-referrer"
    assert client.get("/teacher/api/tally", headers={"X-Teacher-Token": token}).status_code == 200


@pytest.mark.parametrize("body, status, message", [
    ({"round": 1, "levels": {"colour": "C"}}, 400, "no lever 'colour'"),
    ({"round": 1, "levels": {"action": "Z"}}, 400, "no level 'Z'"),
    ({"round": 1, "levels": {"action": True}}, 400, "must be one of its labels"),
    ({"round": 1, "levels": {}}, 400, "missing 'action'"),
    ({"round": 1, "levels": ["C"]}, 400, "levels must be an object"),
    ({"round": 2, "levels": {"action": "C"}}, 400, "round 2 is not being played"),
    ({"round": "1", "levels": {"action": "C"}}, 400, "round must be an integer"),
    ({"levels": {"action": "C"}}, 400, "needs round and levels"),
    ([1, 2], 400, "must be a JSON object"),
], ids=["unknown-lever", "unknown-level", "boolean-level", "no-level", "levels-list", "wrong-round",
        "round-text", "no-round", "not-object"])
def test_bad_moves_are_one_json_error_and_store_nothing(room, body, status, message):
    ann, _ = _join(room)
    _join(room)
    r = ann.post("/api/move", json=body)
    assert r.status_code == status
    assert list(r.json()) == ["error"] and message in r.json()["error"]
    assert room.store.count_moves(room.id) == 0


def test_duplicate_moves_bodies_and_joins_are_refused(room):
    ann, _ = _join(room)
    _join(room)
    assert _move(ann, 1, "C").status_code == 200
    r = _move(ann, 1, "D")
    assert r.status_code == 400 and r.json() == {"error": "you already moved in round 1"}
    r = ann.post("/api/move", content=b'{"round": 1, ', headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]
    r = ann.post("/api/move", content=b'{"round": 1}', headers={"Content-Type": "text/plain"})
    assert r.status_code == 400 and "Content-Type" in r.json()["error"]
    r = ann.post("/api/move", content=b"x" * (MAX_BODY + 1), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and str(MAX_BODY) in r.json()["error"]
    r = ann.post("/api/join", json={"code": "WRONG1"})
    assert r.status_code == 403 and r.json() == {"error": "wrong room code"}
    r = ann.post("/api/join", json={"code": room.session.room_code, "name": "x" * 41})
    assert r.status_code == 400
    assert ann.get("/nowhere").status_code == 404 and "error" in ann.get("/nowhere").json()
    assert ann.delete("/api/move").status_code == 405
    assert room.store.count_moves(room.id) == 1 and room.store.count_seats(room.id) == 2


def test_the_class_is_bounded(room, monkeypatch):
    import sim.classroom.room as room_module

    monkeypatch.setattr(room_module, "MAX_SEATS", 3)
    for _ in range(3):
        _join(room)
    r = _client(room).post("/api/join", json={"code": room.session.room_code})
    assert r.status_code == 403 and "full" in r.json()["error"]


def test_names_are_escaped_in_pages_and_never_sent_as_html(room):
    client, _ = _join(room, '<img src=x onerror="alert(1)">')
    html = client.get(f"/teacher?token={room.session.teacher_token}").text
    assert "<img" not in html
    assert "Content-Security-Policy" in client.get("/play").headers  # header names are case-insensitive
    assert client.get("/teacher/api/tally", params={"token": room.session.teacher_token}).json()["students"] == []
    js = client.get("/static/classroom.js").text
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js


def test_text_from_the_request_is_escaped_in_the_join_page(room):
    # the names above reach no server-rendered page; the join URL's code does
    client = _client(room)
    html = client.get("/", params={"code": '"><img src=x onerror=alert(1)>'}).text
    assert "<img" not in html and 'value="&quot;&gt;&lt;img' in html


def test_a_streamed_body_over_the_limit_is_refused(room):
    def chunks():  # no Content-Length: the bytes received are counted
        yield from (b"x" * 2000 for _ in range(MAX_BODY // 2000 + 1))

    r = _client(room).post("/api/join", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json() == {"error": f"request body over {MAX_BODY} bytes"}
    assert r.headers["cache-control"] == "no-store" and room.store.count_seats(room.id) == 0


def _stored_tally(room):
    """The tally recomputed by hand from the rows of the moves table."""
    rows = room.store._all("SELECT pair, round, side, action FROM moves WHERE session = ?", (room.id,))
    by = {}
    for pair, rnd, side, action in rows:
        by.setdefault((pair, rnd), {})[side] = action
    out = Counter()
    for (pair, rnd), sides in by.items():
        if len(sides) == 2:
            kind = {(0, 0): "cooperated", (1, 1): "escalated"}.get((sides[0], sides[1]), "mixed")
            out[(rnd + 1, kind)] += 1
    return out, by


def test_the_teacher_tally_equals_the_stored_moves_and_the_export_loads_in_pandas(db, open_room):
    pd = pytest.importorskip("pandas")
    room = open_room(db, rounds=4, seed=5)[0]
    clients = [_join(room, f"s{k}")[0] for k in range(6)]
    plans = ["CCDD", "CDDC", "CCCC", "CCCD", "DDDD", "CDCD"]
    for t in range(4):
        for client, plan in zip(clients, plans):
            assert _move(client, t + 1, plan[t]).status_code == 200
    _move(clients[0], 5, "C")  # refused: the game is over
    extra = _join(room, "late")[0]  # waits for a partner
    tally = _client(room).get("/teacher/api/tally", params={"token": room.session.teacher_token}).json()
    counts, by = _stored_tally(room)
    got = Counter({(r["round"], k): r[k] for r in tally["rounds"] for k in ("cooperated", "mixed", "escalated") if r[k]})
    assert got == counts
    assert tally["moves"] == len(room.store.moves(room.id)) == 24
    assert tally["waiting"] == [7] and extra.get("/api/state").json()["status"] == "waiting_for_partner"
    # pair 1 = seats 1, 2: CC then CD: the truce is broken in round 2 by col
    assert {"pair": 1, "round": 2, "by": ["col"]} in tally["truces_broken"]
    # tit for tat against seat 1's moves C C D D: C C C D -> seat 1 scores 3+3+5+1, tit for tat 3+3+0+1
    s1 = next(s for s in tally["students"] if s["seat"] == 1)
    assert (s1["score_against_tit_for_tat"], s1["tit_for_tat_score"]) == (12, 7)
    r = _client(room).get("/teacher/export.csv", params={"token": room.session.teacher_token})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.StringIO(r.text))
    assert list(frame.columns[:6]) == ["replicate", "round", "row_action", "row_payoff", "col_action", "col_payoff"]
    assert len(frame) == 12
    first = frame[(frame.replicate == 0)].sort_values("round")
    assert first.row_action.tolist() == list("CCDD") and first.col_action.tolist() == list("CDDC")
    assert first.row_payoff.tolist() == [3.0, 0.0, 1.0, 5.0]
    assert sorted(frame.row_seat.unique().tolist()) == [1, 3, 5]


def test_a_strategy_opponent_answers_at_once_from_the_registry(db, open_room):
    room = open_room(db, rounds=3, opponent="tit_for_tat", seed=2)[0]
    ann, _ = _join(room)
    bob, _ = _join(room)
    assert ann.get("/api/state").json()["side"] == "row" and bob.get("/api/state").json()["side"] == "col"
    for t, a in enumerate("DCC", 1):
        st = _move(ann, t, a).json()
        assert st["round"] == (t + 1 if t < 3 else None)
    assert [h["other"]["action"] for h in st["history"]] == list("CDC")
    assert st["status"] == "finished"


# ---------------------------------------------------------------- the class tournament
TWO_STRIKES = (Path(__file__).resolve().parents[2] / "scenarios" / "strategies" / "two_strikes.toml").read_text()


def test_students_submit_strategies_and_the_teacher_runs_the_tournament(room):
    from sim.model.load import parse_toml
    from sim.model.strategy_file import strategy_from_dict
    from sim.repeated.rules import RuleStrategy
    from sim.repeated.strategies import CLASSIC
    from sim.repeated.tournament import round_robin

    ann, _ = _join(room, "Ann")
    bob, _ = _join(room, "Bob")
    assert ann.get("/api/strategy").json()["source"] is None
    r = ann.post("/api/strategy", json={"source": TWO_STRIKES})
    assert r.status_code == 200 and r.json()["source"] == TWO_STRIKES
    grim = TWO_STRIKES.replace('name = "two_strikes"', 'name = "grudge"').replace('{ after = 2, goto = "calm" }', "")
    assert bob.post("/api/strategy", json={"source": grim}).status_code == 200
    teacher = {"token": room.session.teacher_token}
    client = _client(room)
    assert client.post("/teacher/api/tournament", json={}).status_code == 403  # no token
    r = client.post("/teacher/api/tournament", params=teacher, json={})
    assert r.status_code == 200, r.text
    result = r.json()["tournament"]
    names = [row["strategy"] for row in result["rows"]]
    assert "seat 1: two_strikes (Ann)" in names and "seat 2: grudge (Bob)" in names and len(names) == 2 + len(CLASSIC)
    # the same round robin, run directly on the same game, settings and seed
    subs = [RuleStrategy(strategy_from_dict(parse_toml(src, source="x")), path=label, digest="")
            for src, label in ((TWO_STRIKES, "seat 1: two_strikes (Ann)"), (grim, "seat 2: grudge (Bob)"))]
    direct = round_robin(room.cg.game, [*subs, *CLASSIC], rounds=room.cg.rounds, replicates=result["replicates"],
                         seed=result["seed"], cooperative=room.cg.cooperative)
    assert names == direct.ranked_names
    by_name = {row["strategy"]: row["mean_payoff"] for row in result["rows"]}
    for i, name in enumerate(direct.strategies):
        assert by_name[name] == pytest.approx(float(direct.mean_payoff[i]))
    # stored: the tally (and a restarted server) shows it
    tally = client.get("/teacher/api/tally", params=teacher).json()
    assert tally["tournament"]["rows"] == result["rows"] and [s["seat"] for s in tally["strategies"]] == [1, 2]


@pytest.mark.parametrize("source, words", [
    ("[strategy\n", "not valid TOML"),
    (TWO_STRIKES.replace('goto = "calm"', 'goto = "calmm"'), "states.punish.rules.0.goto: no state 'calmm'"),
    (TWO_STRIKES.replace("times = 2", "times = 0"), "states.calm.rules.0.times"),
    ("x" * 3001, "at most 3000"),
    (5, "must be text"),
])
def test_a_bad_strategy_is_one_message_and_nothing_stored(room, source, words):
    ann, _ = _join(room, "Ann")
    r = ann.post("/api/strategy", json={"source": source})
    assert r.status_code == 400 and words in r.json()["error"], r.text
    assert room.store.strategies(room.id) == []
    assert _client(room).post("/api/strategy", json={"source": TWO_STRIKES}).status_code == 403  # no seat


def test_a_lone_student_is_paired_with_a_strategy(room):
    ann, _ = _join(room, "Ann")
    assert ann.get("/api/state").json()["status"] == "waiting_for_partner"
    client, teacher = _client(room), {"token": room.session.teacher_token}
    for bad in ({"strategy": "nope"}, {"strategy": ""}, {"who": 1}):
        assert client.post("/teacher/api/pair-waiting", params=teacher, json=bad).status_code == 400
    r = client.post("/teacher/api/pair-waiting", params=teacher, json={"strategy": "grim_trigger"})
    assert r.json() == {"paired": 1}
    st = ann.get("/api/state").json()
    assert st["status"] == "choose" and st["opponent"] == "a computer player"
    assert _move(ann, 1, "D").json()["history"][0]["other"] == {"action": "C"}
    assert _move(ann, 2, "C").json()["history"][1]["other"] == {"action": "D"}  # grim trigger punishes
