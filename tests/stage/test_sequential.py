"""Sequential games from scenario files: the [sequence] table built into a tree and solved.

Published answers: Selten's entry deterrence (the subgame-perfect equilibrium is entry with
accommodation, while "stay out / fight" is a Nash equilibrium that is not subgame perfect), the
finite-horizon alternating-offers game (first proposer's share (1 + delta^3) / (1 + delta) with
three offers; Osborne & Rubinstein 1990, ch. 3), a simultaneous move written as a sequence
(its reduced normal form is the matrix game), and chance moves (expected payoffs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.model.load import load_scenario, parse_toml, scenario_from_dict
from sim.model.sequence import build_sequential_game
from sim.stage.extensive import backward_induction

ROOT = Path(__file__).resolve().parents[2]

ENTRY = """
[scenario]
name = "Entry deterrence"
[players.entrant]
name = "Entrant"
discount = 0.9
actions = ["Out", "In"]
[players.incumbent]
name = "Incumbent"
discount = 0.9
actions = ["Accommodate", "Fight"]
[payoffs]
entrant = [[0, 0], [2, -1]]
incumbent = [[4, 4], [2, -1]]
[sequence]
stages = [ { player = "entrant" }, { player = "incumbent", when = "entrant.action == 1" } ]
"""


def _scenario(text: str):
    return scenario_from_dict(parse_toml(text, source="t.toml"), source="t.toml")


def _solve(text: str):
    game = build_sequential_game(_scenario(text), source="t.toml")
    return game, backward_induction(game, max_equilibria=50)


def test_entry_deterrence():
    game, spe = _solve(ENTRY)
    assert game.perfect_information and len(game.terminals) == 3  # the incumbent moves only after entry
    assert [e.path for e in spe] == [("In", "Accommodate")]
    assert spe[0].payoffs == pytest.approx((2, 2))
    # (Out, Fight) is a Nash equilibrium of the normal form, held up by a threat that is not credible
    from sim.stage.equilibria import pure_equilibria
    from sim.stage.extensive import reduced_normal_form

    nf = reduced_normal_form(game)
    pure = {(nf.actions[0][int(np.argmax(e.row))], nf.actions[1][int(np.argmax(e.col))]) for e in pure_equilibria(nf)}
    assert pure == {("Out", "Fight"), ("In", "Accommodate")}


def test_a_simultaneous_move_written_as_a_sequence_is_the_matrix_game():
    from sim.stage.extensive import reduced_normal_form

    pd = ENTRY.replace('"Out", "In"', '"C", "D"').replace('"Accommodate", "Fight"', '"C", "D"')
    pd = pd.replace("[[0, 0], [2, -1]]", "[[3, 0], [5, 1]]").replace("[[4, 4], [2, -1]]", "[[3, 5], [0, 1]]")
    pd = pd.replace('{ player = "incumbent", when = "entrant.action == 1" }', '{ player = "incumbent", observes = "own" }')
    game = build_sequential_game(_scenario(pd), source="t.toml")
    assert not game.perfect_information and len(game.infosets) == 2
    nf = reduced_normal_form(game)
    np.testing.assert_allclose(nf.A, [[3, 0], [5, 1]])
    np.testing.assert_allclose(nf.B, [[3, 5], [0, 1]])


def test_alternating_offers_closed_form():
    sc = load_scenario(ROOT / "scenarios" / "alternating_offers.toml")
    game = build_sequential_game(sc)
    spe = backward_induction(game, max_equilibria=1)
    delta = sc.parameters["delta"].value
    first = spe[0]
    assert first.path[0] == "offer1=0.75" and first.path[1] == "reply1=accept"
    assert first.payoffs[0] == pytest.approx((1 + delta ** 3) / (1 + delta))
    # every subgame-perfect first offer is within a grid step of the closed form (ties: accept or reject)
    spe = backward_induction(game, max_equilibria=20)
    shares = {e.payoffs[0] for e in spe}
    assert all(abs(x - 0.75) <= 0.05 + 1e-9 for x in shares)


@pytest.mark.parametrize("delta", [0.3, 0.8])
def test_alternating_offers_at_other_discounts(delta):
    sc = load_scenario(ROOT / "scenarios" / "alternating_offers.toml")
    spe = backward_induction(build_sequential_game(sc, {"delta": delta}), max_equilibria=1)
    closed = (1 + delta ** 3) / (1 + delta)
    assert abs(spe[0].payoffs[0] - closed) <= 3 * 0.05  # the grid of offers is 0.05 wide; three offers


def test_us_china_sequence_answers_are_best_replies():
    sc = load_scenario(ROOT / "scenarios" / "us_china_sequential.toml")
    game = build_sequential_game(sc)
    assert len(game.terminals) == 3 * 7 * 4 and game.perfect_information
    spe = backward_induction(game, max_equilibria=1)[0]
    # at every last-stage node China's chosen soybean level is a best reply there
    for k, info in enumerate(game.infosets):
        if info.label != "soybeans":
            continue
        (node,) = info.nodes
        pays = [game.nodes[c].payoffs[1] for c in game.nodes[node].children]
        assert pays[spe.choices[k]] == pytest.approx(max(pays))
    assert spe.regret <= 1e-9


def test_chance_sets_parameters():
    text = """
[scenario]
name = "Chance"
[parameters]
demand = { value = 1.0, assumption = "test" }
[players.a]
name = "A"
discount = 0.9
[players.a.levers.enter]
levels = [0, 1]
labels = ["out", "in"]
[players.a.payoff]
u = "a.enter * (demand - 1.5)"
[players.b]
name = "B"
discount = 0.9
[players.b.levers.x]
levels = [0]
[players.b.payoff]
u = "0"
[sequence]
stages = [
  { name = "market", chance = [ { label = "boom", p = 0.25, parameters = { demand = 3.0 } },
                                { label = "bust", p = 0.75, parameters = { demand = 1.0 } } ] },
  { name = "entry", player = "a", levers = ["enter"] },
]
"""
    game, spe = _solve(text)
    assert game.nodes[0].kind == "chance"
    (eq,) = list(spe)
    # A enters in the boom (+1.5) and stays out in the bust (-0.5): expected 0.25 * 1.5
    assert eq.payoffs[0] == pytest.approx(0.375)
    blind = text.replace('levers = ["enter"] }', 'levers = ["enter"], observes = "own" }')
    game2 = build_sequential_game(_scenario(blind), source="t.toml")
    assert not game2.perfect_information  # entering without seeing the market: one information set


BAD = [
    ('{ player = "nobody" }', "sequence.stages.0.player", "no player 'nobody'"),
    ('{ player = "entrant", levers = ["price"] }', "sequence.stages.0.levers", "no lever 'price'"),
    ('{ player = "entrant" }, { player = "entrant" }', "sequence.stages.1.levers", "already chosen"),
    ('{ player = "entrant", observes = ["later"] }', "sequence.stages.0.observes", "no earlier stage 'later'"),
    ('{ chance = [ { label = "a", p = 0.5 }, { label = "b", p = 0.4 } ] }', "sequence.stages.0.chance", "sum to 0.9"),
    ('{ player = "entrant", chance = [ { label = "a", p = 0.5 }, { label = "b", p = 0.5 } ] }', "sequence.stages.0",
     "not both"),
    ('{ player = "entrant", when = "incumbent.action == 1" }', "sequence.stages.0.when", "earlier stages"),
]


@pytest.mark.parametrize("stages, key, words", BAD)
def test_bad_sequences_give_one_error_naming_the_key(stages, key, words):
    text = ENTRY.replace('stages = [ { player = "entrant" }, { player = "incumbent", when = "entrant.action == 1" } ]',
                         f"stages = [ {stages} ]")
    with pytest.raises(ScenarioError) as err:
        _scenario(text)
    message = str(err.value)
    assert f"t.toml: {key}" in message and words in message, message
