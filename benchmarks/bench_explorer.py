"""The notebook explorer: how long a redraw takes (one evaluation and one drawing), by what changed.

A redraw is what moving one control does: evaluate at the new settings, reusing what the change
does not touch, and draw the explorer's figure again, in place. For each scenario this prints the
first display (which lays out the figure), then the median of several redraws per kind of change,
split into evaluation and drawing, and, measured in the same run, a redraw done the simple way
(everything evaluated afresh, the figures of :mod:`sim.viz.plots` built anew and rasterised), as a
ratio. Lesson 3 calls ``explore(SCENARIOS / "us_china_2025.toml", replicates=40)``; the target is
under a second.

    .venv/bin/python benchmarks/bench_explorer.py [--replicates 40] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from sim.render import figure_png
from sim.viz.explorer import explore

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def changes(ex, repeat: int) -> dict[str, list[dict]]:
    """Settings that move one control each, ``repeat`` values per control, none repeated."""
    d = ex.defaults
    name = max(d["parameters"], key=lambda n: ex.scenario.parameters[n].range[1] - ex.scenario.parameters[n].value,
               default=None)
    out = {
        "noise": [{"noise": 0.03 + 0.01 * k} for k in range(repeat)],
        "discount": [{"discount": (0.5 + 0.05 * k, d["discount"][1])} for k in range(repeat)],
        "strategy": [{"strategies": (s, d["strategies"][1])} for s in
                     ("grim_trigger", "tit_for_two_tats", "win_stay_lose_shift", "always_defect",
                      "suspicious_tit_for_tat", "alternator", "always_cooperate")[:repeat]],
        "rounds": [{"rounds": d["rounds"] + 1 + k} for k in range(repeat)],
    }
    if name is not None:
        lo, hi = ex.scenario.parameters[name].range
        out[f"parameter {name}"] = [{"parameters": {name: lo + (hi - lo) * (k + 1) / (repeat + 2)}}
                                    for k in range(repeat)]
    return out


def simple_redraw(ex, settings: dict) -> float:
    """The same redraw with nothing reused: a fresh evaluation, fresh full-size figures, rasterised."""
    fresh = explore(ex.scenario, replicates=ex.replicates, seed=ex.seed)
    t0 = time.perf_counter()
    paths, space = fresh.run(**settings).figures()
    figure_png(paths), figure_png(space)
    return time.perf_counter() - t0


def bench(path: Path, replicates: int, repeat: int) -> None:
    ex = explore(path, replicates=replicates)
    t0 = time.perf_counter()
    ex.redraw()
    first = time.perf_counter() - t0
    print(f"\n{path.name}: {ex.base_game.shape[0]} x {ex.base_game.shape[1]} actions, {replicates} replicates, "
          f"{len(ex.defaults['parameters'])} sliders; first display {first:.2f} s")
    print(f"  {'change':<28} {'redraw':>8} {'evaluate':>9} {'draw':>7} {'simple':>8} {'ratio':>6}")
    for what, settings in changes(ex, repeat).items():
        totals, evals, draws = [], [], []
        for s in settings:
            t0 = time.perf_counter()
            ex.redraw(**s)
            totals.append(time.perf_counter() - t0)
            evals.append(ex.timings["evaluate"])
            draws.append(ex.timings["draw"])
        simple = simple_redraw(ex, settings[0])
        med = statistics.median(totals)
        print(f"  {what:<28} {med:>7.3f}s {statistics.median(evals):>8.3f}s {statistics.median(draws):>6.3f}s "
              f"{simple:>7.2f}s {simple / med:>5.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for name in ("us_china_2025", "us_china_dynamic"):
        bench(SCENARIOS / f"{name}.toml", args.replicates, args.repeat)


if __name__ == "__main__":
    main()
