"""HiGHS through highspy gives what ``scipy.optimize.linprog(method="highs")`` gives, to the bit."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
import scipy.sparse as sp

from sim.stage.highs import linprog


def _same(ours, theirs):
    assert ours.status == theirs.status
    if theirs.status == 0:
        assert np.array_equal(ours.x, theirs.x)
        assert ours.fun == theirs.fun
        assert np.array_equal(ours.ineqlin.marginals, theirs.ineqlin.marginals)
        assert np.array_equal(ours.eqlin.marginals, theirs.eqlin.marginals)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("presolve", [True, False])
def test_maxmin_lps_of_degenerate_games_match_linprog(seed, presolve):
    rng = np.random.default_rng(seed)
    m, n = rng.integers(2, 9, 2)
    A = rng.integers(0, 4, (m, n)).astype(float)  # few payoff values: ties and degenerate vertices
    c = np.r_[np.zeros(m), -1.0]
    A_ub, A_eq = np.c_[-A.T, np.ones(n)], np.r_[np.ones(m), 0.0][None, :]
    bounds = [(0, None)] * m + [(None, None)]
    kw = dict(A_ub=A_ub, b_ub=np.zeros(n), A_eq=A_eq, b_eq=[1.0], bounds=bounds, method="highs")
    _same(linprog(c, options={"presolve": presolve}, **kw),
          scipy.optimize.linprog(c, options={"presolve": presolve}, **kw))


@pytest.mark.parametrize("seed", range(20))
def test_sparse_and_dense_constraints_match_linprog(seed):
    rng = np.random.default_rng(100 + seed)
    k, v = rng.integers(3, 30, 2)
    G = sp.random_array((k, v), density=0.4, rng=rng, data_sampler=lambda size: rng.normal(size=size)).tocsr()
    kw = dict(b_ub=np.zeros(k), b_eq=[1.0], bounds=(0, None), method="highs")
    c = -rng.random(v)
    theirs = scipy.optimize.linprog(c, A_ub=G, A_eq=sp.csr_array(np.ones((1, v))), **kw)
    _same(linprog(c, A_ub=G, A_eq=sp.csr_array(np.ones((1, v))), **kw), theirs)
    _same(linprog(c, A_ub=G.toarray(), A_eq=np.ones((1, v)), **kw), theirs)


def test_infeasible_and_unbounded_have_linprogs_status_codes():
    infeasible = dict(A_ub=[[1.0, 1.0]], b_ub=[-1.0], bounds=(0, None), method="highs")
    assert linprog([1.0, 1.0], **infeasible).status == scipy.optimize.linprog([1.0, 1.0], **infeasible).status == 2
    unbounded = dict(A_ub=[[-1.0, 0.0]], b_ub=[0.0], bounds=(None, None), method="highs")
    ours, theirs = linprog([-1.0, 0.0], **unbounded), scipy.optimize.linprog([-1.0, 0.0], **unbounded)
    assert ours.status == theirs.status and ours.status in (3, 4) and ours.x is None


def test_the_interior_point_method_reaches_the_same_optimum():
    rng = np.random.default_rng(7)
    A = rng.random((30, 25))
    c = np.r_[np.zeros(30), -1.0]
    kw = dict(A_ub=np.c_[-A.T, np.ones(25)], b_ub=np.zeros(25), A_eq=np.r_[np.ones(30), 0.0][None, :], b_eq=[1.0],
              bounds=[(0, None)] * 30 + [(None, None)], method="highs-ipm")
    ours, theirs = linprog(c, **kw), scipy.optimize.linprog(c, **kw)
    assert ours.status == theirs.status == 0
    assert ours.fun == pytest.approx(theirs.fun, abs=1e-9)


def test_highspy_is_the_highs_release_scipy_bundles():
    import highspy
    import scipy.optimize._highspy._core as bundled

    ours = highspy.Highs().version()
    theirs = f"{bundled.HIGHS_VERSION_MAJOR}.{bundled.HIGHS_VERSION_MINOR}.{bundled.HIGHS_VERSION_PATCH}"
    assert ours == theirs, "pin highspy to the HiGHS release scipy bundles (constraints.txt)"
