"""The extensive-form game: structure, properties, and every malformed tree refused with its key."""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction as F

import pytest

from sim.errors import InputError
from sim.model.tree import MAX_NODES, ExtensiveGame, InfoSet, Node, TreeError

D, C, T = "decision", "chance", "terminal"


def entry_game(**changes) -> ExtensiveGame:
    """Selten's chain-store stage: Out (1, 5); In then Fight (0, 0) or Accommodate (2, 2)."""
    parts = dict(
        name="entry", players=("entrant", "incumbent"),
        nodes=[Node(D, 0, 0, (1, 2)), Node(T, payoffs=(1, 5)), Node(D, 1, 1, (3, 4)),
               Node(T, payoffs=(0, 0)), Node(T, payoffs=(2, 2))],
        infosets=[InfoSet(0, ("Out", "In"), (0,)), InfoSet(1, ("Fight", "Accommodate"), (2,))],
    )
    parts.update(changes)
    return ExtensiveGame(**parts)


def forgetful_game() -> ExtensiveGame:
    """Player 0 chooses L/R, then at one information set cannot recall which (no perfect recall)."""
    nodes = [Node(D, 0, 0, (1, 2)), Node(D, 0, 1, (3, 4)), Node(D, 0, 1, (5, 6))] + [
        Node(T, payoffs=(v, -v)) for v in (1, 0, 0, 2)]
    return ExtensiveGame("forget", ("a", "b"), nodes, [InfoSet(0, ("L", "R"), (0,)), InfoSet(0, ("l", "r"), (1, 2))])


def test_structure_of_a_perfect_information_game():
    g = entry_game()
    assert g.n_players == 2 and g.depth == 2 and g.perfect_information and g.perfect_recall
    assert g.path(4) == ("In", "Accommodate") and g.path(0) == ()
    assert g.parent(3) == 2 and g.parent(0) is None
    assert g.terminals == (1, 3, 4) and g.preorder == (0, 1, 2, 3, 4)
    assert g.subgame_roots == (0, 2)
    assert g.infoset_names == ("entrant at the root", "incumbent after In")
    assert g.is_ancestor(0, 4) and not g.is_ancestor(1, 4)
    d = json.loads(json.dumps(g.to_dict()))
    assert d["nodes"][4]["payoffs"] == {"entrant": 2.0, "incumbent": 2.0} and d["subgames"] == 2
    assert "perfect information" in str(g) and "5 nodes" in str(g)


def test_perfect_recall_is_reported_not_required():
    g = forgetful_game()
    assert not g.perfect_recall and not g.perfect_information
    assert g.subgame_roots == (0,)  # the two-node set straddles both subtrees
    assert "imperfect recall" in str(g)


def test_numbers_stay_exact_and_lists_become_tuples():
    g = ExtensiveGame("c", ("a",), [Node(C, children=[1, 2], probs=[F(1, 3), F(2, 3)], actions=["x", "y"]),
                                    Node(T, payoffs=[F(1, 2)]), Node(T, payoffs=[3])], [])
    assert g.nodes[0].probs == (F(1, 3), F(2, 3)) and isinstance(g.nodes[1].payoffs[0], F)
    assert g.nodes[0].children == (1, 2)
    assert g == dataclasses.replace(g)  # equality by value


def test_a_chance_game_whose_probabilities_are_floats_within_tolerance():
    third = 1 / 3
    g = ExtensiveGame("c", ("a",), [Node(C, children=(1, 2, 3), probs=(third, third, third), actions=("x", "y", "z")),
                                    *[Node(T, payoffs=(v,)) for v in (1, 2, 3)]], [])
    assert g.depth == 1


def _bad_nodes(**node_changes):
    def build():
        nodes = [Node(D, 0, 0, (1, 2)), Node(T, payoffs=(1, 5)), Node(D, 1, 1, (3, 4)), Node(T, payoffs=(0, 0)),
                 Node(T, payoffs=(2, 2))]
        for i, node in node_changes.items():
            nodes[int(i[1:])] = node
        return entry_game(nodes=nodes)
    return build


MALFORMED = [
    pytest.param(_bad_nodes(n2=Node(D, 1, 1, (3, 3))), "nodes.2.children", "child of both", id="not-a-tree"),
    pytest.param(_bad_nodes(n2=Node(D, 1, 1, (0, 4))), "nodes.2.children", "root", id="root-as-child"),
    pytest.param(_bad_nodes(n2=Node(D, 1, 1, (3, 9))), "nodes.2.children", "not a node id", id="child-out-of-range"),
    pytest.param(lambda: entry_game(nodes=[Node(D, 0, 0, (1, 2)), Node(T, payoffs=(1, 5)), Node(D, 1, 1, (3, 4)),
                                           Node(T, payoffs=(0, 0)), Node(T, payoffs=(2, 2)), Node(T, payoffs=(9, 9))]),
                 "nodes.5", "not reachable", id="unreachable"),
    pytest.param(_bad_nodes(n3=Node(T, payoffs=(0,))), "nodes.3.payoffs", "expected 2 payoffs", id="payoff-count"),
    pytest.param(_bad_nodes(n3=Node(T, payoffs=(0, float("nan")))), "nodes.3.payoffs", "finite", id="nan-payoff"),
    pytest.param(_bad_nodes(n3=Node(T, payoffs=(0, "x"))), "nodes.3.payoffs", "finite", id="text-payoff"),
    pytest.param(_bad_nodes(n3=Node(T, payoffs=(0, 1e13))), "nodes.3.payoffs", "finite", id="huge-payoff"),
    pytest.param(_bad_nodes(n3=Node("leaf", payoffs=(0, 0))), "nodes.3.kind", "unknown kind", id="kind"),
    pytest.param(lambda: entry_game(infosets=[InfoSet(0, ("Out", "In"), (0,)), InfoSet(1, ("F", "A", "W"), (2,))]),
                 "infosets.1.nodes", "has 2 children but the information set has 3", id="action-count"),
    pytest.param(_bad_nodes(n2=Node(D, 5, 1, (3, 4))), "nodes.2.player", "not a player", id="player-range"),
    pytest.param(_bad_nodes(n2=Node(C, children=(3, 4), probs=(0.5, 0.4), actions=("h", "t"))), "nodes.2.probs",
                 "sum to 0.9", id="chance-sum"),
    pytest.param(_bad_nodes(n2=Node(C, children=(3, 4), probs=(1.5, -0.5), actions=("h", "t"))), "nodes.2.probs",
                 ">= 0", id="chance-negative"),
    pytest.param(_bad_nodes(n2=Node(C, children=(3, 4), probs=(0.5, 0.5), actions=("h",))), "nodes.2.actions",
                 "expected 2 action labels", id="chance-labels"),
    pytest.param(lambda: entry_game(nodes=[Node(D, 0, 0, (1, 2)), Node(T, payoffs=(1, 5)), Node(D, 1, 0, (3, 4)),
                                           Node(T, payoffs=(0, 0)), Node(T, payoffs=(2, 2))],
                                    infosets=[InfoSet(0, ("Out", "In"), (0, 2))]),
                 "infosets.0.nodes", "mixes players", id="mixing-players"),
    pytest.param(lambda: entry_game(infosets=[InfoSet(0, ("Out", "Out"), (0,)),
                                              InfoSet(1, ("Fight", "Accommodate"), (2,))]),
                 "infosets.0.actions", "two actions are labelled 'Out'", id="duplicate-actions"),
    pytest.param(lambda: entry_game(infosets=[InfoSet(0, ("Out", "In\x1b]0;"), (0,)),
                                              InfoSet(1, ("Fight", "Accommodate"), (2,))]),
                 "infosets.0.actions", "control character", id="control-character"),
    pytest.param(lambda: entry_game(players=("a", "a")), "players", "distinct", id="players-distinct"),
    pytest.param(lambda: ExtensiveGame("x", ("a",), [Node(D, 0, 0, (1, 2)), Node(D, 0, 0, (3, 4)), Node(T, payoffs=(0,)),
                                                     Node(T, payoffs=(1,)), Node(T, payoffs=(2,))],
                                       [InfoSet(0, ("l", "r"), (0, 1))]),
                 "infosets.0.nodes", "lies on the path", id="absent-minded"),
    pytest.param(lambda: ExtensiveGame("x", ("a",), [Node(D, 0, 0, (1,)), Node(T, payoffs=(0,))], []),
                 "nodes.0.infoset", "not an information set", id="missing-infoset"),
]


@pytest.mark.parametrize("build, key, words", MALFORMED)
def test_malformed_trees_are_one_clear_error(build, key, words):
    with pytest.raises(TreeError) as info:
        build()
    assert isinstance(info.value, InputError)
    assert info.value.key == key and words in info.value.message, str(info.value)
    assert "\n" not in str(info.value)


def test_the_node_cap_is_refused_in_one_line():
    nodes = [Node(C, children=tuple(range(1, MAX_NODES + 1)), probs=(1.0,) + (0.0,) * (MAX_NODES - 1),
                  actions=tuple(str(k) for k in range(MAX_NODES)))] + [Node(T, payoffs=(0,))] * MAX_NODES
    with pytest.raises(TreeError, match="more than the limit"):
        ExtensiveGame("big", ("a",), nodes, [])


def test_a_deep_chain_needs_no_recursion():
    n = 5_000  # a chain of decisions, each with a stop: deeper than Python's recursion limit
    nodes, sets = [], []
    for k in range(n):  # decision 2k stops to terminal 2k + 1 or goes on to node 2k + 2
        nodes += [Node(D, k % 2, k, (2 * k + 1, 2 * k + 2)), Node(T, payoffs=(k, -k))]
        sets.append(InfoSet(k % 2, ("stop", "go"), (2 * k,)))
    g = ExtensiveGame("chain", ("a", "b"), nodes + [Node(T, payoffs=(0, 0))], sets)
    assert g.depth == n and len(g.subgame_roots) == n and g.path(2 * n) == ("go",) * n
