"""Commitment and threats: Stackelberg outcomes and the credibility/deterrence of a threat.

* :func:`stackelberg` — a leader commits to a pure action, the follower best-responds (von
  Stackelberg 1934; ties broken by a stated rule: ``"leader"`` = in the leader's favour, the
  strong Stackelberg convention, or ``"against"`` = against it, the weak/pessimistic one).
* :func:`threat_check` — "if the other side plays X, I respond with Y": credible when Y is a best
  response once X has happened (subgame perfection of the one-shot response, Selten 1965;
  Schelling 1960 ch. 2), deterrent when the other side gets less from X-then-Y than at the
  baseline it would leave. Actions can be given by index, by label or as lever settings applied to
  a current profile (``{"rare_earths": "October controls"}``, other levers held fixed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.model.actions import resolve_action
from sim.model.game import StageGame
from sim.render import HtmlRepr
from sim.stage.equilibria import as_arrays, payoff_scale
from sim.stage.labels import labelled
from sim.stage.lp import (
    SolverError,
    game_label,
    payoff_range,
    simplex_point,
    solve_lp,
    unit_payoffs,
)

TIE_RULES = ("leader", "against")


@dataclass(frozen=True)
class StackelbergOutcome(HtmlRepr):
    """Leader ``leader`` commits to ``leader_action``; follower answers ``follower_action``.

    ``responses[a]`` is the follower's (tie-broken) reply to each leader action ``a`` and
    ``values[a]`` the leader's payoff from committing to it.
    """

    leader: int
    leader_action: int
    follower_action: int
    payoffs: tuple[float, float]
    tie_rule: str
    responses: tuple[int, ...]
    values: tuple[float, ...]
    method: str = "pure commitment, follower best response"
    leader_strategy: np.ndarray | None = None

    actions: tuple[tuple[str, ...], tuple[str, ...]] | None = field(default=None, repr=False)
    player_ids: tuple[str, str] = ("row", "col")

    def to_dict(self) -> dict:
        actions, player_ids = self.actions, self.player_ids
        f = 1 - self.leader
        la = actions[self.leader][self.leader_action] if actions else self.leader_action
        fa = actions[f][self.follower_action] if actions else self.follower_action
        out = {"leader": player_ids[self.leader], "leader_action": la, "follower_action": fa,
               "payoffs": {player_ids[p]: self.payoffs[p] for p in range(2)},
               "tie_rule": self.tie_rule, "method": self.method}
        if self.leader_strategy is not None:
            labels = actions[self.leader] if actions else [str(i) for i in range(len(self.leader_strategy))]
            out["leader_strategy"] = {labels[i]: float(p) for i, p in enumerate(self.leader_strategy) if p > 1e-12}
        return out


@labelled
def stackelberg(game, leader: int = 0, *, tie: str = "leader", tol: float = 1e-9) -> StackelbergOutcome:
    """Pure-commitment Stackelberg outcome with ``leader`` (0 = row, 1 = column) moving first.

    For every leader action the follower's best replies are found at once (vectorised); among tied
    replies ``tie="leader"`` picks the one best for the leader, ``tie="against"`` the worst.
    """
    if tie not in TIE_RULES:
        raise InputError(f"unknown tie rule {tie!r}; use one of {', '.join(TIE_RULES)}", key="tie")
    if leader not in (0, 1):
        raise InputError("leader must be 0 (row) or 1 (column)", key="leader")
    A, B, _, _ = as_arrays(game)
    L, F = (A, B) if leader == 0 else (B.T, A.T)  # rows = leader actions
    br = F >= F.max(axis=1, keepdims=True) - tol * payoff_range(F)  # ties: relative to the range
    masked = np.where(br, L, -np.inf if tie == "leader" else np.inf)
    resp = masked.argmax(axis=1) if tie == "leader" else masked.argmin(axis=1)
    vals = L[np.arange(len(L)), resp]
    a = int(vals.argmax())
    f = int(resp[a])
    pay = (float(L[a, f]), float(F[a, f]))
    payoffs = pay if leader == 0 else (pay[1], pay[0])
    return StackelbergOutcome(leader, a, f, payoffs, tie, tuple(int(r) for r in resp), tuple(float(v) for v in vals))


@dataclass(frozen=True)
class ThreatAssessment(HtmlRepr):
    """Verdict on "if ``target`` plays ``trigger``, ``threatener`` responds with ``response``"."""

    threatener: int
    trigger: int
    response: int
    baseline: tuple[int, int]
    credible: bool
    credibility_gap: float
    best_response: int
    deterrent: bool
    target_baseline_payoff: float
    target_payoff_if_carried_out: float
    target_payoff_if_ignored: float
    trigger_profitable_without_threat: bool
    threatener_cost: float
    tol: float

    actions: tuple[tuple[str, ...], tuple[str, ...]] | None = field(default=None, repr=False)
    player_ids: tuple[str, str] = ("row", "col")

    def to_dict(self) -> dict:
        actions, player_ids = self.actions, self.player_ids
        t, o = self.threatener, 1 - self.threatener
        lab = (lambda p, a: actions[p][a]) if actions else (lambda p, a: a)
        return {
            "threatener": player_ids[t], "target": player_ids[o],
            "trigger": lab(o, self.trigger), "response": lab(t, self.response),
            "baseline": {player_ids[0]: lab(0, self.baseline[0]), player_ids[1]: lab(1, self.baseline[1])},
            "credible": self.credible, "credibility_gap": self.credibility_gap,
            "threatener_best_response": lab(t, self.best_response),
            "deterrent": self.deterrent,
            "target_payoff": {"baseline": self.target_baseline_payoff,
                              "trigger_then_response": self.target_payoff_if_carried_out,
                              "trigger_ignored": self.target_payoff_if_ignored},
            "trigger_profitable_without_threat": self.trigger_profitable_without_threat,
            "threatener_cost_of_carrying_out": self.threatener_cost, "tol": self.tol,
        }


@labelled
def threat_check(
    game,
    threatener: int,
    trigger: Any,
    response: Any,
    *,
    baseline: tuple[Any, Any] | None = None,
    tol: float = 1e-9,
) -> ThreatAssessment:
    """Is the threat "if the target plays ``trigger``, I (``threatener``) play ``response``" credible
    and deterrent?

    Parameters
    ----------
    game : StageGame (lever settings need one) or ``(A, B)``.
    threatener : 0 (row) or 1 (column); the target is the other player.
    trigger, response : actions (index, label, or lever settings applied to the baseline action of
        the player concerned, other levers held fixed).
    baseline : the current profile ``(row action, column action)``; default the game's cooperative
        profile.
    tol : payoff tolerance for "best response" and "less than", relative to the payoff range of the
        side concerned (max - min of its matrix).

    Credible: the response is a best reply of the threatener to the trigger (gap = best reply payoff
    minus response payoff). Deterrent: the target's payoff from trigger-then-response is below its
    baseline payoff.
    """
    if threatener not in (0, 1):
        raise InputError("threatener must be 0 (row) or 1 (column)", key="threatener")
    A, B, _, _ = as_arrays(game)
    if baseline is None:
        coop = getattr(game, "cooperative", None)
        if coop is None:
            raise InputError("give a baseline profile (the game has no cooperative profile)", key="baseline")
        baseline = coop
    space = game if hasattr(game, "levers") else StageGame.from_matrices(A, B)
    b0 = resolve_action(space, 0, baseline[0], key="baseline")
    b1 = resolve_action(space, 1, baseline[1], key="baseline")
    base = (b0, b1)
    t, o = threatener, 1 - threatener
    x = resolve_action(space, o, trigger, base=base[o], key="trigger")
    y = resolve_action(space, t, response, base=base[t], key="response")
    U = (A, B)

    def pay(p, a_t, a_o):
        i, j = (a_t, a_o) if t == 0 else (a_o, a_t)
        return float(U[p][i, j])

    replies = np.array([pay(t, a, x) for a in range(A.shape[t])])
    gap = float(replies.max() - replies[y])
    scale = payoff_scale(A, B)  # tolerances relative to each side's payoff range, not its offset
    base_o = float(U[o][b0, b1])
    carried = pay(o, y, x)
    ignored = pay(o, base[t], x)
    return ThreatAssessment(
        threatener=t, trigger=x, response=y, baseline=base,
        credible=gap <= tol * scale[t], credibility_gap=gap, best_response=int(replies.argmax()),
        deterrent=carried < base_o - tol * scale[o],
        target_baseline_payoff=base_o, target_payoff_if_carried_out=carried, target_payoff_if_ignored=ignored,
        trigger_profitable_without_threat=ignored > base_o + tol * scale[o],
        threatener_cost=pay(t, base[t], x) - pay(t, y, x), tol=tol,
    )


@labelled
def stackelberg_mixed(game, leader: int = 0) -> StackelbergOutcome:
    """Optimal mixed commitment of ``leader``, follower ties broken in the leader's favour.

    One LP per follower action ``j`` (Conitzer and Sandholm 2006, "Computing the optimal strategy
    to commit to", ACM EC): maximise the leader's payoff against ``j`` over leader mixtures that make
    ``j`` a best response; the best of these LPs is the strong Stackelberg equilibrium.
    ``leader_action`` is the most likely action of the committed mixture.
    """
    if leader not in (0, 1):
        raise InputError("leader must be 0 (row) or 1 (column)", key="leader")
    A, B, _, ids = as_arrays(game)
    L, F = (A, B) if leader == 0 else (B.T, A.T)
    m, n = L.shape
    name = f"{game_label(game)}, leader {ids[leader]}"
    # both rescaled into [0, 1]: the best mixture is the same, HiGHS sees entries of unit size
    (Lu, _, _), (Fu, _, f_span) = unit_payoffs(L), unit_payoffs(F)
    best = (-np.inf, None, None)
    for j in range(n):
        # x^T F[:, k] - x^T F[:, j] <= 0 for all k
        res = solve_lp(-Lu[:, j], A_ub=(Fu - Fu[:, [j]]).T, b_ub=np.zeros(n), A_eq=np.ones((1, m)),
                       b_eq=[1.0], bounds=(0, None), what="Stackelberg commitment", game=name, infeasible_ok=True)
        if res is not None and -res.fun > best[0] + 1e-12:
            best = (-res.fun, j, res.x)
    _, j, x = best
    if j is None:  # some follower action is a best reply to every mixture: an LP is always feasible
        raise SolverError(f"the Stackelberg commitment LPs on {name} found no feasible follower reply")
    x = simplex_point(x, "Stackelberg commitment", name)
    reply = x @ F
    if reply.max() - reply[j] > 1e-6 * f_span:
        raise SolverError(f"the Stackelberg commitment LP on {name} returned a mixture to which the follower's "
                          f"reply is not a best response (gap {reply.max() - reply[j]:.3g})")
    pay = (float(x @ L[:, j]), float(x @ F[:, j]))
    payoffs = pay if leader == 0 else (pay[1], pay[0])
    return StackelbergOutcome(leader, int(x.argmax()), int(j), payoffs, "leader", (), (),
                              method="mixed commitment (Conitzer-Sandholm LPs)", leader_strategy=x)
