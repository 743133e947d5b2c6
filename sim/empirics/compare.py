"""Conclusions of scenario variants side by side: what changed, by how much, which conclusion flipped.

:func:`scenario_conclusions` analyses one scenario's stage game and lists its conclusions in a
fixed order, each a :class:`Conclusion`:

* ``parameters.NAME``: every parameter's value (kind ``parameter``);
* ``equilibria``: the Nash equilibria as action labels (kind ``labels``); ``equilibria.count``,
  ``equilibria.pure_count``;
* ``security.PLAYER``: each side's mixed maxmin value (what it can guarantee itself);
* ``bargaining.PLAYER``: the Nash bargaining payoffs, disagreement at the worst-for-both Nash
  payoffs (``tradesim solve``'s default);
* ``threat.PLAYER.credible`` / ``.deters``: "if the other side escalates every lever from the
  truce, PLAYER escalates every lever" (:func:`sim.stage.commitment.threat_check`), or the threats
  given; ``threat.PLAYER.gap``, what carrying it out costs PLAYER against its best reply;
* ``truce.critical_delta.PLAYER``: the grim-trigger (Nash reversion) threshold of the scenario's
  truce; ``truce.self_enforcing.PLAYER`` and ``truce.self_enforcing``, for both sides.

:func:`compare` lines up the conclusions of several scenarios. A conclusion has *changed* when its
value differs in any scenario from the first one (numbers beyond a relative ``1e-9``); a *verdict*
(a yes/no or the equilibrium set) that changed has *flipped*. Numbers carry their difference from
the first scenario. Nothing here prints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from sim.model.game import build_game
from sim.model.load import load_scenario
from sim.repeated.thresholds import truce_thresholds
from sim.stage.bargaining import nash_bargaining
from sim.stage.commitment import threat_check
from sim.stage.equilibria import nash_equilibria
from sim.stage.security import security

__all__ = ["Conclusion", "ScenarioConclusions", "Comparison", "scenario_conclusions", "compare",
           "equilibrium_label", "escalation_threat", "VERDICT_KINDS"]

#: Kinds of conclusion that flip (a yes/no, a set of labels) rather than move by an amount.
VERDICT_KINDS = ("flag", "labels")
#: Relative tolerance for two numbers to count as the same.
RTOL = 1e-9


@dataclass(frozen=True)
class Conclusion:
    """One conclusion of one scenario.

    ``kind`` is ``parameter`` or ``number`` (a float, ``None`` for never/undefined), ``flag`` (a
    bool) or ``labels`` (a tuple of strings); ``unit`` what a number is in; ``text`` how to read it.
    """

    name: str
    value: Any
    kind: str
    unit: str = ""
    text: str = ""


@dataclass(frozen=True)
class ScenarioConclusions:
    """Every conclusion of one scenario, in order; ``details`` keeps the raw results (JSON-ready)."""

    source: str
    name: str
    player_ids: tuple[str, str]
    units: str
    period: str
    conclusions: tuple[Conclusion, ...]
    details: dict = field(default_factory=dict, repr=False)

    def get(self, name: str) -> Conclusion | None:
        return next((c for c in self.conclusions if c.name == name), None)

    def to_dict(self) -> dict:
        return {"source": self.source, "name": self.name, "players": list(self.player_ids), "units": self.units,
                "period": self.period, "conclusions": {c.name: _plain(c.value) for c in self.conclusions}}


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def equilibrium_label(strategies: dict[str, dict[str, float]], player_ids: Sequence[str]) -> str:
    """``us: tariff=truce, ... | china: ...``; a mixed strategy as ``0.5×[C] + 0.5×[D]``."""
    parts = []
    for pid in player_ids:
        s = strategies[pid]
        if len(s) == 1:
            parts.append(f"{pid}: {next(iter(s))}")
        else:
            parts.append(f"{pid}: " + " + ".join(f"{p:.3g}×[{a}]" for a, p in s.items()))
    return " | ".join(parts)


def escalation_threat(game, threatener: int) -> tuple[int, int]:
    """The default threat of ``threatener``: ``(trigger, response)`` = (the other side's most hostile
    action, the threatener's most hostile action)."""
    other = 1 - threatener
    return int(np.argmax(game.hostility(other))), int(np.argmax(game.hostility(threatener)))


def scenario_conclusions(source: str, *, threats: dict[int, tuple[Any, Any]] | None = None,
                         max_seconds: float = 60.0) -> ScenarioConclusions:
    """The conclusions of the scenario file ``source`` (its stage game; see the module docstring).

    ``threats`` maps a threatener (0 or 1) to ``(trigger, response)`` as :func:`threat_check`
    takes them (labels or lever settings); default: :func:`escalation_threat` for both sides.
    """
    scenario = load_scenario(source)
    game = build_game(scenario, source=source)
    ids = tuple(game.player_ids)
    units = game.units or ""
    out: list[Conclusion] = []
    for pname, p in scenario.parameters.items():
        out.append(Conclusion(f"parameters.{pname}", float(p.value), "parameter", p.unit,
                              p.source and f"source: {p.source}" or f"assumption: {p.assumption}"))
    eq = nash_equilibria(game, "auto", max_seconds=max_seconds)
    eq_dict = eq.to_dict()
    labels = tuple(sorted(equilibrium_label(e["strategies"], ids) for e in eq_dict["equilibria"]))
    pure = sum(all(len(e["strategies"][p]) == 1 for p in ids) for e in eq_dict["equilibria"])
    out.append(Conclusion("equilibria", labels, "labels", text="the Nash equilibria (action labels)"))
    out.append(Conclusion("equilibria.count", len(labels), "number", text="Nash equilibria"))
    out.append(Conclusion("equilibria.pure_count", pure, "number", text="pure Nash equilibria"))
    for e_k, e in enumerate(eq_dict["equilibria"][:1]):
        for pid in ids:
            out.append(Conclusion(f"equilibrium_payoff.{pid}", e["payoffs"][pid], "number", units,
                                  f"{pid}'s payoff in the first equilibrium"))
    sec = [s.to_dict() for s in security(game)]
    for s in sec:
        value = s["maxmin_mixed"]["value"]
        out.append(Conclusion(f"security.{s['player']}", value if value is not None else s["maxmin_pure"]["value"],
                              "number", units, f"what {s['player']} can guarantee itself (mixed maxmin)"))
    d = "security"
    if eq.equilibria:
        pay = np.array([e.payoffs for e in eq.equilibria])
        d = (float(pay[:, 0].min()), float(pay[:, 1].min()))
    nb = nash_bargaining(game, d).to_dict()
    for pid in ids:
        value = (nb.get("payoffs") or {}).get(pid)
        out.append(Conclusion(f"bargaining.{pid}", value, "number", units,
                              f"{pid}'s Nash bargaining payoff (disagreement: worst-for-both Nash payoffs)"))
    th = truce_thresholds(game)
    threat_items = []
    for t in (0, 1):
        trigger, response = (threats or {}).get(t) or escalation_threat(game, t)
        r = threat_check(game, t, trigger, response, baseline=th.cooperative)
        item = r.to_dict()
        threat_items.append(item)
        pid = ids[t]
        what = f"if {ids[1 - t]} plays [{item['trigger']}], {pid} answers [{item['response']}]"
        out.append(Conclusion(f"threat.{pid}.credible", bool(r.credible), "flag", text=what + ": credible"))
        out.append(Conclusion(f"threat.{pid}.deters", bool(r.deterrent), "flag", text=what + ": deters"))
        out.append(Conclusion(f"threat.{pid}.gap", float(r.credibility_gap), "number", units,
                              f"what carrying out {pid}'s threat costs it against its best reply"))
    se = th.self_enforcing("grim_nash")
    for p, pid in enumerate(ids):
        out.append(Conclusion(f"truce.critical_delta.{pid}", float(th.grim_nash[p]), "number", f"per {th.period}",
                              f"{pid}'s critical discount factor under grim trigger (its own: {th.discount[p]:.3g})"))
    for p, pid in enumerate(ids):
        out.append(Conclusion(f"truce.self_enforcing.{pid}", bool(se[p]), "flag",
                              text=f"the truce is self-enforcing for {pid} (grim trigger)"))
    out.append(Conclusion("truce.self_enforcing", bool(all(se)), "flag",
                          text="the truce is self-enforcing for both sides (grim trigger)"))
    details = {"equilibria": eq_dict["equilibria"], "complete": eq.complete, "security": sec, "bargaining": nb,
               "threats": threat_items, "thresholds": th.to_dict(), "shape": list(game.shape)}
    return ScenarioConclusions(source=str(source), name=game.name, player_ids=ids, units=units,
                               period=th.period, conclusions=tuple(out), details=details)


def _same(a: Any, b: Any, kind: str) -> bool:
    if kind in ("number", "parameter"):
        if a is None or b is None:
            return a is None and b is None
        a, b = float(a), float(b)
        if math.isinf(a) or math.isinf(b):
            return a == b
        return abs(a - b) <= RTOL * max(1.0, abs(a), abs(b))
    return a == b


@dataclass(frozen=True)
class ComparedConclusion:
    """One conclusion across the scenarios: ``values`` (``None`` where a scenario lacks it),
    ``changed``, ``flipped`` (a verdict that changed), ``delta`` (numbers: each value minus the
    first) and, for the equilibrium set, which labels ``appeared`` and ``disappeared`` in each."""

    name: str
    kind: str
    unit: str
    text: str
    values: tuple
    changed: bool
    flipped: bool
    delta: tuple | None = None
    appeared: tuple | None = None
    disappeared: tuple | None = None

    def to_dict(self) -> dict:
        out = {"name": self.name, "values": [_plain(v) for v in self.values], "changed": self.changed,
               "flipped": self.flipped, "kind": self.kind, "unit": self.unit, "text": self.text}
        if self.delta is not None:
            out["delta"] = [_plain(v) for v in self.delta]
        if self.appeared is not None:
            out["appeared"] = [list(a) for a in self.appeared]
            out["disappeared"] = [list(a) for a in self.disappeared]
        return out


@dataclass(frozen=True)
class Comparison:
    """The conclusions of several scenarios side by side (the first is the reference)."""

    scenarios: tuple[ScenarioConclusions, ...]
    conclusions: tuple[ComparedConclusion, ...]

    @property
    def flipped(self) -> tuple[ComparedConclusion, ...]:
        return tuple(c for c in self.conclusions if c.flipped)

    @property
    def changed(self) -> tuple[ComparedConclusion, ...]:
        return tuple(c for c in self.conclusions if c.changed)

    def to_dict(self) -> dict:
        return {
            "scenarios": [{"file": s.source, "name": s.name, "players": list(s.player_ids), "units": s.units,
                           "period": s.period} for s in self.scenarios],
            "conclusions": [c.to_dict() for c in self.conclusions],
            "flipped": [c.name for c in self.flipped],
        }


def compare(sources: Sequence[str], **options: Any) -> Comparison:
    """Analyse each scenario file (:func:`scenario_conclusions`) and line up their conclusions.

    Conclusions come in the first scenario's order, then any only later ones have (a parameter a
    variant adds). Raises :class:`~sim.errors.TradesimError` for a bad file, as loading does.
    """
    each = tuple(scenario_conclusions(s, **options) for s in sources)
    names: list[str] = []
    for sc in each:
        names.extend(c.name for c in sc.conclusions if c.name not in names)
    rows = []
    for name in names:
        found = [sc.get(name) for sc in each]
        first = next(c for c in found if c is not None)
        values = tuple(None if c is None else c.value for c in found)
        changed = any(c is None for c in found) or any(not _same(values[0], v, first.kind) for v in values[1:])
        delta = appeared = disappeared = None
        if first.kind in ("number", "parameter"):
            base = values[0]
            delta = tuple(None if v is None or base is None else float(v) - float(base) for v in values)
        if first.kind == "labels":
            base = set(values[0] or ())
            appeared = tuple(tuple(sorted(set(v or ()) - base)) for v in values)
            disappeared = tuple(tuple(sorted(base - set(v or ()))) for v in values)
        rows.append(ComparedConclusion(name, first.kind, first.unit, first.text, values, changed,
                                       changed and first.kind in VERDICT_KINDS, delta, appeared, disappeared))
    return Comparison(each, tuple(rows))
