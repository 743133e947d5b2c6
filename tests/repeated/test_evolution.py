"""Replicator dynamics and the Moran process against known results."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.errors import InputError
from sim.model.game import StageGame
from sim.repeated.evolution import moran, replicator
from sim.repeated.tournament import round_robin


def test_replicator_defection_takes_over_in_one_shot_pd():
    res = replicator([[3, 0], [5, 1]], strategies=["C", "D"], initial=[0.99, 0.01], t_max=50)
    assert res.final[1] > 0.999
    assert np.allclose(res.shares.sum(axis=1), 1.0)
    assert res.shares[0] == pytest.approx([0.99, 0.01])
    json.dumps(res.to_dict())
    assert list(res.to_frame().columns) == ["C", "D"]


def test_replicator_rock_paper_scissors_conserves_product():
    M = np.array([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], float)
    res = replicator(M, initial=[0.5, 0.3, 0.2], t_max=30, rtol=1e-10, atol=1e-12)
    prod = res.shares.prod(axis=1)
    assert np.allclose(prod, prod[0], rtol=1e-5)


def test_replicator_fixed_point_stays():
    M = np.array([[0, 2], [1, 0]], float)  # hawk-dove: interior rest point at x = 2/3
    res = replicator(M, initial=[2 / 3, 1 / 3], t_max=20)
    assert res.final == pytest.approx([2 / 3, 1 / 3], abs=1e-6)


@pytest.mark.parametrize("r, N", [(2.0, 10), (1.5, 8)], ids=["r2-N10", "r1.5-N8"])
def test_moran_single_mutant_fixation_probability(r, N):
    reps = 5000
    res = moran([[r, r], [1, 1]], population=N, initial=[1, N - 1], selection=1.0, fitness_map="linear",
                replicates=reps, seed=3, max_steps=20000)
    expected = (1 - 1 / r) / (1 - 1 / r**N)
    got = res.fixation_probability[0]
    assert abs(got - expected) < 4 * np.sqrt(expected * (1 - expected) / reps)
    assert (res.fixation >= 0).all()


def test_moran_neutral_drift_fixes_in_proportion():
    reps = 4000
    res = moran(np.ones((2, 2)), population=10, initial=[3, 7], selection=0.0, replicates=reps, seed=4,
                max_steps=20000)
    assert abs(res.fixation_probability[0] - 0.3) < 4 * np.sqrt(0.3 * 0.7 / reps)


def test_moran_reproducible_and_paths():
    kw = dict(population=12, replicates=50, seed=9, max_steps=300, paths=True)
    a = moran([[3, 0], [5, 1]], **kw)
    b = moran([[3, 0], [5, 1]], **kw)
    assert np.array_equal(a.counts, b.counts) and np.array_equal(a.fixation, b.fixation)
    assert (a.counts.sum(axis=2) == 12).all()
    assert a.mean_shares.shape[1] == 2
    json.dumps(a.to_dict())


def test_moran_with_mutation_never_fixes_for_good():
    res = moran([[1, 1], [1, 1]], population=10, mutation=0.2, replicates=20, max_steps=200, seed=1)
    assert (res.fixation == -1).all() and res.mean_shares.shape == (201, 2)


def test_from_tournament():
    g = StageGame.from_matrices([[3, 0], [5, 1]], [[3, 5], [0, 1]], actions=(("C", "D"), ("C", "D")), cooperative=(0, 0))
    t = round_robin(g, ["always_cooperate", "always_defect", "tit_for_tat"], rounds=50, replicates=1)
    rep = replicator(t, initial=[0.45, 0.1, 0.45], t_max=200)
    assert rep.strategies == t.strategies
    assert rep.final[1] < 0.01  # reciprocity drives the defector out
    mor = moran(t, population=30, replicates=20, seed=2, max_steps=3000)
    assert mor.strategies == t.strategies


@pytest.mark.parametrize(
    "kwargs",
    [dict(population=1), dict(mutation=1.5), dict(selection=-1.0), dict(fitness_map="cubic"), dict(initial=[1, -1]),
     dict(replicates=0), dict(max_steps=0)],
    ids=["population", "mutation", "selection", "fitness-map", "initial", "replicates", "steps"],
)
def test_moran_bad_input(kwargs):
    with pytest.raises(InputError):
        moran([[1, 0], [0, 1]], **kwargs)


def test_bad_matrices():
    with pytest.raises(InputError):
        replicator([[1, 2, 3]])
    with pytest.raises(InputError):
        replicator([[1, np.nan], [0, 1]])
    with pytest.raises(InputError):
        replicator([[1, 0], [0, 1]], initial=[0, 0])
    with pytest.raises(InputError):
        moran([[1.0, 0.0], [0.0, 1.0]], selection=5.0, fitness_map="linear")
