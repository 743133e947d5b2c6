"""What the N-player analyses return: frozen dataclasses that carry their labels.

Each result has ``to_dict()`` (JSON-ready; strategies as ``{player id: {action label:
probability}}``), ``to_frame()`` (a pandas DataFrame, one row per equilibrium / player /
elimination) and ``_repr_html_`` through :mod:`sim.render`; none needs the game handed back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.render import HtmlRepr

__all__ = ["NPlayerEquilibrium", "NPlayerEquilibria", "NPlayerElimination", "NPlayerDominance",
           "NPlayerSecurity", "NPlayerCorrelated", "QREBranch", "CoalitionCheck", "strategy_dict"]


def strategy_dict(sigma, actions, player_ids) -> dict[str, dict[str, float]]:
    """``{player id: {action label: probability}}`` over the support of each strategy."""
    return {pid: {actions[k][i]: float(s[i]) for i in np.nonzero(np.asarray(s) > 0)[0]}
            for k, (pid, s) in enumerate(zip(player_ids, sigma))}


def _frame(rows: list[dict]):
    import pandas as pd  # optional heavy dependency: only when a table is asked for

    return pd.DataFrame(rows)


@dataclass(frozen=True)
class NPlayerEquilibrium:
    """A verified Nash equilibrium: one mixed strategy per player over its full action set.

    ``regret[k]`` is player k's gain from its best pure deviation (absolute, in payoff units).
    """

    strategies: tuple[np.ndarray, ...]
    payoffs: tuple[float, ...]
    regret: tuple[float, ...]

    @property
    def support(self) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(np.nonzero(s > 0)[0].tolist()) for s in self.strategies)

    @property
    def is_pure(self) -> bool:
        return all(len(s) == 1 for s in self.support)

    def to_dict(self, actions, player_ids) -> dict:
        return {"strategies": strategy_dict(self.strategies, actions, player_ids),
                "payoffs": {p: float(v) for p, v in zip(player_ids, self.payoffs)},
                "regret": {p: float(v) for p, v in zip(player_ids, self.regret)},
                "pure": self.is_pure}


@dataclass(frozen=True)
class NPlayerEquilibria(HtmlRepr):
    """Nash equilibria of an N-player game and how they were found.

    Attributes
    ----------
    equilibria : verified equilibria (pure first, then by total support size).
    method : the method used (``pure``, ``support-exact``, ``support-newton``, ``qre-newton``,
        ``bimatrix:<method>``).
    complete : True only when the method is exhaustive for this game (see docs/nplayer.md).
    tol : the largest regret accepted, relative to each player's payoff range.
    notes, parameters, elapsed : provenance.
    """

    equilibria: tuple[NPlayerEquilibrium, ...]
    method: str
    complete: bool
    tol: float
    actions: tuple[tuple[str, ...], ...]
    player_ids: tuple[str, ...]
    parameters: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    elapsed: float = 0.0

    def __len__(self) -> int:
        return len(self.equilibria)

    def __iter__(self):
        return iter(self.equilibria)

    def __getitem__(self, i: int) -> NPlayerEquilibrium:
        return self.equilibria[i]

    def to_dict(self) -> dict:
        return {"equilibria": [e.to_dict(self.actions, self.player_ids) for e in self.equilibria],
                "method": self.method, "complete": self.complete, "tol": self.tol,
                "parameters": dict(self.parameters), "notes": list(self.notes), "elapsed_seconds": self.elapsed}

    def to_frame(self):
        rows = []
        for i, e in enumerate(self.equilibria):
            row: dict[str, Any] = {"equilibrium": i, "pure": e.is_pure}
            for k, pid in enumerate(self.player_ids):
                row[f"{pid}_strategy"] = ", ".join(f"{a}: {p:.4g}" for a, p in
                                                  strategy_dict(e.strategies, self.actions, self.player_ids)[pid].items())
                row[f"{pid}_payoff"] = e.payoffs[k]
                row[f"{pid}_regret"] = e.regret[k]
            rows.append(row)
        return _frame(rows)


@dataclass(frozen=True)
class NPlayerElimination:
    """One removed action: ``player`` index, ``action`` index, in elimination ``round``; dominated
    by the pure action ``by`` or (``mixed``) by the mixed strategy ``weights`` over surviving actions."""

    round: int
    player: int
    action: int
    by: int | None
    mixed: bool = False
    weights: tuple[float, ...] | None = None
    margin: float = 0.0


@dataclass(frozen=True)
class NPlayerDominance(HtmlRepr):
    """Iterated elimination of strictly dominated actions: the order and what survives."""

    eliminations: tuple[NPlayerElimination, ...]
    surviving: tuple[tuple[int, ...], ...]
    mixed: bool
    actions: tuple[tuple[str, ...], ...]
    player_ids: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def solved(self) -> bool:
        """True when one profile survives (dominance solvable)."""
        return all(len(s) == 1 for s in self.surviving)

    def _row(self, e: NPlayerElimination) -> dict:
        acts = self.actions[e.player]
        by = (acts[e.by] if e.by is not None else
              {acts[i]: w for i, w in enumerate(e.weights or ()) if w > 0})
        return {"round": e.round, "player": self.player_ids[e.player], "action": acts[e.action],
                "dominated_by": by, "mixed": e.mixed, "margin": e.margin}

    def to_dict(self) -> dict:
        return {"eliminations": [self._row(e) for e in self.eliminations],
                "surviving": {p: [self.actions[k][i] for i in s]
                              for k, (p, s) in enumerate(zip(self.player_ids, self.surviving))},
                "mixed": self.mixed, "solved": self.solved, "notes": list(self.notes)}

    def to_frame(self):
        return _frame([self._row(e) for e in self.eliminations])


@dataclass(frozen=True)
class NPlayerSecurity(HtmlRepr):
    """Each player's security level against the others' joint (possibly correlated) play.

    ``value[k]`` = max over k's mixed strategies of the min over the others' joint pure profiles
    (the others correlating against k: by LP duality also their minmax); ``pure_value[k]`` and
    ``pure_action[k]`` the same over k's pure actions.
    """

    value: tuple[float, ...]
    strategy: tuple[np.ndarray, ...]
    pure_value: tuple[float, ...]
    pure_action: tuple[int, ...]
    actions: tuple[tuple[str, ...], ...]
    player_ids: tuple[str, ...]

    def _rows(self) -> list[dict]:
        return [{"player": p, "maxmin": self.value[k], "pure_maxmin": self.pure_value[k],
                 "pure_action": self.actions[k][self.pure_action[k]],
                 "strategy": {self.actions[k][i]: float(x) for i, x in enumerate(self.strategy[k]) if x > 0}}
                for k, p in enumerate(self.player_ids)]

    def to_dict(self) -> dict:
        return {"players": self._rows()}

    def to_frame(self):
        return _frame(self._rows())


@dataclass(frozen=True)
class NPlayerCorrelated(HtmlRepr):
    """A correlated (``kind='ce'``) or coarse correlated (``'cce'``) equilibrium from an LP.

    ``distribution`` is a tensor over pure profiles; ``value`` the objective (total expected
    payoff for ``objective='welfare'``); ``payoffs`` each player's expected payoff; ``violation``
    the largest obedience-constraint violation (relative to payoff ranges) after the solve.
    """

    kind: str
    objective: str
    distribution: np.ndarray
    value: float
    payoffs: tuple[float, ...]
    violation: float
    actions: tuple[tuple[str, ...], ...]
    player_ids: tuple[str, ...]

    def support(self, threshold: float = 1e-9) -> list[tuple[dict[str, str], float]]:
        idx = np.argwhere(self.distribution > threshold)
        return [({p: self.actions[k][int(a)] for k, (p, a) in enumerate(zip(self.player_ids, prof))},
                 float(self.distribution[tuple(prof)])) for prof in idx]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "objective": self.objective, "value": self.value,
                "payoffs": {p: v for p, v in zip(self.player_ids, self.payoffs)}, "violation": self.violation,
                "support": [{"profile": prof, "probability": pr} for prof, pr in self.support()]}

    def to_frame(self):
        return _frame([{**prof, "probability": pr} for prof, pr in self.support()])


@dataclass(frozen=True)
class QREBranch(HtmlRepr):
    """The principal branch of logit quantal response equilibria, traced from ``lambda = 0``.

    ``lambdas`` are on the game's payoffs divided by the largest player's payoff range; ``profiles[i]`` the
    QRE at ``lambdas[i]``; ``limit`` the Nash equilibrium the branch approaches (verified after a
    Newton polish on the limiting support), or ``None`` when the trace did not get there.
    """

    lambdas: np.ndarray
    profiles: tuple[tuple[np.ndarray, ...], ...]
    limit: NPlayerEquilibrium | None
    steps: int
    actions: tuple[tuple[str, ...], ...]
    player_ids: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def at(self, i: int) -> dict[str, dict[str, float]]:
        return {p: {a: float(x) for a, x in zip(self.actions[k], self.profiles[i][k])}
                for k, p in enumerate(self.player_ids)}

    def to_dict(self) -> dict:
        return {"lambda_max": float(self.lambdas[-1]), "points": len(self.lambdas), "steps": self.steps,
                "last": self.at(len(self.lambdas) - 1),
                "limit": None if self.limit is None else self.limit.to_dict(self.actions, self.player_ids),
                "notes": list(self.notes)}

    def to_frame(self):
        rows = []
        for i, lam in enumerate(self.lambdas):
            row = {"lambda": float(lam)}
            for k, p in enumerate(self.player_ids):
                for a, x in zip(self.actions[k], self.profiles[i][k]):
                    row[f"{p}:{a}"] = float(x)
            rows.append(row)
        return _frame(rows)


@dataclass(frozen=True)
class CoalitionCheck(HtmlRepr):
    """Coalitional stability of one pure profile.

    ``breaking`` maps each coalition (tuple of player ids) that has a joint deviation making every
    member strictly better to one such deviation ``{player id: action label}``; ``checked`` lists the
    coalitions examined; ``strong`` is True when ``checked`` was every coalition and none breaks it;
    ``coalition_proof`` is the Bernheim–Peleg–Whinston verdict (``None`` when not computed).
    """

    profile: dict[str, str]
    payoffs: dict[str, float]
    nash: bool
    checked: tuple[tuple[str, ...], ...]
    breaking: dict[tuple[str, ...], dict[str, str]]
    strong: bool | None
    coalition_proof: bool | None

    def to_dict(self) -> dict:
        return {"profile": self.profile, "payoffs": self.payoffs, "nash": self.nash,
                "checked": [list(c) for c in self.checked],
                "breaking": [{"coalition": list(c), "deviation": d} for c, d in self.breaking.items()],
                "strong": self.strong, "coalition_proof": self.coalition_proof}

    def to_frame(self):
        return _frame([{"coalition": "+".join(c), "breaks": c in self.breaking} for c in self.checked])
