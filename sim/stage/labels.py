"""Results that carry their labels: every stage result records the player ids and action labels of
the game it was computed on, so ``to_dict()`` and the HTML views need no game passed back in."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Callable, TypeVar

__all__ = ["labels_of", "attach_labels", "labelled"]

R = TypeVar("R")


def labels_of(game: Any) -> tuple[tuple[tuple[str, ...], tuple[str, ...]] | None, tuple[str, str]]:
    """``(actions, player_ids)`` of a game; ``(None, ("row", "col"))`` for a bare ``(A, B)`` pair."""
    actions = getattr(game, "actions", None)
    ids = tuple(getattr(game, "player_ids", ("row", "col")))
    return (None if actions is None else (tuple(actions[0]), tuple(actions[1]))), ids  # type: ignore[return-value]


def attach_labels(result: R, game: Any) -> R:
    """``result`` (or each result of a tuple) with the labels of ``game``."""
    actions, ids = labels_of(game)
    if isinstance(result, tuple):
        return tuple(attach_labels(r, game) for r in result)  # type: ignore[return-value]
    if result is None or not dataclasses.is_dataclass(result):
        return result
    return dataclasses.replace(result, actions=actions, player_ids=ids)  # type: ignore[type-var]


def labelled(fn: Callable[..., R]) -> Callable[..., R]:
    """Decorator for analyses of a game (first argument): label what they return."""

    @functools.wraps(fn)
    def wrapper(game: Any, *args: Any, **kw: Any) -> R:
        return attach_labels(fn(game, *args, **kw), game)

    return wrapper
