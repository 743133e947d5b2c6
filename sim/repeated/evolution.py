"""Evolution of strategy shares from a tournament's payoff matrix.

* :func:`replicator` — the replicator dynamics ``x_i' = x_i ((M x)_i - x·M x)`` on the simplex,
  integrated with :func:`scipy.integrate.solve_ivp`;
* :func:`moran` — a Moran birth–death process in a finite population (seeded), vectorised over
  replicates: each step one individual reproduces with probability proportional to its fitness
  and replaces a uniformly random individual; optional mutation.

``M[a, b]`` is strategy ``a``'s mean per-round payoff against ``b``
(:attr:`sim.repeated.tournament.TournamentResult.pairwise`; needs self-play for the diagonal).
Fixation probabilities come with a Wilson score interval over the simulated runs
(:func:`wilson_interval`); :func:`moran_fixation_probability` is the closed form for constant
fitness. Games whose sides differ evolve one population per side: :mod:`sim.repeated.evolution_two`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from sim._random import resolve_seed
from sim.errors import InputError
from sim.render import HtmlRepr
from sim.repeated.settings import check_count, check_probability

__all__ = ["ReplicatorResult", "MoranResult", "replicator", "moran", "payoff_matrix", "wilson_interval",
           "moran_fixation_probability", "initial_counts"]

MAX_MORAN_REPLICATES = 1_000_000
MAX_MORAN_CELLS = 50_000_000  # replicates x recorded steps x strategies kept in memory


def payoff_matrix(source: Any, strategies: Sequence[str] | None = None) -> tuple[np.ndarray, tuple[str, ...]]:
    """``(M, names)`` from a :class:`~sim.repeated.tournament.TournamentResult` or a square array."""
    if hasattr(source, "pairwise") and hasattr(source, "strategies"):
        M = np.asarray(source.pairwise, float)
        names = tuple(source.strategies)
    else:
        M = np.asarray(source, float)
        if M.ndim != 2 or M.shape[0] != M.shape[1]:
            raise InputError(f"payoff matrix must be square, got shape {M.shape}", key="payoff")
        names = tuple(strategies) if strategies is not None else tuple(f"s{i}" for i in range(len(M)))
    if len(names) != len(M):
        raise InputError("one name per strategy", key="strategies")
    if not np.isfinite(M).all():
        raise InputError("payoff matrix has missing entries (play the tournament with self-play)", key="payoff")
    return M, names


def wilson_interval(successes: Any, n: int, z: float = 1.959963984540054) -> np.ndarray:
    """Wilson score interval ``(..., 2)`` for binomial proportions ``successes / n`` (95% by default).

    Wilson (1927), *J. Am. Stat. Assoc.* 22: 209–212; unlike the normal approximation it stays in
    [0, 1] and is not empty at 0 or ``n`` successes.
    """
    k = np.asarray(successes, float)
    if n <= 0:
        return np.stack([np.zeros_like(k), np.ones_like(k)], axis=-1)
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return np.stack([np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)], axis=-1)


def moran_fixation_probability(r: float, population: int, mutants: int = 1) -> float:
    """Closed form: probability that ``mutants`` individuals of constant relative fitness ``r`` take over
    a Moran process of ``population`` individuals, ``(1 - r**-i) / (1 - r**-N)`` (``i / N`` when ``r = 1``).

    Nowak (2006), *Evolutionary Dynamics*, eq. 6.13.
    """
    if r == 1.0:
        return mutants / population
    return (1.0 - r ** (-mutants)) / (1.0 - r ** (-population))


def initial_counts(initial: Any, k: int, population: int, key: str = "initial") -> np.ndarray:
    """``(k,)`` integer counts summing to ``population`` from counts or shares (``None``: as equal as possible).

    Shares are rounded to counts by largest remainder.
    """
    if initial is None:
        counts0 = np.full(k, population // k)
        counts0[: population - counts0.sum()] += 1
        return counts0.astype(np.int64)
    init = np.asarray(initial, float)
    if init.shape != (k,) or (init < 0).any() or not np.isfinite(init).all() or init.sum() <= 0:
        raise InputError(f"initial must be {k} non-negative numbers with a positive sum", key=key)
    if np.allclose(init, np.round(init)) and int(round(init.sum())) == population:
        return np.round(init).astype(np.int64)
    raw = init / init.sum() * population
    counts0 = np.floor(raw).astype(np.int64)
    counts0[np.argsort(-(raw - counts0))[: population - counts0.sum()]] += 1
    return counts0


def _initial_shares(initial: Any, k: int) -> np.ndarray:
    if initial is None:
        return np.full(k, 1.0 / k)
    x = np.asarray(initial, float)
    if x.shape != (k,) or (x < 0).any() or not np.isfinite(x).all() or x.sum() <= 0:
        raise InputError(f"initial shares must be {k} non-negative numbers with a positive sum", key="initial")
    return x / x.sum()


@dataclass(frozen=True, eq=False)
class ReplicatorResult(HtmlRepr):
    """Replicator dynamics and how they were run.

    Attributes
    ----------
    strategies : names.
    payoff : ``(k, k)`` payoff matrix used.
    initial : ``(k,)`` initial shares.
    times : ``(n,)`` time points.
    shares : ``(n, k)`` shares at each time point (rows sum to 1).
    t_max, method : integration span and solver.
    """

    strategies: tuple[str, ...]
    payoff: np.ndarray = field(repr=False)
    initial: np.ndarray = field(repr=False)
    times: np.ndarray = field(repr=False)
    shares: np.ndarray = field(repr=False)
    t_max: float = 100.0
    method: str = "RK45"

    @property
    def final(self) -> np.ndarray:
        return self.shares[-1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "replicator",
            "solver": self.method,
            "t_max": self.t_max,
            "strategies": list(self.strategies),
            "initial": dict(zip(self.strategies, self.initial.tolist())),
            "final": dict(zip(self.strategies, self.final.tolist())),
            "times": self.times.tolist(),
            "shares": {s: self.shares[:, i].tolist() for i, s in enumerate(self.strategies)},
        }

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(self.shares, index=pd.Index(self.times, name="time"), columns=list(self.strategies))


def replicator(
    payoff: Any,
    *,
    strategies: Sequence[str] | None = None,
    initial: Any = None,
    t_max: float = 100.0,
    n_points: int = 201,
    method: str = "RK45",
    rtol: float = 1e-8,
    atol: float = 1e-10,
) -> ReplicatorResult:
    """Integrate the replicator dynamics from ``initial`` (default: equal shares) to ``t_max``.

    Parameters
    ----------
    payoff : a :class:`~sim.repeated.tournament.TournamentResult` or a ``(k, k)`` matrix.
    strategies : names when ``payoff`` is a matrix.
    initial : ``(k,)`` non-negative shares (normalised).
    t_max, n_points : time span and number of recorded points.
    method, rtol, atol : passed to :func:`scipy.integrate.solve_ivp`.
    """
    from scipy.integrate import solve_ivp

    M, names = payoff_matrix(payoff, strategies)
    x0 = _initial_shares(initial, len(M))
    if not (t_max > 0) or n_points < 2:
        raise InputError("t_max must be positive and n_points >= 2", key="t_max")

    def rhs(_t: float, x: np.ndarray) -> np.ndarray:
        f = M @ x
        return x * (f - x @ f)

    times = np.linspace(0.0, float(t_max), int(n_points))
    sol = solve_ivp(rhs, (0.0, float(t_max)), x0, t_eval=times, method=method, rtol=rtol, atol=atol)
    shares = np.clip(sol.y.T, 0.0, None) if sol.success else None
    if shares is None or not np.isfinite(shares).all() or (shares.sum(axis=1) <= 0).any():
        # payoffs large enough (tens of USD bn per round) make the plain form stiff: integrate the
        # log-shares, d/dt log x_i = f_i - x·f, which stay on the simplex
        shares = _log_replicator(M, x0, times, method, rtol, atol)
        return ReplicatorResult(names, M, x0, times, shares, float(t_max), method)
    shares /= shares.sum(axis=1, keepdims=True)
    return ReplicatorResult(names, M, x0, sol.t, shares, float(t_max), method)


def _log_replicator(M: np.ndarray, x0: np.ndarray, times: np.ndarray, method: str, rtol: float,
                    atol: float) -> np.ndarray:
    from scipy.integrate import solve_ivp

    support = x0 > 0

    def shares_of(z: np.ndarray) -> np.ndarray:
        x = np.zeros(len(x0))
        e = np.exp(z - z.max())
        x[support] = e / e.sum()
        return x

    def rhs(_t: float, z: np.ndarray) -> np.ndarray:
        x = shares_of(z)
        f = M @ x
        return (f - x @ f)[support]

    sol = solve_ivp(rhs, (times[0], times[-1]), np.log(x0[support]), t_eval=times, method=method, rtol=rtol, atol=atol)
    if not sol.success:  # pragma: no cover
        raise InputError(f"replicator integration failed: {sol.message}", key="replicator")
    return np.stack([shares_of(z) for z in sol.y.T])


@dataclass(frozen=True, eq=False)
class MoranResult(HtmlRepr):
    """A Moran process run many times, and how.

    Attributes
    ----------
    strategies : names.
    payoff : ``(k, k)`` payoff matrix.
    population : population size ``N``.
    initial_counts : ``(k,)`` counts at step 0.
    selection : intensity ``w`` of selection; fitness ``exp(w * f)`` or ``1 - w + w f``.
    fitness_map : ``"exp"`` or ``"linear"``.
    mutation : probability an offspring is of a uniformly random type.
    max_steps, replicates, seed, seed_key : the set-up.
    mean_shares : ``(steps + 1, k)`` mean share of each strategy over replicates at each step.
    final_counts : ``(replicates, k)`` counts at the end.
    fixation : ``(replicates,)`` index of the strategy that took over, -1 if none did.
    fixation_step : ``(replicates,)`` step at which it did, -1 if none.
    counts : ``(replicates, steps + 1, k)`` every path if ``paths=True``, else ``None``.
    """

    strategies: tuple[str, ...]
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
    counts: np.ndarray | None = field(default=None, repr=False)

    @property
    def fixation_probability(self) -> np.ndarray:
        """``(k,)`` share of replicates in which each strategy took over."""
        return np.array([(self.fixation == i).mean() for i in range(len(self.strategies))])

    @property
    def fixation_interval(self) -> np.ndarray:
        """``(k, 2)`` 95% Wilson interval of each fixation probability over the replicates."""
        hits = [(self.fixation == i).sum() for i in range(len(self.strategies))]
        return wilson_interval(hits, self.replicates)

    def to_dict(self) -> dict[str, Any]:
        fixed = self.fixation_step >= 0
        return {
            "method": "moran",
            "strategies": list(self.strategies),
            "population": self.population,
            "initial_counts": dict(zip(self.strategies, self.initial_counts.tolist())),
            "selection": self.selection,
            "fitness_map": self.fitness_map,
            "mutation": self.mutation,
            "max_steps": self.max_steps,
            "replicates": self.replicates,
            "seed": self.seed,
            "seed_key": self.seed_key,
            "fixation_probability": dict(zip(self.strategies, self.fixation_probability.tolist())),
            "fixation_interval": dict(zip(self.strategies, self.fixation_interval.tolist())),
            "interval": "95% Wilson score interval over the replicates",
            "mean_fixation_step": float(self.fixation_step[fixed].mean()) if fixed.any() else None,
            "final_mean_shares": dict(zip(self.strategies, self.mean_shares[-1].tolist())),
            "mean_shares": {s: self.mean_shares[:, i].tolist() for i, s in enumerate(self.strategies)},
        }

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(self.mean_shares, index=pd.Index(np.arange(len(self.mean_shares)), name="step"),
                            columns=list(self.strategies))


def moran(
    payoff: Any,
    *,
    strategies: Sequence[str] | None = None,
    population: int = 100,
    initial: Any = None,
    selection: float = 1.0,
    fitness_map: str = "exp",
    mutation: float = 0.0,
    max_steps: int = 10_000,
    replicates: int = 100,
    seed: "int | np.random.Generator | None" = None,
    paths: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> MoranResult:
    """Run a Moran process ``replicates`` times (vectorised), until fixation or ``max_steps``.

    Fitness of an individual of type ``i`` is its mean payoff against the other ``N - 1``
    members, ``f_i = (Σ_j n_j M_ij - M_ii) / (N - 1)``, mapped to ``exp(w (f_i - max f))``
    (``fitness_map="exp"``; scale-free in sign) or ``1 - w + w f_i`` (``"linear"``, must stay
    positive). Births are proportional to ``n_i F_i``, deaths uniform.

    Parameters
    ----------
    payoff : a :class:`~sim.repeated.tournament.TournamentResult` or a ``(k, k)`` matrix.
    population : ``N >= 2``.
    initial : ``(k,)`` counts summing to ``N`` or shares (default: as equal as possible).
    selection : intensity ``w >= 0``.
    mutation : probability in [0, 1] that an offspring's type is uniformly random.
    max_steps, replicates : run length and number of runs.
    seed : int, Generator or None.
    paths : keep every replicate's counts per step (≤ :data:`MAX_MORAN_CELLS` cells).
    """
    M, names = payoff_matrix(payoff, strategies)
    k = len(M)
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
    if paths and replicates * (max_steps + 1) * k > MAX_MORAN_CELLS:
        raise InputError(f"paths would hold more than {MAX_MORAN_CELLS:,} cells; use paths=False", key="paths")
    counts0 = initial_counts(initial, k, population)
    seed_value, seed_key = resolve_seed(seed)
    rng = np.random.default_rng(seed_key)
    n = np.tile(counts0.astype(np.int64), (replicates, 1))
    mean_shares = np.empty((max_steps + 1, k))
    mean_shares[0] = counts0 / population
    store = np.empty((replicates, max_steps + 1, k), dtype=np.int32) if paths else None
    if store is not None:
        store[:, 0] = n
    fixation = np.full(replicates, -1, dtype=np.int64)
    fixation_step = np.full(replicates, -1, dtype=np.int64)
    diag = np.diag(M)
    rows = np.arange(replicates)
    last = max_steps
    for step in range(1, max_steps + 1):
        f = (n @ M.T - diag) / (population - 1)  # (reps, k)
        if fitness_map == "exp":
            F = np.exp(selection * (f - f.max(axis=1, keepdims=True)))
        else:
            F = 1.0 - selection + selection * f
            if (F[n > 0] <= 0).any():
                raise InputError("linear fitness became non-positive; lower the selection or use fitness_map='exp'",
                                 key="selection")
        weight = n * F
        cdf = np.cumsum(weight, axis=1)
        u = rng.random((replicates, 3))
        birth = (cdf < (u[:, :1] * cdf[:, -1:])).sum(axis=1)
        birth = np.minimum(birth, k - 1)
        if mutation > 0:
            mutate = u[:, 2] < mutation
            birth = np.where(mutate, rng.integers(0, k, replicates), birth)
        dcdf = np.cumsum(n, axis=1)
        death = (dcdf <= np.floor(u[:, 1] * population)[:, None]).sum(axis=1)
        death = np.minimum(death, k - 1)
        active = fixation < 0 if mutation == 0 else np.ones(replicates, dtype=bool)
        np.add.at(n, (rows[active], birth[active]), 1)
        np.add.at(n, (rows[active], death[active]), -1)
        if mutation == 0:
            full = (n == population) & (fixation < 0)[:, None]
            newly = full.any(axis=1)
            if newly.any():
                fixation[newly] = full[newly].argmax(axis=1)
                fixation_step[newly] = step
        mean_shares[step] = n.mean(axis=0) / population
        if store is not None:
            store[:, step] = n
        if progress is not None and step % 100 == 0:
            progress(step, max_steps)
        if mutation == 0 and (fixation >= 0).all():
            last = step
            break
    mean_shares = mean_shares[: last + 1]
    if store is not None:
        store = store[:, : last + 1]
    return MoranResult(
        strategies=names,
        payoff=M,
        population=int(population),
        initial_counts=counts0,
        selection=float(selection),
        fitness_map=fitness_map,
        mutation=mutation,
        max_steps=int(max_steps),
        replicates=int(replicates),
        seed=seed_value,
        seed_key=seed_key,
        mean_shares=mean_shares,
        final_counts=n,
        fixation=fixation,
        fixation_step=fixation_step,
        counts=store,
    )
