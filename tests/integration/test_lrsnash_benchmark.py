"""Benchmark-sized games against lrsnash (slow; skipped without lrslib)."""

from __future__ import annotations

import pytest

from sim.stage.equilibria import vertex_enumeration
from tests.lrs_oracle import LRSNASH, lrsnash
from tests.stage.test_equilibria import _assert_same, _key, _random_game

needs_lrs = pytest.mark.skipif(LRSNASH is None, reason="lrsnash (Debian package lrslib) not installed")


@needs_lrs
@pytest.mark.slow
@pytest.mark.parametrize("m, n, seed", [pytest.param(16, 16, 1, id="16x16"), pytest.param(12, 24, 2, id="12x24")])
def test_benchmark_sizes_match_lrsnash(m, n, seed):
    A, B = _random_game(seed, m, n, ints=10**6)
    ours = vertex_enumeration((A, B))
    uniq = {_key(x, y): (x, y) for x, y in lrsnash(A, B)}
    assert len(ours) == len(uniq)
    _assert_same([(e.row, e.col) for e in ours], list(uniq.values()))
