"""``tradesim report``: a self-contained HTML brief of a scenario (and its figures as PDF)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import click

from sim.cli.common import show_progress, write_text_atomic
from sim.errors import InputError

#: Largest sweep grid per axis (the sweep runs grid**2 points).
MAX_GRID = 60


@click.command("report")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False),
              help="The brief: .html (self-contained) or .pdf (its figures, one page each).")
@click.option("--pdf", "pdf_dir", type=click.Path(file_okay=False),
              help="Also write every figure as DIR/NAME.pdf (DIR is created if its parent exists).")
@click.option("--grid", type=int, default=15, show_default=True,
              help="Points per axis of the sweep over the two most uncertain parameters.")
@click.option("--replicates", "--reps", "replicates", type=int, default=500, show_default=True,
              help="Replicates of the noisy repeated play.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the repeated play and the sweep.")
@click.option("--quiet", "-q", is_flag=True, help="No progress line.")
def report_command(file, out, pdf_dir, grid, replicates, seed, quiet) -> None:
    """Write a brief of the scenario FILE: one HTML page with everything an analyst attaches to a memo.

    \b
    Conclusions at a glance; the game (players, levers, payoff matrix, or its
    aggregate for a large game); every parameter with its source or assumption;
    Nash equilibria; security levels; Nash and Kalai-Smorodinsky bargaining;
    each side's escalation threat (credible? deterrent?); the truce's critical
    discount factors with their knife edges; a fan chart of noisy repeated
    play (the scenario's strategies, rounds and noise); and a phase diagram of
    a GRID x GRID sweep over the two most uncertain parameters (assumptions
    first, widest range relative to the value first).
    Figures are inlined: the page needs no network and no other file.

    \b
    Examples:
      tradesim report scenarios/us_china_2025.toml -o brief.html
      tradesim report scenarios/eu_china_ev.toml -o brief.html --pdf figures/
      tradesim report scenarios/eu_china_ev.toml -o brief.pdf
    """

    suffix = Path(out).suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise InputError(f"unknown output format {suffix or '(none)'!r}; use .html or .pdf", key="--out")
    if not Path(out).resolve().parent.is_dir():
        raise InputError(f"directory {str(Path(out).parent)!r} does not exist", key="--out")
    if pdf_dir is not None:
        if not Path(pdf_dir).resolve().parent.is_dir():
            raise InputError(f"directory {str(Path(pdf_dir).parent)!r} does not exist", key="--pdf")
    if not 2 <= grid <= MAX_GRID:
        raise InputError(f"must be between 2 and {MAX_GRID}, got {grid}", key="--grid")
    if replicates < 1:
        raise InputError(f"must be at least 1, got {replicates}", key="--replicates")
    if Path(out).resolve() == Path(file).resolve():
        raise InputError(f"{out} is the scenario file; name a new file for the brief", key="--out")
    from sim.viz.report import (
        brief_html,
        save_brief_pdf,
        save_brief_pdfs,
        scenario_brief,
    )

    progress = _status_line() if not quiet and show_progress() else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one-line results and errors only, as every command
        brief = scenario_brief(file, grid=grid, replicates=replicates, seed=seed, progress=progress)
        if progress is not None:
            progress("writing", 0, 0)
        if suffix == ".pdf":
            save_brief_pdf(brief, out)
        else:
            write_text_atomic(out, brief_html(brief), what="--out")
        written = []
        if pdf_dir is not None:
            Path(pdf_dir).mkdir(exist_ok=True)
            written = save_brief_pdfs(brief, pdf_dir)
    if progress is not None:
        sys.stderr.write("\r" + " " * 72 + "\r")
        sys.stderr.flush()
    click.echo(f"wrote {out} ({len(brief.sections)} sections, {len(brief.figures)} figures)", err=True)
    if written:
        click.echo(f"wrote {len(written)} PDF figures in {pdf_dir}", err=True)


def _status_line():
    """``progress(step, k, total)`` keeping one status line on the terminal's stderr."""

    def show(step: str, k: int, total: int) -> None:
        where = f" [{k}/{total}]" if total else ""
        sys.stderr.write(f"\rreport{where}: {step[:48]:<48}")
        sys.stderr.flush()

    return show


def register(group: click.Group) -> None:
    group.add_command(report_command)


__all__ = ["register", "report_command"]
