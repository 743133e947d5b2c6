"""Shared fixtures: the bundled scenarios and a helper to write scenario files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
#: A fixed lever game for tests of the machinery; not the calibrated scenario (see its header).
LEVER_GAME = ROOT / "tests" / "data" / "us_china_levers.toml"


@pytest.fixture
def write_scenario(tmp_path):
    """Write a dedented TOML text to ``tmp_path/name`` and return its path."""

    def write(text: str, name: str = "scenario.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def us_china_game():
    from sim.model.game import build_game
    from sim.model.load import load_scenario

    return build_game(load_scenario(LEVER_GAME))


@pytest.fixture(scope="session", autouse=True)
def _warm_numba_kernels():
    """Compile (or load from numba's cache) the kernels once, before the first test is timed.

    Without this the first test that plays a match or enumerates vertices with the compiled engine
    carries the compilation time, and ``--durations`` points at it instead of at slow tests.
    """
    import numpy as np

    from sim.repeated.kernels import kernels
    from sim.stage.enumeration import vertex_enumeration_arrays

    kernels()
    A = np.array([[3.0, 0.0], [5.0, 1.0]])
    vertex_enumeration_arrays(A, A.T, engine="numba")
