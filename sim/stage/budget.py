"""Time, memory and progress for the stage analyses: one :class:`Budget` shared by every step.

Each long analysis of :mod:`sim.stage` takes ``max_seconds=None, progress=None, budget=None``:

* ``max_seconds`` bounds that call; ``budget`` is a :class:`Budget` shared by several calls (one
  deadline for a whole ``solve``); given both, the earlier deadline holds. When the time runs out
  an analysis returns what it has and says so (``complete=False``, or ``skipped`` with the
  reason); it never raises for lack of time.
* ``progress(step, fraction)`` is called on long steps with a short description and the share
  done, ``0 <= fraction <= 1``, at most every :data:`PROGRESS_EVERY` seconds (and at 1.0), so a
  command line can keep one status line up to date.
* Before an analysis allocates anything proportional to the game's size (``m*n*k`` floats, an LP's
  nonzeros) it estimates the bytes; past :data:`MAX_ARRAY_BYTES` it skips that step with the reason
  instead of allocating, so no game can take the machine's memory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from sim.errors import InputError, TradesimError

__all__ = ["Budget", "Progress", "MAX_ARRAY_BYTES", "PROGRESS_EVERY", "BudgetExhausted", "TooLarge", "budget_of",
           "size_text"]

#: The most bytes one array (or one LP's matrix) of a stage analysis may take: 1 GiB.
MAX_ARRAY_BYTES = 1 << 30
#: Seconds between two progress calls of one step.
PROGRESS_EVERY = 0.25

Progress = Callable[[str, float], None]


class BudgetExhausted(TradesimError):
    """The time budget ran out inside a step. Analyses catch it and return what they have (marked
    incomplete or skipped); it reaches a user only from a step with nothing to return."""


class TooLarge(TradesimError):
    """A step would allocate more than the memory cap allows. Analyses catch it and skip the step."""


def size_text(nbytes: float) -> str:
    """``1.5 GB``, ``320 MB``: a byte count as people read it (powers of 1024)."""
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if nbytes >= size:
            return f"{nbytes / size:.3g} {unit}"
    return f"{int(nbytes)} bytes"


@dataclass
class Budget:
    """A deadline, a progress hook and a per-array memory cap, shared by the steps of an analysis.

    Parameters
    ----------
    max_seconds : seconds from now until the deadline; ``None`` for no deadline.
    progress : ``progress(step, fraction)``, or ``None``.
    max_bytes : the largest single allocation a step may make (default :data:`MAX_ARRAY_BYTES`).
    """

    max_seconds: float | None = None
    progress: Progress | None = None
    max_bytes: int = MAX_ARRAY_BYTES
    deadline: float | None = field(default=None, repr=False)
    _last: dict[str, float] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if self.max_seconds is not None and self.deadline is None:
            self.deadline = time.perf_counter() + float(self.max_seconds)

    def remaining(self) -> float | None:
        """Seconds left (never below 0), ``None`` without a deadline."""
        return None if self.deadline is None else max(self.deadline - time.perf_counter(), 0.0)

    def expired(self) -> bool:
        """The deadline has passed."""
        return self.deadline is not None and time.perf_counter() >= self.deadline

    def report(self, step: str, fraction: float) -> None:
        """Tell the progress hook how far ``step`` is (throttled to one call per PROGRESS_EVERY s)."""
        if self.progress is None:
            return
        now = time.perf_counter()
        if fraction < 1.0 and now - self._last.get(step, -1e9) < PROGRESS_EVERY:
            return
        self._last[step] = now
        self.progress(step, min(max(float(fraction), 0.0), 1.0))

    def too_big(self, nbytes: float, what: str) -> str | None:
        """The reason to skip ``what`` if it needs more than ``max_bytes``, else ``None``."""
        if nbytes <= self.max_bytes:
            return None
        return f"{what} would need {size_text(nbytes)}, above the limit of {size_text(self.max_bytes)} per array"

    def child(self, max_seconds: float | None = None) -> Budget:
        """The same hook and cap with the earlier of this deadline and ``max_seconds`` from now."""
        out = Budget(max_seconds, self.progress, self.max_bytes)
        if self.deadline is not None and (out.deadline is None or self.deadline < out.deadline):
            out.deadline = self.deadline
        out._last = self._last
        return out


def budget_of(max_seconds: float | None = None, progress: Progress | None = None,
              budget: Budget | None = None) -> Budget:
    """The budget an analysis runs under: ``budget`` (if given) narrowed by ``max_seconds``, with
    ``progress`` as its hook when given. ``max_seconds`` must be positive."""
    if max_seconds is not None and not (max_seconds > 0):
        raise InputError("max_seconds must be positive", key="max_seconds")
    if budget is None:
        return Budget(max_seconds, progress)
    out = budget.child(max_seconds)
    if progress is not None:
        out.progress = progress
    return out
