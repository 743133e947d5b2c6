"""The machinery strategies run on: declared parameters, per-player context tables, the
observation a strategy sees each round, counter-based random numbers, and the base class.

Strategies themselves and their registry are in :mod:`sim.strategies`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Any, ClassVar, Mapping

import numpy as np

from sim.errors import InputError
from sim.game import StageGame

__all__ = [
    "Param",
    "PlayerContext",
    "Observation",
    "Strategy",
    "default_cooperative",
    "mix64",
    "counter_bits",
    "round_salt",
]


# ----------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class Param:
    """A declared strategy parameter: name, type, default and bounds (inclusive)."""

    name: str
    kind: type
    default: Any
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    doc: str = ""

    def coerce(self, value: Any, strategy: str) -> Any:
        key = f"{strategy}:{self.name}"
        if self.kind is bool:
            if isinstance(value, str):
                low = value.strip().lower()
                if low in ("1", "true", "yes", "on"):
                    return True
                if low in ("0", "false", "no", "off"):
                    return False
                raise InputError(f"expected a boolean, got {value!r}", key=key)
            return bool(value)
        if self.kind is str:
            value = str(value)
            if self.choices is not None and value not in self.choices:
                raise InputError(f"must be one of {', '.join(self.choices)}; got {value!r}", key=key)
            return value
        if self.kind is tuple:  # a path of actions: labels or indices
            if isinstance(value, str):
                items = [v.strip() for v in value.split("|") if v.strip()]
            else:
                items = list(np.atleast_1d(np.asarray(value, dtype=object)).tolist())
            if not items:
                raise InputError("the path is empty", key=key)
            return tuple(items)
        try:
            number = self.kind(value)
            if self.kind is int and isinstance(value, float) and value != int(value):
                raise ValueError
            if isinstance(value, str) and self.kind is int and not re.fullmatch(r"\s*[+-]?\d+\s*", value):
                raise ValueError
        except (TypeError, ValueError):
            raise InputError(f"expected {self.kind.__name__}, got {value!r}", key=key) from None
        if isinstance(number, float) and not math.isfinite(number):
            raise InputError(f"must be finite, got {value!r}", key=key)
        if self.low is not None and number < self.low:
            raise InputError(f"must be >= {self.low}, got {number}", key=key)
        if self.high is not None and number > self.high:
            raise InputError(f"must be <= {self.high}, got {number}", key=key)
        return number


# ----------------------------------------------------------------------------- context
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
        mix that holds the opponent to its minmax value; ``defect``: maximum pressure.
        """
        from sim.repeated import minmax_profile, reversion_equilibrium

        x, y = reversion_equilibrium(self.game, self.cooperative)
        nash = x if self.player == 0 else y
        _, punisher = minmax_profile(self.game, 1 - self.player)
        defect = np.zeros(self.n_own)
        defect[self.max_own] = 1.0
        return MappingProxyType({"nash": np.asarray(nash), "minmax": np.asarray(punisher), "defect": defect})

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


def default_cooperative(game: StageGame) -> tuple[int, int]:
    """The game's cooperative profile, or each player's least hostile action if it has none."""
    if game.cooperative is not None:
        return int(game.cooperative[0]), int(game.cooperative[1])
    return int(np.argmin(game.hostility(0))), int(np.argmin(game.hostility(1)))


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
_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def mix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on a uint64 array (a good 64-bit hash; wraps silently)."""
    x = np.array(x, dtype=np.uint64, copy=True)
    return _mix64_inplace(x)


def _mix64_inplace(x: np.ndarray) -> np.ndarray:
    y = x >> _S30
    x ^= y
    x *= _M1
    np.right_shift(x, _S27, out=y)
    x ^= y
    x *= _M2
    np.right_shift(x, _S31, out=y)
    x ^= y
    return x


def counter_bits(keys: np.ndarray, t: int, stream: int) -> np.ndarray:
    """64 random bits per key for round ``t`` and stream ``stream`` (counter-based, stateless)."""
    return _mix64_inplace(keys ^ round_salt(t, stream))


def round_salt(t: int, stream: int) -> np.uint64:
    """The 64-bit salt mixed into every key for round ``t`` and stream ``stream``."""
    return np.uint64((((t + 1) * _GOLDEN) ^ ((stream + 1) * 0xD1B54A32D192ED03)) & _MASK64)


def kernels() -> Any:
    """Compiled (numba) kernels for the hot loops, or ``None`` when numba is unavailable.

    Compiled on first use and cached on disk; results are bit-identical to the numpy versions.
    """
    from sim import engine

    return engine.kernels()


_INV53 = 1.0 / (1 << 53)


class Observation:
    """What a strategy sees in a round, for a batch of replicates (one row each).

    Attributes
    ----------
    ctx : :class:`PlayerContext` of the player this batch plays.
    t : the round being chosen (0-based); ``own``/``opp`` have ``t`` columns.
    memory : dict for the strategy's per-batch state (arrays of length ``size``); empty at t=0.
    size : number of replicates in the batch.

    Random draws (:meth:`uniform`, :meth:`sample`) are keyed by (seed, match, replicate, side,
    round, stream), so a replicate's draws do not depend on the rest of the batch as long as the
    stream numbers used in a round do not depend on the batch's data: pass explicit ``stream``
    numbers, or make the same calls in the same order every round (the counter restarts each round).
    """

    __slots__ = ("ctx", "_t", "memory", "size", "_own", "_opp", "_keys", "_stream")

    def __init__(self, ctx: PlayerContext, own_buf: np.ndarray, opp_buf: np.ndarray, keys: np.ndarray):
        self.ctx = ctx
        self._t = 0
        self.memory: dict[str, Any] = {}
        self.size = own_buf.shape[0]
        self._own = own_buf
        self._opp = opp_buf
        self._keys = keys
        self._stream = 0

    @property
    def t(self) -> int:
        return self._t

    @t.setter
    def t(self, value: int) -> None:
        self._t = value
        self._stream = 0

    @property
    def own(self) -> np.ndarray:
        """Own past actions (indices), shape ``(size, t)``."""
        return self._own[:, : self.t]

    @property
    def opp(self) -> np.ndarray:
        """Opponent's past actions as perceived (indices), shape ``(size, t)``."""
        return self._opp[:, : self.t]

    @property
    def last_own(self) -> np.ndarray:
        return self._own[:, self.t - 1]

    @property
    def last_opp(self) -> np.ndarray:
        return self._opp[:, self.t - 1]

    def uniform(self, stream: int | None = None) -> np.ndarray:
        """Uniform [0, 1) draws, one per replicate.

        ``stream`` (0..999) names the draw within the round; without it, successive calls in a
        round use 0, 1, 2, ... (in call order).
        """
        if stream is None:
            stream = self._stream
            self._stream += 1
        k = kernels()
        if k is not None:
            return k.uniform(self._keys, round_salt(self._t, 1000 + stream))
        bits = counter_bits(self._keys, self._t, 1000 + stream)
        return (bits >> np.uint64(11)).astype(np.float64) * _INV53

    def full(self, action: int) -> np.ndarray:
        """The same action for every replicate."""
        return np.full(self.size, action, dtype=np.int64)

    def sample(self, probs: np.ndarray, stream: int | None = None) -> np.ndarray:
        """Draw own actions from a mixed action ``probs`` (deterministic if pure; no draw then)."""
        probs = np.asarray(probs, dtype=float)
        nz = np.flatnonzero(probs > 1e-12)
        if nz.size == 1:
            return self.full(int(nz[0]))
        cdf = np.cumsum(probs[nz])
        cdf /= cdf[-1]
        idx = np.searchsorted(cdf, self.uniform(stream), side="right")
        return nz[np.minimum(idx, nz.size - 1)]


# ----------------------------------------------------------------------------- base class
class Strategy:
    """A repeated-game strategy: declares its metadata and implements :meth:`act`.

    Class attributes
    ----------------
    name : registry name (snake_case).
    aliases : other registry names.
    memory_depth : rounds of history it looks at (``math.inf`` for unbounded).
    stochastic : whether it draws random numbers (for some parameter values).
    parameters : declared :class:`Param` s; instances are built with keyword arguments.
    """

    name: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    memory_depth: ClassVar[float] = math.inf
    stochastic: ClassVar[bool] = False
    parameters: ClassVar[tuple[Param, ...]] = ()

    def __init__(self, **params: Any):
        declared = {p.name: p for p in self.parameters}
        unknown = sorted(set(params) - set(declared))
        if unknown:
            allowed = ", ".join(declared) or "none"
            raise InputError(f"unknown parameter {unknown[0]!r} (parameters: {allowed})", key=self.name)
        values = {p.name: p.default for p in self.parameters}
        for key, value in params.items():
            values[key] = declared[key].coerce(value, self.name)
        self.params: Mapping[str, Any] = MappingProxyType(values)

    def act(self, obs: Observation) -> "np.ndarray | int":
        """Next own action index for each replicate of the batch: an int array ``(obs.size,)``,
        or a single int meaning the same action in every replicate."""
        raise NotImplementedError

    def is_stochastic(self) -> bool:
        """Whether this configured instance draws random numbers."""
        return self.stochastic

    @property
    def spec(self) -> str:
        """Canonical spec string; parameters that differ from their default are listed."""
        parts = []
        for p in self.parameters:
            value = self.params[p.name]
            if value != p.default:
                if isinstance(value, tuple):
                    value = "|".join(str(v) for v in value)
                elif isinstance(value, bool):
                    value = int(value)
                parts.append(f"{p.name}={value}")
        return self.name + (":" + ",".join(parts) if parts else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "spec": self.spec,
            "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.params.items()},
            "memory_depth": None if math.isinf(self.memory_depth) else self.memory_depth,
            "stochastic": self.is_stochastic(),
        }

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec}>"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.params == self.params  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted((k, str(v)) for k, v in self.params.items()))))


