"""Games of three or more players shared by the tests."""

from __future__ import annotations

import numpy as np

from sim.model.nplayer import NormalFormGame


def public_goods(n: int, r: float, e: float = 1.0, *, actions=("C", "D"), name: str | None = None,
                 **kw) -> NormalFormGame:
    """Linear public goods (Ledyard 1995): each of ``n`` players gives its endowment ``e`` (its first
    action) or keeps it; the pot times ``r`` is shared by all, so player i gets ``e - x_i + r/n * sum(x)``.
    ``kw`` goes to :meth:`NormalFormGame.from_arrays` (``player_ids``, ``units``, ``discount``, ...)."""
    gives = np.indices((2,) * n) == 0  # gives[i][profile]: player i gives
    pot = r / n * e * gives.sum(axis=0)
    tensors = [e - e * gives[i] + pot for i in range(n)]
    return NormalFormGame.from_arrays(tensors, actions=[tuple(actions)] * n, name=name or f"public goods {n}", **kw)
