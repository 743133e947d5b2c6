"""N-player tournaments: every strategy in every seat, scores by hand, order independence."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from sim.errors import InputError
from sim.repeated.nplayer_engine import play
from sim.repeated.nplayer_tournament import MAX_MATCHES, round_robin
from tests.nplayer_games import public_goods as shared_public_goods

public_goods = functools.partial(shared_public_goods, units="bn USD")


def test_scores_by_hand():
    g = public_goods(3, 2.0)
    t = round_robin(g, ["always_cooperate", "always_defect"], rounds=10, replicates=2, seed=1)
    assert len(t.matches) == 8
    # a cooperator meets (C,C), (C,D), (D,C), (D,D): 2, 4/3, 4/3, 2/3; a defector 7/3, 5/3, 5/3, 1
    assert np.allclose(t.seat_score[0], 4 / 3) and np.allclose(t.seat_score[1], 5 / 3)
    assert np.allclose(t.mean_payoff, [4 / 3, 5 / 3])
    assert t.ranked_names == ["always_defect", "always_cooperate"]
    assert np.allclose(t.cooperation, [1.0, 0.0])
    # the defector alone scores most when it is the only one: 3 matches x 2 replicates (two defectors tie)
    assert t.wins.tolist() == [0, 6]
    table = t.to_frame()
    assert list(table.columns) == ["strategy", "mean_payoff", "payoff_p1", "payoff_p2", "payoff_p3",
                                   "cooperation_rate", "wins"]
    assert t.to_dict()["units"] == "bn USD" and t.to_dict()["setup"]["matches"] == 8


def test_order_of_the_list_does_not_matter():
    g = public_goods(3, 1.8)
    specs = ["tit_for_tat", "grim_trigger", "random:p=0.6", "win_stay_lose_shift", "threshold:k=1"]
    a = round_robin(g, specs, rounds=25, replicates=4, noise=0.05, seed=8)
    perm = [3, 0, 4, 2, 1]
    b = round_robin(g, [specs[i] for i in perm], rounds=25, replicates=4, noise=0.05, seed=8)
    for i, spec in enumerate(specs):
        j = b.strategies.index(spec)
        assert np.allclose(a.seat_score[i], b.seat_score[j], rtol=0, atol=1e-12)
        assert a.wins[i] == b.wins[j]
    assert a.ranked_names == b.ranked_names


def test_a_match_in_the_tournament_is_the_match_played_alone():
    g = public_goods(3, 2.0)
    specs = ["random", "tit_for_tat:mirror=average", "generous_tit_for_tat:g=0.2"]
    t = round_robin(g, specs, rounds=15, replicates=6, noise=0.1, seed=21)
    m = 5
    seats = [specs[s] for s in t.matches[m]]
    alone = play(g, seats, rounds=15, replicates=6, noise=0.1, seed=21)
    assert np.allclose(t.per_round[m], alone.mean)


def test_without_self_play_only_distinct_strategies_meet():
    g = public_goods(3, 2.0)
    t = round_robin(g, ["always_cooperate", "always_defect", "tit_for_tat", "grim_trigger"], rounds=5,
                    replicates=1, self_play=False, seed=0)
    assert len(t.matches) == 4 * 3 * 2
    assert all(len(set(row)) == 3 for row in t.matches.tolist())
    with pytest.raises(InputError, match="at least 3 strategies"):
        round_robin(g, ["always_cooperate", "always_defect"], rounds=5, self_play=False)


def test_continuation_and_reproducibility():
    g = public_goods(4, 2.5)
    a = round_robin(g, ["tit_for_tat", "always_defect", "random"], continuation=0.9, replicates=3, seed=2)
    b = round_robin(g, ["tit_for_tat", "always_defect", "random"], continuation=0.9, replicates=3, seed=2)
    assert len(a.matches) == 81 and np.array_equal(a.per_round, b.per_round)


def test_bad_tournaments():
    g = public_goods(3, 2.0)
    with pytest.raises(InputError, match="listed twice"):
        round_robin(g, ["random", "random:p=0.5"], rounds=5)
    with pytest.raises(InputError, match="at least one strategy"):
        round_robin(g, [], rounds=5)
    many = [f"random:p={i / 100}" for i in range(int(round(MAX_MATCHES ** (1 / 3))) + 2)]
    with pytest.raises(InputError, match="give fewer strategies"):
        round_robin(g, many, rounds=5)
