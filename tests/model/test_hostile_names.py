"""Hostile scenario files: each is one line `error: FILE: key.path: what is wrong`, exit status 2.

Complex numbers, work and memory past the limits, ambiguous action labels, names an expression
cannot write, flat sums, terminal escapes (in scenarios and events CSVs).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import tomllib
from click.testing import CliRunner

from sim.cli import main
from sim.empirics.events import read_events
from sim.errors import InputError, ScenarioError
from sim.model.actions import resolve_action
from sim.model.expressions import RESERVED_WORDS, parse_expression
from sim.model.game import build_game, compile_payoffs, payoff_states
from sim.model.load import load_scenario, scenario_from_dict
from sim.model.scenario import MAX_EVALUATION, MAX_TERM_CELLS, MAX_TERMS
from tests.conftest import SCENARIOS
from tests.scenario_texts import LEVERS

# LEVERS with a description that spans two lines and holds a tab (text, not control characters)
BASE = LEVERS.replace('name = "levers"', 'name = "hostile"\ndescription = """two lines\nand\ta tab are text"""').replace(
    'z = { value = 0.0, assumption = "test" }\n', "")


def run(tmp_path, text, *args, command="validate"):
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path, CliRunner().invoke(main, [command, str(path), *args])


def assert_one_line_error(result, path, key, message):
    """Exit status 2, every line an ``error:`` line (one per problem), the first naming ``key``."""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert lines and all(line.startswith(f"error: {path}: ") for line in lines), result.output
    assert lines[0].startswith(f"error: {path}: {key}: "), lines[0]
    assert message in lines[0], lines[0]
    assert "\x1b" not in result.output


def test_base_is_valid(tmp_path):
    _, result = run(tmp_path, BASE)
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------- 1. complex numbers


@pytest.mark.parametrize("term", [
    "2 ** ((-8) ** 0.5)",  # the folded exponent was a complex number: TypeError
    "a.x ** ((-1) ** 0.5)",
    "(-8) ** (1 / 3)",
    "(a.x - 5) ** 0.5",
    "log(-1 - a.x)",
    "sqrt(-1) + a.x",
    "(-2) ** 0.5 ** 2",
], ids=str)
def test_leaving_the_reals_is_a_one_line_error(tmp_path, term):
    path, result = run(tmp_path, BASE.replace('"k * a.x"', f'"{term}"'))
    assert_one_line_error(result, path, "players.a.payoff.gain", "is nan at")


def test_a_complex_constant_not_selected_is_fine(tmp_path):
    _, result = run(tmp_path, BASE.replace('"k * a.x"', '"where(0, (-8) ** 0.5, a.x)"'))
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------- 2. work and memory


def _big(terms: int, term: str) -> str:
    """A 4,096 x 244 game (two levers per side) with ``terms`` copies of ``term`` for player a."""
    levels = lambda n: ", ".join(str(i) for i in range(n))  # noqa: E731
    body = "\n".join(f't{i} = "{term}"' for i in range(terms))
    return f'''
[scenario]
name = "big"
[players.a]
name = "A"
[players.a.levers.x]
levels = [{levels(64)}]
[players.a.levers.z]
levels = [{levels(64)}]
[players.a.payoff]
{body}
[players.b]
name = "B"
[players.b.levers.y]
levels = [{levels(61)}]
[players.b.levers.w]
levels = [0, 1, 2, 3]
[players.b.payoff]
g = "b.y"
'''


def test_too_many_terms_per_player(tmp_path):
    path, result = run(tmp_path, BASE.replace('gain = "k * a.x"', "\n".join(
        f't{i} = "a.x"' for i in range(MAX_TERMS + 1))))
    assert_one_line_error(result, path, "players.a.payoff", f"at most {MAX_TERMS}")


def test_term_values_past_the_memory_budget_are_refused_up_front(tmp_path):
    terms = MAX_TERM_CELLS // (4096 * 244)  # one more with b's term
    path, result = run(tmp_path, _big(terms, "a.x * b.y"))
    assert_one_line_error(result, path, "players.b.payoff", f"limit of {MAX_TERM_CELLS:,}")


def test_work_past_the_budget_is_refused_up_front(tmp_path):
    term = "(a.x + b.y) * a.z" + " + (a.x + b.y) * a.z" * 90  # 1,817 characters
    nodes = parse_expression(term, parameters=set(), levers={"a": {"x", "z"}, "b": {"y"}}).nodes
    first_over = MAX_EVALUATION // (4096 * 244 * nodes)  # 0-based: the term that passes the limit
    path, result = run(tmp_path, _big(first_over + 2, term))
    assert_one_line_error(result, path, f"players.a.payoff.t{first_over}", f"limit of {MAX_EVALUATION:,}")


@pytest.mark.parametrize("name", ["us_china_2025", "us_china_dynamic", "us_china_re_stockpile",
                                  "us_china_soy_diversified", "leverage_game", "big_match"])
def test_bundled_scenarios_are_far_inside_the_budget(name):
    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    compiled = compile_payoffs(scenario)
    game_cells = math.prod(len(build_game(scenario).actions[k]) for k in (0, 1))
    states = payoff_states(scenario, compiled)
    terms = [len(t) for t in compiled.terms]
    nodes = sum(e.nodes for t in compiled.terms for _, e in t)
    assert max(terms) <= MAX_TERMS // 4
    assert game_cells * sum(terms) + 2 * game_cells * states <= MAX_TERM_CELLS / 20
    assert game_cells * states * nodes <= MAX_EVALUATION / 15


# ---------------------------------------------------------------- 3. action labels


@pytest.mark.parametrize("labels, index, bad", [
    ('["p, u=q", "p"]', 0, "','"),
    ('["r", "q= r"]', 1, "'='"),
    ('["", "x"]', 0, "empty"),
])
def test_separators_in_level_labels_are_refused(tmp_path, labels, index, bad):
    path, result = run(tmp_path, BASE.replace('["low", "high"]', labels))
    assert_one_line_error(result, path, f"players.b.levers.y.labels.{index}", bad)


def test_the_reported_pair_of_levers_with_one_action_label(tmp_path):
    text = BASE.replace('''[players.a.levers.x]
levels = [0, 1, 2]''', '''[players.a.levers.t]
levels = [0, 1]
labels = ["p, u=q", "p"]
[players.a.levers.u]
levels = [0, 1]
labels = ["r", "q, u=r"]''').replace("a.x", "a.t")
    path, result = run(tmp_path, text)
    assert_one_line_error(result, path, "players.a.levers.t.labels.0", "separates the levers")


def test_number_labels_that_would_read_alike_stay_distinct(tmp_path):
    path, result = run(tmp_path, BASE.replace("levels = [0, 1, 2]", "levels = [1.0000001, 1.0000002, 2]"))
    assert result.exit_code == 0, result.output
    game = build_game(load_scenario(path))
    assert len(set(game.actions[0])) == 3
    assert [resolve_action(game, 0, label) for label in game.actions[0]] == [0, 1, 2]


def test_state_labels_may_not_hold_separators(tmp_path):
    text = BASE + '''
[state.s]
levels = [0, 1]
labels = ["a=1", "b"]
initial = 0
'''
    path, result = run(tmp_path, text)
    assert_one_line_error(result, path, "state.s.labels.0", "'='")


# ---------------------------------------------------------------- 4. reserved names


def _rename_player(text: str, new: str) -> str:
    return text.replace("players.a", f"players.{new}").replace("a.x", f"{new}.x")


@pytest.mark.parametrize("word", ["True", "None", "and", "lambda", "abs", "round", "prev", "where"])
def test_reserved_player_ids(tmp_path, word):
    path, result = run(tmp_path, _rename_player(BASE, word))
    assert_one_line_error(result, path, f"players.{word}", "choose another name")


@pytest.mark.parametrize("word", ["True", "None", "or", "lambda", "abs", "log", "round", "prev"])
def test_reserved_parameter_names(tmp_path, word):
    path, result = run(tmp_path, BASE.replace("k = {", f"{word} = {{").replace('"k * a.x"', f'"{word} * a.x"'))
    assert_one_line_error(result, path, f"parameters.{word}", "choose another name")


@pytest.mark.parametrize("word", ["False", "not", "sqrt", "round"])
def test_reserved_state_names(tmp_path, word):
    path, result = run(tmp_path, BASE + f"[state.{word}]\nlevels = [0, 1]\ninitial = 0\n")
    assert_one_line_error(result, path, f"state.{word}", "choose another name")


@pytest.mark.parametrize("word", ["None", "lambda", "if"])
def test_keyword_lever_names(tmp_path, word):
    path, result = run(tmp_path, BASE.replace("levers.x]", f"levers.{word}]").replace("a.x", f"a.{word}"))
    assert_one_line_error(result, path, f"players.a.levers.{word}", "Python keyword")


def test_a_lever_named_like_a_function_can_be_read(tmp_path):
    _, result = run(tmp_path, BASE.replace("levers.x]", "levers.abs]").replace("a.x", "a.abs"))
    assert result.exit_code == 0, result.output


def test_every_reserved_word_is_refused_as_a_name():
    document = tomllib.loads(BASE)
    for word in sorted(RESERVED_WORDS):
        doc = copy.deepcopy(document)
        doc["parameters"][word] = doc["parameters"].pop("k")
        with pytest.raises(ScenarioError, match="choose another name") as info:
            scenario_from_dict(doc)
        assert f"parameters.{word}:" in str(info.value)


# ---------------------------------------------------------------- 5. flat sums


def test_a_flat_sum_of_42_terms_is_not_nesting(tmp_path):
    _, result = run(tmp_path, BASE.replace('"k * a.x"', '"' + " + ".join(["a.x"] * 42) + '"'))
    assert result.exit_code == 0, result.output


def test_real_nesting_is_still_bounded(tmp_path):
    path, result = run(tmp_path, BASE.replace('"k * a.x"', '"' + "-(" * 41 + "a.x" + ")" * 41 + '"'))
    assert_one_line_error(result, path, "players.a.payoff.gain", "nested more than")


# ---------------------------------------------------------------- 6. terminal escapes


@pytest.mark.parametrize("old, new, key", [
    ('"hostile"', '"\\u001b]0;owned\\u0007"', "scenario.name"),
    ('"hostile"', '"\\u001b[2J"', "scenario.name"),
    ('"low"', '"\\u001b[2J"', "players.b.levers.y.labels.0"),
    ('name = "A"', 'name = "A\\u009b"', "players.a.name"),
    ("and\ta tab", "and\\u001ba tab", "scenario.description"),
    ('source = "test"', 'source = "t\\u0007"', "parameters.k.source"),
    ('"k * a.x"', '"k * a.x\\u001b"', "players.a.payoff.gain"),
])
@pytest.mark.parametrize("command", ["validate", "show", "solve"])
def test_control_characters_are_refused(tmp_path, old, new, key, command):
    assert old in BASE
    path, result = run(tmp_path, BASE.replace(old, new), command=command)
    assert_one_line_error(result, path, key, "control character")


EVENTS_HEADER = "date,player,lever,level,kind,period,note,source\n"


@pytest.mark.parametrize("row, column", [
    ("2020-01-01,a,x,1,move,p1,fine\tnote,src\n", None),
    ("2020-01-01,a,x,1,move,p\x1b[2J,note,src\n", "period"),
    ("2020-01-01,a,x,1,move,p1,\x1b]0;owned\x07,src\n", "note"),
    ("2020-01-01,a,x,1,move,p1,note,s\x9b\n", "source"),
    ("2020-01-01,a,x\x1b,1,move,p1,note,src\n", "lever"),
])
def test_control_characters_in_events(tmp_path, row, column):
    scenario = tmp_path / "s.toml"
    scenario.write_text(BASE, encoding="utf-8")
    game = build_game(load_scenario(scenario))
    events = tmp_path / "e.csv"
    events.write_text(EVENTS_HEADER + row, encoding="utf-8")
    if column is None:
        assert read_events(events, game).rows[0].note == "fine\tnote"
        return
    with pytest.raises(InputError, match="control character") as info:
        read_events(events, game)
    assert info.value.key == f"row 2, column {column}"
    result = CliRunner().invoke(main, ["replay", str(scenario), str(events)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"error: {info.value}"]
    assert "\x1b" not in result.output


def test_evaluating_a_long_flat_chain_uses_no_recursion():
    text = "-".join(["a"] * 999)
    expr = parse_expression(text, parameters={"a"}, levers={})
    assert float(expr.evaluate({"a": np.float64(1.0)})) == -997.0
    assert expr.nodes == 999 + 998
