"""The N-player match engine: repeated play of a :class:`~sim.model.nplayer.NormalFormGame`,
vectorised over replicates (and, in a tournament, over matches).

It follows the two-player engine (:mod:`sim.repeated.engine`) step for step: every round each
strategy is asked once per seat for all the rows it plays there; implementation noise replaces an
intended move, with probability ``noise``, by a uniformly random *other* action; every player then
sees the actions actually played. A horizon is a fixed number of rounds or a continuation
probability (a geometric length drawn per replicate, capped at ``max_rounds``).

Random numbers are the same counter-based streams (:mod:`sim._random`): a hash of (seed, match,
replicate, seat, round, stream), the match keyed by its specs in seat order. A replicate's path
does not depend on how many replicates run beside it, and a two-player game draws exactly the
numbers of the two-player engine, so it plays the same moves for the same seed, noise included.

Memory: stored paths are at most :data:`MAX_PATH_CELLS` replicate-round-player cells (2 bytes
each); replicates run in chunks of about :data:`CHUNK_CELLS` replicate-round-player cells
(~60 bytes each while a chunk runs).
"""

from __future__ import annotations

import zlib
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from sim._random import row_keys, side_keys
from sim.errors import InputError
from sim.model.nplayer import NormalFormGame
from sim.repeated.engine import _noisy, match_lengths
from sim.repeated.nplayer_context import (
    NObservation,
    NPlayerContext,
    check_nplayer_settings,
    profile_index,
)
from sim.repeated.nplayer_match import NPlayerMatchResult
from sim.repeated.nplayer_strategies import NStrategy, get_nstrategy
from sim.repeated.settings import PlaySettings

__all__ = ["play", "simulate_nblock", "summarise_moves", "resolve_seats", "nmatch_key", "NPlayerMatchResult",
           "MAX_PATH_CELLS", "CHUNK_CELLS"]

MAX_PATH_CELLS = 50_000_000
CHUNK_CELLS = 1_000_000
_STREAM_IMPL = 1  # the two-player engine's implementation-noise stream


def nmatch_key(specs: Sequence[str]) -> int:
    """Stable 32-bit id of a match (its specs in seat order); with two seats exactly
    :func:`sim._random.match_key`."""
    return zlib.crc32("\x00".join(specs).encode())


def resolve_seats(game: NormalFormGame, strategies: Any) -> list[NStrategy]:
    """One strategy per player from a sequence of specs/instances or ``{player id: spec}``."""
    ids = tuple(game.player_ids)
    if isinstance(strategies, Mapping):
        unknown = sorted(set(strategies) - set(ids))
        if unknown:
            raise InputError(f"no player {unknown[0]!r} (players: {', '.join(ids)})", key="strategy")
        missing = [pid for pid in ids if pid not in strategies]
        if missing:
            raise InputError(f"no strategy for player {missing[0]!r}", key="strategy")
        strategies = [strategies[pid] for pid in ids]
    if isinstance(strategies, (str, NStrategy)) or len(strategies) != len(ids):
        raise InputError(f"give one strategy for each of the {len(ids)} players", key="strategy")
    return [get_nstrategy(s) for s in strategies]


def contexts_for(game: NormalFormGame, cooperative: Sequence[int]) -> tuple[NPlayerContext, ...]:
    """Every seat's context around the cooperative profile."""
    return tuple(NPlayerContext.build(game, p, cooperative) for p in range(game.n_players))


def simulate_nblock(
    game: NormalFormGame,
    strategies: Sequence[NStrategy],
    seats: np.ndarray,
    keys: np.ndarray,
    lengths: np.ndarray,
    *,
    noise: float,
    contexts: Sequence[NPlayerContext],
) -> np.ndarray:
    """Play one block of matches; return every player's actions, ``(rows, T, N)``.

    Row ``r`` is a match in which seat ``p`` plays ``strategies[seats[r, p]]``, with random key
    ``keys[r]``, for ``T = lengths.max()`` rounds (rounds past a row's own length are ignored by
    the caller). Each (seat, strategy) group is asked once per round for all its rows.
    """
    R, N = seats.shape
    T = int(lengths.max()) if R else 0
    dtype = np.int16 if max(game.shape) < 32000 else np.int32
    hist = np.zeros((T, R, N), dtype=dtype)
    seat_keys = [side_keys(keys, p) for p in range(N)]
    groups = []
    for p in range(N):
        col = seats[:, p]
        kinds = np.unique(col)
        for s in kinds.tolist():
            rows: "slice | np.ndarray" = slice(None) if len(kinds) == 1 else np.flatnonzero(col == s)
            strategies[s].check(contexts[p])
            groups.append((p, rows, strategies[s], NObservation(contexts[p], hist, rows, seat_keys[p][rows])))
    intended = np.empty((R, N), dtype=np.int64)
    sizes = game.shape
    for t in range(T):
        for p, rows, strat, obs in groups:
            obs.t = t
            intended[rows, p] = strat.act(obs)
        for p in range(N):
            hist[t, :, p] = _noisy(intended[:, p], seat_keys[p], t, _STREAM_IMPL, sizes[p], noise)
    return np.swapaxes(hist, 0, 1)


def summarise_moves(game: NormalFormGame, moves: np.ndarray, lengths: np.ndarray, cooperative: Sequence[int],
                    discount: Sequence[float]) -> dict[str, np.ndarray]:
    """Per-row totals, discounted totals, cooperation counts and first breakdown; per-round sums.

    ``moves`` is ``(rows, T, N)``; rounds at or past a row's length count for nothing.
    """
    R, T, N = moves.shape
    active = np.arange(T)[None, :] < lengths[:, None]
    flat = profile_index(game, np.where(active[..., None], moves, 0))
    u = np.stack([np.ravel(P)[flat] for P in game.payoffs], axis=-1) * active[..., None]  # (R, T, N)
    w = np.stack([np.asarray(d, float) ** np.arange(T) for d in discount], axis=-1)  # (T, N)
    coop_p = (moves == np.asarray(cooperative)[None, None, :]) & active[..., None]
    everyone = coop_p.all(axis=2)
    broken = active & ~everyone
    return {
        "total": u.sum(axis=1),
        "discounted": (u * w[None]).sum(axis=1),
        "coop_rounds": everyone.sum(axis=1),
        "coop_rounds_player": coop_p.sum(axis=1),
        "first_breakdown": np.where(broken.any(axis=1), broken.argmax(axis=1), -1),
        "round_payoff_sum": u.sum(axis=0),
        "round_coop_sum": everyone.sum(axis=0),
        "round_active": active.sum(axis=0),
    }


def play(
    game: NormalFormGame,
    strategies: Any,
    *,
    rounds: int | None = None,
    continuation: float | None = None,
    max_rounds: int = 10_000,
    replicates: int = 1,
    noise: float = 0.0,
    discount: "float | Sequence[float] | Mapping[str, float] | None" = None,
    cooperative: Any = None,
    seed: "int | np.random.Generator | None" = None,
    paths: bool = True,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> NPlayerMatchResult:
    """Play a repeated N-player match ``replicates`` times at once.

    Parameters
    ----------
    game : the stage game (:class:`~sim.model.nplayer.NormalFormGame`, two or more players).
    strategies : one spec or :class:`~sim.repeated.nplayer_strategies.NStrategy` per player, in
        declaration order, or ``{player id: spec}``.
    rounds : fixed number of rounds; or ``continuation`` (probability of another round) and
        ``max_rounds`` (cap).
    replicates : independent replicates.
    noise : probability an intended move is replaced by a uniformly random other action.
    discount : per-round discount factor: one for all, one per player, or ``{player id: δ}``;
        default ``game.discount``.
    cooperative : the cooperative profile (N actions or ``{player id: action}``); default the
        game's, else each player's least hostile action.
    seed : int, numpy Generator or None (fresh entropy; the key used is recorded).
    paths : keep every replicate's moves (at most :data:`MAX_PATH_CELLS` cells).
    chunk_size : replicates per chunk; progress : called with replicates done after each chunk.

    Returns
    -------
    NPlayerMatchResult
    """
    seats = resolve_seats(game, strategies)
    settings = check_nplayer_settings(game, rounds=rounds, continuation=continuation, max_rounds=max_rounds,
                                      replicates=replicates, noise=noise, discount=discount,
                                      cooperative=cooperative, seed=seed)
    return NPlayerMatchResult(game=game, strategies=tuple(s.spec for s in seats),
                              strategy_info=tuple(s.to_dict() for s in seats), player_ids=tuple(game.player_ids),
                              settings=settings,
                              **play_replicates(game, seats, settings, paths=paths, chunk_size=chunk_size,
                                                progress=progress))


def play_replicates(game: NormalFormGame, seats: Sequence[NStrategy], settings: PlaySettings, *, paths: bool = True,
                    chunk_size: int | None = None, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """The replicates of one match, chunk by chunk: the result fields that depend on play."""
    N, R, horizon = game.n_players, settings.replicates, settings.max_rounds
    if paths and R * horizon * N > MAX_PATH_CELLS:
        raise InputError(f"paths for {R} replicates x {horizon} rounds x {N} players exceed {MAX_PATH_CELLS:,} "
                         "cells; use paths=False (summaries only) or fewer replicates", key="paths")
    if chunk_size is None:
        chunk_size = max(1, CHUNK_CELLS // (horizon * N))
    ctxs = contexts_for(game, settings.cooperative)
    mkey = nmatch_key([s.spec for s in seats])
    store = np.full((R, horizon, N), -1, dtype=np.int16 if max(game.shape) < 32000 else np.int32) if paths else None
    pieces: dict[str, list] = {}
    round_pay, round_coop = np.zeros((horizon, N)), np.zeros(horizon)
    round_act = np.zeros(horizon, dtype=np.int64)
    T_max = 0
    for start in range(0, R, chunk_size):
        stop = min(R, start + chunk_size)
        reps = np.arange(start, stop)
        keys = row_keys(settings.seed_key, np.full(len(reps), mkey, dtype=np.int64), reps)
        lengths = match_lengths(keys, settings.rounds, settings.continuation, settings.max_rounds)
        moves = simulate_nblock(game, seats, np.tile(np.arange(N), (len(reps), 1)), keys, lengths,
                                noise=settings.noise, contexts=ctxs)
        summ = summarise_moves(game, moves, lengths, settings.cooperative, settings.discount)
        for k in ("total", "discounted", "coop_rounds", "coop_rounds_player", "first_breakdown"):
            pieces.setdefault(k, []).append(summ[k])
        pieces.setdefault("length", []).append(lengths)
        T = moves.shape[1]
        T_max = max(T_max, T)
        round_pay[:T] += summ["round_payoff_sum"]
        round_coop[:T] += summ["round_coop_sum"]
        round_act[:T] += summ["round_active"]
        if store is not None:
            active = np.arange(T)[None, :, None] < lengths[:, None, None]
            store[start:stop, :T] = np.where(active, moves, -1)
        if progress is not None:
            progress(stop)
    cat = {k: np.concatenate(v) for k, v in pieces.items()}
    denom = np.maximum(round_act[:T_max], 1)
    return {**cat, "round_payoff": round_pay[:T_max] / denom[:, None], "round_cooperation": round_coop[:T_max] / denom,
            "round_active": round_act[:T_max], "moves": None if store is None else store[:, :T_max]}
