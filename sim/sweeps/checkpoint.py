"""A sweep's checkpoint: the lock that admits one writer, the directory that identifies the sweep,
and chunk files that carry the sweep's identity and are verified before they are trusted.

``OUT.parts/design.json`` names the sweep (its key, :attr:`SweepPlan.key`); each
``OUT.parts/chunk-NNNNNN.parquet`` carries the same key, its index and its run bounds in the
Parquet schema metadata. On resume a chunk is used only if all of these match the plan and its
``point``/``replicate``/``seed`` columns are the runs the plan expects; anything else (another
sweep's chunk, a damaged or truncated file) is discarded and recomputed.

``OUT.parts.lock`` is locked with ``fcntl.flock`` while a sweep reads or writes the checkpoint.
The operating system releases the lock when its process ends, however it ends (``kill -9``
included), so a stale lock file is harmless: the next sweep locks it again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from sim._files import write_atomic
from sim._random import run_seeds
from sim.errors import InputError
from sim.sweeps.plan import SweepPlan

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = ["CheckpointLock", "lock_path", "open_checkpoint", "save_chunk", "load_chunk", "chunk_file"]

_META = b"tradesim.sweep"


def lock_path(parts: str | os.PathLike) -> Path:
    """Lock file of a checkpoint directory: ``OUT.parts.lock``, beside it (never inside: an
    ``--overwrite`` removes the directory, and the lock must outlive that)."""
    return Path(f"{parts}.lock")


class CheckpointLock:
    """An exclusive, non-blocking OS lock on ``OUT.parts.lock``; a second writer is an :class:`InputError`.

    Use as a context manager. Released (and the lock file removed) on exit; released by the
    operating system if the process dies.
    """

    def __init__(self, parts: str | os.PathLike):
        self.parts = Path(parts)
        self.path = lock_path(parts)
        self._fd: int | None = None

    def __enter__(self) -> "CheckpointLock":
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as exc:
                raise InputError(f"cannot create the lock file {str(self.path)!r}: {exc.strerror}", key="--out") from None
            if not _try_lock(fd):
                owner = _read_owner(fd)
                os.close(fd)
                who = f" (pid {owner})" if owner else ""
                name = str(self.parts).removesuffix(".parts")
                raise InputError(f"another sweep{who} is writing {name!r} right now; wait for it to "
                                 "finish or stop it, then run again", key="--out")
            # the previous holder removes the file as it lets go: make sure we locked the file that is there
            try:
                current = os.stat(self.path)
            except FileNotFoundError:
                current = None
            if current is not None and os.path.samestat(os.fstat(fd), current):
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def __exit__(self, *exc) -> bool:
        if self._fd is not None:
            try:
                self.path.unlink(missing_ok=True)  # while still locked, so nobody locks the old file
            except OSError:  # pragma: no cover - e.g. a read-only directory since
                pass
            os.close(self._fd)  # releases the lock
            self._fd = None
        return False


def _try_lock(fd: int) -> bool:
    if fcntl is None:  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:  # pragma: no cover - a file system without locks
        raise InputError(f"cannot lock {exc.filename or 'the checkpoint'}: {exc.strerror}", key="--out") from None
    return True


def _read_owner(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:  # pragma: no cover
        return ""
    return text if text.isdigit() else ""


# ----------------------------------------------------------------------------- the directory
def open_checkpoint(parts: Path, plan: SweepPlan) -> tuple[int, int]:
    """Create ``parts`` for ``plan``, or check that the one there is ``plan``'s; return its identity.

    The identity (device, inode) lets :func:`save_chunk` notice a directory removed or replaced
    under the sweep.
    """
    design_file = parts / "design.json"
    if design_file.exists():
        try:
            saved = json.loads(design_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}
        if not isinstance(saved, dict) or saved.get("key") != plan.key:
            raise InputError(f"the checkpoint in {parts} belongs to a different sweep "
                             "(scenario, design, metrics, seed or chunking differ); use --overwrite to start again",
                             key="--resume")
    else:
        try:
            parts.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create {str(parts)!r}: {exc.strerror}", key="--out") from None
        text = json.dumps(plan.describe(), indent=2)
        write_atomic(design_file, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    st = os.stat(parts)
    return st.st_dev, st.st_ino


def chunk_file(parts: Path, index: int) -> Path:
    """Path of chunk ``index``."""
    return parts / f"chunk-{index:06d}.parquet"


def _identity(plan: SweepPlan, index: int) -> dict:
    lo, hi = plan.chunk_bounds(index)
    return {"key": plan.key, "chunk": index, "lo": lo, "hi": hi}


def save_chunk(parts: Path, ident: tuple[int, int], plan: SweepPlan, index: int,
               cols: Mapping[str, np.ndarray]) -> None:
    """Write chunk ``index`` atomically, stamped with the plan's key and the chunk's bounds."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        st = os.stat(parts)
        same = (st.st_dev, st.st_ino) == ident
    except OSError:
        same = False
    if not same:
        raise InputError(f"the checkpoint {str(parts)!r} was removed or replaced by another process while this "
                         "sweep ran; no results were written; run the sweep again", key="--out")
    table = pa.table({k: np.asarray(v) for k, v in cols.items()})
    table = table.replace_schema_metadata({_META: json.dumps(_identity(plan, index)).encode()})
    write_atomic(chunk_file(parts, index), lambda tmp: pq.write_table(table, tmp))


def load_chunk(parts: Path, plan: SweepPlan, index: int, names: Sequence[str]) -> dict[str, np.ndarray] | None:
    """Chunk ``index`` if it is there and verifiably this plan's chunk; ``None`` to recompute it."""
    import pyarrow.parquet as pq

    path = chunk_file(parts, index)
    if not path.exists():
        return None
    try:
        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {}).get(_META, b"null"))
    except Exception:  # a damaged file is recomputed, never trusted
        return None
    if meta != _identity(plan, index) or list(table.column_names) != list(names):
        return None
    lo, hi = plan.chunk_bounds(index)
    if table.num_rows != hi - lo:
        return None
    cols = {name: table.column(name).to_numpy() for name in table.column_names}
    rows = np.arange(lo, hi, dtype=np.int64)
    if not (np.array_equal(cols["point"], rows // plan.replicates)
            and np.array_equal(cols["replicate"], rows % plan.replicates)
            and np.array_equal(cols["seed"], run_seeds(plan.job.seed, rows))):
        return None
    values = plan.design.points[rows // plan.replicates]
    if not all(np.array_equal(np.asarray(cols[path], dtype=float), values[:, a])
               for a, path in enumerate(plan.job.paths)):
        return None
    return cols
