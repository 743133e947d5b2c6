"""Sweeps: designs, dotted paths, metrics with known answers, executors, seeds and resuming."""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim._random import run_seeds
from sim.errors import InputError
from sim.model.game import build_game
from sim.model.load import document_hash, read_document, scenario_from_dict
from sim.sweeps.design import make_design, number_paths, parse_axis, resolve_path
from sim.sweeps.evaluate import PointEvaluator
from sim.sweeps.metrics import METRICS
from sim.sweeps.plan import plan_sweep
from sim.sweeps.run import manifest_path, run_sweep, sweep
from tests.conftest import LEVER_GAME, SCENARIOS
from tests.scenario_texts import PD_LEVERS

US_CHINA = LEVER_GAME
PD = SCENARIOS / "prisoners_dilemma.toml"


@pytest.fixture
def pd_levers(write_scenario):
    return write_scenario(PD_LEVERS, "pd_levers.toml")


def _evaluate(path, params, **kw):
    plan = plan_sweep(path, params, ["equilibria"], **kw)
    ev = PointEvaluator(plan.job)
    seeds = run_seeds(plan.job.seed, np.arange(len(plan.design)))
    return plan, ev, ev.batch(plan.design.points, seeds)


# ----------------------------------------------------------------------------- designs
def test_grid_is_the_product_of_the_axes_first_slowest(pd_levers):
    plan = plan_sweep(pd_levers, ["T=4:8:5", "P=0,0.5,2"], ["critical_delta"])
    pts = plan.design.points
    assert pts.shape == (15, 2)
    assert np.array_equal(pts[:, 0], np.repeat(np.linspace(4, 8, 5), 3))
    assert np.array_equal(pts[:, 1], np.tile([0, 0.5, 2], 5))


@pytest.mark.parametrize("n", [1, 7, 64])
def test_latin_hypercube_has_one_point_per_stratum_per_axis(pd_levers, n):
    plan = plan_sweep(pd_levers, ["T=3:4", "P=0:1", "players.row.discount=0:0.5"], ["critical_delta"],
                      sample=f"lhs:{n}", seed=3)
    pts = plan.design.points
    lows, highs = np.array([3, 0, 0]), np.array([4, 1, 0.5])
    strata = np.floor((pts - lows) / (highs - lows) * n).astype(int)
    for k in range(3):
        assert sorted(strata[:, k]) == list(range(n))


def test_random_sample_stays_in_range_and_follows_the_seed(pd_levers):
    a = plan_sweep(pd_levers, ["T=3:9", "R=1,2,3"], ["critical_delta"], sample="random:200", seed=1).design.points
    b = plan_sweep(pd_levers, ["T=3:9", "R=1,2,3"], ["critical_delta"], sample="random:200", seed=1).design.points
    c = plan_sweep(pd_levers, ["T=3:9", "R=1,2,3"], ["critical_delta"], sample="random:200", seed=2).design.points
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a[:, 0].min() >= 3 and a[:, 0].max() <= 9
    assert set(a[:, 1]) == {1.0, 2.0, 3.0}


def test_integer_axes_are_whole_numbers_in_samples(pd_levers):
    plan = plan_sweep(pd_levers, ["repeated.rounds=2:6"], ["critical_delta"], sample="lhs:50", seed=0)
    vals = plan.design.points[:, 0]
    assert np.array_equal(vals, np.round(vals)) and set(vals) == {2, 3, 4, 5, 6}


# ----------------------------------------------------------------------------- paths
def test_parameter_paths_change_the_built_game():
    plan, ev, batch = _evaluate(US_CHINA, ["us_re_cost=20,400", "parameters.import_elast=2.5,5.1"])
    sc = ev.scenario
    for k, (re_cost, elast) in enumerate(plan.design.points):
        game = build_game(sc, {"us_re_cost": re_cost, "import_elast": elast})
        assert np.allclose(batch.A[k], game.A, rtol=1e-13, atol=1e-12)
        assert np.allclose(batch.B[k], game.B, rtol=1e-13, atol=1e-12)
    assert not np.allclose(batch.A[0], batch.A[-1])


def test_lever_level_paths_change_the_built_game():
    plan, ev, batch = _evaluate(US_CHINA, ["players.us.levers.tariff.levels.3=150,300",
                                           "players.china.levers.rare_earths.levels.1=10"])
    doc = read_document(US_CHINA)
    for k, (tariff, re_level) in enumerate(plan.design.points):
        d = copy.deepcopy(doc)
        d["players"]["us"]["levers"]["tariff"]["levels"][3] = tariff
        d["players"]["china"]["levers"]["rare_earths"]["levels"][1] = re_level
        game = build_game(scenario_from_dict(d))
        assert np.allclose(batch.A[k], game.A, rtol=1e-13, atol=1e-12)
        assert np.allclose(batch.B[k], game.B, rtol=1e-13, atol=1e-12)
        us_levels = batch.levels[0][k]
        assert set(us_levels[:, 0]) == {21, 47, 126, tariff}
    assert not np.allclose(batch.A[0], batch.A[1])


def test_discount_repeated_and_strategy_paths_reach_their_numbers(pd_levers):
    plan = plan_sweep(pd_levers, ["players.col.discount=0.3,0.95", "repeated.noise=0,0.2", "repeated.rounds=4",
                                  "strategy.col.k=2,5"], ["play"], reps=5)
    ev = PointEvaluator(plan.job)
    pts = plan.design.points
    batch = ev.batch(pts, run_seeds(0, np.arange(len(pts))))
    assert np.array_equal(batch.discount[:, 1], pts[:, 0]) and np.all(batch.discount[:, 0] == 0.6)
    assert np.array_equal(batch.noise, pts[:, 1]) and np.all(batch.rounds == 4)
    assert [ev.strategy(1, batch, k).params["k"] for k in range(len(pts))] == pts[:, 3].astype(int).tolist()
    assert ev.strategy(0, batch, 0).name == "tit_for_tat"


def test_matrix_payoff_paths_change_the_game():
    plan, ev, batch = _evaluate(PD, ["payoffs.row.1.0=4,6", "payoffs.col.0.1=7"])
    assert np.array_equal(batch.A[:, 1, 0], [4, 6]) and np.array_equal(batch.B[:, 0, 1], [7, 7])
    assert np.array_equal(batch.A[:, 0, 0], [3, 3])


@pytest.mark.parametrize(
    "name, nearest",
    [("us_re_cst", "us_re_cost"), ("players.us.discont", "players.us.discount"),
     ("players.us.levers.tarif.levels.1", "players.us.levers.tariff.levels.1"), ("repeated.nois", "repeated.noise"),
     ("strategy.china.kk", "strategy.china.k")],
    ids=["parameter", "discount", "level", "repeated", "strategy"],
)
def test_unknown_path_names_the_nearest_valid_ones(name, nearest):
    with pytest.raises(InputError) as err:
        plan_sweep(US_CHINA, [f"{name}=1,2"], ["play"])
    assert "no such number" in str(err.value) and nearest in str(err.value)


def test_every_listed_kind_of_number_has_a_path(pd_levers):
    from sim.model.load import load_scenario

    paths = number_paths(load_scenario(US_CHINA))
    kinds = {p.kind for p in paths.values()}
    assert kinds == {"parameter", "discount", "level", "repeated", "strategy"}
    assert resolve_path("us_re_cost", paths).path == "parameters.us_re_cost"
    assert "payoffs.row.1.0" in number_paths(load_scenario(PD))


@pytest.mark.parametrize(
    "param, message",
    [("T=5:4:3", "reversed"), ("T=4:4:3", "empty"), ("T=1:4:0", "at least 1"), ("T=1:x:3", "not a number"),
     ("players.row.discount=0.5,1.2", "< 1"), ("repeated.rounds=2.5", "integer"), ("T", "NAME=LO:HI:N"),
     ("T=1:4", "needs N")],
    ids=["reversed", "empty", "n0", "nan", "bound", "integer", "no-spec", "grid-no-n"],
)
def test_bad_axes_are_one_clear_error(pd_levers, param, message):
    with pytest.raises(InputError, match=message):
        plan_sweep(pd_levers, [param], ["critical_delta"])


def test_bad_sweep_options_are_errors(pd_levers):
    with pytest.raises(InputError, match="pass --yes"):
        plan_sweep(pd_levers, ["T=1:9:1001", "R=1:2:1000"], ["critical_delta"])
    with pytest.raises(InputError, match="unknown metric 'equilibrium'.*did you mean equilibria"):
        plan_sweep(pd_levers, ["T=1,2"], ["equilibrium"])
    with pytest.raises(InputError, match="random:N or lhs:N"):
        plan_sweep(pd_levers, ["T=1:2"], ["critical_delta"], sample="sobol:8")
    with pytest.raises(InputError, match="swept twice"):
        plan_sweep(pd_levers, ["T=1,2", "parameters.T=3"], ["critical_delta"])
    with pytest.raises(InputError, match="only matters to the play metric"):
        plan_sweep(pd_levers, ["strategy.col.k=1,2"], ["critical_delta"])
    with pytest.raises(InputError, match="bad option"):
        plan_sweep(pd_levers, ["T=6"], ["critical_delta:foo=1"])


# ----------------------------------------------------------------------------- known answers
def test_grim_trigger_threshold_matches_closed_form(pd_levers):
    df = sweep(pd_levers, ["T=4:8:5", "P=0.5:2:4", "players.row.discount=0.3,0.7"],
               ["critical_delta", "self_enforcing", "equilibria"])
    T, P = df["parameters.T"], df["parameters.P"]
    expected = (T - 3.0) / (T - P)
    assert np.allclose(df["critical_delta.grim_nash.row"], expected, rtol=0, atol=1e-15)
    assert np.allclose(df["critical_delta.grim_nash.col"], expected, rtol=0, atol=1e-15)
    assert (df["self_enforcing.grim_nash.row"] == (df["players.row.discount"] >= expected)).all()
    assert (df["self_enforcing.grim_nash.col"] == (0.6 >= expected)).all()
    # the stage game is a prisoner's dilemma throughout: one pure equilibrium, (D, D), paying P
    assert (df["equilibria.count"] == 1).all()
    assert np.array_equal(df["equilibria.payoff.row"], P) and (df["equilibria.act.col"] == 1).all()


@dataclass(frozen=True)
class SecurityCase:
    id: str
    path: str
    pure: tuple[float, float]
    mixed: tuple[float, float]


SECURITY_CASES = [
    SecurityCase("prisoners_dilemma", "prisoners_dilemma.toml", (1, 1), (1, 1)),
    SecurityCase("matching_pennies", "matching_pennies.toml", (-1, -1), (0, 0)),
]


@pytest.mark.parametrize("case", SECURITY_CASES, ids=[c.id for c in SECURITY_CASES])
def test_security_levels_of_textbook_games(case):
    df = sweep(SCENARIOS / case.path, [], ["security"])
    ids = [c.split(".")[-1] for c in df.columns if c.startswith("security.pure.")]
    assert len(df) == 1
    assert tuple(df[f"security.pure.{pid}"][0] for pid in ids) == case.pure
    assert np.allclose([df[f"security.mixed.{pid}"][0] for pid in ids], case.mixed, atol=1e-9)


def test_metrics_agree_with_the_analysis_modules_on_us_china():
    from sim.repeated.thresholds import truce_thresholds
    from sim.stage.bargaining import nash_bargaining
    from sim.stage.equilibria import pure_equilibria

    df = sweep(US_CHINA, ["us_re_cost=20:400", "players.us.levers.tariff.levels.1=30:90"],
               ["equilibria", "critical_delta", "bargaining"], sample="random:3", seed=11)
    doc = read_document(US_CHINA)
    for _, row in df.iterrows():
        d = copy.deepcopy(doc)
        d["parameters"]["us_re_cost"]["value"] = row["parameters.us_re_cost"]
        d["players"]["us"]["levers"]["tariff"]["levels"][1] = row["players.us.levers.tariff.levels.1"]
        game = build_game(scenario_from_dict(d))
        eqs = pure_equilibria(game)
        assert row["equilibria.count"] == len(eqs)
        pays = np.array([e.payoffs for e in eqs])
        assert np.isclose(row["equilibria.payoff_min.us"], pays[:, 0].min())
        assert np.allclose([row["critical_delta.grim_nash.us"], row["critical_delta.grim_nash.china"]],
                           truce_thresholds(game).grim_nash)
        nbs = nash_bargaining(game)  # the default disagreement point, as the metric's
        assert np.allclose([row["bargaining.nash.us"], row["bargaining.nash.china"]], nbs.point)


def test_every_metric_documents_its_columns(pd_levers):
    plan = plan_sweep(pd_levers, ["T=6"], list(METRICS), reps=3)
    ev = PointEvaluator(plan.job)
    cols = ev.columns()
    assert all(len(c.split(".")) in (2, 3) for c in cols)
    out = ev.evaluate(plan.design.points, run_seeds(0, [0]))
    assert list(out) == cols and all(len(v) == 1 for v in out.values())


# ----------------------------------------------------------------------------- seeds and executors
def test_run_seeds_are_seedsequence_children():
    for root in (0, 7, 2**40 + 3, 2**70 + 1):
        children = np.random.SeedSequence(root).spawn(6)
        expected = [int(c.generate_state(1, np.uint64)[0]) >> 1 for c in children]
        assert run_seeds(root, np.arange(6)).tolist() == expected


def test_replicates_get_their_own_seeds_and_play(pd_levers):
    df = sweep(pd_levers, ["T=5,7"], ["play"], replicates=3, reps=20, seed=5)
    assert len(df) == 6 and df["point"].tolist() == [0, 0, 0, 1, 1, 1]
    assert df["replicate"].tolist() == [0, 1, 2] * 2 and df["seed"].is_unique
    assert df["play.payoff.row"].nunique() > 1
    again = sweep(pd_levers, ["T=5,7"], ["play"], replicates=3, reps=20, seed=5)
    pd.testing.assert_frame_equal(df, again)


# ----------------------------------------------------------------------------- files, resuming


def test_existing_results_are_never_overwritten_without_asking(pd_levers, tmp_path):
    out = tmp_path / "r.csv"
    out.write_text("keep me")
    with pytest.raises(InputError, match="exists"):
        run_sweep(pd_levers, out, ["T=5,6"], ["critical_delta"])
    assert out.read_text() == "keep me"
    table, _ = run_sweep(pd_levers, out, ["T=5,6"], ["critical_delta"], overwrite=True)
    assert pd.read_csv(out)["critical_delta.grim_nash.row"].tolist() == table["critical_delta.grim_nash.row"].tolist()
    with pytest.raises(InputError, match="different sweep"):
        run_sweep(pd_levers, out, ["T=5,7"], ["critical_delta"], resume=True)
    with pytest.raises(InputError, match="unknown output format"):
        run_sweep(pd_levers, tmp_path / "r.xlsx", ["T=5"], ["critical_delta"])


def test_manifest_says_how_the_table_was_made(pd_levers, tmp_path):
    out = tmp_path / "r.parquet"
    table, _ = run_sweep(pd_levers, out, ["T=5:7:3"], ["critical_delta"], sample=None, seed=4,
                         command="tradesim sweep ...")
    manifest = json.loads(manifest_path(out).read_text())
    assert manifest["scenario_hash"] == document_hash(pd_levers)
    assert manifest["root_seed"] == 4 and manifest["command"] == "tradesim sweep ..."
    assert manifest["sweep"]["design"]["kind"] == "grid" and manifest["sweep"]["design"]["points"] == 3
    assert manifest["columns"] == list(table.columns) and manifest["tradesim_version"]
    assert manifest["date"].endswith("+00:00")
    assert not math.isnan(manifest["elapsed_seconds"])


def test_mixed_equilibria_on_request():
    pure = sweep(SCENARIOS / "matching_pennies.toml", [], ["equilibria"])
    assert pure["equilibria.count"][0] == 0 and np.isnan(pure["equilibria.payoff.row"][0])
    mixed = sweep(SCENARIOS / "matching_pennies.toml", ["payoffs.row.0.0=1,2"], ["equilibria:method=auto"])
    assert (mixed["equilibria.count"] == 1).all()
    assert np.isclose(mixed["equilibria.payoff.row"][0], 0.0) and mixed["equilibria.payoff.row"][1] > 0
    assert mixed["equilibria.action.row"].isna().all()  # mixed: no single lever level


def test_non_finite_payoffs_name_the_point(write_scenario):
    path = write_scenario(PD_LEVERS.replace('u = "R*(1-row.act)', 'u = "1/(T-6) + R*(1-row.act)', 1), "inf.toml")
    from sim.errors import ScenarioError

    with pytest.raises(ScenarioError, match="parameters.T=6"):
        sweep(path, ["T=5,6"], ["critical_delta"])


def test_resume_of_a_finished_sweep_returns_it(pd_levers, tmp_path):
    out = tmp_path / "r.parquet"
    first, _ = run_sweep(pd_levers, out, ["T=5,6"], ["critical_delta"])
    again, _ = run_sweep(pd_levers, out, ["T=5,6"], ["critical_delta"], resume=True)
    pd.testing.assert_frame_equal(first, again)


# ----------------------------------------------------------------------------- properties
@settings(max_examples=40, deadline=None)
@given(root=st.integers(0, 2**96), rows=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=12))
def test_run_seeds_equal_numpy_seedsequence_for_any_root_and_run(root, rows):
    expected = [int(np.random.SeedSequence(root, spawn_key=(r,)).generate_state(1, np.uint64)[0]) >> 1 for r in rows]
    assert run_seeds(root, np.array(rows)).tolist() == expected


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 60), d=st.integers(1, 4), seed=st.integers(0, 2**32))
def test_latin_hypercube_strata_for_any_size(n, d, seed):
    from sim.model.load import load_scenario

    paths = number_paths(load_scenario(US_CHINA))
    names = ["us_re_cost", "cn_re_cost", "import_elast", "soy_premium"][:d]
    axes = [parse_axis(f"{name}=0:1", paths) for name in names]
    pts = make_design(axes, ("lhs", n), seed).points
    assert pts.shape == (n, d)
    for k in range(d):
        assert sorted(np.minimum(np.floor(pts[:, k] * n), n - 1).astype(int)) == list(range(n))


def test_range_shorthand_uses_the_scenarios_documented_range():
    grid = plan_sweep(US_CHINA, ["import_elast=range:3"], ["critical_delta"]).design.points[:, 0]
    assert np.allclose(grid, [2.5, 3.8, 5.1])
    sample = plan_sweep(US_CHINA, ["soy_premium=range"], ["critical_delta"], sample="lhs:10").design.points[:, 0]
    assert sample.min() >= 0 and sample.max() <= 80
    with pytest.raises(InputError, match="no range"):
        plan_sweep(US_CHINA, ["us_imports=range:3"], ["critical_delta"])


def test_repeated_and_strategy_paths_change_play(pd_levers):
    df = sweep(pd_levers, ["repeated.noise=0,0.4", "strategy.row.k=1,8"], ["play"],
               strategies={"row": "deadline_truce:p=0", "col": "tit_for_tat"}, reps=50)
    rate = df.set_index(["repeated.noise", "strategy.row.k"])["play.cooperation_rate"]
    assert rate[(0.0, 8)] == 0.8  # no noise: the truce holds for its k=8 rounds of 10, then ends
    assert rate[(0.0, 1)] == 0.1 and rate[(0.4, 8)] < 0.8


def test_thresholds_where_several_equilibria_compete_for_reversion():
    from sim.model.load import load_scenario
    from sim.repeated.thresholds import truce_thresholds

    df = sweep(US_CHINA, ["us_re_cost=20,400", "cn_re_cost=2,30"], ["equilibria", "critical_delta"])
    assert df["equilibria.count"].max() > 1
    sc = load_scenario(US_CHINA)
    for _, row in df.iterrows():
        game = build_game(sc, {"us_re_cost": row["parameters.us_re_cost"], "cn_re_cost": row["parameters.cn_re_cost"]})
        got = [row["critical_delta.grim_nash.us"], row["critical_delta.grim_nash.china"]]
        assert np.allclose(got, truce_thresholds(game).grim_nash, rtol=1e-12)
