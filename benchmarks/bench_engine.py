"""10^6 replicate-rounds of a noisy two-strategy match on the US–China game, on one core.

Target: under one second. Reports replicate-rounds per second for several strategy pairs, with
and without stored paths, on the compiled (numba) path: the kernels are loaded before the clock
starts (a match this size would load them by itself; small ones stay on numpy). Falls back to a
random 16×54 multi-lever game if the scenario is missing. ``--json PATH`` writes
``{"benchmark": "engine", "rows": [{"goal", "measured", "unit", "target", "ratio", "met", "note"}]}``
(``ratio`` = target / seconds, 1 or more when met); ``--quick``: two timed runs per pair.

    .venv/bin/python benchmarks/bench_engine.py [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402

from sim.model.game import LeverInfo, StageGame  # noqa: E402
from sim.repeated.engine import play  # noqa: E402
from sim.repeated.kernels import kernels  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def random_lever_game(seed: int = 0) -> StageGame:
    """A 16×54 game: levers 4×2×2 against 3×3×3×2, hostile moves hurt the other side."""
    rng = np.random.default_rng(seed)
    sizes = ((4, 2, 2), (3, 3, 3, 2))
    grids = [np.array(list(itertools.product(*(range(k) for k in s)))) for s in sizes]
    h = [(g / (np.array(s) - 1)).mean(axis=1) for g, s in zip(grids, sizes)]
    A = 20 - 60 * h[1][None, :] + 10 * h[0][:, None] + rng.normal(0, 2, (16, 54))
    B = -40 - 50 * h[0][:, None] + 8 * h[1][None, :] + rng.normal(0, 2, (16, 54))
    levers = tuple(tuple(LeverInfo(f"l{k}", tuple(float(x) for x in range(n)), tuple(str(x) for x in range(n)))
                         for k, n in enumerate(s)) for s in sizes)
    labels = tuple(tuple(",".join(map(str, row)) for row in g) for g in grids)
    return StageGame(name="random 16x54", player_ids=("us", "china"), player_names=("us", "china"), actions=labels,
                     A=A, B=B, terms=({"payoff": A}, {"payoff": B}), levers=levers, action_levels=tuple(grids),
                     discount=(0.85, 0.95), cooperative=(0, 0))


def load_game() -> StageGame:
    path = ROOT / "scenarios" / "us_china_2025.toml"
    try:
        from sim.model.game import build_game
        from sim.model.load import load_scenario

        return build_game(load_scenario(path))
    except Exception as exc:  # noqa: BLE001 - fall back to a synthetic game of the same size
        print(f"(scenario unavailable: {exc}; using a random 16x54 game)")
        return random_lever_game()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--cells", type=int, default=1_000_000, help="replicate-rounds per run")
    ap.add_argument("--noise", type=float, default=0.05)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cpu", type=int, default=None)
    ap.add_argument("--quick", action="store_true", help="two timed runs per pair")
    ap.add_argument("--json", type=Path, default=None, help="write the rows to this JSON file")
    args = ap.parse_args()
    if args.quick:
        args.repeat = min(args.repeat, 2)
    if hasattr(os, "sched_setaffinity"):
        allowed = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {args.cpu if args.cpu is not None else allowed[0]})

    game = load_game()
    compiled = kernels() is not None  # load (or compile) the kernels now, not inside a timed run
    reps = args.cells // args.rounds
    print(f"{game.name}: {game.shape[0]}x{game.shape[1]} actions, {args.rounds} rounds x {reps:,} replicates "
          f"= {reps * args.rounds:,} replicate-rounds, noise {args.noise}")
    pairs = [
        ("generous_tit_for_tat", "deadline_truce:k=4"),
        ("tit_for_tat", "deadline_truce:k=4"),
        ("escalation_ladder", "grim_trigger"),
        ("fictitious_play", "random"),
    ]
    worst = 0.0
    rows = []
    for pair in pairs:
        for paths in (False, True):
            play(game, pair, rounds=args.rounds, replicates=100, noise=args.noise, seed=0, paths=paths)  # warm up
            times = []
            for r in range(args.repeat):
                t0 = time.perf_counter()
                play(game, pair, rounds=args.rounds, replicates=reps, noise=args.noise, seed=r, paths=paths)
                times.append(time.perf_counter() - t0)
            best = min(times)
            worst = max(worst, best)
            print(f"  {pair[0]:>22s} vs {pair[1]:<20s} paths={str(paths):5s}: best {best:.3f} s, "
                  f"median {np.median(times):.3f} s -> {reps * args.rounds / best / 1e6:,.1f} M replicate-rounds/s")
            rows.append({"goal": f"engine, 10^6 replicate-rounds: {pair[0]} vs {pair[1]}{' +paths' if paths else ''}",
                         "measured": round(best, 4), "unit": "s", "target": 1.0, "ratio": round(1.0 / best, 3),
                         "met": best < 1.0, "note": "numba" if compiled else "numpy (numba missing)"})
    print(f"slowest pair: {worst:.3f} s for 10^6 replicate-rounds "
          f"({'under' if worst < 1 else 'OVER'} one second)")
    if args.json:
        args.json.write_text(json.dumps({"benchmark": "engine", "rows": rows}, indent=1) + "\n", encoding="utf-8")
    return 0 if worst < 1 else 1


if __name__ == "__main__":
    sys.exit(main())
