"""Round-robin tournaments: reference scores, consistency with single matches, asymmetric games."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from sim.errors import InputError
from sim.model.game import StageGame
from sim.repeated.engine import play
from sim.repeated.strategies import CLASSIC
from sim.repeated.tournament import is_symmetric, round_robin

DATA = Path(__file__).resolve().parents[1] / "data" / "axelrod_pd_200_turns.csv"


@pytest.fixture(scope="module")
def pd_game():
    return StageGame.from_matrices([[3, 0], [5, 1]], [[3, 5], [0, 1]], actions=(("C", "D"), ("C", "D")),
                                   cooperative=(0, 0))


@pytest.fixture(scope="module")
def asym_game():
    # row has three actions, column two: not symmetric
    A = [[3, 0], [4, 1], [5, 0.5]]
    B = [[3, 5], [1, 2], [0, 1]]
    return StageGame.from_matrices(A, B, actions=(("C", "M", "D"), ("C", "D")), cooperative=(0, 0))


def test_classic_round_robin_reproduces_axelrod(pd_game):
    res = round_robin(pd_game, CLASSIC, rounds=200, replicates=2, seed=0)
    assert res.symmetric
    idx = {s: i for i, s in enumerate(res.strategies)}
    with DATA.open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 64
    for row in rows:
        a, b = idx[row["player_1"]], idx[row["player_2"]]
        if a == b:
            assert res.pairwise[a, a] * 200 == pytest.approx((int(row["score_1"]) + int(row["score_2"])) / 2)
        else:
            assert res.pairwise[a, b] * 200 == pytest.approx(int(row["score_1"])), (row["player_1"], row["player_2"])
    assert (res.pairwise_std[np.isfinite(res.pairwise_std)] == 0).all()


def test_table_ranking_and_wins(pd_game):
    res = round_robin(pd_game, ["always_defect", "always_cooperate", "tit_for_tat"], rounds=10, replicates=3,
                      self_play=False)
    # always_defect beats both; tit_for_tat ties the cooperator and loses to the defector
    assert res.wins.tolist() == [6, 0, 0]
    assert res.mean_payoff[0] == pytest.approx(np.mean([5.0, (5 + 9) / 10]))
    assert list(res.ranking) == sorted(range(3), key=lambda i: -res.mean_payoff[i])
    assert np.isnan(res.pairwise[0, 0])
    d = res.to_dict()
    json.dumps(d)
    assert d["pairwise"]["always_defect"]["always_defect"] is None
    assert d["ranking"][0] == res.strategies[res.ranking[0]]
    assert set(d["pairwise"]) == set(res.strategies)
    frame = res.to_frame()
    assert list(frame["strategy"]) == d["ranking"]


def test_cooperation_rate(pd_game):
    res = round_robin(pd_game, ["always_cooperate", "alternator"], rounds=10, replicates=1)
    assert res.cooperation.tolist() == [1.0, 0.5]


def test_pairs_match_single_matches_under_noise(pd_game):
    specs = ["generous_tit_for_tat:g=0.2", "random", "win_stay_lose_shift"]
    res = round_robin(pd_game, specs, rounds=30, replicates=20, noise=0.05, seed=17)
    for m, (a, b) in enumerate(res.matches):
        single = play(pd_game, (specs[a], specs[b]), rounds=30, replicates=20, noise=0.05, seed=17, paths=False)
        assert np.allclose(res.per_round[m], single.per_round)


def test_reproducible_and_seed_sensitive(pd_game):
    kw = dict(rounds=50, replicates=10, noise=0.1)
    a = round_robin(pd_game, CLASSIC, seed=3, **kw)
    b = round_robin(pd_game, CLASSIC, seed=3, **kw)
    c = round_robin(pd_game, CLASSIC, seed=4, **kw)
    assert np.array_equal(a.per_round, b.per_round)
    assert not np.array_equal(a.per_round, c.per_round)


def test_chunked_repetitions_equal_one_block(pd_game, monkeypatch):
    import sim.repeated.tournament as tm

    kw = dict(rounds=20, replicates=9, noise=0.1, seed=5)
    whole = round_robin(pd_game, ["random", "tit_for_tat", "grim_trigger"], **kw)
    monkeypatch.setattr(tm, "CHUNK_CELLS", 20)
    chunked = round_robin(pd_game, ["random", "tit_for_tat", "grim_trigger"], **kw)
    assert np.array_equal(whole.per_round, chunked.per_round)


def test_asymmetric_game_plays_both_roles(asym_game):
    assert not is_symmetric(asym_game)
    res = round_robin(asym_game, ["always_cooperate", "always_defect"], rounds=5, replicates=1)
    assert not res.symmetric and len(res.matches) == 4
    # always_cooperate vs always_defect: as row (C vs D) gets 0, as column (C vs row's D) gets 0 -> mean 0
    # always_defect vs always_cooperate: as row (D vs C) 5, as column (D vs row's C) 5 -> 5
    assert res.pairwise[0, 1] == pytest.approx(0.0)
    assert res.pairwise[1, 0] == pytest.approx(5.0)
    # self-play: mean of both seats
    assert res.pairwise[1, 1] == pytest.approx((0.5 + 1) / 2)


def test_progress_callback(pd_game):
    seen = []
    round_robin(pd_game, ["tit_for_tat", "random"], rounds=20, replicates=2, progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1]


def test_us_china_tournament(us_china_game):
    res = round_robin(us_china_game, ["tit_for_tat", "always_defect", "deadline_truce:k=4", "grim_trigger"], rounds=12,
                      replicates=5, noise=0.02, seed=1)
    assert not res.symmetric and res.pairwise.shape == (4, 4) and np.isfinite(res.pairwise).all()
    json.dumps(res.to_dict())
    # in an asymmetric game a pair plays in both seats; each match scores as it does alone
    names = res.strategies
    for a, b in [(0, 1), (2, 3), (1, 1)]:
        as_row = play(us_china_game, (names[a], names[b]), rounds=12, replicates=5, noise=0.02, seed=1)
        as_col = play(us_china_game, (names[b], names[a]), rounds=12, replicates=5, noise=0.02, seed=1)
        want = (as_row.per_round[:, 0].mean() + as_col.per_round[:, 1].mean()) / 2
        assert res.pairwise[a, b] == pytest.approx(want)


@pytest.mark.parametrize(
    "strategies, kwargs",
    [
        ([], {}),
        (["tit_for_tat", "tit_for_tat"], {}),
        (["tit_for_tat"], {"self_play": False}),
        (["nope"], {}),
        (["tit_for_tat", "random"], {"replicates": 0}),
        (["tit_for_tat", "random"], {"noise": 2.0}),
        (["tit_for_tat", "random"], {"rounds": 0}),
    ],
    ids=["empty", "duplicate", "nothing-to-play", "unknown", "zero-reps", "noise", "rounds"],
)
def test_bad_input(pd_game, strategies, kwargs):
    with pytest.raises(InputError):
        round_robin(pd_game, strategies, **{"rounds": 10, **kwargs})


def test_continuation_tournament(pd_game):
    res = round_robin(pd_game, ["tit_for_tat", "always_defect"], rounds=None, continuation=0.8, replicates=200, seed=2)
    assert res.rounds is None and res.continuation == 0.8
    assert np.isfinite(res.pairwise).all()
    # TFT vs TFT earns R every round whatever the length
    m = [k for k, (a, b) in enumerate(res.matches) if a == b == 0][0]
    assert np.allclose(res.per_round[m], 3.0)
    # TFT vs ALLD: (L - 1) / L per round for a match of L rounds, so below 1 and above 0
    m = [k for k, (a, b) in enumerate(res.matches) if (a, b) == (0, 1)][0]
    assert (res.per_round[m, :, 0] < 1).all() and res.per_round[m, :, 0].mean() > 0.5
