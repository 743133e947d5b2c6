"""What ``tradesim solve`` prints for a sequential game (a scenario with ``[sequence]``, or a Gambit
``.efg``): the move order, the subgame-perfect equilibria and what each side would do off the path."""

from __future__ import annotations

import json
from typing import Any

import click

__all__ = ["solve_sequential", "MAX_LINES_PER_STAGE"]

#: Off-path positions printed per stage (the rest are counted).
MAX_LINES_PER_STAGE = 8


def _order_lines(scenario) -> list[str]:
    from sim.model.sequence import stage_names

    names = stage_names(scenario)
    lines = []
    for k, (name, st) in enumerate(zip(names, scenario.sequence.stages), 1):
        if st.chance is not None:
            what = "chance: " + ", ".join(f"{o.label} ({o.p:g})" for o in st.chance)
        else:
            levers = ", ".join(st.levers) if st.levers is not None else "its action"
            what = f"{st.player} chooses {levers}"
        sees = {"all": "sees every earlier move", "own": "sees only its own earlier moves"}.get(
            st.observes if isinstance(st.observes, str) else "", "sees " + ", ".join(st.observes or ()) or "nothing")
        when = f"; only when {st.when}" if st.when else ""
        lines.append(f"  {k}. {name}: {what} ({sees}{when})")
    return lines


def _history(game, node: int) -> str:
    return " > ".join(game.path(node)) or "(start)"


def solve_sequential(file: str, scenario, game, fmt: str, *, plot_tree: str | None = None,
                     max_equilibria: int = 10) -> None:
    """Solve and print a sequential game (``game``: a :class:`~sim.model.tree.ExtensiveGame`)."""
    from sim.stage.extensive import backward_induction, subgame_perfect_equilibria

    if game.perfect_information:
        result = backward_induction(game, max_equilibria=max_equilibria)
    else:
        result = subgame_perfect_equilibria(game, max_equilibria=max_equilibria)
    pure = getattr(result, "equilibria", ())  # backward induction: pure equilibria with a choice per infoset
    first = pure[0] if len(pure) else None
    if plot_tree:
        from sim._files import check_plot_path
        from sim.viz.plots import save_figure
        from sim.viz.tree import plot_tree as draw

        check_plot_path(plot_tree, option="--plot-tree")
        choice = dict(enumerate(first.choices)) if first is not None and hasattr(first, "choices") else None
        names = None
        if scenario is not None and scenario.sequence is not None:
            from sim.model.sequence import stage_names

            names = stage_names(scenario)
        save_figure(draw(game, choice=choice, stage_names=names), plot_tree)
        click.echo(f"wrote {plot_tree}", err=True)
    if fmt == "json":
        out: dict[str, Any] = {"file": file, "game": game.name, "players": list(game.players),
                               "nodes": len(game.nodes), "leaves": len(game.terminals),
                               "perfect_information": game.perfect_information,
                               "subgame_perfect": result.to_dict()}
        click.echo(json.dumps(out, indent=2, default=float))
        return
    kind = "perfect information" if game.perfect_information else "imperfect information"
    click.echo(f"{game.name}: a sequential game of {kind}, {len(game.nodes)} nodes ({len(game.terminals)} leaves)")
    if scenario is not None and scenario.sequence is not None:
        click.echo("Moves in order:")
        for line in _order_lines(scenario):
            click.echo(line)
    unit = f" ({game.units})" if game.units else ""
    if not game.perfect_information:  # imperfect information: the solver's own account
        click.echo("\n" + str(result))
        return
    count = f"{len(result.equilibria)}{'' if result.complete else '+ (stopped at the cap; ties give more)'}"
    click.echo(f"\nSubgame-perfect equilibria ({result.method}): {count}")
    for k, eq in enumerate(result.equilibria[:3], 1):
        pay = ", ".join(f"{p} {float(v):.4g}" for p, v in zip(game.players, eq.payoffs))
        path = " > ".join(eq.path) if hasattr(eq, "path") else ""
        click.echo(f"  {k}. path {path or '(none)'}; payoffs {pay}{unit}")
    if first is None or not hasattr(first, "choices"):
        return
    click.echo("\nWhat each side would do at every point (the first equilibrium), stage by stage:")
    by_stage: dict[str, list[str]] = {}
    for k, info in enumerate(game.infosets):
        node = info.nodes[0]
        action = info.actions[first.choices[k]]
        here = tuple(game.path(node))
        mark = "*" if tuple(first.path[: len(here)]) == here else " "
        who = game.players[info.player]
        by_stage.setdefault(f"{info.label or 'move'} ({who})", []).append(f"   {mark} after {_history(game, node)}: {action}")
    for stage, lines in by_stage.items():
        lines.sort(key=lambda line: not line.startswith("   *"))  # the equilibrium path first
        click.echo(f"  {stage}:")
        for line in lines[:MAX_LINES_PER_STAGE]:
            click.echo(line)
        if len(lines) > MAX_LINES_PER_STAGE:
            click.echo(f"     ... and {len(lines) - MAX_LINES_PER_STAGE} more positions (--format json lists all)")
    click.echo("  (* on the equilibrium path)")
