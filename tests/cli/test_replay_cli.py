"""``tradesim replay`` and ``tradesim fit`` end to end: outputs, -o, reproducibility and one-line errors."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from sim.cli import main
from tests.empirics.test_replay import DATA, EXPECTED, PREDICTORS, TWO_LEVERS

EVENTS = DATA / "two_levers.csv"
HEADER = "date,player,lever,level,kind,period,note,source\n"


def run(*args):
    return CliRunner().invoke(main, [*map(str, args)])


@pytest.fixture
def scenario(write_scenario):
    return write_scenario(TWO_LEVERS)


def test_replay_json(scenario):
    res = run("replay", scenario, EVENTS, "--format", "json", "--bootstrap", "300", "--strategy", "tit_for_tat")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    for key in ("scores", "periods", "sides", "intervals", "n_moves", "moves", "invocation", "difference"):
        assert key in out
    assert out["n_moves"] == 6
    assert set(out["scores"]) == {*PREDICTORS, "tit_for_tat"}
    assert out["scores"]["escalate"] == pytest.approx(4 / 6)
    assert [m["predictions"]["model"] for m in out["moves"]] == [e[5] for e in EXPECTED]
    assert out["moves"][2]["snapped"] is True and out["moves"][2]["level_given"] == "2.6"
    assert out["invocation"]["command"] == "replay" and out["invocation"]["events"] == str(EVENTS)


def test_replay_same_seed_identical_json(scenario):
    a = run("replay", scenario, EVENTS, "--format", "json", "--seed", "7", "--bootstrap", "200")
    b = run("replay", scenario, EVENTS, "--format", "json", "--seed", "7", "--bootstrap", "200")
    assert a.exit_code == 0 and a.output == b.output


def test_replay_text_and_csv(scenario, tmp_path):
    res = run("replay", scenario, EVENTS, "--bootstrap", "100")
    assert res.exit_code == 0, res.output
    assert "model − mirror" in res.output and "(snapped)" in res.output and "share right" in res.output
    out = tmp_path / "moves.csv"
    res = run("replay", scenario, EVENTS, "--format", "csv", "-o", out, "--period", "p1")
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 6
    assert [r["direction"] for r in rows] == [e[4] for e in EXPECTED]
    assert rows[2]["snapped"] == "yes" and rows[0]["note"] == "east raises"


def test_fit_json_with_holdout(scenario):
    res = run("fit", scenario, EVENTS, "--param", "gain", "--fit-period", "p1", "--test-period", "p2",
              "--format", "json", "--starts", "2", "--bootstrap", "50")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    for key in ("estimates", "lambda", "log_likelihood", "n_observations", "converged", "holdout", "invocation"):
        assert key in out
    assert set(out["estimates"]["gain"]) >= {"value", "se", "low", "high"}
    assert 0.0 <= out["estimates"]["gain"]["value"] <= 3.0
    assert out["holdout"]["periods"] == ["p2"] and set(out["holdout"]["scores"]) == {"model", "mirror", "repeat"}
    text = run("fit", scenario, EVENTS, "--param", "gain", "--starts", "2")
    assert text.exit_code == 0 and "gain" in text.output and "lambda" in text.output


def _one_line_error(res, *parts):
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: "), lines[0]
    for part in parts:
        assert part in lines[0], lines[0]
    assert "Traceback" not in res.output


BAD = [
    ("missing-column", "date,player,level\n2020-01-01,east,low\n", "row 1: missing column 'lever'"),
    ("unknown-player", HEADER + "2020-01-01,north,tariff,low,,,,\n", "row 2, column player: no player 'north'"),
    ("unknown-lever", HEADER + "2020-01-01,east,quota,low,,,,\n", "row 2, column lever: no lever of east 'quota'"),
    ("unknown-label", HEADER + "2020-01-01,east,tariff,huge,,,,\n", "row 2, column level: no level 'huge'"),
    ("bad-date", HEADER + "2020-13-01,east,tariff,low,,,,\n", "row 2, column date: no such date"),
]


@pytest.mark.parametrize("command", ["replay", "fit"])
@pytest.mark.parametrize("name, text, message", BAD, ids=[b[0] for b in BAD])
def test_bad_events_one_line_and_nothing_written(scenario, tmp_path, command, name, text, message):
    events = tmp_path / f"{name}.csv"
    events.write_text(text)
    out = tmp_path / "out.json"
    res = run(command, scenario, events, "-o", out)
    _one_line_error(res, f"error: {events}: {message}")
    assert not out.exists()


def test_param_without_range_or_unknown(scenario, write_scenario):
    fixed = write_scenario(TWO_LEVERS.replace("range = [0.0, 3.0], ", ""), "fixed.toml")
    _one_line_error(run("fit", fixed, EVENTS, "--param", "gain"), f"error: {fixed}: parameters.gain: has no range")
    _one_line_error(run("fit", scenario, EVENTS, "--param", "nope"), f"error: {scenario}: parameters.nope: unknown")


def test_bad_options(scenario):
    _one_line_error(run("replay", scenario, EVENTS, "--period", "p9"), "--period", "no scored move in period 'p9'")
    _one_line_error(run("replay", scenario, EVENTS, "--strategy", "nonsense"), "unknown strategy 'nonsense'")
    _one_line_error(run("replay", scenario, EVENTS, "--bootstrap", "0"), "--bootstrap")
    _one_line_error(run("fit", scenario, EVENTS, "--test-period", "p9"), "--test-period")
    _one_line_error(run("replay", scenario, DATA / "absent.csv"), "absent.csv: no such file")
