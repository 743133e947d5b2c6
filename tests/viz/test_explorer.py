"""The interactive explorer, with ipywidgets and with ipywidgets hidden."""

from __future__ import annotations

import sys

import pytest

from sim.model.game import build_game
from tests.conftest import LEVER_GAME, SCENARIOS


def test_explorer_with_widgets_updates_on_change(monkeypatch):
    pytest.importorskip("ipywidgets")
    from sim.viz import explorer
    from sim.viz.explorer import explore, strategy_options

    monkeypatch.setattr(explorer, "show", lambda obj, **kw: None)  # skip rasterising figures on each update
    ex = explore(LEVER_GAME, replicates=5)
    ui = ex.build()
    params = ex.controls["parameters"]
    assert set(params) == {n for n, p in ex.scenario.parameters.items() if p.range is not None}
    slider = params["us_re_cost"]
    assert (slider.min, slider.max, slider.value) == (20.0, 400.0, 150.0)
    assert ex.controls["strategies"]["china"].value == "deadline_truce:k=4"
    assert "scripted" not in strategy_options(ex.scenario)
    ex.controls["noise"].value = 0.1
    ex.controls["strategies"]["us"].value = "grim_trigger"
    assert ex.error is None and ex.last is not None
    assert ex.last.match.noise == 0.1 and ex.last.match.strategies[0] == "grim_trigger"
    slider.value = 400.0
    assert ex.last.game.A.min() < build_game(ex.scenario).A.min()  # a costlier bottleneck, lower payoffs
    ex.controls["discount"]["us"].value = 0.5
    assert ex.last.thresholds.discount[0] == 0.5
    ex.reset()
    assert ex.settings()["noise"] == ex.defaults["noise"] and slider.value == 150.0
    assert ui.children


def test_explorer_matrix_game_has_no_parameter_sliders():
    pytest.importorskip("ipywidgets")
    from sim.viz.explorer import explore

    ex = explore(SCENARIOS / "prisoners_dilemma.toml", replicates=3)
    ex.build()
    assert ex.controls["parameters"] == {}
    run = ex.run(noise=0.05, rounds=20)
    assert run.match.rounds == 20
    paths, space = run.figures()
    assert paths is not space


def test_explorer_without_ipywidgets_renders_statically(monkeypatch, capsys):
    import IPython.display as ipd

    from sim.viz import explorer

    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import now raises ImportError
    assert not explorer.widgets_available()
    shown = []
    monkeypatch.setattr(ipd, "display", lambda obj: shown.append(obj))
    ex = explorer.explore(SCENARIOS / "fivethirtyeight_trade.toml", replicates=3)
    ex._ipython_display_()
    assert "ipywidgets is not installed" in shown[0].data
    assert "Truce thresholds" in shown[1].data and "data:image/png;base64," in shown[1].data
    html = ex.static_html(noise=0.2)
    assert "noise 0.2" in html


def test_explorer_replays_games_with_state():
    from sim.model.load import load_scenario
    from sim.viz.explorer import explore, strategy_options

    ex = explore(SCENARIOS / "us_china_dynamic.toml", replicates=6)
    run = ex.run(strategies=("tit_for_tat", "markov"))
    assert type(run.match).__name__ == "DynamicMatchResult" and run.match.state_mean[1][0] == 90
    assert "markov" in strategy_options(load_scenario(SCENARIOS / "us_china_dynamic.toml"))
    assert "markov" not in strategy_options(load_scenario(LEVER_GAME))
