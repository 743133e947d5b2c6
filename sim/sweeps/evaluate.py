"""Evaluating a sweep's points: the scenario built once per worker, then every point's stage games
(and repeated-play settings) in batches, and every metric of :mod:`sim.sweeps.metrics` on them."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.errors import InputError, ScenarioError
from sim.model.actions import cooperative_profile
from sim.model.game import (
    action_grid,
    build_game,
    compile_payoffs,
    initial_environment,
)
from sim.model.load import scenario_from_dict
from sim.repeated.strategies import get_strategy, parse_spec
from sim.sweeps.design import number_paths
from sim.sweeps.metrics import BATCH_CELLS, METRICS, Batch, SweepJob, parse_metric

__all__ = ["PointEvaluator", "level_table"]

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
        if (params or swept_levels) and self.compiled is not None:  # a matrix game's payoffs read no parameter
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
