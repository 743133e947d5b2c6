"""Threshold curves: how each side's critical discount factor moves with one parameter.

This is the "when does the truce hold?" question asked along one axis; ``tradesim sweep``
asks it over many at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from sim.errors import InputError
from sim.model.game import build_game, compile_payoffs
from sim.render import HtmlRepr
from sim.repeated.thresholds import truce_thresholds


@dataclass(frozen=True, eq=False)
class ThresholdCurve(HtmlRepr):
    """Critical discount factors of both sides at each value of one parameter.

    Attributes
    ----------
    name : scenario name; ``parameter``, ``unit`` : the swept parameter and its unit.
    values : ``(k,)`` parameter values.
    grim_nash, grim_minmax, tit_for_tat : ``(k, 2)`` critical δ per side (``inf``: never).
    discount : ``(k, 2)`` each side's discount factor.
    self_enforcing : ``(k, 2)`` whether each side's discount factor reaches its Nash-reversion threshold.
    """

    name: str
    parameter: str
    unit: str
    period: str
    player_ids: tuple[str, str]
    values: np.ndarray
    grim_nash: np.ndarray
    grim_minmax: np.ndarray
    tit_for_tat: np.ndarray
    discount: np.ndarray
    self_enforcing: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        def per(matrix):
            return {pid: [None if not np.isfinite(v) else float(v) for v in matrix[:, p]] for p, pid in enumerate(self.player_ids)}

        return {
            "parameter": self.parameter,
            "unit": self.unit,
            "values": self.values.tolist(),
            "grim_trigger": per(self.grim_nash),
            "grim_trigger_minmax": per(self.grim_minmax),
            "tit_for_tat": per(self.tit_for_tat),
            "discount": per(self.discount),
            "self_enforcing": {pid: self.self_enforcing[:, p].tolist() for p, pid in enumerate(self.player_ids)},
        }


def threshold_curve(scenario, parameter: str, values: Sequence[float], *, cooperative: Any = None) -> ThresholdCurve:
    """Truce thresholds of ``scenario`` as ``parameter`` takes each of ``values``.

    Parameters
    ----------
    scenario : a loaded :class:`sim.model.scenario.Scenario` with levers and parameters.
    parameter : the name of one of its parameters.
    values : the values to try.
    cooperative : the truce profile; default the scenario's ``[repeated] cooperative``.
    """

    if parameter not in scenario.parameters:
        known = ", ".join(scenario.parameters) or "none"
        raise InputError(f"no parameter {parameter!r} (parameters: {known})", key="parameter")
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or not len(values):
        raise InputError("give at least one value", key="values")
    compiled = compile_payoffs(scenario)
    rows = []
    for value in values:
        game = build_game(scenario, {parameter: float(value)}, compiled=compiled)
        rows.append(truce_thresholds(game, cooperative))
    first = rows[0]
    return ThresholdCurve(
        name=scenario.meta.name,
        parameter=parameter,
        unit=scenario.parameters[parameter].unit,
        period=first.period,
        player_ids=first.player_ids,
        values=values,
        grim_nash=np.array([r.grim_nash for r in rows]),
        grim_minmax=np.array([r.grim_minmax for r in rows]),
        tit_for_tat=np.array([r.tit_for_tat for r in rows]),
        discount=np.array([r.discount for r in rows]),
        self_enforcing=np.array([r.self_enforcing("grim_nash") for r in rows]),
    )
