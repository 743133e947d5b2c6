"""``tradesim play``, ``tournament``, ``evolve`` and ``thresholds``: repeated play from a scenario.

Flags that are absent take the scenario's ``[repeated]`` defaults (rounds, continuation, noise,
strategies per player, cooperative profile).
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import click
import numpy as np

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
    refuse_two_player_options,
    save_plot,
    welfare_option,
)
from sim.cli.nplayer_evolve import evolve_nplayer
from sim.cli.nplayer_play import play_nplayer, tournament_nplayer
from sim.cli.progress import progress_line as _progress
from sim.cli.progress import quiet_option
from sim.cli.scenario_cmds import load_any_payoffs, load_game
from sim.errors import InputError
from sim.model.dynamic import build_dynamic_game, is_dynamic
from sim.model.nplayer import NormalFormGame
from sim.repeated.dynamic_play import play_dynamic
from sim.repeated.engine import CHUNK_CELLS
from sim.repeated.engine import play as run
from sim.repeated.evolution import moran, replicator
from sim.repeated.evolution_start import mutant_counts, mutant_report, parse_mix
from sim.repeated.evolution_two import moran_two, replicator_two
from sim.repeated.strategies import CLASSIC
from sim.repeated.tournament import round_robin
from sim.repeated.units import game_units, summary_units

#: Replicate-rounds above which ``play`` reports progress (on a terminal only; it then plays in chunks).
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


#: Options left out of a result's invocation block when at these values: ``--quiet`` changes no
#: number, and the evolve start options at their defaults make the same result as before they existed.
_UNRECORDED: dict[str, tuple] = {"quiet": (False, True), "populations": ("auto",), "start_items": ([],),
                                 "mutant": (None,)}


def _invocation(ctx: click.Context, file: str, seed_key: int) -> dict[str, Any]:
    record = invocation(ctx, file, seed_key=seed_key)
    params = record["params"]
    for name, unrecorded in _UNRECORDED.items():
        if name in params and params[name] in unrecorded:
            del params[name]
    return record


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
@quiet_option
@format_option("text", "json", "csv")
@plot_option("Draw the outcome paths (fan chart of every lever, payoffs below) to this png/svg/pdf file.")
@click.pass_context
def play(ctx, file, strategy_items, rounds, continuation, max_rounds, reps, noise, perception_noise, seed,
         coop_items, paths, welfare, quiet, fmt, plot_path):
    """Play a repeated match between two strategies on the scenario FILE.

    \b
    Example:
      tradesim play scenarios/us_china_2025.toml --strategy us=tit_for_tat \\
          --strategy china=deadline_truce:k=4 --rounds 12 --noise 0.05 --replicates 1000 --seed 1
    """

    scenario, game = load_any_payoffs(file, welfare)
    strategies = _player_strategies(game, scenario, strategy_items)
    rounds, continuation = _horizon(scenario, rounds, continuation)
    noise = float(_default(scenario, "noise", 0.0)) if noise is None else noise
    if isinstance(game, NormalFormGame):  # three or more players: the N-player engine (sim.repeated.nplayer_*)
        refuse_two_player_options(game, {"--perception-noise": perception_noise, "--plot": plot_path})
        play_nplayer(game, strategies, rounds=rounds, continuation=continuation, reps=reps, noise=noise, seed=seed,
                     fmt=fmt, max_rounds=max_rounds, cooperative=cooperative_option(coop_items), paths=paths,
                     invocation=lambda key: _invocation(ctx, file, key))
        return
    horizon = rounds if rounds is not None else max_rounds
    chunk = max(1, min(CHUNK_CELLS // max(horizon, 1), max(1, reps // 20)))
    with _progress("playing", reps * horizon, quiet, min_work=PROGRESS_MIN_WORK) as bar:
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
    units = game_units(game)
    if fmt == "json":
        echo_json({**result.to_dict(paths=paths), "payoffs": "welfare" if welfare else "political",
                   "units": summary_units(result.summary(), units),
                   "invocation": _invocation(ctx, file, result.seed_key)})
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
    conv = units.convert
    table.add_row(f"total payoff (mean), {units.total}", *(fmt_number(conv(s["total_payoff"][pid]), 2) for pid in ids))
    table.add_row(f"discounted payoff (mean), {units.total}",
                  *(fmt_number(conv(s["discounted_payoff"][pid]), 2) for pid in ids))
    table.add_row(f"payoff per round (mean), {units.per_round}", *(fmt_number(s["per_round_payoff"][pid], 3) for pid in ids))
    table.add_row(f"total q05..q95, {units.total}",
                  *(f"{conv(s['total_payoff_quantiles'][pid]['q05']):.1f} .. {conv(s['total_payoff_quantiles'][pid]['q95']):.1f}"
                    for pid in ids))
    table.add_row("cooperative action share", *(fmt_number(s["cooperation_rate_player"][pid]) for pid in ids))
    con.print(table)
    con.print(units.note())
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
        quiet_option,
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _run_tournament(file, spec_lists, rounds, continuation, max_rounds, reps, noise, perception_noise, seed, self_play,
                    quiet=False, label="tournament", loaded=None):

    scenario, game = loaded or load_game(file)
    specs = split_specs(spec_lists) or list(CLASSIC)
    rounds, continuation = _horizon(scenario, rounds, continuation)
    noise = float(_default(scenario, "noise", 0.0)) if noise is None else noise
    horizon = rounds if rounds is not None else max_rounds
    k = len(specs)
    played = build_dynamic_game(scenario, source=file) if is_dynamic(scenario) else game  # with state: it moves
    with _progress(label, k * k * reps * horizon // 2, quiet) as bar:
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
               quiet, fmt, plot_path):
    """Round-robin tournament of strategies on the scenario FILE.

    In a game whose sides differ, each strategy plays each side against every strategy on the other
    side; payoffs and wins are reported per side, on that side's own scale, and the rank is by the
    mean over the two sides of each strategy's place in the side's best-to-worst range.
    """
    scenario, game = load_any_payoffs(file, False)
    if isinstance(game, NormalFormGame):  # three or more players: every strategy in every seat
        refuse_two_player_options(game, {"--perception-noise": perception_noise, "--plot": plot_path})
        rounds, continuation = _horizon(scenario, rounds, continuation)
        tournament_nplayer(game, split_specs(spec_lists) or None, rounds=rounds, continuation=continuation, reps=reps,
                           noise=float(_default(scenario, "noise", 0.0)) if noise is None else noise, seed=seed,
                           fmt=fmt, max_rounds=max_rounds, self_play=self_play,
                           invocation=lambda key: _invocation(ctx, file, key))
        return
    _, game, result = _run_tournament(file, spec_lists, rounds, continuation, max_rounds, reps, noise,
                                      perception_noise, seed, self_play, quiet, loaded=(scenario, game))
    if plot_path:
        from sim.viz.plots import plot_tournament

        save_plot(plot_tournament(result), plot_path)
    if fmt == "json":
        echo_json({**result.to_dict(), "invocation": _invocation(ctx, file, result.seed_key)})
        return
    if fmt == "csv":
        _echo_csv(result.table())
        return
    print_tournament(result, game)


def print_tournament(result, game) -> None:
    """The text view of a round robin: one table, per side when the sides differ, and what it means."""
    from rich.table import Table

    con = console()
    units = result.units
    horizon = f"{result.rounds} rounds" if result.rounds is not None else f"continuation {result.continuation}"
    con.print(f"[bold]{game.name}[/bold]: {len(result.strategies)} strategies, {horizon}, "
              f"{result.replicates} replicates, noise {result.noise}, seed {result.seed if result.seed is not None else result.seed_key}")
    table = Table(show_header=True)
    roles = result.roles
    ids = result.player_ids
    if roles is None:
        cols = [("rank", "right"), ("strategy", "left"), (f"payoff/round\n{units.per_round}", "right"),
                ("cooperation", "right"), ("wins", "right")]
    else:
        cols = [("rank", "right"), ("strategy", "left"), ("score", "right")]
        for pid in ids:
            cols += [(f"as {pid}: payoff/round\n{units.per_round}", "right"), (f"as {pid}: wins", "right")]
        cols.append(("cooperation", "right"))
    for col, just in cols:
        table.add_column(col, justify=just)
    for row in result.table():
        if roles is None:
            table.add_row(str(row["rank"]), row["strategy"], f"{row['mean_payoff']:.3f}", f"{row['cooperation_rate']:.1%}",
                          str(row["wins"]))
        else:
            cells = [str(row["rank"]), row["strategy"], f"{row['score']:.3f}"]
            for pid in ids:
                cells += [f"{row[f'{pid}_payoff']:.3f}", str(row[f"{pid}_wins"])]
            table.add_row(*cells, f"{row['cooperation_rate']:.1%}")
    con.print(table)
    if roles is None:
        con.print(f"payoffs per round in {units.per_round}; wins: repetitions scoring more than the opponent")
        return
    per_role = int(roles.matches[0].max()) if roles.matches.size else 0
    con.print(f"The sides differ: each strategy played each side against every strategy on the other side. "
              f"Payoffs per round are on each side's own scale ({units.per_round}); a win (of {per_role} per side) "
              f"is a repetition in which the strategy, on that side, scored more than its opponent did on the same "
              f"side against it. {roles.NORMALISATION[0].upper()}{roles.NORMALISATION[1:]}.")


# ----------------------------------------------------------------------------- evolve
@click.command()
@_tournament_args
@click.option("--method", type=click.Choice(["replicator", "moran"]), default="replicator", show_default=True)
@click.option("--populations", type=click.Choice(["auto", "1", "2"]), default="auto", show_default=True,
              help="One population, or one per side (auto: two when the sides differ).")
@click.option("--start", "start_items", multiple=True, metavar="[SIDE:]STRATEGY=SHARE,...",
              help="Starting mix, e.g. us:tit_for_tat=0.5,us:always_defect=0.5,china:grim_trigger=1 (each side's "
                   "shares normalised; a side not named starts with equal shares).")
@click.option("--mutant", default=None, metavar="[SIDE:]STRATEGY",
              help="Moran: one individual of STRATEGY among residents (those of --start, else the first other "
                   "strategy listed); reports its fixation probability.")
@click.option("--t-max", type=float, default=100.0, show_default=True, help="Replicator: time span.")
@click.option("--population", type=int, default=100, show_default=True, help="Moran: population size (per side).")
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
           quiet, method, populations, start_items, mutant, t_max, population, steps, runs, selection, mutation, fmt,
           plot_path, simplex_path):
    """Evolve strategy shares (replicator dynamics or a Moran process) from a tournament on FILE.

    In a game whose sides differ each side is its own population (its strategies' fitness is their
    payoff against the other side's mix, on their own side's scale); --populations 1 mixes the sides
    into one population playing each side half the time.
    """

    if simplex_path is not None:
        check_plot_path(simplex_path, option="--plot-simplex")
        if len(split_specs(spec_lists)) != 3:
            raise InputError("a simplex plot needs exactly three strategies (--strategies a,b,c)", key="--plot-simplex")
    if mutant is not None and method != "moran":
        raise InputError("a single mutant needs a finite population: add --method moran", key="--mutant")
    scenario, game = load_any_payoffs(file, False)
    if isinstance(game, NormalFormGame):  # three or more players: one population per seat
        refuse_two_player_options(game, {"--perception-noise": perception_noise, "--plot": plot_path, "--plot-simplex": simplex_path,
                         "--populations": populations == "2"})
        rounds, continuation = _horizon(scenario, rounds, continuation)
        evolve_nplayer(game, split_specs(spec_lists) or None, method=method, rounds=rounds, continuation=continuation,
                       reps=reps, noise=float(_default(scenario, "noise", 0.0)) if noise is None else noise, seed=seed,
                       fmt=fmt, max_rounds=max_rounds, t_max=t_max, population=population, steps=steps, runs=runs,
                       selection=selection, mutation=mutation, start=start_items, mutant=mutant,
                       one_population=populations == "1", invocation=lambda key: _invocation(ctx, file, key))
        return
    _, game, result = _run_tournament(file, spec_lists, rounds, continuation, max_rounds, reps, noise,
                                      perception_noise, seed, self_play=True, quiet=quiet, loaded=(scenario, game))
    two = populations == "2" or (populations == "auto" and result.roles is not None)
    npop = 2 if two else 1
    specs, ids = result.strategies, tuple(game.player_ids)
    mix, named = parse_mix(start_items, specs, ids, npop)
    initial: Any = None if mix is None else (mix if two else mix[0])
    mutant_info = None
    if mutant is not None:
        counts, side, m = mutant_counts(mutant, specs, ids, npop, population, mix, named)
        initial = counts if two else counts[0]
        mutant_info = (side, m)
    payoff = result.roles.pairwise if result.roles is not None else np.stack([result.pairwise, result.pairwise])
    user_seed = result.seed if result.seed is not None else result.seed_key
    moran_seed = (result.seed_key + 1) & ((1 << 64) - 1)
    if method == "replicator":
        evo = (replicator_two(payoff, strategies=specs, player_ids=ids, initial=initial, t_max=t_max) if two
               else replicator(result, initial=initial, t_max=t_max))
        series, index_name = evo.shares, evo.times
    else:
        with _progress("moran", steps, quiet) as bar:
            common = dict(population=population, initial=initial, max_steps=steps, replicates=runs, selection=selection,
                          mutation=mutation, seed=moran_seed, progress=bar)
            evo = (moran_two(payoff, strategies=specs, player_ids=ids, **common) if two else moran(result, **common))
        series, index_name = evo.mean_shares, range(len(evo.mean_shares))
    if plot_path:
        from sim.viz.plots import plot_evolution

        save_plot(plot_evolution(evo, seed=user_seed), plot_path)
    if simplex_path:
        from sim.viz.plots import plot_simplex

        save_plot(plot_simplex(evo), simplex_path)
    mutant_record = mutant_report(evo, *mutant_info, two) if mutant_info is not None else None
    if fmt == "json":
        t = result.to_dict()
        keys = ("ranking", "mean_payoff", "pairwise", "setup", "units", "roles")
        out = {"tournament": {k: t[k] for k in keys if k in t}, method: evo.to_dict(), "populations": npop,
               "seed": user_seed}
        if mutant_record is not None:
            out["mutant"] = mutant_record
        echo_json({**out, "invocation": _invocation(ctx, file, result.seed_key)})
        return
    names = list(specs)
    columns = [f"{pid}:{n}" for pid in ids for n in names] if two else names
    if fmt == "csv":
        key = "time" if method == "replicator" else "step"
        _echo_csv([{key: float(x) if method == "replicator" else int(x),
                    **dict(zip(columns, map(float, np.asarray(row).ravel())))}
                   for x, row in zip(index_name, series)])
        return
    _print_evolution(game, evo, method, two, series, user_seed, mutant_record)


def _print_evolution(game, evo, method, two, series, user_seed, mutant_record) -> None:
    from rich.table import Table

    con = console()
    names = list(evo.strategies)
    ids = evo.player_ids if two else (None,)
    how = ("two populations, one per side (each side's strategies earn their payoff against the other side's mix)"
           if two else "one population")
    per = " per population" if two else ""
    extra = f", N={evo.population}{per}, {evo.replicates} runs, seed {user_seed}" if method == "moran" else ""
    con.print(f"[bold]{game.name}[/bold]: {method} over {len(names)} strategies, {how}{extra}")
    table = Table(show_header=True)
    if two:
        table.add_column("side")
    table.add_column("strategy")
    table.add_column("start", justify="right")
    table.add_column("end", justify="right")
    if method == "moran":
        table.add_column("fixation", justify="right")
        table.add_column("95% interval", justify="right")
    start, end = np.asarray(series[0]).reshape(len(ids), -1), np.asarray(series[-1]).reshape(len(ids), -1)
    fix = np.asarray(evo.fixation_probability).reshape(len(ids), -1) if method == "moran" else None
    ci = np.asarray(evo.fixation_interval).reshape(len(ids), -1, 2) if method == "moran" else None
    for p, pid in enumerate(ids):
        for i, name in enumerate(names):
            cells = ([pid] if two else []) + [name, f"{start[p, i]:.1%}", f"{end[p, i]:.1%}"]
            if fix is not None:
                cells += [f"{fix[p, i]:.1%}", f"{ci[p, i, 0]:.1%} .. {ci[p, i, 1]:.1%}"]
            table.add_row(*cells)
    con.print(table)
    if method == "moran":
        con.print("fixation: share of runs in which the strategy took over its population (95% Wilson interval)")
    if mutant_record is not None:
        r = mutant_record
        where = f" on the {r['side']} side" if r["side"] else ""
        con.print(f"one {r['strategy']} mutant{where}: took over in {r['fixed']} of {r['runs']} runs, "
                  f"{r['fixation_probability']:.1%} ({r['fixation_interval'][0]:.1%} .. {r['fixation_interval'][1]:.1%}); "
                  f"neutral drift would give 1/N = {r['neutral']:.1%}")


# ----------------------------------------------------------------------------- thresholds
def register(group: click.Group) -> None:
    """Add ``play``, ``tournament`` and ``evolve`` to the ``tradesim`` group."""
    for command in (play, tournament, evolve):
        group.add_command(command)
