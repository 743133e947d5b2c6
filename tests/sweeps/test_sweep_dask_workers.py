"""The workers of ``--scheduler local:N`` allocate memory as a local process does, and a sweep leaves
Dask's configuration as it found it."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.sweeps.run import _local_cluster_config, sweep
from tests.conftest import LEVER_GAME

pytestmark = pytest.mark.dask


def test_local_clusters_one_after_another_give_the_serial_table():
    args = (LEVER_GAME, ["us_re_cost=20:400:3", "cn_re_cost=2:30:2"], ["critical_delta", "play"])
    serial = sweep(*args, reps=10, chunk_size=2)
    for _ in range(2):  # the second cluster needs the configuration the first one left
        pd.testing.assert_frame_equal(serial, sweep(*args, reps=10, chunk_size=2, scheduler="local:1"))


def test_local_cluster_workers_start_without_dasks_malloc_trim_threshold():
    import dask
    import distributed  # noqa: F401 - its defaults

    assert dask.config.get("distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_") == 65536
    with _local_cluster_config("local:2"):
        assert dask.config.get("distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_") is None
        assert dask.config.get("distributed.nanny.pre-spawn-environ.OMP_NUM_THREADS") == 1
    with _local_cluster_config("tcp://127.0.0.1:8786"):  # someone else's cluster: their settings
        assert dask.config.get("distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_") == 65536
    assert dask.config.get("distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_") == 65536
