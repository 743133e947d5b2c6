"""``sim.analyse``: the whole one-shot analysis in one call, the same numbers as the analyses it
runs and as ``tradesim solve --format json``; its table, text, HTML and time budget."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import sim
from sim.cli import main
from sim.errors import InputError
from sim.repeated.analysis import Analysis, analyse
from sim.repeated.thresholds import truce_thresholds
from sim.stage.bargaining import kalai_smorodinsky, nash_bargaining
from sim.stage.equilibria import nash_equilibria
from tests.conftest import LEVER_GAME, SCENARIOS

#: Keys of solve's JSON before the facade existed; outside checks read them.
LEGACY_KEYS = ("equilibria", "degenerate", "method", "requested_method", "complete", "partial", "components", "tol",
               "parameters", "notes", "stats", "elapsed_seconds", "dominance", "game", "security", "pareto",
               "pareto_count", "bargaining", "correlated_equilibrium", "stackelberg", "stackelberg_mixed")
TIMINGS = ("elapsed_seconds", "stats", "budget")


def _game(name):
    return sim.build_game(sim.load_scenario(SCENARIOS / name))


def test_public_name_and_frozen_result():
    game = _game("prisoners_dilemma.toml")
    result = sim.analyse(game)
    assert sim.analyse is analyse and isinstance(result, Analysis)
    with pytest.raises(AttributeError):
        result.name = "other"  # frozen


@pytest.mark.parametrize("name", ["prisoners_dilemma.toml", "battle_of_the_sexes.toml", "chicken.toml"])
def test_the_numbers_are_those_of_the_analyses_it_runs(name):
    game = _game(name)
    result = analyse(game)
    eqs = nash_equilibria(game)
    assert len(result.equilibria) == len(eqs)
    for got, want in zip(result.equilibria, eqs, strict=True):
        assert got.payoffs == pytest.approx(want.payoffs)
    # the default disagreement point is the worst-for-both Nash payoff, as nash_bargaining's own default
    assert result.bargaining[0].point == pytest.approx(nash_bargaining(game).point)
    assert result.bargaining[1].point == pytest.approx(kalai_smorodinsky(game).point)
    assert result.thresholds.grim_nash == pytest.approx(truce_thresholds(game).grim_nash)
    assert result.complete and result.cut_short == {}


def test_textbook_answers():
    pd_result = analyse(_game("prisoners_dilemma.toml"))
    (only,) = pd_result.equilibria
    assert pd_result.to_dict()["equilibria"][0]["strategies"] == {"row": {"D": 1.0}, "col": {"D": 1.0}}
    assert only.payoffs == (1.0, 1.0)
    # grim trigger sustains (C, C) iff delta >= (T - R) / (T - P) = (5 - 3) / (5 - 1)
    assert pd_result.thresholds.grim_nash == pytest.approx((0.5, 0.5))
    bos = analyse(_game("battle_of_the_sexes.toml"))
    got = sorted(v for e in bos.equilibria for v in [e.payoffs])
    assert [v for pair in got for v in pair] == pytest.approx([2 / 3, 2 / 3, 1.0, 2.0, 2.0, 1.0])


def test_to_dict_is_what_solve_prints():
    res = CliRunner().invoke(main, ["solve", str(LEVER_GAME), "--format", "json", "--no-knife-edges"])
    assert res.exit_code == 0, res.output
    printed = json.loads(res.output)
    game = sim.build_game(sim.load_scenario(LEVER_GAME))
    mine = json.loads(json.dumps(analyse(game).to_dict(), default=str))
    for key in LEGACY_KEYS:
        assert key in printed and key in mine
    for key in mine:
        if key not in TIMINGS:
            assert printed[key] == mine[key], key
    assert printed["disagreement"] == "nash"
    assert printed["truce_thresholds"]["complete"] is True


def test_frame_is_tidy_and_carries_units():
    game = sim.build_game(sim.load_scenario(LEVER_GAME))
    result = analyse(game)
    frame = result.to_frame()
    assert list(frame.columns) == ["concept", "item", "strategy.us", "strategy.china", "value.us", "value.china",
                                   "unit", "status"]
    nash = frame[frame["concept"] == "Nash equilibrium"]
    assert len(nash) == len(result.equilibria)
    assert nash[["value.us", "value.china"]].values.ravel().tolist() == pytest.approx(
        [v for e in result.equilibria for v in e.payoffs])
    nb = frame[frame["concept"] == "Nash bargaining"].iloc[0]
    assert (nb["value.us"], nb["value.china"]) == pytest.approx(result.bargaining[0].point)
    assert "worst-for-both Nash equilibrium payoffs" in nb["item"]
    payoff_rows = frame[frame["concept"].isin(["Nash equilibrium", "Nash bargaining", "truce"])]
    assert set(payoff_rows["unit"]) == {"USD bn per year"}
    delta = frame[frame["concept"] == "critical discount factor"]
    assert set(delta["unit"]) == {"discount factor per quarter"} and len(delta) == 3
    assert set(frame["status"]) == {"complete"}


def test_text_and_html_use_labels():
    game = _game("battle_of_the_sexes.toml")
    result = analyse(game)
    text = str(result)
    assert "Nash equilibria: 3 by vertex (complete)" in text and "[Opera]" in text
    assert "array(" not in text
    html = result._repr_html_()
    assert "<table" in html and "Opera" in html and "Nash bargaining" in html
    assert repr(result).startswith("<Analysis of ")


def test_security_disagreement_and_bad_options():
    game = _game("chicken.toml")
    result = analyse(game, disagreement="security")
    assert result.bargaining[0].disagreement_source.startswith("security")
    assert result.bargaining[0].point == pytest.approx(nash_bargaining(game, "security").point)
    with pytest.raises(InputError, match="disagreement"):
        analyse(game, disagreement="worst")
    with pytest.raises(InputError, match="max_seconds"):
        analyse(game, max_seconds=0)


def test_threats_asked_for_are_checked():
    game = sim.build_game(sim.load_scenario(LEVER_GAME))
    result = analyse(game, threats=[(0, {"rare_earths": "October controls"}, {"tariff": "peak+100"})])
    (threat,) = result.threats
    want = sim.threat_check(game, 0, {"rare_earths": "October controls"}, {"tariff": "peak+100"})
    assert (threat.credible, threat.deterrent) == (want.credible, want.deterrent)
    assert result.to_dict()["threats"][0]["credible"] == want.credible
    assert "Threat: if china plays" in str(result)


def test_a_tiny_budget_on_a_large_game_says_what_it_cut(write_scenario):
    levels = ", ".join(str(k) for k in range(20))
    path = write_scenario(f"""
        [scenario]
        name = "Large"
        payoff_unit = "points"
        [players.a]
        name = "A"
        [players.a.levers.x]
        levels = [{levels}]
        [players.a.levers.y]
        levels = [{levels}]
        [players.a.payoff]
        u = "a.x * (10 - b.x) / 10 - 0.3 * a.y + sqrt(1 + a.y * b.y) - 0.01 * a.x * a.x"
        [players.b]
        name = "B"
        [players.b.levers.x]
        levels = [{levels}]
        [players.b.levers.y]
        levels = [{levels}]
        [players.b.payoff]
        u = "b.x * (10 - a.x) / 10 - 0.3 * b.y + sqrt(1 + a.y * b.y) - 0.02 * b.x * b.y"
        """)
    game = sim.build_game(sim.load_scenario(path))
    assert game.shape == (400, 400)
    steps = []
    result = analyse(game, max_seconds=0.001, progress=lambda step, fraction: steps.append((step, fraction)))
    assert not result.complete
    assert result.cut_short["truce thresholds"] == "skipped: time budget"
    assert result.thresholds is None
    out = result.to_dict()
    assert out["budget"]["complete"] is False and out["truce_thresholds"] == {"complete": False,
                                                                             "skipped": "time budget"}
    assert "Truce thresholds: skipped: time budget" in str(result)
    assert "Time budget of 0.001 s: cut short:" in str(result)
    # every step that ran said when it started and when it ended
    assert ("Nash equilibria", 0.0) in steps and ("Nash equilibria", 1.0) in steps
