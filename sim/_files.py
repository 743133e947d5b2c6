"""Files, written and read safely.

Writing: a reader never sees a half-written file, a failure leaves nothing behind. Reading: only
regular files, never more than a stated number of bytes (:func:`read_text_capped`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from sim.errors import InputError, TradesimError


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


def check_plot_path(path: str | os.PathLike, *, option: str = "--plot") -> Path:
    """Check a plot path before any work: known extension, existing writable directory; errors
    name ``option``, the command-line option that gave the path."""
    target = Path(path)
    if target.suffix.lower() not in FORMATS:
        raise InputError(f"unknown plot format {target.suffix or '(none)'!r}; use one of {', '.join(FORMATS)}",
                         key=option)
    directory = target.parent
    if not directory.is_dir():
        raise InputError(f"directory {str(directory)!r} does not exist", key=option)
    if not os.access(directory, os.W_OK):
        raise InputError(f"directory {str(directory)!r} is not writable", key=option)
    return target


# -- reading ------------------------------------------------------------------------------------
#
# Every file the package reads on a user's behalf (scenario files and their ``extends``, events
# CSVs, saved results) goes through :func:`read_text_capped`: it opens only regular files (never a
# device, pipe, socket or directory, so ``/dev/zero`` or ``/dev/stdin`` cannot hang or exhaust
# memory), reads at most ``cap + 1`` bytes, and turns every path problem (missing file, symlink
# loop, NUL byte in the name, permission) into one error naming the file.

#: Largest scenario file (each file of an ``extends`` chain), in bytes. The bundled ones are < 20 kB.
MAX_SCENARIO_BYTES = 1_000_000
#: Largest events CSV (dated moves), in bytes.
MAX_EVENTS_BYTES = 10_000_000
#: Largest saved result (``--format json``) read back, e.g. by ``tradesim plot``, in bytes.
MAX_RESULT_BYTES = 50_000_000

_CHUNK = 1 << 16


def read_bytes_capped(path: str | os.PathLike, *, what: str, cap: int,
                      error: type[TradesimError] = InputError) -> bytes:
    """The bytes of the regular file ``path``, refusing anything else or more than ``cap`` bytes.

    ``what`` names the kind of file in messages ("scenario file", "events CSV"); every problem is
    an ``error`` (an :class:`InputError` unless told) naming the file, on one line.
    """
    shown = _shown(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below
        fd = os.open(path, flags)
    except (OSError, ValueError) as exc:
        raise error(_path_problem(exc), file=shown) from None
    try:
        info = os.fstat(fd)  # the file opened, not the name: no race with a swapped path
        if stat.S_ISDIR(info.st_mode):
            raise error(f"is a directory, not {_a(what)}", file=shown)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"not a regular file (a device, pipe or socket), so not read as {_a(what)}", file=shown)
        if info.st_size > cap:
            raise error(_too_large(what, cap), file=shown)
        chunks, size = [], 0
        while size <= cap:  # the size may have changed since fstat: never read more than cap + 1 bytes
            chunk = os.read(fd, min(_CHUNK, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", file=shown) from None
    finally:
        os.close(fd)
    if size > cap:
        raise error(_too_large(what, cap), file=shown)
    return b"".join(chunks)


def read_text_capped(path: str | os.PathLike, *, what: str, cap: int,
                     error: type[TradesimError] = InputError) -> str:
    """:func:`read_bytes_capped`, decoded as UTF-8; a leading byte-order mark is dropped."""
    raw = read_bytes_capped(path, what=what, cap=cap, error=error)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text (byte {exc.start})", file=_shown(path)) from None


def resolve_path(path: str | os.PathLike, *, error: type[TradesimError] = InputError) -> Path:
    """``Path(path).resolve()``, with a symlink loop or a NUL byte an ``error`` naming the file."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # RuntimeError: symlink loop (Python < 3.13)
        raise error(_path_problem(exc), file=_shown(path)) from None


def _shown(path: str | os.PathLike) -> str:
    try:
        return os.fsdecode(path)
    except (TypeError, ValueError):
        return repr(path)


def _a(what: str) -> str:
    return ("an " if what[:1].lower() in "aeio" else "a ") + what


def _too_large(what: str, cap: int) -> str:
    return f"larger than the limit of {cap:,} bytes for {_a(what)}"


def _path_problem(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, OSError):
        if exc.errno == errno.ELOOP:
            return "symbolic link loop"
        return f"cannot open: {exc.strerror or exc}"
    if isinstance(exc, RuntimeError):
        return "symbolic link loop"
    if "null" in str(exc):
        return "file name contains a NUL character"
    return f"invalid file name: {exc}"
