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


# ----------------------------------------------------------------------------- one default, units, budget, progress
def test_solve_and_a_one_point_sweep_give_the_same_nash_bargaining(tmp_path):
    """One disagreement point by default (worst-for-both Nash payoffs), stated in both outputs."""
    import csv

    res = run(LEVER_GAME, "--format", "json", "--no-knife-edges")
    assert res.exit_code == 0, res.output
    solved = json.loads(res.output)
    out = tmp_path / "one.csv"
    swept = CliRunner().invoke(main, ["sweep", str(LEVER_GAME), "-p", "import_elast=3", "-m", "bargaining",
                                      "-o", str(out), "-q"])
    assert swept.exit_code == 0, swept.output
    with out.open() as fh:
        (row,) = list(csv.DictReader(fh))
    nash, ks = solved["bargaining"][0], solved["bargaining"][1]
    assert solved["disagreement"] == "nash"
    assert nash["disagreement_source"] == "worst-for-both Nash equilibrium payoffs"
    for pid in ("us", "china"):
        assert float(row[f"bargaining.nash.{pid}"]) == pytest.approx(nash["payoffs"][pid], abs=1e-9)
        assert float(row[f"bargaining.ks.{pid}"]) == pytest.approx(ks["payoffs"][pid], abs=1e-9)
        assert float(row[f"bargaining.disagreement.{pid}"]) == pytest.approx(nash["disagreement"][pid])
    text = run(LEVER_GAME, "--no-knife-edges").output
    assert "[disagreement point " in text and "worst-for-both Nash equilibrium payoffs]" in text


def test_the_security_disagreement_agrees_with_the_sweep_option_too(tmp_path):
    import csv

    solved = json.loads(run(LEVER_GAME, "--format", "json", "--no-knife-edges", "--disagreement", "security").output)
    out = tmp_path / "one.csv"
    swept = CliRunner().invoke(main, ["sweep", str(LEVER_GAME), "-p", "import_elast=3", "-m",
                                      "bargaining:disagreement=security", "-o", str(out), "-q"])
    assert swept.exit_code == 0, swept.output
    with out.open() as fh:
        (row,) = list(csv.DictReader(fh))
    for pid in ("us", "china"):
        assert float(row[f"bargaining.nash.{pid}"]) == pytest.approx(solved["bargaining"][0]["payoffs"][pid], abs=1e-6)


def test_every_payoff_line_carries_the_unit():
    res = run(LEVER_GAME, "--no-knife-edges")
    assert res.exit_code == 0, res.output
    unit = "USD bn per year"
    lines = res.output.splitlines()
    payoff_lines = [ln for ln in lines if ln.strip().startswith("payoffs ") or " -> " in ln
                    or ln.strip().startswith(("Nash bargaining:", "Kalai-Smorodinsky:", "utilitarian:",
                                              "correlated equilibrium")) or "follower answers" in ln
                    or "maxmin pure" in ln or ln.startswith("Truce (")]
    assert len(payoff_lines) >= 10
    for ln in payoff_lines:
        assert unit in ln, ln


def test_solve_json_keeps_its_keys():
    out = json.loads(run(SCENARIOS / "prisoners_dilemma.toml", "--format", "json").output)
    for key in ("equilibria", "degenerate", "method", "requested_method", "complete", "partial", "components", "tol",
                "parameters", "notes", "stats", "elapsed_seconds", "dominance", "game", "security", "pareto",
                "pareto_count", "bargaining", "correlated_equilibrium", "stackelberg", "stackelberg_mixed",
                "payoffs", "knife_edges", "invocation"):
        assert key in out, key
    assert out["budget"] == {**out["budget"], "complete": True, "cut_short": {}}


def _large_scenario(tmp_path, n=20):
    levels = ", ".join(str(k) for k in range(n))
    text = f"""
[scenario]
name = "Large"
payoff_unit = "points"
[parameters]
c = {{ value = 0.3, range = [0.1, 0.5], assumption = "test" }}
[players.a]
name = "A"
[players.a.levers.x]
levels = [{levels}]
[players.a.levers.y]
levels = [{levels}]
[players.a.payoff]
u = "a.x * (10 - b.x) / 10 - c * a.y + sqrt(1 + a.y * b.y) - 0.01 * a.x * a.x"
[players.b]
name = "B"
[players.b.levers.x]
levels = [{levels}]
[players.b.levers.y]
levels = [{levels}]
[players.b.payoff]
u = "b.x * (10 - a.x) / 10 - c * b.y + sqrt(1 + a.y * b.y) - 0.02 * b.x * b.y"
"""
    path = tmp_path / "large.toml"
    path.write_text(text)
    return path


def test_a_tiny_budget_bounds_every_step_and_says_which_were_cut(tmp_path):
    """400 x 400 actions and 1 ms: the steps after the equilibrium search, the thresholds and the knife
    edges say 'skipped: time budget' (JSON: budget.cut_short) instead of running on."""
    import time

    path = _large_scenario(tmp_path)
    start = time.monotonic()
    res = run(path, "--max-seconds", "0.001", "--format", "json")
    assert res.exit_code == 0, res.output
    assert time.monotonic() - start < 30
    out = json.loads(res.output)
    assert out["game"]["shape"] == [400, 400]
    cut = out["budget"]["cut_short"]
    assert out["budget"]["complete"] is False
    assert cut["truce thresholds"] == "skipped: time budget" and cut["knife edges"] == "skipped: time budget"
    assert out["knife_edges"] is None and out["truce_thresholds"]["skipped"] == "time budget"
    text = run(path, "--max-seconds", "0.001").output
    assert "Truce thresholds: skipped: time budget" in text and "Knife edges: skipped: time budget" in text
    assert "Time budget of 0.001 s: cut short:" in text


def test_max_seconds_must_be_positive():
    res = run(SCENARIOS / "prisoners_dilemma.toml", "--max-seconds", "0")
    assert res.exit_code == 2 and "--max-seconds" in res.output


class _Terminal:
    """A stream that says it is a terminal and keeps what was written."""

    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s

    def flush(self):
        pass

    def isatty(self):
        return True


def test_the_status_line_shows_only_long_steps_and_clears_itself():
    import time

    from sim.cli.progress import StatusLine

    term = _Terminal()
    with StatusLine(term, enabled=True, after=0.4, every=0.02) as status:
        status("quick step", 0.0)
        time.sleep(0.01)
        status("quick step", 1.0)
        assert term.text == ""  # shorter than `after`: nothing shown
        status("long step", 0.0)
        time.sleep(0.6)
        status("long step", 0.5)
        time.sleep(0.1)
        status("long step", 1.0)
    import re

    assert "\rlong step: 0 s" in term.text and re.search(r"long step: \d+ s, 50%", term.text)
    assert "quick step" not in term.text
    assert term.text.endswith("\r" + " " * 72 + "\r")  # cleared when the step ended


def test_quiet_and_off_a_terminal_there_is_no_status_line():
    from sim.cli.progress import StatusLine

    term = _Terminal()
    status = StatusLine(term, enabled=False, after=0.0, every=0.01)
    status("step", 0.0)
    status.close()
    assert term.text == ""
    res = CliRunner().invoke(main, ["solve", str(SCENARIOS / "prisoners_dilemma.toml"), "--quiet"])
    assert res.exit_code == 0 and res.stderr == ""


def test_the_status_line_follows_nested_steps():
    import time

    from sim.cli.progress import StatusLine

    term = _Terminal()
    with StatusLine(term, enabled=True, after=0.05, every=0.02) as status:
        status("security levels", 0.0)
        status("maxmin LP", 0.0)  # a step inside it
        time.sleep(0.15)
        status("maxmin LP", 1.0)
        cleared = len(term.text)
        status("security levels", 0.5)
        time.sleep(0.1)
        status("security levels", 1.0)
    import re

    assert re.search(r"maxmin LP: \d+ s", term.text[:cleared])
    assert re.search(r"security levels: \d+ s, 50%", term.text[cleared:])  # the outer step again, once the inner ended
