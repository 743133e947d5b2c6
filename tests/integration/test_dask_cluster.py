"""`tradesim sweep` on a real multi-process Dask cluster: a scheduler and two workers, each its own
process started here (the ``dask scheduler`` and ``dask worker`` commands, run by this Python), give
the serial table byte for byte; everything is shut down afterwards."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.scenario_texts import PD_LEVERS

pytestmark = [pytest.mark.dask, pytest.mark.timeout(240)]

#: Seconds a process gets to start (or to stop before it is killed).
START_SECONDS, STOP_SECONDS = 60.0, 15.0


def _spawn(module: str, *args: str, log: Path) -> subprocess.Popen:
    """``python -m module args`` in its own session (so a stop reaches anything it starts)."""
    out = log.open("wb")
    try:
        return subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True)
    finally:
        out.close()


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the process's session, SIGKILL if it is still there after :data:`STOP_SECONDS`."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_SECONDS)
    with contextlib.suppress(ProcessLookupError):  # nothing the process started may outlive it
        os.killpg(proc.pid, signal.SIGKILL)


def _wait_for(condition, what: str, procs: list[subprocess.Popen], logs: list[Path]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while not condition():
        for proc, log in zip(procs, logs):
            assert proc.poll() is None, f"{what}: a process ended early:\n{log.read_text(errors='replace')}"
        assert time.monotonic() < deadline, f"{what}: not within {START_SECONDS:g} s"
        time.sleep(0.1)


def _sweep(scenario: Path, out: Path, *extra: str) -> None:
    args = [str(scenario), "-p", "T=4:8:5", "-p", "P=0.5,1", "-m", "critical_delta", "-m", "play", "-m", "security",
            "-m", "bargaining", "--reps", "20", "--chunk-size", "2", "--seed", "3", "-q", "-o", str(out), *extra]
    done = subprocess.run([sys.executable, "-m", "sim", "sweep", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0, done.stderr


def test_sweep_on_a_scheduler_and_two_worker_processes_gives_the_serial_table(write_scenario, tmp_path):
    scenario = write_scenario(PD_LEVERS, "pd_levers.toml")
    address_file = tmp_path / "scheduler.json"
    logs = [tmp_path / "scheduler.log", tmp_path / "worker-0.log", tmp_path / "worker-1.log"]
    procs: list[subprocess.Popen] = []
    try:
        procs.append(_spawn("distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                            "--no-dashboard", "--scheduler-file", str(address_file), log=logs[0]))
        _wait_for(address_file.exists, "the scheduler's address file", procs, logs)
        address = json.loads(address_file.read_text())["address"]
        for k in (0, 1):
            procs.append(_spawn("distributed.cli.dask_worker", address, "--nthreads", "1", "--no-nanny",
                                "--no-dashboard", "--name", f"worker-{k}", log=logs[k + 1]))
        from dask.distributed import Client

        with Client(address, timeout=START_SECONDS) as client:
            client.wait_for_workers(2, timeout=START_SECONDS)
            pids = set(client.run(os.getpid).values())
        assert len(pids) == 2 and os.getpid() not in pids  # two workers, in processes of their own

        for suffix in ("csv", "parquet"):
            _sweep(scenario, tmp_path / f"serial.{suffix}")
            _sweep(scenario, tmp_path / f"dask.{suffix}", "--scheduler", address, "--timeout", "30")
            assert (tmp_path / f"dask.{suffix}").read_bytes() == (tmp_path / f"serial.{suffix}").read_bytes()
        manifest = json.loads((tmp_path / "dask.csv.manifest.json").read_text())
        assert manifest["executor"]["scheduler"] == address and manifest["rows"] == 10
    finally:
        for proc in reversed(procs):
            _stop(proc)
    assert all(proc.returncode is not None for proc in procs)
