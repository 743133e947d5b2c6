"""Fixtures of the classroom tests: a classroom on a bundled scenario in a fresh database."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.classroom.game import playable_game
from sim.classroom.room import Classroom, ClassSettings
from sim.classroom.store import Store
from sim.model.game import build_game
from sim.model.load import document_hash, load_scenario
from tests.conftest import SCENARIOS


def _open_room(db: Path, scenario: str = "prisoners_dilemma", *, new: bool = False, **settings) -> tuple[Classroom, bool]:
    """A classroom on ``scenarios/<scenario>.toml`` stored in ``db``."""
    path = str(SCENARIOS / f"{scenario}.toml")
    sc = load_scenario(path)
    game = playable_game(sc, build_game(sc), source=path)
    return Classroom.open(Store(db), path, document_hash(path), game, ClassSettings(**settings), new=new)


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "class.sqlite"


@pytest.fixture
def open_room():
    """``open_room(db, scenario="prisoners_dilemma", new=False, **settings) -> (Classroom, resumed)``."""
    return _open_room
