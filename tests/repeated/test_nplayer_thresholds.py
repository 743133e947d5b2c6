"""Grim trigger against all: closed forms, brute force, the two-player thresholds, and simulation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.model.game import StageGame
from sim.model.nplayer import NormalFormGame
from sim.repeated.nplayer_context import pure_minmax, pure_nash_profiles
from sim.repeated.nplayer_engine import play
from sim.repeated.nplayer_thresholds import grim_thresholds, public_goods_threshold
from sim.repeated.thresholds import truce_thresholds
from tests.nplayer_games import public_goods

CASES = [(3, 2.0, 1.0), (3, 1.2, 5.0), (4, 1.5, 1.0), (5, 3.0, 2.0), (6, 5.5, 1.0), (2, 1.5, 1.0)]


@pytest.mark.parametrize("n, r, e", CASES, ids=[f"N{n}-r{r}-e{e}" for n, r, e in CASES])
def test_public_goods_closed_form(n, r, e):
    th = grim_thresholds(public_goods(n, r, e))
    expected = (n - r) / (r * (n - 1))
    assert np.allclose(th.grim_nash, expected) and np.allclose(th.grim_minmax, expected)
    assert np.isclose(public_goods_threshold(n, r), expected)
    assert np.allclose(th.cooperative_payoff, r * e)
    assert np.allclose(th.deviation_payoff, e + r * e * (n - 1) / n)
    assert th.nash_profile == ("D",) * n and th.deviation_action == ("D",) * n


def test_contributing_dominant_needs_no_patience():
    th = grim_thresholds(public_goods(3, 4.0))  # r > N: contributing is dominant
    assert th.grim_nash == (0.0, 0.0, 0.0)


def test_subgame_perfect_when_every_player_is_patient_enough():
    game = public_goods(3, 2.0, discount=[0.3, 0.26, 0.2])  # threshold 0.25
    th = grim_thresholds(game)
    assert th.self_enforcing() == (True, True, False) and not th.subgame_perfect()
    d = th.to_dict()
    assert d["grim_trigger"]["p1"] == pytest.approx(0.25) and d["subgame_perfect"] is False
    assert len(th.sentences()) == 3


# ----------------------------------------------------------------------------- the two-player case
TWO = {
    "prisoners_dilemma": (np.array([[3.0, 0.0], [5.0, 1.0]]), None),
    "asymmetric_pd": (np.array([[4.0, 0.0], [6.0, 1.0]]), np.array([[2.0, 3.0], [0.0, 0.5]])),
    "three_actions": (np.array([[4.0, 0.0, 1.0], [5.0, 2.0, 0.0], [3.0, 1.0, 1.5]]), None),
}


@pytest.mark.parametrize("name", TWO)
def test_two_players_match_truce_thresholds(name):
    A, B = TWO[name]
    B = A.T if B is None else B
    labels = [tuple("CMD"[: A.shape[0]]), tuple("CMD"[: A.shape[1]])]
    ng = NormalFormGame.from_arrays([A, B], actions=labels)
    mine, theirs = grim_thresholds(ng), truce_thresholds(StageGame.from_normal_form(ng))
    assert mine.minmax_kind == "mixed"
    assert np.allclose(mine.grim_nash, theirs.grim_nash)
    assert np.allclose(mine.grim_minmax, theirs.grim_minmax)
    assert np.allclose(mine.deviation_payoff, theirs.deviation_payoff)


# ----------------------------------------------------------------------------- brute force
def _nash_by_loops(game):
    out = []
    for prof in itertools.product(*(range(n) for n in game.shape)):
        ok = True
        for p in range(game.n_players):
            for a in range(game.shape[p]):
                dev = list(prof)
                dev[p] = a
                if game.payoffs[p][tuple(dev)] > game.payoffs[p][prof] + 1e-12:
                    ok = False
        if ok:
            out.append(prof)
    return out


def _minmax_by_loops(game, i):
    best = np.inf
    others = [range(n) for q, n in enumerate(game.shape) if q != i]
    for rest in itertools.product(*others):
        vals = []
        for a in range(game.shape[i]):
            prof = list(rest)
            prof.insert(i, a)
            vals.append(game.payoffs[i][tuple(prof)])
        best = min(best, max(vals))
    return best


@pytest.mark.parametrize("shape", [(2, 3, 2), (3, 3, 3), (2, 2, 2, 2), (3, 2, 4, 2)])
@pytest.mark.parametrize("seed", range(4))
def test_pure_equilibria_and_minmax_against_brute_force(shape, seed):
    rng = np.random.default_rng(seed)
    game = NormalFormGame.from_arrays(rng.integers(0, 4, size=(len(shape), *shape)).astype(float))
    assert pure_nash_profiles(game) == _nash_by_loops(game)
    for i in range(game.n_players):
        value, profile = pure_minmax(game, i)
        assert value == _minmax_by_loops(game, i)
        assert game.payoffs[i][profile] == value


# ----------------------------------------------------------------------------- against simulation
@pytest.mark.parametrize("n, r", [(3, 2.0), (4, 1.5)])
def test_deviating_pays_just_below_the_threshold_and_not_just_above(n, r):
    star = public_goods_threshold(n, r)
    game = public_goods(n, r)
    for delta, deviation_pays in ((star - 0.02, True), (star + 0.02, False)):
        keep = play(game, ["grim_trigger"] * n, rounds=600, discount=delta, seed=0)
        deviate = play(game, ["always_defect"] + ["grim_trigger"] * (n - 1), rounds=600, discount=delta, seed=0)
        assert bool(deviate.discounted[0, 0] > keep.discounted[0, 0]) is deviation_pays
        # the simulated values are the closed-form ones: c / (1 - δ) and d + δ p / (1 - δ)
        c, d = r, 1 + r * (n - 1) / n
        assert keep.discounted[0, 0] == pytest.approx(c / (1 - delta))
        assert deviate.discounted[0, 0] == pytest.approx(d + delta * 1.0 / (1 - delta))


def test_continuation_probability_as_discount_agrees_statistically():
    n, r, w = 3, 2.0, 0.5
    game = public_goods(n, r)
    keep = play(game, ["grim_trigger"] * n, continuation=w, replicates=40_000, seed=1, paths=False)
    deviate = play(game, ["always_defect"] + ["grim_trigger"] * (n - 1), continuation=w, replicates=40_000,
                   seed=1, paths=False)
    # with w above the threshold 1/4, keeping the truce pays more in expected (undiscounted) totals
    c, d = r, 1 + r * (n - 1) / n
    assert keep.total[:, 0].mean() == pytest.approx(c / (1 - w), rel=0.02)
    assert deviate.total[:, 0].mean() == pytest.approx(d + w / (1 - w), rel=0.02)
    assert keep.total[:, 0].mean() > deviate.total[:, 0].mean()


def test_no_pure_equilibrium_leaves_nash_reversion_undefined():
    U = np.zeros((3, 2, 2, 2))
    for a, b, c in itertools.product(range(2), repeat=3):
        U[0][a, b, c] = 1.0 if a == b else -1.0
        U[1][a, b, c] = 1.0 if b == c else -1.0
        U[2][a, b, c] = 1.0 if c != a else -1.0
    th = grim_thresholds(NormalFormGame.from_arrays(U))
    assert th.nash_profile is None and all(np.isnan(th.grim_nash))
    assert th.to_dict()["grim_trigger"] == {"p1": None, "p2": None, "p3": None}
    assert th.minmax_kind == "pure" and "no pure stage equilibrium" in th.sentences()[0]


# ----------------------------------------------------------------------------- the bundled classroom scenario
def test_public_goods_scenario_threshold_and_play():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scenarios" / "public_goods_3.toml"
    build = pytest.importorskip("sim.model.nplayer_build")
    if not path.exists():
        pytest.skip("scenarios/public_goods_3.toml not present")
    from sim.model.load import load_scenario

    game = build.build_normal_form(load_scenario(path))
    th = grim_thresholds(game)
    # 3 tokens, pot doubled, three players: c = 6, d = 7, p = 3, so (7 - 6) / (7 - 3) = (N - r) / (r (N - 1))
    assert np.allclose(th.grim_nash, public_goods_threshold(3, 2.0)) and th.subgame_perfect()
    assert th.units == "tokens" and th.cooperative_labels == ("contribute",) * 3
    res = play(game, {"ann": "always_defect", "bob": "grim_trigger", "cat": "tit_for_tat"}, rounds=10, seed=0)
    assert res.total[0].tolist() == [7 + 9 * 3, 4 + 9 * 3, 4 + 9 * 3]
