"""The prose of the lessons and the teacher's guide, for tests that recompute what it says.

A claim test computes a number, formats it the way the lesson writes it and checks that the lesson
says exactly that (:func:`says`): the number in the sentence is the test's, never a copy, so a
recalibration that moves it fails the test instead of leaving a wrong sentence.
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "notebooks" / "lessons"
GUIDE = ROOT / "notebooks" / "TEACHERS_GUIDE.md"


def normalise(text: str) -> str:
    """Markdown emphasis, code marks and escapes dropped, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"[*`\\]", "", text)).strip()


@lru_cache(maxsize=None)
def lesson(number: int):
    """The lesson source module ``notebooks/lessons/l0N_*.py``."""
    (path,) = LESSONS.glob(f"l0{number}_*.py")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@lru_cache(maxsize=None)
def prose(number: int) -> str:
    """Everything a lesson says in words: markdown cells, exercise prompts and answers."""
    parts = []
    for item in lesson(number).CELLS:
        if item[0] == "md":
            parts.append(item[1])
        elif item[0] == "exercise":
            parts += [item[1], item[4]]
    return normalise("\n".join(parts))


@lru_cache(maxsize=None)
def code(number: int) -> str:
    """Every code cell of a lesson, solutions included."""
    parts = [lesson(number).SETUP if hasattr(lesson(number), "SETUP") else ""]
    for item in lesson(number).CELLS:
        if item[0] == "code":
            parts.append(item[1])
        elif item[0] == "exercise":
            parts += [item[2], item[3]]
    return "\n".join(parts)


@lru_cache(maxsize=None)
def guide() -> str:
    return normalise(GUIDE.read_text(encoding="utf-8"))


def says(text: str, *fragments: str) -> None:
    """Assert that ``text`` (a :func:`prose` or :func:`guide`) contains every fragment, normalised."""
    for fragment in fragments:
        want = normalise(fragment)
        assert want in text, f"the text should say {want!r}; it does not (a number changed?)"


def num(x: float, digits: int = 0, *, sign: bool = False) -> str:
    """``x`` as the lessons write it: fixed digits, a true minus sign, ``+`` only if asked."""
    text = f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"
    return text.replace("-", "−")
