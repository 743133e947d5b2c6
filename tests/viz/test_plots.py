"""Plots are built from real results; the tests check what they show, not pixels."""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import InputError
from sim.model.game import StageGame
from sim.repeated.curves import threshold_curve
from sim.repeated.engine import play
from sim.repeated.payoff_set import feasible_ir_set
from sim.viz import plots


@pytest.fixture(scope="module")
def match(us_china_game):
    return play(us_china_game, ("tit_for_tat", "deadline_truce:k=4"), rounds=12, replicates=200, noise=0.05, seed=3)


def test_outcome_paths_show_levers_bands_and_events(match):
    fig = plots.plot_outcome_paths(match, replicate=5)
    axes = fig.axes
    assert len(axes) == 3 + 4 + 2  # US levers, China levers, payoff, cumulative payoff
    tariff_ax = axes[0]
    assert tariff_ax.get_ylabel() == "us.tariff [%]"
    assert [t.get_text() for t in tariff_ax.get_yticklabels()] == ["pre-2025", "truce", "peak", "peak+100"]
    lines = tariff_ax.get_lines()
    median, sample = lines[0], lines[1]
    assert np.array_equal(median.get_ydata(), np.median(match.levels(0)[..., 0], axis=0))
    assert np.array_equal(sample.get_ydata(), match.levels(0)[5, :, 0])
    # the payoff panel's median lines are the medians of the stage payoffs
    pay_ax = axes[-2]
    pay = match.payoffs()
    assert np.allclose(pay_ax.get_lines()[0].get_ydata(), np.median(pay[..., 0], axis=0))
    assert "USD bn per year" in pay_ax.get_ylabel()
    assert axes[-1].get_xlabel() == "round (quarter)"
    # events from the scenario's [repeated] table are marked
    event_x = sorted({line.get_xdata()[0] for line in tariff_ax.get_lines() if line.get_linestyle() == ":"})
    assert event_x == [0, 4]
    title = fig._suptitle.get_text()
    assert "US–China 2025" in title and "tit_for_tat" in title and "seed 3" in title and "noise 0.05" in title


def test_payoff_space_marks_points_and_regions(us_china_game, match):
    game = us_china_game
    payoff_set = feasible_ir_set(game)
    truce = (game.A[game.cooperative], game.B[game.cooperative])
    fig = plots.plot_payoff_space(game, payoff_set=payoff_set, points={"truce": [truce]}, match=match)
    ax = fig.axes[0]
    collections = {c.get_label(): c for c in ax.collections}
    assert np.allclose(collections["pure profiles"].get_offsets(), np.column_stack([game.A.ravel(), game.B.ravel()]))
    assert np.allclose(collections["truce"].get_offsets(), [truce])
    played = [c for label, c in collections.items() if label.startswith("played average")][0]
    assert np.allclose(played.get_offsets(), [match.per_round.mean(axis=0)])
    frontier = [line for line in ax.get_lines() if line.get_label() == "Pareto frontier"][0]
    assert len(frontier.get_xdata()) == len(payoff_set.pareto)
    assert ax.get_xlabel() == "us payoff (USD bn per year)"
    regions = {patch.get_label(): patch for patch in ax.patches}
    assert np.allclose(regions["feasible set"].get_xy()[:-1], payoff_set.feasible)
    assert np.allclose(regions["individually rational"].get_xy()[:-1], payoff_set.individually_rational)


def test_payoff_matrix_heatmap_marks_best_responses():
    game = StageGame.from_matrices([[3, 0], [5, 1]], [[3, 5], [0, 1]], actions=(("C", "D"), ("C", "D")))
    fig = plots.plot_payoff_matrix(game, equilibria=[(1, 1)])
    ax_row = fig.axes[0]
    images = ax_row.get_images()
    assert np.array_equal(images[0].get_array(), game.A)
    best = [c for c in ax_row.collections if "best response" in c.get_label()][0]
    assert sorted(map(tuple, best.get_offsets().tolist())) == [(0.0, 1.0), (1.0, 1.0)]  # (column, row): D is best
    eq = [c for c in ax_row.collections if c.get_label() == "pure equilibrium"][0]
    assert eq.get_offsets().tolist() == [[1.0, 1.0]]
    assert [t.get_text() for t in ax_row.get_yticklabels()] == ["C", "D"]


def test_heatmap_of_large_multilever_game_uses_compact_labels(us_china_game):
    fig = plots.plot_payoff_matrix(us_china_game)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert len(labels) == 54
    assert labels[0] == "general licences / 25 MMT / pre-2025 / enforce"
    assert "rare_earths / soybeans / tariff / fentanyl" in ax.get_xlabel()


def test_decomposition_bars_sum_to_payoffs(us_china_game):
    game = us_china_game
    profiles = {"truce": game.cooperative, "full escalation": (15, 53)}
    fig = plots.plot_decomposition(game, profiles)
    for p, ax in enumerate(fig.axes[:2]):
        heights = np.zeros(2)
        for patch_container in ax.containers:
            heights += np.array([bar.get_height() for bar in patch_container])
        want = [game.payoffs(p)[ij] for ij in profiles.values()]
        assert np.allclose(heights, want)
        totals = [c for c in ax.collections if c.get_label() == "total"][0]
        assert np.allclose(totals.get_offsets()[:, 1], want)
        assert [t.get_text() for t in ax.get_xticklabels()] == ["truce", "full escalation"]


def test_threshold_curve_plot(us_china_game):
    curve = threshold_curve(us_china_game.scenario, "cn_re_retaliation", np.linspace(0, 60, 7))
    fig = plots.plot_threshold_curve(curve)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    want = np.where(np.isfinite(curve.grim_nash[:, 1]), curve.grim_nash[:, 1], 1.0)
    assert np.allclose(lines["china: critical δ, Nash reversion"].get_ydata(), want)
    assert np.allclose(lines["us: discount factor"].get_ydata(), 0.85)
    # what the parameter is (its name in words without the scenario), the name, and the unit
    assert ax.get_xlabel() == "cn re retaliation (cn_re_retaliation), USD bn/yr"
    assert ax.get_ylabel().startswith("discount factor per quarter")


def test_tournament_and_evolution_plots():
    from sim.repeated.evolution import moran, replicator
    from sim.repeated.tournament import round_robin

    game = StageGame.from_matrices([[3, 0], [5, 1]], [[3, 5], [0, 1]], actions=(("C", "D"), ("C", "D")))
    names = ["tit_for_tat", "always_defect", "always_cooperate"]
    result = round_robin(game, names, rounds=20, replicates=2, seed=1)
    fig = plots.plot_tournament(result)
    ax_rank, ax_heat = fig.axes[0], fig.axes[1]
    by_height = sorted(ax_rank.get_yticklabels(), key=lambda t: -t.get_position()[1])
    assert [t.get_text() for t in by_height] == result.ranked_names
    assert np.allclose(ax_heat.get_images()[0].get_array(), result.pairwise)
    rep = replicator(result.pairwise, strategies=names, t_max=20)
    fig = plots.plot_evolution(rep)
    assert fig.axes[0].get_ylabel() == "population share"
    assert len(fig.axes[0].collections) == 3
    fig = plots.plot_simplex(rep)
    line = fig.axes[0].get_lines()[0]
    corners = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])
    assert np.allclose(np.column_stack(line.get_data()), np.asarray(rep.shares) @ corners)
    mor = moran(result.pairwise, strategies=names, population=10, replicates=20, seed=2)
    assert plots.plot_evolution(mor).axes[0].get_xlabel() == "birth–death step"


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_save_by_extension(tmp_path, us_china_game, suffix, magic):
    path = tmp_path / f"figure{suffix}"
    plots.save_figure(plots.plot_decomposition(us_china_game, {"truce": us_china_game.cooperative}), path)
    assert path.read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_bad_plot_paths(tmp_path, us_china_game):
    fig = plots.plot_decomposition(us_china_game, {"truce": us_china_game.cooperative})
    with pytest.raises(InputError, match="unknown plot format '.gif'"):
        plots.save_figure(fig, tmp_path / "x.gif")
    with pytest.raises(InputError, match="does not exist"):
        plots.save_figure(fig, tmp_path / "nodir" / "x.png")
    assert list(tmp_path.iterdir()) == []


def test_failed_save_leaves_nothing(tmp_path, us_china_game, monkeypatch):
    fig = plots.plot_decomposition(us_china_game, {"truce": us_china_game.cooperative})

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(fig, "savefig", boom)
    with pytest.raises(RuntimeError):
        plots.save_figure(fig, tmp_path / "x.png")
    assert list(tmp_path.iterdir()) == []
