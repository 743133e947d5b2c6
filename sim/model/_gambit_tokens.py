"""Tokens of Gambit's game files, and the parser cursor both formats share (:mod:`sim.model.gambit`).

Quoted text ends at the first ``"`` not preceded by a backslash, and ``\\"`` inside it is a quote
(Gambit's ``GameFileLexer``); numbers are integers, decimals (with an exponent) and rationals, read
exactly as ``Fraction``, with at most :data:`MAX_NUMBER_CHARS` characters and exponents within that
many places; anything else up to a space or brace is a word. Every problem is a
:class:`~sim.errors.ScenarioError` naming the file and the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterator

from sim.errors import ScenarioError
from sim.model.tree import MAX_PAYOFF, MAX_PLAYERS

#: Longest number token (digits, point, exponent), and the largest exponent: keeps ``Fraction`` small.
MAX_NUMBER_CHARS = 64

_SPACE = re.compile(r"\s+")
_BLOB = re.compile(r'[^\s{}",]+')
_STRING_END = re.compile(r'(?<!\\)"')
_DECIMAL = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")
_RATIONAL = re.compile(r"([+-]?\d+)/(\d+)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


# ---------------------------------------------------------------------- tokens
@dataclass(frozen=True)
class Token:
    """One token: its kind, its value (a number is ``(Fraction, text as written)``) and its line."""

    kind: str  # "text" | "number" | "word" | "{" | "}" | "," | "end"
    value: Any
    line: int

    def shown(self) -> str:
        if self.kind == "end":
            return "the end of the file"
        if self.kind == "text":
            return f"the text {_clip(self.value)!r}"
        return repr(_clip(self.raw))

    @property
    def raw(self) -> str:
        return self.value[1] if self.kind == "number" else str(self.value)


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _tokens(text: str, source: str) -> Iterator[Token]:
    pos, line, end = 0, 1, len(text)
    while True:
        m = _SPACE.match(text, pos)
        if m and m.end() >= end:
            yield Token("end", None, line)  # on the last line with text, not after the final newline
            return
        if m:
            line += text.count("\n", pos, m.end())
            pos = m.end()
        if pos >= end:
            yield Token("end", None, line)
            return
        c = text[pos]
        if c in "{},":
            yield Token(c, c, line)
            pos += 1
        elif c == '"':
            close = _STRING_END.search(text, pos + 1)
            if close is None:
                raise error(source, line, "a quoted label is never closed")
            raw = text[pos + 1: close.start()]
            yield Token("text", _unescape(raw) if "\\" in raw else raw, line)
            line += raw.count("\n")
            pos = close.end()
        else:
            m = _BLOB.match(text, pos)
            blob = m.group()
            number = _number(blob, source, line)
            yield Token("number", (number, blob), line) if number is not None else Token("word", blob, line)
            pos = m.end()


def _unescape(raw: str) -> str:
    """A quoted label's text: ``\\"`` is a quote; any other backslash stays as it is."""
    return raw.replace('\\"', '"')


def _number(blob: str, source: str, line: int) -> Fraction | None:
    """The exact value of a number token (``3``, ``-.5``, ``1.5e3``, ``3/2``), ``None`` if not a number."""
    r = _RATIONAL.fullmatch(blob)
    d = None if r else _DECIMAL.fullmatch(blob)
    if not r and not (d and (d.group(2) or d.group(3))):
        return None
    if len(blob) > MAX_NUMBER_CHARS:
        raise error(source, line, f"number {_clip(blob)!r} is longer than {MAX_NUMBER_CHARS} characters")
    if r:
        if int(r.group(2)) == 0:
            raise error(source, line, f"{blob!r} divides by zero")
        return Fraction(int(r.group(1)), int(r.group(2)))
    sign, whole, frac, exp = d.groups()
    if exp is not None and abs(int(exp)) > MAX_NUMBER_CHARS:
        raise error(source, line, f"number {blob!r} has an exponent beyond ±{MAX_NUMBER_CHARS}")
    value = Fraction(int((whole or "0") + (frac or "")), 10 ** len(frac or ""))
    if exp:
        value *= Fraction(10) ** int(exp)
    return -value if sign == "-" else value


def error(source: str, line: int, message: str) -> ScenarioError:
    """The one-line error ``FILE: line N: message``."""
    return ScenarioError(message, file=source, key=f"line {line}")


class Parser:
    """A cursor over the tokens with the checks every rule needs."""

    def __init__(self, text: str, source: str):
        self.source = source
        self._tokens = _tokens(text, source)
        self.tok = next(self._tokens)

    def advance(self) -> Token:
        tok, self.tok = self.tok, next(self._tokens) if self.tok.kind != "end" else self.tok
        return tok

    def fail(self, message: str, tok: Token | None = None) -> ScenarioError:
        return error(self.source, (tok or self.tok).line, message)

    def expect(self, kind: str, what: str) -> Token:
        if self.tok.kind != kind:
            raise self.fail(f"expected {what}, got {self.tok.shown()}")
        return self.advance()

    def word(self, allowed: tuple[str, ...], what: str) -> str:
        if self.tok.kind not in ("word", "number") or self.tok.raw not in allowed:
            raise self.fail(f"expected {what}, got {self.tok.shown()}")
        return self.advance().raw

    def integer(self, what: str, *, low: int = 0, high: int | None = None) -> int:
        tok = self.expect("number", what)
        value = tok.value[0]
        if value.denominator != 1 or not re.fullmatch(r"[+-]?\d+", tok.raw):
            raise self.fail(f"expected {what} (a whole number), got {tok.raw!r}", tok)
        if value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise self.fail(f"{what} {tok.raw} is out of range ({bound})", tok)
        return int(value)

    def text(self, what: str) -> str:
        return self.expect("text", what).value

    def texts(self, what: str) -> list[str]:
        """``{ "a" "b" ... }``."""
        self.expect("{", f"'{{' opening the {what}")
        out = []
        while self.tok.kind == "text":
            out.append(self.advance().value)
        self.expect("}", f"a quoted {what[:-1] if what.endswith('s') else what} or '}}'")
        return out

    def payoffs(self, n: int, what: str) -> list[Fraction]:
        """``{ v1 [,] v2 [,] ... }`` with exactly ``n`` numbers."""
        self.expect("{", f"'{{' opening the payoffs of {what}")
        values: list[Fraction] = []
        while self.tok.kind in ("number", ","):
            tok = self.advance()
            if tok.kind == "number":
                values.append(payoff(tok, self))
        if self.tok.kind != "}" or len(values) != n:
            if self.tok.kind not in ("}", "end"):
                raise self.fail(f"expected a numeric payoff, got {self.tok.shown()}")
            raise self.fail(f"expected {n} payoffs (one per player) for {what}, got {len(values)}")
        self.advance()
        return values


def payoff(tok: Token, parser: Parser) -> Fraction:
    """A payoff token's value, refused beyond the payoff limit."""
    value = tok.value[0]
    if abs(value) > MAX_PAYOFF:
        raise parser.fail(f"payoff {_clip(tok.raw)} is beyond ±{MAX_PAYOFF:g}", tok)
    return value


def clean(text: str) -> str:
    """A label as tradesim shows it: control characters (tabs, newlines) as spaces, trimmed."""
    return _CONTROL.sub(" ", text).strip()


def distinct(labels: list[str], *, empty: str = "position") -> list[str]:
    """Empty labels as their position (``1``, ``2``, ...) or ``Player k``; repeated ones as Gambit
    normalises them (``x_1``, ``x_2``), skipping suffixes already in use."""
    named = [clean(x) or (str(k + 1) if empty == "position" else f"Player {k + 1}") for k, x in enumerate(labels)]
    counts: dict[str, int] = {}
    for x in named:
        counts[x] = counts.get(x, 0) + 1
    used, out, seen = set(named), [], {}
    for x in named:
        if counts[x] == 1:
            out.append(x)
            continue
        while True:
            seen[x] = seen.get(x, 0) + 1
            candidate = f"{x}_{seen[x]}"
            if candidate not in used:
                break
        used.add(candidate)
        out.append(candidate)
    return out


def prologue(p: Parser, kind: str, version: str) -> tuple[str, list[str]]:
    """``KIND VERSION R "title" { players }``: the title and the (distinct) player names."""
    p.word((kind,), f"{kind} at the start of the file (a Gambit {kind.lower()} file)")
    p.word((version,), f"version {version} after {kind}")
    p.word(("R", "D"), "R (or D) after the version")
    title = p.text("the game's title in quotes")
    players = p.texts("player names")
    if not 1 <= len(players) <= MAX_PLAYERS:
        raise p.fail(f"{len(players)} players; a game needs 1 to {MAX_PLAYERS}")
    return clean(title), distinct(players, empty="player")
