"""``tradesim inverse``: which values of two parameters make a target outcome hold, and how far away are they?"""

from __future__ import annotations

import re

import click

from sim.cli.common import (
    dumps,
    format_option,
    invocation,
    plot_option,
    save_plot,
    show_progress,
)
from sim.cli.progress import CountLine
from sim.empirics.inverse import (
    DEFAULT_TOL,
    MAX_EVALUATIONS,
    SEED_POINTS,
    inverse_region,
)
from sim.errors import InputError

#: Seconds a run takes before a progress line appears (on a terminal only).

HELP = """Which values of two parameters of scenario FILE make a target outcome hold?

\b
The box is the two parameters' ranges (the file's `range`, or NAME=LO:HI). tradesim
evaluates the target on a 9 x 9 seed grid, refines the cells the edge crosses and
locates the edge by bisection to --tol of each range, far fewer evaluations than a
grid that fine. It reports the share of the box where the target holds, whether it
holds at the base values, the smallest change that reaches it (or, if it holds, the
nearest change that breaks it) in range-scaled distance (each change divided by its
range width), and the same for each parameter moved alone.

\b
Targets (--target):
  truce             the cooperative profile ([repeated] cooperative) is self-enforcing
                    for both sides: grim trigger, Nash reversion, their discount factors
  truce:PLAYER      the same for one side
  profile:PLAYER.LEVER=LEVEL,...   that profile is a pure stage Nash equilibrium
                    (levers left out at their first level; PLAYER=LEVEL for one lever)
  stable:CONCEPT[:PROFILE]   the cooperative profile (or PROFILE) is stable for both
                    sides in the game's graph model: CONCEPT nash, gmr, smr or seq (as
                    tradesim stability; a few seconds per point in a 42 x 120 game)

\b
Parameters (--param, twice): a parameter name, or players.PLAYER.discount; add =LO:HI
for one without a range. Default: the two that matter most for the target (drivers
over 512 Latin hypercube draws of every parameter with a range, as tradesim robust).

\b
Examples:
  tradesim inverse scenarios/us_china_2025.toml --plot region.png
  tradesim inverse scenarios/us_china_2025.toml --target truce:china \\
      --param us_buyer_weight --param players.china.discount=0.5:0.99
  tradesim inverse scenarios/us_china_2025.toml --param us_audience --param cn_audience \\
      --target "profile:us.tariff=peak,us.tech=affiliates rule,us.port_fees=$50/net ton,
      china.rare_earths=April licensing,china.soybeans=none,china.tariff=peak,china.fentanyl=lax"
"""

_RANGE = re.compile(r"^\s*([^=]+?)\s*(?:=\s*([^:]+?)\s*:\s*([^:]+?)\s*)?$")


def parse_params(items) -> tuple[list[str], dict[str, tuple[float, float]]]:
    """``--param NAME`` / ``NAME=LO:HI`` items as names and the ranges given."""
    names, ranges = [], {}
    for item in items:
        m = _RANGE.match(item)
        if not m:
            raise InputError(f"expected NAME or NAME=LO:HI, got {item!r}", key="--param")
        name, lo, hi = m.groups()
        names.append(name)
        if lo is not None:
            try:
                ranges[name.removeprefix("parameters.")] = (float(lo), float(hi))
            except ValueError:
                raise InputError(f"{item!r}: LO and HI must be numbers", key="--param") from None
    return names, ranges


@click.command("inverse", help=HELP)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--target", default="truce", show_default=True, metavar="TARGET", help="What must hold (see above).")
@click.option("--param", "params", multiple=True, metavar="NAME[=LO:HI]",
              help="One of the two parameters (give it twice); default: the two that matter most.")
@click.option("--tol", type=float, default=DEFAULT_TOL, show_default=True,
              help="Precision of the edge, as a share of each range, in (0, 0.1].")
@click.option("--seed-points", type=int, default=SEED_POINTS, show_default=True,
              help="Points per side of the seed grid; more finds smaller islands of the region.")
@click.option("--max-evaluations", type=int, default=MAX_EVALUATIONS, show_default=True,
              help="Stop with an error beyond this many evaluations of the target.")
@plot_option("Draw the region, its edge, the base values and the nearest point (png, svg or pdf).")
@format_option("text", "json")
@click.pass_context
def inverse(ctx, file, target, params, tol, seed_points, max_evaluations, plot_path, fmt):
    names, ranges = parse_params(params)
    if len(names) not in (0, 2):
        raise InputError(f"give --param twice (or not at all, for the two that matter most), got {len(names)}",
                         key="--param")
    bar = CountLine("inverse", "evaluations", show_progress())
    try:
        result = inverse_region(file, target, names or None, ranges=ranges, tol=tol, seed_points=seed_points,
                                max_evaluations=max_evaluations, progress=bar.update)
    finally:
        bar.close()
    if fmt == "json":
        click.echo(dumps({**result.to_dict(), "invocation": invocation(ctx, file)}))
    else:
        click.echo(render_text(result))
    if plot_path is not None:
        from sim.viz.region import plot_region

        save_plot(plot_region(result), plot_path)


def render_text(result) -> str:
    """The answer in words: where the target holds, the base values, the smallest change, the cost."""
    (a, b), lines = result.parameters, []
    what = result.description[0].upper() + result.description[1:]
    box = f"{a.name} in [{a.low:g}, {a.high:g}] x {b.name} in [{b.low:g}, {b.high:g}]"
    lines.append(f"{result.scenario}: {what}")
    if result.holds == "in part":
        lines.append(f"  holds in {result.share:.1%} of the box {box}.")
    else:
        verb = "breaks" if result.holds == "everywhere" else "reaches"
        lines.append(f"  holds {result.holds} in the box {box}: no pair of values in these ranges {verb} it.")
    base = f"At the base values ({a.name} {a.base:.4g}, {b.name} {b.base:.4g}) it "
    if result.base_holds and result.edge is not None:
        lines.append(base + f"holds; the nearest edge is {result.edge['distance']:.3f} range widths away:")
        lines.append("  " + _move(result.parameters, result.edge))
    elif result.base_holds:
        lines.append(base + "holds.")
    elif result.nearest is not None:
        lines.append(base + f"does not hold; the smallest change that reaches it is {result.nearest['distance']:.3f} "
                     "range widths:")
        lines.append("  " + _move(result.parameters, result.nearest))
    else:
        lines.append(base + "does not hold.")
    lines.append("One parameter alone (the other at its base value):")
    verb = "breaks" if result.base_holds else "reaches"
    for item in result.one_parameter:
        if item["value"] is None:
            lines.append(f"  {item['parameter']}: no value in its range {verb} it")
        else:
            lines.append(f"  {item['parameter']}: from {item['base']:.4g} to {item['value']:.4g} "
                         f"({item['distance']:+.1%} of its range) {verb} it")
    lines.append(f"Edge located to {result.tol:g} of each range with {result.evaluations:,} evaluations "
                 f"(a grid that fine: {result.grid_equivalent:,}); finest cells {result.cell:.3g} wide.")
    if result.chosen_by != "given":
        lines.append(f"Parameters: {result.chosen_by}.")
    lines += [f"Note: {n}" for n in result.notes]
    return "\n".join(lines)


def _move(params, point) -> str:
    return ", ".join(f"{p.name} {p.base:.4g} -> {v:.4g} ({s:+.1%} of its range)"
                     for p, v, s in zip(params, point["values"], point["scaled"]))


def register(group: click.Group) -> None:
    """Add ``inverse`` to the ``tradesim`` group."""
    group.add_command(inverse)
