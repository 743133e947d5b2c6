"""Start-up of the ``tradesim`` command on the prisoner's dilemma, against ``import numpy``, in one run.

Times ``python -c "import numpy"`` and ``tradesim validate``, ``solve``, ``play`` and ``tournament``
on ``scenarios/prisoners_dilemma.toml``, each a fresh process, the best of ``--repeat`` warm runs
(one untimed round first, so the file system cache, the bytecode cache and numba's cache are warm;
the commands take turns, so the machine's load weighs on all of them alike).
Goals: ``validate`` and ``solve`` within twice ``import numpy`` plus 0.3 s (``2 t + 0.3``), ``play``
and ``tournament`` under 1.5 s. Prints each wall time with its ratio to its goal (and the least CPU
time, user + system, which a busy machine inflates less); ``--json PATH`` writes
``{"benchmark": "startup", "rows": [{"name", "seconds", "target_seconds", "met"}]}`` (the
``import numpy`` row is the baseline: its target and ``met`` are ``null``). Exit status 1 if a goal
is missed.

The runs get their own bytecode cache (``PYTHONPYCACHEPREFIX`` in a temporary directory; an
environment that sets ``PYTHONDONTWRITEBYTECODE`` would otherwise compile every module of the
package in every run); ``--as-is`` keeps the environment unchanged::

    .venv/bin/python benchmarks/bench_startup.py
    .venv/bin/python benchmarks/bench_startup.py --repeat 9 --json startup.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "scenarios/prisoners_dilemma.toml"
COMMANDS = ("validate", "solve", "play", "tournament")
#: ``validate`` and ``solve``: at most ``FACTOR * t(import numpy) + SLACK`` seconds.
FACTOR, SLACK = 2.0, 0.3
#: ``play`` and ``tournament``: under this many seconds.
PLAY_SECONDS = 1.5


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``argv``, which must succeed."""
    t0, c0 = time.perf_counter(), _child_cpu()
    done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          check=False)
    elapsed, cpu = time.perf_counter() - t0, _child_cpu() - c0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[1:])} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed, cpu


def measure(repeat: int, env: dict[str, str]) -> tuple[list[dict], dict[str, float]]:
    """The rows (the ``import numpy`` baseline, then each command with its target), and each run's
    least CPU time (user + system; what a busy machine inflates least).

    The runs are interleaved (every command once per round, one untimed round first), so a change
    in the machine's load moves every row alike and the ratios stay comparable.
    """
    runs = {"import numpy": [sys.executable, "-c", "import numpy"]}
    runs |= {f"tradesim {command}": [sys.executable, "-m", "sim", command, SCENARIO] for command in COMMANDS}
    best = dict.fromkeys(runs, float("inf"))
    cpu = dict.fromkeys(runs, float("inf"))
    for k in range(repeat + 1):
        for name, argv in runs.items():
            elapsed, used = run_once(argv, env)
            if k:
                best[name] = min(best[name], elapsed)
                cpu[name] = min(cpu[name], used)
    numpy_s = best.pop("import numpy")
    rows = [{"name": "import numpy", "seconds": numpy_s, "target_seconds": None, "met": None}]
    for command in COMMANDS:
        seconds = best[f"tradesim {command}"]
        target = FACTOR * numpy_s + SLACK if command in ("validate", "solve") else PLAY_SECONDS
        rows.append({"name": f"tradesim {command}", "seconds": seconds, "target_seconds": target,
                     "met": seconds <= target})
    return rows, cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="timed runs of each command (the best is reported)")
    ap.add_argument("--json", metavar="PATH", help="also write the rows as JSON to PATH")
    ap.add_argument("--as-is", action="store_true",
                    help="run with the environment unchanged (no private bytecode cache)")
    args = ap.parse_args(argv)
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as cache:
        if not args.as_is:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = cache
        rows, cpu = measure(max(1, args.repeat), env)
    print(f"start-up on {SCENARIO}, best of {args.repeat} warm runs "
          f"(goals: validate, solve <= {FACTOR:g} x import numpy + {SLACK:g} s; play, tournament < {PLAY_SECONDS:g} s)")
    for row in rows:
        if row["target_seconds"] is None:
            print(f"  {row['name']:<20s} {row['seconds']:6.3f} s  (cpu {cpu[row['name']]:5.3f} s)  baseline")
        else:
            ratio = row["seconds"] / row["target_seconds"]
            print(f"  {row['name']:<20s} {row['seconds']:6.3f} s  (cpu {cpu[row['name']]:5.3f} s)  "
                  f"goal {row['target_seconds']:5.3f} s  "
                  f"ratio {ratio:4.2f}  {'met' if row['met'] else 'MISSED'}")
    if args.json:
        Path(args.json).write_text(json.dumps({"benchmark": "startup", "rows": rows}, indent=2) + "\n",
                                   encoding="utf-8")
    return 0 if all(row["met"] is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
