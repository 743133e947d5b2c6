"""The loader on bad documents: an ``extends`` cycle, and fuzzed documents give one clean error."""

from __future__ import annotations

import copy

import pytest
import tomllib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.model.game import build_game
from sim.model.load import scenario_from_dict
from tests.conftest import LEVER_GAME
from tests.scenario_texts import LEVERS, PD


def test_self_extends(write_scenario):
    path = write_scenario('extends = "self.toml"\n', "self.toml")
    with pytest.raises(ScenarioError, match="extends cycle"):
        from sim.model.load import load_scenario

        load_scenario(path)


_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def _paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, (*prefix, i))


@st.composite
def mutated_documents(draw):
    base = tomllib.loads(draw(st.sampled_from([PD, LEVERS, (LEVER_GAME).read_text()])))
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["delete", "replace", "add"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=6))] = draw(_values)
        else:
            parent[path[-1]] = draw(_values)
    return doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_fuzz_loader_valid_or_one_clean_error(doc):
    try:
        scenario = scenario_from_dict(doc, source="fuzz.toml")
        build_game(scenario, source="fuzz.toml")
    except ScenarioError as exc:
        text = str(exc)
        assert text.startswith("fuzz.toml")
        assert "\n" not in text
        for problem in exc.problems:  # what ``tradesim validate`` prints, one line each
            assert str(problem).startswith("fuzz.toml: ") and "\n" not in str(problem)
        assert len({str(p) for p in exc.problems}) == len(exc.problems)
