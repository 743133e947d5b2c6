"""`tradesim stability`: look-ahead (GMCR) stability of the truce and the stage equilibria."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.stage.stability import stability
from sim.stage.stability_game import graph_model, profile_state
from tests.conftest import LEVER_GAME, SCENARIOS

US_CHINA = str(LEVER_GAME)


def run(*args: str):
    return CliRunner().invoke(main, ["stability", *args])


def test_json_matches_the_library(us_china_game):
    result = run(US_CHINA, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    want = stability(graph_model(us_china_game))
    assert [s["name"] for s in data["states"]] == ["the truce", "the stage equilibrium"]
    truce = data["states"][0]
    s = profile_state(us_china_game, us_china_game.cooperative)
    for p, pid in enumerate(us_china_game.player_ids):
        for concept in ("nash", "gmr", "smr", "seq"):
            assert truce["stable"][pid][concept] == want.is_stable(p, s, concept)
    assert {c: e["count"] for c, e in data["equilibria"].items()} == {c: len(e) for c, e in want.equilibria.items()}
    assert data["irreversible"] == {} and data["moves"] == "action" and data["payoffs"] == "political"
    seq = next(r for r in truce["reasons"] if r["player"] == "china" and r["concept"] == "seq")
    assert seq["stable"] and seq["payoffs"]["sanction"]["china"] < seq["payoffs"]["state"]["china"]


def test_text_reports_the_truce_in_words():
    result = run(US_CHINA)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "the truce is sequentially stable for china: its improvement to" in out
    assert "and that counter-move pays for us (+" in out
    assert "Equilibria of the graph model (of 864 profiles):" in out
    assert "Irreversible: none marked" in out


def test_a_state_given_by_levers_keeps_the_truce_elsewhere():
    result = run(US_CHINA, "--state", "china.rare_earths=October controls, us.tariff=peak", "--format", "json")
    assert result.exit_code == 0, result.output
    (state,) = json.loads(result.stdout)["states"]
    assert state["profile"] == {"us": "tariff=peak, tech=suspended, port_fees=suspended",
                                "china": "rare_earths=October controls, soybeans=25 MMT, tariff=truce, "
                                         "fentanyl=enforce"}
    both = json.loads(run(US_CHINA, "--state", "china.fentanyl=lax", "--cooperative", "--format", "json").stdout)
    assert [s["name"] for s in both["states"]] == ["the truce", "the given profile"]


def test_one_concept_and_one_lever_moves(us_china_game):
    data = json.loads(run(US_CHINA, "--concept", "seq", "--moves", "lever", "--format", "json").stdout)
    want = stability(graph_model(us_china_game, moves="lever"))
    assert data["concepts"] == ["seq"] and list(data["equilibria"]) == ["seq"]
    assert data["equilibria"]["seq"]["count"] == len(want.equilibria["seq"])
    assert all(r["concept"] == "seq" for s in data["states"] for r in s["reasons"])


def test_prisoners_dilemma_equilibria():
    data = json.loads(run(str(SCENARIOS / "prisoners_dilemma.toml"), "--format", "json").stdout)
    got = {c: [f"{p['row']}{p['col']}" for p in e["profiles"]] for c, e in data["equilibria"].items()}
    assert got == {"nash": ["DD"], "gmr": ["CC", "DD"], "smr": ["CC", "DD"], "seq": ["CC", "DD"]}


def test_irreversible_marks_are_honoured_and_can_be_ignored(write_scenario):
    text = LEVER_GAME.read_text(encoding="utf-8").replace(
        "[players.china.levers.rare_earths]\n", '[players.china.levers.rare_earths]\nirreversible = ["October controls"]\n')
    text = text.replace("[players.us.levers.tariff]\n", "[players.us.levers.tariff]\nirreversible = true\n")
    path = str(write_scenario(text))
    out = run(path).stdout
    assert "Irreversible: us.tariff only rises; china.rare_earths cannot leave October controls" in out
    marked = json.loads(run(path, "--format", "json").stdout)
    free = json.loads(run(path, "--ignore-irreversible", "--format", "json").stdout)
    assert marked["irreversible"] == {"us": {"tariff": True}, "china": {"rare_earths": ["October controls"]}}
    assert free["irreversible"] == {}
    counts = lambda d: [d["equilibria"][c]["count"] for c in ("nash", "gmr", "smr", "seq")]  # noqa: E731
    assert counts(marked) != counts(free)


@pytest.mark.parametrize("args, message", [
    (["--state", "china.rare_earths=Oct"], "--state"),
    (["--state", "eu.tariff=peak"], "expected PLAYER.LEVER=LEVEL items (players: us, china)"),
    (["--state", "us=peak"], "us has several levers"),
    (["--state", ","], "name at least one"),
    (["--concept", "nash2"], "--concept"),
], ids=["bad-level", "bad-player", "lone-level", "empty", "bad-concept"])
def test_bad_input_is_one_line_naming_the_option(args, message):
    result = run(US_CHINA, *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and message in result.stderr and result.stderr.count("\n") == 1


def test_help_teaches_the_concepts():
    result = run("--help")
    assert result.exit_code == 0
    for line in ("nash  Nash stable", "gmr   generally metarational", "smr   symmetrically metarational",
                 "seq   sequentially stable"):
        assert line in result.stdout
