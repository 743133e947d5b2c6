"""Nash equilibria of N-player games: pure, all by support enumeration, or one by the logit trace.

Methods (``method=``):

* ``pure`` — the pure equilibria only (vectorised over the payoff tensor); complete for pure.
* ``support`` — support enumeration: every support profile's indifference system is solved
  (:func:`sim.stage.nplayer_support.solve_support`): exactly when at most two players mix, or when
  three players mix over two actions each (a quadratic); otherwise by Newton's method from seeded
  random starts. ``complete`` is True only when every support profile was solved exactly, none was
  degenerate and the search finished: then (for a nondegenerate game) these are all its
  equilibria — e.g. every game with three players of two actions each. Compare Gambit's
  ``enumpoly`` (support enumeration with a polynomial solver; McKelvey and McLennan 1996).
* ``qre`` — one equilibrium from the limit of the principal logit QRE branch, polished by Newton and
  verified (:func:`sim.stage.nplayer_qre.logit_qre_branch`); if that fails, Newton on the supports
  seen along the branch. ``complete`` is False.
* ``auto`` — ``support`` while the number of support profiles is at most :data:`SUPPORT_LIMIT`,
  else ``qre``; pure equilibria are always added.

A two-player game goes to the bimatrix solvers (:func:`sim.stage.equilibria.nash_equilibria`), with
the same equilibria. Every equilibrium returned is verified: each player's regret (its best pure
deviation gain) is at most ``tol`` times its payoff range.
"""

from __future__ import annotations

import itertools
import time
from typing import Iterator, Sequence

import numpy as np

from sim.errors import InputError
from sim.model.game import StageGame
from sim.stage.equilibria import nash_equilibria
from sim.stage.nplayer_pure import (
    PURE_TOL,
    expected_payoffs,
    payoff_ranges,
    payoff_stack,
    pure_equilibria_profiles,
    regrets,
)
from sim.stage.nplayer_qre import logit_qre_branch, polish_limit
from sim.stage.nplayer_results import NPlayerEquilibria, NPlayerEquilibrium
from sim.stage.nplayer_support import solve_support

__all__ = ["nplayer_nash", "pure_nash", "support_enumeration_nplayer", "qre_equilibrium", "METHODS",
           "SUPPORT_LIMIT", "DEFAULT_TOL"]

METHODS = ("auto", "pure", "support", "qre")
#: ``auto`` enumerates supports while there are at most this many support profiles.
SUPPORT_LIMIT = 20_000
DEFAULT_TOL = 1e-7


def _labels(game, shape):
    actions = tuple(getattr(game, "actions", None) or tuple(tuple(f"a{i}" for i in range(n)) for n in shape))
    ids = tuple(getattr(game, "player_ids", None) or tuple(f"p{k + 1}" for k in range(len(shape))))
    return actions, ids


def _verified(U, sigma, tol) -> NPlayerEquilibrium | None:
    reg = regrets(U, sigma)
    if (reg <= tol * payoff_ranges(U)).all():
        return NPlayerEquilibrium(tuple(sigma), tuple(expected_payoffs(U, sigma).tolist()), tuple(reg.tolist()))
    return None


def _key(sigma) -> tuple:
    return tuple(np.round(np.concatenate(sigma), 6).tolist())


def _order(eqs: list[NPlayerEquilibrium]) -> tuple[NPlayerEquilibrium, ...]:
    return tuple(sorted(eqs, key=lambda e: (sum(len(s) for s in e.support), [-x for x in np.concatenate(e.strategies)])))


def _pure(U, tol) -> list[NPlayerEquilibrium]:
    out = []
    for prof in pure_equilibria_profiles(U, PURE_TOL):
        sigma = tuple(np.eye(n)[a] for n, a in zip(U.shape[1:], prof))
        e = _verified(U, sigma, tol)
        if e is not None:
            out.append(e)
    return out


def _subsets(n: int) -> list[tuple[int, ...]]:
    return [c for r in range(1, n + 1) for c in itertools.combinations(range(n), r)]


def support_profiles(shape: Sequence[int]) -> Iterator[tuple[tuple[int, ...], ...]]:
    """Every support profile, smaller total support first within each player's order."""
    return itertools.product(*(_subsets(n) for n in shape))


def support_count(shape: Sequence[int]) -> int:
    """Number of support profiles: the product of ``2**n_k - 1``."""
    return int(np.prod([2 ** n - 1 for n in shape], dtype=float))


def _from_bimatrix(game, method, tol, max_seconds, t0) -> NPlayerEquilibria:
    res = nash_equilibria(StageGame.from_normal_form(game), "auto" if method in ("support", "qre") else method,
                          max_seconds=max_seconds, tol=tol)
    eqs = tuple(NPlayerEquilibrium((e.row, e.col), tuple(e.payoffs), tuple(e.regret)) for e in res.equilibria)
    return NPlayerEquilibria(eqs, f"bimatrix:{res.method}", bool(res.complete), tol, tuple(game.actions),
                             tuple(game.player_ids), {"max_seconds": max_seconds}, tuple(res.notes),
                             time.perf_counter() - t0)


def _result(game, U, eqs, method, complete, tol, params, notes, t0) -> NPlayerEquilibria:
    actions, ids = _labels(game, U.shape[1:])
    return NPlayerEquilibria(_order(eqs), method, complete, tol, actions, ids, params, tuple(notes),
                             time.perf_counter() - t0)


def pure_nash(game, *, tol: float = DEFAULT_TOL) -> NPlayerEquilibria:
    """The pure Nash equilibria (vectorised over the tensor; ``complete`` is about pure profiles)."""
    t0 = time.perf_counter()
    U = payoff_stack(game)
    return _result(game, U, _pure(U, tol), "pure", True, tol, {}, ["pure equilibria only"], t0)


def _support_search(U, tol, deadline, rng, starts):
    eqs: dict[tuple, NPlayerEquilibrium] = {}
    exact, degenerate, finished, solved = True, False, True, 0
    for supports in support_profiles(U.shape[1:]):
        if deadline is not None and time.perf_counter() > deadline:
            finished = False
            break
        sol = solve_support(U, supports, rng=rng, starts=starts)
        solved += 1
        exact &= sol.exact
        degenerate |= sol.degenerate
        for prof in sol.profiles:
            e = _verified(U, prof, tol)
            if e is not None and tuple(len(s) for s in e.support) == tuple(len(S) for S in supports):
                eqs.setdefault(_key(e.strategies), e)
    return list(eqs.values()), exact, degenerate, finished, solved


def support_enumeration_nplayer(game, *, max_seconds: float | None = None, tol: float = DEFAULT_TOL,
                                seed: int = 0, starts: int = 12) -> NPlayerEquilibria:
    """All equilibria by support enumeration (see the module docstring for when it is complete)."""
    t0 = time.perf_counter()
    U = payoff_stack(game)
    deadline = None if max_seconds is None else t0 + max_seconds
    rng = np.random.default_rng(seed)
    found, exact, degenerate, finished, solved = _support_search(U, tol, deadline, rng, starts)
    have = {_key(e.strategies) for e in found}
    found += [e for e in _pure(U, tol) if _key(e.strategies) not in have]
    notes = []
    if not exact:
        notes.append("some support profiles were solved by Newton from random starts: equilibria may be missing")
    if degenerate:
        notes.append("degenerate game: some support system was singular (a continuum or a tie); "
                     "equilibria may be missing")
    if not finished:
        notes.append(f"time budget ran out after {solved:,} of {support_count(U.shape[1:]):,} support profiles")
    method = "support-exact" if exact else "support-newton"
    return _result(game, U, found, method, exact and not degenerate and finished, tol,
                   {"seed": seed, "starts": starts, "support_profiles": solved}, notes, t0)


def qre_equilibrium(game, *, max_seconds: float | None = None, tol: float = DEFAULT_TOL,
                    lambda_max: float = 1e4) -> NPlayerEquilibria:
    """At least one verified equilibrium: the limit of the principal logit QRE branch (polished),
    else Newton from the supports seen along the branch; pure equilibria added. Not exhaustive."""
    t0 = time.perf_counter()
    U = payoff_stack(game)
    branch = logit_qre_branch(U, lambda_max=lambda_max, tol=tol, max_seconds=max_seconds)
    found = [] if branch.limit is None else [branch.limit]
    notes = list(branch.notes)
    if not found:
        for prof in branch.profiles[::-1][:50]:
            e = polish_limit(U, tuple(s / s.sum() for s in prof), tol)
            if e is not None:
                found.append(e)
                notes.append("equilibrium polished from an earlier point of the branch")
                break
    have = {_key(e.strategies) for e in found}
    found += [e for e in _pure(U, tol) if _key(e.strategies) not in have]
    if not found:
        notes.append("no equilibrium verified: the trace and the polish failed at this tolerance")
    return _result(game, U, found, "qre-newton", False, tol,
                   {"lambda_max": lambda_max, "lambda_reached": float(branch.lambdas[-1])}, notes, t0)


def nplayer_nash(game, method: str = "auto", *, max_seconds: float | None = None, tol: float = DEFAULT_TOL,
                 seed: int = 0, starts: int = 12) -> NPlayerEquilibria:
    """Nash equilibria of an N-player game by ``method`` (see the module docstring).

    Parameters
    ----------
    game : NormalFormGame (a two-player one goes to the bimatrix solvers).
    method : ``auto``, ``pure``, ``support`` or ``qre``.
    max_seconds : wall-clock budget; a search cut short says so in ``notes`` and is not complete.
    tol : largest regret accepted, relative to each player's payoff range.
    seed, starts : the Newton starts of support profiles without an exact solver.
    """
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}", key="method")
    if max_seconds is not None and not max_seconds > 0:
        raise InputError("max_seconds must be positive", key="max_seconds")
    t0 = time.perf_counter()
    if getattr(game, "n_players", None) == 2:
        return _from_bimatrix(game, method, tol, max_seconds, t0)
    if method == "pure":
        return pure_nash(game, tol=tol)
    U = payoff_stack(game)
    if method == "support" or (method == "auto" and support_count(U.shape[1:]) <= SUPPORT_LIMIT):
        res = support_enumeration_nplayer(game, max_seconds=max_seconds, tol=tol, seed=seed, starts=starts)
        if len(res) or method == "support":
            return res
    return qre_equilibrium(game, max_seconds=max_seconds, tol=tol)
