"""Nash equilibria: published answers, properties, peers (lrsnash, nashpy) and bad input."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import InputError
from sim.model.game import StageGame
from sim.stage.dominance import iterated_dominance
from sim.stage.enumeration import support_enumeration_arrays, vertex_enumeration_arrays
from sim.stage.equilibria import (
    exact_check,
    lemke_howson,
    nash_equilibria,
    payoff_scale,
    pure_best_response_profiles,
    pure_equilibria,
    support_enumeration,
    vertex_enumeration,
)
from tests.lrs_oracle import LRSNASH, lrsnash

# von Stengel (1999), "New maximal numbers of equilibria in bimatrix games", Discrete Comput.
# Geom. 21:557-568: a 6x6 game with 75 equilibria. Payoffs as in Gambit's contrib/games/stengel.nfg
# (NFG order: row index fastest, pairs (row payoff, column payoff)).
STENGEL_NFG = """
9504 72336 -111771 -461736 397584 1227336 171204 -1718376 1303104 1303104 737154 -453420 -660 48081
31680 -300036 -113850 774576 -45936 -1039236 -453420 737154 -227040 -227040 19976 29216 -130944
-178761 451176 451176 208626 -586476 1227336 397584 774576 -113850 -20526 14124 168124 -84436
-586476 208626 -263076 -263076 -1718376 171204 -1039236 -45936 1776 1776 -8514 -8976 29216 19976
14124 -20526 72336 9504 48081 -660 -8976 -8514 52764 52764 -178761 -130944 -84436 168124 -461736
-111771 -300036 31680
"""
_v = np.array(STENGEL_NFG.split(), dtype=float).reshape(6, 6, 2)
STENGEL_A, STENGEL_B = _v[:, :, 0].T, _v[:, :, 1].T

# nashpy issue #82 (a degenerate 3x5 game of minimisers): 8 extreme equilibria, listed there.
ISSUE82_A = -np.array([[0, 0, 6, 0, 0], [0, 0, 3, 2, 1], [4, 3, 0, 0, 1]])
ISSUE82_B = -np.array([[3, 0, 2, 1, 0], [0, 2, 0, 0, 4], [4, 0, 2, 4, 4]])
ISSUE82_EQ = [
    ((1, 0, 0), (0, 1, 0, 0, 0)),
    ((1, 0, 0), (0, 0, 0, 0, 1)),
    ((F(2, 3), F(1, 3), 0), (0, 1, 0, 0, 0)),
    ((F(1, 3), F(1, 2), F(1, 6)), (0, F(4, 9), F(2, 9), F(1, 3), 0)),
    ((0, F(1, 2), F(1, 2)), (0, F(1, 2), F(1, 2), 0, 0)),
    ((0, 1, 0), (F(3, 7), 0, F(4, 7), 0, 0)),
    ((0, 1, 0), (1, 0, 0, 0, 0)),
    ((0, 1, 0), (F(3, 8), 0, F(1, 4), F(3, 8), 0)),
]

PUBLISHED = [
    pytest.param([[1, 2], [3, 0]], [[0, 2], [3, 1]],
                 [((1, 0), (0, 1)), ((0, 1), (1, 0)), ((F(1, 2), F(1, 2)), (F(1, 2), F(1, 2)))], False,
                 id="nashpy-readme"),
    pytest.param([[3, 3], [2, 5], [0, 6]], [[3, 2], [2, 6], [3, 1]],
                 [((1, 0, 0), (1, 0)), ((F(4, 5), F(1, 5), 0), (F(2, 3), F(1, 3))),
                  ((0, F(1, 3), F(2, 3)), (F(1, 3), F(2, 3)))], False, id="von-stengel-3x2"),
    pytest.param([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], [[0, 1, -1], [-1, 0, 1], [1, -1, 0]],
                 [((F(1, 3),) * 3, (F(1, 3),) * 3)], False, id="rock-paper-scissors"),
    pytest.param([[1, -1], [-1, 1]], [[-1, 1], [1, -1]], [((F(1, 2),) * 2, (F(1, 2),) * 2)], False,
                 id="matching-pennies"),
    pytest.param([[3, 0], [0, 2]], [[2, 0], [0, 3]],
                 [((1, 0), (1, 0)), ((0, 1), (0, 1)), ((F(3, 5), F(2, 5)), (F(2, 5), F(3, 5)))], False,
                 id="battle-of-the-sexes"),
    pytest.param(ISSUE82_A, ISSUE82_B, ISSUE82_EQ, True, id="nashpy-issue-82-degenerate"),
]


def _key(x, y, nd=6):
    return tuple(np.round(np.asarray(x, float), nd)) + tuple(np.round(np.asarray(y, float), nd))


def _sorted(pairs):
    return sorted(pairs, key=lambda p: _key(*p))


def _assert_same(found, expected):
    assert len(found) == len(expected)
    for (x, y), (ex, ey) in zip(_sorted(found), _sorted(expected), strict=True):
        np.testing.assert_allclose(x, np.array(ex, float), atol=1e-9)
        np.testing.assert_allclose(y, np.array(ey, float), atol=1e-9)


@pytest.mark.parametrize("method", ["auto", "vertex"])
@pytest.mark.parametrize("A, B, expected, degenerate", PUBLISHED)
def test_published_games(A, B, expected, degenerate, method):
    res = nash_equilibria((A, B), method)
    assert len(res) == len(expected)
    _assert_same([(e.row, e.col) for e in res], expected)
    assert res.degenerate is degenerate
    assert res.complete and not res.partial
    assert all(e.exact for e in res)


@pytest.mark.parametrize("A, B, expected, degenerate", [p for p in PUBLISHED if not p.values[3]])
def test_support_enumeration_on_nondegenerate_published_games(A, B, expected, degenerate):
    res = support_enumeration((A, B))
    assert len(res) == len(expected)
    _assert_same([(e.row, e.col) for e in res], expected)
    assert res.complete


def test_issue82_components_and_degeneracy_flag():
    res = vertex_enumeration((ISSUE82_A, ISSUE82_B))
    assert res.degenerate
    assert sorted(len(c) for c in res.components) == [1, 1, 3, 3]
    # every pair in a component shares a strategy with another member; mixtures are equilibria
    for comp in res.components:
        for i in comp:
            for k in comp:
                a, b = res[i], res[k]
                if np.allclose(a.row, b.row):
                    y = (a.col + b.col) / 2
                    Ay, xB = ISSUE82_A @ y, a.row @ ISSUE82_B
                    assert Ay.max() - a.row @ Ay <= 1e-9 and xB.max() - xB @ y <= 1e-9


def test_von_stengel_6x6_has_75_equilibria():
    res = vertex_enumeration((STENGEL_A, STENGEL_B))
    assert len(res) == 75
    assert not res.degenerate and res.complete
    sup = support_enumeration((STENGEL_A, STENGEL_B))
    assert len(sup) == 75
    _assert_same([(e.row, e.col) for e in res], [(e.row, e.col) for e in sup])
    assert all(max(e.regret) <= 1e-7 * np.ptp(STENGEL_A) for e in res)


def test_lemke_howson_alone_finds_two_of_three_in_von_stengel_3x2():
    res = lemke_howson(([[3, 3], [2, 5], [0, 6]], [[3, 2], [2, 6], [3, 1]]))
    assert len(res) == 2
    assert not res.complete and res.method == "lemke-howson"
    assert any("not necessarily all" in n for n in res.notes)
    assert len(res.parameters["labels"]) == 5


def test_pure_equilibria_vectorised():
    A = np.array([[3, 0], [5, 1]])
    assert pure_best_response_profiles(A, A.T).tolist() == [[1, 1]]
    res = pure_equilibria(([[3, 0], [0, 2]], [[2, 0], [0, 3]]))
    assert len(res) == 2
    assert [e.support for e in res] == [((0,), (0,)), ((1,), (1,))]
    assert res.method == "pure"


def test_auto_reduces_by_dominance_and_says_so():
    g = StageGame.from_matrices([[3, 0], [5, 1]], [[3, 5], [0, 1]], actions=(("C", "D"), ("C", "D")))
    res = nash_equilibria(g)
    assert res.method == "vertex" and res.requested == "auto"
    assert res.dominance is not None and res.dominance.surviving == ((1,), (1,))
    assert any("reduced game is 1x1" in n for n in res.notes)
    d = res.to_dict()
    assert d["equilibria"] == [{"strategies": {"row": {"D": 1.0}, "col": {"D": 1.0}},
                                "payoffs": {"row": 1.0, "col": 1.0},
                                "regret": {"row": 0.0, "col": 0.0}, "exact": True}]
    assert d["method"] == "vertex" and d["degenerate"] is False


def test_dominance_record_rounds_and_mixed():
    # row 2 is dominated only by the mixture (1/2, 1/2) of rows 0 and 1
    A = np.array([[3.0, 0.0], [0.0, 3.0], [1.0, 1.0]])
    B = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    assert iterated_dominance(A, B).eliminated == ()
    rec = iterated_dominance(A, B, mixed=True)
    assert rec.surviving == ((0, 1), (0, 1))
    assert len(rec.eliminated) == 1
    (e,) = rec.eliminated
    assert (e.player, e.action, e.round) == (0, 2, 1)
    assert set(e.dominated_by) == {0, 1} and e.margin == pytest.approx(0.5)
    # two rounds: col 1 strictly dominated first, then row 1
    A2 = np.array([[2.0, 0.0], [1.0, 3.0]])
    B2 = np.array([[1.0, 0.0], [1.0, 0.0]])
    rec2 = iterated_dominance(A2, B2)
    assert [(e.player, e.action, e.round) for e in rec2.eliminated] == [(1, 1, 1), (0, 1, 2)]
    assert rec2.surviving == ((0,), (0,))


def test_time_budget_gives_partial_verified_result():
    rng = np.random.default_rng(3)
    A, B = rng.standard_normal((16, 16)), rng.standard_normal((16, 16))
    res = nash_equilibria((A, B), "vertex", max_seconds=0.02)
    assert res.partial and not res.complete
    assert any("partial" in n for n in res.notes)
    for e in res:
        assert max(e.regret) <= 1e-7 * 4


@pytest.mark.parametrize(
    "game, kwargs, match",
    [
        pytest.param(([[1.0, np.nan]], [[0.0, 0.0]]), {}, "finite", id="nan"),
        pytest.param(([[1.0, np.inf]], [[0.0, 0.0]]), {}, "finite", id="inf"),
        pytest.param((np.zeros((0, 2)), np.zeros((0, 2))), {}, "no actions", id="empty"),
        pytest.param(([[1.0]], [[1.0, 2.0]]), {}, "one shape", id="shape"),
        pytest.param(([[1.0]], [[1.0]]), {"method": "magic"}, "unknown method", id="method"),
        pytest.param(([[1.0]], [[1.0]]), {"max_seconds": 0}, "positive", id="budget"),
        pytest.param("nonsense", {}, "StageGame", id="not-a-game"),
    ],
)
def test_bad_input_raises_input_error(game, kwargs, match):
    with pytest.raises(InputError, match=match):
        nash_equilibria(game, **kwargs)


def test_exact_check_rejects_a_non_equilibrium():
    A = np.array([[3, 0], [0, 2]])
    B = np.array([[2, 0], [0, 3]])
    assert exact_check(A, B, np.array([0.6, 0.4]), np.array([0.4, 0.6]))
    assert not exact_check(A, B, np.array([0.5, 0.5]), np.array([0.4, 0.6]))


# ---------------------------------------------------------------- properties

def _random_game(seed, m, n, ints=None):
    rng = np.random.default_rng(seed)
    if ints:
        return rng.integers(-ints, ints + 1, (m, n)).astype(float), rng.integers(-ints, ints + 1, (m, n)).astype(float)
    return rng.standard_normal((m, n)), rng.standard_normal((m, n))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 5), n=st.integers(1, 5), ints=st.sampled_from([None, 2, 5]))
def test_every_equilibrium_verified(seed, m, n, ints):
    A, B = _random_game(seed, m, n, ints)
    res = vertex_enumeration((A, B))
    assert len(res) >= 1
    scale = payoff_scale(A, B)
    # each side's payoff range, computed here (1 for a constant matrix), not taken from the solver
    own_scale = tuple(float(U.max() - U.min()) if U.max() > U.min() else 1.0 for U in (A, B))
    assert scale == pytest.approx(own_scale)
    for e in res:
        assert (e.row >= 0).all() and (e.col >= 0).all()
        assert e.row.sum() == pytest.approx(1.0) and e.col.sum() == pytest.approx(1.0)
        assert e.regret[0] <= res.tol * scale[0] and e.regret[1] <= res.tol * scale[1]
        # recompute the regrets from A, B and (x, y); do not trust the `regret` field the solver filtered on
        x, y = np.asarray(e.row, float), np.asarray(e.col, float)
        Ay, xB = A @ y, x @ B
        row_regret = Ay.max() - x @ Ay
        col_regret = xB.max() - xB @ y
        assert row_regret <= res.tol * own_scale[0], (x, y, row_regret)
        assert col_regret <= res.tol * own_scale[1], (x, y, col_regret)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 6), n=st.integers(1, 6))
def test_nondegenerate_random_games_have_an_odd_number_agreeing_with_support_enumeration(seed, m, n):
    A, B = _random_game(seed, m, n)
    res = vertex_enumeration((A, B))
    assert not res.degenerate
    assert len(res) % 2 == 1
    sup = support_enumeration((A, B))
    _assert_same([(e.row, e.col) for e in res], [(e.row, e.col) for e in sup])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 6), n=st.integers(1, 6), ints=st.sampled_from([None, 3]))
def test_permuting_actions_permutes_equilibria(seed, m, n, ints):
    A, B = _random_game(seed, m, n, ints)
    rng = np.random.default_rng(seed)
    p, q = rng.permutation(m), rng.permutation(n)
    base = vertex_enumeration((A, B))
    perm = vertex_enumeration((A[p][:, q], B[p][:, q]))
    assert len(perm) == len(base)
    _assert_same([(e.row, e.col) for e in perm], [(e.row[p], e.col[q]) for e in base])


@pytest.mark.parametrize("seed", range(6))
def test_numba_and_numpy_engines_agree(seed):
    A, B = _random_game(seed, 7, 9, ints=3 if seed % 2 else None)
    a = vertex_enumeration_arrays(A, B, engine="numba")
    b = vertex_enumeration_arrays(A, B, engine="numpy")
    assert len(a.pairs) == len(b.pairs)
    _assert_same(a.pairs, b.pairs)


def test_support_enumeration_kernel_counts_supports():
    raw = support_enumeration_arrays(np.eye(3), np.eye(3))
    assert raw.stats["support_pairs_max"] == 9 + 9 + 1
    assert len(raw.pairs) == 7  # 3 pure, 3 on two actions, 1 full


# ---------------------------------------------------------------- peers

needs_lrs = pytest.mark.skipif(LRSNASH is None, reason="lrsnash (Debian package lrslib) not installed")


@needs_lrs
@pytest.mark.parametrize(
    "seed, m, n, ints",
    [pytest.param(s, m, n, k, id=f"{m}x{n}-int{k}-seed{s}")
     for s, (m, n, k) in enumerate([(3, 3, 2), (4, 4, 2), (4, 5, 3), (5, 5, 1), (5, 6, 3), (6, 6, 2), (7, 7, 4),
                                     (3, 8, 2), (8, 3, 2), (6, 6, 1000), (8, 8, 1000), (9, 12, 1000)])],
)
def test_same_extreme_equilibria_as_lrsnash(seed, m, n, ints):
    A, B = _random_game(seed, m, n, ints)
    ours = nash_equilibria((A, B), "vertex")
    theirs = lrsnash(A, B)
    uniq = {_key(x, y): (x, y) for x, y in theirs}
    assert len(ours) == len(uniq)
    _assert_same([(e.row, e.col) for e in ours], list(uniq.values()))


def test_agrees_with_nashpy_vertex_enumeration_on_small_games():
    nash = pytest.importorskip("nashpy")
    for seed in range(5):
        A, B = _random_game(seed, 4, 4)
        ref = list(nash.Game(A, B).vertex_enumeration())
        ours = vertex_enumeration((A, B))
        assert len(ours) == len(ref)
        _assert_same([(e.row, e.col) for e in ours], ref)


@needs_lrs
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 5), n=st.integers(1, 5), k=st.sampled_from([1, 2, 3]))
def test_degenerate_small_games_match_lrsnash(seed, m, n, k):
    # payoffs from {-k..k}: ties everywhere, so most of these games are degenerate
    A, B = _random_game(seed, m, n, ints=k)
    ours = vertex_enumeration((A, B))
    uniq = {_key(x, y): (x, y) for x, y in lrsnash(A, B)}
    assert len(ours) == len(uniq)
    _assert_same([(e.row, e.col) for e in ours], list(uniq.values()))
    assert ours.complete


def test_auto_uses_lemke_howson_past_the_limit_and_says_so():
    A, B = _random_game(11, 24, 25)
    res = nash_equilibria((A, B), "auto", exact=False)
    assert res.method == "lemke-howson" and res.requested == "auto"
    assert not res.complete
    assert any("Lemke-Howson" in n for n in res.notes)
    assert len(res) >= 1 and all(max(e.regret) <= 1e-7 * 4 for e in res)


def test_stage_game_labels_in_json():
    g = StageGame.from_matrices([[3, 0], [0, 2]], [[2, 0], [0, 3]], actions=(("O", "F"), ("O", "F")),
                                player_ids=("us", "china"))
    d = nash_equilibria(g).to_dict()
    assert len(d["equilibria"]) == 3
    assert d["equilibria"][2]["strategies"] == {"us": {"O": pytest.approx(0.6), "F": pytest.approx(0.4)},
                                               "china": {"O": pytest.approx(0.4), "F": pytest.approx(0.6)}}


def test_memory_cap_stops_the_search_and_says_so():
    # a degenerate game: the search remembers its non-simple vertices, and the cap counts them
    A, B = _random_game(5, 12, 12, ints=1)
    full = vertex_enumeration_arrays(A, B, engine="numba")
    assert full.complete and "stopped_by" not in full.stats
    capped = vertex_enumeration_arrays(A, B, engine="numba", max_bytes=1e3)
    assert not capped.complete and capped.stats["stopped_by"] == "memory"
    found = {_key(x, y) for x, y in full.pairs}
    assert {_key(x, y) for x, y in capped.pairs} <= found


def test_lemke_howson_result_still_lists_every_pure_equilibrium():
    """Lemke-Howson may miss pure equilibria; the result adds them, verified, with one note."""
    from sim.stage.equilibria import nash_equilibria

    I = np.eye(4) * np.array([1.0, 2.0, 3.0, 4.0])
    result = nash_equilibria((I, I), "lemke-howson")
    pure = sorted((e.support[0][0], e.support[1][0]) for e in result if e.is_pure)
    assert pure == [(0, 0), (1, 1), (2, 2), (3, 3)]
    added = [note for note in result.notes if note.startswith("added ")]
    assert len(added) <= 1


def test_pure_equilibria_agree_between_solve_and_sweep_at_extreme_scales():
    from sim.model.game import build_game
    from sim.model.load import load_scenario
    from sim.stage.equilibria import nash_equilibria, pure_equilibrium_mask
    from tests.conftest import LEVER_GAME

    scenario = load_scenario(LEVER_GAME)
    for value in (1e6, 1e9):
        game = build_game(scenario, {"us_re_cost": value})
        batch = pure_equilibrium_mask(game.A[None], game.B[None])[0]
        solved = {(e.support[0][0], e.support[1][0]) for e in nash_equilibria(game, "pure")}
        assert {tuple(map(int, ij)) for ij in np.argwhere(batch)} == solved
