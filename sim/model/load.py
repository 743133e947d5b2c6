"""Reading scenario files: ``load_scenario`` reads, merges ``extends`` and validates the whole scenario.

It is the only entry point that reads files; everything after it trusts its input. The structural
checks come from the format's dataclasses (:mod:`sim.model.scenario`); the checks that need the
whole scenario (payoff expressions, level references, matrix shapes, sizes) from building its
action sets and compiling its payoffs (:mod:`sim.model.game`).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any, Mapping

import tomllib
from pydantic import ValidationError

from sim.errors import ScenarioError
from sim.model.dynamic import check_state
from sim.model.game import (
    action_grid,
    compile_payoffs,
    previous_levels,
    scenario_cooperative,
)
from sim.model.priors import parameter_prior
from sim.model.scenario import _ADAPTER, Scenario, source_of

__all__ = ["load_scenario", "scenario_from_dict", "check_scenario", "read_document", "document_hash",
           "deep_merge", "source_of", "welfare_scenario", "MAX_EXTENDS_DEPTH"]

#: Longest chain of ``extends`` followed before giving up.
MAX_EXTENDS_DEPTH = 16


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
        message, key = _first_error(exc)
        raise ScenarioError(message, file=source, key=key) from None
    check_scenario(scenario, source=source)
    return scenario


def document_hash(path: str | Path) -> str:
    """SHA-256 of the merged document, so variants that change a base file change hash too."""
    document = _read_merged(Path(path), chain=())
    text = json.dumps(document, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def read_document(path: str | Path) -> dict[str, Any]:
    """The merged raw document of ``path`` (``extends`` resolved), before validation."""
    return _read_merged(Path(path), chain=())


def check_scenario(scenario: Scenario, *, source: str) -> None:
    """Check what needs the whole scenario: expressions, matrices, level references, sizes.

    Strategy specs in ``[repeated].strategies`` name code of the repeated-play layer; they are
    checked against its registry by :func:`sim.repeated.strategies.check_scenario_strategies`,
    which ``tradesim validate`` and every command that plays call after loading.
    """
    for pid in scenario.players:
        action_grid(scenario, pid, source=source)
    compile_payoffs(scenario, source=source)
    scenario_cooperative(scenario, source=source)
    previous_levels(scenario, source=source)
    check_state(scenario, source=source)
    for name, parameter in scenario.parameters.items():
        parameter_prior(name, parameter, source=source)
    for name in scenario.welfare:
        if name not in scenario.parameters:
            known = ", ".join(scenario.parameters) or "none"
            raise ScenarioError(f"no parameter {name!r} (parameters: {known})", file=source, key=f"welfare.{name}")
    for pid in scenario.repeated.strategies:
        if pid not in scenario.players:
            raise ScenarioError(f"unknown player {pid!r}", file=source, key=f"repeated.strategies.{pid}")


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


def _read_merged(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    shown = str(path)
    try:
        resolved = path.resolve()
    except OSError as exc:
        raise ScenarioError(f"cannot resolve path: {exc.strerror}", file=shown) from None
    if resolved in chain:
        cycle = " -> ".join(p.name for p in (*chain, resolved))
        raise ScenarioError(f"extends cycle: {cycle}", file=shown, key="extends")
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(f"extends chain longer than {MAX_EXTENDS_DEPTH}", file=shown, key="extends")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError("no such file", file=shown) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read: {exc.strerror}", file=shown) from None
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError("not UTF-8 text", file=shown) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"not valid TOML: {exc}", file=shown) from None
    except RecursionError:
        raise ScenarioError("not valid TOML: nested too deeply", file=shown) from None
    parent = document.get("extends")
    if parent is None:
        return document
    if not isinstance(parent, str) or not parent:
        raise ScenarioError("must be a file name (a string)", file=shown, key="extends")
    base = _read_merged(path.parent / parent, chain=(*chain, resolved))
    merged = deep_merge(base, document)
    merged["extends"] = parent
    return merged


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


def _first_error(exc: ValidationError) -> tuple[str, str]:
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = [str(part) for part in first["loc"] if not _is_union_tag(part)]
    message = _MESSAGES.get(first["type"], first["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    more = len(errors) - 1
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return message, ".".join(loc) or "(top level)"


def _is_union_tag(part: Any) -> bool:
    # pydantic inserts the union member's type name into the location of union errors
    return isinstance(part, str) and (
        part.startswith(("function-", "tuple[", "dict[", "list["))
        or part in {"float", "str", "int", "is-instance", "nullable", "[key]"}
    )
