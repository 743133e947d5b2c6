"""Folk-theorem thresholds for a truce: critical discount factors and the feasible, individually
rational payoff set.

For a cooperative profile ``(a*, b*)`` with stage payoffs ``v_i``, player ``i``'s best one-shot
deviation pays ``d_i = max_a u_i(a, b*_{-i})``. A truce enforced by a punishment worth ``p_i``
per round to ``i`` for ever after a deviation is self-enforcing for ``i`` iff
``v_i >= (1 - δ) d_i + δ p_i``, i.e. ``δ >= (d_i - v_i) / (d_i - p_i)``:

* grim trigger with Nash reversion: ``p_i`` = ``i``'s payoff in a stage Nash equilibrium;
* grim trigger with minmax punishment: ``p_i`` = ``i``'s (mixed) minmax value;
* tit for tat: the opponent answers each move with its mirror image next round, so the best
  deviation solves a small deterministic dynamic programme (defect for ever, alternate, ...).
  In the prisoner's dilemma this is ``max((T-R)/(T-P), (T-R)/(R-S))``.

Stage equilibria come from :mod:`sim.equilibria` (pure ones by vectorised best responses, else
every verified extreme equilibrium) and minmax values from :func:`sim.security.minmax_mixed`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.game import StageGame

__all__ = [
    "pure_nash_equilibria",
    "stage_nash_profiles",
    "reversion_equilibrium",
    "minmax_profile",
    "pure_minmax",
    "critical_discount",
    "tft_critical_discount",
    "TruceThresholds",
    "truce_thresholds",
    "PayoffSet",
    "feasible_ir_set",
    "resolve_cooperative",
]

_EPS = 1e-12


# ----------------------------------------------------------------------------- stage game helpers
def pure_nash_equilibria(game: StageGame) -> list[tuple[int, int]]:
    """Pure-strategy Nash equilibria ``(i, j)`` of the stage game, by vectorised best responses."""
    from sim.equilibria import pure_best_response_profiles

    return [(int(i), int(j)) for i, j in pure_best_response_profiles(game.A, game.B)]


def stage_nash_profiles(game: StageGame) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stage Nash equilibria as mixed profiles ``(x, y)``: every pure one, else every extreme
    mixed one (:func:`sim.equilibria.nash_equilibria`, verified)."""
    m, n = game.shape
    out = []
    for i, j in pure_nash_equilibria(game):
        x, y = np.zeros(m), np.zeros(n)
        x[i], y[j] = 1.0, 1.0
        out.append((x, y))
    if out:
        return out
    from sim.equilibria import nash_equilibria

    return [(np.asarray(e.row, float), np.asarray(e.col, float)) for e in nash_equilibria(game, "auto")]


def minmax_profile(game: StageGame, player: int) -> tuple[float, np.ndarray]:
    """Mixed minmax value of ``player`` and the opponent's punishing mix (linear programme).

    ``min_y max_a u_player(a, y)``: the least the opponent can hold ``player`` to.
    """
    from sim.security import minmax_mixed

    U = np.asarray(game.A if player == 0 else game.B.T, float)  # own actions x opponent actions
    value, y = minmax_mixed(U)
    y = np.clip(y, 0.0, None)
    y[y < 1e-10] = 0.0
    y /= y.sum()
    return float((U @ y).max()), y


def pure_minmax(game: StageGame, player: int) -> tuple[float, int]:
    """Pure minmax value of ``player`` and the opponent's punishing pure action."""
    U = np.asarray(game.A if player == 0 else game.B.T, float)
    worst = U.max(axis=0)
    j = int(np.argmin(worst))
    return float(worst[j]), j


def critical_discount(cooperative, deviation, punishment):
    """Smallest δ with ``v >= (1-δ) d + δ p``: 0 if no gain from deviating, ``inf`` if never.

    Works on numbers (returns a float) and elementwise on arrays (sweeps evaluate many points).
    """
    v, d, p = (np.asarray(x, dtype=float) for x in (cooperative, deviation, punishment))
    gain = d - v
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = gain / (d - p)
    out = np.where(v - p <= _EPS * (1 + np.abs(v)), np.inf, ratio)
    out = np.where(gain <= _EPS * (1 + np.abs(d)), 0.0, out)
    return float(out) if out.ndim == 0 else out


def _payoffs(game: StageGame, player: int, x: np.ndarray, y: np.ndarray) -> float:
    return float(x @ (game.A if player == 0 else game.B) @ y)


def _threshold_pair(game: StageGame, coop: tuple[int, int], x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    i, j = coop
    v = (game.A[i, j], game.B[i, j])
    d = (game.A[:, j].max(), game.B[i, :].max())
    return tuple(critical_discount(v[p], d[p], _payoffs(game, p, x, y)) for p in (0, 1))  # type: ignore[return-value]


def reversion_equilibrium(game: StageGame, cooperative: tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The stage Nash equilibrium grim trigger reverts to: of all found, the one that makes the
    truce self-enforcing at the lowest discount factor (max over both players)."""
    from sim.strategies import default_cooperative

    coop = default_cooperative(game) if cooperative is None else cooperative
    profiles = stage_nash_profiles(game)
    if len(profiles) == 1:
        return profiles[0]
    scores = [max(_threshold_pair(game, coop, x, y)) for x, y in profiles]
    return profiles[int(np.argmin(scores))]


def resolve_cooperative(game: StageGame, cooperative: Any = None) -> tuple[int, int]:
    """A cooperative profile as action indices from indices, labels, a ``{player_id: label}``
    mapping, the scenario's ``[repeated] cooperative`` table, or the game's default."""
    from sim.strategies import default_cooperative

    if cooperative is None:  # build_game already resolved the scenario's [repeated] cooperative
        return default_cooperative(game)
    if isinstance(cooperative, dict):
        unknown = [pid for pid in cooperative if pid not in game.player_ids]
        if unknown:
            raise InputError(f"no player {unknown[0]!r} (players: {', '.join(game.player_ids)})", key="cooperative")
        # a player left out keeps its cooperative action (the scenario's, else the least hostile)
        default = default_cooperative(game)
        cooperative = tuple(cooperative.get(pid, default[p]) for p, pid in enumerate(game.player_ids))
    if len(cooperative) != 2:
        raise InputError("a cooperative profile names one action per player", key="cooperative")
    out = []
    for p, item in enumerate(cooperative):
        out.append(_resolve_action(game, p, item))
    return out[0], out[1]


def _resolve_action(game: StageGame, player: int, item: Any) -> int:
    pid = game.player_ids[player]
    n = len(game.actions[player])
    if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
        if not 0 <= int(item) < n:
            raise InputError(f"action index {item} out of range 0..{n - 1}", key=f"cooperative.{pid}")
        return int(item)
    if isinstance(item, str):
        if item in game.actions[player]:
            return game.actions[player].index(item)
        # "lever=level, lever=level" or a single-lever level label
        levers = game.levers[player]
        wanted: dict[str, str] = {}
        for part in item.split(","):
            key, eq, val = part.partition("=")
            if eq:
                wanted[key.strip()] = val.strip()
            elif len(levers) == 1:
                wanted[levers[0].name] = key.strip()
        if wanted:
            return _action_from_levels(game, player, wanted, pid)
        raise InputError(f"no action {item!r} for {pid}", key=f"cooperative.{pid}")
    if isinstance(item, dict):
        return _action_from_levels(game, player, {str(k): v for k, v in item.items()}, pid)
    raise InputError(f"cannot read cooperative action {item!r}", key=f"cooperative.{pid}")


def _action_from_levels(game: StageGame, player: int, wanted: dict, pid: str) -> int:
    levers = game.levers[player]
    names = [lv.name for lv in levers]
    target = np.zeros(len(levers), dtype=np.int64)
    for k, lv in enumerate(levers):
        if lv.name not in wanted:
            continue  # as in a scenario's [repeated] cooperative: a lever left out is at level 0
        val = wanted[lv.name]
        if isinstance(val, str) and val in lv.labels:
            target[k] = lv.labels.index(val)
        else:
            try:
                target[k] = lv.levels.index(float(str(val).rstrip("%")))
            except ValueError:
                raise InputError(f"lever {lv.name!r} has no level {val!r}", key=f"cooperative.{pid}") from None
    extra = sorted(set(wanted) - set(names))
    if extra:
        raise InputError(f"no lever {extra[0]!r}", key=f"cooperative.{pid}")
    hits = np.flatnonzero((np.asarray(game.action_levels[player]) == target).all(axis=1))
    if not hits.size:
        raise InputError("no action has these lever levels", key=f"cooperative.{pid}")
    return int(hits[0])


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
        from sim.strategies import PlayerContext

        opp_ctx = PlayerContext.build(game, 1 - player, coop)
        U = np.asarray(game.A if player == 0 else game.B.T, float)  # own x opp
        mirror = opp_ctx.mirror  # own action -> opponent's next action
        self.states = np.unique(np.concatenate([[coop[1 - player]], mirror]))
        index = {int(s): k for k, s in enumerate(self.states)}
        self.start = index[int(coop[1 - player])]
        self.nxt = np.array([index[int(s)] for s in mirror])
        self.payoff = U[:, self.states]  # own action x state
        self.coop_payoff = float(U[coop[player], coop[1 - player]])

    def gap(self, delta: float) -> float:
        """Best value from the truce state minus the value of keeping the truce, per round."""
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
        return float((1.0 - delta) * V[self.start] - self.coop_payoff)


def tft_critical_discount(game: StageGame, player: int, cooperative: tuple[int, int] | None = None,
                          tol: float = 1e-10) -> float:
    """Smallest δ such that ``player`` cannot gain by deviating from the truce against tit for tat
    at δ or at any larger δ < 1 (scan of 201 points in [0, 0.999], then bisection to ``tol``).
    ``inf`` if deviating pays even at δ = 0.999.

    In the prisoner's dilemma this is ``max((T-R)/(T-P), (T-R)/(R-S))``.
    """
    coop = resolve_cooperative(game, cooperative)
    problem = _TftProblem(game, player, coop)
    scale = 1e-12 * (1 + abs(problem.coop_payoff))
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
class TruceThresholds:
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

    def _repr_html_(self) -> str:
        """HTML for notebooks (:func:`sim.display.to_html`)."""
        from sim.display import to_html

        return to_html(self)

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
    coop = resolve_cooperative(game, cooperative)
    i, j = coop
    A, B = np.asarray(game.A, float), np.asarray(game.B, float)
    v = (float(A[i, j]), float(B[i, j]))
    dev_idx = (int(np.argmax(A[:, j])), int(np.argmax(B[i, :])))
    d = (float(A[dev_idx[0], j]), float(B[i, dev_idx[1]]))
    x, y = reversion_equilibrium(game, coop)
    nash = (_payoffs(game, 0, x, y), _payoffs(game, 1, x, y))
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


# ----------------------------------------------------------------------------- payoff set
@dataclass(frozen=True, eq=False)
class PayoffSet:
    """The feasible set (convex hull of stage payoff pairs) and its individually rational part.

    Attributes
    ----------
    feasible : hull vertices ``(k, 2)`` in counter-clockwise order.
    minmax : each side's mixed minmax value (the individual-rationality floor).
    pure_minmax : each side's pure minmax value.
    individually_rational : vertices ``(q, 2)`` of ``feasible ∩ {u >= minmax}``, ccw (may be empty).
    pareto : the IR vertices on the upper-right frontier.
    """

    player_ids: tuple[str, str]
    feasible: np.ndarray
    minmax: tuple[float, float]
    pure_minmax: tuple[float, float]
    individually_rational: np.ndarray
    pareto: np.ndarray

    def _repr_html_(self) -> str:
        """HTML for notebooks (:func:`sim.display.to_html`)."""
        from sim.display import to_html

        return to_html(self)

    def contains(self, point: tuple[float, float], *, rational: bool = True) -> bool:
        """Whether a payoff pair lies in the (individually rational) feasible set."""
        poly = self.individually_rational if rational else self.feasible
        return _in_polygon(np.asarray(point, float), poly)

    def to_dict(self) -> dict[str, Any]:
        return {
            "player_ids": list(self.player_ids),
            "feasible": self.feasible.tolist(),
            "minmax": dict(zip(self.player_ids, self.minmax)),
            "pure_minmax": dict(zip(self.player_ids, self.pure_minmax)),
            "individually_rational": self.individually_rational.tolist(),
            "pareto": self.pareto.tolist(),
        }


def _hull(points: np.ndarray) -> np.ndarray:
    """Convex hull (monotone chain), counter-clockwise, no repeated end point."""
    pts = np.unique(np.round(points, 12), axis=0)
    if len(pts) <= 2:
        return pts
    pts = pts[np.lexsort((pts[:, 1], pts[:, 0]))]

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list = []
    for p in pts[::-1]:
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1])


def _clip(poly: np.ndarray, axis: int, floor: float) -> np.ndarray:
    """Sutherland–Hodgman clip of a polygon to ``x[axis] >= floor``."""
    if len(poly) == 0:
        return poly
    if len(poly) == 1:
        return poly if poly[0, axis] >= floor - 1e-12 else poly[:0]
    out = []
    n = len(poly)
    closed = n > 2
    for k in range(n if closed else n - 1):
        p, q = poly[k], poly[(k + 1) % n]
        pin, qin = p[axis] >= floor - 1e-12, q[axis] >= floor - 1e-12
        if pin:
            out.append(p)
        if pin != qin:
            s = (floor - p[axis]) / (q[axis] - p[axis])
            out.append(p + s * (q - p))
    if not closed and poly[-1, axis] >= floor - 1e-12:
        out.append(poly[-1])
    if not out:
        return poly[:0]
    return np.unique(np.round(np.array(out), 12), axis=0) if len(out) <= 2 else _hull(np.array(out))


def _in_polygon(p: np.ndarray, poly: np.ndarray) -> bool:
    if len(poly) == 0:
        return False
    if len(poly) <= 2:
        a, b = poly[0], poly[-1]
        ab = b - a
        if not ab.any():
            return bool(np.allclose(p, a))
        s = float(np.dot(p - a, ab) / np.dot(ab, ab))
        return bool(-1e-9 <= s <= 1 + 1e-9 and np.allclose(a + s * ab, p, atol=1e-9))
    for k in range(len(poly)):
        a, b = poly[k], poly[(k + 1) % len(poly)]
        if (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) < -1e-9:
            return False
    return True


def feasible_ir_set(game: StageGame) -> PayoffSet:
    """The feasible payoff set and its individually rational part (folk-theorem payoffs)."""
    pts = np.column_stack([np.ravel(game.A), np.ravel(game.B)]).astype(float)
    hull = _hull(pts)
    mm = (minmax_profile(game, 0)[0], minmax_profile(game, 1)[0])
    pmm = (pure_minmax(game, 0)[0], pure_minmax(game, 1)[0])
    ir = _clip(_clip(hull, 0, mm[0]), 1, mm[1])
    if len(ir):
        dominated = np.array([
            ((ir[:, 0] >= p[0] - 1e-12) & (ir[:, 1] >= p[1] - 1e-12) & ((ir[:, 0] > p[0] + 1e-12) | (ir[:, 1] > p[1] + 1e-12))).any()
            for p in ir
        ])
        pareto = ir[~dominated]
        pareto = pareto[np.argsort(pareto[:, 0])]
    else:
        pareto = ir
    return PayoffSet(tuple(game.player_ids), hull, mm, pmm, ir, pareto)  # type: ignore[arg-type]
