"""HiGHS through its own Python bindings (``highspy``), called as ``scipy.optimize.linprog`` calls it.

``scipy.optimize`` takes about 0.4 s to import, more than the rest of a small ``solve``; the LPs
of the stage analyses need only HiGHS, which scipy bundles. :func:`linprog` passes HiGHS the
model and options that ``linprog(method="highs" | "highs-ipm")`` passes it (same rows
``lhs <= A x <= rhs``, column-wise matrix, dual simplex strategy, logging off), and ``highspy``
is pinned to the HiGHS release scipy bundles (1.12.0 in scipy 1.17.1; a test checks the two agree), so
the answers are the ones ``linprog`` gives, to the bit (tests/stage/test_highs.py).
The result has the fields :mod:`sim.stage.lp` reads: ``x``, ``fun``, ``status`` (scipy's codes:
0 optimal, 1 time or iteration limit, 2 infeasible, 3 unbounded, 4 other), ``message`` and
``ineqlin.marginals`` / ``eqlin.marginals`` (HiGHS's row duals, scipy's sign convention).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import highspy
import numpy as np

__all__ = ["linprog"]

_STATUS = {
    highspy.HighsModelStatus.kOptimal: (0, "Optimization terminated successfully."),
    highspy.HighsModelStatus.kTimeLimit: (1, "Time limit reached."),
    highspy.HighsModelStatus.kIterationLimit: (1, "Iteration limit reached."),
    highspy.HighsModelStatus.kInfeasible: (2, "The problem is infeasible."),
    highspy.HighsModelStatus.kModelError: (2, "The model is in error."),
    highspy.HighsModelStatus.kUnbounded: (3, "The problem is unbounded."),
    highspy.HighsModelStatus.kUnboundedOrInfeasible: (4, "The problem is unbounded or infeasible."),
}


def _columns(M: Any, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """``(indptr, indices, data, rows)`` of ``M`` stored column-wise without zeros (dense or sparse)."""
    if M is None:
        return np.zeros(n + 1, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0), 0
    if hasattr(M, "tocsc"):  # scipy.sparse, which the caller has imported already
        C = M.tocsc()
        C.eliminate_zeros()
        C.sort_indices()
        return C.indptr.astype(np.int32), C.indices.astype(np.int32), np.asarray(C.data, dtype=float), C.shape[0]
    D = np.atleast_2d(np.asarray(M, dtype=float))
    cols, rows = np.nonzero(D.T)  # column-major, rows ascending within a column: CSC order
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(cols, minlength=n), out=indptr[1:])
    return indptr, rows.astype(np.int32), D[rows, cols], D.shape[0]


def _bounds(bounds: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper column bounds from linprog's ``bounds`` (a pair for all, or one per column)."""
    pairs = [bounds] * n if isinstance(bounds, tuple) and len(bounds) == 2 and not isinstance(bounds[0], tuple) \
        else list(bounds)
    lo = np.array([-np.inf if b[0] is None else float(b[0]) for b in pairs])
    hi = np.array([np.inf if b[1] is None else float(b[1]) for b in pairs])
    return lo, hi


def linprog(c, *, A_ub=None, b_ub=None, A_eq=None, b_eq=None, bounds=(0, None), method: str = "highs",
            options: dict | None = None) -> SimpleNamespace:
    """Minimise ``c @ x`` subject to ``A_ub x <= b_ub``, ``A_eq x = b_eq`` and ``bounds``.

    ``method`` is ``"highs"`` (HiGHS chooses; the dual simplex here) or ``"highs-ipm"``;
    ``options`` may hold ``time_limit`` (seconds) and ``presolve`` (bool).
    """
    options = dict(options or {})
    c = np.asarray(c, dtype=float)
    n = c.size
    ub_ptr, ub_idx, ub_val, n_ub = _columns(A_ub, n)
    eq_ptr, eq_idx, eq_val, n_eq = _columns(A_eq, n)
    b_ub = np.zeros(0) if A_ub is None else np.asarray(b_ub, dtype=float).ravel()
    b_eq = np.zeros(0) if A_eq is None else np.asarray(b_eq, dtype=float).ravel()
    # the rows A_ub then A_eq, column by column (what scipy's vstack + csc_array gives)
    cols = np.concatenate([np.repeat(np.arange(n), np.diff(ub_ptr)), np.repeat(np.arange(n), np.diff(eq_ptr))])
    rows = np.concatenate([ub_idx, eq_idx + n_ub])
    order = np.lexsort((rows, cols))
    index, value = rows[order].astype(np.int32), np.concatenate([ub_val, eq_val])[order]
    start = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(cols, minlength=n), out=start[1:])
    lo, hi = _bounds(bounds, n)

    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = n_ub + n_eq
    lp.col_cost_ = c
    lp.col_lower_ = lo
    lp.col_upper_ = hi
    lp.row_lower_ = np.concatenate([np.full(n_ub, -np.inf), b_eq])
    lp.row_upper_ = np.concatenate([b_ub, b_eq])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = n_ub + n_eq
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
    h.setOptionValue("highs_debug_level", 0)
    h.setOptionValue("simplex_strategy", 1)  # dual simplex, as linprog asks
    h.setOptionValue("presolve", "on" if options.get("presolve", True) else "off")
    if method == "highs-ipm":
        h.setOptionValue("solver", "ipm")
    if options.get("time_limit") is not None:
        h.setOptionValue("time_limit", float(options["time_limit"]))
    h.passModel(lp)
    h.run()
    model_status = h.getModelStatus()
    status, message = _STATUS.get(model_status, (4, "HiGHS did not solve the problem."))
    message = f"{message} (HiGHS: {h.modelStatusToString(model_status)})"
    if status != 0:
        return SimpleNamespace(x=None, fun=None, status=status, message=message,
                               ineqlin=SimpleNamespace(marginals=None), eqlin=SimpleNamespace(marginals=None))
    solution = h.getSolution()
    duals = np.array(solution.row_dual, dtype=float)
    return SimpleNamespace(x=np.array(solution.col_value, dtype=float), fun=float(h.getInfo().objective_function_value),
                           status=0, message=message, ineqlin=SimpleNamespace(marginals=duals[:n_ub]),
                           eqlin=SimpleNamespace(marginals=duals[n_ub:]))
