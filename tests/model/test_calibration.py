"""Every number of the bundled US–China scenario that cites a source follows from the figures it cites.

The figures are those of the calibration facts the scenario names (PIIE tariff chart, Fajgelbaum et
al. 2020, USDA and China customs, the seeds), copied here with their source; each test recomputes a
parameter or lever level from them, so an edit that breaks the link fails here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model.game import build_game
from sim.model.load import load_scenario
from sim.stage.equilibria import pure_best_response_profiles
from tests.conftest import SCENARIOS

SCENARIO = load_scenario(SCENARIOS / "us_china_2025.toml")
P = {name: p.value for name, p in SCENARIO.parameters.items()}


def lever(player: str, name: str):
    return SCENARIO.players[player].levers[name]


def level(player: str, name: str, label: str) -> float:
    lv = lever(player, name)
    return lv.levels[lv.labels.index(label)]


def test_import_elasticity_follows_from_the_2018_war():
    # Fajgelbaum et al. (2020): US tariffs 2.6% -> 16.6%, targeted imports -32%.
    implied = -math.log(1 - 0.32) / math.log(1.166 / 1.026)
    assert implied == pytest.approx(3.0, abs=0.05)
    assert P["import_elast"] == pytest.approx(implied, abs=0.05)
    low, high = SCENARIO.parameters["import_elast"].range
    assert low <= 3.8 <= high  # the Armington meta-analysis median is inside the stated range


def test_export_elasticity_follows_from_the_retaliation():
    # Fajgelbaum et al. (2020): US exports -11% as China's retaliation rose 7.3% -> 20.4%.
    implied = -math.log(1 - 0.11) / math.log(1.204 / 1.073)
    assert implied == pytest.approx(1.01, abs=0.01)
    assert P["export_elast"] == pytest.approx(implied, abs=0.02)
    low, high = SCENARIO.parameters["export_elast"].range
    assert low <= implied <= high


def test_soybean_price_and_base_come_from_the_2024_figures():
    # USDA: USD 12.64bn of US soybean exports to China in 2024; China customs: 22.13 MMT from the US.
    assert P["soy_price"] == pytest.approx(12.64e9 / 22.13e6, abs=1.0)
    assert P["soy_base"] == pytest.approx(22.13)
    assert level("china", "soybeans", "2024 level") == pytest.approx(P["soy_base"])
    low, high = SCENARIO.parameters["soy_price"].range
    assert low <= P["soy_price"] <= high


def test_trade_and_tariff_bases_are_the_2024_figures():
    assert (P["us_imports"], P["us_exports"]) == (438.9, 143.5)
    assert P["us_tariff_base"] == level("us", "tariff", "pre-2025") == 20.8
    assert P["cn_tariff_base"] == level("china", "tariff", "pre-2025") == 21.0
    assert P["pass_through"] == 0.95 and P["cn_importer_share"] == 0.68


def test_tariff_levels_are_points_of_the_piie_chart():
    us = dict(zip(lever("us", "tariff").labels, lever("us", "tariff").levels))
    assert (us["2017"], us["Sep 2018"], us["truce"], us["peak"]) == (3.1, 12.0, 47.0, 126.5)
    # the October threat: +100 points on the then ~57% average ("57% to 47%"), not on the peak
    assert us["Oct threat"] == pytest.approx(57 + 100)
    cn = dict(zip(lever("china", "tariff").labels, lever("china", "tariff").levels))
    assert (cn["Sep 2018"], cn["truce"]) == (18.3, 32.6)
    assert cn["peak"] == pytest.approx(21.0 + 125)  # 125 points additional on the ~21% base


def test_rare_earth_equivalent_is_the_threatened_answer():
    # The US answered controls on 90% of magnet supply with a threatened +100 tariff points.
    assert P["re_equiv"] == pytest.approx(level("us", "tariff", "Oct threat") - 57)
    assert level("china", "rare_earths", "October controls") == 90


def test_payoffs_are_zero_at_the_2024_status_quo():
    """The file says payoffs are relative to 2024: every term but fentanyl enforcement is 0 there."""
    game = build_game(SCENARIO)
    i = game.action_index(0, "tariff=pre-2025, tech=none, port_fees=suspended")
    j = game.action_index(1, "rare_earths=general licences, soybeans=2024 level, tariff=pre-2025, fentanyl=lax")
    for k, terms in enumerate(game.terms):
        for name, matrix in terms.items():
            assert matrix[i, j] == pytest.approx(0.0, abs=1e-9), (game.player_ids[k], name)


def test_tariff_revenue_is_split_into_terms_of_trade_and_transfer():
    game = build_game(SCENARIO)
    us = game.terms[0]
    i = game.action_index(0, "tariff=truce, tech=none, port_fees=suspended")
    revenue = us["terms_of_trade"][i, 0] + us["revenue_from_buyers"][i, 0]
    assert us["terms_of_trade"][i, 0] == pytest.approx((1 - P["pass_through"]) * revenue)


def test_tariffs_interact_strategically():
    """China's best tariff rises with the US tariff once rare-earth controls are dear (the review found
    it did not move for any parameter value); at base China answers with rare-earth controls instead
    (tests/integration/test_stylized_facts.py, fact 1)."""
    game = build_game(SCENARIO, {"cn_re_cost": SCENARIO.parameters["cn_re_cost"].range[1]})
    cn_tariff = [lv.name for lv in game.levers[1]].index("tariff")
    best = []
    for label in ("pre-2025", "peak"):
        i = game.action_index(0, f"tariff={label}, tech=none, port_fees=suspended")
        best.append(game.action_levels[1][int(np.argmax(game.B[i])), cn_tariff])
    assert best[1] > best[0]


def test_the_truce_asks_no_side_to_raise_a_tariff_it_would_rather_cut():
    """At the cooperative profile, each side's best response tariff is at least its truce tariff."""
    game = build_game(SCENARIO)
    i, j = game.cooperative
    for p, (own, other) in enumerate(((i, j), (j, i))):
        pay = game.A[:, other] if p == 0 else game.B[other, :]
        t = [lv.name for lv in game.levers[p]].index("tariff")
        assert game.action_levels[p][int(np.argmax(pay)), t] >= game.action_levels[p][own, t]


def test_stage_game_has_a_pure_equilibrium():
    game = build_game(SCENARIO)
    assert len(pure_best_response_profiles(game.A, game.B)) >= 1
