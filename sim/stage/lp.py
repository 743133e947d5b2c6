"""The one door to the linear-programme solver: payoffs rescaled before, results checked after.

Every LP of the stage analyses (maxmin and minmax, correlated equilibria, mixed dominance, mixed
Stackelberg commitment) and of Shapley's iteration goes through :func:`solve_lp`. Its callers
first map each payoff matrix affinely onto [0, 1] (:func:`unit_payoffs`): a positive affine change
of a player's payoffs changes none of these solutions (the strategies are the same, values map
back), but HiGHS works to absolute tolerances near 1e-7, so payoffs of 1e11 (or 1e-6) handed to
it raw make it fail or answer to the wrong precision. A failure that remains is a
:class:`SolverError` naming the LP and the game, never a traceback.

Under a :class:`~sim.stage.budget.Budget` an LP past the memory cap (estimated at
:data:`LP_BYTES_PER_NONZERO` bytes per nonzero, what HiGHS and its scipy wrapper hold) raises
:class:`~sim.stage.budget.TooLarge` before anything is built, and HiGHS gets the time left as its
time limit (:class:`~sim.stage.budget.BudgetExhausted` when it runs out). HiGHS is called through
its own bindings (:mod:`sim.stage.highs`), imported on the first LP, not with the package;
``scipy.optimize``, which would take longer to import than the rest of a small ``solve``, is not
needed.
"""

from __future__ import annotations

import numpy as np

from sim.errors import SolverError
from sim.stage.budget import Budget, BudgetExhausted, TooLarge

__all__ = ["SolverError", "game_label", "payoff_range", "unit_payoffs", "solve_lp", "simplex_point", "nonzeros",
           "IPM_NONZEROS", "LP_BYTES_PER_NONZERO"]

#: Dense LPs (over half the entries nonzero, as in maxmin and mixed dominance) with more nonzeros
#: go to HiGHS's interior-point method (with crossover, so the answer is still a vertex): on a
#: 1000 x 1000 game it is about three times faster than the dual simplex. Sparse LPs (the
#: correlated-equilibrium LP) and smaller ones stay with the simplex, faster there.
IPM_NONZEROS = 150_000
#: HiGHS's interior-point method does not stop at its time limit, so under a deadline it is used
#: only while at least this many seconds per million nonzeros are left (about twice what it takes
#: on a busy two-core machine); otherwise the dual simplex runs, which stops when told.
IPM_SECONDS_PER_MILLION = 20.0
#: Peak bytes per constraint-matrix nonzero of an LP solved through scipy and HiGHS (measured on
#: the correlated-equilibrium LPs: about 190 at 4 million nonzeros), for the memory cap.
LP_BYTES_PER_NONZERO = 200


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


def nonzeros(M) -> int:
    """Nonzeros of a dense or ``scipy.sparse`` matrix (0 for ``None``)."""
    if M is None:
        return 0
    if hasattr(M, "nnz"):
        return int(M.nnz)
    return int(np.count_nonzero(M))


def solve_lp(c, *, A_ub=None, b_ub=None, A_eq=None, b_eq=None, bounds=(0, None), what: str,
             game: str = "the game", infeasible_ok: bool = False, budget: Budget | None = None):
    """HiGHS (:func:`sim.stage.highs.linprog`, as :func:`scipy.optimize.linprog` calls it) on an already rescaled LP; the result, ``None`` when
    the LP is infeasible and ``infeasible_ok``, else :class:`SolverError` if HiGHS did not solve it
    (a failed attempt is retried once without presolve). ``A_ub`` and ``A_eq`` may be dense or
    ``scipy.sparse``. Under ``budget``: :class:`~sim.stage.budget.TooLarge` past its memory cap,
    :class:`~sim.stage.budget.BudgetExhausted` when its deadline passes."""
    if A_ub is not None and (A_ub.shape[0] == 0 if hasattr(A_ub, "nnz") else np.asarray(A_ub).size == 0):
        A_ub = b_ub = None
    nnz = nonzeros(A_ub) + nonzeros(A_eq)
    if budget is not None:
        reason = budget.too_big(nnz * LP_BYTES_PER_NONZERO,
                                f"the {what} LP ({len(c):,} variables, {nnz:,} nonzeros)")
        if reason:
            raise TooLarge(reason)
    from sim.stage.highs import (
        linprog,  # here, not at import: see the module's docstring
    )

    cells = sum(int(np.prod(M.shape if hasattr(M, "nnz") else np.shape(M))) for M in (A_ub, A_eq) if M is not None)
    left = None if budget is None else budget.remaining()
    ipm = nnz > IPM_NONZEROS and 2 * nnz > cells and (left is None or left >= IPM_SECONDS_PER_MILLION * nnz / 1e6)
    method = "highs-ipm" if ipm else "highs"

    def run(**options):
        left = None if budget is None else budget.remaining()
        if left is not None:
            if left <= 0:
                raise BudgetExhausted(f"the time budget ran out before the {what} LP on {game}")
            options["time_limit"] = left
        out = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method=method,
                      options=options or None)
        if out.status == 1 and budget is not None and budget.expired():
            raise BudgetExhausted(f"the time budget ran out in the {what} LP on {game}")
        return out

    res = run()
    if res.status != 0:  # HiGHS's presolve can call a nearly degenerate LP infeasible: ask again without it
        again = run(presolve=False)
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
