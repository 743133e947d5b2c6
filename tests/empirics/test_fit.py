"""Fitting by logit quantal response: simulated choices with known λ and parameter are recovered."""

from __future__ import annotations

import numpy as np
import pytest

from sim.empirics.events import read_events
from sim.empirics.fit import (
    Observations,
    choice_observations,
    fit_events,
    fit_logit,
    log_likelihood,
)
from sim.errors import InputError, ScenarioError
from sim.model.game import build_game
from sim.model.load import load_scenario
from tests.empirics.test_replay import DATA, TWO_LEVERS

# Row's payoff of x in {0, 1, 2} is b x - x^2 / 2 (+ a term in the other's level that cancels out of
# its choice); column answers row's level. b shifts row's choice, λ sharpens both sides'.
QUADRATIC = """
[scenario]
name = "fit test"
[parameters]
b = { value = 1.0, range = [0.0, 4.0], assumption = "test" }
c = { value = 1.0, assumption = "fixed, no range" }
[players.row]
name = "Row"
[players.row.levers.x]
levels = [0, 1, 2]
[players.row.payoff]
u = "b * row.x - 0.5 * row.x ** 2 + c * col.y"
[players.col]
name = "Col"
[players.col.levers.y]
levels = [0, 1, 2]
[players.col.payoff]
u = "col.y * (row.x - 1) - 0.3 * col.y ** 2"
"""

TRUE_B, TRUE_LAMBDA = 1.7, 2.0


def _simulate(game, lam: float, n: int, seed: int) -> Observations:
    rng = np.random.default_rng(seed)
    player = rng.integers(0, 2, n)
    other = rng.integers(0, 3, n)
    chosen = np.empty(n, dtype=np.int64)
    for k in range(n):
        U = game.A[:, other[k]] if player[k] == 0 else game.B[other[k], :]
        p = np.exp(lam * (U - U.max()))
        chosen[k] = rng.choice(len(U), p=p / p.sum())
    return Observations(player, other, chosen, np.full(n, -1), ("all",) * n)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    path = tmp_path_factory.mktemp("fit") / "quadratic.toml"
    path.write_text(QUADRATIC)
    scenario = load_scenario(path)
    truth = build_game(scenario, {"b": TRUE_B})
    obs = _simulate(truth, TRUE_LAMBDA, 3000, seed=11)
    return scenario, truth, obs, fit_logit(scenario, obs, ["b"], starts=3, seed=0)


def test_recovers_parameter_and_lambda_within_a_few_standard_errors(simulated):
    _, _, _, fit = simulated
    b = fit.estimates["b"]
    assert fit.converged and fit.hessian == "positive definite"
    assert fit.n_observations == 3000
    assert 0 < b["se"] < 0.2 and 0 < fit.lam_se < 0.5
    assert abs(b["value"] - TRUE_B) < 4 * b["se"]
    assert abs(fit.lam - TRUE_LAMBDA) < 4 * fit.lam_se
    assert b["low"] < b["value"] < b["high"] and not b["at_bound"]


def test_likelihood_at_the_estimate_is_at_least_that_at_the_truth(simulated):
    _, truth, obs, fit = simulated
    at_truth = log_likelihood(truth.A, truth.B, obs, TRUE_LAMBDA)
    assert fit.log_likelihood >= at_truth - 1e-9
    assert fit.log_likelihood == pytest.approx(max(s["log_likelihood"] for s in fit.starts))


def test_same_seed_same_fit(simulated):
    scenario, _, obs, fit = simulated
    again = fit_logit(scenario, obs, ["b"], starts=3, seed=0)
    assert again.to_dict() == fit.to_dict()


def test_parameter_without_range_or_unknown_is_a_scenario_error(simulated):
    scenario, _, obs, _ = simulated
    with pytest.raises(ScenarioError, match="parameters.c: has no range"):
        fit_logit(scenario, obs, ["c"])
    with pytest.raises(ScenarioError, match=r"parameters.q: unknown parameter \(parameters with a range: b\)"):
        fit_logit(scenario, obs, ["q"])


def test_observations_are_full_actions_per_date_and_player(write_scenario):
    scenario = load_scenario(write_scenario(TWO_LEVERS))
    game = build_game(scenario)
    log = read_events(DATA / "two_levers.csv", game)
    obs = choice_observations(log, game)
    # 2020-03-01 east and west, 2020-06-01 west, 2020-09-01 east (two rows, one observation), 2021-01-01 west
    assert obs.player.tolist() == [0, 1, 1, 0, 1]
    table = np.asarray(game.action_levels[0])
    assert table[obs.chosen[3]].tolist() == [1, 1]  # tariff held at mid, controls on
    assert np.asarray(game.action_levels[1])[obs.other[3]].tolist() == [2, 1]
    assert obs.period == ("p1", "p1", "p1", "p2", "p2")


def test_holdout_reports_the_test_period(write_scenario):
    scenario = load_scenario(write_scenario(TWO_LEVERS))
    log = read_events(DATA / "two_levers.csv", build_game(scenario))
    fit, held = fit_events(scenario, log, ["gain"], test_periods=["p2"], starts=2, bootstrap=50)
    assert fit.n_observations == 3
    assert held["periods"] == ["p2"] and held["fit_periods"] == ["p1"] and held["n_observations"] == 2
    assert held["log_likelihood_per_obs"] < 0
    assert set(held["scores"]) == {"model", "mirror", "repeat"}
    assert held["scores"]["mirror"] == pytest.approx(1 / 3)
    with pytest.raises(InputError, match="both fitted and tested"):
        fit_events(scenario, log, ["gain"], fit_periods=["p2"], test_periods=["p2"])
    with pytest.raises(InputError, match="no scored move in period 'p9'"):
        fit_events(scenario, log, ["gain"], test_periods=["p9"])


def test_the_choice_set_holds_the_levers_a_date_does_not_move(write_scenario):
    """--choice levers: a date that moves one lever is a choice among that lever's levels only."""
    from tests.empirics.test_replay import TWO_LEVERS as text

    scenario = load_scenario(write_scenario(text))
    game = build_game(scenario)
    log = read_events(DATA / "two_levers.csv", game)
    levers = choice_observations(log, game, choice="levers")
    every = choice_observations(log, game, choice="action")
    assert len(levers) == len(every)
    sizes = [lv.size for lv in game.levers[0]], [lv.size for lv in game.levers[1]]
    # west on 2020-06-01 moves its tariff only: the choice set is its tariff levels, controls held
    k = 2
    assert levers.allowed[k].sum() == sizes[levers.player[k]][0]
    assert all(a.all() for a in every.allowed)
    for obs in (levers, every):
        for a, chosen in zip(obs.allowed, obs.chosen):
            assert a[chosen]  # the observed action is always in its own choice set
    A, B = game.A, game.B
    assert log_likelihood(A, B, levers, 1.0) > log_likelihood(A, B, every, 1.0)
    with pytest.raises(InputError, match="--choice"):
        choice_observations(log, game, choice="all")
