"""N-player dominance, security, correlated equilibria, logit QRE and coalitions against known answers."""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import InputError
from sim.model.game import StageGame
from sim.model.nplayer import NormalFormGame
from sim.stage.correlated import correlated_equilibrium
from sim.stage.nplayer_coalition import (
    coalition_check,
    coalition_proof_mask,
    strong_nash_profiles,
)
from sim.stage.nplayer_correlated import (
    correlated_equilibrium_nplayer,
    obedience_constraints,
)
from sim.stage.nplayer_dominance import iterated_dominance_nplayer
from sim.stage.nplayer_qre import logit_qre_branch, logit_response
from sim.stage.nplayer_security import security_levels_nplayer
from tests.stage.test_nplayer_equilibria import (
    MATCHING_PENNIES_3P,
    MCKELVEY_MCLENNAN,
    nfg_outcomes,
)


def public_goods(n=3, r=1.5, cost=1.0, ids=("us", "cn", "br")) -> NormalFormGame:
    """Linear public goods: contributing (C) costs ``cost`` and yields ``r * cost / n`` to everyone."""
    U = np.zeros((n,) + (2,) * n)
    for prof in np.ndindex(*(2,) * n):
        pot = r * cost * sum(a == 0 for a in prof) / n
        for k in range(n):
            U[(k, *prof)] = pot - (cost if prof[k] == 0 else 0.0)
    return NormalFormGame.from_arrays(U, player_ids=ids[:n], actions=[["C", "D"]] * n, cooperative=[0] * n)


def chicken_with_dummy() -> NormalFormGame:
    """Aumann's (1974) Chicken (6,6 / 2,7 / 7,2 / 0,0) for players 1 and 2; player 3 is a dummy (payoff 0)."""
    A = np.array([[6.0, 2.0], [7.0, 0.0]])
    U = np.zeros((3, 2, 2, 2))
    U[0] = A[:, :, None]
    U[1] = A.T[:, :, None]
    return NormalFormGame.from_arrays(U, actions=[["dare-not", "dare"]] * 2 + [["x", "y"]])


# ---------------------------------------------------------------------------- dominance
def test_public_goods_dominance_solvable_in_one_round():
    res = iterated_dominance_nplayer(public_goods())
    assert res.solved and res.surviving == ((1,), (1,), (1,))
    assert [(e.round, e.player, e.action, e.by) for e in res.eliminations] == [(1, 0, 0, 1), (1, 1, 0, 1), (1, 2, 0, 1)]
    assert res.to_dict()["eliminations"][0] == {"round": 1, "player": "us", "action": "C", "dominated_by": "D",
                                                "mixed": False, "margin": 0.5}


def test_dominance_order_over_rounds():
    # player 1's a1 is dominated only once player 2 has dropped b0, which player 2 does in round 1
    U = np.zeros((3, 2, 2, 2))
    U[1, :, 0, :], U[1, :, 1, :] = 0.0, 1.0          # player 2: b1 strictly dominates b0
    U[0, 0, 1, :], U[0, 1, 1, :] = 2.0, 1.0          # against b1 player 1 prefers a0
    U[0, 0, 0, :], U[0, 1, 0, :] = 0.0, 5.0          # against b0, a1
    U[2, 0, :, 0], U[2, 0, :, 1] = 1.0, 0.0          # player 3 prefers c0 against a0 ...
    U[2, 1, :, 0], U[2, 1, :, 1] = 0.0, 1.0          # ... and c1 against a1
    res = iterated_dominance_nplayer(NormalFormGame.from_arrays(U))
    order = [(e.round, e.player, e.action) for e in res.eliminations]
    assert order == [(1, 1, 0), (2, 0, 1), (3, 2, 1)]
    assert res.surviving == ((0,), (1,), (0,))


def test_mixed_dominance_by_lp():
    # player 1's a2 (1, 1) is beaten by the 50/50 mixture of a0 (3, 0) and a1 (0, 3), by no pure action
    U = np.zeros((3, 3, 2, 1))
    U[0, :, :, 0] = [[3, 0], [0, 3], [1, 1]]
    U[1, :, :, 0] = [[1, 0], [0, 1], [1, 0]]
    g = NormalFormGame.from_arrays(U)
    assert iterated_dominance_nplayer(g).eliminations == ()
    res = iterated_dominance_nplayer(g, mixed=True)
    first = res.eliminations[0]
    assert (first.player, first.action, first.mixed) == (0, 2, True)
    assert np.allclose(first.weights, [0.5, 0.5, 0.0]) and np.isclose(first.margin, 0.5)


# ---------------------------------------------------------------------------- security
def test_security_levels_mckelvey_mclennan_by_hand():
    # player 1 against the others' joint play: rows (9, 0, 0, 3) and (0, 3, 9, 0): x = 1/2 guarantees 1.5
    sec = security_levels_nplayer(nfg_outcomes(MCKELVEY_MCLENNAN, (2, 2, 2)))
    assert np.isclose(sec.value[0], 1.5) and np.allclose(sec.strategy[0], [0.5, 0.5])
    assert sec.pure_value == (0.0, 0.0, 0.0)


def test_security_levels_two_players_match_bimatrix():
    from sim.stage.security import security_levels

    rng = np.random.default_rng(4)
    A, B = rng.normal(size=(2, 4, 5))
    sec = security_levels_nplayer(NormalFormGame.from_arrays([A, B]))
    theirs = security_levels(A, B)
    assert np.isclose(sec.value[0], theirs[0].to_dict()["maxmin_mixed"]["value"])
    assert np.isclose(sec.value[1], theirs[1].to_dict()["maxmin_mixed"]["value"])


# ---------------------------------------------------------------------------- correlated
def test_welfare_ce_of_chicken_is_aumanns():
    # the welfare-maximising CE of Chicken: 1/2 on (dare-not, dare-not), 1/4 on each asymmetric profile
    ce = correlated_equilibrium_nplayer(chicken_with_dummy())
    assert np.isclose(ce.value, 10.5) and np.allclose(ce.payoffs, (5.25, 5.25, 0.0))
    marg = ce.distribution.sum(axis=2)
    assert np.allclose(marg, [[0.5, 0.25], [0.25, 0.0]], atol=1e-7)
    assert ce.violation <= 1e-9


def test_public_goods_ce_and_cce_are_defection():
    for kind in ("ce", "cce"):
        res = correlated_equilibrium_nplayer(public_goods(), kind=kind)
        assert np.isclose(res.value, 0.0) and np.isclose(res.distribution[1, 1, 1], 1.0)


def test_cce_contains_ce():
    g = nfg_outcomes(MCKELVEY_MCLENNAN, (2, 2, 2))
    ce, cce = (correlated_equilibrium_nplayer(g, kind=k) for k in ("ce", "cce"))
    assert cce.value >= ce.value - 1e-9
    G = obedience_constraints(g.payoff_array(), "cce")
    assert (G @ ce.distribution.ravel()).max() <= 1e-9  # every CE is a CCE


@pytest.mark.parametrize("seed", range(3))
def test_ce_two_players_matches_bimatrix_lp(seed):
    rng = np.random.default_rng(seed)
    A, B = rng.integers(0, 9, size=(2, 3, 3)).astype(float)
    mine = correlated_equilibrium_nplayer(NormalFormGame.from_arrays([A, B]))
    theirs = correlated_equilibrium(StageGame.from_normal_form(NormalFormGame.from_arrays([A, B])))
    assert np.isclose(mine.value, sum(theirs.payoffs), atol=1e-7)


def test_ce_bad_kind_and_objective():
    g = public_goods()
    with pytest.raises(InputError):
        correlated_equilibrium_nplayer(g, kind="nash")
    with pytest.raises(InputError) as info:
        correlated_equilibrium_nplayer(g, objective="eu")
    assert info.value.key == "objective"


# ---------------------------------------------------------------------------- logit QRE
def test_qre_starts_uniform_and_every_point_is_a_fixed_point():
    g = nfg_outcomes(MCKELVEY_MCLENNAN, (2, 2, 2))
    br = logit_qre_branch(g)
    assert br.lambdas[0] == 0.0 and all(np.allclose(s, 0.5) for s in br.profiles[0])
    U = g.payoff_array()
    for i in range(0, len(br.lambdas), max(1, len(br.lambdas) // 10)):
        sigma = br.profiles[i]
        assert all(np.allclose(a, b, atol=1e-8) for a, b in zip(logit_response(U, sigma, br.lambdas[i]), sigma))
    assert br.lambdas[-1] >= 1e4 and br.limit is not None
    assert max(br.limit.regret) <= 1e-7 * 12


def test_qre_of_three_player_matching_pennies_stays_uniform():
    br = logit_qre_branch(nfg_outcomes(MATCHING_PENNIES_3P, (2, 2, 2)))
    assert all(np.allclose(s, 0.5) for prof in br.profiles for s in prof)
    assert br.limit is not None and all(np.allclose(s, 0.5) for s in br.limit.strategies)


def test_qre_converges_to_the_dominant_profile():
    br = logit_qre_branch(public_goods())
    assert br.limit is not None and all(np.array_equal(s, [0.0, 1.0]) for s in br.limit.strategies)
    # defection's probability rises along the branch
    d = [prof[0][1] for prof in br.profiles]
    assert all(b >= a - 1e-9 for a, b in zip(d, d[1:]))


# ---------------------------------------------------------------------------- coalitions
def test_public_goods_coalitions():
    g = public_goods()
    check = coalition_check(g, {"us": "D", "cn": "D", "br": "D"})
    assert check.nash and check.strong is False and check.coalition_proof is True
    assert list(check.breaking) == [("us", "cn", "br")]  # no pair gains: each gets 2*0.5 - 1 = 0
    assert check.breaking[("us", "cn", "br")] == {"us": "C", "cn": "C", "br": "C"}
    assert strong_nash_profiles(g).shape == (0, 3)


def test_named_coalition_and_unknown_player():
    g = nfg_outcomes(MCKELVEY_MCLENNAN, (2, 2, 2))
    check = coalition_check(g, (0, 1, 1), coalitions=[["p2", "p3"]])
    assert check.strong is None and check.breaking == {("p2", "p3"): {"p2": "a0", "p3": "a0"}}
    with pytest.raises(InputError) as info:
        coalition_check(g, (0, 1, 1), coalitions=[["p2", "eu"]])
    assert info.value.key == "coalition" and "eu" in str(info.value)


def test_strong_and_coalition_proof_sets_mckelvey_mclennan():
    g = nfg_outcomes(MCKELVEY_MCLENNAN, (2, 2, 2))
    strong = {tuple(p) for p in strong_nash_profiles(g)}
    assert strong == {(0, 0, 0), (1, 1, 0)}
    cp = {tuple(int(a) for a in p) for p in np.argwhere(coalition_proof_mask(g))}
    assert strong <= cp  # every strong Nash equilibrium is coalition-proof
    assert cp == {(0, 0, 0), (1, 1, 0)}


def test_two_player_coalition_proof_is_pareto_undominated_nash():
    # with two players BPW reduces to the Nash equilibria not Pareto-dominated by another Nash equilibrium
    A = np.array([[2.0, 0.0], [0.0, 1.0]])
    g = NormalFormGame.from_arrays([A, A])
    cp = coalition_proof_mask(g)
    assert cp.tolist() == [[True, False], [False, False]]


def test_qre_follows_the_backward_bend_of_mckelveys_loopback_game():
    # Gambit's contrib/games/loopback.nfg: the principal branch bends back in lambda (near raw
    # lambda 1.35) before going on to the pure equilibrium (player 1's second action, player 2's first),
    # where Gambit's logit solver ends too; a trace that only steps forward in lambda misses the bend
    A = np.array([[6.0, 6.0], [7.32, 1.0]])
    B = np.array([[7.0, 7.0], [6.0, 4.0]])
    br = logit_qre_branch(NormalFormGame.from_arrays([A, B]))
    assert (np.diff(br.lambdas) < 0).any()
    assert br.limit is not None
    assert np.allclose(br.limit.strategies[0], [0, 1]) and np.allclose(br.limit.strategies[1], [1, 0])
    # every point is a fixed point of the logit map (on payoffs divided by the largest range, 6.32)
    for lam, sigma in zip(br.lambdas[::5], br.profiles[::5]):
        assert all(np.allclose(a, b, atol=1e-8)
                   for a, b in zip(logit_response(np.stack([A, B]), sigma, lam), sigma))
