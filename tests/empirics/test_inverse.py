"""`sim.empirics.inverse`: traced regions against closed forms and brute-force grids."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.empirics.inverse import (
    inverse_region,
    nearest_point,
    trace_region,
    uncertain_parameters,
)
from sim.errors import InputError
from sim.sweeps.run import sweep
from tests.scenario_texts import PD_LEVERS

# The prisoner's dilemma of tests/scenario_texts.py (R = 3, P = 1, S = 0, discounts 0.6): under grim
# trigger with Nash reversion (C, C) is self-enforcing for a side iff delta >= (T - R) / (T - P).
R, P = 3.0, 1.0
T_RANGE, D_RANGE = (3.5, 10.0), (0.05, 0.95)
PD_BOX = {"T": T_RANGE, "players.row.discount": D_RANGE}


def critical(T):
    return (T - R) / (T - P)


def pd_text(row_discount=0.6):
    return PD_LEVERS.replace("discount = 0.6", f"discount = {row_discount}", 1)


@pytest.fixture
def pd(write_scenario):
    return str(write_scenario(pd_text()))


def scaled(values, ranges):
    """Parameter values (c, 2) as range-scaled coordinates."""
    lo = np.array([r[0] for r in ranges])
    return (np.asarray(values, dtype=float) - lo) / np.array([r[1] - r[0] for r in ranges])


def near_a_change(u, exact, tol):
    """Whether the exact predicate (on scaled points) takes both values within ``tol`` of each point."""
    angles = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    ring = np.column_stack([np.cos(angles), np.sin(angles)]) * tol * 1.01
    ok = []
    for p in np.atleast_2d(u):
        pts = np.clip(np.vstack([p, p + ring]), 0.0, 1.0)
        got = exact(pts)
        ok.append(got.any() and not got.all())
    return np.array(ok)


def pd_exact(row_only=True):
    """The truce region of the PD in scaled (T, delta_row) coordinates, in closed form."""
    def holds(u):
        T = T_RANGE[0] + u[:, 0] * (T_RANGE[1] - T_RANGE[0])
        d = D_RANGE[0] + u[:, 1] * (D_RANGE[1] - D_RANGE[0])
        ok = d >= critical(T)
        return ok if row_only else ok & (0.6 >= critical(T))
    return holds


# ----------------------------------------------------------------------------- closed forms
@pytest.mark.parametrize("tol", [1e-2, 1e-3, 1e-4], ids=["tol=1e-2", "tol=1e-3", "tol=1e-4"])
def test_grim_trigger_threshold_is_traced_to_tol(pd, tol):
    res = inverse_region(pd, "truce:row", ["T", "players.row.discount"], ranges=PD_BOX, tol=tol)
    assert res.holds == "in part" and res.base_holds  # delta 0.6 >= (5 - 3) / (5 - 1) = 0.5
    assert len(res.boundary) == 1
    verts = scaled(res.boundary[0], [T_RANGE, D_RANGE])
    assert near_a_change(verts, pd_exact(), tol).all()
    # each vertex against the curve delta = (T - R) / (T - P) itself: at most tol away in scaled units
    curve_T = np.linspace(*T_RANGE, 200_001)
    curve = scaled(np.column_stack([curve_T, critical(curve_T)]), [T_RANGE, D_RANGE])
    gap = [np.min(np.hypot(*(curve - v).T)) for v in verts[:: max(1, len(verts) // 40)]]
    assert max(gap) <= tol
    # the area under the curve in closed form: int (T - 3) / (T - 1) dT = T - 2 ln(T - 1)
    F = (lambda T: T - 2 * math.log(T - 1))
    below = ((F(T_RANGE[1]) - F(T_RANGE[0])) - D_RANGE[0] * (T_RANGE[1] - T_RANGE[0]))
    share = 1 - below / ((T_RANGE[1] - T_RANGE[0]) * (D_RANGE[1] - D_RANGE[0]))
    assert res.share == pytest.approx(share, abs=max(2 * tol, res.cell ** 2))
    # far fewer evaluations than a grid at that spacing: 30, 1,000 and 30,000 times fewer
    assert res.evaluations * {1e-2: 30, 1e-3: 1000, 1e-4: 30_000}[tol] < res.grid_equivalent


def test_both_sides_add_a_straight_edge(pd):
    # the column side's discount stays 0.6: it keeps the truce iff (T - 3) / (T - 1) <= 0.6, i.e. T <= 6
    res = inverse_region(pd, "truce", ["T", "players.row.discount"], ranges=PD_BOX, tol=1e-3)
    verts = np.vstack([scaled(line, [T_RANGE, D_RANGE]) for line in res.boundary])
    assert near_a_change(verts, pd_exact(row_only=False), 1e-3).all()
    on_line = np.isclose(np.vstack(res.boundary)[:, 0], 6.0, atol=1e-3 * 6.5)
    assert on_line.sum() >= 5 and (~on_line).sum() >= 5  # both edges traced


def test_nearest_point_against_a_brute_force_grid(write_scenario):
    path = str(write_scenario(pd_text(row_discount=0.3)))  # below the threshold 0.5 at T = 5
    res = inverse_region(path, "truce:row", ["T", "players.row.discount"], ranges=PD_BOX, tol=1e-3)
    assert not res.base_holds
    # brute force: the model on a 401 x 401 grid (a sweep), the nearest grid point where the truce holds
    grid = sweep(path, {"T": f"{T_RANGE[0]}:{T_RANGE[1]}:401",
                        "players.row.discount": f"{D_RANGE[0]}:{D_RANGE[1]}:401"}, ["self_enforcing"])
    U = scaled(grid[["parameters.T", "players.row.discount"]].to_numpy(), [T_RANGE, D_RANGE])
    held = grid["self_enforcing.grim_nash.row"].to_numpy(dtype=bool)
    base = scaled([[5.0, 0.3]], [T_RANGE, D_RANGE])[0]
    brute = np.min(np.hypot(*(U[held] - base).T))
    assert res.nearest["verified"]
    assert res.nearest["distance"] == pytest.approx(brute, abs=1e-3 + 0.5 * math.sqrt(2) / 400)
    assert pd_exact()(scaled([res.nearest["values"]], [T_RANGE, D_RANGE]))[0]
    assert res.nearest["distance"] <= brute + 1e-3
    # the one-parameter version: delta alone must rise to 0.5; T alone must fall to T with critical(T) = 0.3
    alone = {d["parameter"]: d for d in res.one_parameter}
    assert alone["players.row.discount"]["value"] == pytest.approx(0.5, abs=1e-3 * 0.9)
    assert alone["T"]["value"] == pytest.approx((R - 0.3 * P) / (1 - 0.3), abs=1e-3 * 6.5)


def test_every_evaluation_agrees_with_the_closed_form(pd):
    res = inverse_region(pd, "truce:row", ["T", "players.row.discount"], ranges=PD_BOX, tol=1e-2)
    U = scaled(res.points, [T_RANGE, D_RANGE])
    exact = pd_exact()(U)
    off = np.abs(U[:, 1] - scaled(np.column_stack([res.points[:, 0], critical(res.points[:, 0])]),
                                  [T_RANGE, D_RANGE])[:, 1]) > 1e-9
    assert np.array_equal(res.values[off], exact[off])


def test_edge_when_the_base_holds(pd):
    res = inverse_region(pd, "truce:row", ["T", "players.row.discount"], ranges=PD_BOX)
    assert res.nearest["distance"] == 0.0 and res.nearest["values"] == [5.0, 0.6]
    curve_T = np.linspace(*T_RANGE, 200_001)
    curve = scaled(np.column_stack([curve_T, critical(curve_T)]), [T_RANGE, D_RANGE])
    base = scaled([[5.0, 0.6]], [T_RANGE, D_RANGE])[0]
    assert res.edge["distance"] == pytest.approx(np.min(np.hypot(*(curve - base).T)), abs=2e-3)
    alone = {d["parameter"]: d for d in res.one_parameter}
    assert alone["T"]["value"] == pytest.approx(6.0, abs=6.5e-3)  # (T - 3) / (T - 1) = 0.6
    assert alone["players.row.discount"]["value"] == pytest.approx(0.5, abs=1e-3)


# ----------------------------------------------------------------------------- the tracer alone
@pytest.mark.parametrize("centre,radius", [((0.4, 0.5), 0.3), ((0.5, 0.5), 0.08), ((0.0, 0.0), 0.7)],
                         ids=["disc", "small disc", "quarter disc"])
def test_curved_edges_of_discs(centre, radius):
    c = np.array(centre)
    exact = (lambda u: np.hypot(*(u - c).T) <= radius)
    tr = trace_region(exact, tol=1e-3)
    verts = np.vstack(tr.boundary)
    assert np.abs(np.hypot(*(verts - c).T) - radius).max() <= 1e-3
    quarter = 4 if centre == (0.0, 0.0) else 1
    # the area within the edge's error (tol) plus the chords' (cell^2 / 8r) along the perimeter
    slack = 2 * math.pi * radius / quarter * (1e-3 + tr.cell ** 2 / (8 * radius))
    assert tr.share == pytest.approx(math.pi * radius ** 2 / quarter, abs=slack)
    assert len(tr.points) < 1500 < 1001 ** 2
    assert np.array_equal(tr.values, exact(tr.points))


def test_two_regions_and_their_polylines():
    exact = (lambda u: (np.hypot(*(u - 0.25).T) <= 0.15) | (np.hypot(*(u - 0.7).T) <= 0.2))
    tr = trace_region(exact, tol=1e-3)
    assert len(tr.boundary) == 2 and all(np.allclose(line[0], line[-1]) for line in tr.boundary)
    assert tr.share == pytest.approx(math.pi * (0.15 ** 2 + 0.2 ** 2), rel=0.01)


def test_saddle_cells_follow_the_centre():
    # a checkerboard of quadrants meeting at an off-grid point: cells there have four crossings
    exact = (lambda u: (u[:, 0] - 0.51) * (u[:, 1] - 0.49) > 0)
    tr = trace_region(exact, tol=1e-3, seed_points=3)
    verts = np.vstack(tr.boundary)
    assert np.minimum(np.abs(verts[:, 0] - 0.51), np.abs(verts[:, 1] - 0.49)).max() <= 1e-3
    assert tr.share == pytest.approx(0.51 * 0.49 + 0.49 * 0.51, abs=1e-3)


def test_a_saddle_cell_keeps_two_discs_apart():
    # two discs that each hold one diagonal corner of the finest cell [15/32, 16/32]^2 but neither its
    # centre nor its other corners: the cell has four crossings and its centre says the discs are apart
    d, r = 0.05, math.sqrt(2) * 0.05 + 0.005
    c1, c2 = np.array([15 / 32 - d] * 2), np.array([16 / 32 + d] * 2)
    exact = (lambda u: (np.hypot(*(u - c1).T) <= r) | (np.hypot(*(u - c2).T) <= r))
    tr = trace_region(exact, tol=1e-3)
    assert tr.cell == 1 / 32
    assert len(tr.boundary) == 2 and all(np.allclose(line[0], line[-1]) for line in tr.boundary)
    assert tr.share == pytest.approx(2 * math.pi * r ** 2, abs=4 * math.pi * r * (1e-3 + tr.cell ** 2 / (8 * r)))


def test_uniform_box_has_no_boundary():
    tr = trace_region(lambda u: np.ones(len(u), dtype=bool))
    assert tr.boundary == () and tr.share == pytest.approx(1.0) and len(tr.points) == 81
    assert trace_region(lambda u: np.zeros(len(u), dtype=bool)).share == 0.0


def test_evaluations_grow_with_log_of_precision():
    exact = (lambda u: u[:, 0] + 0.3 * np.sin(6 * u[:, 1]) > 0.5)
    counts = [len(trace_region(exact, tol=t).points) for t in (1e-2, 1e-3, 1e-4)]
    assert counts[0] < counts[1] < counts[2] < 20_000


def test_nearest_point_on_polylines():
    line = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    q, d = nearest_point([line], [0.5, 0.3])
    assert np.allclose(q, [0.5, 0.0]) and d == pytest.approx(0.3)
    q, d = nearest_point([line], [1.4, 0.5])
    assert np.allclose(q, [1.0, 0.5]) and d == pytest.approx(0.4)
    assert nearest_point([], [0, 0]) is None


# ----------------------------------------------------------------------------- targets
@pytest.mark.parametrize("target", ["profile:row.act=C,col.act=C", "profile: row=C, col=C"], ids=["levers", "lone"])
def test_profile_target_is_a_pure_equilibrium(pd, target):
    # (C, C) is an equilibrium iff R >= T (for both sides): in the box T in [2, 6], R in [2, 4] that is
    # the triangle above the diagonal from (2, 2) to (4, 4), a quarter of the box
    res = inverse_region(pd, target, ["T", "R"], ranges={"T": (2, 6), "R": (2, 4)})
    assert res.description == "[act=C | act=C] is a pure stage Nash equilibrium"
    verts = np.vstack(res.boundary)
    assert (np.abs(verts[:, 0] - verts[:, 1]) / math.hypot(4, 2) <= 1e-3 * math.sqrt(2)).all()
    assert res.share == pytest.approx(0.25, abs=1e-3)
    # the base (T 5, R 3) fails; in scaled units (u, v) = ((T - 2) / 4, (R - 2) / 2) the edge is v = 2u
    assert not res.base_holds
    assert res.nearest["verified"] and res.nearest["distance"] == pytest.approx(1 / math.sqrt(5), abs=2e-3)
    assert res.nearest["values"] == pytest.approx([3.4, 3.4], abs=1e-2)


@pytest.mark.parametrize("concept,share", [("seq", 0.6), ("gmr", 0.8), ("nash", 0.0)])
def test_stability_targets(pd, concept, share):
    # (C, C) in the graph model of the PD (T > R): row's improvement (D, C) is sanctioned by col's move to
    # (D, D) iff row gets no more there (P <= R = 3); under SEQ only if that move improves col's lot
    # (P > S = 0); under GMR any move counts; Nash stability needs no improvement at all (T <= R: never)
    res = inverse_region(pd, f"stable:{concept}", ["T", "P"], ranges={"T": (3.5, 10), "P": (-1, 4)}, tol=1e-3)
    assert res.share == pytest.approx(share, abs=2e-3)
    assert res.description.startswith("[act=C | act=C] is ")
    if share:
        P_edge = np.vstack(res.boundary)[:, 1]
        edges = (0.0, 3.0) if concept == "seq" else (3.0,)
        assert (np.min(np.abs(P_edge[:, None] - np.array(edges)), axis=1) <= 1e-3 * 5).all()
        assert res.base_holds  # P = 1
    else:
        assert res.holds == "nowhere" and res.nearest is None


def test_callable_target_sees_the_stage_game(pd):
    def row_prefers_c(game):
        return game.A[0, 0] >= game.A[1, 0] and game.discount[0] >= 0.5

    res = inverse_region(pd, row_prefers_c, ["T", "players.row.discount"], ranges={**PD_BOX, "T": (2, 6)})
    verts = np.vstack(res.boundary)
    T, d = verts[:, 0], verts[:, 1]
    assert (np.minimum(np.abs(T - 3.0) / 4, np.abs(d - 0.5) / 0.9) <= 1e-3).all()
    assert res.share == pytest.approx(0.25 * (0.45 / 0.9), abs=2e-3)
    assert res.base_holds is False  # T = 5 > R
    assert res.target == "row_prefers_c"


def test_default_parameters_are_the_drivers(write_scenario):
    text = PD_LEVERS.replace('T = { value = 5.0, assumption = "temptation" }',
                             'T = { value = 5.0, range = [3.5, 10.0], assumption = "temptation" }')
    text = text.replace('S = { value = 0.0, assumption = "sucker" }',
                        'S = { value = 0.0, range = [-1.0, 0.5], assumption = "sucker" }')
    text = text.replace('R = { value = 3.0, assumption = "reward" }',
                        'R = { value = 3.0, range = [2.0, 4.0], assumption = "reward" }')
    path = str(write_scenario(text))
    names, how = uncertain_parameters(path, "truce:row")
    assert set(names) == {"T", "R"}  # S plays no part in grim trigger with Nash reversion
    assert "AUC" in how
    res = inverse_region(path, "truce:row")
    assert {p.name for p in res.parameters} == {"T", "R"} and res.chosen_by == how


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs,key,words", [
    ({"params": ["T", "nope"]}, "--param", "no such number"),
    ({"params": ["T", "players.row.discount"], "ranges": {"T": (3.5, 10)}}, "players.row.discount", "no range"),
    ({"params": ["T", "R"], "ranges": {"T": (3.5, 10)}}, "parameters.R", "no range"),
    ({"params": ["T", "T"], "ranges": {"T": (3.5, 10)}}, "--param", "twice"),
    ({"params": ["T"], "ranges": {"T": (3.5, 10)}}, "--param", "two parameters"),
    ({"params": ["T", "R"], "ranges": {"T": (6, 10), "R": (2, 4)}}, "parameters.T", "is outside"),
    ({"target": "truce:nobody"}, "--target", "no player"),
    ({"target": "profile:row.act=X,col.act=C"}, "--target.row.act", "no level"),
    ({"target": "profile:row.act=C"}, "--target", "missing: col"),
    ({"target": "stability"}, "--target", "unknown target"),
    ({"tol": 0.5}, "--tol", "(0, 0.1]"),
    ({"max_evaluations": 50}, "--max-evaluations", "more than 50"),
], ids=["unknown", "discount without range", "parameter without range", "twice", "one", "base outside",
        "no player", "bad level", "missing player", "unknown target", "tol", "budget"])
def test_bad_input_names_the_key(pd, kwargs, key, words):
    args = {"target": "truce:row", "params": ["T", "players.row.discount"], "ranges": PD_BOX, **kwargs}
    with pytest.raises(InputError) as info:
        inverse_region(pd, args.pop("target"), args.pop("params"), **args)
    assert info.value.key == key and words in str(info.value)
    if key.startswith("parameters.") or key == "players.row.discount":
        assert info.value.file == pd


def test_result_tables(pd):
    res = inverse_region(pd, "truce:row", ["T", "players.row.discount"], ranges=PD_BOX, tol=1e-2)
    data = res.to_dict()
    assert {"target", "parameters", "share", "base_holds", "nearest", "edge", "one_parameter", "boundary",
            "evaluations", "grid_equivalent", "holds"} <= set(data)
    assert data["parameters"]["T"]["low"] == 3.5 and data["grid_equivalent"] == 101 ** 2
    frame = res.to_frame()
    assert list(frame.columns) == ["polyline", "vertex", "T", "players.row.discount"]
    assert len(frame) == sum(len(line) for line in res.boundary)
    assert "<table" in res._repr_html_()
