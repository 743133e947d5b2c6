"""Markov perfect equilibria of games with state.

* :func:`backward_induction` — finite horizon: from the last round back, each (round, state) stage
  game with continuation values ``Q_i = u_i + δ_i E[V_i(s')]`` is solved by
  :func:`sim.stage.equilibria.nash_equilibria`; where it has several equilibria one is picked by
  the selection rule, and the count of such stage games is reported (Fudenberg and Tirole 1991,
  ch. 13).
* :func:`pure_stationary_equilibria` — infinite horizon, small games: every pure stationary policy
  pair is enumerated, its values solved from ``V = r + δ P V``, and kept if no one-shot deviation
  pays in any state (the one-shot deviation principle for discounted stochastic games).
* :func:`value_iteration` — infinite horizon, any size: iterate ``V ← value of the stage games with
  continuation V`` (the selection rule picks each stage equilibrium) until the change is below
  tolerance, then verify the stationary policy exactly. It may fail to converge in general-sum
  games; the result then says so (``verified`` False, ``residual`` and ``iterations`` given).
* :func:`shapley_value_iteration` — zero-sum games with a common discount factor: Shapley's (1953)
  operator ``V ← val(u + δ E V)`` (the matrix-game value by LP), a contraction whose fixed point is
  the value of the game.

Every equilibrium returned has been verified: no player gains more than ``tol`` (relative to the
range of its continuation payoffs) by a one-shot deviation in any state and round.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from sim.dynamic.result import MarkovPerfectEquilibrium
from sim.errors import InputError
from sim.model.dynamic import DynamicGame
from sim.stage.equilibria import nash_equilibria, pure_equilibrium_mask
from sim.stage.lp import SolverError, game_label, payoff_range
from sim.stage.security import zero_sum_solution

__all__ = ["SELECTIONS", "markov_perfect_equilibria", "backward_induction", "pure_stationary_equilibria",
           "value_iteration", "shapley_value_iteration", "verify_stationary", "is_zero_sum"]

#: Rules that pick one stage equilibrium where several exist.
SELECTIONS = ("utilitarian", "first", "row", "col")
DEFAULT_TOL = 1e-7
#: Pure stationary policy pairs enumerated at most (``(m n) ** S``).
MAX_PURE_POLICIES = 20_000


def _check_selection(selection: str) -> str:
    if selection not in SELECTIONS:
        raise InputError(f"unknown selection {selection!r}; choose one of {', '.join(SELECTIONS)}", key="selection")
    return selection


def _pick(eqs, selection: str):
    """One equilibrium of a stage ``EquilibriumSet`` by the selection rule (ties: solver order)."""
    if selection == "first":
        return eqs[0]
    if selection == "utilitarian":
        score = [e.payoffs[0] + e.payoffs[1] for e in eqs]
    elif selection == "row":
        score = [e.payoffs[0] for e in eqs]
    else:
        score = [e.payoffs[1] for e in eqs]
    best = max(score)
    scale = 1e-9 * (1 + abs(best))
    return next(e for e, v in zip(eqs, score) if v >= best - scale)


def _solve_stage(Q0: np.ndarray, Q1: np.ndarray, selection: str, tol: float, where: str = "a state"):
    eqs = nash_equilibria((Q0, Q1), "auto", tol=tol, exact=False)
    if not len(eqs.equilibria):  # every finite game has one; the search found none that verifies
        raise SolverError(f"no Nash equilibrium of the stage game in {where} passed verification "
                          f"(tolerance {tol:g}); notes: {'; '.join(eqs.notes) or 'none'}")
    e = _pick(eqs.equilibria, selection)
    return np.asarray(e.row, float), np.asarray(e.col, float), len(eqs)


def _solve_stages(Q0: np.ndarray, Q1: np.ndarray, selection: str, tol: float, where=None):
    """One equilibrium of each state's stage game ``(Q0[s], Q1[s])``: ``(x, y, counts)``.

    Pure equilibria are found for all states at once (:func:`~sim.stage.equilibria.pure_equilibrium_mask`);
    where a state has some, the selection rule picks among them (row-major order for ``first``, the
    order the full search reports them in). Only states without a pure equilibrium go to the full
    search, which then also reports mixed ones. ``where(s)`` names state ``s`` in a solver error.
    """
    S, m, n = Q0.shape
    mask = pure_equilibrium_mask(Q0, Q1)
    x, y = np.zeros((S, m)), np.zeros((S, n))
    counts = mask.reshape(S, -1).sum(axis=1)
    score = {"utilitarian": Q0 + Q1, "row": Q0, "col": Q1}.get(selection)
    for s in np.flatnonzero(counts > 0):
        if score is None:
            i, j = np.argwhere(mask[s])[0]
        else:
            masked = np.where(mask[s], score[s], -np.inf)
            best = masked.max()
            i, j = np.argwhere(masked >= best - 1e-9 * (1 + abs(best)))[0]
        x[s, i], y[s, j] = 1.0, 1.0
    for s in np.flatnonzero(counts == 0):
        x[s], y[s], counts[s] = _solve_stage(Q0[s], Q1[s], selection, tol,
                                             where(s) if where is not None else f"state {s}")
    return x, y, counts


def is_zero_sum(game: DynamicGame) -> bool:
    """Whether ``A + B`` is one constant in every state and profile (to rounding error of the
    payoffs' size) and both discount alike."""
    A, B = np.asarray(game.A, dtype=float), np.asarray(game.B, dtype=float)
    total = A + B
    size = max(float(np.abs(A).max(initial=0.0)), float(np.abs(B).max(initial=0.0)), 1.0)
    return (not game.round_dependent and bool(np.allclose(total, total.flat[0], rtol=0, atol=1e-12 * size))
            and math.isclose(game.discount[0], game.discount[1]))


def _where(game: DynamicGame, t: int | None = None):
    """``s -> "game 'name', state key (round t)"``: how a solver error names a stage game."""
    keys = game.states.keys()
    label = game_label(game)
    return lambda s: f"{label}, state {keys[s]}" + ("" if t is None else f", round {t}")


def _labels(game: DynamicGame) -> dict:
    return dict(state_keys=game.states.keys(), player_ids=tuple(game.player_ids), actions=game.actions,
                discount=tuple(game.discount), units=game.units)


# ----------------------------------------------------------------------------- finite horizon
def backward_induction(game: DynamicGame, *, rounds: int | None = None, selection: str = "utilitarian",
                       tol: float = DEFAULT_TOL) -> MarkovPerfectEquilibrium:
    """The Markov perfect equilibrium of a finite-horizon game selected round by round from the end."""
    _check_selection(selection)
    T = rounds if rounds is not None else game.horizon
    if T is None:
        raise InputError("backward induction needs a finite horizon ([repeated] rounds)", key="rounds")
    S, (m, n) = game.n_states, game.shape
    d0, d1 = game.discount
    row, col = np.zeros((T, S, m)), np.zeros((T, S, n))
    values = np.zeros((T + 1, S, 2))
    multiple, worst = 0, 0.0
    for t in reversed(range(T)):
        A, B = game.payoffs(t)
        Q0 = A + d0 * game.expected(values[t + 1, :, 0])
        Q1 = B + d1 * game.expected(values[t + 1, :, 1])
        x, y, counts = _solve_stages(Q0, Q1, selection, tol, _where(game, t))
        multiple += int((counts > 1).sum())
        row[t], col[t] = x, y
        v0 = np.einsum("si,sij,sj->s", x, Q0, y)
        v1 = np.einsum("si,sij,sj->s", x, Q1, y)
        values[t] = np.column_stack([v0, v1])
        for s in range(S):
            r0 = float((Q0[s] @ y[s]).max() - v0[s]) / payoff_range(Q0[s])
            r1 = float((x[s] @ Q1[s]).max() - v1[s]) / payoff_range(Q1[s])
            worst = max(worst, r0, r1)
    return MarkovPerfectEquilibrium(
        horizon=T, row=row, col=col, values=values[:T], method="backward induction", selection=selection,
        multiplicity=int(multiple), verified=worst <= tol, max_regret=worst, tol=tol, **_labels(game),
        notes=((f"{multiple} of {T * S} stage games had more than one equilibrium; the {selection} rule picked one."
                if multiple else "every stage game had a unique equilibrium (among those found)."),))


# ----------------------------------------------------------------------------- stationary
def verify_stationary(game: DynamicGame, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Values ``(S, 2)`` of the stationary policies ``x`` ``(S, m)``, ``y`` ``(S, n)`` and the largest
    one-shot deviation gain (relative to each player's continuation-payoff range) in any state."""
    S = game.n_states
    P = game.transition_matrix(x, y)
    A, B = game.payoffs(0)
    r0 = np.einsum("si,sij,sj->s", x, A, y)
    r1 = np.einsum("si,sij,sj->s", x, B, y)
    V = np.column_stack([np.linalg.solve(np.eye(S) - game.discount[p] * P, r) for p, r in enumerate((r0, r1))])
    Q0 = A + game.discount[0] * game.expected(V[:, 0])
    Q1 = B + game.discount[1] * game.expected(V[:, 1])
    g0 = np.einsum("sij,sj->si", Q0, y).max(axis=1) - np.einsum("si,sij,sj->s", x, Q0, y)
    g1 = np.einsum("si,sij->sj", x, Q1).max(axis=1) - np.einsum("si,sij,sj->s", x, Q1, y)
    return V, float(max(g0.max() / payoff_range(Q0), g1.max() / payoff_range(Q1), 0.0))


def _stationary(game, x, y, method, selection, tol, multiplicity=0, iterations=None, residual=None, notes=(),
                checked=None):
    """The result of a stationary policy pair; ``checked`` is its ``verify_stationary`` if already computed."""
    V, regret = checked if checked is not None else verify_stationary(game, x, y)
    return MarkovPerfectEquilibrium(
        horizon=None, row=x[None], col=y[None], values=V[None], method=method, selection=selection,
        multiplicity=multiplicity, verified=regret <= tol, max_regret=regret, tol=tol, iterations=iterations,
        residual=residual, notes=tuple(notes), **_labels(game))


def pure_stationary_equilibria(game: DynamicGame, *, tol: float = DEFAULT_TOL,
                               max_policies: int = MAX_PURE_POLICIES) -> list[MarkovPerfectEquilibrium] | None:
    """Every pure stationary Markov perfect equilibrium, or ``None`` when ``(m n) ** S`` exceeds
    ``max_policies`` (the enumeration would be too long)."""
    S, (m, n) = game.n_states, game.shape
    if game.round_dependent:
        raise InputError("stationary equilibria need payoffs that do not depend on round", key="round")
    if (m * n) ** S > max_policies:
        return None
    out = []
    eye_m, eye_n = np.eye(m), np.eye(n)
    for combo in itertools.product(range(m * n), repeat=S):
        prof = np.array(combo)
        x, y = eye_m[prof // n], eye_n[prof % n]
        checked = verify_stationary(game, x, y)
        if checked[1] <= tol:
            out.append(_stationary(game, x, y, "pure enumeration", "all", tol, checked=checked,
                                   notes=(f"one of the pure stationary equilibria among {(m * n) ** S} policy pairs",)))
    return out


def value_iteration(game: DynamicGame, *, selection: str = "utilitarian", tol: float = DEFAULT_TOL,
                    max_iter: int = 2_000) -> MarkovPerfectEquilibrium:
    """A stationary Markov perfect equilibrium by value iteration with equilibrium selection."""
    _check_selection(selection)
    if game.round_dependent:
        raise InputError("stationary equilibria need payoffs that do not depend on round", key="round")
    S, (m, n) = game.n_states, game.shape
    d0, d1 = game.discount
    A, B = game.payoffs(0)
    V = np.zeros((S, 2))
    x, y = np.zeros((S, m)), np.zeros((S, n))
    scale = max(payoff_range(A), payoff_range(B)) / max(1e-12, 1 - max(d0, d1))
    residual, it, multiple = math.inf, 0, 0
    where = _where(game)
    for it in range(1, max_iter + 1):
        Q0, Q1 = A + d0 * game.expected(V[:, 0]), B + d1 * game.expected(V[:, 1])
        x, y, counts = _solve_stages(Q0, Q1, selection, tol, where)
        multiple = int((counts > 1).sum())
        new = np.column_stack([np.einsum("si,sij,sj->s", x, Q0, y), np.einsum("si,sij,sj->s", x, Q1, y)])
        residual = float(np.abs(new - V).max())
        V = new
        if residual <= tol * scale * (1 - max(d0, d1)):
            break
    converged = residual <= tol * scale * (1 - max(d0, d1))
    notes = [f"value iteration {'converged' if converged else 'did not converge'} in {it} iterations "
             f"(last change {residual:.3g})"]
    if multiple:
        notes.append(f"{multiple} of {S} stage games had several equilibria at the end; the {selection} rule picked one")
    return _stationary(game, x.copy(), y.copy(), "value iteration", selection, tol, multiplicity=multiple,
                       iterations=it, residual=residual, notes=notes)


def _matrix_games(Q: np.ndarray, where=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Value and optimal mixed actions of the zero-sum matrix game of each state (row maximises);
    one checked LP per state (:func:`~sim.stage.security.zero_sum_solution`)."""
    vals, xs, ys = [], [], []
    for s, Qs in enumerate(Q):
        v, x, y = zero_sum_solution(Qs, game=where(s) if where is not None else f"state {s}", what="Shapley")
        vals.append(v)
        xs.append(x)
        ys.append(y)
    return np.array(vals), np.array(xs), np.array(ys)


def shapley_value_iteration(game: DynamicGame, *, tol: float = 1e-10, max_iter: int = 100_000
                            ) -> MarkovPerfectEquilibrium:
    """Shapley's (1953) value iteration for a zero-sum game: the value and optimal stationary policies.

    Each step applies Shapley's operator ``T v = val(u + δ E v)``; the search stops when
    ``|T v - v| <= tol (1 - δ) R``, which bounds the error of ``v`` by ``tol R``, where ``R`` is the
    range of the stage payoffs (so ``tol`` means the same in any payoff unit; 1 for constant payoffs). Every 10 steps the
    current optimal policies are also evaluated exactly (one linear solve); their value replaces the
    iterate when its Shapley residual is smaller, which shortens the search for δ near 1 without
    changing the stopping rule.
    """
    if not is_zero_sum(game):
        raise InputError("Shapley value iteration needs a zero-sum game with one discount factor", key="game")
    d = game.discount[0]
    A, B = game.payoffs(0)
    c = float((A + B).flat[0])
    where = _where(game)
    stop = tol * (1 - d) * payoff_range(A)
    v = np.zeros(game.n_states)
    residual, it = math.inf, 0
    for it in range(1, max_iter + 1):
        Q = A + d * game.expected(v)
        new, x, y = _matrix_games(Q, where)
        residual = float(np.abs(new - v).max())
        v = new
        if residual <= stop:
            break
        if it % 10 == 0:
            V_e, _ = verify_stationary(game, x, y)
            T_e, _, _ = _matrix_games(A + d * game.expected(V_e[:, 0]), where)
            r_e = float(np.abs(T_e - V_e[:, 0]).max())
            if r_e < residual:
                v, residual = T_e, r_e
                if residual <= stop:
                    break
    _, x, y = _matrix_games(A + d * game.expected(v), where)
    return _stationary(game, x, y, "Shapley", "unique value", DEFAULT_TOL, iterations=it, residual=residual,
                       notes=(f"zero-sum (payoffs sum to {c:g}): the value is unique; Shapley iteration "
                              + ("converged" if residual <= stop else "did not converge")
                              + f" in {it} iterations (last change {residual:.3g})",))


def markov_perfect_equilibria(game: DynamicGame, *, selection: str = "utilitarian", tol: float = DEFAULT_TOL,
                              max_pure: int = MAX_PURE_POLICIES) -> list[MarkovPerfectEquilibrium]:
    """The Markov perfect equilibria tradesim reports for a game with state.

    Finite horizon: the backward-induction equilibrium (``selection`` picks among stage equilibria).
    Infinite horizon: Shapley's value for a zero-sum game; otherwise every pure stationary
    equilibrium when the game is small enough, and the one value iteration reaches (if it is not one
    of them). Only verified equilibria are returned, except a value-iteration result that did not
    verify when nothing else was found (its ``verified`` is False and its notes say why).
    """
    _check_selection(selection)
    if game.horizon is not None:
        return [backward_induction(game, selection=selection, tol=tol)]
    if is_zero_sum(game):
        return [shapley_value_iteration(game)]
    found = pure_stationary_equilibria(game, tol=tol, max_policies=max_pure) or []
    vi = value_iteration(game, selection=selection, tol=tol)
    duplicate = any(np.allclose(vi.row, e.row, atol=1e-6) and np.allclose(vi.col, e.col, atol=1e-6) for e in found)
    if not duplicate and (vi.verified or not found):
        found.append(vi)
    return found
