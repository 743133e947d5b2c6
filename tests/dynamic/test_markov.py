"""Markov perfect equilibria of games with state: published values, hand-computed backward
induction, and an independent verification of every equilibrium returned."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.dynamic.solve import (
    backward_induction,
    markov_perfect_equilibria,
    pure_stationary_equilibria,
    shapley_value_iteration,
    value_iteration,
)
from sim.model.actions import LeverInfo
from sim.model.dynamic import DynamicGame, StateSpace, build_dynamic_game
from sim.model.load import scenario_from_dict

ROOT = Path(__file__).resolve().parents[2]


def _dynamic(text: str):
    import tomllib

    return build_dynamic_game(scenario_from_dict(tomllib.loads(text)))


def _val2x2(M: np.ndarray) -> float:
    """Value of a 2x2 zero-sum game by the textbook formula (saddle point, else (ad-bc)/(a+d-b-c))."""
    lower = M.min(axis=1).max()
    upper = M.max(axis=0).min()
    if np.isclose(lower, upper):
        return float(lower)
    a, b, c, d = M.ravel()
    return float((a * d - b * c) / (a + d - b - c))


def _regrets(game: DynamicGame, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Values and the largest one-shot gain of stationary policies, computed from scratch (loops)."""
    S, (m, n) = game.n_states, game.shape
    P = np.zeros((S, S))
    r = np.zeros((S, 2))
    A, B = game.payoffs(0)
    for s in range(S):
        for i, j in itertools.product(range(m), range(n)):
            w = x[s, i] * y[s, j]
            r[s] += w * np.array([A[s, i, j], B[s, i, j]])
            for k in range(game.successors.shape[-1]):
                P[s, game.successors[s, i, j, k]] += w * game.probabilities[s, i, j, k]
    V = np.column_stack([np.linalg.solve(np.eye(S) - game.discount[p] * P, r[:, p]) for p in (0, 1)])
    gain = 0.0
    for s in range(S):
        for p, U in ((0, A), (1, B)):
            cont = np.zeros((m, n))
            for i, j in itertools.product(range(m), range(n)):
                nxt = game.successors[s, i, j]
                cont[i, j] = U[s, i, j] + game.discount[p] * (game.probabilities[s, i, j] * V[nxt, p]).sum()
            if p == 0:
                gain = max(gain, (cont @ y[s]).max() - x[s] @ cont @ y[s])
            else:
                gain = max(gain, (x[s] @ cont).max() - x[s] @ cont @ y[s])
    return V, float(gain)


# ----------------------------------------------------------------------------- published answers
@pytest.mark.parametrize("delta", [0.5, 0.9, 0.99])
def test_big_match_value_is_one_half_at_every_discount(delta):
    # Blackwell and Ferguson (1968): the discounted Big Match has value 1/2 per round; Row stops with
    # probability (1 - delta) / (2 - delta) while play goes on.
    text = (ROOT / "scenarios" / "big_match.toml").read_text().replace("discount = 0.9", f"discount = {delta}")
    game = _dynamic(text)
    (mpe,) = markov_perfect_equilibria(game)
    assert mpe.method == "Shapley" and mpe.verified
    s0 = game.states.initial
    assert mpe.values[0, s0, 0] == pytest.approx(1 / (2 * (1 - delta)), abs=1e-6)
    assert mpe.values[0, s0, 1] == pytest.approx(-1 / (2 * (1 - delta)), abs=1e-6)
    stop = game.actions[0].index("stop=stop")
    assert mpe.row[0, s0, stop] == pytest.approx((1 - delta) / (2 - delta), abs=1e-6)
    assert mpe.col[0, s0] == pytest.approx([0.5, 0.5], abs=1e-6)


def _absorbing_game(M: np.ndarray, q: np.ndarray, c: float, delta: float) -> DynamicGame:
    """State 0 plays ``M``; profile (i, j) moves to absorbing state 1 (payoff ``c`` a round) w.p. q[i, j]."""
    A = np.stack([M, np.full_like(M, c)])
    succ = np.zeros((2, 2, 2, 2), dtype=np.int64)
    prob = np.zeros((2, 2, 2, 2))
    succ[0, :, :, 0], succ[0, :, :, 1] = 0, 1
    prob[0, :, :, 0], prob[0, :, :, 1] = 1 - q, q
    succ[1, :, :, :] = 1
    prob[1, :, :, 0] = 1.0
    lever = (LeverInfo("a", (0.0, 1.0), ("0", "1")),)
    return DynamicGame("absorbing", ("row", "col"), ("row", "col"), (("a=0", "a=1"), ("a=0", "a=1")),
                       (lever, lever), (np.arange(2)[:, None], np.arange(2)[:, None]), (delta, delta), None,
                       StateSpace(("s",), ((0.0, 1.0),), (("play", "absorbed"),), ("",), 0), succ, prob, A, -A)


@pytest.mark.parametrize("seed", range(6))
def test_shapley_value_matches_the_fixed_point_of_the_2x2_value_formula(seed):
    rng = np.random.default_rng(seed)
    M = rng.integers(-5, 6, size=(2, 2)).astype(float)
    q = rng.uniform(0.1, 0.9, size=(2, 2))
    c, delta = float(rng.integers(-3, 4)), 0.8
    v1 = c / (1 - delta)
    # v0 = val(M + delta (q v1 + (1 - q) v0)): the right side is a contraction in v0; iterate it by hand
    v0 = 0.0
    for _ in range(5000):
        v0 = _val2x2(M + delta * (q * v1 + (1 - q) * v0))
    mpe = shapley_value_iteration(_absorbing_game(M, q, c, delta))
    assert mpe.values[0, :, 0] == pytest.approx([v0, v1], abs=1e-6)
    assert mpe.verified


# ----------------------------------------------------------------------------- finite horizon by hand
INVEST = """
[scenario]
name = "invest once"
[parameters]
gain = {{ value = 3.0, assumption = "test" }}
[players.a]
name = "A"
discount = {delta}
[players.a.levers.invest]
levels = [0, 1]
labels = ["no", "yes"]
[players.a.payoff]
u = "gain * built - a.invest"
[players.b]
name = "B"
discount = {delta}
[players.b.levers.wait]
levels = [0]
[players.b.payoff]
u = "0 * b.wait"
[repeated]
rounds = 2
[state.built]
levels = [0, 1]
initial = 0
next = "max(built, a.invest)"
"""


@pytest.mark.parametrize("delta, invests, v0", [(0.5, True, (0.5, 4.5)), (0.2, False, (0.0, 3.6))])
def test_backward_induction_matches_the_hand_computation(delta, invests, v0):
    # Last round: investing costs 1 and pays nothing later, so A never invests: V1(built) = 3 built.
    # Round 0, not built: invest gives -1 + delta * 3, wait gives 0; built: 3 + delta * 3.
    game = _dynamic(INVEST.format(delta=delta))
    mpe = backward_induction(game)
    assert mpe.horizon == 2 and mpe.verified and mpe.row.shape == (2, 2, 2)
    keys = list(mpe.policy_records()[0])
    assert keys == ["built=0", "built=1"]
    assert mpe.policy_records()[1]["built=0"]["a"] == {"invest=no": 1.0}
    assert mpe.values[1, :, 0] == pytest.approx([0.0, 3.0])
    assert (mpe.policy_records()[0]["built=0"]["a"] == {"invest=yes": 1.0}) is invests
    assert mpe.values[0, :, 0] == pytest.approx(v0)


def test_finite_horizon_prisoners_dilemma_defects_every_round():
    text = """
[scenario]
name = "PD, 5 rounds"
[players.r]
name = "R"
discount = 0.9
[players.r.levers.d]
levels = [0, 1]
[players.r.payoff]
u = "where(r.d == 0, where(c.d == 0, 3, 0), where(c.d == 0, 5, 1)) + 0 * round"
[players.c]
name = "C"
discount = 0.9
[players.c.levers.d]
levels = [0, 1]
[players.c.payoff]
u = "where(c.d == 0, where(r.d == 0, 3, 0), where(r.d == 0, 5, 1))"
[repeated]
rounds = 5
"""
    game = _dynamic(text)
    assert game.n_states == 1 and game.round_dependent
    mpe = backward_induction(game)
    assert all(r[""]["r"] == {"d=1": 1.0} and r[""]["c"] == {"d=1": 1.0} for r in mpe.policy_records())
    assert mpe.values[0, 0, 0] == pytest.approx(sum(0.9**t for t in range(5)))


# ----------------------------------------------------------------------------- properties
def _random_game(seed: int, S: int, m: int, n: int, delta: float) -> DynamicGame:
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(S, m, n))
    B = rng.normal(size=(S, m, n))
    succ = np.broadcast_to(np.arange(S), (S, m, n, S)).copy()
    prob = rng.dirichlet(np.ones(S), size=(S, m, n))
    levers = tuple((LeverInfo("a", tuple(float(i) for i in range(k)), tuple(str(i) for i in range(k))),) for k in (m, n))
    actions = tuple(tuple(f"a={i}" for i in range(k)) for k in (m, n))
    space = StateSpace(("s",), (tuple(float(i) for i in range(S)),), (tuple(str(i) for i in range(S)),), ("",), 0)
    return DynamicGame("random", ("row", "col"), ("row", "col"), actions, levers,
                       (np.arange(m)[:, None], np.arange(n)[:, None]), (delta, delta), None, space, succ, prob, A, B)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), S=st.integers(1, 3), m=st.integers(1, 3), n=st.integers(1, 3),
       delta=st.sampled_from([0.3, 0.7, 0.9]))
def test_every_returned_equilibrium_survives_an_independent_one_shot_check(seed, S, m, n, delta):
    game = _random_game(seed, S, m, n, delta)
    found = markov_perfect_equilibria(game)
    assert found
    for mpe in found:
        if not mpe.verified:
            continue
        V, gain = _regrets(game, mpe.row[0], mpe.col[0])
        scale = max(np.ptp(game.A), np.ptp(game.B)) / (1 - delta)
        assert gain <= 1e-6 * scale
        assert mpe.values[0] == pytest.approx(V, abs=1e-7 * scale)
        assert np.allclose(mpe.row.sum(-1), 1) and np.allclose(mpe.col.sum(-1), 1) and (mpe.row >= 0).all()


def test_pure_enumeration_finds_exactly_the_policies_that_pass_the_check():
    game = _random_game(7, 2, 2, 2, 0.8)
    found = pure_stationary_equilibria(game)
    eye = np.eye(2)
    expected = []
    for combo in itertools.product(range(4), repeat=2):
        prof = np.array(combo)
        x, y = eye[prof // 2], eye[prof % 2]
        if _regrets(game, x, y)[1] <= 1e-9:
            expected.append(combo)
    got = sorted(tuple(int(np.argmax(e.row[0, s])) * 2 + int(np.argmax(e.col[0, s])) for s in range(2)) for e in found)
    assert got == sorted(expected)


def test_value_iteration_reports_convergence():
    game = _random_game(3, 3, 2, 2, 0.5)
    mpe = value_iteration(game)
    assert mpe.iterations is not None and mpe.residual is not None
    assert mpe.verified == (mpe.max_regret <= mpe.tol)
    assert any("converged" in note for note in mpe.notes)


def test_json_shape_is_the_contract():
    game = _dynamic(INVEST.format(delta=0.5))
    d = backward_induction(game).to_dict()
    assert d["horizon"] == 2 and len(d["policy"]) == 2 and len(d["values"]) == 2
    assert d["policy"][0]["built=0"] == {"a": {"invest=yes": 1.0}, "b": {"wait=0": 1.0}}
    assert set(d["values"][0]["built=1"]) == {"a", "b"}
