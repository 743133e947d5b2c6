"""Keep the lesson notebooks committed without outputs.

``python -m sim._notebooks strip [PATH ...]`` removes outputs, execution counts and execution
timing metadata from notebooks (default: every ``.ipynb`` under ``notebooks/`` and ``teacher/``), in place.
``python -m sim._notebooks check [PATH ...]`` lists notebooks that still carry outputs and exits
with status 1 if there are any. No ``make``, no pre-commit hook needed; the test suite runs the same
check (``tests/test_notebooks.py``). See ``docs/notebooks.md`` for why outputs are stripped.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterable, Sequence

__all__ = ["notebook_paths", "is_stripped", "strip_notebook", "strip", "check", "main"]

#: Cell metadata keys written by running a notebook (nbclient's timings, Jupyter's UI state).
VOLATILE_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")


def notebook_paths(paths: Sequence[str | Path] = ()) -> list[Path]:
    """Notebooks named in ``paths`` (files or directories), default everything under ``notebooks/``
    (the students' copies) and ``teacher/`` (the solutions)."""
    roots = [Path(p) for p in paths] or [p for p in (Path("notebooks"), Path("teacher")) if p.exists()]
    out: list[Path] = []
    for root in roots:
        if root.is_dir():
            out.extend(p for p in sorted(root.rglob("*.ipynb")) if ".ipynb_checkpoints" not in p.parts)
        elif root.suffix == ".ipynb":
            out.append(root)
    return out


def is_stripped(nb) -> bool:
    """Whether a notebook (an ``nbformat`` node) has no outputs, counts or run metadata."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.get("outputs") or cell.get("execution_count") is not None:
            return False
        if any(k in cell.get("metadata", {}) for k in VOLATILE_METADATA):
            return False
    return "widgets" not in nb.metadata


def strip_notebook(nb):
    """Remove outputs, execution counts, run metadata and saved widget state, in place; return ``nb``."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in VOLATILE_METADATA:
            cell.get("metadata", {}).pop(key, None)
    nb.metadata.pop("widgets", None)
    return nb


def strip(paths: Iterable[Path]) -> list[Path]:
    """Strip each notebook file that needs it; return the files changed."""
    import nbformat

    changed = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if not is_stripped(nb):
            nbformat.write(strip_notebook(nb), path)
            changed.append(path)
    return changed


def check(paths: Iterable[Path]) -> list[Path]:
    """The notebook files that still carry outputs."""
    import nbformat

    return [p for p in paths if not is_stripped(nbformat.read(p, as_version=4))]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``strip`` or ``check``, then optional paths."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("strip", "check"):
        print("usage: python -m sim._notebooks {strip|check} [PATH ...]", file=sys.stderr)
        return 2
    command, paths = args[0], notebook_paths(args[1:])
    if command == "strip":
        for p in strip(paths):
            print(f"stripped {p}")
        return 0
    dirty = check(paths)
    for p in dirty:
        print(f"has outputs: {p}")
    return 1 if dirty else 0


if __name__ == "__main__":
    sys.exit(main())
