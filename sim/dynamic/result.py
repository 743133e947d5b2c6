"""What a Markov-perfect search returns: a policy per round (one if stationary), values, and how it
was found and checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.render import HtmlRepr

__all__ = ["MarkovPerfectEquilibrium"]


@dataclass(frozen=True, eq=False)
class MarkovPerfectEquilibrium(HtmlRepr):
    """A Markov perfect equilibrium of a game with state.

    Attributes
    ----------
    horizon : number of rounds, or ``None`` (infinite horizon, stationary policy).
    row, col : ``(T, S, m)`` and ``(T, S, n)`` mixed actions per round and state (``T = 1`` if
        stationary).
    values : ``(T, S, 2)`` each player's expected discounted payoff from that round on.
    method : ``backward induction``, ``pure enumeration``, ``value iteration`` or ``Shapley``.
    selection : the rule that picked one stage equilibrium where several exist.
    multiplicity : number of (round, state) stage games in which more than one equilibrium was
        found (0: the equilibrium is unique given the search).
    verified : no player gains by a one-shot deviation in any state (and round) by more than ``tol``
        (relative to its payoff range); ``max_regret`` is the largest gain found.
    iterations, residual : of value iteration (``None`` otherwise).
    state_keys, player_ids, actions : labels.
    """

    horizon: int | None
    row: np.ndarray = field(repr=False)
    col: np.ndarray = field(repr=False)
    values: np.ndarray = field(repr=False)
    method: str
    selection: str
    multiplicity: int
    verified: bool
    max_regret: float
    tol: float
    state_keys: tuple[str, ...] = field(repr=False)
    player_ids: tuple[str, str]
    actions: tuple[tuple[str, ...], tuple[str, ...]] = field(repr=False)
    iterations: int | None = None
    residual: float | None = None
    discount: tuple[float, float] = (0.9, 0.9)
    notes: tuple[str, ...] = ()
    units: str = ""

    @property
    def stationary(self) -> bool:
        return self.horizon is None

    @property
    def is_pure(self) -> bool:
        return bool(((self.row > 1 - 1e-9).any(axis=-1).all()) and ((self.col > 1 - 1e-9).any(axis=-1).all()))

    def action(self, player: int, state: int, t: int = 0) -> np.ndarray:
        """Mixed action of ``player`` in ``state`` at round ``t`` (round 0 if stationary)."""
        pol = self.row if player == 0 else self.col
        return pol[0 if self.stationary else t, state]

    def policy_records(self) -> list[dict[str, dict[str, dict[str, float]]]]:
        """``[{state key: {player id: {action label: probability}}}]``, one entry per round."""
        out = []
        for t in range(self.row.shape[0]):
            rnd = {}
            for s, key in enumerate(self.state_keys):
                rnd[key] = {pid: {self.actions[p][a]: float(pr) for a, pr in enumerate(pol[t, s]) if pr > 1e-9}
                            for p, (pid, pol) in enumerate(zip(self.player_ids, (self.row, self.col)))}
            out.append(rnd)
        return out

    def value_records(self) -> list[dict[str, dict[str, float]]]:
        """``[{state key: {player id: value}}]``, one entry per round."""
        return [{key: {pid: float(self.values[t, s, p]) for p, pid in enumerate(self.player_ids)}
                 for s, key in enumerate(self.state_keys)} for t in range(self.values.shape[0])]

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``tradesim solve``'s ``markov_perfect`` items."""
        return {
            "horizon": self.horizon,
            "policy": self.policy_records(),
            "values": self.value_records(),
            "method": self.method,
            "selection": self.selection,
            "multiplicity": self.multiplicity,
            "pure": self.is_pure,
            "verified": self.verified,
            "max_regret": self.max_regret,
            "tol": self.tol,
            "iterations": self.iterations,
            "residual": self.residual,
            "discount": dict(zip(self.player_ids, self.discount)),
            "notes": list(self.notes),
            "units": self.units,
        }
