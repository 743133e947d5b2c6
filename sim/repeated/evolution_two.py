"""Two-population evolution for games whose sides differ: one population per side.

Each side's strategies earn their fitness against the *other* side's mix, on their own side's
payoff scale, never against their own side (Weibull 1995, *Evolutionary Game Theory*, ch. 5; Hofbauer
and Sigmund 1998, ch. 10):

* :func:`replicator_two` — the two-population replicator dynamics
  ``x_i' = x_i ((R y)_i - x·R y)``, ``y_j' = y_j ((C x)_j - y·C x)``, with ``R[a, b]`` the row
  side's mean payoff per round of strategy ``a`` against ``b`` and ``C[b, a]`` the column side's
  (:attr:`sim.repeated.tournament_roles.RoleScores.pairwise`);
* :func:`moran_two` — a Moran birth–death process in each of two finite populations, vectorised
  over runs: each step, in each population one individual reproduces with probability
  proportional to its fitness against the other population and replaces a uniformly random
  member of its own. Fixation probabilities come with a Wilson interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Sequence

import numpy as np

from sim._random import resolve_seed
from sim.errors import InputError
from sim.render import HtmlRepr
from sim.repeated.evolution import (
    MAX_MORAN_REPLICATES,
    _initial_shares,
    initial_counts,
    wilson_interval,
)
from sim.repeated.settings import check_count, check_probability

__all__ = ["TwoReplicatorResult", "TwoMoranResult", "replicator_two", "moran_two", "role_payoffs"]


def role_payoffs(source: Any, strategies: Sequence[str] | None = None,
                 player_ids: Sequence[str] | None = None) -> tuple[np.ndarray, tuple[str, ...], tuple[str, str]]:
    """``(payoff (2, k, k), names, player ids)`` from a tournament of a two-sided game or two arrays.

    ``payoff[p][a, b]`` is strategy ``a``'s payoff in role ``p`` against ``b`` in the other role.
    """
    roles = getattr(source, "roles", None)
    if hasattr(source, "strategies") and hasattr(source, "pairwise"):
        if roles is None:
            raise InputError("the tournament was played as a symmetric game: it has one population", key="populations")
        P = np.asarray(roles.pairwise, float)
        names = tuple(source.strategies)
        ids = tuple(source.player_ids)
    else:
        P = np.asarray(source, float)
        if P.ndim != 3 or P.shape[0] != 2 or P.shape[1] != P.shape[2]:
            raise InputError(f"role payoffs must have shape (2, k, k), got {P.shape}", key="payoff")
        names = tuple(strategies) if strategies is not None else tuple(f"s{i}" for i in range(P.shape[1]))
        ids = tuple(player_ids) if player_ids is not None else ("row", "col")
    if len(names) != P.shape[1]:
        raise InputError("one name per strategy", key="strategies")
    if not np.isfinite(P).all():
        raise InputError("role payoffs have missing entries (play the tournament with self-play)", key="payoff")
    return P, names, ids  # type: ignore[return-value]


def _two(initial: Any, k: int) -> tuple[Any, Any]:
    if initial is None:
        return None, None
    if isinstance(initial, dict):
        return initial.get(0), initial.get(1)
    arr = np.asarray(initial, float) if not isinstance(initial, (list, tuple)) or len(initial) != 2 else None
    if arr is not None:
        if arr.shape != (2, k):
            raise InputError(f"initial must give {k} shares for each of the two sides", key="initial")
        return arr[0], arr[1]
    return initial[0], initial[1]


@dataclass(frozen=True, eq=False)
class TwoReplicatorResult(HtmlRepr):
    """Two-population replicator dynamics and how they were run.

    Attributes
    ----------
    strategies : names (the same list on both sides).
    player_ids : the two sides.
    payoff : ``(2, k, k)`` role payoffs used.
    initial : ``(2, k)`` initial shares per side.
    times : ``(n,)`` time points.
    shares : ``(n, 2, k)`` shares per side at each time point (each side's shares sum to 1).
    t_max, method : integration span and solver.
    """

    strategies: tuple[str, ...]
    player_ids: tuple[str, str]
    payoff: np.ndarray = field(repr=False)
    initial: np.ndarray = field(repr=False)
    times: np.ndarray = field(repr=False)
    shares: np.ndarray = field(repr=False)
    t_max: float = 100.0
    method: str = "RK45"

    #: How a population is named in ``to_frame`` columns (the N-player result names seats).
    axis_name: ClassVar[str] = "side"
    #: Whether ``to_dict`` lists the population ids (the N-player result does).
    lists_populations: ClassVar[bool] = False

    @property
    def populations(self) -> tuple[str, ...]:
        """The evolving populations: one per side."""
        return tuple(self.player_ids)

    @property
    def final(self) -> np.ndarray:
        """``(P, k)`` shares at ``t_max``."""
        return self.shares[-1]

    def to_dict(self) -> dict[str, Any]:
        names, pops = list(self.strategies), self.populations
        return {
            "method": "replicator",
            "populations": len(pops),
            **({"population_ids": list(pops)} if self.lists_populations else {}),
            "solver": self.method,
            "t_max": self.t_max,
            "strategies": names,
            "player_ids": list(self.player_ids),
            "initial": {pid: dict(zip(names, self.initial[p].tolist())) for p, pid in enumerate(pops)},
            "final": {pid: dict(zip(names, self.final[p].tolist())) for p, pid in enumerate(pops)},
            "times": self.times.tolist(),
            "shares": {pid: {s: self.shares[:, p, i].tolist() for i, s in enumerate(names)}
                       for p, pid in enumerate(pops)},
        }

    def to_frame(self):
        """Shares over time, columns ``(side, strategy)`` (``(seat, strategy)`` with N players)."""
        import pandas as pd

        cols = pd.MultiIndex.from_product([list(self.populations), list(self.strategies)],
                                          names=[self.axis_name, "strategy"])
        return pd.DataFrame(self.shares.reshape(len(self.times), -1), index=pd.Index(self.times, name="time"),
                            columns=cols)


def replicator_two(
    payoff: Any,
    *,
    strategies: Sequence[str] | None = None,
    player_ids: Sequence[str] | None = None,
    initial: Any = None,
    t_max: float = 100.0,
    n_points: int = 201,
    method: str = "RK45",
    rtol: float = 1e-8,
    atol: float = 1e-10,
) -> TwoReplicatorResult:
    """Integrate the two-population replicator dynamics from ``initial`` (default: equal shares).

    Parameters
    ----------
    payoff : a :class:`~sim.repeated.tournament.TournamentResult` of a two-sided game, or a
        ``(2, k, k)`` array of role payoffs (``payoff[p][a, b]``: ``a`` in role ``p`` against ``b``).
    initial : ``(2, k)`` shares per side (each side normalised), or ``None``.
    t_max, n_points, method, rtol, atol : as in :func:`sim.repeated.evolution.replicator`.
    """
    from scipy.integrate import solve_ivp

    P, names, ids = role_payoffs(payoff, strategies, player_ids)
    k = P.shape[1]
    first, second = _two(initial, k)
    x0 = np.concatenate([_initial_shares(first, k), _initial_shares(second, k)])
    if not (t_max > 0) or n_points < 2:
        raise InputError("t_max must be positive and n_points >= 2", key="t_max")
    R, C = P[0], P[1]
    # integrate log-shares, d/dt log x_i = f_i - x·f: the same dynamics, but shares stay on the
    # simplex however large the payoffs (tens of USD bn per round make the plain form stiff)
    sx, sy = x0[:k] > 0, x0[k:] > 0
    nx = int(sx.sum())

    def split(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = np.zeros(k), np.zeros(k)
        ex, ey = np.exp(z[:nx] - z[:nx].max()), np.exp(z[nx:] - z[nx:].max())
        x[sx], y[sy] = ex / ex.sum(), ey / ey.sum()
        return x, y

    def rhs(_t: float, z: np.ndarray) -> np.ndarray:
        x, y = split(z)
        fx, fy = R @ y, C @ x
        return np.concatenate([(fx - x @ fx)[sx], (fy - y @ fy)[sy]])

    times = np.linspace(0.0, float(t_max), int(n_points))
    z0 = np.log(np.concatenate([x0[:k][sx], x0[k:][sy]]))
    sol = solve_ivp(rhs, (0.0, float(t_max)), z0, t_eval=times, method=method, rtol=rtol, atol=atol)
    if not sol.success:  # pragma: no cover
        raise InputError(f"replicator integration failed: {sol.message}", key="replicator")
    shares = np.stack([np.stack(split(z)) for z in sol.y.T])
    return TwoReplicatorResult(names, ids, P, x0.reshape(2, k), sol.t, shares, float(t_max), method)


@dataclass(frozen=True, eq=False)
class TwoMoranResult(HtmlRepr):
    """Two Moran processes, one per side, coupled through the payoffs; run many times.

    Attributes
    ----------
    strategies, player_ids : names and the two sides.
    payoff : ``(2, k, k)`` role payoffs.
    population : individuals per side ``N``.
    initial_counts : ``(2, k)`` counts at step 0.
    selection, fitness_map, mutation : as in :class:`sim.repeated.evolution.MoranResult`.
    max_steps, replicates, seed, seed_key : the set-up.
    mean_shares : ``(steps + 1, 2, k)`` mean share per side over runs at each step.
    final_counts : ``(replicates, 2, k)`` counts at the end.
    fixation : ``(replicates, 2)`` strategy that took over each side, -1 if none did.
    fixation_step : ``(replicates, 2)`` step at which it did, -1 if none.
    """

    strategies: tuple[str, ...]
    player_ids: tuple[str, str]
    payoff: np.ndarray = field(repr=False)
    population: int
    initial_counts: np.ndarray = field(repr=False)
    selection: float
    fitness_map: str
    mutation: float
    max_steps: int
    replicates: int
    seed: int | None
    seed_key: int
    mean_shares: np.ndarray = field(repr=False)
    final_counts: np.ndarray = field(repr=False)
    fixation: np.ndarray = field(repr=False)
    fixation_step: np.ndarray = field(repr=False)

    axis_name: ClassVar[str] = "side"
    lists_populations: ClassVar[bool] = False

    @property
    def populations(self) -> tuple[str, ...]:
        """The evolving populations: one per side."""
        return tuple(self.player_ids)

    def _hits(self) -> np.ndarray:
        """``(P, k)`` runs in which each strategy took over each population."""
        return (self.fixation[:, :, None] == np.arange(len(self.strategies))).sum(axis=0)

    @property
    def fixation_probability(self) -> np.ndarray:
        """``(P, k)`` share of runs in which each strategy took over each population."""
        return self._hits() / self.replicates

    @property
    def fixation_interval(self) -> np.ndarray:
        """``(P, k, 2)`` 95% Wilson interval of each fixation probability."""
        return wilson_interval(self._hits(), self.replicates)

    def to_dict(self) -> dict[str, Any]:
        names, pops = list(self.strategies), self.populations

        def per_pop(arr) -> dict[str, Any]:
            return {pid: dict(zip(names, np.asarray(arr[p]).tolist())) for p, pid in enumerate(pops)}

        fixed = self.fixation_step >= 0
        return {
            "method": "moran",
            "populations": len(pops),
            **({"population_ids": list(pops)} if self.lists_populations else {}),
            "strategies": names,
            "player_ids": list(self.player_ids),
            "population": self.population,
            "initial_counts": per_pop(self.initial_counts),
            "selection": self.selection,
            "fitness_map": self.fitness_map,
            "mutation": self.mutation,
            "max_steps": self.max_steps,
            "replicates": self.replicates,
            "seed": self.seed,
            "seed_key": self.seed_key,
            "fixation_probability": per_pop(self.fixation_probability),
            "fixation_interval": per_pop(self.fixation_interval),
            "interval": "95% Wilson score interval over the replicates",
            "mean_fixation_step": {pid: (float(self.fixation_step[fixed[:, p], p].mean()) if fixed[:, p].any() else None)
                                   for p, pid in enumerate(pops)},
            "final_mean_shares": per_pop(self.mean_shares[-1]),
            "mean_shares": {pid: {s: self.mean_shares[:, p, i].tolist() for i, s in enumerate(names)}
                            for p, pid in enumerate(pops)},
        }

    def to_frame(self):
        """Mean shares per step, columns ``(side, strategy)`` (``(seat, strategy)`` with N players)."""
        import pandas as pd

        n = len(self.mean_shares)
        cols = pd.MultiIndex.from_product([list(self.populations), list(self.strategies)],
                                          names=[self.axis_name, "strategy"])
        return pd.DataFrame(self.mean_shares.reshape(n, -1), index=pd.Index(np.arange(n), name="step"), columns=cols)


def _fitness(f: np.ndarray, selection: float, fitness_map: str, present: np.ndarray) -> np.ndarray:
    if fitness_map == "exp":
        return np.exp(selection * (f - f.max(axis=1, keepdims=True)))
    F = 1.0 - selection + selection * f
    if (F[present] <= 0).any():
        raise InputError("linear fitness became non-positive; lower the selection or use fitness_map='exp'",
                         key="selection")
    return F


def moran_two(
    payoff: Any,
    *,
    strategies: Sequence[str] | None = None,
    player_ids: Sequence[str] | None = None,
    population: int = 100,
    initial: Any = None,
    selection: float = 1.0,
    fitness_map: str = "exp",
    mutation: float = 0.0,
    max_steps: int = 10_000,
    replicates: int = 100,
    seed: "int | np.random.Generator | None" = None,
    progress: Callable[[int, int], None] | None = None,
) -> TwoMoranResult:
    """Run two coupled Moran processes ``replicates`` times, until both sides fix or ``max_steps``.

    An individual of type ``a`` on side ``p`` has payoff ``f = Σ_b payoff[p][a, b] n'_b / N``
    against the other side's counts ``n'``, mapped to fitness ``exp(w (f - max f))`` or
    ``1 - w + w f`` as in :func:`sim.repeated.evolution.moran`. Each step both sides have one
    birth (proportional to count × fitness) and one uniform death, from the same state.

    Parameters
    ----------
    payoff : a tournament of a two-sided game, or a ``(2, k, k)`` array of role payoffs.
    population : individuals per side, ``N >= 2``.
    initial : ``(2, k)`` counts (each row summing to ``N``) or shares per side; ``None`` for
        equal shares.
    selection, fitness_map, mutation, max_steps, replicates, seed, progress : as in
        :func:`sim.repeated.evolution.moran`.
    """
    P, names, ids = role_payoffs(payoff, strategies, player_ids)
    k = P.shape[1]
    if isinstance(population, bool) or not isinstance(population, (int, np.integer)) or population < 2:
        raise InputError(f"population must be an integer >= 2, got {population!r}", key="population")
    if not isinstance(max_steps, (int, np.integer)) or not 1 <= max_steps <= 10_000_000:
        raise InputError("max_steps must be an integer in 1..10,000,000", key="max_steps")
    replicates = check_count(replicates, "replicates", MAX_MORAN_REPLICATES)
    if not selection >= 0:
        raise InputError(f"selection must be >= 0, got {selection}", key="selection")
    if fitness_map not in ("exp", "linear"):
        raise InputError("fitness_map must be 'exp' or 'linear'", key="fitness_map")
    mutation = check_probability(mutation, "mutation")
    first, second = _two(initial, k)
    counts0 = np.stack([initial_counts(first, k, population), initial_counts(second, k, population)])
    seed_value, seed_key = resolve_seed(seed)
    rng = np.random.default_rng(seed_key)
    n = np.tile(counts0, (replicates, 1, 1))  # (R, 2, k)
    mean_shares = np.empty((max_steps + 1, 2, k))
    mean_shares[0] = counts0 / population
    fixation = np.full((replicates, 2), -1, dtype=np.int64)
    fixation_step = np.full((replicates, 2), -1, dtype=np.int64)
    for p in (0, 1):  # a side that starts with one type has fixed at step 0
        mono = n[:, p].max(axis=1) == population
        fixation[mono, p] = n[mono, p].argmax(axis=1)
        fixation_step[mono, p] = 0
    rows = np.arange(replicates)
    last = max_steps
    for step in range(1, max_steps + 1):
        births, deaths = [], []
        for p in (0, 1):
            f = n[:, 1 - p] @ P[p].T / population  # (R, k): payoff against the other side's mix
            F = _fitness(f, selection, fitness_map, n[:, p] > 0)
            cdf = np.cumsum(n[:, p] * F, axis=1)
            u = rng.random((replicates, 3))
            birth = np.minimum((cdf < u[:, :1] * cdf[:, -1:]).sum(axis=1), k - 1)
            if mutation > 0:
                birth = np.where(u[:, 2] < mutation, rng.integers(0, k, replicates), birth)
            dcdf = np.cumsum(n[:, p], axis=1)
            death = np.minimum((dcdf <= np.floor(u[:, 1] * population)[:, None]).sum(axis=1), k - 1)
            births.append(birth)
            deaths.append(death)
        for p in (0, 1):
            active = fixation[:, p] < 0 if mutation == 0 else np.ones(replicates, dtype=bool)
            np.add.at(n, (rows[active], p, births[p][active]), 1)
            np.add.at(n, (rows[active], p, deaths[p][active]), -1)
            if mutation == 0:
                full = (n[:, p] == population) & (fixation[:, p] < 0)[:, None]
                newly = full.any(axis=1)
                if newly.any():
                    fixation[newly, p] = full[newly].argmax(axis=1)
                    fixation_step[newly, p] = step
        mean_shares[step] = n.mean(axis=0) / population
        if progress is not None and step % 100 == 0:
            progress(step, max_steps)
        if mutation == 0 and (fixation >= 0).all():
            last = step
            break
    return TwoMoranResult(
        strategies=names, player_ids=ids, payoff=P, population=int(population), initial_counts=counts0,
        selection=float(selection), fitness_map=fitness_map, mutation=mutation, max_steps=int(max_steps),
        replicates=int(replicates), seed=seed_value, seed_key=seed_key, mean_shares=mean_shares[: last + 1],
        final_counts=n, fixation=fixation, fixation_step=fixation_step,
    )
