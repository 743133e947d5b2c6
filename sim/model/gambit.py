"""Gambit's game files: strategic form (``.nfg``) and extensive form (``.efg``), read and written.

The formats are Gambit's own (``doc/formats.*.rst`` of the Gambit project): ``NFG 1 R "title"
{ "P1" "P2" }`` then strategy labels ``{ { "s1" "s2" } { "t1" "t2" } }`` or counts ``{ 2 2 }``, an
optional comment, and either the payoffs (first player's strategy varying fastest) or a list of
outcomes and one outcome index per profile; ``EFG 2 R "title" { "P1" "P2" }``, an optional comment,
then the nodes in prefix order: ``p "name" player infoset ["label" { "a" "b" }] outcome [...]``,
``c "name" infoset ["label" { "a" 1/2 "b" 1/2 }] outcome [...]``, ``t "name" outcome ["label"
{ payoffs }]``. Outcomes at inner nodes add to the payoffs below them, as in Gambit.

Reading is a hand-written tokenizer (quoted text with Gambit's ``\\"`` escape; integers, decimals
with exponents, rationals ``3/2``, all kept exact as ``Fraction``) and a parser that checks sizes
before it allocates: at most :data:`MAX_GAMBIT_BYTES` bytes (:func:`sim._files.read_text_capped`),
:data:`MAX_CELLS` strategy profiles, :data:`sim.model.tree.MAX_NODES` nodes. Every problem is one
:class:`~sim.errors.ScenarioError` naming the file and the line (``game.efg: line 7: expected 2
payoffs, got 1``). Nothing read is executed. Labels the file leaves empty become their position
(``1``, ``2``, ...) and repeated labels get Gambit's ``_1``, ``_2`` suffixes, so every strategy and
action has a distinct name. Writing is atomic (:func:`sim._files.write_text_atomic`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from sim._files import read_text_capped, write_text_atomic
from sim.errors import InputError, ScenarioError
from sim.model._gambit_tokens import Parser, clean, distinct, error, payoff, prologue
from sim.model.expressions import reserved_word
from sim.model.scenario import MAX_ACTIONS, MAX_PLAYERS
from sim.model.tree import (
    MAX_NODES,
    PROB_TOL,
    ExtensiveGame,
    InfoSet,
    Node,
    TreeError,
)

__all__ = ["NormalForm", "read_nfg", "parse_nfg", "read_efg", "parse_efg", "read_game", "nfg_document",
           "normal_form_document", "write_nfg", "write_efg", "nfg_text", "efg_text", "player_ids", "MAX_GAMBIT_BYTES", "MAX_CELLS",
           "GAMBIT_SUFFIXES"]

#: Largest Gambit file read, in bytes.
MAX_GAMBIT_BYTES = 20_000_000
#: Most strategy profiles of a strategic-form file (the product of the strategy counts).
MAX_CELLS = 1_000_000
GAMBIT_SUFFIXES = (".nfg", ".efg")
_LONG_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # a comment keeps its newlines and tabs


# ---------------------------------------------------------------------- strategic form
@dataclass(frozen=True)
class NormalForm:
    """A strategic-form game read from an ``.nfg`` file (any number of players).

    ``payoffs[k]`` is player ``k``'s payoff array, axis ``j`` = player ``j``'s strategies.
    """

    title: str
    players: tuple[str, ...]
    strategies: tuple[tuple[str, ...], ...]
    payoffs: tuple[np.ndarray, ...]
    comment: str = ""

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(s) for s in self.strategies)


def read_nfg(path: str | Path) -> NormalForm:
    """Read a Gambit ``.nfg`` file (payoff or outcome version)."""
    return parse_nfg(read_text_capped(path, what="Gambit game file", cap=MAX_GAMBIT_BYTES, error=ScenarioError),
                     source=str(path))


def parse_nfg(text: str, *, source: str = "<nfg>") -> NormalForm:
    """Parse the text of an ``.nfg`` file; see :func:`read_nfg`."""
    p = Parser(text, source)
    title, players = prologue(p, "NFG", "1")
    n = len(players)
    p.expect("{", "'{' opening the strategies")
    if p.tok.kind == "{":
        strategies = []
        for k in range(n):
            if p.tok.kind != "{":
                raise p.fail(f"expected the strategies of {players[k]} ({n} players, {k} lists so far), got "
                             f"{p.tok.shown()}")
            labels = p.texts("strategy labels")
            if not labels:
                raise p.fail(f"{players[k]} has no strategies")
            strategies.append(distinct(labels))
    else:
        strategies = []
        for k in range(n):
            count = p.integer(f"the number of strategies of {players[k]}", low=1, high=MAX_CELLS)
            strategies.append([str(i + 1) for i in range(count)])
    closing = p.expect("}", f"'}}' closing the strategies of {n} players")
    shape = [len(s) for s in strategies]
    cells = math.prod(shape)
    if cells > MAX_CELLS or cells * n > 10 * MAX_CELLS:
        raise p.fail(f"{' x '.join(map(str, shape))} = {cells:,} strategy profiles is more than the limit of "
                     f"{MAX_CELLS:,}", closing)
    comment = p.advance().value if p.tok.kind == "text" else ""
    flat = _outcome_body(p, n, cells) if p.tok.kind == "{" else _payoff_body(p, n, cells)
    if p.tok.kind != "end":
        raise p.fail(f"unexpected {p.tok.shown()} after the {cells:,} profiles of the table")
    values = np.array([float(v) for v in flat], dtype=float).reshape(cells, n)
    order = tuple(reversed(range(n)))  # the first player's strategy varies fastest
    payoffs = tuple(values[:, k].reshape(shape[::-1]).transpose(order).copy() for k in range(n))
    return NormalForm(title, tuple(players), tuple(tuple(s) for s in strategies), payoffs, comment)


def _payoff_body(p: Parser, n: int, cells: int) -> list[Fraction]:
    flat: list[Fraction] = []
    while p.tok.kind in ("number", ","):
        tok = p.advance()
        if tok.kind == "number":
            flat.append(payoff(tok, p))
            if len(flat) > cells * n:
                raise p.fail(f"more payoffs than the {cells:,} profiles x {n} players = {cells * n:,} of the table", tok)
    if len(flat) < cells * n:
        got = f"got {p.tok.shown()}" if p.tok.kind != "end" else f"the file ends after {len(flat):,}"
        raise p.fail(f"expected {cells * n:,} payoffs ({cells:,} profiles x {n} players), {got}")
    return flat


def _outcome_body(p: Parser, n: int, cells: int) -> list[Fraction]:
    p.advance()
    outcomes: list[list[Fraction]] = []
    while p.tok.kind == "{":
        p.advance()
        p.text("an outcome's label in quotes")
        values = []
        while p.tok.kind in ("number", ","):
            tok = p.advance()
            if tok.kind == "number":
                values.append(payoff(tok, p))
        if len(values) != n or p.tok.kind != "}":
            if p.tok.kind not in ("}", "end"):
                raise p.fail(f"expected a numeric payoff, got {p.tok.shown()}")
            raise p.fail(f"expected {n} payoffs (one per player) for outcome {len(outcomes) + 1}, got {len(values)}")
        p.advance()
        outcomes.append(values)
        if len(outcomes) > cells:
            raise p.fail(f"more outcomes than the {cells:,} profiles of the table")
    p.expect("}", "'{' opening an outcome or '}' closing the outcomes")
    flat: list[Fraction] = []
    zero = [Fraction(0)] * n
    for k in range(cells):
        if p.tok.kind == "end":
            raise p.fail(f"expected {cells:,} outcome numbers (one per profile), the file ends after {k:,}")
        index = p.integer(f"the outcome number of profile {k + 1}", low=0, high=len(outcomes))
        flat.extend(outcomes[index - 1] if index else zero)
    return flat


def player_ids(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Scenario player ids from player names: ``"Player 1"`` -> ``player_1``, ``"1"`` -> ``p1``;
    never a reserved word of the payoff language, always distinct."""
    out: list[str] = []
    for k, name in enumerate(names):
        base = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")[:48] or f"p{k + 1}"
        if base[0].isdigit():
            base = f"p{base}"
        if reserved_word(base):
            base += "_"
        pid, i = base, 1
        while pid in out:
            i += 1
            pid = f"{base}_{i}"
        out.append(pid)
    return tuple(out)


def nfg_document(path: str | Path) -> dict[str, Any]:
    """An ``.nfg`` file as a tradesim matrix-game scenario document.

    The document has the form of ``scenarios/prisoners_dilemma.toml`` (plain ``actions`` and a
    ``[payoffs]`` table) and is meant for :func:`sim.model.load.scenario_from_dict` with
    ``source=str(path)``, so every command that takes a scenario takes the file. Strategy labels are
    Gambit's (``1``, ``2``, ... where the file gives counts only). Two players give a
    ``StageGame``; three to :data:`~sim.model.scenario.MAX_PLAYERS` give one payoff tensor per
    player (axis k = player k, as the file's own layout); more, or one, is a
    :class:`~sim.errors.ScenarioError`.
    """
    return normal_form_document(read_nfg(path), path)


def normal_form_document(game: NormalForm, path: str | Path) -> dict[str, Any]:
    """:func:`nfg_document` of a strategic form already read (or made, e.g. a reduced normal form)."""
    if not 2 <= len(game.players) <= MAX_PLAYERS:
        raise ScenarioError(f"has {len(game.players)} players; tradesim's games have 2 to {MAX_PLAYERS}",
                            file=str(path))
    for k, strategies in enumerate(game.strategies):
        if len(strategies) > MAX_ACTIONS:
            raise ScenarioError(f"{game.players[k]} has {len(strategies):,} strategies, more than the limit of "
                                f"{MAX_ACTIONS:,}", file=str(path))
    ids = player_ids(game.players)
    name = game.title or Path(path).stem
    kind = "extensive" if str(path).lower().endswith(".efg") else "strategic"
    return {
        "scenario": {"name": name, "description": _LONG_CONTROL.sub(" ", game.comment).strip(),
                     "sources": [f"Gambit {kind}-form file {Path(path).name}"
                                 + (" (its reduced normal form)" if kind == "extensive" else "")]},
        "players": {pid: {"name": pname, "actions": list(s)}
                    for pid, pname, s in zip(ids, game.players, game.strategies)},
        "payoffs": {pid: np.asarray(U, dtype=float).tolist() for pid, U in zip(ids, game.payoffs)},
    }


# ---------------------------------------------------------------------- extensive form
def read_efg(path: str | Path) -> ExtensiveGame:
    """Read a Gambit ``.efg`` file into an :class:`~sim.model.tree.ExtensiveGame`."""
    return parse_efg(read_text_capped(path, what="Gambit game file", cap=MAX_GAMBIT_BYTES, error=ScenarioError),
                     source=str(path))


def parse_efg(text: str, *, source: str = "<efg>") -> ExtensiveGame:
    """Parse the text of an ``.efg`` file; see :func:`read_efg`."""
    p = Parser(text, source)
    title, players = prologue(p, "EFG", "2")
    n = len(players)
    description = p.advance().value if p.tok.kind == "text" else ""
    specs: list[dict[str, Any]] = []   # one per node, in prefix order
    lines: list[int] = []
    infosets: dict[tuple[int, int], int] = {}   # (player, number) -> index into sets
    sets: list[dict[str, Any]] = []
    chance: dict[int, tuple[list[str], list[Fraction], str]] = {}
    outcomes: dict[int, tuple[str, list[Fraction]]] = {}
    stack: list[list] = []  # [node id, children still to read, payoffs accumulated down to it]
    while True:
        if p.tok.kind == "end":
            if not specs:
                raise p.fail("expected the root node (c, p or t), the file ends")
            raise p.fail(f"the file ends inside the tree: node {stack[-1][0] + 1} (line {lines[stack[-1][0]]}) "
                         f"still needs {stack[-1][1]} more children")
        line = p.tok.line
        kind = p.word(("c", "p", "t"), "a node: c (chance), p (player) or t (terminal)")
        if len(specs) >= MAX_NODES:
            raise p.fail(f"more than the limit of {MAX_NODES:,} nodes")
        node_id = len(specs)
        above = stack[-1][2] if stack else [Fraction(0)] * n
        if stack:
            specs[stack[-1][0]]["children"].append(node_id)
            stack[-1][1] -= 1
            if stack[-1][1] == 0:
                stack.pop()
        label = clean(p.text("the node's name in quotes"))
        spec: dict[str, Any] = {"kind": {"c": "chance", "p": "decision", "t": "terminal"}[kind], "label": label,
                                "children": []}
        if kind == "p":
            player = p.integer("the player number", low=1, high=n) - 1
            number = p.integer("the information set number", low=1)
            declared = _declared_actions(p) if p.tok.kind == "text" else None
            key = (player, number)
            if key not in infosets:
                if declared is None:
                    raise error(p.source, line, f"information set {number} of {players[player]} is used before it is declared "
                                 "(give its label and actions the first time)")
                infosets[key] = len(sets)
                sets.append({"player": player, "label": declared[0], "raw": declared[1],
                             "actions": distinct(declared[1]), "nodes": []})
            elif declared is not None and declared != (sets[infosets[key]]["label"], sets[infosets[key]]["raw"]):
                raise error(p.source, line, f"information set {number} of {players[player]} is declared again with other "
                             "actions or label")
            h = infosets[key]
            sets[h]["nodes"].append(node_id)
            spec.update(player=player, infoset=h)
            width = len(sets[h]["actions"])
        elif kind == "c":
            number = p.integer("the chance information set number", low=1)
            declared = _declared_chance(p) if p.tok.kind == "text" else None
            if number not in chance:
                if declared is None:
                    raise error(p.source, line, f"chance information set {number} is used before it is declared")
                _check_probabilities(p, declared[1], line)
                chance[number] = declared
            elif declared is not None and declared != chance[number]:
                raise error(p.source, line, f"chance information set {number} is declared again with other actions or "
                             "probabilities")
            raw, probs, _ = chance[number]
            spec.update(actions=tuple(distinct(raw)), probs=tuple(probs))
            width = len(probs)
        else:
            width = 0
        here, named = _outcome(p, outcomes, players, above, line)
        if kind == "t":
            spec["payoffs"] = tuple(here)
            spec["label"] = label or clean(named)  # a terminal is known by its outcome's name
        else:
            stack.append([node_id, width, here])
        specs.append(spec)
        lines.append(line)
        if not stack:
            break
    if p.tok.kind != "end":
        raise p.fail(f"unexpected {p.tok.shown()} after the last node of the tree")
    return _build(title, players, description, specs, sets, lines, source)


def _declared_actions(p: Parser) -> tuple[str, list[str]]:
    label = p.advance().value
    actions = p.texts("action labels")
    if not actions:
        raise p.fail("an information set needs at least one action")
    return label, actions


def _declared_chance(p: Parser) -> tuple[list[str], list[Fraction], str]:
    label = p.advance().value
    p.expect("{", "'{' opening the chance outcomes")
    actions, probs = [], []
    while p.tok.kind == "text":
        actions.append(p.advance().value)
        tok = p.expect("number", f"the probability of chance outcome {actions[-1]!r}")
        probs.append(tok.value[0])
    p.expect("}", "a quoted chance outcome or '}'")
    if not actions:
        raise p.fail("a chance node needs at least one outcome")
    return actions, probs, label


def _check_probabilities(p: Parser, probs: list[Fraction], line: int) -> None:
    if any(x < 0 for x in probs):
        raise error(p.source, line, f"chance probability {min(probs)} is negative")
    if abs(sum(probs) - 1) > PROB_TOL:
        raise error(p.source, line, f"chance probabilities sum to {sum(probs)}, not 1")


def _outcome(p: Parser, outcomes: dict, players: list[str], above: list[Fraction],
             line: int) -> tuple[list[Fraction], str]:
    """The outcome of a node (``number ["label" { payoffs }]``) added to what is above it, and its label."""
    number = p.integer("the outcome number (0 for none)", low=0)
    if p.tok.kind == "text":
        if number == 0:
            raise p.fail("outcome 0 is the null outcome and takes no label or payoffs")
        label = p.advance().value
        values = p.payoffs(len(players), f"outcome {number}")
        if number in outcomes and outcomes[number] != (label, values):
            raise error(p.source, line, f"outcome {number} is declared again with other payoffs or label")
        outcomes[number] = (label, values)
    elif number and number not in outcomes:
        raise error(p.source, line, f"outcome {number} is used before it is declared (give its label and payoffs the first time)")
    if not number:
        return list(above), ""
    return [a + b for a, b in zip(above, outcomes[number][1])], outcomes[number][0]


def _build(title, players, description, specs, sets, lines, source) -> ExtensiveGame:
    nodes = [Node(kind=s["kind"], player=s.get("player"), infoset=s.get("infoset"), children=tuple(s["children"]),
                  probs=s.get("probs", ()), actions=s.get("actions", ()), payoffs=s.get("payoffs", ()),
                  label=s["label"]) for s in specs]
    infos = [InfoSet(h["player"], tuple(h["actions"]), tuple(h["nodes"]), clean(h["label"])) for h in sets]
    try:
        return ExtensiveGame(title, tuple(players), tuple(nodes), tuple(infos), description=description)
    except TreeError as exc:
        at = exc.node if exc.node is not None else (sets[exc.infoset]["nodes"][0] if exc.infoset is not None else 0)
        raise error(source, lines[at], exc.message) from None


# ---------------------------------------------------------------------- reading either
def read_game(path: str | Path) -> NormalForm | ExtensiveGame:
    """A Gambit file by its suffix: ``.nfg`` -> :class:`NormalForm`, ``.efg`` -> ExtensiveGame."""
    suffix = Path(path).suffix.lower()
    if suffix == ".nfg":
        return read_nfg(path)
    if suffix == ".efg":
        return read_efg(path)
    raise InputError(f"not a Gambit game file (expected a name ending in {' or '.join(GAMBIT_SUFFIXES)})",
                     file=str(path))


# ---------------------------------------------------------------------- writing
def _quote(text: str, what: str) -> str:
    if text.endswith("\\") or '\\"' in text:
        raise InputError(f"{what} {text!r} has a backslash before a quote or at its end, which a Gambit file "
                         "cannot hold", key=what)
    return '"' + text.replace('"', '\\"') + '"'


def _num(x: Any) -> str:
    """A number as Gambit reads it exactly: integers plain, rationals ``p/q``, floats in shortest form."""
    if isinstance(x, (int, Fraction)) and not isinstance(x, bool):
        return str(x)
    x = float(x)
    if not math.isfinite(x):
        raise InputError(f"{x} is not a finite number", key="payoffs")
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _exact_probs(probs: tuple) -> list[Fraction]:
    """Chance probabilities as rationals that sum to exactly 1 (floats rounded to nearby simple ones)."""
    out = [p if isinstance(p, (int, Fraction)) else Fraction(float(p)).limit_denominator(10 ** 9) for p in probs]
    out = [Fraction(p) for p in out]
    rest = 1 - sum(out[:-1])
    if rest >= 0:
        out[-1] = rest
    return out


def nfg_text(game: Any) -> str:
    """The ``.nfg`` text (payoff version, with strategy labels) of a StageGame, a NormalFormGame or a
    :class:`NormalForm`."""
    if isinstance(game, NormalForm):
        title, players, strategies, payoffs, comment = (game.title, game.players, game.strategies, game.payoffs,
                                                       game.comment)
    elif hasattr(game, "n_players"):  # a NormalFormGame: one tensor per player
        title, players, strategies, payoffs, comment = game.name, game.player_names, game.actions, game.payoffs, ""
    else:
        title, players, strategies, comment = game.name, game.player_names, game.actions, ""
        payoffs = (np.asarray(game.A, dtype=float), np.asarray(game.B, dtype=float))
    n = len(players)
    lines = [f"NFG 1 R {_quote(title, 'title')} {{ " + " ".join(_quote(x, 'player') for x in players) + " }", ""]
    lines.append("{ " + "\n".join("{ " + " ".join(_quote(s, "strategy") for s in strats) + " }"
                                  for strats in strategies) + "\n}")
    lines += [_quote(comment, "comment"), ""]
    shape = tuple(len(s) for s in strategies)
    order = tuple(reversed(range(n)))
    flat = [np.asarray(U, dtype=float).transpose(order).reshape(-1) for U in payoffs]  # first player fastest
    row = shape[0]
    for start in range(0, math.prod(shape), row):
        lines.append(" ".join(_num(flat[k][c]) for c in range(start, start + row) for k in range(n)))
    return "\n".join(lines) + "\n"


def write_nfg(game: Any, path: str | Path) -> None:
    """Write a StageGame (or :class:`NormalForm`) as a Gambit ``.nfg`` file, atomically."""
    write_text_atomic(path, nfg_text(game), what=str(path))


def efg_text(game: ExtensiveGame) -> str:
    """The ``.efg`` text of an extensive game: nodes in prefix order, payoffs at the terminals.

    Gambit wants node names unique within a game: a terminal's label is written as its outcome's
    name (which may repeat), and the name of any other node only when no other node shares it.
    """
    lines = [f"EFG 2 R {_quote(game.name, 'title')} {{ " + " ".join(_quote(x, 'player') for x in game.players)
             + " }", _quote(game.description, "description"), ""]
    count: dict[str, int] = {}
    for node in game.nodes:
        if node.kind != "terminal":
            count[node.label] = count.get(node.label, 0) + 1
    numbers: dict[int, int] = {}  # infoset index -> its number among its player's sets
    per_player = [0] * game.n_players
    chance = outcome = 0
    for i in game.preorder:
        node = game.nodes[i]
        name = _quote(node.label if count.get(node.label) == 1 else "", "node label")
        if node.kind == "decision":
            h = game.infosets[node.infoset]
            if node.infoset not in numbers:
                per_player[h.player] += 1
                numbers[node.infoset] = per_player[h.player]
            actions = " ".join(_quote(a, "action") for a in h.actions)
            lines.append(f"p {name} {h.player + 1} {numbers[node.infoset]} {_quote(h.label, 'infoset label')} "
                         f"{{ {actions} }} 0")
        elif node.kind == "chance":
            chance += 1
            pairs = " ".join(f"{_quote(a, 'action')} {_num(p)}" for a, p in zip(node.actions, _exact_probs(node.probs)))
            lines.append(f'c {name} {chance} "" {{ {pairs} }} 0')
        else:
            outcome += 1
            payoffs = " ".join(_num(v) for v in node.payoffs)
            lines.append(f't "" {outcome} {_quote(node.label, "outcome label")} {{ {payoffs} }}')
    return "\n".join(lines) + "\n"


def write_efg(game: ExtensiveGame, path: str | Path) -> None:
    """Write an extensive game as a Gambit ``.efg`` file, atomically."""
    write_text_atomic(path, efg_text(game), what=str(path))
