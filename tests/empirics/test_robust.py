"""`sim.empirics.robust`: conclusions as probabilities in a game where they flip at a known value."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.empirics.knife import knife_edges
from sim.empirics.robust import drivers, robustness, stage_knife_edges, wilson_interval

# Row plays D exactly when x > 0.3 (its gain from D is x - 0.3); column always plays C; z is
# irrelevant. So the pure equilibrium is (D, C) iff x > 0.3, else (C, C); the truce (C, C) is
# self-enforcing for row iff x < 0.3 (beyond it (C, C) is no equilibrium and Nash reversion
# gives row what deviating does); the threat "if row plays D, col plays D" is never credible
# (col loses 1) and deters iff x < 0.3 (row's payoff x - 0.3 below its truce payoff 0).
FLIP = """
[scenario]
name = "flip at 0.3"

[parameters]
x = {{ value = {base}, range = [0.0, 1.0], {prior}assumption = "driver" }}
z = {{ value = 0.5, range = [0.0, 1.0], assumption = "irrelevant" }}
k = {{ value = 1.0, assumption = "no range: never drawn" }}

[players.row]
name = "Row"
[players.row.levers.act]
levels = [0, 1]
labels = ["C", "D"]
[players.row.payoff]
u = "row.act * (x - 0.3) + 0 * z"

[players.col]
name = "Col"
[players.col.levers.act]
levels = [0, 1]
labels = ["C", "D"]
[players.col.payoff]
u = "-k * col.act"

[repeated]
cooperative = {{ row = "act=C", col = "act=C" }}

[welfare]
x = 0.9
"""
DC = "equilibrium.act=D | act=C"
CC = "equilibrium.act=C | act=C"


def flip_text(base=0.25, prior=None):
    return FLIP.format(base=base, prior="" if prior is None else f'prior = "{prior}", ')


@pytest.fixture
def flip(write_scenario):
    return str(write_scenario(flip_text()))


def test_uniform_probability_and_drivers(flip):
    r = robustness(flip, draws=1000, seed=3, threat=(1, {"act": "D"}, {"act": "D"}), knife=False)
    p = dict(zip(r.conclusions, r.probability))
    n = len(r.table)
    assert set(p) == {DC, CC, "base_equilibrium", "self_enforcing.row", "self_enforcing.col", "self_enforcing.both",
                      "threat_credible", "threat_deters"}
    # a Latin hypercube puts one draw in each of n strata: the count above 0.3 is within one of 0.7 n
    assert abs(p[DC] - 0.7) <= 1.5 / n
    assert abs(p[CC] - 0.3) <= 1.5 / n and p["base_equilibrium"] == p[CC]
    assert abs(p["self_enforcing.row"] - 0.3) <= 1.5 / n and p["self_enforcing.col"] == 1.0
    assert p["self_enforcing.both"] == p["self_enforcing.row"]
    assert p["threat_credible"] == 0.0 and abs(p["threat_deters"] - 0.3) <= 1.5 / n
    x_col = [q.name for q in r.parameters].index("x")
    assert np.array_equal(r.table[:, r.conclusions.index(DC)], r.draws[:, x_col] > 0.3)
    top = r.drivers[DC]
    assert top[0]["parameter"] == "x" and top[0]["auc"] == 1.0 and top[0]["spearman"] > 0.6
    z = next(d for d in top if d["parameter"] == "z")
    assert abs(z["auc"] - 0.5) < 0.06 and abs(z["spearman"]) < 0.1
    assert next(d for d in r.drivers[CC] if d["parameter"] == "x")["auc"] == 0.0
    assert [q.name for q in r.parameters] == ["x", "z"]  # k has neither range nor prior
    lo, hi = r.interval(r.conclusions.index(DC))
    assert lo < p[DC] < hi and hi - lo < 0.07


def test_truncated_normal_prior_gives_the_truncated_normal_probability(write_scenario):
    path = str(write_scenario(flip_text(prior="normal(0.4, 0.2)")))
    r = robustness(path, draws=2000, seed=1, knife=False)
    dist = stats.truncnorm((0 - 0.4) / 0.2, (1 - 0.4) / 0.2, loc=0.4, scale=0.2)
    p = dict(zip(r.conclusions, r.probability))
    assert abs(p[DC] - dist.sf(0.3)) <= 2 / 2000
    x = r.draws[:, 0]
    assert x.min() >= 0 and x.max() <= 1
    assert abs(np.mean(x) - dist.mean()) < 0.01  # the draws follow the truncated prior, not the range
    assert r.to_dict()["parameters"]["x"] == {"low": 0.0, "high": 1.0, "prior": "normal(0.4, 0.2)", "base": 0.25}


def test_knife_edge_is_found_where_the_conclusion_flips(flip, write_scenario):
    r = robustness(flip, draws=50, seed=0)
    edges = {(e["conclusion"], e["parameter"]): e for e in r.knife_edges}
    e = edges[("base_equilibrium", "x")]
    assert abs(e["flips_at"] - 0.3) <= 1e-3 and e["base"] == 0.25
    assert abs(e["distance"] - 0.05) <= 1e-3
    assert set(e) == {"conclusion", "parameter", "base", "flips_at", "distance"}
    assert not any(p == "z" for _, p in edges)  # z changes nothing
    # from 0.45, the flip at 0.3 is 15% of the width away, beyond the +-10% searched
    far = write_scenario(flip_text(base=0.45), "far.toml")
    assert stage_knife_edges(str(far))[0] == []
    near = write_scenario(flip_text(base=0.39), "near.toml")
    (item,) = stage_knife_edges(str(near))[0]
    assert abs(item["distance"] + 0.09) <= 1e-3


def test_stage_knife_edges_of_solve_and_thresholds(flip):
    items, at_base = stage_knife_edges(flip)
    assert at_base == {"base_equilibrium": True}
    assert [(i["parameter"], round(i["flips_at"], 2)) for i in items] == [("x", 0.3)]
    items, at_base = stage_knife_edges(flip, conclusions="self_enforcing")
    assert at_base == {"self_enforcing.row": True, "self_enforcing.col": True}
    assert [(i["conclusion"], round(i["flips_at"], 2)) for i in items] == [("self_enforcing.row", 0.3)]


def test_welfare_fixes_its_parameters(flip):
    r = robustness(flip, draws=100, seed=0, welfare=True, knife=False)
    assert [q.name for q in r.parameters] == ["z"]
    p = dict(zip(r.conclusions, r.probability))
    assert p[DC] == 1.0 and p["base_equilibrium"] == 1.0 and r.payoffs == "welfare"


def test_workers_do_not_change_the_numbers(flip):
    one = robustness(flip, draws=1200, seed=5, knife=False).to_dict()
    two = robustness(flip, draws=1200, seed=5, knife=False, workers=2).to_dict()
    assert one == two
    other = robustness(flip, draws=1200, seed=6, knife=False).to_dict()
    assert other["drivers"] != one["drivers"]


def test_knife_edges_bisect_a_step_function():
    def conclude(points):
        return np.column_stack([points[:, 0] < 3.7, points[:, 1] > 100])

    edges = knife_edges(conclude, np.array([3.0, 0.0]), [(0.0, 10.0), (-1.0, 1.0)], ["a", "b"], ["lt", "gt"])
    assert len(edges) == 1
    assert edges[0]["conclusion"] == "lt" and abs(edges[0]["flips_at"] - 3.7) <= 1e-2
    assert abs(edges[0]["distance"] - 0.07) <= 1e-3


def test_drivers_and_interval_by_hand():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    rho, auc = drivers(x, np.array([False, True, False, True]))
    assert auc == 0.75  # pairs (hold, not): (2,1) (2,3) (4,1) (4,3): three of four higher
    assert rho == pytest.approx(stats.spearmanr(x, [0, 1, 0, 1])[0])
    assert drivers(x, np.ones(4, dtype=bool)) == (None, None)
    lo, hi = wilson_interval(70, 100)
    assert lo == pytest.approx(0.6041, abs=1e-4) and hi == pytest.approx(0.7810, abs=1e-4)
