"""Iterated elimination of strictly dominated actions, with a record of what went and why.

Pure domination: row ``i`` of a player's payoffs ``U`` is strictly dominated by row ``k`` when
``min_j U[k, j] - U[i, j] > tol``. The rows are compared blockwise, never as an ``m x m x n``
array: each block of rows is compared with every row on a few columns first
(:data:`SCREEN_COLUMNS`, in an order spread over the matrix), which rules out almost every pair of
a game that is not dominance solvable, and only the pairs still in the running are compared on
the remaining columns, a chunk at a time; no temporary exceeds :data:`BLOCK_ELEMENTS` floats. The
margins are the same numbers as those of the all-pairs comparison.

Domination by a mixed strategy is an LP per action (Fudenberg and Tirole 1991, section 2.1;
Myerson 1991, section 3.1): action ``i`` is strictly dominated iff ``max eps s.t. sigma^T U[:, j]
>= U[i, j] + eps for all remaining j, sigma in the simplex over the other remaining actions`` has
``eps > 0``. An action that is a best response to some mixture of the other side's actions is
never strictly dominated (Pearce 1984, lemma 3), so the LPs run only on the actions that are not
a best response to any column, to the uniform mixture, or to mixtures leaning towards the columns
where that action does well. Strict domination never removes an equilibrium, and the order of
removal does not change the result; so a run stopped by its time budget returns a valid partial
reduction (``complete=False``), a superset of the full one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.render import HtmlRepr
from sim.stage.budget import Budget, BudgetExhausted, Progress, TooLarge, budget_of
from sim.stage.labels import records_frame, text_table
from sim.stage.lp import simplex_point, solve_lp, unit_payoffs

#: Floats in the largest temporary array of a dominance step (4 Mi floats, 32 MB).
BLOCK_ELEMENTS = 1 << 22
#: Columns on which every pair of rows is compared before the survivors are compared on the rest.
SCREEN_COLUMNS = 8
#: Up to this many ``m * m * n`` elements the pure dominance test compares every pair at once
#: (16 MB); larger games are screened blockwise.
DENSE_ELEMENTS = 1 << 21
#: How sharply the mixtures that certify "a best response to something" lean towards the columns
#: where the row does well (in units of the payoff range).
TILTS = (8.0, 32.0, 128.0)


@dataclass(frozen=True)
class Elimination:
    """One removed action: who, which, in which round, and what dominated it (with weights)."""

    player: int
    action: int
    round: int
    dominated_by: dict[int, float]
    margin: float

    def to_dict(self, actions=None) -> dict:
        lab = (lambda p, a: actions[p][a]) if actions is not None else (lambda p, a: a)
        return {
            "player": self.player,
            "action": lab(self.player, self.action),
            "round": self.round,
            "dominated_by": {str(lab(self.player, k)): v for k, v in self.dominated_by.items()},
            "margin": self.margin,
        }


@dataclass(frozen=True)
class DominanceResult(HtmlRepr):
    """Surviving actions of each player and the elimination record.

    ``surviving[p]`` are the original indices still in the game; ``eliminated`` is in removal order.
    ``complete`` is False when the time budget (or the memory cap of the mixed-dominance LPs)
    stopped the elimination early; ``notes`` say where. The survivors are then a superset of
    those of the full elimination, still containing every equilibrium.
    """

    surviving: tuple[tuple[int, ...], tuple[int, ...]]
    eliminated: tuple[Elimination, ...]
    mixed: bool
    tol: float
    rounds: int
    method: str = field(default="iterated strict dominance")

    actions: tuple[tuple[str, ...], tuple[str, ...]] | None = field(default=None, repr=False)
    player_ids: tuple[str, str] = ("row", "col")
    complete: bool = True
    notes: tuple[str, ...] = ()

    def reduce(self, A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r, c = (np.array(s, dtype=int) for s in self.surviving)
        return A[np.ix_(r, c)], B[np.ix_(r, c)]

    def to_dict(self) -> dict:
        actions = self.actions
        lab = (lambda p, a: actions[p][a]) if actions is not None else (lambda p, a: a)
        return {
            "method": self.method + (" (pure and mixed)" if self.mixed else " (pure)"),
            "tol": self.tol,
            "rounds": self.rounds,
            "surviving": [[lab(p, a) for a in s] for p, s in enumerate(self.surviving)],
            "eliminated": [e.to_dict(actions) for e in self.eliminated],
            "complete": self.complete,
            "notes": list(self.notes),
        }

    def records(self) -> list[dict]:
        """One record per removed action, in removal order (action labels, not indices)."""
        rows = []
        for e in self.to_dict()["eliminated"]:
            rows.append({"round": e["round"], "player": self.player_ids[e["player"]], "action": e["action"],
                         "dominated_by": " + ".join(f"{w:.3g} [{a}]" if len(e["dominated_by"]) > 1 else str(a)
                                                    for a, w in e["dominated_by"].items()),
                         "margin": e["margin"]})
        return rows

    def to_frame(self):
        """The removed actions as a :class:`pandas.DataFrame`, one row each, in removal order."""
        return records_frame(self.records(), ["round", "player", "action", "dominated_by", "margin"])

    def __str__(self) -> str:
        sizes = " x ".join(str(len(s)) for s in self.surviving)
        title = (f"{self.to_dict()['method']}: {len(self.eliminated)} actions removed in {self.rounds} rounds, "
                 f"{sizes} survive" + ("" if self.complete else " (stopped early: " + "; ".join(self.notes) + ")"))
        if self.actions is not None and all(len(s) <= 3 for s in self.surviving):
            title += "; left: " + "; ".join(f"{pid} " + ", ".join(f"[{self.actions[p][a]}]" for a in self.surviving[p])
                                            for p, pid in enumerate(self.player_ids))
        return text_table(self.records(), title) if self.eliminated else title

    __repr__ = __str__


def _column_order(n: int) -> np.ndarray:
    """Columns in an order that spreads the first few over the matrix (neighbouring lever settings
    are alike); the order changes no result, only how soon the screening rules pairs out."""
    return np.argsort((np.arange(n) * 0.6180339887498949) % 1.0, kind="stable")


def _best_dominator(Up: np.ndarray, i: int, K: np.ndarray, R: np.ndarray, tol: float) -> tuple[int, float]:
    """The row of ``K`` of largest margin over row ``i`` (the smallest index on ties) and that margin.

    ``R`` holds each candidate's margin on the first ``w = 4 * SCREEN_COLUMNS`` columns of ``Up``
    (an upper bound of its margin). The candidate of largest bound is compared on every column
    first; its margin rules out every candidate whose bound is lower, and the others are compared a
    chunk of columns at a time, each dropped as soon as it falls below that margin or ``tol``.
    """
    w = 4 * SCREEN_COLUMNS
    o = np.lexsort((K, -R))
    K, R = K[o], R[o]
    best_k, best = int(K[0]), min(float(R[0]), float((Up[K[0], w:] - Up[i, w:]).min(initial=np.inf)))
    keep = (R[1:] > tol) & (R[1:] >= best)
    K, R = K[1:][keep], R[1:][keep]
    pos = w
    while len(K) and pos < Up.shape[1]:
        cols = slice(pos, pos + max(64, BLOCK_ELEMENTS // len(K)))
        R = np.minimum(R, (Up[K, cols] - Up[i, cols]).min(axis=1))
        keep = (R > tol) & (R >= best)
        K, R = K[keep], R[keep]
        pos = cols.stop
    for k, r in zip(K.tolist(), R.tolist()):  # exact margins now
        if r > best or (r == best and k < best_k):
            best_k, best = k, r
    return best_k, best


def _pure_dominated(U: np.ndarray, tol: float, budget: Budget | None = None, step: str = "dominance"
                    ) -> tuple[dict[int, tuple[int, float]], bool]:
    """Rows of ``U`` strictly dominated by another row: ``({row: (dominator, margin)}, complete)``.

    The dominator is the row of largest margin (the first on ties), the margin ``min_j U[k, j] -
    U[i, j]``. ``complete`` is False when ``budget`` ran out (the rows found so far are dominated).
    Pairs are screened on :data:`SCREEN_COLUMNS` columns, then on three times as many, and each row
    still with candidates goes to :func:`_best_dominator`.
    """
    m, n = U.shape
    found: dict[int, tuple[int, float]] = {}
    if m <= 1:
        return found, True
    if m * m * n <= DENSE_ELEMENTS:  # small: every pair's margin at once (the same margins, ties, order)
        D = (U[None, :, :] - U[:, None, :]).min(axis=2)  # D[i, k]: margin of row k over row i
        np.fill_diagonal(D, -np.inf)
        rows = np.nonzero(D.max(axis=1) > tol)[0]
        best = D[rows].argmax(axis=1)  # the largest margin, the smallest index on ties
        found.update(zip(rows.tolist(), zip(best.tolist(), D[rows, best].tolist())))
        return found, True
    Up = U[:, _column_order(n)]
    s0, w = SCREEN_COLUMNS, 4 * SCREEN_COLUMNS
    Us = Up[:, :s0]
    block = max(1, BLOCK_ELEMENTS // (m * Us.shape[1]))
    for start in range(0, m, block):
        if budget is not None:
            if budget.expired():
                return found, False
            budget.report(step, start / m)
        rows = np.arange(start, min(start + block, m))
        ub = (Us[None, :, :] - Us[rows][:, None, :]).min(axis=2)  # ub[r, k] >= margin of k over rows[r]
        ub[np.arange(len(rows)), rows] = -np.inf
        ii, kk = np.nonzero(ub > tol)  # sorted by ii
        run = ub[ii, kk]
        ii = rows[ii]
        if n > s0 and len(ii):
            step_pairs = max(1, BLOCK_ELEMENTS // (w - s0))
            for s in range(0, len(ii), step_pairs):
                a, b = ii[s:s + step_pairs], kk[s:s + step_pairs]
                run[s:s + step_pairs] = np.minimum(run[s:s + step_pairs], (Up[b, s0:w] - Up[a, s0:w]).min(axis=1))
            keep = run > tol
            ii, kk, run = ii[keep], kk[keep], run[keep]
        cuts = np.nonzero(np.diff(ii))[0] + 1
        starts = np.r_[0, cuts] if len(ii) else np.zeros(0, dtype=int)
        for i, K, R in zip(ii[starts].tolist(), np.split(kk, cuts), np.split(run, cuts)):
            if budget is not None and budget.expired():
                return found, False
            k, margin = _best_dominator(Up, i, K, R, tol)
            if margin > tol:
                found[i] = (k, margin)
    if budget is not None:
        budget.report(step, 1.0)
    return found, True


def _best_responses(U: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Rows of ``U`` that are a best response to some column (a mixture of ``U``'s columns) of ``Y``."""
    V = U @ Y
    return (V >= V.max(axis=0, keepdims=True)).any(axis=1)


def _not_dominated(U: np.ndarray) -> np.ndarray:
    """Rows of ``U`` shown never strictly dominated (by any mixture of rows): a best response to a
    pure column, to the uniform mixture, or to a mixture leaning towards the row's good columns."""
    m, n = U.shape
    safe = (U >= U.max(axis=0, keepdims=True)).any(axis=1)
    safe |= _best_responses(U, np.full((n, 1), 1.0 / n))
    V, _, _ = unit_payoffs(U)
    gap = V - V.max(axis=0, keepdims=True)  # <= 0, 0 where the row is a column's best reply
    chunk = max(1, BLOCK_ELEMENTS // max(m, n))
    for tilt in TILTS:
        todo = np.nonzero(~safe)[0]
        for s in range(0, len(todo), chunk):
            rows = todo[s:s + chunk]
            Y = np.exp(tilt * gap[rows]).T
            Y /= Y.sum(axis=0, keepdims=True)
            V_Y = U @ Y
            safe[rows] |= V_Y[rows, np.arange(len(rows))] >= V_Y.max(axis=0)
    return safe


def _mixed_dominated(U: np.ndarray, i: int, tol: float, budget: Budget | None = None
                     ) -> tuple[dict[int, float], float] | np.ndarray | None:
    """Row ``i`` of ``U`` strictly dominated by a mix of the other rows: ``(weights, margin)``;
    otherwise the LP's dual, a column mixture to which row ``i`` is a best response (or None).

    The LP sees ``U`` mapped onto [0, 1] (:func:`~sim.stage.lp.unit_payoffs`; the best mix is the
    same and the margin scales back by the range), and the margin is confirmed on ``U`` itself.
    """
    others = [k for k in range(len(U)) if k != i]
    if not others:
        return None
    V, _, span = unit_payoffs(U)
    k = len(others)
    # variables: sigma (k), eps; maximise eps
    c = np.zeros(k + 1)
    c[-1] = -1.0
    A_ub = np.hstack([-V[others].T, np.ones((V.shape[1], 1))])
    b_ub = -V[i]
    A_eq = np.hstack([np.ones((1, k)), np.zeros((1, 1))])
    bounds = [(0, None)] * k + [(None, 1.0)]  # eps <= 1 bounds the LP (payoffs lie in [0, 1])
    res = solve_lp(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=[1.0], bounds=bounds, what="mixed-dominance",
                   budget=budget)
    w = simplex_point(res.x[:k], "mixed-dominance", "the game")
    margin = float((w @ U[others] - U[i]).min())  # the margin the mix really has, in payoff units
    if margin <= tol or -res.fun * span <= tol:
        y = np.maximum(-np.asarray(getattr(getattr(res, "ineqlin", None), "marginals", ()), dtype=float), 0.0)
        return y / y.sum() if len(y) == U.shape[1] and y.sum() > 0 else None
    return {others[a]: float(w[a]) for a in range(k) if w[a] > 1e-12}, margin


def _mixed_round(U: np.ndarray, dom: dict, tol: float, budget: Budget, step: str
                 ) -> tuple[list[tuple[int, dict[int, float], float]], str | None]:
    """The rows of ``U`` dominated by a mixture (``dom``: those already dominated by a pure row):
    ``([(row, weights, margin)], None)``, or the reason the LPs stopped early instead of ``None``."""
    out: list[tuple[int, dict[int, float], float]] = []
    safe = _not_dominated(U)
    keep = [k for k in range(len(U)) if k not in dom]
    todo = [i for i in keep if not safe[i]]
    for t, i in enumerate(todo):
        if safe[i]:
            continue
        budget.report(step, t / len(todo))
        reason = budget.too_big(8.0 * U.shape[1] * len(keep), "a mixed-dominance LP")
        if reason:
            return out, reason
        try:
            got = _mixed_dominated(U[keep], keep.index(i), tol, budget)
        except (BudgetExhausted, TooLarge) as stop:
            return out, stop.message
        if isinstance(got, tuple):
            w, mg = got
            out.append((i, {keep[a]: v for a, v in w.items()}, mg))
        elif got is not None:  # the dual mixture shows other rows undominated too
            safe |= _best_responses(U, got[:, None])
    budget.report(step, 1.0)
    return out, None


def iterated_dominance(
    A: np.ndarray, B: np.ndarray, *, mixed: bool = False, tol: float = 1e-9,
    max_seconds: float | None = None, progress: Progress | None = None, budget: Budget | None = None,
) -> DominanceResult:
    """Iteratively remove strictly dominated actions of both players.

    Parameters
    ----------
    A, B : payoff matrices of the row and column player, shape (m, n).
    mixed : also remove actions dominated only by a mixed strategy (an LP per action that is not
        shown a best response to some mixture, per round).
    tol : a domination margin must exceed ``tol`` to count as strict.
    max_seconds, progress, budget : time budget and progress hook (:mod:`sim.stage.budget`); when
        the time runs out the result so far comes back with ``complete=False``.

    Each round removes, for both players simultaneously, every action dominated in the game left by
    the previous round. Memory stays proportional to the game (``m * n``), whatever its size.
    """
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    budget = budget_of(max_seconds, progress, budget)
    rows = list(range(A.shape[0]))
    cols = list(range(A.shape[1]))
    record: list[Elimination] = []
    notes: list[str] = []
    rnd = 0
    done = True
    while done:
        rnd += 1
        removed = False
        sub = (A[np.ix_(rows, cols)], np.ascontiguousarray(B[np.ix_(rows, cols)].T))  # rows = own actions
        kill: list[list[int]] = [[], []]
        for p, idx in ((0, rows), (1, cols)):
            U = sub[p]
            if len(idx) <= 1:
                continue
            step = f"dominance round {rnd}, player {p}"
            dom, done = _pure_dominated(U, tol, budget, step)
            for i, (k, mg) in sorted(dom.items()):
                record.append(Elimination(p, idx[i], rnd, {idx[k]: 1.0}, mg))
                kill[p].append(i)
            if not done:
                notes.append(f"the time budget ran out in round {rnd} (pure dominance)")
                break
            if mixed:
                got, stop = _mixed_round(U, dom, tol, budget, step + " (mixed)")
                for i, w, mg in got:
                    record.append(Elimination(p, idx[i], rnd, {idx[k]: v for k, v in w.items()}, mg))
                    kill[p].append(i)
                if stop is not None:
                    done = False
                    notes.append(f"mixed dominance stopped in round {rnd}: {stop}")
                    break
        for p, idx in ((0, rows), (1, cols)):
            if kill[p]:
                removed = True
                dead = set(kill[p])
                idx[:] = [a for j, a in enumerate(idx) if j not in dead]
        if not removed:
            break
    rounds = max((e.round for e in record), default=0)
    return DominanceResult((tuple(rows), tuple(cols)), tuple(record), mixed, tol, rounds,
                           complete=done, notes=tuple(notes))
