"""Sweeps over games with state: state parameters and initial values are sweepable, the markov
metric reports each point's Markov perfect equilibrium, and one-shot metrics see the initial state."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.dynamic.solve import markov_perfect_equilibria
from sim.errors import InputError
from sim.model.dynamic import build_dynamic_game
from sim.model.load import load_scenario
from sim.sweeps.run import sweep

ROOT = Path(__file__).resolve().parents[2]
LEVERAGE = str(ROOT / "scenarios" / "leverage_game.toml")


def test_markov_metric_equals_the_equilibrium_solved_directly():
    table = sweep(LEVERAGE, {"erosion": [0.25, 1.0], "state.leverage.initial": [2, 3]}, ["markov"])
    assert len(table) == 4 and table["markov.verified"].all()
    scenario = load_scenario(LEVERAGE)
    for _, row in table.iterrows():
        game = build_dynamic_game(scenario, {"erosion": row["parameters.erosion"]})
        start = game.states.keys().index("leverage=" + ("medium" if row["state.leverage.initial"] == 2 else "high"))
        (mpe,) = markov_perfect_equilibria(game)
        assert row["markov.value.supplier"] == pytest.approx(mpe.values[0, start, 0])
        assert row["markov.value.buyer"] == pytest.approx(mpe.values[0, start, 1])


def test_one_shot_metrics_see_the_swept_initial_state():
    table = sweep(LEVERAGE, {"state.leverage.initial": [0, 3]}, ["equilibria"])
    # with no leverage the supplier keeps exports open; with high leverage restricting pays in the quarter
    assert table["equilibria.export.supplier"].tolist() == [0.0, 1.0]


def test_bad_state_sweeps_are_one_clear_error():
    with pytest.raises(InputError, match="not a level of the grid"):
        sweep(LEVERAGE, {"state.leverage.initial": [1.5]}, ["equilibria"])
    with pytest.raises(InputError, match="needs a scenario with levers"):
        sweep(str(ROOT / "scenarios" / "prisoners_dilemma.toml"), {"players.row.discount": [0.5]}, ["markov"])
