"""How a sweep's chunks are computed: run seeds, the per-process evaluator, and the executors
(serial, local processes, Dask).

Every executor runs the same function on the same chunks (their size is part of the sweep), so
the table does not depend on which one ran it, on the number of workers, or on finishing order.
"""

from __future__ import annotations

import math
from typing import Any, Iterator, Sequence

import numpy as np

from sim._random import run_seeds
from sim.errors import InputError
from sim.sweeps.evaluate import PointEvaluator
from sim.sweeps.metrics import SweepJob
from sim.sweeps.nplayer_eval import NPlayerEvaluator, make_evaluator
from sim.sweeps.plan import SweepPlan

__all__ = ["run_seeds", "execute", "check_executor", "check_timeout", "evaluator", "MAX_TIMEOUT"]

#: Longest wait for a scheduler, in seconds (a day).
MAX_TIMEOUT = 86_400.0


# ----------------------------------------------------------------------------- workers
_EVALUATORS: dict[str, PointEvaluator | NPlayerEvaluator] = {}


def evaluator(key: str, job: SweepJob) -> PointEvaluator | NPlayerEvaluator:
    """This process's evaluator of the sweep ``key`` (built once, then reused by every chunk)."""
    ev = _EVALUATORS.get(key)
    if ev is None:
        _EVALUATORS.clear()
        ev = _EVALUATORS[key] = make_evaluator(job)
    return ev


def _run_chunk(key: str, job: SweepJob, index: int, lo: int, values: np.ndarray,
               integer_paths: tuple[str, ...]) -> tuple[int, dict[str, np.ndarray]]:
    """Columns of the runs ``lo .. lo + len(values) - 1`` (chunk ``index``).

    Floating-point warnings are off: every metric checks what it must be finite explicitly (a
    non-finite payoff is an error naming the point; NaN columns mean "none"), and a numpy warning
    would reach the user beside the error, from any executor.
    """
    with np.errstate(all="ignore"):
        return _run_chunk_quietly(key, job, index, lo, values, integer_paths)


def _run_chunk_quietly(key: str, job: SweepJob, index: int, lo: int, values: np.ndarray,
                       integer_paths: tuple[str, ...]) -> tuple[int, dict[str, np.ndarray]]:
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
    import warnings

    # our own worker process: a warning would reach the user's terminal beside (or before) the error
    warnings.simplefilter("ignore")
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
    return _connect_remote(Client, text, timeout), None, True


def _connect_remote(client_class, address: str, timeout: float):
    """A Client of the scheduler at ``address``, or an :class:`InputError` saying what failed.

    The connection runs in a daemon thread with a hard deadline: a port that accepts and then
    says nothing keeps Dask's own handshake waiting for ever.
    """
    import threading

    outcome: dict[str, Any] = {}

    def connect() -> None:
        try:
            outcome["client"] = client_class(address, timeout=timeout)
        except BaseException as exc:  # reported below, in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=connect, name="tradesim-dask-connect", daemon=True)
    thread.start()
    thread.join(timeout + 2.0)
    if "client" in outcome:
        return outcome["client"]
    exc = outcome.get("error")
    if exc is None or isinstance(exc, (OSError, TimeoutError)):
        why = f"nothing answered within {timeout:g} s"
    elif isinstance(exc, (ValueError, TypeError)) and str(exc):
        why = f"not a usable address ({_first_line(exc)})"
    else:  # it answered, but not as a Dask scheduler (or the connection broke mid-handshake)
        why = f"something answered, but not as a Dask scheduler ({type(exc).__name__}: {_first_line(exc)})"
    raise InputError(f"cannot reach the scheduler at {address}: {why}", key="--scheduler")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else "no message")[:200]


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


def check_timeout(timeout: Any) -> None:
    """Raise :class:`InputError` unless ``timeout`` is a finite number of seconds in (0, a day]."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float, np.integer, np.floating)):
        raise InputError(f"must be a number of seconds, got {timeout!r}", key="--timeout")
    if not math.isfinite(timeout) or not 0 < timeout <= MAX_TIMEOUT:
        raise InputError(f"must be a finite number of seconds > 0 and <= {MAX_TIMEOUT:,.0f}, got {timeout:g}",
                         key="--timeout")


def check_executor(workers: Any, scheduler: Any, timeout: Any = 10.0) -> None:
    """Raise :class:`InputError` for a bad worker count, scheduler address or timeout (before any work)."""
    check_timeout(timeout)
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
