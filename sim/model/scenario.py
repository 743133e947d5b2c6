"""The scenario format: pydantic dataclasses for every TOML table, and the JSON Schema.

The format is defined once; the same definitions validate files (with the key path of every
error, :mod:`sim.model.load`) and generate the JSON Schema that ``tradesim schema`` prints for
editors. Reading files, ``extends`` and the checks that need the whole scenario live in
:mod:`sim.model.load`.

Every string is checked where it is declared: no C0/C1 control character (a terminal escape such
as ``ESC ] 0 ;`` would reach the user's terminal through ``show`` or ``solve``), except newline and
tab in the long texts (descriptions, sources, assumptions). Level labels may not contain ``,`` or
``=``, the separators of an action label (``tariff=truce, tech=none``), so action labels are
unique and read back to one action. Player ids, parameter and state names may not be a word the
payoff language reserves (:data:`sim.model.expressions.RESERVED_WORDS`), nor may lever names be a
Python keyword: an expression could not name them.
"""

from __future__ import annotations

import keyword
import math
import re
from functools import reduce
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic.dataclasses import dataclass
from pydantic.json_schema import SkipJsonSchema

from sim.errors import InputError, ScenarioError
from sim.model.actions import LeverInfo, level_index
from sim.model.expressions import reserved_word
from sim.render import HtmlRepr

#: Largest number of actions one player may have (product of its lever sizes).
MAX_ACTIONS = 4_096
#: Largest number of action profiles (the product of every player's action count) in one game.
MAX_PROFILES = 1_000_000
#: Most players one scenario may have (a payoff tensor has one axis per player).
MAX_PLAYERS = 8
#: Most named definitions in one table (``[define]``, or one ``[players.ID.define]``).
MAX_DEFINITIONS = 64
#: Most payoff terms one player may have.
MAX_TERMS = 64
#: Most payoff values a game holds: profiles x the terms of both players (each term keeps its own
#: float64 matrix), plus profiles x states x 2 in a game with state (about 200 MB at the limit).
MAX_TERM_CELLS = 25_000_000
#: Most work one evaluation of the payoffs may take: profiles x states x the syntax-tree nodes of
#: every term (seconds at the limit). Both limits are checked before anything is evaluated.
MAX_EVALUATION = 3_000_000_000
#: Rounds of repeated play when ``[repeated] rounds`` is not given.
DEFAULT_ROUNDS = 20

_CONFIG = ConfigDict(extra="forbid", str_strip_whitespace=True)

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_LONG_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # newline and tab are text
#: Characters that separate the parts of an action label (``lever=level, lever=level``).
LABEL_SEPARATORS = (",", "=")


def _no_control(pattern: re.Pattern):
    def check(text: str) -> str:
        found = pattern.search(text)
        if found:
            raise ValueError(f"contains the control character U+{ord(found.group()):04X} (character "
                             f"{found.start() + 1}); control characters and terminal escapes are not allowed")
        return text

    return check


def _label(text: str) -> str:
    if not text:
        raise ValueError("a label may not be empty")
    for sep in LABEL_SEPARATORS:
        if sep in text:
            raise ValueError(f"label {text!r} contains {sep!r}, which separates the levers of an action label "
                             "(lever=level, lever=level); choose another character")
    return text


def _name(text: str) -> str:
    why = reserved_word(text)
    if why:
        raise ValueError(f"{why}; choose another name")
    return text


def _lever_name(text: str) -> str:
    if keyword.iskeyword(text):
        raise ValueError(f"{text!r} is a Python keyword, which an expression cannot name; choose another name")
    return text


#: A string of one line: no control characters.
Text = Annotated[str, AfterValidator(_no_control(_CONTROL))]
#: A description, source or assumption: newlines and tabs allowed, no other control character.
LongText = Annotated[str, AfterValidator(_no_control(_CONTROL_IN_LONG_TEXT))]
#: A level label: one line, not empty, without the separators ``,`` and ``=``.
Label = Annotated[Text, AfterValidator(_label)]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
#: A name an expression reads (player id, parameter, state): not a reserved word of the language.
Name = Annotated[Identifier, AfterValidator(_name)]
#: A lever name (read as ``player.LEVER``): not a Python keyword.
LeverName = Annotated[Identifier, AfterValidator(_lever_name)]
#: Largest absolute value of any number in a scenario, and of any payoff built from one.
MAX_NUMBER = 1e12
FiniteFloat = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_NUMBER, le=MAX_NUMBER)]
LevelRef = Union[FiniteFloat, Text]


@dataclass(frozen=True, config=_CONFIG)
class Meta:
    """The ``[scenario]`` table: what the scenario is and where its numbers come from."""

    name: Text
    description: LongText = ""
    period: Text = Field("round", description="What one round of the repeated game is, e.g. 'quarter'.")
    payoff_unit: Text = Field("", description="Unit of every payoff, e.g. 'USD bn per year'.")
    sources: tuple[LongText, ...] = ()


@dataclass(frozen=True, config=_CONFIG)
class Parameter:
    """A named number. Either ``source`` (where it comes from) or ``assumption`` (why it is what it is)."""

    value: FiniteFloat
    unit: Text = ""
    range: tuple[FiniteFloat, FiniteFloat] | None = Field(None, description="Plausible [low, high] for sweeps.")
    prior: Annotated[Text, Field(max_length=200)] | None = Field(
        None, description="Distribution for `tradesim robust`: uniform(lo, hi), normal(mean, sd), lognormal(mu, sigma) "
        "(of the log), triangular(lo, mode, hi) or beta(a, b) (scaled onto the range, which it requires); truncated "
        "to the range when there is one. Without a prior a parameter with a range is uniform on it.")
    source: LongText | None = None
    assumption: LongText | None = None
    description: LongText = ""

    @model_validator(mode="after")
    def _sourced(self):
        if (self.source is None) == (self.assumption is None):
            raise ValueError("give exactly one of 'source' (where the number comes from) or 'assumption' (why)")
        if self.range is not None and self.range[0] > self.range[1]:
            raise ValueError(f"range [{self.range[0]}, {self.range[1]}] is reversed")
        return self


def _bool_or_levels(value, handler):
    """``irreversible``: a boolean, or a list of level references (one error, without union branches)."""
    if isinstance(value, bool):
        return value
    if not isinstance(value, (list, tuple)):
        raise ValueError("must be true, false or a list of levels (labels or values)")
    for k, ref in enumerate(value):
        if isinstance(ref, bool) or not isinstance(ref, (int, float, str)) or (
                not isinstance(ref, str) and not abs(ref) <= MAX_NUMBER):
            raise ValueError(f"item {k + 1} ({ref!r}) is not a level: give a label or a value")
        if isinstance(ref, str):
            _no_control(_CONTROL)(ref)
    return tuple(ref if isinstance(ref, str) else float(ref) for ref in value)


@dataclass(frozen=True, config=_CONFIG)
class Lever:
    """A policy lever: ordered levels, most conciliatory first."""

    levels: Annotated[tuple[FiniteFloat, ...], Field(min_length=1, max_length=64)]
    labels: tuple[Label, ...] | None = None
    unit: Text = ""
    description: LongText = ""
    source: LongText | None = None
    irreversible: Annotated[Union[bool, tuple[LevelRef, ...]], WrapValidator(_bool_or_levels)] = Field(
        False, description="For stability analysis (tradesim stability): true = the lever's levels only rise (no "
        "move back toward a more conciliatory level); or a list of levels (labels or values) that cannot be left "
        "once reached.")

    @field_validator("irreversible")
    @classmethod
    def _irreversible_levels(cls, value, info):
        levels, labels = info.data.get("levels"), info.data.get("labels")
        if isinstance(value, bool) or levels is None:  # bad levels are reported at 'levels'
            return value
        if labels is None or len(labels) != len(levels):
            labels = tuple(f"{t}{'%' if info.data.get('unit') == '%' else ''}" for t in number_labels(levels))
        for ref in value:
            try:
                level_index(LeverInfo("lever", tuple(levels), tuple(labels)), ref)
            except InputError:
                raise ValueError(f"{ref!r} is not a level of this lever (levels: {', '.join(labels)})") from None
        return value

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
        return tuple(f"{text}{suffix}" for text in number_labels(self.levels))


@dataclass(frozen=True, config=_CONFIG)
class Player:
    """One side: either levers with payoff terms, or plain ``actions`` with a ``[payoffs]`` matrix."""

    name: Text
    discount: Annotated[float, Field(ge=0.0, lt=1.0, description="Per-round discount factor, in [0, 1).")] = 0.9
    description: LongText = ""
    levers: dict[LeverName, Lever] | None = None
    forbid: tuple[dict[Identifier, LevelRef], ...] = Field(
        (), description="Lever settings that may not be combined: each table removes the actions matching all of it."
    )
    payoff: Annotated[dict[Identifier, Text], Field(max_length=MAX_TERMS)] | None = Field(
        None, description=f"Named payoff terms; the payoff is their sum. At most {MAX_TERMS} per player; per game "
        f"at most {MAX_TERM_CELLS:,} values (profiles x terms of both players, plus profiles x states x 2) and "
        f"{MAX_EVALUATION:,} node evaluations (profiles x states x expression nodes of every term).")
    actions: Annotated[tuple[Text, ...], Field(min_length=1)] | None = None
    define: Annotated[dict[Name, Text], Field(max_length=MAX_DEFINITIONS)] = Field(
        default_factory=dict, description="Named definitions (name = expression) that only this player's payoff "
        "terms read, evaluated in file order after the scenario-level [define]; each may use earlier ones.")

    @model_validator(mode="after")
    def _one_kind(self):
        if self.actions is not None:
            if self.levers is not None or self.payoff is not None:
                raise ValueError("give either 'actions' (a matrix game) or 'levers' and 'payoff', not both")
            if len(set(self.actions)) != len(self.actions):
                raise ValueError("actions must be distinct")
            if self.define:
                raise ValueError("'define' is for payoff terms of levers; a player with plain 'actions' has none")
        else:
            if not self.levers:
                raise ValueError("needs 'levers' (with 'payoff' terms) or 'actions'")
            if not self.payoff:
                raise ValueError("needs 'payoff' terms for its levers")
        return self


Formula = Union[FiniteFloat, Text]


def _tensor_depth(value: Any) -> str | None:
    """The tag of a payoff tensor: ``"tensor-2"`` .. ``"tensor-8"`` by how deeply its first entries nest."""
    depth = 0
    while isinstance(value, (list, tuple)) and depth <= MAX_PLAYERS:
        depth += 1
        value = value[0] if value else None
    if depth > MAX_PLAYERS:
        return "tensor-deep"  # read as it is: the player count (at most MAX_PLAYERS) is the error to report
    return f"tensor-{depth}" if depth >= 2 else None


def _freeze(value: Any) -> Any:
    """Nested lists as nested tuples (the document's nesting is bounded by the loader)."""
    return tuple(_freeze(v) for v in value) if isinstance(value, (list, tuple)) else value


#: One player's payoffs in a matrix game: nested lists, one level per player (axis k = player k's
#: actions in declaration order); a two-player game's is a matrix (rows = the first player's actions).
Tensor = Annotated[
    Union[(*(Annotated[reduce(lambda t, _: tuple[t, ...], range(d), FiniteFloat), Tag(f"tensor-{d}")]  # type: ignore
             for d in range(2, MAX_PLAYERS + 1)),
           SkipJsonSchema[Annotated[Any, AfterValidator(_freeze), Tag("tensor-deep")]])],
    Discriminator(_tensor_depth, custom_error_type="tensor",
                  custom_error_message="must be nested lists of numbers, one level per player (a matrix for two "
                  "players: one row per action of the first player)"),
]


def number_labels(levels) -> tuple[str, ...]:
    """Levels written as labels: ``f"{v:g}"``, or the shortest exact form when two would read alike."""
    short = tuple(f"{float(v):g}" for v in levels)
    return short if len(set(short)) == len(short) else tuple(repr(float(v)) for v in levels)


@dataclass(frozen=True, config=_CONFIG)
class Outcome:
    """One outcome of a stochastic transition: with probability ``p``, the variable becomes ``value``."""

    p: Formula = Field(description="Probability: a number or an expression (payoff language).")
    value: Formula = Field(description="Next value: a number or an expression, snapped to the grid.")


@dataclass(frozen=True, config=_CONFIG)
class StateVariable:
    """A ``[state.NAME]`` table: a variable on a finite ordered grid and how it moves each round.

    ``next`` is an expression of the payoff language (state names, ``PLAYER.LEVER``, parameters,
    ``prev.PLAYER.LEVER``, ``round``) whose value is snapped to the nearest level of the grid (the
    lower one on a tie); or a list of ``{ p, value }`` outcomes whose probabilities are non-negative
    and sum to 1 in every state and profile. Without ``next`` the variable keeps its value.
    """

    levels: Annotated[tuple[FiniteFloat, ...], Field(min_length=1, max_length=64)]
    initial: LevelRef
    labels: tuple[Label, ...] | None = None
    unit: Text = ""
    description: LongText = ""
    source: LongText | None = None
    assumption: LongText | None = None
    next: Union[Formula, Annotated[tuple[Outcome, ...], Field(min_length=1, max_length=16)], None] = Field(
        None, description="Deterministic: an expression snapped to the grid. Stochastic: a list of { p, value }."
    )

    @model_validator(mode="after")
    def _grid(self):
        if len(set(self.levels)) != len(self.levels):
            raise ValueError("levels must be distinct")
        if list(self.levels) != sorted(self.levels):
            raise ValueError("levels must be in increasing order (a grid is ordered)")
        if self.labels is not None:
            if len(self.labels) != len(self.levels):
                raise ValueError(f"{len(self.labels)} labels for {len(self.levels)} levels")
            if len(set(self.labels)) != len(self.labels):
                raise ValueError("labels must be distinct")
        return self

    def level_labels(self) -> tuple[str, ...]:
        """The labels, or the levels as written (``2``, ``0.5``)."""
        if self.labels is not None:
            return self.labels
        return number_labels(self.levels)


@dataclass(frozen=True, config=_CONFIG)
class Event:
    """A dated moment to mark on outcome-path plots (a deadline, a summit)."""

    round: Annotated[int, Field(ge=0)]
    label: Text
    date: Text = ""


@dataclass(frozen=True, config=_CONFIG)
class Repeated:
    """Defaults for repeated play."""

    rounds: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        None, description="Rounds of repeated play (default 20); in a game with state, the finite horizon "
        "(without it the game is infinite-horizon, discounted)."
    )
    noise: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    continuation: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    strategies: dict[Identifier, Text] = Field(default_factory=dict)
    cooperative: dict[Identifier, Union[Text, dict[Identifier, LevelRef]]] | None = Field(
        None, description="Per player id: an action label, or a lever -> level table (unnamed levers: level 0)."
    )
    events: tuple[Event, ...] = ()
    previous: dict[Identifier, dict[Identifier, LevelRef]] = Field(
        default_factory=dict,
        description="Per player id, lever -> level in force before round 0: what prev.PLAYER.LEVER reads in the "
        "first round (a lever left out: its first, most conciliatory level).",
    )

    @property
    def play_rounds(self) -> int:
        """Rounds of repeated play: ``rounds``, or :data:`DEFAULT_ROUNDS` when the file gives none."""
        return self.rounds if self.rounds is not None else DEFAULT_ROUNDS


@dataclass(frozen=True, config=_CONFIG)
class ChanceOutcome:
    """One outcome of a chance stage: its label, probability and the parameter values it sets."""

    label: Label
    p: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
    parameters: dict[Identifier, FiniteFloat] = Field(
        default_factory=dict, description="Parameter values in force after this outcome (names from [parameters]).")


@dataclass(frozen=True, config=_CONFIG)
class Stage:
    """One move of a sequential game: a player choosing levers, or chance."""

    name: Identifier | None = Field(None, description="How the stage is named (default: stage1, stage2, ...).")
    player: Identifier | None = Field(None, description="The player who moves (its id).")
    levers: tuple[Identifier, ...] | None = Field(
        None, description="The levers chosen at this stage (default: all the player's levers, or its plain action).")
    chance: tuple[ChanceOutcome, ...] | None = Field(
        None, min_length=2, max_length=32, description="A chance move instead of a player's: its outcomes.")
    observes: Union[Literal["all", "own"], tuple[Identifier, ...]] = Field(
        "all", description="What the mover knows of earlier stages: all (perfect information), own (only its own "
        "earlier moves: the stage is simultaneous with the others'), or the names of the stages it sees "
        "(its own are always seen).")
    when: Text | None = Field(
        None, description="An expression over earlier stages' levers: the stage is played only where it is "
        "nonzero (its levers stay at their first level otherwise), e.g. 'china.reply == 1'.")

    @model_validator(mode="after")
    def _one_mover(self):
        if (self.player is None) == (self.chance is None):
            raise ValueError("a stage has a player (who chooses levers) or chance outcomes, not both or neither")
        if self.chance is not None and self.levers is not None:
            raise ValueError("a chance stage chooses no levers")
        return self


@dataclass(frozen=True, config=_CONFIG)
class MoveOrder:
    """The ``[sequence]`` table: the order of moves (a sequential game).

    Levers in no stage keep their cooperative level; each lever is chosen at one stage at most.
    """

    stages: Annotated[tuple[Stage, ...], Field(min_length=1, max_length=32)]
    description: LongText = ""


@dataclass(frozen=True, config=_CONFIG)
class Scenario(HtmlRepr):
    """A validated scenario. ``players`` keeps file order: the first player is the row player."""

    scenario: Meta
    players: dict[Name, Player]
    parameters: dict[Name, Parameter] = Field(default_factory=dict)
    payoffs: dict[Identifier, Tensor] | None = Field(
        None, description="Matrix games: per player id, its payoff tensor: nested lists with one level per player, "
        "axis k indexing player k's actions in declaration order (two players: a matrix, rows = the first player's "
        "actions, columns = the second's).")
    define: Annotated[dict[Name, Text], Field(max_length=MAX_DEFINITIONS)] = Field(
        default_factory=dict, description="Named definitions (name = expression in the payoff language), evaluated "
        "in file order: each may read parameters, levers, state names, round, prev.PLAYER.LEVER and earlier "
        "definitions; payoff terms and state transitions read them by name.")
    repeated: Repeated = Field(default_factory=Repeated)
    state: dict[Name, StateVariable] = Field(
        default_factory=dict, description="State variables, in declaration order (a game with state)."
    )
    welfare: dict[Identifier, FiniteFloat] = Field(
        default_factory=dict, description="The parameter values under which every player's payoff is national welfare "
        "(for example buyer and revenue weights of 1 where the file's base values are political weights); "
        "commands use them with --welfare.")
    sequence: MoveOrder | None = Field(
        None, description="The order of moves, for a sequential game (stages of players choosing levers, chance).")
    extends: Text | None = Field(None, description="Path of a scenario this one overrides, relative to this file.")

    @field_validator("players")
    @classmethod
    def _player_count(cls, players):
        if len(players) < 2:
            raise ValueError(f"needs at least two players, got {len(players)}")
        if len(players) > MAX_PLAYERS:
            raise ValueError(f"has {len(players)} players, more than the limit of {MAX_PLAYERS}")
        return players

    @model_validator(mode="after")
    def _consistent(self):
        kinds = {p.actions is None for p in self.players.values()}
        if len(kinds) != 1:
            raise ValueError("both players must use levers, or both plain actions" if len(self.players) == 2 else
                             "all players must use levers, or all plain actions")
        clash = set(self.parameters) & set(self.players)
        if clash:
            raise ValueError(f"parameter names clash with player ids: {', '.join(sorted(clash))}")
        return self

    @property
    def has_state(self) -> bool:
        """Whether the scenario declares ``[state]`` variables."""
        return bool(self.state)

    @property
    def meta(self) -> Meta:
        return self.scenario

    @property
    def player_ids(self) -> tuple[str, ...]:
        """Every player id, in declaration order (two for a two-player game)."""
        return tuple(self.players)

    @property
    def n_players(self) -> int:
        return len(self.players)

    @property
    def is_matrix_game(self) -> bool:
        return next(iter(self.players.values())).actions is not None


def tensor_shape(tensor: Any) -> tuple[int, ...] | None:
    """The shape of nested tuples of numbers, or ``None`` when they are ragged or of mixed depth."""
    if not isinstance(tensor, tuple):
        return ()
    shapes = {tensor_shape(x) for x in tensor}
    if len(shapes) != 1 or None in shapes:
        return None if tensor else (0,)
    return (len(tensor), *shapes.pop())


def shape_in_words(ids, shape) -> str:
    """What a payoff tensor of ``shape`` must be, in words (two players: rows of numbers)."""
    if len(ids) == 2:
        return f"{shape[0]} rows ({ids[0]}'s actions) of {shape[1]} numbers ({ids[1]}'s actions)"
    parts = [f"{shape[0]} entries ({ids[0]}'s actions)"]
    parts += [f"each of {n} entries ({pid}'s actions)" for pid, n in zip(ids[1:-1], shape[1:-1])]
    parts.append(f"each of {shape[-1]} number{'' if shape[-1] == 1 else 's'} ({ids[-1]}'s actions)")
    return (f"must be a {' x '.join(str(n) for n in shape)} tensor, nested {len(ids)} levels deep in player order: "
            + ", ".join(parts))


def check_profiles(sizes, source: str) -> None:
    """Refuse more than :data:`MAX_PROFILES` action profiles (one error naming ``players``)."""
    if math.prod(sizes) > MAX_PROFILES:
        raise ScenarioError(f"{' x '.join(str(n) for n in sizes)} action profiles exceeds the limit of {MAX_PROFILES}",
                            file=source, key="players")


def check_matrices(scenario: "Scenario", source: str) -> None:
    """Check a matrix game's ``[payoffs]``: a tensor per player, of the shape its players' actions give."""
    ids = scenario.player_ids
    shape = tuple(len(scenario.players[pid].actions) for pid in ids)
    check_profiles(shape, source)
    if scenario.payoffs is None:
        raise ScenarioError("a game with plain 'actions' needs a [payoffs] table", file=source, key="payoffs")
    for pid in scenario.payoffs:
        if pid not in scenario.players:
            raise ScenarioError(f"unknown player {pid!r}", file=source, key=f"payoffs.{pid}")
    for pid in ids:
        if pid not in scenario.payoffs:
            raise ScenarioError("missing payoff matrix", file=source, key=f"payoffs.{pid}")
        got = tensor_shape(scenario.payoffs[pid])
        if got != shape:
            found = ("ragged (entries of one level differ in length or depth)" if got is None else
                     f"a {' x '.join(str(n) for n in got)} " + ("matrix" if len(got) == 2 else "tensor"))
            raise ScenarioError(f"{shape_in_words(ids, shape)}; got {found}", file=source, key=f"payoffs.{pid}")


_ADAPTER = TypeAdapter(Scenario)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the scenario format, generated from the dataclasses above."""
    schema = _ADAPTER.json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tradesim scenario"
    return schema


def source_of(scenario: Scenario) -> str:
    """The file a scenario was loaded from, or ``"<scenario>"``."""
    return getattr(scenario, "_source", "<scenario>")
