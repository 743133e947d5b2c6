"""Scenario loading: bundled files, ``extends``, the StageGame they build, and the JSON Schema."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.model.game import build_game
from sim.model.load import deep_merge, load_scenario
from sim.model.nplayer_build import build_any
from sim.model.scenario import json_schema
from tests.conftest import ROOT, SCENARIOS

BUNDLED = sorted(SCENARIOS.glob("*.toml"))


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_scenarios_load_and_build(path):
    scenario = load_scenario(path)
    game = build_any(scenario)  # a StageGame for two players, a NormalFormGame for more
    tensors = (game.A, game.B) if len(scenario.players) == 2 else game.payoffs
    assert len({t.shape for t in tensors}) == 1 and len(tensors) == len(scenario.players)
    for k, total in enumerate(tensors):
        assert np.isfinite(total).all()
        assert np.allclose(sum(game.terms[k].values()), total)
    for parameter in scenario.parameters.values():
        assert (parameter.source is None) != (parameter.assumption is None)


CLASSROOM = [
    ("prisoners_dilemma", [[3, 0], [5, 1]], [[3, 5], [0, 1]]),
    ("chicken", [[0, -1], [1, -10]], [[0, 1], [-1, -10]]),
    ("stag_hunt", [[4, 0], [3, 3]], [[4, 3], [0, 3]]),
    ("battle_of_the_sexes", [[2, 0], [0, 1]], [[1, 0], [0, 2]]),
    ("matching_pennies", [[1, -1], [-1, 1]], [[-1, 1], [1, -1]]),
    ("fivethirtyeight_trade", [[15, 5], [25, 10]], [[15, 25], [5, 10]]),
]


@pytest.mark.parametrize("name, A, B", CLASSROOM, ids=[c[0] for c in CLASSROOM])
def test_classroom_matrices(name, A, B):
    game = build_game(load_scenario(SCENARIOS / f"{name}.toml"))
    assert np.array_equal(game.A, A)
    assert np.array_equal(game.B, B)


def test_us_china_game_structure(us_china_game):
    game = us_china_game
    assert game.player_ids == ("us", "china")
    assert game.shape == (4 * 2 * 2, 3 * 3 * 3 * 2)
    assert game.actions[0][0] == "tariff=pre-2025, tech=suspended, port_fees=suspended"
    # first lever varies slowest; the last action is every lever at its most hostile level
    assert np.array_equal(game.action_levels[0][-1], [3, 1, 1])
    assert game.hostility(0)[-1] == 1.0 and game.hostility(1)[0] == 0.0
    i, j = game.cooperative
    assert game.actions[0][i] == "tariff=truce, tech=suspended, port_fees=suspended"
    assert game.actions[1][j] == "rare_earths=general licences, soybeans=25 MMT, tariff=truce, fentanyl=enforce"


def test_us_china_terms_equal_hand_computation(us_china_game):
    """Check two terms at one profile against the formulas written out by hand."""
    game = us_china_game
    p = {name: prm.value for name, prm in game.scenario.parameters.items()}
    i = game.action_index(0, "tariff=peak, tech=affiliates rule, port_fees=suspended")
    j = game.action_index(1, "rare_earths=April licensing, soybeans=12 MMT, tariff=peak, fentanyl=lax")
    t, tb = 1.26, p["us_tariff_base"] / 100
    imports = p["us_imports"] * ((1 + t) / (1 + tb)) ** -p["import_elast"]
    revenue = p["us_revenue_weight"] * (t * imports - tb * p["us_imports"])
    assert math.isclose(game.terms[0]["tariff_revenue"][i, j], revenue, rel_tol=1e-12)
    assert math.isclose(game.terms[0]["rare_earths"][i, j], -p["us_re_cost"] * 0.4**2, rel_tol=1e-12)
    assert math.isclose(game.terms[0]["farm_income"][i, j], p["soy_price"] / 1000 * 12, rel_tol=1e-12)
    assert math.isclose(
        game.terms[1]["rare_earths"][i, j], (-p["cn_re_cost"] + p["cn_re_retaliation"]) * 0.4, rel_tol=1e-12
    )


def test_parameters_override_rebuilds_payoffs(us_china_game):
    scenario = us_china_game.scenario
    game = build_game(scenario, {"us_re_cost": 0.0})
    assert np.allclose(game.terms[0]["rare_earths"], 0.0)
    with pytest.raises(ScenarioError, match="parameters.nope: unknown parameter"):
        build_game(scenario, {"nope": 1.0})


def test_extends_overrides_only_what_differs():
    base = load_scenario(SCENARIOS / "us_china_2025.toml")
    variant = load_scenario(SCENARIOS / "us_china_re_stockpile.toml")
    assert variant.parameters["us_re_cost"].value == base.parameters["us_re_cost"].value / 4
    assert variant.parameters["us_imports"] == base.parameters["us_imports"]
    assert variant.players == base.players
    assert variant.meta.period == base.meta.period and variant.meta.name != base.meta.name


def test_extends_chain_and_deep_merge(write_scenario):
    write_scenario(
        """
        [scenario]
        name = "base"
        [players.row]
        name = "R"
        actions = ["C", "D"]
        [players.col]
        name = "K"
        actions = ["C", "D"]
        [payoffs]
        row = [[3, 0], [5, 1]]
        col = [[3, 5], [0, 1]]
        """,
        "base.toml",
    )
    write_scenario('extends = "base.toml"\n[players.row]\ndiscount = 0.5\n', "mid.toml")
    path = write_scenario('extends = "mid.toml"\n[payoffs]\nrow = [[4, 0], [5, 1]]\n', "leaf.toml")
    scenario = load_scenario(path)
    assert scenario.players["row"].discount == 0.5
    assert scenario.players["row"].name == "R"
    assert build_game(scenario).A.tolist() == [[4, 0], [5, 1]]


def test_deep_merge_replaces_non_tables():
    assert deep_merge({"a": {"b": 1, "c": [1]}, "d": 1}, {"a": {"c": [2]}, "d": {"x": 1}}) == {
        "a": {"b": 1, "c": [2]},
        "d": {"x": 1},
    }


def test_forbid_removes_combinations(write_scenario):
    path = write_scenario(
        """
        [scenario]
        name = "forbid"
        [players.a]
        name = "A"
        forbid = [{ x = "high", y = 1 }]
        [players.a.levers.x]
        levels = [0, 1]
        labels = ["low", "high"]
        [players.a.levers.y]
        levels = [0, 1]
        [players.a.payoff]
        t = "a.x + a.y"
        [players.b]
        name = "B"
        [players.b.levers.z]
        levels = [0, 5]
        [players.b.payoff]
        t = "b.z - a.x"
        """
    )
    game = build_game(load_scenario(path))
    assert game.actions[0] == ("x=low, y=0", "x=low, y=1", "x=high, y=0")
    assert game.A.tolist() == [[0, 0], [1, 1], [1, 1]]
    assert game.B.tolist() == [[0, 5], [0, 5], [-1, 4]]


def test_schema_is_generated_and_shipped():
    schema = json_schema()
    assert schema["title"] == "tradesim scenario"
    assert set(schema["required"]) == {"scenario", "players"}
    shipped = json.loads((ROOT / "docs" / "scenario.schema.json").read_text())
    assert shipped == json.loads(json.dumps(schema)), "run `make schema` after changing the format"


def test_bundled_scenarios_validate_against_the_schema():
    import tomllib

    jsonschema = pytest.importorskip("jsonschema")
    schema = json_schema()
    for path in BUNDLED:
        document = tomllib.loads(path.read_text())
        if "extends" in document:
            continue  # a variant is only complete once merged
        jsonschema.validate(document, schema)
