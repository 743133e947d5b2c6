"""Normal-form games of any number of players: one payoff tensor per player.

A :class:`NormalFormGame` is to N players what :class:`~sim.model.game.StageGame` is to two:
``payoffs[k]`` is player k's payoff tensor, of shape ``shape = (n_0, ..., n_{N-1})`` with axis k
indexing player k's actions in declaration order. A two-player game converts both ways
(:meth:`StageGame.to_normal_form <sim.model.game.StageGame.to_normal_form>` and
:meth:`StageGame.from_normal_form <sim.model.game.StageGame.from_normal_form>`), so every
two-player path keeps the fast bimatrix solvers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from sim.errors import InputError
from sim.model.actions import LeverInfo
from sim.render import HtmlRepr

if TYPE_CHECKING:  # pragma: no cover
    from sim.model.scenario import Scenario

__all__ = ["NormalFormGame"]


@dataclass(frozen=True, eq=False)
class NormalFormGame(HtmlRepr):
    """An N-player normal-form game (N >= 2).

    Attributes
    ----------
    name : scenario name.
    player_ids, player_names : one per player, declaration order.
    actions : per player, its action labels.
    payoffs : per player, a float tensor of shape :attr:`shape` (axis k = player k's actions).
    terms : per player, ``{term name: tensor}``; ``payoffs[k] == sum(terms[k].values())``.
    levers : per player, its levers in scenario order.
    action_levels : per player, int array ``(n_actions, n_levers)`` of level indices.
    discount : per-round discount factor of each player.
    units : the payoff unit.
    cooperative : index of each player's cooperative action, or ``None``.
    """

    name: str
    player_ids: tuple[str, ...]
    player_names: tuple[str, ...]
    actions: tuple[tuple[str, ...], ...]
    payoffs: tuple[np.ndarray, ...]
    terms: tuple[Mapping[str, np.ndarray], ...]
    levers: tuple[tuple[LeverInfo, ...], ...]
    action_levels: tuple[np.ndarray, ...]
    discount: tuple[float, ...] = ()
    units: str = ""
    cooperative: tuple[int, ...] | None = None
    scenario: "Scenario | None" = field(default=None, repr=False)

    def __post_init__(self) -> None:
        n = len(self.player_ids)
        shape = tuple(len(a) for a in self.actions)
        if n < 2 or len(self.actions) != n or len(self.payoffs) != n:
            raise ValueError(f"a normal-form game needs >= 2 players with actions and payoffs for each, got {n}")
        for k, tensor in enumerate(self.payoffs):
            if tensor.shape != shape:
                raise ValueError(f"payoff tensor of player {self.player_ids[k]} has shape {tensor.shape}, "
                                 f"expected {shape}")
        if not self.discount:
            object.__setattr__(self, "discount", (0.9,) * n)

    # ----------------------------------------------------------------- shape
    @property
    def n_players(self) -> int:
        return len(self.player_ids)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(a) for a in self.actions)

    @property
    def profiles(self) -> int:
        """Number of pure action profiles."""
        return int(np.prod(self.shape))

    def payoff_array(self) -> np.ndarray:
        """All payoffs stacked: shape ``(N, n_0, ..., n_{N-1})``."""
        return np.stack(self.payoffs)

    def player_index(self, player: str | int) -> int:
        """Index of a player given by id or index; ``InputError`` naming the ids otherwise."""
        if isinstance(player, (int, np.integer)) and 0 <= int(player) < self.n_players:
            return int(player)
        if player in self.player_ids:
            return self.player_ids.index(player)  # type: ignore[arg-type]
        raise InputError(f"unknown player {player!r} (players: {', '.join(self.player_ids)})", key="player")

    def action_index(self, player: str | int, label: str) -> int:
        """Index of the action labelled ``label`` of ``player``; ``KeyError`` if none."""
        try:
            return self.actions[self.player_index(player)].index(label)
        except ValueError:
            raise KeyError(label) from None

    def profile_labels(self, profile: Sequence[int]) -> dict[str, str]:
        """``{player id: action label}`` of a pure profile."""
        return {pid: self.actions[k][int(a)] for k, (pid, a) in enumerate(zip(self.player_ids, profile))}

    def hostility(self, player: int) -> np.ndarray:
        """Escalation rank of each action of ``player`` in [0, 1] (as :meth:`StageGame.hostility`)."""
        levels = self.action_levels[player]
        sizes = np.array([lv.size for lv in self.levers[player]], dtype=float)
        scale = np.where(sizes > 1, sizes - 1, 1.0)
        return (levels / scale).mean(axis=1)

    # ----------------------------------------------------------------- building
    @classmethod
    def from_arrays(
        cls,
        payoffs: Sequence[Any],
        *,
        actions: Sequence[Sequence[str]] | None = None,
        player_ids: Sequence[str] | None = None,
        name: str = "game",
        discount: Sequence[float] | None = None,
        cooperative: Sequence[int] | None = None,
        units: str = "",
    ) -> "NormalFormGame":
        """A game from one payoff tensor per player (or one array of shape ``(N, n_0, ..., n_{N-1})``).

        Each player gets one lever ``action`` whose levels are its actions, conciliatory first.
        """
        tensors = tuple(np.asarray(p, dtype=float) for p in payoffs)
        n = len(tensors)
        if n < 2:
            raise ValueError(f"needs at least two players, got {n}")
        shape = tensors[0].shape
        if len(shape) != n or any(t.shape != shape for t in tensors):
            raise ValueError(f"expected {n} tensors of one shape with {n} axes, got shapes {[t.shape for t in tensors]}")
        ids = tuple(player_ids) if player_ids is not None else tuple(f"p{k + 1}" for k in range(n))
        if len(ids) != n:
            raise ValueError(f"{len(ids)} player ids for {n} players")
        if actions is None:
            actions = tuple(tuple(f"a{i}" for i in range(size)) for size in shape)
        acts = tuple(tuple(a) for a in actions)
        levers = tuple((LeverInfo("action", tuple(float(i) for i in range(len(a))), a),) for a in acts)
        return cls(
            name=name,
            player_ids=ids,
            player_names=ids,
            actions=acts,
            payoffs=tensors,
            terms=tuple({"payoff": t} for t in tensors),
            levers=levers,
            action_levels=tuple(np.arange(len(a))[:, None] for a in acts),
            discount=tuple(discount) if discount is not None else (0.9,) * n,
            units=units,
            cooperative=tuple(cooperative) if cooperative is not None else None,
        )

    # ----------------------------------------------------------------- notebooks
    def _repr_html_(self) -> str:  # pragma: no cover - exercised in notebooks
        head = " × ".join(f"{escape(pid)} ({len(a)})" for pid, a in zip(self.player_ids, self.actions))
        return f"<p><b>{escape(self.name)}</b>: {self.n_players}-player game, {head} = {self.profiles:,} profiles</p>"
