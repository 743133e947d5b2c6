"""The CLI hook for N-player games: readable tables with units, JSON and CSV, bad formats."""

from __future__ import annotations

import json

import pytest

from sim.cli.nplayer_play import play_nplayer, thresholds_nplayer, tournament_nplayer
from sim.errors import InputError
from sim.model.nplayer import NormalFormGame
from tests.nplayer_games import public_goods


@pytest.fixture
def game() -> NormalFormGame:
    return public_goods(3, 2.0, actions=("give", "keep"), player_ids=["us", "china", "brazil"], name="three-way",
                        units="bn USD")


STRATS = {"us": "tit_for_tat", "china": "grim_trigger", "brazil": "always_defect"}


def test_play_text_has_units_on_every_total(game, capsys):
    play_nplayer(game, STRATS, rounds=5, reps=2, seed=1, paths=True)
    out = capsys.readouterr().out
    assert "three-way (3 players): us=tit_for_tat, china=grim_trigger, brazil=always_defect" in out
    total = next(line for line in out.splitlines() if "total payoff (mean)" in line)
    assert total.count("bn USD") == 3 and "5.33 bn USD" in total and "6.33 bn USD" in total
    assert "brazil: keep | keep | keep | keep | keep" in out


def test_play_json_and_csv(game, capsys):
    play_nplayer(game, STRATS, rounds=3, reps=1, seed=1, fmt="json", invocation=lambda key: {"seed_key": key})
    data = json.loads(capsys.readouterr().out)
    assert data["setup"]["strategies"] == STRATS and data["summary"]["units"] == "bn USD"
    assert data["summary"]["total_payoff"]["brazil"] == pytest.approx(7 / 3 + 2)
    assert data["invocation"] == {"seed_key": 1}
    play_nplayer(game, STRATS, rounds=3, reps=1, seed=1, fmt="csv")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "round,us_mean_payoff,china_mean_payoff,brazil_mean_payoff,cooperation,active"
    assert len(lines) == 4


def test_tournament_text_and_json(game, capsys):
    tournament_nplayer(game, ["always_cooperate", "always_defect"], rounds=10, reps=2, seed=1)
    out = capsys.readouterr().out
    assert "2 strategies in every seat, 8 matches, 10 rounds" in out
    row = next(line for line in out.splitlines() if "always_defect" in line)
    assert row.count("bn USD") == 4 and "1.667 bn USD" in row
    tournament_nplayer(game, None, continuation=0.8, reps=1, seed=2, fmt="json")
    data = json.loads(capsys.readouterr().out)
    assert data["setup"]["matches"] == 7 ** 3 and set(data["seat_score"]["tit_for_tat"]) == {"us", "china", "brazil"}


def test_thresholds_hook(game, capsys):
    thresholds_nplayer(game, fmt="json")
    data = json.loads(capsys.readouterr().out)
    assert data["grim_trigger"] == {"us": pytest.approx(0.25), "china": pytest.approx(0.25),
                                    "brazil": pytest.approx(0.25)}
    thresholds_nplayer(game)
    assert "0.250" in capsys.readouterr().out


def test_bad_format_and_bad_strategy(game):
    with pytest.raises(InputError, match="format must be"):
        play_nplayer(game, STRATS, rounds=3, fmt="xml")
    with pytest.raises(InputError, match="no strategy for player 'brazil'"):
        play_nplayer(game, {"us": "random", "china": "random"}, rounds=3)
