"""Gambit files: reading Gambit's own games, round trips, scenario documents, and malformed files."""

from __future__ import annotations

import os
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest

import sim.model.gambit as gambit
from sim.errors import InputError, ScenarioError
from sim.model.gambit import (
    NormalForm,
    efg_text,
    nfg_document,
    nfg_text,
    parse_efg,
    parse_nfg,
    player_ids,
    read_efg,
    read_game,
    read_nfg,
    write_efg,
    write_nfg,
)
from sim.model.game import StageGame, build_game
from sim.model.load import scenario_from_dict
from tests.stage.test_equilibria import STENGEL_A, STENGEL_B

DATA = Path(__file__).resolve().parents[1] / "data" / "gambit"
EFG_FILES = sorted(p.name for p in DATA.glob("*.efg"))
NFG_FILES = sorted(p.name for p in DATA.glob("*.nfg") if p.name != "2x2x2.nfg")  # two players (three: tests/cli)


def stage_of(path: Path) -> StageGame:
    return build_game(scenario_from_dict(nfg_document(path), source=str(path)), source=str(path))


# ----------------------------------------------------------------------------- reading Gambit's files
def test_the_outcome_version_of_nfg():
    game = read_nfg(DATA / "pd.nfg")
    assert game.players == ("Player 1", "Player 2") and game.strategies == (("1", "2"), ("1", "2"))
    assert np.array_equal(game.payoffs[0], [[9, 0], [10, 1]]) and np.array_equal(game.payoffs[1], [[9, 10], [0, 1]])


def test_the_payoff_version_of_nfg_in_gambits_order():
    game = read_nfg(DATA / "vonstengel1999_75eq.nfg")
    assert game.shape == (6, 6) and game.comment.startswith("The example from")
    assert np.array_equal(game.payoffs[0], STENGEL_A) and np.array_equal(game.payoffs[1], STENGEL_B)


def test_counts_only_give_numbered_strategies_and_three_players_keep_their_axes():
    # the sample of Gambit's documentation (formats.nfgpay.rst), and a 2x2x2 table
    g = parse_nfg('NFG 1 R "Selten (IJGT, 75), Figure 2, normal form"\n{ "Player 1" "Player 2" } { 3 2 }\n\n'
                  "1 1 0 2 0 2 1 1 0 3 2 0\n")
    assert g.strategies == (("1", "2", "3"), ("1", "2"))
    assert np.array_equal(g.payoffs[0], [[1, 1], [0, 0], [0, 2]]) and np.array_equal(g.payoffs[1], [[1, 1], [2, 3], [2, 0]])
    values = " ".join(f"{k} {10 + k} {20 + k}" for k in range(8))
    h = parse_nfg(f'NFG 1 R "three" {{ "a" "b" "c" }} {{ 2 2 2 }} {values}')
    assert h.payoffs[0][1, 0, 1] == 5 and h.payoffs[2][1, 1, 1] == 27  # profile index = i + 2 j + 4 k


def test_the_extensive_form_of_gambits_poker():
    g = read_efg(DATA / "myerson_poker.efg")
    assert g.players == ("Alice", "Bob") and g.nodes[0].kind == "chance"
    assert g.nodes[0].probs == (F(1, 2), F(1, 2)) and g.nodes[0].actions == ("King", "Queen")
    assert [h.actions for h in g.infosets] == [("Raise", "Fold"), ("Meet", "Pass"), ("Raise", "Fold")]
    assert len(g.infosets[1].nodes) == 2 and g.perfect_recall and not g.perfect_information
    assert g.nodes[3].payoffs == (2, -2) and g.nodes[3].label == "Alice wins big"  # the outcome's name


def test_outcomes_at_inner_nodes_add_up_and_labels_are_made_distinct():
    g = parse_efg('EFG 2 R "staged" { "A" "" }\n'
                  'p "" 1 1 "" { "" "x" "x" } 1 "ante" { -1, -1 }\n'
                  't "" 2 "" { 3, 1/2 }\n'
                  't "" 0\n'
                  't "" 2\n')
    assert g.players == ("A", "Player 2")
    assert g.infosets[0].actions == ("1", "x_1", "x_2")
    assert [g.nodes[i].payoffs for i in (1, 2, 3)] == [(2, F(-1, 2)), (-1, -1), (2, F(-1, 2))]


def test_escaped_quotes_and_rationals():
    g = parse_efg('EFG 2 R "An example of a \\"Bayesian game\\"" { "P1" }\n'
                  'c "" 1 "" { "a" .25 "b" 3/4 } 0\nt "" 1 "" { 1.5e2 }\nt "" 2 "" { -7/2 }\n')
    assert g.name == 'An example of a "Bayesian game"'
    assert g.nodes[0].probs == (F(1, 4), F(3, 4)) and g.nodes[1].payoffs == (150,) and g.nodes[2].payoffs == (F(-7, 2),)


@pytest.mark.parametrize("name", EFG_FILES)
def test_every_bundled_efg_reads(name):
    g = read_game(DATA / name)
    assert len(g.nodes) >= 5 and g.terminals


# ----------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("name", EFG_FILES)
def test_efg_round_trip(name, tmp_path):
    g = read_efg(DATA / name)
    write_efg(g, tmp_path / "out.efg")
    again = read_efg(tmp_path / "out.efg")
    assert again == g
    assert all(type(v) is type(w) for a, b in zip(g.nodes, again.nodes) for v, w in zip(a.payoffs, b.payoffs))


@pytest.mark.parametrize("name", NFG_FILES)
def test_nfg_round_trip_through_a_scenario(name, tmp_path):
    game = stage_of(DATA / name)
    write_nfg(game, tmp_path / "out.nfg")
    again = stage_of(tmp_path / "out.nfg")
    assert np.array_equal(again.A, game.A) and np.array_equal(again.B, game.B)
    assert again.actions == game.actions and again.player_names == game.player_names and again.name == game.name


def test_nfg_round_trip_of_floats_labels_and_three_players(tmp_path):
    A = np.array([[0.1, -2.5e-7], [1 / 3, 1e11]])
    game = StageGame.from_matrices(A, -A.T.T, actions=(("Co-operate", 'say "no"'), ("x", "y")), name="floats")
    write_nfg(game, tmp_path / "f.nfg")
    back = read_nfg(tmp_path / "f.nfg")
    assert np.array_equal(back.payoffs[0], A) and back.strategies == (("Co-operate", 'say "no"'), ("x", "y"))
    three = NormalForm("t", ("a", "b", "c"), (("1", "2"), ("1",), ("u", "v", "w")),
                       tuple(np.arange(6.0).reshape(2, 1, 3) * (k + 1) for k in range(3)))
    again = parse_nfg(nfg_text(three))
    assert again.strategies == three.strategies and again.players == three.players
    assert all(np.array_equal(x, y) for x, y in zip(again.payoffs, three.payoffs, strict=True))


def test_a_written_efg_is_gambits_layout():
    text = efg_text(read_efg(DATA / "entry_deterrence.efg"))
    lines = text.splitlines()
    assert lines[0] == 'EFG 2 R "Entry deterrence: one stage of Selten\'s chain store game" { "Entrant" "Incumbent" }'
    body = lines[lines.index("") + 1:]
    assert body[:2] == ['p "" 1 1 "Entrant" { "Out" "In" } 0', 't "" 1 "Stays out" { 1 5 }']


def test_float_chance_probabilities_are_written_as_exact_rationals(tmp_path):
    from sim.model.tree import ExtensiveGame, Node

    g = ExtensiveGame("thirds", ("a",), [Node("chance", children=(1, 2, 3), probs=(1 / 3, 1 / 3, 1 / 3),
                                              actions=("x", "y", "z"))] + [Node("terminal", payoffs=(k,)) for k in range(3)], [])
    assert '"x" 1/3 "y" 1/3 "z" 1/3' in efg_text(g)


# ----------------------------------------------------------------------------- scenario documents
def test_nfg_document_is_a_matrix_game_scenario():
    doc = nfg_document(DATA / "2x2.nfg")
    assert doc["players"] == {"player_1": {"name": "Player 1", "actions": ["1", "2"]},
                              "player_2": {"name": "Player 2", "actions": ["1", "2"]}}
    game = stage_of(DATA / "2x2.nfg")
    from sim.stage.equilibria import nash_equilibria

    (eq,) = nash_equilibria(game).equilibria
    assert np.allclose(eq.row, [0.5, 0.5]) and np.allclose(eq.col, [1 / 3, 2 / 3])


def test_player_ids_are_identifiers_the_payoff_language_allows():
    assert player_ids(["Player 1", "1", "Alice", "alice", "min", ""]) == ("player_1", "p1", "alice", "alice_2", "min_",
                                                                          "p6")


def test_a_three_player_nfg_is_a_three_player_scenario_and_nine_players_are_refused(tmp_path):
    path = tmp_path / "three.nfg"
    path.write_text('NFG 1 R "t" { "a" "b" "c" } { 1 1 1 } 1 2 3\n')
    assert nfg_document(path)["payoffs"] == {"a": [[[1.0]]], "b": [[[2.0]]], "c": [[[3.0]]]}
    nine = tmp_path / "nine.nfg"
    nine.write_text('NFG 1 R "t" { "a" "b" "c" "d" "e" "f" "g" "h" "i" } { 1 1 1 1 1 1 1 1 1 } 1 2 3 4 5 6 7 8 9\n')
    with pytest.raises(ScenarioError, match=r"nine.nfg: has 9 players; tradesim's games have 2 to 8"):
        nfg_document(nine)


# ----------------------------------------------------------------------------- malformed files
HEADER = 'NFG 1 R "g" { "P1" "P2" } { 2 2 }\n'
EFG = 'EFG 2 R "g" { "P1" "P2" }\n'
MALFORMED = [
    pytest.param("a.nfg", HEADER + "1 1 2 2 3 3\n4", 3, "expected 8 payoffs (4 profiles x 2 players), the file ends "
                 "after 7", id="nfg-truncated"),
    pytest.param("a.nfg", HEADER + "1 1 2 2 3 3 4 4 5", 2, "more payoffs than", id="nfg-too-many"),
    pytest.param("a.nfg", HEADER + "1 1 2 x 3 3 4 4", 2, "got 'x'", id="nfg-non-numeric"),
    pytest.param("a.nfg", 'NFG 1 R "g" { "P1" "P2" } { 2 }\n1 1', 1, "expected the number of strategies of P2",
                 id="nfg-wrong-counts"),
    pytest.param("a.nfg", 'NFG 1 R "g" { "P1" "P2" } { { "a" "b" } }\n1 1', 1, "expected the strategies of P2",
                 id="nfg-missing-labels"),
    pytest.param("a.nfg", 'NFG 1 R "g" { "P1" } { 2 } { { "" 1 } } 1 2', 1, "outcome number of profile 2 2 is out "
                 "of range", id="nfg-outcome-index"),
    pytest.param("a.nfg", 'NFG 1 R "g" { "P1" } { 2 } { { "" 1 2 } } 1 1', 1, "expected 1 payoffs (one per player) "
                 "for outcome 1, got 2", id="nfg-outcome-payoffs"),
    pytest.param("a.nfg", 'NFG 1 R "g" { "P1" "P2" } { 100000 100000 }\n', 1, "is more than the limit",
                 id="nfg-huge-before-allocating"),
    pytest.param("a.nfg", 'NFG 2 R "g" { "P1" } { 1 } 1', 1, "expected version 1 after NFG", id="nfg-version"),
    pytest.param("a.nfg", 'EFG 2 R "g" { "P1" } { 1 } 1', 1, "expected NFG at the start", id="nfg-wrong-kind"),
    pytest.param("a.nfg", 'NFG 1 R "g { "P1" } { 1 } 1', 1, "expected '{' opening the player names", id="nfg-quote"),
    pytest.param("a.nfg", 'NFG 1 R "unclosed { 1 } 1', 1, "never closed", id="unclosed-quote"),
    pytest.param("a.nfg", HEADER + "1 1 2 2 3 3 4 1e999", 2, "exponent", id="huge-exponent"),
    pytest.param("a.nfg", HEADER + "1 1 2 2 3 3 4 1/0", 2, "divides by zero", id="division-by-zero"),
    pytest.param("a.nfg", HEADER + "1 1 2 2 3 3 4 2e12", 2, "beyond ±1e+12", id="payoff-too-large"),
    pytest.param("g.efg", EFG + 'p "" 1 1 "" { "a" "b" } 0\nt "" 1 "" { 1, 2 }\nt "" 2 "" { 3 }\n', 4,
                 "expected 2 payoffs (one per player) for outcome 2, got 1", id="efg-payoff-count"),
    pytest.param("g.efg", EFG + 'p "" 1 1 "" { "a" "b" } 0\nt "" 1 "" { 1, 2 }\n', 3,
                 "the file ends inside the tree: node 1 (line 2) still needs 1 more children", id="efg-truncated"),
    pytest.param("g.efg", EFG + 'c "" 1 "" { "h" 1/2 "t" 1/3 } 0\nt "" 1 "" { 1, 2 }\nt "" 2 "" { 3, 4 }\n', 2,
                 "chance probabilities sum to 5/6, not 1", id="efg-chance-sum"),
    pytest.param("g.efg", EFG + 'c "" 1 "" { "h" 3/2 "t" -1/2 } 0\nt "" 1 "" { 1, 2 }\nt "" 2 "" { 3, 4 }\n', 2,
                 "negative", id="efg-chance-negative"),
    pytest.param("g.efg", EFG + 'p "" 1 1 0\nt "" 1 "" { 1, 2 }\n', 2, "used before it is declared",
                 id="efg-undeclared-infoset"),
    pytest.param("g.efg", EFG + 'p "" 3 1 "" { "a" } 0\nt "" 1 "" { 1, 2 }\n', 2, "the player number 3 is out of "
                 "range (from 1 to 2)", id="efg-player-number"),
    pytest.param("g.efg", EFG + 'p "" 1 1 "" { "a" "b" } 0\np "" 1 1 "" { "a" } 0\nt "" 1 "" { 1, 2 }\n'
                 't "" 2 "" { 1, 2 }\n', 3, "declared again with other actions", id="efg-infoset-redeclared"),
    pytest.param("g.efg", EFG + 'p "" 1 1 "" { "a" "b" } 0\nt "" 1 "" { 1, 2 }\nt "" 1 "" { 1, 3 }\n', 4,
                 "outcome 1 is declared again", id="efg-outcome-redeclared"),
    pytest.param("g.efg", EFG + 'p "" 1 1 "" { "a" "b" } 0\nt "" 0 "x" { 1, 2 }\nt "" 0\n', 3,
                 "null outcome", id="efg-null-outcome"),
    pytest.param("g.efg", EFG + 't "" 1 "" { 1, 2 }\nt "" 2 "" { 1, 2 }\n', 3, "unexpected 't' after the last node",
                 id="efg-trailing"),
    pytest.param("g.efg", EFG + 'x "" 1 "" { 1, 2 }\n', 2, "expected a node: c (chance), p (player) or t",
                 id="efg-node-kind"),
    pytest.param("g.efg", EFG + 'p "" 1 1 "" { "a" "b" } 0\np "" 1 1 0\nt "" 1 "" { 1, 2 }\nt "" 2 "" { 1, 2 }\n'
                 't "" 3 "" { 1, 2 }\n', 3, "lies on the path to node", id="efg-absent-minded"),
]


@pytest.mark.parametrize("name, text, line, words", MALFORMED)
def test_malformed_files_are_one_line_naming_file_and_line(tmp_path, name, text, line, words):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        read_game(path)
    message = str(info.value)
    assert message.startswith(f"{path}: line {line}: "), message
    assert words in message and "\n" not in message, message


def test_size_cap_and_non_files(tmp_path, monkeypatch):
    path = tmp_path / "big.nfg"
    path.write_text(HEADER + "1 " * 200)
    monkeypatch.setattr(gambit, "MAX_GAMBIT_BYTES", 100)
    with pytest.raises(ScenarioError, match="larger than the limit of 100 bytes"):
        read_nfg(path)
    with pytest.raises(ScenarioError, match="no such file"):
        read_efg(tmp_path / "missing.efg")
    with pytest.raises(InputError, match="not a Gambit game file"):
        read_game(tmp_path / "game.txt")


def test_writing_is_atomic_and_refuses_what_gambit_cannot_hold(tmp_path):
    game = StageGame.from_matrices([[1]], [[2]], actions=(("ends with \\",), ("x",)))
    target = tmp_path / "out.nfg"
    with pytest.raises(InputError, match="backslash"):
        write_nfg(game, target)
    assert not target.exists() and os.listdir(tmp_path) == []
    with pytest.raises(InputError, match="does not exist"):
        write_efg(read_efg(DATA / "centipede4.efg"), tmp_path / "no" / "dir.efg")


def test_pygambit_reads_our_nfg_as_we_wrote_it(tmp_path):
    gbt = pytest.importorskip("pygambit")
    A = np.array([[0.1, -2.5e-7, 3], [1 / 3, 1e11, F(7, 2)]], dtype=float)
    game = StageGame.from_matrices(A, -2 * A, actions=(('Co-operate', 'say "no"'), ("x", "y", "z")), name="check")
    write_nfg(game, tmp_path / "ours.nfg")
    theirs = gbt.read_nfg(str(tmp_path / "ours.nfg"))
    players = list(theirs.players)
    assert [s.label for s in players[0].strategies] == ["Co-operate", 'say "no"']
    arrays = [np.array(x, dtype=float) for x in theirs.to_arrays()]
    assert np.array_equal(arrays[0], A) and np.array_equal(arrays[1], -2 * A)
