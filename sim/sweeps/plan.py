"""A sweep's plan: its inputs checked once, its design built, its chunks cut.

The plan is everything a run needs and nothing it computes: :mod:`sim.sweeps.execute` computes
its chunks, :mod:`sim.sweeps.run` checkpoints and writes them.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from sim import __version__
from sim.errors import InputError
from sim.model.load import document_digest, read_document, scenario_from_dict
from sim.repeated.strategies import get_strategy
from sim.sweeps.design import (
    HARD_MAX_POINTS,
    MAX_POINTS,
    Design,
    design_size,
    make_design,
    number_paths,
    parse_axis,
    parse_sample,
)
from sim.sweeps.metrics import SweepJob
from sim.sweeps.nplayer_eval import make_evaluator, metric_name

__all__ = ["SweepPlan", "plan_sweep", "SLOW_METRICS"]

#: Metrics that loop over points in Python (a linear programme or a simulation per point).
SLOW_METRICS = frozenset({"security", "bargaining", "play"})
_ID_COLUMNS = ("point", "replicate", "seed")


@dataclass(frozen=True, eq=False)
class SweepPlan:
    """A checked sweep, ready to run: the job workers evaluate, the design and the chunking."""

    job: SweepJob
    design: Design
    replicates: int
    chunk_size: int
    scenario_hash: str
    key: str
    integer_paths: tuple[str, ...]

    @property
    def rows(self) -> int:
        """Runs in the sweep: design points times replicates."""
        return len(self.design) * self.replicates

    @property
    def chunks(self) -> int:
        """Number of chunks."""
        return -(-self.rows // self.chunk_size)

    def chunk_bounds(self, index: int) -> tuple[int, int]:
        """First run and one past the last run of chunk ``index``."""
        lo = index * self.chunk_size
        return lo, min(self.rows, lo + self.chunk_size)

    def describe(self) -> dict[str, Any]:
        """The sweep's definition (what the fingerprint ``key`` is computed from, plus the key)."""
        return {
            "key": self.key,
            "scenario": self.job.source,
            "scenario_hash": self.scenario_hash,
            "design": self.design.to_dict(),
            "replicates": self.replicates,
            "rows": self.rows,
            "chunk_size": self.chunk_size,
            "metrics": list(self.job.metrics),
            "strategies": dict(self.job.strategies),
            "reps": self.job.reps,
            "root_seed": self.job.seed,
        }


def plan_sweep(
    scenario: str | os.PathLike,
    params: Sequence[str] | Mapping[str, Any] = (),
    metrics: Sequence[str] = ("equilibria",),
    *,
    sample: str | None = None,
    seed: int = 0,
    replicates: int = 1,
    strategies: Mapping[str, str] | None = None,
    reps: int = 100,
    chunk_size: int | None = None,
    yes: bool = False,
) -> SweepPlan:
    """Check a sweep's inputs and build its design; see :func:`sweep` for the parameters.

    Raises :class:`~sim.errors.InputError` (or ``ScenarioError``) naming the bad input.
    """
    source = str(scenario)
    document = read_document(source)
    sc = scenario_from_dict(document, source=source)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"must be an integer >= 0, got {seed!r}", key="--seed")
    for name, value, low in (("--replicates", replicates, 1), ("--reps", reps, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise InputError(f"must be an integer >= {low}, got {value!r}", key=name)
    specs = dict(sc.repeated.strategies)
    for pid, spec in (strategies or {}).items():
        if pid not in sc.players:
            raise InputError(f"unknown player {pid!r} (players: {', '.join(sc.players)})", key="--strategy")
        specs[pid] = spec
    # a strategy file's content is part of what is computed: its hash keys the sweep (resume, cache)
    file_hashes = {}
    for pid, spec in specs.items():
        strategy = get_strategy(spec)
        if "sha256" in strategy.to_dict():
            file_hashes[pid] = strategy.to_dict()["sha256"]
    paths = number_paths(sc, specs)
    texts = [f"{k}={_spec_text(v)}" for k, v in params.items()] if isinstance(params, Mapping) else list(params)
    axes = tuple(parse_axis(t, paths) for t in texts)
    parsed_sample = parse_sample(sample)
    if not metrics:
        raise InputError("give at least one metric", key="--metric")
    metric_specs = tuple(dict.fromkeys(m.strip() for m in metrics))
    names = [metric_name(m, document) for m in metric_specs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"metric {dup[0]} given twice", key="--metric")
    if "play" in names:
        missing = [pid for pid in sc.players if pid not in specs]
        if missing:
            raise InputError(f"the play metric needs a strategy for {missing[0]}: give --strategy {missing[0]}=SPEC",
                             key="--strategy")
    for axis in axes:
        if axis.path.kind == "strategy" and "play" not in names:
            raise InputError("a strategy parameter only matters to the play metric", key=axis.path.path)
    if parsed_sample is None:
        for axis in axes:
            if axis.values is None and axis.n is None:
                raise InputError(f"a grid needs N points: write {axis.path.path}=LO:HI:N (or use --sample)",
                                 key=f"--param {axis.spec}")
    rows = design_size(axes, parsed_sample) * int(replicates)
    if rows > HARD_MAX_POINTS:
        raise InputError(f"{rows:,} runs exceeds the limit of {HARD_MAX_POINTS:,}", key="--param")
    if rows > MAX_POINTS and not yes:
        raise InputError(f"{rows:,} runs is more than {MAX_POINTS:,}; pass --yes to run it anyway", key="--param")
    design = make_design(axes, parsed_sample, int(seed))
    _check_distinct_levels(sc, axes, design)
    if chunk_size is None:
        cap = 100 if SLOW_METRICS & set(names) else 1000
        chunk_size = max(1, min(cap, -(-rows // 32)))
    elif isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise InputError(f"must be an integer >= 1, got {chunk_size!r}", key="--chunk-size")
    job = SweepJob(
        document=document,
        source=source,
        paths=tuple(a.path.path for a in axes),
        metrics=metric_specs,
        strategies=tuple(sorted(specs.items())),
        reps=int(reps),
        seed=int(seed),
        replicates=int(replicates),
    )
    # the hash of the very document the workers evaluate (the file may change while we plan)
    scenario_hash = document_digest(document)
    ident = {
        "tradesim_version": __version__,  # the code computes the numbers too
        "scenario_hash": scenario_hash,
        "axes": [a.to_dict() for a in axes],
        "sample": parsed_sample,
        "seed": int(seed),
        "replicates": int(replicates),
        "metrics": list(metric_specs),
        "strategies": sorted(specs.items()),
        **({"strategy_files": sorted(file_hashes.items())} if file_hashes else {}),
        "reps": int(reps),
        "chunk_size": int(chunk_size),
        "points_sha": hashlib.sha256(np.ascontiguousarray(design.points).tobytes()).hexdigest(),
    }
    key = hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:32]
    integer_paths = tuple(a.path.path for a in axes if a.path.integer)
    plan = SweepPlan(job, design, int(replicates), int(chunk_size), scenario_hash, key, integer_paths)
    make_evaluator(job)  # builds the scenario once here, so a bad path or metric fails before any work
    return plan


def _spec_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (tuple, list, np.ndarray)):
        return ",".join(repr(float(v)) for v in value)
    return repr(float(value))


#: Points checked at once for repeated lever levels (bounds the memory of a huge design).
_LEVEL_BLOCK = 100_000


def _check_distinct_levels(sc, axes, design: Design) -> None:
    """A swept lever level may not equal another level of its lever at any point (the file format's rule)."""
    levers: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for a, axis in enumerate(axes):
        if axis.path.kind == "level":
            levers.setdefault((axis.path.player, axis.path.name), []).append((axis.path.index[0], a))
    for (pid, lever), swept in levers.items():
        base = np.asarray(sc.players[pid].levers[lever].levels, dtype=float)
        for lo in range(0, len(design), _LEVEL_BLOCK):
            pts = design.points[lo : lo + _LEVEL_BLOCK]
            table = np.tile(base, (len(pts), 1))
            for k, a in swept:
                table[:, k] = pts[:, a]
            same = table[:, :, None] == table[:, None, :]  # (points, levels, levels)
            same &= ~np.eye(len(base), dtype=bool)
            hit = np.argwhere(same.any(axis=(1, 2)))
            if len(hit):
                i = int(hit[0][0])
                for k, a in swept:
                    others = [j for j in range(len(base)) if j != k and table[i, j] == table[i, k]]
                    if others:
                        raise InputError(
                            f"level {k} of {pid}.{lever} would be {table[i, k]:g}, the same as level {others[0]} "
                            f"(at point {lo + i}); a lever's levels must be distinct",
                            key=f"--param {axes[a].spec}")

