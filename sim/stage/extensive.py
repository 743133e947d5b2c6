"""Solving extensive-form games: backward induction, the reduced normal form, subgame perfection.

* :func:`backward_induction` — every subgame-perfect equilibrium in pure strategies of a game of
  perfect information (chance moves allowed: expected payoffs), up to ``max_equilibria`` when ties
  make several (Zermelo; Selten 1965, 1975; Kuhn 1953).
* :func:`reduced_normal_form` — the two-player strategic form: a pure strategy chooses at each of
  the player's information sets; strategies that differ only where the player's own choices make an
  information set unreachable are one reduced strategy, labelled by its choices in the order the
  sets are met (``"Pass.Take"``; ``*`` where the set is unreachable), in the order Gambit generates
  them (``GamePlayerRep::MakeReducedStrats``). Payoffs are expectations over chance.
* :func:`subgame_perfect_equilibria` — the Nash equilibria of the reduced normal form
  (:func:`sim.stage.equilibria.nash_equilibria`), and the subgame-perfect ones found by solving
  every proper subgame bottom-up (the textbook procedure: each subgame's equilibria replace it by
  their payoffs in the game above); each Nash equilibrium says whether it is one of them. This is
  not a sequential-equilibrium solver: beliefs off the path are not computed.

Every equilibrium returned is verified: at every decision node (perfect information) or in every
subgame for every player (best responses by dynamic programming over the player's own information
sets, which perfect recall allows), no deviation gains more than ``tol`` times that player's payoff
range.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from sim.errors import InputError, SolverError
from sim.model.game import StageGame
from sim.model.tree import ExtensiveGame, InfoSet, Node
from sim.render import HtmlRepr
from sim.stage.equilibria import nash_equilibria
from sim.stage.equilibrium_set import EquilibriumSet
from sim.stage.reduced_form import (
    MAX_WORK,
    ReducedStrategies,
    consistency,
    reduced_normal_form,
    reduced_payoffs,
    reduced_strategies,
)

__all__ = ["backward_induction", "reduced_normal_form", "reduced_strategies", "subgame_perfect_equilibria",
           "PureEquilibrium", "SubgamePerfect", "BehaviorEquilibrium", "ExtensiveEquilibria", "ReducedStrategies",
           "DEFAULT_MAX_EQUILIBRIA", "MAX_WORK"]

DEFAULT_MAX_EQUILIBRIA = 100
DEFAULT_TOL = 1e-9
#: Paths reported per equilibrium (a chance move splits the path of play).
MAX_PATHS = 100


# ---------------------------------------------------------------------- results
@dataclass(frozen=True)
class PureEquilibrium:
    """A subgame-perfect equilibrium in pure strategies: an action at every information set.

    ``paths`` are the plays it leads to, ``(probability, action labels from the root)``, most likely
    first (one path without chance); ``regret`` is the largest gain of a one-step deviation at any
    decision node, on or off the path (zero up to rounding).
    """

    choices: tuple[int, ...]
    actions: tuple[str, ...]
    paths: tuple[tuple[float, tuple[str, ...]], ...]
    payoffs: tuple[float, ...]
    regret: float

    @property
    def path(self) -> tuple[str, ...]:
        """The most likely play (the only one when no chance move is on it)."""
        return self.paths[0][1]

    def to_dict(self, players: tuple[str, ...], infoset_names: tuple[str, ...]) -> dict:
        return {"choices": dict(zip(infoset_names, self.actions)),
                "path": list(self.path),
                "paths": [{"probability": p, "path": list(labels)} for p, labels in self.paths],
                "payoffs": dict(zip(players, self.payoffs)), "regret": self.regret}


@dataclass(frozen=True)
class SubgamePerfect(HtmlRepr):
    """The pure subgame-perfect equilibria of a game of perfect information, by backward induction.

    ``complete`` is False when ``max_equilibria`` stopped the enumeration (ties make their number
    grow as a product); the ones returned are still subgame perfect.
    """

    name: str
    players: tuple[str, ...]
    infoset_names: tuple[str, ...]
    equilibria: tuple[PureEquilibrium, ...]
    complete: bool
    max_equilibria: int
    tol: float
    method: str = "backward induction"
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.equilibria)

    def __iter__(self):
        return iter(self.equilibria)

    def __getitem__(self, i: int) -> PureEquilibrium:
        return self.equilibria[i]

    def to_dict(self) -> dict:
        return {"game": self.name, "method": self.method, "complete": self.complete,
                "max_equilibria": self.max_equilibria, "tol": self.tol, "notes": list(self.notes),
                "equilibria": [e.to_dict(self.players, self.infoset_names) for e in self.equilibria]}

    def __str__(self) -> str:
        head = (f"{self.name}: {len(self.equilibria)} subgame-perfect equilibri{'um' if len(self) == 1 else 'a'} "
                f"in pure strategies ({self.method}{'' if self.complete else '; stopped at the cap, more exist'})")
        lines = [head]
        for k, e in enumerate(self.equilibria, 1):
            pay = ", ".join(f"{p} {_fmt(v)}" for p, v in zip(self.players, e.payoffs))
            lines.append(f"  {k}. path {' > '.join(e.path) or '(root is terminal)'}; payoffs {pay}")
            lines += [f"     {name}: {action}" for name, action in zip(self.infoset_names, e.actions)]
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


@dataclass(frozen=True)
class BehaviorEquilibrium:
    """A subgame-perfect equilibrium in behaviour strategies.

    ``behavior[h]`` is the probability of each action at information set ``h``; ``free[h]`` is True
    where the owner's own choices make ``h`` unreachable in every subgame, so any action there keeps
    the equilibrium (the first is listed). ``regret`` is the largest gain of any player from
    deviating in any subgame.
    """

    behavior: tuple[tuple[float, ...], ...]
    free: tuple[bool, ...]
    payoffs: tuple[float, ...]
    regret: float

    def to_dict(self, players, infoset_names, actions) -> dict:
        return {"behavior": {name: ("any" if free else {a: p for a, p in zip(acts, probs) if p > 0})
                             for name, acts, probs, free in zip(infoset_names, actions, self.behavior, self.free)},
                "payoffs": dict(zip(players, self.payoffs)), "regret": self.regret}


@dataclass(frozen=True)
class ExtensiveEquilibria(HtmlRepr):
    """Nash equilibria of a two-player extensive game (via its reduced normal form) and its
    subgame-perfect equilibria (proper subgames solved bottom-up).

    ``nash_subgame_perfect[k]`` is True when Nash equilibrium ``k`` plays as one of
    ``subgame_perfect`` (the same mixed reduced strategies). ``complete`` is True when both searches
    are complete (every extreme equilibrium of each subgame, no cap reached).
    """

    name: str
    players: tuple[str, ...]
    infoset_names: tuple[str, ...]
    actions: tuple[tuple[str, ...], ...]
    nash: EquilibriumSet
    nash_subgame_perfect: tuple[bool, ...]
    subgame_perfect: tuple[BehaviorEquilibrium, ...]
    subgames: int
    perfect_recall: bool
    complete: bool
    max_equilibria: int
    method: str = "reduced normal form (Nash); proper subgames solved bottom-up (subgame perfect)"
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        nash = self.nash.to_dict()
        for eq, spe in zip(nash["equilibria"], self.nash_subgame_perfect):
            eq["subgame_perfect"] = spe
        return {"game": self.name, "method": self.method, "subgames": self.subgames,
                "perfect_recall": self.perfect_recall, "complete": self.complete,
                "max_equilibria": self.max_equilibria, "notes": list(self.notes), "nash": nash,
                "subgame_perfect": [e.to_dict(self.players, self.infoset_names, self.actions)
                                    for e in self.subgame_perfect]}

    def __str__(self) -> str:
        ids = self.nash.player_ids
        lines = [f"{self.name}: {len(self.nash)} Nash equilibri{'um' if len(self.nash) == 1 else 'a'} of the reduced "
                 f"normal form, {sum(self.nash_subgame_perfect)} of them subgame perfect ({self.subgames} subgames)"]
        for k, (eq, spe) in enumerate(zip(self.nash, self.nash_subgame_perfect), 1):
            d = eq.to_dict(self.nash.actions, ids)
            strat = "; ".join(f"{p}: " + ", ".join(f"{a} {_fmt(x)}" if x < 1 else a for a, x in s.items())
                              for p, s in d["strategies"].items())
            pay = ", ".join(f"{p} {_fmt(v)}" for p, v in d["payoffs"].items())
            lines.append(f"  {k}. {strat}; payoffs {pay}{'  (subgame perfect)' if spe else ''}")
        lines.append(f"subgame-perfect equilibria: {len(self.subgame_perfect)}")
        for k, e in enumerate(self.subgame_perfect, 1):
            pay = ", ".join(f"{p} {_fmt(v)}" for p, v in zip(self.players, e.payoffs))
            lines.append(f"  {k}. payoffs {pay}")
            for name, acts, probs, free in zip(self.infoset_names, self.actions, e.behavior, e.free):
                shown = "any (unreachable by the player's own choices)" if free else ", ".join(
                    a if p >= 1 - 1e-12 else f"{a} {_fmt(p)}" for a, p in zip(acts, probs) if p > 1e-12)
                lines.append(f"     {name}: {shown}")
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


def _fmt(x: float) -> str:
    x = float(x)
    if abs(x - round(x)) < 1e-9:
        return str(int(round(x)))
    f = Fraction(x).limit_denominator(1000)
    return f"{f}" if abs(float(f) - x) < 1e-9 else f"{x:.4g}"


# ---------------------------------------------------------------------- backward induction
def _exact(game: ExtensiveGame) -> bool:
    """All payoffs and probabilities are int or Fraction: solve in exact arithmetic, ties exact."""
    return all(isinstance(v, (int, Fraction)) for n in game.nodes for v in (*n.payoffs, *n.probs))


def _scales(game: ExtensiveGame) -> list[float]:
    """Each player's payoff range over the terminals (1 when constant): the unit of ``tol``."""
    out = []
    for p in range(game.n_players):
        vals = [float(game.nodes[z].payoffs[p]) for z in game.terminals]
        out.append((max(vals) - min(vals)) or 1.0)
    return out


def backward_induction(game: ExtensiveGame, *, max_equilibria: int = DEFAULT_MAX_EQUILIBRIA,
                       tol: float = DEFAULT_TOL) -> SubgamePerfect:
    """Every pure subgame-perfect equilibrium of a game of perfect information (up to ``max_equilibria``).

    Works bottom-up: at a chance node the expected payoffs of its children, at a decision node
    every action that maximises the mover's payoff given the play below (exactly when payoffs and
    probabilities are integers or fractions; within ``tol`` times the mover's payoff range for
    floats). Ties multiply the equilibria; they are enumerated in tree order.
    """
    if not game.perfect_information:
        h = next(k for k, s in enumerate(game.infosets) if len(s.nodes) > 1)
        raise InputError(f"backward induction needs perfect information; information set {game.infoset_names[h]!r} "
                         f"has {len(game.infosets[h].nodes)} nodes (use subgame_perfect_equilibria)", key="game")
    if isinstance(max_equilibria, bool) or not isinstance(max_equilibria, int) or max_equilibria < 1:
        raise InputError("must be a whole number >= 1", key="max_equilibria")
    exact = _exact(game)
    slack = [0 if exact else tol * s for s in _scales(game)]
    zero = Fraction(0) if exact else 0.0
    options: dict[int, list[tuple[tuple, Any]]] = {}
    truncated = False
    for i in reversed(game.preorder):
        node = game.nodes[i]
        if node.kind == "terminal":
            options[i] = [(tuple(v if exact else float(v) for v in node.payoffs), None)]
            continue
        kids = [options.pop(c) for c in node.children]
        combos = itertools.product(*kids)
        out: list[tuple[tuple, Any]] = []
        for combo in combos:
            values = [v for v, _ in combo]
            plans = tuple(plan for _, plan in combo)
            if node.kind == "chance":
                probs = node.probs if exact else [float(p) for p in node.probs]
                value = tuple(sum((p * v[k] for p, v in zip(probs, values)), zero) for k in range(game.n_players))
                out.append((value, (i, -1, plans)))
            else:
                best = max(v[node.player] for v in values)
                out.extend((values[a], (i, a, plans)) for a in range(len(values))
                           if values[a][node.player] >= best - slack[node.player])
            if len(out) >= max_equilibria:
                truncated = truncated or len(out) > max_equilibria or next(combos, None) is not None
                out = out[:max_equilibria]
                break
        options[i] = out
    floats = _float_payoffs(game)
    equilibria = tuple(_pure(game, plan, tol, floats) for _, plan in options[0])
    notes = () if not truncated else (f"stopped at max_equilibria={max_equilibria}: ties give more equilibria",)
    return SubgamePerfect(game.name, game.players, game.infoset_names, equilibria, not truncated, max_equilibria, tol,
                          notes=notes)


def _pure(game: ExtensiveGame, plan: Any, tol: float, floats: list) -> PureEquilibrium:
    """The equilibrium a plan (``(node, action, child plans)``) stands for, verified."""
    choices = [0] * len(game.infosets)
    stack = [plan]
    while stack:
        item = stack.pop()
        if item is None:
            continue
        node, action, kids = item
        if action >= 0:
            choices[game.nodes[node].infoset] = action
        stack.extend(kids)
    behavior = [tuple(1.0 if a == c else 0.0 for a in range(len(h.actions))) for h, c in zip(game.infosets, choices)]
    values, regret = _one_step_regret(game, behavior, floats)
    if regret > tol:
        raise SolverError(f"backward induction produced a profile with a profitable deviation ({regret:g})")
    return PureEquilibrium(tuple(choices), tuple(h.actions[c] for h, c in zip(game.infosets, choices)),
                           _paths(game, choices), tuple(float(v) for v in values[0]), regret)


def _one_step_regret(game: ExtensiveGame, behavior, floats: list | None = None) -> tuple[list, float]:
    """Values of every node under a behaviour profile and the largest relative gain of changing the
    action at one decision node (in a game of perfect information: zero iff subgame perfect).
    ``floats`` are the terminals' payoffs as floats, when already at hand."""
    floats = floats or _float_payoffs(game)
    scales = _scales(game)
    n = game.n_players
    values: list[Any] = list(floats)
    regret = 0.0
    for i in reversed(game.preorder):
        node = game.nodes[i]
        if node.kind == "terminal":
            continue
        kids = [values[c] for c in node.children]
        probs = node.probs if node.kind == "chance" else behavior[node.infoset]
        if node.kind == "decision" and max(probs) == 1.0:
            value = kids[probs.index(1.0)]
        else:
            value = [sum(float(q) * k[j] for q, k in zip(probs, kids) if q) for j in range(n)]
        values[i] = value
        if node.kind == "decision":
            p = node.player
            regret = max(regret, (max(k[p] for k in kids) - value[p]) / scales[p])
    return values, regret


def _float_payoffs(game: ExtensiveGame) -> list:
    return [[float(v) for v in n.payoffs] if n.kind == "terminal" else None for n in game.nodes]


def _paths(game: ExtensiveGame, choices) -> tuple[tuple[float, tuple[str, ...]], ...]:
    out, stack = [], [(0, 1.0)]
    while stack and len(out) < 10 * MAX_PATHS:
        i, prob = stack.pop()
        node = game.nodes[i]
        if node.kind == "terminal":
            out.append((prob, i))
        elif node.kind == "decision":
            stack.append((node.children[choices[node.infoset]], prob))
        else:
            stack.extend((c, prob * float(p)) for c, p in zip(reversed(node.children), reversed(node.probs)) if p > 0)
    out.sort(key=lambda t: -t[0])
    return tuple((p, game.path(z)) for p, z in out[:MAX_PATHS])




# ---------------------------------------------------------------------- subgame perfection
def subgame_perfect_equilibria(game: ExtensiveGame, *, max_equilibria: int = DEFAULT_MAX_EQUILIBRIA,
                               max_seconds: float | None = None, tol: float = 1e-7) -> ExtensiveEquilibria:
    """Nash equilibria of a two-player extensive game and its subgame-perfect equilibria.

    The Nash equilibria are those of the reduced normal form (:func:`reduced_normal_form`,
    :func:`sim.stage.equilibria.nash_equilibria`, in mixed reduced strategies). The subgame-perfect
    ones are found bottom-up: each proper subgame, with the subgames inside it already replaced by
    the payoffs of one of their equilibria, is solved through its own reduced normal form, and each
    equilibrium (as behaviour strategies, Kuhn 1953) replaces it in the game above, up to
    ``max_equilibria`` combinations. This needs perfect recall; without it only the Nash
    equilibria are reported. ``max_seconds`` bounds each equilibrium search.
    """
    if game.n_players != 2:
        raise InputError(f"needs two players; this game has {game.n_players} (backward induction takes any number "
                         "in a game of perfect information)", key="game")
    if isinstance(max_equilibria, bool) or not isinstance(max_equilibria, int) or max_equilibria < 1:
        raise InputError("must be a whole number >= 1", key="max_equilibria")
    rs, A, B = reduced_payoffs(game)
    stage = StageGame.from_matrices(A, B, actions=(rs[0].labels, rs[1].labels), player_ids=tuple(game.players),
                                    name=game.name)
    nash = nash_equilibria(stage, max_seconds=max_seconds, tol=tol)
    notes: list[str] = ["Nash equilibria are of the reduced normal form (mixed reduced strategies)"]
    if not game.perfect_recall:
        notes.append("no perfect recall: behaviour strategies are not equivalent to mixed ones, so subgame-perfect "
                     "equilibria are not computed")
        return ExtensiveEquilibria(game.name, game.players, game.infoset_names, tuple(h.actions for h in game.infosets),
                                   nash, (False,) * len(nash), (), len(game.subgame_roots), False, False,
                                   max_equilibria, notes=tuple(notes))
    found, complete = _bottom_up(game, max_equilibria, max_seconds, tol)
    spe = tuple(_verified(game, b, f, tol) for b, f in found)
    images = [tuple(_image(game, r, e.behavior) for r in rs) for e in spe]
    flags = tuple(any(np.allclose(eq.row, x, atol=1e-6) and np.allclose(eq.col, y, atol=1e-6) for x, y in images)
                  for eq in nash)
    if not complete:
        notes.append(f"subgame-perfect equilibria: stopped at max_equilibria={max_equilibria} or an incomplete "
                     "subgame search; the ones listed are subgame perfect")
    return ExtensiveEquilibria(game.name, game.players, game.infoset_names, tuple(h.actions for h in game.infosets),
                               nash, flags, spe, len(game.subgame_roots), True, complete and nash.complete,
                               max_equilibria, notes=tuple(notes))


def _bottom_up(game: ExtensiveGame, cap: int, max_seconds: float | None, tol: float):
    """Solve the proper subgames from the deepest up; each solution is ``(local behaviour, local free
    sets, payoffs, the solutions of the subgames just inside)``, flattened at the end."""
    roots = game.subgame_roots
    is_root = set(roots)
    solved: dict[int, list] = {}
    complete = True
    slack = [tol * s for s in _scales(game)]
    for r in reversed(roots):
        region, inner, stack = [], [], [r]
        while stack:
            i = stack.pop()
            region.append(i)
            for c in reversed(game.nodes[i].children):
                (inner if c in is_root else stack).append(c)
        inner_solutions = [solved.pop(c) for c in inner]
        out: list = []
        combos = itertools.product(*inner_solutions)
        for combo in combos:
            leaf = {c: sol[2] for c, sol in zip(inner, combo)}
            solutions, whole = _solve_region(game, r, leaf, slack, max_seconds, tol)
            complete &= whole
            out.extend((b, f, v, combo) for b, f, v in solutions)
            if len(out) >= cap:
                complete &= len(out) == cap and next(combos, None) is None
                out = out[:cap]
                break
        solved[r] = out
    flat = []
    for b, f, _, inner in solved[0]:
        behavior: dict[int, tuple[float, ...]] = {}
        free: set[int] = set()
        stack = [(b, f, inner)]
        while stack:
            b, f, inner = stack.pop()
            behavior.update(b)
            free |= f
            stack.extend((sb, sf, si) for sb, sf, _, si in inner)
        flat.append((behavior, free))
    return flat, complete


def _solve_region(game, r, leaf, slack, max_seconds, tol):
    """Equilibria of the subgame at ``r`` with the inner subgames' payoffs ``leaf``: a list of
    ``(behaviour, free sets, payoffs)`` and whether the search was complete."""
    node = game.nodes[r]

    def value(c):
        return leaf[c] if c in leaf else np.array([float(v) for v in game.nodes[c].payoffs])

    if all(c in leaf or game.nodes[c].kind == "terminal" for c in node.children):
        values = [value(c) for c in node.children]
        if node.kind == "chance":
            return [({}, set(), sum(float(p) * v for p, v in zip(node.probs, values)))], True
        best = max(v[node.player] for v in values)
        k = len(values)
        return [({node.infoset: tuple(float(a == b) for b in range(k))}, set(), values[a]) for a in range(k)
                if values[a][node.player] >= best - slack[node.player]], True
    sub, infoset_map = _truncated(game, r, leaf)
    rs, A, B = reduced_payoffs(sub)
    eqs = nash_equilibria((A, B), max_seconds=max_seconds, tol=tol)
    out = []
    for eq in eqs:
        behavior, free = {}, set()
        for strategies, sigma in zip(rs, (eq.row, eq.col)):
            b, f = _behavior(sub, strategies, sigma)
            behavior.update({infoset_map[h]: p for h, p in b.items()})
            free |= {infoset_map[h] for h in f}
        out.append((behavior, free, np.array(eq.payoffs, dtype=float)))
    return out, eqs.complete


def _truncated(game: ExtensiveGame, r: int, leaf: dict) -> tuple[ExtensiveGame, dict[int, int]]:
    """The subgame at ``r`` with each inner subgame a terminal paying ``leaf[root]``."""
    order, stack = [], [r]
    while stack:
        i = stack.pop()
        order.append(i)
        if i not in leaf:
            stack.extend(reversed(game.nodes[i].children))
    new = {old: k for k, old in enumerate(order)}
    infosets: dict[int, int] = {}
    for old in order:
        n = game.nodes[old]
        if old not in leaf and n.kind == "decision" and n.infoset not in infosets:
            infosets[n.infoset] = len(infosets)
    nodes = []
    for old in order:
        n = game.nodes[old]
        if old in leaf:
            nodes.append(Node("terminal", payoffs=tuple(float(v) for v in leaf[old])))
        else:
            nodes.append(Node(n.kind, n.player, infosets.get(n.infoset) if n.kind == "decision" else None,
                              tuple(new[c] for c in n.children), n.probs, n.actions, n.payoffs))
    sets = [InfoSet(game.infosets[h].player, game.infosets[h].actions,
                    tuple(new[i] for i in game.infosets[h].nodes)) for h in infosets]
    sub = ExtensiveGame(game.name, game.players, tuple(nodes), tuple(sets))
    return sub, {k: h for h, k in infosets.items()}


def _behavior(game: ExtensiveGame, rs: ReducedStrategies, sigma: np.ndarray):
    """Behaviour strategies of a mixed reduced strategy (Kuhn 1953): at each own information set the
    probability of each action given the player's own choices that lead there. Sets those choices
    never reach are free."""
    C, at = consistency(game, rs)
    behavior, free = {}, set()
    for col, h in enumerate(rs.infosets):
        reach = C[:, at[game.infosets[h].nodes[0]]]
        den = float(sigma @ reach)
        k = len(game.infosets[h].actions)
        if den <= 1e-12:
            behavior[h], _ = tuple(float(a == 0) for a in range(k)), free.add(h)
            continue
        probs = np.array([float(sigma @ (reach & (rs.choices[:, col] == a))) for a in range(k)]) / den
        probs = np.clip(probs, 0.0, None)
        behavior[h] = tuple((probs / probs.sum()).tolist())
    return behavior, free


def _image(game: ExtensiveGame, rs: ReducedStrategies, behavior) -> np.ndarray:
    """The mixed reduced strategy a behaviour strategy plays: each strategy's probability is the
    product of the behaviour probabilities of its choices."""
    out = np.ones(len(rs.choices))
    for col, h in enumerate(rs.infosets):
        picks = rs.choices[:, col]
        probs = np.array(behavior[h])
        out *= np.where(picks >= 0, probs[np.maximum(picks, 0)], 1.0)
    return out


def _verified(game: ExtensiveGame, behavior: dict, free: set, tol: float) -> BehaviorEquilibrium:
    profile = [behavior[h] for h in range(len(game.infosets))]
    values, regret = _one_step_regret(game, profile)
    if not game.perfect_information:
        scales = _scales(game)
        regret = max(0.0, *(  # a one-node deviation is no strategy here: best responses
            (_best_response(game, profile, r, p) - values[r][p]) / scales[p]
            for r in game.subgame_roots for p in range(game.n_players)))
    if regret > tol:
        raise SolverError(f"a subgame-perfect candidate has a profitable deviation ({regret:g})")
    return BehaviorEquilibrium(tuple(profile), tuple(h in free for h in range(len(game.infosets))),
                               tuple(float(v) for v in values[0]), float(regret))


def _best_response(game: ExtensiveGame, profile, r: int, player: int) -> float:
    """The most ``player`` can get in the subgame at ``r`` against the others' behaviour: dynamic
    programming over the player's own information sets, innermost first (perfect recall)."""
    Q: dict[Any, float] = {}
    parent: dict[int, Any] = {}
    order: list[int] = []
    stack = [(r, 1.0, None)]
    while stack:
        i, rho, anchor = stack.pop()
        node = game.nodes[i]
        if node.kind == "terminal":
            Q[anchor] = Q.get(anchor, 0.0) + rho * float(node.payoffs[player])
        elif node.kind == "decision" and node.player == player:
            if node.infoset not in parent:
                parent[node.infoset] = anchor
                order.append(node.infoset)
            stack.extend((c, rho, (node.infoset, a)) for a, c in enumerate(node.children))
        else:
            probs = node.probs if node.kind == "chance" else profile[node.infoset]
            stack.extend((c, rho * float(q), anchor) for c, q in zip(node.children, probs) if q > 0)
    for h in reversed(order):
        best = max(Q.get((h, a), 0.0) for a in range(len(game.infosets[h].actions)))
        Q[parent[h]] = Q.get(parent[h], 0.0) + best
    return Q.get(None, 0.0)
