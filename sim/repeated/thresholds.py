"""Folk-theorem thresholds for a truce: the critical discount factor of each side.

For a cooperative profile ``(a*, b*)`` with stage payoffs ``v_i``, player ``i``'s best one-shot
deviation pays ``d_i = max_a u_i(a, b*_{-i})``. A truce enforced by a punishment worth ``p_i``
per round to ``i`` for ever after a deviation is self-enforcing for ``i`` iff
``v_i >= (1 - δ) d_i + δ p_i``, i.e. ``δ >= (d_i - v_i) / (d_i - p_i)``:

* grim trigger with Nash reversion: ``p_i`` = ``i``'s payoff in a stage Nash equilibrium;
* grim trigger with minmax punishment: ``p_i`` = ``i``'s (mixed) minmax value;
* tit for tat: the opponent answers each move with its mirror image next round, so the best
  deviation solves a small deterministic dynamic programme (defect for ever, alternate, ...).
  In the prisoner's dilemma this is ``max((T-R)/(T-P), (T-R)/(R-S))``.

Stage equilibria come from :mod:`sim.stage.equilibria` (pure ones by vectorised best responses, else
every verified extreme equilibrium) and minmax values from :func:`sim.stage.security.minmax_mixed`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.model.actions import cooperative_profile
from sim.model.game import StageGame
from sim.render import HtmlRepr
from sim.repeated.context import PlayerContext
from sim.repeated.punishment import (
    critical_discount,
    profile_payoff,
    reversion_equilibrium,
)
from sim.stage.lp import payoff_range
from sim.stage.security import minmax_profile

__all__ = ["TruceThresholds", "truce_thresholds", "tft_critical_discount", "scenario_period"]


def scenario_period(game: StageGame) -> str:
    """The round's period from ``game.scenario.meta.period`` (``"round"`` if unknown)."""
    scenario = getattr(game, "scenario", None)
    for path in (("meta", "period"), ("scenario", "period"), ("period",)):
        obj: Any = scenario
        for attr in path:
            obj = obj.get(attr) if isinstance(obj, dict) else getattr(obj, attr, None)
            if obj is None:
                break
        if isinstance(obj, str) and obj:
            return obj
    return "round"


# ----------------------------------------------------------------------------- tit for tat
class _TftProblem:
    """``player`` against tit for tat: the opponent plays its cooperative action first and then
    mirrors ``player``'s last move, so the state is the opponent's current action and the next
    state depends only on ``player``'s own action. Solved by policy iteration."""

    def __init__(self, game: StageGame, player: int, coop: tuple[int, int]):
        opp_ctx = PlayerContext.build(game, 1 - player, coop)
        U = np.asarray(game.A if player == 0 else game.B.T, float)  # own x opp
        mirror = opp_ctx.mirror  # own action -> opponent's next action
        self.states = np.unique(np.concatenate([[coop[1 - player]], mirror]))
        index = {int(s): k for k, s in enumerate(self.states)}
        self.start = index[int(coop[1 - player])]
        self.nxt = np.array([index[int(s)] for s in mirror])
        self.coop_payoff = float(U[coop[player], coop[1 - player]])
        # measured from the truce payoff in units of the payoff range: the sign of the gap is
        # unchanged, and a large common offset no longer swamps the linear solves
        self.span = payoff_range(U)
        self.payoff = (U[:, self.states] - self.coop_payoff) / self.span  # own action x state

    def gap(self, delta: float) -> float:
        """Best value from the truce state minus the value of keeping the truce, per round, in units
        of the player's payoff range."""
        S = len(self.states)
        policy = np.argmax(self.payoff, axis=0)
        V = np.zeros(S)
        for _ in range(200):
            P = np.zeros((S, S))
            P[np.arange(S), self.nxt[policy]] = 1.0
            r = self.payoff[policy, np.arange(S)]
            V = np.linalg.solve(np.eye(S) - delta * P, r)
            Q = self.payoff + delta * V[self.nxt][:, None]
            best = Q.max(axis=0)
            improve = best > Q[policy, np.arange(S)] + 1e-12 * (1 + np.abs(best))
            if not improve.any():
                break
            policy = np.where(improve, Q.argmax(axis=0), policy)
        return float((1.0 - delta) * V[self.start])


def tft_critical_discount(game: StageGame, player: int, cooperative: tuple[int, int] | None = None,
                          tol: float = 1e-10) -> float:
    """Smallest δ such that ``player`` cannot gain by deviating from the truce against tit for tat
    at δ or at any larger δ < 1 (scan of 201 points in [0, 0.999], then bisection to ``tol``).
    ``inf`` if deviating pays even at δ = 0.999.

    In the prisoner's dilemma this is ``max((T-R)/(T-P), (T-R)/(R-S))`` when that is below 1
    (``T + S < 2R``); otherwise alternating beats the truce at every δ and the result is ``inf``.
    """
    coop = cooperative_profile(game, cooperative)
    problem = _TftProblem(game, player, coop)
    scale = 1e-11  # gaps are in units of the payoff range, measured from the truce payoff
    grid = np.linspace(0.0, 0.999, 201)
    ok = np.array([problem.gap(d) <= scale for d in grid])
    if not ok[-1]:
        return math.inf
    if ok.all():
        return 0.0
    last_bad = int(np.flatnonzero(~ok)[-1])
    lo, hi = grid[last_bad], grid[last_bad + 1]
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if problem.gap(mid) <= scale:
            hi = mid
        else:
            lo = mid
    return float(hi)


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class TruceThresholds(HtmlRepr):
    """Critical discount factors that make a cooperative profile self-enforcing.

    Attributes
    ----------
    player_ids : ``(row, col)``.
    cooperative : action indices of the truce; ``cooperative_labels`` their labels.
    cooperative_payoff : each side's stage payoff in the truce.
    deviation_payoff : each side's best one-shot deviation payoff against the truce.
    deviation_action : label of that deviation.
    nash_payoff : each side's payoff in the reversion stage Nash equilibrium.
    minmax_payoff : each side's mixed minmax value.
    grim_nash, grim_minmax, tit_for_tat : each side's critical δ (``inf``: never self-enforcing).
    discount : each side's per-round discount factor in the game.
    period : what one round is (``"quarter"``), from the scenario.
    units : payoff unit.
    """

    player_ids: tuple[str, str]
    cooperative: tuple[int, int]
    cooperative_labels: tuple[str, str]
    cooperative_payoff: tuple[float, float]
    deviation_payoff: tuple[float, float]
    deviation_action: tuple[str, str]
    nash_payoff: tuple[float, float]
    minmax_payoff: tuple[float, float]
    grim_nash: tuple[float, float]
    grim_minmax: tuple[float, float]
    tit_for_tat: tuple[float, float]
    discount: tuple[float, float]
    period: str = "round"
    units: str = ""

    def self_enforcing(self, rule: str = "grim_nash") -> tuple[bool, bool]:
        """Whether each side's discount factor reaches its threshold under ``rule``."""
        crit = getattr(self, rule)
        return tuple(bool(self.discount[p] >= crit[p]) for p in (0, 1))  # type: ignore[return-value]

    def sentences(self) -> list[str]:
        """Plain-language reading in scenario units."""
        out = []
        for p, pid in enumerate(self.player_ids):
            d = self.grim_nash[p]
            if math.isinf(d):
                out.append(f"The truce cannot be enforced for {pid} by Nash reversion: it does no better "
                           f"in the truce than in the stage equilibrium.")
                continue
            verdict = "is" if self.discount[p] >= d else "is not"
            out.append(
                f"Under grim trigger the truce is self-enforcing for {pid} if it values next {self.period} "
                f"at >= {d:.2f} of this one (its discount factor is {self.discount[p]:.2f}, so it {verdict})."
            )
        for p, pid in enumerate(self.player_ids):
            d = self.tit_for_tat[p]
            if not math.isinf(d):
                out.append(f"Against tit for tat, {pid} keeps the truce if it values next {self.period} at >= {d:.2f}.")
            else:
                out.append(f"Against tit for tat, {pid} gains by deviating at every discount factor.")
        return out

    def to_dict(self) -> dict[str, Any]:
        ids = self.player_ids

        def per(values):
            return {pid: (None if math.isinf(v) else float(v)) for pid, v in zip(ids, values)}

        return {
            "grim_trigger": per(self.grim_nash),
            "grim_trigger_minmax": per(self.grim_minmax),
            "tit_for_tat": per(self.tit_for_tat),
            "cooperative": dict(zip(ids, self.cooperative_labels)),
            "cooperative_payoff": dict(zip(ids, map(float, self.cooperative_payoff))),
            "deviation": {pid: {"action": a, "payoff": float(v)} for pid, a, v in zip(ids, self.deviation_action, self.deviation_payoff)},
            "nash_payoff": dict(zip(ids, map(float, self.nash_payoff))),
            "minmax_payoff": dict(zip(ids, map(float, self.minmax_payoff))),
            "discount": dict(zip(ids, map(float, self.discount))),
            "self_enforcing": dict(zip(ids, self.self_enforcing("grim_nash"))),
            "period": self.period,
            "units": self.units,
            "sentences": self.sentences(),
        }


def truce_thresholds(game: StageGame, cooperative: Any = None) -> TruceThresholds:
    """Each side's critical discount factor for keeping the cooperative profile.

    Parameters
    ----------
    game : the stage game.
    cooperative : the truce profile (indices, labels or ``{player_id: label}``); default: the
        scenario's ``[repeated] cooperative``, else the game's, else the least hostile actions.

    Returns
    -------
    TruceThresholds
    """
    coop = cooperative_profile(game, cooperative)
    i, j = coop
    A, B = np.asarray(game.A, float), np.asarray(game.B, float)
    v = (float(A[i, j]), float(B[i, j]))
    dev_idx = (int(np.argmax(A[:, j])), int(np.argmax(B[i, :])))
    d = (float(A[dev_idx[0], j]), float(B[i, dev_idx[1]]))
    x, y = reversion_equilibrium(game, coop)
    nash = (profile_payoff(game, 0, x, y), profile_payoff(game, 1, x, y))
    mm = (minmax_profile(game, 0)[0], minmax_profile(game, 1)[0])
    grim = tuple(critical_discount(v[p], d[p], nash[p]) for p in (0, 1))
    grim_mm = tuple(critical_discount(v[p], d[p], mm[p]) for p in (0, 1))
    tft = tuple(tft_critical_discount(game, p, coop) for p in (0, 1))
    return TruceThresholds(
        player_ids=tuple(game.player_ids),  # type: ignore[arg-type]
        cooperative=coop,
        cooperative_labels=(game.actions[0][i], game.actions[1][j]),
        cooperative_payoff=v,
        deviation_payoff=d,
        deviation_action=(game.actions[0][dev_idx[0]], game.actions[1][dev_idx[1]]),
        nash_payoff=nash,
        minmax_payoff=mm,
        grim_nash=grim,  # type: ignore[arg-type]
        grim_minmax=grim_mm,  # type: ignore[arg-type]
        tit_for_tat=tft,  # type: ignore[arg-type]
        discount=(float(game.discount[0]), float(game.discount[1])),
        period=scenario_period(game),
        units=str(game.units or ""),
    )


