"""`tradesim robust`, and `--welfare` / knife edges of solve, thresholds and play, end to end."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sim.cli import main
from tests.empirics.test_robust import flip_text

# The game of tests/empirics/test_robust.py: row plays D iff x > 0.3 (gain x - 0.3); column always
# plays C; z changes nothing. Under [welfare] x = 0.9, so row's payoff at (D, C) is 0.6 there and
# -0.05 at the base 0.25.
FLIP = flip_text().replace('cooperative = { row = "act=C", col = "act=C" }',
                           'cooperative = { row = "act=C", col = "act=C" }\n'
                           'strategies = { row = "always_defect", col = "always_cooperate" }')


@pytest.fixture
def flip(write_scenario):
    return str(write_scenario(FLIP))


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_json_has_the_contract_keys_and_is_reproducible(flip):
    first = run("robust", flip, "--draws", 400, "--seed", 7, "--format", "json")
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert {"conclusions", "drivers", "knife_edges", "draws", "seed", "parameters", "invocation"} <= set(data)
    assert data["draws"] == 400 and data["seed"] == 7 and data["payoffs"] == "political"
    assert abs(data["conclusions"]["equilibrium.act=D | act=C"] - 0.7) <= 1.5 / 400
    assert all(isinstance(p, float) for p in data["conclusions"].values())
    assert data["parameters"]["x"] == {"low": 0.0, "high": 1.0, "prior": "uniform(0, 1)", "base": 0.25}
    assert data["drivers"]["base_equilibrium"][0]["parameter"] == "x"
    assert set(data["drivers"]["base_equilibrium"][0]) == {"parameter", "spearman", "auc"}
    assert any(e["parameter"] == "x" and abs(e["flips_at"] - 0.3) <= 1e-3 for e in data["knife_edges"])
    again = run("robust", flip, "--draws", 400, "--seed", 7, "--format", "json")
    assert again.stdout == first.stdout
    other = run("robust", flip, "--draws", 400, "--seed", 8, "--format", "json")
    assert json.loads(other.stdout)["drivers"] != data["drivers"]


def test_threat_conclusions_and_text_table(flip):
    result = run("robust", flip, "--draws", 300, "--if", "row.act=D", "--then", "col.act=D")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "equilibrium: act=D | act=C" in text and "threat_deters" in text and "threat_credible" in text
    assert "drivers: x (1.00)" in text
    assert "the stage equilibrium changes if x moves from 0.25 to 0.3 (5% of its range)" in text
    assert "payoffs: political" in text


def test_csv_is_the_draws_table_and_output_is_written_atomically(flip, tmp_path):
    out = tmp_path / "draws.csv"
    result = run("robust", flip, "--draws", 50, "--format", "csv", "-o", out, "--no-knife-edges")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    rows = out.read_text().splitlines()
    assert rows[0].split(",")[:3] == ["draw", "x", "z"] and len(rows) == 51
    header = rows[0].split(",")
    for row in rows[1:]:
        cells = dict(zip(header, row.split(",")))
        assert cells["base_equilibrium"] == ("1" if float(cells["x"]) < 0.3 else "0")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["draws.csv", "scenario.toml"]  # no temporary left


@pytest.mark.parametrize("args, key", [
    (["--draws", "0"], "--draws"),
    (["--param", "nope"], "--param"),
    (["--param", "k"], "--param"),
    (["--param", "x", "--param", "x"], "--param"),
    (["--if", "row.act=D"], "--then"),
    (["--if", "row.act=D", "--then", "row.act=C"], "then"),
    (["--welfare", "--param", "x"], "--param"),
    (["-o", "/nonexistent/dir/out.json"], "--output"),
], ids=["draws", "unknown", "no-range", "twice", "if-alone", "same-player", "welfare-fixed", "bad-dir"])
def test_bad_input_is_one_line_and_exit_2(flip, args, key):
    result = run("robust", flip, "--draws", 20, *args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and f"{key}:" in lines[0]


def test_robust_on_a_scenario_without_ranges_is_an_error():
    result = run("robust", "scenarios/prisoners_dilemma.toml")
    assert result.exit_code == 2
    assert result.stderr.strip() == ("error: scenarios/prisoners_dilemma.toml: parameters: "
                                     "no parameter has a range or a prior to draw from")


def test_solve_welfare_changes_the_payoffs_and_says_so(flip):
    political = json.loads(run("solve", flip, "--format", "json").stdout)
    welfare = json.loads(run("solve", flip, "--welfare", "--format", "json").stdout)
    assert political["payoffs"] == "political" and welfare["payoffs"] == "welfare"
    (pe,), (we,) = political["equilibria"], welfare["equilibria"]
    assert pe["strategies"]["row"] == {"act=C": 1.0} and pe["payoffs"]["row"] == 0.0
    assert we["strategies"]["row"] == {"act=D": 1.0} and we["payoffs"]["row"] == pytest.approx(0.6)
    assert [(e["parameter"], round(e["flips_at"], 3)) for e in political["knife_edges"]] == [("x", 0.3)]
    assert welfare["knife_edges"] == []  # x is fixed by --welfare; z changes nothing
    text = run("solve", flip, "--welfare").stdout
    assert text.startswith("Payoffs: national welfare ([welfare] x=0.9)")
    assert "Payoffs: political" in run("solve", flip).stdout


def test_solve_knife_edges_text_and_skip(flip):
    text = run("solve", flip).stdout
    assert "Knife edges" in text
    assert "the stage equilibrium changes if x moves from 0.25 to 0.3 (5% of its range)" in text
    skipped = run("solve", flip, "--no-knife-edges", "--format", "json")
    assert json.loads(skipped.stdout)["knife_edges"] is None
    assert "Knife edges" not in run("solve", flip, "--no-knife-edges").stdout
    assert json.loads(run("solve", "scenarios/prisoners_dilemma.toml", "--format", "json").stdout)["knife_edges"] is None


def test_thresholds_welfare_and_knife_edges(flip):
    data = json.loads(run("thresholds", flip, "--format", "json").stdout)
    assert data["payoffs"] == "political"
    assert [(e["conclusion"], round(e["flips_at"], 3)) for e in data["knife_edges"]] == [("self_enforcing.row", 0.3)]
    assert "the truce stops being self-enforcing for row if x moves from 0.25 to 0.3" in run("thresholds", flip).stdout
    welfare = json.loads(run("thresholds", flip, "--welfare", "--format", "json").stdout)
    assert welfare["payoffs"] == "welfare"
    assert welfare["cooperative_payoff"] != data["cooperative_payoff"] or welfare["deviation"] != data["deviation"]


def test_play_welfare_changes_the_payoffs(flip):
    args = ["play", flip, "--rounds", 4, "--seed", 1, "--format", "json"]
    political = json.loads(run(*args).stdout)
    welfare = json.loads(run(*args, "--welfare").stdout)
    assert political["payoffs"] == "political" and welfare["payoffs"] == "welfare"
    assert political["summary"]["per_round_payoff"]["row"] == pytest.approx(-0.05)
    assert welfare["summary"]["per_round_payoff"]["row"] == pytest.approx(0.6)


@pytest.mark.parametrize("command", ["solve", "thresholds", "play", "robust"])
def test_welfare_without_a_welfare_table_is_one_error(command):
    result = run(command, "scenarios/prisoners_dilemma.toml", "--welfare")
    assert result.exit_code == 2
    assert result.stderr.strip() == ("error: scenarios/prisoners_dilemma.toml: welfare: the scenario has no [welfare] "
                                     "table, so --welfare has no values to use")
