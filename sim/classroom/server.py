"""The classroom's web app (Starlette): pages, the students' JSON API, the teacher's tally and export.

Safety, checked on every request: a student acts only through the secret of their own seat (an
HttpOnly, SameSite=Strict cookie, or the ``X-Seat-Token`` header); teacher routes need the teacher
token; JSON bodies must say ``application/json`` (so another site cannot post them without a CORS
preflight) and are cut at :data:`MAX_BODY` bytes; every refusal is one JSON ``{"error": ...}``
with status 400, 403, 404, 405 or 413, and stores nothing.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sim.classroom.assets import ASSETS
from sim.classroom.errors import ClassroomError
from sim.classroom.pages import join_page, message_page, student_page, teacher_page
from sim.classroom.room import Classroom
from sim.classroom.tally import export_csv

__all__ = ["create_app", "MAX_BODY", "SEAT_COOKIE"]

MAX_BODY = 16_384  # a submitted strategy (at most 3,000 characters) fits with room to spare
SEAT_COOKIE = "tradesim_seat"

_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class _Guard:
    """ASGI middleware: refuse bodies over ``limit`` bytes (declared or streamed) and add the
    security headers to every response."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _error(f"request body over {self.limit} bytes", 413)(scope, receive, _with_headers(send))
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise ClassroomError(f"request body over {self.limit} bytes", 413)
            return message

        await self.app(scope, limited, _with_headers(send))


def _with_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {k.lower() for k, _ in headers}
            headers += [(k.lower().encode(), v.encode()) for k, v in _HEADERS.items() if k.lower().encode() not in present]
            message = {**message, "headers": headers}
        await send(message)
    return wrapped


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _json_body(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise ClassroomError("send JSON (Content-Type: application/json)")
    raw = await request.body()
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ClassroomError("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ClassroomError("the body must be a JSON object")
    return body


def create_app(room: Classroom, *, join_url: str = "", secure_cookie: bool = False) -> Starlette:
    """The web app of one classroom session (``join_url`` is shown on the teacher's page)."""

    def seat_of(request: Request):
        return room.seat_for(request.headers.get("x-seat-token") or request.cookies.get(SEAT_COOKIE))

    async def index(request: Request) -> Response:
        return HTMLResponse(join_page(room.cg.name, request.query_params.get("code", "")))

    async def join(request: Request) -> Response:
        body = await _json_body(request)
        unknown = sorted(set(body) - {"code", "name"})
        if unknown:
            raise ClassroomError(f"unknown field {unknown[0][:40]!r}")
        seat = room.join(body.get("code"), body.get("name", ""))
        response = JSONResponse({"seat": seat.seat + 1, "token": seat.token, "play": "/play"})
        response.set_cookie(SEAT_COOKIE, seat.token, httponly=True, samesite="strict", secure=secure_cookie,
                            max_age=7 * 24 * 3600)
        return response

    async def play(request: Request) -> Response:
        try:
            seat_of(request)
        except ClassroomError:
            return HTMLResponse(message_page("No seat yet", "Open the join link and enter the room code."), 403)
        return HTMLResponse(student_page(room.cg.name))

    async def state(request: Request) -> Response:
        return JSONResponse(room.state(seat_of(request)))

    async def move(request: Request) -> Response:
        seat = seat_of(request)
        body = await _json_body(request)
        unknown = sorted(set(body) - {"round", "levels"})
        if unknown:
            raise ClassroomError(f"unknown field {unknown[0][:40]!r}")
        if "round" not in body or "levels" not in body:
            raise ClassroomError("a move needs round and levels")
        return JSONResponse(room.move(seat, body["round"], body["levels"]))

    async def strategy(request: Request) -> Response:
        seat = seat_of(request)
        if request.method == "GET":
            return JSONResponse(room.my_strategy(seat))
        body = await _json_body(request)
        unknown = sorted(set(body) - {"source"})
        if unknown:
            raise ClassroomError(f"unknown field {unknown[0][:40]!r}")
        return JSONResponse(room.submit_strategy(seat, body.get("source")))

    def teacher_token(request: Request) -> str:
        token = request.query_params.get("token") or request.headers.get("x-teacher-token") or ""
        room.check_teacher(token)
        return token

    async def teacher(request: Request) -> Response:
        try:
            token = teacher_token(request)
        except ClassroomError as exc:
            return HTMLResponse(message_page("Teacher's page", exc.message), exc.status)
        return HTMLResponse(teacher_page(room.tally(), token, join_url))

    async def tally(request: Request) -> Response:
        teacher_token(request)
        return JSONResponse(room.tally())

    async def tournament(request: Request) -> Response:
        teacher_token(request)
        if request.method == "GET":
            return JSONResponse({"tournament": room.store.latest_tournament(room.id)})
        body = await _json_body(request)
        if body:
            raise ClassroomError(f"unknown field {sorted(body)[0][:40]!r}")
        return JSONResponse({"tournament": await run_in_threadpool(room.run_tournament)})

    async def pair_waiting(request: Request) -> Response:
        teacher_token(request)
        body = await _json_body(request)
        unknown = sorted(set(body) - {"strategy"})
        if unknown:
            raise ClassroomError(f"unknown field {unknown[0][:40]!r}")
        return JSONResponse({"paired": room.pair_waiting(body.get("strategy"))})

    async def export(request: Request) -> Response:
        teacher_token(request)
        return Response(export_csv(room.export()), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="moves.csv"'})

    async def static(request: Request) -> Response:
        found = ASSETS.get(request.path_params["name"])
        if found is None:
            raise ClassroomError("no such file", 404)
        return Response(found[1], media_type=found[0])

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "session": room.id})

    async def on_classroom_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ClassroomError)
        return _error(exc.message, exc.status)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return _error(str(exc.detail), exc.status_code)

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/api/join", join, methods=["POST"]),
        Route("/play", play, methods=["GET"]),
        Route("/api/state", state, methods=["GET"]),
        Route("/api/move", move, methods=["POST"]),
        Route("/api/strategy", strategy, methods=["GET", "POST"]),
        Route("/teacher", teacher, methods=["GET"]),
        Route("/teacher/api/tally", tally, methods=["GET"]),
        Route("/teacher/export.csv", export, methods=["GET"]),
        Route("/teacher/api/tournament", tournament, methods=["GET", "POST"]),
        Route("/teacher/api/pair-waiting", pair_waiting, methods=["POST"]),
        Route("/static/{name}", static, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={ClassroomError: on_classroom_error,
                                                       HTTPException: on_http_error})
    app.add_middleware(_Guard)
    return app
