"""Test oracle: run ``lrsnash`` (Debian package ``lrslib``) on an integer bimatrix game.

lrsnash enumerates all extreme equilibria in exact arithmetic (Avis et al. 2010). Its output
groups equilibria in blocks: every ``2 ...`` line (column strategy) of a block pairs with every
``1 ...`` line (row strategy) of the same block.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np

LRSNASH = shutil.which("lrsnash")


def lrsnash(A: np.ndarray, B: np.ndarray, timeout: float = 600) -> list[tuple[np.ndarray, np.ndarray]]:
    """Extreme equilibria ``(x, y)`` of the integer game ``(A, B)`` according to lrsnash."""
    A = np.asarray(A)
    B = np.asarray(B)
    m, n = A.shape
    text = f"{m} {n}\n\n" + "\n".join(" ".join(str(int(v)) for v in r) for r in A)
    text += "\n\n" + "\n".join(" ".join(str(int(v)) for v in r) for r in B) + "\n"
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "game.txt"
        path.write_text(text)
        out = subprocess.run([LRSNASH, str(path)], capture_output=True, text=True, timeout=timeout, check=True).stdout
    pairs = []
    ys: list[np.ndarray] = []
    xs: list[np.ndarray] = []
    for line in out.splitlines() + [""]:
        parts = line.split()
        if not parts or parts[0].startswith("*"):
            for x in xs:
                for y in ys:
                    pairs.append((x, y))
            if not parts:
                xs, ys = [], []
            continue
        vals = [float(Fraction(p)) for p in parts[1:]]
        if parts[0] == "2":
            if xs:  # a new block started without a blank line
                for x in xs:
                    for y in ys:
                        pairs.append((x, y))
                xs, ys = [], []
            ys.append(np.array(vals[:n]))
        elif parts[0] == "1":
            xs.append(np.array(vals[:m]))
    return pairs
