"""Errors tradesim reports to its users: one line, naming the file and the key."""

from __future__ import annotations

from typing import Sequence


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

    @property
    def problems(self) -> tuple["TradesimError", ...]:
        """Every problem this error stands for, in a stable order: here just itself."""
        return (self,)


def _one_line(text: str) -> str:
    """Escape control characters (a TOML key may hold a newline) so the error stays one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class ScenarioError(TradesimError):
    """A scenario file that cannot be read, validated or built into a game."""


class InputError(TradesimError):
    """A bad argument to an analysis: an unknown strategy, a value out of range, a size past a limit."""


class ScenarioProblems(ScenarioError):
    """Several independent problems in one scenario file, in a stable order (file order of keys).

    It reads as its first problem plus a count (``(and 3 more: run tradesim validate FILE)``), so
    commands that report one line keep doing so; ``tradesim validate`` prints every one of
    :attr:`problems`, one line each.
    """

    def __init__(self, problems: Sequence[TradesimError]):
        if not problems:
            raise ValueError("ScenarioProblems needs at least one problem")
        self._problems = tuple(p for problem in problems for p in problem.problems)
        first = self._problems[0]
        super().__init__(first.message, file=first.file, key=first.key)

    @property
    def problems(self) -> tuple[TradesimError, ...]:
        return self._problems

    def __str__(self) -> str:
        text = str(self._problems[0])
        more = len(self._problems) - 1
        if more:
            where = f" {self.file}" if self.file else ""
            text += f" (and {more} more: run tradesim validate{where})"
        return _one_line(text)


def raise_problems(problems: Sequence[TradesimError]) -> None:
    """Raise the one problem, or :class:`ScenarioProblems` for several; nothing when there is none."""
    if len(problems) == 1:  # already one error, or a ScenarioProblems of its own
        raise problems[0]
    if problems:
        raise ScenarioProblems(problems)


class SolverError(TradesimError):
    """A numerical solver failed (or returned an answer that does not check) on a valid game."""
