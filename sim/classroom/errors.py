"""The one error the classroom answers requests with: a message and an HTTP status."""

from __future__ import annotations

from sim.errors import TradesimError

__all__ = ["ClassroomError"]


class ClassroomError(TradesimError):
    """A request the classroom refuses; the server answers ``{"error": message}`` with ``status``.

    400: malformed or invalid input (unknown lever or level, wrong round, duplicate move);
    403: a missing or wrong token, a full class; 404: no such page; 413: a body over the limit.
    """

    def __init__(self, message: str, status: int = 400, *, key: str | None = None):
        self.status = int(status)
        super().__init__(message, key=key)
