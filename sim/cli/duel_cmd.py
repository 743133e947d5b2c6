"""``tradesim duel``: play one side of a scenario in the terminal against a strategy, round by round."""

from __future__ import annotations

import json

import click

from sim.cli.common import format_option
from sim.errors import InputError

__all__ = ["register", "duel"]


def _fmt(x: float) -> str:
    return f"{x:+.2f}"


def _terms_line(terms: dict[str, float]) -> str:
    shown = [f"{name} {_fmt(v)}" for name, v in terms.items() if abs(v) > 5e-3]
    return ", ".join(shown) if shown else "all terms 0"


def _choose(d, say, to_err: bool) -> dict[str, str]:
    """Ask for a level of each lever (numbered, conciliatory first); Enter keeps last round's."""
    last = d.last_levels()
    chosen = {}
    for lever in d.levers():
        labels = lever["labels"]
        if len(labels) == 1:
            chosen[lever["name"]] = labels[0]
            continue
        current = labels.index(last[lever["name"]]) + 1
        unit = f" ({lever['unit']})" if lever.get("unit") else ""
        say(f"  {lever['name']}{unit}: " + "  ".join(f"{k}) {lab}" for k, lab in enumerate(labels, 1)))
        k = click.prompt(f"  {lever['name']}", type=click.IntRange(1, len(labels)), default=current,
                         err=to_err, show_default=True)
        chosen[lever["name"]] = labels[k - 1]
    return chosen


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--vs", "vs", default="tit_for_tat", show_default=True, metavar="SPEC",
              help="The strategy you play against: a library strategy (tradesim strategies) or a strategy file.")
@click.option("--as", "side", default=None, metavar="PLAYER", help="The player you are (default: the first).")
@click.option("--rounds", type=int, default=None, help="Rounds to play (default 10).")
@click.option("--continuation", type=float, default=None,
              help="Instead of --rounds: the probability of another round after each one (nobody knows the end).")
@click.option("--max-rounds", type=int, default=50, show_default=True, help="Cap on rounds with --continuation.")
@click.option("--seed", type=int, default=None, help="Seed of the strategy's random moves and of the ending.")
@format_option("text", "json")
def duel(file, vs, side, rounds, continuation, max_rounds, seed, fmt):
    """Play one side of the scenario FILE against a strategy, round by round.

    \b
    Each round you choose a level of each of your levers by its number
    (levels are listed conciliatory first; Enter keeps last round's). The
    strategy's move is fixed before it sees yours and is shown after. Each
    round prints both moves, both payoffs with their terms, and the running
    score; at the end, what tit for tat would have scored in your place.
    Ctrl-D or Ctrl-C stops early (the rounds played are summarised).

    \b
    Example:
      tradesim duel scenarios/us_china_2025.toml --vs tit_for_tat --as china --rounds 8
      tradesim duel scenarios/prisoners_dilemma.toml --vs scenarios/strategies/two_strikes.toml

    With --format json the prompts go to stderr and the summary (every round,
    both scores) is printed as JSON on stdout.
    """
    from sim.classroom.duel import Duel
    from sim.classroom.errors import ClassroomError
    from sim.classroom.game import playable_game
    from sim.cli.scenario_cmds import load_game

    scenario, game = load_game(file)
    game = playable_game(scenario, game, source=file)
    try:
        d = Duel.start(game, vs, side=side if side is not None else 0, rounds=rounds, continuation=continuation,
                       max_rounds=max_rounds, seed=seed)
    except ClassroomError as exc:
        key = {"side": "--as", "opponent": "--vs"}.get(exc.key or "", f"--{(exc.key or '').replace('_', '-')}")
        raise InputError(exc.message, key=key) from None

    def say(text: str = "") -> None:
        click.echo(text, err=fmt == "json")

    unit = f" {d.cg.game.units}" if d.cg.game.units else ""
    say(f"{d.cg.name}: you are {d.me}, against {d.strategy.spec} ({d.them}); {d.rules()}; seed {d.seed}.")
    stopped = False
    while not d.over:
        mine, theirs = d.totals
        of = f" of {d.known_length}" if d.known_length else ""
        say(f"\nRound {d.round}{of}  (score so far: you {mine:.2f}, {d.them} {theirs:.2f})")
        if d.state_now():
            say("  state: " + ", ".join(f"{k}={v}" for k, v in d.state_now().items()))
        try:
            levels = _choose(d, say, fmt == "json")
        except click.exceptions.Abort:
            stopped = True
            say("\nstopped.")
            break
        played = d.play(levels)
        me, them = d.side, 1 - d.side
        for who, k in ((f"you ({d.me})", me), (d.them, them)):
            say(f"  {who} played {played.labels[k]}")
            say(click.wrap_text(f"payoff {_fmt(played.payoffs[k])}{unit} = {_terms_line(played.terms[k])}",
                                width=100, initial_indent="    ", subsequent_indent="      "))
        say(f"  outcome: {played.outcome}")
    summary = d.summary()
    summary["stopped_early"] = stopped
    if fmt == "json":
        click.echo(json.dumps(summary, indent=2))
        return
    summed = f"{unit.strip() or 'payoff'} summed over {summary['rounds']} rounds"
    say(f"\n{summary['rounds']} rounds: you {summary['score']:.2f}, {d.them} {summary['opponent_score']:.2f} "
        f"({summed}); {summary['cooperative_rounds']} of your moves were the cooperative action.")
    say(f"Tit for tat in your place would have scored {summary['tit_for_tat_score']:.2f} "
        f"(and {d.them} {summary['opponent_score_against_tit_for_tat']:.2f}).")


def register(main: click.Group) -> None:
    main.add_command(duel)
