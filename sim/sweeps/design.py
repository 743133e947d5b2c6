"""What a sweep varies: scenario numbers addressed by dotted path, and designs over them.

A *path* names one number of a scenario (or of the repeated-play set-up around it):

* ``parameters.NAME`` (or just ``NAME``): a payoff parameter;
* ``players.PID.discount``: a player's per-round discount factor;
* ``players.PID.levers.LEVER.levels.K``: level ``K`` (0-based) of a lever;
* ``payoffs.PID.I.J``: an entry of a matrix game's payoff table;
* ``repeated.rounds``, ``repeated.noise``, ``repeated.continuation``;
* ``state.NAME.initial`` (a level of the state's grid) in games with state;
* ``strategy.PID.PARAM``: a numeric parameter of the strategy spec played by ``PID``.

A *design* is the table of points (one row per point, one column per path): the full grid of
the axes (first axis varies slowest), or ``random:N`` / ``lhs:N`` samples over their ranges
(Latin hypercube by :class:`scipy.stats.qmc.LatinHypercube`).
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np

from sim.errors import InputError
from sim.model.game import initial_environment
from sim.repeated.strategies import STRATEGIES, parse_spec

if TYPE_CHECKING:  # pragma: no cover
    from sim.model.scenario import Scenario

__all__ = [
    "NumberPath",
    "Axis",
    "Design",
    "number_paths",
    "resolve_path",
    "parse_axis",
    "parse_sample",
    "make_design",
    "MAX_POINTS",
    "HARD_MAX_POINTS",
]

#: A sweep with more runs than this needs ``yes=True`` (``--yes``).
MAX_POINTS = 1_000_000
#: No sweep may have more runs than this (the design alone would not fit in memory).
HARD_MAX_POINTS = 100_000_000
SAMPLE_KINDS = ("random", "lhs")


@dataclass(frozen=True)
class NumberPath:
    """One sweepable number: its canonical dotted path, what it is, its bounds and base value."""

    path: str
    kind: str  # parameter | discount | level | payoff | repeated | strategy | state
    player: str | None
    name: str
    index: tuple[int, ...] = ()
    integer: bool = False
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    base: float = math.nan
    range: tuple[float, float] | None = None  # a parameter's documented plausible range

    def check(self, value: float) -> None:
        """Raise :class:`InputError` if ``value`` is outside this number's allowed range."""
        if not math.isfinite(value):
            raise InputError(f"must be finite, got {value}", key=self.path)
        if self.integer and value != round(value):
            raise InputError(f"must be an integer, got {value:g}", key=self.path)
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            raise InputError(f"must be {'>' if self.low_open else '>='} {self.low:g}, got {value:g}", key=self.path)
        if self.high is not None and (value > self.high or (self.high_open and value == self.high)):
            raise InputError(f"must be {'<' if self.high_open else '<='} {self.high:g}, got {value:g}", key=self.path)


def number_paths(scenario: "Scenario", strategies: Mapping[str, str] | None = None) -> dict[str, NumberPath]:
    """Every sweepable number of ``scenario`` by canonical path.

    ``strategies`` maps player ids to the strategy specs of repeated play (default: the
    scenario's ``[repeated] strategies``); their numeric parameters become ``strategy.PID.PARAM``.
    """
    out: dict[str, NumberPath] = {}

    def add(p: NumberPath) -> None:
        out[p.path] = p

    for name, par in scenario.parameters.items():
        add(NumberPath(f"parameters.{name}", "parameter", None, name, base=par.value,
                       range=None if par.range is None else (float(par.range[0]), float(par.range[1]))))
    for pid, player in scenario.players.items():
        add(NumberPath(f"players.{pid}.discount", "discount", pid, "discount", low=0.0, high=1.0,
                       high_open=True, base=player.discount))
        for lever_name, lever in (player.levers or {}).items():
            for k, level in enumerate(lever.levels):
                add(NumberPath(f"players.{pid}.levers.{lever_name}.levels.{k}", "level", pid, lever_name,
                               (k,), base=level))
    if scenario.is_matrix_game and scenario.payoffs is not None:
        for pid, tensor in scenario.payoffs.items():  # one axis per player (a matrix for two)
            cells = np.asarray(tensor, dtype=float)
            for index in np.ndindex(cells.shape):
                at = ".".join(str(i) for i in index)
                add(NumberPath(f"payoffs.{pid}.{at}", "payoff", pid, "payoff", index, base=float(cells[index])))
    start = initial_environment(scenario)
    for name, var in scenario.state.items():
        add(NumberPath(f"state.{name}.initial", "state", None, name, low=float(min(var.levels)),
                       high=float(max(var.levels)), base=start[name]))
    rep = scenario.repeated
    add(NumberPath("repeated.rounds", "repeated", None, "rounds", integer=True, low=1, high=100_000, base=rep.play_rounds))
    add(NumberPath("repeated.noise", "repeated", None, "noise", low=0.0, high=1.0, base=rep.noise))
    add(NumberPath("repeated.continuation", "repeated", None, "continuation", low=0.0, high=1.0, low_open=True,
                   base=math.nan if rep.continuation is None else rep.continuation))
    specs = dict(scenario.repeated.strategies) if strategies is None else dict(strategies)
    if specs:

        for pid, spec in specs.items():
            name, raw = parse_spec(spec)
            cls = STRATEGIES.get(name)  # a strategy file has no numeric parameters to sweep
            if cls is None:
                continue
            for param in cls.parameters:
                if param.kind not in (int, float):
                    continue
                if param.name not in raw and param.default is None:
                    base = math.nan  # no default value (e.g. an aspiration read from the game)
                else:
                    base = float(param.kind(raw[param.name])) if param.name in raw else float(param.default)
                add(NumberPath(f"strategy.{pid}.{param.name}", "strategy", pid, param.name,
                               integer=param.kind is int, low=param.low, high=param.high, base=base))
    return out


def resolve_path(name: str, paths: Mapping[str, NumberPath]) -> NumberPath:
    """The path ``name`` refers to (a bare parameter name is ``parameters.NAME``).

    Raises :class:`InputError` naming the nearest valid paths when there is none.
    """
    name = name.strip()
    if name in paths:
        return paths[name]
    if f"parameters.{name}" in paths:
        return paths[f"parameters.{name}"]
    if name.startswith("strategy.") and not any(p.startswith("strategy.") for p in paths):
        raise InputError("no strategies to address: give --strategy PID=SPEC for each player", key=name)
    shown = list(paths) + [p.name for p in paths.values() if p.kind == "parameter"]
    near = difflib.get_close_matches(name, shown, n=3, cutoff=0.5)
    if not near:
        prefix = name.split(".")[0]
        near = [p for p in paths if p.startswith(prefix + ".")][:3] or list(paths)[:3]
    raise InputError(f"no such number to sweep; nearest valid: {', '.join(near)}", key=name)


@dataclass(frozen=True)
class Axis:
    """One swept number: a range ``[low, high]`` (with ``n`` grid points) or a list of values."""

    path: NumberPath
    spec: str
    values: tuple[float, ...] | None = None
    low: float | None = None
    high: float | None = None
    n: int | None = None

    def grid(self) -> np.ndarray:
        """The axis's grid values."""
        if self.values is not None:
            return np.asarray(self.values, dtype=float)
        if self.n is None:
            raise InputError(f"a grid needs N points: write {self.path.path}=LO:HI:N (or use --sample)", key=self.spec)
        vals = np.linspace(self.low, self.high, self.n)
        if self.path.integer:
            vals = np.round(vals)
            if len(np.unique(vals)) != len(vals):
                raise InputError(f"{self.n} integer points do not fit in [{self.low:g}, {self.high:g}]", key=self.spec)
        return vals

    def scale(self, u: np.ndarray) -> np.ndarray:
        """Map uniforms ``u`` in [0, 1) onto the axis (a list: equal-probability values)."""
        if self.values is not None:
            k = len(self.values)
            return np.asarray(self.values, dtype=float)[np.minimum((u * k).astype(np.int64), k - 1)]
        if self.path.integer:
            span = self.high - self.low + 1
            return self.low + np.minimum(np.floor(u * span), span - 1)
        return self.low + u * (self.high - self.low)

    def to_dict(self) -> dict:
        return {"path": self.path.path, "spec": self.spec, "values": None if self.values is None else list(self.values),
                "low": self.low, "high": self.high, "n": self.n}


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def _number(text: str, key: str) -> float:
    if not re.fullmatch(r"\s*" + _NUMBER + r"\s*", text):
        raise InputError(f"{text.strip()!r} is not a number", key=key)
    return float(text)


def parse_axis(text: str, paths: Mapping[str, NumberPath]) -> Axis:
    """Parse ``NAME=LO:HI:N`` (grid range), ``NAME=LO:HI`` (sample range) or ``NAME=v1,v2,...``.

    ``NAME=range:N`` (or ``NAME=range`` for samples) takes LO and HI from the parameter's
    ``range`` in the scenario file.
    """
    name, eq, spec = text.partition("=")
    if not eq or not name.strip() or not spec.strip():
        raise InputError(f"expected NAME=LO:HI:N or NAME=v1,v2,...; got {text!r}", key="--param")
    path = resolve_path(name, paths)
    key = f"--param {text}"
    spec = spec.strip()
    if spec == "range" or spec.startswith("range:"):
        if path.range is None:
            raise InputError("the scenario gives this number no range; write LO:HI:N", key=key)
        spec = f"{path.range[0]!r}:{path.range[1]!r}" + spec[len("range"):]
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) not in (2, 3):
            raise InputError("a range is LO:HI:N (grid) or LO:HI (samples)", key=key)
        low, high = _number(parts[0], key), _number(parts[1], key)
        n = None
        if len(parts) == 3:
            if not re.fullmatch(r"\s*[-+]?\d+\s*", parts[2]):
                raise InputError(f"N must be a whole number, got {parts[2].strip()!r}", key=key)
            n = int(parts[2])
            if n < 1:
                raise InputError(f"N must be at least 1, got {n}", key=key)
        if high < low:
            raise InputError(f"range {low:g}:{high:g} is reversed", key=key)
        if high == low and (n is None or n > 1):
            raise InputError(f"range {low:g}:{high:g} is empty", key=key)
        if not math.isfinite(high - low):
            raise InputError(f"range {low:g}:{high:g} is too wide: HI - LO is not a finite number", key=key)
        for v in (low, high):
            _check(path, v, key)
        return Axis(path, text, low=low, high=high, n=n)
    values = tuple(_number(v, key) for v in spec.split(",") if v.strip())
    if not values:
        raise InputError("no values given", key=key)
    for v in values:
        _check(path, v, key)
    return Axis(path, text, values=values)


def _check(path: NumberPath, value: float, key: str) -> None:
    try:
        path.check(value)
    except InputError as exc:
        raise InputError(exc.message, key=key) from None


def parse_sample(text: str | None) -> tuple[str, int] | None:
    """``"lhs:1000"`` -> ``("lhs", 1000)``; ``None`` (or ``"grid"``) for the full grid."""
    if text is None or text.strip() == "grid":
        return None
    kind, _, count = text.strip().partition(":")
    if kind not in SAMPLE_KINDS or not re.fullmatch(r"\d+", count.strip()):
        raise InputError(f"expected random:N or lhs:N, got {text!r}", key="--sample")
    n = int(count)
    if n < 1:
        raise InputError(f"N must be at least 1, got {n}", key="--sample")
    return kind, n


@dataclass(frozen=True, eq=False)
class Design:
    """The points of a sweep: ``points[k, a]`` is the value of axis ``a`` at point ``k``."""

    kind: str  # grid | random | lhs
    axes: tuple[Axis, ...]
    points: np.ndarray
    seed: int

    @property
    def columns(self) -> tuple[str, ...]:
        """The swept paths, one per column of ``points``."""
        return tuple(a.path.path for a in self.axes)

    def __len__(self) -> int:
        return len(self.points)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "points": len(self), "seed": self.seed, "axes": [a.to_dict() for a in self.axes]}


def design_size(axes: Sequence[Axis], sample: tuple[str, int] | None) -> int:
    """Number of points the design will have (without building it)."""
    if sample is not None:
        return sample[1]
    total = 1
    for a in axes:
        total *= len(a.values) if a.values is not None else (a.n or 0)
    return total


def make_design(axes: Sequence[Axis], sample: tuple[str, int] | None = None, seed: int = 0) -> Design:
    """The grid of ``axes`` (first axis slowest), or ``sample = (kind, n)`` points over their ranges.

    Samples draw from ``numpy.random.default_rng(seed)``; a Latin hypercube puts exactly one
    point in each of the ``n`` equal strata of every axis (before mapping lists and integers).
    """
    axes = tuple(axes)
    names = [a.path.path for a in axes]
    dup = sorted({p for p in names if names.count(p) > 1})
    if dup:
        raise InputError("swept twice", key=dup[0])
    if sample is None:
        if not axes:
            return Design("grid", axes, np.zeros((1, 0)), seed)
        grids = [a.grid() for a in axes]
        points = np.array(list(itertools.product(*grids)), dtype=float).reshape(-1, len(axes))
        return Design("grid", axes, points, seed)
    kind, n = sample
    rng = np.random.default_rng(seed)
    d = len(axes)
    if d == 0:
        return Design(kind, axes, np.zeros((n, 0)), seed)
    if kind == "random":
        u = rng.random((n, d))
    else:
        from scipy.stats import qmc

        u = qmc.LatinHypercube(d, rng=rng).random(n)
    points = np.column_stack([a.scale(u[:, k]) for k, a in enumerate(axes)])
    return Design(kind, axes, points, seed)
