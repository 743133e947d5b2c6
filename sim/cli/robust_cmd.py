"""``tradesim robust``: each conclusion of a scenario as a probability over its uncertain parameters."""

from __future__ import annotations

from pathlib import Path

import click

from sim.cli.common import (
    dumps,
    emit,
    format_option,
    invocation,
    show_progress,
    threat_option,
    to_jsonable,
)
from sim.cli.progress import CountLine
from sim.cli.scenario_cmds import load_game
from sim.empirics.robust import DEFAULT_DRAWS, knife_edge_sentence, robustness
from sim.errors import InputError

#: Seconds a run takes before a progress line appears (on a terminal only).
#: Knife edges listed in text output (JSON has all).
TEXT_KNIFE_EDGES = 15

HELP = """How robust are the conclusions of scenario FILE to its uncertain parameters?

\b
Every parameter with a range or a prior (or only those given with --param) is drawn
jointly by Latin hypercube; the stage game is built at each draw and each conclusion
reported as a probability with a 95% interval and the two parameters that drive it most
(AUC: the probability a draw where the conclusion holds has a higher value of the
parameter than one where it does not; 0.5 = no effect).

\b
Conclusions:
  equilibrium.<row action> | <col action>   the profile is a pure stage equilibrium
                                            (profiles found in at least 1% of draws)
  base_equilibrium          the pure equilibrium set is the one at the base values
  self_enforcing.<player>   the cooperative profile is self-enforcing under grim trigger
  self_enforcing.both       (Nash reversion) at the players' discount factors
  threat_credible, threat_deters   with --if MOVE --then RESPONSE (as tradesim threat)

\b
Knife edges: conclusions that flip when one parameter alone moves within +-10% of its
range width from its base value (--no-knife-edges to skip).

\b
Example:
  tradesim robust scenarios/us_china_2025.toml --draws 2000 --seed 0 \\
      --if "china.rare_earths=October controls" --then "us.tariff=Oct threat"
"""


@click.command("robust", help=HELP)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--draws", type=int, default=DEFAULT_DRAWS, show_default=True, help="Latin hypercube draws.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the draws.")
@click.option("--param", "params", multiple=True, metavar="NAME",
              help="Draw only this parameter (repeatable); default: every parameter with a range or prior.")
@click.option("--welfare", is_flag=True,
              help="Payoffs as national welfare: the scenario's [welfare] values (those parameters are not drawn).")
@click.option("--if", "trigger_items", multiple=True, metavar="PLAYER.LEVER=LEVEL",
              help="A threat's trigger, as in tradesim threat (repeatable; needs --then).")
@click.option("--then", "response_items", multiple=True, metavar="PLAYER.LEVER=LEVEL",
              help="The threatened response (repeatable; needs --if).")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Local processes; the numbers are the same for any count.")
@click.option("--no-knife-edges", "no_knife", is_flag=True, help="Skip the knife-edge search.")
@format_option("text", "json", "csv")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the result (in --format) to this file, atomically, instead of stdout.")
@click.pass_context
def robust(ctx, file, draws, seed, params, welfare, trigger_items, response_items, workers, no_knife, fmt, output):
    if output is not None and not Path(output).parent.is_dir():  # before any work
        raise InputError(f"directory {str(Path(output).parent)!r} does not exist", key="--output")
    _, game = load_game(file)
    threat = None
    if bool(trigger_items) != bool(response_items):
        raise InputError("give --if and --then together", key="--then" if trigger_items else "--if")
    if trigger_items:
        _, response_player, trigger, response = threat_option(game, trigger_items, response_items)
        threat = (response_player, trigger, response)
    bar = CountLine("robust", "draws", show_progress())
    try:
        result = robustness(file, params=params or None, draws=draws, seed=seed, welfare=welfare, threat=threat,
                            workers=workers, knife=not no_knife, progress=bar.update)
    finally:
        bar.close()
    if fmt == "json":
        text = dumps({**result.to_dict(), "invocation": invocation(ctx, file)}) + "\n"
    elif fmt == "csv":
        text = result.to_csv()
    else:
        text = render_text(result) + "\n"
    emit(text, output, option="--output")


def render_text(result) -> str:
    """The readable table: each conclusion's probability, interval, value at base and top drivers."""
    data = to_jsonable(result.to_dict())
    payoffs = ("national welfare (the [welfare] values)" if result.payoffs == "welfare"
               else "political (the file's base values)")
    lines = [f"{result.scenario}: {data['draws']:,} draws (Latin hypercube, seed {result.seed}) of "
             f"{len(result.parameters)} parameters; payoffs: {payoffs}"]
    lines += [f"  note: {n}" for n in result.notes]
    lines.append("")
    lines.append(f"{'P':>6}  {'95% interval':<13}  {'at base':<7}  conclusion / top drivers (AUC)")
    for k, name in enumerate(result.conclusions):
        lo, hi = result.interval(k)
        shown = name.replace("equilibrium.", "equilibrium: ", 1) if name.startswith("equilibrium.") else name
        lines.append(f"{result.probability[k]:6.3f}  {lo:.3f}-{hi:.3f}    {'yes' if result.at_base[k] else 'no':<7}  {shown}")
        top = [d for d in result.drivers[name] if d["auc"] is not None][:2]
        if top:
            lines.append(f"{'':32}drivers: " + ", ".join(f"{d['parameter']} ({d['auc']:.2f})" for d in top))
    if result.knife_edges is not None:
        lines.append("")
        edges = result.knife_edges
        if not edges:
            lines.append("Knife edges: none (no conclusion flips within ±10% of any parameter's range)")
        else:
            lines.append(f"Knife edges ({len(edges)}; a conclusion flips as one parameter moves from its base value):")
            at_base = dict(zip(result.conclusions, (bool(b) for b in result.at_base)))
            for item in edges[:TEXT_KNIFE_EDGES]:
                lines.append("  " + knife_edge_sentence(item, at_base))
            if len(edges) > TEXT_KNIFE_EDGES:
                lines.append(f"  ... {len(edges) - TEXT_KNIFE_EDGES} more (see --format json)")
    lines.append("")
    lines.append("Parameters drawn: " + ", ".join(f"{p.name} ~ {p.prior.text}" + (
        f" in [{p.range[0]:g}, {p.range[1]:g}]" if p.range is not None and p.prior.args != p.range else "")
        for p in result.parameters))
    return "\n".join(lines)


def knife_edge_lines(items: list[dict], at_base: dict[str, bool], *, what: str) -> list[str]:
    """The "Knife edges" section of the text of ``solve`` and ``thresholds`` (``what`` names the conclusion)."""
    lines = ["\nKnife edges (one parameter moved within ±10% of its range, the others at base):"]
    if not items:
        lines.append(f"  none: {what} stays the same along every parameter with a range")
    lines += [f"  {knife_edge_sentence(item, at_base)}" for item in items]
    return lines


def register(group: click.Group) -> None:
    """Add ``robust`` to the ``tradesim`` group."""
    group.add_command(robust)
