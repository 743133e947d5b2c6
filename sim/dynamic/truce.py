"""Is a truce self-enforcing in a game with state, and from which states?

The truce is a profile ``(a*, b*)`` played in every state; grim trigger answers a deviation by
reverting, from the next round on, to a Markov perfect equilibrium (the reversion). Along the
truce the state moves by the truce's own transitions, so each side's truce value solves
``V = u(s, a*, b*) + δ P* V`` (backward over rounds with a horizon). A side keeps the truce in state
``s`` (and round ``t``) when no one-shot deviation pays::

    max_a  u(s, a, b*) + δ E[V_reversion(s') | s, a, b*]  <=  V_truce(s)

and the truce is self-enforcing *from* an initial state when this holds for both sides in every
state (and round) the truce path can reach from it (Fudenberg and Tirole 1991, ch. 13; the
one-shot deviation principle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.dynamic.result import MarkovPerfectEquilibrium
from sim.dynamic.solve import markov_perfect_equilibria
from sim.model.actions import cooperative_profile
from sim.model.dynamic import DynamicGame
from sim.render import HtmlRepr

__all__ = ["StateTruce", "truce_by_state"]


@dataclass(frozen=True, eq=False)
class StateTruce(HtmlRepr):
    """Where a truce holds in a game with state.

    Attributes
    ----------
    cooperative, cooperative_labels : the truce profile.
    gain : ``(T, S, 2)`` best one-shot deviation gain over keeping the truce, per round (one row if
        stationary), state and side; ``<= 0`` keeps the truce there.
    truce_value, reversion_value : ``(T, S, 2)`` values of keeping the truce and of the reversion.
    reachable : ``(S, S)`` whether the truce path from state ``i`` can reach state ``j``.
    self_enforcing : ``(S, 2)`` per initial state and side.
    state_keys, player_ids, horizon, reversion_method : labels and how it was made.
    """

    cooperative: tuple[int, int]
    cooperative_labels: tuple[str, str]
    gain: np.ndarray = field(repr=False)
    truce_value: np.ndarray = field(repr=False)
    reversion_value: np.ndarray = field(repr=False)
    reachable: np.ndarray = field(repr=False)
    self_enforcing: np.ndarray = field(repr=False)
    state_keys: tuple[str, ...] = field(repr=False)
    player_ids: tuple[str, str] = ("row", "col")
    horizon: int | None = None
    reversion_method: str = ""
    tol: float = 1e-9
    units: str = ""

    def to_dict(self) -> dict[str, Any]:
        ids = self.player_ids
        worst = self.gain.max(axis=0)
        return {
            "cooperative": dict(zip(ids, self.cooperative_labels)),
            "horizon": self.horizon,
            "reversion": self.reversion_method,
            "by_initial_state": {
                key: {pid: {"self_enforcing": bool(self.self_enforcing[s, p]),
                            "truce_value": float(self.truce_value[0, s, p]),
                            "reversion_value": float(self.reversion_value[0, s, p]),
                            "max_gain_from_deviating_here": float(worst[s, p])}
                      for p, pid in enumerate(ids)}
                for s, key in enumerate(self.state_keys)
            },
            "units": self.units,
        }


def truce_by_state(game: DynamicGame, cooperative: Any = None, *,
                   reversion: MarkovPerfectEquilibrium | None = None, tol: float = 1e-9) -> StateTruce:
    """Check the truce ``cooperative`` (default: the scenario's) from every initial state.

    ``reversion`` is the equilibrium punishment reverts to (default: the first one
    :func:`~sim.dynamic.solve.markov_perfect_equilibria` reports).
    """
    stage = game.stage()
    i, j = cooperative_profile(stage, cooperative)
    mpe = reversion or markov_perfect_equilibria(game)[0]
    S = game.n_states
    T = game.horizon if game.horizon is not None else 1
    stationary = game.horizon is None
    x = np.zeros((S, game.shape[0]))
    y = np.zeros((S, game.shape[1]))
    x[:, i], y[:, j] = 1.0, 1.0
    P = game.transition_matrix(x, y)
    d = np.asarray(game.discount, dtype=float)
    truce = np.zeros((T + 1, S, 2))
    gain = np.zeros((T, S, 2))
    rev = mpe.values if not stationary else mpe.values[:1]
    for t in (range(T) if stationary else reversed(range(T))):
        A, B = game.payoffs(t)
        r = np.column_stack([A[:, i, j], B[:, i, j]])
        if stationary:
            truce[0] = np.column_stack([np.linalg.solve(np.eye(S) - d[p] * P, r[:, p]) for p in (0, 1)])
            nxt_rev = mpe.values[0]
        else:
            truce[t] = r + d * (P @ truce[t + 1])
            nxt_rev = mpe.values[t + 1] if t + 1 < T else np.zeros((S, 2))
        E0 = game.expected(nxt_rev[:, 0])  # (S, m, n)
        E1 = game.expected(nxt_rev[:, 1])
        dev0 = (A[:, :, j] + d[0] * E0[:, :, j]).max(axis=1)
        dev1 = (B[:, i, :] + d[1] * E1[:, i, :]).max(axis=1)
        gain[t] = np.column_stack([dev0, dev1]) - truce[0 if stationary else t]
    reach = _reachable(P)
    scale = max(float(np.ptp(game.A)), float(np.ptp(game.B)), 1.0)
    ok_state = gain <= tol * scale / (1 - d.max() if stationary else 1.0)  # (T, S, 2)
    enforcing = np.zeros((S, 2), dtype=bool)
    if stationary:
        for s in range(S):
            enforcing[s] = ok_state[0][reach[s]].all(axis=0)
    else:
        for s in range(S):
            # states reachable at round t from s at round 0: the t-step truce transitions
            seen = np.zeros(S, dtype=bool)
            seen[s] = True
            fine = np.ones(2, dtype=bool)
            for t in range(T):
                fine &= ok_state[t][seen].all(axis=0)
                seen = (P[seen] > 0).any(axis=0)
            enforcing[s] = fine
    return StateTruce(
        cooperative=(int(i), int(j)), cooperative_labels=(game.actions[0][i], game.actions[1][j]), gain=gain,
        truce_value=truce[:T] if not stationary else truce[:1], reversion_value=rev[:T],
        reachable=reach, self_enforcing=enforcing, state_keys=game.states.keys(), player_ids=tuple(game.player_ids),
        horizon=game.horizon, reversion_method=mpe.method, tol=tol, units=game.units)


def _reachable(P: np.ndarray) -> np.ndarray:
    """Transitive closure (reflexive) of the positive entries of a transition matrix."""
    R = (P > 0) | np.eye(len(P), dtype=bool)
    while True:
        nxt = R | ((R.astype(np.int64) @ R.astype(np.int64)) > 0)
        if np.array_equal(nxt, R):
            return R
        R = nxt
