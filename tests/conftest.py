"""Shared fixtures: the bundled scenarios and a helper to write scenario files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


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

    return build_game(load_scenario(SCENARIOS / "us_china_2025.toml"))
