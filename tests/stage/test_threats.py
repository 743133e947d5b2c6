"""Stackelberg commitment and threat credibility / deterrence, including lever-level threats."""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import InputError
from sim.model.game import StageGame
from sim.stage.commitment import stackelberg, threat_check

PD = StageGame.from_matrices([[3, 0], [5, 1]], [[3, 5], [0, 1]], actions=(("C", "D"), ("C", "D")), cooperative=(0, 0))
# follower indifferent after leader action 0
TIE = (np.array([[4.0, 0.0], [1.0, 3.0]]), np.array([[1.0, 1.0], [0.0, 1.0]]))


@pytest.mark.parametrize(
    "game, leader, tie, expected",
    [
        pytest.param(([[3, 0], [0, 2]], [[2, 0], [0, 3]]), 0, "leader", (0, 0, (3.0, 2.0)), id="bos-row-leads"),
        pytest.param(([[3, 0], [0, 2]], [[2, 0], [0, 3]]), 1, "leader", (1, 1, (2.0, 3.0)), id="bos-col-leads"),
        pytest.param(TIE, 0, "leader", (0, 0, (4.0, 1.0)), id="ties-for-leader"),
        pytest.param(TIE, 0, "against", (1, 1, (3.0, 1.0)), id="ties-against-leader"),
        pytest.param(PD, 0, "leader", (1, 1, (1.0, 1.0)), id="pd"),
    ],
)
def test_stackelberg(game, leader, tie, expected):
    out = stackelberg(game, leader, tie=tie)
    assert (out.leader_action, out.follower_action, out.payoffs) == expected
    assert out.tie_rule == tie


def test_stackelberg_bad_tie_rule():
    with pytest.raises(InputError, match="tie rule"):
        stackelberg(PD, 0, tie="random")


def test_threat_in_prisoners_dilemma_is_credible_and_deterrent():
    t = threat_check(PD, 0, "D", "D")
    assert t.credible and t.deterrent
    assert t.trigger_profitable_without_threat
    assert (t.target_baseline_payoff, t.target_payoff_if_carried_out, t.target_payoff_if_ignored) == (3.0, 1.0, 5.0)


def test_costly_threat_is_not_credible():
    # row threatens C (cooperate) after D: not a best response, and it does not deter
    t = threat_check(PD, 0, "D", "C")
    assert not t.credible and t.credibility_gap == pytest.approx(1.0)
    assert t.best_response == 1
    assert not t.deterrent


def test_us_china_tariff_threat_against_october_controls(us_china_game):
    g = us_china_game
    t = threat_check(g, 0, {"rare_earths": "October controls"}, {"tariff": "peak+100"})
    base_us, base_cn = g.cooperative
    trig = g.action_levels[1][t.trigger]
    resp = g.action_levels[0][t.response]
    names_cn = [lv.name for lv in g.levers[1]]
    names_us = [lv.name for lv in g.levers[0]]
    for k, name in enumerate(names_cn):
        expect = g.levers[1][k].labels.index("October controls") if name == "rare_earths" else g.action_levels[1][base_cn][k]
        assert trig[k] == expect
    for k, name in enumerate(names_us):
        expect = g.levers[0][k].labels.index("peak+100") if name == "tariff" else g.action_levels[0][base_us][k]
        assert resp[k] == expect
    # verdicts follow from the payoffs
    col = g.A[:, t.trigger]
    assert t.credibility_gap == pytest.approx(col.max() - col[t.response])
    assert t.credible == (t.credibility_gap <= 1e-9 * max(1, np.abs(g.A).max(), np.abs(g.B).max()))
    assert t.deterrent == (g.B[t.response, t.trigger] < g.B[base_us, base_cn] - 1e-9 * max(1, np.abs(g.A).max(), np.abs(g.B).max()))
    d = t.to_dict()
    assert d["threatener"] == "us" and "October controls" in d["trigger"] and "peak+100" in d["response"]


def test_mixed_commitment_beats_pure_commitment():
    # Conitzer and Sandholm (2006), section 2: committing to (1/2, 1/2) earns the leader 2.5 > 2
    from sim.stage.commitment import stackelberg_mixed

    A = np.array([[1.0, 3.0], [0.0, 2.0]])
    B = np.array([[1.0, 0.0], [0.0, 1.0]])
    pure = stackelberg((A, B), 0)
    mixed = stackelberg_mixed((A, B), 0)
    assert pure.payoffs == (2.0, 1.0)
    assert mixed.payoffs[0] == pytest.approx(2.5)
    np.testing.assert_allclose(mixed.leader_strategy, [0.5, 0.5], atol=1e-9)
    assert mixed.follower_action == 1
    assert "leader_strategy" in mixed.to_dict()
