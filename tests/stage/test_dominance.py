"""The pure dominance test: its dense form for small games and its blockwise form agree exactly."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.mark.parametrize("seed", range(60))
def test_the_dense_and_the_blockwise_pure_dominance_tests_agree(seed, monkeypatch):
    import sim.stage.dominance as dominance

    rng = np.random.default_rng(seed)
    m, n = rng.integers(2, 40, 2)
    U = rng.integers(0, 4, (m, n)).astype(float) if seed % 2 else rng.normal(size=(m, n))
    if seed % 3 == 0 and m >= 3:
        U[1] = U[0] + 0.5  # a row dominated by a constant margin, and ties among dominators
        U[2] = U[0] + 0.5
    dense = dominance._pure_dominated(U, 1e-9)
    monkeypatch.setattr(dominance, "DENSE_ELEMENTS", 0)
    blockwise = dominance._pure_dominated(U, 1e-9)
    assert dense == blockwise and list(dense[0]) == list(blockwise[0])
