"""`tradesim sweep` killed mid-run and resumed, and on a local Dask cluster."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from click.testing import CliRunner

from sim.cli import main
from tests.conftest import ROOT
from tests.scenario_texts import PD_LEVERS


@pytest.fixture
def pd_levers(write_scenario):
    return str(write_scenario(PD_LEVERS, "pd_levers.toml"))


def _invoke(*args):
    return CliRunner().invoke(main, ["sweep", *map(str, args)])


@pytest.mark.slow
def test_killed_sweep_resumes_to_the_uninterrupted_table(pd_levers, tmp_path):
    """Kill the CLI with SIGKILL after its first checkpoint, resume, compare with a clean run."""
    args = [pd_levers, "-p", "T=4:8:6", "-p", "repeated.noise=0:0.2:5", "-m", "critical_delta", "-m", "play",
            "--reps", "400", "--chunk-size", "3", "--seed", "2", "-q"]
    whole = tmp_path / "whole.parquet"
    assert _invoke(*args, "-o", whole).exit_code == 0
    out = tmp_path / "killed.parquet"
    parts = tmp_path / "killed.parquet.parts"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "sim", "sweep", *args, "-o", str(out)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not list(parts.glob("chunk-*.parquet")):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    assert not out.exists()
    done = len(list(parts.glob("chunk-*.parquet")))
    assert 1 <= done < 10
    result = _invoke(*args, "-o", out, "--resume")
    assert result.exit_code == 0, result.output
    pd.testing.assert_frame_equal(pd.read_parquet(whole), pd.read_parquet(out))
    assert not parts.exists()


@pytest.mark.dask
def test_local_dask_cluster_from_the_command_line(pd_levers, tmp_path):
    args = [pd_levers, "-p", "T=4:8:5", "-p", "P=0.5,1", "-m", "critical_delta", "-m", "play", "--reps", "5",
            "--chunk-size", "3", "-q"]
    assert _invoke(*args, "-o", tmp_path / "serial.parquet").exit_code == 0
    result = _invoke(*args, "--scheduler", "local:1", "-o", tmp_path / "dask.parquet")
    assert result.exit_code == 0, result.output
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "serial.parquet"), pd.read_parquet(tmp_path / "dask.parquet"))
