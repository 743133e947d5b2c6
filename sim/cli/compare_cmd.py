"""``tradesim compare``: the conclusions of scenario variants side by side."""

from __future__ import annotations

import math

import click

from sim.cli.common import echo_json, format_option
from sim.errors import InputError

#: Equilibrium labels printed per scenario before "... N more".
MAX_LABELS = 4


@click.command("compare")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--all", "show_all", is_flag=True, help="List every conclusion, not only those that changed.")
@format_option("text", "json")
def compare_command(files, show_all, fmt) -> None:
    """Put the conclusions of scenario FILES side by side (the first is the reference).

    \b
    For each file: parameters, Nash equilibria (as action labels), what each side can
    guarantee (security), the Nash bargaining payoffs, the escalation threat of each side
    ("if the other escalates every lever from the truce, I escalate every lever": credible?
    deters?), and the truce's critical discount factors under grim trigger.
    A conclusion has changed when a value differs from the first file's; a verdict (yes/no,
    the equilibrium set) that changed has FLIPPED. Numbers show their change from the first.

    \b
    Examples:
      tradesim compare scenarios/us_china_2025.toml scenarios/us_china_soy_diversified.toml
      tradesim compare a.toml b.toml c.toml --format json
    """

    if len(files) < 2:
        raise InputError("give at least two scenario files to compare", key="FILES")
    from sim.empirics.compare import compare

    result = compare(files)
    if fmt == "json":
        echo_json(result.to_dict())
        return
    click.echo(render_text(result, show_all=show_all))


def _value(v, kind: str) -> str:
    if v is None:
        return "never" if kind == "number" else "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return "never" if math.isinf(v) else f"{v:.4g}"
    return str(v)


def _delta(d) -> str:
    if d is None or (isinstance(d, float) and not math.isfinite(d)):
        return ""
    return f" ({d:+.3g})" if d else ""


def render_text(result, *, show_all: bool = False) -> str:
    """The comparison as a text table: one row per conclusion, one column per scenario."""
    scs = result.scenarios
    lines = ["Scenarios:"]
    for k, s in enumerate(scs):
        lines.append(f"  [{k + 1}] {s.name} ({s.source})" + (" (reference)" if k == 0 else ""))
    rows = [c for c in result.conclusions if show_all or c.changed or c.kind not in ("parameter",)]
    params = [c for c in rows if c.kind == "parameter"]
    others = [c for c in rows if c.kind not in ("parameter", "labels")]
    header = ["conclusion", *(f"[{k + 1}]" for k in range(len(scs))), ""]
    table = []
    for c in params:
        table.append([c.name + (f" ({c.unit})" if c.unit else ""),
                      *(_value(v, c.kind) + (_delta(d) if k else "") for k, (v, d) in enumerate(zip(c.values, c.delta))),
                      "changed" if c.changed else ""])
    for c in others:
        cells = []
        for k, v in enumerate(c.values):
            cell = _value(v, c.kind)
            if k and c.delta is not None:
                cell += _delta(c.delta[k])
            cells.append(cell)
        mark = "FLIPPED" if c.flipped else ("changed" if c.changed else "")
        table.append([c.name + (f" ({c.unit})" if c.unit and c.kind == "number" else ""), *cells, mark])
    widths = [max(len(str(r[i])) for r in [header, *table]) for i in range(len(header))]
    if not params and not show_all:
        lines.append("\nNo parameter differs.")
    lines.append("")
    for r in [header, *table]:
        lines.append("  ".join(str(x).ljust(w) if i in (0, len(r) - 1) else str(x).rjust(w)
                               for i, (x, w) in enumerate(zip(r, widths))).rstrip())
    eqs = next(c for c in result.conclusions if c.name == "equilibria")
    lines.append("\nNash equilibria" + ("  FLIPPED" if eqs.flipped else " (the same in every scenario)") + ":")
    for k, labels in enumerate(eqs.values if eqs.changed else eqs.values[:1]):
        which = f"[{k + 1}]" if eqs.changed else "all:"
        lines.append(f"  {which} {len(labels)} equilibri{'um' if len(labels) == 1 else 'a'}")
        for label in labels[:MAX_LABELS]:
            lines.append(f"      {label}")
        if len(labels) > MAX_LABELS:
            lines.append(f"      ... {len(labels) - MAX_LABELS} more (see --format json)")
        if k and eqs.flipped:
            for label in eqs.appeared[k][:MAX_LABELS]:
                lines.append(f"      appeared:    {label}")
            for label in eqs.disappeared[k][:MAX_LABELS]:
                lines.append(f"      disappeared: {label}")
    flipped = result.flipped
    lines.append("\nFlipped: " + (", ".join(c.name for c in flipped) if flipped else "nothing (no verdict changed)"))
    for c in flipped:
        if c.kind == "flag":
            lines.append(f"  {c.text}: " + " -> ".join(_value(v, c.kind) for v in c.values))
    return "\n".join(lines)


def register(group: click.Group) -> None:
    group.add_command(compare_command)


__all__ = ["register", "compare_command", "render_text"]
