"""Named definitions: ``[define]`` and ``[players.ID.define]`` read in file order, checked like terms,
and usable wherever payoffs are evaluated (stage game, N-player game, game with state, sequential
game, sweeps)."""

from __future__ import annotations

import numpy as np
import pytest

from sim._random import run_seeds
from sim.errors import ScenarioError
from sim.model.dynamic import build_dynamic_game
from sim.model.game import build_game
from sim.model.load import load_scenario
from sim.model.nplayer_build import build_normal_form
from sim.model.sequence import build_sequential_game
from sim.sweeps.evaluate import PointEvaluator
from sim.sweeps.plan import plan_sweep

# Two players, two levers each side's payoff reads; the inline version below must give the same game.
BASE = """
[scenario]
name = "defs"
[parameters]
k = { value = 2.0, assumption = "test" }
c = { value = 0.5, assumption = "test" }
{define}
[players.a]
name = "A"
[players.a.levers.x]
levels = [0, 1, 2]
[players.a.payoff]
{a_terms}
{a_define}
[players.b]
name = "B"
[players.b.levers.y]
levels = [0, 1]
[players.b.payoff]
{b_terms}
"""


def text(define="", a_terms='gain = "k * a.x"', a_define="", b_terms='u = "b.y"'):
    return (BASE.replace("{define}", define).replace("{a_terms}", a_terms).replace("{a_define}", a_define)
            .replace("{b_terms}", b_terms))


WITH_DEFS = text(define='[define]\ntotal = "a.x + b.y"\nscaled = "k * total"\n',
                 a_terms='gain = "scaled - mine"', a_define='[players.a.define]\nmine = "c * total ** 2"',
                 b_terms='u = "total - scaled / 4"')
INLINE = text(a_terms='gain = "k * (a.x + b.y) - c * (a.x + b.y) ** 2"', b_terms='u = "(a.x + b.y) - k * (a.x + b.y) / 4"')


@pytest.fixture
def games(write_scenario):
    with_defs = load_scenario(write_scenario(WITH_DEFS, "defs.toml"))
    inline = load_scenario(write_scenario(INLINE, "inline.toml"))
    return with_defs, inline


def test_definitions_give_the_same_game_as_the_written_out_terms(games):
    with_defs, inline = games
    g, h = build_game(with_defs), build_game(inline)
    assert np.array_equal(g.A, h.A) and np.array_equal(g.B, h.B)
    # a known cell: a.x = 2, b.y = 1: total 3, gain = 2*3 - 0.5*9 = 1.5; u = 3 - 6/4 = 1.5
    assert g.A[2, 1] == pytest.approx(1.5) and g.B[2, 1] == pytest.approx(1.5)


def test_definitions_follow_parameter_overrides(games):
    with_defs, inline = games
    g, h = build_game(with_defs, {"k": 5.0}), build_game(inline, {"k": 5.0})
    assert np.array_equal(g.A, h.A) and not np.array_equal(g.A, build_game(with_defs).A)


def test_definitions_in_the_normal_form(games):
    with_defs, _ = games
    assert np.array_equal(build_normal_form(with_defs).payoffs[0], build_game(with_defs).A)


def test_a_term_records_what_its_definitions_read(games):
    from sim.model.game import compile_payoffs

    compiled = compile_payoffs(games[0])
    (_, gain), = compiled.terms[0]
    assert gain.definitions == {"total", "scaled", "mine"}
    assert gain.parameters == {"k", "c"} and gain.levers == {("a", "x"), ("b", "y")}


BAD = [
    ("forward", text(define='[define]\nfirst = "second + 1"\nsecond = "k"\n'), "define.first", "defined at or after"),
    ("self", text(define='[define]\nloop = "loop + 1"\n'), "define.loop", "no cycles"),
    ("unknown", text(define='[define]\nd = "q * 2"\n'), "define.d", "unknown name 'q'"),
    ("unknown-lever", text(define='[define]\nd = "a.nope"\n'), "define.d", "has no lever 'nope'"),
    ("unknown-player", text(define='[define]\nd = "zz.x"\n'), "define.d", "unknown player 'zz'"),
    ("parameter-clash", text(define='[define]\nk = "1"\n'), "define.k", "already a parameter"),
    ("player-clash", text(define='[define]\nb = "1"\n'), "define.b", "already a player id"),
    ("lever-clash", text(define='[define]\nx = "1"\n'), "define.x", "lever a.x"),
    ("shared-clash", text(define='[define]\nd = "1"\n', a_define='[players.a.define]\nd = "2"'),
     "players.a.define.d", "already a scenario-level definition"),
    ("other-players", text(a_define='[players.a.define]\nmine = "a.x"', b_terms='u = "mine"'),
     "players.b.payoff.u", "a definition of player 'a'"),
    ("inf", text(define='[define]\nd = "k / a.x"\n', a_terms='gain = "where(a.x > 0, d, 0)"'), "define.d",
     "is inf at (x=0 | y=0)"),
    ("nan", text(define='[define]\nd = "log(a.x - 1)"\n', a_terms='gain = "d"'), "define.d", "is nan"),
    ("syntax", text(define='[define]\nd = "k +"\n'), "define.d", "syntax error"),
    ("reserved", text(define='[define]\nmax = "1"\n'), "define.max", "function of the payoff language"),
    ("not-string", text(define='[define]\nd = 3\n'), "define.d", "string"),
]


@pytest.mark.parametrize("name, body, key, message", BAD, ids=[b[0] for b in BAD])
def test_bad_definitions_name_their_key(write_scenario, name, body, key, message):
    path = write_scenario(body, f"{name}.toml")
    with pytest.raises(ScenarioError) as info:
        build_game(load_scenario(path))
    problems = [str(p) for p in info.value.problems]
    assert len(problems) == 1, problems
    assert f": {key}: " in problems[0] and message in problems[0], problems[0]


def test_state_name_clash_and_matrix_games_refuse_definitions(write_scenario):
    state = text(define='[define]\nlevel = "1"\n') + '[state.level]\nlevels = [0, 1]\ninitial = 0\n'
    with pytest.raises(ScenarioError, match="define.level: 'level' is already a state variable"):
        load_scenario(write_scenario(state, "state.toml"))
    matrix = """
[scenario]
name = "m"
[define]
d = "1"
[players.r]
name = "R"
actions = ["C", "D"]
[players.c]
name = "C"
actions = ["C", "D"]
[payoffs]
r = [[1, 0], [0, 1]]
c = [[1, 0], [0, 1]]
"""
    with pytest.raises(ScenarioError, match="define: a matrix game has no payoff terms"):
        load_scenario(write_scenario(matrix, "matrix.toml"))


DYNAMIC = """
[scenario]
name = "stock"
[parameters]
k = { value = 2.0, assumption = "test" }
[define]
pressure = "a.x + stock"
[state.stock]
levels = [0, 1, 2]
initial = 0
next = "min(pressure, 2)"
[players.a]
name = "A"
[players.a.levers.x]
levels = [0, 1]
[players.a.payoff]
gain = "k * pressure"
[players.b]
name = "B"
[players.b.levers.y]
levels = [0, 1]
[players.b.payoff]
u = "-pressure * b.y"
[repeated]
rounds = 3
"""


def test_definitions_in_a_game_with_state_read_the_state_and_move_it(write_scenario):
    game = build_dynamic_game(load_scenario(write_scenario(DYNAMIC, "dyn.toml")))
    stock = game.states.values("stock")
    for s in range(game.n_states):
        for i in range(2):
            assert game.A[s, i, 0] == pytest.approx(2.0 * (i + stock[s]))
            assert game.B[s, i, 1] == pytest.approx(-(i + stock[s]))
            # next = min(a.x + stock, 2), deterministic
            assert stock[game.successors[s, i, 0, 0]] == min(i + stock[s], 2)


SEQUENTIAL = """
[scenario]
name = "seq"
[parameters]
k = { value = 1.0, assumption = "test" }
[define]
escalated = "a.x >= 1"
[players.a]
name = "A"
[players.a.levers.x]
levels = [0, 1]
[players.a.payoff]
gain = "k * a.x - b.y"
[players.b]
name = "B"
[players.b.levers.y]
levels = [0, 1]
[players.b.payoff]
u = "b.y * (2 * a.x - 1)"
[sequence]
stages = [{ player = "a" }, { player = "b", when = "escalated" }]
"""


def test_a_stage_condition_may_read_a_definition_of_earlier_levers(write_scenario):
    tree = build_sequential_game(load_scenario(write_scenario(SEQUENTIAL, "seq.toml")))
    written = build_sequential_game(load_scenario(write_scenario(SEQUENTIAL.replace('when = "escalated"',
                                                                                   'when = "a.x >= 1"'), "w.toml")))
    assert len(tree.nodes) == len(written.nodes) == 5  # root, a=0 leaf, b's node after a=1 and its two leaves


def test_a_stage_condition_may_not_reach_later_levers_through_a_definition(write_scenario):
    bad = SEQUENTIAL.replace('escalated = "a.x >= 1"', 'escalated = "a.x + b.y >= 1"')
    with pytest.raises(ScenarioError, match=r"sequence\.stages\.1\.when: .*b\.y"):
        load_scenario(write_scenario(bad, "bad.toml"))


def test_sweeps_rebuild_payoffs_through_definitions(write_scenario):
    path = write_scenario(WITH_DEFS, "defs.toml")
    plan = plan_sweep(path, ["k=1,3"], ["equilibria"])
    ev = PointEvaluator(plan.job)
    batch = ev.batch(plan.design.points, run_seeds(plan.job.seed, np.arange(len(plan.design))))
    scenario = load_scenario(path)
    for point, k in enumerate((1.0, 3.0)):
        game = build_game(scenario, {"k": k})
        assert np.allclose(batch.A[point], game.A) and np.allclose(batch.B[point], game.B)


def test_definitions_count_toward_the_expression_budget(games):
    from sim.model.game import compile_payoffs

    with_defs, inline = games
    (_, with_gain), = compile_payoffs(with_defs).terms[0]
    (_, inline_gain), = compile_payoffs(inline).terms[0]
    assert with_gain.nodes >= inline_gain.nodes  # a definition costs what it would cost written out
