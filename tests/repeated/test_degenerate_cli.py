"""End to end on degenerate but valid scenarios: a player with one action, payoffs spanning 1e-6 to
1e11, all payoffs equal. Each command finishes (exit 0) or reports one clean line (exit 2),
never a traceback."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.model.game import StageGame
from sim.repeated.engine import play
from sim.repeated.payoff_set import feasible_ir_set
from sim.repeated.strategies import STRATEGIES
from sim.repeated.thresholds import truce_thresholds
from tests.scenario_texts import matrix_game

ROOT = Path(__file__).resolve().parents[2]
# every strategy that plays a game without state and needs no file
STAGE_STRATEGIES = ("always_cooperate", "always_defect", "tit_for_tat", "suspicious_tit_for_tat",
                    "generous_tit_for_tat", "tit_for_two_tats", "grim_trigger", "win_stay_lose_shift",
                    "escalation_ladder", "deadline_truce", "myopic_best_response", "fictitious_play", "random",
                    "alternator")

ONE_LEVEL = """
[scenario]
name = "one lever of one level"
[players.a]
name = "A"
discount = 0.9
[players.a.levers.x]
levels = [0]
[players.a.payoff]
gain = "a.x + b.y"
[players.b]
name = "B"
discount = 0.9
[players.b.levers.y]
levels = [0, 1, 2]
[players.b.payoff]
gain = "2 * b.y - b.y * b.y"
"""

ONE_BY_ONE = """
[scenario]
name = "one profile"
[players.a]
name = "A"
[players.a.levers.x]
levels = [0]
[players.a.payoff]
gain = "1 + a.x"
[players.b]
name = "B"
[players.b.levers.y]
levels = [5]
[players.b.payoff]
gain = "1"
"""

MATRIX_3X1 = """
[scenario]
name = "column has one action"
[players.row]
name = "Row"
actions = ["C", "D", "E"]
[players.col]
name = "Col"
actions = ["only"]
[payoffs]
row = [[1], [3], [2]]
col = [[4], [0], [1]]
[repeated]
cooperative = { row = "C", col = "only" }
"""

FLAT = matrix_game("all payoffs equal", "[[2, 2], [2, 2]]", "[[2, 2], [2, 2]]")

# The maxmin LP of this game stopped HiGHS ("The problem is unbounded") before payoffs were rescaled.
WIDE = """
[scenario]
name = "wide payoffs"
[players.row]
name = "Row"
actions = ["a", "b", "c"]
[players.col]
name = "Col"
actions = ["v", "w", "x", "y", "z"]
[payoffs]
row = [[131, 80, 100000000024, 99999999995, 24], [-73, 100000000089, 105, 93, -53], [8, -17, 179, 18, 99999999812]]
col = [[-131, -80, -100000000024, -99999999995, -24], [73, -100000000089, -105, -93, 53], [-8, 17, -179, -18, -99999999812]]
[repeated]
cooperative = { row = "a", col = "v" }
"""

SMALL = matrix_game("micro payoffs", "[[3e-6, 0], [5e-6, 1e-6]]", "[[3e-6, 5e-6], [0, 1e-6]]")

CASES = {"one-level": ONE_LEVEL, "1x1": ONE_BY_ONE, "3x1": MATRIX_3X1, "flat": FLAT, "wide": WIDE, "micro": SMALL}


def _ids(text: str) -> tuple[str, str]:
    return ("a", "b") if "[players.a]" in text else ("row", "col")


def _invoke(args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output + (result.stderr or ""), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


@pytest.mark.parametrize("name", list(CASES))
def test_solve_thresholds_and_play_finish_on_degenerate_games(tmp_path, name):
    path = tmp_path / f"{name}.toml"
    path.write_text(CASES[name])
    for method in ("auto", "pure", "support", "vertex", "lemke-howson"):
        result = _invoke(["solve", path, "--method", method, "--format", "json"])
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout)
        assert data  # the whole report was produced
    result = _invoke(["thresholds", path, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    a, b = _ids(CASES[name])
    for spec in ("grim_trigger", "grim_trigger:punish=minmax", "tit_for_tat", "myopic_best_response",
                 "fictitious_play", "escalation_ladder", "deadline_truce:k=2"):
        result = _invoke(["play", path, "--strategy", f"{a}={spec}", "--strategy", f"{b}=grim_trigger:punish=minmax",
                          "--rounds", 4, "--replicates", 3, "--noise", 0.3, "--seed", 1])
        assert result.exit_code == 0, (spec, result.stderr)


def test_tournament_on_a_game_where_one_player_has_one_action(tmp_path):
    path = tmp_path / "one.toml"
    path.write_text(ONE_LEVEL)
    result = _invoke(["tournament", path, "--rounds", 3, "--replicates", 2, "--seed", 1])
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("shape", [(1, 3), (3, 1), (1, 1)])
def test_repeated_analyses_in_the_library_with_one_action(shape):
    rng = np.random.default_rng(sum(shape))
    A, B = rng.integers(0, 5, shape).astype(float), rng.integers(0, 5, shape).astype(float)
    game = StageGame.from_matrices(A, B, name="small", cooperative=(0, 0))
    tt = truce_thresholds(game)
    for p in (0, 1):
        if game.shape[p] == 1:  # nothing to deviate to: the truce holds for that side at any discount
            assert tt.grim_nash[p] == tt.grim_minmax[p] == tt.tit_for_tat[p] == 0.0
        assert tt.grim_nash[p] >= 0 and (math.isinf(tt.tit_for_tat[p]) or tt.tit_for_tat[p] >= 0)
    ps = feasible_ir_set(game)
    assert len(ps.feasible) >= 1
    for name in STAGE_STRATEGIES:
        assert name in STRATEGIES
        match = play(game, {"row": name, "col": "grim_trigger:punish=minmax"}, rounds=3, replicates=2, noise=0.2, seed=0)
        assert np.isfinite(match.total).all()


def test_thresholds_scale_with_the_payoffs():
    # The prisoner's dilemma thresholds are unit-free: the same at 1e-6, 1 and 1e11, with an offset too.
    T, R, P, S = 5.0, 3.0, 1.0, 0.0
    base = truce_thresholds(StageGame.from_matrices([[R, S], [T, P]], [[R, T], [S, P]], cooperative=(0, 0)))
    for scale, offset in ((1e-6, 0.0), (1e11, 0.0), (1e3, 1e11), (1e3, -1e11)):
        A = offset + scale * np.array([[R, S], [T, P]])
        tt = truce_thresholds(StageGame.from_matrices(A, A.T, cooperative=(0, 0)))
        for rule in ("grim_nash", "grim_minmax", "tit_for_tat"):
            assert getattr(tt, rule) == pytest.approx(getattr(base, rule), abs=1e-6), (scale, offset, rule)


def _us_china_with(tmp_path, term: str) -> Path:
    text = (ROOT / "scenarios" / "us_china_2025.toml").read_text()
    old = 'fentanyl = "-cn_fent_cost * china.fentanyl"'
    assert old in text
    path = tmp_path / "us_china_big.toml"
    path.write_text(text.replace(old, f'fentanyl = "{term}"'))
    return path


def test_us_china_with_a_1e11_term_gives_thresholds_and_play(tmp_path):
    # China's payoffs span 1e-6 to 1e11: the minmax LP behind thresholds and grim trigger used to
    # die with "RuntimeError: maxmin LP failed: (HiGHS Status 0: Not Set)"
    path = _us_china_with(tmp_path, "1e11 * china.fentanyl + 1e-6 * china.tariff")
    assert _invoke(["validate", path]).exit_code == 0
    result = _invoke(["thresholds", path, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    result = _invoke(["play", path, "--strategy", "us=grim_trigger:punish=minmax", "--strategy",
                      "china=grim_trigger", "--rounds", 3, "--replicates", 2, "--noise", 0.3, "--seed", 1])
    assert result.exit_code == 0, result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("term", ["1e11", "1e11 * china.fentanyl + 1e-6 * china.tariff"])
def test_us_china_with_a_1e11_term_solves(tmp_path, term):
    path = _us_china_with(tmp_path, term)
    result = _invoke(["solve", path, "--format", "json"])
    assert result.exit_code == 0, result.stderr
