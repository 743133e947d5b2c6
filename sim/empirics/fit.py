"""Fitting a scenario to dated moves: parameters and logit precision by maximum likelihood.

Each (date, player) with at least one scored move is one observation. The observed choice is the
player's full action after that date (moved levers at their new level, the others unchanged); its
probability is the logit quantal response to the other side's action before the date (McKelvey and
Palfrey 1995):

    P(a) = exp(λ u_p(a, other)) / Σ_{a' in C} exp(λ u_p(a', other)),

over a choice set ``C``. With ``choice="levers"`` (the default) ``C`` is the actions that leave the
player's unmoved levers where they were: a row of the events file records a decision about the
levers it names, not a re-choice of every lever, so the other levers are conditioned on. With
``choice="action"`` ``C`` is every action of the player.

with ``u`` the stage payoffs of :func:`sim.model.game.build_game` at the candidate parameters (at
the current state in a game with state), in the scenario's payoff unit. The parameters (each within
its scenario ``range``) and ``log λ`` are found by L-BFGS-B from several starts (the scenario's
values first, then random ones from a fixed seed); standard errors come from the numerical Hessian
of the log-likelihood when it is positive definite.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from sim.empirics.events import EventLog
from sim.empirics.replay import replay, require_action, walk
from sim.errors import InputError, ScenarioError
from sim.model.dynamic import build_dynamic_game, is_dynamic
from sim.model.game import build_game, compile_payoffs
from sim.model.scenario import source_of

__all__ = ["Observations", "LogitFit", "choice_observations", "payoff_model", "log_likelihood", "fit_logit",
           "fit_events"]

#: Bounds of log(λ × payoff scale): λ from about 3e-4 to 3e3 per typical payoff difference.
LOG_LAMBDA_BOUNDS = (-8.0, 8.0)
MAX_STARTS = 100


@dataclass(frozen=True)
class Observations:
    """Choices to explain: per observation the chooser (0/1), the other side's action before the
    date, the chooser's action after it, the state index (or -1 without state) and the period."""

    player: np.ndarray
    other: np.ndarray
    chosen: np.ndarray
    state: np.ndarray
    period: tuple[str, ...]
    allowed: tuple[np.ndarray, ...] = ()  # per observation, a bool mask over the chooser's actions

    def __len__(self) -> int:
        return len(self.player)

    def subset(self, periods: Sequence[str]) -> "Observations":
        keep = np.array([p in periods for p in self.period], dtype=bool)
        allowed = tuple(a for a, k in zip(self.allowed, keep) if k) if self.allowed else ()
        return Observations(self.player[keep], self.other[keep], self.chosen[keep], self.state[keep],
                            tuple(p for p, k in zip(self.period, keep) if k), allowed)


CHOICES = ("levers", "action")


def choice_observations(log: EventLog, game: Any, *, choice: str = "levers") -> Observations:
    """One observation per (date, player) with a scored move, over the choice set ``choice``
    (``levers``: the moved levers only; ``action``: every lever; see the module docstring)."""
    if choice not in CHOICES:
        raise InputError(f"expected one of {', '.join(CHOICES)}, got {choice!r}", key="--choice")
    tables = [np.asarray(t) for t in game.action_levels]
    rows: list[tuple[int, int, int, int, str]] = []
    allowed: list[np.ndarray] = []
    for step in walk(log, game):
        for p in (0, 1):
            mine = [r for r in step.moves if r.player == p]
            if mine:
                rows.append((p, require_action(step, 1 - p, game, log), require_action(step, p, game, log, after=True),
                             -1 if step.state is None else step.state, mine[0].period))
                fixed = np.ones(tables[p].shape[1], dtype=bool)
                if choice == "levers":
                    fixed[[r.lever for r in mine]] = False
                else:
                    fixed[:] = False
                allowed.append((tables[p][:, fixed] == step.before[p][fixed]).all(axis=1))
    if not rows:
        raise InputError("no scored moves (rows of kind 'move')", file=log.path)
    cols = list(zip(*rows))
    return Observations(*(np.asarray(c, dtype=np.int64) for c in cols[:4]), tuple(cols[4]), tuple(allowed))


def payoff_model(scenario: Any, *, source: str | None = None) -> Callable[[Mapping[str, float]], tuple]:
    """``values -> (A, B)``: the stage payoffs at parameter values, ``(m, n)`` or ``(S, m, n)`` with
    state; the payoff terms are compiled once."""
    source = source or source_of(scenario)
    compiled = compile_payoffs(scenario, source=source)
    if is_dynamic(scenario):
        def dynamic(values):
            g = build_dynamic_game(scenario, values, source=source, compiled=compiled)
            return g.A, g.B
        return dynamic

    def static(values):
        g = build_game(scenario, values, source=source, compiled=compiled)
        return g.A, g.B
    return static


def _utilities(A: np.ndarray, B: np.ndarray, obs: Observations, player: int) -> tuple[np.ndarray, np.ndarray]:
    """``(U, chosen)`` for the observations of one player: ``U[k]`` its payoff of every own action,
    ``-inf`` outside the observation's choice set."""
    k = obs.player == player
    j, s = obs.other[k], obs.state[k]
    if A.ndim == 3:
        U = A[s, :, j] if player == 0 else B[s, j, :]
    else:
        U = A[:, j].T if player == 0 else B[j, :]
    if obs.allowed:
        mask = np.array([a for a, mine in zip(obs.allowed, k) if mine], dtype=bool).reshape(U.shape)
        U = np.where(mask, U, -np.inf)
    return U, obs.chosen[k]


def log_likelihood(A: np.ndarray, B: np.ndarray, obs: Observations, lam: float) -> float:
    """Sum over observations of log P(chosen action) under the logit response with precision ``lam``."""
    total = 0.0
    for p in (0, 1):
        U, chosen = _utilities(A, B, obs, p)
        if not len(chosen):
            continue
        X = lam * U  # -inf outside the choice set, which exp() turns into 0
        top = X.max(axis=1, keepdims=True)
        lse = top[:, 0] + np.log(np.exp(X - top).sum(axis=1))
        total += float((X[np.arange(len(chosen)), chosen] - lse).sum())
    return total


def _payoff_scale(A: np.ndarray, B: np.ndarray, obs: Observations) -> float:
    """Typical spread of a chooser's payoffs across its actions (so λ's search box fits the unit)."""
    spreads = [np.nanstd(np.where(np.isfinite(U), U, np.nan), axis=1)
               for U, _ in (_utilities(A, B, obs, p) for p in (0, 1)) if len(U)]
    scale = float(np.mean(np.concatenate(spreads))) if spreads else 1.0
    return scale if scale > 0 and math.isfinite(scale) else 1.0


@dataclass(frozen=True)
class LogitFit:
    """Maximum-likelihood estimates of parameters and the logit precision λ.

    ``estimates``: name → ``{value, se, low, high, bounds, at_bound}`` (``low``/``high`` the Wald 95%
    interval, ``None`` without a standard error); ``lam`` with ``lam_se``; ``hessian`` says whether
    the Hessian was positive definite; ``starts`` each start's log-likelihood and convergence; ``lam_at_bound`` that λ ended on
    the edge of its search box (near 0: the choices are no better explained than by chance).
    """

    estimates: Mapping[str, Mapping[str, Any]]
    lam: float
    lam_se: float | None
    log_likelihood: float
    n_observations: int
    converged: bool
    message: str
    hessian: str
    starts: tuple[Mapping[str, Any], ...]
    scale: float
    lam_at_bound: bool = False

    @property
    def values(self) -> dict[str, float]:
        return {k: float(v["value"]) for k, v in self.estimates.items()}

    def to_dict(self) -> dict[str, Any]:
        lam_iv = None  # Wald on log λ (where the search runs), so the interval stays positive
        if self.lam_se is not None:
            spread = min(1.96 * self.lam_se / self.lam, 700.0)
            lam_iv = [self.lam * math.exp(-spread), self.lam * math.exp(spread)]
        return {"estimates": {k: dict(v) for k, v in self.estimates.items()}, "lambda": self.lam,
                "lambda_se": self.lam_se, "lambda_interval": lam_iv, "lambda_at_bound": self.lam_at_bound,
                "log_likelihood": self.log_likelihood,
                "n_observations": self.n_observations, "converged": self.converged, "message": self.message,
                "hessian": self.hessian, "starts": [dict(s) for s in self.starts]}


def fit_logit(scenario: Any, obs: Observations, names: Sequence[str], *, starts: int = 5, seed: int = 0,
              model: Callable | None = None, progress: Callable[[str], None] | None = None) -> LogitFit:
    """Estimate ``names`` (parameters with a ``range``) and λ by maximum likelihood (module docstring)."""
    from scipy.optimize import minimize

    source = source_of(scenario)
    names = list(dict.fromkeys(names))
    if not 1 <= starts <= MAX_STARTS:
        raise InputError(f"must be between 1 and {MAX_STARTS}, got {starts}", key="--starts")
    bounds = []
    for name in names:
        par = scenario.parameters.get(name)
        if par is None:
            known = ", ".join(k for k, p in scenario.parameters.items() if p.range is not None) or "none"
            raise ScenarioError(f"unknown parameter (parameters with a range: {known})", file=source,
                                key=f"parameters.{name}")
        if par.range is None:
            raise ScenarioError("has no range; fit needs one as the bounds of its search", file=source,
                                key=f"parameters.{name}")
        lo, hi = map(float, par.range)
        if not hi > lo:
            raise ScenarioError(f"range [{lo:g}, {hi:g}] has no width to search", file=source,
                                key=f"parameters.{name}.range")
        bounds.append((lo, hi))
    if not len(obs):
        raise InputError("no observations to fit")
    model = model or payoff_model(scenario, source=source)
    lo = np.array([b[0] for b in bounds])
    width = np.array([b[1] - b[0] for b in bounds])
    base = {n: float(scenario.parameters[n].value) for n in names}
    scale = _payoff_scale(*model(base), obs)

    def natural(x: np.ndarray) -> tuple[dict[str, float], float]:
        return ({n: float(v) for n, v in zip(names, lo + width * x[:-1])}, math.exp(x[-1]) / scale)

    def nll(x: np.ndarray) -> float:
        values, lam = natural(x)
        try:
            A, B = model(values)
        except ScenarioError:  # a payoff that is not finite there: not a candidate
            return 1e100
        return -log_likelihood(A, B, obs, lam)

    rng = np.random.default_rng(seed)
    x0s = [np.array([*np.clip((np.array(list(base.values())) - lo) / width, 0, 1), 0.0])]
    for _ in range(starts - 1):
        x0s.append(np.array([*rng.uniform(0, 1, len(names)), rng.uniform(-3, 3)]))
    box = [(0.0, 1.0)] * len(names) + [LOG_LAMBDA_BOUNDS]
    results, t0 = [], time.monotonic()
    for k, x0 in enumerate(x0s):
        if progress is not None:
            progress(f"fit: start {k + 1} of {len(x0s)} ({time.monotonic() - t0:.0f} s)")
        results.append(minimize(nll, x0, method="L-BFGS-B", bounds=box))
    best = min(results, key=lambda r: float(r.fun))
    values, lam = natural(best.x)
    se, hessian = _standard_errors(nll, best.x, width, names)
    estimates = {}
    for i, n in enumerate(names):
        s = None if se is None else float(se[i])
        estimates[n] = {"value": values[n], "se": s,
                        "low": None if s is None else values[n] - 1.96 * s,
                        "high": None if s is None else values[n] + 1.96 * s,
                        "bounds": list(bounds[i]),
                        "at_bound": bool(best.x[i] <= 1e-6 or best.x[i] >= 1 - 1e-6)}
    lam_se = None if se is None else float(lam * se[-1])
    return LogitFit(estimates, lam, lam_se, -float(best.fun), len(obs), bool(best.success), str(best.message),
                    hessian, tuple({"log_likelihood": -float(r.fun), "converged": bool(r.success)} for r in results),
                    scale, bool(min(abs(best.x[-1] - b) for b in LOG_LAMBDA_BOUNDS) < 1e-6))


def _standard_errors(nll: Callable, x: np.ndarray, width: np.ndarray, names: Sequence[str]):
    """Standard errors of (parameters in their own units, log λ) from the numerical Hessian of the
    negative log-likelihood (central differences); ``None`` if it is not positive definite."""
    k = len(x)
    h = np.full(k, 1e-4)
    f0 = nll(x)

    def f(di: int, si: int, dj: int = -1, sj: int = 0) -> float:
        y = x.copy()
        y[di] += si * h[di]
        if dj >= 0:
            y[dj] += sj * h[dj]
        return nll(y)

    H = np.zeros((k, k))
    for i in range(k):
        H[i, i] = (f(i, 1) - 2 * f0 + f(i, -1)) / h[i] ** 2
        for j in range(i):
            H[i, j] = H[j, i] = (f(i, 1, j, 1) - f(i, 1, j, -1) - f(i, -1, j, 1) + f(i, -1, j, -1)) / (4 * h[i] * h[j])
    if not np.isfinite(H).all():
        return None, "not finite (a payoff is not finite near the estimate): no standard errors"
    try:
        np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        return None, "not positive definite (the likelihood is flat or the estimate is on a bound): no standard errors"
    cov = np.linalg.inv(H)
    se = np.sqrt(np.diag(cov))
    se[:-1] *= width  # back from [0, 1] to each parameter's own unit
    return se, "positive definite"


def fit_events(scenario: Any, log: EventLog, names: Sequence[str], *, fit_periods: Sequence[str] = (),
               test_periods: Sequence[str] = (), starts: int = 5, seed: int = 0, bootstrap: int = 1000,
               choice: str = "levers", progress: Callable[[str], None] | None = None,
               game: Any = None) -> tuple[LogitFit, dict[str, Any] | None]:
    """Fit on the observations of ``fit_periods`` (default: all periods not tested) and, when
    ``test_periods`` are given, report on them the held-out log-likelihood per observation and the
    direction scores of the fitted model against the mirror and repeat baselines (by :func:`replay`).

    ``game`` is the scenario's game at its base values (with state if it has any), if already built.
    """
    source = source_of(scenario)
    if game is None:
        game = build_dynamic_game(scenario, source=source) if is_dynamic(scenario) else build_game(scenario, source=source)
    obs = choice_observations(log, game, choice=choice)
    known = tuple(dict.fromkeys(obs.period))
    for key, wanted in (("--fit-period", fit_periods), ("--test-period", test_periods)):
        for p in wanted:
            if p not in known:
                raise InputError(f"no scored move in period {p!r} (periods: {', '.join(known)})", key=key)
    both = set(fit_periods) & set(test_periods)
    if both:
        raise InputError(f"period {sorted(both)[0]!r} is both fitted and tested", key="--test-period")
    fitted = tuple(fit_periods) or tuple(p for p in known if p not in test_periods)
    if not fitted:
        raise InputError("no period left to fit on", key="--fit-period")
    model = payoff_model(scenario, source=source)
    fit = fit_logit(scenario, obs.subset(fitted), names, starts=starts, seed=seed, model=model, progress=progress)
    if not test_periods:
        return fit, None
    test = obs.subset(test_periods)
    A, B = model(fit.values)
    held = replay(scenario, log, parameters=fit.values, periods=test_periods, bootstrap=bootstrap, seed=seed)
    return fit, {"periods": list(test_periods), "fit_periods": list(fitted), "n_observations": len(test),
                 "log_likelihood_per_obs": log_likelihood(A, B, test, fit.lam) / len(test),
                 "n_moves": held.n_moves,
                 "scores": {k: held.scores[k] for k in ("model", "mirror", "repeat")},
                 "intervals": {k: list(held.intervals[k]) for k in ("model", "mirror", "repeat")},
                 "difference": dict(held.difference)}
