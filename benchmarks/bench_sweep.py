"""Sweep throughput: points/s of a two-parameter sweep of the US–China scenario.

    .venv/bin/python benchmarks/bench_sweep.py [--points 10000] [--repeat 3] [--no-dask]

Metrics: ``equilibria`` (pure) and ``critical_delta`` (grim-trigger thresholds). Executors:
serial in this process; a process pool of 1 and of 2 workers (forkserver; a new pool per run);
a 2-worker Dask LocalCluster (once from cold with ``scheduler="local:2"``, then on a running
cluster). For each, two rates:

* end to end: points / wall time of the whole sweep, pool or cluster start-up included;
* steady: points after the first finished chunk / time after it (start-up excluded), the
  number that matters for long sweeps.

Scaling is the 2-worker rate over the 1-worker rate (ideal 2.0). The machine's load average is
printed first: on a shared machine, other people's jobs take cores and lower the scaling.
Each configuration runs ``--repeat`` times; the best run is reported (least disturbed).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _timed(run, rows: int) -> tuple[float, float]:
    """``(end-to-end points/s, steady points/s)`` of ``run(progress)``."""
    marks: list[tuple[float, int]] = []
    start = time.perf_counter()
    run(lambda done, total: marks.append((time.perf_counter(), done)))
    end = time.perf_counter()
    started = [(t, d) for t, d in marks if d > 0]
    t1, d1 = started[0]
    steady = (rows - d1) / (end - t1) if rows > d1 and end > t1 else math.nan
    return rows / (end - start), steady


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()

    from sim.sweeps.execute import _execute_processes
    from sim.sweeps.run import plan_sweep, sweep

    side = max(1, round(math.sqrt(args.points)))
    params = [f"us_re_cost=20:400:{side}", f"cn_re_cost=2:30:{side}"]
    metrics = ["equilibria", "critical_delta"]
    plan = plan_sweep(ROOT / "scenarios" / "us_china_2025.toml", params, metrics)
    rows = plan.rows
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
          f"{rows} points x {len(metrics)} metrics ({', '.join(metrics)}), {plan.chunks} chunks of {plan.chunk_size}")

    def serial(progress):
        sweep(None, plan=plan, progress=progress)

    def pool(workers):
        def run(progress):
            done = 0
            progress(0, rows)
            for _, cols in _execute_processes(plan, list(range(plan.chunks)), workers):
                done += len(cols["point"])
                progress(done, rows)
        return run

    configs = [("serial (in process)", serial), ("1 process", pool(1)), ("2 processes", pool(2))]
    serial(lambda d, t: None)  # warm caches (imports, evaluator) once
    cold = _timed(pool(1), rows)  # the first pool also starts the forkserver (once per process)
    print(f"{'1 process, first pool':<30} end to end {cold[0]:>9,.0f} points/s   steady {cold[1]:>9,.0f} points/s")
    results = {}

    def measure(name, run):
        runs = [_timed(run, rows) for _ in range(args.repeat)]
        best = (max(r[0] for r in runs), max(r[1] for r in runs))
        results[name] = best
        print(f"{name:<30} end to end {best[0]:>9,.0f} points/s   steady {best[1]:>9,.0f} points/s")

    for name, run in configs:
        measure(name, run)
    # Dask last: its clusters (and the event-loop thread they leave in this process) would
    # otherwise take CPU from the process-pool runs on a small machine
    if not args.no_dask:
        from dask.distributed import Client, LocalCluster

        cold = _timed(lambda progress: sweep(None, plan=plan, scheduler="local:2", progress=progress), rows)
        print(f"{'Dask local:2, cold start':<30} end to end {cold[0]:>9,.0f} points/s   steady {cold[1]:>9,.0f} points/s")
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            with Client(cluster) as client:
                measure("Dask LocalCluster, 2 workers",
                        lambda progress: sweep(None, plan=plan, scheduler=client, progress=progress))
    one, two = results["1 process"], results["2 processes"]
    cpu = time.process_time()
    serial(lambda d, t: None)
    cpu = time.process_time() - cpu
    print(f"serial: {results['serial (in process)'][1]:,.0f} points/s of wall time on one core; "
          f"{rows / cpu:,.0f} points per CPU-second (independent of other load)")
    print(f"scaling 1 -> 2 processes: end to end {two[0] / one[0]:.2f}x, steady {two[1] / one[1]:.2f}x "
          f"(efficiency {two[1] / one[1] / 2:.0%})")
    if "Dask LocalCluster, 2 workers" in results:
        dk = results["Dask LocalCluster, 2 workers"]
        print(f"Dask 2 workers vs 1 process: end to end {dk[0] / one[0]:.2f}x, steady {dk[1] / one[1]:.2f}x")


if __name__ == "__main__":
    main()
