"""Markov perfect equilibria: tradesim against sgamesolver (Eibelshäuser and Poensgen's homotopy
solver for stochastic games), in one run, on the same random discounted games.

For each game both solvers find one stationary equilibrium; each answer is checked by tradesim's
one-shot-deviation verification (the largest gain, relative to the payoff range) and the times are
compared as ratios. Zero-sum games use Shapley's iteration (tradesim) against sgamesolver's QRE
homotopy. Run in the benchmark environment (``make bench-env``), where sgamesolver is installed:

    .venv-bench/bin/python benchmarks/bench_markov.py [--quick] [--json PATH]

``--json PATH`` writes ``{"benchmark": "markov", "rows": [{"goal", "measured", "unit", "target",
"ratio", "met", "note"}]}``: per game the time ratio sgamesolver / tradesim (above 1: tradesim is faster;
no goal is set, so ``met`` is null unless tradesim's answer fails to verify, regret above 1e-6)
with both answers' regrets.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import time
from pathlib import Path

import numpy as np

from sim.dynamic.solve import (
    shapley_value_iteration,
    value_iteration,
    verify_stationary,
)
from sim.model.actions import LeverInfo
from sim.model.dynamic import DynamicGame, StateSpace


def random_game(seed: int, S: int, m: int, n: int, delta: float, zero_sum: bool = False) -> DynamicGame:
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(S, m, n))
    B = -A if zero_sum else rng.normal(size=(S, m, n))
    succ = np.broadcast_to(np.arange(S), (S, m, n, S)).copy()
    prob = rng.dirichlet(np.ones(S), size=(S, m, n))
    levers = tuple((LeverInfo("a", tuple(float(i) for i in range(k)), tuple(str(i) for i in range(k))),) for k in (m, n))
    actions = tuple(tuple(f"a={i}" for i in range(k)) for k in (m, n))
    space = StateSpace(("s",), (tuple(float(i) for i in range(S)),), (tuple(str(i) for i in range(S)),), ("",), 0)
    return DynamicGame("random", ("row", "col"), ("row", "col"), actions, levers,
                       (np.arange(m)[:, None], np.arange(n)[:, None]), (delta, delta), None, space, succ, prob, A, B)


def ours(game: DynamicGame, zero_sum: bool):
    t0 = time.perf_counter()
    mpe = shapley_value_iteration(game) if zero_sum else value_iteration(game)
    return time.perf_counter() - t0, mpe.row[0], mpe.col[0], mpe.verified


def _import_sgamesolver():
    # sgamesolver 1.0.2 still uses np.NaN, removed in NumPy 2 (the version tradesim pins): alias it
    if not hasattr(np, "NaN"):
        np.NaN = np.nan
    import sgamesolver

    return sgamesolver


def theirs(game: DynamicGame):
    sgamesolver = _import_sgamesolver()

    payoffs = [np.stack([game.A[s], game.B[s]]) for s in range(game.n_states)]
    trans = []
    for s in range(game.n_states):
        T = np.zeros((*game.shape, game.n_states))
        for i in range(game.shape[0]):
            for j in range(game.shape[1]):
                np.add.at(T[i, j], game.successors[s, i, j], game.probabilities[s, i, j])
        trans.append(T)
    sg = sgamesolver.SGame(payoffs, trans, np.array(game.discount))
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # sgamesolver prints every continuation step
        hom = sgamesolver.homotopy.QRE(sg)
        hom.solver_setup()
        hom.solve()
    elapsed = time.perf_counter() - t0
    sigma = hom.equilibrium.strategies  # (S, players, actions)
    x, y = sigma[:, 0, : game.shape[0]], sigma[:, 1, : game.shape[1]]
    return elapsed, x / x.sum(axis=1, keepdims=True), y / y.sum(axis=1, keepdims=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="the two smallest sizes only")
    ap.add_argument("--delta", type=float, default=0.9)
    ap.add_argument("--json", type=Path, default=None, help="write the rows to this JSON file")
    args = ap.parse_args()
    rows = []
    sizes = [(4, 2, 2), (10, 3, 3), (20, 3, 3), (30, 4, 4)]
    if args.quick:
        sizes = sizes[:2]
    try:
        _import_sgamesolver()
        have_peer = True
    except ImportError:
        have_peer = False
        print("sgamesolver is not installed (make bench-env installs it): tradesim times only")
    print(f"{'game':>22} | {'tradesim s':>10} {'regret':>8} | {'sgamesolver s':>13} {'regret':>8} | ratio")
    for zero_sum in (False, True):
        for S, m, n in sizes:
            game = random_game(S * 100 + m, S, m, n, args.delta, zero_sum)
            t_ours, x, y, ok = ours(game, zero_sum)
            _, r_ours = verify_stationary(game, x, y)
            label = f"{'zero-sum' if zero_sum else 'general'} {S}x{m}x{n}"
            if have_peer:
                t_peer, xp, yp = theirs(game)
                _, r_peer = verify_stationary(game, xp, yp)
                print(f"{label:>22} | {t_ours:10.4f} {r_ours:8.1e} | {t_peer:13.4f} {r_peer:8.1e} | "
                      f"{t_peer / t_ours:5.1f}x")
                rows.append({"goal": f"markov {label}: sgamesolver s / tradesim s",
                             "measured": round(t_peer / t_ours, 2),
                             "unit": "x", "target": None, "ratio": round(t_peer / t_ours, 2),
                             "met": None if r_ours <= 1e-6 else False,
                             "note": f"tradesim {t_ours:.4f} s (regret {r_ours:.1e}), sgamesolver {t_peer:.4f} s "
                                     f"(regret {r_peer:.1e})"})
            else:
                print(f"{label:>22} | {t_ours:10.4f} {r_ours:8.1e} | {'-':>13} {'-':>8} | -")
                rows.append({"goal": f"markov {label}: tradesim seconds", "measured": round(t_ours, 4), "unit": "s",
                             "target": None, "ratio": None, "met": None,
                             "note": f"regret {r_ours:.1e}; sgamesolver not installed"})
    print("regret: largest one-shot deviation gain relative to the payoff range (tradesim's check of both answers)")
    if args.json:
        args.json.write_text(json.dumps({"benchmark": "markov", "rows": rows}, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
