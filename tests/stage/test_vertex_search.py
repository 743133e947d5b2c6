"""The reverse search behind vertex enumeration: every basis once, resumable, parallel equal to
serial, budgets that say so, and degenerate games (ties everywhere) against lrsnash, components
included."""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import InputError
from sim.stage import _vertex_kernel as K
from sim.stage import enumeration
from sim.stage.enumeration import (
    normalise,
    polytope_vertices,
    vertex_enumeration_arrays,
)
from sim.stage.equilibria import _components, nash_equilibria, vertex_enumeration
from sim.stage.equilibrium_set import Equilibrium
from tests.lrs_oracle import LRSNASH, lrsnash
from tests.stage.test_equilibria import _assert_same, _key, _random_game

needs_lrs = pytest.mark.skipif(LRSNASH is None, reason="lrsnash (Debian package lrslib) not installed")


def _degenerate(seed, m, n):
    """Integer payoffs 0..3, as in the benchmark's degenerate suite."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 4, (m, n)).astype(float), rng.integers(0, 4, (m, n)).astype(float)


def _partition(pairs):
    """Components of a list of extreme equilibria as a set of frozensets of rounded keys."""
    eqs = [Equilibrium(np.asarray(x, float), np.asarray(y, float), (0.0, 0.0), (0.0, 0.0)) for x, y in pairs]
    return {frozenset(_key(eqs[i].row, eqs[i].col) for i in comp) for comp in _components(eqs)}


@pytest.mark.parametrize("seed, m, n, ints", [(1, 7, 7, None), (2, 6, 9, None), (3, 8, 8, 1), (4, 7, 6, 2)])
def test_the_search_meets_every_basis_the_breadth_first_traversal_meets(seed, m, n, ints):
    # both engines walk the lexicographically feasible bases of the same perturbed polytope
    A, B = _random_game(seed, m, n, ints)
    Bn = normalise(B)
    bfs = polytope_vertices(Bn.T)
    raw = vertex_enumeration_arrays(A, B, engine="numba", side="row")
    assert raw.stats["bases"] == bfs.bases_visited
    assert raw.stats["vertices"] == len(bfs.points)
    if ints is None:  # nondegenerate: one basis per vertex
        assert raw.stats["bases"] == raw.stats["vertices"]


def test_a_search_resumed_in_small_steps_equals_one_run():
    A, B = _random_game(7, 9, 9, ints=2)
    M, An = normalise(B).T, normalise(A)
    whole = K.Search(M, An, 1e-9)
    assert whole.run(10**9)
    steps = K.Search(M, An, 1e-9)
    calls = 1
    while not steps.run(7):
        calls += 1
    assert calls > 10
    a, b = whole.results(), steps.results()
    assert a["nodes"] == b["nodes"] and a["vertices"] == b["vertices"]
    for k in ("x", "y", "fb"):
        assert np.array_equal(a[k], b[k])


def test_a_stack_that_starts_shallow_grows_and_gives_the_same_result(monkeypatch):
    A, B = _random_game(10, 12, 12)
    M, An = normalise(B).T, normalise(A)
    deep = K.Search(M, An, 1e-9)
    deep.run(10**9)
    monkeypatch.setattr(K.Search, "DEPTH", 2)
    shallow = K.Search(M, An, 1e-9)
    shallow.run(10**9)
    assert len(shallow.nxt) > 2 and shallow.nodes == deep.nodes
    assert np.array_equal(shallow.results()["x"], deep.results()["x"])


def test_subtrees_below_a_cut_add_up_to_the_whole_tree():
    A, B = _random_game(8, 10, 10)
    M, An = normalise(B).T, normalise(A)
    whole = K.Search(M, An, 1e-9)
    whole.run(10**9)
    top = K.Search(M, An, 1e-9)
    top.run(10**9, 2)
    jobs = np.concatenate(top.jobs)
    assert len(jobs) > 5
    rest = K.search_subtrees(M, An, 1e-9, jobs, None, 1e9)
    assert top.nodes + rest["nodes"] == whole.nodes
    merged = np.concatenate([top.results()["x"], rest["x"]])
    assert sorted(map(tuple, merged)) == sorted(map(tuple, whole.results()["x"]))


@pytest.mark.parametrize("game", [pytest.param("nondegenerate", marks=pytest.mark.slow), "degenerate"])
def test_parallel_search_returns_exactly_the_serial_result(game):
    # each call starts its own pool of processes (seconds), so the fast run checks one game
    A, B = _random_game(9, 11, 11) if game == "nondegenerate" else _degenerate(9, 10, 10)
    serial = vertex_enumeration_arrays(A, B, engine="numba")
    parallel = vertex_enumeration_arrays(A, B, engine="numba", workers=2)
    assert parallel.complete and serial.complete and parallel.stats["workers"] == 2
    assert len(parallel.pairs) == len(serial.pairs) > 1
    for (x, y), (u, v) in zip(parallel.pairs, serial.pairs, strict=True):  # same order, same bits
        assert np.array_equal(x, u) and np.array_equal(y, v)
    for key in ("vertices", "bases", "unpaired", "vertices_col", "bases_col"):
        assert parallel.stats.get(key) == serial.stats.get(key)


def test_workers_must_be_a_positive_integer():
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(InputError, match="workers"):
            nash_equilibria(([[1.0]], [[1.0]]), workers=bad)


def test_a_time_budget_stops_the_search_and_the_result_says_so():
    A, B = _random_game(3, 16, 16)
    raw = vertex_enumeration_arrays(A, B, engine="numba", max_seconds=1e-4)
    assert not raw.complete and raw.stats["stopped_by"] == "time"
    res = vertex_enumeration((A, B), max_seconds=1e-4)
    assert res.partial and not res.complete
    assert any("time budget" in note for note in res.notes)
    assert all(max(e.regret) <= 1e-7 * 4 for e in res)  # what it did find is verified


@needs_lrs
@pytest.mark.parametrize("seed, m, n", [(11, 8, 8), (12, 10, 10), (13, 7, 11), (14, 11, 6), (15, 9, 9)])
def test_degenerate_games_match_lrsnash_with_the_same_components(seed, m, n):
    A, B = _degenerate(seed, m, n)
    ours = vertex_enumeration((A, B))
    assert ours.complete and ours.degenerate
    theirs = list({_key(x, y): (x, y) for x, y in lrsnash(A, B)}.values())
    assert len(ours) == len(theirs)
    _assert_same([(e.row, e.col) for e in ours], theirs)
    # components: extreme equilibria joined when they share a strategy, computed on both lists
    assert {frozenset(_key(ours[i].row, ours[i].col) for i in c) for c in ours.components} == _partition(theirs)
    assert len(ours.components) < len(ours)  # these games have components larger than a point


@needs_lrs
@pytest.mark.parametrize("seed, m, n", [(21, 8, 8), (22, 9, 7), (23, 10, 10)])
def test_faces_searched_one_by_one_give_the_same_equilibria(monkeypatch, seed, m, n):
    # a nearly nondegenerate game leaves a few vertices unpaired and searches their faces alone;
    # forced here on degenerate games, where it must agree with pairing both polytopes by labels
    A, B = _degenerate(seed, m, n)
    both = vertex_enumeration_arrays(A, B, engine="numba")
    monkeypatch.setattr(enumeration, "LOCAL_FACES", 0)
    local = vertex_enumeration_arrays(A, B, engine="numba")
    assert local.stats["faces_searched"] > 0 and "faces_searched" not in both.stats
    assert local.complete and local.degenerate and "vertices_col" not in local.stats
    _assert_same(local.pairs, both.pairs)
    _assert_same(local.pairs, list({_key(x, y): (x, y) for x, y in lrsnash(A, B)}.values()))


@needs_lrs
@pytest.mark.slow
def test_a_degenerate_14x14_game_matches_lrsnash():
    A, B = _degenerate(1400, 14, 14)  # the first game of the benchmark's degenerate suite at 14x14
    ours = vertex_enumeration((A, B))
    theirs = list({_key(x, y): (x, y) for x, y in lrsnash(A, B)}.values())
    assert ours.complete and len(ours) == len(theirs) == 450
    _assert_same([(e.row, e.col) for e in ours], theirs)
    assert {frozenset(_key(ours[i].row, ours[i].col) for i in c) for c in ours.components} == _partition(theirs)


@pytest.mark.slow
def test_a_random_20x20_game_is_enumerated_completely():
    # past what lrsnash finishes in two minutes; an odd count is what a nondegenerate game must have
    rng = np.random.default_rng(20020)
    A, B = rng.integers(0, 10**6, (20, 20)).astype(float), rng.integers(0, 10**6, (20, 20)).astype(float)
    res = vertex_enumeration((A, B), max_seconds=300)
    assert res.complete and not res.degenerate
    assert len(res) % 2 == 1 and len(res) == 99
    assert res.stats["vertices"] == res.stats["bases"] > 10**6
