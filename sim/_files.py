"""Writing files safely: a reader never sees a half-written file, a failure leaves nothing behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from sim.errors import InputError


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, what: str = "output") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it into place, on failure remove it.

    A directory that does not exist or cannot be written is an :class:`InputError` naming
    ``what`` (the option the path came from), not a traceback.
    """
    target = Path(path)
    directory = target.parent
    if not directory.is_dir():
        raise InputError(f"directory {str(directory)!r} does not exist", key=what)
    if target.is_dir():
        raise InputError(f"{str(target)!r} is a directory", key=what)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write in {str(directory)!r}: {exc.strerror}", key=what) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_atomic(path: str | os.PathLike, write: Callable[[Path], None], *, what: str = "output") -> None:
    """Call ``write(tmp)`` on a temporary file, then move it to ``path`` (see :func:`atomic_path`)."""
    with atomic_path(path, what=what) as tmp:
        write(tmp)


def write_text_atomic(path: str | os.PathLike, text: str, *, what: str = "output") -> None:
    """Write ``text`` to ``path`` atomically."""
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), what=what)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Figure formats every plot can be saved as (by extension).
FORMATS = (".png", ".svg", ".pdf")


def check_plot_path(path: str | os.PathLike) -> Path:
    """Check a plot path before any work: known extension, existing writable directory."""
    target = Path(path)
    if target.suffix.lower() not in FORMATS:
        raise InputError(f"unknown plot format {target.suffix or '(none)'!r}; use one of {', '.join(FORMATS)}", key="--plot")
    directory = target.parent
    if not directory.is_dir():
        raise InputError(f"directory {str(directory)!r} does not exist", key="--plot")
    if not os.access(directory, os.W_OK):
        raise InputError(f"directory {str(directory)!r} is not writable", key="--plot")
    return target
