"""``tradesim play``, ``tournament``, ``evolve`` and ``thresholds``: repeated play from a scenario.

Flags that are absent take the scenario's ``[repeated]`` defaults (rounds, continuation, noise,
strategies per player, cooperative profile).
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from typing import Any, Callable, Iterator

import click

from sim._files import check_plot_path
from sim.cli.common import (
    console,
    cooperative_option,
    echo_json,
    fmt_number,
    format_option,
    invocation,
    payoffs_note,
    plot_option,
    save_plot,
    show_progress,
    welfare_option,
)
from sim.cli.scenario_cmds import load_game, load_payoffs
from sim.errors import InputError
from sim.model.dynamic import build_dynamic_game, is_dynamic
from sim.repeated.dynamic_play import play_dynamic
from sim.repeated.engine import CHUNK_CELLS
from sim.repeated.engine import play as run
from sim.repeated.evolution import moran, replicator
from sim.repeated.strategies import CLASSIC
from sim.repeated.tournament import round_robin

#: Replicate-rounds above which a progress bar is shown (on a terminal only).
PROGRESS_MIN_WORK = 200_000

_SPEC_SPLIT = re.compile(r",(?![^,:]*=)")


def _repeated(scenario) -> Any:
    return getattr(scenario, "repeated", None)


def _default(scenario, name: str, fallback: Any = None) -> Any:
    rep = _repeated(scenario)
    value = getattr(rep, name, None) if rep is not None else None
    return fallback if value is None else value


def split_specs(values: tuple[str, ...]) -> list[str]:
    """Strategy specs from comma-separated lists; commas inside ``k=v,k2=v2`` stay with their spec."""
    out: list[str] = []
    for value in values:
        out.extend(s.strip() for s in _SPEC_SPLIT.split(value) if s.strip())
    return out


def _player_strategies(game, scenario, items: tuple[str, ...]) -> dict[str, str]:
    chosen = dict(_default(scenario, "strategies", {}) or {})
    given: set[str] = set()
    for item in items:
        pid, eq, spec = item.partition("=")
        if not eq or not spec.strip():
            raise InputError(f"expected PLAYER=STRATEGY, got {item!r}", key="--strategy")
        pid = pid.strip()
        if pid not in game.player_ids:
            raise InputError(f"no player {pid!r} (players: {', '.join(game.player_ids)})", key="--strategy")
        if pid in given:
            raise InputError(f"a strategy for {pid!r} is given twice", key="--strategy")
        given.add(pid)
        chosen[pid] = spec.strip()
    missing = [pid for pid in game.player_ids if pid not in chosen]
    if missing:
        raise InputError(f"no strategy for player {missing[0]!r}; give --strategy {missing[0]}=NAME", key="--strategy")
    return {pid: chosen[pid] for pid in game.player_ids}


def _horizon(scenario, rounds: int | None, continuation: float | None) -> tuple[int | None, float | None]:
    if rounds is not None or continuation is not None:
        return rounds, continuation
    cont = _default(scenario, "continuation")
    if cont is not None:
        return None, float(cont)
    return int(_default(scenario, "rounds", 20)), None


@contextlib.contextmanager
def _progress(label: str, work: int) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on a terminal for long runs; ``None`` otherwise."""
    if work < PROGRESS_MIN_WORK or not show_progress():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn(label), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), TimeRemainingColumn(), transient=True,
                  console=Console(stderr=True)) as bar:  # stdout stays clean for pipes
        task = bar.add_task(label, total=1.0)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done / max(total, 1))

        yield update


def _echo_csv(rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    click.echo(buf.getvalue(), nl=False)


common_noise = [
    click.option("--noise", type=float, default=None, help="Implementation noise (default: scenario's)."),
    click.option("--perception-noise", type=float, default=0.0, show_default=True,
                 help="Probability each side misreads the other's move."),
    click.option("--seed", type=int, default=None, help="Random seed (default: fresh entropy, reported)."),
]


def _apply(options):
    def deco(f):
        for opt in reversed(options):
            f = opt(f)
        return f

    return deco


# ----------------------------------------------------------------------------- play
@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--strategy", "strategy_items", multiple=True, metavar="PLAYER=SPEC",
              help="Strategy of a player, e.g. us=tit_for_tat or china=deadline_truce:k=4 (repeatable).")
@click.option("--rounds", type=int, default=None, help="Rounds per match (default: scenario's).")
@click.option("--continuation", type=float, default=None, help="Continuation probability instead of fixed rounds.")
@click.option("--max-rounds", type=int, default=10_000, show_default=True, help="Cap with --continuation.")
@click.option("--replicates", "--reps", "reps", type=int, default=1, show_default=True,
              help="Independent replicates of the match (--reps is an alias).")
@_apply(common_noise)
@click.option("--cooperative", "coop_items", multiple=True, metavar="PLAYER=ACTION",
              help="Cooperative profile (default: scenario's).")
@click.option("--paths", is_flag=True, help="Include every replicate's path.")
@welfare_option
@format_option("text", "json", "csv")
@plot_option("Draw the outcome paths (fan chart of every lever, payoffs below) to this png/svg/pdf file.")
@click.pass_context
def play(ctx, file, strategy_items, rounds, continuation, max_rounds, reps, noise, perception_noise, seed,
         coop_items, paths, welfare, fmt, plot_path):
    """Play a repeated match between two strategies on the scenario FILE.

    \b
    Example:
      tradesim play scenarios/us_china_2025.toml --strategy us=tit_for_tat \\
          --strategy china=deadline_truce:k=4 --rounds 12 --noise 0.05 --replicates 1000 --seed 1
    """

    scenario, game = load_payoffs(file, welfare)
    strategies = _player_strategies(game, scenario, strategy_items)
    rounds, continuation = _horizon(scenario, rounds, continuation)
    noise = float(_default(scenario, "noise", 0.0)) if noise is None else noise
    horizon = rounds if rounds is not None else max_rounds
    chunk = max(1, min(CHUNK_CELLS // max(horizon, 1), max(1, reps // 20)))
    with _progress("playing", reps * horizon) as bar:
        common = dict(rounds=rounds, continuation=continuation, max_rounds=max_rounds, replicates=reps, noise=noise,
                      perception_noise=perception_noise, cooperative=cooperative_option(coop_items), seed=seed,
                      paths=paths or plot_path is not None,
                      progress=(lambda done: bar(done, reps)) if bar else None)
        if is_dynamic(scenario):  # a game with state: the state moves each round, strategies see it
            result = play_dynamic(build_dynamic_game(scenario, source=file), strategies, **common)
        else:
            result = run(game, strategies, chunk_size=chunk if bar else None, **common)
    if plot_path:
        from sim.viz.plots import plot_outcome_paths

        save_plot(plot_outcome_paths(result), plot_path)
    if fmt == "json":
        echo_json({**result.to_dict(paths=paths), "payoffs": "welfare" if welfare else "political",
                   "invocation": invocation(ctx, file, seed_key=result.seed_key)})
        return
    ids = game.player_ids
    if fmt == "csv":
        if paths:
            rows = []
            for rec in result.paths_records():
                for t in range(rec["rounds"]):
                    row: dict[str, Any] = {"replicate": rec["replicate"], "round": t}
                    for pid in ids:
                        row[f"{pid}_action"] = rec[pid]["actions"][t]
                        row[f"{pid}_payoff"] = rec[pid]["payoff"][t]
                    rows.append(row)
        else:
            rows = [
                {"round": t, **{f"{pid}_mean_payoff": float(result.round_payoff[t, p]) for p, pid in enumerate(ids)},
                 "cooperation": float(result.round_cooperation[t]), "active": int(result.round_active[t])}
                for t in range(len(result.round_active))
            ]
        _echo_csv(rows)
        return
    from rich.table import Table

    s = result.summary()
    con = console()
    note = payoffs_note(scenario, welfare)
    if note:
        click.echo(note)
    horizon_text = f"{rounds} rounds" if rounds is not None else f"continuation {continuation} (mean {s['mean_rounds']:.1f} rounds)"
    con.print(f"[bold]{game.name}[/bold]: " + " vs ".join(f"{pid}={strategies[pid]}" for pid in ids)
              + f", {horizon_text}, {reps} replicate(s), noise {noise}, seed {result.seed if result.seed is not None else result.seed_key}")
    table = Table(show_header=True)
    table.add_column("")
    for pid in ids:
        table.add_column(pid, justify="right")
    table.add_row("total payoff (mean)", *(fmt_number(s["total_payoff"][pid], 2) for pid in ids))
    table.add_row("discounted payoff (mean)", *(fmt_number(s["discounted_payoff"][pid], 2) for pid in ids))
    table.add_row("per-round payoff", *(fmt_number(s["per_round_payoff"][pid], 3) for pid in ids))
    table.add_row("total q05..q95", *(f"{s['total_payoff_quantiles'][pid]['q05']:.1f} .. {s['total_payoff_quantiles'][pid]['q95']:.1f}" for pid in ids))
    table.add_row("cooperative action share", *(fmt_number(s["cooperation_rate_player"][pid]) for pid in ids))
    con.print(table)
    fb = s["first_breakdown_median"]
    con.print(f"rounds in the cooperative profile: {s['cooperation_rate']:.1%}; truce broke in {s['breakdown_share']:.1%} "
              f"of replicates" + (f" (median first breakdown: round {fb:.0f})" if fb is not None else ""))
    if getattr(result, "dynamic", None) is not None:
        sp = result.dynamic.states
        marks = sorted({0, *range(0, len(result.state_mean[0]), 4), len(result.state_mean[0]) - 1})
        con.print(f"mean state over replicates ({', '.join(f'round {k}' for k in marks)}):")
        for name, mean in zip(sp.names, result.state_mean):
            con.print(f"  {name}: " + " → ".join(f"{mean[k]:.3g}" for k in marks))
    if paths:
        for rec in result.paths_records()[:5]:
            con.print(f"replicate {rec['replicate']}:")
            for pid in ids:
                con.print(f"  {pid}: " + " | ".join(rec[pid]["actions"]))


# ----------------------------------------------------------------------------- tournament
def _tournament_args(f):
    opts = [
        click.argument("file", type=click.Path(dir_okay=False)),
        click.option("--strategies", "spec_lists", multiple=True, metavar="A,B,C",
                     help="Strategies (comma-separated, repeatable); default: the classic eight."),
        click.option("--rounds", type=int, default=None, help="Rounds per match (default: scenario's)."),
        click.option("--continuation", type=float, default=None, help="Continuation probability instead."),
        click.option("--max-rounds", type=int, default=10_000, show_default=True),
        click.option("--replicates", "--reps", "reps", type=int, default=10, show_default=True,
                     help="Replicates of each match (--reps is an alias)."),
        *common_noise,
        click.option("--self-play/--no-self-play", default=True, show_default=True),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _run_tournament(file, spec_lists, rounds, continuation, max_rounds, reps, noise, perception_noise, seed, self_play,
                    label="tournament"):

    scenario, game = load_game(file)
    specs = split_specs(spec_lists) or list(CLASSIC)
    rounds, continuation = _horizon(scenario, rounds, continuation)
    noise = float(_default(scenario, "noise", 0.0)) if noise is None else noise
    horizon = rounds if rounds is not None else max_rounds
    k = len(specs)
    played = build_dynamic_game(scenario, source=file) if is_dynamic(scenario) else game  # with state: it moves
    with _progress(label, k * k * reps * horizon // 2) as bar:
        result = round_robin(played, specs, rounds=rounds, continuation=continuation, max_rounds=max_rounds,
                             replicates=reps, noise=noise, perception_noise=perception_noise, self_play=self_play,
                             seed=seed, progress=bar)
    return scenario, game, result


@click.command()
@_tournament_args
@format_option("text", "json", "csv")
@plot_option("Draw the ranking and the pairwise payoff heatmap to this png/svg/pdf file.")
@click.pass_context
def tournament(ctx, file, spec_lists, rounds, continuation, max_rounds, reps, noise, perception_noise, seed, self_play,
               fmt, plot_path):
    """Round-robin tournament of strategies on the scenario FILE."""
    _, game, result = _run_tournament(file, spec_lists, rounds, continuation, max_rounds, reps, noise,
                                      perception_noise, seed, self_play)
    if plot_path:
        from sim.viz.plots import plot_tournament

        save_plot(plot_tournament(result), plot_path)
    if fmt == "json":
        echo_json({**result.to_dict(), "invocation": invocation(ctx, file, seed_key=result.seed_key)})
        return
    if fmt == "csv":
        _echo_csv(result.table())
        return
    from rich.table import Table

    con = console()
    con.print(f"[bold]{game.name}[/bold]: {len(result.strategies)} strategies, "
              f"{result.rounds if result.rounds is not None else 'continuation ' + str(result.continuation)} rounds, "
              f"{result.replicates} replicates, noise {result.noise}, seed {result.seed if result.seed is not None else result.seed_key}")
    table = Table(show_header=True)
    for col, just in (("rank", "right"), ("strategy", "left"), ("payoff/round", "right"), ("cooperation", "right"), ("wins", "right")):
        table.add_column(col, justify=just)
    for row in result.table():
        table.add_row(str(row["rank"]), row["strategy"], f"{row['mean_payoff']:.3f}", f"{row['cooperation_rate']:.1%}", str(row["wins"]))
    con.print(table)


# ----------------------------------------------------------------------------- evolve
@click.command()
@_tournament_args
@click.option("--method", type=click.Choice(["replicator", "moran"]), default="replicator", show_default=True)
@click.option("--t-max", type=float, default=100.0, show_default=True, help="Replicator: time span.")
@click.option("--population", type=int, default=100, show_default=True, help="Moran: population size.")
@click.option("--steps", type=int, default=10_000, show_default=True, help="Moran: maximum steps.")
@click.option("--runs", type=int, default=100, show_default=True, help="Moran: replicates.")
@click.option("--selection", type=float, default=1.0, show_default=True, help="Moran: intensity of selection.")
@click.option("--mutation", type=float, default=0.0, show_default=True, help="Moran: mutation probability.")
@format_option("text", "json", "csv")
@plot_option("Draw population shares over time (stack plot) to this png/svg/pdf file.")
@click.option("--plot-simplex", "simplex_path", type=click.Path(dir_okay=False), default=None,
              help="With exactly three strategies: draw the shares' path on the simplex to this file.")
@click.pass_context
def evolve(ctx, file, spec_lists, rounds, continuation, max_rounds, reps, noise, perception_noise, seed, self_play,
           method, t_max, population, steps, runs, selection, mutation, fmt, plot_path, simplex_path):
    """Evolve strategy shares (replicator dynamics or a Moran process) from a tournament on FILE."""

    if simplex_path is not None:

        check_plot_path(simplex_path, option="--plot-simplex")
        if len(split_specs(spec_lists)) != 3:
            raise InputError("a simplex plot needs exactly three strategies (--strategies a,b,c)", key="--plot-simplex")
    _, game, result = _run_tournament(file, spec_lists, rounds, continuation, max_rounds, reps, noise,
                                      perception_noise, seed, self_play=True)
    if method == "replicator":
        evo = replicator(result, t_max=t_max)
        series, index_name = evo.shares, evo.times
    else:
        with _progress("moran", steps * runs) as bar:
            evo = moran(result, population=population, max_steps=steps, replicates=runs, selection=selection,
                        mutation=mutation, seed=(result.seed_key + 1) & ((1 << 64) - 1), progress=bar)
        series, index_name = evo.mean_shares, range(len(evo.mean_shares))
    if plot_path:
        from sim.viz.plots import plot_evolution

        save_plot(plot_evolution(evo), plot_path)
    if simplex_path:
        from sim.viz.plots import plot_simplex

        save_plot(plot_simplex(evo), simplex_path)
    if fmt == "json":
        t = result.to_dict()
        echo_json({"tournament": {k: t[k] for k in ("ranking", "mean_payoff", "pairwise", "setup")}, method: evo.to_dict(),
                   "invocation": invocation(ctx, file, seed_key=result.seed_key)})
        return
    names = result.strategies
    if fmt == "csv":
        key = "time" if method == "replicator" else "step"
        _echo_csv([{key: float(x) if method == "replicator" else int(x), **dict(zip(names, map(float, row)))}
                   for x, row in zip(index_name, series)])
        return
    from rich.table import Table

    con = console()
    con.print(f"[bold]{game.name}[/bold]: {method} over {len(names)} strategies")
    table = Table(show_header=True)
    table.add_column("strategy")
    table.add_column("start", justify="right")
    table.add_column("end", justify="right")
    if method == "moran":
        table.add_column("fixation", justify="right")
        fix = evo.fixation_probability
    for i, name in enumerate(names):
        cells = [name, f"{series[0][i]:.1%}", f"{series[-1][i]:.1%}"]
        if method == "moran":
            cells.append(f"{fix[i]:.1%}")
        table.add_row(*cells)
    con.print(table)


# ----------------------------------------------------------------------------- thresholds
def register(group: click.Group) -> None:
    """Add ``play``, ``tournament`` and ``evolve`` to the ``tradesim`` group."""
    for command in (play, tournament, evolve):
        group.add_command(command)
