"""The N-player report the ``solve`` command prints (the hook it calls for files of 3+ players)."""

from __future__ import annotations

import json

import click
from click.testing import CliRunner

from sim.cli.nplayer_solve import nplayer_report, solve_nplayer
from sim.model.nplayer import NormalFormGame
from tests.stage.test_nplayer_analyses import public_goods
from tests.stage.test_nplayer_equilibria import MCKELVEY_MCLENNAN, nfg_outcomes


def mm_game() -> NormalFormGame:
    g = nfg_outcomes(MCKELVEY_MCLENNAN, (2, 2, 2))
    return NormalFormGame.from_arrays(g.payoffs, player_ids=["us", "china", "brazil"],
                                      actions=[["low", "high"]] * 3, name="mm", units="USD bn")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def tiny_solve(fmt):
    solve_nplayer(mm_game(), fmt=fmt, max_seconds=10, extra={"invocation": {"command": "solve"}})


def test_json_report_through_a_click_command():
    out = CliRunner().invoke(tiny_solve, ["--format", "json"])
    assert out.exit_code == 0, out.output
    d = json.loads(out.output)
    assert d["complete"] is True and d["method"] == "support-exact" and len(d["equilibria"]) == 9
    first = d["equilibria"][0]
    assert first["strategies"] == {"us": {"low": 1.0}, "china": {"low": 1.0}, "brazil": {"low": 1.0}}
    assert first["payoffs"] == {"us": 9.0, "china": 8.0, "brazil": 12.0}
    assert d["invocation"] == {"command": "solve"}
    assert [p["id"] for p in d["players"]] == ["us", "china", "brazil"]
    assert d["correlated"]["ce"]["value"] == 29.0
    assert d["qre"]["limit"] is not None
    assert {tuple(c["profile"].values()): c["strong"] for c in d["coalitions"]} == {
        ("low", "low", "low"): True, ("low", "high", "high"): False, ("high", "low", "high"): False,
        ("high", "high", "low"): True}


def test_text_report(capsys):
    solve_nplayer(mm_game(), fmt="text", max_seconds=10)
    text = capsys.readouterr().out
    assert "3 players, 2 x 2 x 2 = 8 profiles" in text
    assert "Nash equilibria: 9 found by support-exact (complete" in text
    assert "us: low 0.5, high 0.5; china: low 0.4, high 0.6; brazil: low 0.25, high 0.75" in text
    assert "Security levels" in text and "us: maxmin 1.500" in text
    assert "Correlated equilibrium, welfare-maximising: total 29.000" in text
    assert "Logit QRE branch" in text
    assert "china+brazil -> china: low, brazil: low" in text


def test_report_of_public_goods_says_dominance_and_coalitions():
    r = nplayer_report(public_goods(), max_seconds=10)
    assert r["dominance"]["solved"] and len(r["equilibria"]) == 1
    (c,) = r["coalitions"]
    assert c["coalition_proof"] is True and c["strong"] is False
