"""The graph model of a stage game, and its stability in words.

* :func:`graph_model` — a :class:`~sim.model.game.StageGame` as a graph model: the states are the
  action profiles (state ``i * n + j`` is row action ``i`` against column action ``j``), each
  player moves by changing its own action (all its levers at once, or one lever at a time), and
  its preference is its payoff. Levers and levels the scenario marks ``irreversible`` restrict
  the moves: a lever marked ``true`` only rises (no move back toward a more conciliatory level);
  a listed level cannot be left once reached.
* :func:`describe` — the stability of one profile for both sides, as sentences with the levers
  that move and the payoffs they leave.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from sim.errors import InputError
from sim.model.actions import level_index
from sim.stage.stability import CONCEPTS, MAX_STATES, GraphModel, StabilityResult

__all__ = ["MOVES", "graph_model", "irreversible_marks", "profile_state", "state_profile", "describe",
           "move_label"]

#: How a player moves: its whole action at once, or one lever at a time.
MOVES = ("action", "lever")
#: The concepts as adjectives, for sentences.
STABLE_WORDS = {"nash": "Nash stable", "gmr": "generally metarational (GMR)",
                "smr": "symmetrically metarational (SMR)", "seq": "sequentially stable"}


def profile_state(game, profile: Sequence[int]) -> int:
    """The state of :func:`graph_model` for the profile ``(row action, column action)``."""
    return int(profile[0]) * game.shape[1] + int(profile[1])


def state_profile(game, state: int) -> tuple[int, int]:
    """The profile ``(row action, column action)`` of a state of :func:`graph_model`."""
    i, j = divmod(int(state), game.shape[1])
    return i, j


def irreversible_marks(game, irreversible: bool | Mapping[str, Mapping[str, Any]] = True,
                       ) -> dict[str, dict[str, bool | tuple[int, ...]]]:
    """Per player and lever, ``True`` (levels only rise) or the indices of levels that cannot be left.

    ``irreversible=True`` reads the scenario's ``irreversible`` marks, ``False`` ignores them; a
    mapping ``{player: {lever: true | [levels]}}`` gives the marks instead (levels by label or value).
    """
    if irreversible is False:
        return {}
    if irreversible is True:
        scenario = getattr(game, "scenario", None)
        table = {}
        if scenario is not None and not scenario.is_matrix_game:
            for pid in game.player_ids:
                marks = {name: lv.irreversible for name, lv in scenario.players[pid].levers.items()
                         if lv.irreversible not in (False, ())}
                if marks:
                    table[pid] = marks
    elif isinstance(irreversible, Mapping):
        table = irreversible
    else:
        raise InputError("give true, false or {player: {lever: true | [levels]}}", key="irreversible")
    out: dict[str, dict[str, bool | tuple[int, ...]]] = {}
    for pid, levers in table.items():
        if pid not in game.player_ids:
            raise InputError(f"no player {pid!r} (players: {', '.join(game.player_ids)})", key=f"irreversible.{pid}")
        infos = {lv.name: lv for lv in game.levers[game.player_ids.index(pid)]}
        for name, mark in levers.items():
            key = f"irreversible.{pid}.{name}"
            if name not in infos:
                raise InputError(f"no lever {name!r} (levers: {', '.join(infos)})", key=key)
            if isinstance(mark, bool):
                if mark:
                    out.setdefault(pid, {})[name] = True
            elif isinstance(mark, (list, tuple)):
                out.setdefault(pid, {})[name] = tuple(sorted({level_index(infos[name], ref, key=key) for ref in mark}))
            else:
                raise InputError("give true, false or a list of levels", key=key)
    return out


def _moves(levels: np.ndarray, mode: str) -> np.ndarray:
    """Bool ``(k, k)``: which action changes a player may make (``mode`` as :data:`MOVES`)."""
    differ = (levels[:, None, :] != levels[None, :, :]).sum(axis=2)
    return differ == 1 if mode == "lever" else differ > 0


def _excluded(levels: np.ndarray, names: Sequence[str], marks: Mapping[str, bool | tuple[int, ...]]) -> np.ndarray:
    """Bool ``(k, k)``: action changes an irreversible lever or level rules out."""
    k = len(levels)
    out = np.zeros((k, k), dtype=bool)
    for name, mark in marks.items():
        col = levels[:, names.index(name)]
        if mark is True:
            out |= col[None, :] < col[:, None]
        else:
            out |= np.isin(col, mark)[:, None] & (col[:, None] != col[None, :])
    return out


def graph_model(game, *, irreversible: bool | Mapping[str, Mapping[str, Any]] = True,
                moves: str = "action") -> GraphModel:
    """The graph model of a two-player stage game (see the module docstring).

    Parameters
    ----------
    game : a StageGame.
    irreversible : honour the scenario's ``irreversible`` marks (``True``), ignore them, or give
        marks ``{player: {lever: true | [levels]}}`` instead.
    moves : ``"action"`` (a player changes any of its levers in one move) or ``"lever"`` (one lever
        per move).
    """
    if moves not in MOVES:
        raise InputError(f"unknown moves {moves!r}; use one of {', '.join(MOVES)}", key="moves")
    m, n = game.shape
    if m * n > MAX_STATES:
        raise InputError(f"{m} x {n} = {m * n:,} profiles, more than the {MAX_STATES:,} states stability analysis "
                         "takes (each side's moves are a states x states matrix): use fewer lever levels", key="game")
    marks = irreversible_marks(game, irreversible)
    graphs, excluded = [], []
    for p, pid in enumerate(game.player_ids):
        levels = np.asarray(game.action_levels[p])
        names = [lv.name for lv in game.levers[p]]
        allowed = _moves(levels, moves)
        graphs.append(allowed)
        excluded.append(allowed & _excluded(levels, names, marks.get(pid, {})))
    eye = (np.eye(n, dtype=bool), np.eye(m, dtype=bool))
    lift = (lambda M: np.kron(M, eye[0]), lambda M: np.kron(eye[1], M))
    states = tuple(f"{a} | {b}" for a in game.actions[0] for b in game.actions[1])
    any_excluded = any(e.any() for e in excluded)
    return GraphModel(
        dms=tuple(game.player_ids), states=states,
        moves=tuple(lift[p](graphs[p]) for p in range(2)),
        preferences=np.stack([np.asarray(game.A, dtype=float).ravel(), np.asarray(game.B, dtype=float).ravel()]),
        irreversible=tuple(lift[p](excluded[p]) for p in range(2)) if any_excluded else None,
        name=game.name, units=game.units,
    )


def move_label(game, player: int, before: int, after: int) -> str:
    """The levers ``player`` changes going from action ``before`` to ``after``: ``"tariff=Oct threat"``
    (the action's label alone in a game of plain actions)."""
    levels, levers = np.asarray(game.action_levels[player]), game.levers[player]
    if len(levers) == 1 and levers[0].name == "action":
        return game.actions[player][after]
    return ", ".join(f"{lv.name}={lv.labels[int(levels[after, k])]}" for k, lv in enumerate(levers)
                     if levels[after, k] != levels[before, k])


def _num(x: float) -> str:
    return f"{x:.1f}" if abs(x) >= 1 or x == 0 else f"{x:.3g}"


def describe(result: StabilityResult, state: int | Sequence[int], game, *, name: str | None = None,
             concepts: Sequence[str] = CONCEPTS) -> list[str]:
    """The stability of one profile for each side, in sentences.

    ``state`` is a state of ``result`` (from :func:`graph_model` of ``game``) or a profile
    ``(row action, column action)``; ``name`` is how the sentences call it (default: "the truce"
    for the scenario's cooperative profile, else the profile's actions).
    """
    s = profile_state(game, state) if isinstance(state, (tuple, list)) else int(state)
    if not 0 <= s < result.model.n_states:
        raise InputError(f"state {s} out of range 0..{result.model.n_states - 1}", key="state")
    profile = state_profile(game, s)
    if name is None:
        truce = game.cooperative is not None and profile == tuple(int(a) for a in game.cooperative)
        name = "the truce" if truce else f"({game.actions[0][profile[0]]} | {game.actions[1][profile[1]]})"
    units = f" {game.units}" if game.units else ""
    pref = result.model.preferences
    out = []
    for p, pid in enumerate(game.player_ids):
        other = game.player_ids[1 - p]
        count = int(result.improvements[p, s])
        if count == 0:
            out.append(f"{name} is stable for {pid} under every concept: no change of its own levers pays it")
            continue
        for concept in concepts:
            c = result.concepts.index(concept)
            imp, san = int(result.improvement[c, p, s]), int(result.sanction[c, p, s])
            stable = bool(result.stable[c, p, s])
            head = f"{name} is {'' if stable else 'not '}{STABLE_WORDS[concept]} for {pid}"
            move = move_label(game, p, profile[p], state_profile(game, imp)[p])
            gain = f"({_num(pref[p, imp])} vs {_num(pref[p, s])}{units})"
            if concept == "nash":
                out.append(f"{head}: its move to {move} pays {gain}")
                continue
            if not stable:
                why = {"gmr": f"no counter-move of {other} leaves {pid} worse off than at {name}",
                       "smr": f"every counter-move of {other} leaves {pid} better off, or able to reply with "
                              f"something better than {name}",
                       "seq": f"no counter-move that pays for {other} leaves {pid} worse off than at {name}"}[concept]
                out.append(f"{head}: its improvement to {move} {gain} cannot be sanctioned: {why}")
                continue
            after = state_profile(game, imp)
            counter = move_label(game, 1 - p, after[1 - p], state_profile(game, san)[1 - p])
            worse = "worse off" if pref[p, san] < pref[p, s] - result.tol[p] else "no better off"
            cost = pref[1 - p, san] - pref[1 - p, imp]
            pays = f"pays for {other} (+{_num(cost)})" if cost > result.tol[1 - p] else \
                f"costs {other} {_num(-cost)}" if cost < -result.tol[1 - p] else f"leaves {other} as well off"
            every = f" (as are all {count} of its improvements)" if count > 1 else ""
            text = (f"{head}: its improvement to {move} is met by {other}'s counter-move to {counter}, which leaves "
                    f"{pid} {worse} ({_num(pref[p, san])} vs {_num(pref[p, s])}{units}), and that counter-move "
                    f"{pays}{every}")
            if concept == "smr":
                reply = np.flatnonzero(result.model.available(p)[san])
                best = max([pref[p, san], *pref[p, reply]]) if reply.size else pref[p, san]
                text += f"; {pid}'s best reply from there leaves it at {_num(best)}"
            out.append(text)
    return out
