"""Figures for a brief: labels, legends, units and markers checked on the drawn artists."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.lines import Line2D

from sim.model.game import StageGame
from sim.repeated.curves import threshold_curve
from sim.repeated.engine import play
from sim.repeated.evolution import moran, replicator
from sim.repeated.evolution_two import moran_two, replicator_two
from sim.repeated.tournament import round_robin
from sim.viz import plots
from tests.conftest import SCENARIOS

PD = StageGame.from_matrices([[3, 0], [5, 1]], [[3, 5], [0, 1]], actions=(("C", "D"), ("C", "D")))
NAMES = ["tit_for_tat", "always_defect", "always_cooperate"]


def _draw(fig):
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _inside(fig, artist, renderer) -> bool:
    box = artist.get_window_extent(renderer)
    return box.x0 >= 0 and box.y0 >= 0 and box.x1 <= fig.bbox.width + 0.5 and box.y1 <= fig.bbox.height + 0.5


def test_simplex_labels_every_corner_inside_the_figure():
    rep = replicator(round_robin(PD, NAMES, rounds=20, replicates=1).pairwise, strategies=NAMES, t_max=20)
    fig = plots.plot_simplex(rep)
    renderer = _draw(fig)
    texts = [t for t in fig.axes[0].texts if t.get_text() in NAMES]
    assert sorted(t.get_text() for t in texts) == sorted(NAMES)
    assert all(t.get_visible() and _inside(fig, t, renderer) for t in texts)
    # each label sits at its own corner: bottom-left, bottom-right, top
    by_name = {t.get_text(): t.xy for t in texts}
    assert np.allclose([by_name[n] for n in NAMES], [[0, 0], [1, 0], [0.5, np.sqrt(3) / 2]])


def test_two_population_simplex_and_stack_plot():
    game = StageGame.from_matrices([[3, 0, 1], [5, 1, 0], [2, 2, 2]], [[2, 4, 0], [0, 1, 3], [1, 0, 2]])
    res = round_robin(game, NAMES, rounds=10, replicates=1)
    evo = replicator_two(res, t_max=5)
    fig = plots.plot_simplex(evo)
    assert [ax.get_title() for ax in fig.axes] == ["row's population", "col's population"]
    renderer = _draw(fig)
    for ax in fig.axes:
        assert sorted(t.get_text() for t in ax.texts) == sorted(NAMES)
        assert all(_inside(fig, t, renderer) for t in ax.texts)
    fig = plots.plot_evolution(evo)
    assert len(fig.axes) == 2 and "row's population" in fig.axes[0].get_ylabel()
    assert all(len(ax.collections) == 3 for ax in fig.axes)
    mor = moran_two(res, population=6, replicates=5, seed=3, max_steps=200)
    fig = plots.plot_evolution(mor, seed=41)
    assert "seed 41" in fig._suptitle.get_text() and "N=6 per side" in fig._suptitle.get_text()


def test_moran_figure_names_the_seed_the_user_gave():
    M = round_robin(PD, NAMES, rounds=10, replicates=1).pairwise
    mor = moran(M, strategies=NAMES, population=10, replicates=5, seed=8)
    assert "seed 8" in plots.plot_evolution(mor).axes[0].get_title()
    assert "seed 7" in plots.plot_evolution(mor, seed=7).axes[0].get_title()


def test_outcome_paths_legend_names_median_sample_and_bands(us_china_game):
    match = play(us_china_game, ("tit_for_tat", "deadline_truce:k=4"), rounds=8, replicates=30, noise=0.05, seed=1,
                 paths=True)
    fig = plots.plot_outcome_paths(match, replicate=2)
    ax_pay, ax_cum = fig.axes[-2], fig.axes[-1]
    labels = [t.get_text() for t in ax_pay.get_legend().get_texts()]
    assert labels == ["us: median of replicates", "china: median of replicates", "replicate 2 (one path)",
                      "middle 50% of replicates", "middle 90% of replicates"]
    assert ax_pay.get_ylabel() == "payoff per round\n(USD bn per year)"
    assert ax_cum.get_ylabel() == "cumulative discounted\npayoff (USD bn)"
    # a rate per year held for a quarter counts a quarter: the cumulative median is 0.25 x the rate sum
    median = ax_cum.get_lines()[0].get_ydata()
    assert np.allclose(median, 0.25 * np.nanmedian(match.cumulative_discounted()[..., 0], axis=0))


def test_decomposition_bars_inside_the_frame_and_total_beside_its_label(us_china_game):
    g = us_china_game
    profiles = {"truce": g.cooperative, "escalation": (int(np.argmax(g.hostility(0))), int(np.argmax(g.hostility(1))))}
    fig = plots.plot_decomposition(g, profiles)
    renderer = _draw(fig)
    for p, ax in enumerate(fig.axes[:2]):
        lo, hi = ax.get_ylim()
        for bar in ax.patches:
            y0, y1 = sorted((bar.get_y(), bar.get_y() + bar.get_height()))
            assert lo <= y0 and y1 <= hi
        legend = ax.get_legend()
        assert legend.get_texts()[0].get_text().startswith("total")
        handle = legend.legend_handles[0]
        assert isinstance(handle, Line2D)
        # the legend's line for "total" does not run into its text
        assert handle.get_window_extent(renderer).x1 <= legend.get_texts()[0].get_window_extent(renderer).x0 + 0.5
        totals = [g.payoffs(p)[i, j] for i, j in profiles.values()]
        labels = [t for t in ax.texts]
        assert [float(t.get_text()) for t in labels] == pytest.approx(totals, abs=0.05)
        for t in labels:  # each value is drawn above its total's line and inside the frame
            assert t.get_window_extent(renderer).y0 >= ax.transData.transform((0, t.xy[1]))[1]
            assert lo <= t.xy[1] <= hi
    assert "USD bn per year" in fig.axes[0].get_ylabel()


def test_payoff_space_keeps_coinciding_markers_visible():
    game = StageGame.from_matrices([[3, 0], [5, 1]], [[3, 5], [0, 1]], actions=(("C", "D"), ("C", "D")))
    points = {"Nash equilibrium": [(1.0, 1.0)], "Stackelberg (row leads)": [(1.0, 1.0)],
              "Stackelberg (col leads)": [(1.0, 1.0)], "Nash bargaining": [(3.0, 3.0)]}
    fig = plots.plot_payoff_space(game, points=points)
    ax = fig.axes[0]
    _draw(fig)
    marks = {c.get_label(): c for c in ax.collections if c.get_label() in points}
    assert set(marks) == set(points)
    where = {name: c.get_offset_transform().transform(c.get_offsets())[0] for name, c in marks.items()}
    spot = ax.transData.transform((1.0, 1.0))
    coinciding = ["Nash equilibrium", "Stackelberg (row leads)", "Stackelberg (col leads)"]
    for a in coinciding:  # fanned out around the shared spot, each a few points away from it and from each other
        assert 5 < np.hypot(*(where[a] - spot)) < 30
        for b in coinciding:
            if a != b:
                assert np.hypot(*(where[a] - where[b])) > 5
    assert np.allclose(where["Nash bargaining"], ax.transData.transform((3.0, 3.0)))
    assert marks["Nash equilibrium"].get_zorder() == max(c.get_zorder() for c in marks.values())
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [x for x in legend if x in points] == list(points)  # in the order given


def test_threshold_curve_axis_says_what_the_parameter_is_and_its_unit():
    from sim.model.load import load_scenario
    from tests.conftest import SCENARIOS

    scenario = load_scenario(SCENARIOS / "us_china_2025.toml")
    curve = threshold_curve(scenario, "cn_audience", [0.0, 1.0, 2.0])
    label = plots.plot_threshold_curve(curve, scenario=scenario).axes[0].get_xlabel()
    assert label.startswith("Audience cost to Beijing") and "(cn_audience)" in label
    assert label.endswith(", USD bn/yr per unanswered point")
    assert plots.plot_threshold_curve(curve).axes[0].get_xlabel() == \
        "cn audience (cn_audience), USD bn/yr per unanswered point"
    assert plots.plot_threshold_curve(curve, label="x").axes[0].get_xlabel() == "x"


def test_tournament_figure_has_a_panel_per_side_when_sides_differ(us_china_game):
    specs = ["tit_for_tat", "always_defect", "grim_trigger"]
    res = round_robin(us_china_game, specs, rounds=6, replicates=2, seed=1)
    fig = plots.plot_tournament(res)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["playing us: ranking on us's scale", "playing us: pairwise payoffs",
                      "playing china: ranking on china's scale", "playing china: pairwise payoffs"]
    heat_us, heat_cn = fig.axes[1].get_images()[0], [ax for ax in fig.axes if ax.get_title().startswith(
        "playing china: pairwise")][0].get_images()[0]
    assert np.allclose(heat_us.get_array(), res.roles.pairwise[0])
    assert np.allclose(heat_cn.get_array(), res.roles.pairwise[1])
    ax_rank_cn = [ax for ax in fig.axes if ax.get_title().startswith("playing china: ranking")][0]
    order = sorted(range(3), key=lambda i: -res.roles.mean[1, i])
    by_height = sorted(ax_rank_cn.get_yticklabels(), key=lambda t: -t.get_position()[1])
    assert [t.get_text() for t in by_height] == [specs[i] for i in order]
    assert "USD bn per year" in ax_rank_cn.get_xlabel()
    assert "overall rank: score = mean over the two sides" in fig._suptitle.get_text()


def test_save_sample_figures(tmp_path, us_china_game):
    """Every changed figure renders to a file (the samples looked at are made the same way)."""
    res = round_robin(us_china_game, ["tit_for_tat", "always_defect", "grim_trigger"], rounds=6, replicates=2, seed=1)
    for name, fig in {"tournament": plots.plot_tournament(res),
                      "simplex": plots.plot_simplex(replicator_two(res, t_max=3))}.items():
        path = plots.save_figure(fig, tmp_path / f"{name}.png")
        assert path.stat().st_size > 10_000


def test_profiles_are_given_by_labels_as_well_as_indices():
    import sim
    from sim.viz.plots import plot_decomposition, plot_payoff_matrix

    game = sim.build_game(sim.load_scenario(SCENARIOS / "us_china_2025.toml"))
    peak = {"us": {"tariff": "peak"}}  # China left at its cooperative action
    i, j = sim.resolve_action(game, 0, {"tariff": "peak"}, base=game.cooperative[0]), game.cooperative[1]
    by_label = plot_decomposition(game, {"truce": {}, "US peak": peak})
    by_index = plot_decomposition(game, {"truce": game.cooperative, "US peak": (i, j)})
    heights = [[r.get_height() for r in ax.patches] for ax in by_label.axes[:2]]
    assert heights == [[r.get_height() for r in ax.patches] for ax in by_index.axes[:2]]
    pd = sim.build_game(sim.load_scenario(SCENARIOS / "prisoners_dilemma.toml"))
    a = plot_payoff_matrix(pd, equilibria=[("D", "D")])
    b = plot_payoff_matrix(pd, equilibria=[(1, 1)])
    assert [len(ax.patches) for ax in a.axes] == [len(ax.patches) for ax in b.axes]
    with pytest.raises(sim.InputError, match="equilibria.0"):
        plot_payoff_matrix(pd, equilibria=[("D", "nope")])
