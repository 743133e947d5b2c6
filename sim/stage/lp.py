"""The one door to the linear-programme solver: payoffs rescaled before, results checked after.

Every LP of the stage analyses (maxmin and minmax, correlated equilibria, mixed dominance, mixed
Stackelberg commitment) and of Shapley's iteration goes through :func:`solve_lp`. Its callers
first map each payoff matrix affinely onto [0, 1] (:func:`unit_payoffs`): a positive affine change
of a player's payoffs changes none of these solutions (the strategies are the same, values map
back), but HiGHS works to absolute tolerances near 1e-7, so payoffs of 1e11 (or 1e-6) handed to
it raw make it fail or answer to the wrong precision. A failure that remains is a
:class:`SolverError` naming the LP and the game, never a traceback.
"""

from __future__ import annotations

import numpy as np

from sim.errors import SolverError

__all__ = ["SolverError", "game_label", "payoff_range", "unit_payoffs", "solve_lp", "simplex_point"]


def game_label(game) -> str:
    """How an error names a game: ``game 'US-China 2025'``, or ``the game`` for bare matrices."""
    name = getattr(game, "name", None)
    return f"game {name!r}" if isinstance(name, str) and name else "the game"


def payoff_range(U: np.ndarray) -> float:
    """``max - min`` of a payoff matrix, 1 for a constant one: the unit of relative tolerances."""
    lo, hi = float(np.min(U)), float(np.max(U))
    return hi - lo if hi > lo else 1.0


def unit_payoffs(U: np.ndarray) -> tuple[np.ndarray, float, float]:
    """``(V, lo, span)`` with ``U = lo + span * V`` and ``V`` in [0, 1] (a constant ``U`` maps to 0,
    ``span`` 1; ``span`` is :func:`payoff_range`)."""
    U = np.asarray(U, dtype=float)
    lo, span = float(U.min()), payoff_range(U)
    return (U - lo) / span, lo, span


def solve_lp(c, *, A_ub=None, b_ub=None, A_eq=None, b_eq=None, bounds=(0, None), what: str,
             game: str = "the game", infeasible_ok: bool = False):
    """:func:`scipy.optimize.linprog` (HiGHS) on an already rescaled LP; the result, ``None`` when
    the LP is infeasible and ``infeasible_ok``, else :class:`SolverError` if HiGHS did not solve it
    (a failed attempt is retried once without presolve)."""
    from scipy.optimize import linprog

    if A_ub is not None and np.asarray(A_ub).size == 0:
        A_ub = b_ub = None
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if res.status != 0:  # HiGHS's presolve can call a nearly degenerate LP infeasible: ask again without it
        again = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs",
                        options={"presolve": False})
        if again.status == 0 or (again.status == 2 and res.status != 2):
            res = again
    if res.status == 2 and infeasible_ok:
        return None
    if res.status != 0 or res.x is None or not np.isfinite(res.x).all():
        raise SolverError(f"the {what} LP failed on {game}: {res.message} (status {res.status})")
    return res


def simplex_point(x: np.ndarray, what: str, game: str) -> np.ndarray:
    """``x`` cleaned into a probability vector (tiny negatives clipped), or :class:`SolverError`."""
    x = np.asarray(x, dtype=float)
    if (x < -1e-6).any() or abs(x.sum() - 1.0) > 1e-6:
        raise SolverError(f"the {what} LP on {game} returned a point off the simplex (sum {x.sum():.9g})")
    x = np.maximum(x, 0.0)
    return x / x.sum()
