"""Stage analyses on degenerate games: a player with one action, all payoffs equal, payoffs from
1e-6 to 1e11 and huge constant offsets (the LPs see rescaled payoffs), and solver failures as
clean errors."""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import InputError, TradesimError
from sim.model.game import StageGame
from sim.stage.bargaining import (
    correlated_equilibrium,
    kalai_smorodinsky,
    nash_bargaining,
    pareto_profiles,
    utilitarian_optimum,
)
from sim.stage.commitment import stackelberg, stackelberg_mixed, threat_check
from sim.stage.dominance import iterated_dominance
from sim.stage.equilibria import METHODS, nash_equilibria, regrets
from sim.stage.lp import SolverError
from sim.stage.security import maxmin_mixed, security, zero_sum_solution

# (id, A, B, the unique equilibrium profile)
ONE_ACTION = [
    ("1x3", [[0.0, 1.0, 2.0]], [[0.0, 1.0, 0.5]], (0, 1)),
    ("3x1", [[1.0], [3.0], [2.0]], [[4.0], [0.0], [1.0]], (1, 0)),
    ("1x1", [[5.0]], [[-2.0]], (0, 0)),
    ("1x2 constant", [[7.0, 7.0]], [[1.0, 1.0]], None),
]


@pytest.mark.parametrize("A, B, eq", [c[1:] for c in ONE_ACTION], ids=[c[0] for c in ONE_ACTION])
def test_every_stage_analysis_handles_a_player_with_one_action(A, B, eq):
    game = StageGame.from_matrices(A, B, name="one action", cooperative=(0, 0))
    A, B = game.A, game.B
    m, n = A.shape
    for method in METHODS:
        eqs = nash_equilibria(game, method)
        assert len(eqs) >= 1
        for e in eqs:
            assert max(regrets(A, B, e.row, e.col)) <= 1e-9
        if eq is not None:
            assert [(e.support[0], e.support[1]) for e in eqs] == [((eq[0],), (eq[1],))]
    dom = iterated_dominance(A, B, mixed=True)
    assert len(dom.surviving[0]) >= 1 and len(dom.surviving[1]) >= 1
    s_row, s_col = security(game)
    # one action: that action's worst case; one opposing action: the best of one column
    assert s_row.mixed_value == pytest.approx(A.min() if m == 1 else A.max())
    assert s_col.mixed_value == pytest.approx(B.min() if n == 1 else B.max())
    assert s_col.punish_mixed_value == pytest.approx(s_col.mixed_value)
    ce = correlated_equilibrium(game)
    assert ce.distribution.shape == (m, n) and ce.distribution.sum() == pytest.approx(1.0)
    assert ce.max_violation <= 1e-9
    if eq is not None:  # a unique pure equilibrium by dominance: the only correlated one
        assert ce.distribution[eq] == pytest.approx(1.0)
    for fn in (nash_bargaining, kalai_smorodinsky):
        for d in ("nash", "security"):
            sol = fn(game, d)
            assert np.isfinite(sol.point).all()
    assert utilitarian_optimum(game).point[0] + utilitarian_optimum(game).point[1] == pytest.approx((A + B).max())
    assert len(pareto_profiles(A, B)) >= 1
    for leader in (0, 1):
        for tie in ("leader", "against"):
            out = stackelberg(game, leader, tie=tie)
            assert 0 <= out.leader_action < A.shape[leader]
        mixed = stackelberg_mixed(game, leader)
        assert mixed.leader_strategy.sum() == pytest.approx(1.0)
        assert mixed.to_dict()["leader"] == game.player_ids[leader]
    for t in (0, 1):
        verdict = threat_check(game, t, 0, 0)
        assert verdict.credible == (verdict.credibility_gap <= 1e-9)


# payoff differences of size `scale` on top of `offset` (offsets of 1e11 need differences the
# floats can still tell apart: their spacing there is 1.5e-5)
SCALED = [(s, 0.0) for s in (1e-6, 1e-3, 1.0, 1e6, 1e11)] + [(s, c) for s in (1e3, 1e11) for c in (1e11, -1e11)]


@pytest.mark.parametrize("scale, offset", SCALED, ids=[f"x{s:g}{c:+g}" for s, c in SCALED])
def test_lps_are_invariant_to_scale_and_offset(scale, offset):
    # matching pennies (value 0, mix 1/2) beside a 3x2 game with a mixed maxmin of 5/3
    pennies = np.array([[1.0, -1.0], [-1.0, 1.0]])
    v, x, y = zero_sum_solution(offset + scale * pennies)
    assert v == pytest.approx(offset, abs=1e-6 * scale)
    assert x == pytest.approx([0.5, 0.5], abs=1e-6) and y == pytest.approx([0.5, 0.5], abs=1e-6)
    U = np.array([[3.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    v, x = maxmin_mixed(offset + scale * U)
    assert v == pytest.approx(offset + scale * 1.2, abs=1e-6 * scale)  # 3p = 2(1-p): p = 0.4
    assert x == pytest.approx([0.4, 0.6, 0.0], abs=1e-6)
    # chicken: the best correlated equilibrium puts 1/2 on (C,C) and 1/4 on (C,D) and (D,C)
    A = offset + scale * np.array([[6.0, 2.0], [7.0, 0.0]])
    B = offset + scale * np.array([[6.0, 7.0], [2.0, 0.0]])
    ce = correlated_equilibrium((A, B))
    assert ce.distribution.ravel() == pytest.approx([0.5, 0.25, 0.25, 0.0], abs=1e-6)
    nb = nash_bargaining((A, B), (offset + 2 * scale, offset + 2 * scale))
    assert nb.point == pytest.approx((offset + 6 * scale, offset + 6 * scale), rel=1e-9, abs=1e-9 * scale)
    ks = kalai_smorodinsky((A, B), (offset + 2 * scale, offset + 2 * scale))
    assert ks.point == pytest.approx(nb.point, rel=1e-9, abs=1e-9 * scale)
    st = stackelberg_mixed((A, B), 0)  # commit to D: the follower swerves
    assert st.payoffs[0] == pytest.approx(offset + scale * 7.0, rel=1e-9, abs=1e-6 * scale)
    assert st.leader_strategy == pytest.approx([0.0, 1.0], abs=1e-6)


def test_payoffs_spanning_1e_minus6_to_1e11_in_one_game():
    # the maxmin LP used to stop with "HiGHS Status 0: Not Set" or "unbounded" on such matrices
    U = np.array([[131, 80, 1e11 + 24, 1e11 - 5, 24],
                  [-73, 1e11 + 89, 105, 93, -53],
                  [8, -17, 179, 18, 1e11 - 188]])
    v, x, y = zero_sum_solution(U)
    assert U.min(axis=1).max() - 1e-6 <= v <= (U @ y).max() + 1e-6
    assert x.sum() == pytest.approx(1.0) and y.sum() == pytest.approx(1.0)
    A = np.array([[1e-6, 2e-6, 0.0], [3e-6, 0.0, 1e-6]])
    B = np.array([[1e11, 0.0, 5e10], [0.0, 1e11 + 1e5, 2.0]])
    game = StageGame.from_matrices(A, B, name="wide", cooperative=(0, 0))
    s = security(game)
    assert s[0].mixed_value == pytest.approx(maxmin_mixed(A * 1e6)[0] * 1e-6, rel=1e-6)
    assert correlated_equilibrium(game).max_violation <= 1e-9 * 1e11
    for leader in (0, 1):
        stackelberg_mixed(game, leader)
    assert len(nash_equilibria(game)) >= 1
    assert iterated_dominance(A, B, mixed=True).surviving


def test_all_equal_payoffs():
    game = StageGame.from_matrices(np.full((3, 2), 4.0), np.full((3, 2), 4.0), name="flat", cooperative=(0, 0))
    s = security(game)
    assert s[0].mixed_value == s[1].mixed_value == 4.0
    ce = correlated_equilibrium(game)
    assert ce.payoffs == pytest.approx((4.0, 4.0))
    for fn in (nash_bargaining, kalai_smorodinsky):
        sol = fn(game)
        assert not sol.gains and sol.point == (4.0, 4.0)
    assert stackelberg_mixed(game, 1).payoffs == pytest.approx((4.0, 4.0))
    assert not iterated_dominance(game.A, game.B, mixed=True).eliminated
    assert threat_check(game, 0, 1, 1).credible


def test_a_failed_lp_is_a_solver_error_naming_the_lp_and_the_game(monkeypatch):
    import sim.stage.highs

    class Failed:
        status, message, x = 4, "numerical difficulties", None

    monkeypatch.setattr(sim.stage.highs, "linprog", lambda *a, **k: Failed())
    game = StageGame.from_matrices([[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]], name="pennies",
                                   player_ids=("us", "china"), cooperative=(0, 0))
    with pytest.raises(SolverError, match=r"maxmin LP failed on game 'pennies', player us: numerical difficulties"):
        security(game)
    with pytest.raises(SolverError, match="correlated-equilibrium LP failed on game 'pennies'"):
        correlated_equilibrium(game)
    with pytest.raises(SolverError, match="Stackelberg commitment LP failed on game 'pennies', leader china"):
        stackelberg_mixed(game, 1)
    assert issubclass(SolverError, TradesimError)


def test_bad_lemke_howson_labels_and_disagreement_points_are_input_errors():
    game = ([[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]])
    for labels in ([4], [-1], [], ["a"], [True], 3):
        with pytest.raises(InputError, match="labels"):
            nash_equilibria(game, "lemke-howson", labels=labels)
    for d in ((1.0,), (1.0, float("nan")), ("a", "b")):
        with pytest.raises(InputError, match="disagreement"):
            nash_bargaining(game, d)
