"""N-player tournaments: each strategy in each seat against every assignment of the others.

With ``k`` strategies and ``N`` seats the tournament plays every *ordered* assignment of a strategy
to each seat (``k**N`` matches; without self-play, only those with ``N`` distinct strategies).
So each strategy sits in each seat equally often against every combination of the others, whether
or not the game is symmetric, and its score in a seat is comparable across strategies. All matches
and replicates run as one batch through :func:`~sim.repeated.nplayer_engine.simulate_nblock`
(in blocks of rows, whatever the number of matches, for memory).

Scores: ``seat_score[s, p]`` is strategy ``s``'s mean payoff per round in seat ``p`` (over the matches
in which it sits there, each weighted equally, and their replicates); ``mean_payoff[s]`` is its mean
over seats. A match's random stream depends only on (seed, the specs in seat order, replicate), so
the scores do not depend on the order the strategies are listed in, and ties in the ranking are
broken by spec name, not by position.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from sim._random import row_keys
from sim.errors import InputError
from sim.model.nplayer import NormalFormGame
from sim.render import HtmlRepr
from sim.repeated.engine import match_lengths
from sim.repeated.nplayer_context import check_nplayer_settings
from sim.repeated.nplayer_engine import (
    CHUNK_CELLS,
    contexts_for,
    nmatch_key,
    simulate_nblock,
    summarise_moves,
)
from sim.repeated.nplayer_strategies import NCLASSIC, NStrategy, get_nstrategy
from sim.repeated.settings import PlaySettings, SettingsView

__all__ = ["NPlayerTournamentResult", "round_robin", "MAX_MATCHES"]

#: Most matches (seat assignments) one tournament may play.
MAX_MATCHES = 100_000


@dataclass(frozen=True, eq=False)
class NPlayerTournamentResult(SettingsView, HtmlRepr):
    """An N-player tournament and how it was made.

    Attributes
    ----------
    strategies : spec strings, in the order given; ``strategy_info`` their metadata.
    player_ids : the seats; ``self_play`` whether a strategy may sit in several seats of one match.
    settings : the set-up (``replicates`` per match).
    matches : ``(M, N)`` strategy index in each seat of every match played.
    per_round : ``(M, replicates, N)`` each seat's mean payoff per round in every replicate.
    coop_share : ``(M, replicates, N)`` share of rounds each seat played its cooperative action.
    seat_score : ``(k, N)`` mean payoff per round of each strategy in each seat.
    mean_payoff : ``(k,)`` mean of ``seat_score`` over seats.
    cooperation : ``(k,)`` share of its rounds each strategy played its cooperative action.
    wins : ``(k,)`` replicates in which it alone scored the most in its match.
    ranking : strategy indices, best mean payoff first (ties: by spec).
    """

    strategies: tuple[str, ...]
    strategy_info: tuple[dict, ...] = field(repr=False)
    player_ids: tuple[str, ...]
    settings: PlaySettings
    self_play: bool
    matches: np.ndarray = field(repr=False)
    per_round: np.ndarray = field(repr=False)
    coop_share: np.ndarray = field(repr=False)
    seat_score: np.ndarray = field(repr=False)
    mean_payoff: np.ndarray = field(repr=False)
    cooperation: np.ndarray = field(repr=False)
    wins: np.ndarray = field(repr=False)
    ranking: tuple[int, ...] = ()
    game: NormalFormGame | None = field(default=None, repr=False)

    @property
    def ranked_names(self) -> list[str]:
        return [self.strategies[i] for i in self.ranking]

    @property
    def units(self) -> str:
        return str(getattr(self.game, "units", "") or "")

    def table(self) -> list[dict[str, Any]]:
        """One record per strategy in ranking order: rank, strategy, payoff overall and per seat, ..."""
        return [
            {"rank": r + 1, "strategy": self.strategies[i], "mean_payoff": float(self.mean_payoff[i]),
             **{f"payoff_{pid}": float(self.seat_score[i, p]) for p, pid in enumerate(self.player_ids)},
             "cooperation_rate": float(self.cooperation[i]), "wins": int(self.wins[i])}
            for r, i in enumerate(self.ranking)
        ]

    def setup(self) -> dict[str, Any]:
        out = {"strategies": list(self.strategies), "strategy_info": list(self.strategy_info),
               "players": list(self.player_ids), "matches": int(len(self.matches)),
               "design": "every strategy in every seat" + ("" if self.self_play else " (distinct strategies)"),
               **self.settings.describe(self.player_ids, self.game.actions if self.game is not None else ()),
               "self_play": self.self_play}
        out.pop("perception_noise", None)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Stable JSON shape: ``ranking``, ``mean_payoff``, ``seat_score`` per strategy and seat."""
        names, ids = self.strategies, self.player_ids
        return {
            "ranking": self.ranked_names,
            "mean_payoff": {names[i]: float(self.mean_payoff[i]) for i in range(len(names))},
            "seat_score": {names[i]: {pid: float(self.seat_score[i, p]) for p, pid in enumerate(ids)}
                           for i in range(len(names))},
            "cooperation_rate": {names[i]: float(self.cooperation[i]) for i in range(len(names))},
            "wins": {names[i]: int(self.wins[i]) for i in range(len(names))},
            "units": self.units,
            "table": self.table(),
            "setup": self.setup(),
        }

    def to_frame(self):
        """The result table as a pandas DataFrame (ranking order)."""
        import pandas as pd

        return pd.DataFrame(self.table()).set_index("rank")

    def matches_frame(self):
        """One row per match: each seat's strategy and mean payoff per round."""
        import pandas as pd

        rows = []
        for m, seats in enumerate(self.matches):
            row: dict[str, Any] = {}
            for p, pid in enumerate(self.player_ids):
                row[f"{pid}_strategy"] = self.strategies[int(seats[p])]
                row[f"{pid}_payoff"] = float(self.per_round[m, :, p].mean())
            rows.append(row)
        return pd.DataFrame(rows)


def round_robin(
    game: NormalFormGame,
    strategies: Sequence["str | NStrategy"] = NCLASSIC,
    *,
    rounds: int | None = None,
    continuation: float | None = None,
    max_rounds: int = 10_000,
    replicates: int = 10,
    noise: float = 0.0,
    discount: Any = None,
    cooperative: Any = None,
    self_play: bool = True,
    seed: "int | np.random.Generator | None" = None,
    progress: Callable[[int, int], None] | None = None,
) -> NPlayerTournamentResult:
    """Play every strategy in every seat against every assignment of the others.

    Parameters
    ----------
    game : the N-player stage game.
    strategies : specs or instances (distinct specs).
    rounds, continuation, max_rounds, replicates, noise, discount, cooperative, seed : as in
        :func:`sim.repeated.nplayer_engine.play` (``replicates`` of each match); without ``rounds``
        or ``continuation``, 200 rounds.
    self_play : whether one strategy may sit in several seats of a match.
    progress : called as ``progress(done, total)`` in match-rounds after each chunk.

    Returns
    -------
    NPlayerTournamentResult
    """
    strats = [get_nstrategy(s) for s in strategies]
    if not strats:
        raise InputError("a tournament needs at least one strategy", key="strategies")
    specs = [s.spec for s in strats]
    dupes = sorted({x for x in specs if specs.count(x) > 1})
    if dupes:
        raise InputError(f"strategy {dupes[0]!r} listed twice", key="strategies")
    if rounds is None and continuation is None:
        rounds = 200
    settings = check_nplayer_settings(game, rounds=rounds, continuation=continuation, max_rounds=max_rounds,
                                      replicates=replicates, noise=noise, discount=discount,
                                      cooperative=cooperative, seed=seed)
    k, N = len(strats), game.n_players
    if k ** N > MAX_MATCHES:
        raise InputError(f"{k} strategies in {N} seats make {k ** N:,} matches, more than {MAX_MATCHES:,}; "
                         "give fewer strategies", key="strategies")
    assign = [a for a in itertools.product(range(k), repeat=N) if self_play or len(set(a)) == N]
    if not assign:
        raise InputError(f"no matches to play: give at least {N} strategies or allow self-play", key="strategies")
    matches = np.array(assign, dtype=np.int64)
    M, reps, horizon = len(matches), settings.replicates, settings.max_rounds
    mkeys = np.array([nmatch_key([specs[s] for s in row]) for row in assign], dtype=np.int64)
    ctxs = contexts_for(game, settings.cooperative)
    per_round = np.empty((M * reps, N))  # row m * reps + r: match m, replicate r
    coop_share = np.empty((M * reps, N))
    chunk = max(1, (2 * CHUNK_CELLS) // (horizon * N))  # rows per block, whatever the number of matches
    total_units = M * reps * horizon
    for start in range(0, M * reps, chunk):
        stop = min(M * reps, start + chunk)
        rows = np.arange(start, stop)
        m, r = rows // reps, rows % reps
        keys = row_keys(settings.seed_key, mkeys[m], r)
        lengths = match_lengths(keys, settings.rounds, settings.continuation, settings.max_rounds)
        moves = simulate_nblock(game, strats, matches[m], keys, lengths, noise=settings.noise, contexts=ctxs)
        summ = summarise_moves(game, moves, lengths, settings.cooperative, settings.discount)
        L = lengths[:, None].astype(float)
        per_round[start:stop] = summ["total"] / L
        coop_share[start:stop] = summ["coop_rounds_player"] / L
        if progress is not None:
            progress(stop * horizon, total_units)
    per_round, coop_share = per_round.reshape(M, reps, N), coop_share.reshape(M, reps, N)
    return _aggregate(game, strats, specs, settings, bool(self_play), matches, per_round, coop_share)


def _aggregate(game, strats, specs, settings, self_play, matches, per_round, coop_share) -> NPlayerTournamentResult:
    k, N = len(strats), game.n_players
    seat_sum, seat_n = np.zeros((k, N)), np.zeros((k, N))
    coop_num, coop_den = np.zeros(k), np.zeros(k)
    match_mean = per_round.mean(axis=1)  # (M, N)
    for p in range(N):
        np.add.at(seat_sum[:, p], matches[:, p], match_mean[:, p])
        np.add.at(seat_n[:, p], matches[:, p], 1.0)
        np.add.at(coop_num, matches[:, p], coop_share[:, :, p].sum(axis=1))
        np.add.at(coop_den, matches[:, p], per_round.shape[1])
    with np.errstate(invalid="ignore", divide="ignore"):
        seat_score = seat_sum / seat_n
    mean_payoff = np.nanmean(seat_score, axis=1)
    best = per_round.max(axis=2, keepdims=True)
    alone = (per_round >= best) & ((per_round >= best).sum(axis=2, keepdims=True) == 1)  # (M, reps, N)
    wins = np.zeros(k, dtype=np.int64)
    for p in range(N):
        np.add.at(wins, matches[:, p], alone[:, :, p].sum(axis=1))
    ranking = tuple(sorted(range(k), key=lambda i: (-round(float(mean_payoff[i]), 12), specs[i])))
    return NPlayerTournamentResult(
        strategies=tuple(specs), strategy_info=tuple(s.to_dict() for s in strats),
        player_ids=tuple(game.player_ids), settings=settings, self_play=self_play, matches=matches,
        per_round=per_round, coop_share=coop_share, seat_score=seat_score, mean_payoff=mean_payoff,
        cooperation=coop_num / np.maximum(coop_den, 1), wins=wins, ranking=ranking, game=game)
