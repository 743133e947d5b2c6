"""Gambit strategic-form files of three players: read by every command that takes N-player games,
solved to their published equilibria, and written back by ``tradesim export``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.model.gambit import read_nfg
from sim.model.load import load_scenario
from sim.model.nplayer_build import build_normal_form

ROOT = Path(__file__).resolve().parents[2]
MM = ROOT / "tests" / "data" / "gambit" / "2x2x2.nfg"


def test_mckelvey_mclennan_from_gambits_own_file_has_its_nine_equilibria():
    res = CliRunner().invoke(main, ["solve", str(MM), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["complete"] is True and len(data["equilibria"]) == 9
    mixed = [e for e in data["equilibria"] if all(len(s) == 2 for s in e["strategies"].values())]
    assert len(mixed) == 2  # "two totally mixed", as the file's title says
    first = sorted(tuple(e["strategies"][p].get("1", 0.0) for p in ("player_1", "player_2", "player_3"))
                   for e in mixed)
    assert first == [pytest.approx((0.4, 0.5, 1 / 3)), pytest.approx((0.5, 0.4, 0.25))]


def test_the_file_is_read_with_axis_k_for_player_k():
    game = read_nfg(MM)
    assert game.players == ("Player 1", "Player 2", "Player 3") and game.shape == (2, 2, 2)
    # Gambit lists profiles with player 1's strategy fastest: the 4th is (2, 2, 1) -> (9, 8, 2)
    assert [float(game.payoffs[k][1, 1, 0]) for k in range(3)] == [9.0, 8.0, 2.0]
    res = CliRunner().invoke(main, ["play", str(MM), "--strategy", "player_1=always_cooperate", "--strategy",
                                    "player_2=always_cooperate", "--strategy", "player_3=always_cooperate",
                                    "--rounds", "3", "--format", "json"])
    assert res.exit_code == 0, res.output


def test_a_three_player_scenario_exports_to_nfg_and_reads_back(tmp_path):
    out = tmp_path / "goods.nfg"
    res = CliRunner().invoke(main, ["export", str(ROOT / "scenarios" / "public_goods_3.toml"), "--to", str(out)])
    assert res.exit_code == 0, res.output
    game = build_normal_form(load_scenario(ROOT / "scenarios" / "public_goods_3.toml"))
    back = read_nfg(out)
    assert back.shape == game.shape
    for k in range(3):
        assert np.array_equal(back.payoffs[k], game.payoffs[k])


def test_a_one_player_file_is_one_line(tmp_path):
    path = tmp_path / "solo.nfg"
    path.write_text('NFG 1 R "solo" { "Only" }\n\n{ { "a" "b" } }\n""\n\n1 2\n', encoding="utf-8")
    res = CliRunner().invoke(main, ["solve", str(path)])
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [f"error: {path}: has 1 players; tradesim's games have 2 to 8"]
