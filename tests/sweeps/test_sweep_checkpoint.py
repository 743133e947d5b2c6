"""Checkpoints that cannot mix sweeps: chunks carry the sweep's identity and are verified on resume,
one writer at a time holds an OS lock (released when its process dies, even by SIGKILL), and a
checkpoint lost under a running sweep is a clear error."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.errors import InputError
from sim.model.load import document_hash
from sim.sweeps.checkpoint import CheckpointLock, lock_path
from sim.sweeps.plan import plan_sweep
from sim.sweeps.run import parts_path, run_sweep
from tests.conftest import ROOT
from tests.scenario_texts import PD_LEVERS


@pytest.fixture
def pd_levers(write_scenario):
    return str(write_scenario(PD_LEVERS, "pd_levers.toml"))


class _Stop(Exception):
    pass


def _interrupted(path, out, params, after):
    """Run a sweep of ``params`` into ``out`` and stop it once ``after`` runs are saved."""

    def stop(done, total):
        if done >= after:
            raise _Stop

    with pytest.raises(_Stop):
        run_sweep(path, out, params, ["critical_delta", "equilibria"], chunk_size=2, progress=stop)


def test_chunks_of_another_sweep_with_the_same_row_count_are_recomputed(pd_levers, tmp_path):
    """The campaign's defect: chunks were trusted on their row count alone, so another sweep's rows
    (same size, other values) ended up in the resumed table."""
    mine, theirs = ["T=4:8:6"], ["T=14:18:6"]
    clean, _ = run_sweep(pd_levers, tmp_path / "clean.parquet", mine, ["critical_delta", "equilibria"], chunk_size=2)
    _interrupted(pd_levers, tmp_path / "a.parquet", theirs, after=6)  # all three chunks of the other sweep
    _interrupted(pd_levers, tmp_path / "b.parquet", mine, after=2)
    a_parts, b_parts = parts_path(tmp_path / "a.parquet"), parts_path(tmp_path / "b.parquet")
    for chunk in a_parts.glob("chunk-*.parquet"):  # what a concurrent writer used to leave behind
        shutil.copy(chunk, b_parts / chunk.name)
    seen = []
    resumed, _ = run_sweep(pd_levers, tmp_path / "b.parquet", mine, ["critical_delta", "equilibria"], chunk_size=2,
                           resume=True, progress=lambda d, t: seen.append(d))
    assert seen[0] == 0  # not one foreign chunk was trusted
    assert set(resumed["parameters.T"]) == set(np.linspace(4, 8, 6))
    pd.testing.assert_frame_equal(clean, resumed)


def test_a_chunk_is_used_only_at_its_own_index_and_intact(pd_levers, tmp_path):
    params = ["T=4:8:6"]
    out = tmp_path / "r.parquet"
    clean, _ = run_sweep(pd_levers, tmp_path / "clean.parquet", params, ["critical_delta", "equilibria"],
                         chunk_size=2)
    _interrupted(pd_levers, out, params, after=4)
    parts = parts_path(out)
    os.replace(parts / "chunk-000000.parquet", parts / "chunk-000002.parquet")  # right sweep, wrong place
    (parts / "chunk-000001.parquet").write_bytes(b"PAR1 not really")  # damaged
    seen = []
    resumed, _ = run_sweep(pd_levers, out, params, ["critical_delta", "equilibria"], chunk_size=2, resume=True,
                           progress=lambda d, t: seen.append(d))
    assert seen[0] == 0
    pd.testing.assert_frame_equal(clean, resumed)


def test_the_sweep_identity_covers_the_document_and_matches_the_file_hash(pd_levers, tmp_path, write_scenario):
    plan = plan_sweep(pd_levers, ["T=4:8:3"], ["critical_delta"])
    assert plan.scenario_hash == document_hash(pd_levers)
    other = write_scenario(PD_LEVERS.replace("R = { value = 3.0", "R = { value = 3.5"), "other.toml")
    assert plan_sweep(other, ["T=4:8:3"], ["critical_delta"]).key != plan.key
    for change in ({"seed": 1}, {"chunk_size": 2}, {"replicates": 2}):
        assert plan_sweep(pd_levers, ["T=4:8:3"], ["critical_delta"], **change).key != plan.key
    assert plan_sweep(pd_levers, ["T=4:8:3"], ["equilibria"]).key != plan.key


def test_a_second_writer_is_refused_while_the_lock_is_held(pd_levers, tmp_path):
    out = tmp_path / "r.parquet"
    with CheckpointLock(parts_path(out)):
        for flags in ({}, {"resume": True}, {"overwrite": True}):
            with pytest.raises(InputError, match="another sweep .* is writing"):
                run_sweep(pd_levers, out, ["T=4:8:3"], ["critical_delta"], **flags)
    assert not out.exists() and not parts_path(out).exists()
    run_sweep(pd_levers, out, ["T=4:8:3"], ["critical_delta"])  # released: the next one runs
    assert out.exists() and not lock_path(parts_path(out)).exists()


def test_a_checkpoint_removed_under_a_running_sweep_is_a_clear_error(pd_levers, tmp_path):
    out = tmp_path / "r.parquet"

    def remove_it(done, total):
        if done:
            shutil.rmtree(parts_path(out))

    with pytest.raises(InputError, match="removed or replaced by another process"):
        run_sweep(pd_levers, out, ["T=4:8:6"], ["critical_delta"], chunk_size=2, progress=remove_it)
    assert not out.exists()


# ----------------------------------------------------------------------------- real processes
def _start(args, out):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "sim", "sweep", *map(str, args), "-o", str(out)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _own_chunk_saved(parts, key):
    try:
        design = json.loads((parts / "design.json").read_text())
    except (OSError, ValueError):
        return False
    return design.get("key") == key and bool(list(parts.glob("chunk-*.parquet")))


def _kill_after_first_chunk(proc, parts, key):
    try:
        deadline = time.monotonic() + 60
        while not _own_chunk_saved(parts, key):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.02)
    except BaseException:
        proc.kill()
        raise
    return proc


def _kill(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    proc.stderr.close()


def _invoke(*args):
    return CliRunner().invoke(main, ["sweep", *map(str, args)])


def test_concurrent_sweeps_on_one_output_cannot_mix_even_when_killed(pd_levers, tmp_path):
    """The campaign's reproduction: sweep A runs; sweep B on the same output with --overwrite; kill -9
    both; resume B. Now B is refused while A runs, A's kill -9 leaves no lock behind, and B's
    resumed table is B's."""
    out = tmp_path / "m.parquet"
    parts = parts_path(out)
    common = ["-m", "play", "--chunk-size", "1", "-q"]
    first = [pd_levers, "-p", "T=4:8:6", "--reps", "30000", *common]
    second = [pd_levers, "-p", "T=4.5:8.5:6", "--reps", "10000", *common]
    first_key = plan_sweep(pd_levers, ["T=4:8:6"], ["play"], reps=30000, chunk_size=1).key
    second_key = plan_sweep(pd_levers, ["T=4.5:8.5:6"], ["play"], reps=10000, chunk_size=1).key
    proc = _kill_after_first_chunk(_start(first, out), parts, first_key)
    try:
        for flag in ("--overwrite", "--resume"):
            result = _invoke(*second, "-o", out, flag)
            assert result.exit_code == 2, result.output
            assert result.stderr.startswith("error: --out: another sweep (pid ")
            assert "is writing" in result.stderr and result.stderr.count("\n") == 1
    finally:
        _kill(proc)
    assert lock_path(parts).exists()  # a stale lock file, no longer locked by anyone
    proc = _kill_after_first_chunk(_start([*second, "--overwrite"], out), parts, second_key)
    _kill(proc)
    result = _invoke(*second, "-o", out, "--resume")
    assert result.exit_code == 0, result.output
    assert _invoke(*second, "-o", tmp_path / "clean.parquet").exit_code == 0
    resumed = pd.read_parquet(out)
    assert set(resumed["parameters.T"]) == set(np.linspace(4.5, 8.5, 6))
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "clean.parquet"), resumed)
    assert not parts.exists() and not lock_path(parts).exists()
