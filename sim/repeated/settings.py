"""How repeated play is set up: one :class:`PlaySettings`, checked once, for matches, tournaments
and evolution.

``play`` and ``round_robin`` take the same keywords (``rounds``, ``continuation``, ``max_rounds``,
``replicates``, ``noise``, ``perception_noise``, ``discount``, ``cooperative``, ``seed``);
:meth:`PlaySettings.check` validates them against the game and both results keep the settings they
were made with (``result.settings``), so ``result.noise`` and ``result.setup()`` mean the same in
each. ``moran`` plays no matches; its ``replicates``, ``seed`` and probabilities are checked by the
same functions (:func:`check_count`, :func:`check_probability`, :func:`sim._random.resolve_seed`).

``replicates`` is the one name for independent repetitions of a match: in the API, on the command
line (``--replicates``) and in every table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from sim._random import resolve_seed
from sim.errors import InputError
from sim.model.actions import cooperative_profile

__all__ = ["PlaySettings", "SettingsView", "check_probability", "check_count", "MAX_ROUNDS", "MAX_REPLICATES"]

MAX_ROUNDS = 100_000
MAX_REPLICATES = 10_000_000


def check_probability(value: Any, key: str) -> float:
    """``value`` as a probability in [0, 1], or an :class:`InputError` naming ``key``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"expected a probability, got {value!r}", key=key) from None
    if not 0.0 <= v <= 1.0 or math.isnan(v):
        raise InputError(f"must be a probability in [0, 1], got {value}", key=key)
    return v


def check_count(value: Any, key: str, high: int) -> int:
    """``value`` as an integer in ``1..high`` (booleans refused), or an :class:`InputError`."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or not 1 <= value <= high:
        raise InputError(f"{key} must be an integer in 1..{high}, got {value!r}", key=key)
    return int(value)


def check_horizon(rounds: int | None, continuation: float | None, max_rounds: int) -> tuple[int | None, float | None, int]:
    """Validate a fixed horizon or a continuation probability (with its cap)."""
    if continuation is not None:
        continuation = check_probability(continuation, "continuation")
        if rounds is not None:
            raise InputError("give either rounds or a continuation probability, not both", key="rounds")
        if not isinstance(max_rounds, (int, np.integer)) or not 1 <= max_rounds <= MAX_ROUNDS:
            raise InputError(f"max_rounds must be an integer in 1..{MAX_ROUNDS}", key="max_rounds")
        return None, continuation, int(max_rounds)
    if rounds is None:
        raise InputError("give the number of rounds or a continuation probability", key="rounds")
    if isinstance(rounds, bool) or not isinstance(rounds, (int, np.integer)) or not 1 <= rounds <= MAX_ROUNDS:
        raise InputError(f"rounds must be an integer in 1..{MAX_ROUNDS}, got {rounds!r}", key="rounds")
    return int(rounds), None, int(rounds)


def check_discount(game: Any, discount: "float | Sequence[float] | None") -> tuple[float, float]:
    """One discount factor per player: the game's, one for both, or one each."""
    if discount is None:
        d = tuple(float(x) for x in game.discount)
    elif isinstance(discount, (int, float, np.floating)):
        d = (float(discount), float(discount))
    else:
        d = tuple(float(x) for x in discount)
    if len(d) != 2:
        raise InputError("one discount factor per player", key="discount")
    for x in d:
        check_probability(x, "discount")
    return d  # type: ignore[return-value]


@dataclass(frozen=True)
class PlaySettings:
    """The set-up of repeated play, validated.

    Attributes
    ----------
    rounds, continuation, max_rounds : a fixed horizon (``continuation`` None, ``max_rounds ==
        rounds``), or a continuation probability per round with a cap on the length.
    replicates : independent replicates of each match.
    noise : implementation noise (an intended move replaced by a random other one).
    perception_noise : probability each side misreads the other's move.
    discount : each side's per-round discount factor.
    cooperative : action indices of the truce profile.
    seed : the seed given (``None`` when fresh entropy or a Generator was used).
    seed_key : the 64-bit key every random stream derives from (always recorded).
    """

    rounds: int | None
    continuation: float | None
    max_rounds: int
    replicates: int
    noise: float
    perception_noise: float
    discount: tuple[float, float]
    cooperative: tuple[int, int]
    seed: int | None
    seed_key: int

    @classmethod
    def check(
        cls,
        game: Any,
        *,
        rounds: int | None = None,
        continuation: float | None = None,
        max_rounds: int = 10_000,
        replicates: int = 1,
        noise: float = 0.0,
        perception_noise: float = 0.0,
        discount: "float | Sequence[float] | None" = None,
        cooperative: Any = None,
        seed: "int | np.random.Generator | None" = None,
    ) -> "PlaySettings":
        """Validate every setting against ``game``; :class:`InputError` names the first bad one."""
        rounds, continuation, max_rounds = check_horizon(rounds, continuation, max_rounds)
        replicates = check_count(replicates, "replicates", MAX_REPLICATES)
        noise = check_probability(noise, "noise")
        perception_noise = check_probability(perception_noise, "perception_noise")
        discount = check_discount(game, discount)
        cooperative = cooperative_profile(game, cooperative)
        seed_value, seed_key = resolve_seed(seed)
        return cls(rounds, continuation, max_rounds, replicates, noise, perception_noise, discount, cooperative,
                   seed_value, seed_key)

    def describe(self, player_ids: Sequence[str], actions: Sequence[Sequence[str]]) -> dict[str, Any]:
        """Plain-type record of the settings, with player ids and action labels."""
        return {
            "rounds": self.rounds,
            "continuation": self.continuation,
            "max_rounds": self.max_rounds,
            "replicates": self.replicates,
            "noise": self.noise,
            "perception_noise": self.perception_noise,
            "discount": dict(zip(player_ids, self.discount)),
            "cooperative": {pid: actions[p][self.cooperative[p]] for p, pid in enumerate(player_ids)},
            "seed": self.seed,
            "seed_key": self.seed_key,
        }


class SettingsView:
    """Read the settings of a result as its own attributes (``result.noise``, ``result.seed``)."""

    __slots__ = ()
    settings: PlaySettings

    rounds = property(lambda self: self.settings.rounds)
    continuation = property(lambda self: self.settings.continuation)
    max_rounds = property(lambda self: self.settings.max_rounds)
    replicates = property(lambda self: self.settings.replicates)
    noise = property(lambda self: self.settings.noise)
    perception_noise = property(lambda self: self.settings.perception_noise)
    discount = property(lambda self: self.settings.discount)
    cooperative = property(lambda self: self.settings.cooperative)
    seed = property(lambda self: self.settings.seed)
    seed_key = property(lambda self: self.settings.seed_key)
