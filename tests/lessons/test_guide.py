"""The teacher's guide: timings that add up, a 50-minute plan, and the set-up it tells teachers."""

from __future__ import annotations

import re

import pytest

from tests.lessons.lesson_text import GUIDE, ROOT, lesson

TEXT = GUIDE.read_text(encoding="utf-8")


def _section(number: int) -> str:
    start = TEXT.index(f"## Lesson {number} ")
    end = TEXT.find("\n## ", start + 1)
    return TEXT[start:end]


@pytest.mark.parametrize("number", range(1, 7))
def test_timings_add_up_to_the_stated_length(number):
    row = re.search(rf"^\| {number} \| `(\d\d_\w+)\.ipynb` \| (\d+) min \| (\d+) \|$", TEXT, flags=re.M)
    assert row, f"lesson {number} is missing from the guide's table"
    name, minutes, exercises = row.group(1), int(row.group(2)), int(row.group(3))
    module = lesson(number)
    assert module.NAME == name
    stated = re.search(r"\*About (\d+) minutes\.", module.CELLS[0][1])
    assert stated and int(stated.group(1)) == minutes, "the notebook and the guide give different lengths"
    timing = re.search(r"\*\*Timing\.\*\*(.*?)\n\n", _section(number), flags=re.S).group(1)
    parts = [int(m) for m in re.findall(r"(\d+)(?:–\d+)? min", timing)]
    assert not re.search(r"\d+–\d+ min", timing), "a timing is a range: the parts cannot add up to the length"
    assert sum(parts) == minutes, f"lesson {number}: {' + '.join(map(str, parts))} != {minutes}"
    activity = re.search(r"\*\*Classroom activity: [^*]*\((\d+) min\)", _section(number))
    assert activity and re.search(rf"activity {activity.group(1)} min", timing), "the activity's length differs"
    assert sum(item[0] == "exercise" for item in module.CELLS) == exercises


def test_a_fifty_minute_plan():
    plan = TEXT[TEXT.index("## A 50-minute class"):]
    plan = plan[:plan.index("\n## ")]
    minutes = [int(m) for m in re.findall(r"^\| (\d+) \|", plan, flags=re.M)]
    assert sum(minutes) == 50 and len(minutes) >= 4
    assert "tradesim classroom" in plan and "make handouts" in plan


def test_set_up_for_teachers_and_students():
    assert "make lab" in TEXT and "python -m ipykernel install --user --name tradesim" in TEXT
    assert "Students: nothing" in TEXT and "docs/classroom.md" in TEXT
    assert "`teacher/" in TEXT and "notebooks/teacher" not in TEXT
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^lab: ", makefile, flags=re.M) and re.search(r"^handouts: ", makefile, flags=re.M)
    extra = re.search(r"^notebook = \[(.*)\]$", (ROOT / "pyproject.toml").read_text(encoding="utf-8"), flags=re.M)
    assert extra and "jupyterlab" in extra.group(1)
    pins = (ROOT / "constraints.txt").read_text(encoding="utf-8")
    assert re.search(r"^jupyterlab==", pins, flags=re.M)
