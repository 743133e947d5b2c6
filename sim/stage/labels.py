"""Results that carry their labels: every stage result records the player ids and action labels of
the game it was computed on, so ``to_dict()``, ``to_frame()``, printing and the HTML views need no
game passed back in. The helpers below print a result as a short table (:func:`text_table`) and
build its DataFrame (:func:`records_frame`)."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Callable, TypeVar

__all__ = ["labels_of", "attach_labels", "labelled", "fmt_value", "text_table", "records_frame", "strategy_text"]

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


# ----------------------------------------------------------------------------- printing and tables
def fmt_value(value: Any) -> str:
    """A cell of a printed result table: numbers to four significant digits, ``None`` as ``-``."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)) or type(value).__module__ == "numpy":
        try:
            return f"{float(value):.4g}"
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def _is_number(value: Any) -> bool:
    return value is None or (not isinstance(value, (bool, str)) and isinstance(value, (int, float))
                             or type(value).__module__ == "numpy")


def text_table(rows: list[dict[str, Any]], title: str = "", *, limit: int = 20) -> str:
    """``rows`` (records) as a plain-text table under ``title``: what a stage result prints.

    At most ``limit`` rows are shown, then how many more there are (``to_frame()`` has them all).
    """
    lines = [title] if title else []
    if not rows:
        return "\n".join(lines + ["  (none)"])
    columns = list(rows[0])
    cells = [[fmt_value(r.get(c)) for c in columns] for r in rows[:limit]]
    widths = [max(len(c), *(len(row[k]) for row in cells)) for k, c in enumerate(columns)]
    numeric = [all(_is_number(r.get(c)) for r in rows[:limit]) for c in columns]  # numbers align right

    def line(values):
        return "  " + "  ".join(v.rjust(w) if num else v.ljust(w)
                                for v, w, num in zip(values, widths, numeric)).rstrip()

    lines.append(line(columns))
    lines.extend(line(row) for row in cells)
    if len(rows) > limit:
        lines.append(f"  ... {len(rows) - limit} more (see to_frame())")
    return "\n".join(lines)


def records_frame(rows: list[dict[str, Any]], columns: list[str] | None = None):
    """A :class:`pandas.DataFrame` of ``rows`` (one record each): every result's ``to_frame()``.

    pandas is a dependency of the package; it is imported here, on first use, so importing the
    stage analyses stays fast.
    """
    import pandas as pd

    return pd.DataFrame.from_records(rows, columns=columns)


def strategy_text(strategy: dict[str, float]) -> str:
    """``{label: probability}`` as text: the label alone for a pure strategy, else ``0.5·[a] + 0.5·[b]``."""
    if len(strategy) == 1:
        return next(iter(strategy))
    return " + ".join(f"{p:.4g}·[{a}]" for a, p in strategy.items())
