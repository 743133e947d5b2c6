"""N-player Nash equilibria: published answers, brute force, verification, the two-player path."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import InputError
from sim.model.game import StageGame
from sim.model.nplayer import NormalFormGame
from sim.stage.equilibria import nash_equilibria
from sim.stage.nplayer_mixed import (
    nplayer_nash,
    qre_equilibrium,
    support_enumeration_nplayer,
)
from sim.stage.nplayer_pure import payoff_ranges, pure_equilibrium_mask, regrets


def nfg_outcomes(rows, shape) -> NormalFormGame:
    """A game from a Gambit .nfg outcome list (player 1's action varies fastest)."""
    out = np.asarray(rows, dtype=float)
    return NormalFormGame.from_arrays([out[:, k].reshape(shape, order="F") for k in range(len(shape))])


#: contrib/games/2x2x2.nfg of Gambit: McKelvey and McLennan (1997), nine equilibria, two totally mixed.
MCKELVEY_MCLENNAN = [[9, 8, 12], [0, 0, 0], [0, 0, 0], [9, 8, 2], [0, 0, 0], [3, 4, 6], [3, 4, 6], [0, 0, 0]]
#: catalog/open_spiel/matching_pennies_3p.nfg of Gambit's catalog: one equilibrium, uniform play.
MATCHING_PENNIES_3P = [[1, 1, -1], [-1, 1, 1], [-1, -1, -1], [1, -1, 1], [1, -1, 1], [-1, -1, -1], [-1, 1, 1],
                       [1, 1, -1]]


@dataclass(frozen=True)
class Case:
    id: str
    outcomes: list
    shape: tuple
    # each equilibrium as the probability of every player's FIRST action (two actions each)
    equilibria: list


CASES = [
    # the nine equilibria as Gambit's enumpoly lists them for this file
    Case("mckelvey-mclennan-2x2x2", MCKELVEY_MCLENNAN, (2, 2, 2), [
        (1, 1, 1), (1, 0, 0), (0, 1, 0), (0, 0, 1), (1 / 2, 1 / 2, 1), (1 / 3, 1, 1 / 4), (0, 1 / 4, 1 / 3),
        (1 / 2, 2 / 5, 1 / 4), (2 / 5, 1 / 2, 1 / 3)]),
    Case("matching-pennies-3p", MATCHING_PENNIES_3P, (2, 2, 2), [(1 / 2, 1 / 2, 1 / 2)]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_published_equilibria(case):
    g = nfg_outcomes(case.outcomes, case.shape)
    res = nplayer_nash(g)
    assert res.complete and res.method == "support-exact"
    assert len(res) == len(case.equilibria)
    got = sorted(tuple(round(float(s[0]), 9) for s in e.strategies) for e in res)
    want = sorted(tuple(round(float(x), 9) for x in eq) for eq in case.equilibria)
    for a, b in zip(got, want, strict=True):
        assert np.allclose(a, b, atol=1e-9)
    U = g.payoff_array()
    for e in res:
        assert (np.array(e.regret) <= res.tol * payoff_ranges(U)).all()
        assert np.allclose(regrets(U, e.strategies), e.regret)


def test_totally_mixed_count_mckelvey_mclennan():
    res = nplayer_nash(nfg_outcomes(MCKELVEY_MCLENNAN, (2, 2, 2)))
    assert sum(all(len(s) == 2 for s in e.support) for e in res) == 2
    assert sum(e.is_pure for e in res) == 4


def brute_force_pure(U):
    out = []
    for prof in itertools.product(*(range(n) for n in U.shape[1:])):
        ok = True
        for k in range(U.shape[0]):
            for b in range(U.shape[1 + k]):
                dev = list(prof)
                dev[k] = b
                if U[(k, *dev)] > U[(k, *prof)]:
                    ok = False
        if ok:
            out.append(prof)
    return out


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.sampled_from([3, 4]), integer=st.booleans())
def test_pure_equilibria_match_brute_force(seed, n, integer):
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(2, 4, size=n))
    U = rng.integers(-3, 4, size=(n, *shape)).astype(float) if integer else rng.normal(size=(n, *shape))
    got = [tuple(int(a) for a in p) for p in np.argwhere(pure_equilibrium_mask(U))]
    assert got == brute_force_pure(U)


@pytest.mark.parametrize("seed", range(6))
def test_random_2x2x2_complete_and_verified(seed):
    rng = np.random.default_rng(seed)
    g = NormalFormGame.from_arrays(rng.normal(size=(3, 2, 2, 2)))
    res = support_enumeration_nplayer(g)
    assert res.complete
    assert len(res) % 2 == 1  # generic games have an odd number of equilibria (Wilson 1971)
    U = g.payoff_array()
    for e in res:
        assert (regrets(U, e.strategies) <= 1e-9).all()
        for s in e.strategies:
            assert (s >= 0).all() and np.isclose(s.sum(), 1.0)


@pytest.mark.parametrize("seed", range(4))
def test_random_3x3x3_support_newton_is_not_complete_but_verified(seed):
    rng = np.random.default_rng(100 + seed)
    g = NormalFormGame.from_arrays(rng.normal(size=(3, 3, 3, 3)))
    res = nplayer_nash(g, seed=seed)
    assert res.method == "support-newton" and not res.complete and len(res) >= 1
    U = g.payoff_array()
    assert all((regrets(U, e.strategies) <= res.tol * payoff_ranges(U)).all() for e in res)


@pytest.mark.parametrize("shape", [(2, 2, 2, 2), (3, 3, 3), (4, 3, 2), (2, 2, 2, 2, 2)], ids=str)
def test_qre_method_finds_a_verified_equilibrium(shape):
    rng = np.random.default_rng(7)
    g = NormalFormGame.from_arrays(rng.normal(size=(len(shape), *shape)))
    res = qre_equilibrium(g)
    assert not res.complete and len(res) >= 1
    U = g.payoff_array()
    for e in res:
        assert (regrets(U, e.strategies) <= res.tol * payoff_ranges(U)).all()


def test_seeded_newton_is_reproducible():
    rng = np.random.default_rng(3)
    g = NormalFormGame.from_arrays(rng.normal(size=(3, 3, 3, 3)))
    a, b = nplayer_nash(g, seed=5), nplayer_nash(g, seed=5)
    assert [np.concatenate(e.strategies).tolist() for e in a] == [np.concatenate(e.strategies).tolist() for e in b]


@pytest.mark.parametrize("seed", range(4))
def test_two_players_use_the_bimatrix_solvers(seed):
    rng = np.random.default_rng(seed)
    A, B = rng.integers(-5, 6, size=(2, 4, 3)).astype(float)
    g = NormalFormGame.from_arrays([A, B])
    mine = nplayer_nash(g)
    theirs = nash_equilibria(StageGame.from_normal_form(g))
    assert mine.method == f"bimatrix:{theirs.method}" and mine.complete == theirs.complete
    assert len(mine) == len(theirs)
    for e, f in zip(mine, theirs, strict=True):
        assert np.array_equal(e.strategies[0], f.row) and np.array_equal(e.strategies[1], f.col)
        assert e.payoffs == tuple(f.payoffs)


def test_json_layout():
    g = NormalFormGame.from_arrays(nfg_outcomes(MATCHING_PENNIES_3P, (2, 2, 2)).payoffs,
                                   player_ids=["us", "cn", "br"], actions=[["H", "T"]] * 3)
    d = nplayer_nash(g).to_dict()
    assert d["complete"] is True and d["method"] == "support-exact"
    assert d["equilibria"][0]["strategies"] == {p: {"H": 0.5, "T": 0.5} for p in ("us", "cn", "br")}
    assert set(d["equilibria"][0]["payoffs"]) == {"us", "cn", "br"}
    frame = nplayer_nash(g).to_frame()
    assert list(frame["us_payoff"]) == [0.0]


def test_bad_method_and_budget():
    g = nfg_outcomes(MCKELVEY_MCLENNAN, (2, 2, 2))
    with pytest.raises(InputError, match="unknown method"):
        nplayer_nash(g, "lemke")
    with pytest.raises(InputError) as info:
        nplayer_nash(g, max_seconds=0)
    assert info.value.key == "max_seconds"


def test_budget_cut_short_is_not_complete():
    rng = np.random.default_rng(0)
    g = NormalFormGame.from_arrays(rng.normal(size=(3, 4, 4, 4)))
    res = support_enumeration_nplayer(g, max_seconds=0.05)
    assert not res.complete and any("time budget" in n for n in res.notes)
