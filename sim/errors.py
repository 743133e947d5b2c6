"""Errors tradesim reports to its users: one line, naming the file and the key."""

from __future__ import annotations


class TradesimError(Exception):
    """An error in what the user asked for; the CLI prints it on one line and exits with status 2."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None):
        self.message = message
        self.file = file
        self.key = key
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.key) if p]
        return _one_line(": ".join([*parts, self.message]))


def _one_line(text: str) -> str:
    """Escape control characters (a TOML key may hold a newline) so the error stays one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class ScenarioError(TradesimError):
    """A scenario file that cannot be read, validated or built into a game."""


class InputError(TradesimError):
    """A bad argument to an analysis: an unknown strategy, a value out of range, a size past a limit."""
