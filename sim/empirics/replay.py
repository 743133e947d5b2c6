"""Replay: score a scenario's predictions against a record of dated moves.

The events (:mod:`sim.empirics.events`) are applied date by date; every row of one date sees the
profile (and state) as it was before that date, so moves on one date are simultaneous. For each
scored move of player ``p`` on lever ``L``, each predictor names a direction for ``L`` (``up`` =
escalation, a higher level index; ``down``; ``hold``):

* ``model``: ``p``'s myopic best response in the stage game (at the current state, in a game with
  state) to the other side's current action. Ties among best responses (payoffs within 1e-9,
  relative) go to the one closest to ``p``'s current action (fewest levers changed), then to the
  lowest action index.
* ``markov`` (games with state): the most likely action of ``p``'s Markov perfect equilibrium policy
  (:func:`sim.dynamic.solve.markov_perfect_equilibria`, the first one) at the current state, in the
  first round for a finite horizon.
* ``mirror``: the direction of the other side's most recent scored move before the date.
* ``repeat``: the direction of ``p``'s own most recent scored move before the date.
* ``escalate``: up, or hold when ``L`` is at its top level.
* a strategy of :mod:`sim.repeated.strategies` (``tit_for_tat``, ...): its next action, fed the
  history of profiles after each earlier date with a scored move, as the engine feeds it rounds.

Scores are shares of scored moves predicted right, overall, per side and per period, each with a
percentile bootstrap interval (moves resampled with replacement; Efron and Tibshirani 1993, ch. 13).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from sim._random import resolve_seed, row_keys, side_keys
from sim.dynamic.solve import markov_perfect_equilibria
from sim.empirics.events import EventLog, EventRow
from sim.errors import InputError
from sim.model.actions import default_cooperative
from sim.model.dynamic import build_dynamic_game, is_dynamic
from sim.model.game import build_game
from sim.repeated.context import PlayerContext
from sim.repeated.strategies import get_strategy
from sim.repeated.strategy import Observation

__all__ = ["BASELINES", "Step", "MoveRecord", "ReplayResult", "walk", "replay", "bootstrap_shares",
           "best_response", "direction"]

#: The predictors every replay scores (``markov`` is added for a game with state).
BASELINES = ("model", "mirror", "repeat", "escalate")
MAX_BOOTSTRAP = 100_000
_TIE = 1e-9


def direction(before: int, after: int) -> str:
    """``up`` (escalation), ``down`` or ``hold``, from two level indices."""
    return "up" if after > before else "down" if after < before else "hold"


# ----------------------------------------------------------------------------- walking the events
@dataclass(frozen=True)
class Step:
    """One date of an events file: its rows, and the profile and state before and after it.

    ``before``/``after`` are per player the level index of each lever; ``actions_before`` and
    ``actions_after`` the matching action indices (``None`` where no action has those levels, e.g.
    a combination a ``forbid`` rule removes); ``state`` is the state index before the date (``None``
    without state).
    """

    rows: tuple[EventRow, ...]
    before: tuple[np.ndarray, np.ndarray]
    after: tuple[np.ndarray, np.ndarray]
    actions_before: tuple[int | None, int | None]
    actions_after: tuple[int | None, int | None]
    state: int | None

    @property
    def moves(self) -> tuple[EventRow, ...]:
        return tuple(r for r in self.rows if r.scored)


def walk(log: EventLog, game: Any) -> list[Step]:
    """Apply the events date by date (see the module docstring); a lever never set starts at its
    first level and a state variable at its ``initial`` level."""
    tables = [np.asarray(t) for t in game.action_levels]
    index = [{tuple(int(v) for v in row): a for a, row in enumerate(t)} for t in tables]
    levels = [np.zeros(len(lv), dtype=np.int64) for lv in game.levers]
    space = getattr(game, "states", None)
    declared: dict[str, int] = {}
    if space is not None:
        init = space.indices()[space.initial]
        declared = {n: int(init[k]) for k, n in enumerate(space.names) if not n.startswith("prev.")}
    names = [lv.name for lv in game.levers[0]], [lv.name for lv in game.levers[1]]

    def state_index() -> int | None:
        if space is None:
            return None
        idx = []
        for n in space.names:
            if n.startswith("prev."):
                _, pid, lever = n.split(".", 2)
                p = list(game.player_ids).index(pid)
                idx.append(int(levels[p][names[p].index(lever)]))
            else:
                idx.append(declared[n])
        return int(np.ravel_multi_index(idx, space.sizes)) if idx else 0

    steps = []
    for rows in log.dates():
        before = (levels[0].copy(), levels[1].copy())
        s = state_index()
        for r in rows:
            if r.kind == "state":
                declared[r.name] = r.level
            else:
                levels[r.player][r.lever] = r.level
        after = (levels[0].copy(), levels[1].copy())
        steps.append(Step(tuple(rows), before, after,
                          tuple(index[p].get(tuple(int(v) for v in before[p])) for p in (0, 1)),  # type: ignore[arg-type]
                          tuple(index[p].get(tuple(int(v) for v in after[p])) for p in (0, 1)),  # type: ignore[arg-type]
                          s))
    return steps


def require_action(step: Step, player: int, game: Any, log: EventLog, *, after: bool = False) -> int:
    """The action index of ``player`` before (or after) a date; an error naming the date's first row
    if the levels are no action of the game (a combination a ``forbid`` rule removes)."""
    a = (step.actions_after if after else step.actions_before)[player]
    if a is None:
        levels = (step.after if after else step.before)[player]
        shown = ", ".join(f"{lv.name}={lv.labels[int(i)]}" for lv, i in zip(game.levers[player], levels))
        when = "after" if after else "before"
        raise InputError(f"{when} {step.rows[0].date}, {game.player_ids[player]} is at {shown}, which is no "
                         "action of the scenario (removed by a forbid rule?)", file=log.path,
                         key=f"row {step.rows[0].row}")
    return a


# ----------------------------------------------------------------------------- predictors
def best_response(payoff: np.ndarray, table: np.ndarray, current: np.ndarray) -> int:
    """The best response to one opponent action (``payoff`` over own actions): ties to the action
    with the fewest levers changed from ``current``, then the lowest index."""
    best = float(payoff.max())
    tied = np.flatnonzero(payoff >= best - _TIE * (1.0 + abs(best)))
    changes = (table[tied] != current).sum(axis=1)
    return int(tied[np.argmin(changes)])  # argmin: the first (lowest index) among the fewest changes


def _own_payoffs(A: np.ndarray, B: np.ndarray, player: int, other_action: int) -> np.ndarray:
    return A[:, other_action] if player == 0 else B[other_action, :]


@dataclass
class _Predictors:
    """What the predictors need of the game, computed once per replay."""

    game: Any
    dyn: Any
    strategies: tuple[Any, ...]
    seed_key: int
    mpe: Any = None
    stages: dict = field(default_factory=dict)

    def payoffs(self, state: int | None) -> tuple[np.ndarray, np.ndarray]:
        if self.dyn is None:
            return self.game.A, self.game.B
        return self.dyn.A[state], self.dyn.B[state]

    def stage(self, state: int | None):
        if self.dyn is None:
            return self.game
        if state not in self.stages:
            self.stages[state] = self.dyn.stage(state)
        return self.stages[state]

    def markov(self, player: int, state: int) -> int:
        if self.mpe is None:
            self.mpe = markov_perfect_equilibria(self.dyn)[0]
        pol = self.mpe.row if player == 0 else self.mpe.col
        return int(np.argmax(pol[0, state]))

    def strategy(self, k: int, player: int, history: Sequence[tuple[int, int]], states: Sequence[int | None],
                 state: int | None) -> int:
        stage = self.stage(state)
        ctx = PlayerContext.build(stage, player, default_cooperative(stage))
        t = len(history)
        own = np.array([[h[player] for h in history] + [0]], dtype=np.int64)
        opp = np.array([[h[1 - player] for h in history] + [0]], dtype=np.int64)
        keys = side_keys(row_keys(self.seed_key, np.zeros(1), np.full(1, t)), player)
        path = None if self.dyn is None else np.array([[*states, state]], dtype=np.int64)
        obs = Observation(ctx, own, opp, keys, self.dyn, path)
        obs.t = t
        return int(np.asarray(self.strategies[k].act(obs)).ravel()[0])


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True)
class MoveRecord:
    """One scored move and what each predictor said."""

    row: int
    date: str
    period: str
    player: str
    lever: str
    before: str
    after: str
    direction: str
    given: str
    snapped: bool
    predictions: Mapping[str, str]
    note: str = ""
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "date": self.date, "period": self.period, "player": self.player,
                "lever": self.lever, "level_before": self.before, "level_after": self.after,
                "direction": self.direction, "level_given": self.given, "snapped": self.snapped,
                "predictions": dict(self.predictions), "note": self.note, "source": self.source}


@dataclass(frozen=True)
class ReplayResult:
    """Scores of every predictor on the scored moves of an events file.

    ``scores``, ``sides`` and ``periods`` are shares of moves predicted right; ``intervals`` (and
    ``side_intervals``, ``period_intervals``) their percentile bootstrap 95% intervals;
    ``difference`` is model − mirror with its interval. ``moves`` holds every scored move of the
    file; ``n_moves`` counts those in the periods scored.
    """

    scenario: str
    player_ids: tuple[str, str]
    predictors: tuple[str, ...]
    moves: tuple[MoveRecord, ...]
    scored_periods: tuple[str, ...]
    n_moves: int
    scores: Mapping[str, float]
    sides: Mapping[str, Mapping[str, float]]
    periods: Mapping[str, Mapping[str, float]]
    counts: Mapping[str, int]
    intervals: Mapping[str, tuple[float, float]]
    side_intervals: Mapping[str, Mapping[str, tuple[float, float]]]
    period_intervals: Mapping[str, Mapping[str, tuple[float, float]]]
    difference: Mapping[str, Any]
    bootstrap: int
    seed: int
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "predictors": list(self.predictors),
            "n_moves": self.n_moves,
            "scores": dict(self.scores),
            "intervals": {k: list(v) for k, v in self.intervals.items()},
            "difference": dict(self.difference),
            "sides": {k: dict(v) for k, v in self.sides.items()},
            "side_intervals": {k: {p: list(i) for p, i in v.items()} for k, v in self.side_intervals.items()},
            "periods": {k: dict(v) for k, v in self.periods.items()},
            "period_intervals": {k: {p: list(i) for p, i in v.items()} for k, v in self.period_intervals.items()},
            "counts": dict(self.counts),
            "bootstrap": self.bootstrap,
            "seed": self.seed,
            "moves": [m.to_dict() for m in self.moves],
            "notes": list(self.notes),
        }

    def table(self) -> list[dict[str, Any]]:
        """The per-move table (one flat row per scored move), as ``--format csv`` writes it."""
        out = []
        for m in self.moves:
            row = {"row": m.row, "date": m.date, "period": m.period, "player": m.player, "lever": m.lever,
                   "level_before": m.before, "level_after": m.after, "level_given": m.given,
                   "snapped": "yes" if m.snapped else "", "direction": m.direction}
            row.update({f"pred_{k}": v for k, v in m.predictions.items()})
            row.update({"note": m.note, "source": m.source})
            out.append(row)
        return out


# ----------------------------------------------------------------------------- replay
def replay(scenario: Any, log: EventLog, *, parameters: Mapping[str, float] | None = None,
           strategies: Sequence[str] = (), periods: Sequence[str] | None = None, bootstrap: int = 2000,
           seed: int = 0, source: str | None = None, game: Any = None) -> ReplayResult:
    """Score the predictors (module docstring) on the scored moves of ``log``.

    Parameters
    ----------
    scenario : a loaded scenario; ``parameters`` override its values (as in ``build_game``).
    log : the events, read against the scenario's game (:func:`~sim.empirics.events.read_events`).
    strategies : strategy specs to score besides the baselines.
    periods : score only moves in these periods (all moves still move the profile).
    bootstrap : resamples for the intervals; ``seed`` makes them (and stochastic strategies) reproducible.
    game : the game (a :class:`~sim.model.dynamic.DynamicGame` for a scenario with state), if already
        built with these parameters.
    """
    if not 1 <= int(bootstrap) <= MAX_BOOTSTRAP:
        raise InputError(f"must be between 1 and {MAX_BOOTSTRAP:,}, got {bootstrap}", key="--bootstrap")
    seed_value, seed_key = resolve_seed(seed)
    if game is None:
        game = (build_dynamic_game(scenario, parameters, source=source) if is_dynamic(scenario)
                else build_game(scenario, parameters, source=source))
    dyn = game if hasattr(game, "states") else None
    specs = tuple(get_strategy(s) for s in strategies)
    names = ("model", *(("markov",) if dyn is not None else ()), "mirror", "repeat", "escalate",
             *(s.spec for s in specs))
    if len(set(names)) != len(names):
        raise InputError("a strategy is named twice or clashes with a baseline", key="--strategy")
    chosen = _check_periods(log, periods)
    pred = _Predictors(game, dyn, specs, seed_key)
    tables = [np.asarray(t) for t in game.action_levels]
    last: list[str] = ["hold", "hold"]  # direction of each side's most recent scored move
    history: list[tuple[int, int]] = []
    hist_states: list[int | None] = []
    moves: list[MoveRecord] = []
    for step in walk(log, game):
        if not step.moves:
            continue
        lasts = tuple(last)
        for r in step.moves:
            p = r.player
            lever = game.levers[p][r.lever]
            cur = int(step.before[p][r.lever])
            out: dict[str, str] = {}
            A, B = pred.payoffs(step.state)
            j = require_action(step, 1 - p, game, log)
            br = best_response(_own_payoffs(A, B, p, j), tables[p], step.before[p])
            out["model"] = direction(cur, int(tables[p][br, r.lever]))
            if dyn is not None:
                out["markov"] = direction(cur, int(tables[p][pred.markov(p, step.state), r.lever]))
            out["mirror"] = lasts[1 - p]
            out["repeat"] = lasts[p]
            out["escalate"] = "up" if cur < lever.size - 1 else "hold"
            for k, s in enumerate(specs):
                a = pred.strategy(k, p, history, hist_states, step.state)
                out[s.spec] = direction(cur, int(tables[p][a, r.lever]))
            moves.append(MoveRecord(r.row, r.date.isoformat(), r.period, game.player_ids[p], lever.name,
                                    lever.labels[cur], lever.labels[r.level], direction(cur, r.level), r.given,
                                    r.snapped, out, r.note, r.source))
            last[p] = direction(cur, r.level)
        if specs:
            history.append((require_action(step, 0, game, log, after=True),
                            require_action(step, 1, game, log, after=True)))
            hist_states.append(step.state)
    return _score(scenario, game, names, moves, chosen, int(bootstrap), seed_value if seed_value is not None else 0,
                  seed_key)


def _check_periods(log: EventLog, periods: Sequence[str] | None) -> tuple[str, ...]:
    known = log.periods
    if not known:
        raise InputError("no scored moves (rows of kind 'move')", file=log.path)
    if not periods:
        return known
    for p in periods:
        if p not in known:
            raise InputError(f"no scored move in period {p!r} (periods: {', '.join(known)})", key="--period")
    return tuple(dict.fromkeys(periods))


def bootstrap_shares(correct: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """``(resamples, predictors)`` shares right when the moves (columns of ``correct``) are resampled."""
    n = correct.shape[1]
    idx = rng.integers(0, n, size=(resamples, n))
    return correct.astype(float)[:, idx].mean(axis=2).T


def _interval(draws: np.ndarray) -> tuple[float, float]:
    lo, hi = np.percentile(draws, [2.5, 97.5])
    return float(lo), float(hi)


def _score(scenario: Any, game: Any, names: tuple[str, ...], moves: list[MoveRecord], chosen: tuple[str, ...],
           resamples: int, seed: int, seed_key: int) -> ReplayResult:
    scored = [m for m in moves if m.period in chosen]
    correct = np.array([[m.predictions[k] == m.direction for m in scored] for k in names], dtype=bool)
    rng = np.random.default_rng(seed_key)

    def block(mask: np.ndarray):
        sub = correct[:, mask]
        draws = bootstrap_shares(sub, resamples, rng)
        shares = {k: float(v) for k, v in zip(names, sub.mean(axis=1))}
        return shares, {k: _interval(draws[:, i]) for i, k in enumerate(names)}, draws

    every = np.ones(len(scored), dtype=bool)
    scores, intervals, draws = block(every)
    diff = draws[:, names.index("model")] - draws[:, names.index("mirror")]
    difference = {"estimate": scores["model"] - scores["mirror"], "interval": list(_interval(diff))}
    sides, side_iv, periods, period_iv, counts = {}, {}, {}, {}, {}
    for pid in game.player_ids:
        mask = np.array([m.player == pid for m in scored], dtype=bool)
        counts[pid] = int(mask.sum())
        if mask.any():
            sides[pid], side_iv[pid], _ = block(mask)
    for per in chosen:
        mask = np.array([m.period == per for m in scored], dtype=bool)
        counts[per] = int(mask.sum())
        periods[per], period_iv[per], _ = block(mask)
    snapped = sum(m.snapped for m in moves)
    notes = (f"{snapped} level(s) given as numbers were snapped to the nearest level of the lever",) if snapped else ()
    return ReplayResult(scenario.meta.name, tuple(game.player_ids), names, tuple(moves), chosen, len(scored), scores,
                        sides, periods, counts, intervals, side_iv, period_iv, difference, resamples, seed, notes)
