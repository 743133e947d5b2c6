"""Truces in games with state: grim trigger with Markov reversion, checked from every initial state."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomllib
from click.testing import CliRunner

from sim.cli import main
from sim.dynamic.truce import truce_by_state
from sim.model.dynamic import build_dynamic_game
from sim.model.load import scenario_from_dict

ROOT = Path(__file__).resolve().parents[2]

PD = """
[scenario]
name = "PD with a flag"
[parameters]
T = {{ value = 5.0, assumption = "test" }}
R = {{ value = 3.0, assumption = "test" }}
P = {{ value = 1.0, assumption = "test" }}
S = {{ value = 0.0, assumption = "test" }}
[players.r]
name = "R"
discount = {delta}
[players.r.levers.d]
levels = [0, 1]
[players.r.payoff]
u = "where(r.d == 0, where(c.d == 0, R, S), where(c.d == 0, T, P)) + 0 * flag"
[players.c]
name = "C"
discount = {delta}
[players.c.levers.d]
levels = [0, 1]
[players.c.payoff]
u = "where(c.d == 0, where(r.d == 0, R, S), where(r.d == 0, T, P))"
[state.flag]
levels = [0, 1]
initial = 0
next = "flag"
{rounds}
"""


@pytest.mark.parametrize("delta, holds", [(0.45, False), (0.49, False), (0.51, True), (0.9, True)])
def test_stateless_prisoners_dilemma_matches_the_grim_trigger_closed_form(delta, holds):
    # grim trigger with Nash reversion holds iff delta >= (T - R) / (T - P) = 0.5
    game = build_dynamic_game(scenario_from_dict(tomllib.loads(PD.format(delta=delta, rounds=""))))
    tr = truce_by_state(game)
    assert tr.self_enforcing.tolist() == [[holds, holds], [holds, holds]]
    # the gain of deviating is (T - R) + delta (P - R) / (1 - delta) less than the truce's nothing
    gain = (5 - 3) + delta / (1 - delta) * (1 - 3)
    assert tr.gain[0, 0] == pytest.approx([gain, gain])


def test_a_finite_horizon_unravels_the_truce():
    game = build_dynamic_game(scenario_from_dict(tomllib.loads(PD.format(delta=0.9, rounds="[repeated]\nrounds = 5"))))
    tr = truce_by_state(game)
    assert not tr.self_enforcing.any()
    assert tr.gain[-1, 0] == pytest.approx([2.0, 2.0])  # the last round: T - R, nothing to lose


def test_thresholds_command_reports_the_truce_by_state():
    path = ROOT / "scenarios" / "us_china_dynamic.toml"
    result = CliRunner().invoke(main, ["thresholds", str(path), "--infinite-horizon", "--format", "json"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.stdout)["markov_truce"]
    # 18 states x 4 quarters of a suspension x 3 levels of last quarter's tech rule (prev.us.tech)
    assert data["horizon"] is None and len(data["by_initial_state"]) == 216
    row = data["by_initial_state"]["us_stockpile=none,re_share=90%,brazil=2024 capacity,suspension=0 quarters,"
                                   "prev.us.tech=affiliates rule"]
    assert set(row) == {"us", "china"} and all("self_enforcing" in v for v in row.values())
