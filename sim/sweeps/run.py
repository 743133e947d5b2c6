"""Scenario sweeps: any scenario number over a grid or a sample, any metric, run serially, in local
processes or on a Dask cluster, checkpointed and resumable.

The table has one row per run (a design point, times ``replicates``), with the run's point
index, replicate, seed, the swept inputs and the metric columns. Run ``r`` gets the child seed
``SeedSequence(root, spawn_key=(r,))`` (exactly ``SeedSequence(root).spawn(n)[r]``), and runs are
cut into chunks whose size depends only on the sweep, so the table is the same whatever the
executor, the number of workers or the order in which chunks finish.

:func:`sweep` returns the table as a :class:`pandas.DataFrame`; :func:`run_sweep` also writes it
(Parquet or CSV by extension, atomically) with a manifest, checkpointing chunks in
``OUT.parts/`` as they complete so that an interrupted sweep can be resumed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from sim._files import write_atomic
from sim.errors import InputError
from sim.sweeps.checkpoint import (
    CheckpointLock,
    load_chunk,
    open_checkpoint,
    save_chunk,
)
from sim.sweeps.design import (
    MAX_POINTS,
)
from sim.sweeps.execute import check_executor, evaluator, execute, run_seeds
from sim.sweeps.metrics import METRICS
from sim.sweeps.plan import _ID_COLUMNS, SweepPlan, plan_sweep

__all__ = ["SweepPlan", "plan_sweep", "sweep", "run_sweep", "run_seeds", "METRICS", "MAX_POINTS",
           "manifest_path", "parts_path"]

DEFAULT_TIMEOUT = 10.0


def parts_path(out: str | os.PathLike) -> Path:
    """Checkpoint directory of a results file: ``OUT.parts/``."""
    return Path(f"{out}.parts")


def manifest_path(out: str | os.PathLike) -> Path:
    """Manifest beside a results file: ``OUT.manifest.json``."""
    return Path(f"{out}.manifest.json")


# ----------------------------------------------------------------------------- entry points
def sweep(
    scenario: str | os.PathLike,
    params: Sequence[str] | Mapping[str, Any] = (),
    metrics: Sequence[str] = ("equilibria",),
    *,
    sample: str | None = None,
    seed: int = 0,
    replicates: int = 1,
    strategies: Mapping[str, str] | None = None,
    reps: int = 100,
    workers: int = 1,
    scheduler: Any = None,
    timeout: float = DEFAULT_TIMEOUT,
    chunk_size: int | None = None,
    yes: bool = False,
    checkpoint: str | os.PathLike | None = None,
    progress: Callable[[int, int], None] | None = None,
    plan: SweepPlan | None = None,
):
    """Run a sweep and return its table (a :class:`pandas.DataFrame`, one row per run).

    Parameters
    ----------
    scenario : path of the scenario file.
    params : ``["us_re_cost=20:400:5", "players.us.discount=0.8,0.9"]`` or a mapping
        ``{path: "LO:HI:N" | [values] | value}``; see :mod:`sim.sweeps.design` for paths.
    metrics : names from :data:`METRICS`, optionally with options (``"equilibria:method=vertex"``).
    sample : ``None`` for the full grid, or ``"random:N"`` / ``"lhs:N"`` over the axes' ranges.
    seed : root seed: sample draws and one child seed per run.
    replicates : rows per point, each with its own seed (for stochastic metrics).
    strategies : ``{player_id: spec}`` for the play metric (default: the scenario's).
    reps : matches per run in the play metric.
    workers : local processes (1: serial); ignored when ``scheduler`` is given.
    scheduler : ``"tcp://HOST:PORT"``, ``"local:N"`` (a LocalCluster of N processes) or a
        ``dask.distributed.Client``.
    timeout : seconds to wait for a remote scheduler.
    chunk_size : runs per chunk (default: about 1/32 of the runs, at most 1000, or 100 with
        per-point metrics); part of the sweep's identity for resuming.
    yes : allow more than :data:`MAX_POINTS` runs.
    checkpoint : directory to save each finished chunk in, and to resume from.
    progress : called with ``(runs done, runs in all)`` after each chunk.
    """
    plan = plan or plan_sweep(scenario, params, metrics, sample=sample, seed=seed, replicates=replicates,
                              strategies=strategies, reps=reps, chunk_size=chunk_size, yes=yes)
    check_executor(workers, scheduler, timeout)
    parts = Path(checkpoint) if checkpoint is not None else None
    with CheckpointLock(parts) if parts is not None else contextlib.nullcontext():
        return _compute(plan, parts, workers, scheduler, timeout, progress)


def _compute(plan: SweepPlan, parts: Path | None, workers: int, scheduler: Any, timeout: float,
             progress: Callable[[int, int], None] | None):
    """The table of ``plan``, resuming from and saving to ``parts`` (whose lock the caller holds)."""
    results: dict[int, dict[str, np.ndarray]] = {}
    created = parts is not None and not parts.exists()
    if parts is not None:
        ident = open_checkpoint(parts, plan)
        names = _names(plan)
        for index in range(plan.chunks):
            cols = load_chunk(parts, plan, index, names)
            if cols is not None:
                results[index] = cols
    done_rows = sum(len(c["point"]) for c in results.values())
    if progress is not None:
        progress(done_rows, plan.rows)
    missing = [i for i in range(plan.chunks) if i not in results]
    try:
        with _local_cluster_config(scheduler):
            for index, cols in (execute(plan, missing, workers, scheduler, timeout) if missing else ()):
                if parts is not None:
                    save_chunk(parts, ident, plan, index, cols)
                results[index] = cols
                done_rows += len(cols["point"])
                if progress is not None:
                    progress(done_rows, plan.rows)
    except BaseException:
        if created and not any(parts.glob("chunk-*.parquet")):
            shutil.rmtree(parts, ignore_errors=True)  # nothing to resume: leave no trace
        raise
    return _table(plan, [results[i] for i in range(plan.chunks)])


@contextlib.contextmanager
def _local_cluster_config(scheduler: Any):
    """Dask settings for the workers of a ``local:N`` cluster while it runs.

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536`` by default, which stops
    glibc from raising its thresholds: then every large numpy temporary of a block is a fresh
    ``mmap`` and its pages fault in again (ten times the page faults; a block computes about 30%
    slower than in a process of the pool). Unset, the workers allocate as any other process.
    """
    if not (isinstance(scheduler, str) and scheduler.startswith("local:")):
        yield
        return
    try:
        import dask
        import distributed  # noqa: F401 - its configuration defaults first: leaving the block restores the config
    except ImportError:  # pragma: no cover - the executor reports the missing dependency
        yield
        return
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        yield


def _names(plan: SweepPlan) -> list[str]:
    return [*_ID_COLUMNS, *plan.job.paths, *evaluator(plan.key, plan.job).columns()]


def _table(plan: SweepPlan, chunks: list[dict[str, np.ndarray]]):
    import pandas as pd

    names = _names(plan)
    if chunks:
        data = {name: np.concatenate([c[name] for c in chunks]) for name in names}
    else:  # pragma: no cover - a design always has a point
        data = {name: np.zeros(0) for name in names}
    return pd.DataFrame(data, columns=names)


def run_sweep(
    scenario: str | os.PathLike,
    out: str | os.PathLike,
    params: Sequence[str] | Mapping[str, Any] = (),
    metrics: Sequence[str] = ("equilibria",),
    *,
    resume: bool = False,
    overwrite: bool = False,
    command: str | None = None,
    **options: Any,
):
    """Run a sweep and write it to ``out`` (``.parquet`` or ``.csv``) with ``OUT.manifest.json``.

    Chunks are saved in ``OUT.parts/`` as they finish; with ``resume=True`` a sweep started
    before computes only the missing chunks. The results file and the manifest are written
    atomically; the checkpoint directory is removed once they are in place. Without ``resume``
    or ``overwrite`` an existing results file or checkpoint is an :class:`InputError`.

    Returns ``(table, manifest)``.
    """
    out = Path(out)
    fmt = _format_of(out)
    if not out.parent.is_dir():
        raise InputError(f"directory {str(out.parent)!r} does not exist", key="--out")
    if resume and overwrite:
        raise InputError("give --resume or --overwrite, not both", key="--resume")
    parts = parts_path(out)
    keys = {"sample", "seed", "replicates", "strategies", "reps", "chunk_size", "yes"}
    plan = plan_sweep(scenario, params, metrics, **{k: v for k, v in options.items() if k in keys})
    run_options = {k: v for k, v in options.items() if k not in keys}
    unknown = sorted(set(run_options) - {"workers", "scheduler", "timeout", "progress"})
    if unknown:
        raise TypeError(f"run_sweep() got an unexpected keyword argument {unknown[0]!r}")
    check_executor(run_options.get("workers", 1), run_options.get("scheduler"),
                   run_options.get("timeout", DEFAULT_TIMEOUT))
    # one writer per results file: everything below, from the first look at OUT, happens under the lock
    with CheckpointLock(parts):
        if not resume and not overwrite:
            if out.exists():
                raise InputError(f"{out} exists; pass --overwrite to replace it or --resume to finish it",
                                 key="--out")
            if parts.exists():
                raise InputError(f"an interrupted sweep left {parts}; pass --resume to finish it or --overwrite",
                                 key="--out")
        if overwrite and parts.exists():
            shutil.rmtree(parts)
        if resume and out.exists() and not parts.exists():
            manifest = _read_manifest(out)
            if manifest.get("sweep", {}).get("key") == plan.key:
                return _read_table(out, fmt), manifest
            raise InputError(f"{out} holds a different sweep; pass --overwrite to replace it", key="--resume")
        start = time.perf_counter()
        table = _compute(plan, parts, run_options.get("workers", 1), run_options.get("scheduler"),
                         run_options.get("timeout", DEFAULT_TIMEOUT), run_options.get("progress"))
        elapsed = time.perf_counter() - start
        if fmt == "parquet":
            write_atomic(out, lambda tmp: table.to_parquet(tmp, index=False))
        else:
            write_atomic(out, lambda tmp: table.to_csv(tmp, index=False))
        manifest = _manifest(plan, out, command, elapsed, options, list(table.columns))
        text = json.dumps(manifest, indent=2, default=str)
        write_atomic(manifest_path(out), lambda tmp: tmp.write_text(text, encoding="utf-8"))
        shutil.rmtree(parts, ignore_errors=True)
    return table, manifest


def _format_of(out: Path) -> str:
    suffix = out.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix == ".csv":
        return "csv"
    raise InputError(f"unknown output format {suffix or '(none)'!r}; use .parquet or .csv", key="--out")


def _read_manifest(out: Path) -> dict[str, Any]:
    try:
        return json.loads(manifest_path(out).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _read_table(out: Path, fmt: str):
    import pandas as pd

    return pd.read_parquet(out) if fmt == "parquet" else pd.read_csv(out)


def _manifest(plan: SweepPlan, out: Path, command: str | None, elapsed: float, options: Mapping,
              columns: list[str]) -> dict[str, Any]:
    import datetime
    from importlib.metadata import PackageNotFoundError, version

    try:
        tradesim_version = version("tradesim")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        tradesim_version = "unknown"
    scheduler = options.get("scheduler")
    return {
        "tradesim_version": tradesim_version,
        "command": command,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "scenario": plan.job.source,
        "scenario_hash": plan.scenario_hash,
        "root_seed": plan.job.seed,
        "results": out.name,
        "rows": plan.rows,
        "columns": columns,
        "executor": {"workers": options.get("workers", 1),
                     "scheduler": None if scheduler is None else str(scheduler)},
        "elapsed_seconds": round(elapsed, 3),
        "sweep": plan.describe(),
    }
