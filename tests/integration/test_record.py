"""The README's replay and fit numbers, recomputed from the shipped record (data/) and scenarios.

A change to the scenarios, the mapping of the record or the replay and fit code that moves a number
the README quotes fails here, rather than leaving the README saying something the tool no longer does.
"""

from __future__ import annotations

import pytest

from sim.empirics.events import read_events
from sim.empirics.fit import fit_events
from sim.empirics.replay import replay
from sim.model.dynamic import build_dynamic_game
from sim.model.game import build_game
from sim.model.load import load_scenario
from tests.conftest import ROOT, SCENARIOS

RECORD = ROOT / "data" / "us_china_moves_2018_2026.csv"
RECORD_2025 = ROOT / "data" / "us_china_moves_2025_dynamic.csv"


@pytest.fixture(scope="module")
def static():
    scenario = load_scenario(SCENARIOS / "us_china_2025.toml")
    game = build_game(scenario)
    return scenario, game, read_events(RECORD, game)


def test_replay_scores_the_readme_quotes(static):
    scenario, game, log = static
    res = replay(scenario, log, bootstrap=2000, seed=1, game=game)
    assert res.n_moves == 37
    assert {k: round(v, 2) for k, v in res.scores.items()} == {"model": 0.54, "mirror": 0.35, "repeat": 0.24,
                                                               "escalate": 0.43}
    assert [round(v, 2) for v in res.intervals["model"]] == [0.38, 0.70]
    assert round(res.periods["2018-20"]["model"], 2) == 0.46 and round(res.periods["2024-26"]["model"], 2) == 0.58
    right = {d: sum(m.predictions["model"] == d for m in res.moves if m.direction == d) for d in ("up", "down", "hold")}
    count = {d: sum(m.direction == d for m in res.moves) for d in ("up", "down", "hold")}
    assert (right, count) == ({"up": 15, "down": 2, "hold": 3}, {"up": 16, "down": 12, "hold": 9})


def test_fitted_audience_weights_are_the_scenarios_and_beat_mirror_out_of_sample(static):
    scenario, _, log = static
    fit, _ = fit_events(scenario, log, ["us_audience", "cn_audience"], seed=0)
    assert fit.values["us_audience"] == pytest.approx(scenario.parameters["us_audience"].value, abs=0.01)
    assert fit.values["cn_audience"] == pytest.approx(scenario.parameters["cn_audience"].value, abs=0.01)
    for fitted, tested in (("2018-20", "2024-26"), ("2024-26", "2018-20")):
        _, held = fit_events(scenario, log, ["us_audience", "cn_audience"], fit_periods=[fitted],
                             test_periods=[tested], seed=0, bootstrap=200)
        assert held["scores"]["model"] > held["scores"]["mirror"]


def test_the_markov_policy_predicts_the_2025_de_escalations():
    scenario = load_scenario(SCENARIOS / "us_china_dynamic.toml")
    game = build_dynamic_game(scenario)
    res = replay(scenario, read_events(RECORD_2025, game, state=game.states), bootstrap=200, seed=1, game=game)
    downs = [m for m in res.moves if m.direction == "down"]
    right = {name: sum(m.predictions[name] == "down" for m in downs) for name in ("model", "markov")}
    assert len(downs) == 9 and right == {"model": 2, "markov": 6}
    assert round(res.scores["markov"], 2) == 0.54 and round(res.scores["mirror"], 2) == 0.42
