"""Sweeps across processes and Dask, and interrupted sweeps resumed (library API)."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.errors import InputError
from sim.sweeps.run import parts_path, run_sweep, sweep
from tests.scenario_texts import PD_LEVERS


@pytest.fixture
def pd_levers(write_scenario):
    return write_scenario(PD_LEVERS, "pd_levers.toml")


def _small_sweep(path, **kw):
    return sweep(path, ["T=4:8:4", "P=0,1", "repeated.noise=0,0.1"], ["equilibria", "critical_delta", "play"],
                 replicates=2, reps=10, chunk_size=5, **kw)


@pytest.mark.slow
def test_two_processes_give_the_serial_table(pd_levers):
    serial = _small_sweep(pd_levers)
    assert len(serial) == 32
    pd.testing.assert_frame_equal(serial, _small_sweep(pd_levers, workers=2))


@pytest.mark.dask
def test_dask_cluster_gives_the_serial_table(pd_levers):
    from dask.distributed import Client, LocalCluster

    serial = _small_sweep(pd_levers)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            on_dask = _small_sweep(pd_levers, scheduler=client)
        by_address = _small_sweep(pd_levers, scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(serial, on_dask)
    pd.testing.assert_frame_equal(serial, by_address)


@pytest.mark.dask
def test_unreachable_scheduler_is_a_clear_error(pd_levers):
    import time

    start = time.perf_counter()
    with pytest.raises(InputError, match="cannot reach the scheduler"):
        sweep(pd_levers, ["T=5,6"], ["critical_delta"], scheduler="tcp://127.0.0.1:9", timeout=1.0)
    assert time.perf_counter() - start < 15


class _Interrupt(Exception):
    pass


@pytest.mark.slow
def test_interrupted_sweep_resumes_to_the_identical_table(pd_levers, tmp_path):
    args = (pd_levers, ["T=4:8:6", "P=0:2:4"], ["critical_delta", "play"])
    opts = dict(reps=5, chunk_size=4, seed=9)
    whole, _ = run_sweep(pd_levers, tmp_path / "whole.parquet", *args[1:], **opts)
    out = tmp_path / "part.parquet"
    calls = []

    def stop_after_two_chunks(done, total):
        calls.append(done)
        if done >= 8:
            raise _Interrupt

    with pytest.raises(_Interrupt):
        run_sweep(pd_levers, out, *args[1:], progress=stop_after_two_chunks, **opts)
    assert not out.exists() and len(list(parts_path(out).glob("chunk-*.parquet"))) == 2
    with pytest.raises(InputError, match="--resume"):
        run_sweep(pd_levers, out, *args[1:], **opts)
    seen = []
    resumed, manifest = run_sweep(pd_levers, out, *args[1:], resume=True, workers=2,
                                  progress=lambda d, t: seen.append(d), **opts)
    assert seen[0] == 8  # the two saved chunks were not recomputed
    pd.testing.assert_frame_equal(whole, resumed)
    pd.testing.assert_frame_equal(whole, pd.read_parquet(out))
    assert not parts_path(out).exists()
    # a deleted chunk in a checkpoint is recomputed to the same numbers
    (tmp_path / "p2").mkdir()
    out2 = tmp_path / "p2" / "r.parquet"
    with pytest.raises(_Interrupt):
        run_sweep(pd_levers, out2, *args[1:], progress=stop_after_two_chunks, **opts)
    next(iter(parts_path(out2).glob("chunk-*.parquet"))).unlink()
    again, _ = run_sweep(pd_levers, out2, *args[1:], resume=True, **opts)
    pd.testing.assert_frame_equal(whole, again)
