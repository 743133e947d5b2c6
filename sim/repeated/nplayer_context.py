"""What an N-player strategy knows about the game, what it sees each round, and the settings of play.

The two-player tables of :mod:`sim.repeated.context` generalise seat by seat. From player ``p``'s
seat, every *other* player ``q``'s action has an escalation rank in [0, 1] relative to ``q``'s
cooperative action (from lever order, :meth:`NormalFormGame.hostility
<sim.model.nplayer.NormalFormGame.hostility>`), and that rank maps onto a rung of ``p``'s own
*escalation ladder* (cooperative action at rung 0, maximum pressure at the top), exactly as the
two-player "mirror" table does: ``rung = round(rank x rungs)``, at least 1 for any provocation.
"Mirror the others" then takes the most hostile other's rung, the mean rung (rounded half up) or a
named player's rung. With two players all three are the two-player tit for tat's reply.

Settings are the two-player :class:`~sim.repeated.settings.PlaySettings`, with one discount factor
and one cooperative action per player (``perception_noise`` is always 0: every player sees the
actions actually played).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Mapping, Sequence

import numpy as np

from sim._random import counter_bits, resolve_seed, round_salt
from sim.errors import InputError
from sim.model.actions import resolve_action
from sim.model.nplayer import NormalFormGame
from sim.repeated.context import _ladder, _max_pressure
from sim.repeated.kernels import loaded_kernels
from sim.repeated.punishment import critical_discount
from sim.repeated.settings import (
    MAX_REPLICATES,
    PlaySettings,
    check_count,
    check_horizon,
    check_probability,
)

__all__ = ["NPlayerContext", "NObservation", "check_nplayer_settings", "cooperative_nprofile",
           "pure_nash_profiles", "pure_minmax", "reversion_profile", "profile_index", "best_deviation",
           "finite_or_none"]

_INV53 = 1.0 / (1 << 53)


# ----------------------------------------------------------------------------- settings
def cooperative_nprofile(game: NormalFormGame, spec: Any = None) -> tuple[int, ...]:
    """One cooperative action per player from ``None`` (the game's, else each player's least hostile
    action), a sequence of N actions, or ``{player id: action}`` (players left out keep the default).
    Actions are indices, labels or lever settings (:func:`sim.model.actions.resolve_action`)."""
    ids = tuple(game.player_ids)
    if game.cooperative is not None:
        default = tuple(int(c) for c in game.cooperative)
    else:
        default = tuple(int(np.argmin(game.hostility(p))) for p in range(game.n_players))
    if spec is None:
        return default
    if isinstance(spec, Mapping):
        unknown = [pid for pid in spec if pid not in ids]
        if unknown:
            raise InputError(f"no player {unknown[0]!r} (players: {', '.join(ids)})", key=f"cooperative.{unknown[0]}")
        return tuple(resolve_action(game, p, spec[pid], key=f"cooperative.{pid}") if pid in spec else default[p]
                     for p, pid in enumerate(ids))
    if isinstance(spec, (str, bytes)) or not isinstance(spec, Sequence) or len(spec) != len(ids):
        raise InputError(f"a profile names one action for each of the {len(ids)} players", key="cooperative")
    return tuple(resolve_action(game, p, a, key=f"cooperative.{ids[p]}") for p, a in enumerate(spec))


def _discounts(game: NormalFormGame, discount: Any) -> tuple[float, ...]:
    n = game.n_players
    if discount is None:
        d = tuple(float(x) for x in game.discount)
    elif isinstance(discount, Mapping):
        unknown = [pid for pid in discount if pid not in game.player_ids]
        if unknown:
            raise InputError(f"no player {unknown[0]!r} (players: {', '.join(game.player_ids)})", key="discount")
        d = tuple(float(discount.get(pid, game.discount[p])) for p, pid in enumerate(game.player_ids))
    elif isinstance(discount, (int, float, np.floating, np.integer)) and not isinstance(discount, bool):
        d = (float(discount),) * n
    else:
        d = tuple(discount)
    if len(d) != n:
        raise InputError(f"give one discount factor for each of the {n} players", key="discount")
    return tuple(check_probability(x, "discount") for x in d)


def check_nplayer_settings(
    game: NormalFormGame,
    *,
    rounds: int | None = None,
    continuation: float | None = None,
    max_rounds: int = 10_000,
    replicates: int = 1,
    noise: float = 0.0,
    discount: Any = None,
    cooperative: Any = None,
    seed: "int | np.random.Generator | None" = None,
) -> PlaySettings:
    """Validate the set-up of N-player play; :class:`InputError` names the first bad setting.

    The result is a :class:`PlaySettings` whose ``discount`` and ``cooperative`` have one entry per
    player and whose ``perception_noise`` is 0.
    """
    rounds, continuation, max_rounds = check_horizon(rounds, continuation, max_rounds)
    replicates = check_count(replicates, "replicates", MAX_REPLICATES)
    noise = check_probability(noise, "noise")
    disc = _discounts(game, discount)
    coop = cooperative_nprofile(game, cooperative)
    seed_value, seed_key = resolve_seed(seed)
    return PlaySettings(rounds, continuation, max_rounds, replicates, noise, 0.0, disc, coop,  # type: ignore[arg-type]
                        seed_value, seed_key)


# ----------------------------------------------------------------------------- stage analyses
def profile_index(game: NormalFormGame, profiles: np.ndarray) -> np.ndarray:
    """Flat (C-order) index into a payoff tensor of each profile in the last axis of ``profiles``."""
    profiles = np.asarray(profiles, dtype=np.int64)
    strides = np.cumprod((game.shape[1:] + (1,))[::-1])[::-1]
    return profiles @ strides.astype(np.int64)


def pure_nash_profiles(game: NormalFormGame, tol: float = 1e-12) -> list[tuple[int, ...]]:
    """Every pure Nash equilibrium of the stage game by brute force over the payoff tensors
    (a profile is one iff each player's payoff is the maximum along that player's axis)."""
    ok = np.ones(game.shape, dtype=bool)
    for p, U in enumerate(game.payoffs):
        best = U.max(axis=p, keepdims=True)
        ok &= U >= best - tol * (1.0 + np.abs(best))
    return [tuple(int(x) for x in idx) for idx in np.argwhere(ok)]


def pure_minmax(game: NormalFormGame, player: int) -> tuple[float, tuple[int, ...]]:
    """``player``'s minmax value when the others use pure actions, and the profile that attains it
    (the others' punishing actions, ``player``'s best reply to them).

    With three or more players this is an upper bound on the minmax value against independently
    mixing punishers (computing that one is a non-convex problem); with two, see
    :func:`sim.stage.security.minmax_profile` for the mixed value.
    """
    U = np.moveaxis(game.payoffs[player], player, -1)
    best = U.max(axis=-1)
    flat = int(np.argmin(best))  # first on a tie: the lowest profile of the others
    others = np.unravel_index(flat, best.shape)
    reply = int(np.argmax(U[others]))
    profile = list(int(x) for x in others)
    profile.insert(player, reply)
    return float(best.flat[flat]), tuple(profile)


def reversion_profile(game: NormalFormGame, cooperative: Sequence[int]) -> tuple[int, ...] | None:
    """The pure stage Nash equilibrium grim trigger reverts to: of all, the one that enforces the
    cooperative profile at the lowest discount factor (max over players); ``None`` if there is none."""
    profiles = pure_nash_profiles(game)
    if not profiles:
        return None
    coop = tuple(int(c) for c in cooperative)
    c = np.array([game.payoffs[p][coop] for p in range(game.n_players)])
    d = np.array([best_deviation(game, p, coop)[1] for p in range(game.n_players)])

    def worst(prof: tuple[int, ...]) -> float:
        pun = np.array([game.payoffs[p][prof] for p in range(game.n_players)])
        return float(np.max(critical_discount(c, d, pun)))

    scores = [worst(prof) for prof in profiles]
    return profiles[int(np.argmin(scores))]


def best_deviation(game: NormalFormGame, player: int, profile: tuple[int, ...]) -> tuple[int, float]:
    """``player``'s best one-shot deviation from ``profile``: (action, payoff); ties: lowest index."""
    index = list(profile)
    index[player] = slice(None)  # type: ignore[call-overload]
    row = game.payoffs[player][tuple(index)]
    a = int(np.argmax(row))
    return a, float(row[a])


# ----------------------------------------------------------------------------- context
@dataclass(frozen=True, eq=False)
class NPlayerContext:
    """What a strategy knows about the game from player ``player``'s seat (precomputed tables).

    Attributes
    ----------
    game, player, cooperative : the game, the seat, the cooperative profile (one action each).
    coop_own, max_own : own cooperative and maximum-pressure actions.
    ladder : own actions from ``coop_own`` (rung 0) to ``max_own`` (top rung).
    rung : per player ``q``, the own rung answering each of ``q``'s actions (own entry: zeros).
    provocation : per player ``q``, whether each of ``q``'s actions is more hostile than its
        cooperative action (own entry: all False).
    payoff_flat : own payoff tensor, flattened (index with :func:`profile_index`).
    others : indices of the other players.
    """

    game: NormalFormGame
    player: int
    cooperative: tuple[int, ...]
    coop_own: int
    max_own: int
    ladder: np.ndarray
    rung: tuple[np.ndarray, ...]
    provocation: tuple[np.ndarray, ...]
    payoff_flat: np.ndarray
    others: tuple[int, ...]

    @property
    def n_own(self) -> int:
        return len(self.game.actions[self.player])

    @property
    def rungs(self) -> int:
        return len(self.ladder) - 1

    @property
    def coop_payoff(self) -> float:
        return float(self.game.payoffs[self.player][self.cooperative])

    @cached_property
    def strides(self) -> np.ndarray:
        return np.cumprod((self.game.shape[1:] + (1,))[::-1])[::-1].astype(np.int64)

    @cached_property
    def nash_action(self) -> int | None:
        """Own action in the reversion stage equilibrium (``None``: no pure one)."""
        prof = reversion_profile(self.game, self.cooperative)
        return None if prof is None else int(prof[self.player])

    @cached_property
    def minmax_actions(self) -> np.ndarray:
        """Own action when punishing player ``j`` to its pure minmax (own best reply if ``j`` is self)."""
        return np.array([pure_minmax(self.game, j)[1][self.player] for j in range(self.game.n_players)],
                        dtype=np.int64)

    @classmethod
    def build(cls, game: NormalFormGame, player: int, cooperative: Sequence[int]) -> "NPlayerContext":
        """Tables for ``player`` around ``cooperative``, cached on the game (games are immutable)."""
        coop = tuple(int(c) for c in cooperative)
        per_game = game.__dict__.setdefault("_nplayer_contexts", {})
        key = (int(player), coop)
        if key not in per_game:
            per_game[key] = cls._build(game, int(player), coop)
        return per_game[key]

    @classmethod
    def _build(cls, game: NormalFormGame, player: int, coop: tuple[int, ...]) -> "NPlayerContext":
        max_own = _max_pressure(game, player)
        ladder = _ladder(game, player, coop[player], max_own)
        rungs = len(ladder) - 1
        rung_tables, provocation = [], []
        for q in range(game.n_players):
            h = np.asarray(game.hostility(q), dtype=float)
            n = len(h)
            if q == player:
                rung_tables.append(np.zeros(n, dtype=np.int64))
                provocation.append(np.zeros(n, dtype=bool))
                continue
            span = h[_max_pressure(game, q)] - h[coop[q]]
            if span > 1e-12:
                esc = np.clip((h - h[coop[q]]) / span, 0.0, 1.0)
            else:
                esc = (np.arange(n) != coop[q]).astype(float)
            prov = (h > h[coop[q]] + 1e-12) | ((span <= 1e-12) & (np.arange(n) != coop[q]))
            r = np.floor(esc * rungs + 0.5).astype(np.int64)
            r = np.where(prov & (r == 0) & (rungs > 0), 1, r)
            rung_tables.append(np.clip(r, 0, rungs))
            provocation.append(prov)
        return cls(game=game, player=player, cooperative=coop, coop_own=int(coop[player]), max_own=int(max_own),
                   ladder=np.asarray(ladder, dtype=np.int64), rung=tuple(rung_tables), provocation=tuple(provocation),
                   payoff_flat=np.ascontiguousarray(game.payoffs[player], dtype=float).ravel(),
                   others=tuple(q for q in range(game.n_players) if q != player))

    # ---- tables applied to a batch of last-round profiles (size, N)
    def other_rungs(self, last: np.ndarray) -> np.ndarray:
        """``(size, N - 1)``: the own rung answering each other player's last action."""
        return np.stack([self.rung[q][last[:, q]] for q in self.others], axis=1)

    def provoked(self, last: np.ndarray) -> np.ndarray:
        """``(size, N - 1)`` bool: which other players provoked last round."""
        return np.stack([self.provocation[q][last[:, q]] for q in self.others], axis=1)

    def own_payoff(self, last: np.ndarray) -> np.ndarray:
        """Own stage payoff of each profile in ``last`` ``(size, N)``."""
        return self.payoff_flat[last.astype(np.int64) @ self.strides]


# ----------------------------------------------------------------------------- observation
class NObservation:
    """What a strategy sees in a round, for a batch of replicates (one row each).

    Attributes
    ----------
    ctx : the :class:`NPlayerContext` of the seat this batch plays.
    t : the round being chosen (0-based).
    memory : the strategy's per-batch state (arrays of length ``size``); empty at ``t = 0``.
    size : replicates in the batch.

    Random draws (:meth:`uniform`) are keyed by (seed, match, replicate, seat, round, stream) exactly
    as in two-player play, so a two-player game draws the same numbers through either engine.
    """

    __slots__ = ("ctx", "_t", "memory", "size", "_hist", "_rows", "_keys", "_stream")

    def __init__(self, ctx: NPlayerContext, hist: np.ndarray, rows: "slice | np.ndarray", keys: np.ndarray):
        self.ctx = ctx
        self._t = 0
        self.memory: dict[str, Any] = {}
        self._hist = hist  # (T, R, N), filled round by round by the engine
        self._rows = rows
        self._keys = keys
        self.size = len(keys)
        self._stream = 0

    @property
    def t(self) -> int:
        return self._t

    @t.setter
    def t(self, value: int) -> None:
        self._t = value
        self._stream = 0

    @property
    def last(self) -> np.ndarray:
        """Every player's action last round, ``(size, N)`` (``t >= 1``)."""
        return self._hist[self._t - 1, self._rows]

    @property
    def history(self) -> np.ndarray:
        """Every player's past actions, ``(size, t, N)``."""
        return np.swapaxes(self._hist[: self._t, self._rows], 0, 1)

    def uniform(self, stream: int | None = None) -> np.ndarray:
        """Uniform [0, 1) draws, one per replicate (``stream`` 0..999 names the draw in the round)."""
        if stream is None:
            stream = self._stream
            self._stream += 1
        k = loaded_kernels()
        if k is not None:
            return k.uniform(self._keys, round_salt(self._t, 1000 + stream))
        return (counter_bits(self._keys, self._t, 1000 + stream) >> np.uint64(11)).astype(np.float64) * _INV53

    def full(self, action: int) -> np.ndarray:
        """The same action for every replicate."""
        return np.full(self.size, action, dtype=np.int64)


def finite_or_none(x: float) -> float | None:
    """``None`` for an infinite or NaN threshold (JSON has no infinity)."""
    return None if x is None or not math.isfinite(x) else float(x)
