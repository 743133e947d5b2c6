"""The interactive explorer: its evaluations against direct play, its widgets, and without ipywidgets."""

from __future__ import annotations

import dataclasses
import io
import json
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from sim.errors import InputError
from sim.model.dynamic import build_dynamic_game
from sim.model.game import build_game
from sim.model.load import load_scenario
from sim.repeated.dynamic_play import play_dynamic
from sim.repeated.engine import play
from sim.repeated.payoff_set import feasible_ir_set
from sim.repeated.thresholds import truce_thresholds
from sim.stage.equilibria import nash_equilibria
from tests.conftest import LEVER_GAME, SCENARIOS

UC = SCENARIOS / "us_china_2025.toml"
UC_DYNAMIC = SCENARIOS / "us_china_dynamic.toml"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def uc_explorer():
    from sim.viz.explorer import explore

    return explore(UC, replicates=40)


def _same_match(a, b):
    assert a.strategies == b.strategies and a.rounds == b.rounds and a.replicates == b.replicates
    assert np.array_equal(a.actions, b.actions)
    assert np.allclose(a.total, b.total) and np.allclose(a.discounted, b.discounted)
    assert a.summary() == b.summary()


# ----------------------------------------------------------------------------- evaluation = direct play
CHANGES = {
    "scenario values": {},
    "parameters": {"parameters": {"us_re_cost": 300.0, "cn_audience": 1.5, "import_elast": 4.0}},
    "discount": {"discount": (0.5, 0.6)},
    "noise and misperception": {"noise": 0.1, "perception_noise": 0.05, "rounds": 20},
    "strategies": {"strategies": ("grim_trigger", "generous_tit_for_tat:g=0.3"), "noise": 0.05},
    "everything": {"parameters": {"us_buyer_weight": 0.9}, "discount": (0.7, 0.99), "noise": 0.2,
                   "strategies": ("win_stay_lose_shift", "tit_for_two_tats"), "rounds": 7},
}


@pytest.mark.parametrize("change", list(CHANGES.values()), ids=list(CHANGES))
def test_run_equals_direct_play_and_analyses(uc_explorer, change):
    """Each evaluation equals building the game with those parameters and playing it afresh."""
    run = uc_explorer.run(**change)
    scenario = load_scenario(UC)
    params = {name: p.value for name, p in scenario.parameters.items() if p.range is not None}
    params.update(change.get("parameters", {}))
    game = build_game(scenario, params)
    game = dataclasses.replace(game, discount=change.get("discount", game.discount))
    rep = scenario.repeated
    strategies = change.get("strategies", (rep.strategies["us"], rep.strategies["china"]))
    direct = play(game, strategies, rounds=change.get("rounds", rep.play_rounds), replicates=40,
                  noise=change.get("noise", rep.noise), perception_noise=change.get("perception_noise", 0.0), seed=0)
    assert np.array_equal(run.game.A, game.A) and np.array_equal(run.game.B, game.B)
    assert run.game.discount == game.discount
    _same_match(run.match, direct)
    assert run.thresholds.to_dict() == truce_thresholds(game).to_dict()
    ps = feasible_ir_set(game)
    assert np.allclose(run.payoff_set.feasible, ps.feasible) and np.allclose(run.payoff_set.minmax, ps.minmax)
    eqs = nash_equilibria(game, "auto", max_seconds=5.0)
    assert len(run.equilibria) == len(eqs)
    assert np.allclose([e.payoffs for e in run.equilibria], [e.payoffs for e in eqs])
    assert set(run.changed) == {n for n, v in change.get("parameters", {}).items() if v != scenario.parameters[n].value}


@pytest.mark.parametrize("path", [UC, UC_DYNAMIC], ids=["stage game", "game with state"])
def test_run_at_scenario_values_equals_tradesim_play(path):
    """At the scenario's values the explorer's match is the one ``tradesim play`` reports."""
    from sim.cli import main
    from sim.viz.explorer import explore

    ex = explore(path, replicates=40, seed=3)
    run = ex.run(noise=0.05, rounds=10)
    us, china = ex.defaults["strategies"]
    result = CliRunner().invoke(main, ["play", str(path), "--strategy", f"us={us}", "--strategy", f"china={china}",
                                       "--rounds", "10", "--replicates", "40", "--noise", "0.05", "--seed", "3",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.output)
    mine = json.loads(json.dumps(run.match.to_dict()))  # as the CLI writes it
    assert cli["summary"] == mine["summary"] and cli["by_round"] == mine["by_round"]
    assert cli["setup"]["discount"] == mine["setup"]["discount"]


def test_game_with_state_equals_direct_play_dynamic():
    from sim.viz.explorer import explore

    ex = explore(UC_DYNAMIC, replicates=12)
    change = {"parameters": {"us_re_cost": 250.0}, "discount": (0.8, 0.9), "noise": 0.1}
    run = ex.run(**change)
    scenario = load_scenario(UC_DYNAMIC)
    dynamic = dataclasses.replace(build_dynamic_game(scenario, {"us_re_cost": 250.0}), discount=(0.8, 0.9))
    direct = play_dynamic(dynamic, ex.defaults["strategies"], rounds=scenario.repeated.play_rounds, replicates=12,
                          noise=0.1, seed=0)
    _same_match(run.match, direct)
    assert np.array_equal(run.match.states, direct.states)


def test_reused_evaluations_equal_fresh_ones(uc_explorer):
    """Moving a slider away and back gives the first answer; a fresh explorer agrees at every step."""
    from sim.viz.explorer import explore

    steps = [{"parameters": {"us_re_cost": 60.0}}, {"parameters": {"us_re_cost": 60.0}, "noise": 0.2},
             {"noise": 0.2}, {"parameters": {"us_re_cost": 60.0}}]
    runs = [uc_explorer.run(**s) for s in steps]
    _same_match(runs[0].match, runs[3].match)
    assert runs[0].match is runs[3].match  # reused, not replayed
    fresh = explore(UC, replicates=40)
    for s, run in zip(steps, runs):
        _same_match(fresh.run(**s).match, run.match)
    assert np.array_equal(runs[2].game.A, build_game(load_scenario(UC)).A)


@pytest.mark.parametrize("settings, key", [({"noize": 0.1}, "noize"), ({"parameters": {"nope": 1.0}}, "parameters.nope")])
def test_unknown_settings_are_input_errors(uc_explorer, settings, key):
    with pytest.raises(InputError) as err:
        uc_explorer.run(**settings)
    assert err.value.key == key


def test_draw_updates_one_figure_in_place(uc_explorer):
    run = uc_explorer.run(parameters={"us_re_cost": 390.0}, rounds=30)
    png = uc_explorer.draw(run)
    fig = uc_explorer.figure
    assert png.startswith(PNG)
    assert uc_explorer.draw(uc_explorer.run()) and uc_explorer.figure is fig
    n_axes, n_artists = len(fig.fig.axes), sum(len(ax.get_children()) for ax in fig.fig.axes)
    uc_explorer.draw(run)
    assert (len(fig.fig.axes), sum(len(ax.get_children()) for ax in fig.fig.axes)) == (n_axes, n_artists)
    assert fig.axes_right[0].get_xlim() == (0.0, 30.0)
    offsets = fig._profiles.get_offsets()
    assert np.allclose(offsets[:, 0], run.game.A.ravel()) and np.allclose(offsets[:, 1], run.game.B.ravel())
    assert np.allclose(fig._avg.get_offsets()[0], run.match.per_round.mean(axis=0))


# ----------------------------------------------------------------------------- widgets
def test_explorer_with_widgets_updates_on_change():
    pytest.importorskip("ipywidgets")
    from sim.viz.explorer import explore, strategy_options

    ex = explore(LEVER_GAME, replicates=5)
    ui = ex.build()
    params = ex.controls["parameters"]
    assert set(params) == {n for n, p in ex.scenario.parameters.items() if p.range is not None}
    slider = params["us_re_cost"]
    assert (slider.min, slider.max, slider.value) == (20.0, 400.0, 150.0)
    assert ex.controls["strategies"]["china"].value == "deadline_truce:k=4"
    assert "scripted" not in strategy_options(ex.scenario)
    ex.controls["noise"].value = 0.1
    assert bytes(ex.output.value).startswith(PNG)  # the figure widget shows the redraw
    ex.controls["strategies"]["us"].value = "grim_trigger"
    assert ex.error is None and ex.last is not None
    assert ex.last.match.noise == 0.1 and ex.last.match.strategies[0] == "grim_trigger"
    slider.value = 400.0
    assert ex.last.game.A.min() < build_game(ex.scenario).A.min()  # a costlier bottleneck, lower payoffs
    ex.controls["discount"]["us"].value = 0.5
    assert ex.last.thresholds.discount[0] == 0.5
    assert "redrawn: evaluated in" in ex._widgets["status"].value and "Truce thresholds" in ex._widgets["summary"].value
    ex.reset()
    assert ex.settings()["noise"] == ex.defaults["noise"] and slider.value == 150.0
    assert ui.children


def test_widgets_put_the_figure_first_and_fold_the_parameters():
    W = pytest.importorskip("ipywidgets")
    from sim.viz.explorer import explore

    ex = explore(UC, replicates=3)
    ui = ex.build()
    row = ui.children[0]
    plots, column = row.children
    assert plots.children[0] is ex.output and isinstance(ex.output, W.Image)  # figure first, controls beside
    accordion = ex.controls["groups"]
    assert accordion in column.children and accordion.selected_index == 0
    assert len(accordion.children) == len(ex.groups) >= 3
    open_sliders = len(ex.groups[0].names)
    assert open_sliders <= 6 < len(ex.controls["parameters"])  # 25 sliders, 6 unfolded
    assert accordion.get_title(0) == f"most uncertain ({open_sliders})"


def test_a_bad_setting_is_a_message_not_a_traceback():
    pytest.importorskip("ipywidgets")
    from sim.viz.explorer import explore

    ex = explore(LEVER_GAME, replicates=3)
    ex.build()
    ex.update()
    shown = ex.output.value
    ex.controls["strategies"]["us"].options = [*ex.controls["strategies"]["us"].options, "escalation_ladder:k=-1"]
    ex.controls["strategies"]["us"].value = "escalation_ladder:k=-1"
    assert ex.error is not None and "cannot evaluate" in ex._widgets["status"].value
    assert bytes(ex.output.value) == bytes(shown) and len(shown) > 1000  # the last good view stays


def test_explorer_matrix_game_has_no_parameter_sliders():
    pytest.importorskip("ipywidgets")
    from sim.viz.explorer import explore

    ex = explore(SCENARIOS / "prisoners_dilemma.toml", replicates=3)
    ex.build()
    assert ex.controls["parameters"] == {} and ex.controls["groups"] is None and ex.groups == ()
    run = ex.run(noise=0.05, rounds=20)
    assert run.match.rounds == 20
    paths, space = run.figures()
    assert paths is not space
    assert ex.draw(run).startswith(PNG)


def test_explorer_without_ipywidgets_renders_statically(monkeypatch):
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
    assert "noise 0.2" in html and "noise=0.2" in html  # the match table and the call that redoes it


def test_explorer_replays_games_with_state():
    from sim.viz.explorer import explore, strategy_options

    ex = explore(UC_DYNAMIC, replicates=6)
    run = ex.run(strategies=("tit_for_tat", "markov"))
    assert type(run.match).__name__ == "DynamicMatchResult" and run.match.state_mean[1][0] == 90
    assert "markov" in strategy_options(load_scenario(UC_DYNAMIC))
    assert "markov" not in strategy_options(load_scenario(LEVER_GAME))
    assert ex.draw(run).startswith(PNG) and ex.figure.n_state == len(run.match.dynamic.states.names)
    again = ex.run(strategies=("tit_for_tat", "markov"), noise=0.1)  # same game: the Markov policy is reused
    assert again.match.dynamic is run.match.dynamic


def test_the_blitted_view_is_the_whole_figure_drawn_afresh(uc_explorer):
    """Painting the moving artists over the cached background gives the picture a full draw gives,
    also after an export has drawn the figure at another resolution."""
    from PIL import Image

    from sim.viz.explorer_figure import ExplorerFigure

    run = uc_explorer.run(parameters={"cn_audience": 1.8}, noise=0.12, rounds=16)
    uc_explorer.draw(uc_explorer.run(discount=(0.3, 0.4)))  # other data first, so every moving artist moves
    uc_explorer.static_html(noise=0.25)  # a draw at the export resolution in between
    live = uc_explorer.draw(run)
    fresh = ExplorerFigure(run.game)
    fresh.update(run)
    buf = io.BytesIO()
    fresh.fig.savefig(buf, format="png", dpi=fresh.dpi)
    a = np.asarray(Image.open(io.BytesIO(live)).convert("RGB"), dtype=int)
    b = np.asarray(Image.open(buf).convert("RGB"), dtype=int)
    assert a.shape == b.shape
    assert (np.abs(a - b).sum(axis=2) > 30).mean() < 1e-4  # anti-aliasing aside, the same pixels
