"""What a strategy knows about the game from one side: precomputed tables around the truce.

Hostility comes from lever order (levels are listed conciliatory first). The *escalation ladder*
runs from the cooperative action (rung 0) to maximum pressure (every lever at its most hostile
level), moving every lever proportionally; "mirror the other side" maps the opponent's escalation
rank onto it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Mapping

import numpy as np

from sim.model.actions import default_cooperative
from sim.model.game import StageGame
from sim.repeated.punishment import reversion_equilibrium
from sim.stage.security import minmax_profile

__all__ = ["PlayerContext"]


def _best_response_table(payoff: np.ndarray, hostility: np.ndarray) -> np.ndarray:
    """Own best reply to each opponent action; ties go to the least hostile action."""
    best = payoff.max(axis=0, keepdims=True)
    tied = payoff >= best - 1e-12 * (1.0 + np.abs(best))
    cost = np.where(tied, hostility[:, None], np.inf)
    return np.argmin(cost, axis=0).astype(np.int64)


@dataclass(frozen=True, eq=False)
class PlayerContext:
    """What a strategy knows about the game from one player's side (precomputed tables).

    Attributes
    ----------
    game : the stage game.
    player : 0 (row) or 1 (column).
    payoff : own payoffs, shape ``(n_own, n_opp)`` (own actions on rows for either player).
    opp_payoff : the opponent's payoffs on the same grid.
    hostility_own, hostility_opp : escalation rank in [0, 1] of each action (from lever order).
    coop_own, coop_opp : indices of the actions in the cooperative profile.
    max_own, max_opp : maximum-pressure actions (every lever at its most hostile level).
    ladder : own actions from ``coop_own`` (rung 0) to ``max_own`` (top rung).
    escalation_opp : the opponent's escalation of each of its actions relative to its
        cooperative action, in [0, 1].
    provocation : bool per opponent action: more hostile than its cooperative action.
    mirror : own action answering each opponent action rung for rung (tit for tat's reply).
    best_response : own myopic best reply to each opponent action.
    """

    game: StageGame
    player: int
    cooperative: tuple[int, int]
    payoff: np.ndarray
    opp_payoff: np.ndarray
    hostility_own: np.ndarray
    hostility_opp: np.ndarray
    coop_own: int
    coop_opp: int
    max_own: int
    max_opp: int
    ladder: np.ndarray
    escalation_opp: np.ndarray
    provocation: np.ndarray
    mirror: np.ndarray
    best_response: np.ndarray
    labels_own: tuple[str, ...]
    labels_opp: tuple[str, ...]

    @property
    def n_own(self) -> int:
        return self.payoff.shape[0]

    @property
    def n_opp(self) -> int:
        return self.payoff.shape[1]

    @property
    def rungs(self) -> int:
        """Number of rungs above the cooperative one (0 if coop is already maximum pressure)."""
        return len(self.ladder) - 1

    @cached_property
    def punishment(self) -> Mapping[str, np.ndarray]:
        """Own mixed action (probabilities over own actions) for each punishment mode.

        ``nash``: own part of the stage Nash equilibrium used for reversion; ``minmax``: the
        mix that holds the opponent to its minmax value; ``defect``: maximum pressure. Each mode
        is computed when first asked for (the minmax one solves an LP).
        """
        return _Modes(self)

    def punishment_pure(self, mode: str) -> int | None:
        """The punishment action if ``mode``'s punishment is pure, else ``None`` (cached)."""
        cache = self.__dict__.setdefault("_pure_punish", {})
        if mode not in cache:
            probs = self.punishment[mode]
            nz = np.flatnonzero(probs > 1e-12)
            cache[mode] = int(nz[0]) if nz.size == 1 else None
        return cache[mode]

    @classmethod
    def build(cls, game: StageGame, player: int, cooperative: tuple[int, int] | None = None) -> "PlayerContext":
        """Tables for ``player`` in ``game`` around the cooperative profile ``cooperative``.

        Cached per game object (games are immutable), so repeated matches on one game share them.
        """
        coop = default_cooperative(game) if cooperative is None else (int(cooperative[0]), int(cooperative[1]))
        try:  # kept on the game itself (as functools.cached_property does), so it dies with the game
            per_game = game.__dict__.setdefault("_player_contexts", {})
        except AttributeError:  # pragma: no cover - a game type without __dict__
            per_game = {}
        key = (int(player), coop)
        if key not in per_game:
            per_game[key] = cls._build(game, int(player), coop)
        return per_game[key]

    @classmethod
    def _build(cls, game: StageGame, player: int, coop: tuple[int, int]) -> "PlayerContext":
        other = 1 - player
        payoff = game.A if player == 0 else game.B.T
        opp_payoff = game.B if player == 0 else game.A.T
        payoff = np.ascontiguousarray(payoff, dtype=float)
        opp_payoff = np.ascontiguousarray(opp_payoff, dtype=float)
        h_own = np.asarray(game.hostility(player), dtype=float)
        h_opp = np.asarray(game.hostility(other), dtype=float)
        coop_own, coop_opp = coop[player], coop[other]
        max_own = _max_pressure(game, player)
        max_opp = _max_pressure(game, other)
        ladder = _ladder(game, player, coop_own, max_own)
        span = h_opp[max_opp] - h_opp[coop_opp]
        if span > 1e-12:
            esc = np.clip((h_opp - h_opp[coop_opp]) / span, 0.0, 1.0)
        else:
            esc = (np.arange(len(h_opp)) != coop_opp).astype(float)
        provocation = (h_opp > h_opp[coop_opp] + 1e-12) | ((span <= 1e-12) & (np.arange(len(h_opp)) != coop_opp))
        rungs = len(ladder) - 1
        rung = np.floor(esc * rungs + 0.5).astype(np.int64)
        rung = np.where(provocation & (rung == 0) & (rungs > 0), 1, rung)
        mirror = ladder[np.clip(rung, 0, rungs)]
        return cls(
            game=game,
            player=player,
            cooperative=coop,
            payoff=payoff,
            opp_payoff=opp_payoff,
            hostility_own=h_own,
            hostility_opp=h_opp,
            coop_own=int(coop_own),
            coop_opp=int(coop_opp),
            max_own=int(max_own),
            max_opp=int(max_opp),
            ladder=ladder,
            escalation_opp=esc,
            provocation=provocation,
            mirror=mirror.astype(np.int64),
            best_response=_best_response_table(payoff, h_own),
            labels_own=tuple(game.actions[player]),
            labels_opp=tuple(game.actions[other]),
        )


class _Modes(Mapping):
    """The punishment modes of a context, each computed on first use and kept."""

    _NAMES = ("nash", "minmax", "defect")

    def __init__(self, ctx: "PlayerContext"):
        self._ctx = ctx
        self._done: dict[str, np.ndarray] = {}

    def __getitem__(self, mode: str) -> np.ndarray:
        if mode not in self._NAMES:
            raise KeyError(mode)
        if mode not in self._done:
            ctx = self._ctx
            if mode == "nash":
                x, y = reversion_equilibrium(ctx.game, ctx.cooperative)
                self._done[mode] = np.asarray(x if ctx.player == 0 else y)
            elif mode == "minmax":
                _, punisher = minmax_profile(ctx.game, 1 - ctx.player)
                self._done[mode] = np.asarray(punisher)
            else:
                defect = np.zeros(ctx.n_own)
                defect[ctx.max_own] = 1.0
                self._done[mode] = defect
        return self._done[mode]

    def __iter__(self):
        return iter(self._NAMES)

    def __len__(self) -> int:
        return len(self._NAMES)


def _max_pressure(game: StageGame, player: int) -> int:
    levels = np.asarray(game.action_levels[player])
    tops = np.array([lv.size - 1 for lv in game.levers[player]])
    exact = np.flatnonzero((levels == tops).all(axis=1))
    if exact.size:
        return int(exact[0])
    return int(np.argmax(game.hostility(player)))


def _ladder(game: StageGame, player: int, coop: int, top: int) -> np.ndarray:
    """Own actions from ``coop`` to ``top``, every lever moving proportionally per rung."""
    levels = np.asarray(game.action_levels[player], dtype=float)
    sizes = np.array([lv.size for lv in game.levers[player]], dtype=float)
    scale = np.where(sizes > 1, sizes - 1, 1.0)
    lo, hi = levels[coop], levels[top]
    steps = int(np.max(np.abs(hi - lo))) if levels.size else 0
    if steps == 0:
        return np.array([coop] if coop == top else [coop, top], dtype=np.int64)
    hostility = np.asarray(game.hostility(player))
    rungs = [coop]
    for r in range(1, steps):
        target = lo + (hi - lo) * (r / steps)
        dist = (np.abs(levels - target) / scale).sum(axis=1)
        best = np.flatnonzero(dist <= dist.min() + 1e-12)
        rungs.append(int(best[np.argmin(hostility[best])]))
    rungs.append(top)
    return np.array(rungs, dtype=np.int64)


# ----------------------------------------------------------------------------- observation
