"""Role-aware round robins in games whose sides differ: per-role payoffs, wins and the overall score."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.model.game import StageGame
from sim.repeated.engine import play
from sim.repeated.strategies import CLASSIC
from sim.repeated.tournament import round_robin
from sim.repeated.tournament_roles import range_share

A = [[3, 0], [4, 1], [5, 0.5]]
B = [[3, 5], [1, 2], [0, 1]]


def asym(A=A, B=B) -> StageGame:
    return StageGame.from_matrices(A, B, actions=(("C", "M", "D"), ("C", "D")), cooperative=(0, 0))


@pytest.fixture(scope="module")
def pd_game():
    return StageGame.from_matrices([[3, 0], [5, 1]], [[3, 5], [0, 1]], actions=(("C", "D"), ("C", "D")),
                                   cooperative=(0, 0))


def test_per_role_payoffs_wins_and_score_by_hand():
    res = round_robin(asym(), ["always_cooperate", "always_defect"], rounds=5, replicates=3)
    r = res.roles
    assert r is not None and not res.symmetric
    # row role: AC vs AC -> A[C, C] = 3; AC vs AD -> A[C, D] = 0; AD vs AC -> A[D, C] = 5; AD vs AD -> A[D, D] = 0.5
    assert np.allclose(r.pairwise[0], [[3, 0], [5, 0.5]])
    # column role: AC (col) vs AC (row) -> B[C, C] = 3; AC vs row AD -> B[D, C] = 0; AD vs row AC -> B[C, D] = 5
    assert np.allclose(r.pairwise[1], [[3, 0], [5, 1]])
    assert np.allclose(r.mean, [[1.5, 2.75], [1.5, 3.0]])
    # in each role AD against AC beats AC against AD, every repetition: 3 wins per role, of 3
    assert r.wins.tolist() == [[0, 3], [0, 3]] and r.matches.tolist() == [[3, 3], [3, 3]]
    assert res.wins.tolist() == [0, 6]
    assert np.allclose(r.share, [[0, 1], [0, 1]]) and np.allclose(r.score, [0, 1])
    assert res.ranked_names == ["always_defect", "always_cooperate"]


def test_wins_no_longer_count_the_first_role():
    """The old `wins` compared a row payoff with a column payoff: on a scale where the row side always
    scores more, every strategy 'won' every match it played as the row side."""
    shifted = asym(B=(np.asarray(B, float) - 100).tolist())  # China-like: the column side always far below
    specs = ["always_cooperate", "always_defect", "tit_for_tat", "random"]
    res = round_robin(shifted, specs, rounds=20, replicates=10, noise=0.05, seed=3)
    assert len(set(res.wins.tolist())) > 1
    possible = res.roles.matches
    assert (res.roles.wins <= possible).all() and possible[0].tolist() == [30] * 4


@pytest.mark.parametrize("scale, shift", [(1.0, -100.0), (10.0, 0.0), (0.1, 7.0)], ids=["shift", "scale", "both"])
def test_per_role_results_do_not_depend_on_the_other_sides_units(scale, shift):
    specs = ["always_cooperate", "always_defect", "tit_for_tat", "grim_trigger", "random"]
    kw = dict(rounds=15, replicates=8, noise=0.05, seed=11)
    base = round_robin(asym(), specs, **kw)
    other = round_robin(asym(B=(np.asarray(B, float) * scale + shift).tolist()), specs, **kw)
    assert np.array_equal(base.roles.wins, other.roles.wins)
    assert np.allclose(base.roles.score, other.roles.score)
    assert base.ranking == other.ranking
    assert np.allclose(other.roles.pairwise[1], base.roles.pairwise[1] * scale + shift)


def test_each_role_scores_as_the_single_match(us_china_game):
    specs = ["tit_for_tat", "always_defect", "deadline_truce:k=4"]
    res = round_robin(us_china_game, specs, rounds=12, replicates=5, noise=0.02, seed=1)
    for a, b in [(0, 1), (1, 0), (2, 2), (0, 2)]:
        single = play(us_china_game, (specs[a], specs[b]), rounds=12, replicates=5, noise=0.02, seed=1)
        assert res.roles.pairwise[0][a, b] == pytest.approx(single.per_round[:, 0].mean())
        assert res.roles.pairwise[1][b, a] == pytest.approx(single.per_round[:, 1].mean())
    # the role-symmetrised `pairwise` is still the mean of the two roles
    assert np.allclose(res.pairwise, (res.roles.pairwise[0] + res.roles.pairwise[1]) / 2)


def test_table_json_and_units(us_china_game):
    res = round_robin(us_china_game, ["tit_for_tat", "always_defect", "grim_trigger"], rounds=8, replicates=3, seed=2)
    rows = res.table()
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    for key in ("us_payoff", "us_wins", "us_score", "china_payoff", "china_wins", "china_cooperation", "mean_payoff"):
        assert key in rows[0]
    d = json.loads(json.dumps(res.to_dict()))
    assert d["roles"]["normalisation"].startswith("score = mean over the two sides")
    assert set(d["roles"]["us"]["pairwise"]) == set(res.strategies)
    assert d["units"]["per_round"] == "USD bn per year" and d["units"]["round_factor"] == 0.25
    assert d["roles"]["us"]["wins"]["always_defect"] == int(res.roles.wins[0, 1])


def test_symmetric_game_has_no_roles_and_the_same_results(pd_game):
    res = round_robin(pd_game, CLASSIC, rounds=50, replicates=3, noise=0.05, seed=9)
    assert res.symmetric and res.roles is None
    d = res.to_dict()
    assert "roles" not in d and "score" not in d["table"][0]
    assert set(d["table"][0]) == {"rank", "strategy", "mean_payoff", "cooperation_rate", "wins"}
    assert list(res.ranking) == sorted(range(8), key=lambda i: (-res.mean_payoff[i], i))


def test_range_share():
    assert np.allclose(range_share([1.0, 3.0, 2.0]), [0.0, 1.0, 0.5])
    assert np.allclose(range_share([2.0, 2.0]), [0.5, 0.5])


def test_html_view_per_side(us_china_game, pd_game):
    res = round_robin(us_china_game, ["tit_for_tat", "always_defect"], rounds=6, replicates=2, seed=1)
    html = res._repr_html_()
    assert ">score<" in html and "us_wins" in html and "china_payoff" in html
    assert html.count("<table") == 3  # the ranking and one pairwise table per side
    assert "USD bn per year" in html and "The sides differ" in html
    sym = round_robin(pd_game, ["tit_for_tat", "always_defect"], rounds=6, replicates=2, seed=1)._repr_html_()
    assert sym.count("<table") == 2 and ">score<" not in sym and "payoff units" in sym
