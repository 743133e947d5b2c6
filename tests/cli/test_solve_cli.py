"""``tradesim solve``: text and JSON output on bundled scenarios, help text and errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sim.cli import main
from tests.conftest import LEVER_GAME, SCENARIOS


def run(*args):
    return CliRunner().invoke(main, ["solve", *map(str, args)])


def test_json_battle_of_the_sexes():
    res = run(SCENARIOS / "battle_of_the_sexes.toml", "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert len(out["equilibria"]) == 3
    assert out["method"] == "vertex" and out["degenerate"] is False and out["complete"] is True
    first = out["equilibria"][0]
    assert first["strategies"] == {"row": {"Opera": 1.0}, "col": {"Opera": 1.0}}
    assert first["payoffs"] == {"row": 2.0, "col": 1.0}
    for key in ("dominance", "security", "pareto", "bargaining", "stackelberg", "correlated_equilibrium"):
        assert key in out
    assert [b["concept"] for b in out["bargaining"]] == ["Nash bargaining", "Kalai-Smorodinsky", "utilitarian"]


def test_text_output_and_method_choice():
    res = run(SCENARIOS / "battle_of_the_sexes.toml", "--method", "lemke-howson")
    assert res.exit_code == 0, res.output
    assert "by lemke-howson" in res.output and "Stackelberg" in res.output


def test_us_china_json(us_china_game):
    res = run(LEVER_GAME, "--format", "json", "--disagreement", "security")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert len(out["equilibria"]) >= 1
    for e in out["equilibria"]:
        assert set(e["strategies"]) == {"us", "china"}
        for strat in e["strategies"].values():
            assert sum(strat.values()) == pytest.approx(1.0)
    assert out["bargaining"][0]["disagreement_source"].startswith("security")


def test_help_explains_concepts():
    res = CliRunner().invoke(main, ["solve", "--help"])
    assert res.exit_code == 0
    for word in ("Nash equilibria", "maxmin", "minmax", "Pareto", "Nash bargaining", "Kalai-Smorodinsky",
                 "utilitarian", "correlated", "Stackelberg", "--max-seconds"):
        assert word in res.output


@pytest.mark.parametrize(
    "args",
    [pytest.param(["--method", "magic"], id="method"), pytest.param(["--format", "xml"], id="format")],
)
def test_bad_options_exit_2(args):
    res = run(SCENARIOS / "battle_of_the_sexes.toml", *args)
    assert res.exit_code == 2


def test_missing_file_is_one_line_error(tmp_path):
    res = run(tmp_path / "nope.toml")
    assert res.exit_code == 2
    assert "error:" in res.output


def test_mixed_dominance_flag(write_scenario):
    path = write_scenario(
        """
        [scenario]
        name = "mixed domination"
        [players.row]
        name = "Row"
        actions = ["A", "B", "C"]
        [players.col]
        name = "Col"
        actions = ["L", "R"]
        [payoffs]
        row = [[3, 0], [0, 3], [1, 1]]
        col = [[1, 0], [0, 1], [0, 0]]
        """
    )
    plain = json.loads(run(path, "--format", "json").output)
    mixed = json.loads(run(path, "--format", "json", "--mixed-dominance").output)
    assert plain["dominance"]["eliminated"] == []
    assert [e["action"] for e in mixed["dominance"]["eliminated"]] == ["C"]
    assert len(plain["equilibria"]) == len(mixed["equilibria"])


def test_a_large_game_within_the_time_budget(tmp_path):
    """120 x 120 actions: every step finishes or says it stopped; nothing raises for lack of time."""
    import json
    import time

    from click.testing import CliRunner

    from sim.cli import main

    levels = ", ".join(str(k) for k in range(11))
    text = f"""
[scenario]
name = "Large"
[parameters]
c = {{ value = 0.3, assumption = "test" }}
[players.a]
name = "A"
discount = 0.9
[players.a.levers.x]
levels = [{levels}]
[players.a.levers.y]
levels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
[players.a.payoff]
u = "a.x * (10 - b.x) / 10 - c * a.y + sqrt(1 + a.y * b.y) - 0.01 * a.x * a.x"
[players.b]
name = "B"
discount = 0.9
[players.b.levers.x]
levels = [{levels}]
[players.b.levers.y]
levels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
[players.b.payoff]
u = "b.x * (10 - a.x) / 10 - c * b.y + sqrt(1 + a.y * b.y) - 0.02 * b.x * b.y"
"""
    f = tmp_path / "large.toml"
    f.write_text(text)
    start = time.monotonic()
    res = CliRunner().invoke(main, ["solve", str(f), "--max-seconds", "3", "--no-knife-edges", "--format", "json"],
                             catch_exceptions=False)
    elapsed = time.monotonic() - start
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["game"]["shape"] == [132, 132] and out["pareto_count"] >= len(out["pareto"])
    ce = out["correlated_equilibrium"]
    assert ce.get("skipped") or ce.get("complete") is not None
    assert len(out["stackelberg_mixed"]) == 2
    assert elapsed < 60
