"""Batched metrics give every point the numbers of its own analysis, one point at a time.

The slow metrics (security, bargaining, play, markov) work on whole blocks of points; the
references here are the analysis modules called point by point, as the sweep used to: exact where
those are exact (pure values, repeated play, backward induction), else within 1e-9 of the payoff
range (the linear programmes and what is built on them).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim._random import run_seeds
from sim.dynamic.solve import markov_perfect_equilibria
from sim.model.dynamic import build_dynamic_game
from sim.repeated.engine import play
from sim.stage.bargaining import kalai_smorodinsky, nash_bargaining
from sim.stage.security import maxmin_mixed, zero_sum_solution
from sim.sweeps import evaluate, metrics
from sim.sweeps.evaluate import PointEvaluator
from sim.sweeps.metrics import bargaining_solutions, maxmin_values
from sim.sweeps.plan import plan_sweep
from sim.sweeps.run import sweep
from tests.conftest import LEVER_GAME
from tests.scenario_texts import PD_LEVERS

# Matching pennies over one lever a side, scaled by a parameter: no pure equilibrium in any round.
PENNIES_LEVERS = """
[scenario]
name = "pennies with levers"
[parameters]
s = { value = 1.0, assumption = "stake" }
[players.row]
name = "Row"
discount = 0.9
[players.row.levers.side]
levels = [0, 1]
[players.row.payoff]
u = "s * (2 * (row.side == col.side) - 1)"
[players.col]
name = "Col"
discount = 0.9
[players.col.levers.side]
levels = [0, 1]
[players.col.payoff]
u = "-s * (2 * (row.side == col.side) - 1)"
[repeated]
rounds = 3
"""


@pytest.fixture
def pd_levers(write_scenario):
    return write_scenario(PD_LEVERS, "pd_levers.toml")


def _batch(path, params, metrics, **kw):
    plan = plan_sweep(path, params, metrics, **kw)
    ev = PointEvaluator(plan.job)
    seeds = run_seeds(plan.job.seed, np.arange(len(plan.design)))
    return plan, ev, ev.batch(plan.design.points, seeds), seeds


def _close(got, want, span):
    return np.all(np.abs(np.asarray(got, float) - np.asarray(want, float)) <= 1e-9 * span)


# ----------------------------------------------------------------------------- security
def _lp_values(U):
    return np.array([zero_sum_solution(u)[0] for u in U])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 5), n=st.integers(1, 5), integer=st.booleans())
def test_maxmin_values_equal_the_lp_of_each_game(seed, m, n, integer):
    rng = np.random.default_rng(seed)
    base = rng.integers(-3, 4, (m, n)).astype(float) if integer else rng.normal(size=(m, n))
    # near copies of one game share its optimal supports: the batched path reuses them
    U = np.concatenate([base + 1e-3 * rng.normal(size=(6, m, n)), rng.normal(size=(4, m, n))])
    span = max(float(np.ptp(U)), 1.0)
    assert _close(maxmin_values(U), _lp_values(U), span)


def test_saddle_points_and_shared_supports_both_happen(monkeypatch):
    rng = np.random.default_rng(3)
    pennies = np.array([[1.0, -1.0], [-1.0, 1.0]])
    U = np.concatenate([pennies + 0.01 * rng.normal(size=(20, 2, 2)), [[[2.0, 1.0], [0.0, 0.5]]]])
    calls = []
    monkeypatch.setattr(metrics, "zero_sum_solution", lambda u, **kw: calls.append(1) or zero_sum_solution(u, **kw))
    got = maxmin_values(U)
    assert got[-1] == 1.0  # a saddle point: exactly its entry
    assert len(calls) < 5  # 20 mixed games, their supports shared
    assert _close(got, _lp_values(U), 2.0)


def test_security_metric_equals_the_lp_point_by_point():
    plan, ev, batch, _ = _batch(LEVER_GAME, ["us_re_cost=20:400:4", "import_elast=2.5:5.1:3"], ["security"])
    cols = ev.evaluate(plan.design.points, run_seeds(0, np.arange(len(plan.design))))
    for k in range(len(batch)):
        for p, (pid, U) in enumerate(zip(ev.player_ids, (batch.A[k], batch.B[k].T))):
            assert cols[f"security.pure.{pid}"][k] == U.min(axis=1).max()
            assert _close(cols[f"security.mixed.{pid}"][k], maxmin_mixed(U)[0], np.ptp(U))


# ----------------------------------------------------------------------------- bargaining
def _reference_bargaining(A, B, d):
    nbs = nash_bargaining((A, B), d)
    ks = kalai_smorodinsky((A, B), nbs.disagreement)
    return nbs.point, ks.point


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 6), n=st.integers(1, 6), integer=st.booleans())
def test_bargaining_solutions_equal_the_analysis_module(seed, m, n, integer):
    rng = np.random.default_rng(seed)
    draw = (lambda *s: rng.integers(0, 4, s).astype(float)) if integer else (lambda *s: rng.normal(size=s))
    A, B = draw(5, m, n), draw(5, m, n)  # small integers: ties, repeated pairs, collinear frontiers
    d = np.column_stack([maxmin_values(A), maxmin_values(np.swapaxes(B, 1, 2))])
    d[-1] = [A[-1].min(), B[-1].max() + 1]  # one with no gains from agreement
    nash, ks = bargaining_solutions(A, B, d)
    for k in range(5):
        want_nash, want_ks = _reference_bargaining(A[k], B[k], tuple(d[k]))
        span = max(np.ptp(A[k]), np.ptp(B[k]), 1.0)
        assert _close(nash[k], want_nash, span) and _close(ks[k], want_ks, span)


def test_bargaining_metric_equals_the_analysis_module_on_us_china():
    plan, ev, batch, seeds = _batch(LEVER_GAME, ["us_re_cost=20:400:3", "cn_re_cost=2:30:3"],
                                     ["bargaining:disagreement=security"])
    cols = ev.evaluate(plan.design.points, seeds)
    for k in range(len(batch)):
        nbs = nash_bargaining((batch.A[k], batch.B[k]), "security")
        ks = kalai_smorodinsky((batch.A[k], batch.B[k]), nbs.disagreement)
        span = max(np.ptp(batch.A[k]), np.ptp(batch.B[k]))
        for name, point in (("nash", nbs.point), ("ks", ks.point), ("disagreement", nbs.disagreement)):
            assert _close([cols[f"bargaining.{name}.{pid}"][k] for pid in ev.player_ids], point, span)


# ----------------------------------------------------------------------------- repeated play
def _play_one_point(ev, batch, k):
    """The play metric of point ``k`` as the sweep computed it before batching: its own match."""
    game = dataclasses.replace(ev.base_game, A=batch.A[k], B=batch.B[k],
                               terms=({"payoff": batch.A[k]}, {"payoff": batch.B[k]}),
                               discount=(float(batch.discount[k, 0]), float(batch.discount[k, 1])))
    cont = batch.continuation[k]
    horizon = {"continuation": float(cont)} if math.isfinite(cont) else {"rounds": int(batch.rounds[k])}
    res = play(game, (ev.strategy(0, batch, k), ev.strategy(1, batch, k)), replicates=ev.job.reps,
               noise=float(batch.noise[k]), seed=int(batch.seeds[k]), paths=False, **horizon)
    broke = res.first_breakdown >= 0
    out = {f"play.payoff.{pid}": res.per_round.mean(axis=0)[p] for p, pid in enumerate(ev.player_ids)}
    out |= {f"play.discounted.{pid}": res.discounted.mean(axis=0)[p] for p, pid in enumerate(ev.player_ids)}
    return out | {"play.cooperation_rate": res.coop_rounds.sum() / res.length.sum(),
                  "play.breakdown_share": broke.mean(),
                  "play.first_breakdown": res.first_breakdown[broke].mean() if broke.any() else np.nan}


PLAY_CASES = [
    # (id, scenario, params, strategies, batched: no point plays alone)
    ("us-china tft vs deadline truce", LEVER_GAME,
     ["us_re_cost=20:400:3", "repeated.noise=0.02,0.2", "strategy.china.k=2,4"], None, True),
    ("us-china defect punishments", LEVER_GAME, ["cn_re_cost=2:30:3"],
     {"us": "grim_trigger:punish=defect", "china": "generous_tit_for_tat:g=0.3"}, True),
    ("symmetric pd, continuation", "pd", ["T=4:8:3", "repeated.continuation=0.5,0.9"],
     {"row": "grim_trigger", "col": "escalation_ladder"}, True),
    ("symmetric pd, rounds and discounts", "pd", ["P=0:2:3", "players.col.discount=0.3,0.9", "repeated.rounds=1,7"],
     {"row": "deadline_truce:k=2,p=0.3", "col": "random:p=0.6"}, True),
    ("pd, strategies that read payoffs", "pd", ["T=4:8:3"],
     {"row": "win_stay_lose_shift:aspiration=3", "col": "grim_trigger:punish=minmax"}, False),
]


@pytest.mark.parametrize("case", PLAY_CASES, ids=[c[0] for c in PLAY_CASES])
def test_play_metric_equals_each_points_own_match(case, pd_levers, monkeypatch):
    _, path, params, strategies, batched = case
    path = pd_levers if path == "pd" else path
    plan, ev, batch, seeds = _batch(path, params, ["play"], strategies=strategies, reps=30, seed=4)
    alone = []
    monkeypatch.setattr(evaluate, "play", lambda *a, **kw: alone.append(1) or play(*a, **kw))
    cols = ev.evaluate(plan.design.points, seeds)
    assert len(alone) == (0 if batched else len(batch))
    for k in range(len(batch)):
        want = _play_one_point(ev, batch, k)
        for name, value in want.items():
            assert cols[name][k] == value or (np.isnan(value) and np.isnan(cols[name][k])), (k, name)


def test_play_table_does_not_depend_on_the_chunks(pd_levers):
    args = (LEVER_GAME, ["us_re_cost=20:400:4", "strategy.china.k=1,3,6"], ["play", "security", "bargaining"])
    whole = sweep(*args, reps=20, seed=2)
    pd.testing.assert_frame_equal(whole, sweep(*args, reps=20, seed=2, chunk_size=1))
    pd.testing.assert_frame_equal(whole, sweep(*args, reps=20, seed=2, chunk_size=5))


# ----------------------------------------------------------------------------- markov
@pytest.mark.parametrize("selection", ["utilitarian", "first", "row", "col"])
def test_one_state_markov_equals_backward_induction_point_by_point(selection, write_scenario):
    pennies = write_scenario(PENNIES_LEVERS, "pennies.toml")
    for path, params in ((LEVER_GAME, ["us_re_cost=20:400:3", "players.china.discount=0.5,0.95"]),
                         (pennies, ["s=0.5,2"])):
        plan, ev, batch, seeds = _batch(path, params, [f"markov:selection={selection}"])
        assert ev._one_state
        cols = ev.evaluate(plan.design.points, seeds)
        for k, point in enumerate(plan.design.points):
            values = {p.name: v for p, v in zip(ev.paths, point) if p.kind == "parameter"}
            game = build_dynamic_game(ev.scenario, values)
            game = dataclasses.replace(game, discount=tuple(float(x) for x in batch.discount[k]))
            (mpe,) = markov_perfect_equilibria(game, selection=selection)
            for p, pid in enumerate(ev.player_ids):
                assert cols[f"markov.value.{pid}"][k] == pytest.approx(mpe.values[0, 0, p], rel=1e-12, abs=1e-12)
            assert cols["markov.verified"][k] == float(mpe.verified)
