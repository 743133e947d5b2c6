"""The explorer's controls: parameter groups, labels and slider steps."""

from __future__ import annotations

import pytest

from sim.model.game import compile_payoffs
from sim.model.load import load_scenario
from sim.viz.explorer_controls import (
    parameter_groups,
    parameter_label,
    slider_step,
    uncertainty,
)
from tests.conftest import LEVER_GAME, SCENARIOS

FILES = sorted(SCENARIOS.glob("*.toml")) + [LEVER_GAME]


def _groups(path, **kw):
    scenario = load_scenario(path)
    compiled = None if scenario.is_matrix_game else compile_payoffs(scenario)
    return scenario, compiled, parameter_groups(scenario, compiled, **kw)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_parameter_with_a_range_is_in_exactly_one_group(path):
    scenario, _, groups = _groups(path)
    placed = [n for g in groups for n in g.names]
    ranged = [n for n, p in scenario.parameters.items() if p.range is not None]
    assert sorted(placed) == sorted(ranged)  # each once: no duplicates, none missing, no fixed one
    assert all(g.names for g in groups) and len({g.title for g in groups}) == len(groups)


@pytest.mark.parametrize("first", [0, 3, 6, 100])
def test_the_open_group_holds_the_most_uncertain(first):
    scenario, _, groups = _groups(SCENARIOS / "us_china_2025.toml", first=first)
    params = scenario.parameters
    top = groups[0].names if groups[0].title == "most uncertain" else ()
    assert len(top) == min(first, 25)
    rest = [n for g in groups[1:] if g.title != "most uncertain" for n in g.names]
    key = [(params[n].source is not None, -uncertainty(params[n])) for n in top]
    assert key == sorted(key)  # assumptions first, then by relative range
    for n in top:
        for m in rest:  # nothing folded away is more uncertain than what is open
            assert (params[n].source is not None, -uncertainty(params[n])) <= (params[m].source is not None,
                                                                                  -uncertainty(params[m]))


def test_folded_groups_follow_the_side_whose_payoff_reads_them():
    scenario, compiled, groups = _groups(SCENARIOS / "us_china_2025.toml")
    readers = {}
    for k, terms in enumerate(compiled.terms):
        for _, expr in terms:
            for n in expr.parameters:
                readers.setdefault(n, set()).add(k)
    expected = {"United States' payoff only": {0}, "China's payoff only": {1}, "both sides' payoffs": {0, 1}}
    titles = [g.title for g in groups]
    assert titles[0] == "most uncertain" and set(titles[1:]) <= set(expected) | {"not in the payoffs"}
    for g in groups[1:]:
        for n in g.names:
            assert readers.get(n, set()) == expected.get(g.title, set()), (g.title, n)
    assert "us_buyer_weight" in groups[0].names  # an assumption over 0.1..1 around 0.25 (the knife edge): open
    assert "pass_through" in [n for g in groups[1:] for n in g.names]  # sourced, 0.9..1: folded


def test_groups_of_a_game_with_state():
    scenario, _, groups = _groups(SCENARIOS / "us_china_dynamic.toml")
    assert groups[0].title == "most uncertain"
    assert sum(len(g.names) for g in groups) == sum(p.range is not None for p in scenario.parameters.values())


@pytest.mark.parametrize("name, label", [("us_re_cost", "US rare-earth cost"), ("import_elast", "Import elasticity"),
                                         ("cn_audience", "China audience"), ("soy_price", "Soybean price"),
                                         ("re_equiv", "Rare-earth equivalent")])
def test_labels_spell_out_the_names(name, label):
    scenario = load_scenario(SCENARIOS / "us_china_2025.toml")
    assert parameter_label(name, scenario.parameters[name], scenario) == label


def test_a_short_description_is_the_label():
    scenario = load_scenario(SCENARIOS / "us_china_2025.toml")
    p = scenario.parameters["us_re_cost"]
    described = type(p)(**{**{f: getattr(p, f) for f in ("value", "unit", "range", "assumption")},
                           "description": "Cost of a magnet cut-off"})
    assert parameter_label("us_re_cost", described) == "Cost of a magnet cut-off"


@pytest.mark.parametrize("lo, value, hi, step", [(20, 150, 400, 5), (0.9, 0.95, 1.0, 0.002), (2.5, 3.0, 5.1, 0.05),
                                                 (0, 0.65, 2, 0.01), (0.0, 1.0, 1.0, 0.02), (1.0, 1.0, 2.0, 0.02)])
def test_slider_steps_are_round_and_reach_the_scenario_value(lo, value, hi, step):
    got = slider_step(lo, value, hi)
    assert got == pytest.approx(step)
    if hi > lo:
        assert got <= (hi - lo) / 50 + 1e-12
        q = (value - lo) / got
        assert abs(q - round(q)) < 1e-6


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_slider_shows_its_scenario_value(path):
    scenario = load_scenario(path)
    for p in scenario.parameters.values():
        if p.range is not None and p.range[1] > p.range[0]:
            step = slider_step(p.range[0], p.value, p.range[1])
            q = (p.value - p.range[0]) / step
            assert abs(q - round(q)) < 1e-6


def test_slider_rows_show_label_and_unit_not_the_raw_name():
    pytest.importorskip("ipywidgets")
    from sim.viz.explorer import explore

    ex = explore(SCENARIOS / "us_china_2025.toml", replicates=3)
    ex.build()
    accordion = ex.controls["groups"]
    rows = [row for box in accordion.children for row in box.children]
    assert len(rows) == 25
    by_slider = {row.children[1]: row.children[0].value for row in rows}
    slider = ex.controls["parameters"]["us_re_cost"]
    text = by_slider[slider]
    assert "US rare-earth cost" in text and "[USD bn/yr at 100% withheld]" in text
    assert ">us_re_cost<" not in text and slider.description == ""
    assert "◆" in text  # an assumption
    assert "◆" not in by_slider[ex.controls["parameters"]["import_elast"]]  # a sourced number
