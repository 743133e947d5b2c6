"""`tradesim threat`: the +100% tariff threat against the October rare-earth controls; `thresholds --vary`
along every path `sweep -p` takes."""

from __future__ import annotations

import json

import pytest
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


# ----------------------------------------------------------------------------- thresholds --vary: every sweep path
def _curve(*vary_args):
    res = CliRunner().invoke(main, ["thresholds", US_CHINA, "--no-knife-edges", "--format", "json", *vary_args])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)["curve"]


def _delta(value):
    """A critical δ of the JSON curve (``None``: no discount factor enforces the truce)."""
    return float("inf") if value is None else value


def _swept(tmp_path, spec):
    import csv

    out = tmp_path / f"sweep{len(list(tmp_path.iterdir()))}.csv"
    res = CliRunner().invoke(main, ["sweep", US_CHINA, "-p", spec, "-m", "critical_delta", "-m", "self_enforcing",
                                    "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    with out.open() as fh:
        return list(csv.DictReader(fh))


def test_thresholds_vary_a_discount_factor_as_sweep_does(tmp_path):
    curve = _curve("--vary", "players.china.discount=0.1:0.9:5")
    assert curve["parameter"] == "players.china.discount"
    assert curve["values"] == pytest.approx([0.1, 0.3, 0.5, 0.7, 0.9])
    assert curve["discount"]["china"] == pytest.approx(curve["values"])  # the swept number is China's δ
    rows = _swept(tmp_path, "players.china.discount=0.1:0.9:5")
    for k, row in enumerate(rows):
        for pid in ("us", "china"):
            assert _delta(curve["grim_trigger"][pid][k]) == pytest.approx(float(row[f"critical_delta.grim_nash.{pid}"]))
            assert curve["self_enforcing"][pid][k] == (row[f"self_enforcing.grim_nash.{pid}"] in ("True", "1.0", "1"))
    # China's threshold does not move with its own discount factor; whether it is met does
    assert len(set(curve["grim_trigger"]["china"])) == 1
    crit = curve["grim_trigger"]["china"][0]
    assert curve["self_enforcing"]["china"] == [v >= crit for v in curve["values"]]


def test_thresholds_vary_a_parameter_and_a_level_as_sweep_does(tmp_path):
    for spec in ("import_elast=2.5:5:3", "parameters.import_elast=2.5:5:3", "players.us.levers.tariff.levels.3=20:60:3"):
        curve = _curve("--vary", spec)
        rows = _swept(tmp_path, spec)
        for k, row in enumerate(rows):
            for pid in ("us", "china"):
                want = float(row[f"critical_delta.grim_nash.{pid}"])
                assert _delta(curve["grim_trigger"][pid][k]) == pytest.approx(want), spec


def test_thresholds_vary_a_number_the_thresholds_do_not_read_gives_a_flat_curve():
    curve = _curve("--vary", "repeated.noise=0:0.2:3")
    assert curve["parameter"] == "repeated.noise"
    for pid in ("us", "china"):
        assert len(set(curve["grim_trigger"][pid])) == 1


def test_thresholds_vary_misspelt_path_suggests_the_right_one():
    res = CliRunner().invoke(main, ["thresholds", US_CHINA, "--vary", "players.us.discont=0.1:0.9:5"])
    assert res.exit_code == 2
    assert res.output.startswith("error: ") and "players.us.discount" in res.output
    assert len(res.output.strip().splitlines()) == 1


@pytest.mark.parametrize("welfare", [[], ["--welfare"]], ids=["political", "welfare"])
def test_thresholds_vary_a_discount_keeps_the_payoffs_the_base_run_uses(welfare):
    """At the file's own discount factor the curve gives the thresholds of the plain run (with
    --welfare: the welfare payoffs' thresholds, not the political ones)."""
    from tests.conftest import SCENARIOS

    args = ["thresholds", str(SCENARIOS / "us_china_2025.toml"), "--no-knife-edges", "--format", "json", *welfare]
    base = json.loads(CliRunner().invoke(main, args).output)
    curve = json.loads(CliRunner().invoke(main, [*args, "--vary", "players.us.discount=0.85"]).output)["curve"]
    for pid in ("us", "china"):
        assert curve["grim_trigger"][pid] == [base["grim_trigger"][pid]]
        assert curve["tit_for_tat"][pid] == [base["tit_for_tat"][pid]]
