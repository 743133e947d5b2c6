"""Security levels, Pareto set, bargaining solutions and the welfare-maximising correlated equilibrium."""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import InputError
from sim.stage.bargaining import (
    correlated_equilibrium,
    disagreement_point,
    kalai_smorodinsky,
    nash_bargaining,
    pareto_profiles,
    utilitarian_optimum,
)
from sim.stage.security import security_levels

PD = (np.array([[3.0, 0.0], [5.0, 1.0]]), np.array([[3.0, 5.0], [0.0, 1.0]]))
BOS = (np.array([[3.0, 0.0], [0.0, 2.0]]), np.array([[2.0, 0.0], [0.0, 3.0]]))
CHICKEN = (np.array([[6.0, 2.0], [7.0, 0.0]]), np.array([[6.0, 7.0], [2.0, 0.0]]))
PENNIES = (np.array([[1.0, -1.0], [-1.0, 1.0]]), np.array([[-1.0, 1.0], [1.0, -1.0]]))
KINK = (np.array([[0.0, 3.0, 4.0]]), np.array([[4.0, 3.0, 0.0]]))


@pytest.mark.parametrize(
    "game, expected",
    [
        pytest.param(PD, [[0, 0], [0, 1], [1, 0]], id="prisoners-dilemma"),
        pytest.param(BOS, [[0, 0], [1, 1]], id="battle-of-the-sexes"),
        pytest.param(CHICKEN, [[0, 0], [0, 1], [1, 0]], id="chicken"),
    ],
)
def test_pareto_profiles(game, expected):
    got = pareto_profiles(*game)
    assert len(got) == len(expected)
    for g, e in zip(sorted(got.tolist()), sorted(expected), strict=True):
        assert g == e


@pytest.mark.parametrize(
    "game, d, point, lottery",
    [
        pytest.param(BOS, (0.0, 0.0), (2.5, 2.5), {(0, 0): 0.5, (1, 1): 0.5}, id="bos-symmetric"),
        pytest.param(BOS, "nash", (2.5, 2.5), {(0, 0): 0.5, (1, 1): 0.5}, id="bos-nash-threat"),
        pytest.param(((np.array([[0.0, 4.0]]), np.array([[4.0, 0.0]]))), (1.0, 0.0), (2.5, 1.5),
                     {(0, 0): 0.375, (0, 1): 0.625}, id="asymmetric-threat"),
        pytest.param(KINK, (0.0, 0.0), (3.0, 3.0), {(0, 1): 1.0}, id="kink"),
        pytest.param(PD, "nash", (3.0, 3.0), {(0, 0): 1.0}, id="pd"),
    ],
)
def test_nash_bargaining(game, d, point, lottery):
    sol = nash_bargaining(game, d)
    assert sol.point == pytest.approx(point)
    assert sol.gains
    assert set(sol.lottery) == set(lottery)
    for k, w in lottery.items():
        assert sol.lottery[k] == pytest.approx(w)
    A, B = game
    assert sum(w * A[k] for k, w in sol.lottery.items()) == pytest.approx(point[0])
    assert sum(w * B[k] for k, w in sol.lottery.items()) == pytest.approx(point[1])


def test_disagreement_points():
    d, src = disagreement_point(BOS, "nash")
    assert d == pytest.approx((1.2, 1.2)) and "Nash" in src
    d, src = disagreement_point(BOS, "security")
    assert d == pytest.approx((1.2, 1.2)) and "security" in src
    with pytest.raises(InputError, match="disagreement"):
        disagreement_point(BOS, "whatever")


def test_kalai_smorodinsky():
    sol = kalai_smorodinsky(KINK, (0.0, 0.0))
    assert sol.point == pytest.approx((3.0, 3.0))
    # asymmetric: frontier u1 + u2 = 4, d = (1, 0): ideal (4, 3), ray (1,0)+t(3,3) -> t = 1/2
    sol = kalai_smorodinsky((np.array([[0.0, 4.0]]), np.array([[4.0, 0.0]])), (1.0, 0.0))
    assert sol.point == pytest.approx((2.5, 1.5))


def test_no_gains_when_disagreement_is_efficient():
    sol = nash_bargaining(PD, (3.0, 3.0))
    assert not sol.gains and sol.point == (3.0, 3.0) and sol.lottery == {}
    assert not kalai_smorodinsky(PD, (3.0, 3.0)).gains


def test_utilitarian_optimum():
    sol = utilitarian_optimum(PD)
    assert sol.point == (3.0, 3.0) and sol.lottery == {(0, 0): 1.0}
    assert "tie" in utilitarian_optimum(BOS).notes[0]


def test_correlated_equilibrium_of_chicken():
    ce = correlated_equilibrium(CHICKEN)
    assert ce.payoffs == pytest.approx((5.25, 5.25))
    np.testing.assert_allclose(ce.distribution, [[0.5, 0.25], [0.25, 0.0]], atol=1e-9)
    assert ce.max_violation <= 1e-9
    assert ce.to_dict()["distribution"][0] == {"profile": [0, 0], "probability": pytest.approx(0.5)}


@pytest.mark.parametrize(
    "game, pure, mixed, punish_pure",
    [
        pytest.param(PENNIES, (-1.0, -1.0), (0.0, 0.0), (1.0, 1.0), id="matching-pennies"),
        pytest.param(BOS, (0.0, 0.0), (1.2, 1.2), (2.0, 2.0), id="battle-of-the-sexes"),
        pytest.param(PD, (1.0, 1.0), (1.0, 1.0), (1.0, 1.0), id="prisoners-dilemma"),
    ],
)
def test_security_levels(game, pure, mixed, punish_pure):
    levels = security_levels(*game)
    assert len(levels) == 2
    for p, s in enumerate(levels):
        assert s.pure_value == pytest.approx(pure[p])
        assert s.mixed_value == pytest.approx(mixed[p])
        assert s.punish_pure_value == pytest.approx(punish_pure[p])
        assert s.punish_mixed_value == pytest.approx(s.mixed_value)  # minimax theorem
        assert s.mixed_strategy.sum() == pytest.approx(1.0)
