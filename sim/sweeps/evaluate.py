"""Evaluating a sweep's points: the scenario built once per worker, then every point's stage games
(and repeated-play settings) in batches, and every metric of :mod:`sim.sweeps.metrics` on them.

The evaluator also plays the matches of the ``play`` metric (:meth:`PointEvaluator.play_matches`):
it holds what a worker keeps between blocks, the strategies and the contexts matches are played in.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from sim._random import match_key, resolve_seed, row_keys
from sim.dynamic.forward import state_path
from sim.dynamic.solve import DEFAULT_TOL, markov_perfect_equilibria
from sim.errors import InputError, ScenarioError
from sim.model.actions import cooperative_profile
from sim.model.dynamic import build_dynamic_game
from sim.model.expressions import Expression
from sim.model.game import (
    action_grid,
    build_game,
    compile_payoffs,
    initial_environment,
)
from sim.model.load import scenario_from_dict
from sim.repeated.context import PlayerContext
from sim.repeated.engine import (
    CHUNK_CELLS,
    match_lengths,
    play,
    simulate_block,
    summarise_paths,
)
from sim.repeated.settings import PlaySettings
from sim.repeated.strategies import (
    Alternator,
    AlwaysCooperate,
    AlwaysDefect,
    DeadlineTruce,
    EscalationLadder,
    GenerousTitForTat,
    GrimTrigger,
    RandomStrategy,
    Scripted,
    SuspiciousTitForTat,
    TitForTat,
    TitForTwoTats,
    get_strategy,
    parse_spec,
)
from sim.stage.equilibria import pure_equilibrium_mask
from sim.sweeps.design import number_paths
from sim.sweeps.metrics import (
    BATCH_CELLS,
    METRICS,
    Batch,
    SweepJob,
    parse_metric,
    reversion_cells,
)

__all__ = ["PointEvaluator", "level_table", "one_state_induction"]

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
        self._contexts: dict[tuple, tuple] = {}
        exprs = [e for terms in (self.compiled.terms if self.compiled is not None else ()) for _, e in terms]
        self._one_state = (self.compiled is not None and not scenario.state and scenario.repeated.rounds is not None
                           and not any(isinstance(e, Expression) and (e.prev or e.uses_round) for e in exprs))

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

    # ------------------------------------------------------------------------- repeated play
    def play_matches(self, batch: Batch, names: list[str]) -> dict[str, np.ndarray]:
        """The ``play`` metric's columns ``names`` for a block of points.

        Points whose strategies move alike in their games (the same strategy objects, noise and
        horizon, and strategies that read no payoff, or only a reversion equilibrium that is the same
        pure profile: :func:`_reads`) are played in one engine call. The engine's draws are counter
        based, so every replicate's path is the one its own :func:`sim.repeated.engine.play` gives;
        each point's summaries are then taken on its own payoffs. Other points play one at a time.
        """
        c, m, n = batch.A.shape
        cols = {name: np.full(c, np.nan) for name in names}
        pairs = [(self.strategy(0, batch, k), self.strategy(1, batch, k)) for k in range(c)]
        cells = None
        groups: dict[tuple, list[int]] = {}
        for k, pair in enumerate(pairs):
            reads = {_reads(s) for s in pair}
            if "nash" in reads and cells is None:
                cells = reversion_cells(batch, self.cooperative)[0]
            if None in reads or ("nash" in reads and cells[k] < 0):
                self._play_point(batch, k, pair, cols)
                continue
            # in a symmetric game the engine shows both sides one context (whose punishment is the row's)
            symmetric = m == n and bool(np.array_equal(batch.A[k], batch.B[k].T))
            cont = float(batch.continuation[k])
            horizon = (int(batch.rounds[k]), None) if math.isnan(cont) else (None, cont)
            key = (id(pair[0]), id(pair[1]), float(batch.noise[k]), horizon,
                   (int(cells[k]) if "nash" in reads else -1, symmetric))
            groups.setdefault(key, []).append(k)
        for (_, _, noise, horizon, like), members in groups.items():
            self._play_group(batch, members, pairs[members[0]], noise, horizon, like, cols)
        return cols

    def _play_point(self, batch: Batch, k: int, pair: tuple, cols: dict) -> None:
        game = dataclasses.replace(
            self.base_game, A=batch.A[k], B=batch.B[k], terms=({"payoff": batch.A[k]}, {"payoff": batch.B[k]}),
            discount=(float(batch.discount[k, 0]), float(batch.discount[k, 1])))
        cont = batch.continuation[k]
        horizon = {"continuation": float(cont)} if math.isfinite(cont) else {"rounds": int(batch.rounds[k])}
        res = play(game, pair, replicates=self.job.reps, noise=float(batch.noise[k]), seed=int(batch.seeds[k]),
                   paths=False, **horizon)
        _play_summary(self.player_ids, k, res.total, res.discounted, res.coop_rounds, res.first_breakdown,
                      res.length, cols)

    def _play_group(self, batch: Batch, members: list[int], pair: tuple, noise: float, horizon: tuple,
                    like: tuple[int, bool], cols: dict) -> None:
        """``members`` in one engine call per :data:`~sim.repeated.engine.CHUNK_CELLS` replicate-rounds."""
        if like not in self._contexts:  # the game of the first point seen: every point alike moves the same
            k = members[0]
            game = dataclasses.replace(self.base_game, A=batch.A[k], B=batch.B[k],
                                       terms=({"payoff": batch.A[k]}, {"payoff": batch.B[k]}))
            contexts = tuple(PlayerContext.build(game, p, self.cooperative) for p in (0, 1))
            if like[0] >= 0 and tuple(c.punishment_pure("nash") for c in contexts) != divmod(like[0], game.shape[1]):
                contexts = None  # not the reversion profile predicted: play these points one by one
            self._contexts[like] = game, contexts
        game, contexts = self._contexts[like]
        if contexts is None:
            for k in members:
                self._play_point(batch, k, pair, cols)
            return
        settings = PlaySettings.check(game, rounds=horizon[0], continuation=horizon[1], replicates=self.job.reps,
                                      noise=noise, seed=0)
        R, coop = settings.replicates, settings.cooperative
        ids = np.full(R, match_key(pair[0].spec, pair[1].spec), dtype=np.int64)
        keys = [row_keys(resolve_seed(int(batch.seeds[k]))[1], ids, np.arange(R)) for k in members]
        lengths = [match_lengths(kk, settings.rounds, settings.continuation, settings.max_rounds) for kk in keys]
        lo = 0
        while lo < len(members):
            hi, cells = lo + 1, R * int(lengths[lo].max())
            while hi < len(members) and cells + R * int(lengths[hi].max()) <= CHUNK_CELLS:
                cells += R * int(lengths[hi].max())
                hi += 1
            block_keys = np.concatenate(keys[lo:hi])
            zeros = np.zeros(len(block_keys), dtype=np.int64)
            a0, a1 = simulate_block(game, list(pair), zeros, zeros + 1, block_keys, np.concatenate(lengths[lo:hi]),
                                    noise=settings.noise, cooperative=coop, contexts=contexts)
            for r, k in enumerate(members[lo:hi]):
                L = lengths[lo + r]
                rows, T = slice(r * R, (r + 1) * R), int(L.max())
                discount = (float(batch.discount[k, 0]), float(batch.discount[k, 1]))
                summ = summarise_paths(dataclasses.replace(game, A=batch.A[k], B=batch.B[k]), a0[rows, :T],
                                       a1[rows, :T], L, coop, discount)
                _play_summary(self.player_ids, k, summ["total"], summ["discounted"], summ["coop_rounds"],
                              summ["first_breakdown"], L, cols)
            lo = hi

    # ------------------------------------------------------------------------- games with state
    def markov_equilibria(self, batch: Batch, names: list[str], selection: str) -> dict[str, np.ndarray]:
        """The ``markov`` metric's columns ``names`` for a block of points.

        A scenario without state (no state variables, no payoff that reads ``prev`` or ``round``,
        a finite horizon) is a game of one state: its backward induction runs for the whole block
        at once (:func:`one_state_induction`); points where some round has no pure stage
        equilibrium, and games with state, are built and solved point by point.
        """
        c = len(batch)
        cols = {name: np.full(c, np.nan) for name in names}
        todo: Any = range(c)
        if self._one_state:
            values, verified, ok = one_state_induction(batch.A, batch.B, batch.discount,
                                                       int(self.scenario.repeated.rounds), selection)
            for p, pid in enumerate(self.player_ids):
                cols[f"markov.value.{pid}"][ok] = values[ok, p]
            cols["markov.verified"][ok] = verified[ok]
            todo = np.flatnonzero(~ok)
        for k in todo:
            self._markov_point(batch, int(k), cols, selection)
        return cols

    def _markov_point(self, batch: Batch, k: int, cols: dict, selection: str) -> None:
        sc = self.scenario
        params, initial = {}, {}
        for a, p in enumerate(self.paths):  # the rest are discounts, in batch.discount
            if p.kind in ("parameter", "state"):
                (params if p.kind == "parameter" else initial)[p.name] = float(batch.values[k, a])
        game = build_dynamic_game(sc, params, source=self.job.source, compiled=self.compiled)
        game = dataclasses.replace(game, discount=tuple(float(x) for x in batch.discount[k]))
        if initial:
            idx = game.states.indices()[game.states.initial].copy()
            for name, value in initial.items():
                j = game.states.names.index(name)
                idx[j] = int(np.argmin(np.abs(np.asarray(game.states.levels[j]) - value)))
            start = int(np.ravel_multi_index(idx, game.states.sizes))
            game = dataclasses.replace(game, states=dataclasses.replace(game.states, initial=start))
        mpe = markov_perfect_equilibria(game, selection=selection)[0]
        for p, pid in enumerate(self.player_ids):
            cols[f"markov.value.{pid}"][k] = mpe.values[0, game.states.initial, p]
        cols["markov.verified"][k] = float(mpe.verified)
        if sc.state:
            path = state_path(game, mpe)
            for name, mean in zip(path.names, path.mean):
                if name in sc.state:
                    cols[f"markov.final.{name}"][k] = mean[-1]

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


# ----------------------------------------------------------------------------- repeated play
#: Strategies whose moves read nothing the payoffs change (lever order, the cooperative profile,
#: maximum pressure, their own draws): they move the same in every point's game.
_PAYOFF_FREE = (AlwaysCooperate, AlwaysDefect, TitForTat, SuspiciousTitForTat, GenerousTitForTat, TitForTwoTats,
                EscalationLadder, RandomStrategy, Alternator, Scripted)
#: Strategies that also read one punishment, and the parameter that names it.
_PUNISHING = {GrimTrigger: "punish", DeadlineTruce: "revert"}


def _reads(strategy) -> str | None:
    """What of the payoffs ``strategy``'s moves depend on: ``""`` nothing, ``"nash"`` the reversion
    equilibrium; ``None`` more (a punishment by LP, a best reply, the payoffs themselves)."""
    if type(strategy) in _PAYOFF_FREE:
        return ""
    mode = strategy.params[_PUNISHING[type(strategy)]] if type(strategy) in _PUNISHING else None
    return {"defect": "", "nash": "nash"}.get(mode)


def _play_summary(player_ids, k, total, discounted, coop_rounds, first_breakdown, length, cols) -> None:
    """Point ``k``'s columns from its replicates' summaries."""
    per_round = (total / length[:, None]).mean(axis=0)
    disc = discounted.mean(axis=0)
    broke = first_breakdown >= 0
    for p, pid in enumerate(player_ids):
        cols[f"play.payoff.{pid}"][k] = per_round[p]
        cols[f"play.discounted.{pid}"][k] = disc[p]
    cols["play.cooperation_rate"][k] = coop_rounds.sum() / length.sum()
    cols["play.breakdown_share"][k] = broke.mean()
    cols["play.first_breakdown"][k] = first_breakdown[broke].mean() if broke.any() else np.nan


# ----------------------------------------------------------------------------- games of one state
def one_state_induction(A: np.ndarray, B: np.ndarray, discount: np.ndarray, rounds: int, selection: str
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward induction over ``rounds`` rounds of each stage game of the stack ``(A, B)`` ``(c, m, n)``
    with discount factors ``discount`` ``(c, 2)``, as :func:`sim.dynamic.solve.backward_induction`
    solves a game of one state, for the whole stack at once: each round the pure equilibrium that
    ``selection`` picks of ``Q = u + δ V``. Returns the values ``(c, 2)`` from the first round, whether
    each equilibrium verified (largest one-shot gain within 1e-7 of the payoff range) and ``ok``:
    every round had a pure equilibrium (elsewhere the other numbers mean nothing)."""
    c, m, n = A.shape
    rows = np.arange(c)
    V, worst, ok = np.zeros((c, 2)), np.zeros(c), np.ones(c, dtype=bool)

    def span(Q: np.ndarray) -> np.ndarray:
        lo, hi = Q.min(axis=(1, 2)), Q.max(axis=(1, 2))
        return np.where(hi > lo, hi - lo, 1.0)

    for _ in range(rounds):
        Q0 = A + discount[:, 0, None, None] * V[:, 0, None, None]
        Q1 = B + discount[:, 1, None, None] * V[:, 1, None, None]
        mask = pure_equilibrium_mask(Q0, Q1).reshape(c, -1)
        ok &= mask.any(axis=1)
        if selection == "first":
            cell = mask.argmax(axis=1)
        else:
            score = {"utilitarian": Q0 + Q1, "row": Q0, "col": Q1}[selection].reshape(c, -1)
            masked = np.where(mask, score, -np.inf)
            best = masked.max(axis=1, keepdims=True)
            cell = (masked >= best - 1e-9 * (1 + np.abs(best))).argmax(axis=1)
        i, j = cell // n, cell % n
        v0, v1 = Q0[rows, i, j], Q1[rows, i, j]
        gain0 = (Q0[rows, :, j].max(axis=1) - v0) / span(Q0)
        gain1 = (Q1[rows, i, :].max(axis=1) - v1) / span(Q1)
        worst = np.maximum(worst, np.maximum(gain0, gain1))
        V = np.column_stack([v0, v1])
    return V, worst <= DEFAULT_TOL, ok
