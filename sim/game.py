"""The stage game: two players, their compound lever actions, and payoff matrices.

A :class:`StageGame` is what every analysis consumes. Row player is the scenario's first
player, column player the second. Each action of a player is one level of each of its
levers; classroom games given as plain matrices have a single lever named ``action``
whose levels are the listed actions (first = most conciliatory).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario import Scenario


@dataclass(frozen=True)
class LeverInfo:
    """One lever of a player as the game sees it: ordered levels, conciliatory first."""

    name: str
    levels: tuple[float, ...]
    labels: tuple[str, ...]
    unit: str = ""

    @property
    def size(self) -> int:
        return len(self.levels)


@dataclass(frozen=True, eq=False)
class StageGame:
    """A two-player normal-form game built from a scenario.

    Attributes
    ----------
    name : scenario name.
    player_ids, player_names : ``(row, col)``.
    actions : per player, the action labels (``"tariff=125%, tech=affiliates rule"``).
    A, B : payoff matrices of the row and column player, shape ``(m, n)``.
    terms : per player, ``{term name: (m, n) matrix}``; ``A == sum(terms[0].values())``.
    levers : per player, its levers in scenario order.
    action_levels : per player, int array ``(n_actions, n_levers)`` of level indices.
    discount : per-round discount factor of each player.
    units : the payoff unit (e.g. ``"USD bn per quarter"``).
    cooperative : index of each player's cooperative action, or ``None``.
    """

    name: str
    player_ids: tuple[str, str]
    player_names: tuple[str, str]
    actions: tuple[tuple[str, ...], tuple[str, ...]]
    A: np.ndarray
    B: np.ndarray
    terms: tuple[Mapping[str, np.ndarray], Mapping[str, np.ndarray]]
    levers: tuple[tuple[LeverInfo, ...], tuple[LeverInfo, ...]]
    action_levels: tuple[np.ndarray, np.ndarray]
    discount: tuple[float, float] = (0.9, 0.9)
    units: str = ""
    cooperative: tuple[int, int] | None = None
    scenario: "Scenario | None" = field(default=None, repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape

    def payoffs(self, player: int) -> np.ndarray:
        """Payoff matrix of ``player`` (0 = row, 1 = column), always rows = row player's actions."""
        return self.A if player == 0 else self.B

    def hostility(self, player: int) -> np.ndarray:
        """Escalation rank of each action of ``player`` in [0, 1].

        The mean over the player's levers of ``level index / (levels - 1)``; 0 is the most
        conciliatory setting of every lever, 1 the most hostile.
        """
        levels = self.action_levels[player]
        sizes = np.array([lv.size for lv in self.levers[player]], dtype=float)
        scale = np.where(sizes > 1, sizes - 1, 1.0)
        return (levels / scale).mean(axis=1)

    def action_index(self, player: int, label: str) -> int:
        """Index of the action labelled ``label`` for ``player``; ``KeyError`` if none."""
        try:
            return self.actions[player].index(label)
        except ValueError:
            raise KeyError(label) from None

    @classmethod
    def from_matrices(
        cls,
        A: Sequence[Sequence[float]] | np.ndarray,
        B: Sequence[Sequence[float]] | np.ndarray,
        *,
        actions: tuple[Sequence[str], Sequence[str]] | None = None,
        player_ids: tuple[str, str] = ("row", "col"),
        name: str = "game",
        discount: tuple[float, float] = (0.9, 0.9),
        cooperative: tuple[int, int] | None = None,
    ) -> "StageGame":
        """A game from two payoff matrices; each player has one lever ``action``.

        Actions are ordered conciliatory first, so in a prisoner's dilemma list ``C`` before ``D``.
        """
        A = np.asarray(A, dtype=float)
        B = np.asarray(B, dtype=float)
        if A.shape != B.shape or A.ndim != 2:
            raise ValueError(f"A and B must be matrices of one shape, got {A.shape} and {B.shape}")
        m, n = A.shape
        if actions is None:
            actions = (tuple(f"r{i}" for i in range(m)), tuple(f"c{j}" for j in range(n)))
        acts = (tuple(actions[0]), tuple(actions[1]))
        levers = tuple(
            (LeverInfo("action", tuple(float(i) for i in range(len(a))), a),) for a in acts
        )
        return cls(
            name=name,
            player_ids=player_ids,
            player_names=player_ids,
            actions=acts,
            A=A,
            B=B,
            terms=({"payoff": A}, {"payoff": B}),
            levers=levers,  # type: ignore[arg-type]
            action_levels=(np.arange(m)[:, None], np.arange(n)[:, None]),
            discount=discount,
            cooperative=cooperative,
        )
