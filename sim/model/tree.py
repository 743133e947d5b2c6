"""The extensive-form game: a finite tree of decision, chance and terminal nodes, with information sets.

An :class:`ExtensiveGame` is checked when it is made: node 0 is the root and every other node is
the child of exactly one node (a tree, every node reachable from the root once); a decision node
belongs to one information set, whose nodes all belong to one player, have as many children as the
set has actions, and never lie on the path to one another; chance probabilities are non-negative
and sum to 1 within :data:`PROB_TOL`; every terminal has one finite payoff per player. A problem is
a :class:`TreeError` (an :class:`~sim.errors.InputError`) naming the offending node or information
set (``nodes.7.probs: ...``). Perfect recall is not required; :attr:`ExtensiveGame.perfect_recall`
says whether it holds (Kuhn 1953: every node of an information set has the same history of the
owner's own information sets and actions).

Numbers are kept as given: ``Fraction`` and ``int`` stay exact (a Gambit file's ``1/3``), floats stay
floats. Nothing here solves the game; :mod:`sim.stage.extensive` does.
"""

from __future__ import annotations

import functools
import math
import numbers
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sim.errors import InputError
from sim.render import HtmlRepr

__all__ = ["Node", "InfoSet", "ExtensiveGame", "TreeError", "MAX_NODES", "MAX_PLAYERS", "MAX_PAYOFF", "PROB_TOL",
           "KINDS"]

#: Largest tree accepted (nodes of every kind).
MAX_NODES = 100_000
#: Most players a tree may have (chance is not a player).
MAX_PLAYERS = 32
#: Largest absolute payoff at a terminal node (as for stage games, :data:`sim.model.game.MAX_PAYOFF`).
MAX_PAYOFF = 1e12
#: Chance probabilities must sum to 1 within this.
PROB_TOL = 1e-9
#: Information sets without a label are named by the path to their node up to this many moves deep.
NAMED_DEPTH = 8
KINDS = ("decision", "chance", "terminal")

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class TreeError(InputError):
    """A tree that is not a valid extensive-form game; ``node``/``infoset`` say where (or ``None``)."""

    def __init__(self, message: str, *, key: str | None = None, node: int | None = None,
                 infoset: int | None = None):
        self.node = node
        self.infoset = infoset
        super().__init__(message, key=key)


def _number(value: Any) -> int | float | Fraction | None:
    """``value`` as a number kept exact where it is (int, Fraction), else a float; ``None`` if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Fraction, float)):
        return value
    if isinstance(value, numbers.Real):  # numpy scalars
        return float(value)
    return None


def _tuple(value: Any) -> tuple:
    if isinstance(value, (str, bytes)):
        raise TreeError("expected a sequence, got a string", key="node")
    try:
        return tuple(value)
    except TypeError:
        raise TreeError(f"expected a sequence, got {type(value).__name__}", key="node") from None


@dataclass(frozen=True)
class Node:
    """One node of the tree; its id is its index in :attr:`ExtensiveGame.nodes` (node 0 is the root).

    Attributes
    ----------
    kind : ``"decision"``, ``"chance"`` or ``"terminal"``.
    player : decision: index of the player who moves (0 .. n-1).
    infoset : decision: index into :attr:`ExtensiveGame.infosets`.
    children : decision and chance: child node ids, one per action, in action order.
    probs : chance: one probability per child (``Fraction`` kept exact).
    actions : chance: labels of the outcomes (decision nodes take their information set's).
    payoffs : terminal: one per player.
    label : a name for the node (may be empty).
    """

    kind: str
    player: int | None = None
    infoset: int | None = None
    children: tuple[int, ...] = ()
    probs: tuple[float, ...] = ()
    actions: tuple[str, ...] = ()
    payoffs: tuple[float, ...] = ()
    label: str = ""

    def __post_init__(self):
        for name in ("children", "probs", "actions", "payoffs"):
            object.__setattr__(self, name, _tuple(getattr(self, name)))


@dataclass(frozen=True)
class InfoSet:
    """An information set: decision nodes of one player that the player cannot tell apart."""

    player: int
    actions: tuple[str, ...]
    nodes: tuple[int, ...]
    label: str = ""

    def __post_init__(self):
        object.__setattr__(self, "actions", _tuple(self.actions))
        object.__setattr__(self, "nodes", _tuple(self.nodes))


@dataclass(frozen=True)
class ExtensiveGame(HtmlRepr):
    """A finite extensive-form game, validated on construction (see the module docstring).

    Attributes
    ----------
    name : the game's title.
    players : player ids (or names), in order: ``Node.player`` and ``InfoSet.player`` index them.
    nodes : every node; node 0 is the root.
    infosets : every information set of the players (chance nodes have none).
    units : the payoff unit.
    description : free text (a Gambit file's comment).
    """

    name: str
    players: tuple[str, ...]
    nodes: tuple[Node, ...]
    infosets: tuple[InfoSet, ...]
    units: str = ""
    description: str = ""
    _parent: tuple[int, ...] = field(init=False, repr=False, compare=False, default=())
    _preorder: tuple[int, ...] = field(init=False, repr=False, compare=False, default=())
    _size: tuple[int, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self):
        for name in ("players", "nodes", "infosets"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        _check(self)

    # ------------------------------------------------------------------ structure
    @property
    def n_players(self) -> int:
        return len(self.players)

    @property
    def root(self) -> int:
        return 0

    def parent(self, node: int) -> int | None:
        """The parent of ``node`` (``None`` for the root)."""
        p = self._parent[node]
        return None if p < 0 else p

    def actions_at(self, node: int) -> tuple[str, ...]:
        """Labels of the actions at ``node``: its information set's, or a chance node's own."""
        n = self.nodes[node]
        return self.infosets[n.infoset].actions if n.kind == "decision" else n.actions

    def path(self, node: int) -> tuple[str, ...]:
        """Labels of the actions (and chance outcomes) from the root to ``node``."""
        out = []
        while (p := self._parent[node]) >= 0:
            out.append(self.actions_at(p)[self.nodes[p].children.index(node)])
            node = p
        return tuple(reversed(out))

    def is_ancestor(self, a: int, b: int) -> bool:
        """True when ``a`` lies strictly on the path from the root to ``b``."""
        pa, pb = self._position[a], self._position[b]
        return pa < pb < pa + self._size[a]

    @property
    def preorder(self) -> tuple[int, ...]:
        """Node ids in prefix order (a node, then its children's subtrees, first to last)."""
        return self._preorder

    @functools.cached_property
    def _position(self) -> tuple[int, ...]:
        pos = [0] * len(self.nodes)
        for k, node in enumerate(self._preorder):
            pos[node] = k
        return tuple(pos)

    @property
    def terminals(self) -> tuple[int, ...]:
        """Terminal node ids in prefix order."""
        return tuple(i for i in self._preorder if self.nodes[i].kind == "terminal")

    @functools.cached_property
    def _levels(self) -> tuple[int, ...]:
        level = [0] * len(self.nodes)
        for i in self._preorder[1:]:
            level[i] = level[self._parent[i]] + 1
        return tuple(level)

    @property
    def depth(self) -> int:
        """Most moves (decisions and chance) on a path from the root to a terminal."""
        return max(self._levels)

    @property
    def perfect_information(self) -> bool:
        """Every information set holds one node (chance moves allowed)."""
        return all(len(h.nodes) == 1 for h in self.infosets)

    def own_sequences(self, player: int) -> tuple[tuple[int, ...], tuple[tuple[int, int, int], ...]]:
        """The player's own history at every node, interned.

        Returns ``(at, table)``: ``at[node]`` is the id of the sequence of the player's own
        (information set, action) choices on the path to ``node``; ``table[s]`` is
        ``(parent sequence, infoset, action)`` (``table[0]`` is the empty sequence, ``(-1, -1, -1)``),
        parents before children.
        """
        return self._sequences[player]

    @functools.cached_property
    def _sequences(self):
        out = []
        for player in range(self.n_players):
            at = [0] * len(self.nodes)
            table: list[tuple[int, int, int]] = [(-1, -1, -1)]
            ids: dict[tuple[int, int, int], int] = {}
            for i in self._preorder:
                node = self.nodes[i]
                for a, child in enumerate(node.children):
                    if node.kind == "decision" and node.player == player:
                        key = (at[i], node.infoset, a)
                        if key not in ids:
                            ids[key] = len(table)
                            table.append(key)
                        at[child] = ids[key]
                    else:
                        at[child] = at[i]
            out.append((tuple(at), tuple(table)))
        return tuple(out)

    @functools.cached_property
    def perfect_recall(self) -> bool:
        """Every node of each information set has the same history of its owner's own moves."""
        for h in self.infosets:
            at = self._sequences[h.player][0]
            if len({at[i] for i in h.nodes}) > 1:
                return False
        return True

    @functools.cached_property
    def subgame_roots(self) -> tuple[int, ...]:
        """Non-terminal nodes that root a subgame (the root included), in prefix order.

        A node roots a subgame when every information set met below it lies wholly below it.
        """
        pos = self._position
        lo = list(pos)
        hi = list(lo)
        for h in self.infosets:
            first, last = min(pos[i] for i in h.nodes), max(pos[i] for i in h.nodes)
            for i in h.nodes:
                lo[i], hi[i] = first, last
        for i in reversed(self._preorder):
            p = self._parent[i]
            if p >= 0:
                lo[p], hi[p] = min(lo[p], lo[i]), max(hi[p], hi[i])
        return tuple(i for i in self._preorder if self.nodes[i].kind != "terminal"
                     and lo[i] >= pos[i] and hi[i] < pos[i] + self._size[i])

    @functools.cached_property
    def infoset_names(self) -> tuple[str, ...]:
        """A distinct name for each information set: its label, else where it is
        (``"Incumbent after In"``, for a node at most :data:`NAMED_DEPTH` moves deep; ``"Bob,
        information set 2"`` otherwise)."""
        names = []
        for k, h in enumerate(self.infosets):
            if h.label:
                names.append(h.label)
            elif len(h.nodes) == 1 and self._levels[h.nodes[0]] <= NAMED_DEPTH:
                where = self.path(h.nodes[0])
                names.append(f"{self.players[h.player]} " + (f"after {'/'.join(where)}" if where else "at the root"))
            else:
                names.append(f"{self.players[h.player]}, information set {k + 1}")
        seen: dict[str, int] = {}
        for name in names:
            seen[name] = seen.get(name, 0) + 1
        return tuple(f"{name} #{k + 1}" if seen[name] > 1 else name for k, name in enumerate(names))

    # ------------------------------------------------------------------ output
    def to_dict(self) -> dict:
        """The game as JSON-ready data (numbers as floats)."""
        def node_dict(i: int, n: Node) -> dict:
            d: dict[str, Any] = {"id": i, "kind": n.kind, "path": list(self.path(i))}
            if n.label:
                d["label"] = n.label
            if n.kind == "decision":
                d.update(player=self.players[n.player], infoset=n.infoset)
            if n.children:
                d["children"] = list(n.children)
            if n.kind == "chance":
                d.update(actions=list(n.actions), probs=[float(p) for p in n.probs])
            if n.kind == "terminal":
                d["payoffs"] = {pid: float(v) for pid, v in zip(self.players, n.payoffs)}
            return d

        return {
            "name": self.name,
            "players": list(self.players),
            "units": self.units,
            "description": self.description,
            "perfect_information": self.perfect_information,
            "perfect_recall": self.perfect_recall,
            "depth": self.depth,
            "subgames": len(self.subgame_roots),
            "nodes": [node_dict(i, n) for i, n in enumerate(self.nodes)],
            "infosets": [{"name": name, "player": self.players[h.player], "actions": list(h.actions),
                          "nodes": list(h.nodes), **({"label": h.label} if h.label else {})}
                         for name, h in zip(self.infoset_names, self.infosets)],
        }

    def __str__(self) -> str:
        kinds = {k: sum(n.kind == k for n in self.nodes) for k in KINDS}
        info = "perfect information" if self.perfect_information else (
            "imperfect information, " + ("perfect recall" if self.perfect_recall else "imperfect recall"))
        return (f"{self.name}: {self.n_players} players ({', '.join(self.players)}); {len(self.nodes)} nodes "
                f"({kinds['decision']} decision, {kinds['chance']} chance, {kinds['terminal']} terminal), "
                f"{len(self.infosets)} information sets, depth {self.depth}; {info}; "
                f"{len(self.subgame_roots)} subgames")


# ---------------------------------------------------------------------- validation
def _text(value: Any, key: str, *, node: int | None = None, infoset: int | None = None,
          empty: bool = True) -> None:
    if not isinstance(value, str):
        raise TreeError(f"must be text, got {type(value).__name__}", key=key, node=node, infoset=infoset)
    if not empty and not value:
        raise TreeError("may not be empty", key=key, node=node, infoset=infoset)
    found = _CONTROL.search(value)
    if found:
        raise TreeError(f"{value!r} contains the control character U+{ord(found.group()):04X}", key=key,
                        node=node, infoset=infoset)


def _labels(labels: tuple, key: str, **where: int | None) -> None:
    if not labels:
        raise TreeError("needs at least one action", key=key, **where)
    for label in labels:
        _text(label, key, empty=False, **where)
    if len(set(labels)) != len(labels):
        twice = next(x for x in labels if labels.count(x) > 1)
        raise TreeError(f"two actions are labelled {twice!r}", key=key, **where)


def _check(game: ExtensiveGame) -> None:
    nodes, infosets, players = game.nodes, game.infosets, game.players
    _text(game.name, "name")
    _text(game.units, "units")
    if not isinstance(game.description, str):
        raise TreeError("must be text", key="description")
    if not 1 <= len(players) <= MAX_PLAYERS:
        raise TreeError(f"needs 1 to {MAX_PLAYERS} players, got {len(players)}", key="players")
    for p in players:
        _text(p, "players", empty=False)
    if len(set(players)) != len(players):
        raise TreeError("players must be distinct", key="players")
    if not nodes:
        raise TreeError("a game needs at least one node (the root)", key="nodes")
    if len(nodes) > MAX_NODES:
        raise TreeError(f"{len(nodes):,} nodes is more than the limit of {MAX_NODES:,}", key="nodes")
    n, count = len(nodes), len(players)
    parent = [-1] * n
    for i, node in enumerate(nodes):
        if not isinstance(node, Node):
            raise TreeError(f"expected a Node, got {type(node).__name__}", key=f"nodes.{i}", node=i)
        _check_node(i, node, count, len(infosets))
        for child in node.children:
            if isinstance(child, bool) or not isinstance(child, int) or not 0 <= child < n:
                raise TreeError(f"child {child!r} is not a node id (0 to {n - 1})", key=f"nodes.{i}.children", node=i)
            if child == 0:
                raise TreeError("node 0 is the root and cannot be a child", key=f"nodes.{i}.children", node=i)
            if parent[child] >= 0:
                raise TreeError(f"node {child} is a child of both node {parent[child]} and node {i}: not a tree",
                                key=f"nodes.{i}.children", node=i)
            parent[child] = i
    preorder, size = _traverse(nodes)
    if len(preorder) < n:
        missing = min(set(range(n)) - set(preorder))
        raise TreeError("is not reachable from the root (node 0)", key=f"nodes.{missing}", node=missing)
    object.__setattr__(game, "_parent", tuple(parent))
    object.__setattr__(game, "_preorder", tuple(preorder))
    object.__setattr__(game, "_size", tuple(size))
    _check_infosets(game)


def _check_node(i: int, node: Node, players: int, n_infosets: int) -> None:
    key = f"nodes.{i}"
    where = {"node": i}
    _text(node.label, f"{key}.label", **where)
    if node.kind not in KINDS:
        raise TreeError(f"unknown kind {node.kind!r}; use one of {', '.join(KINDS)}", key=f"{key}.kind", **where)
    if node.kind == "terminal":
        if node.children:
            raise TreeError("a terminal node has no children", key=f"{key}.children", **where)
        if len(node.payoffs) != players:
            raise TreeError(f"expected {players} payoffs (one per player), got {len(node.payoffs)}",
                            key=f"{key}.payoffs", **where)
        for v in node.payoffs:
            x = _number(v)
            if x is None or not math.isfinite(x) or abs(x) > MAX_PAYOFF:
                raise TreeError(f"payoff {v!r} is not a finite number within ±{MAX_PAYOFF:g}", key=f"{key}.payoffs",
                                **where)
        if node.player is not None or node.infoset is not None or node.probs or node.actions:
            raise TreeError("a terminal node has only payoffs (no player, infoset, probs or actions)", key=key, **where)
        return
    if not node.children:
        raise TreeError(f"a {node.kind} node needs at least one child", key=f"{key}.children", **where)
    if node.payoffs:
        raise TreeError("only terminal nodes have payoffs", key=f"{key}.payoffs", **where)
    if node.kind == "decision":
        if isinstance(node.player, bool) or not isinstance(node.player, int) or not 0 <= node.player < players:
            raise TreeError(f"player {node.player!r} is not a player index (0 to {players - 1})", key=f"{key}.player",
                            **where)
        if isinstance(node.infoset, bool) or not isinstance(node.infoset, int) or not 0 <= node.infoset < n_infosets:
            raise TreeError(f"infoset {node.infoset!r} is not an information set index", key=f"{key}.infoset", **where)
        if node.probs:
            raise TreeError("only chance nodes have probabilities", key=f"{key}.probs", **where)
        return
    if node.player is not None or node.infoset is not None:
        raise TreeError("a chance node has no player or information set", key=key, **where)
    k = len(node.children)
    if len(node.probs) != k:
        raise TreeError(f"expected {k} probabilities (one per child), got {len(node.probs)}", key=f"{key}.probs",
                        **where)
    if len(node.actions) != k:
        raise TreeError(f"expected {k} action labels (one per child), got {len(node.actions)}", key=f"{key}.actions",
                        **where)
    _labels(node.actions, f"{key}.actions", **where)
    total: Any = 0
    for p in node.probs:
        x = _number(p)
        if x is None or not math.isfinite(x) or x < 0:
            raise TreeError(f"probability {p!r} is not a number >= 0", key=f"{key}.probs", **where)
        total += x
    if abs(total - 1) > PROB_TOL:
        raise TreeError(f"chance probabilities sum to {_show(total)}, not 1", key=f"{key}.probs", **where)


def _show(x: Any) -> str:
    return str(x) if isinstance(x, (int, Fraction)) else f"{x:.12g}"


def _traverse(nodes: tuple[Node, ...]) -> tuple[list[int], list[int]]:
    """Prefix order from the root and the size of every subtree (a loop: trees may be deep)."""
    preorder, stack = [], [0]
    seen = bytearray(len(nodes))
    while stack:
        i = stack.pop()
        if seen[i]:
            continue
        seen[i] = 1
        preorder.append(i)
        stack.extend(reversed(nodes[i].children))
    size = [1] * len(nodes)
    for i in reversed(preorder):
        for c in nodes[i].children:
            size[i] += size[c]
    return preorder, size


def _check_infosets(game: ExtensiveGame) -> None:
    nodes = game.nodes
    members: dict[int, int] = {}
    for k, h in enumerate(game.infosets):
        key, where = f"infosets.{k}", {"infoset": k}
        if not isinstance(h, InfoSet):
            raise TreeError(f"expected an InfoSet, got {type(h).__name__}", key=key, **where)
        if isinstance(h.player, bool) or not isinstance(h.player, int) or not 0 <= h.player < game.n_players:
            raise TreeError(f"player {h.player!r} is not a player index", key=f"{key}.player", **where)
        _text(h.label, f"{key}.label", **where)
        _labels(h.actions, f"{key}.actions", **where)
        if not h.nodes:
            raise TreeError("an information set needs at least one node", key=f"{key}.nodes", **where)
        for i in h.nodes:
            if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(nodes):
                raise TreeError(f"{i!r} is not a node id", key=f"{key}.nodes", **where)
            node = nodes[i]
            if node.kind != "decision":
                raise TreeError(f"node {i} is a {node.kind} node, not a decision node", key=f"{key}.nodes", **where)
            if i in members:
                raise TreeError(f"node {i} is listed twice", key=f"{key}.nodes", **where)
            members[i] = k
            if node.infoset != k:
                raise TreeError(f"node {i} is listed here but says it is in information set {node.infoset}",
                                key=f"{key}.nodes", node=i, infoset=k)
            if node.player != h.player:
                raise TreeError(f"mixes players: node {i} belongs to {game.players[node.player]}, the set to "
                                f"{game.players[h.player]}", key=f"{key}.nodes", node=i, infoset=k)
            if len(node.children) != len(h.actions):
                raise TreeError(f"node {i} has {len(node.children)} children but the information set has "
                                f"{len(h.actions)} actions", key=f"{key}.nodes", node=i, infoset=k)
        ordered = sorted(h.nodes, key=lambda i: game._position[i])
        for a, b in zip(ordered, ordered[1:]):
            if game.is_ancestor(a, b):  # if any node lies above another, one lies above the next
                raise TreeError(f"node {a} lies on the path to node {b} of the same information set", key=f"{key}.nodes",
                                node=b, infoset=k)
    for i, node in enumerate(nodes):
        if node.kind == "decision" and i not in members:
            raise TreeError(f"node {i} says it is in information set {node.infoset}, which does not list it",
                            key=f"nodes.{i}.infoset", node=i, infoset=node.infoset)
