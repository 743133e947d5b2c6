"""The stage game: two players, their compound lever actions, and payoff matrices.

A :class:`StageGame` is what every analysis consumes. Row player is the scenario's first
player, column player the second. Each action of a player is one level of each of its
levers; classroom games given as plain matrices have a single lever named ``action``
whose levels are the listed actions (first = most conciliatory).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from sim.errors import InputError, ScenarioError
from sim.model.actions import (
    LeverInfo,
    action_labels,
    level_index,
    resolve_action,
    resolve_profile,
)
from sim.model.expressions import (
    DefinitionError,
    Expression,
    ExpressionError,
    compile_definitions,
    definition_hint,
    parse_expression,
)
from sim.model.nplayer import NormalFormGame
from sim.model.scenario import (
    MAX_ACTIONS,
    MAX_EVALUATION,
    MAX_TERM_CELLS,
    Scenario,
    check_matrices,
    check_profiles,
    source_of,
)
from sim.render import HtmlRepr

__all__ = ["LeverInfo", "StageGame", "build_game", "compile_payoffs", "action_grid",
           "previous_levels", "check_definitions", "MAX_PAYOFF", "MAX_TERM_CELLS", "MAX_EVALUATION"]


@dataclass(frozen=True, eq=False)
class StageGame(HtmlRepr):
    """A two-player normal-form game built from a scenario.

    Attributes
    ----------
    name : scenario name.
    player_ids, player_names : ``(row, col)``.
    actions : per player, the action labels (``"tariff=125%, tech=affiliates rule"``).
    A, B : payoff matrices of the row and column player, shape ``(m, n)``.
    terms : per player, ``{term name: (m, n) matrix}``; ``A == sum(terms[0].values())``.
    levers : per player, its levers in scenario order.
    action_levels : per player, int array ``(n_actions, n_levers)`` of level indices.
    discount : per-round discount factor of each player.
    units : the payoff unit (e.g. ``"USD bn per quarter"``).
    cooperative : index of each player's cooperative action, or ``None``.
    """

    name: str
    player_ids: tuple[str, str]
    player_names: tuple[str, str]
    actions: tuple[tuple[str, ...], tuple[str, ...]]
    A: np.ndarray
    B: np.ndarray
    terms: tuple[Mapping[str, np.ndarray], Mapping[str, np.ndarray]]
    levers: tuple[tuple[LeverInfo, ...], tuple[LeverInfo, ...]]
    action_levels: tuple[np.ndarray, np.ndarray]
    discount: tuple[float, float] = (0.9, 0.9)
    units: str = ""
    cooperative: tuple[int, int] | None = None
    scenario: "Scenario | None" = field(default=None, repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape

    def payoffs(self, player: int) -> np.ndarray:
        """Payoff matrix of ``player`` (0 = row, 1 = column), always rows = row player's actions."""
        return self.A if player == 0 else self.B

    def hostility(self, player: int) -> np.ndarray:
        """Escalation rank of each action of ``player`` in [0, 1].

        The mean over the player's levers of ``level index / (levels - 1)``; 0 is the most
        conciliatory setting of every lever, 1 the most hostile.
        """
        levels = self.action_levels[player]
        sizes = np.array([lv.size for lv in self.levers[player]], dtype=float)
        scale = np.where(sizes > 1, sizes - 1, 1.0)
        return (levels / scale).mean(axis=1)

    def action_index(self, player: int, label: str) -> int:
        """Index of the action labelled ``label`` for ``player``; ``KeyError`` if none."""
        try:
            return self.actions[player].index(label)
        except ValueError:
            raise KeyError(label) from None

    def to_normal_form(self) -> NormalFormGame:
        """The game in the N-player form (same labels, terms and levers; payoff tensors ``A``, ``B``)."""
        return NormalFormGame(
            name=self.name, player_ids=tuple(self.player_ids), player_names=tuple(self.player_names),
            actions=tuple(self.actions), payoffs=(np.asarray(self.A, dtype=float), np.asarray(self.B, dtype=float)),
            terms=tuple(self.terms), levers=tuple(self.levers), action_levels=tuple(self.action_levels),
            discount=tuple(self.discount), units=self.units, cooperative=self.cooperative, scenario=self.scenario)

    @classmethod
    def from_normal_form(cls, game: NormalFormGame) -> "StageGame":
        """A two-player :class:`NormalFormGame` as a stage game (``InputError`` with more players)."""
        if game.n_players != 2:
            raise InputError(f"a stage game has two players; this game has {game.n_players}", key="players")
        two = lambda xs: (xs[0], xs[1])  # noqa: E731
        return cls(name=game.name, player_ids=two(game.player_ids), player_names=two(game.player_names),
                   actions=two(game.actions), A=game.payoffs[0], B=game.payoffs[1], terms=two(game.terms),
                   levers=two(game.levers), action_levels=two(game.action_levels), discount=two(game.discount),
                   units=game.units, cooperative=None if game.cooperative is None else two(game.cooperative),
                   scenario=game.scenario)

    def to_nashpy(self):
        """The game as a :class:`nashpy.Game` (payoff matrices ``A`` and ``B``; labels are not kept)."""
        import nashpy  # imports scipy: loaded only when asked for

        return nashpy.Game(np.array(self.A, dtype=float), np.array(self.B, dtype=float))

    @classmethod
    def from_nashpy(cls, game: Any, *, actions: tuple[Sequence[str], Sequence[str]] | None = None,
                    player_ids: tuple[str, str] = ("row", "col"), name: str = "game") -> "StageGame":
        """A stage game from a :class:`nashpy.Game` (its ``payoff_matrices``); see :meth:`from_matrices`."""
        matrices = getattr(game, "payoff_matrices", None)
        if matrices is None or len(matrices) != 2:
            raise InputError("expected a two-player nashpy.Game", key="game")
        return cls.from_matrices(matrices[0], matrices[1], actions=actions, player_ids=player_ids, name=name)

    @classmethod
    def from_matrices(
        cls,
        A: Sequence[Sequence[float]] | np.ndarray,
        B: Sequence[Sequence[float]] | np.ndarray,
        *,
        actions: tuple[Sequence[str], Sequence[str]] | None = None,
        player_ids: tuple[str, str] = ("row", "col"),
        name: str = "game",
        discount: tuple[float, float] = (0.9, 0.9),
        cooperative: tuple[int, int] | None = None,
    ) -> "StageGame":
        """A game from two payoff matrices; each player has one lever ``action``.

        Actions are ordered conciliatory first, so in a prisoner's dilemma list ``C`` before ``D``.
        """
        A = np.asarray(A, dtype=float)
        B = np.asarray(B, dtype=float)
        if A.shape != B.shape or A.ndim != 2:
            raise ValueError(f"A and B must be matrices of one shape, got {A.shape} and {B.shape}")
        m, n = A.shape
        if actions is None:
            actions = (tuple(f"r{i}" for i in range(m)), tuple(f"c{j}" for j in range(n)))
        acts = (tuple(actions[0]), tuple(actions[1]))
        levers = tuple(
            (LeverInfo("action", tuple(float(i) for i in range(len(a))), a),) for a in acts
        )
        return cls(name=name, player_ids=player_ids, player_names=player_ids, actions=acts, A=A, B=B,
                   terms=({"payoff": A}, {"payoff": B}), levers=levers,  # type: ignore[arg-type]
                   action_levels=(np.arange(m)[:, None], np.arange(n)[:, None]), discount=discount,
                   cooperative=cooperative)


# --------------------------------------------------------------------------- building

#: Largest absolute payoff a term may take at any profile (larger values are a scenario error).
MAX_PAYOFF = 1e12


@dataclass(frozen=True)
class CompiledPayoffs:
    """A scenario's payoff terms, checked and compiled once, ready to evaluate for any parameters.

    ``terms`` has one entry per player (declaration order). A term that names a definition has the
    definition compiled into it, so evaluating ``terms`` needs nothing else; ``shared`` (the
    scenario-level ``[define]``, for state transitions) and ``definitions`` (every definition with
    its key path, for the finiteness check of :func:`check_definitions`) are kept besides.
    """

    terms: tuple[tuple[tuple[str, "Expression"], ...], ...]
    shared: tuple[tuple[str, "Expression"], ...] = ()
    definitions: tuple[tuple[str, "Expression"], ...] = ()


def action_grid(scenario: "Scenario", player_id: str, *, source: str = "<scenario>") -> np.ndarray:
    """Level indices of every action of ``player_id``: int array ``(n_actions, n_levers)``.

    Actions are the Cartesian product of the levers' levels (first lever varies slowest),
    minus the combinations a ``forbid`` table matches.
    """
    player = scenario.players[player_id]
    if player.actions is not None:
        return np.arange(len(player.actions))[:, None]
    levers = list(player.levers.items())
    sizes = [len(lv.levels) for _, lv in levers]
    total = int(np.prod(sizes))
    if total > MAX_ACTIONS:
        raise ScenarioError(
            f"{total} actions (product of lever sizes {sizes}) exceeds the limit of {MAX_ACTIONS}",
            file=source,
            key=f"players.{player_id}.levers",
        )
    grid = np.array(np.unravel_index(np.arange(total), sizes)).T.reshape(total, len(sizes))
    keep = np.ones(total, dtype=bool)
    names = [name for name, _ in levers]
    for k, rule in enumerate(player.forbid):
        match = np.ones(total, dtype=bool)
        for lever_name, ref in rule.items():
            key = f"players.{player_id}.forbid.{k}.{lever_name}"
            if lever_name not in player.levers:
                raise ScenarioError(f"no lever {lever_name!r}", file=source, key=key)
            try:
                idx = level_index(_lever_info(lever_name, player.levers[lever_name]), ref, key=key)
            except InputError as exc:
                raise ScenarioError(exc.message, file=source, key=key) from None
            match &= grid[:, names.index(lever_name)] == idx
        keep &= ~match
    if not keep.any():
        raise ScenarioError("forbid rules remove every action", file=source, key=f"players.{player_id}.forbid")
    return grid[keep]


def compile_payoffs(scenario: "Scenario", *, source: str = "<scenario>") -> CompiledPayoffs | None:
    """Check every payoff term of a lever scenario (``None`` for a matrix game).

    Named definitions (:func:`compile_definitions`) are compiled first; a term reads the
    scenario-level ones and its own player's.
    """
    ids = scenario.player_ids
    if scenario.is_matrix_game:
        check_matrices(scenario, source)
        if scenario.define:
            raise ScenarioError("a matrix game has no payoff terms to read definitions; [define] is for levers",
                                file=source, key="define")
        return None
    if scenario.payoffs is not None:
        raise ScenarioError("a [payoffs] matrix is for games with plain 'actions'", file=source, key="payoffs")
    sizes = [len(action_grid(scenario, pid, source=source)) for pid in ids]
    check_profiles(sizes, source)
    levers = {pid: set(p.levers) for pid, p in scenario.players.items()}
    params = set(scenario.parameters)
    variables = expression_variables(scenario)
    own, keyed = scenario_definitions(scenario, source)
    owners = {name: pid for pid, table in own.items() if pid is not None for name in table}
    compiled = []
    for pid in ids:
        terms = []
        for term, text in scenario.players[pid].payoff.items():
            try:
                terms.append((term, parse_expression(text, parameters=params, levers=levers, variables=variables,
                                                     prev=True, definitions={**own[None], **own[pid]})))
            except ExpressionError as exc:
                raise ScenarioError(definition_hint(str(exc), owners, reader=pid), file=source,
                                    key=f"players.{pid}.payoff.{term}") from None
        compiled.append(tuple(terms))
    out = CompiledPayoffs(terms=tuple(compiled), shared=tuple(own[None].items()), definitions=keyed)
    _check_budget(scenario, out, int(np.prod(sizes)), source)
    return out


def scenario_definitions(scenario: "Scenario", source: str):
    """:func:`~sim.model.expressions.compile_definitions` of the scenario's ``[define]`` tables (the
    scenario-level one first, then each player's), errors as :class:`ScenarioError`."""
    taken = {**{name: "a state variable" for name in scenario.state},
             **{pid: "a player id" for pid in scenario.players}, **{name: "a parameter" for name in scenario.parameters}}
    tables = [("define", None, scenario.define)]
    tables += [(f"players.{pid}.define", pid, p.define) for pid, p in scenario.players.items()]
    try:
        return compile_definitions(tables, parameters=set(scenario.parameters), variables=expression_variables(scenario),
                                   levers={pid: set(p.levers or ()) for pid, p in scenario.players.items()}, taken=taken)
    except DefinitionError as exc:
        raise ScenarioError(str(exc), file=source, key=exc.key) from None


def check_definitions(compiled: CompiledPayoffs, env: Mapping[str, object], shape: tuple[int, ...],
                      where: Any, source: str) -> None:
    """Refuse a definition whose value is infinite, NaN or past :data:`MAX_PAYOFF` anywhere; ``where``
    turns an index of ``shape`` into the text that says where (``(a | b | c)``)."""
    for key, expr in compiled.definitions:
        value = np.broadcast_to(expr.evaluate(env), shape)
        bad = ~(np.abs(value) <= MAX_PAYOFF)
        if bad.any():
            at = tuple(np.argwhere(bad)[0])
            raise ScenarioError(f"is {value[at]:g} at {where(at)}{why_refused(value[at])}", file=source, key=key)


def why_refused(x: float) -> str:
    """Why a payoff value is refused, after ``is X at (...)``."""
    if np.isnan(x):
        return " (not a real number: a negative number to a fractional power, log or sqrt of a negative, 0/0 or inf - inf?)"
    return "" if not np.isfinite(x) else f", beyond the limit of ±{MAX_PAYOFF:g}"


def payoff_states(scenario: "Scenario", compiled: CompiledPayoffs) -> int:
    """States the payoffs are evaluated over, as far as they alone tell: the product of the declared
    state grids and of the levers the payoffs read as ``prev.PLAYER.LEVER`` (1 without state)."""
    states = 1
    for var in scenario.state.values():
        states *= len(var.levels)
    for pid, lever in {pl for terms in compiled.terms for _, e in terms for pl in e.prev}:
        states *= len(scenario.players[pid].levers[lever].levels)
    return states


def _check_budget(scenario: "Scenario", compiled: CompiledPayoffs, profiles: int, source: str) -> None:
    """Refuse, before any evaluation, payoffs past the memory (:data:`MAX_TERM_CELLS`) or work
    (:data:`MAX_EVALUATION`) limits. The stage game keeps a matrix per term (profiles x terms); a
    game with state holds both payoffs over profiles x states, and evaluates every term over them."""
    states = payoff_states(scenario, compiled)
    cells = profiles * states
    n = len(compiled.terms)
    what = f"{profiles:,} profiles" + (f" x {states:,} states" if states > 1 else "")
    held = n * cells if states > 1 else 0
    terms, nodes = 0, 0
    everyone = "both players" if n == 2 else "all players"
    for pid, compiled_terms in zip(scenario.player_ids, compiled.terms):
        terms += len(compiled_terms)
        if profiles * terms + held > MAX_TERM_CELLS:
            over_states = f" + {n} payoffs x {what}" if held else ""
            raise ScenarioError(f"{profiles:,} profiles x {terms} payoff terms ({everyone}, so far){over_states} is "
                                f"{profiles * terms + held:,} values, more than the limit of {MAX_TERM_CELLS:,}: use "
                                "fewer terms or fewer actions", file=source, key=f"players.{pid}.payoff")
        for term, expr in compiled_terms:
            nodes += expr.nodes
            if cells * nodes > MAX_EVALUATION:
                raise ScenarioError(f"evaluating the payoff terms up to this one takes {what} x {nodes:,} expression "
                                    f"nodes = {cells * nodes:,}, more than the limit of {MAX_EVALUATION:,}: use "
                                    "shorter or fewer terms, or fewer actions", file=source,
                                    key=f"players.{pid}.payoff.{term}")


def expression_variables(scenario: "Scenario") -> frozenset[str]:
    """Names besides parameters and levers that payoff and transition expressions may read."""
    return frozenset(scenario.state) | {"round"}


def initial_environment(scenario: "Scenario") -> dict[str, float]:
    """Values of state names, ``round`` and every ``prev.PLAYER.LEVER`` before the first round.

    A state starts at its ``initial`` level; ``round`` is 0; last round's level of every lever is
    the one ``[repeated] previous`` gives, else its first (most conciliatory) level.
    """
    env: dict[str, float] = {"round": 0.0}
    for name, var in scenario.state.items():
        env[name] = float(var.levels[initial_level(name, var)])
    previous = previous_levels(scenario)
    for pid, player in scenario.players.items():
        for lever_name, lever in (player.levers or {}).items():
            env[f"prev.{pid}.{lever_name}"] = float(lever.levels[previous.get((pid, lever_name), 0)])
    return env


def previous_levels(scenario: "Scenario", *, source: str | None = None) -> dict[tuple[str, str], int]:
    """``(player id, lever) -> level index`` of ``[repeated] previous``: the levels in force before
    round 0. A ``ScenarioError`` names ``repeated.previous.PLAYER.LEVER`` for an unknown player,
    lever or level."""
    source = source or source_of(scenario)
    out: dict[tuple[str, str], int] = {}
    for pid, levers in scenario.repeated.previous.items():
        player = scenario.players.get(pid)
        if player is None or player.levers is None:
            what = f"unknown player {pid!r}" if player is None else "has plain actions, no levers"
            raise ScenarioError(what, file=source, key=f"repeated.previous.{pid}")
        for lever_name, ref in levers.items():
            key = f"repeated.previous.{pid}.{lever_name}"
            if lever_name not in player.levers:
                raise ScenarioError(f"no lever {lever_name!r} (levers: {', '.join(player.levers)})", file=source,
                                    key=key)
            try:
                out[(pid, lever_name)] = level_index(_lever_info(lever_name, player.levers[lever_name]), ref, key=key)
            except InputError as exc:
                raise ScenarioError(exc.message, file=source, key=key) from None
    return out


def state_info(name: str, var: Any) -> LeverInfo:
    """A ``[state.NAME]`` grid as the action parser reads levels: values and labels."""
    return LeverInfo(name, tuple(float(v) for v in var.levels), var.level_labels(), var.unit)


def initial_level(name: str, var: Any, *, source: str = "<scenario>") -> int:
    """Grid index of the ``initial`` level of state variable ``name``; a ``ScenarioError`` naming
    ``state.NAME.initial`` when it is not on the grid."""
    try:
        return level_index(state_info(name, var), var.initial, key=f"state.{name}.initial")
    except InputError:
        shown = ", ".join(var.level_labels())
        raise ScenarioError(f"{var.initial!r} is not on the grid (levels: {shown})", file=source,
                            key=f"state.{name}.initial") from None


def payoff_environment(scenario: "Scenario", grids: Sequence[np.ndarray], parameters: Mapping[str, float] | None,
                       source: str) -> dict[str, object]:
    """What payoff expressions read before the first round: :func:`initial_environment`, the
    parameters (``parameters`` overriding by name) and every lever's value per action, player k's
    along axis k - N of N trailing axes (two players: the row player's along axis -2, the column
    player's along -1), so a state axis may lead."""
    env: dict[str, object] = {**initial_environment(scenario),
                              **{name: p.value for name, p in scenario.parameters.items()}}
    for name, value in (parameters or {}).items():
        if name not in scenario.parameters:
            raise ScenarioError("unknown parameter", file=source, key=f"parameters.{name}")
        env[name] = float(value)
    n = len(grids)
    for k, (pid, grid) in enumerate(zip(scenario.player_ids, grids)):
        axes = [1] * n
        axes[k] = len(grid)
        for j, (lever_name, lever) in enumerate(scenario.players[pid].levers.items()):
            env[f"{pid}.{lever_name}"] = np.asarray(lever.levels, dtype=float)[grid[:, j]].reshape(axes)
    return env


@dataclass(frozen=True)
class _ScenarioActions:
    """A scenario's actions as the action parser sees them, before any payoff is computed."""

    player_ids: tuple[str, str]
    actions: tuple[tuple[str, ...], tuple[str, ...]]
    levers: tuple[tuple[LeverInfo, ...], tuple[LeverInfo, ...]]
    action_levels: tuple[np.ndarray, np.ndarray]


def scenario_actions(scenario: "Scenario", *, source: str = "<scenario>") -> _ScenarioActions:
    """Each player's action labels, levers and level table, straight from the scenario."""
    ids = scenario.player_ids
    grids = tuple(action_grid(scenario, pid, source=source) for pid in ids)
    levers = tuple(_lever_infos(scenario, pid) for pid in ids)
    labels = tuple(
        tuple(scenario.players[pid].actions) if scenario.players[pid].actions is not None else action_labels(lv, g)
        for pid, lv, g in zip(ids, levers, grids)
    )
    for pid, names in zip(ids, labels):
        if len(set(names)) != len(names):  # the format's label rules exclude it; a label must name one action
            twice = next(x for x in names if names.count(x) > 1)
            kind = "actions" if scenario.players[pid].actions is not None else "levers"
            raise ScenarioError(f"two actions are labelled {twice!r}", file=source, key=f"players.{pid}.{kind}")
    return _ScenarioActions(ids, labels, levers, grids)  # type: ignore[arg-type]


def scenario_cooperative(scenario: "Scenario", *, source: str = "<scenario>",
                         space: _ScenarioActions | None = None) -> tuple[int, int] | None:
    """Index of each player's cooperative action from ``[repeated].cooperative``, or ``None``.

    Read by :func:`sim.model.actions.resolve_profile`: a player left out is at its first action, a
    lever left out at its first level.
    """
    spec = scenario.repeated.cooperative
    if spec is None:
        return None
    space = space or scenario_actions(scenario, source=source)
    for pid, wanted in spec.items():
        player = scenario.players.get(pid)
        if player is None:
            raise ScenarioError(f"unknown player {pid!r}", file=source, key=f"repeated.cooperative.{pid}")
        if player.actions is not None and not isinstance(wanted, str):
            raise ScenarioError("name one of the player's actions", file=source, key=f"repeated.cooperative.{pid}")
    first = []
    for p, pid in enumerate(space.player_ids):  # a player left out: every lever at its first level
        try:
            first.append(resolve_action(space, p, {}))
        except InputError:
            if pid in spec:
                first.append(0)  # not used: the player's own table says its cooperative action
                continue
            raise ScenarioError("leaves out a player whose first levels a forbid rule removes; name its cooperative "
                                f"action ({pid} = {{ ... }})", file=source, key="repeated.cooperative") from None
    try:
        return resolve_profile(space, dict(spec), default=tuple(first), key="repeated.cooperative")  # type: ignore[arg-type]
    except InputError as exc:
        raise ScenarioError(exc.message, file=source, key=exc.key) from None


def build_game(
    scenario: "Scenario",
    parameters: Mapping[str, float] | None = None,
    *,
    source: str | None = None,
    compiled: CompiledPayoffs | None = None,
) -> StageGame:
    """Build the stage game of a two-player scenario (:func:`sim.model.nplayer_build.build_normal_form`
    builds games of any number of players).

    Parameters
    ----------
    scenario : a validated scenario (from :func:`sim.model.scenario.load_scenario`).
    parameters : values overriding the scenario's parameters by name (for sweeps).
    compiled : the scenario's compiled payoffs, to skip re-parsing when building many times.

    Every payoff term is evaluated over all action profiles at once; a term that is
    infinite or NaN anywhere raises :class:`~sim.errors.ScenarioError` naming the term.
    """
    source = source or source_of(scenario)
    ids = scenario.player_ids
    if len(ids) != 2:
        raise ScenarioError(f"has {len(ids)} players; this command takes two (solve, play, tournament, thresholds, "
                            "sweep, validate and show take more)", file=source, key="players")
    space = scenario_actions(scenario, source=source)
    grids, labels, levers = space.action_levels, space.actions, space.levers
    if scenario.is_matrix_game:
        check_matrices(scenario, source)
        A = np.array(scenario.payoffs[ids[0]], dtype=float)
        B = np.array(scenario.payoffs[ids[1]], dtype=float)
        terms: tuple[dict, dict] = ({"payoff": A}, {"payoff": B})
    else:
        compiled = compiled or compile_payoffs(scenario, source=source)
        env = payoff_environment(scenario, grids, parameters, source)
        shape = (len(grids[0]), len(grids[1]))
        check_definitions(compiled, env, shape, lambda at: f"({labels[0][at[0]]} | {labels[1][at[1]]})", source)
        terms = ({}, {})
        for k, pid in enumerate(ids):
            for term, expr in compiled.terms[k]:
                value = np.broadcast_to(expr.evaluate(env), shape).astype(float)
                bad = ~(np.abs(value) <= MAX_PAYOFF)  # also true for inf and nan
                if bad.any():
                    i, j = np.argwhere(bad)[0]
                    beyond = why_refused(value[i, j])
                    raise ScenarioError(
                        f"is {value[i, j]:g} at ({labels[0][i]} | {labels[1][j]}){beyond}",
                        file=source,
                        key=f"players.{pid}.payoff.{term}",
                    )
                terms[k][term] = value
        A = sum(terms[0].values())
        B = sum(terms[1].values())
    return StageGame(name=scenario.meta.name, player_ids=ids, player_names=tuple(scenario.players[pid].name for pid in ids),
                     actions=labels, A=np.asarray(A, dtype=float), B=np.asarray(B, dtype=float), terms=terms,
                     levers=levers, action_levels=grids, discount=tuple(scenario.players[pid].discount for pid in ids),
                     units=scenario.meta.payoff_unit, cooperative=scenario_cooperative(scenario, source=source, space=space),
                     scenario=scenario)


def _lever_infos(scenario: "Scenario", player_id: str) -> tuple[LeverInfo, ...]:
    player = scenario.players[player_id]
    if player.actions is not None:
        return (LeverInfo("action", tuple(float(i) for i in range(len(player.actions))), tuple(player.actions)),)
    return tuple(_lever_info(name, lv) for name, lv in player.levers.items())


def _lever_info(name: str, lever: Any) -> LeverInfo:
    return LeverInfo(name, tuple(lever.levels), lever.level_labels(), lever.unit)
