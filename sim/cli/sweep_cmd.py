"""``tradesim sweep``: vary scenario numbers over a grid or sample and tabulate metrics."""

from __future__ import annotations

import shlex
import sys
import time
import warnings

import click

from sim.cli.common import check_plot_path, save_plot, show_progress
from sim.errors import InputError
from sim.sweeps.execute import check_timeout
from sim.sweeps.metrics import METRICS
from sim.sweeps.run import run_sweep

_METRIC_HELP = "\n".join(f"  {m.name:<15} {m.doc}" for m in METRICS.values())

_HELP = f"""Sweep scenario numbers in FILE and tabulate metrics, one row per run.

\b
Each --param NAME=LO:HI:N (N evenly spaced values), NAME=v1,v2,... (a list),
NAME=range:N (the parameter's range in FILE) or, with --sample, NAME=LO:HI or
NAME=range, names a number by dotted path:
  us_re_cost or parameters.us_re_cost       a payoff parameter
  players.us.discount                       a player's discount factor
  players.us.levers.tariff.levels.3         a lever level (0-based)
  payoffs.row.1.0                           a matrix game's payoff entry
  repeated.rounds, repeated.noise           repeated-play settings
  strategy.china.k                          a parameter of --strategy china=SPEC
The grid is the product of the axes (first slowest); --sample random:N or
lhs:N (Latin hypercube) draws N points over the ranges instead.

\b
Metrics (--metric, repeatable; NAME:opt=value for options):
{_METRIC_HELP}
Columns are METRIC.PART.PLAYER_ID (critical_delta.grim_nash.us); see docs/sweeps.md.

\b
Output: --out results.parquet (or .csv) and results.parquet.manifest.json.
Finished chunks are saved in OUT.parts/ as they complete; run again with
--resume after an interruption to compute only what is missing. One sweep
at a time may write OUT (a second one is refused while the first runs).

\b
Examples:
  tradesim sweep scenarios/us_china_2025.toml --param us_re_cost=20:400:20 \\
      --param players.us.discount=0.8:0.99:20 --metric equilibria \\
      --metric critical_delta --out re.parquet
  tradesim sweep scenarios/us_china_2025.toml --param strategy.china.k=1:8:8 \\
      --metric play --play-replicates 200 --replicates 3 --workers 2 --out k.csv
"""


def _check_figure(ctx, param, value):
    if value is not None:
        check_plot_path(value)
    return value


@click.command("sweep", help=_HELP)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=SPEC", help="A number to vary (repeatable).")
@click.option("--metric", "-m", "metrics", multiple=True, metavar="METRIC",
              help="What to measure at each point (repeatable; default: equilibria).")
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False), help="Results file: .parquet or .csv.")
@click.option("--sample", metavar="random:N|lhs:N", help="Sample N points instead of the full grid.")
@click.option("--seed", type=int, default=0, show_default=True, help="Root seed (samples and one child seed per run).")
@click.option("--replicates", type=int, default=1, show_default=True, help="Rows per point, each with its own seed.")
@click.option("--strategy", "strategy_specs", multiple=True, metavar="PID=SPEC",
              help="Strategy of a player for the play metric (default: the scenario's).")
@click.option("--play-replicates", "--reps", "reps", type=int, default=100, show_default=True,
              help="Replicates of the match per run, for the play metric (--reps is an alias).")
@click.option("--workers", "-j", type=int, default=1, show_default=True, help="Local worker processes.")
@click.option("--scheduler", metavar="tcp://HOST:PORT|local:N", help="Run on a Dask cluster instead.")
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds to wait for a scheduler.")
@click.option("--chunk-size", type=int, default=None, help="Runs per chunk (default: automatic).")
@click.option("--resume", is_flag=True, help="Finish an interrupted sweep from its checkpoint.")
@click.option("--overwrite", is_flag=True, help="Replace an existing results file or checkpoint.")
@click.option("--yes", is_flag=True, help="Allow more than 1,000,000 runs.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary line.")
# ``--plot`` is stored as ``figure_path``, not ``plot_path``: the figure is drawn from the table, and
# ``tradesim plot OUT FIG`` draws it again from there, not from a saved --format json invocation.
@click.option("--plot", "figure_path", type=click.Path(dir_okay=False), metavar="FIG", callback=_check_figure,
              help="Draw the results to this png/svg/pdf file: one swept number gives a line per metric (regions of "
                   "the equilibrium shaded), two a phase diagram with each conclusion's regions labelled "
                   "(tradesim plot OUT FIG draws it again).")
def sweep_command(file, params, metrics, out, sample, seed, replicates, strategy_specs, reps, workers, scheduler,
                  timeout, chunk_size, resume, overwrite, yes, quiet, figure_path) -> None:

    strategies = {}
    for item in strategy_specs:
        pid, eq, spec = item.partition("=")
        if not eq or not pid.strip() or not spec.strip():
            raise InputError(f"expected PID=SPEC, got {item!r}", key="--strategy")
        strategies[pid.strip()] = spec.strip()
    check_timeout(timeout)
    command = shlex.join(["tradesim", *sys.argv[1:]]) if sys.argv else None
    start = time.perf_counter()
    # the sweep checks what must be finite itself; no library warning may reach the terminal with (or
    # instead of) its one-line result or error
    with warnings.catch_warnings(), _Progress(enabled=not quiet and show_progress()) as bar:
        warnings.simplefilter("ignore")
        table, manifest = run_sweep(
            file, out, params, metrics or ("equilibria",), resume=resume, overwrite=overwrite, command=command,
            sample=sample, seed=seed, replicates=replicates, strategies=strategies, reps=reps, workers=workers,
            scheduler=scheduler, timeout=timeout, chunk_size=chunk_size, yes=yes, progress=bar.update,
        )
    elapsed = time.perf_counter() - start
    if not quiet:
        rows = len(table)
        rate = rows / elapsed if elapsed > 0 else float("inf")
        if replicates == 1:
            what, unit = f"{rows} points", "points/s"
        else:
            what, unit = f"{rows // replicates} points x {replicates} replicates = {rows} runs", "runs/s"
        click.echo(f"sweep: {what} in {elapsed:.1f} s ({rate:,.0f} {unit}) -> {out}", err=True)
    if figure_path:
        save_plot(sweep_figure(table, manifest, file), figure_path)


def sweep_figure(table, manifest, scenario_path):
    """The figure of a sweep table (:func:`sim.viz.sweep_plot.plot_sweep`), axes labelled from the scenario."""
    from sim.model.load import load_scenario
    from sim.viz.sweep_plot import plot_sweep, sweep_view

    scenario = load_scenario(scenario_path) if scenario_path else None
    return plot_sweep(sweep_view(table, manifest, scenario))


class _Progress:
    """A rich progress bar with rate and ETA on stderr, or nothing."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._progress = None
        self._task = None

    def __enter__(self):
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("sweep"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                console=Console(stderr=True), transient=True,
            )
            self._progress.__enter__()
        return self

    def update(self, done: int, total: int) -> None:
        if self._progress is None:
            return
        if self._task is None:
            self._task = self._progress.add_task("sweep", total=total, completed=done, rate="")
            self._start, self._first = time.perf_counter(), done
            return
        elapsed = time.perf_counter() - self._start
        rate = f"{(done - self._first) / elapsed:,.0f} runs/s" if elapsed > 0 else ""
        self._progress.update(self._task, completed=done, rate=rate)

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.__exit__(*exc)
        return False


def register(group: click.Group) -> None:
    group.add_command(sweep_command)


__all__ = ["register", "sweep_command", "sweep_figure"]
