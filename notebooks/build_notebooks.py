"""Write the lesson notebooks (students' and teachers') from the lesson sources in ``notebooks/lessons/``.

Usage, from the repository root::

    python notebooks/build_notebooks.py          # rewrite every .ipynb, outputs stripped

Each lesson source is a Python module with a ``CELLS`` list of ``("md", text)``, ``("code", source)``
and ``("exercise", prompt, stub, solution, answer)`` items. Students get the prompt and the stub in
``notebooks/``; the teacher's copy in the top-level ``teacher/`` folder (outside the students'
folder, at the same depth, so ``../scenarios`` resolves from both) gets the prompt, the solution
code and the answer.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
LESSONS = HERE / "lessons"
TEACHER = HERE.parent / "teacher"
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _cell(kind: str, text: str):
    text = text.strip("\n")
    return nbformat.v4.new_markdown_cell(text) if kind == "md" else nbformat.v4.new_code_cell(text)


def build(module, teacher: bool) -> nbformat.NotebookNode:
    """One notebook from a lesson module, for students or teachers."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata["language_info"] = {"name": "python"}
    cells = []
    number = 0
    for item in module.CELLS:
        kind = item[0]
        if kind in ("md", "code"):
            text = item[1]
            if kind == "md" and teacher and "{teacher_note}" in text:
                text = text.replace("{teacher_note}", module.TEACHER_NOTE)
            text = text.replace("{teacher_note}", "")
            cells.append(_cell(kind, text))
            continue
        number += 1
        _, prompt, stub, solution, answer = item
        heading = f"### Exercise {module.LESSON}.{number}\n\n"
        cells.append(_cell("md", heading + prompt.strip("\n")))
        if teacher:
            cells.append(_cell("code", solution))
            cells.append(_cell("md", f"**Solution {module.LESSON}.{number}.** " + answer.strip("\n")))
        else:
            cells.append(_cell("code", stub))
    nb.cells = cells
    for k, c in enumerate(nb.cells):  # stable ids, so rebuilding does not churn the files
        c.id = f"cell-{k:03d}"
    return nb


def output_path(module, teacher: bool) -> Path:
    """Where the students' or the teacher's notebook of a lesson module is written."""
    return TEACHER / f"{module.NAME}_solutions.ipynb" if teacher else HERE / f"{module.NAME}.ipynb"


def main() -> int:
    TEACHER.mkdir(exist_ok=True)
    for path in sorted(LESSONS.glob("l0*.py")):
        module = _load(path)
        for teacher in (False, True):
            nb = build(module, teacher)
            nbformat.validate(nb)
            out = output_path(module, teacher)
            nbformat.write(nb, out)
            print(f"wrote {out.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
