"""Coalitional stability of pure profiles: joint deviations, strong Nash, coalition-proof Nash.

A coalition (a tuple of player ids) breaks a pure profile when some joint change of its members'
actions, the others' held fixed, makes every member strictly better off (by more than ``tol``
times its payoff range). A profile no coalition breaks is a strong Nash equilibrium (Aumann 1959).
Coalition-proof Nash equilibrium (Bernheim, Peleg and Whinston 1987) only counts deviations that
are themselves self-enforcing: recursively, a profile of a one-player game is coalition-proof when
it maximises that player's payoff; of an n-player game, when it is self-enforcing (for every proper
coalition J, its part is coalition-proof in the game J plays with the others fixed) and no other
self-enforcing profile makes all n players strictly better off. The recursion visits every
subgame, so it is limited to :data:`CPNE_PLAYER_LIMIT` players and :data:`CPNE_PROFILE_LIMIT`
profiles; pure strategies only.
"""

from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np

from sim.errors import InputError
from sim.stage.nplayer_pure import payoff_ranges, payoff_stack, pure_equilibrium_mask
from sim.stage.nplayer_results import CoalitionCheck

__all__ = ["coalition_deviation", "coalition_check", "coalition_proof_mask", "strong_nash_profiles",
           "CPNE_PLAYER_LIMIT", "CPNE_PROFILE_LIMIT"]

CPNE_PLAYER_LIMIT = 5
CPNE_PROFILE_LIMIT = 4096


def _coalition_indices(game, coalition: Sequence[str | int]) -> tuple[int, ...]:
    ids = tuple(game.player_ids)
    if isinstance(coalition, (str, int)) or not len(coalition):
        raise InputError(f"a coalition is a non-empty list of player ids, got {coalition!r}", key="coalition")
    out = []
    for p in coalition:
        if isinstance(p, (int, np.integer)) and not isinstance(p, bool) and 0 <= int(p) < len(ids):
            out.append(int(p))
        elif p in ids:
            out.append(ids.index(p))
        else:
            raise InputError(f"unknown player {p!r} (players: {', '.join(ids)})", key="coalition")
    if len(set(out)) != len(out):
        raise InputError(f"player listed twice in coalition {list(coalition)!r}", key="coalition")
    return tuple(sorted(out))


def coalition_deviation(U: np.ndarray, profile: Sequence[int], members: Sequence[int], tol: float = 1e-12
                        ) -> tuple[int, ...] | None:
    """A joint deviation of ``members`` from ``profile`` making each strictly better, or ``None``.

    Vectorised: the members' sub-tensor (others fixed) is compared with the current payoffs at once.
    """
    span = payoff_ranges(U)
    index = tuple(slice(None) if k in members else int(a) for k, a in enumerate(profile))
    better = np.ones(tuple(U.shape[1 + k] for k in members), dtype=bool)
    here = U[(slice(None),) + tuple(int(a) for a in profile)]
    for k in members:
        better &= U[k][index] > here[k] + tol * span[k]
    hits = np.argwhere(better)
    if not len(hits):
        return None
    # the deviation most profitable for the worst-off member
    gains = np.min([U[k][index][tuple(hits.T)] - here[k] for k in members], axis=0)
    best = hits[int(np.argmax(gains))]
    out = list(int(a) for a in profile)
    for k, a in zip(members, best):
        out[k] = int(a)
    return tuple(out)


def _cpne(U: np.ndarray, tol: float, memo: dict) -> np.ndarray:
    """Boolean tensor of the coalition-proof profiles of the game ``U`` (all players)."""
    key = (U.shape, U.tobytes())
    if key in memo:
        return memo[key]
    N = U.shape[0]
    span = payoff_ranges(U)
    if N == 1:
        out = U[0] >= U[0].max() - tol * span[0]
        memo[key] = out
        return out
    selfenf = pure_equilibrium_mask(U, tol)  # singletons first: cheap and rules most profiles out
    for prof in np.argwhere(selfenf):
        ok = True
        for r in range(2, N):
            for J in itertools.combinations(range(N), r):
                index = tuple(slice(None) if k in J else int(a) for k, a in enumerate(prof))
                sub = np.stack([U[k][index] for k in J])
                if not _cpne(sub, tol, memo)[tuple(int(prof[k]) for k in J)]:
                    ok = False
                    break
            if not ok:
                break
        selfenf[tuple(prof)] = ok
    out = selfenf.copy()
    cand = np.argwhere(selfenf)
    vals = np.array([U[(slice(None),) + tuple(p)] for p in cand]).reshape(len(cand), N)
    for i, p in enumerate(cand):
        if (vals > vals[i] + tol * span).all(axis=1).any():
            out[tuple(p)] = False
    memo[key] = out
    return out


def coalition_proof_mask(game, *, tol: float = 1e-12) -> np.ndarray:
    """Boolean tensor: True at the coalition-proof Nash equilibria (pure; Bernheim et al. 1987)."""
    U = payoff_stack(game)
    if U.shape[0] > CPNE_PLAYER_LIMIT or int(np.prod(U.shape[1:])) > CPNE_PROFILE_LIMIT:
        raise InputError(f"coalition-proofness is computed for up to {CPNE_PLAYER_LIMIT} players and "
                         f"{CPNE_PROFILE_LIMIT:,} profiles", key="coalition")
    return _cpne(U, tol, {})


def strong_nash_profiles(game, *, tol: float = 1e-12) -> np.ndarray:
    """The pure strong Nash equilibria as an int array ``(count, N)``: no coalition breaks them."""
    U = payoff_stack(game)
    N = U.shape[0]
    coalitions = [J for r in range(1, N + 1) for J in itertools.combinations(range(N), r)]
    out = [p for p in np.argwhere(pure_equilibrium_mask(U, tol))
           if all(coalition_deviation(U, p, J, tol) is None for J in coalitions)]
    return np.array(out, dtype=int).reshape(-1, N)


def coalition_check(game, profile: Sequence[int] | dict, *, coalitions: Sequence[Sequence[str | int]] | None = None,
                    tol: float = 1e-12, coalition_proof: bool | None = None) -> CoalitionCheck:
    """Which coalitions break the pure ``profile`` (action indices, or ``{player id: action label}``).

    ``coalitions`` default to all of them (then ``strong`` is decided); ``coalition_proof`` is
    computed by default when the game is within the limits of :func:`coalition_proof_mask`.
    """
    U = payoff_stack(game)
    N = U.shape[0]
    if isinstance(profile, dict):
        try:
            profile = [game.action_index(p, profile[p]) for p in game.player_ids]
        except KeyError as e:
            raise InputError(f"profile names no action {e.args[0]!r} for some player", key="profile") from None
    profile = tuple(int(a) for a in profile)
    if len(profile) != N or any(not 0 <= a < n for a, n in zip(profile, U.shape[1:])):
        raise InputError(f"profile {profile!r} is not a pure profile of this game", key="profile")
    if coalitions is None:
        members = [J for r in range(1, N + 1) for J in itertools.combinations(range(N), r)]
    else:
        members = [_coalition_indices(game, c) for c in coalitions]
    ids = tuple(game.player_ids)
    breaking = {}
    for J in members:
        dev = coalition_deviation(U, profile, J, tol)
        if dev is not None:
            breaking[tuple(ids[k] for k in J)] = {ids[k]: game.actions[k][dev[k]] for k in J}
    nash = bool(pure_equilibrium_mask(U, tol)[profile])
    small = N <= CPNE_PLAYER_LIMIT and int(np.prod(U.shape[1:])) <= CPNE_PROFILE_LIMIT
    cp = None
    if coalition_proof or (coalition_proof is None and small):
        cp = bool(coalition_proof_mask(game, tol=tol)[profile])
    here = U[(slice(None),) + profile]
    return CoalitionCheck(game.profile_labels(profile), {p: float(v) for p, v in zip(ids, here)}, nash,
                          tuple(tuple(ids[k] for k in J) for J in members), breaking,
                          (not breaking) if coalitions is None else None, cp)
