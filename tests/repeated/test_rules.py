"""Strategy files: the format's errors, and the state machines played move for move.

The bundled examples that restate a library strategy (tit for tat, the deadline truce) must play
exactly as it does, with noise, on the prisoner's dilemma and on a lever game; the others are
checked against scripted opponents, round by round.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.errors import InputError, ScenarioError
from sim.model.game import StageGame
from sim.model.strategy_file import load_strategy_file
from sim.repeated.engine import play
from sim.repeated.rules import RuleStrategy, expand_specs
from sim.repeated.strategies import get_strategy, parse_spec
from sim.repeated.tournament import round_robin

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "scenarios" / "strategies"
OPPONENTS = ["always_defect", "tit_for_tat", "random:p=0.3", "alternator", "generous_tit_for_tat:g=0.3",
             "grim_trigger", "win_stay_lose_shift"]


@pytest.fixture(scope="module")
def pd():
    return StageGame.from_matrices([[3, 0], [5, 1]], [[3, 5], [0, 1]], actions=(("C", "D"), ("C", "D")),
                                   cooperative=(0, 0))


@pytest.fixture(scope="module")
def levers():
    from tests.repeated.test_strategies import _lever_game

    return _lever_game()


def _actions(game, a, b, *, seed=3, noise=0.05, rounds=40, reps=64, chunk=None):
    result = play(game, (a, b), rounds=rounds, replicates=reps, noise=noise, seed=seed, chunk_size=chunk)
    return result.actions


@pytest.mark.parametrize("opponent", OPPONENTS)
@pytest.mark.parametrize("game_name", ["pd", "levers"])
@pytest.mark.parametrize("file, library", [("tit_for_tat.toml", "tit_for_tat"),
                                           ("deadline_truce.toml", "deadline_truce:k=4,p=0.5")])
def test_examples_play_as_the_library_strategy(file, library, opponent, game_name, pd, levers):
    game = pd if game_name == "pd" else levers
    # Random streams are keyed by the specs of a pairing: the file's machine is given the library
    # strategy's spec, so both draw the same numbers (noise, the deadline's coin) and must then
    # make the same moves.
    ours = RuleStrategy(load_strategy_file(EXAMPLES / file), path=get_strategy(library).spec, digest="")
    for side in (0, 1):
        pair = (ours, opponent) if side == 0 else (opponent, ours)
        ref = (library, opponent) if side == 0 else (opponent, library)
        np.testing.assert_array_equal(_actions(game, *pair), _actions(game, *ref))


def _script_game_moves(game, strategy, opponent_moves):
    """The strategy's moves (row side) against a scripted opponent (noise-free)."""
    path = "|".join(opponent_moves)
    result = play(game, (strategy, f"scripted:path={path}"), rounds=len(opponent_moves), replicates=1, seed=0)
    return [game.actions[0][a] for a in result.actions[0, :, 0]]


def test_two_strikes_against_a_script(pd):
    two = get_strategy(str(EXAMPLES / "two_strikes.toml"))
    them = ["D", "C", "D", "D", "C", "C", "C", "D", "D", "D", "D", "C"]
    # one provocation is shrugged off; two in a row bring two rounds of pressure, then calm again
    assert _script_game_moves(pd, two, them) == ["C", "C", "C", "C", "D", "D", "C", "C", "C", "D", "D", "C"]


def test_ratchet_climbs_and_descends(levers):
    ratchet = get_strategy(str(EXAMPLES / "ratchet.toml"))
    from sim.repeated.context import PlayerContext

    ctx = PlayerContext.build(levers, 0)
    labels = levers.actions[1]
    calm, hostile = labels[0], labels[2]
    them = [hostile, hostile, calm, calm, calm, calm, calm, calm, calm, calm]
    moves = _script_game_moves(levers, ratchet, them)
    rung = {levers.actions[0][a]: r for r, a in enumerate(ctx.ladder)}
    # up one rung per provocation, hold three calm rounds, then one rung down
    assert [rung[m] for m in moves] == [0, 1, 2, 2, 2, 2, 1, 1, 1, 1]


def test_stochastic_file_is_batch_invariant_and_seeded(pd, tmp_path):
    f = tmp_path / "coin.toml"
    f.write_text('[strategy]\nname = "coin"\nstart = "a"\n[states.a]\nplay = "cooperate"\n'
                 'rules = [ { probability = 0.3, goto = "b" } ]\n[states.b]\nplay = "maximum_pressure"\n'
                 'rules = [ { probability = 0.6, goto = "a" } ]\n')
    s = get_strategy(str(f))
    assert s.is_stochastic()
    whole = _actions(pd, s, "tit_for_tat", reps=50)
    chunked = _actions(pd, s, "tit_for_tat", reps=50, chunk=7)
    np.testing.assert_array_equal(whole, chunked)
    assert not np.array_equal(whole, _actions(pd, s, "tit_for_tat", reps=50, seed=4))
    # the chance of leaving the calm state is about 0.3 a round
    moves = _actions(pd, s, "always_cooperate", reps=4000, rounds=2, noise=0.0)
    assert abs((moves[:, 1, 0] == 1).mean() - 0.3) < 0.03


def test_named_actions_and_their_errors(levers, tmp_path):
    good = tmp_path / "named.toml"
    good.write_text('[strategy]\nname = "named"\nstart = "a"\n[states.a]\nplay = { tariff = "high" }\n')
    result = play(levers, (str(good), "always_cooperate"), rounds=3, replicates=1, seed=0)
    assert {levers.actions[0][a] for a in result.actions[0, :, 0]} == {"tariff=2, tech=0"}
    bad = tmp_path / "bad.toml"
    bad.write_text('[strategy]\nname = "bad"\nstart = "a"\n[states.a]\nplay = { tariff = "sky" }\n')
    with pytest.raises(InputError) as err:
        play(levers, (str(bad), "always_cooperate"), rounds=3, replicates=1, seed=0)
    assert str(err.value).startswith(f"{bad}: states.a.play") and "sky" in str(err.value)


BAD = [
    ('[strategy]\nname = "x"\nstart = "nope"\n[states.a]\nplay = "cooperate"\n', "strategy.start", "no state 'nope'"),
    ('[strategy]\nname = "x"\nstart = "a"\n[states.a]\nplay = "cooperate"\nrules = [{goto = "b"}]\n',
     "states.a.rules.0.goto", "no state 'b'"),
    ('[strategy]\nname = "x"\nstart = "a"\n[states.a]\nplay = "cooperate"\nrules = [{times = 2, goto = "a"}]\n',
     "states.a.rules.0", "give 'other'"),
    ('[strategy]\nname = "x"\nstart = "a"\n[states.a]\nplay = "cooperate"\nrules = [{goto = "a", when = 1}]\n',
     "states.a.rules.0.when", "unknown key"),
    ('[strategy]\nname = "x"\nstart = "a"\n[states.a]\nplay = "cooperate"\nrules = [{goto = "a", probability = 2}]\n',
     "states.a.rules.0.probability", "less than or equal to 1"),
    ('[strategy]\nname = "x"\nstart = "a"\n[states.a]\nplay = "cooperate"\n'
     'rules = [{goto = "a", other = "angry"}]\n', "states.a.rules.0.other", "escalated"),
    ('[strategy]\nname = "9x"\nstart = "a"\n[states.a]\nplay = "cooperate"\n', "strategy.name", "identifier"),
    ('[strategy]\nname = "x"\nstart = "a"\n[states]\n', "states", "at least 1"),
    ('[strategy]\nname = "x"\nstart = "a"\n[states.a]\nplay = "cooperate"\nrules = [{goto = "a", after = 0}]\n',
     "states.a.rules.0.after", "greater than or equal to 1"),
    ("[strategy]\nname = 'x'\nstart = 'a'\n" + "".join(f"[states.s{i}]\nplay = 'cooperate'\n" for i in range(33)),
     "states", "at most 32"),
    ('[strategy]\nname = "x"\nstart = "a"\n[states.a]\nplay = "cooperate"\nrules = [' + ", ".join(['{goto = "a"}'] * 17)
     + ']\n', "states.a.rules", "at most 16"),
    ('[players.us]\n', None, "not a strategy file"),
    ('[strategy\n', None, "not valid TOML"),
]


@pytest.mark.parametrize("text, key, words", BAD)
def test_bad_files_give_one_clear_error(text, key, words, tmp_path):
    f = tmp_path / "s.toml"
    f.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_strategy_file(f)
    message = str(err.value)
    assert message.startswith(f"{f}: " + (f"{key}: " if key else "")), message
    assert words in message and "\n" not in message


def test_cli_errors_exit_2(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text(BAD[1][0])
    runner = CliRunner()
    for spec in (str(f), str(tmp_path / "missing.toml"), str(tmp_path)):
        res = runner.invoke(main, ["play", "scenarios/prisoners_dilemma.toml", "--strategy", f"row={spec}",
                                   "--strategy", "col=tit_for_tat"], catch_exceptions=False)
        assert res.exit_code == 2, res.output
        assert res.output.startswith("error: ") and res.output.count("\n") == 1


def test_specs_and_directories(tmp_path):
    assert parse_spec(str(EXAMPLES / "two_strikes.toml")) == (str(EXAMPLES / "two_strikes.toml"), {})
    files = expand_specs(["tit_for_tat", str(EXAMPLES)])
    assert files[0] == "tit_for_tat" and files[1:] == sorted(str(p) for p in EXAMPLES.glob("*.toml"))
    with pytest.raises(InputError, match="no strategy files"):
        expand_specs([str(tmp_path)])
    with pytest.raises(InputError, match="takes no parameters"):
        get_strategy(str(EXAMPLES / "two_strikes.toml"), k=2)
    s = RuleStrategy.from_file(EXAMPLES / "two_strikes.toml")
    info = s.to_dict()
    assert info["name"] == "two_strikes" and len(info["sha256"]) == 64 and info["states"] == ["calm", "punish"]
    assert s == RuleStrategy.from_file(EXAMPLES / "two_strikes.toml")


def test_tournament_and_evolve_take_files(pd):
    specs = ["tit_for_tat", "always_defect", str(EXAMPLES)]
    result = round_robin(pd, specs, rounds=30, replicates=4, seed=2)
    assert len(result.strategies) == 2 + len(list(EXAMPLES.glob("*.toml")))
    # the file restating tit for tat scores as tit for tat does against every opponent but itself
    tft, file = result.strategies.index("tit_for_tat"), result.strategies.index(str(EXAMPLES / "tit_for_tat.toml"))
    assert result.pairwise[tft, tft] == pytest.approx(result.pairwise[file, file])
    runner = CliRunner()
    res = runner.invoke(main, ["evolve", "scenarios/prisoners_dilemma.toml", "--strategies",
                               f"always_defect,{EXAMPLES / 'two_strikes.toml'},{EXAMPLES / 'tit_for_tat.toml'}",
                               "--rounds", "30", "--format", "json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "two_strikes.toml" in res.output


def test_validate_checks_strategy_files(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD[1][0])
    runner = CliRunner()
    res = runner.invoke(main, ["validate", str(EXAMPLES / "two_strikes.toml"), "--format", "json"])
    assert res.exit_code == 0
    assert '"kind": "strategy"' in res.output and '"states": 2' in res.output
    res = runner.invoke(main, ["validate", str(EXAMPLES / "ratchet.toml"), str(bad)])
    assert res.exit_code == 2
    assert "ok: " in res.output and "strategy ratchet (4 states)" in res.output
    assert f"error: {bad}: states.a.rules.0.goto: no state 'b'" in res.output
