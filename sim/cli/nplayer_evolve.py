"""``evolve`` output for games of three or more players: one population per seat.

``tradesim evolve`` hands an N-player game to :func:`evolve_nplayer`: it plays the N-player round
robin (every strategy in every seat, self-play), builds each seat's payoff tensor from it and runs
the N-population replicator dynamics or Moran process (:mod:`sim.repeated.nplayer_evolution`),
then prints a readable table (``fmt="text"``), stable JSON (``"json"``) or the shares over time as
CSV (``"csv"``), and returns the evolution result.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from sim.cli.common import console, echo_json
from sim.cli.nplayer_play import Invocation, _csv, _horizon_text
from sim.errors import InputError
from sim.model.nplayer import NormalFormGame
from sim.repeated.evolution_start import mutant_counts, mutant_report, parse_mix
from sim.repeated.nplayer_evolution import (
    NMoranResult,
    NReplicatorResult,
    moran_n,
    replicator_n,
)
from sim.repeated.nplayer_strategies import NCLASSIC
from sim.repeated.nplayer_tournament import round_robin

__all__ = ["evolve_nplayer"]


def evolve_nplayer(
    game: NormalFormGame,
    specs: Sequence[str] | None,
    *,
    method: str = "replicator",
    rounds: int | None = None,
    continuation: float | None = None,
    reps: int = 10,
    noise: float = 0.0,
    seed: int | None = None,
    fmt: str = "text",
    max_rounds: int = 10_000,
    t_max: float = 100.0,
    population: int = 100,
    steps: int = 10_000,
    runs: int = 100,
    selection: float = 1.0,
    mutation: float = 0.0,
    invocation: Invocation = None,
    start: Sequence[str] = (),
    mutant: str | None = None,
    one_population: bool = False,
) -> NReplicatorResult | NMoranResult:
    """Evolve ``specs`` (default: the N-player classic field), one population per seat; print in ``fmt``.

    Without ``rounds`` or ``continuation``, 200 rounds per match. The Moran process is seeded with
    the tournament's seed key + 1, as the two-player ``evolve`` does. ``start`` and ``mutant`` are
    ``evolve``'s ``--start`` (``[SEAT:]STRATEGY=SHARE,...``) and ``--mutant`` (``[SEAT:]STRATEGY``,
    Moran only) in the forms of :mod:`sim.repeated.evolution_start`, with a player id as the seat;
    ``one_population`` evolves one mix for every seat (``--populations 1``).
    """
    if fmt not in ("text", "json", "csv"):
        raise InputError(f"format must be text, json or csv; got {fmt!r}", key="--format")
    if method not in ("replicator", "moran"):
        raise InputError(f"method must be replicator or moran; got {method!r}", key="--method")
    if method == "moran" and (isinstance(population, bool) or not isinstance(population, int) or population < 2):
        raise InputError(f"population must be an integer >= 2, got {population!r}", key="--population")
    if mutant is not None and method != "moran":
        raise InputError("a single mutant needs a finite population: add --method moran", key="--mutant")
    tour = round_robin(game, list(specs) if specs else list(NCLASSIC), rounds=rounds, continuation=continuation,
                       max_rounds=max_rounds, replicates=reps, noise=noise, self_play=True, seed=seed)
    P = 1 if one_population else game.n_players
    mix, named = parse_mix(list(start), tour.strategies, game.player_ids, P)
    initial: Any = mix
    if mutant is not None:
        initial, side, m = mutant_counts(mutant, tour.strategies, game.player_ids, P, population, mix, named)
    if method == "replicator":
        evo: NReplicatorResult | NMoranResult = replicator_n(tour, initial=initial, one_population=one_population,
                                                             t_max=t_max)
        series, index = evo.shares, evo.times
    else:
        evo = moran_n(tour, population=population, initial=initial, one_population=one_population,
                      selection=selection, mutation=mutation, max_steps=steps, replicates=runs,
                      seed=(tour.seed_key + 1) & ((1 << 64) - 1))
        series, index = evo.mean_shares, np.arange(len(evo.mean_shares))
    user_seed = tour.seed if tour.seed is not None else tour.seed_key
    if fmt == "json":
        t = tour.to_dict()
        out: dict[str, Any] = {"tournament": {key: t[key] for key in ("ranking", "mean_payoff", "seat_score", "units",
                                                                        "setup")},
                               method: evo.to_dict(), "populations": len(evo.populations), "seed": user_seed}
        if mutant is not None:
            out["mutant"] = _mutant_record(evo, side, m)
        if invocation is not None:
            out["invocation"] = dict(invocation(tour.seed_key))
        echo_json(out)
        return evo
    names, pops = list(evo.strategies), evo.populations
    if fmt == "csv":
        key = "time" if method == "replicator" else "step"
        _csv([{key: float(x) if method == "replicator" else int(x),
               **{f"{pid}:{s}": float(row[p, i]) for p, pid in enumerate(pops) for i, s in enumerate(names)}}
              for x, row in zip(index, series)])
        return evo
    _print_evolution(game, tour, evo, method, series, user_seed, noise, reps)
    if mutant is not None:
        r = _mutant_record(evo, side, m)
        where = f" in seat {r['side']}" if r["side"] else ""
        console().print(f"one {r['strategy']} mutant{where}: took over in {r['fixed']} of {r['runs']} runs, "
                        f"{r['fixation_probability']:.1%} ({r['fixation_interval'][0]:.1%} .. "
                        f"{r['fixation_interval'][1]:.1%}); neutral drift would give 1/N = {r['neutral']:.1%}")
    return evo


def _mutant_record(evo: Any, side: int, m: int) -> dict[str, Any]:
    record = mutant_report(evo, side, m, True)  # (P, k) arrays: the per-side form
    if evo.one_population:
        record["side"] = None
    return record


def _print_evolution(game: NormalFormGame, tour: Any, evo: Any, method: str, series: np.ndarray, user_seed: int,
                     noise: float, reps: int) -> None:
    from rich.table import Table

    con = console()
    names, pops = list(evo.strategies), evo.populations
    how = ("one population playing every seat" if evo.one_population else
           f"{len(pops)} populations, one per seat (each seat's strategies earn their payoff against the other "
           "seats' mixes)")
    extra = (f", N={evo.population} per population, {evo.replicates} runs" if method == "moran"
             else f", t_max {evo.t_max:g}")
    con.print(f"[bold]{game.name}[/bold] ({game.n_players} players): {method} over {len(names)} strategies, {how}"
              f"{extra}; tournament {_horizon_text(tour.rounds, tour.continuation)}, {reps} replicates, "
              f"noise {noise}, seed {user_seed}")
    table = Table(show_header=True)
    for col, just in (("seat", "left"), ("strategy", "left"), ("start", "right"), ("end", "right")):
        table.add_column(col, justify=just)
    if method == "moran":
        table.add_column("fixation", justify="right")
        table.add_column("95% interval", justify="right")
    start, end = np.asarray(series[0]), np.asarray(series[-1])
    for p, pid in enumerate(pops):
        for i, name in enumerate(names):
            cells = [pid, name, f"{start[p, i]:.1%}", f"{end[p, i]:.1%}"]
            if method == "moran":
                lo, hi = evo.fixation_interval[p, i]
                cells += [f"{evo.fixation_probability[p, i]:.1%}", f"{lo:.1%} .. {hi:.1%}"]
            table.add_row(*cells)
    con.print(table)
    if method == "moran":
        con.print("fixation: share of runs in which the strategy took over its population (95% Wilson interval); "
                  "each step one population, drawn at random, revises")
