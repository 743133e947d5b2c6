"""Where play goes: the distribution of the state, round by round, when both sides follow a
Markov perfect policy (exact propagation of the Markov chain, no sampling)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.dynamic.result import MarkovPerfectEquilibrium
from sim.errors import InputError
from sim.model.dynamic import DynamicGame
from sim.render import HtmlRepr

__all__ = ["StatePath", "state_path"]


@dataclass(frozen=True, eq=False)
class StatePath(HtmlRepr):
    """The state distribution over rounds under a policy.

    Attributes
    ----------
    distribution : ``(T + 1, S)`` probability of each state at the start of rounds ``0..T``.
    names, levels, labels, units : the state variables.
    marginals : per variable, ``(T + 1, levels)`` probability of each level.
    mean : per variable, ``(T + 1,)`` expected value.
    hostility : ``(T, 2)`` expected escalation rank (0 = every lever conciliatory, 1 = all hostile)
        of each side's action.
    player_ids, state_keys : labels.
    """

    distribution: np.ndarray = field(repr=False)
    names: tuple[str, ...]
    levels: tuple[tuple[float, ...], ...]
    labels: tuple[tuple[str, ...], ...]
    units: tuple[str, ...]
    marginals: tuple[np.ndarray, ...] = field(repr=False)
    mean: tuple[np.ndarray, ...] = field(repr=False)
    hostility: np.ndarray = field(repr=False)
    player_ids: tuple[str, str]
    state_keys: tuple[str, ...] = field(repr=False)
    period: str = "round"
    name: str = ""

    @property
    def rounds(self) -> int:
        return self.distribution.shape[0] - 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "rounds": self.rounds,
            "period": self.period,
            "variables": {
                n: {"levels": list(lv), "labels": list(lab), "unit": u,
                    "probability": m.tolist(), "mean": mu.tolist()}
                for n, lv, lab, u, m, mu in zip(self.names, self.levels, self.labels, self.units, self.marginals,
                                                 self.mean)
            },
            "hostility": {pid: self.hostility[:, p].tolist() for p, pid in enumerate(self.player_ids)},
        }


def state_path(game: DynamicGame, mpe: MarkovPerfectEquilibrium, *, rounds: int | None = None,
               initial: int | None = None) -> StatePath:
    """Propagate the initial state (default: the game's) through ``rounds`` rounds of ``mpe``'s policy
    (default: its horizon; 20 rounds for a stationary policy)."""
    T = rounds if rounds is not None else (mpe.horizon if mpe.horizon is not None else 20)
    if mpe.horizon is not None and T > mpe.horizon:
        raise InputError(f"the policy covers {mpe.horizon} rounds, not {T}", key="rounds")
    S = game.n_states
    p = np.zeros((T + 1, S))
    p[0, game.states.initial if initial is None else int(initial)] = 1.0
    h = np.zeros((T, 2))
    stage = game.stage()
    hostile = (stage.hostility(0), stage.hostility(1))
    for t in range(T):
        x, y = mpe.row[0 if mpe.stationary else t], mpe.col[0 if mpe.stationary else t]
        p[t + 1] = p[t] @ game.transition_matrix(x, y)
        h[t] = (p[t] @ (x @ hostile[0]), p[t] @ (y @ hostile[1]))
    idx = game.states.indices()
    marginals, means = [], []
    for k, lv in enumerate(game.states.levels):
        m = np.zeros((T + 1, len(lv)))
        for level in range(len(lv)):
            m[:, level] = p[:, idx[:, k] == level].sum(axis=1)
        marginals.append(m)
        means.append(m @ np.asarray(lv, dtype=float))
    period = getattr(getattr(game.scenario, "meta", None), "period", "round") if game.scenario is not None else "round"
    return StatePath(p, game.states.names, game.states.levels, game.states.labels, game.states.units,
                     tuple(marginals), tuple(means), h, tuple(game.player_ids), game.states.keys(), period, game.name)
