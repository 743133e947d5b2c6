"""The N-player engine: hand-computed matches, the two-player engine reproduced, seeds, horizons, noise."""

from __future__ import annotations

import numpy as np
import pytest

from sim._random import match_key
from sim.errors import InputError
from sim.model.game import StageGame
from sim.model.nplayer import NormalFormGame
from sim.repeated import engine as two
from sim.repeated.nplayer_engine import MAX_PATH_CELLS, nmatch_key, play
from tests.nplayer_games import public_goods

PD = np.array([[3.0, 0.0], [5.0, 1.0]])
THREE = np.array([[4.0, 0.0, 1.0], [5.0, 2.0, 0.0], [3.0, 1.0, 1.5]])  # three actions, calm first


def two_player(A, B=None, labels=("C", "D")):
    B = A.T if B is None else B
    acts = [tuple(labels)[: A.shape[0]], tuple(labels)[: A.shape[1]]]
    ng = NormalFormGame.from_arrays([A, B], actions=acts, discount=[0.95, 0.9])
    return ng, StageGame.from_normal_form(ng)


# ----------------------------------------------------------------------------- hand-computed
def test_three_player_match_by_hand():
    g = public_goods(3, 2.0)
    res = play(g, ["tit_for_tat", "grim_trigger", "always_defect"], rounds=5, replicates=2, seed=1)
    assert res.moves.shape == (2, 5, 3)
    C, D = 0, 1
    assert res.moves[0].tolist() == [[C, C, D]] + [[D, D, D]] * 4
    # round 0: the two contributors get 2*2/3 = 4/3, the free rider 1 + 4/3; then everyone 1
    assert np.allclose(res.total[0], [4 / 3 + 4, 4 / 3 + 4, 7 / 3 + 4])
    w = 0.9 ** np.arange(1, 5)
    assert np.allclose(res.discounted[0], [4 / 3 + w.sum(), 4 / 3 + w.sum(), 7 / 3 + w.sum()])
    assert np.allclose(res.mean[0], res.total[0] / 5)
    assert res.coop_rounds.tolist() == [0, 0] and res.first_breakdown.tolist() == [0, 0]
    assert res.coop_rounds_player[0].tolist() == [1, 1, 0]
    assert np.allclose(res.payoffs()[0, 0], [4 / 3, 4 / 3, 7 / 3])
    frame = res.to_frame()
    assert len(frame) == 10 and list(frame.columns[:4]) == ["replicate", "round", "p1_action", "p1_payoff"]
    d = res.to_dict(paths=True)
    assert d["paths"][0]["p3"]["actions"] == ["D"] * 5
    assert d["setup"]["strategies"] == {"p1": "tit_for_tat", "p2": "grim_trigger", "p3": "always_defect"}


def test_all_cooperate_and_discounting():
    g = public_goods(4, 3.0, discount=[0.5, 0.6, 0.7, 0.8])
    res = play(g, ["always_cooperate"] * 4, rounds=3, seed=0)
    assert np.allclose(res.total[0], [9.0] * 4)
    assert np.allclose(res.discounted[0], [3 * (1 + d + d * d) for d in (0.5, 0.6, 0.7, 0.8)])
    assert res.coop_rounds.tolist() == [3] and res.first_breakdown.tolist() == [-1]


# ----------------------------------------------------------------------------- two-player engine reproduced
PAIRS = [
    ("tit_for_tat", "random"),
    ("grim_trigger", "generous_tit_for_tat:g=0.3"),
    ("win_stay_lose_shift", "suspicious_tit_for_tat"),
    ("always_defect", "grim_trigger:punish=defect"),
    ("random:p=0.7", "always_cooperate"),
]


@pytest.mark.parametrize("pair", PAIRS, ids=["|".join(p) for p in PAIRS])
@pytest.mark.parametrize("payoffs", [PD, THREE], ids=["pd", "3x3"])
@pytest.mark.parametrize("horizon", [{"rounds": 40}, {"continuation": 0.9}], ids=["fixed", "continuation"])
def test_two_player_moves_equal_the_two_player_engine(pair, payoffs, horizon):
    ng, sg = two_player(payoffs, labels=("C", "M", "D"))
    r2 = two.play(sg, pair, replicates=300, noise=0.05, seed=7, **horizon)
    rn = play(ng, pair, replicates=300, noise=0.05, seed=7, **horizon)
    assert np.array_equal(r2.length, rn.length)
    assert np.array_equal(r2.actions, rn.moves)
    assert np.allclose(r2.total, rn.total) and np.allclose(r2.discounted, rn.discounted)
    assert np.array_equal(r2.coop_rounds, rn.coop_rounds)
    assert np.array_equal(r2.first_breakdown, rn.first_breakdown)


def test_match_key_is_the_two_player_one():
    assert nmatch_key(["tit_for_tat", "random:p=0.2"]) == match_key("tit_for_tat", "random:p=0.2")


# ----------------------------------------------------------------------------- seeds and batching
def test_same_seed_same_paths_and_replicates_independent_of_batch():
    g = public_goods(3, 2.0)
    specs = ["random", "tit_for_tat:mirror=average", "generous_tit_for_tat:g=0.4"]
    a = play(g, specs, rounds=30, replicates=50, noise=0.1, seed=11)
    b = play(g, specs, rounds=30, replicates=50, noise=0.1, seed=11, chunk_size=7)
    c = play(g, specs, rounds=30, replicates=5, noise=0.1, seed=11)
    d = play(g, specs, rounds=30, replicates=50, noise=0.1, seed=12)
    assert np.array_equal(a.moves, b.moves)
    assert np.array_equal(a.moves[:5], c.moves)
    assert not np.array_equal(a.moves, d.moves)
    assert a.seed == 11 and a.to_dict()["setup"]["seed"] == 11


def test_fresh_entropy_records_the_key():
    g = public_goods(3, 2.0)
    a = play(g, ["random"] * 3, rounds=20, replicates=5, seed=None)
    b = play(g, ["random"] * 3, rounds=20, replicates=5, seed=a.seed_key)
    assert a.seed is None and np.array_equal(a.moves, b.moves)


def test_continuation_lengths_are_geometric():
    g = public_goods(3, 2.0)
    res = play(g, ["always_cooperate"] * 3, continuation=0.8, max_rounds=200, replicates=20_000, seed=3, paths=False)
    assert res.length.min() >= 1 and res.length.max() <= 200
    assert abs(res.length.mean() - 5.0) < 0.1  # E[length] = 1 / (1 - 0.8); sd of the mean ~0.03
    assert np.allclose(res.total, 2.0 * res.length[:, None])
    capped = play(g, ["always_cooperate"] * 3, continuation=0.99, max_rounds=10, replicates=100, seed=3)
    assert capped.length.max() == 10


def test_noise_replaces_by_a_random_other_action():
    ng = NormalFormGame.from_arrays([np.zeros((3, 3, 2))] * 3, actions=[("a", "b", "c"), ("a", "b", "c"), ("x", "y")])
    res = play(ng, ["always_cooperate"] * 3, rounds=50, replicates=2000, noise=0.3, seed=5, paths=True)
    m = res.moves.reshape(-1, 3)
    for p, n in enumerate((3, 3, 2)):
        share = np.bincount(m[:, p], minlength=n) / len(m)
        assert abs(share[0] - 0.7) < 0.01
        assert np.allclose(share[1:], 0.3 / (n - 1), atol=0.01)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, message", [
    ({"strategies": ["always_cooperate"] * 2, "rounds": 5}, "one strategy for each of the 3 players"),
    ({"strategies": {"p1": "random", "p2": "random", "x": "random"}, "rounds": 5}, "no player 'x'"),
    ({"strategies": {"p1": "random", "p2": "random"}, "rounds": 5}, "no strategy for player 'p3'"),
    ({"strategies": ["random"] * 3, "rounds": 5, "continuation": 0.5}, "either rounds or a continuation"),
    ({"strategies": ["random"] * 3}, "number of rounds or a continuation"),
    ({"strategies": ["random"] * 3, "rounds": 5, "noise": 1.5}, "probability"),
    ({"strategies": ["random"] * 3, "rounds": 5, "discount": [0.9, 0.9]}, "one discount factor for each"),
    ({"strategies": ["random"] * 3, "rounds": 5, "cooperative": ["C", "C"]}, "one action for each of the 3"),
    ({"strategies": ["random"] * 3, "rounds": 5, "cooperative": {"p2": "Z"}}, "cooperative.p2"),
    ({"strategies": ["random"] * 3, "rounds": 5, "replicates": 0}, "replicates must be"),
    ({"strategies": ["random"] * 3, "rounds": 1000, "replicates": MAX_PATH_CELLS // 1000}, "paths=False"),
])
def test_bad_input_is_one_line(kwargs, message):
    g = public_goods(3, 2.0)
    with pytest.raises(InputError) as info:
        play(g, **kwargs)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_cooperative_profile_by_label_changes_what_counts_as_cooperation():
    g = public_goods(3, 2.0)
    res = play(g, ["always_defect"] * 3, rounds=4, cooperative={"p1": "D", "p2": "D", "p3": "D"}, seed=0)
    assert res.coop_rounds.tolist() == [4]
    assert res.to_dict()["setup"]["cooperative"] == {"p1": "D", "p2": "D", "p3": "D"}
