"""solve, play, tournament, thresholds and sweep on files of three players, end to end; options that
only mean something for two players are refused naming the option."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOODS = str(ROOT / "scenarios" / "public_goods_3.toml")
SOY = str(ROOT / "scenarios" / "us_china_brazil_soy.toml")
COALITION = str(ROOT / "scenarios" / "export_control_coalition.toml")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def run_json(*args: str) -> dict:
    res = run(*args, "--format", "json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_solve_finds_the_public_goods_equilibrium_and_says_it_is_complete():
    # Ledyard (1995): with a marginal per-capita return below 1, free riding is dominant and the
    # unique Nash equilibrium; the welfare-maximising correlated equilibrium cannot do better
    data = run_json("solve", GOODS)
    assert data["complete"] is True
    assert [e["strategies"] for e in data["equilibria"]] == [
        {"ann": {"free-ride": 1.0}, "bob": {"free-ride": 1.0}, "cat": {"free-ride": 1.0}}]
    assert data["equilibria"][0]["payoffs"] == {"ann": 3.0, "bob": 3.0, "cat": 3.0}
    assert data["invocation"]["command"] == "solve"
    text = run("solve", GOODS).output
    assert "1 found" in text and "ann: free-ride; bob: free-ride; cat: free-ride" in text


@pytest.mark.parametrize("path", [SOY, COALITION])
def test_solve_on_the_lever_scenarios_reports_verified_equilibria(path):
    data = run_json("solve", path, "--max-seconds", "20")
    assert data["equilibria"], data.get("notes")
    for eq in data["equilibria"]:
        assert set(eq["strategies"]) == {p["id"] for p in data["players"]}
        for strategy in eq["strategies"].values():
            assert sum(strategy.values()) == pytest.approx(1.0)
        assert max(eq["regret"].values()) <= 1e-6 * max(1.0, max(abs(v) for v in eq["payoffs"].values()))


def test_play_tournament_and_thresholds_on_three_players():
    play = run_json("play", GOODS, "--strategy", "ann=tit_for_tat", "--strategy", "bob=grim_trigger",
                    "--strategy", "cat=always_defect", "--rounds", "10", "--reps", "5", "--seed", "3")
    assert play["invocation"]["params"]["seed"] == 3
    again = run_json("play", GOODS, "--strategy", "ann=tit_for_tat", "--strategy", "bob=grim_trigger",
                     "--strategy", "cat=always_defect", "--rounds", "10", "--reps", "5", "--seed", "3")
    assert play["summary"] == again["summary"]
    tour = run_json("tournament", GOODS, "--strategies", "always_defect,always_cooperate", "--rounds", "5",
                    "--reps", "2", "--seed", "1")
    # every strategy in every seat: 2^3 assignments; against the others' 4 equally likely pairs, free
    # riding earns 3 + 2k (k others giving: 3, 5, 5, 7) and giving 2(k + 1) (2, 4, 4, 6) per round
    assert tour["setup"]["matches"] == 8
    assert tour["mean_payoff"] == {"always_defect": pytest.approx(5.0), "always_cooperate": pytest.approx(4.0)}
    evo = run_json("evolve", GOODS, "--strategies", "always_cooperate,always_defect", "--rounds", "5", "--reps", "2",
                   "--seed", "1")
    final = evo["replicator"]["final"]  # free riding, dominant, takes over every seat's population
    assert {seat: round(shares["always_defect"], 6) for seat, shares in final.items()} == {"ann": 1, "bob": 1, "cat": 1}
    th = run_json("thresholds", GOODS)
    assert th["grim_trigger"] == {"ann": pytest.approx(0.25), "bob": pytest.approx(0.25), "cat": pytest.approx(0.25)}


@pytest.mark.parametrize("args, key", [
    (["solve", GOODS, "--method", "vertex"], "--method"),
    (["solve", GOODS, "--plot-matrix", "m.png"], "--plot-matrix"),
    (["solve", GOODS, "--disagreement", "security"], "--disagreement"),
    (["play", GOODS, "--strategy", "ann=tit_for_tat", "--strategy", "bob=tit_for_tat", "--strategy",
      "cat=tit_for_tat", "--perception-noise", "0.1"], "--perception-noise"),
    (["thresholds", GOODS, "--vary", "players.ann.discount=0.1:0.9:3"], "--vary"),
    (["solve", str(ROOT / "scenarios" / "prisoners_dilemma.toml"), "--method", "qre"], "--method"),
    (["evolve", GOODS, "--plot", "e.png"], "--plot"),
    (["robust", GOODS], "players"),
])
def test_options_for_the_other_number_of_players_are_one_line_errors(args, key):
    res = run(*args)
    assert res.exit_code == 2, res.output
    lines = [x for x in res.output.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and key in lines[0], res.output
