"""One person against a strategy, round by round: the game behind ``tradesim duel`` and the
notebook widget (:mod:`sim.classroom.widget`).

A :class:`Duel` keeps the history and nothing else: the strategy's move in a round is computed
from the person's earlier moves only (:func:`~sim.classroom.game.strategy_moves`, the engine's
observation, keyed by the seed), so it is fixed before the person chooses and revealed after.
The ending rule is the classroom's (:class:`~sim.classroom.game.ClassGame`): a fixed number of
rounds, or another round with a continuation probability, drawn from the seed as
:func:`sim.repeated.engine.play` draws it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any, Mapping

from sim._random import resolve_seed
from sim.classroom.errors import ClassroomError
from sim.classroom.game import ClassGame, check_strategy, pair_key, strategy_moves
from sim.errors import InputError
from sim.model.actions import resolve_action
from sim.model.game import StageGame
from sim.repeated.strategies import get_strategy
from sim.repeated.strategy import Strategy

__all__ = ["Duel", "DuelRound"]


@dataclass(frozen=True)
class DuelRound:
    """One round played: both actions, both payoffs and their terms, the running scores."""

    round: int
    actions: tuple[int, int]
    labels: tuple[str, str]
    payoffs: tuple[float, float]
    terms: tuple[dict[str, float], dict[str, float]]
    state: dict[str, str]
    totals: tuple[float, float]
    outcome: str

    def to_dict(self, ids: tuple[str, str]) -> dict[str, Any]:
        return {"round": self.round, **{f"action.{p}": self.labels[k] for k, p in enumerate(ids)},
                **{f"payoff.{p}": self.payoffs[k] for k, p in enumerate(ids)},
                **{f"total.{p}": self.totals[k] for k, p in enumerate(ids)}, "outcome": self.outcome,
                **({"state": self.state} if self.state else {})}


@dataclass
class Duel:
    """A person playing ``side`` of ``game`` against ``strategy``.

    Build with :meth:`start`; call :meth:`play` with the person's action (an index, a label or
    ``{lever: level label}``) until :attr:`over`.
    """

    cg: ClassGame
    side: int
    strategy: Strategy
    seed_key: int
    seed: int
    length: int
    history: list[DuelRound] = field(default_factory=list)

    @classmethod
    def start(cls, game: StageGame, vs: str = "tit_for_tat", *, side: "int | str" = 0, rounds: int | None = None,
              continuation: float | None = None, max_rounds: int = 50, seed: int | None = None) -> "Duel":
        if isinstance(side, str):
            if side not in game.player_ids:
                raise ClassroomError(f"no player {side!r} (players: {', '.join(game.player_ids)})", key="side")
            side = game.player_ids.index(side)
        cg = ClassGame.build(game, rounds=rounds, continuation=continuation, max_rounds=max_rounds)
        strategy = check_strategy(vs)
        if seed is None:  # a fresh seed, shown and recorded so the duel can be replayed
            seed = secrets.randbelow(10**9)
        seed_value, seed_key = resolve_seed(seed)
        return cls(cg, int(side), strategy, int(seed_key), int(seed_value), cg.length(int(seed_key), 0))

    # ------------------------------------------------------------------------- reading
    @property
    def ids(self) -> tuple[str, str]:
        return self.cg.player_ids

    @property
    def me(self) -> str:
        return self.ids[self.side]

    @property
    def them(self) -> str:
        return self.ids[1 - self.side]

    @property
    def over(self) -> bool:
        return len(self.history) >= self.length

    @property
    def round(self) -> int:
        """The round to be played next (from 1)."""
        return len(self.history) + 1

    @property
    def known_length(self) -> int | None:
        """Rounds in all, when the rule is a fixed number (with a continuation probability nobody knows)."""
        return self.cg.rounds

    @property
    def totals(self) -> tuple[float, float]:
        """``(mine, theirs)`` so far."""
        if not self.history:
            return 0.0, 0.0
        t = self.history[-1].totals
        return t[self.side], t[1 - self.side]

    def levers(self) -> list[dict[str, Any]]:
        """My levers with their level labels (conciliatory first)."""
        return self.cg.levers(self.side)

    def last_levels(self) -> dict[str, str]:
        """My levers' levels in the last round (the cooperative action before the first)."""
        action = self.history[-1].actions[self.side] if self.history else self.cg.cooperative[self.side]
        return self.cg.levels_of(self.side, action)

    def state_now(self) -> dict[str, str]:
        """The state the next round is played in (empty without state)."""
        return self.cg.state_labels(self.cg.states(self.seed_key, 0, [r.actions for r in self.history])[-1])

    def rules(self) -> str:
        if self.cg.continuation is not None:
            return (f"after each round another follows with probability {self.cg.continuation:g} "
                    f"(at most {self.cg.max_rounds} rounds)")
        return f"{self.cg.rounds} rounds"

    # ------------------------------------------------------------------------- playing
    def play(self, action: Any) -> DuelRound:
        """Play my ``action`` this round; the strategy's move was fixed before it was seen."""
        if self.over:
            raise ClassroomError(f"the duel is over ({len(self.history)} rounds played)", key="round")
        if isinstance(action, Mapping):
            mine = self.cg.action_of(self.side, action)
        else:
            try:
                mine = resolve_action(self.cg.game, self.side, action, key="action")
            except InputError as exc:
                raise ClassroomError(exc.message, key=exc.key) from None
        own_moves = [r.actions[self.side] for r in self.history]
        theirs = strategy_moves(self.cg.game, self.strategy, 1 - self.side, own_moves,
                                pair_key(self.seed_key, 0), self.cg.cooperative)[-1]
        i, j = (mine, theirs) if self.side == 0 else (theirs, mine)
        t = len(self.history)
        state = self.cg.states(self.seed_key, 0, [r.actions for r in self.history])[-1]
        pay = self.cg.payoffs(i, j, state, t)
        before = self.history[-1].totals if self.history else (0.0, 0.0)
        played = DuelRound(
            round=self.round, actions=(i, j), labels=(self.cg.game.actions[0][i], self.cg.game.actions[1][j]),
            payoffs=pay, terms=self.cg.terms(i, j, state, t), state=self.cg.state_labels(state), totals=(before[0] + pay[0], before[1] + pay[1]),
            outcome=self.cg.outcome(i, j))
        self.history.append(played)
        return played

    def replay_as(self, spec: str) -> tuple[float, float]:
        """``(mine, theirs)`` had ``spec`` played my side against the same strategy, for as many
        rounds, with the same random streams."""
        other = get_strategy(spec)
        key = pair_key(self.seed_key, 0)
        mine: list[int] = []
        theirs: list[int] = []
        game, coop = self.cg.game, self.cg.cooperative
        for _ in self.history:
            m = strategy_moves(game, other, self.side, theirs, key, coop)[-1]
            t = strategy_moves(game, self.strategy, 1 - self.side, mine, key, coop)[-1]
            mine.append(m)
            theirs.append(t)
        pairs = list(zip(mine, theirs) if self.side == 0 else zip(theirs, mine))
        pays = self.cg.path_payoffs(self.seed_key, 0, pairs)
        return (float(sum(p[self.side] for p in pays)), float(sum(p[1 - self.side] for p in pays)))

    def summary(self) -> dict[str, Any]:
        """The duel so far: rounds, scores, and what tit for tat would have scored in my place."""
        mine = [r.actions[self.side] for r in self.history]
        tft, tft_them = self.replay_as("tit_for_tat")
        return {
            "scenario": self.cg.name, "you": self.me, "opponent": self.strategy.spec, "seed": self.seed,
            "rounds": len(self.history), "of": self.length, "score": self.totals[0], "opponent_score": self.totals[1],
            "tit_for_tat_score": tft, "opponent_score_against_tit_for_tat": tft_them,
            "cooperative_rounds": sum(1 for a in mine if a == self.cg.cooperative[self.side]),
            "rounds_played": [r.to_dict(self.ids) for r in self.history],
        }
