"""Security levels in N-player games: what each player can guarantee against the others' joint play.

Player k's maxmin value against the others acting jointly (their play possibly correlated, the
worst case for k) is the value of the zero-sum game between k and the coalition of the others:
``max_x min_c sum_a x_a U_k[a, c]`` over k's mixed strategies ``x`` and the others' pure joint
profiles ``c`` (one LP; by LP duality it equals the coalition's correlated minmax of k). The pure
maxmin is ``max_a min_c U_k[a, c]``. Against independent (uncorrelated) punishers the minmax can be
higher; that is a non-convex problem and is not computed here.
"""

from __future__ import annotations

import numpy as np

from sim.stage.lp import game_label, simplex_point, solve_lp, unit_payoffs
from sim.stage.nplayer_pure import payoff_stack
from sim.stage.nplayer_results import NPlayerSecurity

__all__ = ["security_levels_nplayer", "maxmin_against_coalition"]


def maxmin_against_coalition(M: np.ndarray, *, game: str = "the game") -> tuple[float, np.ndarray]:
    """``(value, x)`` of ``max_x min_j x @ M[:, j]`` (rows: the player's actions) by one LP."""
    V, lo, span = unit_payoffs(M)
    m, n = V.shape
    # variables (x_1..x_m, v): maximise v s.t. v - x @ V[:, j] <= 0
    A_ub = np.hstack([-V.T, np.ones((n, 1))])
    A_eq = np.hstack([np.ones((1, m)), np.zeros((1, 1))])
    cost = np.zeros(m + 1)
    cost[-1] = -1.0
    res = solve_lp(cost, A_ub=A_ub, b_ub=np.zeros(n), A_eq=A_eq, b_eq=[1.0],
                   bounds=[(0, None)] * m + [(None, None)], what="maxmin", game=game)
    x = simplex_point(res.x[:m], "maxmin", game)
    return lo + span * float((x @ V).min()), x


def security_levels_nplayer(game) -> NPlayerSecurity:
    """Each player's mixed and pure maxmin against the others' joint play (see the module docstring)."""
    U = payoff_stack(game)
    label = game_label(game)
    vals, strats, pvals, pacts = [], [], [], []
    for k in range(U.shape[0]):
        M = np.moveaxis(U[k], k, 0).reshape(U.shape[1 + k], -1)
        v, x = maxmin_against_coalition(M, game=label)
        worst = M.min(axis=1)
        vals.append(v)
        strats.append(x)
        pacts.append(int(np.argmax(worst)))
        pvals.append(float(worst.max()))
    actions = tuple(getattr(game, "actions", tuple(tuple(f"a{i}" for i in range(n)) for n in U.shape[1:])))
    ids = tuple(getattr(game, "player_ids", tuple(f"p{k + 1}" for k in range(U.shape[0]))))
    return NPlayerSecurity(tuple(vals), tuple(strats), tuple(pvals), tuple(pacts), actions, ids)
