"""Time tradesim's vertex enumeration against peers on the same seeded random games.

Peers (each optional; missing ones are reported as such):

* nashpy ``Game.vertex_enumeration`` (a project dependency), run in a subprocess with a time cap;
* QuantEcon ``game_theory.vertex_enumeration`` (``pip install quantecon``; put it on PYTHONPATH
  or in a separate env), timed after a warm-up call that compiles its numba code;
* ``lrsnash`` from Debian's ``lrslib`` (exact arithmetic; the reference for agreement).

Games: integer payoffs drawn uniformly from [0, 10^6) with a fixed seed per (size, game), so every
peer sees the same exact game; plus the US-China scenario (full 16x54 game, no dominance
reduction; its float payoffs are passed to lrsnash as exact rationals).

Usage::

    PYTHONPATH=/path/to/quantecon .venv/bin/python benchmarks/bench_equilibria.py [--games 3] [--quick]

Prints per size the median seconds (all equilibria) of ours and of each peer, the ratio
``fastest peer / ours`` and whether the equilibrium sets agree with ours.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.stage.enumeration import vertex_enumeration_arrays  # noqa: E402

LRSNASH = shutil.which("lrsnash")


def game(m: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 10**6, (m, n)).astype(float), rng.integers(0, 10**6, (m, n)).astype(float)


def key_set(pairs) -> set:
    return {tuple(np.round(np.concatenate([x, y]), 6)) for x, y in pairs}


def ours(A, B):
    t = time.perf_counter()
    raw = vertex_enumeration_arrays(A, B)
    return time.perf_counter() - t, raw.pairs


def _num(v: float) -> str:
    f = Fraction(float(v))
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


def lrs(A, B, cap):
    m, n = A.shape
    text = f"{m} {n}\n\n" + "\n".join(" ".join(_num(v) for v in r) for r in A)
    text += "\n\n" + "\n".join(" ".join(_num(v) for v in r) for r in B) + "\n"
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "g.txt"
        p.write_text(text)
        t = time.perf_counter()
        try:
            out = subprocess.run([LRSNASH, str(p)], capture_output=True, text=True, timeout=cap).stdout
        except subprocess.TimeoutExpired:
            return None, None
        el = time.perf_counter() - t
    pairs, xs, ys = [], [], []
    for line in out.splitlines() + [""]:
        parts = line.split()
        if not parts or parts[0].startswith("*") or (parts[0] == "2" and xs):
            pairs += [(x, y) for x in xs for y in ys]
            xs, ys = [], []
            if not parts or parts[0].startswith("*"):
                continue
        vals = [float(Fraction(s)) for s in parts[1:]]
        if parts[0] == "2":
            ys.append(np.array(vals[:n]))
        elif parts[0] == "1":
            xs.append(np.array(vals[:m]))
    return el, pairs


_NASHPY = """
import sys, time, numpy as np, nashpy
d = np.load(sys.argv[1]); g = nashpy.Game(d["A"], d["B"])
t = time.perf_counter(); eqs = list(g.vertex_enumeration()); el = time.perf_counter() - t
np.save(sys.argv[2], np.array([np.concatenate([x, y]) for x, y in eqs]).reshape(len(eqs), -1)); print(el)
"""


def nashpy_peer(A, B, cap):
    with tempfile.TemporaryDirectory() as d:
        np.savez(Path(d) / "g.npz", A=A, B=B)
        try:
            out = subprocess.run([sys.executable, "-c", _NASHPY, str(Path(d) / "g.npz"), str(Path(d) / "eq.npy")],
                                 capture_output=True, text=True, timeout=cap, check=True)
        except (subprocess.TimeoutExpired, subprocess.CalledProcessError):
            return None, None
        eq = np.load(Path(d) / "eq.npy")
    m = A.shape[0]
    return float(out.stdout.strip()), [(r[:m], r[m:]) for r in eq]


def quantecon_peer():
    try:
        from quantecon.game_theory import NormalFormGame, Player, vertex_enumeration
    except Exception:  # noqa: BLE001 - optional peer
        return None

    def run(A, B, cap):
        g = NormalFormGame((Player(A), Player(B.T)))
        t = time.perf_counter()
        eqs = vertex_enumeration(g)
        return time.perf_counter() - t, [(x, y) for x, y in eqs]

    run(*game(3, 3, 0), None)  # compile
    return run


def us_china():
    try:
        from sim.model.game import build_game
        from sim.model.load import load_scenario

        g = build_game(load_scenario(ROOT / "scenarios" / "us_china_2025.toml"))
        return g.A.copy(), g.B.copy()
    except Exception as exc:  # noqa: BLE001
        print(f"(US-China scenario unavailable: {exc})")
        return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--games", type=int, default=3, help="random games per size")
    ap.add_argument("--quick", action="store_true", help="sizes 4, 8, 12 only")
    ap.add_argument("--nashpy-cap", type=float, default=20.0, help="seconds before nashpy is abandoned")
    ap.add_argument("--lrs-cap", type=float, default=120.0)
    args = ap.parse_args()
    sizes = [(n, n) for n in ((4, 8, 12) if args.quick else range(4, 17, 2))]
    if not args.quick:
        sizes.append((12, 24))
    qe = quantecon_peer()
    vertex_enumeration_arrays(*game(6, 6, 0))  # load / compile our numba kernel once
    print(f"peers: nashpy=yes  quantecon={'yes' if qe else 'missing'}  lrsnash={'yes' if LRSNASH else 'missing'}")
    head = f"{'game':>9} {'#eq':>5} {'ours s':>9} {'nashpy s':>9} {'QE s':>9} {'lrs s':>9} {'best/ours':>9}  agree(nashpy,QE,lrs); NO(peer counts)"
    print(head)
    print("-" * len(head))
    cases = [(f"{m}x{n}", [game(m, n, 1000 * m + n + g) for g in range(args.games)]) for m, n in sizes]
    uc = us_china()
    if uc is not None:
        cases.append(("US-China", [uc]))
    nashpy_ok = True
    for name, games in cases:
        t_ours, t_np, t_qe, t_lrs, neq, agree = [], [], [], [], [], [[], [], []]
        for A, B in games:
            runs = [ours(A, B) for _ in range(3)]
            t_ours.append(min(r[0] for r in runs))
            mine = key_set(runs[0][1])
            neq.append(len(mine))
            if nashpy_ok:
                el, eq = nashpy_peer(A, B, args.nashpy_cap)
                if el is None:
                    nashpy_ok = False  # larger games will not finish either
                else:
                    t_np.append(el)
                    agree[0].append((key_set(eq) == mine, len(key_set(eq))))
            if qe:
                el, eq = qe(A, B, None)
                t_qe.append(el)
                agree[1].append((key_set(eq) == mine, len(key_set(eq))))
            if LRSNASH:
                el, eq = lrs(A, B, args.lrs_cap)
                if el is not None:
                    t_lrs.append(el)
                    agree[2].append((key_set(eq) == mine, len(key_set(eq))))

        def med(v):
            return statistics.median(v) if v else None

        def fmt(v):
            return f"{v:9.4f}" if v is not None else f"{'-':>9}"

        peers = [t for t in (med(t_np), med(t_qe), med(t_lrs)) if t is not None]
        ratio = f"{min(peers) / med(t_ours):9.1f}" if peers else f"{'-':>9}"
        ag = ",".join(
            ("yes" if all(ok for ok, _ in a) else "NO(" + "/".join(str(c) for _, c in a) + ")") if a else "-"
            for a in agree
        )
        print(f"{name:>9} {int(statistics.median(neq)):5d} {fmt(med(t_ours))} {fmt(med(t_np))} {fmt(med(t_qe))} "
              f"{fmt(med(t_lrs))} {ratio}  {ag}", flush=True)


if __name__ == "__main__":
    main()
