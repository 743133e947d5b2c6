"""``tradesim classroom``: run the live classroom server; ``tradesim classroom-export``: its moves as CSV.

The web stack (Starlette, uvicorn) is imported only when the command runs, so ``import sim.cli``
stays light.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import click

from sim.errors import InputError

__all__ = ["register", "classroom", "classroom_export"]


def _lan_address() -> str:
    """This machine's address on the local network (no packet is sent), else 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            return str(s.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def _store(db: str):
    """The classroom database in ``db``; a file that is not one (or of another schema) is one error line."""
    import sqlite3

    from sim.classroom.store import Store

    try:
        return Store(db)
    except (sqlite3.Error, ValueError) as exc:  # not SQLite, or a schema from another version
        raise InputError(f"cannot open the classroom database: {exc}", file=db) from None


def _open_room(file: str, db: str, settings, new: bool):
    from sim.classroom.errors import ClassroomError
    from sim.classroom.game import playable_game
    from sim.classroom.room import Classroom
    from sim.cli.scenario_cmds import load_game
    from sim.model.load import document_hash

    scenario, game = load_game(file)
    game = playable_game(scenario, game, source=file)
    store = _store(db)
    try:
        return Classroom.open(store, file, document_hash(file), game, settings, new=new)
    except ClassroomError as exc:
        raise InputError(exc.message, key=exc.key and f"--{exc.key.replace('_', '-')}") from None


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="TCP port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; 0.0.0.0 lets the whole local network in.")
@click.option("--db", "db", default="classroom.sqlite", show_default=True, type=click.Path(dir_okay=False),
              help="SQLite file with every session and move; the same file resumes the session.")
@click.option("--rounds", type=int, default=None, help="Rounds each pair plays (default 10).")
@click.option("--continuation", type=float, default=None,
              help="Instead of --rounds: probability of another round after each (seeded per pair).")
@click.option("--max-rounds", type=int, default=50, show_default=True, help="Cap on rounds with --continuation.")
@click.option("--opponent", default="student", show_default=True, metavar="student|STRATEGY",
              help="Pair students with each other, or each with a strategy (tit_for_tat, grim_trigger, ...).")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Seed of the session (drawn and stored if left out).")
@click.option("--new-session", is_flag=True, help="Start a new session even if the database holds a matching one.")
def classroom(file, port, host, db, rounds, continuation, max_rounds, opponent, seed, new_session):
    """Run a live classroom on the scenario FILE: students play its stage game in their browsers.

    \b
    Prints the join URL, the room code and the teacher's URL (with its token). Every move is
    stored in --db as it happens; start the command again with the same --db (and options)
    to resume after a crash. Stop with Ctrl-C.

    \b
    Example:
      tradesim classroom scenarios/prisoners_dilemma.toml --rounds 8 --opponent tit_for_tat
    """
    from sim.classroom.room import ClassSettings

    settings = ClassSettings(rounds=rounds, continuation=continuation, max_rounds=max_rounds, opponent=opponent,
                             seed=seed)
    room, resumed = _open_room(file, db, settings, new_session)
    try:
        import uvicorn

        from sim.classroom.server import create_app
    except ImportError as exc:  # pragma: no cover - the classroom extra not installed
        raise InputError(f"the classroom needs starlette and uvicorn ({exc.name} is missing)", key="classroom") from None
    lan = host in ("0.0.0.0", "::")
    shown = _lan_address() if lan else ("localhost" if host in ("127.0.0.1", "::1") else host)
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}", key="--port") from None
        if port == 0:
            port = probe.getsockname()[1]
    base = f"http://{shown}:{port}"
    join_url = f"{base}/?code={room.session.room_code}"
    lines = [
        f"{'resumed' if resumed else 'new'} session {room.id} of {room.cg.name} in {db} "
        f"({room.rules()}; opponent: {room.settings.opponent})",
        f"join URL:    {join_url}",
        f"room code:   {room.session.room_code}",
        f"teacher URL: {base}/teacher?token={room.session.teacher_token}",
    ]
    if lan:
        lines.append(f"listening on ALL network interfaces ({host}): anyone on this network who has the room code "
                     "can join; plain HTTP, so use it on a network you trust")
    else:
        lines.append(f"listening on {host} only: other machines cannot reach it (use --host 0.0.0.0 for a LAN)")
    for line in lines:
        click.echo(line)
    sys.stdout.flush()
    app = create_app(room, join_url=join_url)
    # http="h11": the header cap is an h11 setting, which httptools (picked when installed) ignores
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, limit_concurrency=400,
                http="h11", h11_max_incomplete_event_size=16 * 1024)


@click.command("classroom-export")
@click.argument("db", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), required=True, help="CSV file to write.")
@click.option("--session", "session_id", type=int, default=None, help="Session id (default: the latest).")
def classroom_export(db, output, session_id):
    """Write the moves of a classroom session in DB to a CSV file (one row per completed round)."""
    from sim._files import write_text_atomic
    from sim.classroom.game import playable_game
    from sim.classroom.room import ClassSettings
    from sim.classroom.tally import export_csv, export_rows
    from sim.cli.scenario_cmds import load_game
    from sim.model.load import document_hash

    store = _store(db)
    sessions = store.sessions()
    if not sessions:
        raise InputError("the database holds no session", file=db)
    chosen = [s for s in sessions if session_id is None or s.id == session_id]
    if not chosen:
        raise InputError(f"no session {session_id} (sessions: {', '.join(str(s.id) for s in sessions)})", key="--session")
    row = chosen[-1]
    if not Path(row.scenario).is_file() or document_hash(row.scenario) != row.scenario_hash:
        raise InputError(f"session {row.id} was played on {row.scenario}, which is missing or has changed", file=db)
    scenario, game = load_game(row.scenario)
    cg = ClassSettings(**row.settings["settings"]).class_game(playable_game(scenario, game, source=row.scenario))
    rows = export_rows(cg, row.id, store.pairs(row.id), store.moves(row.id), int(row.settings["seed_key"]))
    write_text_atomic(output, export_csv(rows))
    click.echo(f"wrote {len(rows)} rows of session {row.id} to {output}")


def register(group: click.Group) -> None:
    for command in (classroom, classroom_export):
        group.add_command(command)
