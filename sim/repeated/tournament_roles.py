"""Per-role results of a round robin in a game whose sides differ.

When ``B != A.T`` (or the sides' actions differ) a payoff as the row side and a payoff as the column
side are on two scales (US and China, say), so neither a mean over both roles nor a comparison of the
two sides' payoffs in one match says which strategy did better. Here every quantity is kept per role:

* ``pairwise[p][a, b]``: strategy ``a``'s mean payoff per round in role ``p`` against strategy ``b``
  in the other role (the payoff matrix of role ``p`` in the tournament's game between strategies);
* ``mean[p][a]``: its mean over opponents (itself included with self-play);
* ``wins[p][a]``: repetitions in which ``a`` in role ``p`` against ``b`` scored more per round than
  ``b`` in role ``p`` against ``a`` — both in role ``p``, so on that role's own scale;
* ``share[p][a] = (mean[p][a] - min_a mean[p]) / (max_a mean[p] - min_a mean[p])``: the strategy's
  place in the role's best-minus-worst range (1 best, 0 worst, 0.5 for all when every strategy ties);
* ``score[a]``: the mean of ``share[p][a]`` over the two roles, the overall rank's key. Range shares
  make the two roles count equally whatever their units and spreads (the min-max normalisation of
  multi-criteria scoring).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

__all__ = ["RoleScores", "role_scores", "range_share"]


def range_share(values: np.ndarray) -> np.ndarray:
    """``(v - min) / (max - min)``; 0.5 everywhere when all values are equal."""
    v = np.asarray(values, float)
    lo, hi = float(np.min(v)), float(np.max(v))
    if not hi > lo:
        return np.full(v.shape, 0.5)
    return (v - lo) / (hi - lo)


@dataclass(frozen=True, eq=False)
class RoleScores:
    """Per-role results of a tournament (arrays indexed ``[role, strategy(, opponent)]``).

    Attributes
    ----------
    pairwise : ``(2, k, k)`` mean payoff per round of ``a`` in role ``p`` against ``b`` in the other role.
    pairwise_std : ``(2, k, k)`` standard deviation over repetitions of that mean.
    mean : ``(2, k)`` mean over opponents.
    wins : ``(2, k)`` repetitions won in each role (against the other strategy in the same role).
    matches : ``(2, k)`` repetitions that could be won in each role.
    cooperation : ``(2, k)`` share of its rounds in each role spent in its cooperative action.
    share : ``(2, k)`` range share of ``mean`` within each role.
    score : ``(k,)`` mean of ``share`` over the roles.
    """

    pairwise: np.ndarray
    pairwise_std: np.ndarray
    mean: np.ndarray
    wins: np.ndarray
    matches: np.ndarray
    cooperation: np.ndarray
    share: np.ndarray
    score: np.ndarray

    #: How ``score`` is made, for outputs.
    NORMALISATION = ("score = mean over the two sides of (payoff - worst) / (best - worst) on that side "
                     "(1 = the side's best strategy, 0 = its worst)")

    def record(self, i: int, player_ids: Sequence[str]) -> dict[str, Any]:
        """Per-role columns of strategy ``i`` for a result table."""
        out: dict[str, Any] = {}
        for p, pid in enumerate(player_ids):
            out[f"{pid}_payoff"] = float(self.mean[p, i])
            out[f"{pid}_score"] = float(self.share[p, i])
            out[f"{pid}_wins"] = int(self.wins[p, i])
            out[f"{pid}_cooperation"] = float(self.cooperation[p, i])
        return out

    def to_dict(self, names: Sequence[str], player_ids: Sequence[str]) -> dict[str, Any]:
        def nan_none(x: float) -> float | None:
            return None if not np.isfinite(x) else float(x)

        k = len(names)
        return {
            "normalisation": self.NORMALISATION,
            "score": {names[i]: float(self.score[i]) for i in range(k)},
            **{pid: {
                "mean_payoff": {names[i]: float(self.mean[p, i]) for i in range(k)},
                "score": {names[i]: float(self.share[p, i]) for i in range(k)},
                "wins": {names[i]: int(self.wins[p, i]) for i in range(k)},
                "wins_possible": {names[i]: int(self.matches[p, i]) for i in range(k)},
                "cooperation_rate": {names[i]: float(self.cooperation[p, i]) for i in range(k)},
                "pairwise": {names[a]: {names[b]: nan_none(self.pairwise[p, a, b]) for b in range(k)}
                             for a in range(k)},
            } for p, pid in enumerate(player_ids)},
        }


def role_scores(pairs: Sequence[tuple[int, int]], per_round: np.ndarray, coop_share: np.ndarray, k: int) -> RoleScores:
    """Per-role results from every ordered pair's ``(M, repetitions, 2)`` per-round payoffs.

    ``pairs[m] = (a, b)``: strategy ``a`` played the row role and ``b`` the column role in match ``m``.
    """
    index = {tuple(map(int, pr)): m for m, pr in enumerate(pairs)}
    pw = np.full((2, k, k), np.nan)
    sd = np.full((2, k, k), np.nan)
    coop_num = np.zeros((2, k))
    coop_den = np.zeros((2, k))
    wins = np.zeros((2, k), dtype=np.int64)
    possible = np.zeros((2, k), dtype=np.int64)
    for (a, b), m in index.items():
        pr = per_round[m]
        pw[0, a, b], sd[0, a, b] = pr[:, 0].mean(), pr[:, 0].std()
        pw[1, b, a], sd[1, b, a] = pr[:, 1].mean(), pr[:, 1].std()
        coop_num[0, a] += coop_share[m, :, 0].sum()
        coop_num[1, b] += coop_share[m, :, 1].sum()
        coop_den[0, a] += len(pr)
        coop_den[1, b] += len(pr)
        other = index.get((b, a))
        if a != b and other is not None:
            # a as row against b, and b as row against a: both row payoffs, one scale
            wins[0, a] += int((pr[:, 0] > per_round[other][:, 0]).sum())
            wins[1, b] += int((pr[:, 1] > per_round[other][:, 1]).sum())
            possible[0, a] += len(pr)
            possible[1, b] += len(pr)
    played = np.isfinite(pw)
    mean = np.where(played, pw, 0.0).sum(axis=2) / np.maximum(played.sum(axis=2), 1)
    share = np.stack([range_share(mean[0]), range_share(mean[1])])
    return RoleScores(pairwise=pw, pairwise_std=sd, mean=mean, wins=wins, matches=possible,
                      cooperation=coop_num / np.maximum(coop_den, 1), share=share, score=share.mean(axis=0))
