"""Inverse analysis: for which values of two parameters does a target outcome hold, and how far is it?

:func:`inverse_region` finds where in the box of two parameters (range x range) a target holds,
traces its edge to a tolerance, measures the share of the box it covers and the smallest change from
the base values that reaches it (or, when it holds there, the nearest change that breaks it). Targets:

* ``"truce"``: the cooperative profile (``[repeated] cooperative``) is self-enforcing for both sides
  under grim trigger with Nash reversion at their discount factors; ``"truce:PID"`` for one side;
* ``"profile:us.tariff=truce,china.rare_earths=general licences"``: that profile is a pure stage Nash
  equilibrium (each player's levers read by :func:`sim.model.actions.resolve_action`; a lever left
  out is at its first level; a one-lever player may be written ``PID=LEVEL``);
* ``"stable:seq"`` (or ``nash``, ``gmr``, ``smr``): the cooperative profile is stable for both sides
  in the game's graph model (:mod:`sim.stage.stability`); ``"stable:seq:PROFILE"`` for another one;
* a callable ``game -> bool`` on the :class:`~sim.model.game.StageGame` at a point (any other test).

Distances are range-scaled (a change over its range width: the box is the unit square). The edge is
traced by a quadtree with marching squares (:func:`trace_region`, ``docs/inverse.md``); the smallest
change is the point of the edge nearest to the base values (the base itself when the target holds
there), checked by bisection along the line from the base through it; the one-parameter version moves
each parameter alone over its range (:func:`sim.empirics.knife.knife_edges`).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from sim.empirics.knife import knife_edges
from sim.empirics.robust import StageConclusions, drivers
from sim.errors import InputError
from sim.model.actions import resolve_action
from sim.model.dynamic import is_dynamic
from sim.model.game import build_game
from sim.model.load import read_document, scenario_from_dict
from sim.render import HtmlRepr
from sim.stage.stability import CONCEPT_NAMES, CONCEPTS, stability
from sim.stage.stability_game import graph_model, profile_state
from sim.sweeps.design import Axis, make_design, number_paths, resolve_path
from sim.sweeps.evaluate import PointEvaluator
from sim.sweeps.metrics import SweepJob

__all__ = ["InverseResult", "SearchedParameter", "Trace", "inverse_region", "trace_region", "nearest_point",
           "uncertain_parameters", "DEFAULT_TOL", "SEED_POINTS", "MAX_EVALUATIONS", "DRIVER_DRAWS"]

#: Precision of the traced edge, as a share of each range.
DEFAULT_TOL = 1e-3
#: Points per side of the seed grid.
SEED_POINTS = 9
#: Evaluations a search may use before it stops with an error.
MAX_EVALUATIONS = 200_000
#: Latin hypercube draws that pick the two parameters that matter most for a target.
DRIVER_DRAWS = 512
_TARGETS = ("truce, truce:PLAYER, profile:PLAYER.LEVER=LEVEL,..., stable:CONCEPT[:PROFILE] (nash, gmr, smr, seq) "
            "or a callable game -> bool")


# ----------------------------------------------------------------------------- the tracer (unit square)
@dataclass(frozen=True, eq=False)
class Trace:
    """What :func:`trace_region` found, in unit-square coordinates."""

    boundary: tuple[np.ndarray, ...]  # polylines (k, 2)
    region: tuple[np.ndarray, ...]  # polygons (k, 2) that make up the region
    share: float
    points: np.ndarray  # (N, 2) every point evaluated
    values: np.ndarray  # (N,) bool
    cell: float


class _Counted:
    """The predicate with a count and a record of every point, refusing to pass ``limit``."""

    def __init__(self, predicate, limit: int, progress):
        self.predicate, self.limit, self.progress = predicate, limit, progress
        self.points, self.values, self.count = [np.zeros((0, 2))], [np.zeros(0, dtype=bool)], 0

    def __call__(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float).reshape(-1, 2)
        if self.count + len(u) > self.limit:
            raise InputError(f"the search needs more than {self.limit:,} evaluations (it has used {self.count:,}): "
                             "raise --max-evaluations or --tol", key="--max-evaluations")
        got = np.asarray(self.predicate(u), dtype=bool).reshape(len(u)) if len(u) else np.zeros(0, dtype=bool)
        self.count += len(u)
        self.points.append(u)
        self.values.append(got)
        if self.progress is not None:
            self.progress(self.count)
        return got


def trace_region(predicate: Callable[[np.ndarray], np.ndarray], *, tol: float = DEFAULT_TOL,
                 seed_points: int = SEED_POINTS, cell: float | None = None,
                 max_evaluations: int = MAX_EVALUATIONS, progress: Callable[[int], None] | None = None) -> Trace:
    """Trace where ``predicate`` (points ``(c, 2)`` in the unit square -> ``(c,)`` bool) holds.

    A seed grid (``seed_points`` per side); each cell whose evaluated points disagree is split in four,
    down to cells of width ``cell`` (default: the largest power-of-two split of a seed cell at most
    ``sqrt(tol)``), and a cell is checked again whenever a neighbour's split evaluates a point on its
    side; on every side of a finest cell whose ends disagree the change is located by bisection to
    ``tol``; marching squares joins the crossings into polylines (a cell with four crossings is
    resolved by its centre). Every vertex is within ``tol`` of a change of the predicate. A part of
    the region inside one seed cell that touches no seed point can be missed; between vertices the
    segments are chords of finest cells.
    """
    ev = predicate if isinstance(predicate, _Counted) else _Counted(predicate, max_evaluations, progress)
    n0 = seed_points - 1
    wanted = math.sqrt(tol) if cell is None else cell
    S = 2 ** max(0, math.ceil(math.log2(1.0 / (n0 * wanted)) - 1e-12))  # a seed cell in finest cells
    M = n0 * S
    G = np.full((M + 1, M + 1), -1, dtype=np.int8)  # the target at every node: -1 not evaluated
    own = (np.indices((M, M)) // S * S).transpose(1, 2, 0)  # lower-left corner of the leaf holding each finest cell

    def run(nodes) -> np.ndarray:  # evaluate the nodes not yet known; return them
        nodes = np.unique(np.asarray(nodes, dtype=np.int64).reshape(-1, 2), axis=0)
        nodes = nodes[G[nodes[:, 0], nodes[:, 1]] < 0]
        G[nodes[:, 0], nodes[:, 1]] = ev(nodes / M)
        return nodes

    leaves = {(i * S, j * S): S for i in range(n0) for j in range(n0)}
    run([(i * S, j * S) for i in range(n0 + 1) for j in range(n0 + 1)])

    def mixed(c) -> bool:  # do the evaluated nodes of the cell (corners, sides, inside) disagree?
        block = G[c[0]:c[0] + leaves[c] + 1, c[1]:c[1] + leaves[c] + 1]
        return bool((block == 0).any() and (block == 1).any())

    check = set(leaves)
    while True:
        split = sorted(c for c in check if leaves.get(c, 1) > 1 and mixed(c))
        if not split:
            break
        new, children = [], []
        for ci, cj in split:
            s = leaves.pop((ci, cj))
            h = s // 2
            for di in (0, h):
                for dj in (0, h):
                    leaves[(ci + di, cj + dj)] = h
                    own[ci + di:ci + di + h, cj + dj:cj + dj + h] = (ci + di, cj + dj)
                    children.append((ci + di, cj + dj))
            new += [(ci + h, cj), (ci, cj + h), (ci + h, cj + h), (ci + s, cj + h), (ci + h, cj + s)]
        near = (run(new)[:, None, :] + np.array([[-1, -1], [-1, 0], [0, -1], [0, 0]])).reshape(-1, 2)
        near = near[((near >= 0) & (near < M)).all(axis=1)]  # the finest cells around each new node
        check = set(children) | set(map(tuple, own[near[:, 0], near[:, 1]].tolist()))
    # the finest cells the edge crosses, their crossing edges located by bisection
    fine = sorted(c for c, s in leaves.items() if s == 1 and mixed(c))
    edges: dict[tuple[int, int, int], int] = {}  # (i, j, axis) -> row in ``bracket``
    for i, j in fine:
        for e in ((i, j, 0), (i, j, 1), (i, j + 1, 0), (i + 1, j, 1)):
            a, b = e[0], e[1]
            if G[a, b] != G[a + (e[2] == 0), b + (e[2] == 1)] and e not in edges:
                edges[e] = len(edges)
    keys = np.array(list(edges), dtype=np.int64).reshape(-1, 3)
    lo, hi, start = np.zeros(len(keys)), np.ones(len(keys)), G[keys[:, 0], keys[:, 1]].astype(bool)
    steps = max(0, math.ceil(math.log2((1.0 / M) / tol) - 1e-12))

    def along(t):
        pts = keys[:, :2].astype(float)
        pts[:, 0] += np.where(keys[:, 2] == 0, t, 0.0)
        pts[:, 1] += np.where(keys[:, 2] == 1, t, 0.0)
        return pts

    for _ in range(steps if len(keys) else 0):
        mid = 0.5 * (lo + hi)
        same = ev(along(mid) / M) == start
        lo, hi = np.where(same, mid, lo), np.where(same, hi, mid)
    cross = along(0.5 * (lo + hi)) / M
    # marching squares; a saddle (four crossings) is resolved by the cell's centre
    saddles = [c for c in fine if G[c] == G[c[0] + 1, c[1] + 1] != G[c[0] + 1, c[1]] == G[c[0], c[1] + 1]]
    centre = dict(zip(saddles, ev((np.array(saddles, dtype=float).reshape(-1, 2) + 0.5) / M)))
    segments, polygons = [], []
    for i, j in fine:
        corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]  # counter-clockwise
        sides = [(i, j, 0), (i + 1, j, 1), (i, j + 1, 0), (i, j, 1)]  # side k joins corner k and k + 1
        value = [bool(G[c]) for c in corners]
        ring = []
        for k in range(4):
            if value[k]:
                ring.append(np.array(corners[k], dtype=float) / M)
            if sides[k] in edges:
                ring.append(cross[edges[sides[k]]])
        if (i, j) in centre:
            lone = [k for k in range(4) if value[k] != bool(centre[(i, j)])]
            pairs = [(sides[k - 1], sides[k]) for k in lone]
            if centre[(i, j)]:
                polygons.append(np.array(ring))
            else:  # the true corners are apart: a triangle at each
                polygons += [np.array([np.array(corners[k], float) / M, cross[edges[sides[k]]],
                                       cross[edges[sides[k - 1]]]]) for k in lone]
        else:
            pairs = [tuple(s for s in sides if s in edges)]
            polygons.append(np.array(ring))
        segments += [(edges[a], edges[b]) for a, b in pairs]
    crossed = set(fine)
    full = [(c, s) for c, s in leaves.items() if c not in crossed and G[c] == 1]  # uniform leaves that hold
    polygons += [np.array([c, (c[0] + s, c[1]), (c[0] + s, c[1] + s), (c[0], c[1] + s)], float) / M for c, s in full]
    area = sum(0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) for x, y in (p.T for p in polygons))
    return Trace(boundary=_chain(segments, cross), region=tuple(polygons), share=float(min(1.0, area)),
                 points=np.concatenate(ev.points), values=np.concatenate(ev.values), cell=1.0 / M)


def _chain(segments: list[tuple[int, int]], cross: np.ndarray) -> tuple[np.ndarray, ...]:
    """Join segments between crossings into polylines: open ones from the box's sides, then loops."""
    links: dict[int, list[int]] = {}
    for s, (a, b) in enumerate(segments):
        links.setdefault(a, []).append(s)
        links.setdefault(b, []).append(s)
    used = [False] * len(segments)
    lines = []
    ends = sorted(n for n, ss in links.items() if len(ss) == 1)
    for first in ends + sorted(links):
        free = [s for s in links[first] if not used[s]]
        if not free:
            continue
        path, node = [first], first
        while free:
            s = free[0]
            used[s] = True
            a, b = segments[s]
            node = b if a == node else a
            path.append(node)
            free = [t for t in links[node] if not used[t]]
        lines.append(cross[path])
    return tuple(lines)


def nearest_point(polylines: Sequence[np.ndarray], point: Sequence[float]) -> tuple[np.ndarray, float] | None:
    """The point of the polylines nearest to ``point`` (Euclidean) and its distance; ``None`` if none."""
    if not polylines:
        return None
    p = np.asarray(point, dtype=float)
    a, b = np.concatenate([x[:-1] for x in polylines]), np.concatenate([x[1:] for x in polylines])
    d = b - a
    L2 = (d * d).sum(axis=1)
    q = a + np.clip(((p - a) * d).sum(axis=1) / np.where(L2 > 0, L2, 1.0), 0.0, 1.0)[:, None] * d
    dist = np.hypot(*(q - p).T)
    k = int(np.argmin(dist))
    return q[k], float(dist[k])


# ----------------------------------------------------------------------------- parameters and targets
@dataclass(frozen=True)
class SearchedParameter:
    """One axis of the search: path, label and unit for plots, base value and range."""

    name: str
    path: str
    label: str
    unit: str
    base: float
    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("path", "label", "unit", "base", "low", "high")}


def _parameter(scenario, source: str, name: str, given: tuple[float, float] | None) -> SearchedParameter:
    try:
        path = resolve_path(name, number_paths(scenario))
    except InputError as exc:
        raise InputError(f"{name}: {exc.message}", key="--param") from None
    if path.kind not in ("parameter", "discount"):
        raise InputError(f"{path.path} is not a parameter or a discount factor", key="--param")
    what = f"parameters.{path.name}" if path.kind == "parameter" else path.path
    low, high = (float(x) for x in given) if given is not None else (path.range or (None, None))
    if low is None:
        raise InputError(f"has no range to search: add one to the file or write {name}=LO:HI", file=source, key=what)
    path.check(low), path.check(high)
    if not high > low:
        raise InputError(f"range [{low:g}, {high:g}] is empty", file=source, key=what)
    if not low <= path.base <= high:
        raise InputError(f"the base value {path.base:g} is outside [{low:g}, {high:g}]", file=source, key=what)
    if path.kind == "discount":
        return SearchedParameter(path.path, path.path, f"{path.player}'s discount factor", "", path.base, low, high)
    par = scenario.parameters[path.name]
    label = f"{path.name}: {par.description}" if par.description else path.name
    return SearchedParameter(path.name, path.path, label, par.unit, float(path.base), float(low), float(high))


def _profile(game, text: str) -> tuple[int, int]:
    """``PLAYER.LEVER=LEVEL,...`` (or ``PLAYER=LEVEL``) naming both players, read by the one action parser."""
    ids, wanted = game.player_ids, {}
    for item in text.split(","):
        name, eq, level = item.partition("=")
        pid, dot, lever = name.strip().partition(".")
        if not eq or pid not in ids:
            raise InputError(f"expected PLAYER.LEVER=LEVEL items (players: {', '.join(ids)}), got {item.strip()!r}",
                             key="--target")
        wanted.setdefault(pid, []).append(f"{lever}={level.strip()}" if dot else level.strip())
    missing = [pid for pid in ids if pid not in wanted]
    if missing:
        raise InputError(f"name a setting of every player (missing: {', '.join(missing)})", key="--target")
    i, j = (resolve_action(game, p, ", ".join(wanted[pid]), key=f"--target.{pid}") for p, pid in enumerate(ids))
    return i, j


def _target(spec: Any, ev: PointEvaluator, source: str) -> tuple[Callable[[np.ndarray], np.ndarray], str, str]:
    """A target as ``(predicate over points (c, 2) of ev's paths -> (c,) bool, text, description)``."""
    game = ev.base_game
    if callable(spec):
        name = getattr(spec, "__name__", "the predicate")
        return (lambda v: np.array([bool(spec(g)) for g in _games(ev, v, source)], dtype=bool)), name, f"{name} holds"
    if not isinstance(spec, str):
        raise InputError(f"a target is {_TARGETS}; got {spec!r}", key="--target")
    text = spec.strip()
    kind, _, rest = (x.strip() for x in text.partition(":"))
    conclusions = StageConclusions(ev)
    if kind == "truce":
        if rest and rest not in game.player_ids:
            raise InputError(f"no player {rest!r} (players: {', '.join(game.player_ids)})", key="--target")
        name = f"self_enforcing.{rest}" if rest else "self_enforcing.both"
        return (lambda v: conclusions.evaluate(v)[name].astype(bool)), text, \
            f"the truce is self-enforcing {f'for {rest}' if rest else 'for both sides'} (grim trigger, Nash reversion)"
    if kind == "profile" and rest:
        i, j = _profile(game, rest)

        def is_equilibrium(v):
            raw = conclusions.evaluate(v)
            out = np.zeros(len(v), dtype=bool)
            out[raw["point"][raw["cell"] == i * game.shape[1] + j].astype(np.int64)] = True
            return out

        return is_equilibrium, text, f"[{game.actions[0][i]} | {game.actions[1][j]}] is a pure stage Nash equilibrium"
    if kind == "stable" and rest.partition(":")[0].strip() in CONCEPTS:
        concept, _, given = (x.strip() for x in rest.partition(":"))
        i, j = _profile(game, given) if given else ev.cooperative
        state = profile_state(game, (i, j))
        graph_model(game)  # refuses a game too large for stability analysis, before any work

        def stable(v):
            return np.array([stability(graph_model(g)).equilibrium_mask(concept)[state] for g in _games(ev, v, source)])

        return stable, text, (f"[{game.actions[0][i]} | {game.actions[1][j]}] is {CONCEPT_NAMES[concept]} stable for "
                              "both sides (graph model)")
    raise InputError(f"unknown target {text!r}: give {_TARGETS}", key="--target")


def _games(ev: PointEvaluator, values: np.ndarray, source: str):
    """The stage game at each point (parameters rebuilt from the compiled payoffs, discounts replaced)."""
    for row in values:
        game = build_game(ev.scenario, {p.name: float(x) for p, x in zip(ev.paths, row) if p.kind == "parameter"},
                          source=source, compiled=ev.compiled)
        given = {p.player: float(x) for p, x in zip(ev.paths, row) if p.kind == "discount"}
        yield replace(game, discount=tuple(given.get(pid, d) for pid, d in zip(game.player_ids, game.discount)))


def _evaluator(document, source: str, paths: Sequence[str]) -> PointEvaluator:
    return PointEvaluator(SweepJob(document=document, source=source, paths=tuple(paths), metrics=(),
                                   strategies=(), reps=1, seed=0, replicates=1))


def uncertain_parameters(source: str | os.PathLike, target: Any = "truce", *, k: int = 2,
                         draws: int = DRIVER_DRAWS, seed: int = 0) -> tuple[list[str], str]:
    """The ``k`` parameters whose uncertainty matters most for ``target``, and how they were chosen.

    Every parameter with a range is drawn uniformly by Latin hypercube (``draws``, ``seed``); they are
    ranked by ``|AUC - 0.5|`` of the target (the drivers of ``tradesim robust``). When the target is
    the same at every draw, by range width relative to the base value (``width / |base|``) instead.
    """
    source = str(source)
    document = read_document(source)
    ranged = [p for p in number_paths(scenario_from_dict(document, source=source)).values()
              if p.kind == "parameter" and p.range is not None and p.range[1] > p.range[0]]
    if len(ranged) < k:
        raise InputError(f"the scenario has {len(ranged)} parameter(s) with a range; the search needs {k}",
                         file=source, key="parameters")
    ev = _evaluator(document, source, [p.path for p in ranged])
    fn = _target(target, ev, source)[0]
    axes = [Axis(p, p.path, low=p.range[0], high=p.range[1]) for p in ranged]
    points = make_design(axes, ("lhs", int(draws)), int(seed)).points
    y = fn(points)
    aucs = [drivers(points[:, a], y)[1] for a in range(len(ranged))]
    if all(a is None for a in aucs):
        rel = [(p.range[1] - p.range[0]) / (abs(p.base) or max(abs(p.range[0]), abs(p.range[1]))) for p in ranged]
        order = sorted(range(len(ranged)), key=lambda a: -rel[a])
        how = f"widest ranges relative to the base value (the target is the same at all {draws} draws)"
    else:
        order = sorted(range(len(ranged)), key=lambda a: -abs(aucs[a] - 0.5) if aucs[a] is not None else 1.0)
        shown = ", ".join(f"{ranged[a].name} {aucs[a]:.2f}" for a in order[:k])
        how = f"the target's drivers over {draws} Latin hypercube draws of every ranged parameter (AUC: {shown})"
    return [ranged[a].name for a in order[:k]], how


# ----------------------------------------------------------------------------- the result
@dataclass(frozen=True, eq=False)
class InverseResult(HtmlRepr):
    """Where a target holds in the box of two parameters, its traced edge, and the smallest change.

    Distances are range-scaled: ``hypot(Δp / width_p, Δq / width_q)``. ``nearest`` is the point of
    the region nearest to the base values (the base itself when the target holds there); ``edge`` is
    the nearest point of the traced boundary (when the target holds at base: how far it is safe).
    Both are ``{"values", "change", "scaled", "distance", "verified"}`` or ``None``; ``one_parameter``
    lists, per parameter moved alone, the nearest value where the target changes (or ``None``).
    """

    scenario: str
    source: str
    target: str
    description: str
    parameters: tuple[SearchedParameter, SearchedParameter]
    chosen_by: str
    base_holds: bool
    share: float
    boundary: tuple[np.ndarray, ...]  # polylines in parameter values
    region: tuple[np.ndarray, ...]  # polygons in parameter values
    nearest: Mapping[str, Any] | None
    edge: Mapping[str, Any] | None
    one_parameter: tuple[Mapping[str, Any], ...]
    evaluations: int
    tol: float
    cell: float
    seed_points: int
    points: np.ndarray  # (N, 2) every point evaluated by the trace, in parameter values
    values: np.ndarray  # (N,) the target there
    method: str = "seed grid, quadtree refinement, bisection of crossing edges, marching squares"
    notes: tuple[str, ...] = field(default=())

    @property
    def grid_equivalent(self) -> int:
        """Evaluations a uniform grid with spacing ``tol`` of each range would take."""
        return (math.ceil(1.0 / self.tol) + 1) ** 2

    @property
    def holds(self) -> str:
        """``"everywhere"``, ``"nowhere"`` or ``"in part"`` of the box."""
        return "in part" if self.boundary else ("everywhere" if self.share > 0.5 else "nowhere")

    def to_dict(self) -> dict:
        """Stable JSON: ``target``, ``parameters``, ``share``, ``base_holds``, ``nearest``, ``boundary``, ..."""
        out = {k: getattr(self, k) for k in ("scenario", "target", "description", "method", "chosen_by", "holds",
                                             "share", "base_holds", "evaluations", "grid_equivalent", "tol", "cell",
                                             "seed_points")}
        return {**out, "parameters": {p.name: p.to_dict() for p in self.parameters},
                "nearest": None if self.nearest is None else dict(self.nearest),
                "edge": None if self.edge is None else dict(self.edge),
                "one_parameter": [dict(d) for d in self.one_parameter],
                "boundary": [line.tolist() for line in self.boundary], "notes": list(self.notes)}

    def to_frame(self):
        """The traced boundary as a table: one row per vertex (``polyline``, ``vertex``, both parameters)."""
        import pandas as pd

        p, q = (x.name for x in self.parameters)
        rows = [(k, i, float(x), float(y)) for k, line in enumerate(self.boundary) for i, (x, y) in enumerate(line)]
        return pd.DataFrame(rows, columns=["polyline", "vertex", p, q])


def _point(params, base_u, u, verified: bool) -> dict:
    u = np.asarray(u, dtype=float)
    values = [float(p.low + x * p.width) for p, x in zip(params, u)]
    return {"values": values, "change": [v - p.base for p, v in zip(params, values)],
            "scaled": [float(x) for x in (u - base_u)], "distance": float(np.hypot(*(u - base_u))),
            "verified": bool(verified)}


# ----------------------------------------------------------------------------- the search
def inverse_region(
    scenario: str | os.PathLike,
    target: Any = "truce",
    params: Sequence[str] | None = None,
    *,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    tol: float = DEFAULT_TOL,
    seed_points: int = SEED_POINTS,
    max_evaluations: int = MAX_EVALUATIONS,
    progress: Callable[[int], None] | None = None,
) -> InverseResult:
    """Where in the box of two parameters of the scenario file ``scenario`` does ``target`` hold?

    Parameters
    ----------
    target : ``"truce"``, ``"truce:PID"``, ``"profile:PID.LEVER=LEVEL,..."``, ``"stable:CONCEPT[:PROFILE]"`` or
        a callable ``game -> bool`` (the module docstring).
    params : two parameter names (or ``players.PID.discount``); default: :func:`uncertain_parameters`.
    ranges : ``{name: (low, high)}`` for a parameter without a range in the file (or to narrow one).
    tol : precision of the traced edge as a share of each range, in (0, 0.1].
    seed_points : points per side of the seed grid (3 to 65).
    max_evaluations : stop with an error beyond this many evaluations of the target.
    progress : called with the number of evaluations so far after each block.
    """
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 < tol <= 0.1:
        raise InputError(f"must be a number in (0, 0.1], got {tol!r}", key="--tol")
    limits = (("--seed-points", seed_points, 3, 65), ("--max-evaluations", max_evaluations, 1, 10**8))
    for name, value, low, high in limits:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
            raise InputError(f"must be an integer in [{low}, {high:,}], got {value!r}", key=name)
    source = str(scenario)
    document = read_document(source)
    sc = scenario_from_dict(document, source=source)
    ranges = {str(k).removeprefix("parameters."): v for k, v in (ranges or {}).items()}
    chosen_by = "given"
    if not params:
        params, chosen_by = uncertain_parameters(source, target)
    if len(params) != 2:
        raise InputError(f"give two parameters (or none: the two that matter most), got {len(params)}", key="--param")
    names = [str(p).strip().removeprefix("parameters.") for p in params]
    axes = tuple(_parameter(sc, source, n, ranges.get(n)) for n in names)
    if axes[0].path == axes[1].path:
        raise InputError(f"{names[0]} is given twice", key="--param")
    ev = _evaluator(document, source, [a.path for a in axes])
    fn, text, description = _target(target, ev, source)
    low, width = np.array([a.low for a in axes]), np.array([a.width for a in axes])
    counted = _Counted(lambda u: fn(low + u * width), int(max_evaluations), progress)
    base_u = (np.array([a.base for a in axes]) - low) / width
    base_holds = bool(counted(base_u[None, :])[0])
    trace = trace_region(counted, tol=float(tol), seed_points=int(seed_points))
    found = nearest_point(trace.boundary, base_u)
    edge = None if found is None else _point(axes, base_u, found[0], False)
    nearest = _point(axes, base_u, base_u, True) if base_holds else (
        None if found is None else _verify(counted, axes, base_u, found, tol))
    items = knife_edges(lambda v: counted((v - low) / width)[:, None], low + base_u * width,
                        [(a.low, a.high) for a in axes], [a.name for a in axes], ["target"], share=1.0,
                        points=2 * round(1 / trace.cell) + 1, tol=tol)
    flips = {d["parameter"]: d for d in items}
    one = tuple({"parameter": a.name, "base": a.base, "value": flips.get(a.name, {}).get("flips_at"),
                 "distance": flips.get(a.name, {}).get("distance")} for a in axes)
    notes = ("a game with state: the target is read off the stage game of the initial state",) if is_dynamic(sc) else ()
    return InverseResult(
        scenario=sc.meta.name, source=source, target=text, description=description, parameters=axes,
        chosen_by=chosen_by, base_holds=base_holds, share=trace.share, nearest=nearest, edge=edge, one_parameter=one,
        boundary=tuple(low + line * width for line in trace.boundary),
        region=tuple(low + poly * width for poly in trace.region), evaluations=counted.count, tol=float(tol),
        cell=trace.cell, seed_points=int(seed_points), points=low + trace.points * width, values=trace.values,
        notes=notes)


def _verify(counted: _Counted, axes, base_u, found, tol) -> dict:
    """Bisect along the line from the base through the nearest boundary point to a point that holds."""
    q, d = found
    if d <= tol:  # the base lies on the edge
        return _point(axes, base_u, q, bool(counted(q[None, :])[0]))
    direction = (q - base_u) / d
    with np.errstate(divide="ignore", invalid="ignore"):  # where the line leaves the box
        out = np.where(direction > 0, (1 - base_u) / direction, np.where(direction < 0, -base_u / direction, np.inf))
    lo, hi = max(0.0, d - 2 * tol), float(min(d + 2 * tol, out.min()))
    if not counted(base_u + hi * direction)[0]:
        return _point(axes, base_u, q, False)
    if counted(base_u + lo * direction)[0]:
        lo = 0.0  # the base fails: a change lies between it and ``hi``
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if counted(base_u + mid * direction)[0] else (mid, hi)
    return _point(axes, base_u, base_u + hi * direction, True)
