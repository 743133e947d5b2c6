"""The lesson notebooks: committed without outputs, free of machine paths, consistent between the
students' and teachers' copies, and executed top to bottom on a fresh kernel (marker ``notebooks``).

Executing: each notebook runs under nbclient with the default ``python3`` kernel and its own
directory as working directory (so ``../scenarios/...`` resolves); a failing cell fails the test
with the cell's source and the error. Run only these with ``pytest -m notebooks``.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest

from sim.notebooks_tools import is_stripped, notebook_paths, strip_notebook

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LESSONS = (
    "01_standoff_as_a_game",
    "02_why_truces_hold_or_break",
    "03_noise_and_escalation_spirals",
    "04_leverage_and_bargaining",
    "05_sweeping_the_scenario",
)
ALL = notebook_paths([NOTEBOOKS])
IDS = [str(p.relative_to(NOTEBOOKS)) for p in ALL]
#: Seconds a whole notebook may take (the lessons are written to run in well under this).
BUDGET = 90.0
MACHINE_PATH = re.compile(r"(/work/|/home/|/Users/|/tmp/|[A-Za-z]:\\\\|\.venv)")


def read(path: Path):
    return nbformat.read(path, as_version=4)


def exercises(nb) -> list[str]:
    return re.findall(r"^### Exercise (\d+\.\d+)", "\n".join(c.source for c in nb.cells if c.cell_type == "markdown"),
                      flags=re.M)


def test_every_lesson_has_a_students_and_a_teachers_notebook():
    for name in LESSONS:
        assert (NOTEBOOKS / f"{name}.ipynb").is_file(), name
        assert (NOTEBOOKS / "teacher" / f"{name}_solutions.ipynb").is_file(), name
    assert (NOTEBOOKS / "TEACHERS_GUIDE.md").is_file()


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_committed_without_outputs(path):
    nb = read(path)
    nbformat.validate(nb)
    assert is_stripped(nb), f"{path.name} has outputs: run `python -m sim.notebooks_tools strip`"
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_no_machine_paths(path):
    for cell in read(path).cells:
        hit = MACHINE_PATH.search(cell.source)
        assert hit is None, f"{path.name}: machine path {hit.group(0)!r} in\n{cell.source}"


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_structure(name):
    """Starts from the seeds' story, states goals, ends with exercises whose solutions are separate."""
    student = read(NOTEBOOKS / f"{name}.ipynb")
    teacher = read(NOTEBOOKS / "teacher" / f"{name}_solutions.ipynb")
    text = "\n".join(c.source for c in student.cells if c.cell_type == "markdown")
    assert re.search(r"seeds/00\d\.md", text), "the lesson cites no seed digest"
    assert "## Learning goals" in text and "## Exercises" in text
    numbers = exercises(student)
    assert numbers, "no exercises"
    assert numbers == exercises(teacher)
    declared = re.search(r"^(\w+) exercises?\.", text, flags=re.M)
    words = {"One": 1, "Two": 2, "Three": 3, "Four": 4, "Five": 5, "Six": 6}
    assert declared and words[declared.group(1)] == len(numbers), "the stated exercise count is wrong"
    solutions = [c.source for c in teacher.cells if c.cell_type == "markdown" and c.source.startswith("**Solution ")]
    assert len(solutions) == len(numbers)
    assert not any(s.startswith("**Solution ") for s in (c.source for c in student.cells)), "solution in students' copy"


def test_strip_notebook_removes_outputs():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1 + 1")
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "2"}, execution_count=1)]
    cell.execution_count = 1
    cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    nb.cells = [cell]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    assert not is_stripped(nb)
    assert is_stripped(strip_notebook(nb))
    assert nb.cells[0].source == "1 + 1"


@pytest.mark.notebooks
@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_notebook_executes(path):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = read(path)
    client = NotebookClient(nb, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as exc:  # the message holds the failing cell's source and traceback
        pytest.fail(f"{path.name}: a cell failed\n{exc}", pytrace=False)
    elapsed = time.perf_counter() - start
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    assert elapsed < BUDGET, f"{path.name} took {elapsed:.0f} s"


def test_notebooks_match_their_lesson_sources():
    """The committed notebooks are what ``notebooks/build_notebooks.py`` writes from the sources."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_notebooks", NOTEBOOKS / "build_notebooks.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    sources = sorted((NOTEBOOKS / "lessons").glob("l0*.py"))
    assert len(sources) == len(LESSONS)
    for source in sources:
        module = builder._load(source)
        for teacher in (False, True):
            built = builder.build(module, teacher)
            path = (NOTEBOOKS / "teacher" / f"{module.NAME}_solutions.ipynb") if teacher else NOTEBOOKS / f"{module.NAME}.ipynb"
            committed = read(path)
            assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in built.cells], (
                f"{path.name} differs from {source.name}: run `python notebooks/build_notebooks.py`")
