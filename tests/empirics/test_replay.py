"""Replay scores computed by hand on tiny event files; bootstrap intervals; games with state."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sim.dynamic.solve import markov_perfect_equilibria
from sim.empirics.events import read_events
from sim.empirics.replay import best_response, replay, walk
from sim.model.dynamic import build_dynamic_game
from sim.model.game import build_game
from sim.model.load import load_scenario
from tests.conftest import SCENARIOS
from tests.scenario_texts import PD

DATA = Path(__file__).resolve().parents[1] / "data" / "replay"

# Two levers a side. A tariff step gains its owner 1 and costs the other 2 (escalation dominant, mutual
# escalation bad: a prisoner's dilemma per step). Controls cost the other 3 and their owner nothing, so
# every level of them is a best response: the tie rule (fewest levers changed) predicts they hold.
TWO_LEVERS = """
[scenario]
name = "two levers"
[parameters]
gain = { value = 1.0, range = [0.0, 3.0], assumption = "test" }
[players.east]
name = "East"
[players.east.levers.tariff]
levels = [0, 1, 2]
labels = ["low", "mid", "high"]
[players.east.levers.controls]
levels = [0, 1]
labels = ["off", "on"]
[players.east.payoff]
u = "gain * east.tariff - 2 * west.tariff - 3 * west.controls"
[players.west]
name = "West"
[players.west.levers.tariff]
levels = [0, 1, 2]
labels = ["low", "mid", "high"]
[players.west.levers.controls]
levels = [0, 1]
labels = ["off", "on"]
[players.west.payoff]
u = "gain * west.tariff - 2 * east.tariff - 3 * east.controls"
"""

PREDICTORS = ("model", "mirror", "repeat", "escalate")
# (player, lever, before, after, direction, model, mirror, repeat, escalate), worked out by hand:
EXPECTED = [
    ("east", "tariff", "low", "mid", "up", "up", "hold", "hold", "up"),         # nobody has moved yet
    ("west", "controls", "off", "on", "up", "hold", "hold", "hold", "up"),      # controls: a tie, hold
    ("west", "tariff", "low", "high", "up", "up", "up", "up", "up"),            # 2.6 snapped to high
    ("east", "controls", "off", "on", "up", "hold", "up", "up", "up"),
    ("east", "tariff", "mid", "mid", "hold", "up", "up", "up", "up"),           # same date as the row above
    ("west", "controls", "on", "off", "down", "hold", "hold", "up", "hold"),    # east's last row: a hold
]


@pytest.fixture
def two_levers(write_scenario):
    scenario = load_scenario(write_scenario(TWO_LEVERS))
    game = build_game(scenario)
    return scenario, game, read_events(DATA / "two_levers.csv", game)


def test_predictions_by_hand(two_levers):
    scenario, _, log = two_levers
    res = replay(scenario, log, bootstrap=200)
    assert res.predictors == PREDICTORS
    assert res.n_moves == len(EXPECTED) == len(res.moves)
    for m, want in zip(res.moves, EXPECTED, strict=True):
        got = (m.player, m.lever, m.before, m.after, m.direction, *(m.predictions[k] for k in PREDICTORS))
        assert got == want, m
    assert [m.snapped for m in res.moves] == [False, False, True, False, False, False]
    assert res.scores == pytest.approx({"model": 2 / 6, "mirror": 2 / 6, "repeat": 2 / 6, "escalate": 4 / 6})
    assert res.periods["p1"] == pytest.approx({"model": 2 / 3, "mirror": 1 / 3, "repeat": 1 / 3, "escalate": 1.0})
    assert res.periods["p2"] == pytest.approx({"model": 0.0, "mirror": 1 / 3, "repeat": 1 / 3, "escalate": 1 / 3})
    assert res.sides["east"] == pytest.approx({"model": 1 / 3, "mirror": 1 / 3, "repeat": 1 / 3, "escalate": 2 / 3})
    assert res.counts == {"east": 3, "west": 3, "p1": 3, "p2": 3}
    assert res.difference["estimate"] == pytest.approx(0.0)


def test_simultaneous_moves_see_the_profile_before_the_date(two_levers):
    _, game, log = two_levers
    steps = walk(log, game)
    assert [s.rows[0].date.isoformat() for s in steps] == ["2020-01-01", "2020-03-01", "2020-06-01", "2020-09-01",
                                                          "2021-01-01"]
    sep = steps[3]
    assert sep.before[0].tolist() == [1, 0] and sep.after[0].tolist() == [1, 1]
    assert sep.before[1].tolist() == [2, 1]


def test_period_filter_scores_only_those_moves(two_levers):
    scenario, _, log = two_levers
    res = replay(scenario, log, periods=["p2"], bootstrap=100)
    assert res.n_moves == 3 and len(res.moves) == 6
    assert res.scores["model"] == 0.0 and res.scores["escalate"] == pytest.approx(1 / 3)
    assert list(res.periods) == ["p2"]


def test_intervals_contain_the_share_and_are_reproducible(two_levers):
    scenario, _, log = two_levers
    a = replay(scenario, log, bootstrap=500, seed=3).to_dict()
    b = replay(scenario, log, bootstrap=500, seed=3).to_dict()
    c = replay(scenario, log, bootstrap=500, seed=4).to_dict()
    assert json.dumps(a) == json.dumps(b)
    assert a["intervals"] != c["intervals"]
    for k, (lo, hi) in a["intervals"].items():
        assert 0.0 <= lo <= a["scores"][k] <= hi <= 1.0
    assert a["period_intervals"]["p1"]["escalate"] == [1.0, 1.0]  # right every time: no spread
    lo, hi = a["difference"]["interval"]
    assert lo <= a["difference"]["estimate"] <= hi


def test_best_response_ties_go_to_fewest_changes_then_lowest_index():
    table = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    payoff = np.array([1.0, 2.0, 2.0, 2.0])
    assert best_response(payoff, table, np.array([1, 1])) == 3   # no change
    assert best_response(payoff, table, np.array([0, 0])) == 1   # one change each for 1 and 2: lowest index
    assert best_response(np.array([5.0, 1.0, 1.0, 1.0]), table, np.array([1, 1])) == 0  # no tie: the best


def test_strategy_is_fed_the_profiles_at_the_event_dates(write_scenario):
    scenario = load_scenario(write_scenario(PD))  # a matrix game: each side's one lever is 'action'
    path = write_scenario((DATA / "pd_moves.csv").read_text().replace(",act,", ",action,"), "pd.csv")
    game = build_game(scenario)
    res = replay(scenario, read_events(path, game), strategies=["tit_for_tat"], bootstrap=50)
    # history after each earlier date: (D,C), (D,D), (C,D), (C,C); tit for tat cooperates first, then copies
    assert [m.predictions["tit_for_tat"] for m in res.moves] == ["hold", "up", "hold", "down", "hold", "hold"]
    assert [m.predictions["model"] for m in res.moves] == ["up", "up", "hold", "hold", "up", "up"]


def test_game_with_state_adds_markov_and_uses_the_current_state():
    scenario = load_scenario(SCENARIOS / "leverage_game.toml")
    dyn = build_dynamic_game(scenario)
    log = read_events(DATA / "leverage.csv", dyn, state=dyn.states)
    res = replay(scenario, log, bootstrap=50, game=dyn)
    assert res.predictors[:2] == ("model", "markov")
    first, second, third = res.moves
    # restricting pays at high leverage (2 - 2 + 1.5 * 3 > 2), not at low (2 - 2 + 1.5 < 2)
    assert first.predictions["model"] == "up" and second.predictions["model"] == "down"
    assert third.predictions["model"] == "hold"  # diversifying only costs the buyer this quarter
    mpe = markov_perfect_equilibria(dyn)[0]
    low = dyn.states.keys().index("leverage=low")
    open_again = int(np.argmax(mpe.row[0, low]))
    assert second.predictions["markov"] == ("down" if open_again == 0 else "hold")
