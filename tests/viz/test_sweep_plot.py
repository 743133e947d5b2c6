"""Sweep figures: the view read from a table (inputs, labels, regions) checked against the game solved
point by point, the figures' artists, and `sweep --plot` / `tradesim plot TABLE FIG` end to end."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from matplotlib.figure import Figure

from sim.cli import main
from sim.model.game import build_game
from sim.model.load import load_scenario
from sim.stage.equilibria import nash_equilibria
from sim.sweeps.run import sweep
from sim.viz.sweep_plot import axis_label, plot_sweep, read_sweep, sweep_view
from tests.conftest import SCENARIOS

US_CHINA = SCENARIOS / "us_china_2025.toml"
EV = SCENARIOS / "eu_china_ev.toml"


@pytest.fixture(scope="module")
def ev_grid():
    scenario = load_scenario(EV)
    table = sweep(str(EV), ["cn_audience=0:0.2:5", "cn_ret_cost=0.02:0.5:4"], ["equilibria", "self_enforcing"])
    manifest = {"sweep": {"design": {"axes": [{"path": "parameters.cn_audience"}, {"path": "parameters.cn_ret_cost"}]}}}
    return scenario, table, sweep_view(table, manifest, scenario)


def test_axis_labels_carry_the_parameter_label_and_unit():
    scenario = load_scenario(US_CHINA)
    assert axis_label("parameters.us_re_cost", scenario) == "US rare-earth cost (USD bn/yr at 100% withheld)"
    assert axis_label("players.us.discount", scenario) == "United States: discount factor (per quarter)"
    assert axis_label("parameters.us_re_cost") == "us_re_cost"  # no scenario at hand: the raw name
    pd_game = load_scenario(SCENARIOS / "prisoners_dilemma.toml")
    assert axis_label("payoffs.row.1.0", pd_game) == "Row's payoff at (D, C) (points)"


def test_regions_are_the_equilibria_of_the_game_solved_at_each_point(ev_grid):
    scenario, table, view = ev_grid
    assert view.inputs == ("parameters.cn_audience", "parameters.cn_ret_cost")
    assert view.labels == ("China's cost of an unanswered duty point (EUR bn/yr per unanswered duty point)",
                           "China's cost of a probe (EUR bn/yr per probe)")
    labels = view.conclusions["which pure equilibrium"]
    assert len(labels) == 20 and len(set(labels)) >= 2  # the sweep crosses a region border
    for (audience, cost), label in zip(view.points, labels):
        game = build_game(scenario, {"cn_audience": audience, "cn_ret_cost": cost})
        cells = [(int(np.argmax(e.row)), int(np.argmax(e.col))) for e in nash_equilibria(game).equilibria if e.is_pure]
        # where several pure equilibria tie, the sweep reports the one with the largest total payoff
        # (then the first profile): the same rule here
        i, j = min(cells, key=lambda c: (-(game.A[c] + game.B[c]), c))
        retaliation = game.actions[1][j].split(",")[0].split("=")[1]
        assert f"china retaliation={retaliation}" in label, (audience, cost, label)
    se = view.conclusions["truce self-enforcing"]
    assert set(se) <= {"yes", "no"}
    assert se == ["yes" if v else "no" for v in table.groupby(list(view.inputs))["self_enforcing.truce"].first()]


def test_phase_diagram_labels_every_region(ev_grid):
    _, _, view = ev_grid
    fig = plot_sweep(view)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xlabel() == view.labels[1] and ax.get_ylabel() == view.labels[0]
    regions = list(dict.fromkeys(view.conclusions["which pure equilibrium"]))
    tags = sorted(t.get_text() for t in ax.texts)
    assert tags == [chr(ord("A") + k) for k in range(len(regions))]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [f"{chr(ord('A') + k)}: {r}" for k, r in enumerate(regions)]


def test_one_parameter_gives_a_line_per_metric_column():
    table = sweep(str(US_CHINA), ["cn_audience=0:2:9"], ["equilibria", "critical_delta"])
    view = sweep_view(table, None, load_scenario(US_CHINA))
    assert view.inputs == ("parameters.cn_audience",)
    fig = plot_sweep(view)
    panels = [a for a in fig.axes if a.lines]
    assert [a.get_ylabel().split("\n")[0] for a in panels] == [
        "number of equilibria", "payoff in the equilibrium", "critical δ (grim trigger)"]
    crit = panels[2]
    assert [line.get_label() for line in crit.lines] == ["us", "china"]
    np.testing.assert_allclose(crit.lines[1].get_ydata(), table["critical_delta.grim_nash.china"].to_numpy())
    assert panels[2].get_xlabel() == "China audience (USD bn/yr per unanswered point)"
    # the equilibrium changes along the sweep (China's rare-earth regime): shaded, and named in a legend
    assert len(view.conclusions["which pure equilibrium"]) == 9
    assert fig.legends and "which pure equilibrium" in fig.legends[0].get_title().get_text()


def test_replicates_are_averaged_and_tables_without_metrics_refused():
    table = pd.DataFrame({"point": [0, 0, 1, 1], "replicate": [0, 1, 0, 1], "seed": [1, 2, 3, 4],
                          "parameters.x": [1.0, 1.0, 2.0, 2.0], "play.total.a": [1.0, 3.0, 5.0, 7.0]})
    view = sweep_view(table)
    np.testing.assert_allclose(view.numbers["play.total.a"], [2.0, 6.0])
    from sim.errors import InputError

    with pytest.raises(InputError, match="no metric column"):
        sweep_view(table[["point", "parameters.x"]])


def test_sweep_plot_and_plot_table_end_to_end(tmp_path):
    out, fig = tmp_path / "s.parquet", tmp_path / "phase.png"
    runner = CliRunner()
    result = runner.invoke(main, ["sweep", str(US_CHINA), "-p", "us_re_cost=20:400:4", "-p", "cn_audience=0:2:4",
                                  "-o", str(out), "--plot", str(fig), "-q"])
    assert result.exit_code == 0, result.output
    assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table, manifest, scenario = read_sweep(out)
    assert scenario is not None and manifest["sweep"]["design"]["axes"][0]["path"] == "parameters.us_re_cost"
    again = tmp_path / "again.svg"
    result = runner.invoke(main, ["plot", str(out), str(again)])
    assert result.exit_code == 0, result.output
    assert "US rare-earth cost" in again.read_text(encoding="utf-8")
    csv = tmp_path / "s.csv"
    table.to_csv(csv, index=False)  # no manifest: the inputs are found from the columns
    result = runner.invoke(main, ["plot", str(csv), str(tmp_path / "c.pdf")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "c.pdf").read_bytes()[:4] == b"%PDF"


def test_plot_of_a_bad_table_is_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["plot", str(bad), str(tmp_path / "x.png")])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and "no metric column" in result.output
    result = CliRunner().invoke(main, ["sweep", str(US_CHINA), "-p", "us_re_cost=20:400:3", "-o",
                                       str(tmp_path / "r.csv"), "--plot", str(tmp_path / "x.gif")])
    assert result.exit_code == 2 and "--plot" in result.output
    assert not (tmp_path / "r.csv").exists()  # checked before any work


def test_manifest_names_a_scenario_relative_to_the_table(tmp_path):
    table = sweep(str(US_CHINA), ["cn_audience=0:2:3"], ["equilibria"])
    path = tmp_path / "t.csv"
    table.to_csv(path, index=False)
    (tmp_path / "us_china_2025.toml").write_text(US_CHINA.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "t.csv.manifest.json").write_text(json.dumps({"scenario": "us_china_2025.toml"}), encoding="utf-8")
    _, _, scenario = read_sweep(path)
    assert scenario is not None and scenario.scenario.name == "US–China 2025"
