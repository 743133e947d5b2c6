"""The compiled (numba) versions of the match engine's hot loops, loaded when they pay.

The kernels live in :mod:`sim.repeated._match_kernels` as module-level functions compiled with
``cache=True``: the first process compiles them, every later one loads them from numba's disk cache
(one entry per signature, so the cache stays bounded). Importing numba and loading that cache still
costs about half a second, while numpy plays a seat-round only ~25 ns slower than the kernels, so
the engine asks :func:`kernels_for` with each block's work and stays on numpy until the process has
played :data:`COMPILE_FROM` seat-rounds on it (by then numba's start-up has been paid for once over:
the rule of ski rental). Both paths give the same numbers bit for bit (a test compares them);
without numba, :func:`kernels` returns ``None`` and the engine runs on numpy alone.
"""

from __future__ import annotations

from typing import Any

_UNBUILT: Any = object()
#: The kernels once loaded (``None`` without numba); loaded on first need, not at import.
KERNELS: Any = _UNBUILT

#: Seat-rounds (seats x rounds) played on numpy after which the kernels are loaded.
COMPILE_FROM = 20_000_000
_numpy_work = 0


def kernels() -> Any:
    """The numba kernels (a module: ``uniform``, ``step``, ``summarise``), loaded on first use."""
    global KERNELS
    if KERNELS is _UNBUILT:
        try:  # imports numba: heavy, so here and not at import
            from sim.repeated import _match_kernels
        except ImportError:  # pragma: no cover
            KERNELS = None
        else:
            KERNELS = _match_kernels
    return KERNELS


def loaded_kernels() -> Any:
    """The kernels if they are loaded already, else ``None`` (never imports numba)."""
    return None if KERNELS is _UNBUILT else KERNELS


def kernels_for(work: int) -> Any:
    """The kernels for a block of ``work`` seat-rounds, or ``None`` to run it on numpy: loaded once
    this process's numpy work (this block's included) reaches :data:`COMPILE_FROM`."""
    global _numpy_work
    if KERNELS is _UNBUILT:
        _numpy_work += work
        if _numpy_work < COMPILE_FROM:
            return None
    return kernels()
