"""Units of repeated-play numbers: what a round's payoff, a sum over rounds and a mean are measured in.

A scenario states ``payoff_unit`` (e.g. ``"USD bn per year"``) and ``[scenario] period`` (what one
round is, e.g. ``"quarter"``). When the payoff is a rate per a span of time and a round is a span of
time too, a round contributes ``rate × (round length / rate span)``: a rate in USD bn per year held
for a quarter is worth ``0.25 ×`` the rate in USD bn. Sums over rounds are then stated in the stock
unit (``"USD bn"``), not in rate-rounds. When either side is not a span of time (``"points"``,
``"offer"``), a round's payoff is taken as the amount earned in that round.

:func:`payoff_units` parses the two strings and returns a :class:`PayoffUnits` with the factor and
the labels every table, JSON record and axis uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["PayoffUnits", "payoff_units", "game_units", "span_in_years", "summary_units"]

#: Length of each named span of time, in years.
_SPANS = {
    "year": 1.0, "annum": 1.0, "yr": 1.0,
    "half-year": 0.5, "half year": 0.5, "semester": 0.5,
    "quarter": 0.25, "qtr": 0.25,
    "month": 1.0 / 12.0, "mo": 1.0 / 12.0,
    "week": 7.0 / 365.25, "wk": 7.0 / 365.25,
    "day": 1.0 / 365.25,
}
_SPAN_RE = re.compile(r"^\s*(?:an?\s+|one\s+|(?P<n>\d+(?:\.\d+)?)\s*)?(?P<span>[a-z][a-z -]*?)s?\s*$")
_RATE_RE = re.compile(r"^(?P<stock>.*?)\s*(?:per|/)\s*(?P<span>[^/]*?)\s*$", re.IGNORECASE)


def span_in_years(text: str | None) -> float | None:
    """Length in years of a span such as ``"quarter"``, ``"2 months"``, ``"a year"``; ``None`` if not a span."""
    if not text:
        return None
    m = _SPAN_RE.match(text.strip().lower())
    if m is None:
        return None
    span = m.group("span").strip()
    years = _SPANS.get(span) if span in _SPANS else _SPANS.get(span.rstrip("s"))
    if years is None:
        return None
    return years * (float(m.group("n")) if m.group("n") else 1.0)


@dataclass(frozen=True)
class PayoffUnits:
    """Units of a repeated game's payoffs.

    Attributes
    ----------
    payoff_unit : the scenario's ``payoff_unit`` as written (``""`` if none).
    period : what one round is (``"round"`` if the scenario does not say).
    factor : what one round's payoff is worth in ``total`` units (``0.25`` for a rate per year
        over quarterly rounds; ``1.0`` when the payoff is already an amount per round), or
        ``None`` when the payoff is a rate per a span that the period cannot be converted to.
    per_round : unit of a payoff in one round / a mean payoff per round (the rate as written).
    total : unit of a (discounted) sum over rounds after multiplying by ``factor``.
    """

    payoff_unit: str
    period: str
    factor: float | None
    per_round: str
    total: str

    def convert(self, value: Any) -> Any:
        """A sum over rounds (of stage payoffs) in ``total`` units; unchanged when no factor is known."""
        if value is None or self.factor is None:
            return value
        return value * self.factor

    def note(self) -> str:
        """One sentence saying how sums over rounds are stated."""
        if self.factor is None:
            return (f"payoffs in {self.per_round}; sums over rounds are in {self.total} (a {self.period} is "
                    f"not a span the rate can be converted to)")
        if self.factor == 1.0:
            return f"payoffs per {self.period} in {self.per_round}; sums over rounds in {self.total}"
        return (f"payoffs are rates in {self.per_round}; a {self.period} at a rate counts {self.factor:g} × the rate, "
                f"so sums over rounds are in {self.total}")

    def to_dict(self) -> dict[str, Any]:
        return {"payoff_unit": self.payoff_unit, "period": self.period, "round_factor": self.factor,
                "per_round": self.per_round, "total": self.total}


def payoff_units(payoff_unit: str | None, period: str | None = None) -> PayoffUnits:
    """Parse ``payoff_unit`` (``"X per year|quarter|month|..."`` or a plain unit) and the round ``period``.

    Examples
    --------
    >>> u = payoff_units("USD bn per year", "quarter"); (u.factor, u.per_round, u.total)
    (0.25, 'USD bn per year', 'USD bn')
    >>> payoff_units("points", "round").total
    'points'
    >>> payoff_units("points per round", "round").factor
    1.0
    """
    unit = (payoff_unit or "").strip()
    period = (period or "").strip() or "round"
    m = _RATE_RE.match(unit)
    if m is None or not m.group("stock"):
        amount = unit or "payoff units"
        return PayoffUnits(unit, period, 1.0, f"{amount} per {period}" if unit else amount, amount)
    stock, rate_span = m.group("stock").strip(), m.group("span").strip()
    rate_years, round_years = span_in_years(rate_span), span_in_years(period)
    if rate_span.lower().rstrip("s") in (period.lower().rstrip("s"), "round"):
        return PayoffUnits(unit, period, 1.0, unit, stock)
    if rate_years is not None and round_years is not None:
        return PayoffUnits(unit, period, round_years / rate_years, unit, stock)
    return PayoffUnits(unit, period, None, unit, f"{unit} × {period}s")


def game_units(game: Any) -> PayoffUnits:
    """The :class:`PayoffUnits` of a stage game (its ``units`` and its scenario's ``period``)."""
    scenario = getattr(game, "scenario", None)
    meta = getattr(scenario, "meta", None)
    return payoff_units(getattr(game, "units", ""), getattr(meta, "period", None))


def summary_units(summary: dict[str, Any], units: PayoffUnits) -> dict[str, Any]:
    """The units of a match summary (:meth:`sim.repeated.match.MatchResult.summary`), with its sums
    over rounds (``total_payoff``, ``discounted_payoff`` and their quantiles, which add up the
    per-round payoffs as written) converted to ``units.total``."""
    conv = units.convert
    out: dict[str, Any] = units.to_dict()
    for name in ("total_payoff", "discounted_payoff"):
        out[name] = {pid: conv(v) for pid, v in summary[name].items()}
        out[f"{name}_quantiles"] = {pid: {q: conv(v) for q, v in qs.items()}
                                    for pid, qs in summary[f"{name}_quantiles"].items()}
    return out
