"""Repeated play of a game with state: the match engine with a state per replicate.

Each round every replicate is in a state; strategies see it (``obs.state``), the stage payoffs are
that state's, and after the actions the state moves by the game's transition law. A stochastic
transition draws from a counter-based stream keyed like every other draw (seed, match, replicate,
round), so a replicate's path does not depend on how many replicates run beside it.

The strategies' tables (escalation ladder, mirror map, best replies) are those of the stage game
of the initial state; the ``markov`` and ``state_threshold`` strategies read the state itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from sim._random import uniform
from sim.errors import InputError
from sim.model.dynamic import DynamicGame
from sim.repeated.engine import play_replicates, resolve_pair, summaries_from_payoffs
from sim.repeated.match import MatchResult
from sim.repeated.settings import PlaySettings

__all__ = ["StateLaw", "DynamicMatchResult", "play_dynamic", "state_summaries"]

_STREAM_STATE = 4


class StateLaw:
    """The transition law of a :class:`DynamicGame` as :func:`simulate_block` uses it."""

    def __init__(self, game: DynamicGame, initial: int):
        self.game = game
        self.initial = int(initial)
        self.path: np.ndarray | None = None

    def start(self, keys: np.ndarray, T: int) -> np.ndarray:
        St = np.empty((T + 1, len(keys)), dtype=np.int32)
        St[0] = self.initial
        return St

    def step(self, t: int, s: np.ndarray, a0: np.ndarray, a1: np.ndarray, keys: np.ndarray) -> np.ndarray:
        succ = self.game.successors[s, a0, a1]  # (N, K)
        if succ.shape[1] == 1:
            return succ[:, 0]
        cdf = np.cumsum(self.game.probabilities[s, a0, a1], axis=1)
        u = uniform(keys, t, _STREAM_STATE)
        k = np.minimum((cdf < u[:, None]).sum(axis=1), succ.shape[1] - 1)
        return succ[np.arange(len(s)), k]

    def summaries(self, a0: np.ndarray, a1: np.ndarray, lengths: np.ndarray, cooperative: tuple[int, int],
                  discount: tuple[float, float]) -> dict[str, np.ndarray]:
        """:func:`state_summaries` of the block just played (its states are :attr:`path`)."""
        return state_summaries(self.game, self.path, a0, a1, lengths, cooperative, discount)


@dataclass(frozen=True, eq=False)
class DynamicMatchResult(MatchResult):
    """A :class:`~sim.repeated.match.MatchResult` of a game with state, with the state path.

    Attributes
    ----------
    dynamic : the game with state played (``game`` is its initial stage game).
    states : ``(R, T + 1)`` state index at the start of each round (and after the last), -1 past
        a replicate's end; ``None`` without paths.
    state_mean : per state variable, ``(T + 1,)`` mean value over the replicates still playing.
    """

    dynamic: DynamicGame | None = field(default=None, repr=False)
    states: np.ndarray | None = field(default=None, repr=False)
    state_mean: tuple[np.ndarray, ...] = field(default=(), repr=False)

    def payoffs(self) -> np.ndarray:
        """``(R, T, 2)`` stage payoffs per round, in the state of that round (NaN after the end)."""
        acts = self._need_paths()
        valid = acts[..., 0] >= 0
        out = np.full(acts.shape, np.nan)
        s = np.where(valid, self.states[:, :-1], 0)
        a0 = np.where(valid, acts[..., 0], 0)
        a1 = np.where(valid, acts[..., 1], 0)
        for t in range(acts.shape[1]):
            A, B = self.dynamic.payoffs(t)
            out[:, t, 0] = A[s[:, t], a0[:, t], a1[:, t]]
            out[:, t, 1] = B[s[:, t], a0[:, t], a1[:, t]]
        out[~valid] = np.nan
        return out

    def to_dict(self, paths: bool = False) -> dict[str, Any]:
        out = super().to_dict(paths=paths)
        sp = self.dynamic.states
        out["state"] = {
            "initial": sp.key(int(self.states[0, 0])) if self.states is not None else sp.key(sp.initial),
            "mean": {name: m.tolist() for name, m in zip(sp.names, self.state_mean)},
        }
        if paths and self.states is not None:
            keys = sp.keys()
            for rec, row in zip(out["paths"], self.states):
                rec["states"] = [keys[s] for s in row[: rec["rounds"] + 1]]
        return out


def play_dynamic(
    game: DynamicGame,
    strategies: Any,
    *,
    rounds: int | None = None,
    continuation: float | None = None,
    max_rounds: int = 10_000,
    replicates: int = 1,
    noise: float = 0.0,
    perception_noise: float = 0.0,
    discount: Any = None,
    cooperative: Any = None,
    seed: Any = None,
    initial: Any = None,
    paths: bool = True,
    progress: Callable[[int], None] | None = None,
) -> DynamicMatchResult:
    """Play a repeated match of a game with state ``replicates`` times at once.

    Parameters are those of :func:`sim.repeated.engine.play`; ``rounds`` defaults to the game's
    horizon; ``initial`` is the starting state (its index or its key ``name=label,...``; default the
    scenario's ``initial`` values); ``discount`` defaults to each player's ``discount``.
    """
    stage = game.stage()
    s = resolve_pair(stage, strategies)
    if rounds is None and continuation is None:
        rounds = game.horizon
    settings = PlaySettings.check(stage, rounds=rounds, continuation=continuation, max_rounds=max_rounds,
                                  replicates=replicates, noise=noise, perception_noise=perception_noise,
                                  discount=discount, cooperative=cooperative, seed=seed)
    game.check_rounds(settings.max_rounds)
    start = _initial_state(game, initial)
    R, horizon = settings.replicates, settings.max_rounds
    states_store = np.full((R, horizon + 1), -1, dtype=np.int32) if paths else None
    n_vars = len(game.states.names)
    state_sum = np.zeros((n_vars, horizon + 1))
    state_n = np.zeros(horizon + 1)
    values = [np.asarray(v, dtype=float) for v in game.states.levels]
    idx = game.states.indices()

    def on_chunk(lo: int, hi: int, lengths: np.ndarray, law: StateLaw) -> None:
        St = law.path  # (N, T + 1)
        alive = np.arange(St.shape[1])[None, :] <= lengths[:, None]
        for k in range(n_vars):
            state_sum[k, : St.shape[1]] += (values[k][idx[St, k]] * alive).sum(axis=0)
        state_n[: St.shape[1]] += alive.sum(axis=0)
        if states_store is not None:
            states_store[lo:hi, : St.shape[1]] = np.where(alive, St, -1)

    fields = play_replicates(stage, s, settings, paths=paths, progress=progress,
                             new_law=lambda: StateLaw(game, start), on_chunk=on_chunk)
    T_max = len(fields["round_active"])
    with np.errstate(invalid="ignore", divide="ignore"):
        means = tuple(state_sum[k, : T_max + 1] / np.maximum(state_n[: T_max + 1], 1) for k in range(n_vars))
    return DynamicMatchResult(
        game=stage, strategies=(s[0].spec, s[1].spec), strategy_info=(s[0].to_dict(), s[1].to_dict()),
        player_ids=tuple(game.player_ids), settings=settings, **fields,
        dynamic=game, states=None if states_store is None else states_store[:, : T_max + 1], state_mean=means,
    )


def state_summaries(game: DynamicGame, St: np.ndarray, a0: np.ndarray, a1: np.ndarray, lengths: np.ndarray,
                    cooperative: tuple[int, int], discount: tuple[float, float]) -> dict[str, np.ndarray]:
    """The summaries of :func:`~sim.repeated.engine.summarise_paths`, each round's payoffs taken in the
    state of that round (``St`` is ``(N, T + 1)``)."""
    u0, u1 = np.empty(a0.shape), np.empty(a0.shape)
    for t in range(a0.shape[1]):
        A, B = game.payoffs(t)
        u0[:, t] = A[St[:, t], a0[:, t], a1[:, t]]
        u1[:, t] = B[St[:, t], a0[:, t], a1[:, t]]
    return summaries_from_payoffs(u0, u1, a0, a1, lengths, cooperative, discount)


def _initial_state(game: DynamicGame, initial: Any) -> int:
    if initial is None:
        return game.states.initial
    if isinstance(initial, (int, np.integer)) and not isinstance(initial, bool):
        if not 0 <= int(initial) < game.n_states:
            raise InputError(f"state index {initial} out of range 0..{game.n_states - 1}", key="initial")
        return int(initial)
    keys = game.states.keys()
    if isinstance(initial, str) and initial in keys:
        return keys.index(initial)
    raise InputError(f"no state {initial!r} (states are named like {keys[0]!r})", key="initial")
