"""The Markov-perfect part of ``tradesim solve`` for games with state: JSON items and text tables."""

from __future__ import annotations

import dataclasses
from typing import Any

from sim.dynamic.forward import state_path
from sim.dynamic.solve import markov_perfect_equilibria
from sim.dynamic.truce import truce_by_state
from sim.errors import InputError
from sim.model.dynamic import build_dynamic_game, is_dynamic

__all__ = ["markov_report", "render_markov", "truce_report", "render_truce", "dynamic_game"]

#: Rows of a policy table printed before "... more (see --format json)".
MAX_ROWS = 40


def dynamic_game(scenario: Any, *, source: str, infinite: bool = False):
    """The game with state of a scenario; ``infinite`` drops ``[repeated] rounds`` (no end date)."""
    game = build_dynamic_game(scenario, source=source)
    if infinite:
        if game.round_dependent:
            raise InputError("payoffs read round, so the game needs its horizon", key="--infinite-horizon")
        game = dataclasses.replace(game, horizon=None)
    return game


def markov_report(scenario: Any, *, selection: str, source: str, state_plot: str | None = None,
                  policy_plot: str | None = None, infinite: bool = False) -> list[dict[str, Any]] | None:
    """``markov_perfect`` items of a scenario with state (``None`` for a game without state); draws
    the state path and the policy of the first equilibrium when asked."""
    if not is_dynamic(scenario):
        if state_plot or policy_plot or infinite:
            flag = "--plot-state" if state_plot else ("--plot-policy" if policy_plot else "--infinite-horizon")
            raise InputError(f"this scenario has no state: {flag} is for games with [state] tables", key=flag)
        return None
    game = dynamic_game(scenario, source=source, infinite=infinite)
    found = markov_perfect_equilibria(game, selection=selection)
    items = [e.to_dict() for e in found]
    if found and (state_plot or policy_plot):
        from sim.viz.dynamic import plot_policy, plot_state_path
        from sim.viz.plots import save_figure

        if state_plot:
            path = state_path(game, found[0])
            items[0]["state_path"] = path.to_dict()
            save_figure(plot_state_path(path), state_plot)
        if policy_plot:
            save_figure(plot_policy(found[0], game), policy_plot)
    return items


def _value(x: float, scale: float) -> str:
    """A value for a table: rounding noise (below 1e-9 of the table's scale) shows as 0."""
    return "0" if abs(x) <= 1e-9 * max(scale, 1.0) else f"{x:.4g}"


def _strategy(mix: dict[str, float]) -> str:
    if len(mix) == 1:
        return next(iter(mix))
    return "; ".join(f"{a} {p:.2f}" for a, p in mix.items())


def render_markov(items: list[dict[str, Any]], ids: list[str]) -> list[str]:
    """Text lines: per equilibrium, a header and its policy as a table (state, each side, values)."""
    lines = [f"\nMarkov perfect equilibria: {len(items)}"]
    for k, e in enumerate(items, 1):
        horizon = f"{e['horizon']} rounds" if e["horizon"] is not None else "infinite horizon, stationary"
        lines.append(f"  {k}. {e['method']} ({horizon}); {'verified' if e['verified'] else 'NOT verified'}, "
                     f"max one-shot gain {e['max_regret']:.1e}" + (f"; selection: {e['selection']}"))
        for note in e["notes"]:
            lines.append(f"     note: {note}")
        rounds = range(len(e["policy"]))
        shown = 0
        for t in rounds:
            if shown >= MAX_ROWS:
                break
            if e["horizon"] is not None:
                lines.append(f"     round {t}:")
            for key, pol in e["policy"][t].items():
                if shown >= MAX_ROWS:
                    break
                scale = max(abs(v) for row in e["values"][t].values() for v in row.values())
                vals = ", ".join(f"{p} {_value(e['values'][t][key][p], scale)}" for p in ids)
                lines.append(f"       [{key}]  " + "; ".join(f"{p}: {_strategy(pol[p])}" for p in ids)
                             + f"  -> values {vals}")
                shown += 1
        if shown >= MAX_ROWS:
            lines.append("       ... more (see --format json)")
        if "state_path" in e:
            sp = e["state_path"]
            marks = sorted({0, *range(0, sp["rounds"] + 1, 4), sp["rounds"]})
            lines.append(f"     expected state under this equilibrium, from the initial state "
                         f"({sp['period']} {', '.join(map(str, marks))}):")
            for name, v in sp["variables"].items():
                top = v["labels"][-1]
                lines.append(f"       {name}: mean " + " ".join(f"{v['mean'][k]:.3g}" for k in marks)
                             + f"; P({top}) " + " ".join(f"{v['probability'][k][-1]:.2f}" for k in marks))
    return lines


def truce_report(scenario: Any, cooperative: Any, *, source: str, infinite: bool = False) -> dict[str, Any] | None:
    """``markov_truce`` of ``tradesim thresholds`` for a scenario with state (``None`` without state)."""
    if not is_dynamic(scenario):
        if infinite:
            raise InputError("this scenario has no state: --infinite-horizon is for games with [state] tables",
                             key="--infinite-horizon")
        return None
    return truce_by_state(dynamic_game(scenario, source=source, infinite=infinite), cooperative).to_dict()


def render_truce(report: dict[str, Any], ids: list[str]) -> list[str]:
    """Text lines: per initial state, whether each side keeps the truce under Markov reversion."""
    horizon = f"{report['horizon']} rounds" if report["horizon"] is not None else "no end date"
    lines = [f"\nWith state ({horizon}; deviations answered by reverting to the Markov perfect equilibrium, "
             f"{report['reversion']}):"]
    for k, (key, row) in enumerate(report["by_initial_state"].items()):
        if k >= MAX_ROWS:
            lines.append("  ... more (see --format json)")
            break
        lines.append(f"  from [{key}]: " + "; ".join(
            f"{p} {'keeps it' if row[p]['self_enforcing'] else 'breaks it'} "
            f"(truce {_value(row[p]['truce_value'], 1.0)} vs reversion {_value(row[p]['reversion_value'], 1.0)})"
            for p in ids))
    held = sum(all(r[p]["self_enforcing"] for p in ids) for r in report["by_initial_state"].values())
    lines.append(f"  self-enforcing for both from {held} of {len(report['by_initial_state'])} initial states")
    return lines
