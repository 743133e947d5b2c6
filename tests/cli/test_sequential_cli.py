"""``tradesim solve`` on sequential scenarios: the tree, its equilibria, the figure, the errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
SEQ = str(ROOT / "scenarios" / "us_china_sequential.toml")


def test_solve_a_sequential_scenario(tmp_path):
    runner = CliRunner()
    fig = tmp_path / "tree.png"
    res = runner.invoke(main, ["solve", SEQ, "--plot-tree", str(fig)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "Moves in order:" in res.output and "1. controls: china chooses rare_earths" in res.output
    assert "Subgame-perfect equilibria (backward induction): 1" in res.output
    assert "after rare_earths=October controls: tariff=" in res.output  # the answer off the path
    assert fig.stat().st_size > 10_000
    out = json.loads(runner.invoke(main, ["solve", SEQ, "--format", "json"]).output)
    assert out["leaves"] == 84 and out["perfect_information"] is True
    (eq,) = out["subgame_perfect"]["equilibria"]
    assert len(eq["path"]) == 3 and set(eq["payoffs"]) == {"us", "china"}


def test_simultaneous_and_errors():
    runner = CliRunner()
    res = runner.invoke(main, ["solve", SEQ, "--simultaneous", "--no-knife-edges", "--format", "json"])
    assert res.exit_code == 0 and "equilibria" in json.loads(res.output)
    res = runner.invoke(main, ["solve", str(ROOT / "scenarios" / "prisoners_dilemma.toml"), "--plot-tree", "t.png"])
    assert res.exit_code == 2 and res.output.startswith("error: --plot-tree: only a sequential game")
