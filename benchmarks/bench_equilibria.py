"""Time tradesim's vertex enumeration against peers on the same seeded games.

Peers (each optional; missing ones are reported as such):

* ``lrsnash`` from Debian's ``lrslib`` (exact arithmetic; the reference for agreement);
* nashpy ``Game.vertex_enumeration`` (a project dependency), run in a subprocess with a time cap;
* QuantEcon ``game_theory.vertex_enumeration`` (``pip install quantecon``; put it on PYTHONPATH
  or in a separate env), timed after a warm-up call that compiles its numba code.

Suites:

* default: random games with integer payoffs from [0, 10^6) (every peer sees the same exact game),
  4x4 to 16x16 and 12x24, plus the US-China scenario (full 16x54 game, its float payoffs passed
  to lrsnash as exact rationals); ours is the enumeration kernel (``vertex_enumeration_arrays``);
* ``--degenerate``: integer payoffs 0..3 (ties everywhere: degenerate games with continua of
  equilibria) at 6x6, 10x10 and 14x14 against lrsnash; ours is ``nash_equilibria(game,
  "vertex")``, every equilibrium verified and grouped into components. Target: at least as fast
  as lrsnash, complete, the same set;
* ``--large``: random games as in the default suite at 16x16, 20x20 and 24x24 against lrsnash
  (stopped at ``--lrs-cap`` seconds), ours on one core with a budget of ``--cap`` seconds.
  Targets: 16x16 at least as fast as lrsnash; 20x20 complete in under 60 s; 24x24 complete
  within the cap. ``--workers N`` adds a row per size for the parallel search.

Each number is the median over ``--games`` seeded games (at least 3) of the best of a few runs
(one run for the large suite); ratios are ``lrsnash seconds / ours`` (above 1: ours is faster),
measured in the same run, since the machine may be shared.

Usage::

    .venv/bin/python benchmarks/bench_equilibria.py [--games 3] [--quick] [--degenerate] [--large]
        [--json PATH]

``--json PATH`` writes ``{"benchmark": "equilibria", "rows": [{"name", "seconds", "peer",
"peer_seconds", "ratio", "target", "met"}]}``.
"""

from __future__ import annotations

import argparse
import json
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
from sim.stage.equilibria import nash_equilibria  # noqa: E402

LRSNASH = shutil.which("lrsnash")


def game(m: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 10**6, (m, n)).astype(float), rng.integers(0, 10**6, (m, n)).astype(float)


def degenerate_game(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 4, (n, n)).astype(float), rng.integers(0, 4, (n, n)).astype(float)


def key_set(pairs) -> set:
    return {tuple(np.round(np.concatenate([x, y]), 6)) for x, y in pairs}


def same_set(a, b, tol=1e-6) -> bool:
    """The two lists of profiles hold the same distinct profiles (to ``tol``, no rounding edges)."""
    def rows(pairs):
        if not len(pairs):
            return np.zeros((0, 0))
        out = np.array([np.concatenate([x, y]) for x, y in pairs]).reshape(len(pairs), -1)
        keep = []
        for r in out:
            if not any(np.abs(r - k).max() <= tol for k in keep):
                keep.append(r)
        return np.array(keep).reshape(len(keep), out.shape[1])

    P, Q = rows(a), rows(b)
    if P.shape != Q.shape:
        return False
    if not len(P):
        return True
    close = np.abs(P[:, None, :] - Q[None, :, :]).max(axis=2) <= tol
    return bool(close.any(axis=1).all() and close.any(axis=0).all())


def ours(A, B):
    t = time.perf_counter()
    raw = vertex_enumeration_arrays(A, B)
    return time.perf_counter() - t, raw.pairs


def _num(v: float) -> str:
    f = Fraction(float(v))
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


def lrs(A, B, cap):
    """``(seconds, pairs)`` of lrsnash on the game, or ``(None, None)`` if it ran past ``cap``."""
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


def med(v):
    return statistics.median(v) if v else None


def fmt(v):
    return f"{v:9.4f}" if v is not None else f"{'-':>9}"


def row(name, seconds, peer, peer_seconds, target, met):
    ratio = None if not (seconds and peer_seconds) else round(peer_seconds / seconds, 3)
    return {"name": name, "seconds": None if seconds is None else round(seconds, 4), "peer": peer,
            "peer_seconds": None if peer_seconds is None else round(peer_seconds, 4), "ratio": ratio,
            "target": target, "met": met}


# ----------------------------------------------------------------------------- the default suite
def suite_random(args) -> list[dict]:
    sizes = [(n, n) for n in ((4, 8, 12) if args.quick else range(4, 17, 2))]
    if not args.quick:
        sizes.append((12, 24))
    qe = quantecon_peer()
    print(f"peers: nashpy=yes  quantecon={'yes' if qe else 'missing'}  lrsnash={'yes' if LRSNASH else 'missing'}")
    head = (f"{'game':>9} {'#eq':>5} {'ours s':>9} {'nashpy s':>9} {'QE s':>9} {'lrs s':>9} {'best/ours':>9}"
            "  agree(nashpy,QE,lrs); NO(peer counts)")
    print(head)
    print("-" * len(head))
    cases = [(f"{m}x{n}", [game(m, n, 1000 * m + n + g) for g in range(args.games)]) for m, n in sizes]
    uc = us_china()
    if uc is not None:
        cases.append(("US-China", [uc]))
    nashpy_ok = True
    rows = []
    for name, games in cases:
        t_ours, t_np, t_qe, t_lrs, neq, agree = [], [], [], [], [], [[], [], []]
        for A, B in games:
            runs = [ours(A, B) for _ in range(3)]
            t_ours.append(min(r[0] for r in runs))
            mine = runs[0][1]
            neq.append(len(key_set(mine)))
            if nashpy_ok:
                el, eq = nashpy_peer(A, B, args.nashpy_cap)
                if el is None:
                    nashpy_ok = False  # larger games will not finish either
                else:
                    t_np.append(el)
                    agree[0].append((same_set(eq, mine), len(key_set(eq))))
            if qe:
                el, eq = qe(A, B, None)
                t_qe.append(el)
                agree[1].append((same_set(eq, mine), len(key_set(eq))))
            if LRSNASH:
                el, eq = lrs(A, B, args.lrs_cap)
                if el is not None:
                    t_lrs.append(el)
                    agree[2].append((same_set(eq, mine), len(key_set(eq))))
        peers = {p: t for p, t in (("nashpy", med(t_np)), ("quantecon", med(t_qe)), ("lrsnash", med(t_lrs)))
                 if t is not None}
        best = min(peers, key=peers.get) if peers else None
        ratio = f"{peers[best] / med(t_ours):9.1f}" if peers else f"{'-':>9}"
        ag = ",".join(
            ("yes" if all(ok for ok, _ in a) else "NO(" + "/".join(str(c) for _, c in a) + ")") if a else "-"
            for a in agree
        )
        print(f"{name:>9} {int(statistics.median(neq)):5d} {fmt(med(t_ours))} {fmt(med(t_np))} {fmt(med(t_qe))} "
              f"{fmt(med(t_lrs))} {ratio}  {ag}", flush=True)
        agreed = bool(agree[2]) and all(ok for ok, _ in agree[2])  # lrsnash is exact: the reference
        rows.append(row(f"random {name}", med(t_ours), best, peers.get(best), "same set as lrsnash", agreed))
    return rows


# ----------------------------------------------------------------------------- degenerate and large
def _complete_run(A, B, cap=None, workers=1):
    t = time.perf_counter()
    res = nash_equilibria((A, B), "vertex", max_seconds=cap, workers=workers)
    return time.perf_counter() - t, res


def suite_degenerate(args) -> list[dict]:
    print("\nDegenerate games: integer payoffs 0..3; ours = nash_equilibria(game, 'vertex') (verified, with components)")
    head = f"{'game':>9} {'#eq':>5} {'#comp':>5} {'ours s':>9} {'lrs s':>9} {'lrs/ours':>9}  complete  agree"
    print(head)
    print("-" * len(head))
    rows = []
    for n in (6, 10, 14):
        t_ours, t_lrs, neq, ncomp, complete, agree = [], [], [], [], [], []
        for g in range(args.games):
            A, B = degenerate_game(n, 100 * n + g)
            runs = [_complete_run(A, B) for _ in range(3 if n < 14 else 2)]
            t_ours.append(min(r[0] for r in runs))
            res = runs[0][1]
            mine = [(e.row, e.col) for e in res]
            neq.append(len(mine))
            ncomp.append(len(res.components))
            complete.append(res.complete)
            if LRSNASH:
                lr = [lrs(A, B, args.lrs_cap) for _ in range(3 if n < 14 else 1)]
                if all(el is not None for el, _ in lr):
                    t_lrs.append(min(el for el, _ in lr))
                    agree.append(same_set(lr[0][1], mine))
        ratio = med(t_lrs) / med(t_ours) if t_lrs else None
        print(f"{f'{n}x{n}':>9} {int(statistics.median(neq)):5d} {int(statistics.median(ncomp)):5d} "
              f"{fmt(med(t_ours))} {fmt(med(t_lrs))} {fmt(ratio)}  {str(all(complete)):>8}  "
              f"{'yes' if agree and all(agree) else 'NO'}", flush=True)
        met = bool(ratio is not None and ratio >= 1.0 and all(complete) and agree and all(agree))
        rows.append(row(f"degenerate {n}x{n} (payoffs 0..3)", med(t_ours), "lrsnash", med(t_lrs),
                        "at least as fast as lrsnash, complete, same set", met))
    return rows


def suite_large(args) -> list[dict]:
    print(f"\nLarge random games: ours on one core (budget {args.cap:g} s), lrsnash stopped at {args.lrs_cap:g} s")
    head = f"{'game':>12} {'#eq':>5} {'ours s':>9} {'complete':>8} {'lrs s':>9} {'lrs/ours':>9}  agree"
    print(head)
    print("-" * len(head))
    targets = {16: ("at least as fast as lrsnash, complete", None), 20: ("complete in under 60 s", 60.0),
               24: (f"complete within {args.cap:g} s", args.cap)}
    rows = []
    for n in (16, 20, 24):
        serial = None
        for workers in sorted({1, args.workers}):
            t_ours, t_lrs, neq, complete, agree, lrs_stopped = [], [], [], [], [], False
            for g in range(args.games):
                A, B = game(n, n, 1000 * n + n + g)
                el, res = _complete_run(A, B, args.cap, workers)
                t_ours.append(el)
                neq.append(len(res))
                complete.append(res.complete)
                if LRSNASH and workers == 1 and not lrs_stopped:
                    tl, eq = lrs(A, B, args.lrs_cap)
                    if tl is None:
                        lrs_stopped = True  # the other games of this size will not finish either
                    else:
                        t_lrs.append(tl)
                        agree.append(same_set(eq, [(e.row, e.col) for e in res]))
            peer_s = med(t_lrs) if not lrs_stopped else args.lrs_cap
            peer = "lrsnash" if not lrs_stopped else f"lrsnash (stopped at {args.lrs_cap:g} s, not finished)"
            ratio = peer_s / med(t_ours) if workers == 1 else serial / med(t_ours)
            name = f"{n}x{n}" + ("" if workers == 1 else f" x{workers}")
            print(f"{name:>12} {int(statistics.median(neq)):5d} {fmt(med(t_ours))} {str(all(complete)):>8} "
                  f"{fmt(peer_s if workers == 1 else None)}{'+' if lrs_stopped and workers == 1 else ' '}"
                  f"{fmt(ratio)}  {('yes' if all(agree) else 'NO') if agree else '-'}"
                  f"{'' if workers == 1 else '  (ratio: one worker / these)'}", flush=True)
            target, limit = targets[n]
            met = all(complete) and (not agree or all(agree))
            if workers > 1:
                target = f"{workers} workers: complete, faster than one"
                met = met and serial is not None and med(t_ours) < serial
            elif limit is not None:
                met = met and med(t_ours) < limit
            else:
                met = met and ratio is not None and ratio >= 1.0
            if workers == 1:
                serial = med(t_ours)
            if workers == 1:
                rows.append(row(f"large {name} (random)", med(t_ours), peer, peer_s, target, bool(met)))
            else:  # the parallel search against ours on one core
                rows.append(row(f"large {name} (random)", med(t_ours), "tradesim, 1 worker", serial, target, bool(met)))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--games", type=int, default=3, help="seeded games per size (at least 3)")
    ap.add_argument("--quick", action="store_true", help="default suite: sizes 4, 8, 12 only")
    ap.add_argument("--degenerate", action="store_true", help="run the degenerate suite (payoffs 0..3)")
    ap.add_argument("--large", action="store_true", help="run the large suite (16x16 to 24x24)")
    ap.add_argument("--all", action="store_true", help="run every suite")
    ap.add_argument("--nashpy-cap", type=float, default=20.0, help="seconds before nashpy is abandoned")
    ap.add_argument("--lrs-cap", type=float, default=120.0, help="seconds before lrsnash is stopped")
    ap.add_argument("--cap", type=float, default=120.0, help="large suite: our time budget per game")
    ap.add_argument("--workers", type=int, default=1, help="large suite: also time the parallel search")
    ap.add_argument("--json", type=Path, default=None, help="write the rows to this JSON file")
    args = ap.parse_args()
    args.games = max(args.games, 3)
    vertex_enumeration_arrays(*game(6, 6, 0), engine="numba")  # load / compile our numba kernel once
    rows = []
    if args.all or not (args.degenerate or args.large):
        rows += suite_random(args)
    if args.all or args.degenerate:
        rows += suite_degenerate(args)
    if args.all or args.large:
        rows += suite_large(args)
    if args.json:
        args.json.write_text(json.dumps({"benchmark": "equilibria", "rows": rows}, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
