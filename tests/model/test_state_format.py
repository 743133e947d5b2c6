"""The [state] tables of the scenario format: what a game with state reads, and one clean error
for each bad input (file, key, what is wrong; exit status 2)."""

from __future__ import annotations

import numpy as np
import pytest
import tomllib
from click.testing import CliRunner

from sim.cli import main
from sim.model.dynamic import build_dynamic_game, is_dynamic
from sim.model.game import build_game, initial_environment
from sim.model.load import scenario_from_dict

BASE = """
[scenario]
name = "s"
[parameters]
k = { value = 1.0, assumption = "t" }
[players.a]
name = "A"
discount = 0.5
[players.a.levers.x]
levels = [0, 1]
[players.a.payoff]
u = "s1 + a.x"
[players.b]
name = "B"
[players.b.levers.y]
levels = [0, 1]
[players.b.payoff]
u = "b.y"
[state.s1]
levels = [0, 1, 2]
initial = 0
next = "s1 + a.x"
"""

NO_STATE_PAYOFF = ('u = "s1 + a.x"', 'u = "a.x"')
NEXT_A = ('next = "s1 + a.x"', 'next = "a.x"')


def _edit(*pairs: tuple[str, str]) -> str:
    text = BASE
    for old, new in pairs:
        assert old in text
        text = text.replace(old, new)
    return text


def _grid(name: str, size: int) -> str:
    return f"\n[state.{name}]\nlevels = [{', '.join(str(i) for i in range(size))}]\ninitial = 0\n"


BAD = [
    ("state-is-player", _edit(("[state.s1]", "[state.a]"), NO_STATE_PAYOFF, NEXT_A), "state.a", "is a player"),
    ("state-is-parameter", _edit(("[state.s1]", "[state.k]"), NO_STATE_PAYOFF, NEXT_A), "state.k", "is a parameter"),
    ("state-is-function", _edit(("[state.s1]", "[state.clip]"), NO_STATE_PAYOFF, NEXT_A), "state.clip", "is a function"),
    ("state-is-round", _edit(("[state.s1]", "[state.round]"), NO_STATE_PAYOFF, NEXT_A), "state.round", "reserved"),
    ("next-unknown-name", _edit(('next = "s1 + a.x"', 'next = "s1 + nope"')), "state.s1.next", "unknown name 'nope'"),
    ("probabilities-sum", _edit(('next = "s1 + a.x"', 'next = [ { p = "0.5", value = "s1 + 1" }, { p = "0.4", value = "s1" } ]')),
     "state.s1.next", "sum to 0.9"),
    ("probability-negative", _edit(('next = "s1 + a.x"',
                                    'next = [ { p = "1.5 - 2 * a.x", value = "s1 + 1" }, { p = "2 * a.x - 0.5", value = "s1" } ]')),
     "state.s1.next.0.p", "negative"),
    ("initial-off-grid", _edit(("initial = 0", "initial = 5")), "state.s1.initial", "not on the grid"),
    ("too-many-states", BASE + _grid("s2", 40) + _grid("s3", 40), "state", "exceeds the limit"),
    ("round-without-horizon", _edit(('u = "b.y"', 'u = "b.y * round"')), "players.b.payoff.u", "needs a finite horizon"),
    ("levels-unsorted", _edit(("levels = [0, 1, 2]", "levels = [2, 0, 1]")), "state.s1", "increasing order"),
    ("prev-unknown-lever", _edit(('u = "b.y"', 'u = "prev.b.z"')), "players.b.payoff.u", "has no lever 'z'"),
    ("prev-without-lever", _edit(('u = "b.y"', 'u = "prev"')), "players.b.payoff.u", "prev needs a lever"),
    ("previous-unknown-player", BASE + '[repeated]\nprevious = { c = { y = 1 } }\n', "repeated.previous.c",
     "unknown player"),
    ("previous-unknown-lever", BASE + '[repeated]\nprevious = { b = { z = 1 } }\n', "repeated.previous.b.z",
     "no lever 'z'"),
    ("previous-unknown-level", BASE + '[repeated]\nprevious = { b = { y = 7 } }\n', "repeated.previous.b.y",
     "no level"),
]


@pytest.mark.parametrize("name, text, key, message", BAD, ids=[b[0] for b in BAD])
def test_bad_state_gives_one_clean_error(tmp_path, name, text, key, message):
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["solve", str(path), "--format", "json", "--plot", str(tmp_path / "x.png")])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {path}: {key}: "), lines[0]
    assert message in lines[0]
    assert not (tmp_path / "x.png").exists()  # nothing drawn for a file that does not load


def test_state_grid_transitions_and_snapping():
    sc = scenario_from_dict(tomllib.loads(_edit(('next = "s1 + a.x"', 'next = "s1 + 0.6 * a.x - 0.5 * b.y"'))))
    assert is_dynamic(sc)
    g = build_dynamic_game(sc)
    assert g.states.keys() == ("s1=0", "s1=1", "s1=2") and g.horizon is None
    # from s1=1: +0.6 snaps to 2 (1.6 is nearer 2); -0.5 is a tie between 0 and 1 and snaps to the lower
    assert g.successors[1, 1, 0, 0] == 2 and g.successors[1, 0, 1, 0] == 0 and g.successors[1, 1, 1, 0] == 1
    assert np.allclose(g.probabilities.sum(-1), 1)
    assert g.A[2] == pytest.approx(np.array([[2, 2], [3, 3]]))
    # the one-shot analyses see the stage game of the initial state
    assert build_game(sc).A == pytest.approx(g.A[0])


def test_prev_lever_becomes_part_of_the_state():
    sc = scenario_from_dict(tomllib.loads(_edit(('u = "b.y"', 'u = "b.y - 2 * abs(b.y - prev.b.y)"'))))
    g = build_dynamic_game(sc)
    assert g.states.names == ("s1", "prev.b.y") and g.n_states == 6
    assert g.states.key(g.states.initial) == "s1=0,prev.b.y=0"
    s = g.states.keys().index("s1=0,prev.b.y=1")
    assert g.B[s] == pytest.approx(np.array([[-2, 1], [-2, 1]]))  # y - 2 |y - prev y| with prev y = 1
    # choosing y=1 moves prev.b.y to 1 whatever the previous level was
    assert all(g.states.key(int(g.successors[s, 0, 1, 0])).endswith("prev.b.y=1") for s in range(6))


def test_previous_sets_the_levels_in_force_before_round_0():
    """``[repeated] previous``: what prev.PLAYER.LEVER reads in the first round (else the first level)."""
    text = _edit(('u = "b.y"', 'u = "b.y - 2 * abs(b.y - prev.b.y)"')) + "[repeated]\nprevious = { b = { y = 1 } }\n"
    g = build_dynamic_game(scenario_from_dict(tomllib.loads(text)))
    assert g.states.key(g.states.initial) == "s1=0,prev.b.y=1"
    assert initial_environment(g.scenario)["prev.b.y"] == 1.0


def test_stochastic_next_and_its_probabilities():
    sc = scenario_from_dict(tomllib.loads(_edit(('next = "s1 + a.x"',
                                                 'next = [ { p = "0.7", value = "s1 + 1" }, { p = 0.3, value = "s1" } ]'))))
    g = build_dynamic_game(sc)
    assert g.successors.shape[-1] == 2
    assert sorted(zip(g.probabilities[0, 0, 0], g.successors[0, 0, 0])) == [(0.3, 0), (0.7, 1)]
    assert list(g.successors[2, 0, 0]) == [2, 2]  # clipped at the top of the grid


def test_solve_reports_markov_perfect_equilibria_in_json_and_text(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(BASE, encoding="utf-8")
    result = CliRunner().invoke(main, ["solve", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    import json

    items = json.loads(result.stdout)["markov_perfect"]
    assert items and all(e["verified"] for e in items)
    first = items[0]
    assert first["horizon"] is None and len(first["policy"]) == 1 and set(first["policy"][0]) == {"s1=0", "s1=1", "s1=2"}
    assert set(first["values"][0]["s1=0"]) == {"a", "b"}
    # A's payoff is s1 + x and x raises the state: it always plays x=1, B's y does not matter to B's state
    assert all(p["a"] == {"x=1": 1.0} for p in first["policy"][0].values())
    text = CliRunner().invoke(main, ["solve", str(path)])
    assert "Markov perfect equilibria" in text.output and "[s1=0]" in text.output
