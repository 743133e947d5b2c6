"""Saved results read back by ``tradesim plot``: the schema of the ``invocation`` block, checked once.

A result file is data. Its ``invocation`` block may name one command that draws a figure, that
command's options (each with its type and range, below) and exactly one scenario file: the file
that is hashed is the file that is loaded, and it must be a regular file. Options that name files
to write (``--plot-terms``, ``--plot-simplex``, ...) are recorded in the result but never used: a
result never chooses where anything is written. See ``docs/plot.md``.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim._files import (
    MAX_RESULT_BYTES,
    MAX_SCENARIO_BYTES,
    read_bytes_capped,
    read_text_capped,
)
from sim.dynamic.solve import SELECTIONS
from sim.errors import InputError, TradesimError
from sim.model.load import document_hash
from sim.repeated.evolution import MAX_MORAN_REPLICATES
from sim.repeated.settings import MAX_REPLICATES, MAX_ROUNDS
from sim.stage.equilibria import METHODS

__all__ = ["PARAMS", "SavedInvocation", "read_invocation", "check_scenario_unchanged", "MAX_TEXT"]

#: Longest string option (a strategy spec, a ``--vary`` axis, an action label) a result may hold.
MAX_TEXT = 10_000
#: Most items of a repeatable option (``--strategy``, ``--strategies``, ``--cooperative``).
MAX_ITEMS = 1_000
#: Moran steps, as ``sim.repeated.evolution.moran`` allows.
MAX_MORAN_STEPS = 10_000_000

Text = Annotated[str, Field(max_length=MAX_TEXT)]
Items = Annotated[list[Text], Field(max_length=MAX_ITEMS)]
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Rounds = Annotated[int, Field(ge=1, le=MAX_ROUNDS)]
#: A file the command would write: accepted as recorded, never used by ``tradesim plot``.
Output = Annotated[Text | None, Field(json_schema_extra={"output": True})]


class _Params(BaseModel):
    """Options of one command as its ``invocation.params`` records them (every option, no other)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    command: ClassVar[str]
    file: Text

    @classmethod
    def outputs(cls) -> frozenset[str]:
        """Options that name a file to write."""
        return frozenset(name for name, f in cls.model_fields.items()
                         if isinstance(f.json_schema_extra, dict) and f.json_schema_extra.get("output"))

    def run_params(self) -> dict[str, Any]:
        """Keyword arguments for the command's callback: output files off, repeatable options as tuples."""
        out = {}
        for name, value in self.model_dump().items():
            if name in self.outputs():
                value = None
            elif isinstance(value, list):
                value = tuple(value)
            out[name] = value
        return out


class SolveParams(_Params):
    command: ClassVar[str] = "solve"
    method: Literal[(*METHODS, "qre")]  # type: ignore[valid-type]
    max_seconds: Positive
    disagreement: Literal["nash", "security"]
    tie: Literal["leader", "against"]
    selection: Literal[SELECTIONS]  # type: ignore[valid-type]
    mixed_dominance: bool
    terms_path: Output
    matrix_path: Output
    state_path: Output
    policy_path: Output
    tree_path: Output
    simultaneous: bool
    infinite: bool
    welfare: bool
    no_knife: bool
    quiet: bool = False  # a status line on a terminal: changes nothing a result holds


class _RepeatedParams(_Params):
    rounds: Rounds | None
    continuation: Probability | None
    max_rounds: Rounds
    reps: Annotated[int, Field(ge=1, le=MAX_REPLICATES)]
    noise: Probability | None
    perception_noise: Probability
    seed: Annotated[int, Field(ge=0)] | None
    quiet: bool = False  # a status line on a terminal: changes nothing a result holds


class PlayParams(_RepeatedParams):
    command: ClassVar[str] = "play"
    strategy_items: Items
    coop_items: Items
    paths: bool
    welfare: bool


class TournamentParams(_RepeatedParams):
    command: ClassVar[str] = "tournament"
    spec_lists: Items
    self_play: bool


class EvolveParams(TournamentParams):
    command: ClassVar[str] = "evolve"
    method: Literal["replicator", "moran"]
    t_max: Positive
    population: Annotated[int, Field(ge=2, le=MAX_MORAN_REPLICATES)]
    steps: Annotated[int, Field(ge=1, le=MAX_MORAN_STEPS)]
    runs: Annotated[int, Field(ge=1, le=MAX_MORAN_REPLICATES)]
    selection: NonNegative
    mutation: Probability
    simplex_path: Output
    populations: Literal["auto", "1", "2"] = "auto"
    start_items: Items = Field(default_factory=list)
    mutant: Text | None = None


class ThresholdsParams(_Params):
    command: ClassVar[str] = "thresholds"
    coop_items: Items
    vary: Text | None
    infinite: bool
    welfare: bool
    no_knife: bool


class InverseParams(_Params):
    command: ClassVar[str] = "inverse"
    target: Text
    params: Items
    tol: Annotated[float, Field(gt=0.0, le=0.1, allow_inf_nan=False)]
    seed_points: Annotated[int, Field(ge=3, le=65)]
    max_evaluations: Annotated[int, Field(ge=1, le=10**8)]


#: The commands whose results ``tradesim plot`` draws, and the schema of their options.
PARAMS: dict[str, type[_Params]] = {m.command: m for m in
                                    (SolveParams, PlayParams, TournamentParams, EvolveParams, ThresholdsParams,
                                     InverseParams)}

P = TypeVar("P", bound=_Params)


class _Record(BaseModel, Generic[P]):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    command: str
    params: P
    scenario: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    scenario_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]

    @field_validator("scenario")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("a file name may not contain a NUL character")
        return value


@dataclasses.dataclass(frozen=True)
class SavedInvocation:
    """A checked ``invocation`` block: the command, its options, the one scenario file and its hash."""

    command: str
    params: _Params
    scenario: str
    scenario_sha256: str
    source: str  # the result file it came from, for messages


def read_invocation(path: str) -> SavedInvocation:
    """Read the result file ``path`` (a regular file, at most ``MAX_RESULT_BYTES``) and check its invocation.

    Raises
    ------
    InputError
        naming ``path`` and the key path (``invocation.params.reps``) of the first problem.
    """
    text = read_text_capped(path, what="result file", cap=MAX_RESULT_BYTES)
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:  # ValueError: bad JSON, an integer of > 4300 digits, NaN
        raise InputError(f"not a JSON result: {_short_error(exc)}", file=path) from None
    record = data.get("invocation") if isinstance(data, dict) else None
    if not isinstance(record, dict):
        raise InputError("no 'invocation' block: save results with --format json", file=path, key="invocation")
    command = record.get("command")
    if not isinstance(command, str):
        raise InputError(f"must be a command name (a string), got {_short(command)}", file=path,
                         key="invocation.command")
    model = PARAMS.get(command)
    if model is None:
        raise InputError(f"results of {_short(command)} have no figure (tradesim plot draws results of "
                         f"{', '.join(PARAMS)})", file=path, key="invocation.command")
    try:
        checked = _Record[model].model_validate(record)
    except ValidationError as exc:
        message, key = _first_error(exc, command)
        raise InputError(message, file=path, key=key) from None
    if checked.params.file != checked.scenario:
        raise InputError(f"must be the scenario file the result names (invocation.scenario {checked.scenario!r}), "
                         f"got {_short(checked.params.file)}", file=path, key="invocation.params.file")
    return SavedInvocation(command, checked.params, checked.scenario, checked.scenario_sha256, path)


def check_scenario_unchanged(saved: SavedInvocation) -> None:
    """Refuse a scenario that is not a regular file, too large, unreadable, or changed since the result."""
    try:
        read_bytes_capped(saved.scenario, what="scenario file", cap=MAX_SCENARIO_BYTES)
        digest = document_hash(saved.scenario)
    except TradesimError as exc:
        raise InputError(str(exc), file=saved.source, key="invocation.scenario") from None
    if digest != saved.scenario_sha256:
        raise InputError(f"scenario {saved.scenario} changed since the result was saved; run the command again",
                         file=saved.source, key="invocation.scenario_sha256")


_MESSAGES = {
    "missing": "missing (a result records every option of its command)",
    "model_type": "must be an object (a JSON table)",
    "dict_type": "must be an object (a JSON table)",
    "int_type": "must be an integer",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "list_type": "must be a list",
    "finite_number": "must be a finite number",
}


def _first_error(exc: ValidationError, command: str) -> tuple[str, str]:
    errors = exc.errors(include_url=False)
    # an option of another command says more than the options it leaves missing
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = [str(part) for part in first["loc"]]
    kind = first["type"]
    if kind == "extra_forbidden":
        if len(loc) == 1:
            message = "not a key of an invocation block (command, params, scenario, scenario_sha256)"
        else:
            message = f"not an option of {command} (options: {', '.join(PARAMS[command].model_fields)})"
    elif kind in _MESSAGES:
        message = _MESSAGES[kind] + ("" if kind == "missing" else f", got {_short(first['input'])}")
    else:
        message = first["msg"].removeprefix("Value error, ")
        message = message[:1].lower() + message[1:] + f", got {_short(first['input'])}"
    return message, ".".join(["invocation", *loc])


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short_error(exc: BaseException) -> str:
    text = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
    return text if len(text) <= 200 else text[:197] + "..."


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")
