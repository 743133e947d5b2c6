"""Sequential games from scenarios: the ``[sequence]`` table, checked, and built into a game tree.

A scenario with a ``[sequence]`` is played in order: each stage is a player choosing some of its
levers (or its plain action), or a chance move; what a mover knows of earlier stages is its
``observes`` (all of them by default: perfect information; its own only: a simultaneous move).
A stage with ``when`` is played only where that expression of earlier levers is nonzero (its
levers stay at their first level elsewhere), so a game can end early, as alternating offers do.
Levers chosen at no stage keep their cooperative level. Chance outcomes set parameters; the
payoff at a leaf is the scenario's payoff for the levers chosen on its path, with the parameters
the chance moves on that path set.

The tree is :class:`sim.model.tree.ExtensiveGame`; its solvers are in :mod:`sim.stage.extensive`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from sim.errors import ScenarioError, raise_problems
from sim.model.actions import default_cooperative
from sim.model.expressions import Expression, ExpressionError, parse_expression
from sim.model.game import StageGame, build_game, scenario_definitions
from sim.model.scenario import Scenario, Stage, source_of
from sim.model.tree import ExtensiveGame, InfoSet, Node

__all__ = ["check_sequence", "build_sequential_game", "stage_names", "MAX_LEAVES", "is_sequential"]

#: Most leaves a sequential game may have (counted before ``when`` prunes it).
MAX_LEAVES = 200_000
_PROB_TOL = 1e-9


def _condition(scenario: Scenario, text: str, params, levers: Mapping[str, set[str]], source: str) -> Expression:
    """A stage's ``when``: levers of earlier stages, parameters and scenario-level definitions that read
    nothing else (``ExpressionError`` otherwise)."""
    shared = scenario_definitions(scenario, source)[0][None] if scenario.define else {}
    expr = parse_expression(text, parameters=frozenset(params), levers=levers, variables=frozenset(),
                            definitions=shared)
    later = sorted(f"{p}.{lv}" for p, lv in expr.levers if lv not in levers.get(p, ()))
    if later or expr.variables or expr.prev:
        what = later[0] if later else "a state name, round or prev"
        raise ExpressionError(f"a definition it reads uses {what}")
    return expr


def is_sequential(scenario: Scenario) -> bool:
    return scenario.sequence is not None


def stage_names(scenario: Scenario) -> list[str]:
    """Each stage's name (``stage1``, ``stage2``, ... where the file gives none)."""
    assert scenario.sequence is not None
    return [st.name or f"stage{k + 1}" for k, st in enumerate(scenario.sequence.stages)]


def _levers_of(scenario: Scenario, pid: str) -> list[str]:
    player = scenario.players[pid]
    return ["action"] if player.actions is not None else list(player.levers)


def _stage_levers(scenario: Scenario, stage: Stage) -> list[str]:
    return list(stage.levers) if stage.levers is not None else _levers_of(scenario, stage.player)  # type: ignore[arg-type]


def _sizes(scenario: Scenario, pid: str, levers: list[str]) -> list[int]:
    player = scenario.players[pid]
    if player.actions is not None:
        return [len(player.actions)]
    return [len(player.levers[name].levels) for name in levers]


def check_sequence(scenario: Scenario, *, source: str) -> None:
    """Every problem of ``[sequence]``: unknown players, levers and stages, a lever chosen twice,
    chance probabilities, ``when`` expressions, the size of the tree."""
    seq = scenario.sequence
    if seq is None:
        return
    problems: list[ScenarioError] = []

    def fail(key: str, message: str) -> None:
        problems.append(ScenarioError(message, file=source, key=f"sequence.{key}"))

    if scenario.state:
        fail("stages", "a sequential game has no [state]: use one or the other")
    if len(scenario.players) != 2:
        fail("stages", f"a sequential game takes two players; this one has {len(scenario.players)}")
        raise_problems(problems)
    names = stage_names(scenario)
    if len(set(names)) != len(names):
        fail("stages", "stage names must be distinct")
    chosen: dict[tuple[str, str], int] = {}
    seen: dict[str, set[str]] = {pid: set() for pid in scenario.players}
    leaves = 1
    params = set(scenario.parameters)
    for k, stage in enumerate(seq.stages):
        key = f"stages.{k}"
        if isinstance(stage.observes, tuple):
            for name in stage.observes:
                if name not in names[:k]:
                    fail(f"{key}.observes", f"no earlier stage {name!r} (earlier: {', '.join(names[:k]) or 'none'})")
        if stage.chance is not None:
            total = math.fsum(o.p for o in stage.chance)
            if abs(total - 1.0) > _PROB_TOL:
                fail(f"{key}.chance", f"probabilities sum to {total:.12g}, not 1")
            for i, outcome in enumerate(stage.chance):
                for name in outcome.parameters:
                    if name not in params:
                        fail(f"{key}.chance.{i}.parameters.{name}",
                             f"no parameter {name!r} (parameters: {', '.join(sorted(params)) or 'none'})")
            if len({o.label for o in stage.chance}) != len(stage.chance):
                fail(f"{key}.chance", "outcome labels must be distinct")
            leaves *= len(stage.chance)
        else:
            pid = stage.player
            if pid not in scenario.players:
                fail(f"{key}.player", f"no player {pid!r} (players: {', '.join(scenario.players)})")
                continue
            levers = _stage_levers(scenario, stage)
            known = _levers_of(scenario, pid)
            bad = [lv for lv in levers if lv not in known]
            if bad:
                fail(f"{key}.levers", f"{pid} has no lever {bad[0]!r} (levers: {', '.join(known)})")
                continue
            if not levers:
                fail(f"{key}.levers", "a stage chooses at least one lever")
            for lv in levers:
                if (pid, lv) in chosen:
                    fail(f"{key}.levers", f"{pid}.{lv} is already chosen at stage {names[chosen[pid, lv]]!r}")
                chosen[pid, lv] = k
            leaves *= int(np.prod(_sizes(scenario, pid, levers)))
        if stage.when is not None:
            earlier = {p: set(v) for p, v in seen.items()}
            try:
                _condition(scenario, stage.when, params, earlier, source)
            except ExpressionError as exc:
                fail(f"{key}.when", f"{exc} (a condition reads the levers of earlier stages only)")
        if stage.player is not None and stage.player in seen:
            seen[stage.player].update(_stage_levers(scenario, stage))
        if leaves > MAX_LEAVES:
            fail("stages", f"the game tree has more than {MAX_LEAVES:,} leaves (stopped counting at stage "
                           f"{names[k]!r}); choose fewer levers or levels per stage")
            break
    raise_problems(problems)


# ----------------------------------------------------------------------------- building the tree
@dataclass
class _Builder:
    scenario: Scenario
    names: list[str]
    games: dict[tuple, StageGame]
    parameters: dict[str, float]
    source: str
    nodes: list[dict[str, Any]]
    infosets: dict[tuple, int]
    infoset_rows: list[dict[str, Any]]

    def game_for(self, overrides: tuple) -> StageGame:
        if overrides not in self.games:
            self.games[overrides] = build_game(self.scenario, parameters={**self.parameters, **dict(overrides)},
                                               source=self.source)
        return self.games[overrides]


def _lever_values(scenario: Scenario, pid: str, lever: str) -> tuple[list[float], list[str]]:
    player = scenario.players[pid]
    if player.actions is not None:
        return list(range(len(player.actions))), list(player.actions)
    lv = player.levers[lever]
    return [float(v) for v in lv.levels], list(lv.level_labels())


def build_sequential_game(scenario: Scenario, parameters: Mapping[str, float] | None = None, *,
                          source: str | None = None) -> ExtensiveGame:
    """The game tree of a scenario's ``[sequence]`` (see the module docstring)."""
    source = source or source_of(scenario)
    if scenario.sequence is None:
        raise ScenarioError("the scenario has no [sequence]", file=source, key="sequence")
    check_sequence(scenario, source=source)
    ids = list(scenario.player_ids)
    stages = scenario.sequence.stages
    names = stage_names(scenario)
    base = build_game(scenario, parameters=parameters, source=source)
    coop = default_cooperative(base)  # the scenario's [repeated] cooperative, else the least hostile actions
    coop_levels = [np.asarray(base.action_levels[p])[coop[p]] for p in range(2)]
    lever_names = [_levers_of(scenario, pid) for pid in ids]
    index_of = [{tuple(int(x) for x in row): a for a, row in enumerate(np.asarray(base.action_levels[p]))}
                for p in range(2)]
    params = {name: float(p.value) for name, p in scenario.parameters.items()}
    params.update({k: float(v) for k, v in (parameters or {}).items()})
    conditions: list[Expression | None] = []
    for k, stage in enumerate(stages):
        if stage.when is None:
            conditions.append(None)
            continue
        levers = {pid: set() for pid in ids}
        for st in stages[:k]:
            if st.player is not None:
                levers[st.player].update(_stage_levers(scenario, st))
        conditions.append(_condition(scenario, stage.when, params, levers, source))
    b = _Builder(scenario, names, {(): base}, dict(parameters or {}), source, [], {}, [])
    values = [[_lever_values(scenario, pid, lever)[0] for lever in lever_names[p]] for p, pid in enumerate(ids)]
    menus: list[tuple[int, list[int], list[tuple[int, ...]], tuple[str, ...]] | None] = []
    for stage in stages:  # per player stage: mover, lever columns, choices and their labels (once)
        if stage.player is None:
            menus.append(None)
            continue
        p = ids.index(stage.player)
        levers = _stage_levers(scenario, stage)
        per = [_lever_values(scenario, stage.player, lv) for lv in levers]
        choices = list(itertools.product(*[range(len(v[0])) for v in per]))
        if scenario.players[stage.player].actions is not None:
            labels = tuple(per[0][1][ch[0]] for ch in choices)
        else:
            labels = tuple(", ".join(f"{lv}={per[c][1][x]}" for c, (lv, x) in enumerate(zip(levers, ch)))
                           for ch in choices)
        menus.append((p, [lever_names[p].index(lv) for lv in levers], choices, labels))

    def leaf(levels: list[list[int]], overrides: tuple) -> int:
        game = b.game_for(overrides)
        try:
            i, j = (index_of[p][tuple(levels[p])] for p in range(2))
        except KeyError:
            raise ScenarioError("a path of the sequence reaches a combination of levers the scenario forbids "
                                "(each lever chosen at its stage must combine with the others)", file=source,
                                key="sequence.stages") from None
        b.nodes.append({"kind": "terminal", "payoffs": (float(game.A[i, j]), float(game.B[i, j]))})
        return len(b.nodes) - 1

    def grow(k: int, levels: list[list[int]], overrides: tuple, history: tuple) -> int:
        """Node id of the subtree from stage ``k``; ``history`` is ((stage, choice or None), ...)."""
        if k == len(stages):
            return leaf(levels, overrides)
        stage = stages[k]
        if conditions[k] is not None:
            env = {**params, **dict(overrides)}
            for p, pid in enumerate(ids):
                for j, lever in enumerate(lever_names[p]):
                    env[f"{pid}.{lever}"] = values[p][j][levels[p][j]]
            if float(np.asarray(conditions[k].evaluate(env))) == 0.0:  # type: ignore[union-attr]
                return grow(k + 1, levels, overrides, history + ((k, None),))
        me = len(b.nodes)
        b.nodes.append({})
        if stage.chance is not None:
            children = []
            for o, outcome in enumerate(stage.chance):
                more = tuple(sorted({**dict(overrides), **outcome.parameters}.items()))
                children.append(grow(k + 1, levels, more, history + ((k, o),)))
            b.nodes[me] = {"kind": "chance", "children": tuple(children), "probs": tuple(o.p for o in stage.chance),
                           "actions": tuple(o.label for o in stage.chance), "label": names[k]}
            return me
        p, cols, choices, labels = menus[k]  # type: ignore[misc]
        seen = tuple((s, c) for s, c in history if _observed(stages, names, k, s, stage.player))
        key = (k, seen)
        if key not in b.infosets:
            b.infosets[key] = len(b.infoset_rows)
            b.infoset_rows.append({"player": p, "actions": labels, "nodes": [], "label": names[k]})
        info = b.infosets[key]
        b.infoset_rows[info]["nodes"].append(me)
        children = []
        for c, ch in enumerate(choices):
            new = [list(levels[0]), list(levels[1])]
            for col, x in zip(cols, ch):
                new[p][col] = int(x)
            children.append(grow(k + 1, new, overrides, history + ((k, c),)))
        b.nodes[me] = {"kind": "decision", "player": p, "infoset": info, "children": tuple(children),
                       "label": names[k]}
        return me

    start = [[int(x) for x in coop_levels[p]] for p in range(2)]
    for k, stage in enumerate(stages):  # a lever chosen at a stage starts at its first level (what 'skipped' leaves)
        if stage.player is not None:
            p = ids.index(stage.player)
            for lv in _stage_levers(scenario, stage):
                start[p][lever_names[p].index(lv)] = 0
    grow(0, start, (), ())
    nodes = tuple(Node(**{k: v for k, v in n.items()}) for n in b.nodes)
    infosets = tuple(InfoSet(player=r["player"], actions=r["actions"], nodes=tuple(r["nodes"]), label=r["label"])
                     for r in b.infoset_rows)
    return ExtensiveGame(name=scenario.meta.name, players=tuple(ids), nodes=nodes, infosets=infosets,
                         units=scenario.meta.payoff_unit)


def _observed(stages, names: list[str], k: int, s: int, player: str | None) -> bool:
    """Whether the mover of stage ``k`` knows what happened at earlier stage ``s``."""
    if stages[s].player is not None and stages[s].player == player:
        return True  # perfect recall of one's own moves
    obs = stages[k].observes
    if obs == "all":
        return True
    if obs == "own":
        return False
    return names[s] in obs
