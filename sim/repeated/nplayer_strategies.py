"""Strategies for repeated play with N players, and their registry.

Each generalises the two-player strategy of the same name (:mod:`sim.repeated.strategies`) and,
in a two-player game, plays it move for move and draw for draw:

* ``always_cooperate``, ``always_defect`` (maximum pressure);
* ``grim_trigger:punish=nash|minmax|defect`` — *against all*: cooperate until any other player
  provokes, then punish for ever (``nash``: own part of the pure stage Nash equilibrium that
  enforces the truce at the lowest discount factor; ``minmax``: join the others in holding the
  first provoker to its pure minmax value; ``defect``: maximum pressure);
* ``tit_for_tat:mirror=most_hostile|average|PLAYER`` — answer last round rung for rung on the own
  escalation ladder: the most hostile other player's rung, the mean of the others' rungs rounded
  half up, or a named player's rung (``suspicious_tit_for_tat`` opens with maximum pressure,
  ``generous_tit_for_tat:g=...`` forgives with probability ``g``);
* ``win_stay_lose_shift:aspiration=...`` — repeat the last action if it paid at least the
  aspiration (default: the cooperative profile's payoff), else switch between the cooperative
  action and maximum pressure;
* ``random:p=...`` — the cooperative action with probability ``p``, else a random other one;
* ``threshold:k=...`` — cooperate first, then cooperate while at least ``k`` of the others did
  not provoke last round (default ``k``: all of them), else maximum pressure.

Specs read as in two-player play: ``name:key=value,key=value``; an unknown name or parameter is a
one-line :class:`~sim.errors.InputError`. Strategy files (``NAME.toml``) are refused: their rules
speak of "the other side" (its last move, its run of escalations), which has no single meaning
with several others.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.errors import InputError
from sim.repeated.nplayer_context import NObservation, NPlayerContext
from sim.repeated.rules import is_strategy_path
from sim.repeated.strategy import Param, Strategy, StrategyRegistry

__all__ = ["NStrategy", "NSTRATEGIES", "get_nstrategy", "parse_nspec", "list_nstrategies", "NCLASSIC"]

_REGISTRY = StrategyRegistry("N-player strategy")
#: N-player strategy classes by name, in registration order.
NSTRATEGIES: dict[str, type["NStrategy"]] = _REGISTRY.classes


class NStrategy(Strategy):
    """An N-player strategy: :meth:`act` gets an :class:`~sim.repeated.nplayer_context.NObservation`."""

    def check(self, ctx: NPlayerContext) -> None:
        """Check the parameters against the game from ``ctx``'s seat (:class:`InputError` if bad)."""

    def act(self, obs: NObservation) -> "np.ndarray | int":  # type: ignore[override]
        raise NotImplementedError


#: Class decorator: add an N-player strategy to the registry.
register = _REGISTRY.register


def list_nstrategies() -> list[str]:
    """Registered N-player strategy names, in registration order."""
    return list(NSTRATEGIES)


def parse_nspec(spec: str) -> tuple[str, dict[str, str]]:
    """Split ``"name:k=v,k2=v2"`` into the canonical name and raw parameter strings."""
    if not isinstance(spec, str) or not spec.strip():
        raise InputError("empty strategy spec", key="strategy")
    if is_strategy_path(spec):
        raise InputError(f"strategy files describe play against one other side; with N players use one of "
                         f"{', '.join(NSTRATEGIES)}", key=spec.strip())
    return _REGISTRY.parse(spec)


def get_nstrategy(spec: "str | NStrategy", **params: Any) -> NStrategy:
    """A configured N-player strategy from a spec string or an instance."""
    if isinstance(spec, NStrategy):
        return spec if not params else type(spec)(**{**spec.params, **params})
    if isinstance(spec, Strategy):
        raise InputError(f"{spec.spec!r} is a two-player strategy; give its N-player spec string", key="strategy")
    name, parsed = parse_nspec(spec)
    return NSTRATEGIES[name](**{**parsed, **params})


# ----------------------------------------------------------------------------- strategies
@register
class AlwaysCooperate(NStrategy):
    """Always play the cooperative action."""

    name = "always_cooperate"
    aliases = ("always_conciliate", "cooperator")
    memory_depth = 0

    def act(self, obs: NObservation) -> int:
        return obs.ctx.coop_own


@register
class AlwaysDefect(NStrategy):
    """Always play maximum pressure (every lever at its most hostile level)."""

    name = "always_defect"
    aliases = ("always_escalate", "maximum_pressure", "defector")
    memory_depth = 0

    def act(self, obs: NObservation) -> int:
        return obs.ctx.max_own


_MIRRORS = ("most_hostile", "average")


def _mirror_check(name: str, mirror: str, ctx: NPlayerContext) -> None:
    if mirror in _MIRRORS:
        return
    ids = ctx.game.player_ids
    if mirror not in ids:
        raise InputError(f"mirror must be most_hostile, average or a player id ({', '.join(ids)}); got {mirror!r}",
                         key=f"{name}:mirror")
    if ids.index(mirror) == ctx.player:
        raise InputError(f"player {mirror!r} cannot mirror itself", key=f"{name}:mirror")


def _mirror_reply(mirror: str, obs: NObservation) -> np.ndarray:
    """Own reply to last round: the ladder rung of the most hostile other, the mean rung or a player's."""
    ctx = obs.ctx
    last = obs.last
    if mirror == "most_hostile":
        rung = ctx.other_rungs(last).max(axis=1)
    elif mirror == "average":
        rung = np.floor(ctx.other_rungs(last).mean(axis=1) + 0.5).astype(np.int64)
    else:
        q = ctx.game.player_ids.index(mirror)
        rung = ctx.rung[q][last[:, q]]
    return ctx.ladder[rung]


class _Mirroring(NStrategy):
    parameters = (Param("mirror", str, "most_hostile", doc="most_hostile, average or a player id"),)
    memory_depth = 1

    def check(self, ctx: NPlayerContext) -> None:
        _mirror_check(self.name, self.params["mirror"], ctx)


@register
class TitForTat(_Mirroring):
    """Cooperate first, then answer last round rung for rung (whom to mirror: ``mirror``)."""

    name = "tit_for_tat"

    def act(self, obs: NObservation) -> np.ndarray:
        if obs.t == 0:
            return obs.full(obs.ctx.coop_own)
        return _mirror_reply(self.params["mirror"], obs)


@register
class SuspiciousTitForTat(_Mirroring):
    """Open with maximum pressure, then mirror as tit for tat."""

    name = "suspicious_tit_for_tat"

    def act(self, obs: NObservation) -> np.ndarray:
        if obs.t == 0:
            return obs.full(obs.ctx.max_own)
        return _mirror_reply(self.params["mirror"], obs)


@register
class GenerousTitForTat(_Mirroring):
    """Tit for tat that answers a provocation cooperatively with probability ``g``."""

    name = "generous_tit_for_tat"
    stochastic = True
    parameters = (Param("g", float, 0.1, 0.0, 1.0, doc="probability of forgiving"), *_Mirroring.parameters)

    def is_stochastic(self) -> bool:
        return 0.0 < self.params["g"] < 1.0

    def act(self, obs: NObservation) -> np.ndarray:
        ctx = obs.ctx
        if obs.t == 0:
            return obs.full(ctx.coop_own)
        reply = _mirror_reply(self.params["mirror"], obs)
        g = self.params["g"]
        if g <= 0.0:
            return reply
        if g >= 1.0:
            return obs.full(ctx.coop_own)
        return np.where(obs.uniform(0) < g, ctx.coop_own, reply)


@register
class GrimTrigger(NStrategy):
    """Cooperate until any other player provokes, then punish for ever (``punish``: nash, minmax, defect)."""

    name = "grim_trigger"
    aliases = ("grudger",)
    parameters = (Param("punish", str, "nash", choices=("nash", "minmax", "defect")),)

    def check(self, ctx: NPlayerContext) -> None:
        if self.params["punish"] == "nash" and ctx.nash_action is None:
            raise InputError("the stage game has no pure Nash equilibrium to revert to; use punish=minmax or "
                             "punish=defect", key="grim_trigger:punish")

    def act(self, obs: NObservation) -> np.ndarray:
        ctx = obs.ctx
        if obs.t == 0:
            obs.memory["grudge"] = np.zeros(obs.size, dtype=bool)
            obs.memory["target"] = np.zeros(obs.size, dtype=np.int64)
            return obs.full(ctx.coop_own)
        grudge, target = obs.memory["grudge"], obs.memory["target"]
        provoked = ctx.provoked(obs.last)
        new = provoked.any(axis=1) & ~grudge
        if new.any():  # the first provoker (lowest index on a tie) is the one held to its minmax
            target[new] = np.asarray(ctx.others)[provoked[new].argmax(axis=1)]
            grudge |= new
        if not grudge.any():
            return ctx.coop_own
        mode = self.params["punish"]
        if mode == "nash":
            punish: "np.ndarray | int" = ctx.nash_action  # type: ignore[assignment]
        elif mode == "minmax":
            punish = ctx.minmax_actions[target]
        else:
            punish = ctx.max_own
        return np.where(grudge, punish, ctx.coop_own)


@register
class WinStayLoseShift(NStrategy):
    """Pavlov: repeat the last action if it paid at least the aspiration, else switch
    (cooperative action <-> maximum pressure). Aspiration default: the cooperative profile's payoff."""

    name = "win_stay_lose_shift"
    aliases = ("pavlov",)
    memory_depth = 1
    parameters = (Param("aspiration", float, None, doc="default: payoff of the cooperative profile"),)

    def act(self, obs: NObservation) -> np.ndarray:
        ctx = obs.ctx
        if obs.t == 0:
            return obs.full(ctx.coop_own)
        aspiration = self.params["aspiration"]
        if aspiration is None:
            aspiration = ctx.coop_payoff
        last = obs.last
        own = last[:, ctx.player].astype(np.int64)
        win = ctx.own_payoff(last) >= aspiration - 1e-12
        return np.where(win, own, np.where(own == ctx.coop_own, ctx.max_own, ctx.coop_own))


@register
class RandomStrategy(NStrategy):
    """The cooperative action with probability ``p``, otherwise a uniformly random other action."""

    name = "random"
    memory_depth = 0
    stochastic = True
    parameters = (Param("p", float, 0.5, 0.0, 1.0, doc="probability of the cooperative action"),)

    def is_stochastic(self) -> bool:
        return 0.0 < self.params["p"] < 1.0

    def act(self, obs: NObservation) -> np.ndarray:
        ctx = obs.ctx
        n = ctx.n_own
        if n == 1:
            return obs.full(ctx.coop_own)
        coop = obs.uniform(0) < self.params["p"]
        other = np.minimum((obs.uniform(1) * (n - 1)).astype(np.int64), n - 2)
        other = other + (other >= ctx.coop_own)
        return np.where(coop, ctx.coop_own, other)


@register
class Threshold(NStrategy):
    """Cooperate first; then cooperate while at least ``k`` others did not provoke last round
    (default: all the others), else maximum pressure."""

    name = "threshold"
    aliases = ("k_cooperators",)
    memory_depth = 1
    parameters = (Param("k", int, None, 0, None, doc="others who must have cooperated; default all"),)

    def check(self, ctx: NPlayerContext) -> None:
        k = self.params["k"]
        if k is not None and k > len(ctx.others):
            raise InputError(f"k must be at most {len(ctx.others)} (the other players), got {k}", key="threshold:k")

    def act(self, obs: NObservation) -> np.ndarray:
        ctx = obs.ctx
        if obs.t == 0:
            return obs.full(ctx.coop_own)
        k = len(ctx.others) if self.params["k"] is None else self.params["k"]
        calm = (~ctx.provoked(obs.last)).sum(axis=1)
        return np.where(calm >= k, ctx.coop_own, ctx.max_own)


#: A default field for N-player tournaments.
NCLASSIC = (
    "always_cooperate",
    "always_defect",
    "tit_for_tat",
    "tit_for_tat:mirror=average",
    "grim_trigger",
    "win_stay_lose_shift",
    "threshold:k=1",
)
