"""`tradesim validate` and `tradesim show` on scenarios of three or more players, end to end."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import main
from tests.conftest import SCENARIOS

PUBLIC_GOODS = SCENARIOS / "public_goods_3.toml"
SOY = SCENARIOS / "us_china_brazil_soy.toml"
COALITION = SCENARIOS / "export_control_coalition.toml"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_validate_names_players_and_actions():
    result = run("validate", PUBLIC_GOODS, SOY, COALITION)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines == [
        f"ok: {PUBLIC_GOODS}: Public goods, three players (3 players, 2 x 2 x 2 actions)",
        f"ok: {SOY}: US–China–Brazil soybeans (3 players, 3 x 3 x 3 actions)",
        f"ok: {COALITION}: Export-control coalition (3 players, 2 x 2 x 3 actions)",
    ]


def test_validate_json_lists_every_players_action_count():
    result = run("validate", SOY, SCENARIOS / "prisoners_dilemma.toml", "--format", "json")
    assert result.exit_code == 0, result.output
    files = json.loads(result.output)["files"]
    assert [f["actions"] for f in files] == [[3, 3, 3], [2, 2]]


def test_two_player_validate_line_is_unchanged():
    result = run("validate", SCENARIOS / "prisoners_dilemma.toml")
    assert result.output.strip() == f"ok: {SCENARIOS / 'prisoners_dilemma.toml'}: Prisoner's dilemma (2 x 2 actions)"


def test_show_json_has_tensors_and_labels_per_player():
    result = run("show", PUBLIC_GOODS, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["n_players"] == 3 and data["profiles"] == 8
    assert [p["id"] for p in data["players"]] == ["ann", "bob", "cat"]
    assert all(p["actions"] == ["contribute", "free-ride"] for p in data["players"])
    assert data["payoffs"]["ann"] == [[[6, 4], [4, 2]], [[7, 5], [5, 3]]]  # the file's tensor, axis k = player k
    assert data["terms"]["cat"]["payoff"] == data["payoffs"]["cat"]
    assert data["cooperative"] == {"ann": "contribute", "bob": "contribute", "cat": "contribute"}


def test_show_json_of_a_lever_game_sums_its_terms():
    data = json.loads(run("show", SOY, "--format", "json").output)
    for pid, tensor in data["payoffs"].items():
        total = sum(np.array(t) for t in data["terms"][pid].values())
        assert np.allclose(total, tensor) and np.array(tensor).shape == (3, 3, 3)
    assert [lv["name"] for p in data["players"] for lv in p["levers"]] == ["tariff", "us_share", "expansion"]


def test_show_text_lists_every_profile_of_a_small_game():
    result = run("show", PUBLIC_GOODS)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Public goods, three players: 3 players, 2 x 2 x 2 actions (8 profiles)" in out
    rows = [line for line in out.splitlines() if "free-ride" in line and "│" in line and "contribute" not in line]
    assert len(rows) == 1 and [cell.strip() for cell in rows[0].split("│")[4:7]] == ["3", "3", "3"]


def test_show_text_of_a_large_game_lists_key_profiles(write_scenario):
    text = SOY.read_text(encoding="utf-8").replace('levels = [0.0, 10.0, 20.0]\nlabels = ["none", "+10 MMT", "+20 MMT"]',
                                                   "levels = [0.0, 2.5, 5.0, 7.5, 10.0, 12.5, 15.0, 17.5, 20.0]"
                                                   ).replace('expansion = "none"', "expansion = 0")
    path = write_scenario(text, "big.toml")
    result = run("show", path)
    assert result.exit_code == 0, result.output
    assert "81 profiles" in result.output and "Key profiles and their payoff terms" in result.output
    assert "brazil.margin" in result.output and "all hostile: us tariff=Apr 2025 | china us_share=boycott | brazil " \
        "expansion=20" in result.output


def test_show_matrix_csv_has_one_row_per_profile(tmp_path):
    out = tmp_path / "t.csv"
    result = run("show", COALITION, "--matrix", out)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0][:6] == ["us", "ally", "china", "payoff.us", "payoff.ally", "payoff.china"]
    assert len(rows) == 1 + 2 * 2 * 3
    assert rows[1][:3] == ["controls=none", "align=stays out", "retaliation=none"]
    assert rows[2][:3] == ["controls=none", "align=stays out", "retaliation=targets US"]  # last player fastest


@pytest.mark.parametrize("command", ["robust", "stability"])
def test_two_player_commands_refuse_three_players_with_one_line(command):
    result = run(command, PUBLIC_GOODS)
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"error: {PUBLIC_GOODS}: players: has 3 players; this command takes two (solve, "
                                     "play, tournament, thresholds, sweep, validate and show take more)")


def test_bad_n_player_file_is_one_clean_line(write_scenario):
    text = PUBLIC_GOODS.read_text(encoding="utf-8").replace("cat = [[[6, 7], [4, 5]], [[4, 5], [2, 3]]]",
                                                            "cat = [[6, 7], [4, 5]]")
    path = write_scenario(text, "bad.toml")
    for command in ("validate", "show"):
        result = run(command, path)
        assert result.exit_code == 2
        assert result.stderr.strip() == (
            f"error: {path}: payoffs.cat: must be a 2 x 2 x 2 tensor, nested 3 levels deep in player order: 2 entries "
            "(ann's actions), each of 2 entries (bob's actions), each of 2 numbers (cat's actions); got a 2 x 2 matrix")
