"""Words to actions (sim.model.actions): levels, actions, profiles and selections."""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import InputError
from sim.model.actions import (
    LeverInfo,
    actions_where,
    cooperative_profile,
    level_index,
    resolve_action,
    resolve_profile,
)
from sim.model.game import StageGame, scenario_actions
from sim.model.load import load_scenario
from sim.model.scenario import number_labels
from tests.conftest import SCENARIOS

US_COOP = "tariff=truce, tech=suspended, port_fees=suspended"


@pytest.fixture(scope="module")
def pd_matrix():
    return StageGame.from_matrices([[3, 0], [5, 1]], [[3, 5], [0, 1]], actions=(("C", "D"), ("C", "D")),
                                   cooperative=(0, 0))


@pytest.fixture(scope="module")
def one_lever_game():
    """Row: tariff x tech (6 actions); column: one lever, ``controls`` none/some/all."""
    grid0 = np.array([(a, b) for a in range(3) for b in range(2)])
    grid1 = np.arange(3)[:, None]
    levers0 = (LeverInfo("tariff", (0.0, 10.0, 25.0), ("low", "mid", "high"), "%"),
               LeverInfo("tech", (0.0, 1.0), ("off", "on")))
    levers1 = (LeverInfo("controls", (0.0, 1.0, 2.0), ("none", "some", "all")),)
    from sim.model.actions import action_labels

    labels0, labels1 = action_labels(levers0, grid0), action_labels(levers1, grid1)
    A = np.arange(18, dtype=float).reshape(6, 3)
    return StageGame(name="levers", player_ids=("us", "cn"), player_names=("us", "cn"), actions=(labels0, labels1),
                     A=A, B=-A, terms=({"payoff": A}, {"payoff": -A}), levers=(levers0, levers1),
                     action_levels=(grid0, grid1), discount=(0.9, 0.9), cooperative=(0, 0))


def _label(game, player, index):
    return game.actions[player][index]


# ----------------------------------------------------------------------------- one lever's level
@pytest.mark.parametrize(
    "ref, expected",
    [
        pytest.param("pre-2025", 0, id="label-0"),
        pytest.param("peak+100", 3, id="label-3"),
        pytest.param(47, 1, id="int-value"),
        pytest.param(126.0, 2, id="float-value"),
        pytest.param(np.int64(226), 3, id="numpy-int"),
        pytest.param(np.float64(21.0), 0, id="numpy-float"),
        pytest.param("47%", 1, id="percent-text"),
        pytest.param(" 126 % ", 2, id="percent-text-spaces"),
        pytest.param("226", 3, id="number-text"),
        pytest.param("4.7e1", 1, id="exponent-text"),
    ],
)
def test_level_index_by_label_value_and_percent_text(us_china_game, ref, expected):
    tariff = us_china_game.levers[0][0]
    assert tariff.name == "tariff" and tariff.unit == "%"
    assert level_index(tariff, ref) == expected


def test_level_labels_of_china_rare_earths(us_china_game):
    rare = us_china_game.levers[1][0]
    assert rare.levels == (0.0, 40.0, 90.0)
    for i, label in enumerate(("general licences", "April licensing", "October controls")):
        assert level_index(rare, label) == i
        assert level_index(rare, rare.levels[i]) == i
    assert level_index(rare, "40%") == 1


@pytest.mark.parametrize("ref", [True, False, np.True_, np.False_], ids=["True", "False", "np.True_", "np.False_"])
def test_booleans_are_not_levels(us_china_game, ref):
    tech = us_china_game.levers[0][1]  # levels 0 and 1: a boolean would silently mean one of them
    assert tech.levels == (0.0, 1.0)
    with pytest.raises(InputError, match="not") as info:
        level_index(tech, ref, key="cooperative.us.tech")
    assert info.value.key == "cooperative.us.tech"


@pytest.mark.parametrize("ref", ["48", 47.5, "47%%", "truce ", "Truce", float("nan"), float("inf"), None, "peak+"])
def test_values_that_are_no_level_are_errors(us_china_game, ref):
    tariff = us_china_game.levers[0][0]
    if ref == "truce ":  # surrounding spaces are stripped: still the label
        assert level_index(tariff, ref) == 1
        return
    with pytest.raises(InputError, match="no level") as info:
        level_index(tariff, ref, key="k.tariff")
    assert info.value.key == "k.tariff"
    assert "pre-2025 (21)" in info.value.message  # the levels are listed with their values


# ----------------------------------------------------------------------------- errors name the key
def test_unknown_level_error_names_the_lever_key(us_china_game):
    with pytest.raises(InputError) as info:
        resolve_action(us_china_game, 0, {"tariff": "sky-high"}, key="cooperative.us")
    assert info.value.key == "cooperative.us.tariff"
    assert "no level 'sky-high' of lever 'tariff'" in info.value.message
    assert str(info.value).startswith("cooperative.us.tariff: ")


def test_unknown_lever_error_names_the_lever_key(us_china_game):
    with pytest.raises(InputError) as info:
        resolve_action(us_china_game, 0, {"soybeans": "25 MMT"}, key="cooperative.us")
    assert info.value.key == "cooperative.us.soybeans"
    assert "player us has no lever 'soybeans'" in info.value.message
    assert "tariff, tech, port_fees" in info.value.message
    with pytest.raises(InputError) as info:
        resolve_action(us_china_game, 0, "tariff=truce, nope=1", key="threat.then")
    assert info.value.key == "threat.then.nope"


# ----------------------------------------------------------------------------- actions
def test_resolve_action_by_index_and_label(us_china_game, pd_matrix):
    coop = us_china_game.actions[0].index(US_COOP)
    assert resolve_action(us_china_game, 0, US_COOP) == coop
    assert resolve_action(us_china_game, 0, coop) == coop
    assert resolve_action(us_china_game, 0, np.int64(coop)) == coop
    assert resolve_action(pd_matrix, 0, "D") == 1 and resolve_action(pd_matrix, 1, "C") == 0


def test_levers_left_out_are_at_level_0_without_a_base(us_china_game):
    i = resolve_action(us_china_game, 0, {"tariff": "peak"})
    assert _label(us_china_game, 0, i) == "tariff=peak, tech=suspended, port_fees=suspended"
    j = resolve_action(us_china_game, 1, {"rare_earths": 90})
    assert _label(us_china_game, 1, j) == ("rare_earths=October controls, soybeans=25 MMT, tariff=pre-2025, "
                                           "fentanyl=enforce")


def test_levers_left_out_keep_the_base_levels(us_china_game):
    base = us_china_game.actions[0].index("tariff=peak, tech=affiliates rule, port_fees=$50/net ton")
    i = resolve_action(us_china_game, 0, {"tariff": "truce"}, base=base)
    assert _label(us_china_game, 0, i) == "tariff=truce, tech=affiliates rule, port_fees=$50/net ton"
    # the same settings without the base: the other levers go back to their first level
    k = resolve_action(us_china_game, 0, {"tariff": "truce"})
    assert _label(us_china_game, 0, k) == US_COOP and k != i
    # text settings and a value work with a base too
    j = resolve_action(us_china_game, 0, "tariff=226", base=base)
    assert _label(us_china_game, 0, j) == "tariff=peak+100, tech=affiliates rule, port_fees=$50/net ton"
    # china: threaten October controls from the cooperative action, keeping everything else
    cn_base = us_china_game.cooperative[1]
    c = resolve_action(us_china_game, 1, {"rare_earths": "October controls"}, base=cn_base)
    assert _label(us_china_game, 1, c) == ("rare_earths=October controls, soybeans=25 MMT, tariff=truce, "
                                           "fentanyl=enforce")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("tariff=peak, tech=affiliates rule", "tariff=peak, tech=affiliates rule, port_fees=suspended"),
        (" tariff = peak ,tech=affiliates rule ", "tariff=peak, tech=affiliates rule, port_fees=suspended"),
        ("port_fees=50, tariff=47%", "tariff=truce, tech=suspended, port_fees=$50/net ton"),
        ("tech=1", "tariff=pre-2025, tech=affiliates rule, port_fees=suspended"),
    ],
    ids=["labels", "spaces", "values-any-order", "one-lever"],
)
def test_lever_equals_level_text(us_china_game, text, expected):
    assert _label(us_china_game, 0, resolve_action(us_china_game, 0, text)) == expected
    # the same as the mapping
    settings = {name.strip(): level.strip() for name, level in (part.split("=") for part in text.split(","))}
    assert resolve_action(us_china_game, 0, text) == resolve_action(us_china_game, 0, settings)


def test_lone_level_label_of_a_one_lever_player(one_lever_game):
    assert resolve_action(one_lever_game, 1, "some") == 1
    assert resolve_action(one_lever_game, 1, "controls=all") == 2
    assert resolve_action(one_lever_game, 1, "2") == 2  # a value
    with pytest.raises(InputError, match="no action 'lots'"):
        resolve_action(one_lever_game, 1, "lots")
    with pytest.raises(InputError, match="no action 'mid'"):  # the row player has two levers
        resolve_action(one_lever_game, 0, "mid")


@pytest.mark.parametrize("index", [16, 100, -1])
def test_index_out_of_range(us_china_game, index):
    with pytest.raises(InputError, match=r"out of range 0\.\.15 for us") as info:
        resolve_action(us_china_game, 0, index, key="cooperative.us")
    assert info.value.key == "cooperative.us"


@pytest.mark.parametrize("spec", [True, 1.5, None, ["tariff"]], ids=["bool", "float", "None", "list"])
def test_unreadable_specs_are_errors(us_china_game, spec):
    with pytest.raises(InputError, match="cannot read an action of us") as info:
        resolve_action(us_china_game, 0, spec, key="k")
    assert info.value.key == "k"


# ----------------------------------------------------------------------------- profiles
def test_resolve_profile_mapping_leaves_a_player_at_its_default(us_china_game):
    default = (3, 7)
    prof = resolve_profile(us_china_game, {"china": {"rare_earths": "October controls"}}, default=default)
    assert prof[0] == 3
    assert _label(us_china_game, 1, prof[1]).startswith("rare_earths=October controls, soybeans=25 MMT")
    assert resolve_profile(us_china_game, {"us": 5}, default=default) == (5, 7)
    assert resolve_profile(us_china_game, {}, default=default) == default
    assert resolve_profile(us_china_game, None, default=default) == default


def test_resolve_profile_pairs(pd_matrix, us_china_game):
    assert resolve_profile(pd_matrix, ("D", "C"), default=(0, 0)) == (1, 0)
    assert resolve_profile(pd_matrix, [1, 1], default=(0, 0)) == (1, 1)
    assert resolve_profile(us_china_game, (US_COOP, {"tariff": "peak"}), default=(0, 0))[0] == \
        us_china_game.actions[0].index(US_COOP)
    with pytest.raises(InputError, match="one action per player"):
        resolve_profile(pd_matrix, "C", default=(0, 0))
    with pytest.raises(InputError, match="one action per player"):
        resolve_profile(pd_matrix, ("C",), default=(0, 0))
    with pytest.raises(InputError) as info:
        resolve_profile(us_china_game, ("nope", 0), default=(0, 0), key="cooperative")
    assert info.value.key == "cooperative.us"


def test_resolve_profile_unknown_player(us_china_game):
    with pytest.raises(InputError, match="no player 'eu'") as info:
        resolve_profile(us_china_game, {"us": 0, "eu": 1}, default=(0, 0), key="repeated.cooperative")
    assert info.value.key == "repeated.cooperative.eu"
    assert "players: us, china" in info.value.message


def test_cooperative_profile_errors_name_cooperative_player_lever(us_china_game):
    assert cooperative_profile(us_china_game) == tuple(us_china_game.cooperative)
    with pytest.raises(InputError) as info:
        cooperative_profile(us_china_game, {"china": {"soybeans": "lots"}})
    assert info.value.key == "cooperative.china.soybeans"
    prof = cooperative_profile(us_china_game, {"us": "tariff=peak"})
    assert prof[1] == us_china_game.cooperative[1]


# ----------------------------------------------------------------------------- selections
def test_actions_where_leaves_other_levers_free(us_china_game):
    g = us_china_game
    assert actions_where(g, 0) == list(range(16))
    rows = actions_where(g, 0, tariff="47%")
    assert len(rows) == 4 and all(g.actions[0][i].startswith("tariff=truce, ") for i in rows)
    cols = actions_where(g, 1, soybeans="25 MMT", fentanyl="enforce")
    assert len(cols) == 9  # rare earths x tariff free
    assert all("soybeans=25 MMT" in g.actions[1][j] and g.actions[1][j].endswith("fentanyl=enforce") for j in cols)
    assert {g.actions[1][j].split(",")[0] for j in cols} == {
        "rare_earths=general licences", "rare_earths=April licensing", "rare_earths=October controls"}
    everything_fixed = actions_where(g, 1, rare_earths=40, soybeans=12, tariff="truce", fentanyl="lax")
    assert [g.actions[1][j] for j in everything_fixed] == [
        "rare_earths=April licensing, soybeans=12 MMT, tariff=truce, fentanyl=lax"]
    with pytest.raises(InputError) as info:
        actions_where(g, 0, tariff=True)
    assert info.value.key == "levers.tariff"


def test_actions_where_rejects_unknown_levers_and_levels(us_china_game):
    with pytest.raises(InputError, match="no lever"):
        actions_where(us_china_game, 0, soybeans="25 MMT")
    with pytest.raises(InputError, match="no level"):
        actions_where(us_china_game, 1, soybeans="lots")
    # a number is a level's value (as in scenario files): the October controls are level 90
    assert actions_where(us_china_game, 1, rare_earths=90) == actions_where(us_china_game, 1, rare_earths="October controls")


@pytest.mark.parametrize(
    "spec, match",
    [
        pytest.param({"no_such_lever": "x"}, "no lever", id="lever"),
        pytest.param({"rare_earths": "nonsense"}, "no level", id="level"),
        pytest.param("not an action", "no action labelled", id="label"),
        pytest.param(10_000, "out of range", id="index"),
    ],
)
def test_resolve_action_errors(us_china_game, spec, match):
    with pytest.raises(InputError, match=match):
        resolve_action(us_china_game, 1, spec, base=us_china_game.cooperative[1])


@pytest.mark.parametrize("name", ["us_china_2025.toml", "us_china_dynamic.toml", "leverage_game.toml",
                                  "prisoners_dilemma.toml"])
def test_every_action_label_names_its_own_action(name):
    space = scenario_actions(load_scenario(SCENARIOS / name))
    for player in (0, 1):
        labels = space.actions[player]
        assert len(set(labels)) == len(labels)
        assert [resolve_action(space, player, label) for label in labels] == list(range(len(labels)))


def test_number_labels_read_alike_fall_back_to_exact_numbers():
    assert number_labels([0, 12.5, 47]) == ("0", "12.5", "47")
    labels = number_labels([1.0000001, 1.0000002])
    assert len(set(labels)) == 2 and [float(x) for x in labels] == [1.0000001, 1.0000002]
