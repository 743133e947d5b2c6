"""Every result shows itself as HTML in a notebook (`_repr_html_` hands on to sim.render)."""

from __future__ import annotations

import pytest

from sim.model.game import build_game
from sim.model.load import load_scenario
from sim.repeated.curves import threshold_curve
from sim.repeated.engine import play
from sim.repeated.evolution import moran, replicator
from sim.repeated.payoff_set import feasible_ir_set
from sim.repeated.thresholds import truce_thresholds
from sim.repeated.tournament import round_robin
from tests.conftest import LEVER_GAME, SCENARIOS


@pytest.fixture(scope="module")
def results():
    scenario = load_scenario(LEVER_GAME)
    game = build_game(scenario)
    pd = build_game(load_scenario(SCENARIOS / "prisoners_dilemma.toml"))
    tour = round_robin(pd, ["tit_for_tat", "always_defect"], rounds=10, replicates=2, seed=1)
    return {
        "scenario": (scenario, ["us_re_cost", "October controls"]),
        "game": (game, ["US–China 2025"]),
        "match": (play(game, ("tit_for_tat", "grim_trigger"), rounds=5, replicates=3, seed=1), ["tit_for_tat"]),
        "thresholds": (truce_thresholds(game), ["0.62"]),
        "payoff set": (feasible_ir_set(game), ["minmax"]),
        "curve": (threshold_curve(scenario, "us_re_cost", [10.0, 20.0]), ["us_re_cost"]),
        "tournament": (tour, ["always_defect"]),
        "replicator": (replicator(tour), ["tit_for_tat"]),
        "moran": (moran(tour, population=10, replicates=5, seed=1), ["always_defect"]),
    }


@pytest.mark.parametrize(
    "name", ["scenario", "game", "match", "thresholds", "payoff set", "curve", "tournament", "replicator", "moran"]
)
def test_repr_html_shows_the_result(results, name):
    obj, needles = results[name]
    html = obj._repr_html_()
    assert html.lstrip().startswith("<")
    for needle in needles:
        assert needle in html, (name, needle)
