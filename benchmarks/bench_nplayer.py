"""Time tradesim's N-player equilibrium solvers against pygambit on the same seeded games.

The peer is pygambit (``pip install pygambit==16.7.0`` in the bench environment; never a tradesim
dependency). Each gambit solver runs in a child process with a time cap (``--cap``), so one that
hangs (``gnm`` stalls on some degenerate games) costs a row, not the run. Ours runs in this process.

Games: seeded random games with integer payoffs 0..999 (the same exact game for both; few ties) at 2x2x2,
3x3x3 and 2x2x2x2, plus McKelvey and McLennan's 2x2x2 game (Gambit's ``contrib/games/2x2x2.nfg``).
For each game and method pair, the row says

* ``ours``: ``support`` (support enumeration, exact on 2x2x2, ``complete: true``) or ``qre`` (the
  logit branch polished by Newton: one equilibrium) — seconds, median over the games;
* ``peer``: gambit's ``enumpoly`` (all equilibria: support enumeration with a polynomial solver),
  ``gnm`` (global Newton), ``simpdiv`` (simplicial subdivision) or ``logit`` (its QRE trace);
* ``agree``: for ``support`` vs ``enumpoly`` the share of games whose two equilibrium sets are the
  same (within 1e-6), with the equilibria each side found that the other did not (ours that gambit
  missed are checked with gambit's own ``max_regret``); for one-equilibrium peers the share of games whose gambit equilibria are all
  among ours; for ``qre`` vs ``logit`` the share where both traces end at the same equilibrium;
* ``ratio``: gambit seconds / ours (above 1: ours is faster), measured in the same run.

Usage::

    .venv-bench/bin/python benchmarks/bench_nplayer.py [--games 5] [--quick] [--cap 20] [--json PATH]

Writes ``benchmarks/results/nplayer-DATE.json`` (and ``--json PATH``: ``{"benchmark": "nplayer",
"rows": [{"name", "seconds", "peer", "peer_seconds", "ratio", "target", "met", ...}]}``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.model.nplayer import NormalFormGame  # noqa: E402
from sim.stage.nplayer_mixed import nplayer_nash  # noqa: E402
from sim.stage.nplayer_pure import regrets  # noqa: E402
from sim.stage.nplayer_qre import logit_qre_branch  # noqa: E402

MM = [[9, 8, 12], [0, 0, 0], [0, 0, 0], [9, 8, 2], [0, 0, 0], [3, 4, 6], [3, 4, 6], [0, 0, 0]]
PEER_METHODS = ("enumpoly", "gnm", "simpdiv", "logit")

WORKER = r"""
import json, sys, time
import numpy as np
import pygambit as gbt
job = json.load(sys.stdin)
U = np.array(job["payoffs"], dtype=int)
g = gbt.Game.from_arrays(*[U[k] for k in range(U.shape[0])])
m = job["method"]
t = time.perf_counter()
if m == "enumpoly":
    r = gbt.nash.enumpoly_solve(g)
elif m == "gnm":
    r = gbt.nash.gnm_solve(g)
elif m == "simpdiv":
    r = gbt.nash.simpdiv_solve(g.mixed_strategy_profile(rational=True))
else:
    r = gbt.nash.logit_solve(g)
sec = time.perf_counter() - t
eqs = [[[float(e[s]) for s in p.strategies] for p in g.players] for e in r.equilibria]
print(json.dumps({"seconds": sec, "equilibria": eqs}))
"""


def gambit_available() -> str | None:
    try:
        import pygambit  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        return f"pygambit not importable here ({exc}); install pygambit==16.7.0 in the bench env"
    return None


def gambit_regret(U: np.ndarray, sigma) -> float:
    """pygambit's own ``max_regret`` of a profile of ours: an independent check of an equilibrium."""
    import pygambit as gbt

    g = gbt.Game.from_arrays(*[U[k].astype(int) for k in range(U.shape[0])])
    return float(g.mixed_strategy_profile([[float(x) for x in s] for s in sigma]).max_regret())


def run_peer(U: np.ndarray, method: str, cap: float) -> dict:
    job = json.dumps({"payoffs": U.astype(int).tolist(), "method": method})
    try:
        out = subprocess.run([sys.executable, "-c", WORKER], input=job, capture_output=True, text=True,
                             timeout=cap, check=False)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "equilibria": None, "status": f"timeout after {cap:g} s"}
    if out.returncode != 0:
        return {"seconds": None, "equilibria": None, "status": out.stderr.strip().splitlines()[-1][:120]}
    return {**json.loads(out.stdout), "status": "ok"}


def games(shape: tuple[int, ...], count: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 1000, size=(len(shape), *shape)).astype(float) for _ in range(count)]


def mm_game() -> np.ndarray:
    out = np.array(MM, dtype=float)
    return np.stack([out[:, k].reshape((2, 2, 2), order="F") for k in range(3)])


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, res = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        res = fn()
        best = min(best, time.perf_counter() - t)
    return best, res


def flat(eq) -> np.ndarray:
    return np.concatenate([np.asarray(s, dtype=float) for s in eq])


def contains(pool: list[np.ndarray], x: np.ndarray, tol: float = 1e-6) -> bool:
    return any(np.allclose(p, x, atol=tol) for p in pool)


def bench_family(label: str, Us: list[np.ndarray], cap: float, repeat: int) -> list[dict]:
    rows = []
    ours: dict[str, list] = {"support": [], "qre": []}
    times: dict[str, list] = {"support": [], "qre": []}
    for U in Us:
        g = NormalFormGame.from_arrays(list(U))
        sec, res = best_of(lambda: nplayer_nash(g, "support", max_seconds=cap), repeat)
        ours["support"].append(res)
        times["support"].append(sec)
        sec, res = best_of(lambda: logit_qre_branch(g), repeat)
        ours["qre"].append(res)
        times["qre"].append(sec)
    for peer in PEER_METHODS:
        mine = "qre" if peer == "logit" else "support"
        peer_sec, agree, status, peer_not_nash, counts = [], [], [], 0, []
        missed, extras, extra_regret = 0, 0, 0.0
        for i, U in enumerate(Us):
            out = run_peer(U, peer, cap)
            status.append(out["status"])
            if out["seconds"] is None:
                agree.append(None)
                continue
            peer_sec.append(out["seconds"])
            theirs = [flat(e) for e in out["equilibria"]]
            counts.append(len(theirs))
            found = [flat(e.strategies) for e in ours["support"][i]]
            if peer == "enumpoly":
                agree.append(len(theirs) == len(found) and all(contains(found, x) for x in theirs))
                missed += sum(not contains(found, x) for x in theirs)
                extra = [e for e, x in zip(ours["support"][i], found) if not contains(theirs, x)]
                extras += len(extra)
                extra_regret = max([extra_regret] + [gambit_regret(U, e.strategies) for e in extra])
            elif peer == "logit":
                # gambit's trace can stop short (McKelvey-McLennan: at lambda 0.6, a bifurcation);
                # only an end point that is a Nash equilibrium is compared
                nash = [x for x, e in zip(theirs, out["equilibria"])
                        if regrets(U, [np.array(v) for v in e]).max() <= 1e-4 * np.ptp(U)]
                peer_not_nash += len(theirs) - len(nash)
                lim = ours["qre"][i].limit
                agree.append(None if not nash else lim is not None and contains(nash, flat(lim.strategies), 1e-4))
            else:
                agree.append(all(contains(found, x, 1e-5) for x in theirs))
        ok = [a for a in agree if a is not None]
        our_sec = statistics.median(times[mine])
        p_sec = statistics.median(peer_sec) if peer_sec else None
        complete = [getattr(r, "complete", False) for r in ours[mine]]
        rows.append({
            "name": f"{label} {mine} vs gambit {peer}", "games": len(Us), "seconds": our_sec,
            "peer": f"pygambit {peer}", "peer_seconds": p_sec,
            "ratio": None if p_sec is None else p_sec / our_sec,
            "agree": None if not ok else sum(ok) / len(ok),
            "ours_complete": sum(complete) / len(complete),
            "ours_equilibria": statistics.median(len(r) if mine == "support" else int(r.limit is not None)
                                                 for r in ours[mine]),
            "peer_equilibria": statistics.median(counts) if counts else None,
            "peer_not_nash": peer_not_nash,
            "peer_found_ours_missed": missed if peer == "enumpoly" else None,
            "ours_found_peer_missed": extras if peer == "enumpoly" else None,
            "ours_extra_max_regret_by_gambit": extra_regret if peer == "enumpoly" else None,
            "peer_status": sorted(set(status)),
            "target": "agree on every game" if peer in ("enumpoly", "simpdiv") else "reported",
            "met": None if not ok else (all(ok) if peer in ("enumpoly", "simpdiv") else True),
        })
    return rows


def print_table(rows: list[dict]) -> None:
    head = (f"{'case':50} {'ours s':>8} {'gambit s':>8} {'ratio':>7} {'agree':>6} {'#ours':>5} {'#peer':>5} "
            f"{'complete':>8}  peer status")
    print(head)
    print("-" * len(head))
    for r in rows:
        ps = "-" if r["peer_seconds"] is None else f"{r['peer_seconds']:.4f}"
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        agree = "-" if r["agree"] is None else f"{r['agree']:.2f}"
        npeer = "-" if r["peer_equilibria"] is None else f"{r['peer_equilibria']:g}"
        print(f"{r['name']:50} {r['seconds']:8.4f} {ps:>8} {ratio:>7} {agree:>6} {r['ours_equilibria']:5g} {npeer:>5} "
              f"{r['ours_complete']:8.2f}  " + ", ".join(r["peer_status"])
              + (f"; {r['peer_not_nash']} gambit end points not Nash" if r["peer_not_nash"] else "")
              + (f"; gambit missed {r['ours_found_peer_missed']} (its max_regret on them "
                 f"{r['ours_extra_max_regret_by_gambit']:.1e})" if r.get("ours_found_peer_missed") else "")
              + (f"; we missed {r['peer_found_ours_missed']}" if r.get("peer_found_ours_missed") else ""))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--games", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="2 games per size, no 2x2x2x2")
    ap.add_argument("--cap", type=float, default=20.0, help="seconds per gambit call (and our support budget)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    why = gambit_available()
    if why:
        print(why)
        return 1
    n = 2 if args.quick else max(1, args.games)
    repeat = 1 if args.quick else 3
    families = [("McKelvey-McLennan 2x2x2", [mm_game()]), ("random 2x2x2", games((2, 2, 2), n, args.seed)),
                ("random 3x3x3", games((3, 3, 3), n, args.seed + 1))]
    if not args.quick:
        families.append(("random 2x2x2x2", games((2, 2, 2, 2), n, args.seed + 2)))
    rows = []
    for label, Us in families:
        rows += bench_family(label, Us, args.cap, repeat)
    print_table(rows)
    import pygambit

    doc = {"benchmark": "nplayer", "date": dt.date.today().isoformat(), "peer_version": pygambit.__version__,
           "games_per_size": n, "rows": rows}
    out = ROOT / "benchmarks" / "results" / f"nplayer-{doc['date']}.json"
    out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")
    if args.json is not None:
        args.json.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
