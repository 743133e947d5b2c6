"""`tradesim inverse` end to end: the answer, JSON, the figure and one-line errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sim.cli import main
from tests.scenario_texts import PD_LEVERS

# The prisoner's dilemma of tests/scenario_texts.py with ranges: under grim trigger with Nash
# reversion (C, C) is self-enforcing for row iff its discount >= (T - 3) / (T - 1); S plays no part.
PD = (PD_LEVERS
      .replace('T = { value = 5.0, assumption = "temptation" }',
               'T = { value = 5.0, range = [3.5, 10.0], unit = "points", description = "temptation", '
               'assumption = "temptation" }')
      .replace('R = { value = 3.0, assumption = "reward" }',
               'R = { value = 3.0, range = [2.0, 4.0], assumption = "reward" }')
      .replace('S = { value = 0.0, assumption = "sucker" }',
               'S = { value = 0.0, range = [-1.0, 0.5], assumption = "sucker" }'))
ROW = ["--target", "truce:row", "--param", "T", "--param", "players.row.discount=0.05:0.95"]


@pytest.fixture
def pd(write_scenario):
    return str(write_scenario(PD))


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_text_answers_the_question(pd):
    result = run("inverse", pd, *ROW)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "the truce is self-enforcing for row" in out.lower()
    assert "At the base values (T 5, players.row.discount 0.6) it holds; the nearest edge" in out
    assert "players.row.discount: from 0.6 to 0.5" in out and "T: from 5 to 6" in out
    assert "Edge located to 0.001 of each range" in out and "(a grid that fine: 1,002,001)" in out


def test_json_is_stable_and_complete(pd):
    first = run("inverse", pd, *ROW, "--tol", "0.01", "--format", "json")
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert {"target", "parameters", "share", "base_holds", "nearest", "edge", "one_parameter", "boundary",
            "evaluations", "grid_equivalent", "invocation"} <= set(data)
    assert data["target"] == "truce:row" and data["base_holds"] is True and data["tol"] == 0.01
    assert data["parameters"]["T"] == {"path": "parameters.T", "label": "T: temptation", "unit": "points",
                                       "base": 5.0, "low": 3.5, "high": 10.0}
    assert data["parameters"]["players.row.discount"]["low"] == 0.05
    assert data["invocation"]["command"] == "inverse"
    for x, y in (p for line in data["boundary"] for p in line):
        assert abs(y - (x - 3) / (x - 1)) <= 0.01 * 0.9 * 2  # near the threshold delta* = (T - R) / (T - P)
    again = run("inverse", pd, *ROW, "--tol", "0.01", "--format", "json")
    assert again.stdout == first.stdout


def test_default_parameters_are_the_drivers(pd):
    result = run("inverse", pd, "--target", "truce:row", "--tol", "0.01", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["parameters"]) == {"T", "R"}
    assert data["chosen_by"].startswith("the target's drivers over 512 Latin hypercube draws")


def test_plot_writes_the_figure(pd, tmp_path):
    fig = tmp_path / "region.png"
    result = run("inverse", pd, *ROW, "--tol", "0.01", "--plot", fig)
    assert result.exit_code == 0, result.output
    assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and fig.stat().st_size > 10_000
    assert f"wrote {fig}" in result.stderr


def test_holds_everywhere_is_said_plainly(pd, tmp_path):
    # with T at most 5.5 and R at least 3 the row side's threshold (T - R) / (T - 1) stays below 0.56 < 0.6
    result = run("inverse", pd, "--target", "truce:row", "--param", "T=4.5:5.5", "--param", "R=3:4",
                 "--plot", tmp_path / "all.svg")
    assert result.exit_code == 0, result.output
    assert "holds everywhere in the box" in result.stdout
    assert "no value in its range breaks it" in result.stdout


def test_profile_target(pd):
    result = run("inverse", pd, "--target", "profile:row.act=C,col.act=C", "--param", "T=2:6", "--param", "R",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["description"] == "[act=C | act=C] is a pure stage Nash equilibrium"
    assert data["share"] == pytest.approx(0.25, abs=1e-3)  # R >= T in [2, 6] x [2, 4]


@pytest.mark.parametrize("args,message", [
    (["--param", "nope", "--param", "T"], "error: --param: nope: no such number to sweep"),
    (["--param", "P", "--param", "T"], "error: {pd}: parameters.P: has no range to search"),
    (["--param", "T"], "error: --param: give --param twice"),
    (["--param", "T=a:b", "--param", "R"], "error: --param: 'T=a:b': LO and HI must be numbers"),
    (["--target", "truce:nobody"], "error: --target: no player 'nobody'"),
    (["--target", "stable:often"], "error: --target: unknown target 'stable:often'"),
    (["--target", "profile:row.act=X,col.act=C"], "error: --target.row.act: no level 'X'"),
    (["--tol", "0.5"], "error: --tol: must be a number in (0, 0.1]"),
    (["--plot", "fig.txt"], "error:"),
], ids=["unknown", "no range", "one param", "bad range", "no player", "unknown target", "bad level", "tol", "plot"])
def test_bad_input_is_one_line_and_status_2(pd, args, message):
    result = run("inverse", pd, *args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message.format(pd=pd)), lines


def test_listed_in_help():
    result = run("--help")
    assert "inverse" in result.stdout
