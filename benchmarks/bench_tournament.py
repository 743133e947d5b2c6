"""Round robin of ten classic strategies in tradesim and in Axelrod 4.14, in one run.

Same field (8 deterministic classics + generous TFT (p = 1/3) + random), 200 turns,
100 repetitions, noise 0.05, self-play included, full results built on both sides. Prints
match-turns per second for both and their ratio, checks that every deterministic pair scores
exactly as in Axelrod (no noise), and compares the noisy mean scores.

Run in the benchmark environment (``make bench-env``)::

    .venv-bench/bin/python benchmarks/bench_tournament.py            # full (Axelrod takes ~30 s)
    .venv-bench/bin/python benchmarks/bench_tournament.py --axelrod-reps 20   # quicker

One core: the process pins itself to one CPU (``--cpu``) and numpy runs single-threaded.
``--json PATH`` writes ``{"benchmark": "tournament", "rows": [{"goal", "measured", "unit", "target",
"ratio", "met", "note"}]}``: tradesim's rate and its ratio to Axelrod's (no goal set: ``met`` null) and
the deterministic pairs that score unlike Axelrod (goal: none). Without Axelrod installed (outside
``make bench-env``) only tradesim is timed. ``--quick``: 20 Axelrod repetitions, two tradesim runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402

from sim.model.game import StageGame  # noqa: E402
from sim.repeated.tournament import round_robin  # noqa: E402

OURS = [
    "always_cooperate",
    "always_defect",
    "tit_for_tat",
    "grim_trigger",
    "tit_for_two_tats",
    "win_stay_lose_shift",
    "suspicious_tit_for_tat",
    "alternator",
    f"generous_tit_for_tat:g={1 / 3!r}",
    "random",
]


def axelrod_players(axl):
    return [
        axl.Cooperator(),
        axl.Defector(),
        axl.TitForTat(),
        axl.Grudger(),
        axl.TitFor2Tats(),
        axl.WinStayLoseShift(),
        axl.SuspiciousTitForTat(),
        axl.Alternator(),
        axl.GTFT(p=1 / 3),
        axl.Random(0.5),
    ]


def pd_game() -> StageGame:
    return StageGame.from_matrices([[3, 0], [5, 1]], [[3, 5], [0, 1]], actions=(("C", "D"), ("C", "D")),
                                   cooperative=(0, 0))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--turns", type=int, default=200)
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--noise", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--axelrod-reps", type=int, default=None, help="repetitions for Axelrod (default: --reps)")
    ap.add_argument("--repeat", type=int, default=5, help="timed tradesim runs (best is reported)")
    ap.add_argument("--cpu", type=int, default=None, help="pin to this CPU (default: the first allowed)")
    ap.add_argument("--skip-axelrod", action="store_true")
    ap.add_argument("--quick", action="store_true", help="20 Axelrod repetitions, two tradesim runs")
    ap.add_argument("--json", type=Path, default=None, help="write the rows to this JSON file")
    args = ap.parse_args()
    if args.quick:
        args.axelrod_reps, args.repeat = args.axelrod_reps or 20, min(args.repeat, 2)
    rows: list[dict] = []

    def finish(status: int) -> int:
        if args.json:
            args.json.write_text(json.dumps({"benchmark": "tournament", "rows": rows}, indent=1) + "\n",
                                 encoding="utf-8")
        return status

    if hasattr(os, "sched_setaffinity"):
        allowed = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {args.cpu if args.cpu is not None else allowed[0]})

    game = pd_game()
    k = len(OURS)
    matches = k * (k + 1) // 2  # self-play included, as in Axelrod
    match_turns = matches * args.reps * args.turns

    # ---- tradesim
    t0 = time.perf_counter()
    ours = round_robin(game, OURS, rounds=args.turns, replicates=args.reps, noise=args.noise, seed=args.seed)
    cold = time.perf_counter() - t0
    times = []
    for r in range(args.repeat):
        t0 = time.perf_counter()
        ours = round_robin(game, OURS, rounds=args.turns, replicates=args.reps, noise=args.noise, seed=args.seed + r)
        ours.to_dict()  # full results built
        times.append(time.perf_counter() - t0)
    best = min(times)
    ours_rate = match_turns / best
    print(f"field: {k} strategies, {matches} matches (self-play incl.), {args.turns} turns, {args.reps} repetitions, "
          f"noise {args.noise}: {match_turns:,} match-turns")
    print(f"tradesim: best {best:.3f} s of {args.repeat} (median {np.median(times):.3f} s, first call {cold:.3f} s) "
          f"-> {ours_rate:,.0f} match-turns/s")

    rows.append({"goal": "tournament: tradesim match-turns/s (10 strategies, 200 turns, noise)",
                 "measured": round(ours_rate), "unit": "turns/s", "target": None, "ratio": None, "met": None,
                 "note": f"{match_turns:,} match-turns in {best:.3f} s"})
    if args.skip_axelrod:
        return finish(0)
    try:
        import axelrod as axl
    except ImportError:
        print("axelrod is not installed (make bench-env installs it): tradesim times only")
        rows[-1]["note"] += "; Axelrod not installed"
        return finish(0)

    # ---- exactness on deterministic pairs (no noise)
    players = axelrod_players(axl)
    det = [i for i, p in enumerate(players) if not axl.Classifiers["stochastic"](p)]
    exact = round_robin(game, [OURS[i] for i in det], rounds=args.turns, replicates=1, noise=0.0, seed=0)
    mismatches = 0
    for a_pos, a in enumerate(det):
        for b_pos, b in enumerate(det):
            match = axl.Match((axelrod_players(axl)[a], axelrod_players(axl)[b]), turns=args.turns)
            match.play()
            sa, sb = match.final_score()
            if a == b:
                ours_a = ours_b = exact.pairwise[a_pos, a_pos] * args.turns
            else:
                ours_a, ours_b = exact.pairwise[a_pos, b_pos] * args.turns, exact.pairwise[b_pos, a_pos] * args.turns
            if (round(ours_a), round(ours_b)) != (sa, sb):
                mismatches += 1
                print(f"  MISMATCH {OURS[a]} vs {OURS[b]}: tradesim {ours_a:.0f},{ours_b:.0f} axelrod {sa},{sb}")
    print(f"deterministic pairs: {len(det) ** 2} ordered pairs, {mismatches} mismatches with Axelrod")
    rows.append({"goal": "tournament: deterministic pairs scoring unlike Axelrod", "measured": mismatches,
                 "unit": "pairs", "target": 0, "ratio": None, "met": mismatches == 0,
                 "note": f"of {len(det) ** 2} ordered pairs, no noise"})

    # ---- Axelrod's tournament
    ax_reps = args.axelrod_reps or args.reps
    ax_turns = matches * ax_reps * args.turns
    tournament = axl.Tournament(axelrod_players(axl), turns=args.turns, repetitions=ax_reps, noise=args.noise,
                                seed=args.seed)
    t0 = time.perf_counter()
    results = tournament.play(progress_bar=False, processes=None, build_results=True)
    ax_time = time.perf_counter() - t0
    ax_rate = ax_turns / ax_time
    print(f"axelrod {axl.__version__}: {ax_time:.2f} s for {ax_turns:,} match-turns ({ax_reps} repetitions) "
          f"-> {ax_rate:,.0f} match-turns/s")
    print(f"ratio tradesim / axelrod: {ours_rate / ax_rate:,.0f}x")
    rows.append({"goal": "tournament: tradesim / Axelrod match-turns per second",
                 "measured": round(ours_rate / ax_rate, 1),
                 "unit": "x", "target": None, "ratio": round(ours_rate / ax_rate, 1), "met": None,
                 "note": f"Axelrod {axl.__version__}, {ax_reps} repetitions, {ax_time:.1f} s"})

    # ---- noisy scores side by side (per-turn payoff against each opponent, averaged)
    ax_pm = np.asarray(results.payoff_matrix)
    ours_pm = ours.pairwise
    print("mean per-turn payoff (tradesim | axelrod):")
    for i, name in enumerate(OURS):
        print(f"  {name:40s} {np.mean(ours_pm[i]):.3f} | {np.mean(ax_pm[i]):.3f}")
    print(f"max |difference| of pairwise per-turn payoffs: {np.max(np.abs(ours_pm - ax_pm)):.3f}")
    # the same difference in standard errors (each side's spread over repetitions)
    ax_sd = np.asarray(results.payoff_stddevs)
    se = np.sqrt(ours.pairwise_std**2 / args.reps + ax_sd**2 / ax_reps)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (ours_pm - ax_pm) / se, 0.0)
    worst = np.unravel_index(np.argmax(np.abs(z)), z.shape)
    print(f"largest |z| over {k * k} ordered pairs: {abs(z[worst]):.2f} ({OURS[worst[0]]} vs {OURS[worst[1]]}); "
          f"pairs with |z| > 3: {int((np.abs(z) > 3).sum())}")
    return finish(1 if mismatches else 0)


if __name__ == "__main__":
    sys.exit(main())
