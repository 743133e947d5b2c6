"""`--plot FILE` on the commands that have a picture, and `tradesim plot` re-drawing a saved result."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sim.cli import main
from tests.conftest import LEVER_GAME, SCENARIOS

US_CHINA = str(LEVER_GAME)
PD = str(SCENARIOS / "prisoners_dilemma.toml")

COMMANDS = [
    ("play", ["play", US_CHINA, "--reps", "50", "--rounds", "8", "--seed", "2"]),
    ("tournament", ["tournament", PD, "--rounds", "20", "--reps", "2", "--seed", "1"]),
    ("evolve", ["evolve", PD, "--rounds", "20", "--reps", "2", "--seed", "1", "--t-max", "10"]),
    ("thresholds", ["thresholds", US_CHINA]),
    ("thresholds-vary", ["thresholds", US_CHINA, "--vary", "cn_re_retaliation=0:60:4"]),
]


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
@pytest.mark.parametrize("name, args", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_plot_option_writes_the_figure_and_plot_redraws_it(tmp_path, name, args, suffix):
    runner = CliRunner()
    first = tmp_path / f"first{suffix}"
    result = runner.invoke(main, [*args, "--format", "json", "--plot", str(first)])
    assert result.exit_code == 0, result.output
    assert first.stat().st_size > 1000
    saved = tmp_path / "result.json"
    saved.write_text(result.stdout)
    assert json.loads(result.stdout)["invocation"]["command"] == name.split("-")[0]
    again = tmp_path / f"again{suffix}"
    redraw = runner.invoke(main, ["plot", str(saved), str(again)])
    assert redraw.exit_code == 0, redraw.output
    assert again.read_bytes() == first.read_bytes(), "same invocation and seed must draw the same figure"


def test_play_without_seed_records_the_drawn_seed(tmp_path):
    runner = CliRunner()
    out = runner.invoke(main, ["play", US_CHINA, "--reps", "20", "--rounds", "6", "--noise", "0.1", "--format", "json"])
    data = json.loads(out.stdout)
    assert data["invocation"]["params"]["seed"] == data["setup"]["seed_key"]


@pytest.mark.parametrize(
    "path, message",
    [("x.gif", "unknown plot format '.gif'"), ("missing/x.png", "does not exist")],
)
def test_bad_plot_path_is_one_error_before_any_work(tmp_path, path, message):
    result = CliRunner().invoke(main, ["play", US_CHINA, "--reps", "5", "--plot", str(tmp_path / path)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_plot_refuses_changed_scenario(tmp_path):
    scenario = tmp_path / "pd.toml"
    scenario.write_text((SCENARIOS / "prisoners_dilemma.toml").read_text())
    runner = CliRunner()
    result = runner.invoke(main, ["thresholds", str(scenario), "--format", "json"])
    saved = tmp_path / "r.json"
    saved.write_text(result.stdout)
    scenario.write_text(scenario.read_text().replace("row = [[3, 0], [5, 1]]", "row = [[4, 0], [5, 1]]"))
    redraw = runner.invoke(main, ["plot", str(saved), str(tmp_path / "x.png")])
    assert redraw.exit_code == 2
    assert "changed since the result was saved" in redraw.stderr
    assert not (tmp_path / "x.png").exists()


def test_plot_rejects_non_results(tmp_path):
    bad = tmp_path / "r.json"
    bad.write_text('{"no": "invocation"}')
    result = CliRunner().invoke(main, ["plot", str(bad), str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "no 'invocation' block" in result.stderr


def test_solve_draws_space_terms_and_matrix(tmp_path):
    paths = {name: tmp_path / f"{name}.svg" for name in ("space", "terms", "matrix")}
    result = CliRunner().invoke(main, [
        "solve", US_CHINA, "--plot", str(paths["space"]), "--plot-terms", str(paths["terms"]),
        "--plot-matrix", str(paths["matrix"]),
    ])
    assert result.exit_code == 0, result.output
    for path in paths.values():
        assert path.read_text().lstrip().startswith("<?xml")
    assert "Kalai" in paths["space"].read_text()
    assert "full escalation" in paths["terms"].read_text()


def test_solve_json_then_plot_redraws(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["solve", PD, "--format", "json"])
    saved = tmp_path / "solve.json"
    saved.write_text(result.stdout)
    out = tmp_path / "space.png"
    assert runner.invoke(main, ["plot", str(saved), str(out)]).exit_code == 0
    assert out.read_bytes().startswith(b"\x89PNG")


def test_usage_errors_are_one_line():
    runner = CliRunner()
    for args in (["play", US_CHINA, "--reps", "abc"], ["show", PD, "--format", "yaml"], ["nope"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


def test_unwritable_directory_is_one_error(tmp_path):
    locked = tmp_path / "file-not-dir"
    locked.write_text("")
    result = CliRunner().invoke(main, ["show", PD, "--matrix", str(locked / "m.csv")])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --matrix: directory") and result.stderr.count("\n") == 1


def test_evolve_simplex_needs_three_strategies(tmp_path):
    runner = CliRunner()
    out = tmp_path / "simplex.png"
    args = ["evolve", PD, "--rounds", "20", "--reps", "2", "--seed", "1", "--t-max", "10"]
    ok = runner.invoke(main, [*args, "--strategies", "tit_for_tat,always_defect,always_cooperate",
                              "--plot-simplex", str(out)])
    assert ok.exit_code == 0, ok.output
    assert out.read_bytes().startswith(b"\x89PNG")
    bad = runner.invoke(main, [*args, "--strategies", "tit_for_tat,always_defect", "--plot-simplex", str(out)])
    assert bad.exit_code == 2 and "exactly three strategies" in bad.stderr


@pytest.mark.parametrize("option", ["--plot-terms", "--plot-matrix", "--plot-state", "--plot-policy"])
def test_bad_extra_plot_path_names_its_own_option(tmp_path, option):
    result = CliRunner().invoke(main, ["solve", US_CHINA, option, str(tmp_path / "x.txt")])
    assert result.exit_code == 2 and result.stderr.strip().splitlines() == [
        f"error: {option}: unknown plot format '.txt'; use one of .png, .svg, .pdf"]
