"""Scenario files: the TOML format, its validation, ``extends``, and the JSON Schema.

The format is defined once, as pydantic dataclasses; the same definitions validate files
(with the key path of every error) and generate the JSON Schema that ``tradesim schema``
prints for editors. ``load_scenario`` is the only entry point that reads files; everything
after it trusts its input.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping, Union

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator
from pydantic.dataclasses import dataclass

from sim.errors import ScenarioError

#: Longest chain of ``extends`` followed before giving up.
MAX_EXTENDS_DEPTH = 16
#: Largest number of actions one player may have (product of its lever sizes).
MAX_ACTIONS = 4_096
#: Largest number of action profiles (row actions x column actions) in one game.
MAX_PROFILES = 1_000_000

_CONFIG = ConfigDict(extra="forbid", str_strip_whitespace=True)

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
#: Largest absolute value of any number in a scenario, and of any payoff built from one.
MAX_NUMBER = 1e12
FiniteFloat = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_NUMBER, le=MAX_NUMBER)]
LevelRef = Union[FiniteFloat, str]


@dataclass(frozen=True, config=_CONFIG)
class Meta:
    """The ``[scenario]`` table: what the scenario is and where its numbers come from."""

    name: str
    description: str = ""
    period: str = Field("round", description="What one round of the repeated game is, e.g. 'quarter'.")
    payoff_unit: str = Field("", description="Unit of every payoff, e.g. 'USD bn per year'.")
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, config=_CONFIG)
class Parameter:
    """A named number. Either ``source`` (where it comes from) or ``assumption`` (why it is what it is)."""

    value: FiniteFloat
    unit: str = ""
    range: tuple[FiniteFloat, FiniteFloat] | None = Field(None, description="Plausible [low, high] for sweeps.")
    source: str | None = None
    assumption: str | None = None
    description: str = ""

    @model_validator(mode="after")
    def _sourced(self):
        if (self.source is None) == (self.assumption is None):
            raise ValueError("give exactly one of 'source' (where the number comes from) or 'assumption' (why)")
        if self.range is not None and self.range[0] > self.range[1]:
            raise ValueError(f"range [{self.range[0]}, {self.range[1]}] is reversed")
        return self


@dataclass(frozen=True, config=_CONFIG)
class Lever:
    """A policy lever: ordered levels, most conciliatory first."""

    levels: Annotated[tuple[FiniteFloat, ...], Field(min_length=1, max_length=64)]
    labels: tuple[str, ...] | None = None
    unit: str = ""
    description: str = ""
    source: str | None = None

    @model_validator(mode="after")
    def _labels_match(self):
        if self.labels is not None:
            if len(self.labels) != len(self.levels):
                raise ValueError(f"{len(self.labels)} labels for {len(self.levels)} levels")
            if len(set(self.labels)) != len(self.labels):
                raise ValueError("labels must be distinct")
        if len(set(self.levels)) != len(self.levels):
            raise ValueError("levels must be distinct")
        return self

    def level_labels(self) -> tuple[str, ...]:
        """The labels, or the levels written as numbers (``125%`` when the unit is ``%``)."""
        if self.labels is not None:
            return self.labels
        suffix = "%" if self.unit == "%" else ""
        return tuple(f"{v:g}{suffix}" for v in self.levels)

    def index_of(self, ref: float | str) -> int:
        """Index of a level given by label or by value; ``ValueError`` if there is none."""
        if isinstance(ref, str):
            labels = self.level_labels()
            if ref in labels:
                return labels.index(ref)
            raise ValueError(f"no level {ref!r} (levels: {', '.join(labels)})")
        for i, value in enumerate(self.levels):
            if math.isclose(value, ref, rel_tol=1e-12, abs_tol=1e-12):
                return i
        raise ValueError(f"no level {ref:g} (levels: {', '.join(f'{v:g}' for v in self.levels)})")


@dataclass(frozen=True, config=_CONFIG)
class Player:
    """One side: either levers with payoff terms, or plain ``actions`` with a ``[payoffs]`` matrix."""

    name: str
    discount: Annotated[float, Field(ge=0.0, lt=1.0, description="Per-round discount factor, in [0, 1).")] = 0.9
    description: str = ""
    levers: dict[Identifier, Lever] | None = None
    forbid: tuple[dict[Identifier, LevelRef], ...] = Field(
        (), description="Lever settings that may not be combined: each table removes the actions matching all of it."
    )
    payoff: dict[Identifier, str] | None = Field(None, description="Named payoff terms; the payoff is their sum.")
    actions: Annotated[tuple[str, ...], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _one_kind(self):
        if self.actions is not None:
            if self.levers is not None or self.payoff is not None:
                raise ValueError("give either 'actions' (a matrix game) or 'levers' and 'payoff', not both")
            if len(set(self.actions)) != len(self.actions):
                raise ValueError("actions must be distinct")
        else:
            if not self.levers:
                raise ValueError("needs 'levers' (with 'payoff' terms) or 'actions'")
            if not self.payoff:
                raise ValueError("needs 'payoff' terms for its levers")
        return self


@dataclass(frozen=True, config=_CONFIG)
class Event:
    """A dated moment to mark on outcome-path plots (a deadline, a summit)."""

    round: Annotated[int, Field(ge=0)]
    label: str
    date: str = ""


@dataclass(frozen=True, config=_CONFIG)
class Repeated:
    """Defaults for repeated play."""

    rounds: Annotated[int, Field(ge=1, le=100_000)] = 20
    noise: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    continuation: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    strategies: dict[Identifier, str] = Field(default_factory=dict)
    cooperative: dict[Identifier, Union[str, dict[Identifier, LevelRef]]] | None = Field(
        None, description="Per player id: an action label, or a lever -> level table (unnamed levers: level 0)."
    )
    events: tuple[Event, ...] = ()


@dataclass(frozen=True, config=_CONFIG)
class Scenario:
    """A validated scenario. ``players`` keeps file order: the first player is the row player."""

    scenario: Meta
    players: dict[Identifier, Player]
    parameters: dict[Identifier, Parameter] = Field(default_factory=dict)
    payoffs: dict[Identifier, tuple[tuple[FiniteFloat, ...], ...]] | None = None
    repeated: Repeated = Field(default_factory=Repeated)
    extends: str | None = Field(None, description="Path of a scenario this one overrides, relative to this file.")

    @field_validator("players")
    @classmethod
    def _two_players(cls, players):
        if len(players) != 2:
            raise ValueError(f"needs exactly two players, got {len(players)}")
        return players

    @model_validator(mode="after")
    def _consistent(self):
        kinds = {p.actions is None for p in self.players.values()}
        if len(kinds) != 1:
            raise ValueError("both players must use levers, or both plain actions")
        clash = set(self.parameters) & set(self.players)
        if clash:
            raise ValueError(f"parameter names clash with player ids: {', '.join(sorted(clash))}")
        return self

    @property
    def meta(self) -> Meta:
        return self.scenario

    def _repr_html_(self) -> str:
        """HTML for notebooks (:func:`sim.display.to_html`)."""
        from sim.display import to_html

        return to_html(self)

    @property
    def player_ids(self) -> tuple[str, str]:
        ids = tuple(self.players)
        return ids[0], ids[1]

    @property
    def is_matrix_game(self) -> bool:
        return next(iter(self.players.values())).actions is not None


_ADAPTER = TypeAdapter(Scenario)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the scenario format, generated from the dataclasses above."""
    schema = _ADAPTER.json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tradesim scenario"
    return schema


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


def source_of(scenario: Scenario) -> str:
    """The file a scenario was loaded from, or ``"<scenario>"``."""
    return getattr(scenario, "_source", "<scenario>")


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
    """Check what needs the whole scenario: expressions, matrices, level references, sizes."""
    # Imported here: game.py imports this module.
    from sim.game import compile_payoffs, resolve_cooperative, action_grid

    for pid, player in scenario.players.items():
        action_grid(scenario, pid, source=source)
    compile_payoffs(scenario, source=source)
    resolve_cooperative(scenario, source=source)
    from sim.errors import InputError
    from sim.strategies import get_strategy

    for pid, spec in scenario.repeated.strategies.items():
        if pid not in scenario.players:
            raise ScenarioError(f"unknown player {pid!r}", file=source, key=f"repeated.strategies.{pid}")
        try:
            get_strategy(spec)
        except InputError as exc:
            raise ScenarioError(exc.message, file=source, key=f"repeated.strategies.{pid}") from None


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
