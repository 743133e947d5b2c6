"""The result of N-player repeated play: replicates of one match, their moves and summaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.model.nplayer import NormalFormGame
from sim.render import HtmlRepr
from sim.repeated.match import QUANTILES
from sim.repeated.nplayer_context import profile_index
from sim.repeated.settings import PlaySettings, SettingsView

__all__ = ["NPlayerMatchResult"]


@dataclass(frozen=True, eq=False)
class NPlayerMatchResult(SettingsView, HtmlRepr):
    """Replicates of one repeated N-player match and how they were made.

    Attributes
    ----------
    game : the stage game.
    strategies : spec of each seat's strategy (declaration order); ``strategy_info`` their metadata.
    player_ids : one per seat.
    settings : the set-up; ``rounds``, ``noise``, ``replicates``, ``seed``, ... read through to it.
    length : ``(R,)`` rounds played per replicate.
    total, discounted : ``(R, N)`` payoff sums, undiscounted and ``sum_t δ_i^t u_i(t)`` (``t`` from 0).
    coop_rounds : ``(R,)`` rounds in which every player played its cooperative action.
    coop_rounds_player : ``(R, N)`` rounds each player played its cooperative action.
    first_breakdown : ``(R,)`` first round (0-based) off the cooperative profile, -1 if none.
    round_payoff : ``(T, N)`` mean payoff per round over replicates still playing.
    round_cooperation, round_active : ``(T,)`` share in the cooperative profile, replicates playing.
    moves : ``(R, T, N)`` action indices (-1 after a match ended), or ``None`` without paths.
    """

    game: NormalFormGame = field(repr=False)
    strategies: tuple[str, ...]
    strategy_info: tuple[dict, ...] = field(repr=False)
    player_ids: tuple[str, ...]
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
    moves: np.ndarray | None = field(default=None, repr=False)

    @property
    def mean(self) -> np.ndarray:
        """``(R, N)`` mean payoff per round of each replicate."""
        return self.total / self.length[:, None]

    def _need_paths(self) -> np.ndarray:
        if self.moves is None:
            raise InputError("this result was made without paths; rerun with paths=True", key="paths")
        return self.moves

    def payoffs(self) -> np.ndarray:
        """``(R, T, N)`` stage payoffs per round (NaN after a match ended); needs paths."""
        moves = self._need_paths()
        valid = moves[..., 0] >= 0
        flat = profile_index(self.game, np.where(valid[..., None], moves, 0))
        out = np.stack([np.ravel(P)[flat] for P in self.game.payoffs], axis=-1)
        out[~valid] = np.nan
        return out

    def labels(self) -> np.ndarray:
        """``(R, T, N)`` action labels (``""`` after a match ended); needs paths."""
        moves = self._need_paths()
        out = np.full(moves.shape, "", dtype=object)
        for p, acts in enumerate(self.game.actions):
            m = moves[..., p]
            out[..., p] = np.where(m >= 0, np.asarray(acts, dtype=object)[np.maximum(m, 0)], "")
        return out

    def summary(self) -> dict[str, Any]:
        """Means, quantiles and cooperation shares per player (plain Python types)."""
        ids = self.player_ids
        rounds = self.length.sum()
        broke = self.first_breakdown >= 0

        def q(x: np.ndarray) -> dict[str, float]:
            return {f"q{int(round(p * 100)):02d}": float(v) for p, v in zip(QUANTILES, np.quantile(x, QUANTILES))}

        return {
            "total_payoff": {pid: float(self.total[:, p].mean()) for p, pid in enumerate(ids)},
            "discounted_payoff": {pid: float(self.discounted[:, p].mean()) for p, pid in enumerate(ids)},
            "per_round_payoff": {pid: float(self.mean[:, p].mean()) for p, pid in enumerate(ids)},
            "total_payoff_quantiles": {pid: q(self.total[:, p]) for p, pid in enumerate(ids)},
            "total_payoff_std": {pid: float(self.total[:, p].std()) for p, pid in enumerate(ids)},
            "cooperation_rate": float(self.coop_rounds.sum() / rounds),
            "cooperation_rate_player": {pid: float(self.coop_rounds_player[:, p].sum() / rounds)
                                        for p, pid in enumerate(ids)},
            "breakdown_share": float(broke.mean()),
            "first_breakdown_median": float(np.median(self.first_breakdown[broke])) if broke.any() else None,
            "mean_rounds": float(self.length.mean()),
            "units": str(self.game.units or ""),
        }

    def setup(self) -> dict[str, Any]:
        """How the result was made."""
        ids = self.player_ids
        out = {"players": list(ids), "strategies": dict(zip(ids, self.strategies)),
               "strategy_info": dict(zip(ids, self.strategy_info)),
               **self.settings.describe(ids, self.game.actions)}
        out.pop("perception_noise", None)
        return out

    def to_dict(self, paths: bool = False) -> dict[str, Any]:
        """``{"setup", "summary", "by_round", ["paths"]}`` as plain types."""
        ids = self.player_ids
        out: dict[str, Any] = {
            "setup": self.setup(),
            "summary": self.summary(),
            "by_round": {"payoff": {pid: self.round_payoff[:, p].tolist() for p, pid in enumerate(ids)},
                         "cooperation": self.round_cooperation.tolist(), "active": self.round_active.tolist()},
        }
        if paths:
            labels, pay = self.labels(), self.payoffs()
            out["paths"] = [
                {"replicate": r, "rounds": int(self.length[r]),
                 **{pid: {"actions": labels[r, : self.length[r], p].tolist(),
                          "payoff": pay[r, : self.length[r], p].tolist()} for p, pid in enumerate(ids)}}
                for r in range(len(self.length))
            ]
        return out

    def to_frame(self):
        """Long table: one row per (replicate, round) with each player's action and payoff."""
        import pandas as pd

        moves = self._need_paths()
        pay, labels = self.payoffs(), self.labels()
        R, T, _ = moves.shape
        rep, rnd = np.meshgrid(np.arange(R), np.arange(T), indexing="ij")
        valid = moves[..., 0] >= 0
        data: dict[str, Any] = {"replicate": rep[valid], "round": rnd[valid]}
        for p, pid in enumerate(self.player_ids):
            data[f"{pid}_action"] = labels[..., p][valid]
            data[f"{pid}_payoff"] = pay[..., p][valid]
        return pd.DataFrame(data)

    def _repr_html_(self) -> str:  # pragma: no cover - notebooks
        s = self.summary()
        cells = "".join(f"<td>{escape(pid)}: {s['per_round_payoff'][pid]:.3f}</td>" for pid in self.player_ids)
        return (f"<p><b>{escape(self.game.name)}</b>: {self.replicates} replicate(s), mean payoff per round</p>"
                f"<table><tr>{cells}</tr></table>")
