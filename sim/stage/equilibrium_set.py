"""What an equilibrium search returns: verified equilibria and a record of how they were found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.render import HtmlRepr
from sim.stage.dominance import DominanceResult
from sim.stage.labels import records_frame, strategy_text, text_table

__all__ = ["Equilibrium", "EquilibriumSet"]


@dataclass(frozen=True)
class Equilibrium:
    """A verified Nash equilibrium ``(row, col)`` of mixed strategies over the full action sets."""

    row: np.ndarray
    col: np.ndarray
    payoffs: tuple[float, float]
    regret: tuple[float, float]
    exact: bool | None = None

    @property
    def support(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return tuple(np.nonzero(self.row > 0)[0].tolist()), tuple(np.nonzero(self.col > 0)[0].tolist())

    @property
    def is_pure(self) -> bool:
        return len(self.support[0]) == 1 and len(self.support[1]) == 1

    def to_dict(self, actions=None, player_ids=("row", "col")) -> dict:
        strat = {}
        for p, s in enumerate((self.row, self.col)):
            labels = actions[p] if actions is not None else [str(i) for i in range(len(s))]
            strat[player_ids[p]] = {labels[i]: float(s[i]) for i in np.nonzero(s > 0)[0]}
        return {
            "strategies": strat,
            "payoffs": {player_ids[p]: float(self.payoffs[p]) for p in range(2)},
            "regret": {player_ids[p]: float(self.regret[p]) for p in range(2)},
            "exact": self.exact,
        }


@dataclass(frozen=True)
class EquilibriumSet(HtmlRepr):
    """Equilibria of one game and how they were found.

    Attributes
    ----------
    equilibria : the extreme equilibria found (pure ones first, then by support size).
    method : the method actually used (``auto`` resolves to one of the others).
    requested : the method asked for.
    complete : True when the method guarantees these are all extreme equilibria (vertex
        enumeration that finished; support enumeration of a game found nondegenerate; pure).
    partial : True when the time budget stopped the search.
    degenerate : degeneracy was detected in the game searched (the reduced game when dominated
        actions were removed first): some mixed strategy with more pure best responses than its
        support size. The equilibrium set may then contain continua, see ``components``.
    components : indices of equilibria in one connected component (extreme equilibria joined when
        they share a strategy of either player; the convex hull of each pair so joined consists of
        equilibria).
    tol, parameters, notes, stats, elapsed : provenance.
    dominance : the elimination record when the game was reduced first.
    """

    equilibria: tuple[Equilibrium, ...]
    method: str
    requested: str
    complete: bool
    partial: bool
    degenerate: bool
    components: tuple[tuple[int, ...], ...]
    tol: float
    parameters: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict)
    elapsed: float = 0.0
    dominance: DominanceResult | None = None
    actions: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    player_ids: tuple[str, str] = ("row", "col")

    def __len__(self) -> int:
        return len(self.equilibria)

    def __iter__(self):
        return iter(self.equilibria)

    def __getitem__(self, i: int) -> Equilibrium:
        return self.equilibria[i]

    def to_dict(self) -> dict:
        return {
            "equilibria": [e.to_dict(self.actions, self.player_ids) for e in self.equilibria],
            "degenerate": self.degenerate,
            "method": self.method,
            "requested_method": self.requested,
            "complete": self.complete,
            "partial": self.partial,
            "components": [list(c) for c in self.components],
            "tol": self.tol,
            "parameters": self.parameters,
            "notes": list(self.notes),
            "stats": self.stats,
            "elapsed_seconds": self.elapsed,
            "dominance": None if self.dominance is None else self.dominance.to_dict(),
        }

    def records(self) -> list[dict[str, Any]]:
        """One record per equilibrium: each side's strategy (action labels), payoffs and regrets."""
        rows = []
        for k, e in enumerate(self.equilibria, 1):
            d = e.to_dict(self.actions, self.player_ids)
            row: dict[str, Any] = {"equilibrium": k}
            for pid in self.player_ids:
                row[f"strategy.{pid}"] = strategy_text(d["strategies"][pid])
            for pid in self.player_ids:
                row[f"payoff.{pid}"] = d["payoffs"][pid]
            row["pure"] = e.is_pure
            rows.append(row)
        return rows

    def to_frame(self):
        """The equilibria as a :class:`pandas.DataFrame`, one row each (strategies by action label)."""
        columns = ["equilibrium", *(f"strategy.{p}" for p in self.player_ids),
                   *(f"payoff.{p}" for p in self.player_ids), "pure"]
        return records_frame(self.records(), columns)

    def __str__(self) -> str:
        state = "complete" if self.complete else ("partial: time budget" if self.partial else "not guaranteed complete")
        title = (f"{len(self.equilibria)} Nash equilibri{'um' if len(self.equilibria) == 1 else 'a'} by "
                 f"{self.method} ({state}{'; degenerate game' if self.degenerate else ''})")
        return text_table(self.records(), title)

    __repr__ = __str__
