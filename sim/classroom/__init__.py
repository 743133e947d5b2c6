"""The live classroom: students play a scenario's stage game in their browsers, pair by pair,
while the teacher watches the class tally beside what the theory says.

Layer 9, between :mod:`sim.viz` and :mod:`sim.cli`: it may import every layer below it and only
the CLI imports it. The web server (Starlette, run by uvicorn) is imported only by
:mod:`sim.classroom.server`, so the store and the game logic load without it.

Modules
-------
errors  ClassroomError: one message and the HTTP status it answers with
store   SQLite (WAL) tables of sessions, seats, pairs and moves; every move is written as it happens
game    the stage game as the classroom plays it: levers, actions from levels, strategy replies, ends
tally   the teacher's class tally, the theory beside it, and the CSV export rows
room    Classroom: one session of a class (join, state, move, tally), all state read from the store
pages   the HTML pages (every value escaped) and their JS/CSS
server  the Starlette app: routes, token checks, body-size limit, security headers
"""

from __future__ import annotations

__all__ = ["ClassroomError", "ClassSettings", "Classroom", "Store"]


def __getattr__(name: str):
    if name == "ClassroomError":
        from sim.classroom.errors import ClassroomError

        return ClassroomError
    if name == "Store":
        from sim.classroom.store import Store

        return Store
    if name in ("Classroom", "ClassSettings"):
        from sim.classroom import room

        return getattr(room, name)
    raise AttributeError(name)
