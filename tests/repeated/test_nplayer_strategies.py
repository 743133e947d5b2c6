"""N-player strategies: each against scripted opponents, the three tit-for-tat mirrors, bad specs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.errors import InputError
from sim.model.nplayer import NormalFormGame
from sim.repeated.nplayer_context import NPlayerContext, pure_minmax, pure_nash_profiles
from sim.repeated.nplayer_engine import play
from sim.repeated.nplayer_strategies import NSTRATEGIES, get_nstrategy, list_nstrategies
from sim.repeated.strategies import get_strategy
from tests.nplayer_games import public_goods

C, D = 0, 1


def moves(game, specs, rounds=6, **kw):
    return play(game, specs, rounds=rounds, seed=kw.pop("seed", 0), **kw).moves[0]


# ----------------------------------------------------------------------------- tit for tat, three mirrors
def test_mirror_most_hostile_answers_any_defector():
    m = moves(public_goods(4, 2.0), ["tit_for_tat", "always_cooperate", "always_cooperate", "always_defect"])
    assert m[:, 0].tolist() == [C] + [D] * 5


def test_mirror_average_rounds_the_mean_rung_half_up():
    # three players: one defector of two others is a mean rung of 1/2, rounded up: defect
    m3 = moves(public_goods(3, 2.0), ["tit_for_tat:mirror=average", "always_cooperate", "always_defect"])
    assert m3[:, 0].tolist() == [C] + [D] * 5
    # four players: one of three others is 1/3, rounded down: keep cooperating; two of three: defect
    m4 = moves(public_goods(4, 2.0), ["tit_for_tat:mirror=average", "always_cooperate", "always_cooperate",
                                      "always_defect"])
    assert m4[:, 0].tolist() == [C] * 6
    m4b = moves(public_goods(4, 2.0), ["tit_for_tat:mirror=average", "always_cooperate", "always_defect",
                                       "always_defect"])
    assert m4b[:, 0].tolist() == [C] + [D] * 5


def test_mirror_a_named_player_ignores_the_others():
    g = public_goods(3, 2.0)
    m = moves(g, ["tit_for_tat:mirror=p2", "win_stay_lose_shift", "always_defect"])
    # p2 (Pavlov) shifts every round against a defector and a mirror: p1 copies it one round later
    assert m[1:, 0].tolist() == m[:-1, 1].tolist()
    assert moves(g, ["tit_for_tat:mirror=p2", "always_cooperate", "always_defect"])[:, 0].tolist() == [C] * 6


def test_mirrors_on_a_ladder_of_three_rungs():
    # actions calm, mid, hot: mirror maps the others' escalation onto the own ladder rung for rung
    n = 3
    g = NormalFormGame.from_arrays([np.zeros((3,) * n)] * n, actions=[("calm", "mid", "hot")] * n)
    script = {"always_cooperate": 0, "always_defect": 2}
    m = moves(g, ["tit_for_tat", "always_cooperate", "always_defect"])
    assert m[1:, 0].tolist() == [script["always_defect"]] * 5
    avg = moves(g, ["tit_for_tat:mirror=average", "always_cooperate", "always_defect"])
    assert avg[1:, 0].tolist() == [1] * 5  # rungs 0 and 2: mean 1, the middle rung
    assert moves(g, ["suspicious_tit_for_tat", "always_cooperate", "always_cooperate"])[:, 0].tolist() == [2] + [0] * 5


# ----------------------------------------------------------------------------- the others
def test_grim_trigger_against_all_never_forgives():
    g = public_goods(3, 2.0)
    m = moves(g, ["grim_trigger", "always_cooperate", "random:p=0.8"], rounds=40, seed=4)
    first = int(np.flatnonzero(m[:, 2] == D)[0])
    assert m[: first + 1, 0].tolist() == [C] * (first + 1)
    assert m[first + 1:, 0].tolist() == [D] * (39 - first)


def test_grim_trigger_minmax_holds_the_first_provoker_to_its_minmax():
    rng = np.random.default_rng(2)
    g = NormalFormGame.from_arrays(rng.integers(0, 9, size=(3, 3, 3, 3)).astype(float))
    m = moves(g, ["grim_trigger:punish=minmax", "grim_trigger:punish=minmax", "always_defect"], rounds=5)
    _, profile = pure_minmax(g, 2)
    assert m[0, :2].tolist() == [0, 0]
    assert m[1:, 0].tolist() == [profile[0]] * 4 and m[1:, 1].tolist() == [profile[1]] * 4


def test_grim_trigger_nash_reverts_to_a_pure_equilibrium():
    g = public_goods(3, 2.0)
    ctx = NPlayerContext.build(g, 0, (C, C, C))
    assert pure_nash_profiles(g) == [(D, D, D)] and ctx.nash_action == D


def test_win_stay_lose_shift_against_defectors_alternates():
    m = moves(public_goods(3, 2.0), ["win_stay_lose_shift", "always_defect", "always_defect"])
    assert m[:, 0].tolist() == [C, D, C, D, C, D]  # 2/3 and 1 are both below the aspiration 2
    m = moves(public_goods(3, 2.0), ["win_stay_lose_shift", "always_cooperate", "always_cooperate"])
    assert m[:, 0].tolist() == [C] * 6


def test_threshold_counts_the_others_who_cooperated():
    g = public_goods(4, 2.0)
    field = ["always_cooperate", "always_cooperate", "always_defect"]
    assert moves(g, ["threshold:k=2", *field])[:, 0].tolist() == [C] * 6
    assert moves(g, ["threshold:k=3", *field])[:, 0].tolist() == [C] + [D] * 5
    assert moves(g, ["threshold", *field])[:, 0].tolist() == [C] + [D] * 5  # default: all others


def test_random_extremes_and_rate():
    g = public_goods(3, 2.0)
    assert (moves(g, ["random:p=1", "random:p=0", "random"], rounds=20)[:, :2] == [C, D]).all()
    res = play(g, ["random:p=0.3"] * 3, rounds=100, replicates=200, seed=9)
    assert abs((res.moves == C).mean() - 0.3) < 0.02


def test_stochastic_strategies_reproduce_under_a_seed():
    g = public_goods(3, 2.0)
    specs = ["generous_tit_for_tat:g=0.5", "random", "tit_for_tat"]
    a = play(g, specs, rounds=30, replicates=20, seed=3, noise=0.1)
    b = play(g, specs, rounds=30, replicates=20, seed=3, noise=0.1)
    assert np.array_equal(a.moves, b.moves)


def test_names_match_the_two_player_registry():
    for name in list_nstrategies():
        if name != "threshold":
            assert get_strategy(name).name == name
    assert get_nstrategy("pavlov").name == "win_stay_lose_shift"
    assert get_nstrategy("tit_for_tat:mirror=average").spec == "tit_for_tat:mirror=average"
    assert get_nstrategy("tit_for_tat").spec == "tit_for_tat"


# ----------------------------------------------------------------------------- bad specs
@pytest.mark.parametrize("spec, message", [
    ("nonsense", "unknown N-player strategy 'nonsense'"),
    ("tit_for_tat:g=0.2", "unknown parameter 'g'"),
    ("random:p=2", "must be <= 1.0"),
    ("grim_trigger:punish=hug", "must be one of nash, minmax, defect"),
    ("threshold:k=two", "expected int"),
    ("tit_for_tat:mirror", "expected key=value"),
    ("random:p=0.1,p=0.2", "given twice"),
    ("students/team3.toml", "strategy files describe play against one other side"),
    ("", "empty strategy spec"),
])
def test_bad_spec_is_one_line(spec, message):
    with pytest.raises(InputError) as info:
        get_nstrategy(spec)
    assert message in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("specs, message", [
    (["tit_for_tat:mirror=p9", "random", "random"], "mirror must be most_hostile, average or a player id"),
    (["tit_for_tat:mirror=p1", "random", "random"], "cannot mirror itself"),
    (["threshold:k=3", "random", "random"], "k must be at most 2"),
])
def test_specs_checked_against_the_game(specs, message):
    with pytest.raises(InputError) as info:
        play(public_goods(3, 2.0), specs, rounds=3)
    assert message in str(info.value)


def test_no_pure_equilibrium_to_revert_to():
    # three-player matching pennies variant: player 1 matches 2, 2 matches 3, 3 mismatches 1
    U = np.zeros((3, 2, 2, 2))
    for a, b, c in itertools.product(range(2), repeat=3):
        U[0][a, b, c] = 1.0 if a == b else -1.0
        U[1][a, b, c] = 1.0 if b == c else -1.0
        U[2][a, b, c] = 1.0 if c != a else -1.0
    g = NormalFormGame.from_arrays(U)
    assert pure_nash_profiles(g) == []
    with pytest.raises(InputError, match="no pure Nash equilibrium"):
        play(g, ["grim_trigger"] * 3, rounds=3)
    assert play(g, ["grim_trigger:punish=defect"] * 3, rounds=3).moves.shape == (1, 3, 3)


def test_two_player_instances_are_refused():
    with pytest.raises(InputError, match="two-player strategy"):
        get_nstrategy(get_strategy("tit_for_tat"))
    assert set(NSTRATEGIES) >= {"always_cooperate", "always_defect", "grim_trigger", "tit_for_tat",
                                "win_stay_lose_shift", "random", "threshold"}
