"""End to end: `tradesim play`, `tournament`, `evolve` and `thresholds` through click's runner."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.cli.play_cmds import split_specs
from tests.conftest import LEVER_GAME, SCENARIOS

PD = str(SCENARIOS / "prisoners_dilemma.toml")
USC = str(LEVER_GAME)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def run_json(*args: str):
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_play_pd_defaults_from_scenario():
    data = run_json("play", PD)
    assert data["summary"]["total_payoff"] == {"row": 600.0, "col": 600.0}
    assert data["summary"]["cooperation_rate"] == 1.0
    assert data["setup"]["strategies"] == {"row": "tit_for_tat", "col": "tit_for_tat"}
    assert data["setup"]["rounds"] == 200
    assert "paths" not in data


def test_play_flags_override_and_paths():
    data = run_json("play", PD, "--strategy", "row=tit_for_tat", "--strategy", "col=always_defect", "--rounds", "7",
                    "--paths")
    assert data["summary"]["total_payoff"] == {"row": 6.0, "col": 11.0}
    assert data["paths"][0]["row"]["actions"] == ["C"] + ["D"] * 6
    assert data["paths"][0]["col"]["payoff"][0] == 5.0
    assert data["paths"][0]["row"]["levers"] == {"action": ["C"] + ["D"] * 6}


def test_play_us_china_brief_example():
    data = run_json("play", USC, "--strategy", "us=tit_for_tat", "--strategy", "china=deadline_truce:k=4", "--rounds",
                    "20", "--noise", "0.05", "--reps", "200", "--seed", "1")
    s = data["summary"]
    assert set(s["total_payoff"]) == {"us", "china"} and set(s["discounted_payoff"]) == {"us", "china"}
    assert 0 <= s["cooperation_rate"] <= 1
    assert data["setup"]["seed"] == 1 and data["setup"]["noise"] == 0.05
    again = run_json("play", USC, "--strategy", "us=tit_for_tat", "--strategy", "china=deadline_truce:k=4", "--rounds",
                     "20", "--noise", "0.05", "--reps", "200", "--seed", "1")
    assert again["summary"] == s


def test_play_text_and_csv():
    result = run("play", USC, "--reps", "5", "--seed", "2")
    assert result.exit_code == 0, result.output
    assert "total payoff" in result.stdout and "us" in result.stdout
    result = run("play", PD, "--rounds", "5", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 5 and rows[0]["row_mean_payoff"] == "3.0"
    result = run("play", PD, "--rounds", "3", "--reps", "2", "--paths", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 6 and rows[0]["row_action"] == "C"


def test_tournament_json_shape():
    data = run_json("tournament", PD, "--strategies", "tit_for_tat,always_defect", "--strategies", "grim_trigger",
                    "--rounds", "200", "--reps", "2", "--seed", "1")
    names = ["tit_for_tat", "always_defect", "grim_trigger"]
    assert sorted(data["ranking"]) == sorted(names)
    assert set(data["mean_payoff"]) == set(names)
    for a in names:
        assert set(data["pairwise"][a]) == set(names)
    assert data["pairwise"]["tit_for_tat"]["always_defect"] == pytest.approx(199 / 200)
    assert data["pairwise"]["always_defect"]["tit_for_tat"] == pytest.approx(204 / 200)


def test_tournament_default_strategies_text_and_csv():
    result = run("tournament", PD, "--rounds", "20", "--reps", "2", "--seed", "1")
    assert result.exit_code == 0, result.output
    assert "tit_for_tat" in result.stdout and "rank" in result.stdout
    result = run("tournament", PD, "--rounds", "20", "--reps", "2", "--seed", "1", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 8 and rows[0]["rank"] == "1"


def test_evolve_replicator_and_moran():
    data = run_json("evolve", PD, "--strategies", "always_cooperate,always_defect,tit_for_tat", "--rounds", "50",
                    "--reps", "1")
    assert set(data["replicator"]["final"]) == {"always_cooperate", "always_defect", "tit_for_tat"}
    assert "pairwise" in data["tournament"]
    data = run_json("evolve", PD, "--strategies", "always_defect,tit_for_tat", "--rounds", "20", "--reps", "1",
                    "--method", "moran", "--population", "10", "--runs", "20", "--steps", "500", "--seed", "3")
    assert data["moran"]["population"] == 10
    assert sum(data["moran"]["fixation_probability"].values()) <= 1.0
    result = run("evolve", PD, "--strategies", "always_defect,tit_for_tat", "--rounds", "20", "--reps", "1",
                 "--format", "csv")
    assert result.stdout.startswith("time,always_defect,tit_for_tat")
    result = run("evolve", PD, "--strategies", "always_defect,tit_for_tat", "--rounds", "20", "--reps", "1")
    assert result.exit_code == 0 and "replicator" in result.stdout


def test_thresholds_json_pd():
    data = run_json("thresholds", PD)
    assert data["grim_trigger"] == {"row": pytest.approx(0.5), "col": pytest.approx(0.5)}
    assert data["tit_for_tat"]["row"] == pytest.approx(2 / 3, abs=1e-8)
    assert data["cooperative"] == {"row": "C", "col": "C"}
    assert "feasible_set" in data


def test_thresholds_us_china_text_reads_in_quarters():
    result = run("thresholds", USC)
    assert result.exit_code == 0, result.output
    assert "quarter" in result.stdout and "self-enforcing" in result.stdout
    data = run_json("thresholds", USC)
    assert set(data["grim_trigger"]) == {"us", "china"}
    assert data["period"] == "quarter"


@pytest.mark.parametrize(
    "args, needle",
    [
        (["play", PD, "--strategy", "row=nice"], "unknown strategy"),
        (["play", PD, "--strategy", "nobody=tit_for_tat"], "no player"),
        (["play", PD, "--strategy", "row"], "PLAYER=STRATEGY"),
        (["play", PD, "--noise", "1.5"], "noise"),
        (["play", PD, "--rounds", "0"], "rounds"),
        (["play", PD, "--reps", "0"], "replicates"),
        (["play", PD, "--strategy", "row=generous_tit_for_tat:g=2"], "generous_tit_for_tat:g"),
        (["tournament", PD, "--strategies", "tit_for_tat,bogus"], "unknown strategy"),
        (["tournament", PD, "--reps", "0"], "replicates"),
        (["evolve", PD, "--method", "moran", "--population", "1", "--rounds", "5", "--reps", "1"], "population"),
        (["thresholds", PD, "--cooperative", "row=Z", "--cooperative", "col=C"], "cooperative"),
    ],
    ids=["unknown-strategy", "unknown-player", "bad-item", "noise", "rounds", "reps", "param-range",
         "tournament-unknown", "tournament-reps", "population", "coop-label"],
)
def test_errors_exit_2(args, needle):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and needle in result.output


def test_missing_strategy_for_player(write_scenario):
    path = write_scenario(
        """
        [scenario]
        name = "no defaults"
        [players.a]
        name = "A"
        actions = ["C", "D"]
        [players.b]
        name = "B"
        actions = ["C", "D"]
        [payoffs]
        a = [[3, 0], [5, 1]]
        b = [[3, 5], [0, 1]]
        """
    )
    result = run("play", str(path), "--strategy", "a=tit_for_tat")
    assert result.exit_code == 2 and "b=NAME" in result.output


@pytest.mark.parametrize(
    "values, expected",
    [
        (("a,b",), ["a", "b"]),
        (("deadline_truce:k=4,p=0.5,tit_for_tat",), ["deadline_truce:k=4,p=0.5", "tit_for_tat"]),
        (("x:g=0.1", "y"), ["x:g=0.1", "y"]),
        ((" a , b ",), ["a", "b"]),
    ],
    ids=["plain", "params", "repeated", "spaces"],
)
def test_split_specs(values, expected):
    assert split_specs(values) == expected


def test_progress_bar_goes_to_stderr(monkeypatch):
    import sim.cli.play_cmds as pc

    monkeypatch.setattr(pc, "show_progress", lambda: True)
    result = CliRunner().invoke(main, ["play", USC, "--reps", "20000", "--rounds", "20", "--seed", "1", "--format",
                                       "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["setup"]["replicates"] == 20000


def test_play_continuation_flag():
    data = run_json("play", PD, "--continuation", "0.9", "--reps", "500", "--seed", "4")
    assert data["setup"]["rounds"] is None and data["setup"]["continuation"] == 0.9
    assert 7 < data["summary"]["mean_rounds"] < 13
