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
    import sim.cli.progress as pc

    monkeypatch.setattr(pc, "show_progress", lambda: True)
    result = CliRunner().invoke(main, ["play", USC, "--reps", "20000", "--rounds", "20", "--seed", "1", "--format",
                                       "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["setup"]["replicates"] == 20000


def test_play_continuation_flag():
    data = run_json("play", PD, "--continuation", "0.9", "--reps", "500", "--seed", "4")
    assert data["setup"]["rounds"] is None and data["setup"]["continuation"] == 0.9
    assert 7 < data["summary"]["mean_rounds"] < 13


# ----------------------------------------------------------------------------- sides that differ, units, progress
def test_tournament_two_sided_reports_per_side():
    data = run_json("tournament", USC, "--strategies", "tit_for_tat,always_defect,grim_trigger,always_cooperate",
                    "--rounds", "8", "--reps", "5", "--seed", "1")
    roles = data["roles"]
    assert roles["normalisation"].startswith("score = mean over the two sides")
    wins = {s: (roles["us"]["wins"][s], roles["china"]["wins"][s]) for s in data["ranking"]}
    assert len(set(wins.values())) > 1  # not the same count for every strategy
    for side in ("us", "china"):
        for s, w in roles[side]["wins"].items():
            assert 0 <= w <= roles[side]["wins_possible"][s] == 3 * 5
    assert data["wins"] == {s: sum(w) for s, w in wins.items()}
    assert data["ranking"] == sorted(roles["score"], key=lambda s: -roles["score"][s])
    assert data["units"]["per_round"] == "USD bn per year"
    text = run("tournament", USC, "--strategies", "tit_for_tat,always_defect", "--rounds", "8", "--reps", "5",
               "--seed", "1").stdout
    assert "as us: wins" in text and "as china: payoff/round" in text and "USD bn per year" in text
    assert "each strategy played each side" in text
    rows = list(csv.DictReader(io.StringIO(run("tournament", USC, "--strategies", "tit_for_tat,always_defect",
                                               "--rounds", "8", "--reps", "2", "--format", "csv").stdout)))
    assert {"score", "us_payoff", "us_wins", "china_payoff", "china_wins", "wins"} <= set(rows[0])


def test_tournament_symmetric_output_unchanged():
    data = run_json("tournament", PD, "--strategies", "tit_for_tat,always_defect", "--rounds", "200", "--reps", "2",
                    "--seed", "1")
    assert "roles" not in data and data["wins"] == {"tit_for_tat": 0, "always_defect": 2}
    assert data["units"] == {"payoff_unit": "points", "period": "round", "round_factor": 1.0,
                             "per_round": "points per round", "total": "points"}


def test_play_states_units_and_converts_sums():
    args = ("play", USC, "--rounds", "12", "--reps", "20", "--seed", "3")
    data = run_json(*args)
    u, s = data["units"], data["summary"]
    assert (u["payoff_unit"], u["period"], u["round_factor"], u["total"]) == ("USD bn per year", "quarter", 0.25,
                                                                               "USD bn")
    for pid in ("us", "china"):
        assert u["total_payoff"][pid] == pytest.approx(0.25 * s["total_payoff"][pid])
        assert u["discounted_payoff"][pid] == pytest.approx(0.25 * s["discounted_payoff"][pid])
    text = run(*args).stdout
    assert "total payoff (mean), USD bn " in text and "payoff per round (mean), USD bn per year" in text
    assert "a quarter at a rate counts 0.25 × the rate" in text
    total_us = next(line for line in text.splitlines() if "total payoff (mean)" in line).split("│")[2].strip()
    assert float(total_us) == pytest.approx(u["total_payoff"]["us"], abs=0.006)


def test_evolve_two_populations_by_default_when_sides_differ():
    base = ("evolve", USC, "--strategies", "tit_for_tat,always_defect,grim_trigger", "--rounds", "8", "--reps", "2",
            "--seed", "1")
    data = run_json(*base)
    assert data["populations"] == 2 and data["replicator"]["populations"] == 2
    for side in ("us", "china"):
        assert sum(data["replicator"]["final"][side].values()) == pytest.approx(1.0)
    one = run_json(*base, "--populations", "1")
    assert one["populations"] == 1 and set(one["replicator"]["final"]) == {"tit_for_tat", "always_defect",
                                                                           "grim_trigger"}
    start = run_json(*base, "--start", "us:tit_for_tat=1,us:always_defect=1", "--start", "china:grim_trigger=1")
    assert start["replicator"]["initial"]["us"] == {"tit_for_tat": 0.5, "always_defect": 0.5, "grim_trigger": 0.0}
    assert start["replicator"]["initial"]["china"]["grim_trigger"] == 1.0
    csv_out = run(*base, "--format", "csv").stdout
    assert csv_out.startswith("time,us:tit_for_tat,us:always_defect,us:grim_trigger,china:tit_for_tat")
    assert "two populations, one per side" in run(*base).stdout
    assert run_json("evolve", PD, "--strategies", "tit_for_tat,always_defect", "--rounds", "5", "--reps", "1")[
        "populations"] == 1


def test_evolve_single_mutant_reports_fixation_with_interval():
    data = run_json("evolve", PD, "--strategies", "tit_for_tat,always_defect", "--rounds", "50", "--reps", "1",
                    "--method", "moran", "--population", "10", "--runs", "200", "--mutant", "tit_for_tat",
                    "--seed", "2")
    m = data["mutant"]
    assert m["strategy"] == "tit_for_tat" and m["runs"] == 200 and m["neutral"] == pytest.approx(0.1)
    assert m["fixation_interval"][0] <= m["fixation_probability"] <= m["fixation_interval"][1]
    assert data["moran"]["initial_counts"] == {"tit_for_tat": 1, "always_defect": 9}
    assert data["moran"]["fixation_interval"]["tit_for_tat"] == m["fixation_interval"]
    two = run_json("evolve", USC, "--strategies", "tit_for_tat,always_defect", "--rounds", "8", "--reps", "1",
                   "--method", "moran", "--population", "8", "--runs", "50", "--mutant", "china:always_defect",
                   "--seed", "2")
    assert two["mutant"]["side"] == "china"
    assert two["moran"]["initial_counts"]["china"] == {"tit_for_tat": 7, "always_defect": 1}
    assert two["moran"]["initial_counts"]["us"] == {"tit_for_tat": 8, "always_defect": 0}
    text = run("evolve", PD, "--strategies", "tit_for_tat,always_defect", "--rounds", "50", "--reps", "1", "--method",
               "moran", "--population", "10", "--runs", "50", "--mutant", "tit_for_tat", "--seed", "2").stdout
    assert "one tit_for_tat mutant: took over in" in text and "95% interval" in text and "seed 2" in text


@pytest.mark.parametrize(
    "extra, needle",
    [
        (("--mutant", "tit_for_tat"), "error: --mutant: a single mutant needs a finite population"),
        (("--start", "nope=1"), "error: --start: 'nope' is not one of the strategies"),
        (("--start", "us:tit_for_tat=1", "--populations", "1"), "error: --start: 'us:tit_for_tat=1': one population"),
        (("--method", "moran", "--mutant", "china:nope"), "error: --mutant: 'nope' is not one of"),
    ],
    ids=["mutant-replicator", "unknown-start", "side-one-population", "unknown-mutant"],
)
def test_evolve_start_errors_exit_2(extra, needle):
    result = run("evolve", USC, "--strategies", "tit_for_tat,always_defect", "--rounds", "5", "--reps", "1", *extra)
    assert result.exit_code == 2 and needle in result.stderr, result.stderr


def test_status_line_is_periodic_and_quiet_silences_it(monkeypatch):
    import sim.cli.progress as pc

    now = [0.0]
    status = pc.CountedStatus("tournament", clock=lambda: now[0])
    writes = []
    monkeypatch.setattr(pc.sys, "stderr", type("E", (), {"write": lambda self, s: writes.append(s),
                                                         "flush": lambda self: None})())
    status(1, 10)  # within the first seconds: nothing
    now[0] = pc.STATUS_DELAY + 0.1
    status(5, 10)
    now[0] += 0.5  # too soon for the next line
    status(6, 10)
    now[0] += pc.STATUS_EVERY
    status(8, 10)
    status.close()
    lines = [w for w in writes if "done" in w]
    assert len(lines) == 2 and "tournament: 50% done, 3 s elapsed, about 3 s left" in lines[0]
    assert writes[-1] == "\r\x1b[K"


@pytest.mark.parametrize("quiet", [False, True])
def test_status_line_on_a_terminal_unless_quiet(monkeypatch, quiet):
    import sim.cli.progress as pc

    monkeypatch.setattr(pc, "show_progress", lambda: True)
    monkeypatch.setattr(pc, "STATUS_DELAY", 0.0)
    monkeypatch.setattr(pc, "STATUS_EVERY", 0.0)
    args = ["tournament", PD, "--rounds", "50", "--reps", "2", "--seed", "1", "--format", "json"]
    result = CliRunner().invoke(main, args + (["--quiet"] if quiet else []))
    assert result.exit_code == 0, result.output
    assert ("tournament:" in result.stderr and "% done" in result.stderr) is not quiet
    json.loads(result.stdout)
    assert "quiet" not in json.loads(result.stdout)["invocation"]["params"]
