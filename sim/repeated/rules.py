"""Strategies written as files: the state machines of :mod:`sim.model.strategy_file`, played.

A :class:`RuleStrategy` plays a validated strategy file for a whole batch of replicates at once,
like every other strategy: each replicate's current state, rounds in that state, the other side's
run of escalated and calm moves live in ``obs.memory``. A rule that fires
by chance draws from ``obs.uniform`` with a stream number fixed by the rule's place in the file,
so a replicate's moves do not depend on the rest of the batch.

In a spec, a strategy file is named by its path (``students/team3.toml``); a directory stands for
every ``*.toml`` strategy file in it, in name order (:func:`expand_specs`).
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from sim.errors import InputError
from sim.model.actions import resolve_action
from sim.model.strategy_file import MOVES, StrategyFile, load_strategy_file
from sim.repeated.context import PlayerContext
from sim.repeated.strategy import Observation, Strategy

__all__ = ["RuleStrategy", "is_strategy_path", "expand_specs", "MAX_STRATEGY_FILES"]

#: Most strategy files a directory may stand for.
MAX_STRATEGY_FILES = 256
_HISTORY_MOVES = ("mirror", "best_response", "repeat", "escalate", "deescalate")


def is_strategy_path(spec: Any) -> bool:
    """Whether a spec names a strategy file (it ends in ``.toml``) rather than a library strategy."""
    return isinstance(spec, (str, Path)) and str(spec).strip().lower().endswith(".toml")


def expand_specs(specs: Sequence[Any]) -> list[Any]:
    """Specs with every directory replaced by the strategy files in it (``*.toml``, in name order)."""
    out: list[Any] = []
    for spec in specs:
        if isinstance(spec, (str, Path)) and not is_strategy_path(spec) and Path(str(spec).strip()).is_dir():
            folder = Path(str(spec).strip())
            files = sorted(p for p in folder.glob("*.toml") if p.is_file())
            if not files:
                raise InputError(f"no strategy files (*.toml) in the directory {str(spec)!r}", key="strategies")
            if len(files) > MAX_STRATEGY_FILES:
                raise InputError(f"{len(files)} strategy files in {str(spec)!r}; at most {MAX_STRATEGY_FILES}",
                                 key="strategies")
            out.extend(str(p) for p in files)
        else:
            out.append(spec)
    return out


class RuleStrategy(Strategy):
    """A strategy read from a strategy file (a state machine over a fixed vocabulary; never code).

    ``RuleStrategy.from_file(path)`` reads and validates the file; :attr:`spec` is the path, so a
    result names the file it was played from, and :meth:`to_dict` adds the file's name, author and
    SHA-256.
    """

    name = "strategy_file"
    memory_depth = math.inf

    def __init__(self, definition: StrategyFile, *, path: str, digest: str):
        super().__init__()
        self.definition = definition
        self.path = path
        self.digest = digest
        self.label = definition.strategy.name
        self._states = list(definition.states)
        self._index = {name: i for i, name in enumerate(self._states)}
        self.stochastic = definition.stochastic

    @classmethod
    def from_file(cls, path: str | Path) -> "RuleStrategy":
        path = str(path).strip()
        definition = load_strategy_file(path)
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        return cls(definition, path=path, digest=digest)

    def is_stochastic(self) -> bool:
        return self.stochastic

    @property
    def spec(self) -> str:
        return self.path

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        meta = self.definition.strategy
        out.update(name=meta.name, file=self.path, sha256=self.digest, author=meta.author,
                   description=meta.description, states=list(self._states))
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RuleStrategy) and (other.path, other.digest) == (self.path, self.digest)

    def __hash__(self) -> int:
        return hash((RuleStrategy, self.path, self.digest))

    # ------------------------------------------------------------------------- play
    def act(self, obs: Observation) -> np.ndarray:
        mem = obs.memory
        if obs.t == 0:
            self._start(obs)
        else:
            self._transition(obs)
        state = mem["state"]
        out = np.empty(obs.size, dtype=np.int64)
        for s, name in enumerate(self._states):
            rows = state == s
            if rows.any():
                out[rows] = self._move(obs, name, rows)
        mem["in_state"] += 1
        return out

    def _start(self, obs: Observation) -> None:
        size = obs.size
        obs.memory.update(
            state=np.full(size, self._index[self.definition.strategy.start], dtype=np.int64),
            in_state=np.zeros(size, dtype=np.int64),
            escalated=np.zeros(size, dtype=np.int64),
            calm=np.zeros(size, dtype=np.int64),
            actions=self._named_actions(obs.ctx),
        )

    def _transition(self, obs: Observation) -> None:
        mem = obs.memory
        provoked = obs.ctx.provocation[obs.last_opp]
        mem["escalated"] = np.where(provoked, mem["escalated"] + 1, 0)
        mem["calm"] = np.where(provoked, 0, mem["calm"] + 1)
        state, stream = mem["state"], 0
        new = state.copy()
        decided = np.zeros(obs.size, dtype=bool)
        for s, name in enumerate(self._states):
            here = state == s
            for rule in self.definition.states[name].rules:
                chance = 0.0 < rule.probability < 1.0
                draw = obs.uniform(stream) if chance else None  # drawn every round: batch-independent
                stream += int(chance)
                if rule.probability <= 0.0:
                    continue
                fires = here & ~decided
                if rule.other is not None:
                    run = mem["escalated"] if rule.other == "escalated" else mem["calm"]
                    fires &= run >= (rule.times or 1)
                if rule.after is not None:
                    fires &= mem["in_state"] >= rule.after
                if rule.from_round is not None and obs.t + 1 < rule.from_round:
                    fires[:] = False
                if draw is not None:
                    fires &= draw < rule.probability
                new[fires] = self._index[rule.goto]
                decided |= fires
        mem["in_state"][decided] = 0  # a rule that fires restarts the count, even one that stays
        mem["state"] = new

    def _move(self, obs: Observation, name: str, rows: np.ndarray) -> "np.ndarray | int":
        ctx, mem = obs.ctx, obs.memory
        play = self.definition.states[name].play
        if isinstance(play, str) and play in MOVES:
            if play in _HISTORY_MOVES and obs.t == 0:
                return ctx.coop_own
            if play == "cooperate":
                return ctx.coop_own
            if play == "maximum_pressure":
                return ctx.max_own
            if play == "nash":
                pure = ctx.punishment_pure("nash")
                if pure is not None:
                    return pure
                return obs.sample(ctx.punishment["nash"], stream=900)[rows]
            last_opp, last_own = obs.last_opp[rows], obs.last_own[rows]
            if play == "mirror":
                return ctx.mirror[last_opp]
            if play == "best_response":
                return ctx.best_response[last_opp]
            if play == "repeat":
                return last_own
            step = 1 if play == "escalate" else -1  # from the rung of the move actually made (noise included)
            return ctx.ladder[np.clip(ctx_rung(ctx)[last_own] + step, 0, ctx.rungs)]
        return mem["actions"][name]

    def _named_actions(self, ctx: PlayerContext) -> dict[str, int]:
        """Each state's named action in this game, checked (an error names the file and the state)."""
        out = {}
        for name, state in self.definition.states.items():
            if isinstance(state.play, str) and state.play in MOVES:
                continue
            try:
                out[name] = resolve_action(ctx.game, ctx.player, state.play, base=ctx.coop_own,
                                           key=f"states.{name}.play")
            except InputError as exc:
                raise InputError(exc.message, file=self.path, key=exc.key) from None
        return out


def ctx_rung(ctx: PlayerContext) -> np.ndarray:
    """Each own action's rung on the escalation ladder: the rung nearest it in hostility (cached)."""
    cached = ctx.__dict__.get("_rung_of")
    if cached is None:
        h = ctx.hostility_own
        rungs_h = h[ctx.ladder]
        cached = np.argmin(np.abs(h[:, None] - rungs_h[None, :]), axis=1).astype(np.int64)
        cached[ctx.ladder] = np.arange(len(ctx.ladder))
        ctx.__dict__["_rung_of"] = cached
    return cached
