"""The match engine: repeated play of a stage game, vectorised over replicates (and matches).

Every round, each strategy is asked once for the actions of *all* the replicates (and, in a
tournament, all the matches) in which it sits on a given side; the engine then applies
implementation noise (an intended move replaced by a uniformly random *other* action, which in
a 2×2 game is Axelrod's flip), perception noise (each side misreads the other's move the same
way, independently), and records the actions. Payoffs, discounting and summaries are computed
afterwards on whole arrays.

Random numbers are counter-based: a 64-bit hash of (seed, match, replicate, side, round, stream).
A replicate's path therefore does not depend on how many replicates run beside it or how they
are chunked: ``play(..., replicates=1000)`` row ``r`` equals the same run chunked one by one.

Memory limits (documented, enforced with :class:`~sim.errors.InputError`):

* ``rounds`` (or ``max_rounds`` with a continuation probability) at most :data:`MAX_ROUNDS`;
* ``replicates`` at most :data:`MAX_REPLICATES`; they run in chunks of about
  :data:`CHUNK_CELLS` replicate-rounds (~60 bytes each while a chunk runs);
* stored paths (``paths=True``) at most :data:`MAX_PATH_CELLS` replicate-rounds (4 bytes each);
  summaries alone need ~100 bytes per replicate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from sim._random import (
    counter_bits,
    match_key,
    round_salt,
    row_keys,
    side_keys,
    uniform,
)
from sim.errors import InputError
from sim.model.game import StageGame
from sim.repeated.context import PlayerContext
from sim.repeated.kernels import kernels, kernels_for, loaded_kernels
from sim.repeated.match import MatchResult
from sim.repeated.settings import MAX_REPLICATES, MAX_ROUNDS, PlaySettings
from sim.repeated.strategies import get_strategy
from sim.repeated.strategy import Observation, Strategy

__all__ = [
    "MatchResult",
    "play",
    "play_replicates",
    "simulate_block",
    "MAX_ROUNDS",
    "MAX_REPLICATES",
    "MAX_PATH_CELLS",
    "CHUNK_CELLS",
]

MAX_PATH_CELLS = 50_000_000
CHUNK_CELLS = 1_000_000

_STREAM_IMPL, _STREAM_PERC, _STREAM_LEN = 1, 2, 3


def _noisy(actions: np.ndarray, keys: np.ndarray, t: int, stream: int, n: "int | np.ndarray", prob: float) -> np.ndarray:
    """Replace each action with probability ``prob`` by a uniformly random other action of ``n``."""
    scalar_n = np.ndim(n) == 0
    if prob <= 0.0 or (scalar_n and n < 2):
        return actions
    threshold = np.uint64(min(int(prob * 4294967296.0), 4294967296))
    bits = counter_bits(keys, t, stream)
    hit = (bits >> np.uint64(32)) < threshold
    if scalar_n and n == 2:
        return actions ^ hit
    nn = np.asarray(n, dtype=np.int64)
    shift = (((bits & np.uint64(0xFFFFFFFF)) * np.maximum(nn - 1, 0).astype(np.uint64)) >> np.uint64(32)).astype(np.int64) + 1
    return np.where(hit & (nn > 1), (actions + shift) % np.maximum(nn, 1), actions)


def match_lengths(keys: np.ndarray, rounds: int | None, continuation: float | None, max_rounds: int) -> np.ndarray:
    """Rounds played per row: fixed, or geometric with continuation probability ``w``."""
    if continuation is None:
        return np.full(len(keys), int(rounds), dtype=np.int64)
    if continuation <= 0.0:
        return np.ones(len(keys), dtype=np.int64)
    if continuation >= 1.0:
        return np.full(len(keys), max_rounds, dtype=np.int64)
    u = 1.0 - uniform(keys, 0, _STREAM_LEN)  # (0, 1]
    extra = np.floor(np.log(u) / math.log(continuation))
    return np.minimum(1 + extra, max_rounds).astype(np.int64)


@dataclass
class _Group:
    strategy: Strategy
    lo: int
    hi: int
    obs: Observation


def contexts_symmetric(c0: PlayerContext, c1: PlayerContext) -> bool:
    """Whether both sides see the game identically (one context can serve both seats)."""
    return (
        c0.payoff.shape == c1.payoff.shape
        and np.array_equal(c0.payoff, c1.payoff)
        and c0.labels_own == c1.labels_own
        and c0.coop_own == c1.coop_own
        and c0.max_own == c1.max_own
        and np.array_equal(c0.ladder, c1.ladder)
        and np.array_equal(c0.mirror, c1.mirror)
        and np.array_equal(c0.hostility_own, c1.hostility_own)
    )


def simulate_block(
    game: StageGame,
    strategies: Sequence[Strategy],
    s0: np.ndarray,
    s1: np.ndarray,
    keys: np.ndarray,
    lengths: np.ndarray,
    *,
    noise: float = 0.0,
    perception_noise: float = 0.0,
    cooperative: tuple[int, int],
    contexts: tuple[PlayerContext, PlayerContext] | None = None,
    on_round: Callable[[int], None] | None = None,
    dynamics: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Play one block of matches; return the actions of both sides, each ``(N, T)``.

    Row ``r`` is a match between ``strategies[s0[r]]`` (row player) and ``strategies[s1[r]]``
    (column player) with random key ``keys[r]``, played for ``T = lengths.max()`` rounds (the
    caller ignores rounds past a row's own length). The ``2N`` seats are sorted into groups of
    one strategy and one point of view (a side; in a symmetric game both sides share one), and
    each strategy is asked once per round per group for all its seats.

    ``dynamics`` (a :class:`~sim.repeated.dynamic_play.StateLaw`) makes the game one with state: it
    gives each row's initial state and, after every round, the next state from the actions played;
    strategies see it as ``obs.state``, and ``dynamics.path`` holds the ``(N, T + 1)`` states.
    """
    N = len(s0)
    T = int(lengths.max()) if N else 0
    ctx0, ctx1 = contexts or (PlayerContext.build(game, 0, cooperative), PlayerContext.build(game, 1, cooperative))
    shared = contexts_symmetric(ctx0, ctx1)
    n0, n1 = ctx0.n_own, ctx1.n_own
    seat_strat = np.concatenate([np.asarray(s0, dtype=np.int64), np.asarray(s1, dtype=np.int64)])
    seat_view = np.zeros(2 * N, dtype=np.int64) if shared else np.repeat([0, 1], N)
    gid = seat_strat * 2 + seat_view
    order = np.argsort(gid, kind="stable")  # position -> seat
    pos = np.empty(2 * N, dtype=np.int64)
    pos[order] = np.arange(2 * N)  # seat -> position
    opp_pos = pos[(order + N) % (2 * N)]  # position -> opponent's position
    seat_keys = np.concatenate([side_keys(keys, 0), side_keys(keys, 1)])[order]
    side_of = (order >= N)
    n_own = np.where(side_of, n1, n0) if n0 != n1 else n0
    n_opp = np.where(side_of, n0, n1) if n0 != n1 else n0
    dtype = np.int16 if max(n0, n1) < 32000 else np.int32
    Act = np.empty((T, 2 * N), dtype=dtype)  # actual actions by position
    Per = np.empty((T, 2 * N), dtype=dtype)  # the opponent's action as perceived, by position
    if dynamics is not None:
        St = dynamics.start(keys, T)  # (T + 1, N) by row
        StPos = np.empty((T + 1, 2 * N), dtype=St.dtype)  # the state each seat sees, by position
        row_of_pos = order % N
        StPos[0] = St[0][row_of_pos]
    groups: list[_Group] = []
    sorted_gid = gid[order]
    bounds = np.flatnonzero(np.diff(sorted_gid)) + 1
    starts = np.concatenate([[0], bounds]).tolist()
    ends = np.concatenate([bounds, [2 * N]]).tolist()
    for lo, hi in zip(starts, ends):
        if hi > lo:
            view = int(sorted_gid[lo] % 2)
            ctx = ctx0 if (shared or view == 0) else ctx1
            obs = (Observation(ctx, Act[:, lo:hi].T, Per[:, lo:hi].T, seat_keys[lo:hi]) if dynamics is None else
                   Observation(ctx, Act[:, lo:hi].T, Per[:, lo:hi].T, seat_keys[lo:hi], dynamics.game,
                               StPos[:, lo:hi].T))
            groups.append(_Group(strategies[int(sorted_gid[lo] // 2)], lo, hi, obs))
    act = np.empty(2 * N, dtype=np.int64)
    compiled = kernels_for(2 * N * T)  # numpy until numba pays for its start-up: the same numbers
    if compiled is not None:
        n_own_arr = np.broadcast_to(np.asarray(n_own, dtype=np.int64), (2 * N,)).copy()
        n_opp_arr = np.broadcast_to(np.asarray(n_opp, dtype=np.int64), (2 * N,)).copy()
        thr_i = np.uint64(min(int(noise * 4294967296.0), 4294967296))
        thr_p = np.uint64(min(int(perception_noise * 4294967296.0), 4294967296))
    for t in range(T):
        for g in groups:
            g.obs.t = t
            act[g.lo : g.hi] = g.strategy.act(g.obs)
        if compiled is not None:
            compiled.step(act, seat_keys, round_salt(t, _STREAM_IMPL), thr_i, n_own_arr, opp_pos,
                          round_salt(t, _STREAM_PERC), thr_p, n_opp_arr, Act[t], Per[t])
        else:
            a = _noisy(act, seat_keys, t, _STREAM_IMPL, n_own, noise)
            Act[t] = a
            Per[t] = _noisy(a[opp_pos], seat_keys, t, _STREAM_PERC, n_opp, perception_noise)
        if dynamics is not None:
            St[t + 1] = dynamics.step(t, St[t], Act[t][pos[:N]], Act[t][pos[N:]], keys)
            StPos[t + 1] = St[t + 1][row_of_pos]
        if on_round is not None:
            on_round(t)
    if dynamics is not None:
        dynamics.path = St.T
    out = Act.T
    return out[pos[:N]], out[pos[N:]]


# ----------------------------------------------------------------------------- summaries
def summarise_paths(
    game: StageGame,
    a0: np.ndarray,
    a1: np.ndarray,
    lengths: np.ndarray,
    cooperative: tuple[int, int],
    discount: tuple[float, float],
    *,
    compiled: bool | None = None,
) -> dict[str, np.ndarray]:
    """Per-row totals, discounted totals, cooperation counts and first breakdown round.

    Uses the compiled kernel if loaded (``compiled=None``; :func:`simulate_block` loads it when it
    pays), else numpy; both add up in the same order, so they agree bit for bit.
    """
    N, T = a0.shape
    kernel = loaded_kernels() if compiled is None else kernels() if compiled else None
    if kernel is not None:
        w0 = np.asarray(discount[0], float) ** np.arange(T)
        w1 = np.asarray(discount[1], float) ** np.arange(T)
        out = kernel.summarise(np.ascontiguousarray(a0), np.ascontiguousarray(a1), np.asarray(lengths, np.int64),
                               np.ascontiguousarray(game.A, dtype=float), np.ascontiguousarray(game.B, dtype=float),
                               w0, w1, int(cooperative[0]), int(cooperative[1]))
        keys = ("total", "discounted", "coop_rounds", "coop_rounds_player", "first_breakdown", "round_payoff_sum",
                "round_coop_sum", "round_active")
        return dict(zip(keys, out))
    n = game.shape[1]
    flat = a0.astype(np.int32 if game.A.size < 2**31 else np.int64)
    flat *= n
    flat += a1
    u0, u1 = np.ravel(game.A)[flat], np.ravel(game.B)[flat]
    if N and not (lengths == T).all():
        active = np.arange(T)[None, :] < lengths[:, None]
        u0, u1 = np.where(active, u0, 0.0), np.where(active, u1, 0.0)
    out = summaries_from_payoffs(u0, u1, a0, a1, lengths, cooperative, discount)
    if N and T:  # the kernel's order: left to right over rounds, then over rows (cumsum adds in sequence)
        w0 = np.asarray(discount[0], float) ** np.arange(T)
        w1 = np.asarray(discount[1], float) ** np.arange(T)
        out["total"] = np.column_stack([np.cumsum(u0, axis=1)[:, -1], np.cumsum(u1, axis=1)[:, -1]])
        out["discounted"] = np.column_stack([np.cumsum(u0 * w0, axis=1)[:, -1], np.cumsum(u1 * w1, axis=1)[:, -1]])
        out["round_payoff_sum"] = np.column_stack([np.cumsum(u0, axis=0)[-1], np.cumsum(u1, axis=0)[-1]])
    return out


def summaries_from_payoffs(u0: np.ndarray, u1: np.ndarray, a0: np.ndarray, a1: np.ndarray, lengths: np.ndarray,
                           cooperative: tuple[int, int], discount: tuple[float, float]) -> dict[str, np.ndarray]:
    """The summaries of :func:`summarise_paths` from each row's stage payoffs ``u0``, ``u1`` ``(N, T)``
    (games with state compute those from the state path)."""
    N, T = a0.shape
    fixed = bool(N) and bool((lengths == T).all())
    active = None if fixed else np.arange(T)[None, :] < lengths[:, None]
    if active is not None:
        u0 *= active
        u1 *= active
    w0 = np.asarray(discount[0], float) ** np.arange(T)
    w1 = np.asarray(discount[1], float) ** np.arange(T)
    c0 = a0 == cooperative[0]
    c1 = a1 == cooperative[1]
    if active is not None:
        c0 &= active
        c1 &= active
    both = c0 & c1
    broken = ~both if active is None else active & ~both
    first = np.where(broken.any(axis=1), broken.argmax(axis=1), -1)
    round_active = np.full(T, N, dtype=np.int64) if active is None else active.sum(axis=0)
    return {
        "total": np.column_stack([u0.sum(axis=1), u1.sum(axis=1)]),
        "discounted": np.column_stack([u0 @ w0, u1 @ w1]),
        "coop_rounds": both.sum(axis=1),
        "coop_rounds_player": np.column_stack([c0.sum(axis=1), c1.sum(axis=1)]),
        "first_breakdown": first,
        "round_payoff_sum": np.column_stack([u0.sum(axis=0), u1.sum(axis=0)]),
        "round_coop_sum": both.sum(axis=0),
        "round_active": round_active,
    }


# ----------------------------------------------------------------------------- public entry
def resolve_pair(game: StageGame, strategies: Any) -> tuple[Strategy, Strategy]:
    """Two strategies from a pair of specs/instances or a ``{player_id: spec}`` mapping."""
    if isinstance(strategies, Mapping):
        unknown = sorted(set(strategies) - set(game.player_ids))
        if unknown:
            raise InputError(f"no player {unknown[0]!r} (players: {', '.join(game.player_ids)})", key="strategy")
        missing = [pid for pid in game.player_ids if pid not in strategies]
        if missing:
            raise InputError(f"no strategy for player {missing[0]!r}", key="strategy")
        strategies = [strategies[pid] for pid in game.player_ids]
    if isinstance(strategies, (str, Strategy)) or len(strategies) != 2:
        raise InputError("give one strategy per player", key="strategy")
    return get_strategy(strategies[0]), get_strategy(strategies[1])


def play(
    game: StageGame,
    strategies: Any,
    *,
    rounds: int | None = None,
    continuation: float | None = None,
    max_rounds: int = 10_000,
    replicates: int = 1,
    noise: float = 0.0,
    perception_noise: float = 0.0,
    discount: "float | Sequence[float] | None" = None,
    cooperative: Any = None,
    seed: "int | np.random.Generator | None" = None,
    paths: bool = True,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> MatchResult:
    """Play a repeated match ``replicates`` times at once.

    Parameters
    ----------
    game : the stage game.
    strategies : ``(row, col)`` specs or :class:`~sim.repeated.strategies.Strategy` instances, or
        ``{player_id: spec}``.
    rounds : fixed number of rounds; or give ``continuation`` (probability of another round)
        and ``max_rounds`` (cap).
    replicates : independent replicates (≤ :data:`MAX_REPLICATES`).
    noise : implementation noise: probability an intended move is replaced by a random other one.
    perception_noise : probability each side misreads the other's move (as a random other one).
    discount : per-round δ (one or per player); default ``game.discount``.
    cooperative : the cooperative profile (indices, labels, ``{player_id: label}``); default
        the scenario's, else the game's, else the least hostile actions.
    seed : int, numpy Generator, or None (fresh entropy; the key used is recorded).
    paths : keep every replicate's path (``actions``); ≤ :data:`MAX_PATH_CELLS` replicate-rounds.
    chunk_size : replicates per chunk (default: about :data:`CHUNK_CELLS` replicate-rounds).
    progress : called with the number of replicates finished after each chunk.

    Returns
    -------
    MatchResult
    """
    s = resolve_pair(game, strategies)
    settings = PlaySettings.check(game, rounds=rounds, continuation=continuation, max_rounds=max_rounds,
                                  replicates=replicates, noise=noise, perception_noise=perception_noise,
                                  discount=discount, cooperative=cooperative, seed=seed)
    return MatchResult(
        game=game, strategies=(s[0].spec, s[1].spec), strategy_info=(s[0].to_dict(), s[1].to_dict()),
        player_ids=tuple(game.player_ids), settings=settings,  # type: ignore[arg-type]
        **play_replicates(game, s, settings, paths=paths, chunk_size=chunk_size, progress=progress),
    )


def play_replicates(
    game: StageGame,
    pair: tuple[Strategy, Strategy],
    settings: PlaySettings,
    *,
    paths: bool = True,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    new_law: Callable[[], Any] | None = None,
    on_chunk: Callable[[int, int, np.ndarray, Any], None] | None = None,
) -> dict[str, Any]:
    """The replicates of one match, chunk by chunk: the :class:`MatchResult` fields that depend on play.

    The loop of :func:`play` and :func:`~sim.repeated.dynamic_play.play_dynamic`. ``new_law`` makes a
    fresh state law per chunk (a game with state; see :func:`simulate_block`), whose ``summaries``
    take the payoffs in each round's state; ``on_chunk(start, stop, lengths, law)`` then sees each chunk.
    """
    horizon, R = settings.max_rounds, settings.replicates
    if paths and R * horizon > MAX_PATH_CELLS:
        raise InputError(
            f"paths for {R} replicates x {horizon} rounds exceed {MAX_PATH_CELLS:,} replicate-rounds; "
            "use paths=False (summaries only) or fewer replicates", key="paths")
    if chunk_size is None:
        chunk_size = max(1, CHUNK_CELLS // horizon)
    coop, disc = settings.cooperative, settings.discount
    ctxs = (PlayerContext.build(game, 0, coop), PlayerContext.build(game, 1, coop))
    pieces: dict[str, list] = {}
    T_max = 0
    acts_store = np.full((R, horizon, 2), -1, dtype=np.int16 if max(game.shape) < 32000 else np.int32) if paths else None
    round_pay = np.zeros((horizon, 2))
    round_coop = np.zeros(horizon)
    round_act = np.zeros(horizon, dtype=np.int64)
    for start in range(0, R, chunk_size):
        stop = min(R, start + chunk_size)
        reps = np.arange(start, stop)
        keys = row_keys(settings.seed_key, np.full(len(reps), match_key(pair[0].spec, pair[1].spec), dtype=np.int64),
                        reps)
        lengths = match_lengths(keys, settings.rounds, settings.continuation, settings.max_rounds)
        zeros = np.zeros(len(reps), dtype=np.int64)
        law = None if new_law is None else new_law()
        a0, a1 = simulate_block(game, [pair[0], pair[1]], zeros, zeros + 1, keys, lengths, noise=settings.noise,
                                perception_noise=settings.perception_noise, cooperative=coop, contexts=ctxs,
                                dynamics=law)
        summ = (summarise_paths(game, a0, a1, lengths, coop, disc) if law is None
                else law.summaries(a0, a1, lengths, coop, disc))
        for k in ("total", "discounted", "coop_rounds", "coop_rounds_player", "first_breakdown"):
            pieces.setdefault(k, []).append(summ[k])
        pieces.setdefault("length", []).append(lengths)
        T = a0.shape[1]
        T_max = max(T_max, T)
        round_pay[:T] += summ["round_payoff_sum"]
        round_coop[:T] += summ["round_coop_sum"]
        round_act[:T] += summ["round_active"]
        if acts_store is not None:
            active = np.arange(T)[None, :] < lengths[:, None]
            acts_store[start:stop, :T, 0] = np.where(active, a0, -1)
            acts_store[start:stop, :T, 1] = np.where(active, a1, -1)
        if on_chunk is not None:
            on_chunk(start, stop, lengths, law)
        if progress is not None:
            progress(stop)
    cat = {k: np.concatenate(v) for k, v in pieces.items()}
    with np.errstate(invalid="ignore", divide="ignore"):
        rp = round_pay[:T_max] / np.maximum(round_act[:T_max], 1)[:, None]
        rc = round_coop[:T_max] / np.maximum(round_act[:T_max], 1)
    return {**cat, "round_payoff": rp, "round_cooperation": rc, "round_active": round_act[:T_max],
            "actions": None if acts_store is None else acts_store[:, :T_max]}
