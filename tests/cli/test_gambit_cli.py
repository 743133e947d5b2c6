"""Gambit files through the command line: every command reads .nfg/.efg, export writes them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "gambit"


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_a_scenario_exported_as_nfg_solves_the_same(tmp_path):
    pd = ROOT / "scenarios" / "chicken.toml"
    assert _run("export", pd, "--to", tmp_path / "g.nfg").exit_code == 0
    ours = json.loads(_run("solve", pd, "--format", "json", "--no-knife-edges").output)
    back = json.loads(_run("solve", tmp_path / "g.nfg", "--format", "json", "--no-knife-edges").output)
    assert len(ours["equilibria"]) == len(back["equilibria"]) == 3
    def payoffs(out):  # player ids come from Gambit's player names (Row, Column) in the file
        return sorted(tuple(round(v, 9) for v in e["payoffs"].values()) for e in out["equilibria"])

    assert payoffs(ours) == payoffs(back)
    assert _run("validate", tmp_path / "g.nfg").exit_code == 0
    res = _run("play", tmp_path / "g.nfg", "--strategy", "row=tit_for_tat", "--strategy", "column=always_defect",
               "--rounds", "3", "--format", "json")
    assert res.exit_code == 0, res.output


def test_a_sequential_scenario_exported_as_efg_keeps_its_equilibrium(tmp_path):
    seq = ROOT / "scenarios" / "us_china_sequential.toml"
    assert _run("export", seq, "--to", tmp_path / "t.efg").exit_code == 0
    ours = json.loads(_run("solve", seq, "--format", "json").output)["subgame_perfect"]["equilibria"][0]
    back = json.loads(_run("solve", tmp_path / "t.efg", "--format", "json").output)["subgame_perfect"]["equilibria"][0]
    assert ours["path"] == back["path"]
    assert all(abs(a - b) < 1e-6 for a, b in zip(ours["payoffs"].values(), back["payoffs"].values()))


def test_gambit_catalog_games_through_the_cli():
    res = _run("solve", DATA / "entry_deterrence.efg")
    assert res.exit_code == 0 and "Subgame-perfect equilibria (backward induction): 1" in res.output
    res = _run("solve", DATA / "kuhn_poker.efg", "--format", "json")
    assert res.exit_code == 0
    nash = json.loads(res.output)["subgame_perfect"]["nash"]["equilibria"][0]["payoffs"]
    assert abs(nash["Alice"] + 1 / 18) < 1e-9  # Kuhn poker's value for the first player
    res = _run("show", DATA / "pd.nfg")
    assert res.exit_code == 0


def test_bad_gambit_input_is_one_line(tmp_path):
    bad = tmp_path / "bad.nfg"
    bad.write_text('NFG 1 R "x" { "A" "B" } { 2 2 }\n1 2 3\n')
    for args in (("solve", bad), ("validate", bad), ("export", ROOT / "scenarios" / "chicken.toml", "--to", "x.txt")):
        res = _run(*args)
        assert res.exit_code == 2 and res.output.startswith("error: ") and res.output.count("\n") == 1, res.output
