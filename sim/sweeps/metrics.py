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
from sim.errors import InputError, ScenarioError
from sim.model.actions import cooperative_profile
from sim.model.dynamic import build_dynamic_game
from sim.model.game import (
    StageGame,
    action_grid,
    build_game,
    compile_payoffs,
    initial_environment,
)
from sim.model.load import scenario_from_dict
from sim.repeated.engine import play
from sim.repeated.punishment import critical_discount, reversion_equilibrium
from sim.repeated.strategies import get_strategy, parse_spec
from sim.stage.bargaining import kalai_smorodinsky, nash_bargaining
from sim.stage.equilibria import nash_equilibria, pure_equilibrium_mask
from sim.stage.security import maxmin_mixed
from sim.sweeps.design import number_paths

__all__ = ["Metric", "METRICS", "parse_metric", "Batch", "PointEvaluator", "SweepJob"]

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
    fn: Callable[["Batch", "PointEvaluator", dict], dict[str, np.ndarray]]
    columns: Callable[["PointEvaluator", dict], list[str]]
    options: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)


def _per(ev: "PointEvaluator", *parts: str) -> list[str]:
    return [f"{part}.{pid}" for part in parts for pid in ev.player_ids]


# ----------------------------------------------------------------------------- equilibria
def _equilibria(batch: Batch, ev: "PointEvaluator", opts: dict) -> dict[str, np.ndarray]:
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


def _equilibria_columns(ev: "PointEvaluator", opts: dict) -> list[str]:
    cols = ["equilibria.count", *_per(ev, "equilibria.payoff", "equilibria.payoff_min", "equilibria.payoff_max")]
    for p, pid in enumerate(ev.player_ids):
        cols += [f"equilibria.{lever}.{pid}" for lever in ev.lever_names[p]]
    return cols


# ----------------------------------------------------------------------------- security
def _security(batch: Batch, ev: "PointEvaluator", opts: dict) -> dict[str, np.ndarray]:

    out: dict[str, np.ndarray] = {}
    Us = (batch.A, np.swapaxes(batch.B, 1, 2))  # own actions on axis 1
    for p, pid in enumerate(ev.player_ids):
        out[f"security.pure.{pid}"] = Us[p].min(axis=2).max(axis=1)
    for p, pid in enumerate(ev.player_ids):
        out[f"security.mixed.{pid}"] = np.array([maxmin_mixed(U)[0] for U in Us[p]])
    return out


# ----------------------------------------------------------------------------- bargaining
def _bargaining(batch: Batch, ev: "PointEvaluator", opts: dict) -> dict[str, np.ndarray]:

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


def _critical_delta(batch: Batch, ev: "PointEvaluator", opts: dict) -> dict[str, np.ndarray]:
    crit = grim_nash_thresholds(batch, ev.cooperative)
    return {f"critical_delta.grim_nash.{pid}": crit[:, p] for p, pid in enumerate(ev.player_ids)}


def _self_enforcing(batch: Batch, ev: "PointEvaluator", opts: dict) -> dict[str, np.ndarray]:
    ok = batch.discount >= grim_nash_thresholds(batch, ev.cooperative)
    out = {f"self_enforcing.grim_nash.{pid}": ok[:, p] for p, pid in enumerate(ev.player_ids)}
    out["self_enforcing.truce"] = ok.all(axis=1)
    return out


# ----------------------------------------------------------------------------- repeated play
def _play(batch: Batch, ev: "PointEvaluator", opts: dict) -> dict[str, np.ndarray]:

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


def _markov(batch: Batch, ev: "PointEvaluator", opts: dict) -> dict[str, np.ndarray]:
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


def _state_names(ev: "PointEvaluator") -> list[str]:
    return list(ev.scenario.state)


def _markov_columns(ev: "PointEvaluator", opts: dict) -> list[str]:
    return [*_per(ev, "markov.value"), "markov.verified", *(f"markov.final.{n}" for n in _state_names(ev))]


def _play_columns(ev: "PointEvaluator", opts: dict) -> list[str]:
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


# ----------------------------------------------------------------------------- evaluator
class PointEvaluator:
    """Builds a job's scenario once, then evaluates blocks of design points into columns."""

    def __init__(self, job: SweepJob):

        self.job = job
        self.scenario = scenario = scenario_from_dict(job.document, source=job.source)
        self.compiled = compile_payoffs(scenario, source=job.source)
        self.base_game = build_game(scenario, source=job.source, compiled=self.compiled)
        self.player_ids = tuple(self.base_game.player_ids)
        self.lever_names = tuple(tuple(lv.name for lv in levers) for levers in self.base_game.levers)
        self.grids = tuple(action_grid(scenario, pid) for pid in self.player_ids)
        self.cooperative = self._cooperative()
        self.specs = dict(job.strategies)
        known = number_paths(scenario, self.specs or None)
        self.paths = tuple(known[p] for p in job.paths)
        self.metrics = tuple(parse_metric(m) for m in job.metrics)
        self._strategies: dict[tuple, Any] = {}

    def _cooperative(self) -> tuple[int, int]:

        return cooperative_profile(self.base_game)

    def columns(self) -> list[str]:
        """Output columns of the metrics, in order."""
        return [c for name, opts in self.metrics for c in METRICS[name].columns(self, opts)]

    def strategy(self, player: int, batch: Batch, k: int):
        """The configured strategy of ``player`` at point ``k`` (cached by parameter values)."""

        pid = self.player_ids[player]
        if pid not in self.specs:
            raise InputError(f"the play metric needs a strategy for {pid}: give --strategy {pid}=SPEC",
                             key="--strategy")
        name, raw = parse_spec(self.specs[pid])
        swept = {p.name: batch.strategy_values[p.path][k] for p in self.paths if p.kind == "strategy" and p.player == pid}
        key = (pid, tuple(sorted(swept.items())))
        if key not in self._strategies:
            if len(self._strategies) > 10_000:  # sampled continuous parameters: do not grow for ever
                self._strategies.clear()
            params: dict[str, Any] = dict(raw)
            for pname, value in swept.items():
                params[pname] = int(value) if float(value).is_integer() else float(value)
            self._strategies[key] = get_strategy(name, **params)
        return self._strategies[key]

    def evaluate(self, values: np.ndarray, seeds: np.ndarray) -> dict[str, np.ndarray]:
        """Columns of every metric for the points ``values`` (``(c, len(paths))``)."""
        m, n = self.base_game.shape
        step = max(1, BATCH_CELLS // (m * n))
        pieces: list[dict[str, np.ndarray]] = []
        for lo in range(0, len(values), step):
            batch = self.batch(values[lo : lo + step], seeds[lo : lo + step])
            cols: dict[str, np.ndarray] = {}
            for name, opts in self.metrics:
                cols.update(METRICS[name].fn(batch, self, opts))
            pieces.append(cols)
        names = self.columns()
        if not pieces:
            return {c: np.zeros(0) for c in names}
        return {c: np.concatenate([np.asarray(p[c]) for p in pieces]) for c in names}

    def batch(self, values: np.ndarray, seeds: np.ndarray) -> Batch:
        """The stage games and settings of a block of points."""
        c = len(values)
        sc, game = self.scenario, self.base_game
        ids = self.player_ids
        col = {p.path: values[:, a] for a, p in enumerate(self.paths)}
        discount = np.tile(np.asarray(game.discount, dtype=float), (c, 1))
        rep = sc.repeated
        rounds = np.full(c, rep.play_rounds, dtype=np.int64)
        noise = np.full(c, rep.noise)
        cont = np.full(c, np.nan if rep.continuation is None else rep.continuation)
        levels = [np.asarray(level_table(sc, pid, g), dtype=float)[None] for pid, g in zip(ids, self.grids)]
        level_vals = {(pid, name): np.asarray(sc.players[pid].levers[name].levels, dtype=float)
                      for pid in ids for name in (sc.players[pid].levers or {})}
        params: dict[str, np.ndarray] = {}
        swept_levels: dict[tuple[str, str], np.ndarray] = {}
        payoff_cells: list[tuple[int, int, int, np.ndarray]] = []
        strategy_values: dict[str, np.ndarray] = {}
        for p in self.paths:
            v = col[p.path]
            if p.kind == "parameter":
                params[p.name] = v[:, None, None]
            elif p.kind == "discount":
                discount[:, ids.index(p.player)] = v
            elif p.kind == "level":
                key = (p.player, p.name)
                if key not in swept_levels:
                    swept_levels[key] = np.tile(level_vals[key], (c, 1))
                swept_levels[key][:, p.index[0]] = v
            elif p.kind == "payoff":
                payoff_cells.append((ids.index(p.player), *p.index, v))
            elif p.kind == "repeated":
                {"rounds": rounds, "noise": noise, "continuation": cont}[p.name][:] = v
            elif p.kind == "state":  # the initial state: the stage game of the one-shot metrics moves with it
                grid = np.asarray(sc.state[p.name].levels, dtype=float)
                off = ~np.isclose(v[:, None], grid[None, :], rtol=0, atol=1e-12).any(axis=1)
                if off.any():
                    raise InputError(f"{v[off][0]:g} is not a level of the grid ({', '.join(f'{g:g}' for g in grid)})",
                                     key=p.path)
                params[p.name] = v[:, None, None]
            else:
                strategy_values[p.path] = v
        if swept_levels:
            levels = [lv.copy() for lv in levels]
            for k, pid in enumerate(ids):
                names = list(sc.players[pid].levers)
                if any((pid, nm) in swept_levels for nm in names):
                    table = np.repeat(levels[k], c, axis=0)
                    for j, nm in enumerate(names):
                        if (pid, nm) in swept_levels:
                            table[:, :, j] = swept_levels[(pid, nm)][:, self.grids[k][:, j]]
                    levels[k] = table
        if params or swept_levels:
            A, B = self._payoffs(c, params, swept_levels, values)
        else:
            A = np.broadcast_to(game.A, (c, *game.shape))
            B = np.broadcast_to(game.B, (c, *game.shape))
        if payoff_cells:
            A, B = A.copy(), B.copy()
            for player, i, j, v in payoff_cells:
                (A if player == 0 else B)[:, i, j] = v
        return Batch(A, B, discount, (levels[0], levels[1]), rounds, noise, cont, strategy_values, seeds, values)

    def _payoffs(self, c, params, swept_levels, values) -> tuple[np.ndarray, np.ndarray]:
        sc = self.scenario
        ids = self.player_ids
        env: dict[str, Any] = {**initial_environment(sc), **{name: p.value for name, p in sc.parameters.items()}}
        env.update(params)
        for k, (pid, grid) in enumerate(zip(ids, self.grids)):
            for j, (lever_name, lever) in enumerate(sc.players[pid].levers.items()):
                if (pid, lever_name) in swept_levels:
                    vals = swept_levels[(pid, lever_name)][:, grid[:, j]]  # (c, actions)
                    env[f"{pid}.{lever_name}"] = vals[:, :, None] if k == 0 else vals[:, None, :]
                else:
                    vals = np.asarray(lever.levels, dtype=float)[grid[:, j]]
                    env[f"{pid}.{lever_name}"] = vals[:, None] if k == 0 else vals[None, :]
        shape = (c, *self.base_game.shape)
        out = []
        for k, pid in enumerate(ids):
            total = np.zeros(shape)
            for term, expr in self.compiled.terms[k]:
                total += expr.evaluate(env)
            bad = ~np.isfinite(total)
            if bad.any():
                point = int(np.argwhere(bad)[0][0])
                where = ", ".join(f"{p.path}={values[point, a]:g}" for a, p in enumerate(self.paths))
                raise ScenarioError(f"payoff is not finite at the point {where}", file=self.job.source,
                                    key=f"players.{pid}.payoff")
            out.append(total)
        return out[0], out[1]


def level_table(scenario, pid: str, grid: np.ndarray) -> np.ndarray:
    """Level values of every action of ``pid``: ``(actions, levers)`` (indices for matrix games)."""
    player = scenario.players[pid]
    if player.levers is None:
        return grid.astype(float)
    return np.column_stack([np.asarray(lv.levels, dtype=float)[grid[:, j]] for j, lv in enumerate(player.levers.values())])
