"""The reduced normal form of a two-player extensive game (used by :mod:`sim.stage.extensive`).

A pure strategy chooses an action at each of the player's information sets; strategies that differ
only at sets the player's own choices make unreachable are one *reduced* strategy. They are listed
in the order Gambit generates them (``GamePlayerRep::MakeReducedStrats``: a walk of the tree in
prefix order that branches at each of the player's information sets the first time it is met, the
first set met varying slowest) and labelled by their choices in the order the sets are met, ``*``
where a set is unreachable (``"Pass.Take"``; ``"1*"`` when every action label is one character), or
by their number when two labels would read alike. Payoffs are expectations over chance, computed
through each player's own sequences: a strategy reaches a terminal when it makes every own choice on
the path to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.model.game import StageGame
from sim.model.scenario import MAX_ACTIONS
from sim.model.tree import ExtensiveGame

__all__ = ["ReducedStrategies", "reduced_strategies", "reduced_normal_form", "reduced_payoffs", "consistency",
           "MAX_WORK"]

#: Most steps of the reduced-form enumeration (nodes visited over all strategies), and a tenth of
#: the most terminal x strategy-pair products of its payoffs; larger trees are refused.
MAX_WORK = 50_000_000


@dataclass(frozen=True)
class ReducedStrategies:
    """A player's reduced strategies: ``choices[s, k]`` is the action of strategy ``s`` at the
    player's ``k``-th information set (``infosets[k]``, in the order they are met), -1 where the
    strategy makes it unreachable."""

    player: int
    infosets: tuple[int, ...]
    choices: np.ndarray
    labels: tuple[str, ...]


def reduced_strategies(game: ExtensiveGame, player: int) -> ReducedStrategies:
    """The reduced strategies of ``player`` in Gambit's order (see the module docstring)."""
    order: dict[int, int] = {}
    for i in game.preorder:
        node = game.nodes[i]
        if node.kind == "decision" and node.player == player and node.infoset not in order:
            order[node.infoset] = len(order)
    found: list[dict[int, int]] = []
    frames: list[tuple[Any, dict[int, int]]] = [((0, None), {})]  # pending nodes as a linked list
    steps = 0
    while frames:
        pending, behav = frames.pop()
        while pending is not None:
            i, pending = pending
            steps += 1
            node = game.nodes[i]
            if node.kind == "terminal":
                continue
            if node.kind == "decision" and node.player == player:
                h = node.infoset
                if h in behav:
                    pending = (node.children[behav[h]], pending)
                    continue
                for a in reversed(range(len(node.children))):
                    frames.append(((node.children[a], pending), {**behav, h: a}))
                break
            for c in reversed(node.children):
                pending = (c, pending)
        else:
            found.append(behav)
            if len(found) > MAX_ACTIONS:
                raise InputError(f"{game.players[player]} has more than {MAX_ACTIONS:,} reduced strategies: the "
                                 "normal form is too large", key="game")
        if steps > MAX_WORK:
            raise InputError(f"listing the reduced strategies of {game.players[player]} takes more than "
                             f"{MAX_WORK:,} steps: the tree is too large for the normal form", key="game")
    infosets = tuple(order)
    choices = np.full((len(found), len(infosets)), -1, dtype=np.int64)
    for s, behav in enumerate(found):
        for h, a in behav.items():
            choices[s, order[h]] = a
    return ReducedStrategies(player, infosets, choices, _labels(game, infosets, choices))


def _labels(game: ExtensiveGame, infosets: tuple[int, ...], choices: np.ndarray) -> tuple[str, ...]:
    if not infosets:
        return ("(no move)",)
    acts = [game.infosets[h].actions for h in infosets]
    sep = "" if len(infosets) > 1 and all(len(a) == 1 for x in acts for a in x) else "."
    labels = tuple(sep.join(acts[k][a] if a >= 0 else "*" for k, a in enumerate(row)) for row in choices)
    return labels if len(set(labels)) == len(labels) else tuple(str(s + 1) for s in range(len(choices)))


def consistency(game: ExtensiveGame, rs: ReducedStrategies) -> tuple[np.ndarray, tuple[int, ...]]:
    """``C[s, q]``: strategy ``s`` makes every own choice of sequence ``q``; and each node's sequence."""
    at, table = game.own_sequences(rs.player)
    column = {h: k for k, h in enumerate(rs.infosets)}
    C = np.zeros((len(rs.choices), len(table)), dtype=bool)
    C[:, 0] = True
    for q in range(1, len(table)):
        parent, h, a = table[q]
        C[:, q] = C[:, parent] & (rs.choices[:, column[h]] == a)
    return C, at


def _reach_chance(game: ExtensiveGame) -> list[float]:
    reach = [1.0] * len(game.nodes)
    for i in game.preorder:
        node = game.nodes[i]
        for k, c in enumerate(node.children):
            reach[c] = reach[i] * (float(node.probs[k]) if node.kind == "chance" else 1.0)
    return reach


def reduced_payoffs(game: ExtensiveGame) -> tuple[list[ReducedStrategies], np.ndarray, np.ndarray]:
    """Both players' reduced strategies and the payoff matrices ``(A, B)`` over them."""
    if game.n_players != 2:
        raise InputError(f"the reduced normal form is for two players; this game has {game.n_players}", key="game")
    rs = [reduced_strategies(game, p) for p in range(2)]
    m, n = len(rs[0].choices), len(rs[1].choices)
    Z = game.terminals
    if m * n * len(Z) > MAX_WORK * 10:
        raise InputError(f"the normal form ({m:,} x {n:,} strategies over {len(Z):,} terminals) is too large",
                         key="game")
    (C1, at1), (C2, at2) = consistency(game, rs[0]), consistency(game, rs[1])
    reach = _reach_chance(game)
    A, B = np.zeros((m, n)), np.zeros((m, n))
    chunk = max(1, 4_000_000 // (m + n))
    for start in range(0, len(Z), chunk):
        zs = Z[start:start + chunk]
        R1 = C1[:, [at1[z] for z in zs]].astype(float)
        R2 = C2[:, [at2[z] for z in zs]].astype(float)
        w = np.array([[reach[z] * float(v) for v in game.nodes[z].payoffs] for z in zs])
        A += (R1 * w[:, 0]) @ R2.T
        B += (R1 * w[:, 1]) @ R2.T
    return rs, A, B


def reduced_normal_form(game: ExtensiveGame) -> StageGame:
    """The reduced normal form of a two-player extensive game, as a :class:`StageGame`.

    Rows are the first player's reduced strategies, columns the second's (labels as Gambit's reduced
    strategies, see the module docstring); payoffs are expectations over chance moves.
    """
    rs, A, B = reduced_payoffs(game)
    return StageGame.from_matrices(A, B, actions=(rs[0].labels, rs[1].labels), player_ids=tuple(game.players),
                                   name=game.name)
