"""Strategies for repeated play over multi-lever actions, and their registry.

A strategy sees both sides' history of actions (each action is one level of each lever) and
returns its next action for a whole batch of replicates at once. It never loops over matches:
:meth:`Strategy.act` receives an :class:`Observation` whose arrays have one row per replicate.

Hostility comes from lever order (levels are listed conciliatory first), so every strategy works
in every scenario: "cooperate" is the player's action in the cooperative profile, "defect" is
maximum pressure (every lever at its most hostile level), and "mirror the other side" maps the
opponent's escalation rank onto an *escalation ladder* of the player's own actions that runs
from the cooperative action (rung 0) to maximum pressure (top rung), moving every lever
proportionally. In a 2×2 prisoner's dilemma the ladder is ``[C, D]`` and every strategy is the
textbook one (and matches Axelrod's library move for move).

Strategies are configured once (``GenerousTitForTat(g=0.1)``) and hold no match state: the
state of a batch (a grudge, a ladder rung, counts) lives in ``obs.memory``, which the engine
creates per batch. Randomness comes from ``obs.uniform(stream)``, a counter-based stream keyed by
(seed, match, replicate, side, round), so results do not depend on how replicates are batched.

Specs: ``"generous_tit_for_tat:g=0.1"``, ``"deadline_truce:k=4,p=0.5"``,
``"scripted:path=C|D|D,cycle=1"`` — see :func:`get_strategy`.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from sim.dynamic.solve import SELECTIONS, markov_perfect_equilibria
from sim.errors import InputError, ScenarioError
from sim.model.actions import resolve_action
from sim.repeated.context import PlayerContext
from sim.repeated.rules import RuleStrategy, expand_specs, is_strategy_path
from sim.repeated.strategy import Observation, Param, Strategy, StrategyRegistry

__all__ = ["STRATEGIES", "register", "get_strategy", "parse_spec", "list_strategies", "CLASSIC",
           "check_scenario_strategies", "expand_specs", "Strategy", "Param", "Observation", "PlayerContext"]


_REGISTRY = StrategyRegistry("strategy")
#: Strategy classes by name, in registration order.
STRATEGIES: dict[str, type[Strategy]] = _REGISTRY.classes
#: Class decorator: add a strategy to the registry under its name and aliases.
register = _REGISTRY.register


def list_strategies() -> list[str]:
    """Registered strategy names (aliases excluded), in registration order."""
    return list(STRATEGIES)


def parse_spec(spec: str) -> tuple[str, dict[str, str]]:
    """Split ``"name:k=v,k2=v2"`` into the canonical name and raw parameter strings."""
    if not isinstance(spec, str) or not spec.strip():
        raise InputError("empty strategy spec", key="strategy")
    if is_strategy_path(spec):  # a strategy file: no parameters
        return spec.strip(), {}
    return _REGISTRY.parse(spec, known_also="; or the path of a strategy file, NAME.toml")


def get_strategy(spec: "str | Strategy", **params: Any) -> Strategy:
    """A configured strategy from a spec string (``"generous_tit_for_tat:g=0.1"``), the path of a
    strategy file (``"students/team3.toml"``, :mod:`sim.model.strategy_file`) or an instance.

    Raises :class:`~sim.errors.InputError` for an unknown name or parameter or a value out of range.
    """
    if isinstance(spec, Strategy):
        return spec if not params else type(spec)(**{**spec.params, **params})
    if is_strategy_path(spec):
        if params:
            raise InputError(f"a strategy file takes no parameters (got {', '.join(params)})", key=str(spec))
        return RuleStrategy.from_file(spec)
    name, parsed = parse_spec(spec)
    return STRATEGIES[name](**{**parsed, **params})


# ----------------------------------------------------------------------------- strategies
@register
class AlwaysCooperate(Strategy):
    """Always play the cooperative action (always conciliate)."""

    name = "always_cooperate"
    aliases = ("always_conciliate", "cooperator")
    memory_depth = 0

    def act(self, obs: Observation) -> "np.ndarray | int":
        return obs.ctx.coop_own


@register
class AlwaysDefect(Strategy):
    """Always play maximum pressure (every lever at its most hostile level)."""

    name = "always_defect"
    aliases = ("always_escalate", "maximum_pressure", "defector")
    memory_depth = 0

    def act(self, obs: Observation) -> "np.ndarray | int":
        return obs.ctx.max_own


@register
class TitForTat(Strategy):
    """Cooperate first, then mirror the other side's last escalation rung for rung."""

    name = "tit_for_tat"
    memory_depth = 1

    def act(self, obs: Observation) -> np.ndarray:
        if obs.t == 0:
            return obs.full(obs.ctx.coop_own)
        return obs.ctx.mirror[obs.last_opp]


@register
class SuspiciousTitForTat(Strategy):
    """Open with maximum pressure, then mirror the other side's last move."""

    name = "suspicious_tit_for_tat"
    memory_depth = 1

    def act(self, obs: Observation) -> np.ndarray:
        if obs.t == 0:
            return obs.full(obs.ctx.max_own)
        return obs.ctx.mirror[obs.last_opp]


@register
class GenerousTitForTat(Strategy):
    """Tit for tat that forgives a provocation (answers it cooperatively) with probability ``g``."""

    name = "generous_tit_for_tat"
    memory_depth = 1
    stochastic = True
    parameters = (Param("g", float, 0.1, 0.0, 1.0, doc="probability of forgiving a provocation"),)

    def is_stochastic(self) -> bool:
        return 0.0 < self.params["g"] < 1.0

    def act(self, obs: Observation) -> np.ndarray:
        ctx = obs.ctx
        if obs.t == 0:
            return obs.full(ctx.coop_own)
        reply = ctx.mirror[obs.last_opp]
        g = self.params["g"]
        if g <= 0.0:
            return reply
        if g >= 1.0:
            return obs.full(ctx.coop_own)
        forgive = obs.uniform(0) < g
        return np.where(forgive, ctx.coop_own, reply)


@register
class TitForTwoTats(Strategy):
    """Retaliate only after two provocations in a row (by the milder of the two)."""

    name = "tit_for_two_tats"
    memory_depth = 2

    def act(self, obs: Observation) -> np.ndarray:
        ctx = obs.ctx
        if obs.t < 2:
            return obs.full(ctx.coop_own)
        a, b = obs._opp[:, obs.t - 2], obs._opp[:, obs.t - 1]
        milder = np.where(ctx.escalation_opp[a] <= ctx.escalation_opp[b], a, b)
        both = ctx.provocation[a] & ctx.provocation[b]
        return np.where(both, ctx.mirror[milder], ctx.coop_own)


@register
class GrimTrigger(Strategy):
    """Cooperate until the other side first provokes, then punish for ever.

    ``punish``: ``nash`` reverts to the stage Nash equilibrium, ``minmax`` holds the other side
    to its minmax value, ``defect`` plays maximum pressure. In the prisoner's dilemma all three
    are "defect for ever" (Axelrod's Grudger).
    """

    name = "grim_trigger"
    aliases = ("grudger",)
    parameters = (Param("punish", str, "nash", choices=("nash", "minmax", "defect")),)

    def is_stochastic(self) -> bool:
        return False  # a mixed punishment is rare; flagged per context at run time

    def act(self, obs: Observation) -> np.ndarray:
        ctx = obs.ctx
        if obs.t == 0:
            obs.memory["grudge"] = np.zeros(obs.size, dtype=bool)
            return obs.full(ctx.coop_own)
        grudge = obs.memory["grudge"]
        grudge |= ctx.provocation[obs.last_opp]
        if not grudge.any():
            return ctx.coop_own
        punish = ctx.punishment_pure(self.params["punish"])
        if punish is None:
            punish = obs.sample(ctx.punishment[self.params["punish"]], stream=1)
        return np.where(grudge, punish, ctx.coop_own)


@register
class WinStayLoseShift(Strategy):
    """Pavlov: repeat the last action if it paid at least the aspiration, else switch.

    Switching goes from the cooperative action to maximum pressure and from anything else back
    to the cooperative action. The aspiration defaults to the cooperative profile's payoff
    (in the prisoner's dilemma: stay after R or T, shift after S or P).
    """

    name = "win_stay_lose_shift"
    aliases = ("pavlov",)
    memory_depth = 1
    parameters = (Param("aspiration", float, None, doc="default: payoff of the cooperative profile"),)

    def act(self, obs: Observation) -> np.ndarray:
        ctx = obs.ctx
        if obs.t == 0:
            return obs.full(ctx.coop_own)
        aspiration = self.params["aspiration"]
        if aspiration is None:
            aspiration = ctx.payoff[ctx.coop_own, ctx.coop_opp]
        own = obs.last_own
        win = ctx.payoff[own, obs.last_opp] >= aspiration - 1e-12
        shifted = np.where(own == ctx.coop_own, ctx.max_own, ctx.coop_own)
        return np.where(win, own, shifted)


@register
class EscalationLadder(Strategy):
    """Proportional retaliation: one rung up per provocation, one rung down after ``k`` calm rounds."""

    name = "escalation_ladder"
    aliases = ("proportional_retaliation",)
    parameters = (Param("k", int, 2, 1, None, doc="calm rounds before stepping down a rung"),)

    def act(self, obs: Observation) -> np.ndarray:
        ctx = obs.ctx
        if obs.t == 0:
            obs.memory["rung"] = np.zeros(obs.size, dtype=np.int64)
            obs.memory["calm"] = np.zeros(obs.size, dtype=np.int64)
            return obs.full(ctx.coop_own)
        rung, calm = obs.memory["rung"], obs.memory["calm"]
        provoked = ctx.provocation[obs.last_opp]
        calm += 1
        calm[provoked] = 0
        step_down = calm >= self.params["k"]
        rung += provoked
        rung -= step_down & (rung > 0)
        calm[step_down] = 0
        np.minimum(rung, ctx.rungs, out=rung)
        return ctx.ladder[rung]


@register
class DeadlineTruce(Strategy):
    """Keep the cooperative action for ``k`` rounds; at each deadline extend the truce by another
    ``k`` rounds with probability ``p``, otherwise revert for ever (``revert``: nash, minmax or defect).
    """

    name = "deadline_truce"
    stochastic = True
    parameters = (
        Param("k", int, 4, 1, None, doc="rounds per truce term"),
        Param("p", float, 0.5, 0.0, 1.0, doc="probability of extending at a deadline"),
        Param("revert", str, "nash", choices=("nash", "minmax", "defect")),
    )

    def is_stochastic(self) -> bool:
        return 0.0 < self.params["p"] < 1.0

    def act(self, obs: Observation) -> np.ndarray:
        ctx = obs.ctx
        if obs.t == 0:
            obs.memory["broken"] = np.zeros(obs.size, dtype=bool)
        broken = obs.memory["broken"]
        k, p = self.params["k"], self.params["p"]
        if obs.t > 0 and obs.t % k == 0:
            if p <= 0.0:
                broken[:] = True
            elif p < 1.0:
                broken |= obs.uniform(0) >= p
        if not broken.any():
            return ctx.coop_own
        punish = ctx.punishment_pure(self.params["revert"])
        if punish is None:
            punish = obs.sample(ctx.punishment[self.params["revert"]], stream=1)
        return np.where(broken, punish, ctx.coop_own)


@register
class MyopicBestResponse(Strategy):
    """Cooperate first, then best-reply to the other side's last move (Cournot dynamics)."""

    name = "myopic_best_response"
    memory_depth = 1

    def act(self, obs: Observation) -> np.ndarray:
        if obs.t == 0:
            return obs.full(obs.ctx.coop_own)
        return obs.ctx.best_response[obs.last_opp]


@register
class FictitiousPlay(Strategy):
    """Cooperate first, then best-reply to the empirical frequency of the other side's moves
    (ties: the least hostile reply)."""

    name = "fictitious_play"

    def act(self, obs: Observation) -> "np.ndarray | int":
        ctx = obs.ctx
        if obs.t == 0:
            # running sum of own payoffs against every past opponent move: (size, n_own)
            obs.memory["expected"] = np.zeros((obs.size, ctx.n_own))
            obs.memory["reply_rows"] = np.ascontiguousarray(ctx.payoff.T)  # (n_opp, n_own)
            obs.memory["order"] = np.argsort(ctx.hostility_own, kind="stable")
            return ctx.coop_own
        expected = obs.memory["expected"]
        expected += obs.memory["reply_rows"][obs.last_opp]
        order = obs.memory["order"]
        ranked = expected[:, order]
        best = ranked.max(axis=1, keepdims=True)
        tied = ranked >= best - 1e-9 * (1.0 + np.abs(best))
        return order[tied.argmax(axis=1)]


@register
class RandomStrategy(Strategy):
    """The cooperative action with probability ``p``, otherwise a uniformly random other action."""

    name = "random"
    memory_depth = 0
    stochastic = True
    parameters = (Param("p", float, 0.5, 0.0, 1.0, doc="probability of the cooperative action"),)

    def is_stochastic(self) -> bool:
        return 0.0 < self.params["p"] < 1.0

    def act(self, obs: Observation) -> np.ndarray:
        ctx = obs.ctx
        n = ctx.n_own
        if n == 1:
            return obs.full(ctx.coop_own)
        coop = obs.uniform(0) < self.params["p"]
        other = np.minimum((obs.uniform(1) * (n - 1)).astype(np.int64), n - 2)
        other = other + (other >= ctx.coop_own)
        return np.where(coop, ctx.coop_own, other)


@register
class Alternator(Strategy):
    """Cooperate first, then switch every round: maximum pressure after its own cooperative move,
    the cooperative action after anything else (as Axelrod's Alternator, from its actual last move)."""

    name = "alternator"
    memory_depth = 1

    def act(self, obs: Observation) -> "np.ndarray | int":
        ctx = obs.ctx
        if obs.t == 0:
            return ctx.coop_own
        return np.where(obs.last_own == ctx.coop_own, ctx.max_own, ctx.coop_own)


@register
class Scripted(Strategy):
    """Play a given path of own actions (labels or indices, ``|``-separated in specs).

    After the path ends: repeat it from the start if ``cycle``, else keep its last action.
    Use it to replay dated moves or as a fixed opponent in tests.
    """

    name = "scripted"
    memory_depth = 0
    parameters = (
        Param("path", tuple, ("0",), doc="actions, e.g. C|D|D or 0|1|1"),
        Param("cycle", bool, False),
    )

    def _indices(self, ctx: PlayerContext) -> np.ndarray:
        cache = getattr(self, "_cache", None)
        if cache is not None and cache[0] is ctx:
            return cache[1]
        out = []
        for item in self.params["path"]:  # the one action parser; a bare number that is no label is an index
            if isinstance(item, str) and item not in ctx.labels_own and re.fullmatch(r"\d+", item):
                item = int(item)
            out.append(resolve_action(ctx.game, ctx.player, item, key="scripted:path"))
        arr = np.array(out, dtype=np.int64)
        object.__setattr__(self, "_cache", (ctx, arr))
        return arr

    def act(self, obs: Observation) -> np.ndarray:
        path = self._indices(obs.ctx)
        t = obs.t % len(path) if self.params["cycle"] else min(obs.t, len(path) - 1)
        return int(path[t])


# ----------------------------------------------------------------------------- games with state
@register
class Markov(Strategy):
    """Play the game's Markov perfect equilibrium policy for the current state (and round).

    The policy is :func:`sim.dynamic.solve.markov_perfect_equilibria`'s first equilibrium under the
    ``selection`` rule, computed once per game; mixed actions are drawn per replicate.
    """

    name = "markov"
    memory_depth = 0
    stochastic = True
    needs_state = True
    parameters = (Param("selection", str, "utilitarian", choices=SELECTIONS, doc="stage-equilibrium selection"),)

    def act(self, obs: Observation) -> np.ndarray:
        game = _dynamic(obs, self.name)
        cache = game.__dict__.setdefault("_markov_policies", {})
        if self.params["selection"] not in cache:
            cache[self.params["selection"]] = markov_perfect_equilibria(game, selection=self.params["selection"])[0]
        mpe = cache[self.params["selection"]]
        pol = mpe.row if obs.ctx.player == 0 else mpe.col
        probs = pol[0 if mpe.stationary else min(obs.t, pol.shape[0] - 1)][obs.state]  # (size, n_own)
        cdf = np.cumsum(probs, axis=1)
        pick = (cdf < obs.uniform(0)[:, None] * cdf[:, -1:]).sum(axis=1)
        return np.minimum(pick, probs.shape[1] - 1)


@register
class StateThreshold(Strategy):
    """Maximum pressure while a state variable is below (or above) a threshold, else cooperate
    (or mirror the other side, as tit for tat): "restrict when their stockpile is low"."""

    name = "state_threshold"
    memory_depth = 1
    needs_state = True
    parameters = (
        Param("var", str, "", doc="state variable name"),
        Param("threshold", float, 0.0, doc="value compared with the variable"),
        Param("when", str, "below", choices=("below", "above")),
        Param("otherwise", str, "cooperate", choices=("cooperate", "tit_for_tat")),
    )

    def act(self, obs: Observation) -> np.ndarray:
        game = _dynamic(obs, self.name)
        var = self.params["var"]
        if var not in game.states.names:
            raise InputError(f"no state variable {var!r} (state: {', '.join(game.states.names)})",
                             key=f"{self.name}:var")
        value = game.states.values(var)[obs.state]
        press = value < self.params["threshold"] if self.params["when"] == "below" else value > self.params["threshold"]
        calm = (obs.full(obs.ctx.coop_own) if self.params["otherwise"] == "cooperate" or obs.t == 0
                else obs.ctx.mirror[obs.last_opp])
        return np.where(press, obs.ctx.max_own, calm)


def _dynamic(obs: Observation, name: str):
    if obs.game is None:
        raise InputError(f"{name} needs a game with state ([state] tables in the scenario)", key=name)
    return obs.game


#: The eight classic strategies of the Axelrod reference table (plus two for a ten-strategy field).
CLASSIC = (
    "always_cooperate",
    "always_defect",
    "tit_for_tat",
    "grim_trigger",
    "tit_for_two_tats",
    "win_stay_lose_shift",
    "suspicious_tit_for_tat",
    "alternator",
)


def check_scenario_strategies(scenario, *, source: str = "<scenario>") -> None:
    """Check each spec of a scenario's ``[repeated].strategies`` against the registry.

    Raises :class:`~sim.errors.ScenarioError` naming ``repeated.strategies.<player id>``.
    """
    for pid, spec in scenario.repeated.strategies.items():
        try:
            get_strategy(spec)
        except InputError as exc:
            raise ScenarioError(exc.message, file=source, key=f"repeated.strategies.{pid}") from None
