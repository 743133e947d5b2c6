"""Round-robin tournaments: every strategy meets every other, all matches played at once.

All matches and all repetitions of a tournament run as one batch of rows through
:func:`sim.repeated.engine.simulate_block` (chunked by repetitions for memory): each round every
strategy is asked once per side for all its rows, so the cost per round does not grow with the
number of pairs in Python, only in numpy.

In a symmetric game (``B == A.T`` with the same actions) each unordered pair plays once, the
first-listed strategy as row player, and a strategy wins a repetition when it scores more than its
opponent. Self-play (optional) scores the mean of both seats.

In a game whose sides differ, the two sides' payoffs are on different scales, so results are kept
per role (:mod:`sim.repeated.tournament_roles`): every ordered pair plays, so each strategy plays each
role against every strategy in the other role; ``role_pairwise[p][a, b]`` is ``a``'s mean payoff per
round in role ``p`` against ``b`` in the other role, ``role_mean`` its mean over opponents, and
``role_wins[p][a]`` counts the repetitions in which ``a`` in role ``p`` against ``b`` scored more than
``b`` in role ``p`` against ``a`` (the same role, so the same scale). The overall ``score`` ranks
strategies by the mean over roles of each role's **range share**: ``(mean - worst) / (best - worst)``
within that role (1 = best strategy of the role, 0 = worst; 0.5 for every strategy when all tie).
``pairwise`` and ``mean_payoff`` are still given there: they average the two roles, i.e. the payoff of
the role-symmetrised game in which a player is each side half the time (the two units mixed). A match's random stream depends only on (seed, the two specs, repetition),
so a pair scores the same inside a tournament as in :func:`sim.repeated.engine.play` with
``match_key=match_key(spec_a, spec_b)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from sim._random import match_key, row_keys
from sim.errors import InputError
from sim.model.dynamic import DynamicGame
from sim.model.game import StageGame
from sim.render import HtmlRepr
from sim.repeated.context import PlayerContext
from sim.repeated.dynamic_play import StateLaw
from sim.repeated.engine import (
    CHUNK_CELLS,
    match_lengths,
    simulate_block,
    summarise_paths,
)
from sim.repeated.settings import PlaySettings, SettingsView
from sim.repeated.strategies import Strategy, expand_specs, get_strategy
from sim.repeated.tournament_roles import RoleScores, role_scores
from sim.repeated.units import game_units

__all__ = ["TournamentResult", "RoleScores", "round_robin", "is_symmetric"]


def is_symmetric(game: StageGame) -> bool:
    """Whether the players are interchangeable: ``B == A.T``, same actions, levers, cooperative."""
    A, B = np.asarray(game.A), np.asarray(game.B)
    if A.shape[0] != A.shape[1] or not np.array_equal(A, B.T):
        return False
    if tuple(game.actions[0]) != tuple(game.actions[1]):
        return False
    if not np.array_equal(np.asarray(game.action_levels[0]), np.asarray(game.action_levels[1])):
        return False
    if [(lv.name, lv.size) for lv in game.levers[0]] != [(lv.name, lv.size) for lv in game.levers[1]]:
        return False
    return game.cooperative is None or game.cooperative[0] == game.cooperative[1]


@dataclass(frozen=True, eq=False)
class TournamentResult(SettingsView, HtmlRepr):
    """A round robin and how it was made.

    Attributes
    ----------
    strategies : spec strings, in the order given.
    strategy_info : metadata of each strategy.
    player_ids, self_play : who plays, and whether each strategy meets itself.
    settings : the set-up (:class:`~sim.repeated.settings.PlaySettings`; ``replicates`` per match).
    symmetric : whether unordered pairs were played (symmetric game).
    matches : ``(M, 2)`` strategy indices (row, column) of every match played.
    per_round : ``(M, repetitions, 2)`` each side's mean payoff per round in every repetition.
    coop_share : ``(M, repetitions, 2)`` share of rounds each side played its cooperative action.
    pairwise : ``(k, k)`` mean per-round payoff of strategy ``a`` (row) against ``b`` (column).
    pairwise_std : ``(k, k)`` standard deviation over repetitions of that mean.
    mean_payoff : ``(k,)`` mean of ``pairwise`` over opponents (incl. itself with self-play).
    cooperation : ``(k,)`` share of its rounds each strategy played its cooperative action.
    wins : ``(k,)`` repetitions in which it scored strictly more than its opponent (asymmetric
        games: the sum of ``roles.wins`` over the two roles, each on its role's scale).
    ranking : strategy indices, best mean payoff first (asymmetric games: best ``roles.score``
        first); ties in the order given.
    game : the stage game played.
    roles : per-role results (:class:`~sim.repeated.tournament_roles.RoleScores`) of a game whose
        sides differ; ``None`` in a symmetric game.
    """

    strategies: tuple[str, ...]
    strategy_info: tuple[dict, ...] = field(repr=False)
    player_ids: tuple[str, str]
    settings: PlaySettings
    self_play: bool
    symmetric: bool
    matches: np.ndarray = field(repr=False)
    per_round: np.ndarray = field(repr=False)
    coop_share: np.ndarray = field(repr=False)
    pairwise: np.ndarray = field(repr=False)
    pairwise_std: np.ndarray = field(repr=False)
    mean_payoff: np.ndarray = field(repr=False)
    cooperation: np.ndarray = field(repr=False)
    wins: np.ndarray = field(repr=False)
    ranking: tuple[int, ...] = ()
    game: StageGame | None = field(default=None, repr=False)
    roles: RoleScores | None = field(default=None, repr=False)

    @property
    def ranked_names(self) -> list[str]:
        return [self.strategies[i] for i in self.ranking]

    @property
    def units(self):
        """:class:`~sim.repeated.units.PayoffUnits` of the payoffs (per round: the scenario's unit)."""
        return game_units(self.game)

    def table(self) -> list[dict[str, Any]]:
        """One record per strategy in ranking order: rank, strategy, payoff, cooperation, wins.

        In a game whose sides differ each record adds ``score`` (the overall range share) and, per
        side ``pid``, ``{pid}_payoff`` (mean per round in that role), ``{pid}_score``,
        ``{pid}_wins`` and ``{pid}_cooperation``.
        """
        rows = []
        for r, i in enumerate(self.ranking):
            row: dict[str, Any] = {"rank": r + 1, "strategy": self.strategies[i]}
            if self.roles is not None:
                row["score"] = float(self.roles.score[i])
            row.update({"mean_payoff": float(self.mean_payoff[i]), "cooperation_rate": float(self.cooperation[i]),
                        "wins": int(self.wins[i])})
            if self.roles is not None:
                row.update(self.roles.record(i, self.player_ids))
            rows.append(row)
        return rows

    def setup(self) -> dict[str, Any]:
        out = {
            "strategies": list(self.strategies),
            "strategy_info": list(self.strategy_info),
            **self.settings.describe(self.player_ids, self.actions),
            "self_play": self.self_play,
            "symmetric": self.symmetric,
        }
        return out

    @property
    def actions(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Action labels of the game played (for the cooperative profile in :meth:`setup`)."""
        return self.game.actions

    def to_dict(self) -> dict[str, Any]:
        """Stable JSON shape: ``ranking``, ``mean_payoff``, ``pairwise`` (every ordered pair)."""
        names = self.strategies
        k = len(names)
        pairwise = {
            names[a]: {names[b]: (None if np.isnan(self.pairwise[a, b]) else float(self.pairwise[a, b])) for b in range(k)}
            for a in range(k)
        }
        out = {
            "ranking": self.ranked_names,
            "mean_payoff": {names[i]: float(self.mean_payoff[i]) for i in range(k)},
            "pairwise": pairwise,
            "cooperation_rate": {names[i]: float(self.cooperation[i]) for i in range(k)},
            "wins": {names[i]: int(self.wins[i]) for i in range(k)},
            "table": self.table(),
            "setup": self.setup(),
            "units": self.units.to_dict(),
        }
        if self.roles is not None:
            out["roles"] = self.roles.to_dict(names, self.player_ids)
        return out

    def to_frame(self):
        """The result table as a pandas DataFrame (ranking order)."""
        import pandas as pd

        return pd.DataFrame(self.table()).set_index("rank")

    def pairwise_frame(self):
        """``pairwise`` as a DataFrame (rows: strategy, columns: opponent)."""
        import pandas as pd

        return pd.DataFrame(self.pairwise, index=list(self.strategies), columns=list(self.strategies))


def round_robin(
    game: StageGame,
    strategies: Sequence["str | Strategy"],
    *,
    rounds: int | None = 200,
    continuation: float | None = None,
    max_rounds: int = 10_000,
    replicates: int = 10,
    noise: float = 0.0,
    perception_noise: float = 0.0,
    discount: "float | Sequence[float] | None" = None,
    cooperative: Any = None,
    self_play: bool = True,
    seed: "int | np.random.Generator | None" = None,
    progress: Callable[[int, int], None] | None = None,
) -> TournamentResult:
    """Play a round-robin tournament.

    Parameters
    ----------
    game : the stage game, or a game with state (:class:`~sim.model.dynamic.DynamicGame`: every
        match starts in its initial state and the state moves per replicate).
    strategies : specs or instances (at least one; distinct specs).
    rounds, continuation, max_rounds : horizon, as in :func:`sim.repeated.engine.play`.
    replicates : replicates of each match.
    noise, perception_noise : implementation and perception noise.
    discount, cooperative : as in :func:`sim.repeated.engine.play`.
    self_play : whether each strategy also meets itself.
    seed : int, Generator or None.
    progress : called as ``progress(done, total)`` in match-rounds.

    Returns
    -------
    TournamentResult
    """
    dynamic = game if isinstance(game, DynamicGame) else None
    if dynamic is not None:  # a game with state: every match starts in its initial state
        game = dynamic.stage()
    strats = [get_strategy(s) for s in expand_specs(list(strategies))]
    if not strats:
        raise InputError("a tournament needs at least one strategy", key="strategies")
    specs = [s.spec for s in strats]
    dupes = sorted({x for x in specs if specs.count(x) > 1})
    if dupes:
        raise InputError(f"strategy {dupes[0]!r} listed twice", key="strategies")
    settings = PlaySettings.check(game, rounds=rounds, continuation=continuation, max_rounds=max_rounds,
                                  replicates=replicates, noise=noise, perception_noise=perception_noise,
                                  discount=discount, cooperative=cooperative, seed=seed)
    rounds, continuation, max_rounds = settings.rounds, settings.continuation, settings.max_rounds
    if dynamic is not None:
        dynamic.check_rounds(max_rounds)
    repetitions, noise, perception_noise = settings.replicates, settings.noise, settings.perception_noise
    disc, coop, seed_key = settings.discount, settings.cooperative, settings.seed_key
    k = len(strats)
    symmetric = dynamic is None and is_symmetric(game) and coop[0] == coop[1]
    pairs = [(a, b) for a in range(k) for b in range(k) if (a <= b if symmetric else True) and (self_play or a != b)]
    if not pairs:
        raise InputError("no matches to play: give two strategies or allow self-play", key="strategies")
    M = len(pairs)
    matches = np.array(pairs, dtype=np.int64)
    mkeys = np.array([match_key(specs[a], specs[b]) for a, b in pairs], dtype=np.int64)
    ctxs = (PlayerContext.build(game, 0, coop), PlayerContext.build(game, 1, coop))
    per_round = np.empty((M, repetitions, 2))
    coop_share = np.empty((M, repetitions, 2))
    totals = np.empty((M, repetitions, 2))
    chunk = max(1, (2 * CHUNK_CELLS) // (M * max_rounds))
    total_units = M * repetitions * max_rounds
    done = 0
    for start in range(0, repetitions, chunk):
        stop = min(repetitions, start + chunk)
        R = stop - start
        reps = np.tile(np.arange(start, stop), M)
        mid = np.repeat(mkeys, R)
        keys = row_keys(seed_key, mid, reps)
        lengths = match_lengths(keys, rounds, continuation, max_rounds)
        s0 = np.repeat(matches[:, 0], R)
        s1 = np.repeat(matches[:, 1], R)
        T = int(lengths.max())
        base = done

        def on_round(t: int, base: int = base, n: int = M * R) -> None:
            if progress is not None and (t % 10 == 9 or t == T - 1):
                progress(base + n * (t + 1), total_units)

        law = StateLaw(dynamic, dynamic.states.initial) if dynamic is not None else None
        a0, a1 = simulate_block(game, strats, s0, s1, keys, lengths, noise=noise, perception_noise=perception_noise,
                                cooperative=coop, contexts=ctxs, on_round=on_round if progress else None,
                                dynamics=law)
        summ = (summarise_paths(game, a0, a1, lengths, coop, disc) if law is None
                else law.summaries(a0, a1, lengths, coop, disc))
        L = lengths.reshape(M, R, 1).astype(float)
        totals[:, start:stop] = summ["total"].reshape(M, R, 2)
        per_round[:, start:stop] = summ["total"].reshape(M, R, 2) / L
        coop_share[:, start:stop] = summ["coop_rounds_player"].reshape(M, R, 2) / L
        done += M * R * max_rounds
        if progress is not None:
            progress(done, total_units)

    # ---- aggregate
    pw_sum = np.zeros((k, k))
    pw_sq = np.zeros((k, k))
    pw_n = np.zeros((k, k))
    coop_num = np.zeros(k)
    coop_den = np.zeros(k)
    wins = np.zeros(k, dtype=np.int64)
    for m, (a, b) in enumerate(pairs):
        pr = per_round[m]
        if a == b:
            v = pr.mean(axis=1)
            pw_sum[a, a] += v.mean()
            pw_sq[a, a] += v.var()
            pw_n[a, a] += 1
        else:
            pw_sum[a, b] += pr[:, 0].mean()
            pw_sq[a, b] += pr[:, 0].var()
            pw_n[a, b] += 1
            pw_sum[b, a] += pr[:, 1].mean()
            pw_sq[b, a] += pr[:, 1].var()
            pw_n[b, a] += 1
            if symmetric:  # the same scale on both sides: compare within the match
                wins[a] += int((totals[m, :, 0] > totals[m, :, 1]).sum())
                wins[b] += int((totals[m, :, 1] > totals[m, :, 0]).sum())
        coop_num[a] += coop_share[m, :, 0].sum()
        coop_num[b] += coop_share[m, :, 1].sum()
        coop_den[a] += repetitions
        coop_den[b] += repetitions
    with np.errstate(invalid="ignore", divide="ignore"):
        pairwise = pw_sum / pw_n
        pairwise_std = np.sqrt(pw_sq / pw_n)
    mean_payoff = np.nanmean(np.where(pw_n > 0, pairwise, np.nan), axis=1) if k > 1 or self_play else np.zeros(k)
    cooperation = coop_num / np.maximum(coop_den, 1)
    roles = None if symmetric else role_scores(pairs, per_round, coop_share, k)
    if roles is not None:
        wins = roles.wins.sum(axis=0)
    rank_key = mean_payoff if roles is None else roles.score
    ranking = tuple(int(i) for i in sorted(range(k), key=lambda i: (-rank_key[i], i)))
    return TournamentResult(
        strategies=tuple(specs),
        strategy_info=tuple(s.to_dict() for s in strats),
        player_ids=tuple(game.player_ids),  # type: ignore[arg-type]
        settings=settings,
        self_play=bool(self_play),
        symmetric=symmetric,
        matches=matches,
        per_round=per_round,
        coop_share=coop_share,
        pairwise=pairwise,
        pairwise_std=pairwise_std,
        mean_payoff=mean_payoff,
        cooperation=cooperation,
        wins=wins,
        ranking=ranking,
        game=game,
        roles=roles,
    )
