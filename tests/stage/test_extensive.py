"""Extensive-form solutions against published answers, properties, and peers (pygambit when installed)."""

from __future__ import annotations

import json
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import InputError
from sim.model.gambit import read_efg, write_efg
from sim.model.tree import ExtensiveGame, InfoSet, Node
from sim.stage.equilibria import regrets
from sim.stage.extensive import (
    backward_induction,
    reduced_normal_form,
    subgame_perfect_equilibria,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "gambit"


def game(name: str) -> ExtensiveGame:
    return read_efg(DATA / name)


# ----------------------------------------------------------------------------- perfect information
def test_entry_deterrence_spe_and_the_nash_equilibrium_that_is_not():
    g = game("entry_deterrence.efg")
    (spe,) = backward_induction(g).equilibria
    assert spe.actions == ("In", "Accommodate") and spe.path == ("In", "Accommodate") and spe.payoffs == (2, 2)
    result = subgame_perfect_equilibria(g)
    pure = {(e.support[0], e.support[1]): flag for e, flag in zip(result.nash, result.nash_subgame_perfect)
            if e.is_pure}
    out_fight = ((0,), (0,))  # (Out, Fight): a Nash equilibrium, payoffs (1, 5), kept only by an empty threat
    assert pure == {out_fight: False, ((1,), (1,)): True}
    assert result.nash.actions == (("Out", "In"), ("Fight", "Accommodate"))
    assert [e.payoffs for e in result.subgame_perfect] == [(2.0, 2.0)]


def test_centipede_takes_at_the_first_node():
    g = game("centipede4.efg")
    result = backward_induction(g)
    assert result.complete and len(result) == 1
    assert result[0].path == ("Take",) and result[0].payoffs == (0.4, 0.1)
    assert result[0].actions == ("Take",) * 4  # off the path too
    nf = reduced_normal_form(g)
    assert nf.actions == (("Take.*", "Pass.Take", "Pass.Pass"), ("Take.*", "Pass.Take", "Pass.Pass"))
    assert nf.A[0].tolist() == [0.4] * 3 and nf.B[1].tolist() == [0.8, 0.4, 0.4]


def test_selten_1975_figure_2_has_one_subgame_perfect_equilibrium():
    g = game("selten1975_fig2.efg")
    (spe,) = backward_induction(g).equilibria
    assert spe.actions == ("R", "R", "l") and spe.payoffs == (1, 1)
    result = subgame_perfect_equilibria(g)
    assert sum(result.nash_subgame_perfect) == 1 and len(result.subgame_perfect) == 1


def test_ties_give_every_equilibrium_and_the_cap_says_so():
    # the mover is indifferent at both of her nodes: four pure SPE (two at each), and a chance move
    nodes = [Node("chance", children=(1, 4), probs=(F(1, 2), F(1, 2)), actions=("h", "t")),
             Node("decision", 0, 0, (2, 3)), Node("terminal", payoffs=(1, 0)), Node("terminal", payoffs=(1, 2)),
             Node("decision", 0, 1, (5, 6)), Node("terminal", payoffs=(3, 1)), Node("terminal", payoffs=(3, 0))]
    g = ExtensiveGame("ties", ("a", "b"), nodes, [InfoSet(0, ("x", "y"), (1,)), InfoSet(0, ("u", "v"), (4,))])
    result = backward_induction(g)
    assert result.complete and len(result) == 4
    assert {e.actions for e in result} == {("x", "u"), ("x", "v"), ("y", "u"), ("y", "v")}
    assert all(e.payoffs[0] == 2 for e in result) and {e.payoffs[1] for e in result} == {0, 0.5, 1, 1.5}
    assert result[0].paths[0][0] == 0.5 and len(result[0].paths) == 2
    capped = backward_induction(g, max_equilibria=3)
    assert not capped.complete and len(capped) == 3 and "max_equilibria=3" in capped.notes[0]


def test_backward_induction_refuses_imperfect_information():
    with pytest.raises(InputError, match="needs perfect information"):
        backward_induction(game("reiley2008_poker.efg"))


def test_results_are_json_ready_and_readable():
    g = game("entry_deterrence.efg")
    bi, spe = backward_induction(g), subgame_perfect_equilibria(g)
    for result in (bi, spe):
        json.dumps(result.to_dict())
        assert "_repr_html_" in dir(result) and result._repr_html_()
    assert bi.to_dict()["equilibria"][0]["choices"] == {"Entrant": "In", "Incumbent": "Accommodate"}
    assert "In > Accommodate" in str(bi) and "(subgame perfect)" in str(spe)


# ----------------------------------------------------------------------------- chance and imperfect information
@pytest.mark.parametrize("name", ["reiley2008_poker.efg", "myerson_poker.efg"])
def test_one_card_poker_value_one_third(name):
    result = subgame_perfect_equilibria(game(name))
    (eq,) = result.nash.equilibria
    # Gambit's tests/test_nash.py (enummixed, lp): (1/3, 2/3, 0, 0) and (2/3, 1/3) in Gambit's order
    assert np.allclose(eq.row, [1 / 3, 2 / 3, 0, 0]) and np.allclose(eq.col, [2 / 3, 1 / 3])
    assert eq.payoffs[0] == pytest.approx(1 / 3)
    assert result.nash_subgame_perfect == (True,)
    (spe,) = result.subgame_perfect
    assert np.allclose(spe.behavior[2], [1 / 3, 2 / 3]) and np.allclose(spe.behavior[1], [2 / 3, 1 / 3])


def test_kuhn_poker_value_and_gambits_strategy_order():
    g = game("kuhn_poker.efg")
    nf = reduced_normal_form(g)
    assert nf.A.shape == (27, 64) and np.allclose(nf.A, -nf.B)
    # Gambit's lp_solve equilibrium (tests/games.py: kuhn_poker_lp_mixed_strategy_prof), in Gambit's order
    x, y = np.zeros(27), np.zeros(64)
    x[[2, 4, 19]] = [6 / 15, 7 / 15, 2 / 15]
    y[[12, 14, 28]] = 1 / 3
    assert max(regrets(nf.A, nf.B, x, y)) < 1e-12
    assert x @ nf.A @ y == pytest.approx(-1 / 18)  # Kuhn (1950): the first player's value


@pytest.mark.slow
def test_kuhn_poker_equilibria_have_the_published_value():
    result = subgame_perfect_equilibria(game("kuhn_poker.efg"))
    assert result.nash.equilibria and all(e.payoffs[0] == pytest.approx(-1 / 18) for e in result.nash)
    assert result.subgame_perfect and all(e.payoffs[0] == pytest.approx(-1 / 18) for e in result.subgame_perfect)


def test_entry_accommodation_as_gambits_tests_publish():
    result = subgame_perfect_equilibria(game("entry_accommodation.efg"))
    # Gambit tests/test_nash.py (lcp_solve, behaviour): [[2/3, 1/3], [1, 0], [1, 0]], [[2/3, 1/3]]
    (spe,) = result.subgame_perfect
    g = game("entry_accommodation.efg")
    by_player = [[spe.behavior[h] for h, s in enumerate(g.infosets) if s.player == p] for p in range(2)]
    assert np.allclose(by_player[0], [[2 / 3, 1 / 3], [1, 0], [1, 0]]) and np.allclose(by_player[1], [[2 / 3, 1 / 3]])
    assert result.subgames == 3 and sum(result.nash_subgame_perfect) == 1


def test_myerson_figure_4_2_agent_equilibrium_is_not_nash():
    g = game("myerson1991_fig4_2.efg")
    nf = reduced_normal_form(g)
    assert nf.actions[0] == ("A1.Y1", "A1.Z1", "B1.*")  # B1 makes player 1's second set unreachable
    b1z1 = nf.actions[0].index("B1.*")
    w2 = nf.actions[1].index("W2")
    x, y = np.eye(len(nf.actions[0]))[b1z1], np.eye(2)[w2]
    assert regrets(nf.A, nf.B, x, y)[0] > 0  # player 1 gains by (A1, Y1)
    a1y1 = nf.actions[0].index("A1.Y1")
    assert nf.A[a1y1, w2] > nf.A[b1z1, w2]


def test_without_perfect_recall_only_nash_is_reported():
    nodes = [Node("decision", 0, 0, (1, 2)), Node("decision", 0, 1, (3, 4)), Node("decision", 0, 1, (5, 6))] + [
        Node("terminal", payoffs=(v, -v)) for v in (1, 0, 0, 2)]
    g = ExtensiveGame("forget", ("a", "b"), nodes, [InfoSet(0, ("L", "R"), (0,)), InfoSet(0, ("l", "r"), (1, 2))])
    result = subgame_perfect_equilibria(g)
    assert not result.perfect_recall and result.subgame_perfect == () and "no perfect recall" in result.notes[1]
    assert result.nash.equilibria


def test_three_players_need_perfect_information():
    g = ExtensiveGame("three", ("a", "b", "c"), [Node("decision", 0, 0, (1, 2)), Node("terminal", payoffs=(1, 2, 3)),
                                                   Node("terminal", payoffs=(3, 2, 1))], [InfoSet(0, ("x", "y"), (0,))])
    assert backward_induction(g)[0].actions == ("y",)
    with pytest.raises(InputError, match="two players"):
        subgame_perfect_equilibria(g)


# ----------------------------------------------------------------------------- properties
@st.composite
def perfect_information_trees(draw):
    """Random trees of perfect information with chance moves, small integer payoffs (ties happen)."""
    nodes: list[dict] = [{}]
    sets: list[InfoSet] = []
    frontier = [(0, 0)]
    while frontier:
        i, depth = frontier.pop(0)
        kind = "terminal" if depth >= 3 or len(nodes) > 20 else draw(st.sampled_from(["decision", "decision", "chance",
                                                                                       "terminal"]))
        if kind == "terminal" and i == 0:
            kind = "decision"
        if kind == "terminal":
            nodes[i] = {"kind": kind, "payoffs": tuple(draw(st.integers(-3, 3)) for _ in range(2))}
            continue
        k = draw(st.integers(1, 3))
        children = tuple(range(len(nodes), len(nodes) + k))
        nodes.extend({} for _ in children)
        frontier.extend((c, depth + 1) for c in children)
        if kind == "chance":
            weights = [draw(st.integers(1, 3)) for _ in children]
            nodes[i] = {"kind": kind, "children": children, "probs": tuple(F(w, sum(weights)) for w in weights),
                        "actions": tuple(f"c{j}" for j in range(k))}
        else:
            player = draw(st.integers(0, 1))
            nodes[i] = {"kind": kind, "player": player, "infoset": len(sets), "children": children}
            sets.append(InfoSet(player, tuple(f"a{j}" for j in range(k)), (i,)))
    return ExtensiveGame("random", ("a", "b"), [Node(**n) for n in nodes], sets)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(perfect_information_trees())
def test_backward_induction_gives_nash_equilibria_of_the_normal_form(g):
    result = backward_induction(g, max_equilibria=8)
    assert result.equilibria
    nf = reduced_normal_form(g)
    spe = subgame_perfect_equilibria(g, max_equilibria=8)
    for eq in result:
        # the solution is exact (fractions); its check runs in floats, so chance probabilities such as
        # 2/5 and 3/5 can leave a regret of an ulp (4.4e-17 on one drawn tree), never a real gain
        assert eq.regret <= 1e-12
        # the pure SPE as reduced strategies: a Nash equilibrium of the normal form with the same payoffs
        x, y = (np.isclose(_image(g, p, eq.choices), 1).astype(float) for p in range(2))
        assert x.sum() == 1 and y.sum() == 1
        assert max(regrets(nf.A, nf.B, x, y)) < 1e-9
        assert np.allclose([x @ nf.A @ y, x @ nf.B @ y], eq.payoffs)
    assert len(spe.subgame_perfect) == len(result) or not result.complete
    assert {e.payoffs for e in spe.subgame_perfect} <= {tuple(float(v) for v in e.payoffs) for e in result} or \
        not result.complete


def _image(g, player, choices):
    from sim.stage.reduced_form import reduced_strategies

    rs = reduced_strategies(g, player)
    return np.array([all(a < 0 or a == choices[h] for h, a in zip(rs.infosets, row)) for row in rs.choices], dtype=float)


# ----------------------------------------------------------------------------- pygambit, when installed
@pytest.mark.parametrize("name", ["reiley2008_poker.efg", "entry_accommodation.efg", "cent2.efg", "centipede4.efg",
                                  "kuhn_poker.efg"])
def test_pygambit_reads_our_files_and_agrees(name, tmp_path):
    gbt = pytest.importorskip("pygambit")
    ours = game(name)
    write_efg(ours, tmp_path / "ours.efg")
    theirs = gbt.read_efg(str(tmp_path / "ours.efg"))
    players = list(theirs.players)
    assert len(players) == ours.n_players and len(list(theirs.nodes)) == len(ours.nodes)
    nf = reduced_normal_form(ours)
    assert [len(list(p.strategies)) for p in players] == list(nf.A.shape)
    result = gbt.nash.lcp_solve(theirs, rational=False, use_strategic=True)
    assert result.equilibria
    for profile in result.equilibria:
        x = np.array([float(profile[s]) for s in players[0].strategies])
        y = np.array([float(profile[s]) for s in players[1].strategies])
        assert max(regrets(nf.A, nf.B, x, y)) < 1e-6  # their equilibrium, our normal form: same game, same order
