"""Logit quantal response equilibria of N-player games: the principal branch from ``lambda = 0``.

A logit QRE at precision ``lambda`` is a profile with ``sigma_k(a) ∝ exp(lambda * v_k(a))`` for
every player (McKelvey and Palfrey 1995). At ``lambda = 0`` it is uniform play; as ``lambda``
grows, the principal branch approaches a Nash equilibrium (generically a unique one, the logit
solution; Turocy 2005). The branch is traced in ``(log sigma, lambda)`` by pseudo-arclength
predictor-corrector continuation, so it follows backward-bending segments (McKelvey's
``loopback`` game). Payoffs are divided by the largest player's payoff range first, so ``lambda``
means the same whatever the payoff unit (``lambda`` on the raw payoffs is ``lambda / range``). At the end the limit is polished by Newton's method on the
indifference system of its support (:func:`sim.stage.nplayer_support.newton_support`) and kept
only if every player's regret passes the tolerance.
"""

from __future__ import annotations

import time

import numpy as np

from sim.errors import InputError
from sim.stage.nplayer_pure import (
    action_values,
    expected_payoffs,
    pair_values,
    payoff_ranges,
    payoff_stack,
    regrets,
)
from sim.stage.nplayer_results import NPlayerEquilibrium, QREBranch
from sim.stage.nplayer_support import newton_support

__all__ = ["logit_qre_branch", "logit_response", "polish_limit"]


def _unit(U: np.ndarray) -> np.ndarray:
    """Payoffs shifted per player and divided by the largest payoff range of any player: one common
    scale, so the QRE correspondence is the raw payoffs' with ``lambda`` rescaled (a per-player
    scale would change it)."""
    lo = U.reshape(U.shape[0], -1).min(axis=1)
    return (U - lo.reshape((-1,) + (1,) * (U.ndim - 1))) / float(payoff_ranges(U).max())


def logit_response(U: np.ndarray, sigma, lam: float) -> tuple[np.ndarray, ...]:
    """Each player's logit reply at precision ``lam`` to the profile ``sigma`` (on unit payoffs)."""
    V = _unit(U)
    out = []
    for k in range(U.shape[0]):
        v = lam * action_values(V, sigma, k)
        e = np.exp(v - v.max())
        out.append(e / e.sum())
    return tuple(out)


def _split(beta, offs):
    return [np.exp(beta[offs[k]:offs[k + 1]]) for k in range(len(offs) - 1)]


def _normalised(beta, offs) -> tuple[np.ndarray, ...]:
    return tuple(s / s.sum() for s in _split(beta, offs))


def _system(V, beta, lam, offs):
    """H(beta, lambda) and its Jacobian (M x (M+1)); beta are log-probabilities."""
    N = V.shape[0]
    M = int(offs[-1])
    sigma = _split(beta, offs)
    H = np.zeros(M)
    J = np.zeros((M, M + 1))
    row = 0
    for k in range(N):
        nk = offs[k + 1] - offs[k]
        v = action_values(V, sigma, k)
        H[row:row + nk - 1] = beta[offs[k] + 1:offs[k + 1]] - beta[offs[k]] - lam * (v[1:] - v[0])
        J[row:row + nk - 1, offs[k] + 1:offs[k + 1]] = np.eye(nk - 1)
        J[row:row + nk - 1, offs[k]] = -1.0
        for j in range(N):
            if j == k:
                continue
            P = pair_values(V, sigma, k, j)
            J[row:row + nk - 1, offs[j]:offs[j + 1]] = -lam * (P[1:] - P[0]) * sigma[j][None, :]
        J[row:row + nk - 1, M] = -(v[1:] - v[0])
        row += nk - 1
        H[row] = sigma[k].sum() - 1.0
        J[row, offs[k]:offs[k + 1]] = sigma[k]
        row += 1
    return H, J


def _tangent(J, prev=None):
    t = np.linalg.svd(J)[2][-1]
    if prev is None:
        return t if t[-1] > 0 else -t
    return t if t @ prev > 0 else -t


def polish_limit(U: np.ndarray, sigma, tol: float) -> NPlayerEquilibrium | None:
    """The Nash equilibrium near ``sigma``: Newton on the support of the best-reply-like actions,
    verified (every regret <= ``tol`` x the player's payoff range); ``None`` if that fails."""
    span = payoff_ranges(U)
    candidates = []
    for cut in (1e-3, 1e-5, 1e-2, 1e-7):
        supports = []
        for k, s in enumerate(sigma):
            S = tuple(np.nonzero(s > cut)[0].tolist()) or (int(np.argmax(s)),)
            supports.append(S)
        if supports not in candidates:
            candidates.append(supports)
    for supports in candidates:
        sol = newton_support(U, supports, sigma)
        if sol is None or any((s < -1e-9).any() for s in sol):
            continue
        sol = tuple(np.maximum(s, 0) / np.maximum(s, 0).sum() for s in sol)
        reg = regrets(U, sol)
        if (reg <= tol * span).all():
            return NPlayerEquilibrium(sol, tuple(expected_payoffs(U, sol).tolist()), tuple(reg.tolist()))
    return None


def logit_qre_branch(game, *, lambda_max: float = 1e4, max_steps: int = 5000, tol: float = 1e-7,
                     max_seconds: float | None = None, first_step: float = 0.05) -> QREBranch:
    """Trace the principal logit QRE branch from ``lambda = 0`` up to ``lambda_max``.

    Parameters
    ----------
    game : NormalFormGame (or a payoff stack ``(N, n_0, ...)``).
    lambda_max : stop once the branch reaches this precision (unit-range payoffs).
    max_steps, max_seconds : limits on the continuation (the branch so far is returned, with a note).
    tol : regret tolerance (relative to payoff ranges) of the polished limit.

    Notes
    -----
    Pseudo-arclength continuation with an SVD tangent and a Newton corrector orthogonal to it,
    step length doubled after easy corrections and halved after failures (Allgower and Georg
    1990, ch. 2; the same homotopy as Gambit's ``gambit-logit``, Turocy 2005).
    """
    if not lambda_max > 0:
        raise InputError("lambda_max must be positive", key="lambda_max")
    U = payoff_stack(game)
    V = _unit(U)
    shape = U.shape[1:]
    offs = np.cumsum([0] + list(shape))
    beta = np.concatenate([np.full(n, -np.log(n)) for n in shape])
    lam = 0.0
    lams, profs = [0.0], [_normalised(beta, offs)]
    H, J = _system(V, beta, lam, offs)
    t = _tangent(J)
    h = first_step
    steps, notes = 0, []
    t0 = time.perf_counter()
    while lam < lambda_max:
        if steps >= max_steps:
            notes.append(f"stopped after {max_steps} steps at lambda={lam:.4g}")
            break
        if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
            notes.append(f"time budget ran out at lambda={lam:.4g}")
            break
        steps += 1
        z = np.concatenate([beta, [lam]])
        zp = z + h * t
        ok = False
        for it in range(8):
            Hp, Jp = _system(V, zp[:-1], zp[-1], offs)
            if np.abs(Hp).max() < 1e-10:
                ok = True
                break
            A = np.vstack([Jp, t])
            try:
                d = np.linalg.solve(A, -np.concatenate([Hp, [0.0]]))
            except np.linalg.LinAlgError:
                break
            zp = zp + d
            if not np.isfinite(zp).all() or (zp[:-1] > 1e-6).any():
                break
        if ok:
            # stay on this branch: a corrector that moved far from the predictor, or a tangent that
            # turned sharply, means the step may have jumped to another part of the curve
            _, Jn = _system(V, zp[:-1], zp[-1], offs)
            tn = _tangent(Jn, t)
            ok = np.linalg.norm(zp - (z + h * t)) <= 0.1 * h and tn @ t >= 0.995
        if not ok:
            h /= 2
            if h < 1e-10:
                notes.append(f"continuation step collapsed at lambda={lam:.4g}")
                break
            continue
        beta, lam = zp[:-1], float(zp[-1])
        t = tn
        lams.append(lam)
        profs.append(_normalised(beta, offs))
        h = min(h * (1.5 if it <= 2 else 1.0), max(1.0, 0.5 * abs(lam)))
    limit = polish_limit(U, profs[-1], tol)
    if limit is None:
        notes.append("the branch's end point did not polish into a verified Nash equilibrium")
    return QREBranch(np.array(lams), tuple(profs), limit, steps,
                     tuple(getattr(game, "actions", tuple(tuple(f"a{i}" for i in range(n)) for n in shape))),
                     tuple(getattr(game, "player_ids", tuple(f"p{k + 1}" for k in range(len(shape))))),
                     tuple(notes))
