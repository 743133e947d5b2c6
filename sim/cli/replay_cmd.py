"""``tradesim replay`` and ``tradesim fit``: a scenario against a CSV of dated moves (docs/replay.md)."""

from __future__ import annotations

import csv
import hashlib
import io
import time
from typing import Any, Sequence

import click

from sim._files import MAX_EVENTS_BYTES, read_bytes_capped
from sim.cli.common import dumps, emit, format_option, invocation
from sim.cli.scenario_cmds import read_scenario
from sim.empirics.events import read_events
from sim.empirics.fit import fit_events
from sim.empirics.replay import ReplayResult, replay
from sim.errors import InputError
from sim.model.dynamic import build_dynamic_game, is_dynamic
from sim.model.game import build_game

#: Seconds a fit runs before it reports progress on stderr.
PROGRESS_AFTER = 3.0


def _load(scenario_path: str, events_path: str):
    """The scenario, its game (with state if it has any) and the checked events."""
    scenario = read_scenario(scenario_path)
    if is_dynamic(scenario):
        game = build_dynamic_game(scenario, source=scenario_path)
        return scenario, game, read_events(events_path, game, state=game.states)
    game = build_game(scenario, source=scenario_path)
    return scenario, game, read_events(events_path, game)


def _invocation(ctx: click.Context, scenario_path: str, events_path: str) -> dict[str, Any]:
    out = invocation(ctx, scenario_path)
    out["events"] = events_path
    out["events_sha256"] = hashlib.sha256(read_bytes_capped(events_path, what="events CSV",
                                                            cap=MAX_EVENTS_BYTES)).hexdigest()
    return out


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], left: int = 1) -> str:
    """A plain text table: the first ``left`` columns left-aligned, the rest right-aligned."""
    cells = [list(map(str, headers))] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[k]) for r in cells) for k in range(len(headers))]

    def line(r):
        return "  ".join(c.ljust(w) if k < left else c.rjust(w) for k, (c, w) in enumerate(zip(r, widths))).rstrip()

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths)] + [line(r) for r in cells[1:]]) + "\n"


def _share(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _interval(iv) -> str:
    return f"[{iv[0]:.2f}, {iv[1]:.2f}]"


def replay_text(res: ReplayResult) -> str:
    """The readable report: scores with intervals, by side and period, then the per-move table."""
    preds = list(res.predictors)
    out = [f"{res.scenario}: {res.n_moves} scored moves"
           + (f" in {', '.join(res.scored_periods)}" if res.scored_periods else "")
           + f" (bootstrap {res.bootstrap}, seed {res.seed})\n\n"]
    rows = [[k, _share(res.scores[k]), _interval(res.intervals[k])] for k in preds]
    out.append(_table(["predictor", "share right", "95% interval"], rows))
    d = res.difference
    out.append(f"\nmodel − mirror: {d['estimate']:+.2f}, 95% interval [{d['interval'][0]:+.2f}, "
               f"{d['interval'][1]:+.2f}]\n\n")
    groups = [(pid, res.sides.get(pid), res.counts.get(pid, 0)) for pid in res.player_ids]
    groups += [(per, res.periods[per], res.counts[per]) for per in res.scored_periods]
    rows = [[name, n, *(_share(s[k]) if s else "-" for k in preds)] for name, s, n in groups]
    out.append(_table(["side / period", "moves", *preds], rows))
    rows = [[m.date, m.period, m.player, m.lever, f"{m.before} -> {m.after}" + (" (snapped)" if m.snapped else ""),
             m.direction, *(m.predictions[k] for k in preds), m.note] for m in res.moves]
    out.append("\n" + _table(["date", "period", "player", "lever", "level", "move", *preds, "note"], rows, left=99))
    for note in res.notes:
        out.append(f"note: {note}\n")
    return "".join(out)


def replay_csv(res: ReplayResult) -> str:
    rows = res.table()
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


@click.command()
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(dir_okay=False))
@click.argument("events_path", metavar="EVENTS.csv", type=click.Path(dir_okay=False))
@click.option("--strategy", "strategies", multiple=True, metavar="NAME",
              help="Also score a repeated-game strategy (tit_for_tat, ...), fed the profiles at the event dates.")
@click.option("--period", "periods", multiple=True, metavar="P", help="Score only moves of period P (repeatable).")
@click.option("--bootstrap", type=int, default=2000, show_default=True, help="Bootstrap resamples for intervals.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap (and of stochastic strategies).")
@format_option("text", "json", "csv")
@click.option("-o", "--output", "out_path", type=click.Path(dir_okay=False), default=None,
              help="Write the output to FILE (atomically) instead of stdout.")
@click.pass_context
def replay_cmd(ctx, scenario_path, events_path, strategies, periods, bootstrap, seed, fmt, out_path):
    """Score the scenario's predictions against dated moves in EVENTS.csv.

    \b
    For each scored move, each predictor names a direction (up = escalation, down, hold):
      model     the mover's myopic best response in the stage game to the other side
      markov    (games with state) the Markov perfect equilibrium policy at the state
      mirror    the other side's most recent move;  repeat: the mover's own last move
      escalate  always up
    Scores are shares of moves predicted right, with bootstrap 95% intervals.
    The CSV format is in docs/replay.md.
    """
    scenario, game, log = _load(scenario_path, events_path)
    res = replay(scenario, log, strategies=strategies, periods=periods, bootstrap=bootstrap, seed=seed,
                 source=scenario_path, game=game)
    if fmt == "json":
        out = {**res.to_dict(), "invocation": _invocation(ctx, scenario_path, events_path)}
        emit(dumps(out) + "\n", out_path, option="-o")
    elif fmt == "csv":
        emit(replay_csv(res), out_path, option="-o")
    else:
        emit(replay_text(res), out_path, option="-o")


def fit_text(fit, holdout, units: str) -> str:
    d = fit.to_dict()
    out = [f"logit quantal response fit: {d['n_observations']} observations, log-likelihood "
           f"{d['log_likelihood']:.3f}, {'converged' if d['converged'] else 'NOT converged: ' + d['message']}\n"
           f"Hessian {d['hessian']}\n\n"]
    rows = []
    for name, e in d["estimates"].items():
        iv = "-" if e["se"] is None else f"[{e['low']:.4g}, {e['high']:.4g}]"
        rows.append([name, f"{e['value']:.4g}", "-" if e["se"] is None else f"{e['se']:.3g}", iv,
                     f"[{e['bounds'][0]:g}, {e['bounds'][1]:g}]" + (" at bound" if e["at_bound"] else "")])
    iv = "-" if d["lambda_interval"] is None else f"[{d['lambda_interval'][0]:.4g}, {d['lambda_interval'][1]:.4g}]"
    rows.append([f"lambda (per {units})" if units else "lambda", f"{d['lambda']:.4g}",
                 "-" if d["lambda_se"] is None else f"{d['lambda_se']:.3g}", iv, "at bound" if d["lambda_at_bound"] else ""])
    out.append(_table(["parameter", "estimate", "se", "95% interval", "search range"], rows))
    if holdout is not None:
        s = holdout["scores"]
        out.append(f"\nheld out ({', '.join(holdout['periods'])}; fitted on {', '.join(holdout['fit_periods'])}): "
                   f"{holdout['n_observations']} observations, log-likelihood per observation "
                   f"{holdout['log_likelihood_per_obs']:.3f}\n")
        out.append(_table(["predictor", "share right", "95% interval"],
                          [[k, _share(s[k]), _interval(holdout["intervals"][k])] for k in ("model", "mirror", "repeat")]))
    return "".join(out)


@click.command()
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(dir_okay=False))
@click.argument("events_path", metavar="EVENTS.csv", type=click.Path(dir_okay=False))
@click.option("--param", "params", multiple=True, metavar="NAME",
              help="A parameter to estimate (repeatable); its scenario range bounds the search.")
@click.option("--fit-period", "fit_periods", multiple=True, metavar="P", help="Fit on period P only (repeatable).")
@click.option("--test-period", "test_periods", multiple=True, metavar="Q",
              help="Hold out period Q and report on it (repeatable).")
@click.option("--starts", type=int, default=5, show_default=True, help="Optimiser starts (the first at the scenario's values).")
@click.option("--bootstrap", type=int, default=1000, show_default=True, help="Bootstrap resamples for held-out intervals.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random starts and the bootstrap.")
@click.option("--choice", type=click.Choice(["levers", "action"]), default="levers", show_default=True,
              help="Choice set of an observation: the levers the date's rows move (the others held where they "
                   "were), or every lever of the player.")
@format_option("text", "json")
@click.option("-o", "--output", "out_path", type=click.Path(dir_okay=False), default=None,
              help="Write the output to FILE (atomically) instead of stdout.")
@click.pass_context
def fit_cmd(ctx, scenario_path, events_path, params, fit_periods, test_periods, starts, bootstrap, seed, choice,
            fmt, out_path):
    """Estimate parameters and the logit precision λ from dated moves in EVENTS.csv.

    Each (date, player) with a scored move is one observation: the player's action after the date,
    explained by the logit quantal response to the other side's action before it, among the
    actions that move only the levers the date's rows name (--choice levers, the default). With
    --test-period, also the held-out log-likelihood and direction scores (docs/replay.md).
    """
    if seed < 0:
        raise InputError(f"must be >= 0, got {seed}", key="--seed")
    scenario, game, log = _load(scenario_path, events_path)
    t0 = time.monotonic()

    def progress(message: str) -> None:
        if time.monotonic() - t0 > PROGRESS_AFTER:
            click.echo(message, err=True)

    fit, holdout = fit_events(scenario, log, params, fit_periods=fit_periods, test_periods=test_periods,
                              starts=starts, seed=seed, bootstrap=bootstrap, choice=choice, progress=progress,
                              game=game)
    if fmt == "json":
        out = fit.to_dict()
        out["holdout"] = holdout
        out["invocation"] = _invocation(ctx, scenario_path, events_path)
        emit(dumps(out) + "\n", out_path, option="-o")
    else:
        emit(fit_text(fit, holdout, scenario.meta.payoff_unit), out_path, option="-o")


def register(group: click.Group) -> None:
    """Add ``replay`` and ``fit`` to the ``tradesim`` group."""
    group.add_command(replay_cmd, name="replay")
    group.add_command(fit_cmd, name="fit")
