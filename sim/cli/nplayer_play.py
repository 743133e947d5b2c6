"""``play``, ``tournament`` and ``thresholds`` output for games of three or more players.

The commands in :mod:`sim.cli.play_cmds` and :mod:`sim.cli.thresholds_cmd` hand an N-player game
to these functions; each runs the analysis, prints a readable table (``fmt="text"``, every payoff
total with the game's unit), stable JSON (``"json"``) or CSV (``"csv"``), and returns the result.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Callable, Mapping, Sequence

import click

from sim.cli.common import console, echo_json, fmt_number
from sim.errors import InputError
from sim.model.nplayer import NormalFormGame
from sim.repeated.nplayer_engine import NPlayerMatchResult, play
from sim.repeated.nplayer_strategies import NCLASSIC
from sim.repeated.nplayer_thresholds import NPlayerThresholds, grim_thresholds
from sim.repeated.nplayer_tournament import NPlayerTournamentResult, round_robin

__all__ = ["play_nplayer", "tournament_nplayer", "thresholds_nplayer"]

Invocation = Callable[[int], Mapping[str, Any]] | None


def _money(x: float, units: str, digits: int = 2) -> str:
    return f"{x:.{digits}f} {units}".rstrip() if units else f"{x:.{digits}f}"


def _csv(rows: list[dict[str, Any]]) -> None:
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    click.echo(buf.getvalue(), nl=False)


def _horizon_text(rounds: int | None, continuation: float | None, mean_rounds: float | None = None) -> str:
    if rounds is not None:
        return f"{rounds} rounds"
    return f"continuation {continuation}" + (f" (mean {mean_rounds:.1f} rounds)" if mean_rounds is not None else "")


def _crit(x: float) -> str:
    return "-" if x != x else fmt_number(float(x))


def _check_fmt(fmt: str) -> None:
    if fmt not in ("text", "json", "csv"):
        raise InputError(f"format must be text, json or csv; got {fmt!r}", key="--format")


def play_nplayer(
    game: NormalFormGame,
    strategies: Mapping[str, str],
    *,
    rounds: int | None,
    continuation: float | None = None,
    reps: int = 1,
    noise: float = 0.0,
    seed: int | None = None,
    fmt: str = "text",
    max_rounds: int = 10_000,
    cooperative: Any = None,
    paths: bool = False,
    invocation: Invocation = None,
) -> NPlayerMatchResult:
    """Play ``{player id: spec}`` on ``game`` and print the result in ``fmt``.

    ``invocation``, if given, is called with the seed key used and its mapping is added to the JSON
    output under ``"invocation"`` (the CLI's record of how the result was made).
    """
    _check_fmt(fmt)
    result = play(game, dict(strategies), rounds=rounds, continuation=continuation, max_rounds=max_rounds,
                  replicates=reps, noise=noise, cooperative=cooperative, seed=seed, paths=paths)
    ids, units = game.player_ids, str(game.units or "")
    if fmt == "json":
        out = result.to_dict(paths=paths)
        if invocation is not None:
            out["invocation"] = dict(invocation(result.seed_key))
        echo_json(out)
        return result
    if fmt == "csv":
        if paths:
            labels, pay = result.labels(), result.payoffs()
            rows = [{"replicate": r, "round": t,
                     **{k: v for p, pid in enumerate(ids)
                        for k, v in ((f"{pid}_action", labels[r, t, p]), (f"{pid}_payoff", float(pay[r, t, p])))}}
                    for r in range(len(result.length)) for t in range(int(result.length[r]))]
        else:
            rows = [{"round": t, **{f"{pid}_mean_payoff": float(result.round_payoff[t, p]) for p, pid in enumerate(ids)},
                     "cooperation": float(result.round_cooperation[t]), "active": int(result.round_active[t])}
                    for t in range(len(result.round_active))]
        _csv(rows)
        return result
    from rich.table import Table

    s = result.summary()
    con = console()
    seed_shown = result.seed if result.seed is not None else result.seed_key
    con.print(f"[bold]{game.name}[/bold] ({game.n_players} players): "
              + ", ".join(f"{pid}={spec}" for pid, spec in zip(ids, result.strategies))
              + f"; {_horizon_text(result.rounds, result.continuation, s['mean_rounds'])}, {reps} replicate(s), noise {noise}, "
              f"seed {seed_shown}")
    table = Table(show_header=True)
    table.add_column("")
    for pid in ids:
        table.add_column(pid, justify="right")
    table.add_row("total payoff (mean)", *(_money(s["total_payoff"][pid], units) for pid in ids))
    table.add_row("discounted total (mean)", *(_money(s["discounted_payoff"][pid], units) for pid in ids))
    table.add_row("per-round payoff", *(_money(s["per_round_payoff"][pid], units, 3) for pid in ids))
    table.add_row("total q05..q95", *(f"{_money(s['total_payoff_quantiles'][pid]['q05'], units, 1)} .. "
                                      f"{_money(s['total_payoff_quantiles'][pid]['q95'], units, 1)}" for pid in ids))
    table.add_row("cooperative action share", *(fmt_number(s["cooperation_rate_player"][pid]) for pid in ids))
    con.print(table)
    fb = s["first_breakdown_median"]
    con.print(f"rounds with every player cooperating: {s['cooperation_rate']:.1%}; cooperation broke in "
              f"{s['breakdown_share']:.1%} of replicates"
              + (f" (median first breakdown: round {fb:.0f})" if fb is not None else ""))
    if paths:
        labels = result.labels()
        for r in range(min(5, len(result.length))):
            con.print(f"replicate {r}:")
            for p, pid in enumerate(ids):
                con.print(f"  {pid}: " + " | ".join(labels[r, : result.length[r], p].tolist()))
    return result


def tournament_nplayer(
    game: NormalFormGame,
    specs: Sequence[str] | None,
    *,
    rounds: int | None = None,
    continuation: float | None = None,
    reps: int = 10,
    noise: float = 0.0,
    seed: int | None = None,
    fmt: str = "text",
    max_rounds: int = 10_000,
    self_play: bool = True,
    invocation: Invocation = None,
) -> NPlayerTournamentResult:
    """Every strategy of ``specs`` (default: the N-player classic field) in every seat; print in ``fmt``.

    Without ``rounds`` or ``continuation``, 200 rounds per match."""
    _check_fmt(fmt)
    result = round_robin(game, list(specs) if specs else list(NCLASSIC), rounds=rounds, continuation=continuation,
                         max_rounds=max_rounds, replicates=reps, noise=noise, self_play=self_play, seed=seed)
    if fmt == "json":
        out = result.to_dict()
        if invocation is not None:
            out["invocation"] = dict(invocation(result.seed_key))
        echo_json(out)
        return result
    if fmt == "csv":
        _csv(result.table())
        return result
    from rich.table import Table

    units, ids = result.units, result.player_ids
    con = console()
    seed_shown = result.seed if result.seed is not None else result.seed_key
    con.print(f"[bold]{game.name}[/bold] ({game.n_players} players): {len(result.strategies)} strategies in every "
              f"seat, {len(result.matches)} matches, {_horizon_text(result.rounds, result.continuation)}, {reps} replicates, "
              f"noise {noise}, seed {seed_shown}")
    table = Table(show_header=True)
    for col, just in (("rank", "right"), ("strategy", "left"), ("payoff/round", "right")):
        table.add_column(col, justify=just)
    for pid in ids:
        table.add_column(f"as {pid}", justify="right")
    table.add_column("cooperation", justify="right")
    table.add_column("wins", justify="right")
    for row in result.table():
        table.add_row(str(row["rank"]), row["strategy"], _money(row["mean_payoff"], units, 3),
                      *(_money(row[f"payoff_{pid}"], units, 3) for pid in ids),
                      f"{row['cooperation_rate']:.1%}", str(row["wins"]))
    con.print(table)
    return result


def thresholds_nplayer(game: NormalFormGame, *, cooperative: Any = None, fmt: str = "text") -> NPlayerThresholds:
    """Grim trigger against all: each player's critical discount factor, printed in ``fmt``."""
    _check_fmt(fmt)
    th = grim_thresholds(game, cooperative)
    if fmt == "json":
        echo_json(th.to_dict())
        return th
    if fmt == "csv":
        d = th.to_dict()
        _csv([{"player": pid, "grim_trigger": d["grim_trigger"][pid], "grim_trigger_minmax": d["grim_trigger_minmax"][pid],
               "cooperative_payoff": d["cooperative_payoff"][pid], "deviation_payoff": d["deviation"][pid]["payoff"],
               "discount": d["discount"][pid]} for pid in th.player_ids])
        return th
    from rich.table import Table

    con = console()
    con.print(f"[bold]{game.name}[/bold]: cooperative profile "
              + ", ".join(f"{pid}={a}" for pid, a in zip(th.player_ids, th.cooperative_labels)))
    table = Table(show_header=True)
    for col in ("player", "cooperate", "best deviation", "Nash reversion", "critical δ (Nash)",
                f"minmax ({th.minmax_kind})", "critical δ (minmax)", "own δ"):
        table.add_column(col, justify="left" if col == "player" else "right")
    for p, pid in enumerate(th.player_ids):
        table.add_row(pid, _money(th.cooperative_payoff[p], th.units, 3),
                      f"{th.deviation_action[p]}: {_money(th.deviation_payoff[p], th.units, 3)}",
                      "-" if th.nash_profile is None else _money(th.nash_payoff[p], th.units, 3), _crit(th.grim_nash[p]),
                      _money(th.minmax_payoff[p], th.units, 3), _crit(th.grim_minmax[p]),
                      f"{th.discount[p]:.2f}")
    con.print(table)
    for line in th.sentences():
        con.print(line)
    return th
