"""Commitment and threats: Stackelberg outcomes and the credibility/deterrence of a threat.

* :func:`stackelberg` — a leader commits to a pure action, the follower best-responds (von
  Stackelberg 1934; ties broken by a stated rule: ``"leader"`` = in the leader's favour, the
  strong Stackelberg convention, or ``"against"`` = against it, the weak/pessimistic one).
* :func:`stackelberg_mixed` — the best commitment to a mixed action (Conitzer and Sandholm 2006):
  an LP per follower reply, taken in order of the leader's best payoff against that reply (a bound
  on the LP), stopped once no remaining bound beats the best found; in large games each LP gets
  the follower's incentive constraints generated (only those its answer violates), so a 1000 x
  1000 game needs no 1000 x 1000 LP per reply. Under a time budget it returns the best
  commitment found so far (at least the pure one) with ``complete=False``.
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
from sim.stage.budget import Budget, BudgetExhausted, Progress, TooLarge, budget_of
from sim.stage.dominance import _pure_dominated
from sim.stage.equilibria import as_arrays, payoff_scale
from sim.stage.labels import fmt_value, labelled, records_frame, strategy_text
from sim.stage.lp import (
    SolverError,
    game_label,
    payoff_range,
    simplex_point,
    solve_lp,
    unit_payoffs,
)

TIE_RULES = ("leader", "against")
#: Games up to this many profiles solve each commitment LP whole; larger ones generate its rows.
WHOLE_LP_PROFILES = 20_000
_ROWS_PER_ROUND = 8  # violated follower constraints added per round of a generated LP


@dataclass(frozen=True)
class StackelbergOutcome(HtmlRepr):
    """Leader ``leader`` commits to ``leader_action``; follower answers ``follower_action``.

    ``responses[a]`` is the follower's (tie-broken) reply to each leader action ``a`` and
    ``values[a]`` the leader's payoff from committing to it. ``complete`` is False when a time
    budget stopped the mixed-commitment search (the commitment is then the best found, not proven
    optimal); ``notes`` say how far it got.
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
    complete: bool = True
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        actions, player_ids = self.actions, self.player_ids
        f = 1 - self.leader
        la = actions[self.leader][self.leader_action] if actions else self.leader_action
        fa = actions[f][self.follower_action] if actions else self.follower_action
        out = {"leader": player_ids[self.leader], "leader_action": la, "follower_action": fa,
               "payoffs": {player_ids[p]: self.payoffs[p] for p in range(2)},
               "tie_rule": self.tie_rule, "method": self.method, "complete": self.complete,
               "notes": list(self.notes)}
        if self.leader_strategy is not None:
            labels = actions[self.leader] if actions else [str(i) for i in range(len(self.leader_strategy))]
            out["leader_strategy"] = {labels[i]: float(p) for i, p in enumerate(self.leader_strategy) if p > 1e-12}
        return out

    def record(self) -> dict:
        """One flat record (action labels): what ``to_frame()`` and printing show."""
        d, ids = self.to_dict(), self.player_ids
        row = {"leader": d["leader"],
               "commitment": strategy_text(d["leader_strategy"]) if d.get("leader_strategy") else d["leader_action"],
               "follower_action": d["follower_action"]}
        row.update({f"payoff.{p}": d["payoffs"][p] for p in ids})
        row.update({"tie_rule": self.tie_rule, "method": self.method, "complete": self.complete})
        return row

    def to_frame(self):
        """The outcome as a one-row :class:`pandas.DataFrame` (commitment, reply, payoffs)."""
        return records_frame([self.record()])

    def __str__(self) -> str:
        r = self.record()
        return (f"{r['leader']} leads with [{r['commitment']}], follower answers [{r['follower_action']}]: "
                + ", ".join(f"{p} {fmt_value(r[f'payoff.{p}'])}" for p in self.player_ids)
                + f" ({self.method}; ties: {self.tie_rule}" + ("" if self.complete else "; incomplete") + ")")

    def __repr__(self) -> str:
        return f"StackelbergOutcome({self})"


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

    def record(self) -> dict:
        """One flat record (action labels): what ``to_frame()`` and printing show."""
        d = self.to_dict()
        return {"threatener": d["threatener"], "target": d["target"], "trigger": d["trigger"],
                "response": d["response"], "credible": self.credible, "credibility_gap": self.credibility_gap,
                "best_response": d["threatener_best_response"], "deterrent": self.deterrent,
                "target_payoff_baseline": self.target_baseline_payoff,
                "target_payoff_carried_out": self.target_payoff_if_carried_out,
                "target_payoff_ignored": self.target_payoff_if_ignored}

    def to_frame(self):
        """The verdict as a one-row :class:`pandas.DataFrame`."""
        return records_frame([self.record()])

    def __str__(self) -> str:
        r = self.record()
        return (f"if {r['target']} plays [{r['trigger']}], {r['threatener']} answers [{r['response']}]: "
                f"{'credible' if self.credible else 'not credible'} (best reply [{r['best_response']}], "
                f"cost {fmt_value(self.credibility_gap)}), {'deters' if self.deterrent else 'does not deter'} "
                f"({r['target']} gets {fmt_value(self.target_payoff_if_carried_out)} if carried out, "
                f"{fmt_value(self.target_baseline_payoff)} at the baseline)")

    def __repr__(self) -> str:
        return f"ThreatAssessment({self})"


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


def _one_cut_bound(a: np.ndarray, D: np.ndarray) -> float:
    """An upper bound of ``max a.x`` over the simplex subject to ``x.D[:, c] <= 0`` for each column
    ``c``: the least, over the columns, of the LP with that one constraint, whose dual
    ``min_{t >= 0} max_i a_i - t D[i, c]`` is convex in ``t`` (golden-section search, all columns at
    once; any ``t`` gives a valid bound, so the search need not be exact). ``-inf`` if a column's
    constraint alone is infeasible."""
    if not D.shape[1]:
        return float(a.max())
    if (D.min(axis=0) > 1e-9).any():  # the follower prefers that reply whatever the leader does
        return -np.inf
    lo = np.zeros(D.shape[1])
    neg = np.where(D < 0, -D, np.inf).min(axis=0)  # past t = range / |most negative d| the bound only grows
    hi = np.where(np.isfinite(neg), (a.max() - a.min() + 1.0) / np.maximum(neg, 1e-12), 0.0)
    g = 0.3819660112501051
    for _ in range(40):
        t1, t2 = lo + g * (hi - lo), hi - g * (hi - lo)
        f1 = (a[:, None] - t1[None, :] * D).max(axis=0)
        f2 = (a[:, None] - t2[None, :] * D).max(axis=0)
        left = f1 <= f2
        hi = np.where(left, t2, hi)
        lo = np.where(left, lo, t1)
    t = np.concatenate([lo, hi, np.zeros(len(lo))])
    return float((a[:, None] - t[None, :] * np.tile(D, 3)).max(axis=0).min())


def _commitment_lp(Lu: np.ndarray, Fu: np.ndarray, j: int, floor: float, whole: bool, name: str,
                   budget: Budget) -> tuple[float, np.ndarray] | None:
    """The Conitzer-Sandholm LP of follower reply ``j``: ``(value, x)``, or None when it is
    infeasible or (generated rows only) its value falls below ``floor``.

    ``whole``: all follower constraints at once. Otherwise they are generated: start from the
    leader's best pure action against ``j``; while the follower has a better reply than ``j`` to the
    LP's answer, add the (up to :data:`_ROWS_PER_ROUND`) most tempting replies as constraints and
    solve again. Each restricted LP bounds the whole one from above, so a bound below ``floor``
    ends the search for ``j``; an answer that satisfies every constraint is optimal.
    """
    m, n = Lu.shape
    ones = np.ones((1, m))
    if whole:
        res = solve_lp(-Lu[:, j], A_ub=(Fu - Fu[:, [j]]).T, b_ub=np.zeros(n), A_eq=ones, b_eq=[1.0],
                       bounds=(0, None), what="Stackelberg commitment", game=name, infeasible_ok=True, budget=budget)
        return None if res is None else (-res.fun, res.x)
    K: list[int] = []
    x = np.zeros(m)
    x[int(Lu[:, j].argmax())] = 1.0
    value = float(Lu[:, j].max())
    tempting = np.argsort(-(x @ Fu), kind="stable")[:_ROWS_PER_ROUND]
    if _one_cut_bound(Lu[:, j], Fu[:, tempting] - Fu[:, [j]]) < floor - 1e-12:
        return None
    for _ in range(n):
        if value < floor - 1e-12:
            return None
        gap = x @ Fu - x @ Fu[:, j]
        gap[K] = -np.inf  # already constraints: satisfied within HiGHS's tolerance
        worst = np.argsort(-gap, kind="stable")[:_ROWS_PER_ROUND]
        worst = worst[gap[worst] > 1e-9]
        if not len(worst):
            return value, x
        K.extend(int(k) for k in worst)
        res = solve_lp(-Lu[:, j], A_ub=(Fu[:, K] - Fu[:, [j]]).T, b_ub=np.zeros(len(K)), A_eq=ones, b_eq=[1.0],
                       bounds=(0, None), what="Stackelberg commitment", game=name, infeasible_ok=True, budget=budget)
        if res is None:
            return None
        value, x = -res.fun, np.asarray(res.x, dtype=float)
    return value, x


@labelled
def stackelberg_mixed(game, leader: int = 0, *, max_seconds: float | None = None, progress: Progress | None = None,
                      budget: Budget | None = None) -> StackelbergOutcome:
    """Optimal mixed commitment of ``leader``, follower ties broken in the leader's favour.

    One LP per follower action ``j`` (Conitzer and Sandholm 2006, "Computing the optimal strategy
    to commit to", ACM EC): maximise the leader's payoff against ``j`` over leader mixtures that make
    ``j`` a best response; the best of these LPs is the strong Stackelberg equilibrium.
    ``leader_action`` is the most likely action of the committed mixture. The LPs go in order of
    their bound ``max_i L[i, j]``, starting with the reply to the best pure commitment, and stop
    when no bound left beats the best value; replies strictly dominated for the follower are never
    tried (games past :data:`WHOLE_LP_PROFILES` profiles generate
    each LP's rows; see the module docstring). ``max_seconds``, ``progress``, ``budget``:
    :mod:`sim.stage.budget`; out of time, the best commitment so far with ``complete=False``.
    """
    if leader not in (0, 1):
        raise InputError("leader must be 0 (row) or 1 (column)", key="leader")
    A, B, _, ids = as_arrays(game)
    budget = budget_of(max_seconds, progress, budget)
    L, F = (A, B) if leader == 0 else (B.T, A.T)
    m, n = L.shape
    name = f"{game_label(game)}, leader {ids[leader]}"
    # both rescaled into [0, 1]: the best mixture is the same, HiGHS sees entries of unit size
    (Lu, _, _), (Fu, _, f_span) = unit_payoffs(L), unit_payoffs(F)
    whole = m * n <= WHOLE_LP_PROFILES
    pure = stackelberg((A, B), leader)
    bound = Lu.max(axis=0)
    # a reply the follower strictly prefers another to (by a clear margin) answers no commitment
    never = _pure_dominated(np.ascontiguousarray(Fu.T), 1e-6)[0]
    order = [pure.follower_action] + [int(j) for j in np.argsort(-bound, kind="stable")
                                      if j != pure.follower_action and int(j) not in never]
    solved: dict[int, tuple[float, np.ndarray]] = {}
    floor = -np.inf
    notes: list[str] = []
    for t, j in enumerate(order):
        if bound[j] < floor - 1e-12:
            break  # the bounds are sorted: no reply left can beat the best value
        budget.report(f"mixed commitment, leader {ids[leader]}", t / n)
        try:
            got = _commitment_lp(Lu, Fu, j, floor, whole, name, budget)
        except (BudgetExhausted, TooLarge) as stop:
            notes.append(f"stopped after {t} of {n} follower replies ({stop.message}): the best commitment "
                         "found so far, not proven optimal")
            break
        if got is not None:
            solved[j] = got
            floor = max(floor, got[0])
    budget.report(f"mixed commitment, leader {ids[leader]}", 1.0)
    best = (-np.inf, None, None)
    for j in sorted(solved):  # in reply order, as one LP per reply would pick
        if solved[j][0] > best[0] + 1e-12:
            best = (solved[j][0], j, solved[j][1])
    _, j, x = best
    if j is None and not notes:  # some follower action is a best reply to every mixture: an LP is always feasible
        raise SolverError(f"the Stackelberg commitment LPs on {name} found no feasible follower reply")
    if j is None:  # out of time before any LP: the pure commitment
        j, x = pure.follower_action, np.eye(m)[pure.leader_action]
    x = simplex_point(x, "Stackelberg commitment", name)
    reply = x @ F
    if reply.max() - reply[j] > 1e-6 * f_span:
        raise SolverError(f"the Stackelberg commitment LP on {name} returned a mixture to which the follower's "
                          f"reply is not a best response (gap {reply.max() - reply[j]:.3g})")
    pay = (float(x @ L[:, j]), float(x @ F[:, j]))
    payoffs = pay if leader == 0 else (pay[1], pay[0])
    return StackelbergOutcome(leader, int(x.argmax()), int(j), payoffs, "leader", (), (),
                              method="mixed commitment (Conitzer-Sandholm LPs)", leader_strategy=x,
                              complete=not notes, notes=tuple(notes))
