"""Building the normal form of a scenario of any number of players.

:func:`build_normal_form` is :func:`~sim.model.game.build_game` for N players: each player's
actions are the product of its lever levels (or its plain ``actions``), lever values broadcast
along axis k of N for player k, and every payoff term is evaluated over all profiles at once. For
two players it gives exactly ``build_game(...).to_normal_form()``; :func:`build_any` returns the
:class:`~sim.model.game.StageGame` then (the fast bimatrix paths) and a
:class:`~sim.model.nplayer.NormalFormGame` otherwise.

Games with state (``[state]``, ``round``, ``prev.PLAYER.LEVER``) and ``[sequence]`` games take two
players; the loader refuses them with more.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from sim.errors import ScenarioError
from sim.model.game import (
    MAX_PAYOFF,
    CompiledPayoffs,
    StageGame,
    build_game,
    check_definitions,
    compile_payoffs,
    payoff_environment,
    scenario_actions,
    scenario_cooperative,
    why_refused,
)
from sim.model.nplayer import NormalFormGame
from sim.model.scenario import Scenario, check_matrices, source_of

__all__ = ["build_normal_form", "build_any"]


def _at(labels, profile) -> str:
    return "(" + " | ".join(labels[k][int(a)] for k, a in enumerate(profile)) + ")"


def build_normal_form(scenario: Scenario, parameters: Mapping[str, float] | None = None, *,
                      source: str | None = None, compiled: CompiledPayoffs | None = None) -> NormalFormGame:
    """The normal-form game of a scenario of any number of players.

    Parameters
    ----------
    scenario : a validated scenario (:func:`sim.model.load.load_scenario`).
    parameters : values overriding the scenario's parameters by name (for sweeps).
    compiled : the scenario's compiled payoffs (:func:`~sim.model.game.compile_payoffs`), to skip re-parsing.

    ``payoffs[k]`` has one axis per player, axis j indexing player j's actions in declaration
    order. A term or definition that is infinite, NaN or past ``MAX_PAYOFF`` anywhere raises
    :class:`~sim.errors.ScenarioError` naming it and the profile.
    """
    source = source or source_of(scenario)
    ids = scenario.player_ids
    space = scenario_actions(scenario, source=source)
    grids, labels = space.action_levels, space.actions
    shape = tuple(len(g) for g in grids)
    terms: list[dict[str, np.ndarray]] = []
    if scenario.is_matrix_game:
        check_matrices(scenario, source)
        terms = [{"payoff": np.array(scenario.payoffs[pid], dtype=float)} for pid in ids]
    else:
        compiled = compiled or compile_payoffs(scenario, source=source)
        env = payoff_environment(scenario, grids, parameters, source)
        check_definitions(compiled, env, shape, lambda at: _at(labels, at), source)
        for k, pid in enumerate(ids):
            terms.append({})
            for term, expr in compiled.terms[k]:
                value = np.broadcast_to(expr.evaluate(env), shape).astype(float)
                bad = ~(np.abs(value) <= MAX_PAYOFF)  # also true for inf and nan
                if bad.any():
                    at = tuple(np.argwhere(bad)[0])
                    raise ScenarioError(f"is {value[at]:g} at {_at(labels, at)}{why_refused(value[at])}", file=source,
                                        key=f"players.{pid}.payoff.{term}")
                terms[k][term] = value
    payoffs = tuple(np.asarray(sum(t.values()), dtype=float) for t in terms)
    return NormalFormGame(
        name=scenario.meta.name, player_ids=ids, player_names=tuple(scenario.players[pid].name for pid in ids),
        actions=tuple(labels), payoffs=payoffs, terms=tuple(terms), levers=tuple(space.levers),
        action_levels=tuple(grids), discount=tuple(scenario.players[pid].discount for pid in ids),
        units=scenario.meta.payoff_unit, cooperative=scenario_cooperative(scenario, source=source, space=space),
        scenario=scenario)


def build_any(scenario: Scenario, parameters: Mapping[str, float] | None = None, *, source: str | None = None,
              compiled: CompiledPayoffs | None = None) -> StageGame | NormalFormGame:
    """:func:`~sim.model.game.build_game` for a two-player scenario, :func:`build_normal_form` otherwise."""
    if len(scenario.players) == 2:
        return build_game(scenario, parameters, source=source, compiled=compiled)
    return build_normal_form(scenario, parameters, source=source, compiled=compiled)
