"""The stage game as the classroom plays it: one student's levers, the action their chosen levels
make, a library strategy's reply to a recorded history, and how long each pair plays.

A strategy is played by replaying the recorded history through the same :class:`Observation`
the engine builds, one replicate keyed by (session seed, pair, side), so its moves (random ones
too) are the ones :func:`sim.repeated.engine.play` would draw and are the same after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from sim._random import row_keys, side_keys
from sim.classroom.errors import ClassroomError
from sim.errors import InputError
from sim.model.actions import default_cooperative, resolve_action
from sim.model.dynamic import DynamicGame, build_dynamic_game, is_dynamic
from sim.model.game import StageGame
from sim.repeated.context import PlayerContext
from sim.repeated.dynamic_play import StateLaw
from sim.repeated.engine import match_lengths
from sim.repeated.strategies import get_strategy
from sim.repeated.strategy import Observation, Strategy

__all__ = ["ClassGame", "playable_game", "pair_key", "strategy_moves", "check_strategy", "MAX_ROUNDS"]

#: Most rounds a pair may play (a fixed horizon, or the cap of a random one).
MAX_ROUNDS = 200


def playable_game(scenario: Any, game: StageGame, *, source: str) -> "StageGame | DynamicGame":
    """What the classroom plays of a scenario: its game with state if it has state, else ``game``."""
    return build_dynamic_game(scenario, source=source) if is_dynamic(scenario) else game


def pair_key(seed_key: int, pair: int) -> np.ndarray:
    """The 64-bit key of one pair of a session (as the engine keys match ``pair``, replicate 0)."""
    return row_keys(seed_key, np.array([pair]), np.array([0]))


def check_strategy(spec: str) -> Strategy:
    """A configured strategy from its spec; refuses strategies that need a game with state."""
    try:
        strategy = get_strategy(spec)
    except InputError as exc:
        raise ClassroomError(f"opponent: {exc.message}", key="opponent") from None
    if strategy.needs_state:
        raise ClassroomError(f"opponent: {strategy.name} needs a game with state; the classroom plays the stage "
                             "game", key="opponent")
    return strategy


def strategy_moves(game: StageGame, strategy: Strategy, side: int, opp_moves: Sequence[int], key: np.ndarray,
                   cooperative: tuple[int, int]) -> list[int]:
    """The moves of ``strategy`` on ``side`` in rounds ``0..len(opp_moves)`` against ``opp_moves``.

    Round ``t``'s move sees the opponent's moves of rounds before ``t`` only, so the last entry is
    the strategy's move in the round the opponent has not played yet.
    """
    T = len(opp_moves) + 1
    ctx = PlayerContext.build(game, side, cooperative)
    own = np.zeros((1, T), dtype=np.int64)
    opp = np.zeros((1, T), dtype=np.int64)
    opp[0, : T - 1] = np.asarray(opp_moves, dtype=np.int64)
    obs = Observation(ctx, own, opp, side_keys(key, side))
    for t in range(T):
        obs.t = t
        own[0, t] = int(np.asarray(strategy.act(obs)).reshape(-1)[0])
    return own[0].tolist()


@dataclass(frozen=True, eq=False)
class ClassGame:
    """A stage game with what the classroom needs of it.

    Attributes
    ----------
    game : the stage game (for a scenario with state, the stage game of its initial state: the
        strategies' tables and the theory are read from it).
    dynamic : the game with state, else ``None``; then each pair's state moves every round by the
        game's transition law (random transitions drawn from the pair's key, as the engine draws
        them) and each round's payoffs and terms are those of the state the pair is in.
    cooperative : the cooperative profile (the scenario's ``[repeated] cooperative``, else the
        least hostile actions).
    rounds, continuation, max_rounds : the ending rule: a fixed number of rounds, or another round
        with probability ``continuation`` up to ``max_rounds``.
    """

    game: StageGame
    cooperative: tuple[int, int]
    rounds: int | None
    continuation: float | None
    max_rounds: int
    dynamic: DynamicGame | None = None

    @classmethod
    def build(cls, game: "StageGame | DynamicGame", *, rounds: int | None, continuation: float | None,
              max_rounds: int = 50) -> "ClassGame":
        if continuation is not None:
            if rounds is not None:
                raise ClassroomError("give --rounds or --continuation, not both", key="rounds")
            if not 0.0 <= continuation < 1.0:
                raise ClassroomError(f"continuation must be in [0, 1), got {continuation}", key="continuation")
            if not 1 <= max_rounds <= MAX_ROUNDS:
                raise ClassroomError(f"max_rounds must be in 1..{MAX_ROUNDS}, got {max_rounds}", key="max_rounds")
        else:
            rounds = 10 if rounds is None else rounds
            if not 1 <= rounds <= MAX_ROUNDS:
                raise ClassroomError(f"rounds must be in 1..{MAX_ROUNDS}, got {rounds}", key="rounds")
            max_rounds = rounds
        dynamic = game if isinstance(game, DynamicGame) else None
        if dynamic is not None:
            dynamic.check_rounds(max_rounds)
            game = dynamic.stage()
        return cls(game, default_cooperative(game), rounds, continuation, int(max_rounds), dynamic)

    @property
    def name(self) -> str:
        """The scenario's name (the stage game's carries the initial state's name in a game with state)."""
        return self.dynamic.name if self.dynamic is not None else self.game.name

    @property
    def player_ids(self) -> tuple[str, str]:
        return self.game.player_ids

    def length(self, seed_key: int, pair: int) -> int:
        """Rounds pair ``pair`` plays: fixed, or drawn (geometric, seeded) as the engine draws it."""
        return int(match_lengths(pair_key(seed_key, pair), self.rounds, self.continuation, self.max_rounds)[0])

    def levers(self, side: int) -> list[dict[str, Any]]:
        """The levers of ``side`` with their level labels, conciliatory first."""
        return [{"name": lv.name, "labels": list(lv.labels), "unit": lv.unit} for lv in self.game.levers[side]]

    def action_of(self, side: int, levels: Any) -> int:
        """The action of ``side`` whose levers are at ``levels`` (``{lever: level label}``, every lever).

        The classroom asks more than :func:`resolve_action` (every lever, by label text); the
        lever names, the levels and the forbidden combinations are :func:`resolve_action`'s.
        """
        if not isinstance(levels, Mapping):
            raise ClassroomError("levels must be an object {lever: level}", key="levels")
        names = [lv.name for lv in self.game.levers[side]]
        if set(levels) <= set(names):  # else resolve_action names the unknown lever
            missing = [n for n in names if n not in levels]
            if missing:
                raise ClassroomError(f"choose a level of every lever; missing {missing[0]!r}", key="levels")
            for name in names:
                if not isinstance(levels[name], str) or len(levels[name]) > 100:
                    raise ClassroomError(f"the level of {name!r} must be one of its labels", key=f"levels.{name}")
        try:
            return resolve_action(self.game, side, levels, key="levels")
        except InputError as exc:
            raise ClassroomError(exc.message, key=exc.key) from None

    def levels_of(self, side: int, action: int) -> dict[str, str]:
        """``{lever: level label}`` of an action of ``side``."""
        row = np.asarray(self.game.action_levels[side])[action]
        return {lv.name: lv.labels[int(k)] for lv, k in zip(self.game.levers[side], row)}

    def payoffs(self, i: int, j: int, state: int | None = None, t: int = 0) -> tuple[float, float]:
        """Both payoffs at ``(i, j)`` (in ``state`` and round ``t``, in a game with state)."""
        if self.dynamic is None or state is None:
            return float(self.game.A[i, j]), float(self.game.B[i, j])
        A, B = self.dynamic.payoffs(t)
        return float(A[state, i, j]), float(B[state, i, j])

    def terms(self, i: int, j: int, state: int | None = None, t: int = 0) -> tuple[dict[str, float], dict[str, float]]:
        """Each side's payoff terms at profile ``(i, j)`` (in ``state``, round ``t``); they sum to its payoff."""
        tables = self.game.terms if self.dynamic is None or state is None else self.dynamic.terms(state, t)
        return tuple({name: float(m[i, j]) for name, m in tables[p].items()}  # type: ignore[return-value]
                     for p in (0, 1))

    def states(self, seed_key: int, pair: int, profiles: Sequence[tuple[int, int]]) -> list[int | None]:
        """The state a pair is in at each round of ``profiles`` and after the last (``None``s without state)."""
        if self.dynamic is None:
            return [None] * (len(profiles) + 1)
        law = StateLaw(self.dynamic, self.dynamic.states.initial)
        key = pair_key(seed_key, pair)
        out = [int(self.dynamic.states.initial)]
        for t, (i, j) in enumerate(profiles):
            out.append(int(law.step(t, np.array([out[-1]]), np.array([i]), np.array([j]), key)[0]))
        return out  # type: ignore[return-value]

    def path_payoffs(self, seed_key: int, pair: int, profiles: Sequence[tuple[int, int]]) -> list[tuple[float, float]]:
        """Both payoffs of each round of a pair's path (each in the state the pair was in)."""
        states = self.states(seed_key, pair, profiles)
        return [self.payoffs(i, j, states[t], t) for t, (i, j) in enumerate(profiles)]

    def state_labels(self, state: int | None) -> dict[str, str]:
        """``{variable: level label}`` of a state (empty without state)."""
        if self.dynamic is None or state is None:
            return {}
        space = self.dynamic.states
        idx = space.indices()[state]
        return {name: space.labels[k][int(idx[k])] for k, name in enumerate(space.names)}

    def hostile(self, side: int, action: int) -> bool:
        """Whether ``action`` is more hostile than ``side``'s cooperative action (by lever order)."""
        h = self.game.hostility(side)
        return bool(h[action] > h[self.cooperative[side]] + 1e-12)

    def outcome(self, i: int, j: int) -> str:
        """``cooperated`` (both at the cooperative profile), ``escalated`` (both more hostile than
        it) or ``mixed`` (anything else)."""
        if (i, j) == self.cooperative:
            return "cooperated"
        if self.hostile(0, i) and self.hostile(1, j):
            return "escalated"
        return "mixed"
