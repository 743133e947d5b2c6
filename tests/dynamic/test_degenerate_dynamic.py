"""Markov perfect equilibria of degenerate games with state: a player with one action, payoffs with
huge offsets or scales, all payoffs equal; solver trouble as a clean error."""

from __future__ import annotations

import numpy as np
import pytest
import tomllib
from click.testing import CliRunner

from sim.cli import main
from sim.dynamic import solve as dyn
from sim.dynamic.solve import markov_perfect_equilibria, shapley_value_iteration
from sim.dynamic.truce import truce_by_state
from sim.model.dynamic import build_dynamic_game
from sim.model.load import scenario_from_dict
from sim.stage.lp import SolverError

# B has one action; A chooses whether to raise the flag (state), which pays it `gain` a round later.
ONE_ACTION = """
[scenario]
name = "one action with state"
[players.a]
name = "A"
discount = 0.9
[players.a.levers.x]
levels = [0, 1]
[players.a.payoff]
u = "{offset} + {scale} * (flag - 0.5 * a.x)"
[players.b]
name = "B"
discount = 0.9
[players.b.levers.y]
levels = [0]
[players.b.payoff]
u = "{offset} + {scale} * (b.y - flag)"
[state.flag]
levels = [0, 1]
initial = 0
next = "a.x"
{rounds}
"""

# zero-sum: A's payoff is B's loss; B has one action, so A's value is a one-player optimum
ZERO_SUM = ONE_ACTION.replace('u = "{offset} + {scale} * (b.y - flag)"', 'u = "-{offset} - {scale} * (flag - 0.5 * a.x)"')

ONE_BY_ONE = """
[scenario]
name = "one profile with state"
[players.a]
name = "A"
[players.a.levers.x]
levels = [0]
[players.a.payoff]
u = "3 + 0 * flag"
[players.b]
name = "B"
[players.b.levers.y]
levels = [1]
[players.b.payoff]
u = "3 + 0 * flag"
[state.flag]
levels = [0, 1]
initial = 0
next = "1 - flag"
"""


def _game(text: str):
    return build_dynamic_game(scenario_from_dict(tomllib.loads(text)))


@pytest.mark.parametrize("scale, offset", [(1.0, 0.0), (1e-6, 0.0), (1e11, 0.0), (1e3, 1e11)],
                         ids=["unit", "micro", "1e11", "offset 1e11"])
@pytest.mark.parametrize("rounds", ["", "[repeated]\nrounds = 3"], ids=["infinite", "3 rounds"])
def test_one_action_games_with_state(scale, offset, rounds):
    # Raising the flag costs 0.5 now and pays 1 every later round it stays up: A raises it
    # whenever a later round remains (infinite horizon: always; 3 rounds: in rounds 0 and 1).
    game = _game(ONE_ACTION.format(scale=scale, offset=offset, rounds=rounds))
    eqs = markov_perfect_equilibria(game)
    assert eqs and all(e.verified for e in eqs)
    e = eqs[0]
    assert e.col.shape[-1] == 1 and np.allclose(e.col, 1.0)
    raises = e.row[..., 1]
    if rounds:
        assert raises[:2].tolist() == [[1.0, 1.0], [1.0, 1.0]] and raises[2].tolist() == [0.0, 0.0]
    else:
        assert np.allclose(raises, 1.0)
    truce = truce_by_state(game)
    assert truce.gain.shape[-1] == 2


@pytest.mark.parametrize("scale, offset", [(1.0, 0.0), (1e-6, 0.0), (1e11, 0.0), (1e3, 1e11)],
                         ids=["unit", "micro", "1e11", "offset 1e11"])
def test_shapley_iteration_is_unit_free(scale, offset):
    base = shapley_value_iteration(_game(ZERO_SUM.format(scale=1.0, offset=0.0, rounds="")))
    mpe = shapley_value_iteration(_game(ZERO_SUM.format(scale=scale, offset=offset, rounds="")))
    assert mpe.verified and mpe.iterations <= base.iterations + 20
    assert np.allclose(mpe.row, base.row, atol=1e-6)
    expected = offset / (1 - 0.9) + scale * base.values[0, :, 0]
    assert mpe.values[0, :, 0] == pytest.approx(expected, rel=1e-6, abs=1e-6 * scale)


def test_a_single_profile_with_state():
    game = _game(ONE_BY_ONE)
    (mpe,) = markov_perfect_equilibria(game)
    assert mpe.verified and mpe.values[0, :, 0] == pytest.approx([30.0, 30.0])
    assert truce_by_state(game).self_enforcing.all()


def test_a_stage_game_without_a_verified_equilibrium_is_a_solver_error(monkeypatch):
    class Empty:
        equilibria, notes = (), ("candidates found but none passed verification at this tolerance",)

    monkeypatch.setattr(dyn, "nash_equilibria", lambda *a, **k: Empty())
    game = _game(ONE_ACTION.format(scale=1.0, offset=0.0, rounds="[repeated]\nrounds = 2"))
    Q = np.array([[[0.0, 1.0], [1.0, 0.0]]])
    with pytest.raises(SolverError, match="no Nash equilibrium of the stage game in game 'g', state s=1, round 0"):
        dyn._solve_stages(Q, -Q, "utilitarian", 1e-7, lambda s: "game 'g', state s=1, round 0")
    assert markov_perfect_equilibria(game)  # pure equilibria need no search


@pytest.mark.parametrize("text", [ONE_ACTION.format(scale=1e11, offset=1e11, rounds=""), ONE_BY_ONE,
                                  ZERO_SUM.format(scale=1e3, offset=1e11, rounds="")],
                         ids=["one action", "1x1", "zero-sum offset"])
def test_commands_on_one_action_games_with_state(tmp_path, text):
    path = tmp_path / "g.toml"
    path.write_text(text)
    for args in (["solve", path], ["thresholds", path],
                 ["play", path, "--strategy", "a=grim_trigger:punish=minmax", "--strategy", "b=tit_for_tat",
                  "--rounds", 4, "--replicates", 2, "--noise", 0.3, "--seed", 1]):
        result = CliRunner().invoke(main, [str(a) for a in args])
        assert result.exit_code == 0, (args[0], result.stderr)
        assert "Traceback" not in result.output
