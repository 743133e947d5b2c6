"""The whole one-shot analysis of a stage game in one call: :func:`analyse` (``sim.analyse``).

One call runs what ``tradesim solve`` reports on a stage game, under one time budget, and returns
one frozen :class:`Analysis`:

* Nash equilibria (:func:`sim.stage.equilibria.nash_equilibria`) and iterated dominance;
* security levels (maxmin, minmax), the Pareto-efficient pure profiles;
* the Nash bargaining and Kalai–Smorodinsky agreements over one disagreement point (by default
  worst-for-both Nash payoffs, as everywhere: :data:`sim.stage.bargaining.DEFAULT_DISAGREEMENT`
  argues the choice), the utilitarian optimum, the correlated equilibrium of largest total payoff;
* Stackelberg outcomes with each side leading (pure and mixed commitment), and any threats asked for;
* the truce thresholds of the cooperative profile (:func:`sim.repeated.thresholds.truce_thresholds`).

``max_seconds`` bounds the equilibrium search, and once more every other step together (one
shared :class:`~sim.stage.budget.Budget`). A step the budget stops returns what it has and says so
(``complete: false`` or ``skipped``); :attr:`Analysis.cut_short` lists those steps and why. The
steps that are one pass over the payoffs (Pareto set, utilitarian optimum, pure Stackelberg) always
run. ``to_dict()`` is exactly what ``tradesim solve --format json`` prints (its keys are stable);
``str()`` is solve's text; ``to_frame()`` one tidy row per concept.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from sim.errors import InputError, TradesimError
from sim.render import HtmlRepr, table_html
from sim.repeated.thresholds import TruceThresholds, truce_thresholds
from sim.stage.bargaining import (
    DEFAULT_DISAGREEMENT,
    BargainingSolution,
    CorrelatedEquilibrium,
    correlated_equilibrium,
    kalai_smorodinsky,
    nash_bargaining,
    pareto_profiles,
    utilitarian_optimum,
)
from sim.stage.budget import Budget, Progress
from sim.stage.commitment import (
    StackelbergOutcome,
    ThreatAssessment,
    stackelberg,
    stackelberg_mixed,
    threat_check,
)
from sim.stage.dominance import DominanceResult, iterated_dominance
from sim.stage.equilibria import nash_equilibria
from sim.stage.equilibrium_set import EquilibriumSet
from sim.stage.labels import attach_labels, fmt_value, records_frame, strategy_text
from sim.stage.security import SecurityLevels, security

__all__ = ["Analysis", "analyse", "analysis_text", "DEFAULT_DISAGREEMENT", "DISAGREEMENTS", "MAX_PARETO_LISTED"]

#: Pareto-efficient profiles listed in ``to_dict()`` (all are counted).
MAX_PARETO_LISTED = 1_000
DISAGREEMENTS = ("nash", "security")
#: Why a step of the analysis has no (complete) result when the budget ran out before it.
BUDGET_REASON = "time budget"
#: The truce thresholds take no budget of their own (two minmax LPs, a tit-for-tat programme): they
#: start only if the budget has this many seconds left per payoff cell (13 s measured on a
#: 1000 x 1000 game, 1.4 s on 400 x 400; twice that here), so they cannot overrun it by much.
THRESHOLD_SECONDS_PER_CELL = 2e-5


@dataclass(frozen=True, eq=False)
class Analysis(HtmlRepr):
    """Everything :func:`analyse` found on one stage game, labelled, and how it was found.

    Attributes
    ----------
    name, player_ids, actions, shape, units : the game (action labels, payoff unit).
    equilibria, dominance, security : the equilibrium search, the elimination record, both
        players' security levels.
    pareto, pareto_payoffs : ``(k, 2)`` Pareto-efficient pure profiles (action indices), their payoffs.
    bargaining : Nash bargaining, Kalai–Smorodinsky and the utilitarian optimum.
    correlated : the correlated equilibrium of largest total payoff.
    stackelberg, stackelberg_mixed : pure and mixed commitment, with each player leading.
    thresholds : the truce thresholds of the cooperative profile (``None`` when skipped, and
        ``thresholds_skipped`` says why).
    threats : the threats asked for.
    settings : method, disagreement, tie rule, max_seconds, mixed_dominance.
    cut_short : step name -> why it did not finish (time budget, memory cap).
    seconds : step name -> seconds it took.
    """

    name: str
    player_ids: tuple[str, str]
    actions: tuple[tuple[str, ...], tuple[str, ...]]
    shape: tuple[int, int]
    units: str
    equilibria: EquilibriumSet
    dominance: DominanceResult
    security: SecurityLevels
    pareto: np.ndarray
    pareto_payoffs: np.ndarray
    bargaining: tuple[BargainingSolution, ...]
    correlated: CorrelatedEquilibrium
    stackelberg: tuple[StackelbergOutcome, ...]
    stackelberg_mixed: tuple[StackelbergOutcome, ...]
    thresholds: TruceThresholds | None
    threats: tuple[ThreatAssessment, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    cut_short: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    thresholds_skipped: str | None = None

    @property
    def complete(self) -> bool:
        """Every step finished (none was cut short by the budget)."""
        return not self.cut_short

    def to_dict(self) -> dict[str, Any]:
        """What ``tradesim solve --format json`` prints (stable keys), without the knife edges."""
        ids, acts = self.player_ids, self.actions
        out = self.equilibria.to_dict()
        out["dominance"] = self.dominance.to_dict()
        out["game"] = {"name": self.name, "players": list(ids), "shape": list(self.shape), "units": self.units}
        out["security"] = self.security.to_dict()
        out["pareto"] = [
            {"profile": {ids[0]: acts[0][i], ids[1]: acts[1][j]},
             "payoffs": {ids[0]: float(u[0]), ids[1]: float(u[1])}}
            for (i, j), u in zip(self.pareto[:MAX_PARETO_LISTED], self.pareto_payoffs)
        ]
        out["pareto_count"] = int(len(self.pareto))
        out["bargaining"] = [s.to_dict() for s in self.bargaining]
        out["disagreement"] = self.settings.get("disagreement", DEFAULT_DISAGREEMENT)
        out["correlated_equilibrium"] = self.correlated.to_dict()
        out["stackelberg"] = [s.to_dict() for s in self.stackelberg]
        out["stackelberg_mixed"] = [s.to_dict() for s in self.stackelberg_mixed]
        if self.thresholds is not None:
            out["truce_thresholds"] = {**self.thresholds.to_dict(), "complete": True, "skipped": None}
        else:
            out["truce_thresholds"] = {"complete": False, "skipped": self.thresholds_skipped}
        if self.threats:
            out["threats"] = [t.to_dict() for t in self.threats]
        out["budget"] = {"max_seconds": self.settings.get("max_seconds"), "complete": self.complete,
                         "cut_short": dict(self.cut_short), "seconds": {k: round(v, 4) for k, v in self.seconds.items()}}
        return out

    def records(self) -> list[dict[str, Any]]:
        """One record per concept: what each side plays, gets (``value.PID``, in ``unit``) and the status."""
        ids = self.player_ids
        rows: list[dict[str, Any]] = []

        def add(concept, item, strategies, values, *, unit=self.units, status="complete"):
            row = {"concept": concept, "item": item}
            row.update({f"strategy.{p}": s for p, s in zip(ids, strategies)})
            row.update({f"value.{p}": None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
                        for p, v in zip(ids, values)})
            row.update({"unit": unit, "status": status})
            rows.append(row)

        for k, e in enumerate(self.equilibria.to_dict()["equilibria"], 1):
            add("Nash equilibrium", str(k), [strategy_text(e["strategies"][p]) for p in ids],
                [e["payoffs"][p] for p in ids], status="complete" if self.equilibria.complete else
                ("partial: " + BUDGET_REASON if self.equilibria.partial else "not guaranteed complete"))
        sec = [s.to_dict() for s in self.security]
        add("security level (pure maxmin)", "", [s["maxmin_pure"]["action"] for s in sec],
            [s["maxmin_pure"]["value"] for s in sec])
        skipped = [s["skipped"] for s in sec if s["skipped"]]
        add("security level (mixed maxmin)", "", [strategy_text(s["maxmin_mixed"]["strategy"]) or None for s in sec],
            [s["maxmin_mixed"]["value"] for s in sec], status=_status(not skipped, skipped[0] if skipped else None))
        add("Pareto-efficient pure profiles", f"{len(self.pareto)} profiles", [None, None], [None, None], unit="")
        for b in self.bargaining:
            d = b.to_dict()
            pure = [x["profile"] for x in d["lottery"]] if len(d["lottery"]) == 1 else None
            item = "" if len(d["lottery"]) < 2 else "lottery " + " / ".join(
                f"{x['weight']:.3g} x ({'; '.join(x['profile'])})" for x in d["lottery"])
            if b.disagreement is not None:
                item += ("; " if item else "") + "disagreement point " + ", ".join(
                    f"{p} {fmt_value(v)}" for p, v in d["disagreement"].items()) + f" ({b.disagreement_source})"
            add(b.concept, item, pure[0] if pure else [None, None], [d["payoffs"][p] for p in ids],
                status=_status(b.complete, b.skipped))
        ce = self.correlated.to_dict()
        add("correlated equilibrium (max total)", f"{len(ce['distribution'])} profiles", [None, None],
            [ce["payoffs"][p] for p in ids], status=_status(ce["complete"], ce["skipped"]))
        for s in (*self.stackelberg, *self.stackelberg_mixed):
            r = s.record()
            strat = [r["commitment"], r["follower_action"]] if s.leader == 0 else [r["follower_action"], r["commitment"]]
            kind = "mixed commitment" if s.leader_strategy is not None else "pure commitment"
            add(f"Stackelberg ({ids[s.leader]} leads)", kind, strat, [r[f"payoff.{p}"] for p in ids],
                status=_status(s.complete, None))
        th = self.thresholds
        if th is not None:
            add("truce", "cooperative profile", list(th.cooperative_labels), list(th.cooperative_payoff))
            for rule, label in (("grim_nash", "grim trigger (Nash reversion)"), ("grim_minmax", "grim trigger (minmax)"),
                                ("tit_for_tat", "tit for tat")):
                add("critical discount factor", label, [None, None], list(getattr(th, rule)),
                    unit=f"discount factor per {th.period}")
        else:
            add("truce thresholds", "", [None, None], [None, None], unit="",
                status=f"skipped: {self.thresholds_skipped}")
        for t in self.threats:
            r = t.record()
            add("threat", f"if {r['target']} plays [{r['trigger']}], {r['threatener']} answers [{r['response']}]",
                [None, None], [None, None], unit="",
                status=f"{'credible' if t.credible else 'not credible'}, {'deters' if t.deterrent else 'does not deter'}")
        return rows

    def to_frame(self):
        """The analysis as a tidy :class:`pandas.DataFrame`: one row per concept (equilibria one each),
        columns ``concept, item, strategy.PID, value.PID, unit, status``."""
        return records_frame(self.records())

    def __str__(self) -> str:
        return analysis_text(self.to_dict())

    def __repr__(self) -> str:
        return (f"<Analysis of {self.name}: {self.shape[0]} x {self.shape[1]}, {len(self.equilibria)} equilibria, "
                + ("complete" if self.complete else "cut short: " + ", ".join(self.cut_short)) + ">")

    def _repr_html_(self) -> str:
        cut = "" if self.complete else "; cut short: " + ", ".join(f"{k} ({v})" for k, v in self.cut_short.items())
        caption = (f"{self.name}: {self.shape[0]} x {self.shape[1]} actions"
                   + (f", payoffs in {self.units}" if self.units else "") + cut)
        return table_html(self.records(), caption=caption)


def _status(complete: bool, skipped: str | None) -> str:
    if skipped:
        return f"skipped: {skipped}"
    return "complete" if complete else "incomplete: " + BUDGET_REASON


def analyse(game, *, method: str = "auto", max_seconds: float | None = 60.0,
            disagreement: str = DEFAULT_DISAGREEMENT, tie: str = "leader", mixed_dominance: bool = False,
            cooperative: Any = None, threats: Iterable[tuple[int, Any, Any]] = (),
            progress: Progress | None = None, budget: Budget | None = None) -> Analysis:
    """The whole one-shot analysis of the stage game ``game``, under one time budget.

    Parameters
    ----------
    game : a :class:`~sim.model.game.StageGame` (or anything with ``A``, ``B``, labels).
    method : the equilibrium search (``auto``, ``pure``, ``support``, ``vertex``, ``lemke-howson``).
    max_seconds : seconds for the equilibrium search, and once more for all the other steps
        together; ``None`` for no limit.
    disagreement : the bargaining threat point, ``"nash"`` (the default everywhere, argued at
        :data:`sim.stage.bargaining.DEFAULT_DISAGREEMENT`: each side's lowest payoff over the
        equilibria found) or ``"security"`` (mixed security levels). With no equilibrium found the
        security levels are used and the solutions' notes say so.
    tie : Stackelberg follower ties, ``"leader"`` (in the leader's favour) or ``"against"``.
    mixed_dominance : also remove actions dominated by mixtures (one LP each).
    cooperative : the truce profile of the thresholds (default the scenario's).
    threats : ``(threatener, trigger, response)`` triples for :func:`~sim.stage.commitment.threat_check`.
    progress : ``progress(step, fraction)``, called as each step starts (0.0), moves and ends (1.0).
    budget : a :class:`~sim.stage.budget.Budget` to share with the caller's own later steps; one
        without a deadline gets ``max_seconds`` from the end of the equilibrium search (default: a
        new one of that kind).

    Returns
    -------
    Analysis
    """
    if disagreement not in DISAGREEMENTS:
        raise InputError(f"unknown disagreement point {disagreement!r}; use one of {', '.join(DISAGREEMENTS)}",
                         key="disagreement")
    if max_seconds is not None and not max_seconds > 0:
        raise InputError("max_seconds must be positive", key="max_seconds")
    ids = tuple(game.player_ids)
    seconds: dict[str, float] = {}
    hook = progress or (lambda step, fraction: None)

    def timed(step: str, fn):
        hook(step, 0.0)
        start = time.perf_counter()
        try:
            return fn()
        finally:
            seconds[step] = time.perf_counter() - start
            hook(step, 1.0)

    eq = timed("Nash equilibria", lambda: nash_equilibria(game, method, max_seconds=max_seconds,
                                                          mixed_dominance=mixed_dominance))
    if budget is None:
        budget = Budget(max_seconds=max_seconds, progress=progress)
    else:
        if budget.deadline is None and max_seconds is not None:
            budget.deadline = time.perf_counter() + float(max_seconds)
        if progress is not None:
            budget.progress = progress
    dom = eq.dominance or timed("dominance", lambda: attach_labels(
        iterated_dominance(game.A, game.B, mixed=mixed_dominance, budget=budget), game))
    sec = timed("security levels", lambda: security(game, budget=budget))
    pareto = pareto_profiles(game.A, game.B)
    d_arg: Any = "security"
    if disagreement == "nash" and eq.equilibria:
        pay = np.array([e.payoffs for e in eq.equilibria])
        d_arg = (float(pay[:, 0].min()), float(pay[:, 1].min()))
    sols = [timed("Nash bargaining", lambda: nash_bargaining(game, d_arg, budget=budget)),
            timed("Kalai-Smorodinsky", lambda: kalai_smorodinsky(game, d_arg, budget=budget)),
            utilitarian_optimum(game)]
    if not isinstance(d_arg, str):
        source = "worst-for-both Nash equilibrium payoffs" + (
            f" (over the {len(eq.equilibria)} equilibria found before the time budget ran out)" if eq.partial else "")
        sols = [dataclasses.replace(s, disagreement_source=source if s.disagreement is not None else None)
                for s in sols]
    elif disagreement == "nash":  # no equilibrium to take the point from
        sols = [dataclasses.replace(s, notes=(*s.notes, "no Nash equilibrium was found, so the disagreement point "
                                              "is the security levels")) if s.disagreement is not None else s
                for s in sols]
    ce = timed("correlated equilibrium", lambda: correlated_equilibrium(game, budget=budget))
    st = tuple(stackelberg(game, leader, tie=tie) for leader in (0, 1))
    stm = tuple(timed(f"mixed commitment, leader {ids[leader]}", lambda leader=leader: stackelberg_mixed(
        game, leader, budget=budget)) for leader in (0, 1))
    th, th_skipped = None, None
    left = budget.remaining()
    if left is not None and left < THRESHOLD_SECONDS_PER_CELL * game.A.size:
        th_skipped = BUDGET_REASON
    else:
        try:
            th = timed("truce thresholds", lambda: truce_thresholds(game, cooperative))
        except TradesimError as exc:  # a game with no truce to test; a truce the caller named must exist
            if cooperative is not None:
                raise
            th_skipped = exc.message
    found = tuple(threat_check(game, t, trig, resp) for t, trig, resp in threats)
    result = Analysis(
        name=game.name, player_ids=ids, actions=(tuple(game.actions[0]), tuple(game.actions[1])),
        shape=tuple(game.shape), units=str(game.units or ""), equilibria=eq, dominance=dom, security=sec,
        pareto=pareto, pareto_payoffs=np.column_stack([np.asarray(game.A, float)[pareto[:, 0], pareto[:, 1]],
                                                       np.asarray(game.B, float)[pareto[:, 0], pareto[:, 1]]]),
        bargaining=tuple(sols), correlated=ce, stackelberg=st, stackelberg_mixed=stm,
        thresholds=th, threats=found, thresholds_skipped=th_skipped,
        settings={"method": method, "max_seconds": max_seconds, "disagreement": disagreement, "tie": tie,
                  "mixed_dominance": mixed_dominance},
        seconds=seconds,
    )
    return dataclasses.replace(result, cut_short=_cut_short(result))


def _cut_short(r: Analysis) -> dict[str, str]:
    """Step -> why it did not finish, for every step the budget (or the memory cap) stopped."""
    out: dict[str, str] = {}
    if r.equilibria.partial:
        out["equilibria"] = "partial: " + BUDGET_REASON
    if not r.dominance.complete:
        out["dominance"] = "incomplete: " + BUDGET_REASON
    for s in r.security:
        if s.skipped:
            out[f"security ({r.player_ids[s.player]})"] = f"skipped: {s.skipped}"
    for b in r.bargaining:
        if b.skipped:
            out[b.concept] = f"skipped: {b.skipped}"
    if r.correlated.skipped:
        out["correlated equilibrium"] = f"skipped: {r.correlated.skipped}"
    elif not r.correlated.complete:
        out["correlated equilibrium"] = "incomplete: " + BUDGET_REASON
    for s in r.stackelberg_mixed:
        if not s.complete:
            out[f"mixed commitment ({r.player_ids[s.leader]} leads)"] = (
                "skipped: " + BUDGET_REASON if s.leader_strategy is None else "incomplete: " + BUDGET_REASON)
    if r.thresholds is None and r.thresholds_skipped == BUDGET_REASON:
        out["truce thresholds"] = "skipped: " + BUDGET_REASON
    return out


# ----------------------------------------------------------------------------- text (solve's output)
def _pays(values: dict | None, ids, unit: str = "") -> str:
    if not values or any(values.get(p) is None for p in ids):
        return "n/a"
    return ", ".join(f"{p} {values[p]:.4g}" for p in ids) + (f" {unit}" if unit else "")


def _skipped(item: dict) -> str:
    """`` (skipped: why)`` or `` (incomplete: time budget)`` for a step that did not finish, else ``""``."""
    if item.get("skipped"):
        return f" (skipped: {item['skipped']})"
    if item.get("complete") is False:
        return " (incomplete: the time budget ran out; the best found so far)"
    return ""


def analysis_text(r: dict) -> str:
    """The text ``tradesim solve`` prints for the ``to_dict()`` of an :class:`Analysis`; every payoff
    carries the scenario's ``payoff_unit``."""
    ids, unit = r["game"]["players"], r["game"]["units"] or ""
    lines = [f"{r['game']['name']}: {r['game']['shape'][0]} x {r['game']['shape'][1]} actions"
             + (f", payoffs in {unit}" if unit else "")]
    state = "complete" if r["complete"] else ("partial (time budget)" if r["partial"] else "not guaranteed complete")
    lines.append(f"\nNash equilibria: {len(r['equilibria'])} by {r['method']} ({state}"
                 + ("; degenerate game" if r["degenerate"] else "") + ")")
    for k, e in enumerate(r["equilibria"], 1):
        lines.append(f"  {k}. " + "; ".join(f"{p}: {strategy_text(e['strategies'][p])}" for p in ids))
        lines.append("     payoffs " + _pays(e["payoffs"], ids, unit))
    if len(r["components"]) < len(r["equilibria"]):
        lines.append("  connected components: " + ", ".join(str([i + 1 for i in c]) for c in r["components"]))
    for note in r["notes"]:
        lines.append(f"  note: {note}")
    dom = r["dominance"]
    lines.append(f"\nDominance ({dom['method']}): {len(dom['eliminated'])} actions removed in {dom['rounds']} rounds; "
                 f"surviving {len(dom['surviving'][0])} x {len(dom['surviving'][1])}" + _skipped(dom))
    for e in dom["eliminated"][:20]:
        by = ", ".join(dom_by for dom_by in e["dominated_by"])
        lines.append(f"  round {e['round']}: {ids[e['player']]} drops [{e['action']}] (dominated by [{by}])")
    if len(dom["eliminated"]) > 20:
        lines.append(f"  ... {len(dom['eliminated']) - 20} more (see --format json)")
    lines.append("\nSecurity levels (maxmin = guaranteed; minmax = what the other side can hold you to):")
    for s in r["security"]:
        mixed = {k: s[k]["value"] for k in ("maxmin_mixed", "minmax_mixed")}
        text = {k: "n/a" if v is None else f"{v:.4g}" for k, v in mixed.items()}
        lines.append(f"  {s['player']}{f' ({unit})' if unit else ''}: maxmin pure {s['maxmin_pure']['value']:.4g} "
                     f"with [{s['maxmin_pure']['action']}], mixed {text['maxmin_mixed']}; minmax pure "
                     f"{s['minmax_pure']['value']:.4g}, mixed {text['minmax_mixed']}{_skipped(s)}")
    count = r.get("pareto_count", len(r["pareto"]))
    lines.append(f"\nPareto-efficient pure profiles: {count}")
    for p in r["pareto"][:10]:
        lines.append("  " + "; ".join(f"{i}: {p['profile'][i]}" for i in ids)
                     + "  -> " + ", ".join(f"{p['payoffs'][i]:.4g}" for i in ids) + (f" {unit}" if unit else ""))
    if count > 10:
        lines.append(f"  ... {count - 10} more")
    lines.append("\nNegotiation:")
    for b in r["bargaining"]:
        pts = _pays(b["payoffs"], ids, unit) + _skipped(b)
        lot = " / ".join(f"{x['weight']:.3g}×({'; '.join(x['profile'])})" for x in b["lottery"])
        dp = ""
        if b["disagreement"]:
            dp = (f" [disagreement point {', '.join(f'{v:.4g}' for v in b['disagreement'].values())}"
                  f"{f' {unit}' if unit else ''}: {b['disagreement_source']}]")
        lines.append(f"  {b['concept']}: {pts}{dp}")
        if lot:
            lines.append(f"     {lot}")
    if "correlated_equilibrium" in r:
        ce = r["correlated_equilibrium"]
        lines.append("  correlated equilibrium (max total): " + _pays(ce["payoffs"], ids, unit) + _skipped(ce))
    lines.append("\nStackelberg (leader commits, follower best-responds):")
    for s in r["stackelberg"]:
        lines.append(f"  {s['leader']} leads with [{s['leader_action']}], follower answers [{s['follower_action']}]: "
                     + _pays(s["payoffs"], ids, unit) + f" (ties: {s['tie_rule']})")
    for s in r.get("stackelberg_mixed", []):
        if not s.get("leader_strategy"):
            lines.append(f"  {s['leader']}'s mixed commitment: n/a{_skipped(s)}")
            continue
        lines.append(f"  {s['leader']} commits to {strategy_text(s['leader_strategy'])}, follower answers "
                     f"[{s['follower_action']}]: " + _pays(s["payoffs"], ids, unit) + " (mixed commitment)"
                     + _skipped(s))
    lines.extend(_threshold_lines(r.get("truce_thresholds"), ids, unit))
    for t in r.get("threats", []):
        lines.append(f"\nThreat: if {t['target']} plays [{t['trigger']}], {t['threatener']} answers [{t['response']}]: "
                     f"{'credible' if t['credible'] else 'NOT credible'}, "
                     f"{'deters' if t['deterrent'] else 'does NOT deter'}")
    budget = r.get("budget")
    if budget and budget.get("cut_short"):
        limit = "" if budget.get("max_seconds") is None else f" of {budget['max_seconds']:g} s"
        lines.append(f"\nTime budget{limit}: cut short: "
                     + "; ".join(f"{k} ({v})" for k, v in budget["cut_short"].items()))
    return "\n".join(lines)


def _threshold_lines(th: dict | None, ids, unit: str) -> list[str]:
    if th is None:
        return []
    if th.get("skipped"):
        return [f"\nTruce thresholds: skipped: {th['skipped']}"]
    crit, coop = th["grim_trigger"], th["cooperative"]
    truce = "; ".join(f"{p} = {coop[p]}" for p in ids)
    levels = ", ".join(f"{p} " + ("never" if crit[p] is None else f"{crit[p]:.3g}") for p in ids)
    held = ", ".join(p for p in ids if th["self_enforcing"][p]) or "neither side"
    lines = [f"\nTruce ({truce}): payoffs " + _pays(th["cooperative_payoff"], ids, unit),
             f"  critical discount factor, grim trigger (Nash reversion): {levels}; discount factors per {th['period']} "
             + ", ".join(f"{p} {th['discount'][p]:.3g}" for p in ids)
             + f"; self-enforcing for {held} (tradesim thresholds for the rest)"]
    return lines
