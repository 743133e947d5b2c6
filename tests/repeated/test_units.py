"""Units of repeated-play numbers: rates per span of time over rounds of a span of time."""

from __future__ import annotations

import pytest

from sim.repeated.units import game_units, payoff_units, span_in_years, summary_units


@pytest.mark.parametrize(
    "unit, period, factor, per_round, total",
    [
        ("USD bn per year", "quarter", 0.25, "USD bn per year", "USD bn"),
        ("EUR bn per year", "quarter", 0.25, "EUR bn per year", "EUR bn"),
        ("EUR bn per year", "month", 1 / 12, "EUR bn per year", "EUR bn"),
        ("USD bn/month", "year", 12.0, "USD bn/month", "USD bn"),
        ("EUR bn per year", "2 quarters", 0.5, "EUR bn per year", "EUR bn"),
        ("points per quarter", "quarter", 1.0, "points per quarter", "points"),
        ("points per round", "round", 1.0, "points per round", "points"),
        ("points", "round", 1.0, "points per round", "points"),
        ("share of the deal's surplus", "offer", 1.0, "share of the deal's surplus per offer",
         "share of the deal's surplus"),
        ("USD bn per year", "round", None, "USD bn per year", "USD bn per year × rounds"),
        ("", "round", 1.0, "payoff units", "payoff units"),
    ],
    ids=["year-quarter", "eur", "year-month", "month-year", "two-quarters", "same-span", "per-round", "plain",
         "not-time", "unconvertible", "none"],
)
def test_payoff_units(unit, period, factor, per_round, total):
    u = payoff_units(unit, period)
    assert u.factor == pytest.approx(factor) if factor is not None else u.factor is None
    assert (u.per_round, u.total) == (per_round, total)


@pytest.mark.parametrize("text, years", [("quarter", 0.25), ("Quarters", 0.25), ("a year", 1.0), ("2 months", 1 / 6),
                                         ("week", 7 / 365.25), ("offer", None), ("", None), ("round", None)])
def test_span_in_years(text, years):
    assert span_in_years(text) == (pytest.approx(years) if years is not None else None)


def test_convert_and_notes():
    u = payoff_units("USD bn per year", "quarter")
    assert u.convert(100.0) == 25.0 and u.convert(None) is None
    assert "counts 0.25 × the rate" in u.note() and u.note().endswith("sums over rounds are in USD bn")
    assert "not a span" in payoff_units("USD bn per year", "round").note()
    assert payoff_units("points", "round").note() == "payoffs per round in points per round; sums over rounds in points"
    assert payoff_units("USD bn per year", "round").convert(3.0) == 3.0


def test_game_units_and_summary(us_china_game):
    u = game_units(us_china_game)
    assert (u.factor, u.total, u.period) == (0.25, "USD bn", "quarter")
    summary = {"total_payoff": {"us": 40.0}, "discounted_payoff": {"us": 20.0},
               "total_payoff_quantiles": {"us": {"q05": 4.0}}, "discounted_payoff_quantiles": {"us": {"q05": 8.0}}}
    out = summary_units(summary, u)
    assert out["total_payoff"] == {"us": 10.0} and out["discounted_payoff_quantiles"] == {"us": {"q05": 2.0}}
    assert out["round_factor"] == 0.25 and out["total"] == "USD bn"
