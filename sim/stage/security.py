"""Security (maxmin) strategies and minmax punishment values, pure and mixed.

The mixed values are linear programs (von Neumann 1928; see Maschler, Solan and Zamir 2013,
ch. 4-5), solved with HiGHS through :func:`scipy.optimize.linprog`: one LP per player, whose dual
prices are the opponent's punishing mix (so maxmin and minmax come from one solve). The LP of a
1000 x 1000 game has a million nonzeros and takes seconds (HiGHS's interior-point method); under a
time budget (:mod:`sim.stage.budget`) a player whose LP did not finish keeps its pure values and
says ``skipped`` for the mixed ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.render import to_html
from sim.stage.budget import Budget, BudgetExhausted, Progress, TooLarge, budget_of
from sim.stage.equilibria import as_arrays
from sim.stage.labels import attach_labels, records_frame, strategy_text, text_table
from sim.stage.lp import SolverError, game_label, simplex_point, solve_lp, unit_payoffs


@dataclass(frozen=True)
class SecurityLevel:
    """What a player can guarantee, and what the opponent can hold it to.

    Attributes
    ----------
    player : 0 (row) or 1 (column).
    pure_value, pure_action : best worst-case payoff over own pure actions (maxmin in pure).
    mixed_value, mixed_strategy : maxmin over own mixed strategies (LP).
    punish_pure_value, punish_pure_action : min over the opponent's pure actions of the player's
        best reply payoff (minmax, the pure punishment).
    punish_mixed_value, punish_mixed_strategy : the same over the opponent's mixed strategies (LP);
        equals ``mixed_value`` by the minimax theorem, but the strategy is the opponent's.
    skipped : why the mixed values are missing (time budget, memory cap), else None; the mixed
        values are then NaN and the strategies empty.
    """

    player: int
    pure_value: float
    pure_action: int
    mixed_value: float
    mixed_strategy: np.ndarray
    punish_pure_value: float
    punish_pure_action: int
    punish_mixed_value: float
    punish_mixed_strategy: np.ndarray
    method: str = "linprog (HiGHS)"

    actions: tuple[tuple[str, ...], tuple[str, ...]] | None = field(default=None, repr=False)
    player_ids: tuple[str, str] = ("row", "col")
    skipped: str | None = None

    @property
    def complete(self) -> bool:
        """Both the pure and the mixed values are there."""
        return self.skipped is None

    def to_dict(self) -> dict:
        actions, player_ids = self.actions, self.player_ids
        own = actions[self.player] if actions else [str(i) for i in range(max(len(self.mixed_strategy),
                                                                               self.pure_action + 1))]
        opp = actions[1 - self.player] if actions else [str(i) for i in range(max(len(self.punish_mixed_strategy),
                                                                                   self.punish_pure_action + 1))]
        mixed = self.skipped is None
        return {
            "player": player_ids[self.player],
            "maxmin_pure": {"value": self.pure_value, "action": own[self.pure_action]},
            "maxmin_mixed": {
                "value": self.mixed_value if mixed else None,
                "strategy": {own[i]: float(p) for i, p in enumerate(self.mixed_strategy) if p > 1e-12},
            },
            "minmax_pure": {"value": self.punish_pure_value, "opponent_action": opp[self.punish_pure_action]},
            "minmax_mixed": {
                "value": self.punish_mixed_value if mixed else None,
                "opponent_strategy": {opp[i]: float(p) for i, p in enumerate(self.punish_mixed_strategy) if p > 1e-12},
            },
            "method": self.method,
            "complete": mixed,
            "skipped": self.skipped,
        }

    def record(self) -> dict:
        """One flat record (action labels): what ``to_frame()`` and printing show."""
        d = self.to_dict()
        return {"player": d["player"], "maxmin_pure": d["maxmin_pure"]["value"],
                "maxmin_pure_action": d["maxmin_pure"]["action"], "maxmin_mixed": d["maxmin_mixed"]["value"],
                "maxmin_mixed_strategy": strategy_text(d["maxmin_mixed"]["strategy"]) if _mixed_ok(d) else None,
                "minmax_pure": d["minmax_pure"]["value"], "minmax_mixed": d["minmax_mixed"]["value"],
                "skipped": self.skipped}

    def to_frame(self):
        """This player's levels as a one-row :class:`pandas.DataFrame`."""
        return records_frame([self.record()])

    def __str__(self) -> str:
        r = self.record()
        mixed = "n/a" if r["maxmin_mixed"] is None else f"{r['maxmin_mixed']:.4g}"
        text = (f"{r['player']}: maxmin {r['maxmin_pure']:.4g} with [{r['maxmin_pure_action']}] (pure), "
                f"{mixed} (mixed); minmax {r['minmax_pure']:.4g} (pure)")
        return text + (f" (skipped: {self.skipped})" if self.skipped else "")

    def __repr__(self) -> str:
        return f"SecurityLevel({self})"


def _mixed_ok(d: dict) -> bool:
    """The record ``d`` has a mixed maxmin strategy."""
    return bool(d["maxmin_mixed"]["strategy"])


class SecurityLevels(tuple):
    """Both players' :class:`SecurityLevel` (a pair, unpacked as one), printable as a table."""

    __slots__ = ()

    def to_dict(self) -> list[dict]:
        """Each player's ``to_dict()``."""
        return [s.to_dict() for s in self]

    def to_frame(self):
        """Both players' levels as a :class:`pandas.DataFrame`, one row each."""
        return records_frame([s.record() for s in self])

    def __str__(self) -> str:
        return text_table([s.record() for s in self], "Security levels (maxmin = guaranteed; minmax = what the "
                          "other side can hold you to)")

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return to_html(tuple(self))


def zero_sum_solution(U: np.ndarray, *, game: str = "the game", what: str = "maxmin",
                      budget: Budget | None = None) -> tuple[float, np.ndarray, np.ndarray]:
    """Value and optimal mixes ``(v, x, y)`` of the matrix game ``U`` (rows maximise, columns minimise).

    One LP, ``max_x min_j x^T U[:, j]`` over the simplex, on ``U`` rescaled into [0, 1]
    (:func:`~sim.stage.lp.unit_payoffs`); its dual prices are the column chooser's optimal ``y``.
    The pair is checked: the duality gap ``max_i (U y)_i - min_j (x^T U)_j`` must be within 1e-6
    of the payoff range, else :class:`~sim.stage.lp.SolverError` (``game`` names the game in it).
    """
    U = np.asarray(U, dtype=float)
    V, _, span = unit_payoffs(U)
    m, n = V.shape
    c = np.zeros(m + 1)
    c[-1] = -1.0
    A_ub = np.hstack([-V.T, np.ones((n, 1))])
    A_eq = np.hstack([np.ones((1, m)), np.zeros((1, 1))])
    res = solve_lp(c, A_ub=A_ub, b_ub=np.zeros(n), A_eq=A_eq, b_eq=[1.0],
                   bounds=[(0, None)] * m + [(None, None)], what=what, game=game, budget=budget)
    x = simplex_point(res.x[:m], what, game)
    y = simplex_point(-np.asarray(res.ineqlin.marginals, dtype=float), f"{what} (dual)", game)
    gap = float((V @ y).max() - (x @ V).min())
    if gap > 1e-6:
        raise SolverError(f"the {what} LP on {game} returned a strategy that is not optimal "
                          f"(duality gap {gap * span:.3g} in payoff units)")
    return float((x @ U).min()), x, y


def maxmin_mixed(U: np.ndarray, *, game: str = "the game") -> tuple[float, np.ndarray]:
    """``max_x min_j x^T U[:, j]`` over the simplex of rows: value and strategy (LP, checked)."""
    v, x, _ = zero_sum_solution(U, game=game)
    return v, x


def security_levels(A: np.ndarray, B: np.ndarray, *, game: str = "the game",
                    player_ids: tuple[str, str] = ("row", "col"), max_seconds: float | None = None,
                    progress: Progress | None = None, budget: Budget | None = None
                    ) -> tuple[SecurityLevel, SecurityLevel]:
    """Security levels of both players of the bimatrix game ``(A, B)``.

    For player p with payoff matrix U (rows = own actions): maxmin pure ``max_i min_j U``, minmax
    pure ``min_j max_i U``, and from one LP (:func:`zero_sum_solution`) the mixed maxmin and the
    opponent's minmax mix ``argmin_y max_i (U y)_i``. ``game`` and ``player_ids`` name the game
    and player in a solver error. ``max_seconds``, ``progress``, ``budget``: see
    :mod:`sim.stage.budget`; a player whose LP ran out of time or memory gets ``skipped``.
    """
    budget = budget_of(max_seconds, progress, budget)
    out = []
    for p, U in enumerate((np.asarray(A, float), np.asarray(B, float).T)):
        budget.report("security levels", p / 2)
        worst = U.min(axis=1)
        i = int(worst.argmax())
        best = U.max(axis=0)
        j = int(best.argmin())
        try:
            v, x, y = zero_sum_solution(U, game=f"{game}, player {player_ids[p]}", budget=budget)
        except (BudgetExhausted, TooLarge) as stop:
            empty = np.zeros(0)
            out.append(SecurityLevel(p, float(worst[i]), i, float("nan"), empty, float(best[j]), j, float("nan"),
                                     empty, skipped=stop.message))
            continue
        out.append(SecurityLevel(p, float(worst[i]), i, v, x, float(best[j]), j, float((U @ y).max()), y))
    budget.report("security levels", 1.0)
    return SecurityLevels((out[0], out[1]))


def minmax_mixed(U: np.ndarray, *, game: str = "the game") -> tuple[float, np.ndarray]:
    """``min_y max_i (U y)_i``: the least the opponent can hold the row chooser of ``U`` to, and the
    opponent's punishing mix ``y`` (LP; the opponent maximises ``min_i (-U y)_i``)."""
    _, y, _ = zero_sum_solution(-np.asarray(U, dtype=float).T, game=game, what="minmax")
    return float((U @ y).max()), y


def security(game, *, max_seconds: float | None = None, progress: Progress | None = None,
             budget: Budget | None = None) -> tuple[SecurityLevel, SecurityLevel]:
    """:func:`security_levels` of a StageGame or ``(A, B)``."""
    A, B, _, ids = as_arrays(game)
    return SecurityLevels(attach_labels(tuple(security_levels(A, B, game=game_label(game), player_ids=ids,
                                                              max_seconds=max_seconds, progress=progress,
                                                              budget=budget)), game))


def minmax_profile(game, player: int) -> tuple[float, np.ndarray]:
    """Mixed minmax value of ``player`` and the opponent's punishing mix (linear programme).

    ``min_y max_a u_player(a, y)``: the least the opponent can hold ``player`` to.
    """
    U = np.asarray(game.A if player == 0 else game.B.T, float)  # own actions x opponent actions
    ids = tuple(getattr(game, "player_ids", ("row", "col")))
    value, y = minmax_mixed(U, game=f"{game_label(game)}, player {ids[player]}")
    y = np.clip(y, 0.0, None)
    y[y < 1e-10] = 0.0
    y /= y.sum()
    return float((U @ y).max()), y


def pure_minmax(game, player: int) -> tuple[float, int]:
    """Pure minmax value of ``player`` and the opponent's punishing pure action."""
    U = np.asarray(game.A if player == 0 else game.B.T, float)
    worst = U.max(axis=0)
    j = int(np.argmin(worst))
    return float(worst[j]), j
