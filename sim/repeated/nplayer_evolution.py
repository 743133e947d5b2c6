"""Evolution for games of three or more players: one population per seat.

Every seat (player) ``k`` has its own population, a mix ``x_k`` over the same strategy list. A
strategy's fitness in seat ``k`` is its expected payoff per round there when every other seat ``j``
plays its population's mix, a multilinear function of the mixes:

    ``f_k(s) = Σ_{s_j, j≠k} T[k][s_0, …, s_k = s, …, s_{N-1}] Π_{j≠k} x_j(s_j)``

with ``T[k]`` seat ``k``'s mean payoff per round in each seat assignment (:func:`seat_payoffs`,
from an N-player round robin played with self-play, every strategy in every seat). Weibull (1995),
*Evolutionary Game Theory*, ch. 5, and Hofbauer and Sigmund (1998), ch. 10, give the
multi-population dynamics; with two seats they are those of :mod:`sim.repeated.evolution_two`.

* :func:`replicator_n` — ``x_{k,s}' = x_{k,s} (f_k(s) - x_k·f_k)`` for every seat, integrated with
  :func:`scipy.integrate.solve_ivp` on log-shares (shares stay on each simplex however large the
  payoffs); ``one_population=True`` evolves one mix for all seats, each individual sitting in each
  seat equally often (fitness: the mean over seats, everyone else playing the same mix).
* :func:`moran_n` — a Moran birth–death process in ``N`` finite populations, vectorised over runs:
  each step one population, drawn uniformly, has one birth (proportional to count × fitness against
  the other populations' current counts) and one uniform death. Fixation probabilities per seat
  come with a Wilson interval (:func:`sim.repeated.evolution.wilson_interval`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Sequence

import numpy as np

from sim._random import resolve_seed
from sim.errors import InputError
from sim.repeated.evolution import (
    MAX_MORAN_CELLS,
    MAX_MORAN_REPLICATES,
    _initial_shares,
    initial_counts,
)
from sim.repeated.evolution_two import TwoMoranResult, TwoReplicatorResult, _fitness
from sim.repeated.settings import check_count, check_probability

__all__ = ["NReplicatorResult", "NMoranResult", "replicator_n", "moran_n", "seat_payoffs", "seat_fitness"]


def seat_payoffs(source: Any, strategies: Sequence[str] | None = None,
                 player_ids: Sequence[str] | None = None) -> tuple[np.ndarray, tuple[str, ...], tuple[str, ...]]:
    """``(T, names, player ids)``: ``T[k][s_0, …, s_{N-1}]`` is seat ``k``'s mean payoff per round.

    ``source`` is an :class:`~sim.repeated.nplayer_tournament.NPlayerTournamentResult` played with
    self-play (all ``k**N`` assignments; the mean over its replicates), or an array of shape
    ``(N, k, …, k)`` (``N`` axes of length ``k`` after the first).
    """
    if hasattr(source, "matches") and hasattr(source, "per_round") and hasattr(source, "strategies"):
        names, ids = tuple(source.strategies), tuple(source.player_ids)
        k, N = len(names), len(ids)
        if not source.self_play or len(source.matches) != k ** N:
            raise InputError("evolution needs every seat assignment: play the tournament with self-play",
                             key="self_play")
        T = np.full((N,) + (k,) * N, np.nan)
        match_mean = np.asarray(source.per_round, float).mean(axis=1)  # (M, N)
        for p in range(N):
            T[p][tuple(np.asarray(source.matches).T)] = match_mean[:, p]
    else:
        T = np.asarray(source, float)
        if T.ndim < 3 or T.shape[0] != T.ndim - 1 or len(set(T.shape[1:])) != 1:
            raise InputError(f"seat payoffs must have shape (N, k, ..., k) with N axes of length k, got {T.shape}",
                             key="payoff")
        N, k = T.shape[0], T.shape[1]
        names = tuple(strategies) if strategies is not None else tuple(f"s{i}" for i in range(k))
        ids = tuple(player_ids) if player_ids is not None else tuple(f"p{i + 1}" for i in range(N))
    if len(names) != T.shape[1]:
        raise InputError(f"one name per strategy: {len(names)} names for {T.shape[1]} strategies", key="strategies")
    if len(ids) != T.shape[0]:
        raise InputError(f"one id per seat: {len(ids)} ids for {T.shape[0]} seats", key="player_ids")
    if not np.isfinite(T).all():
        raise InputError("seat payoffs have missing or non-finite entries", key="payoff")
    return T, names, ids  # type: ignore[return-value]


def seat_fitness(T: np.ndarray, mixes: np.ndarray) -> np.ndarray:
    """``(..., N, k)`` fitness of each strategy in each seat against the other seats' ``mixes`` ``(..., N, k)``."""
    N = T.shape[0]
    X = np.asarray(mixes, float)
    batch = X.shape[:-2]
    Xb = X.reshape((-1,) + X.shape[-2:])
    out = np.empty_like(Xb)
    b = N  # sublist index of the batch axis
    for p in range(N):
        ops: list[Any] = [T[p], list(range(N))]
        for j in range(N):
            if j != p:
                ops += [Xb[:, j], [b, j]]
        out[:, p] = np.einsum(*ops, [b, p], optimize=True)
    return out.reshape(batch + X.shape[-2:])


def _population_fitness(T: np.ndarray, X: np.ndarray, one: bool) -> np.ndarray:
    """Fitness ``(R, P, k)`` for mixes ``(R, P, k)``; one population: everyone plays ``X[:, 0]`` in every seat."""
    if not one:
        return seat_fitness(T, X)
    full = np.repeat(X, T.shape[0], axis=1)
    return seat_fitness(T, full).mean(axis=1, keepdims=True)


def _per_population(initial: Any, P: int, k: int) -> list[Any]:
    """``initial`` split into one entry per population (``None`` entries: the default)."""
    if initial is None:
        return [None] * P
    if isinstance(initial, dict):
        unknown = [key for key in initial if not (isinstance(key, (int, np.integer)) and 0 <= key < P)]
        if unknown:
            raise InputError(f"initial names unknown population {unknown[0]!r} (0..{P - 1})", key="initial")
        return [initial.get(p) for p in range(P)]
    arr = np.asarray(initial, float)
    if P == 1 and arr.shape == (k,):
        return [arr]
    if arr.shape != (P, k):
        raise InputError(f"initial must give {k} numbers for each of the {P} populations, got shape {arr.shape}",
                         key="initial")
    return list(arr)


def _pop_ids(ids: tuple[str, ...], one: bool) -> tuple[str, ...]:
    return ("all",) if one else ids


@dataclass(frozen=True, eq=False)
class NReplicatorResult(TwoReplicatorResult):
    """N-population replicator dynamics and how they were run.

    Attributes
    ----------
    strategies : names (the same list in every seat).
    player_ids : the seats; ``populations`` the evolving populations (the seats, or ``("all",)``).
    payoff : ``(N, k, …, k)`` seat payoffs used.
    initial : ``(P, k)`` initial shares per population.
    times : ``(n,)`` time points.
    shares : ``(n, P, k)`` shares per population at each time point (each population's sum to 1).
    t_max, method : integration span and solver.
    """

    player_ids: tuple[str, ...]
    one_population: bool = False

    axis_name: ClassVar[str] = "seat"
    lists_populations: ClassVar[bool] = True

    @property
    def populations(self) -> tuple[str, ...]:
        """The evolving populations: the seats, or ``("all",)`` with one shared population."""
        return _pop_ids(self.player_ids, self.one_population)


def replicator_n(
    payoff: Any,
    *,
    strategies: Sequence[str] | None = None,
    player_ids: Sequence[str] | None = None,
    initial: Any = None,
    one_population: bool = False,
    t_max: float = 100.0,
    n_points: int = 201,
    method: str = "RK45",
    rtol: float = 1e-8,
    atol: float = 1e-10,
) -> NReplicatorResult:
    """Integrate the N-population replicator dynamics from ``initial`` (default: equal shares).

    Parameters
    ----------
    payoff : an N-player tournament played with self-play, or a ``(N, k, …, k)`` array of seat payoffs.
    initial : ``(N, k)`` shares per seat (each normalised; ``(k,)`` with ``one_population``), a
        ``{seat index: shares}`` mapping, or ``None``.
    one_population : one mix for every seat (a symmetric game's single population).
    t_max, n_points, method, rtol, atol : as in :func:`sim.repeated.evolution.replicator`.
    """
    from scipy.integrate import solve_ivp

    T, names, ids = seat_payoffs(payoff, strategies, player_ids)
    k = T.shape[1]
    P = 1 if one_population else T.shape[0]
    x0 = np.stack([_initial_shares(x, k) for x in _per_population(initial, P, k)])
    if not (t_max > 0) or not isinstance(n_points, (int, np.integer)) or n_points < 2:
        raise InputError("t_max must be positive and n_points an integer >= 2", key="t_max")
    support = x0 > 0
    bounds = np.concatenate([[0], np.cumsum(support.sum(axis=1))])

    def unpack(z: np.ndarray) -> np.ndarray:
        X = np.zeros((P, k))
        for p in range(P):
            zp = z[bounds[p]:bounds[p + 1]]
            e = np.exp(zp - zp.max())
            X[p, support[p]] = e / e.sum()
        return X

    def rhs(_t: float, z: np.ndarray) -> np.ndarray:
        X = unpack(z)
        F = _population_fitness(T, X[None], bool(one_population))[0]
        mean = (X * F).sum(axis=1, keepdims=True)
        return (F - mean)[support]

    times = np.linspace(0.0, float(t_max), int(n_points))
    sol = solve_ivp(rhs, (0.0, float(t_max)), np.log(x0[support]), t_eval=times, method=method, rtol=rtol, atol=atol)
    if not sol.success:  # pragma: no cover
        raise InputError(f"replicator integration failed: {sol.message}", key="replicator")
    shares = np.stack([unpack(z) for z in sol.y.T])
    return NReplicatorResult(names, ids, T, x0, sol.t, shares, float(t_max), method, bool(one_population))


@dataclass(frozen=True, eq=False)
class NMoranResult(TwoMoranResult):
    """Moran processes in N populations (one per seat), coupled through the payoffs; run many times.

    Attributes
    ----------
    strategies, player_ids : names and the seats; ``populations`` the evolving populations.
    payoff : ``(N, k, …, k)`` seat payoffs.
    population : individuals per population.
    initial_counts : ``(P, k)`` counts at step 0.
    selection, fitness_map, mutation : as in :class:`sim.repeated.evolution.MoranResult`.
    max_steps, replicates, seed, seed_key : the set-up.
    mean_shares : ``(steps + 1, P, k)`` mean share per population over runs at each step.
    final_counts : ``(replicates, P, k)`` counts at the end.
    fixation : ``(replicates, P)`` strategy that took over each population, -1 if none did.
    fixation_step : ``(replicates, P)`` step at which it did, -1 if none.
    """

    player_ids: tuple[str, ...]
    one_population: bool = False

    axis_name: ClassVar[str] = "seat"
    lists_populations: ClassVar[bool] = True

    @property
    def populations(self) -> tuple[str, ...]:
        """The evolving populations: the seats, or ``("all",)`` with one shared population."""
        return _pop_ids(self.player_ids, self.one_population)


def moran_n(
    payoff: Any,
    *,
    strategies: Sequence[str] | None = None,
    player_ids: Sequence[str] | None = None,
    population: int = 100,
    initial: Any = None,
    one_population: bool = False,
    selection: float = 1.0,
    fitness_map: str = "exp",
    mutation: float = 0.0,
    max_steps: int = 10_000,
    replicates: int = 100,
    seed: "int | np.random.Generator | None" = None,
    progress: Callable[[int, int], None] | None = None,
) -> NMoranResult:
    """Run N coupled Moran processes ``replicates`` times, until every population fixes or ``max_steps``.

    Each step one population ``p`` (uniformly drawn) revises: an individual of type ``s``
    reproduces with probability proportional to ``n_s F_s``, with ``F = exp(w (f - max f))`` or
    ``1 - w + w f`` of its payoff ``f`` against the other populations' shares (:func:`seat_fitness`),
    and its offspring (a uniformly random type with probability ``mutation``) replaces a uniformly
    random member of ``p``. So ``N`` populations need about ``N`` times the steps of one.

    Parameters
    ----------
    payoff : an N-player tournament played with self-play, or a ``(N, k, …, k)`` array of seat payoffs.
    population : individuals per population, ``>= 2``.
    initial : ``(P, k)`` counts (each row summing to ``population``) or shares; a ``{seat index:
        counts}`` mapping; ``None`` for equal shares.
    one_population, selection, fitness_map, mutation, max_steps, replicates, seed, progress : as in
        :func:`replicator_n` and :func:`sim.repeated.evolution.moran`.
    """
    T, names, ids = seat_payoffs(payoff, strategies, player_ids)
    k = T.shape[1]
    one = bool(one_population)
    P = 1 if one else T.shape[0]
    if isinstance(population, (bool, np.bool_)) or not isinstance(population, (int, np.integer)) or population < 2:
        raise InputError(f"population must be an integer >= 2, got {population!r}", key="population")
    if isinstance(max_steps, (bool, np.bool_)) or not isinstance(max_steps, (int, np.integer)) \
            or not 1 <= max_steps <= 10_000_000:
        raise InputError("max_steps must be an integer in 1..10,000,000", key="max_steps")
    replicates = check_count(replicates, "replicates", MAX_MORAN_REPLICATES)
    if (max_steps + 1) * P * k > MAX_MORAN_CELLS:
        raise InputError(f"{max_steps:,} steps x {P} populations x {k} strategies is too much to record; "
                         "give fewer steps", key="max_steps")
    if not selection >= 0:
        raise InputError(f"selection must be >= 0, got {selection}", key="selection")
    if fitness_map not in ("exp", "linear"):
        raise InputError("fitness_map must be 'exp' or 'linear'", key="fitness_map")
    mutation = check_probability(mutation, "mutation")
    counts0 = np.stack([initial_counts(x, k, population, key="initial")
                        for x in _per_population(initial, P, k)]).astype(np.int64)
    seed_value, seed_key = resolve_seed(seed)
    rng = np.random.default_rng(seed_key)
    R = replicates
    n = np.tile(counts0, (R, 1, 1))  # (R, P, k)
    mean_shares = np.empty((max_steps + 1, P, k))
    mean_shares[0] = counts0 / population
    fixation = np.full((R, P), -1, dtype=np.int64)
    fixation_step = np.full((R, P), -1, dtype=np.int64)
    mono = n.max(axis=2) == population  # a population that starts with one type has fixed at step 0
    fixation[mono] = n.argmax(axis=2)[mono]
    fixation_step[mono] = 0
    rows = np.arange(R)
    last = max_steps
    for step in range(1, max_steps + 1):
        u = rng.random((R, 4))
        pop = np.minimum((u[:, 0] * P).astype(np.int64), P - 1)
        f = _population_fitness(T, n / population, one)[rows, pop]  # (R, k): the revising population's
        counts = n[rows, pop]
        F = _fitness(f, selection, fitness_map, counts > 0)
        cdf = np.cumsum(counts * F, axis=1)
        birth = np.minimum((cdf < u[:, 1:2] * cdf[:, -1:]).sum(axis=1), k - 1)
        if mutation > 0:
            birth = np.where(u[:, 3] < mutation, rng.integers(0, k, R), birth)
        dcdf = np.cumsum(counts, axis=1)
        death = np.minimum((dcdf <= np.floor(u[:, 2] * population)[:, None]).sum(axis=1), k - 1)
        active = fixation[rows, pop] < 0 if mutation == 0 else np.ones(R, dtype=bool)
        np.add.at(n, (rows[active], pop[active], birth[active]), 1)
        np.add.at(n, (rows[active], pop[active], death[active]), -1)
        if mutation == 0:
            full = (n[rows, pop].max(axis=1) == population) & active
            fixation[rows[full], pop[full]] = n[rows[full], pop[full]].argmax(axis=1)
            fixation_step[rows[full], pop[full]] = step
        mean_shares[step] = n.mean(axis=0) / population
        if progress is not None and step % 100 == 0:
            progress(step, max_steps)
        if mutation == 0 and (fixation >= 0).all():
            last = step
            break
    return NMoranResult(
        strategies=names, player_ids=ids, payoff=T, population=int(population), initial_counts=counts0,
        selection=float(selection), fitness_map=fitness_map, mutation=mutation, max_steps=int(max_steps),
        replicates=int(R), seed=seed_value, seed_key=seed_key, mean_shares=mean_shares[: last + 1],
        final_counts=n, fixation=fixation, fixation_step=fixation_step, one_population=one,
    )
