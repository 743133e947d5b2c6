"""Sweeps of games with more than two players: the same plans, chunks and tables, point by point.

:class:`NPlayerEvaluator` stands in for :class:`~sim.sweeps.evaluate.PointEvaluator` when the
scenario has three or more players (:func:`make_evaluator` picks). Each point's game is built by
:func:`~sim.model.nplayer_build.build_normal_form` with the swept parameters; parameters,
discount factors and matrix-game payoff cells may be swept. Every metric is deterministic (no
time budget decides a number), so a table is the same whatever the worker count.

Metrics and their columns (``PID`` for each player in declaration order):

``equilibria``      pure equilibria, named as in two-player sweeps: ``equilibria.count``, each
                    player's payoff in the reported one (``equilibria.payoff.PID``: the equilibrium of
                    largest joint payoff, ties to the first in profile order; NaN with none), its lever
                    levels (``equilibria.LEVER.PID``), and ``equilibria.cooperative_is_nash`` (1/0,
                    NaN with no cooperative profile)
``correlated``      ``correlated.welfare``: total payoff of the welfare-maximising correlated
                    equilibrium (LP), and each player's payoff there (``correlated.PID``)
``security``        ``security.pure.PID``, ``security.mixed.PID`` (maxmin against the others' joint play)
``critical_delta``  ``critical_delta.grim_nash.PID``, ``critical_delta.grim_minmax.PID``: grim trigger
                    against all, for the cooperative profile
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np

from sim.errors import InputError
from sim.model.game import compile_payoffs
from sim.model.load import scenario_from_dict
from sim.model.nplayer import NormalFormGame
from sim.model.nplayer_build import build_normal_form
from sim.repeated.nplayer_thresholds import grim_thresholds
from sim.stage.nplayer_correlated import correlated_equilibrium_nplayer
from sim.stage.nplayer_pure import payoff_stack, pure_equilibrium_mask
from sim.stage.nplayer_security import security_levels_nplayer
from sim.sweeps.design import number_paths
from sim.sweeps.evaluate import PointEvaluator
from sim.sweeps.metrics import SweepJob, parse_metric

__all__ = ["NPlayerEvaluator", "NPLAYER_SWEEP_METRICS", "is_nplayer_document", "make_evaluator", "metric_name"]

#: The kinds of sweep path an N-player sweep can vary.
_KINDS = ("parameter", "discount", "payoff")


def is_nplayer_document(document: Any) -> bool:
    """Whether a scenario document (the parsed TOML) has more than two players."""
    players = document.get("players") if isinstance(document, dict) else None
    return isinstance(players, dict) and len(players) > 2


def _equilibria(game: NormalFormGame, ids) -> dict[str, float]:
    U = payoff_stack(game)
    mask = pure_equilibrium_mask(U)
    out = {"equilibria.count": float(mask.sum())}
    found = np.argwhere(mask)  # profile (row-major) order
    best = tuple(found[int(np.argmax(U.sum(axis=0)[tuple(found.T)]))]) if len(found) else None
    for k, pid in enumerate(ids):
        out[f"equilibria.payoff.{pid}"] = np.nan if best is None else float(game.payoffs[k][best])
        for j, lever in enumerate(game.levers[k]):
            level = None if best is None else int(game.action_levels[k][best[k], j])
            out[f"equilibria.{lever.name}.{pid}"] = np.nan if level is None else float(lever.levels[level])
    coop = game.cooperative
    out["equilibria.cooperative_is_nash"] = np.nan if coop is None else float(mask[tuple(coop)])
    return out


def _equilibria_columns(game: NormalFormGame) -> list[str]:
    ids = game.player_ids
    return ["equilibria.count", *[f"equilibria.payoff.{p}" for p in ids],
            *[f"equilibria.{lever.name}.{p}" for k, p in enumerate(ids) for lever in game.levers[k]],
            "equilibria.cooperative_is_nash"]


def _correlated(game: NormalFormGame, ids) -> dict[str, float]:
    ce = correlated_equilibrium_nplayer(game, kind="ce")
    return {"correlated.welfare": float(ce.value), **{f"correlated.{pid}": float(v) for pid, v in zip(ids, ce.payoffs)}}


def _security(game: NormalFormGame, ids) -> dict[str, float]:
    s = security_levels_nplayer(game)
    return {**{f"security.pure.{pid}": float(v) for pid, v in zip(ids, s.pure_value)},
            **{f"security.mixed.{pid}": float(v) for pid, v in zip(ids, s.value)}}


def _critical(game: NormalFormGame, ids) -> dict[str, float]:
    if game.cooperative is None:
        raise InputError("critical_delta needs a cooperative profile: give [repeated] cooperative in the scenario",
                         key="--metric")
    th = grim_thresholds(game)
    return {**{f"critical_delta.grim_nash.{pid}": float(v) for pid, v in zip(ids, th.grim_nash)},
            **{f"critical_delta.grim_minmax.{pid}": float(v) for pid, v in zip(ids, th.grim_minmax)}}


#: name -> (function of one game, its columns given the base game, one-line doc)
NPLAYER_SWEEP_METRICS: dict[str, tuple[Callable, Callable, str]] = {
    "equilibria": (_equilibria, _equilibria_columns,
                   "pure Nash equilibria: count, payoffs and levers of the reported one, the cooperative profile"),
    "correlated": (_correlated, lambda g: ["correlated.welfare", *[f"correlated.{p}" for p in g.player_ids]],
                   "the welfare-maximising correlated equilibrium: total and per-player payoffs"),
    "security": (_security, lambda g: [f"security.{kind}.{p}" for kind in ("pure", "mixed") for p in g.player_ids],
                 "security levels per player, pure and against the others' joint mixed play"),
    "critical_delta": (_critical, lambda g: [f"critical_delta.{kind}.{p}" for kind in ("grim_nash", "grim_minmax")
                                             for p in g.player_ids],
                       "critical discount factors of grim trigger against all, per player"),
}


def _parse_metric(spec: str) -> tuple[str, dict]:
    name, _, rest = spec.strip().partition(":")
    name = name.strip()
    if name not in NPLAYER_SWEEP_METRICS:
        raise InputError(f"unknown metric {name!r} for a game of more than two players; known: "
                         f"{', '.join(NPLAYER_SWEEP_METRICS)}", key="--metric")
    if rest.strip():
        raise InputError(f"the metric {name!r} takes no options in a game of more than two players", key="--metric")
    return name, {}


class NPlayerEvaluator:
    """Builds an N-player job's scenario once, then evaluates blocks of points, one game per point."""

    def __init__(self, job: SweepJob):
        self.job = job
        self.scenario = scenario = scenario_from_dict(job.document, source=job.source)
        self.compiled = compile_payoffs(scenario, source=job.source)
        self.base_game = build_normal_form(scenario, source=job.source, compiled=self.compiled)
        self.player_ids = tuple(self.base_game.player_ids)
        known = number_paths(scenario, {})
        self.paths = tuple(known[p] for p in job.paths)
        for p in self.paths:
            if p.kind not in _KINDS:
                raise InputError(f"a sweep of a {len(self.player_ids)}-player game varies parameters, discount "
                                 "factors and payoff cells, not this", key=p.path)
        if job.strategies:
            raise InputError("strategies are for the play metric, which two-player sweeps have", key="--strategy")
        self.metrics = tuple(_parse_metric(m) for m in job.metrics)

    def columns(self) -> list[str]:
        """Output columns of the metrics, in order."""
        return [c for name, _ in self.metrics for c in NPLAYER_SWEEP_METRICS[name][1](self.base_game)]

    def game_at(self, point: np.ndarray) -> NormalFormGame:
        """The game at one design point (values in the order of the job's paths)."""
        params: dict[str, float] = {}
        discount = list(self.base_game.discount)
        cells: list[tuple[int, tuple[int, ...], float]] = []
        for p, v in zip(self.paths, point):
            if p.kind == "parameter":
                params[p.name] = float(v)
            elif p.kind == "discount":
                discount[self.player_ids.index(p.player)] = float(v)
            else:
                cells.append((self.player_ids.index(p.player), tuple(p.index), float(v)))
        game = self.base_game if not params else build_normal_form(self.scenario, params, source=self.job.source,
                                                                   compiled=self.compiled)
        if cells:
            tensors = [t.copy() for t in game.payoffs]
            for k, index, v in cells:
                tensors[k][index] = v
            game = dataclasses.replace(game, payoffs=tuple(tensors), terms=tuple({"payoff": t} for t in tensors))
        if tuple(discount) != tuple(game.discount):
            game = dataclasses.replace(game, discount=tuple(discount))
        return game

    def evaluate(self, values: np.ndarray, seeds: np.ndarray) -> dict[str, np.ndarray]:
        """Columns of every metric for the points ``values`` (``(c, len(paths))``)."""
        names = self.columns()
        out = {c: np.full(len(values), np.nan) for c in names}
        for row, point in enumerate(values):
            game = self.game_at(point)
            for name, _ in self.metrics:
                for col, v in NPLAYER_SWEEP_METRICS[name][0](game, self.player_ids).items():
                    out[col][row] = v
        return out


def metric_name(spec: str, document: Any) -> str:
    """The metric a ``--metric`` spec names, checked against the metrics of the scenario's kind."""
    return (_parse_metric(spec) if is_nplayer_document(document) else parse_metric(spec))[0]


def make_evaluator(job: SweepJob) -> "PointEvaluator | NPlayerEvaluator":
    """The evaluator of a job: :class:`NPlayerEvaluator` for more than two players, else the two-player one."""
    return NPlayerEvaluator(job) if is_nplayer_document(job.document) else PointEvaluator(job)
