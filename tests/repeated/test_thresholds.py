"""Folk-theorem thresholds against closed forms, and the feasible individually rational set."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sim.errors import InputError
from sim.model.game import StageGame
from sim.repeated.payoff_set import feasible_ir_set
from sim.repeated.punishment import critical_discount, reversion_equilibrium
from sim.repeated.thresholds import tft_critical_discount, truce_thresholds
from sim.stage.equilibria import pure_best_response_profiles
from sim.stage.security import minmax_profile, pure_minmax


def pd(R, S, T, P):
    return StageGame.from_matrices([[R, S], [T, P]], [[R, T], [S, P]], actions=(("C", "D"), ("C", "D")),
                                   cooperative=(0, 0))


PDS = [
    ((3, 0, 5, 1), 1 / 2, 2 / 3),
    ((4, 0, 5, 1), 1 / 4, 1 / 4),
    ((3, 1, 4, 2), 1 / 2, 1 / 2),
    ((5, 0, 6, 1), 1 / 5, 1 / 5),
    ((3, -1, 4, 0), 1 / 4, 1 / 4),
    ((2, 0, 3, 1), 1 / 2, 1 / 2),
    ((3, 0, 5.5, 1), 2.5 / 4.5, 2.5 / 3),
    ((3, 0, 7, 1), 4 / 6, math.inf),  # T + S > 2R: alternating beats cooperating
]


@pytest.mark.parametrize("payoffs, grim, tft", PDS, ids=[f"RSTP={p}" for p, _, _ in PDS])
def test_prisoners_dilemma_closed_forms(payoffs, grim, tft):
    R, S, T, P = payoffs
    assert grim == pytest.approx((T - R) / (T - P))
    if T + S <= 2 * R:
        assert tft == pytest.approx(max((T - R) / (T - P), (T - R) / (R - S)))
    th = truce_thresholds(pd(*payoffs))
    assert th.grim_nash == pytest.approx((grim, grim), abs=1e-12)
    assert th.grim_minmax == pytest.approx((grim, grim), abs=1e-12)  # minmax = P in a PD
    if math.isinf(tft):
        assert th.tit_for_tat == (math.inf, math.inf)
    else:
        assert th.tit_for_tat == pytest.approx((tft, tft), abs=1e-8)


def test_axelrod_payoffs_give_half_and_two_thirds():
    th = truce_thresholds(pd(3, 0, 5, 1))
    d = th.to_dict()
    assert d["grim_trigger"] == {"row": pytest.approx(0.5), "col": pytest.approx(0.5)}
    assert d["tit_for_tat"] == {"row": pytest.approx(2 / 3, abs=1e-8), "col": pytest.approx(2 / 3, abs=1e-8)}
    assert d["cooperative"] == {"row": "C", "col": "C"}
    assert d["self_enforcing"] == {"row": True, "col": True}  # δ = 0.9
    json.dumps(d)


@pytest.mark.parametrize(
    "v, d, p, expected",
    [(3, 5, 1, 0.5), (3, 3, 1, 0.0), (3, 2, 1, 0.0), (1, 5, 1, math.inf), (0, 5, 1, math.inf), (2, 6, 0, 4 / 6)],
    ids=["pd", "no-gain", "loss", "punishment-equal", "punishment-better", "generic"],
)
def test_critical_discount_formula(v, d, p, expected):
    assert critical_discount(v, d, p) == pytest.approx(expected)


def test_minmax_and_nash_helpers():
    g = pd(3, 0, 5, 1)
    assert pure_best_response_profiles(g.A, g.B).tolist() == [[1, 1]]
    assert minmax_profile(g, 0)[0] == pytest.approx(1.0)
    assert pure_minmax(g, 1) == (1.0, 1)
    # matching pennies: mixed minmax 0, pure minmax 1; a mixed reversion equilibrium
    mp = StageGame.from_matrices([[1, -1], [-1, 1]], [[-1, 1], [1, -1]])
    value, mix = minmax_profile(mp, 0)
    assert value == pytest.approx(0.0, abs=1e-9) and mix == pytest.approx([0.5, 0.5])
    assert pure_minmax(mp, 0)[0] == 1.0
    x, y = reversion_equilibrium(mp, (0, 0))
    assert x == pytest.approx([0.5, 0.5]) and y == pytest.approx([0.5, 0.5])


def test_minmax_punishment_can_be_harsher_than_nash():
    # row's Nash payoff is 2 but the column can push it down to 0
    A = [[4, 0], [6, 2]]
    B = [[4, 1], [0, 2]]
    th = truce_thresholds(StageGame.from_matrices(A, B, cooperative=(0, 0)))
    assert th.nash_payoff[0] == pytest.approx(2.0)
    assert th.minmax_payoff[0] == pytest.approx(2.0)  # row's best reply to col's D is 2
    A2 = [[4, -3], [6, 2], [1, 0]]
    B2 = [[4, 5], [0, 1], [0, 3]]
    g2 = StageGame.from_matrices(A2, B2, cooperative=(0, 0))
    th2 = truce_thresholds(g2)
    assert th2.minmax_payoff[0] <= th2.nash_payoff[0]
    assert th2.grim_minmax[0] <= th2.grim_nash[0]


def test_multiple_nash_picks_the_harshest_usable():
    # stag hunt-like with a cooperative (0,0) that is itself an equilibrium: no deviation gain
    g = StageGame.from_matrices([[4, 0], [3, 3]], [[4, 3], [0, 3]], cooperative=(0, 0))
    th = truce_thresholds(g)
    assert th.grim_nash == (0.0, 0.0) and th.tit_for_tat == (0.0, 0.0)


def test_cooperative_override_and_errors():
    g = pd(3, 0, 5, 1)
    th = truce_thresholds(g, {"row": "C", "col": "C"})
    assert th.cooperative == (0, 0)
    th = truce_thresholds(g, ("D", "D"))
    assert th.grim_nash == (0.0, 0.0)
    # a player left out keeps its default cooperative action, as in a scenario file
    assert truce_thresholds(g, {"row": "D"}).cooperative == (1, 0)
    with pytest.raises(InputError, match="no player 'nobody'"):
        truce_thresholds(g, {"nobody": "C"})
    with pytest.raises(InputError):
        truce_thresholds(g, ("C", "Z"))
    with pytest.raises(InputError):
        truce_thresholds(g, (0, 5))


def test_feasible_and_individually_rational_set():
    ps = feasible_ir_set(pd(3, 0, 5, 1))
    assert {tuple(p) for p in ps.feasible.tolist()} == {(0.0, 5.0), (1.0, 1.0), (3.0, 3.0), (5.0, 0.0)}
    assert ps.minmax == pytest.approx((1.0, 1.0))
    ir = {tuple(np.round(p, 9)) for p in ps.individually_rational.tolist()}
    assert ir == {(1.0, 1.0), (1.0, round(13 / 3, 9)), (3.0, 3.0), (round(13 / 3, 9), 1.0)}
    assert ps.contains((3, 3)) and ps.contains((2, 2)) and not ps.contains((0.5, 4))
    assert ps.contains((0.5, 4), rational=False)
    assert {tuple(np.round(p, 9)) for p in ps.pareto.tolist()} == {(1.0, round(13 / 3, 9)), (3.0, 3.0), (round(13 / 3, 9), 1.0)}
    json.dumps(ps.to_dict())


def test_sentences_read_in_scenario_units(us_china_game):
    th = truce_thresholds(us_china_game)
    assert th.period == "quarter"
    text = " ".join(th.sentences())
    assert "next quarter at >=" in text and "us" in text
    d = th.to_dict()
    assert set(d["grim_trigger"]) == {"us", "china"}
    assert set(d["cooperative"]) == {"us", "china"}
    for v in d["grim_trigger"].values():
        assert v is None or 0.0 <= v < 1.0
    json.dumps(d)


def test_tft_direct_call():
    assert tft_critical_discount(pd(3, 0, 5, 1), 0) == pytest.approx(2 / 3, abs=1e-8)


# ---------------------------------------------------------------- property: any prisoner's dilemma
from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=25, deadline=None)
@example(S=0, gaps=(1, 2, 3))  # T + S == 2R, always tried (random draws hit it 1 time in 14)
@example(S=-3, gaps=(2, 2, 4))  # T + S == 2R
@given(
    S=st.integers(-5, 5),
    gaps=st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6)),
)
def test_any_prisoners_dilemma(S, gaps):
    P = S + gaps[0]
    R = P + gaps[1]
    T = R + gaps[2]
    g = pd(R, S, T, P)
    th = truce_thresholds(g)
    assert th.grim_nash[0] == pytest.approx((T - R) / (T - P))
    tft = tft_critical_discount(g, 0)
    closed_form = max((T - R) / (T - P), (T - R) / (R - S))
    if T + S < 2 * R:
        assert tft == pytest.approx(closed_form, abs=1e-8)
    elif T + S > 2 * R:
        assert math.isinf(tft)
    else:
        # T + S == 2R: alternating (T, S, T, ...) averages exactly R, so the closed form is
        # (T-R)/(R-S) = 1: no discount factor below 1 deters it, which the solver reports as inf
        assert closed_form == pytest.approx(1.0)
        assert math.isinf(tft)
        assert th.tit_for_tat == (math.inf, math.inf)
        # just below δ = 1 alternating still beats the truce by (1-δ)(T-R)/(1+δ) > 0 per round
        delta = 0.999
        assert (T + delta * S) / (1 + delta) > R
    # grim trigger: the one-shot gain against the loss of R - P for ever, for each side
    assert th.grim_nash == pytest.approx(((T - R) / (T - P),) * 2, abs=1e-12)
    assert th.grim_minmax == pytest.approx(((T - R) / (T - P),) * 2, abs=1e-12)
    assert tft_critical_discount(g, 1) == pytest.approx(tft, abs=1e-8)  # the game is symmetric
