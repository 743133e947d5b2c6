"""The correlated equilibrium of largest total payoff (Aumann 1974), an LP over the profile
probabilities ``p`` (Papadimitriou and Roughgarden 2008): maximise ``sum p (A + B)`` subject to one
incentive constraint per ordered pair of distinct actions of either player.

The LP of an ``m x n`` game has ``m(m-1) + n(n-1)`` rows, ``m*n`` columns and about
``m*n*(m+n)`` nonzeros. Two ways to solve it:

* ``direct``: the whole LP as a ``scipy.sparse`` matrix to HiGHS, up to
  :data:`CE_DIRECT_NONZEROS` nonzeros (about 130 actions a side, ~1 GB and seconds); above that it
  is refused with the LP's size rather than built.
* ``generation``: rows and columns generated (Dantzig-Wolfe pricing and cutting planes; e.g.
  Bertsimas and Tsitsiklis 1997, ch. 6): a small master LP over a few profiles and the incentive
  constraints they violate, grown by the profiles of negative reduced cost (priced for all ``m*n``
  profiles at once by two sparse-by-dense products) and the constraints the master's answer
  violates, until neither remains. Memory stays a few ``m x n`` arrays; the master is capped by
  the memory cap of :mod:`sim.stage.budget`. One penalised slack (big-M, raised until it is zero)
  keeps the master feasible before it holds a correlated equilibrium.

``auto`` (the default) is ``direct`` when that fits; otherwise the game is first reduced by iterated
strict dominance (no correlated equilibrium plays a strictly dominated action, and deviations to
removed actions gain less than deviations to what removed them, so the reduced game has the same
correlated equilibria), then solved ``direct`` if that now fits, else by ``generation``. Under a time budget a
run that stops early returns the best correlated equilibrium found so far (``complete=False``),
or ``skipped`` with the reason if it had none yet.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from sim.errors import InputError
from sim.render import HtmlRepr
from sim.stage.budget import (
    MAX_ARRAY_BYTES,
    Budget,
    BudgetExhausted,
    Progress,
    TooLarge,
    budget_of,
    size_text,
)
from sim.stage.dominance import iterated_dominance
from sim.stage.equilibria import as_arrays, payoff_scale, pure_equilibrium_mask
from sim.stage.labels import fmt_value, labelled, records_frame
from sim.stage.lp import (
    LP_BYTES_PER_NONZERO,
    SolverError,
    game_label,
    simplex_point,
    solve_lp,
)

__all__ = ["CorrelatedEquilibrium", "correlated_incentives", "correlated_equilibrium", "CE_DIRECT_NONZEROS",
           "CE_METHODS"]

#: The largest correlated-equilibrium LP solved whole (nonzeros of its constraint matrix).
CE_DIRECT_NONZEROS = 5_000_000
CE_METHODS = ("auto", "direct", "generation")
_TOL = 1e-9  # feasibility and reduced-cost tolerance of the generated LP, in payoff-range units
_NEW_COLUMNS = 128  # profiles added per pricing round
_NEW_ROWS = 8  # most violated incentive constraints added per action and round
_MAX_ROUNDS = 2000


@dataclass(frozen=True)
class CorrelatedEquilibrium(HtmlRepr):
    """A distribution over pure profiles from which neither player gains by deviating.

    ``complete`` is False when a time budget stopped the search: the distribution is then a
    correlated equilibrium, not proven the best one. ``skipped`` says why there is none (the LP
    too large, or no time); ``distribution`` is then empty and ``payoffs`` NaN.
    """

    distribution: np.ndarray
    payoffs: tuple[float, float]
    objective: str = "maximise total payoff"
    method: str = "linprog (HiGHS)"
    max_violation: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    actions: tuple[tuple[str, ...], tuple[str, ...]] | None = field(default=None, repr=False)
    player_ids: tuple[str, str] = ("row", "col")
    complete: bool = True
    skipped: str | None = None

    def to_dict(self) -> dict:
        actions, player_ids = self.actions, self.player_ids
        rows = []
        for i, j in np.argwhere(self.distribution > 1e-12):
            rows.append({"profile": [actions[0][i], actions[1][j]] if actions else [int(i), int(j)],
                         "probability": float(self.distribution[i, j])})
        skipped = self.skipped is not None
        return {"objective": self.objective, "method": self.method,
                "payoffs": {player_ids[p]: None if skipped else self.payoffs[p] for p in range(2)},
                "distribution": rows, "max_violation": None if skipped else self.max_violation,
                "complete": self.complete, "skipped": self.skipped, "notes": list(self.notes)}

    def to_frame(self):
        """One row per profile of positive probability: the two actions and the probability."""
        ids = self.player_ids
        return records_frame([{ids[0]: r["profile"][0], ids[1]: r["profile"][1], "probability": r["probability"]}
                              for r in self.to_dict()["distribution"]], columns=[ids[0], ids[1], "probability"])

    def __str__(self) -> str:
        if self.skipped:
            return f"correlated equilibrium: skipped: {self.skipped}"
        ids, d = self.player_ids, self.to_dict()
        head = (f"correlated equilibrium ({self.objective}): "
                + ", ".join(f"{p} {fmt_value(self.payoffs[k])}" for k, p in enumerate(ids)))
        return "\n".join([head, *(f"  {r['probability']:.3g}  {' | '.join(map(str, r['profile']))}"
                                   for r in d["distribution"])])


def _skipped(reason: str, method: str) -> CorrelatedEquilibrium:
    return CorrelatedEquilibrium(np.zeros((0, 0)), (float("nan"), float("nan")), method=method,
                                 max_violation=float("nan"), complete=False, skipped=reason)


def _lp_size(m: int, n: int) -> tuple[int, int, int]:
    """Rows, columns and (at most) nonzeros of the whole correlated-equilibrium LP."""
    return m * (m - 1) + n * (n - 1), m * n, m * n * (m - 1) + m * n * (n - 1)


def correlated_incentives(A: np.ndarray, B: np.ndarray, *, sparse: bool = False):
    """``(k, m*n)`` rows ``g`` with ``g @ p <= 0`` iff ``p`` (row-major profile probabilities) is a
    correlated equilibrium: one row per ordered pair of distinct actions of either player (none for
    a player with one action, who has nothing to deviate to), row player's pairs first.

    ``sparse=True`` returns a ``scipy.sparse`` CSR matrix without stored zeros. The dense matrix is
    refused (:class:`~sim.stage.budget.TooLarge`) past :data:`~sim.stage.budget.MAX_ARRAY_BYTES`.
    """
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    m, n = A.shape
    k, cols, nnz = _lp_size(m, n)
    if not sparse:
        if 8.0 * k * cols > MAX_ARRAY_BYTES:
            raise TooLarge(f"the dense correlated-equilibrium constraints would take {size_text(8.0 * k * cols)} "
                           f"({k:,} x {cols:,}); use sparse=True")
        G = np.zeros((k, cols))
    ii, kk = np.nonzero(~np.eye(m, dtype=bool))
    jj, ll = np.nonzero(~np.eye(n, dtype=bool))
    # row incentive (i, k): sum_j p[i, j] (A[k, j] - A[i, j]) <= 0; column (j, l): sum_i p[i, j] (B[i, l] - B[i, j])
    r_rows = np.repeat(np.arange(len(ii)), n)
    r_cols = (ii[:, None] * n + np.arange(n)[None, :]).ravel()
    r_vals = (A[kk] - A[ii]).ravel()
    c_rows = len(ii) + np.repeat(np.arange(len(jj)), m)
    c_cols = (np.arange(m)[None, :] * n + jj[:, None]).ravel()
    c_vals = (B[:, ll] - B[:, jj]).T.ravel()
    if not sparse:
        G[r_rows, r_cols] = r_vals
        G[c_rows, c_cols] = c_vals
        return G
    from scipy import sparse as sp

    vals = np.concatenate([r_vals, c_vals])
    keep = vals != 0
    return sp.csr_array((vals[keep], (np.concatenate([r_rows, c_rows])[keep], np.concatenate([r_cols, c_cols])[keep])),
                        shape=(k, cols))


#: Up to this many profiles the correlated-equilibrium LP is handed over dense (``scipy.sparse``
#: is not imported for a small game; HiGHS receives the same matrix either way).
DENSE_PROFILES = 400


def _direct(A, B, name, budget) -> CorrelatedEquilibrium:
    """The whole LP, sparse, to HiGHS (the formulation and scaling of the dense LP it replaces)."""
    m, n = A.shape
    dense = m * n <= DENSE_PROFILES
    G = correlated_incentives(A, B, sparse=not dense)
    ranges = payoff_scale(A, B)
    scale = 1.0 / np.repeat(ranges, [m * (m - 1), n * (n - 1)])
    if dense:
        G_unit, ones = G * scale[:, None], np.ones((1, m * n))
    else:
        from scipy import sparse as sp

        G_unit, ones = sp.diags_array(scale) @ G, sp.csr_array(np.ones((1, m * n)))
    common = max(ranges)
    objective = -((A - A.min()) + (B - B.min())).ravel() / common
    res = solve_lp(objective, A_ub=G_unit, b_ub=np.zeros(G.shape[0]), A_eq=ones,
                   b_eq=[1.0], bounds=(0, None), what="correlated-equilibrium", game=name, budget=budget)
    p = simplex_point(res.x, "correlated-equilibrium", name)
    viol = float(max(0.0, (G @ p).max())) if G.shape[0] else 0.0
    if G.shape[0] and float((G_unit @ p).max()) > 1e-6:
        raise SolverError(f"the correlated-equilibrium LP on {name} returned a distribution that violates "
                          f"an incentive constraint by {viol:.3g} (payoff ranges {ranges[0]:.3g}, {ranges[1]:.3g})")
    P = p.reshape(m, n)
    return CorrelatedEquilibrium(P, (float((P * A).sum()), float((P * B).sum())), max_violation=viol)


def _gains(A, B, rows, cols, p, m, n):
    """Each player's gain from every deviation under ``p`` on profiles ``(rows, cols)``:
    ``(R, C)`` with ``R[i, k] = sum_j p[i, j] (A[k, j] - A[i, j])``, ``C[j, l]`` likewise for B."""
    from scipy import sparse as sp

    P = sp.csr_array((p, (rows, cols)), shape=(m, n))
    own_a = np.bincount(rows, p * A[rows, cols], minlength=m)
    own_b = np.bincount(cols, p * B[rows, cols], minlength=n)
    R = np.asarray(P @ A.T) - own_a[:, None]
    C = np.asarray(P.T @ B) - own_b[:, None]
    return R, C


def _most_violated(G: np.ndarray, have: set, tol: float) -> list[tuple[int, int]]:
    """Up to ``_NEW_ROWS`` pairs ``(a, b)`` per action ``a`` with ``G[a, b] > tol``, not in ``have``."""
    out = []
    for a in np.nonzero(G.max(axis=1) > tol)[0].tolist():
        g = G[a]
        top = np.argsort(-g, kind="stable")[: _NEW_ROWS + 1].tolist()
        out.extend((a, b) for b in top if g[b] > tol and (a, b) not in have)
    return out


def _cut_entries(cuts, order, ptr):
    """Entries of the master's cuts: ``(cut, position in S)`` for every profile of S whose action
    of the deviating player is the cut's ``own`` action (``order``/``ptr``: S grouped by it)."""
    if not cuts:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    own, dev = np.array(cuts, dtype=int).T
    counts = ptr[own + 1] - ptr[own]
    t = np.repeat(np.arange(len(own)), counts)
    shift = np.repeat(ptr[own] - np.r_[0, np.cumsum(counts)[:-1]], counts)
    return t, order[shift + np.arange(counts.sum())], dev[t]


class _Master:
    """The generated LP: profiles ``S`` (flat indices), incentive cuts, one penalised slack."""

    def __init__(self, A, B, W, S):
        self.A, self.B, self.W = A, B, W
        self.m, self.n = A.shape
        self.ra, self.rb = payoff_scale(A, B)
        self.S = S
        self.row_cuts: list[tuple[int, int]] = []
        self.col_cuts: list[tuple[int, int]] = []
        self.have_r: set = set()
        self.have_c: set = set()

    def matrix(self):
        from scipy import sparse as sp

        A, B, n = self.A, self.B, self.n
        si, sj = self.S // n, self.S % n
        parts = []
        for own, cuts, size, U, r, first in ((si, self.row_cuts, self.m, A, self.ra, 0),
                                             (sj, self.col_cuts, n, B, self.rb, len(self.row_cuts))):
            order = np.argsort(own, kind="stable")
            ptr = np.searchsorted(own[order], np.arange(size + 1))
            t, pos, dev = _cut_entries(cuts, order, ptr)
            if U is A:  # row cut (i, k) on profile (i, j): A[k, j] - A[i, j]
                v = (A[dev, sj[pos]] - A[si[pos], sj[pos]]) / r
            else:  # column cut (j, l) on profile (i, j): B[i, l] - B[i, j]
                v = (B[si[pos], dev] - B[si[pos], sj[pos]]) / r
            parts.append((first + t, pos, v))
        cuts = len(self.row_cuts) + len(self.col_cuts)
        rows = np.concatenate([p[0] for p in parts] + [np.arange(cuts)])
        cols = np.concatenate([p[1] for p in parts] + [np.full(cuts, len(self.S))])
        vals = np.concatenate([p[2] for p in parts] + [-np.ones(cuts)])
        return sp.csr_array((vals, (rows, cols)), shape=(cuts, len(self.S) + 1)), len(vals)

    def prices(self, res) -> np.ndarray:
        """Reduced cost of every profile (``m x n``) under the master's duals (0 on ``S``)."""
        from scipy import sparse as sp

        A, B, m, n = self.A, self.B, self.m, self.n
        cuts = len(self.row_cuts) + len(self.col_cuts)
        y = np.asarray(res.ineqlin.marginals, dtype=float) if cuts else np.zeros(0)
        y_eq = float(np.asarray(res.eqlin.marginals, dtype=float)[0])
        nr = len(self.row_cuts)
        Yr = sp.csr_array((y[:nr], tuple(np.array(self.row_cuts, dtype=int).reshape(-1, 2).T)), shape=(m, m))
        Yc = sp.csr_array((y[nr:], tuple(np.array(self.col_cuts, dtype=int).reshape(-1, 2).T)), shape=(n, n))
        term = (np.asarray(Yr @ A) - np.asarray(Yr.sum(axis=1))[:, None] * A) / self.ra
        term += (np.asarray(B @ Yc.T) - np.asarray(Yc.sum(axis=1))[None, :] * B) / self.rb
        reduced = -self.W - term - y_eq
        reduced.ravel()[self.S] = 0.0
        return reduced


def _generation(A, B, name, budget) -> CorrelatedEquilibrium:
    """Row and column generation (see the module docstring)."""
    m, n = A.shape
    method = "linprog (HiGHS), row and column generation"
    common = max(payoff_scale(A, B))
    W = ((A - A.min()) + (B - B.min())) / common  # the objective, maximised
    flat = W.ravel()
    pure = np.flatnonzero(pure_equilibrium_mask(A, B, tol=0.0))
    seeds = np.concatenate([pure[np.argsort(-flat[pure], kind="stable")][:_NEW_COLUMNS],
                            np.argsort(-flat, kind="stable")[:_NEW_COLUMNS]])
    M = _Master(A, B, W, np.unique(seeds))
    penalty = 100.0
    best = None  # (welfare, P) of the best correlated equilibrium met so far: a pure equilibrium to start
    if len(pure):
        top = int(pure[np.argmax(flat[pure])])
        P = np.zeros((m, n))
        P.ravel()[top] = 1.0
        best = (float(flat[top]), P)

    def result(P, complete, note):
        R, C = _gains(A, B, *np.nonzero(P), P[P > 0], m, n)
        viol = max(float(R.max(initial=0.0)), float(C.max(initial=0.0)), 0.0)
        return CorrelatedEquilibrium(P, (float((P * A).sum()), float((P * B).sum())), max_violation=viol,
                                     method=method, notes=(note,), complete=complete)

    step = "correlated equilibrium (row and column generation)"
    for rnd in range(1, _MAX_ROUNDS + 1):
        budget.report(step, rnd / (rnd + 20))
        try:
            G, nnz = M.matrix()
            cuts = G.shape[0]
            reason = budget.too_big(nnz * LP_BYTES_PER_NONZERO, f"the generated correlated-equilibrium LP "
                                    f"({cuts:,} rows x {len(M.S):,} columns)")
            if reason:
                raise TooLarge(reason)
            c = np.append(-flat[M.S], penalty)
            A_eq = np.append(np.ones(len(M.S)), 0.0)[None, :]
            res = solve_lp(c, A_ub=G if cuts else None, b_ub=np.zeros(cuts) if cuts else None, A_eq=A_eq,
                           b_eq=[1.0], bounds=(0, None), what="correlated-equilibrium (generated)", game=name,
                           budget=budget)
        except (BudgetExhausted, TooLarge) as stop:
            if best is None:
                raise
            return result(best[1], False, f"stopped after {rnd - 1} rounds ({stop.message}): the best correlated "
                                          "equilibrium found so far (a pure equilibrium is one), not proven the best")
        p, slack = np.maximum(res.x[:-1], 0.0), float(res.x[-1])
        p /= p.sum()
        si, sj = M.S // n, M.S % n
        R, C = _gains(A, B, si, sj, p, m, n)
        R /= M.ra
        C /= M.rb
        if max(float(R.max(initial=0.0)), float(C.max(initial=0.0))) <= 1e-6:
            welfare = float(p @ flat[M.S])
            if best is None or welfare > best[0]:
                P = np.zeros((m, n))
                P[si, sj] = p
                best = (welfare, P)
        new_r = _most_violated(R, M.have_r, _TOL)
        new_c = _most_violated(C, M.have_c, _TOL)
        reduced = M.prices(res)
        flat_reduced = reduced.ravel()
        enter = np.argpartition(flat_reduced, min(_NEW_COLUMNS, len(flat_reduced) - 1))[:_NEW_COLUMNS]
        enter = enter[flat_reduced[enter] < -_TOL]
        M.have_r.update(new_r)
        M.have_c.update(new_c)
        M.row_cuts += new_r
        M.col_cuts += new_c
        if len(enter):
            M.S = np.union1d(M.S, enter)
        if new_r or new_c or len(enter):
            continue
        if slack <= 1e-12:
            P = np.zeros((m, n))
            P[si, sj] = p
            return result(P, True, f"{rnd} rounds: {len(M.S):,} profiles, {cuts:,} incentive rows")
        if penalty >= 1e12:
            break
        penalty *= 100.0
    raise SolverError(f"the generated correlated-equilibrium LP on {name} did not converge")


@labelled
def correlated_equilibrium(game, *, method: str = "auto", max_seconds: float | None = None,
                           progress: Progress | None = None, budget: Budget | None = None) -> CorrelatedEquilibrium:
    """Correlated equilibrium maximising ``A + B`` (LP over the m*n profile probabilities).

    The LP's objective sees ``A`` and ``B`` shifted and divided by one common range (which keeps
    the maximiser of the sum) and each player's incentive rows divided by that player's payoff
    range (which keeps their half-spaces); the answer is checked against the original payoffs.
    ``method``: ``"auto"``, ``"direct"`` or ``"generation"`` (module docstring). ``max_seconds``,
    ``progress``, ``budget``: :mod:`sim.stage.budget`. Too large an LP or too little time gives a
    result with ``skipped`` set, never an exception.
    """
    if method not in CE_METHODS:
        raise InputError(f"unknown method {method!r}; use one of {', '.join(CE_METHODS)}", key="method")
    A, B, _, _ = as_arrays(game)
    budget = budget_of(max_seconds, progress, budget)
    m, n = A.shape
    name = game_label(game)
    rows, cols, nnz = _lp_size(m, n)
    requested = method
    if method == "auto":
        method = "direct" if nnz <= CE_DIRECT_NONZEROS else "generation"
    if method == "direct" and nnz > CE_DIRECT_NONZEROS:
        return _skipped(f"the correlated-equilibrium LP would have {rows:,} rows x {cols:,} columns ({nnz:,} "
                        f"nonzeros, above the limit of {CE_DIRECT_NONZEROS:,})", "linprog (HiGHS)")
    try:
        if method == "direct":
            return _direct(A, B, name, budget)
        return _reduced(A, B, name, budget, always_generate=requested == "generation")
    except (BudgetExhausted, TooLarge) as stop:
        return _skipped(stop.message, "linprog (HiGHS)" if method == "direct" else
                        "linprog (HiGHS), row and column generation")


def _reduced(A, B, name, budget, always_generate=False) -> CorrelatedEquilibrium:
    """Iterated strict dominance first, then the whole LP if it now fits (unless
    ``always_generate``), else generation; the distribution is put back on the full game and
    checked there."""
    dom = iterated_dominance(A, B, budget=budget)
    r, c = (np.array(s, dtype=int) for s in dom.surviving)
    Ar, Br = A[np.ix_(r, c)], B[np.ix_(r, c)]
    small = not always_generate and _lp_size(*Ar.shape)[2] <= CE_DIRECT_NONZEROS
    got = _direct(Ar, Br, name, budget) if small else _generation(Ar, Br, name, budget)
    if got.skipped is not None:
        return got
    P = np.zeros(A.shape)
    P[np.ix_(r, c)] = got.distribution
    R, C = _gains(A, B, *np.nonzero(P), P[P > 0], *A.shape)
    viol = max(float(R.max(initial=0.0)), float(C.max(initial=0.0)), 0.0)
    note = f"solved on the {len(r)} x {len(c)} game left by iterated strict dominance"
    return dataclasses.replace(got, distribution=P, max_violation=viol, notes=(note, *got.notes))
