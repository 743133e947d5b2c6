"""The result of repeated play: replicates of one match, their paths and summaries, and how they were made."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.model.game import StageGame
from sim.render import HtmlRepr
from sim.repeated.settings import PlaySettings, SettingsView

__all__ = ["MatchResult", "QUANTILES"]

#: Quantiles reported for payoff distributions over replicates.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True, eq=False)
class MatchResult(SettingsView, HtmlRepr):
    """Replicates of one repeated match and how they were made.

    Attributes
    ----------
    strategies : spec strings of the row and column strategies.
    strategy_info : their metadata (``Strategy.to_dict()``).
    player_ids : ``(row, col)``.
    settings : the set-up (:class:`~sim.repeated.settings.PlaySettings`); ``rounds``, ``noise``,
        ``replicates``, ``seed``, ... read through to it.
    length : ``(R,)`` rounds played per replicate.
    total : ``(R, 2)`` undiscounted payoff sums.
    discounted : ``(R, 2)`` sums of ``δ_i^t u_i(t)``, ``t`` from 0.
    coop_rounds : ``(R,)`` rounds in the cooperative profile.
    coop_rounds_player : ``(R, 2)`` rounds each side played its cooperative action.
    first_breakdown : ``(R,)`` first round (0-based) off the cooperative profile, -1 if none.
    round_payoff : ``(T, 2)`` mean payoff per round over replicates still playing.
    round_cooperation : ``(T,)`` share of playing replicates in the cooperative profile.
    round_active : ``(T,)`` replicates still playing in each round.
    actions : ``(R, T, 2)`` action indices (-1 after a match ended), or ``None`` without paths.
    """

    game: StageGame = field(repr=False)
    strategies: tuple[str, str]
    strategy_info: tuple[dict, dict] = field(repr=False)
    player_ids: tuple[str, str]
    settings: PlaySettings
    length: np.ndarray = field(repr=False)
    total: np.ndarray = field(repr=False)
    discounted: np.ndarray = field(repr=False)
    coop_rounds: np.ndarray = field(repr=False)
    coop_rounds_player: np.ndarray = field(repr=False)
    first_breakdown: np.ndarray = field(repr=False)
    round_payoff: np.ndarray = field(repr=False)
    round_cooperation: np.ndarray = field(repr=False)
    round_active: np.ndarray = field(repr=False)
    actions: np.ndarray | None = field(default=None, repr=False)

    # ---- derived arrays
    @property
    def per_round(self) -> np.ndarray:
        """``(R, 2)`` mean payoff per round of each replicate."""
        return self.total / self.length[:, None]

    def payoffs(self) -> np.ndarray:
        """``(R, T, 2)`` stage payoffs per round (NaN after a match ended); needs paths."""
        acts = self._need_paths()
        valid = acts[..., 0] >= 0
        a0 = np.where(valid, acts[..., 0], 0).astype(np.int64)
        a1 = np.where(valid, acts[..., 1], 0).astype(np.int64)
        out = np.stack([self.game.A[a0, a1], self.game.B[a0, a1]], axis=-1)
        out[~valid] = np.nan
        return out

    def cumulative_discounted(self) -> np.ndarray:
        """``(R, T, 2)`` running sums of discounted payoffs; needs paths."""
        u = np.nan_to_num(self.payoffs())
        T = u.shape[1]
        w = np.stack([np.asarray(d, float) ** np.arange(T) for d in self.discount], axis=-1)
        return np.cumsum(u * w[None], axis=1)

    def levels(self, player: int) -> np.ndarray:
        """``(R, T, n_levers)`` lever level indices of ``player`` per round (-1 after the end)."""
        acts = self._need_paths()[..., player]
        table = np.asarray(self.game.action_levels[player])
        out = table[np.where(acts >= 0, acts, 0)]
        out[acts < 0] = -1
        return out

    def _need_paths(self) -> np.ndarray:
        if self.actions is None:
            raise InputError("this result was made without paths; rerun with paths=True", key="paths")
        return self.actions

    # ---- summaries
    def summary(self) -> dict[str, Any]:
        """Means, quantiles, cooperation share and breakdown statistics (plain Python types)."""
        ids = self.player_ids
        rounds = self.length.sum()
        broke = self.first_breakdown >= 0

        def q(x: np.ndarray) -> dict[str, float]:
            return {f"q{int(round(p * 100)):02d}": float(v) for p, v in zip(QUANTILES, np.quantile(x, QUANTILES))}

        return {
            "total_payoff": {pid: float(self.total[:, p].mean()) for p, pid in enumerate(ids)},
            "discounted_payoff": {pid: float(self.discounted[:, p].mean()) for p, pid in enumerate(ids)},
            "per_round_payoff": {pid: float(self.per_round[:, p].mean()) for p, pid in enumerate(ids)},
            "total_payoff_quantiles": {pid: q(self.total[:, p]) for p, pid in enumerate(ids)},
            "discounted_payoff_quantiles": {pid: q(self.discounted[:, p]) for p, pid in enumerate(ids)},
            "total_payoff_std": {pid: float(self.total[:, p].std()) for p, pid in enumerate(ids)},
            "cooperation_rate": float(self.coop_rounds.sum() / rounds),
            "cooperation_rate_player": {pid: float(self.coop_rounds_player[:, p].sum() / rounds) for p, pid in enumerate(ids)},
            "breakdown_share": float(broke.mean()),
            "first_breakdown_mean": float(self.first_breakdown[broke].mean()) if broke.any() else None,
            "first_breakdown_median": float(np.median(self.first_breakdown[broke])) if broke.any() else None,
            "mean_rounds": float(self.length.mean()),
        }

    def setup(self) -> dict[str, Any]:
        """How the result was made."""
        ids = self.player_ids
        return {
            "strategies": dict(zip(ids, self.strategies)),
            "strategy_info": dict(zip(ids, self.strategy_info)),
            **self.settings.describe(ids, self.game.actions),
        }

    def to_dict(self, paths: bool = False) -> dict[str, Any]:
        """``{"setup", "summary", "rounds": per-round means, ["paths"]}`` as plain types."""
        ids = self.player_ids
        out: dict[str, Any] = {
            "setup": self.setup(),
            "summary": self.summary(),
            "by_round": {
                "payoff": {pid: self.round_payoff[:, p].tolist() for p, pid in enumerate(ids)},
                "cooperation": self.round_cooperation.tolist(),
                "active": self.round_active.tolist(),
            },
        }
        if paths:
            out["paths"] = self.paths_records()
        return out

    def paths_records(self) -> list[dict[str, Any]]:
        """One record per replicate: per side, action labels, each lever's level label and the stage
        payoff, per round."""
        acts = self._need_paths()
        pay = self.payoffs()
        recs = []
        for r in range(acts.shape[0]):
            L = int(self.length[r])
            rec: dict[str, Any] = {"replicate": r, "rounds": L}
            for p, pid in enumerate(self.player_ids):
                labels = self.game.actions[p]
                idx = acts[r, :L, p].astype(np.int64)
                lv = np.asarray(self.game.action_levels[p])[idx]
                rec[pid] = {
                    "actions": [labels[a] for a in idx.tolist()],
                    "levers": {lever.name: [lever.labels[x] for x in lv[:, k].tolist()]
                               for k, lever in enumerate(self.game.levers[p])},
                    "payoff": pay[r, :L, p].tolist(),
                }
            recs.append(rec)
        return recs

    def to_frame(self):
        """Long table: one row per (replicate, round) with each side's action, levers and payoff."""
        import pandas as pd

        acts = self._need_paths()
        pay = self.payoffs()
        R, T, _ = acts.shape
        rep, rnd = np.meshgrid(np.arange(R), np.arange(T), indexing="ij")
        valid = acts[..., 0] >= 0
        data: dict[str, Any] = {"replicate": rep[valid], "round": rnd[valid]}
        for p, pid in enumerate(self.player_ids):
            a = acts[..., p][valid]
            data[f"{pid}_action"] = np.asarray(self.game.actions[p], dtype=object)[a]
            lv = np.asarray(self.game.action_levels[p])[a]
            for k, lever in enumerate(self.game.levers[p]):
                data[f"{pid}_{lever.name}"] = lv[:, k]
            data[f"{pid}_payoff"] = pay[..., p][valid]
        return pd.DataFrame(data)
