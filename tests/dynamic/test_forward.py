"""The exact state distribution under a policy, and the figures drawn from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.dynamic.forward import state_path
from sim.dynamic.solve import markov_perfect_equilibria
from sim.model.dynamic import build_dynamic_game
from sim.model.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dynamic():
    game = build_dynamic_game(load_scenario(ROOT / "scenarios" / "us_china_dynamic.toml"))
    (mpe,) = markov_perfect_equilibria(game)
    return game, mpe


def test_distribution_is_a_probability_path(dynamic):
    game, mpe = dynamic
    path = state_path(game, mpe)
    assert path.distribution.shape == (13, game.n_states)
    assert np.allclose(path.distribution.sum(axis=1), 1) and (path.distribution >= -1e-12).all()
    for marg, mean, lv in zip(path.marginals, path.mean, path.levels):
        assert np.allclose(marg.sum(axis=1), 1)
        assert mean == pytest.approx(marg @ np.asarray(lv))


def test_the_expected_discounted_payoff_along_the_path_is_the_equilibrium_value(dynamic):
    game, mpe = dynamic
    path = state_path(game, mpe)
    A, B = game.payoffs(0)
    total = np.zeros(2)
    for t in range(12):
        x, y = mpe.row[t], mpe.col[t]
        r = (np.einsum("si,sij,sj->s", x, A, y), np.einsum("si,sij,sj->s", x, B, y))
        total += [game.discount[p] ** t * path.distribution[t] @ r[p] for p in (0, 1)]
    assert total == pytest.approx(mpe.values[0, game.states.initial])


def test_rare_earth_share_only_falls_while_controls_are_used(dynamic):
    game, mpe = dynamic
    path = state_path(game, mpe)
    share = path.mean[path.names.index("re_share")]
    assert share[0] == 90 and np.all(np.diff(share) <= 1e-9)
    assert path.to_dict()["variables"]["re_share"]["mean"][0] == 90


def test_solve_draws_the_state_path_and_the_policy(tmp_path):
    state, policy = tmp_path / "state.png", tmp_path / "policy.svg"
    result = CliRunner().invoke(main, ["solve", str(ROOT / "scenarios" / "us_china_dynamic.toml"),
                                       "--plot-state", str(state), "--plot-policy", str(policy)])
    assert result.exit_code == 0, result.output
    assert state.read_bytes()[:4] == b"\x89PNG" and b"<svg" in policy.read_bytes()[:400]
    assert "expected state under this equilibrium" in result.output
