"""Words to actions: the one parser that turns labels, lever settings and profiles into indices.

Every place that reads an action from a person (a scenario's ``[repeated] cooperative``, the CLI's
``--cooperative``, ``--if``/``--then`` of a threat, a notebook's ``actions_where``) uses the rules
below, so a setting means the same thing everywhere.

Rules
-----
*A level of one lever* (:func:`level_index`) is

* a **label** of the lever (``"October controls"``), compared exactly; or
* a **number**, the level's value (``90``; ``47`` for a tariff of 47%), compared to 1e-12;
  a string that is not a label is read as a number, with one trailing ``%`` allowed (``"47%"``).
* Booleans are not levels (``true`` would silently mean 1): they are an error.

*An action of one player* (:func:`resolve_action`) is

* an **index** (an ``int``, not a ``bool``) into the player's actions;
* a **label** of the action (``"tariff=truce, tech=suspended"``, or ``"C"`` in a matrix game);
* **lever settings**, as a mapping ``{lever: level}`` or the text ``"lever=level, lever=level"``
  (a lone level label is enough when the player has one lever). A lever left out keeps its level
  in the ``base`` action when one is given (a threat changes some levers of the current action),
  and is at its first, most conciliatory level otherwise (as in a scenario file).

*A profile* (:func:`resolve_profile`) is one action per player: a pair, or a mapping
``{player_id: action}`` in which a player left out keeps its default action.

*A selection* (:func:`actions_where`) is lever settings with the levers left out free: every
action that matches.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping, Protocol, Sequence

import numpy as np

from sim.errors import InputError

__all__ = [
    "LeverInfo",
    "ActionSpace",
    "level_index",
    "snap_level",
    "resolve_action",
    "resolve_profile",
    "actions_where",
    "default_cooperative",
    "cooperative_profile",
    "action_labels",
]


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


class ActionSpace(Protocol):
    """What the parser needs of a game: every game type in :mod:`sim.model` provides it."""

    player_ids: Sequence[str]
    actions: Sequence[Sequence[str]]
    levers: Sequence[Sequence[LeverInfo]]
    action_levels: Sequence[np.ndarray]


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def level_index(lever: LeverInfo, ref: Any, *, key: str = "level") -> int:
    """Index of a level of ``lever`` given by label or by value (the rules in the module docstring)."""
    if isinstance(ref, (bool, np.bool_)):
        raise InputError(f"a level is a label or a number, not {ref!r} (levels: {', '.join(lever.labels)})", key=key)
    value: float | None = None
    if isinstance(ref, str):
        text = ref.strip()
        if text in lever.labels:
            return lever.labels.index(text)
        number = text[:-1].strip() if text.endswith("%") else text
        if _NUMBER.fullmatch(number):
            value = float(number)
    elif isinstance(ref, (int, float, np.integer, np.floating)):
        value = float(ref)
    if value is not None and math.isfinite(value):
        for i, level in enumerate(lever.levels):
            if math.isclose(level, value, rel_tol=1e-12, abs_tol=1e-12):
                return i
    shown = ", ".join(
        lab if lab == f"{v:g}" else f"{lab} ({v:g})" for lab, v in zip(lever.labels, lever.levels)
    )
    return _fail(f"no level {ref!r} of lever {lever.name!r} (levels: {shown})", key)


def _is_level(lever: LeverInfo, ref: Any) -> bool:
    try:
        level_index(lever, ref)
    except InputError:
        return False
    return True


def _fail(message: str, key: str) -> Any:
    raise InputError(message, key=key)


def _lever_settings(space: ActionSpace, player: int, text: str) -> dict[str, str] | None:
    """``"lever=level, lever=level"`` (or a lone level label of a one-lever player) as a mapping."""
    levers = space.levers[player]
    wanted: dict[str, str] = {}
    for part in text.split(","):
        name, eq, level = part.partition("=")
        if eq:
            wanted[name.strip()] = level.strip()
        elif len(levers) == 1 and part.strip():
            wanted[levers[0].name] = part.strip()
        else:
            return None
    return wanted or None


def _target_levels(space: ActionSpace, player: int, settings: Mapping[str, Any], base: np.ndarray | None,
                   key: str) -> tuple[np.ndarray, np.ndarray]:
    """Level index per lever and a mask of the levers the settings name."""
    levers = space.levers[player]
    names = [lv.name for lv in levers]
    for name in settings:
        if name not in names:
            _fail(f"player {space.player_ids[player]} has no lever {name!r} (levers: {', '.join(names)})",
                  f"{key}.{name}")
    target = np.zeros(len(levers), dtype=np.int64) if base is None else np.array(base, dtype=np.int64)
    named = np.zeros(len(levers), dtype=bool)
    for k, lever in enumerate(levers):
        if lever.name in settings:
            target[k] = level_index(lever, settings[lever.name], key=f"{key}.{lever.name}")
            named[k] = True
    return target, named


def snap_level(info: LeverInfo, text: str, *, key: str) -> tuple[int, bool]:
    """Index of the level ``text`` names (label or value), or of the nearest level to a number
    (the events files' rule for continuous figures such as average tariffs).

    Returns ``(index, snapped)``; a text that is neither a level nor a number is the parser's error.
    """
    try:
        return level_index(info, text, key=key), False
    except InputError:
        number = text.strip()
        number = number[:-1].strip() if number.endswith("%") else number
        if not _NUMBER.fullmatch(number) or not math.isfinite(float(number)):
            raise
    value = float(number)
    distance = [abs(level - value) for level in info.levels]
    return distance.index(min(distance)), True  # index(): the first, most conciliatory, on a tie


def resolve_action(space: ActionSpace, player: int, spec: Any, *, base: int | None = None,
                   key: str = "action") -> int:
    """Index of one action of ``player`` from an index, a label or lever settings.

    Parameters
    ----------
    space : a game (anything with ``player_ids``, ``actions``, ``levers``, ``action_levels``).
    player : 0 (row) or 1 (column).
    spec : the action (see the module docstring).
    base : the action whose levels the levers left out keep; default: each at its first level.
    key : the key named in errors (``"cooperative.us"``, ``"repeated.cooperative.us"``).

    Raises
    ------
    InputError
        naming ``key`` (and the lever, for a bad level).
    """
    pid = space.player_ids[player]
    labels = space.actions[player]
    n = len(labels)
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, (bool, np.bool_)):
        if not 0 <= int(spec) < n:
            _fail(f"action index {int(spec)} out of range 0..{n - 1} for {pid}", key)
        return int(spec)
    settings: Mapping[str, Any] | None
    if isinstance(spec, str):
        if spec in labels:
            return list(labels).index(spec)
        settings = _lever_settings(space, player, spec)
        lone = "=" not in spec
        if settings is None or (lone and not _is_level(space.levers[player][0], spec)):
            _fail(f"no action {spec!r} for {pid} (no action labelled so, and not lever=level settings)", key)
    elif isinstance(spec, Mapping):
        settings = {str(k): v for k, v in spec.items()}
    else:
        return _fail(f"cannot read an action of {pid} from {spec!r}: give a label, an index or lever settings", key)
    table = np.asarray(space.action_levels[player])
    base_levels = None if base is None else table[int(base)]
    target, _ = _target_levels(space, player, settings, base_levels, key)
    hits = np.flatnonzero((table == target).all(axis=1))
    if not hits.size:
        shown = ", ".join(f"{lv.name}={lv.labels[int(t)]}" for lv, t in zip(space.levers[player], target))
        _fail(f"no action of {pid} has the lever levels {shown} (removed by a forbid rule?)", key)
    return int(hits[0])


def resolve_profile(space: ActionSpace, spec: Any, *, default: tuple[int, int], key: str = "cooperative",
                    ) -> tuple[int, int]:
    """One action per player from a pair or a ``{player_id: action}`` mapping.

    ``None`` is ``default``; in a mapping, a player left out keeps its ``default`` action.
    """
    if spec is None:
        return int(default[0]), int(default[1])
    ids = tuple(space.player_ids)
    if isinstance(spec, Mapping):
        unknown = [pid for pid in spec if pid not in ids]
        if unknown:
            _fail(f"no player {unknown[0]!r} (players: {', '.join(ids)})", f"{key}.{unknown[0]}")
        return tuple(  # type: ignore[return-value]
            resolve_action(space, p, spec[pid], key=f"{key}.{pid}") if pid in spec else int(default[p])
            for p, pid in enumerate(ids)
        )
    if isinstance(spec, (str, bytes)) or not isinstance(spec, Sequence) or len(spec) != 2:
        _fail("a profile names one action per player", key)
    return (resolve_action(space, 0, spec[0], key=f"{key}.{ids[0]}"),
            resolve_action(space, 1, spec[1], key=f"{key}.{ids[1]}"))


def actions_where(space: ActionSpace, player: int, **levers: Any) -> list[int]:
    """Indices of ``player``'s actions whose named levers are at the given levels (others free).

    ``actions_where(game, 1, soybeans="25 MMT", fentanyl="enforce")`` keeps China's actions that buy
    25 MMT and enforce, whatever its other levers; levels by label or value.
    """
    table = np.asarray(space.action_levels[player])
    target, named = _target_levels(space, player, levers, None, "levers")
    keep = (table[:, named] == target[named]).all(axis=1)
    return np.flatnonzero(keep).tolist()


def default_cooperative(game: Any) -> tuple[int, int]:
    """The game's cooperative profile, or each player's least hostile action if it has none."""
    if game.cooperative is not None:
        return int(game.cooperative[0]), int(game.cooperative[1])
    return int(np.argmin(game.hostility(0))), int(np.argmin(game.hostility(1)))


def cooperative_profile(game: Any, spec: Any = None) -> tuple[int, int]:
    """The truce profile from ``spec`` (:func:`resolve_profile`); default and players left out:
    :func:`default_cooperative`. Errors name ``cooperative.<player id>``."""
    return resolve_profile(game, spec, default=default_cooperative(game), key="cooperative")


def action_labels(levers: Sequence[LeverInfo], grid: np.ndarray) -> tuple[str, ...]:
    """``"lever=level, lever=level"`` for each row of level indices."""
    return tuple(", ".join(f"{lv.name}={lv.labels[int(i)]}" for lv, i in zip(levers, row)) for row in grid)
