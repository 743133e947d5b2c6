"""The base of every repeated-game strategy: declared parameters, the observation a strategy sees
each round, and the :class:`Strategy` class itself (the tables it reads are in
:mod:`sim.repeated.context`).

Strategies themselves and their registry are in :mod:`sim.repeated.strategies`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, Mapping

import numpy as np

from sim._random import counter_bits, round_salt
from sim.errors import InputError
from sim.repeated.context import PlayerContext
from sim.repeated.kernels import loaded_kernels

__all__ = ["Param", "Observation", "Strategy", "StrategyRegistry"]


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


_INV53 = 1.0 / (1 << 53)


class Observation:
    """What a strategy sees in a round, for a batch of replicates (one row each).

    Attributes
    ----------
    ctx : :class:`PlayerContext` of the player this batch plays.
    t : the round being chosen (0-based); ``own``/``opp`` have ``t`` columns.
    memory : dict for the strategy's per-batch state (arrays of length ``size``); empty at t=0.
    size : number of replicates in the batch.
    game : the game with state being played (a :class:`~sim.model.dynamic.DynamicGame`), else ``None``;
        then :attr:`state` is each replicate's current state index.

    Random draws (:meth:`uniform`, :meth:`sample`) are keyed by (seed, match, replicate, side,
    round, stream), so a replicate's draws do not depend on the rest of the batch as long as the
    stream numbers used in a round do not depend on the batch's data: pass explicit ``stream``
    numbers, or make the same calls in the same order every round (the counter restarts each round).
    """

    __slots__ = ("ctx", "_t", "memory", "size", "_own", "_opp", "_keys", "_stream", "game", "_state")

    def __init__(self, ctx: PlayerContext, own_buf: np.ndarray, opp_buf: np.ndarray, keys: np.ndarray,
                 game: Any = None, state_buf: np.ndarray | None = None):
        self.ctx = ctx
        self._t = 0
        self.memory: dict[str, Any] = {}
        self.size = own_buf.shape[0]
        self._own = own_buf
        self._opp = opp_buf
        self._keys = keys
        self._stream = 0
        self.game = game
        self._state = state_buf

    @property
    def state(self) -> np.ndarray:
        """Each replicate's current state index (games with state only), shape ``(size,)``."""
        if self._state is None:
            raise InputError("this game has no state", key="state")
        return self._state[:, self._t]

    @property
    def states(self) -> np.ndarray:
        """Each replicate's states so far, the current one last, shape ``(size, t + 1)``."""
        if self._state is None:
            raise InputError("this game has no state", key="state")
        return self._state[:, : self._t + 1]

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
        k = loaded_kernels()  # the block loaded them if they pay; both paths draw the same numbers
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
    needs_state : whether it reads the state of a game with state (``obs.state``).
    parameters : declared :class:`Param` s; instances are built with keyword arguments.
    """

    name: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    memory_depth: ClassVar[float] = math.inf
    stochastic: ClassVar[bool] = False
    needs_state: ClassVar[bool] = False
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
            "needs_state": self.needs_state,
        }

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec}>"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.params == self.params  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted((k, str(v)) for k, v in self.params.items()))))


_PARAM_SPLIT = re.compile(r",(?=\s*[A-Za-z_]\w*\s*=)")


class StrategyRegistry:
    """Strategy classes by name and alias, and the parser of ``"name:k=v,k2=v2"`` specs.

    ``classes`` keeps registration order; ``what`` names the kind in errors (``"strategy"``,
    ``"N-player strategy"``).
    """

    def __init__(self, what: str):
        self.what = what
        self.classes: dict[str, type] = {}
        self.aliases: dict[str, str] = {}

    def register(self, cls: type) -> type:
        """Class decorator: add a strategy under its name and aliases."""
        if not cls.name or cls.name in self.classes:
            raise ValueError(f"bad or duplicate strategy name {cls.name!r}")
        self.classes[cls.name] = cls
        for alias in cls.aliases:
            self.aliases[alias] = cls.name
        return cls

    def parse(self, spec: str, *, known_also: str = "") -> tuple[str, dict[str, str]]:
        """The canonical name and raw parameter strings of a non-empty spec; :class:`InputError` for an
        unknown name or a malformed parameter (``known_also`` is added to the list of known names)."""
        name, _, rest = spec.strip().partition(":")
        name = name.strip().replace("-", "_").lower()
        name = self.aliases.get(name, name)
        if name not in self.classes:
            raise InputError(f"unknown {self.what} {name!r} (known: {', '.join(self.classes)}{known_also})",
                             key="strategy")
        params: dict[str, str] = {}
        if rest.strip():
            for item in _PARAM_SPLIT.split(rest):
                key, eq, value = item.partition("=")
                if not eq or not key.strip():
                    raise InputError(f"bad parameter {item!r} in {spec!r}; expected key=value", key=name)
                if key.strip() in params:
                    raise InputError(f"parameter {key.strip()!r} given twice in {spec!r}", key=name)
                params[key.strip()] = value.strip()
        return name, params
