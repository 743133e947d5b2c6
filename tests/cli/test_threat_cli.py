"""`tradesim threat`: the +100% tariff threat against the October rare-earth controls."""

from __future__ import annotations

import json

from click.testing import CliRunner

from sim.cli import main
from sim.stage.commitment import threat_check
from tests.conftest import LEVER_GAME

US_CHINA = str(LEVER_GAME)
ARGS = ["threat", US_CHINA, "--if", "china.rare_earths=October controls", "--then", "us.tariff=peak+100"]


def test_threat_json_matches_the_library(us_china_game):
    result = CliRunner().invoke(main, [*ARGS, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    want = threat_check(us_china_game, 0, {"rare_earths": "October controls"}, {"tariff": "peak+100"})
    assert data["credible"] == want.credible and data["deterrent"] == want.deterrent
    assert data["trigger"] == "rare_earths=October controls, soybeans=25 MMT, tariff=truce, fentanyl=enforce"
    assert data["response"] == "tariff=peak+100, tech=suspended, port_fees=suspended"
    # credible means: the response is the threatener's best reply to the trigger
    game = us_china_game
    j = game.action_index(1, data["trigger"])
    best = game.A[:, j].max()
    assert data["credible"] == (game.A[game.action_index(0, data["response"]), j] >= best - 1e-9 * abs(best))
    assert data["target_payoff"]["trigger_then_response"] == game.B[game.action_index(0, data["response"]), j]


def test_threat_text_gives_both_verdicts():
    result = CliRunner().invoke(main, ARGS)
    assert result.exit_code == 0
    assert "Credible?" in result.stdout and "Deterrent?" in result.stdout


def test_threat_bad_level_is_one_error():
    result = CliRunner().invoke(main, ["threat", US_CHINA, "--if", "china.rare_earths=Oct", "--then", "us.tariff=peak+100"])
    assert result.exit_code == 2
    assert "no level 'Oct'" in result.stderr and result.stderr.count("\n") == 1


def test_threat_needs_two_players():
    result = CliRunner().invoke(main, ["threat", US_CHINA, "--if", "us.tech=affiliates rule", "--then", "us.tariff=peak"])
    assert result.exit_code == 2 and "different players" in result.stderr
