"""Sweep metrics: what is measured at each point, computed for a whole block of points at once.

A block of points becomes a :class:`Batch` of stage games: payoff matrices ``A, B`` of shape
``(points, m, n)`` evaluated in one pass of the compiled payoff expressions (parameters and lever
levels broadcast along the first axis), plus each point's discount factors, repeated-play
settings and seed. Stage-game metrics work on the whole batch with array operations; metrics
that need a linear programme or a simulation per point loop over the points.

Each metric returns columns named ``METRIC.PART.PLAYER_ID`` (``critical_delta.grim_nash.us``) or
``METRIC.PART`` when the number is not per player. See ``docs/sweeps.md``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from sim.dynamic.forward import state_path
from sim.dynamic.solve import markov_perfect_equilibria
from sim.errors import InputError
from sim.model.dynamic import build_dynamic_game
from sim.model.game import (
    StageGame,
)
from sim.repeated.engine import play
from sim.repeated.punishment import critical_discount, reversion_equilibrium
from sim.stage.bargaining import kalai_smorodinsky, nash_bargaining
from sim.stage.equilibria import nash_equilibria, pure_equilibrium_mask
from sim.stage.security import maxmin_mixed

__all__ = ["Metric", "METRICS", "parse_metric", "Batch", "SweepJob"]

#: Largest number of payoff cells (points x m x n) evaluated in one pass.
BATCH_CELLS = 1_000_000


@dataclass(frozen=True)
class SweepJob:
    """Everything a worker needs to evaluate points (picklable; the same on every worker)."""

    document: Mapping[str, Any]
    source: str
    paths: tuple[str, ...]
    metrics: tuple[str, ...]
    strategies: tuple[tuple[str, str], ...]
    reps: int
    seed: int
    replicates: int


@dataclass
class Batch:
    """A block of points as stage games and repeated-play settings (first axis: points)."""

    A: np.ndarray
    B: np.ndarray
    discount: np.ndarray  # (c, 2)
    levels: tuple[np.ndarray, np.ndarray]  # per player (c, actions, levers) level values
    rounds: np.ndarray  # (c,) int
    noise: np.ndarray  # (c,)
    continuation: np.ndarray  # (c,), NaN: fixed rounds
    strategy_values: dict[str, np.ndarray]  # strategy path -> (c,)
    seeds: np.ndarray  # (c,) int64
    values: np.ndarray | None = None  # (c, paths): the swept numbers themselves

    def __len__(self) -> int:
        return len(self.A)


@dataclass(frozen=True)
class Metric:
    """A registered metric: short stable name, one-line doc, options and column names."""

    name: str
    doc: str
    fn: Callable[["Batch", Any, dict], dict[str, np.ndarray]]
    columns: Callable[[Any, dict], list[str]]
    options: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)


def _per(ev: Any, *parts: str) -> list[str]:
    return [f"{part}.{pid}" for part in parts for pid in ev.player_ids]


# ----------------------------------------------------------------------------- equilibria
def _equilibria(batch: Batch, ev: Any, opts: dict) -> dict[str, np.ndarray]:
    A, B = batch.A, batch.B
    c, m, n = A.shape
    ids = ev.player_ids
    out: dict[str, np.ndarray] = {}
    method = opts.get("method", "pure")
    if method == "pure":
        eq = pure_equilibrium_mask(A, B)
        flat = np.flatnonzero(eq.reshape(c, -1))  # equilibrium cells, sorted by point then cell
        point, cell = flat // (m * n), flat % (m * n)
        vals = [U.reshape(c, -1)[point, cell] for U in (A, B)]
        count = np.bincount(point, minlength=c)
        order = np.lexsort((cell, -(vals[0] + vals[1]), point))
        first = order[np.unique(point[order], return_index=True)[1]]
        sel = np.zeros(c, dtype=np.int64)
        sel[point[first]] = cell[first]
        has = count > 0
        pay = [np.full(c, np.nan), np.full(c, np.nan)]
        lo = [np.where(has, np.inf, np.nan), np.where(has, np.inf, np.nan)]
        hi = [np.where(has, -np.inf, np.nan), np.where(has, -np.inf, np.nan)]
        for p in (0, 1):
            pay[p][point[first]] = vals[p][first]
            np.minimum.at(lo[p], point, vals[p])
            np.maximum.at(hi[p], point, vals[p])
        actions = (np.where(has, sel // n, -1), np.where(has, sel % n, -1))
    else:

        count = np.zeros(c, dtype=np.int64)
        pay, lo, hi = ([np.full(c, np.nan), np.full(c, np.nan)] for _ in range(3))
        actions = (np.full(c, -1), np.full(c, -1))
        for k in range(c):
            found = nash_equilibria((A[k], B[k]), method, max_seconds=float(opts.get("max_seconds", 10.0)))
            count[k] = len(found)
            if not len(found):
                continue
            P = np.array([e.payoffs for e in found])
            best = int(np.argmax(P.sum(axis=1)))
            for p in (0, 1):
                pay[p][k], lo[p][k], hi[p][k] = P[best, p], P[:, p].min(), P[:, p].max()
            if found[best].is_pure:
                actions[0][k], actions[1][k] = found[best].support[0][0], found[best].support[1][0]
    out["equilibria.count"] = count.astype(np.int64)
    for p, pid in enumerate(ids):
        out[f"equilibria.payoff.{pid}"] = pay[p]
    for p, pid in enumerate(ids):
        out[f"equilibria.payoff_min.{pid}"] = lo[p]
    for p, pid in enumerate(ids):
        out[f"equilibria.payoff_max.{pid}"] = hi[p]
    for p, pid in enumerate(ids):
        act = actions[p]
        ok = act >= 0
        table = batch.levels[p]  # (c or 1, actions, levers)
        rows = np.arange(c) if table.shape[0] == c else np.zeros(c, dtype=np.int64)
        for j, lever in enumerate(ev.lever_names[p]):
            vals = table[rows, np.where(ok, act, 0), j]
            out[f"equilibria.{lever}.{pid}"] = np.where(ok, vals, np.nan)
    return out


def _equilibria_columns(ev: Any, opts: dict) -> list[str]:
    cols = ["equilibria.count", *_per(ev, "equilibria.payoff", "equilibria.payoff_min", "equilibria.payoff_max")]
    for p, pid in enumerate(ev.player_ids):
        cols += [f"equilibria.{lever}.{pid}" for lever in ev.lever_names[p]]
    return cols


# ----------------------------------------------------------------------------- security
def _security(batch: Batch, ev: Any, opts: dict) -> dict[str, np.ndarray]:

    out: dict[str, np.ndarray] = {}
    Us = (batch.A, np.swapaxes(batch.B, 1, 2))  # own actions on axis 1
    for p, pid in enumerate(ev.player_ids):
        out[f"security.pure.{pid}"] = Us[p].min(axis=2).max(axis=1)
    for p, pid in enumerate(ev.player_ids):
        out[f"security.mixed.{pid}"] = np.array([maxmin_mixed(U)[0] for U in Us[p]])
    return out


# ----------------------------------------------------------------------------- bargaining
def _bargaining(batch: Batch, ev: Any, opts: dict) -> dict[str, np.ndarray]:

    source = opts.get("disagreement", "security")
    c = len(batch)
    cols = {name: np.full(c, np.nan) for name in _per(ev, "bargaining.nash", "bargaining.ks", "bargaining.disagreement")}
    for k in range(c):
        game = (batch.A[k], batch.B[k])
        nbs = nash_bargaining(game, source)
        d = nbs.disagreement
        ks = kalai_smorodinsky(game, d)
        for p, pid in enumerate(ev.player_ids):
            cols[f"bargaining.nash.{pid}"][k] = nbs.point[p]
            cols[f"bargaining.ks.{pid}"][k] = ks.point[p]
            cols[f"bargaining.disagreement.{pid}"][k] = d[p]
    return cols


# ----------------------------------------------------------------------------- thresholds
def grim_nash_thresholds(batch: Batch, coop: tuple[int, int]) -> np.ndarray:
    """``(c, 2)`` critical δ of grim trigger with Nash reversion, as :func:`sim.repeated.thresholds.truce_thresholds`.

    The reversion equilibrium is, of the pure stage equilibria, the one that makes the truce
    self-enforcing at the lowest δ (max over both sides); points with no pure equilibrium
    fall back to :func:`sim.repeated.thresholds.reversion_equilibrium` (a mixed one).
    """
    A, B = batch.A, batch.B
    c, m, n = A.shape
    i0, j0 = coop
    v = (A[:, i0, j0], B[:, i0, j0])
    d = (A[:, :, j0].max(axis=1), B[:, i0, :].max(axis=1))
    eq = pure_equilibrium_mask(A, B)
    # thresholds at the equilibrium cells only (a handful per point), then per point the first
    # cell (row-major) of least max-threshold, as sim.repeated.thresholds.reversion_equilibrium picks it
    flat = np.flatnonzero(eq.reshape(c, -1))
    point, cell = flat // (m * n), flat % (m * n)
    t = np.column_stack([critical_discount(v[s][point], d[s][point], U.reshape(c, -1)[point, cell])
                         for s, U in enumerate((A, B))])
    order = np.lexsort((cell, t.max(axis=1), point))
    first = order[np.unique(point[order], return_index=True)[1]]
    out = np.full((c, 2), np.nan)
    out[point[first]] = t[first]
    for k in np.flatnonzero(~eq.reshape(c, -1).any(axis=1)):

        x, y = reversion_equilibrium(StageGame.from_matrices(A[k], B[k], cooperative=coop), coop)
        p = (float(x @ A[k] @ y), float(x @ B[k] @ y))
        out[k] = [critical_discount(float(v[s][k]), float(d[s][k]), p[s]) for s in (0, 1)]
    return out


def _critical_delta(batch: Batch, ev: Any, opts: dict) -> dict[str, np.ndarray]:
    crit = grim_nash_thresholds(batch, ev.cooperative)
    return {f"critical_delta.grim_nash.{pid}": crit[:, p] for p, pid in enumerate(ev.player_ids)}


def _self_enforcing(batch: Batch, ev: Any, opts: dict) -> dict[str, np.ndarray]:
    ok = batch.discount >= grim_nash_thresholds(batch, ev.cooperative)
    out = {f"self_enforcing.grim_nash.{pid}": ok[:, p] for p, pid in enumerate(ev.player_ids)}
    out["self_enforcing.truce"] = ok.all(axis=1)
    return out


# ----------------------------------------------------------------------------- repeated play
def _play(batch: Batch, ev: Any, opts: dict) -> dict[str, np.ndarray]:

    c = len(batch)
    ids = ev.player_ids
    names = _play_columns(ev, opts)
    cols = {name: np.full(c, np.nan) for name in names}
    for k in range(c):
        game = dataclasses.replace(
            ev.base_game, A=batch.A[k], B=batch.B[k], terms=({"payoff": batch.A[k]}, {"payoff": batch.B[k]}),
            discount=(float(batch.discount[k, 0]), float(batch.discount[k, 1])))
        strategies = tuple(ev.strategy(p, batch, k) for p in (0, 1))
        cont = batch.continuation[k]
        horizon = {"continuation": float(cont)} if math.isfinite(cont) else {"rounds": int(batch.rounds[k])}
        res = play(game, strategies, replicates=ev.job.reps, noise=float(batch.noise[k]),
                   seed=int(batch.seeds[k]), paths=False, **horizon)
        per_round = res.per_round.mean(axis=0)
        disc = res.discounted.mean(axis=0)
        broke = res.first_breakdown >= 0
        for p, pid in enumerate(ids):
            cols[f"play.payoff.{pid}"][k] = per_round[p]
            cols[f"play.discounted.{pid}"][k] = disc[p]
        cols["play.cooperation_rate"][k] = res.coop_rounds.sum() / res.length.sum()
        cols["play.breakdown_share"][k] = broke.mean()
        cols["play.first_breakdown"][k] = res.first_breakdown[broke].mean() if broke.any() else np.nan
    return cols


def _markov(batch: Batch, ev: Any, opts: dict) -> dict[str, np.ndarray]:
    """Per point: the first Markov perfect equilibrium's values from the initial state, whether it
    verified, and each state variable's expected value at the end of the horizon (20 rounds with
    no end date) under it."""
    sc = ev.scenario
    if sc.is_matrix_game:  # a lever scenario without state is the one-state case (a repeated stage game)
        raise InputError("the markov metric needs a scenario with levers and payoff terms", key="--metric")
    c = len(batch)
    names = _state_names(ev)
    cols = {k: np.full(c, np.nan) for k in _markov_columns(ev, opts)}
    for k in range(c):
        params, initial = {}, {}
        for a, p in enumerate(ev.paths):
            value = float(batch.values[k, a])
            if p.kind == "parameter":
                params[p.name] = value
            elif p.kind == "state":
                initial[p.name] = value
            elif p.kind != "discount":
                raise InputError(f"the markov metric sweeps parameters, discounts and state.NAME.initial, not {p.path}",
                                 key="--metric")
        game = build_dynamic_game(sc, params, source=ev.job.source)
        game = dataclasses.replace(game, discount=tuple(float(x) for x in batch.discount[k]))
        if initial:
            idx = game.states.indices()[game.states.initial].copy()
            for name, value in initial.items():
                j = game.states.names.index(name)
                idx[j] = int(np.argmin(np.abs(np.asarray(game.states.levels[j]) - value)))
            start = int(np.ravel_multi_index(idx, game.states.sizes))
            game = dataclasses.replace(game, states=dataclasses.replace(game.states, initial=start))
        mpe = markov_perfect_equilibria(game, selection=opts.get("selection", "utilitarian"))[0]
        path = state_path(game, mpe)
        for p, pid in enumerate(ev.player_ids):
            cols[f"markov.value.{pid}"][k] = mpe.values[0, game.states.initial, p]
        cols["markov.verified"][k] = float(mpe.verified)
        for name, mean in zip(path.names, path.mean):
            if name in names:
                cols[f"markov.final.{name}"][k] = mean[-1]
    return cols


def _state_names(ev: Any) -> list[str]:
    return list(ev.scenario.state)


def _markov_columns(ev: Any, opts: dict) -> list[str]:
    return [*_per(ev, "markov.value"), "markov.verified", *(f"markov.final.{n}" for n in _state_names(ev))]


def _play_columns(ev: Any, opts: dict) -> list[str]:
    return [*_per(ev, "play.payoff", "play.discounted"), "play.cooperation_rate", "play.breakdown_share",
            "play.first_breakdown"]


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("equilibria", "pure equilibria (method=auto: mixed too): count, payoffs, lever levels",
               _equilibria, _equilibria_columns,
               {"method": ("pure", "auto", "vertex", "support", "lemke-howson"), "max_seconds": ()}),
        Metric("security", "security levels (maxmin) per player, pure and mixed",
               _security, lambda ev, o: _per(ev, "security.pure", "security.mixed")),
        Metric("bargaining", "Nash and Kalai-Smorodinsky bargaining payoffs, disagreement point",
               _bargaining, lambda ev, o: _per(ev, "bargaining.nash", "bargaining.ks", "bargaining.disagreement"),
               {"disagreement": ("security", "nash")}),
        Metric("critical_delta", "critical discount factor per side, grim trigger, cooperative profile",
               _critical_delta, lambda ev, o: _per(ev, "critical_delta.grim_nash")),
        Metric("self_enforcing", "truce self-enforcing under grim trigger, per side and both",
               _self_enforcing, lambda ev, o: [*_per(ev, "self_enforcing.grim_nash"), "self_enforcing.truce"]),
        Metric("play", "--strategy pair: mean payoff, cooperation rate, first breakdown round",
               _play, _play_columns),
        Metric("markov", "games with state: MPE values from the initial state, verified, expected final state",
               _markov, _markov_columns, {"selection": ("utilitarian", "first", "row", "col")}),
    )
}


def parse_metric(spec: str) -> tuple[str, dict[str, str]]:
    """``"equilibria:method=vertex"`` -> ``("equilibria", {"method": "vertex"})``, checked."""
    name, _, rest = spec.strip().partition(":")
    name = name.strip()
    if name not in METRICS:
        import difflib

        near = difflib.get_close_matches(name, METRICS, n=1)
        hint = f" (did you mean {near[0]}?)" if near else ""
        raise InputError(f"unknown metric {name!r}{hint}; known: {', '.join(METRICS)}", key="--metric")
    metric = METRICS[name]
    opts: dict[str, str] = {}
    for item in filter(None, (s.strip() for s in rest.split(","))):
        key, eq, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or key not in metric.options:
            allowed = ", ".join(metric.options) or "none"
            raise InputError(f"bad option {item!r} for {name} (options: {allowed})", key="--metric")
        choices = metric.options[key]
        if choices and value not in choices:
            raise InputError(f"{key} must be one of {', '.join(choices)}; got {value!r}", key="--metric")
        if not choices:
            try:
                if not float(value) > 0:
                    raise ValueError
            except ValueError:
                raise InputError(f"{key} must be a positive number, got {value!r}", key="--metric") from None
        opts[key] = value
    return name, opts
