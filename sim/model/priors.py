"""Priors on parameters: a tiny grammar (never evaluated as Python) and truncated inverse CDFs.

A parameter's ``prior`` is one of

* ``uniform(lo, hi)``;
* ``normal(mean, sd)``;
* ``lognormal(mu, sigma)`` (``mu`` and ``sigma`` of the log);
* ``triangular(lo, mode, hi)``;
* ``beta(a, b)``, scaled onto the parameter's ``range`` (which it then requires).

With a ``range`` the prior is truncated to it: a draw ``u`` in [0, 1) is mapped into
``[F(lo), F(hi)]`` and through the prior's inverse CDF, ``x = F⁻¹(F(lo) + u (F(hi) − F(lo)))``,
so stratified draws of ``u`` (a Latin hypercube) stay stratified. Without a prior, a parameter
with a ``range`` is uniform on it. scipy.stats is imported only when draws are mapped.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from sim.errors import ScenarioError

__all__ = ["Prior", "PRIOR_KINDS", "parse_prior", "parameter_prior"]

#: Prior families and their arguments, in order.
PRIOR_KINDS = {
    "uniform": ("lo", "hi"),
    "normal": ("mean", "sd"),
    "lognormal": ("mu", "sigma"),
    "triangular": ("lo", "mode", "hi"),
    "beta": ("a", "b"),
}
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_PRIOR = re.compile(r"\s*([a-z]+)\s*\(\s*(" + _NUMBER + r"(?:\s*,\s*" + _NUMBER + r")*)\s*\)\s*")
#: Smallest probability mass a prior may leave within the range.
MIN_MASS = 1e-12


@dataclass(frozen=True)
class Prior:
    """A parsed prior: family, its arguments, and the range it is truncated to (``None``: none)."""

    kind: str
    args: tuple[float, ...]
    range: tuple[float, float] | None = None

    @property
    def text(self) -> str:
        """The prior as written canonically, e.g. ``normal(3.8, 0.6)``."""
        return f"{self.kind}({', '.join(f'{a:g}' for a in self.args)})"

    def cdf(self, x: float) -> float:
        """The untruncated prior's CDF at ``x`` (pure Python, so loading a file needs no scipy; not beta)."""
        k, a = self.kind, self.args
        if k == "uniform":
            return min(1.0, max(0.0, (x - a[0]) / (a[1] - a[0])))
        if k == "normal":
            return 0.5 * math.erfc(-(x - a[0]) / (a[1] * math.sqrt(2.0)))
        if k == "lognormal":
            return 0.0 if x <= 0 else 0.5 * math.erfc(-(math.log(x) - a[0]) / (a[1] * math.sqrt(2.0)))
        if k == "triangular":
            lo, mode, hi = a
            if x <= lo:
                return 0.0
            if x >= hi:
                return 1.0
            if x <= mode:
                return (x - lo) ** 2 / ((hi - lo) * (mode - lo))
            return 1.0 - (hi - x) ** 2 / ((hi - lo) * (hi - mode))
        raise ValueError("the CDF of a beta prior needs scipy: use ppf")

    def mass(self) -> float:
        """Probability the untruncated prior puts within the range (1 without a range)."""
        if self.range is None or self.kind == "beta":
            return 1.0
        lo, hi = self.range
        if self.kind in ("normal", "lognormal"):  # the far tail, where 1 - F loses all precision
            upper = self._sf(lo) - self._sf(hi)
            return max(upper, self.cdf(hi) - self.cdf(lo))
        return self.cdf(hi) - self.cdf(lo)

    def _sf(self, x: float) -> float:
        mu, sd = self.args
        if self.kind == "lognormal":
            if x <= 0:
                return 1.0
            x = math.log(x)
        return 0.5 * math.erfc((x - mu) / (sd * math.sqrt(2.0)))

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Map uniforms ``u`` in [0, 1) to draws of the prior truncated to its range."""
        dist = self._scipy()
        u = np.asarray(u, dtype=float)
        if self.range is None or self.kind == "beta":
            return dist.ppf(u)
        lo, hi = self.range
        if dist.cdf(lo) > 0.5:  # upper tail: work with the survival function, which keeps precision there
            s_lo, s_hi = dist.sf(lo), dist.sf(hi)
            x = dist.isf(s_lo - u * (s_lo - s_hi))
        else:
            f_lo, f_hi = dist.cdf(lo), dist.cdf(hi)
            x = dist.ppf(f_lo + u * (f_hi - f_lo))
        return np.clip(x, lo, hi)

    def _scipy(self):
        from scipy import stats

        k, a = self.kind, self.args
        if k == "uniform":
            return stats.uniform(loc=a[0], scale=a[1] - a[0])
        if k == "normal":
            return stats.norm(loc=a[0], scale=a[1])
        if k == "lognormal":
            return stats.lognorm(s=a[1], scale=math.exp(a[0]))
        if k == "triangular":
            lo, mode, hi = a
            return stats.triang(c=(mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
        lo, hi = self.range
        return stats.beta(a[0], a[1], loc=lo, scale=hi - lo)


def parse_prior(text: str, *, range: tuple[float, float] | None = None, key: str = "prior",
                source: str | None = None) -> Prior:
    """Parse and check a prior (see the module docstring); truncated to ``range`` when given.

    Raises :class:`~sim.errors.ScenarioError` naming ``key`` for text that is not a prior of a
    known family, the wrong number of arguments, sd/sigma/a/b <= 0, lo >= hi, a mode outside
    [lo, hi], ``beta`` without a range, or no probability mass within the range.
    """

    def fail(message: str):
        raise ScenarioError(message, file=source, key=key)

    kinds = ", ".join(f"{k}({', '.join(v)})" for k, v in PRIOR_KINDS.items())
    match = _PRIOR.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        fail(f"expected one of {kinds}; got {text!r}")
    kind = match.group(1)
    if kind not in PRIOR_KINDS:
        fail(f"unknown prior {kind!r}; expected one of {kinds}")
    args = tuple(float(v) for v in match.group(2).split(","))
    names = PRIOR_KINDS[kind]
    if len(args) != len(names):
        fail(f"{kind} takes {len(names)} numbers ({', '.join(names)}), got {len(args)}")
    if not all(math.isfinite(v) for v in args):
        fail("every number must be finite")
    if kind in ("uniform", "triangular") and not args[0] < args[-1]:
        fail(f"lo must be below hi, got lo={args[0]:g}, hi={args[-1]:g}")
    if kind == "triangular" and not args[0] <= args[1] <= args[2]:
        fail(f"the mode must be within [lo, hi], got {args[1]:g}")
    if kind == "normal" and not args[1] > 0:
        fail(f"sd must be > 0, got {args[1]:g}")
    if kind == "lognormal" and not args[1] > 0:
        fail(f"sigma must be > 0, got {args[1]:g}")
    if kind == "beta":
        if not (args[0] > 0 and args[1] > 0):
            fail(f"a and b must be > 0, got a={args[0]:g}, b={args[1]:g}")
        if range is None:
            fail("beta(a, b) is scaled onto the parameter's range: give the parameter a range")
    if range is not None:
        range = (float(range[0]), float(range[1]))
        if not range[0] < range[1]:
            fail(f"a prior needs a range of positive width, got [{range[0]:g}, {range[1]:g}]")
    prior = Prior(kind, args, range)
    if prior.mass() < MIN_MASS:
        fail(f"{prior.text} puts no probability within the range [{range[0]:g}, {range[1]:g}]")
    return prior


def parameter_prior(name: str, parameter, *, source: str | None = None) -> Prior | None:
    """The prior a parameter is drawn from: its ``prior`` (truncated to its ``range``), uniform on
    its ``range`` without one, ``None`` when it has neither."""
    key = f"parameters.{name}.prior"
    if parameter.prior is not None:
        return parse_prior(parameter.prior, range=parameter.range, key=key, source=source)
    if parameter.range is None or not parameter.range[0] < parameter.range[1]:
        return None
    lo, hi = (float(v) for v in parameter.range)
    return Prior("uniform", (lo, hi), (lo, hi))
