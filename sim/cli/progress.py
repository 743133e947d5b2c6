"""Status lines on a terminal's stderr for long work (never off a terminal; ``--quiet`` silences them).

Two shapes: :class:`StatusLine` for a command of named steps (``solve``: the innermost step
running, its share done, the seconds since the first began, refreshed by a thread), and
:func:`progress_line` for one long loop that counts its work (``play``, ``tournament``,
``evolve``: the share done and an estimate of the time left).
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from typing import Callable, Iterator

import click

from sim.cli.common import show_progress

__all__ = ["StatusLine", "CountedStatus", "CountLine", "progress_line", "quiet_option"]

#: A step shows a status line once it has run this many seconds ...
STEP_AFTER = 2.0
#: ... and refreshes it this often.
STEP_EVERY = 0.5
#: A running count (:class:`CountLine`) appears after this many seconds.
COUNT_AFTER = 2.0
#: A counted loop: seconds of work before the first status line, and between two status lines.
STATUS_DELAY = 3.0
STATUS_EVERY = 2.0

quiet_option = click.option("--quiet", "-q", is_flag=True, help="No status line on stderr for long runs.")


class StatusLine:
    """``progress(step, fraction)`` for :func:`~sim.repeated.analysis.analyse`: one status line on a
    terminal's stderr, shown only once a step has run more than :data:`STEP_AFTER` seconds and
    refreshed every :data:`STEP_EVERY` seconds (the innermost step running, the share done when
    it reports one, the seconds since the outermost began) by a daemon thread; cleared when the
    step ends. Steps nest (an analysis's own steps inside :func:`analyse`'s). Off a terminal, or
    with ``enabled=False`` (``--quiet``), it writes nothing.
    """

    def __init__(self, stream=None, *, enabled: bool | None = None, after: float | None = None,
                 every: float | None = None):
        self.stream = sys.stderr if stream is None else stream
        self.enabled = show_progress() if enabled is None else enabled
        self.after = STEP_AFTER if after is None else after
        self.every = STEP_EVERY if every is None else every
        self._steps: list[list] = []  # [name, start, fraction], outermost first
        self._shown = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __call__(self, step: str, fraction: float) -> None:
        if not self.enabled:
            return
        with self._lock:
            names = [s[0] for s in self._steps]
            if fraction >= 1.0:
                if step in names:
                    del self._steps[names.index(step):]
                    self._clear()
                return
            if step in names:
                self._steps[names.index(step)][2] = fraction
            else:
                self._steps.append([step, time.monotonic(), fraction])
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="tradesim-status", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            with self._lock:
                if not self._steps:
                    continue
                elapsed = time.monotonic() - self._steps[0][1]
                if elapsed < self.after:
                    continue
                name, _, fraction = self._steps[-1]
                share = f", {fraction:.0%}" if fraction > 0 else ""
                self.stream.write(f"\r{name[:56]}: {elapsed:.0f} s{share}   ")
                self.stream.flush()
                self._shown = True

    def _clear(self) -> None:
        if self._shown:
            self.stream.write("\r" + " " * 72 + "\r")
            self.stream.flush()
            self._shown = False

    def close(self) -> None:
        """Stop the refreshing thread and clear the line."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            self._clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class CountedStatus:
    """A status line on stderr (``label: 40% done, 12 s elapsed, about 18 s left``) for long work.

    Nothing is written during the first :data:`STATUS_DELAY` seconds, so quick runs stay silent;
    after that the line is rewritten in place every :data:`STATUS_EVERY` seconds and cleared at
    the end.
    """

    def __init__(self, label: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.label, self.clock = label, clock
        self.start = clock()
        self.last = -float("inf")
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        elapsed = now - self.start
        if elapsed < STATUS_DELAY or now - self.last < STATUS_EVERY:
            return
        self.last = now
        frac = min(max(done / max(total, 1), 0.0), 1.0)
        left = f", about {elapsed * (1 - frac) / frac:.0f} s left" if frac > 0 else ""
        sys.stderr.write(f"\r{self.label}: {frac:.0%} done, {elapsed:.0f} s elapsed{left}\x1b[K")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


@contextlib.contextmanager
def progress_line(label: str, work: int, quiet: bool = False,
                  min_work: int = 0) -> Iterator[Callable[[int, int], None] | None]:
    """A periodic status line on a terminal for runs of more than a few seconds; ``None`` when
    ``quiet``, off a terminal, or for less than ``min_work`` units of work."""
    if quiet or work < min_work or not show_progress():
        yield None
        return
    status = CountedStatus(label)
    try:
        yield status
    finally:
        status.close()


class CountLine:
    """A running count on stderr (``robust: 1,200 of 4,000 draws``; ``inverse: 310 evaluations``
    without a total), once a run has taken :data:`COUNT_AFTER` seconds; cleared by :meth:`close`."""

    def __init__(self, label: str, unit: str, enabled: bool):
        self.label, self.unit, self.enabled = label, unit, enabled
        self.start, self.shown = time.perf_counter(), False

    def update(self, done: int, total: int | None = None) -> None:
        if not self.enabled or (total is not None and done >= total) or time.perf_counter() - self.start < COUNT_AFTER:
            return
        of = "" if total is None else f" of {total:,}"
        sys.stderr.write(f"\r{self.label}: {done:,}{of} {self.unit}")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
