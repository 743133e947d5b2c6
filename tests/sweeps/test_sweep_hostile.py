"""Hostile sweep inputs: overflowing ranges and payoffs (an error comes alone, no warning before it),
repeated lever levels, non-finite timeouts and schedulers that do not answer."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.errors import InputError, ScenarioError
from sim.sweeps.execute import check_timeout
from sim.sweeps.plan import plan_sweep
from sim.sweeps.run import sweep
from tests.conftest import LEVER_GAME, ROOT
from tests.scenario_texts import PD_LEVERS

#: T enters squared: T = 1e200 overflows to inf inside the payoff evaluation.
PD_SQUARED = PD_LEVERS.replace("T*row.act*(1-col.act)", "T*T*row.act*(1-col.act)")


@pytest.fixture
def pd_levers(write_scenario):
    return str(write_scenario(PD_LEVERS, "pd_levers.toml"))


@pytest.mark.parametrize("param", ["T=-1e308:1e308:3", "T=-1.7e308:1.7e308:2"], ids=["grid", "grid2"])
def test_a_range_whose_span_overflows_is_refused(pd_levers, param):
    with pytest.raises(InputError, match="too wide"):
        plan_sweep(pd_levers, [param], ["critical_delta"])
    with pytest.raises(InputError, match="too wide"):
        plan_sweep(pd_levers, [param.rsplit(":", 1)[0]], ["critical_delta"], sample="lhs:3")


def test_an_overflowing_payoff_is_the_error_alone(write_scenario):
    # pytest turns any warning into an exception: a numpy RuntimeWarning would fail this test
    path = str(write_scenario(PD_SQUARED, "sq.toml"))
    with pytest.raises(ScenarioError, match=r"not finite at the point parameters.T=1e\+200"):
        sweep(path, ["T=1e200"], ["equilibria"])


def test_no_warning_reaches_stderr_from_worker_processes(write_scenario, tmp_path):
    path = write_scenario(PD_SQUARED, "sq.toml")
    out = tmp_path / "r.parquet"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "default"}
    for extra in ([], ["--workers", "2"]):
        proc = subprocess.run([sys.executable, "-m", "sim", "sweep", str(path), "-p", "T=1e200,1e201,2",
                               "--chunk-size", "1", "-q", "-o", str(out), *extra],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: "), proc.stderr
        assert "payoff is not finite" in proc.stderr
        assert not out.exists() and not (tmp_path / "r.parquet.parts").exists()


@pytest.mark.parametrize(
    "params, message",
    [
        (["players.us.levers.tariff.levels.1=126"], r"level 1 of us.tariff would be 126, the same as level 2 \(at point 0\)"),
        (["players.us.levers.tariff.levels.1=21:120:4"], "would be 21, the same as level 0"),
        (["players.us.levers.tariff.levels.1=50,60", "players.us.levers.tariff.levels.2=60,70"],
         r"level 1 of us.tariff would be 60, the same as level 2 \(at point 2\)"),
    ],
    ids=["value", "grid", "two-swept"],
)
def test_a_swept_level_equal_to_another_level_of_its_lever_is_refused(params, message):
    with pytest.raises(InputError, match=message):
        plan_sweep(LEVER_GAME, params, ["equilibria"])


def test_a_sampled_level_that_cannot_collide_is_fine():
    plan = plan_sweep(LEVER_GAME, ["players.us.levers.tariff.levels.1=30:100"], ["equilibria"], sample="random:20")
    assert len(plan.design) == 20


def test_repeated_level_is_one_error_line_on_the_command_line(tmp_path):
    out = tmp_path / "r.parquet"
    result = CliRunner().invoke(main, ["sweep", str(LEVER_GAME), "-p", "players.us.levers.tariff.levels.1=126",
                                       "-o", str(out)])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: --param players.us.levers.tariff.levels.1=126: level 1 of us.tariff")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 0.0, -1.0, 1e9, "10", True])
def test_timeout_must_be_a_finite_positive_number(value):
    with pytest.raises(InputError, match="--timeout"):
        check_timeout(value)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e9"])
def test_non_finite_timeout_on_the_command_line(pd_levers, tmp_path, value):
    out = tmp_path / "r.parquet"
    result = CliRunner().invoke(main, ["sweep", pd_levers, "-p", "T=5", "--timeout", value, "-o", str(out)])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: --timeout: must be a finite number of seconds")
    assert not out.exists()


@pytest.fixture
def silent_port():
    """A port that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []

    def accept():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1]
    server.close()
    for conn in held:
        conn.close()


@pytest.fixture
def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_an_unreachable_scheduler_names_the_address_and_that_nothing_answered(pd_levers, closed_port, silent_port):
    pytest.importorskip("distributed")
    for port in (closed_port, silent_port):
        address = f"tcp://127.0.0.1:{port}"
        start = time.perf_counter()
        with pytest.raises(InputError) as info:
            sweep(pd_levers, ["T=5,6"], ["critical_delta"], scheduler=address, timeout=0.5)
        assert str(info.value) == f"--scheduler: cannot reach the scheduler at {address}: nothing answered within 0.5 s"
        assert time.perf_counter() - start < 10


MATRIX_WITH_RANGE = """
[scenario]
name = "matrix with a ranged parameter"
[parameters]
z = { value = 2.75, range = [2.0, 22444.0], assumption = "read by no payoff" }
[players.row]
name = "Row"
actions = ["A0", "A1"]
[players.col]
name = "Col"
actions = ["A0", "A1"]
[payoffs]
row = [[1, -5], [3, 4]]
col = [[-4, 0], [-4, -4]]
"""


def test_a_matrix_game_with_a_ranged_parameter_sweeps_solves_and_is_robust(write_scenario, tmp_path):
    """Found by the long fuzz run: a parameter a matrix game's payoffs never read crashed the batch
    evaluator (knife edges of solve, robust, sweep) with an AttributeError."""
    path = str(write_scenario(MATRIX_WITH_RANGE))
    runner = CliRunner()
    for args in (["solve", path], ["robust", path, "--draws", "20"], ["thresholds", path],
                 ["sweep", path, "-p", "z=2:10:3", "-m", "equilibria", "-o", str(tmp_path / "s.csv")]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, (args, result.output)
    assert "none: the pure equilibrium set stays the same" in runner.invoke(main, ["solve", path]).output
