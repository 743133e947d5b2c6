"""nashpy: the StageGame round trip, and nashpy as an oracle for our equilibria on random games.

Only nondegenerate games (continuous random payoffs, 2..4 actions a side) are used: nashpy warns
on degenerate ones, and the suite turns warnings into errors. (nashpy's Lemke-Howson also fails on
games with a single action, so sizes start at 2.)

nashpy 0.0.43's support enumeration solves the indifference equations with the unused strategies
pinned to 0 and then requires ``all(prob >= 0)``; a pinned 0 that comes out as -1e-17 is rejected,
so on some games it misses an equilibrium whose support is smaller than the game. Where that
happens nashpy disagrees with its own vertex enumeration; the comparison below is exact wherever
nashpy's two algorithms agree, and at least ten of the games must be such games.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sim.errors import InputError
from sim.model.game import StageGame
from sim.stage.equilibria import nash_equilibria

nash = pytest.importorskip("nashpy")

SIZES = [(2, 2), (2, 3), (3, 2), (3, 3), (2, 4), (4, 3), (4, 4), (4, 4), (3, 4), (4, 2), (3, 3), (4, 4)] * 2
GAMES = [pytest.param(seed, m, n, id=f"{m}x{n}-seed{seed}") for seed, (m, n) in enumerate(SIZES)]


def _game(seed, m, n):
    rng = np.random.default_rng(1000 + seed)
    return rng.uniform(-1, 1, (m, n)), rng.uniform(-1, 1, (m, n))


def _as_set(pairs, nd=7):
    return {tuple(np.round(np.concatenate([np.asarray(x, float), np.asarray(y, float)]), nd)) for x, y in pairs}


def _contains(found, pair, atol=1e-7):
    x, y = (np.asarray(v, float) for v in pair)
    return any(np.allclose(x, fx, atol=atol) and np.allclose(y, fy, atol=atol) for fx, fy in found)


def _same_sets(ours, theirs, atol=1e-7):
    assert len(ours) == len(theirs), (len(ours), len(theirs))
    for pair in theirs:
        assert _contains(ours, pair, atol), pair
    for pair in ours:
        assert _contains(theirs, pair, atol), pair


# ----------------------------------------------------------------------------- round trip
def test_round_trip_keeps_both_matrices():
    A = np.array([[3.0, 0.0, 2.5], [5.0, 1.0, -1.0]])
    B = np.array([[3.0, 5.0, 0.0], [0.0, 1.0, 7.0]])
    g = StageGame.from_matrices(A, B, actions=(("C", "D"), ("x", "y", "z")), player_ids=("us", "cn"))
    ng = g.to_nashpy()
    assert isinstance(ng, nash.Game)
    np.testing.assert_array_equal(ng.payoff_matrices[0], A)
    np.testing.assert_array_equal(ng.payoff_matrices[1], B)
    back = StageGame.from_nashpy(ng, actions=(("C", "D"), ("x", "y", "z")), player_ids=("us", "cn"), name="back")
    np.testing.assert_array_equal(back.A, g.A)
    np.testing.assert_array_equal(back.B, g.B)
    assert back.actions == g.actions and back.player_ids == ("us", "cn") and back.name == "back"


def test_from_nashpy_of_a_zero_sum_game_and_without_labels():
    ng = nash.Game(np.array([[1.0, -1.0], [-1.0, 1.0]]))  # one matrix: B = -A
    g = StageGame.from_nashpy(ng)
    np.testing.assert_array_equal(g.A, [[1.0, -1.0], [-1.0, 1.0]])
    np.testing.assert_array_equal(g.B, -g.A)
    assert g.shape == (2, 2)
    again = StageGame.from_nashpy(g.to_nashpy())
    np.testing.assert_array_equal(again.A, g.A)
    np.testing.assert_array_equal(again.B, g.B)


def test_from_nashpy_rejects_other_objects():
    with pytest.raises(InputError, match="two-player nashpy.Game"):
        StageGame.from_nashpy(object())


# ----------------------------------------------------------------------------- nashpy as an oracle
@pytest.mark.parametrize("method", ["support", "vertex"])
def test_support_enumeration_of_nashpy_equals_ours(method):
    exact_games = 0
    for seed, m, n in (p.values for p in GAMES):
        A, B = _game(seed, m, n)
        game = nash.Game(A, B)
        with warnings.catch_warnings():
            # nashpy warns "An even number of equilibria" exactly when it has missed one (see above)
            warnings.filterwarnings("ignore", message=r"\s*An even number of", category=RuntimeWarning)
            theirs = list(game.support_enumeration(non_degenerate=True, tol=1e-12))
        their_vertices = list(game.vertex_enumeration())
        ours = nash_equilibria((A, B), method)
        assert not ours.degenerate and ours.complete, (seed, m, n)
        assert len(ours) % 2 == 1  # a nondegenerate game has an odd number of equilibria
        found = [(e.row, e.col) for e in ours]
        _same_sets(found, their_vertices)  # nashpy's vertex enumeration: always the same set
        for pair in theirs:  # nashpy's support enumeration never finds one we do not
            assert _contains(found, pair), (seed, m, n, pair)
        if len(theirs) == len(their_vertices):  # nashpy's two algorithms agree: the same set as ours
            exact_games += 1
            _same_sets(found, theirs)
            assert _as_set(found) == _as_set(theirs)
    assert exact_games >= 10, exact_games  # at least ten games compared as exact sets


@pytest.mark.parametrize("seed, m, n", GAMES)
def test_every_nashpy_lemke_howson_equilibrium_is_one_of_ours(seed, m, n):
    A, B = _game(seed, m, n)
    ours = [(e.row, e.col) for e in nash_equilibria((A, B), "vertex")]
    game = nash.Game(A, B)
    for label in range(m + n):
        x, y = game.lemke_howson(initial_dropped_label=label)
        assert x.sum() == pytest.approx(1.0) and y.sum() == pytest.approx(1.0)
        assert _contains(ours, (x, y)), (label, x, y)
