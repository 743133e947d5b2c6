"""Reading scenario files: ``load_scenario`` reads, merges ``extends`` and validates the whole scenario.

It is the only entry point that reads scenario files; everything after it trusts its input. The
structural checks come from the format's dataclasses (:mod:`sim.model.scenario`); the checks that
need the whole scenario (payoff expressions, level references, matrix shapes, sizes) from building
its action sets and compiling its payoffs (:mod:`sim.model.game`). Every independent problem is
reported (:class:`~sim.errors.ScenarioProblems`); a check that needs an earlier one is skipped
when that one failed.

A file is read only if it is a regular file of at most ``MAX_SCENARIO_BYTES``
(:func:`sim._files.read_text_capped`); a UTF-8 byte-order mark is dropped; before parsing, a scan
of the text refuses keys of more than ``MAX_NESTING`` dotted parts and brackets nested deeper
(the TOML parser takes quadratic time in the parts of one key), and after it the document itself
may nest at most ``MAX_NESTING`` levels. ``extends`` names a file in the directory of the file
that says it, or below: a relative path without ``..`` that, with symbolic links resolved, stays
in that directory. See docs/security.md.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import re
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Mapping

import tomllib
from pydantic import ValidationError

from sim._files import (
    MAX_SCENARIO_BYTES,
    read_bytes_capped,
    read_text_capped,
    resolve_path,
)
from sim.errors import ScenarioError, raise_problems
from sim.model.dynamic import check_state
from sim.model.game import (
    action_grid,
    compile_payoffs,
    previous_levels,
    scenario_cooperative,
)
from sim.model.priors import parameter_prior
from sim.model.scenario import _ADAPTER, Scenario, source_of
from sim.model.sequence import check_sequence

__all__ = ["load_scenario", "scenario_from_dict", "check_scenario", "read_document", "document_hash",
           "document_digest", "deep_merge", "source_of", "welfare_scenario", "parse_toml",
           "MAX_EXTENDS_DEPTH", "MAX_NESTING", "MAX_SCENARIO_BYTES"]

#: Longest chain of ``extends`` followed before giving up.
MAX_EXTENDS_DEPTH = 16
#: Deepest nesting in a scenario document: dotted parts of one key or table header, brackets open
#: at once, and tables and arrays within each other in the parsed document (the bundled files
#: reach 6). Keeps the TOML parser linear and every later recursive step far from Python's limit.
MAX_NESTING = 32
#: Largest Gambit file hashed (the reader's own cap, :data:`sim.model.gambit.MAX_GAMBIT_BYTES`).
MAX_GAMBIT_FILE = 20_000_000


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file.

    Raises
    ------
    ScenarioError
        naming the file and the key path of the first problem found.
    """
    path = Path(path)
    document = _read_merged(path, chain=())
    scenario = scenario_from_dict(document, source=str(path))
    object.__setattr__(scenario, "_source", str(path))  # so later errors (build_game) name the file
    return scenario


def scenario_from_dict(document: Mapping[str, Any], *, source: str = "<scenario>") -> Scenario:
    """Validate an already merged document (``extends`` is kept only as a note).

    The structural checks of :class:`Scenario` run here; the checks that need the whole
    scenario (payoff expressions, level references, matrix shapes) run in :func:`check_scenario`.
    """
    try:
        scenario = _ADAPTER.validate_python(dict(document))
    except ValidationError as exc:
        problems = [ScenarioError(message, file=source, key=key) for key, message in _validation_problems(exc)]
        raise_problems(problems)
        raise  # unreachable: pydantic reports at least one error
    check_scenario(scenario, source=source)
    return scenario


def document_hash(path: str | Path) -> str:
    """SHA-256 of the merged document, so variants that change a base file change hash too (of the
    file's bytes for a Gambit ``.nfg``/``.efg`` file)."""
    if str(path).lower().endswith((".nfg", ".efg")):
        return hashlib.sha256(read_bytes_capped(path, what="Gambit file", cap=MAX_GAMBIT_FILE,
                                                error=ScenarioError)).hexdigest()
    return document_digest(_read_merged(Path(path), chain=()))


def document_digest(document: Mapping[str, Any]) -> str:
    """SHA-256 of a merged document already read (what :func:`document_hash` computes from a file)."""
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


def read_document(path: str | Path) -> dict[str, Any]:
    """The merged raw document of ``path`` (``extends`` resolved), before validation."""
    return _read_merged(Path(path), chain=())


def check_scenario(scenario: Scenario, *, source: str) -> None:
    """Check what needs the whole scenario: expressions, matrices, level references, sizes.

    Independent checks all run and every problem is reported (one :class:`ScenarioError`, or
    :class:`~sim.errors.ScenarioProblems` for several, in a fixed order); a check that needs an
    earlier one (payoffs need each player's actions; state needs payoffs and ``previous``) is
    skipped when that one failed. Strategy specs in ``[repeated].strategies`` name code of the
    repeated-play layer; they are checked against its registry by
    :func:`sim.repeated.strategies.check_scenario_strategies`, which ``tradesim validate`` and
    every command that plays call after loading.
    """
    problems: list[ScenarioError] = []

    def passes(check, *args) -> bool:
        try:
            check(*args, source=source)
        except ScenarioError as exc:
            problems.append(exc)
            return False
        return True

    actions = all([passes(action_grid, scenario, pid) for pid in scenario.players])  # a list: check both
    payoffs = actions and passes(compile_payoffs, scenario)
    if actions:
        passes(scenario_cooperative, scenario)
    previous = passes(previous_levels, scenario)
    if payoffs and previous:
        passes(check_state, scenario)
    if actions and scenario.sequence is not None:
        passes(check_sequence, scenario)
    for name, parameter in scenario.parameters.items():
        passes(parameter_prior, name, parameter)
    for name in scenario.welfare:
        if name not in scenario.parameters:
            known = ", ".join(scenario.parameters) or "none"
            problems.append(ScenarioError(f"no parameter {name!r} (parameters: {known})", file=source,
                                          key=f"welfare.{name}"))
    for pid in scenario.repeated.strategies:
        if pid not in scenario.players:
            problems.append(ScenarioError(f"unknown player {pid!r}", file=source, key=f"repeated.strategies.{pid}"))
    raise_problems(problems)


def welfare_scenario(scenario: Scenario, *, source: str | None = None) -> Scenario:
    """The scenario with its ``[welfare]`` values as the parameters' base values.

    Under them every player's payoff is national welfare rather than the political payoff of the
    file's base values; everything built from the result (stage game, game with state, curves)
    uses them. Raises :class:`ScenarioError` when the scenario has no ``[welfare]`` table.
    """
    source = source or source_of(scenario)
    if not scenario.welfare:
        raise ScenarioError("the scenario has no [welfare] table, so --welfare has no values to use",
                            file=source, key="welfare")
    parameters = {name: dataclasses.replace(p, value=float(scenario.welfare[name])) if name in scenario.welfare else p
                  for name, p in scenario.parameters.items()}
    out = dataclasses.replace(scenario, parameters=parameters)
    object.__setattr__(out, "_source", source)
    return out


def _read_merged(path: Path, chain: tuple[Path, ...], named_by: tuple[str, str] | None = None) -> dict[str, Any]:
    """``path`` merged with what it extends; ``named_by`` is (file, its extends) when a file named it,
    so that a file which cannot be opened is that file's ``extends`` problem."""
    shown = str(path)
    try:
        resolved = resolve_path(path, error=ScenarioError)
        text = read_text_capped(path, what="scenario file", cap=MAX_SCENARIO_BYTES, error=ScenarioError)
    except ScenarioError as exc:
        if named_by is None:
            raise
        raise ScenarioError(f"{named_by[1]!r}: {exc.message}", file=named_by[0], key="extends") from None
    if resolved in chain:
        cycle = " -> ".join(p.name for p in (*chain, resolved))
        raise ScenarioError(f"extends cycle: {cycle}", file=shown, key="extends")
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(f"extends chain longer than {MAX_EXTENDS_DEPTH}", file=shown, key="extends")
    document = parse_toml(text, source=shown)
    parent = document.get("extends")
    if parent is None:
        return document
    base = _read_merged(_extends_target(path, parent), chain=(*chain, resolved), named_by=(shown, parent))
    merged = deep_merge(base, document)
    merged["extends"] = parent
    return merged


def _extends_target(path: Path, parent: Any) -> Path:
    """The file ``extends = parent`` in ``path`` names, confined to the directory of ``path``."""
    shown = str(path)
    if not isinstance(parent, str) or not parent:
        raise ScenarioError("must be a file name (a string)", file=shown, key="extends")
    if "\x00" in parent:
        raise ScenarioError("must be a file name: it contains a NUL character", file=shown, key="extends")
    outside = ScenarioError(f"{parent!r} is outside the directory of {path.name}: extends names a file in that "
                            "directory or below it (a relative path without '..')", file=shown, key="extends")
    posix, windows = PurePosixPath(parent), PureWindowsPath(parent)
    if posix.is_absolute() or windows.anchor or ".." in posix.parts or ".." in windows.parts:
        raise outside
    target = path.parent / parent
    try:
        inside = resolve_path(target, error=ScenarioError).is_relative_to(resolve_path(path.parent, error=ScenarioError))
    except ScenarioError as exc:
        raise ScenarioError(f"{parent!r}: {exc.message}", file=shown, key="extends") from None
    if not inside:  # a symbolic link out of the tree
        raise outside
    return target


# One key part: a bare key or a one-line string; an unterminated string runs to the end of its line,
# so every match consumes what it starts (linear time whatever the text).
_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\[^\n]?)*(?:"|(?=\n)|\Z)|'[^'\n]*(?:'|(?=\n)|\Z))"""
_PART_RE = re.compile(_PART)
_SCAN = re.compile(rf"""(?P<ml>\"\"\"|\'\'\')|(?P<run>{_PART}(?:[ \t]*\.[ \t]*{_PART})*)|(?P<comment>\#[^\n]*)"""
                   r"|(?P<open>[\[{])|(?P<close>[\]}])")


def parse_toml(text: str, *, source: str) -> dict[str, Any]:
    """Parse TOML text after a linear scan for keys and brackets nested past :data:`MAX_NESTING`."""
    _scan_nesting(text, source)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"not valid TOML: {exc}", file=source) from None
    except RecursionError:
        raise ScenarioError("not valid TOML: nested too deeply", file=source) from None
    stack: list[tuple[Any, int]] = [(document, 0)]  # [a.b] is two levels, as it is two parts
    while stack:  # a loop, not recursion: the document is not trusted yet
        value, depth = stack.pop()
        if depth > MAX_NESTING:
            raise ScenarioError(f"tables and arrays nested more than {MAX_NESTING} levels deep", file=source)
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return document


def _scan_nesting(text: str, source: str) -> None:
    """Refuse a key with more than :data:`MAX_NESTING` dotted parts, or brackets nested deeper.

    A tokenizer of just enough TOML to tell keys from strings and comments: multi-line strings are
    skipped whole, every one-line string and bare word is a key part, and a run of parts joined by
    dots is a dotted key (a number such as ``1.5`` is a run of two).
    """
    pos, depth, end = 0, 0, len(text)
    while (m := _SCAN.search(text, pos)) is not None:
        kind, pos = m.lastgroup, m.end()
        if kind == "ml":
            pos = _multiline_end(text, m.start(), m.group())
        elif kind == "run":
            run = m.group()
            if run.count(".") >= MAX_NESTING and len(_PART_RE.findall(run)) > MAX_NESTING:
                raise ScenarioError(f"a key of more than {MAX_NESTING} dotted parts "
                                    f"(line {_line(text, m.start())})", file=source)
        elif kind == "open":
            depth += 1
            if depth > MAX_NESTING:
                raise ScenarioError(f"brackets nested more than {MAX_NESTING} levels deep "
                                    f"(line {_line(text, m.start())})", file=source)
        elif kind == "close":
            depth = max(depth - 1, 0)
        if pos >= end:
            break


def _multiline_end(text: str, start: int, quote: str) -> int:
    """The end of the multi-line string opened at ``start`` (the text's end if it is never closed)."""
    at = start + 3
    while (k := text.find(quote, at)) >= 0:
        if quote == '"""':
            backslashes = len(text[at:k]) - len(text[at:k].rstrip("\\"))
            if backslashes % 2:  # an escaped quote: the delimiter may start one further on
                at = k + 1
                continue
        k += 3
        extra = 0
        while k < len(text) and text[k] == quote[0] and extra < 2:  # up to two quotes end the content
            k, extra = k + 1, extra + 1
        return k
    return len(text)


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Tables merge key by key, recursively; any other value in ``override`` replaces the base's."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "missing required key",
    "missing_argument": "missing required key",
    "unexpected_keyword_argument": "unknown key",
    "string_pattern_mismatch": "must be an identifier: letters, digits and _, not starting with a digit",
}


def _validation_problems(exc: ValidationError) -> list[tuple[str, str]]:
    """Every pydantic error as ``(key path, message)``, in pydantic's order, one entry per key path.

    The branches of a union fail together at one key; their messages are joined with "; or ".
    """
    out: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        key = ".".join(str(part) for part in error["loc"] if not _is_union_tag(part)) or "(top level)"
        message = _MESSAGES.get(error["type"], error["msg"])
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        messages = out.setdefault(key, [])
        if message not in messages:
            messages.append(message)
    return [(key, "; or ".join(messages)) for key, messages in out.items()]


#: The public name of the pydantic-error reader (the strategy-file format uses it too).
validation_problems = _validation_problems


def _is_union_tag(part: Any) -> bool:
    # pydantic inserts the union member's type name into the location of union errors
    return isinstance(part, str) and (
        part.startswith(("function-", "tuple[", "dict[", "list[", "tensor-"))
        or part in {"float", "str", "int", "is-instance", "nullable", "[key]"}
    )
