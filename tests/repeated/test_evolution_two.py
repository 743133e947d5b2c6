"""Two-population evolution, fixation intervals, and where an evolution starts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.errors import InputError
from sim.model.game import StageGame
from sim.repeated.evolution import (
    moran,
    moran_fixation_probability,
    replicator,
    wilson_interval,
)
from sim.repeated.evolution_start import mutant_counts, mutant_report, parse_mix
from sim.repeated.evolution_two import moran_two, replicator_two
from sim.repeated.tournament import round_robin


# ----------------------------------------------------------------------------- intervals and closed forms
@pytest.mark.parametrize(
    "k, n, lo, hi",
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
    ids=["81/263", "15/148", "0/20", "1/29"],
)
def test_wilson_interval_matches_newcombe_1998(k, n, lo, hi):
    # Newcombe (1998), Statistics in Medicine 17: 857-872, Table II, method 3 (Wilson score)
    assert np.allclose(wilson_interval(k, n), [lo, hi], atol=1e-4)


def test_closed_form_fixation_probability():
    assert moran_fixation_probability(1.0, 10) == pytest.approx(0.1)
    assert moran_fixation_probability(2.0, 10) == pytest.approx((1 - 0.5) / (1 - 0.5**10))
    assert moran_fixation_probability(2.0, 10, mutants=10) == pytest.approx(1.0)


@pytest.mark.parametrize("r, N", [(1.5, 10), (0.8, 8), (2.0, 20)], ids=["advantage", "disadvantage", "strong"])
def test_two_population_moran_single_mutant_matches_closed_form(r, N):
    # the row side: a mutant earns r whatever it meets, residents 1; the column side is neutral and all one type
    R = np.array([[1.0, 1.0], [r, r]])
    C = np.ones((2, 2))
    runs = 3000
    res = moran_two(np.stack([R, C]), population=N, initial=[[N - 1, 1], [N, 0]], fitness_map="linear",
                    selection=1.0, replicates=runs, max_steps=20_000, seed=1)
    want = moran_fixation_probability(r, N)
    lo, hi = res.fixation_interval[0, 1]
    assert lo <= want <= hi, (res.fixation_probability[0, 1], want)
    assert (res.fixation[:, 1] == 0).all()  # the column side started (and stays) fixed on strategy 0
    assert (res.fixation[:, 0] >= 0).all()


def test_one_population_moran_interval_covers_closed_form():
    r, N = 1.5, 12
    M = np.array([[1.0, 1.0], [r, r]])
    res = moran(M, population=N, initial=[N - 1, 1], fitness_map="linear", selection=1.0, replicates=3000, seed=4,
                max_steps=20_000)
    lo, hi = res.fixation_interval[1]
    assert lo <= moran_fixation_probability(r, N) <= hi
    d = json.loads(json.dumps(res.to_dict()))
    assert d["fixation_interval"]["s1"] == pytest.approx([lo, hi])


# ----------------------------------------------------------------------------- replicator
def test_two_population_matching_pennies_conserves_the_relative_entropy():
    # zero-sum 2x2 with interior equilibrium (1/2, 1/2): sum_i x*_i log x_i + sum_j y*_j log y_j is constant
    A = np.array([[1.0, -1.0], [-1.0, 1.0]])
    res = replicator_two(np.stack([A, -A]), initial=[[0.7, 0.3], [0.4, 0.6]], t_max=30)
    H = 0.5 * np.log(res.shares[:, 0]).sum(axis=1) + 0.5 * np.log(res.shares[:, 1]).sum(axis=1)
    assert np.ptp(H) < 1e-6
    assert np.allclose(res.shares.sum(axis=2), 1.0)
    assert res.shares[:, 0, 0].min() < 0.5 < res.shares[:, 0, 0].max()  # it cycles, it does not converge


def test_two_populations_of_a_symmetric_game_with_equal_starts_are_one_population():
    M = np.array([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]]) + np.array([[0.2, 0, 0]] * 3)
    x0 = [0.5, 0.3, 0.2]
    one = replicator(M, initial=x0, t_max=10)
    two = replicator_two(np.stack([M, M]), initial=[x0, x0], t_max=10)
    assert np.allclose(two.shares[:, 0], one.shares, atol=1e-6)
    assert np.allclose(two.shares[:, 1], one.shares, atol=1e-6)


def test_each_side_goes_to_its_dominant_strategy_in_an_asymmetric_tournament():
    # row: D strictly dominant in the stage game, column: C strictly dominant
    game = StageGame.from_matrices([[1, 0], [3, 2]], [[5, 1], [4, 0]], actions=(("C", "D"), ("C", "D")),
                                   cooperative=(0, 0))
    res = round_robin(game, ["always_cooperate", "always_defect"], rounds=10, replicates=1)
    evo = replicator_two(res, t_max=50)
    assert evo.player_ids == ("row", "col")
    assert evo.final[0, 1] > 0.99 and evo.final[1, 0] > 0.99
    d = json.loads(json.dumps(evo.to_dict()))
    assert d["populations"] == 2 and set(d["final"]) == {"row", "col"}
    assert evo.to_frame().shape == (len(evo.times), 4)


def test_large_payoffs_stay_on_the_simplex():
    P = np.stack([np.array([[10.0, -300], [-280, -300]]), np.array([[-40.0, -140], [-120, -130]])])
    res = replicator_two(P, t_max=100)
    assert np.isfinite(res.shares).all() and np.allclose(res.shares.sum(axis=2), 1.0)


def test_symmetric_tournament_refuses_two_populations_from_its_result():
    game = StageGame.from_matrices([[3, 0], [5, 1]], [[3, 5], [0, 1]], actions=(("C", "D"), ("C", "D")))
    res = round_robin(game, ["tit_for_tat", "always_defect"], rounds=5, replicates=1)
    with pytest.raises(InputError, match="one population"):
        replicator_two(res)


# ----------------------------------------------------------------------------- Moran, two populations
def test_moran_two_reproducible_and_consistent():
    P = np.stack([np.array([[3.0, 0], [5, 1]]), np.array([[2.0, 1], [0, 4]])])
    kw = dict(population=12, replicates=50, max_steps=3000, seed=7)
    a, b = moran_two(P, **kw), moran_two(P, **kw)
    assert np.array_equal(a.fixation, b.fixation) and np.array_equal(a.mean_shares, b.mean_shares)
    assert np.allclose(a.mean_shares.sum(axis=2), 1.0)
    assert np.allclose(a.fixation_probability.sum(axis=1), 1.0)  # every run fixed on both sides
    json.dumps(a.to_dict())
    with pytest.raises(InputError):
        moran_two(P, population=1)
    with pytest.raises(InputError):
        moran_two(P, initial=[[1, 2, 3], [1, 1, 1]])


# ----------------------------------------------------------------------------- start and mutant
SPECS = ["tit_for_tat", "generous_tit_for_tat:g=0.2", "always_defect"]
IDS = ("us", "china")


def test_parse_mix_per_side_and_parameters():
    mix, named = parse_mix(["us:tit_for_tat=1,us:generous_tit_for_tat:g=0.2=3", "china:always_defect=2"], SPECS, IDS, 2)
    assert np.allclose(mix, [[0.25, 0.75, 0], [0, 0, 1]]) and named == [True, True]
    mix, named = parse_mix(["china:always_defect=1"], SPECS, IDS, 2)
    assert np.allclose(mix[0], 1 / 3) and named == [False, True]
    mix, _ = parse_mix(["tit_for_tat=1,always_defect=1"], SPECS, IDS, 2)  # no side: both
    assert np.allclose(mix, [[0.5, 0, 0.5]] * 2)
    assert parse_mix([], SPECS, IDS, 1) == (None, [False])


@pytest.mark.parametrize(
    "items, npop, needle",
    [
        (["us:nope=1"], 2, "'nope' is not one of the strategies"),
        (["tit_for_tat=x"], 1, "share must be a number"),
        (["tit_for_tat=-1"], 1, "non-negative"),
        (["tit_for_tat=1,tit_for_tat=2"], 1, "given twice"),
        (["us:tit_for_tat=0"], 2, "all zero"),
        (["us:tit_for_tat=1"], 1, "name no side"),
    ],
    ids=["unknown", "not-number", "negative", "twice", "zero", "side-in-one-population"],
)
def test_parse_mix_errors(items, npop, needle):
    with pytest.raises(InputError, match=needle) as err:
        parse_mix(items, SPECS, IDS, npop)
    assert err.value.key == "--start"


def test_mutant_counts():
    counts, side, m = mutant_counts("china:always_defect", SPECS, IDS, 2, 10, None)
    assert (side, m) == (1, 2)
    assert counts.tolist() == [[10, 0, 0], [9, 0, 1]]  # residents: the first strategy other than the mutant
    mix, named = parse_mix(["us:always_defect=1"], SPECS, IDS, 2)
    counts, side, m = mutant_counts("tit_for_tat", SPECS, IDS, 2, 10, mix, named)
    assert counts.tolist() == [[1, 0, 9], [0, 10, 0]]
    counts, _, _ = mutant_counts("tit_for_tat", SPECS, IDS, 1, 5, None)
    assert counts.tolist() == [[1, 4, 0]]
    with pytest.raises(InputError, match="not one of"):
        mutant_counts("us:nope", SPECS, IDS, 2, 10, None)
    mix, named = parse_mix(["tit_for_tat=1"], SPECS, IDS, 1)
    with pytest.raises(InputError, match="all tit_for_tat"):
        mutant_counts("tit_for_tat", SPECS, IDS, 1, 10, mix, named)


def test_mutant_report():
    R = np.array([[1.0, 1.0], [2.0, 2.0]])
    res = moran_two(np.stack([R, np.ones((2, 2))]), strategies=["a", "b"], player_ids=IDS, population=6,
                    initial=[[5, 1], [6, 0]], fitness_map="linear", replicates=400, seed=2, max_steps=5000)
    rep = mutant_report(res, 0, 1, True)
    assert rep["strategy"] == "b" and rep["side"] == "us" and rep["runs"] == 400
    assert rep["fixation_interval"][0] <= rep["fixation_probability"] <= rep["fixation_interval"][1]
    assert rep["fixed"] == int(round(rep["fixation_probability"] * 400)) and rep["neutral"] == pytest.approx(1 / 6)


def test_one_population_replicator_survives_large_payoffs():
    # payoffs of hundreds per round make the plain form fail; the log-share form stays on the simplex
    M = np.array([[11.6, -303.3, 11.6], [-283.6, -302.2, -217.6], [11.6, -277.1, 11.6]])
    res = replicator(M, t_max=100)
    assert np.isfinite(res.shares).all() and np.allclose(res.shares.sum(axis=1), 1.0)
    assert res.final[1] < 1e-6


def test_html_views_of_two_population_results():
    from sim.render.results import _evolution_html

    P = np.stack([np.array([[3.0, 0], [5, 1]]), np.array([[2.0, 1], [0, 4]])])
    rep = replicator_two(P, strategies=["a", "b"], player_ids=IDS, t_max=3)
    html = _evolution_html(rep)
    assert "one population per side" in html and html.count("<tr>") >= 5
    mor = moran_two(P, strategies=["a", "b"], player_ids=IDS, population=5, replicates=10, seed=1)
    html = _evolution_html(mor)
    assert "per side" in html and "95% interval" in html and "china" in html
