"""Repeated play of games with state: the state moves per replicate, strategies see it, and the
simulated paths agree with the exact distribution and values of the Markov perfect equilibrium."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import tomllib
from click.testing import CliRunner

from sim.cli import main
from sim.dynamic.forward import state_path
from sim.dynamic.solve import markov_perfect_equilibria
from sim.errors import InputError
from sim.model.dynamic import build_dynamic_game
from sim.model.game import build_game
from sim.model.load import load_scenario, scenario_from_dict
from sim.repeated.dynamic_play import play_dynamic
from sim.repeated.engine import play

ROOT = Path(__file__).resolve().parents[2]

STOCK = """
[scenario]
name = "stock"
[players.a]
name = "A"
discount = 0.8
[players.a.levers.build]
levels = [0, 1]
labels = ["no", "yes"]
[players.a.payoff]
u = "stock - 0.5 * a.build"
[players.b]
name = "B"
discount = 0.8
[players.b.levers.cut]
levels = [0, 1]
labels = ["no", "yes"]
[players.b.payoff]
u = "b.cut * (1 - stock) + 0.2 * a.build"
[repeated]
rounds = 6
[state.stock]
levels = [0, 1, 2, 3]
initial = 0
next = [ { p = "0.6", value = "stock + a.build - b.cut" }, { p = "0.4", value = "stock - b.cut" } ]
"""


@pytest.fixture(scope="module")
def stock():
    return build_dynamic_game(scenario_from_dict(tomllib.loads(STOCK)))


def test_deterministic_paths_follow_the_transition_law():
    text = STOCK.replace('next = [ { p = "0.6", value = "stock + a.build - b.cut" }, { p = "0.4", value = "stock - b.cut" } ]',
                         'next = "stock + a.build - b.cut"')
    game = build_dynamic_game(scenario_from_dict(tomllib.loads(text)))
    res = play_dynamic(game, ("scripted:path=build=yes|build=yes|build=no|build=yes", "scripted:path=cut=no|cut=yes|cut=no"),
                       replicates=3, seed=0)
    # stock: 0 -> 1 (build) -> 1 (build, cut) -> 1 (neither) -> 2 -> 3 -> 3 (clipped at the top)
    assert res.states[0].tolist() == [0, 1, 1, 1, 2, 3, 3]
    assert (res.states == res.states[0]).all()
    # A's payoff each round is the stock it starts the round with, less the cost of building
    pay = res.payoffs()[0, :, 0]
    assert pay.tolist() == pytest.approx([-0.5, 0.5, 1.0, 0.5, 1.5, 2.5])


def test_markov_play_matches_the_exact_state_distribution_and_values(stock):
    (mpe,) = markov_perfect_equilibria(stock)
    start = stock.states.keys().index("stock=2")  # from here A builds and the stock moves at random
    exact = state_path(stock, mpe, initial=start)
    assert 0.1 < exact.marginals[0][1, 2] < 0.9  # a path that really moves
    res = play_dynamic(stock, ("markov", "markov"), replicates=20_000, seed=3, initial=start)
    R = res.replicates
    mean = res.state_mean[0]
    sd = np.sqrt((exact.marginals[0] @ np.arange(4) ** 2) - exact.mean[0] ** 2)
    assert np.all(np.abs(mean - exact.mean[0]) <= 4 * sd / np.sqrt(R) + 1e-12)
    # the discounted payoff of each side is the equilibrium value from the initial state
    v = mpe.values[0, start]
    se = res.discounted.std(axis=0) / np.sqrt(R)
    assert np.all(np.abs(res.discounted.mean(axis=0) - v) <= 4 * se + 1e-9)


def test_paths_are_reproducible_and_do_not_depend_on_the_number_of_replicates(stock):
    a = play_dynamic(stock, ("random", "random"), replicates=7, seed=11)
    b = play_dynamic(stock, ("random", "random"), replicates=300, seed=11)
    c = play_dynamic(stock, ("random", "random"), replicates=7, seed=11)
    assert np.array_equal(a.states, b.states[:7]) and np.array_equal(a.actions, b.actions[:7])
    assert np.array_equal(a.states, c.states)
    d = play_dynamic(stock, ("random", "random"), replicates=7, seed=12)
    assert not np.array_equal(a.states, d.states)


def test_state_threshold_presses_only_below_the_threshold(stock):
    res = play_dynamic(stock, ("always_cooperate", "state_threshold:var=stock,threshold=2"), replicates=50, seed=1,
                       rounds=6)
    stock_value = np.asarray(stock.states.levels[0])[stock.states.indices()[:, 0]][res.states[:, :-1]]
    cut = res.actions[..., 1] == stock.actions[1].index("cut=yes")
    assert np.array_equal(cut, stock_value < 2)


def test_state_strategies_need_a_game_with_state():
    pd = build_game(load_scenario(ROOT / "scenarios" / "prisoners_dilemma.toml"))
    with pytest.raises(InputError, match="needs a game with state"):
        play(pd, ("markov", "tit_for_tat"), rounds=3)
    with pytest.raises(InputError, match="no state variable"):
        play_dynamic(build_dynamic_game(scenario_from_dict(tomllib.loads(STOCK))),
                     ("always_cooperate", "state_threshold:var=nope"), replicates=2)


def test_bad_initial_state_and_round_limit(stock):
    with pytest.raises(InputError, match="no state"):
        play_dynamic(stock, ("markov", "markov"), initial="stock=9")
    assert play_dynamic(stock, ("markov", "markov"), initial="stock=2", replicates=2).states[0, 0] == 2


def test_play_command_on_the_dynamic_scenario_reports_the_state(tmp_path):
    path = ROOT / "scenarios" / "us_china_dynamic.toml"
    result = CliRunner().invoke(main, ["play", str(path), "--strategy", "us=tit_for_tat", "--strategy", "china=markov",
                                       "--replicates", "50", "--seed", "1", "--format", "json",
                                       "--plot", str(tmp_path / "paths.png")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["state"]["mean"]) == {"us_stockpile", "re_share", "brazil", "suspension", "prev.us.tech"}
    assert data["state"]["mean"]["re_share"][0] == 90 and len(data["state"]["mean"]["re_share"]) == 13
    assert (tmp_path / "paths.png").stat().st_size > 10_000


STATE_STRATEGIES = ["markov", "markov:selection=first", "state_threshold:var=stock,threshold=2",
                    "state_threshold:var=stock,threshold=1,when=above,otherwise=tit_for_tat"]


@pytest.mark.parametrize("spec", STATE_STRATEGIES)
def test_state_strategies_share_the_suite_reproducible_and_batch_invariant(spec, stock):
    kw = dict(replicates=8, noise=0.1, perception_noise=0.05, seed=42)
    for pair in ((spec, "random"), ("random", spec), (spec, spec)):
        a = play_dynamic(stock, pair, **kw)
        b = play_dynamic(stock, pair, **kw)
        assert np.array_equal(a.actions, b.actions) and np.array_equal(a.states, b.states)
        bigger = play_dynamic(stock, pair, **{**kw, "replicates": 40})
        assert np.array_equal(a.actions, bigger.actions[:8])
        pay = a.payoffs()
        assert np.allclose(pay.sum(axis=1), a.total)


def test_tournaments_on_a_game_with_state_score_the_matches_played_alone(stock):
    from sim.repeated.tournament import round_robin

    names = ["markov", "always_defect", "state_threshold:var=stock,threshold=2", "random"]
    res = round_robin(stock, names, rounds=6, replicates=30, seed=5)
    assert not res.symmetric and len(res.matches) == 16
    for a, b in [(0, 1), (2, 3), (3, 0)]:
        # strategy a against b: its matches as row (a, b) and as column (b, a), each as if played alone
        as_row = play_dynamic(stock, (names[a], names[b]), rounds=6, replicates=30, seed=5)
        as_col = play_dynamic(stock, (names[b], names[a]), rounds=6, replicates=30, seed=5)
        expected = (as_row.per_round[:, 0].mean() + as_col.per_round[:, 1].mean()) / 2
        assert res.pairwise[a, b] == pytest.approx(expected)
    again = round_robin(stock, names, rounds=6, replicates=30, seed=5)
    assert np.array_equal(res.pairwise, again.pairwise)
