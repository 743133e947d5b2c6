"""``tradesim duel`` and the notebook widget: a person against a strategy, checked against the engine."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sim.classroom.duel import Duel
from sim.classroom.errors import ClassroomError
from sim.cli import main
from sim.model.game import StageGame, build_game
from sim.model.load import load_scenario
from sim.repeated.engine import play

ROOT = Path(__file__).resolve().parents[2]
PD = str(ROOT / "scenarios" / "prisoners_dilemma.toml")
US_CHINA = str(ROOT / "scenarios" / "us_china_2025.toml")


@pytest.fixture(scope="module")
def pd():
    return StageGame.from_matrices([[3, 0], [5, 1]], [[3, 5], [0, 1]], actions=(("C", "D"), ("C", "D")),
                                   cooperative=(0, 0))


@pytest.mark.parametrize("vs", ["tit_for_tat", "grim_trigger", "tit_for_two_tats", "win_stay_lose_shift",
                                "scenarios/strategies/two_strikes.toml"])
@pytest.mark.parametrize("side", [0, 1])
def test_opponent_moves_are_the_engines(pd, vs, side):
    mine = ["D", "C", "C", "D", "D", "C", "D", "C", "C", "C"]
    d = Duel.start(pd, str(ROOT / vs) if vs.endswith(".toml") else vs, side=side, rounds=len(mine), seed=1)
    for m in mine:
        d.play(m)
    assert d.over
    pair = (f"scripted:path={'|'.join(mine)}", d.strategy)
    result = play(pd, pair if side == 0 else pair[::-1], rounds=len(mine), replicates=1, seed=0)
    theirs = [r.actions[1 - side] for r in d.history]
    assert theirs == result.actions[0, :, 1 - side].tolist()
    total = result.total[0]
    assert d.totals == pytest.approx((total[side], total[1 - side]))


def test_the_move_is_fixed_before_mine_is_seen(pd):
    """Whatever I play in a round, the strategy's move in that round is the same."""
    a = Duel.start(pd, "random:p=0.5", rounds=6, seed=9)
    b = Duel.start(pd, "random:p=0.5", rounds=6, seed=9)
    for _ in range(6):
        ra, rb = a.play("C"), b.play("D")
        assert ra.actions[1] == rb.actions[1]
    assert len({r.actions[1] for r in a.history}) == 2  # it does draw (both moves appear)
    c = Duel.start(pd, "random:p=0.5", rounds=6, seed=10)
    for _ in range(6):
        c.play("C")
    assert [r.actions[1] for r in c.history] != [r.actions[1] for r in a.history]


def test_tit_for_tat_in_my_place(pd):
    d = Duel.start(pd, "grim_trigger", rounds=5, seed=0)
    for m in ["C", "D", "C", "C", "C"]:
        d.play(m)
    s = d.summary()
    # tit for tat never provokes grim trigger: five rounds of (C, C)
    assert s["tit_for_tat_score"] == 15.0 and s["opponent_score_against_tit_for_tat"] == 15.0
    # I provoked it in round 2: 3 + 5 + 0 + 0 + 0
    assert s["score"] == 8.0 and s["opponent_score"] == 3 + 0 + 5 + 5 + 5
    assert s["cooperative_rounds"] == 4 and len(s["rounds_played"]) == 5


def test_ending_with_a_continuation_probability(pd):
    lengths = {Duel.start(pd, rounds=None, continuation=0.8, max_rounds=50, seed=s).length for s in range(40)}
    assert min(lengths) >= 1 and max(lengths) <= 50 and len(lengths) > 5
    d = Duel.start(pd, continuation=0.5, seed=3)
    assert d.known_length is None and "probability 0.5" in d.rules()
    while not d.over:
        d.play("C")
    with pytest.raises(ClassroomError, match="over"):
        d.play("C")


def test_levers_by_level_and_bad_moves():
    game = build_game(load_scenario(US_CHINA), source=US_CHINA)
    d = Duel.start(game, "tit_for_tat", side="china", rounds=3, seed=1)
    levels = d.last_levels()
    assert set(levels) == {lv["name"] for lv in d.levers()}
    played = d.play({**levels, "rare_earths": "October controls"})
    assert "rare_earths=October controls" in played.labels[1]
    assert sum(played.terms[1].values()) == pytest.approx(played.payoffs[1])
    # tit for tat answers the controls in round 2
    second = d.play(levels)
    assert second.actions[0] != d.history[0].actions[0]
    with pytest.raises(ClassroomError, match="missing"):
        d.play({"rare_earths": "October controls"})
    with pytest.raises(ClassroomError):
        d.play({**levels, "tariff": "sky high"})
    with pytest.raises(ClassroomError, match="no player"):
        Duel.start(game, side="eu")
    with pytest.raises(ClassroomError):
        Duel.start(game, "nonsense_strategy")


def test_cli_plays_from_numbered_choices():
    runner = CliRunner()
    res = runner.invoke(main, ["duel", PD, "--vs", "tit_for_tat", "--rounds", "3", "--seed", "2"],
                        input="2\n1\n\n", catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "Round 3 of 3" in res.output and "you (row) played D" in res.output
    # D against C (5), C against D (0), Enter keeps C against C (3)
    assert "3 rounds: you 8.00, col 8.00" in res.output
    assert "Tit for tat in your place would have scored 9.00" in res.output


def test_cli_json_and_errors():
    runner = CliRunner()
    res = runner.invoke(main, ["duel", PD, "--rounds", "2", "--seed", "2", "--format", "json"], input="1\n2\n",
                        catch_exceptions=False)
    assert res.exit_code == 0
    summary = json.loads(res.stdout)
    assert summary["rounds"] == 2 and summary["score"] == 3 + 5 and summary["seed"] == 2
    assert [r["action.row"] for r in summary["rounds_played"]] == ["C", "D"]
    for args, key in ((["--as", "nobody"], "--as"), (["--vs", "nope"], "--vs"), (["--rounds", "0"], "--rounds")):
        res = runner.invoke(main, ["duel", PD, *args], input="", catch_exceptions=False)
        assert res.exit_code == 2 and res.output.startswith(f"error: {key}: ") and res.output.count("\n") == 1, res.output
    res = runner.invoke(main, ["duel", PD, "--rounds", "4", "--seed", "1"], input="1\n", catch_exceptions=False)
    assert "stopped." in res.output and "1 rounds: you 3.00" in res.output


def test_widget_plays_rounds(pd):
    pytest.importorskip("ipywidgets")
    from sim.classroom.widget import duel_widget

    wid = duel_widget(PD, "tit_for_tat", rounds=2, seed=1)
    (picker,) = wid.pickers.values()
    picker.value = "D"
    wid.button.click()
    assert wid.duel.history[0].labels == ("D", "C") and "Round 2 of 2" in wid.status.value
    picker.value = "C"
    wid.button.click()
    assert wid.duel.over and wid.button.disabled and "Done" in wid.status.value
    assert wid.table.value.count("<tr>") == 3
    np.testing.assert_allclose(wid.duel.totals, (5 + 0, 0 + 5))
