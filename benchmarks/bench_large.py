"""Time and peak memory of each one-shot analysis on large games (64 to 1000 actions a side).

Every (analysis, size) runs in a fresh subprocess, which reports its own wall time and peak
resident memory (``resource.getrusage``; the peak includes the interpreter, numpy and scipy,
about 150 MB; scipy is imported before the clock starts). Games are seeded: ``random`` has standard normal payoffs (no dominance; the hard
case for the LPs), ``ordered`` adds a trend along each player's own actions (most actions
dominated; the hard case for dominance). ``all analyses`` runs every analysis in one process under
one shared 60-second budget, as ``tradesim solve`` would (without the equilibrium search and the
knife edges, which are not stage analyses).

Usage::

    .venv/bin/python benchmarks/bench_large.py [--sizes 64,128,256,512,1000] [--only NAME] [--json PATH]

Prints one row per (analysis, size): seconds, peak MB, the targets (at 1000 a side, the goal of a
minute and 2 GB for everything) and whether they were met; analyses that stopped at their budget
say so. ``--json PATH`` writes ``{"benchmark": "large_games", "rows": [{"name", "seconds",
"peak_mb", "target_seconds", "target_mb", "met"}]}``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: analysis -> (a Python expression on the game A, B; target seconds at 1000 a side)
ANALYSES = {
    "dominance (pure)": ("iterated_dominance(A, B)", 10.0),
    "dominance (pure, ordered game)": ("iterated_dominance(*ordered(A, B))", 10.0),
    "dominance (mixed)": ("iterated_dominance(A, B, mixed=True, max_seconds=30)", 32.0),
    "dominance (mixed, ordered game)": ("iterated_dominance(*ordered(A, B), mixed=True, max_seconds=30)", 32.0),
    "security levels": ("security_levels(A, B, max_seconds=40)", 42.0),
    "pareto profiles": ("pareto_profiles(A, B)", 5.0),
    "nash bargaining + kalai-smorodinsky": ("(nash_bargaining((A, B), D), kalai_smorodinsky((A, B), D))", 10.0),
    "utilitarian optimum": ("utilitarian_optimum((A, B))", 2.0),
    "correlated equilibrium": ("correlated_equilibrium((A, B), max_seconds=60)", 62.0),
    "stackelberg (pure, both leaders)": ("(stackelberg((A, B), 0), stackelberg((A, B), 1))", 2.0),
    "stackelberg (mixed, both leaders)": ("(stackelberg_mixed((A, B), 0, max_seconds=20), "
                                          "stackelberg_mixed((A, B), 1, max_seconds=20))", 42.0),
    "threat check": ("threat_check((A, B), 0, 1, 1, baseline=(0, 0))", 2.0),
    "all analyses (one 60 s budget)": ("run_all(A, B, 60.0)", 65.0),
}
TARGET_MB = 2048.0

CHILD = r"""
import json, resource, sys, time
import numpy as np
import scipy.optimize, scipy.sparse  # imported before the clock starts: the first LP would pay ~1 s
from sim.stage.bargaining import (correlated_equilibrium, kalai_smorodinsky, nash_bargaining, pareto_profiles,
                                  utilitarian_optimum)
from sim.stage.budget import Budget
from sim.stage.commitment import stackelberg, stackelberg_mixed, threat_check
from sim.stage.dominance import iterated_dominance
from sim.stage.security import security_levels

size, seed, expr = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(seed)
A, B = rng.standard_normal((size, size)), rng.standard_normal((size, size))
D = (float(A.min(axis=1).max()), float(B.min(axis=0).max()))  # pure maxmin values: a disagreement point
complete = []

def ordered(A, B):
    t = np.linspace(0.0, 3.0, len(A))
    return 0.1 * A + t[:, None], 0.1 * B + t[None, :]

def run_all(A, B, seconds):
    b = Budget(seconds)
    out = [iterated_dominance(A, B, budget=b), *security_levels(A, B, budget=b), pareto_profiles(A, B),
           nash_bargaining((A, B), D, budget=b), kalai_smorodinsky((A, B), D, budget=b), utilitarian_optimum((A, B)),
           stackelberg((A, B), 0), stackelberg((A, B), 1), stackelberg_mixed((A, B), 0, budget=b.child(seconds / 6)),
           stackelberg_mixed((A, B), 1, budget=b.child(seconds / 6)), correlated_equilibrium((A, B), budget=b)]
    return out

t = time.perf_counter()
result = eval(compile(expr, "<bench>", "eval"))  # one of the expressions of ANALYSES
seconds = time.perf_counter() - t
results = result if isinstance(result, (tuple, list)) else [result]
flat = [r for x in results for r in (x if isinstance(x, tuple) else (x,))]
done = all(getattr(r, "complete", True) for r in flat)
print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "complete": done}))
"""


def run(name: str, size: int, seed: int, timeout: float) -> dict:
    expr, _ = ANALYSES[name]
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, str(size), str(seed), expr], cwd=ROOT, capture_output=True,
                              text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"seconds": timeout, "peak_mb": float("nan"), "complete": False, "error": f"over {timeout:g} s"}
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"seconds": float("nan"), "peak_mb": float("nan"), "complete": False, "error": tail}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="64,128,256,512,1000", help="actions a side, comma separated")
    ap.add_argument("--only", action="append", default=None, help="run only analyses whose name contains this")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None, help="write the rows to this JSON file")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    names = [n for n in ANALYSES if not args.only or any(o in n for o in args.only)]
    rows = []
    print(f"{'analysis':38s} {'size':>9s} {'seconds':>8s} {'peak MB':>8s} {'target':>14s}  met")
    for name in names:
        target_s = ANALYSES[name][1]
        for size in sizes:
            out = run(name, size, args.seed, timeout=max(4 * target_s, 120.0))
            met = bool(out["seconds"] <= target_s and out["peak_mb"] <= TARGET_MB and "error" not in out)
            label = f"{name} {size}x{size}"
            rows.append({"name": label, "seconds": round(out["seconds"], 3), "peak_mb": round(out["peak_mb"], 1),
                         "target_seconds": target_s, "target_mb": TARGET_MB, "met": met})
            extra = out.get("error") or ("" if out["complete"] else "stopped by its budget")
            print(f"{name:38s} {size:>4d}x{size:<4d} {out['seconds']:8.2f} {out['peak_mb']:8.0f} "
                  f"{target_s:5.0f} s/{TARGET_MB:4.0f} MB  {'yes' if met else 'NO'}  {extra}", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"benchmark": "large_games", "rows": rows}, indent=1) + "\n", encoding="utf-8")
    return 0 if all(r["met"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
