"""How a sweep's chunks are computed: run seeds, the per-process evaluator, and the executors
(serial, local processes, Dask).

Every executor runs the same function on the same chunks (their size is part of the sweep), so
the table does not depend on which one ran it, on the number of workers, or on finishing order.
"""

from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy as np

from sim._random import run_seeds
from sim.errors import InputError
from sim.sweeps.evaluate import PointEvaluator
from sim.sweeps.metrics import SweepJob
from sim.sweeps.plan import SweepPlan

__all__ = ["run_seeds", "execute", "check_executor", "evaluator"]


# ----------------------------------------------------------------------------- workers
_EVALUATORS: dict[str, PointEvaluator] = {}


def evaluator(key: str, job: SweepJob) -> PointEvaluator:
    """This process's evaluator of the sweep ``key`` (built once, then reused by every chunk)."""
    ev = _EVALUATORS.get(key)
    if ev is None:
        _EVALUATORS.clear()
        ev = _EVALUATORS[key] = PointEvaluator(job)
    return ev


def _run_chunk(key: str, job: SweepJob, index: int, lo: int, values: np.ndarray,
               integer_paths: tuple[str, ...]) -> tuple[int, dict[str, np.ndarray]]:
    """Columns of the runs ``lo .. lo + len(values) - 1`` (chunk ``index``)."""
    ev = evaluator(key, job)
    rows = np.arange(lo, lo + len(values), dtype=np.int64)
    seeds = run_seeds(job.seed, rows)
    cols: dict[str, np.ndarray] = {
        "point": rows // job.replicates,
        "replicate": rows % job.replicates,
        "seed": seeds,
    }
    for a, path in enumerate(job.paths):
        v = values[:, a]
        cols[path] = v.astype(np.int64) if path in integer_paths else v.astype(np.float64)
    cols.update(ev.evaluate(values, seeds))
    return index, cols


_WORKER: dict[str, Any] = {}


def _init_process(key: str, job: SweepJob) -> None:
    _WORKER["key"], _WORKER["job"] = key, job
    evaluator(key, job)


def _run_chunk_in_process(index: int, lo: int, values: np.ndarray, integer_paths: tuple[str, ...]):
    return _run_chunk(_WORKER["key"], _WORKER["job"], index, lo, values, integer_paths)


def _tasks(plan: SweepPlan, indices: Sequence[int]) -> Iterator[tuple[int, int, np.ndarray]]:
    for index in indices:
        lo, hi = plan.chunk_bounds(index)
        points = np.arange(lo, hi) // plan.replicates
        yield index, lo, plan.design.points[points]


def _execute_serial(plan: SweepPlan, indices: Sequence[int]):
    for index, lo, values in _tasks(plan, indices):
        yield _run_chunk(plan.key, plan.job, index, lo, values, plan.integer_paths)


def _execute_processes(plan: SweepPlan, indices: Sequence[int], workers: int):
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    # forkserver/spawn chosen here, at call time: never fork a process that may hold threads
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        # workers fork from a server that has imported the evaluator's modules once
        context.set_forkserver_preload(["sim.sweeps.execute", "sim.model.game", "sim.model.scenario", "sim.repeated.thresholds"])
    tasks = _tasks(plan, indices)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_process,
                             initargs=(plan.key, plan.job)) as pool:
        pending = set()
        exhausted = False
        try:
            while True:
                while not exhausted and len(pending) < 2 * workers:
                    task = next(tasks, None)
                    if task is None:
                        exhausted = True
                        break
                    pending.add(pool.submit(_run_chunk_in_process, *task, plan.integer_paths))
                if not pending:
                    break
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in sorted(done, key=lambda f: f.result()[0]):
                    yield fut.result()
        finally:
            for fut in pending:
                fut.cancel()


def _connect(scheduler: Any, timeout: float):
    """``(client, cluster or None)`` for a scheduler address, ``local:N`` or a Client."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - optional dependency
        raise InputError("Dask is not installed: pip install 'dask[distributed]'", key="--scheduler") from None
    if isinstance(scheduler, Client):
        return scheduler, None, False
    text = str(scheduler)
    if text.startswith("local:"):
        count = text.partition(":")[2]
        if not count.isdigit() or int(count) < 1:
            raise InputError(f"expected local:N with N >= 1, got {text!r}", key="--scheduler")
        cluster = LocalCluster(n_workers=int(count), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return Client(cluster), cluster, True
    if "://" not in text:
        raise InputError(f"expected tcp://HOST:PORT or local:N, got {text!r}", key="--scheduler")
    try:
        client = Client(text, timeout=timeout)
    except Exception as exc:  # refused, timed out, or something that is not a Dask scheduler
        raise InputError(f"cannot reach the scheduler at {text} within {timeout:g} s ({type(exc).__name__})",
                         key="--scheduler") from None
    return client, None, True


def _prepare(key: str, job: SweepJob) -> None:
    evaluator(key, job)


def _execute_dask(plan: SweepPlan, indices: Sequence[int], scheduler: Any, timeout: float):
    from dask.distributed import as_completed

    client, cluster, owned = _connect(scheduler, timeout)
    try:
        # each worker builds the evaluator once, before the first chunk arrives
        client.run(_prepare, plan.key, plan.job)
        # a fresh key per sweep: a key shared with an earlier sweep's job could be released under us
        job = client.scatter(plan.job, broadcast=True, hash=False)
        futures = [client.submit(_run_chunk, plan.key, job, index, lo, values, plan.integer_paths, pure=False)
                   for index, lo, values in _tasks(plan, indices)]
        try:
            for fut in as_completed(futures):
                yield fut.result()
        finally:
            unfinished = [f for f in futures if not f.done()]
            if unfinished:
                client.cancel(unfinished)
            del futures
    finally:
        if owned:
            client.close()
        if cluster is not None:
            cluster.close()


def check_executor(workers: Any, scheduler: Any) -> None:
    """Raise :class:`InputError` for a bad worker count or scheduler address (before any work)."""
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise InputError(f"must be an integer >= 1, got {workers!r}", key="--workers")
    if scheduler is None or not isinstance(scheduler, str):
        return
    if scheduler.startswith("local:"):
        count = scheduler.partition(":")[2]
        if not count.isdigit() or int(count) < 1:
            raise InputError(f"expected local:N with N >= 1, got {scheduler!r}", key="--scheduler")
    elif "://" not in scheduler:
        raise InputError(f"expected tcp://HOST:PORT or local:N, got {scheduler!r}", key="--scheduler")


def execute(plan: SweepPlan, indices: Sequence[int], workers: int, scheduler: Any, timeout: float):
    """Yield ``(chunk index, columns)`` for the chunks ``indices``, in the order they finish."""
    if scheduler is not None:
        return _execute_dask(plan, indices, scheduler, timeout)
    if workers > 1 and len(indices) > 1:
        return _execute_processes(plan, indices, int(workers))
    return _execute_serial(plan, indices)
