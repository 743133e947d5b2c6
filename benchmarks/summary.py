"""Run every benchmark that writes JSON and gather its goals into one table (``make bench`` ends here).

    .venv-bench/bin/python benchmarks/summary.py [--quick] [--only NAME ...] [--out DIR]

Each script of ``benchmarks/`` that takes ``--json PATH`` runs in its own process (this Python, so
in the benchmark environment the peer libraries are there), prints its own report, and leaves its
rows in a temporary file; scripts without ``--json`` are listed as skipped. At the end one table:
per goal the number measured, the target, the ratio (1 or more when the goal is met: measured /
target for a rate, target / measured for a time; a script's own ratio where it gives one, such as
a peer's time over ours) and whether it was met. The table and the machine it ran on (CPU model,
cores, load average before and after, Python, numpy and tradesim versions, the date) are written to
``benchmarks/results/summary-<date>.json`` (``summary-<date>-quick.json`` with ``--quick``).

``--quick`` passes each script its quick options (a few minutes in all on two cores); without it
every script runs its full suite, which takes long: run it once, on a quiet machine. ``--only NAME``
runs those scripts alone and merges their rows into today's summary: a goal measured again replaces
its row, the other rows stay, and each script records when it ran (``--args "sweeps=--scaling-only"``
passes a script more options: re-measuring one part on a quieter machine).
Exit status 1 if a script left no rows (it failed), else 0, met or not: the table says which.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: Scripts in the order they run, with their quick and full options.
SCRIPTS = {
    "sweeps": ("bench_sweep.py", ["--quick"], []),
    "startup": ("bench_startup.py", ["--repeat", "3"], []),
    "engine": ("bench_engine.py", ["--quick"], []),
    "tournament": ("bench_tournament.py", ["--quick"], []),
    "markov": ("bench_markov.py", ["--quick"], []),
    "explorer": ("bench_explorer.py", ["--repeat", "2"], []),
    "equilibria": ("bench_equilibria.py", ["--quick"], []),
    "large_games": ("bench_large.py", ["--sizes", "64,256"], []),
    "nplayer": ("bench_nplayer.py", ["--quick"], []),
}
#: Longest a script may run, in seconds.
TIMEOUT = {"quick": 900, "full": 5400}


def writes_json(script: Path) -> bool:
    """Whether the script takes ``--json PATH`` (its argument parser names it)."""
    return '"--json"' in script.read_text(encoding="utf-8")


def machine() -> dict:
    """What the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numpy

    try:
        from importlib.metadata import version

        tradesim = version("tradesim")
    except Exception:  # noqa: BLE001 - a source tree without the installed metadata
        tradesim = "unknown"
    return {"cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "numpy": numpy.__version__, "tradesim": tradesim}


def normalise(benchmark: str, row: dict) -> dict:
    """One script's row in the summary's terms (scripts older than the summary name their numbers
    ``name``, ``seconds``, ``target_seconds``; their ratio is computed as target / seconds)."""
    if "goal" in row:
        out = {k: row.get(k) for k in ("goal", "measured", "unit", "target", "ratio", "met", "load", "note")}
    else:
        seconds = row.get("seconds")
        target = row.get("target_seconds", row.get("target"))
        ratio = row.get("ratio")
        if ratio is None and isinstance(target, (int, float)) and seconds:
            ratio = round(target / seconds, 3)
        notes = []
        if row.get("peer"):
            notes.append(f"{row['peer']} {row.get('peer_seconds')} s" if row.get("peer_seconds") else str(row["peer"]))
        if row.get("peak_mb") is not None:
            notes.append(f"peak {row['peak_mb']} MB of {row.get('target_mb')}")
        out = {"goal": row.get("name"), "measured": seconds, "unit": "s", "target": target, "ratio": ratio,
               "met": row.get("met"), "load": None, "note": "; ".join(notes)}
    return {"benchmark": benchmark, **out}


def run(name: str, quick: bool, tmp: Path, extra: list[str] = ()) -> tuple[list[dict], dict]:
    script, quick_args, full_args = SCRIPTS[name]
    path = HERE / script
    if not path.exists():
        return [], {"status": "missing"}
    if not writes_json(path):
        return [], {"status": "skipped: no --json"}
    out = tmp / f"{name}.json"
    argv = [sys.executable, str(path), *(quick_args if quick else full_args), *extra, "--json", str(out)]
    print(f"\n== {name}: {' '.join([Path(argv[0]).name, *argv[1:-2]])}", flush=True)
    start, load = time.perf_counter(), round(os.getloadavg()[0], 2)
    try:
        done = subprocess.run(argv, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                              timeout=TIMEOUT["quick" if quick else "full"])
        code = done.returncode
    except subprocess.TimeoutExpired:
        code = "timeout"
    info = {"status": "ran", "exit": code, "seconds": round(time.perf_counter() - start, 1),
            "load_average": [load, round(os.getloadavg()[0], 2)]}
    if not out.exists():
        info["status"] = "failed: no rows"
        return [], info
    rows = json.loads(out.read_text(encoding="utf-8")).get("rows", [])
    return [normalise(name, r) for r in rows], info


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(rows: list[dict]) -> str:
    head = ("benchmark", "goal", "measured", "target", "ratio", "met")
    body = [(r["benchmark"], str(r["goal"]), f"{_fmt(r['measured'])} {r.get('unit') or ''}".strip(),
             _fmt(r["target"]), _fmt(r["ratio"]), {True: "yes", False: "NO", None: "-"}[r["met"]]) for r in rows]
    widths = [max(len(h), *(len(b[k]) for b in body)) if body else len(h) for k, h in enumerate(head)]
    widths[1] = min(widths[1], 80)
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c[:w].ljust(w) for c, w in zip(b, widths)) for b in body]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="each script's quick options (a few minutes in all)")
    ap.add_argument("--only", action="append", choices=list(SCRIPTS), help="run only these (repeatable)")
    ap.add_argument("--out", type=Path, default=HERE / "results", help="directory of the summary JSON")
    ap.add_argument("--args", action="append", metavar="NAME=ARGS", help="more options for one script")
    args = ap.parse_args(argv)
    names = args.only or list(SCRIPTS)
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()
    rows: list[dict] = []
    scripts: dict[str, dict] = {}
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"summary-{started.date().isoformat()}{'-quick' if args.quick else ''}.json"
    about = machine()
    kept: dict = {"rows": [], "scripts": {}}
    if args.only and path.exists():  # today's other rows stay; a goal measured again replaces its row
        kept = json.loads(path.read_text(encoding="utf-8"))
    extra = dict(item.split("=", 1) for item in args.args or ())
    with tempfile.TemporaryDirectory(prefix="bench-summary-") as tmp:
        for k, name in enumerate(names):
            got, scripts[name] = run(name, args.quick, Path(tmp), extra.get(name, "").split())
            scripts[name]["date"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
            rows += got
            fresh = {(r["benchmark"], r["goal"]) for r in rows}
            kept["rows"] = [r for r in kept.get("rows", []) if (r["benchmark"], r["goal"]) not in fresh]
            order = list(SCRIPTS)
            summary = {  # written after every script, so an interrupted run keeps what it measured
                "date": kept.get("date", started.isoformat(timespec="seconds")),
                "mode": "quick" if args.quick else "full",
                "complete": k == len(names) - 1,
                "machine": {**about, "load_average_before": [round(x, 2) for x in load_before],
                            "load_average_after": [round(x, 2) for x in os.getloadavg()]},
                "scripts": {**kept.get("scripts", {}), **scripts},
                "rows": sorted(kept["rows"] + rows, key=lambda r: order.index(r["benchmark"])),
            }
            path.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    rows = summary["rows"]
    m = summary["machine"]
    print(f"\n== summary ({summary['mode']}, {summary['date']}): {m['cpu']}, {m['cores']} cores, load average "
          f"{m['load_average_before'][0]:.2f} before, {m['load_average_after'][0]:.2f} after; Python {m['python']}, "
          f"numpy {m['numpy']}")
    print(table(rows))
    for name, info in summary["scripts"].items():
        if info["status"] != "ran" or info.get("exit") not in (0, None):
            print(f"  {name}: {info['status']}" + (f" (exit {info['exit']})" if "exit" in info else ""))
    met = [r["met"] for r in rows if r["met"] is not None]
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"{sum(met)} of {len(met)} goals met; written to {shown}")
    return 1 if any(info["status"].startswith("failed") for info in scripts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
