"""Games with state: a stage game for every state (and round), and the law by which state moves.

A scenario with ``[state.NAME]`` tables (or payoffs that read ``round`` or ``prev.PLAYER.LEVER``)
is a *stochastic game* (Shapley 1953): each round the players see the state, choose actions, get
the stage payoffs of that state, and the state moves to the next one by the transition law.

* The **state** is the tuple of every declared variable's level, in declaration order, followed by
  one implicit variable per ``prev.PLAYER.LEVER`` the expressions read (the lever's level last
  round; before the first round, its first level). States are numbered row-major (the first
  variable varies slowest); a state's key is ``name=label,name=label`` in that order.
* A deterministic ``next`` is snapped to the nearest level of the grid (the lower on a tie); a
  stochastic one is a list of ``{ p, value }`` outcomes, each value snapped, whose probabilities must
  be non-negative and sum to 1 (to 1e-9) in every state and profile. Variables move independently
  given the state and the profile; a variable without ``next`` keeps its level.
* ``[repeated] rounds`` is the horizon; without it the game is infinite-horizon, discounted by each
  player's ``discount`` (times ``[repeated] continuation`` if given). ``round`` needs a horizon.

Limits: at most :data:`MAX_STATES` states, and states x profiles x joint outcomes at most
:data:`MAX_TRANSITIONS` (the transition table's size).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

import numpy as np

from sim.errors import InputError, ScenarioError
from sim.model.actions import LeverInfo
from sim.model.expressions import Expression, ExpressionError, parse_expression
from sim.model.game import (
    MAX_PAYOFF,
    CompiledPayoffs,
    StageGame,
    check_definitions,
    compile_payoffs,
    expression_variables,
    initial_level,
    payoff_environment,
    previous_levels,
    scenario_actions,
    scenario_cooperative,
    state_info,
)
from sim.model.scenario import Scenario, source_of
from sim.render import HtmlRepr

__all__ = ["StateSpace", "DynamicGame", "build_dynamic_game", "is_dynamic", "check_state", "MAX_STATES",
           "MAX_TRANSITIONS"]

#: Largest number of states (product of the grid sizes, implicit ``prev`` variables included).
MAX_STATES = 4_096
#: Largest transition table: states x action profiles x joint outcomes.
MAX_TRANSITIONS = 5_000_000
_PROB_TOL = 1e-9


@dataclass(frozen=True)
class StateSpace:
    """The finite state grid of a game with state.

    Attributes
    ----------
    names : variable names, declared ones first, then ``prev.PLAYER.LEVER`` ones.
    levels, labels : per variable, its grid values and their labels.
    units : per variable, its unit.
    initial : index of the initial state.
    """

    names: tuple[str, ...]
    levels: tuple[tuple[float, ...], ...]
    labels: tuple[tuple[str, ...], ...]
    units: tuple[str, ...]
    initial: int

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(len(v) for v in self.levels)

    @property
    def size(self) -> int:
        return int(np.prod(self.sizes))

    def indices(self) -> np.ndarray:
        """``(S, n_variables)`` level index of every variable in every state (computed once; read-only)."""
        return self._indices

    @cached_property
    def _indices(self) -> np.ndarray:
        if not self.sizes:
            out = np.zeros((1, 0), dtype=np.int64)
        else:
            out = np.array(np.unravel_index(np.arange(self.size), self.sizes)).T.reshape(self.size, len(self.sizes))
        out.flags.writeable = False
        return out

    def values(self, name: str) -> np.ndarray:
        """``(S,)`` value of variable ``name`` in every state."""
        k = self.names.index(name)
        return np.asarray(self.levels[k], dtype=float)[self.indices()[:, k]]

    def key(self, state: int) -> str:
        """``name=label,name=label`` of a state (declaration order)."""
        idx = self.indices()[state]
        return ",".join(f"{n}={self.labels[k][int(i)]}" for k, (n, i) in enumerate(zip(self.names, idx)))

    def keys(self) -> tuple[str, ...]:
        """:meth:`key` of every state, in order."""
        return tuple(self.key(s) for s in range(self.size))


@dataclass(frozen=True, eq=False)
class DynamicGame(HtmlRepr):
    """A two-player stochastic game built from a scenario.

    Attributes
    ----------
    name, player_ids, player_names, actions, levers, action_levels, units, cooperative : as in
        :class:`~sim.model.game.StageGame` (the actions do not depend on the state).
    discount : each player's per-round discount factor (times the continuation probability).
    horizon : number of rounds, or ``None`` for an infinite horizon.
    states : the state grid.
    successors : ``(S, m, n, K)`` next state of each joint outcome ``k``.
    probabilities : ``(S, m, n, K)`` its probability (rows sum to 1).
    A, B : ``(S, m, n)`` stage payoffs in each state (round 0's when payoffs read ``round``).
    """

    name: str
    player_ids: tuple[str, str]
    player_names: tuple[str, str]
    actions: tuple[tuple[str, ...], tuple[str, ...]]
    levers: tuple[tuple[LeverInfo, ...], tuple[LeverInfo, ...]]
    action_levels: tuple[np.ndarray, np.ndarray]
    discount: tuple[float, float]
    horizon: int | None
    states: StateSpace
    successors: np.ndarray
    probabilities: np.ndarray
    A: np.ndarray
    B: np.ndarray
    units: str = ""
    cooperative: tuple[int, int] | None = None
    round_dependent: bool = False
    scenario: "Scenario | None" = field(default=None, repr=False)
    _payoff_fn: Any = field(default=None, repr=False)
    _terms_fn: Any = field(default=None, repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape[1], self.A.shape[2]

    @property
    def n_states(self) -> int:
        return self.states.size

    def payoffs(self, t: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """``(A, B)`` of shape ``(S, m, n)`` in round ``t`` (the same every round unless payoffs read ``round``)."""
        if not self.round_dependent or self._payoff_fn is None:
            return self.A, self.B
        return self._payoff_fn(t)

    def terms(self, state: int, t: int = 0) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Each player's payoff terms ``{term: (m, n) array}`` in ``state`` and round ``t``; they sum to
        the payoffs of :meth:`payoffs` there (a game built without terms: one term, ``payoff``)."""
        if self._terms_fn is None:
            A, B = self.payoffs(t)
            return {"payoff": A[state]}, {"payoff": B[state]}
        return self._terms_fn(int(state), t)  # type: ignore[no-any-return]

    def check_rounds(self, rounds: int) -> None:
        """Refuse to play past the horizon when payoffs read ``round`` (they are defined up to it)."""
        if self.round_dependent and rounds > (self.horizon or 0):
            raise InputError(f"payoffs read round, defined for {self.horizon} rounds; play at most that many",
                             key="rounds")

    def expected(self, V: np.ndarray) -> np.ndarray:
        """``(S, m, n)`` expected next-round value ``E[V(s') | s, i, j]`` of a ``(S,)`` value vector."""
        return (self.probabilities * np.asarray(V, dtype=float)[self.successors]).sum(axis=-1)

    def transition_matrix(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``(S, S)`` state transition matrix when the players use the stationary mixed policies
        ``x`` (``(S, m)``) and ``y`` (``(S, n)``)."""
        S = self.n_states
        w = x[:, :, None, None] * y[:, None, :, None] * self.probabilities  # (S, m, n, K)
        P = np.zeros((S, S))
        rows = np.broadcast_to(np.arange(S)[:, None, None, None], w.shape)
        np.add.at(P, (rows.ravel(), self.successors.ravel()), w.ravel())
        return P

    def stage(self, state: int | None = None, t: int = 0) -> StageGame:
        """The stage game of one state (default: the initial state) in round ``t``."""
        s = self.states.initial if state is None else int(state)
        A, B = self.payoffs(t)
        return StageGame(
            name=f"{self.name} [{self.states.key(s)}]",
            player_ids=self.player_ids,
            player_names=self.player_names,
            actions=self.actions,
            A=A[s],
            B=B[s],
            terms=({"payoff": A[s]}, {"payoff": B[s]}),
            levers=self.levers,
            action_levels=self.action_levels,
            discount=self.discount,
            units=self.units,
            cooperative=self.cooperative,
            scenario=self.scenario,
        )


# ----------------------------------------------------------------------------- checks and building
def is_dynamic(scenario: Scenario) -> bool:
    """Whether the scenario is a game with state: ``[state]`` tables, or payoffs that read
    ``round`` or ``prev.PLAYER.LEVER``."""
    return bool(scenario.state) or _payoffs_read_state(compile_payoffs(scenario, source=source_of(scenario)))


def _payoffs_read_state(compiled: CompiledPayoffs | None) -> bool:
    return compiled is not None and any(e.uses_round or e.prev for terms in compiled.terms for _, e in terms)


@dataclass(frozen=True)
class _Transitions:
    """Compiled ``next`` laws: per declared variable, a list of (probability, value) expressions."""

    laws: tuple[tuple[tuple[Expression | float, Expression | float], ...] | None, ...]
    prev: tuple[tuple[str, str], ...]


def check_state(scenario: Scenario, *, source: str) -> None:
    """Check the ``[state]`` tables: names, grids, ``initial``, ``next`` expressions; then build the
    transition law once so that probabilities, sizes and ``round`` without a horizon are checked.

    Reserved words and functions as state names are refused by the format (``Name``)."""
    compiled = compile_payoffs(scenario, source=source)
    if not scenario.state and not _payoffs_read_state(compiled):
        return
    if compiled is None:
        raise ScenarioError("a game with state needs levers and payoff terms, not plain actions", file=source,
                            key="state")
    if len(scenario.players) != 2:
        raise ScenarioError(f"a game with state (state tables, or payoffs that read round or prev) takes two players; "
                            f"this one has {len(scenario.players)}", file=source, key="state")
    for name, var in scenario.state.items():
        key = f"state.{name}"
        for what, names in (("a player", scenario.players), ("a parameter", scenario.parameters)):
            if name in names:
                raise ScenarioError(f"state name {name!r} is {what}; choose another name", file=source, key=key)
        if var.source is not None and var.assumption is not None:
            raise ScenarioError("give 'source' or 'assumption', not both", file=source, key=key)
        initial_level(name, var, source=source)
    build_dynamic_game(scenario, source=source, compiled=compiled)


def _compile_transitions(scenario: Scenario, source: str, compiled: CompiledPayoffs) -> _Transitions:
    """Each state variable's ``next`` law, compiled; it may read the scenario-level ``[define]``."""
    levers = {pid: set(p.levers or ()) for pid, p in scenario.players.items()}
    parameters, variables = set(scenario.parameters), expression_variables(scenario)
    shared = dict(compiled.shared)

    def formula(text: Any, key: str) -> Expression | float:
        if not isinstance(text, str):
            return float(text)
        try:
            return parse_expression(text, parameters=parameters, levers=levers, variables=variables, prev=True,
                                    definitions=shared)
        except ExpressionError as exc:
            raise ScenarioError(str(exc), file=source, key=key) from None

    laws: list = []
    prev: set[tuple[str, str]] = set()
    for name, var in scenario.state.items():
        key = f"state.{name}.next"
        if var.next is None:
            laws.append(None)
            continue
        if isinstance(var.next, tuple):
            outcomes = tuple((formula(o.p, f"{key}.{k}.p"), formula(o.value, f"{key}.{k}.value"))
                             for k, o in enumerate(var.next))
        else:
            outcomes = ((1.0, formula(var.next, key)),)
        prev.update(pl for pair in outcomes for e in pair if isinstance(e, Expression) for pl in e.prev)
        laws.append(outcomes)
    return _Transitions(tuple(laws), tuple(sorted(prev)))


def _snap(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Index of the nearest grid level of each value (the lower on a tie)."""
    pos = np.clip(np.searchsorted(grid, values, side="left"), 1, len(grid) - 1) if len(grid) > 1 else None
    if pos is None:
        return np.zeros(np.shape(values), dtype=np.int64)
    lo, hi = grid[pos - 1], grid[pos]
    return np.where(values - lo <= hi - values, pos - 1, pos).astype(np.int64)


def build_dynamic_game(scenario: Scenario, parameters: Mapping[str, float] | None = None, *,
                       source: str | None = None, compiled: CompiledPayoffs | None = None) -> DynamicGame:
    """Build the stochastic game of a scenario with state (see the module docstring).

    ``compiled`` is the scenario's compiled payoffs (:func:`~sim.model.game.compile_payoffs`), to
    skip re-parsing them when building for many parameter values (as :func:`~sim.model.game.build_game`).

    Raises :class:`~sim.errors.ScenarioError` naming the key of a bad transition, a probability
    that is negative or does not sum to 1, a state space over the limits, or ``round`` without a
    horizon.
    """
    source = source or source_of(scenario)
    ids = scenario.player_ids
    space = scenario_actions(scenario, source=source)
    compiled = compiled or compile_payoffs(scenario, source=source)
    if compiled is None:
        raise ScenarioError("a game with state needs levers and payoff terms, not plain actions", file=source,
                            key="state")
    if len(ids) != 2:
        raise ScenarioError(f"a game with state takes two players; this one has {len(ids)}", file=source,
                            key="state")
    trans = _compile_transitions(scenario, source, compiled)
    prev_used = set(trans.prev)
    round_used = any(expr.uses_round for terms in compiled.terms for _, expr in terms)  # transitions: round 0 only
    readers = [(f"players.{pid}.payoff.{term}", (expr,)) for pid, terms in zip(ids, compiled.terms)
               for term, expr in terms]
    readers += [(f"state.{name}.next", pair) for name, law in zip(scenario.state, trans.laws) for pair in law or ()]
    for key, exprs in readers:
        for e in exprs:
            if not isinstance(e, Expression):
                continue
            prev_used |= e.prev
            if e.uses_round and scenario.repeated.rounds is None:
                raise ScenarioError("uses round, which needs a finite horizon: give [repeated] rounds",
                                    file=source, key=key)
    # ---- the grid: declared variables, then prev.PLAYER.LEVER
    infos = [state_info(name, var) for name, var in scenario.state.items()]
    init = [initial_level(name, var, source=source) for name, var in scenario.state.items()]
    previous = previous_levels(scenario, source=source)
    for pid, lever_name in [(pid, lv) for pid in ids for lv in scenario.players[pid].levers if (pid, lv) in prev_used]:
        lever = scenario.players[pid].levers[lever_name]
        infos.append(LeverInfo(f"prev.{pid}.{lever_name}", tuple(float(v) for v in lever.levels),
                               lever.level_labels(), lever.unit))
        init.append(previous.get((pid, lever_name), 0))
    names = [info.name for info in infos]
    levels = [info.levels for info in infos]
    sizes = [len(v) for v in levels]
    S = int(np.prod(sizes))
    if S > MAX_STATES:
        raise ScenarioError(f"{S} states (product of grid sizes {sizes}) exceeds the limit of {MAX_STATES}",
                            file=source, key="state")
    states = StateSpace(tuple(names), tuple(levels), tuple(info.labels for info in infos),
                        tuple(info.unit for info in infos), int(np.ravel_multi_index(init, sizes)) if sizes else 0)
    m, n = (len(g) for g in space.action_levels)
    # ---- environment over (S, m, n): a prev that no expression reads keeps its level before round 0
    env = payoff_environment(scenario, space.action_levels, parameters, source)
    for name in names:
        env[name] = states.values(name)[:, None, None]
    shape = (S, m, n)
    check_definitions(compiled, env, shape, lambda at: f"({states.key(at[0])} | {space.actions[0][at[1]]} | "
                      f"{space.actions[1][at[2]]})", source)

    def payoffs_at(t: int) -> tuple[np.ndarray, np.ndarray]:
        local = {**env, "round": float(t)}
        out = []
        for k, pid in enumerate(ids):
            total = np.zeros(shape)
            for term, expr in compiled.terms[k]:
                value = np.broadcast_to(expr.evaluate(local), shape).astype(float)
                bad = ~(np.abs(value) <= MAX_PAYOFF)
                if bad.any():
                    s, i, j = np.argwhere(bad)[0]
                    raise ScenarioError(f"is {value[s, i, j]:g} at ({states.key(s)} | {space.actions[0][i]} | "
                                        f"{space.actions[1][j]})", file=source, key=f"players.{pid}.payoff.{term}")
                total = total + value
            out.append(total)
        return out[0], out[1]

    def terms_at(state: int, t: int) -> tuple[dict[str, np.ndarray], ...]:
        local = {k: (v[state] if isinstance(v, np.ndarray) and v.ndim == 3 and v.shape[0] == S else v)
                 for k, v in env.items()}
        local["round"] = float(t)
        return tuple({term: np.broadcast_to(expr.evaluate(local), (m, n)).astype(float)
                      for term, expr in compiled.terms[k]} for k in range(2))

    A, B = payoffs_at(0)
    # ---- transitions: per variable, outcome list of (prob (S,m,n), next index (S,m,n))
    idx = states.indices()
    per_var: list[list[tuple[np.ndarray, np.ndarray]]] = []
    for k, name in enumerate(names):
        grid = np.asarray(levels[k])
        if k < len(scenario.state):
            law = trans.laws[k]
            if law is None:
                per_var.append([(np.ones(shape), np.broadcast_to(idx[:, k][:, None, None], shape))])
                continue
            outs = []
            total = np.zeros(shape)
            for o, (p, v) in enumerate(law):
                pk = np.broadcast_to(p.evaluate(env) if isinstance(p, Expression) else np.float64(p), shape)
                vk = np.broadcast_to(v.evaluate(env) if isinstance(v, Expression) else np.float64(v), shape)
                key = f"state.{name}.next" + (f".{o}" if isinstance(scenario.state[name].next, tuple) else "")
                if not np.isfinite(vk).all():
                    s, i, j = np.argwhere(~np.isfinite(vk))[0]
                    raise ScenarioError(f"is {vk[s, i, j]:g} at ({states.key(s)} | {space.actions[0][i]} | "
                                        f"{space.actions[1][j]})", file=source,
                                        key=key + (".value" if key.endswith(f".{o}") else ""))
                if (~np.isfinite(pk) | (pk < -_PROB_TOL)).any():
                    s, i, j = np.argwhere(~np.isfinite(pk) | (pk < -_PROB_TOL))[0]
                    raise ScenarioError(f"probability {pk[s, i, j]:g} at ({states.key(s)} | {space.actions[0][i]} | "
                                        f"{space.actions[1][j]}) is negative or not a number", file=source,
                                        key=f"{key}.p")
                total = total + pk
                outs.append((np.clip(pk, 0.0, None), _snap(vk, grid)))
            off = np.abs(total - 1.0) > _PROB_TOL
            if off.any():
                s, i, j = np.argwhere(off)[0]
                raise ScenarioError(f"probabilities sum to {total[s, i, j]:.6g}, not 1, at ({states.key(s)} | "
                                    f"{space.actions[0][i]} | {space.actions[1][j]})", file=source,
                                    key=f"state.{name}.next")
            per_var.append(outs)
        else:  # prev.PLAYER.LEVER: this round's level of that lever
            _, pid, lever_name = name.split(".", 2)
            p = ids.index(pid)
            j = list(scenario.players[pid].levers).index(lever_name)
            lv = space.action_levels[p][:, j]
            nxt = lv[None, :, None] if p == 0 else lv[None, None, :]
            per_var.append([(np.ones(shape), np.broadcast_to(nxt, shape))])
    K = int(np.prod([len(o) for o in per_var]))
    if S * m * n * K > MAX_TRANSITIONS:
        raise ScenarioError(f"{S} states x {m * n} profiles x {K} outcomes exceeds the limit of "
                            f"{MAX_TRANSITIONS:,} transitions", file=source, key="state")
    succ = np.zeros((S, m, n, K), dtype=np.int64)
    prob = np.ones((S, m, n, K))
    for c, combo in enumerate(itertools.product(*[range(len(o)) for o in per_var]) if per_var else [()]):
        flat = np.zeros(shape, dtype=np.int64)
        for k, o in enumerate(combo):
            pk, nk = per_var[k][o]
            flat = flat * sizes[k] + nk
            prob[..., c] *= pk
        succ[..., c] = flat
    delta = tuple(scenario.players[pid].discount * (scenario.repeated.continuation or 1.0) for pid in ids)
    return DynamicGame(
        name=scenario.meta.name,
        player_ids=ids,
        player_names=tuple(scenario.players[pid].name for pid in ids),  # type: ignore[arg-type]
        actions=space.actions,
        levers=space.levers,
        action_levels=space.action_levels,
        discount=delta,  # type: ignore[arg-type]
        horizon=scenario.repeated.rounds,
        states=states,
        successors=succ,
        probabilities=prob,
        A=A,
        B=B,
        units=scenario.meta.payoff_unit,
        cooperative=scenario_cooperative(scenario, source=source, space=space),
        round_dependent=round_used,
        scenario=scenario,
        _payoff_fn=payoffs_at,
        _terms_fn=terms_at,
    )
