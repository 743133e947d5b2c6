"""The strategy-file format: a repeated-game strategy written as a small state machine in TOML.

A strategy file lets a student (or an analyst) write a strategy without writing code. It is
read and validated like a scenario (every problem named by file and key path) and nothing in it
is ever executed: the file chooses among a fixed vocabulary of moves and conditions, which
:mod:`sim.repeated.rules` plays. The format::

    [strategy]
    name = "two_strikes"                # how tables and plots name it
    author = "Team 3"                   # optional
    description = "Calm until provoked twice in a row; punish for two rounds; forgive."
    start = "calm"                      # the state of the first round

    [states.calm]
    play = "cooperate"                  # what to do in each round spent in this state
    rules = [ { other = "escalated", times = 2, goto = "punish" } ]

    [states.punish]
    play = "maximum_pressure"
    rules = [ { after = 2, goto = "calm" } ]

Each round the strategy plays its current state's move. Before the next round it reads the
state's ``rules`` in order and follows the first whose conditions all hold (``goto``; a rule may
go to its own state, which restarts the count of ``after``); when none holds it stays. Conditions (all optional; a rule without any always fires):

``other``        ``"escalated"`` (the other side's last move was more hostile than its
                 cooperative action on some lever) or ``"calm"`` (it was not);
``times``        with ``other``: the other side's last ``times`` moves were all so (default 1);
``after``        at least this many rounds have been played in the current state;
``from_round``   the coming round is this round or later (rounds count from 1);
``probability``  the rule fires with this probability when its other conditions hold (a random
                 draw, reproducible under the seed).

Moves (``play``): ``cooperate`` (the cooperative action), ``maximum_pressure`` (every lever at its
most hostile level), ``nash`` (the stage-equilibrium action the punishment strategies revert
to), ``mirror`` (answer the other side's last move rung for rung, as tit for tat does),
``best_response`` (the best reply to the other side's last move), ``repeat`` (one's own last
move), ``escalate`` / ``deescalate`` (one rung up / down one's own escalation ladder from the last
move), or one action of the scenario: its label, or a table of lever levels
(``play = { tariff = "truce" }``; levers left out stay at their cooperative level). Moves that read
the last round play ``cooperate`` in the first round. A named action only fits scenarios that
have it; it is checked when the strategy is played.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, model_validator
from pydantic.dataclasses import dataclass

from sim._files import read_text_capped
from sim.errors import ScenarioError, raise_problems
from sim.model.load import parse_toml, validation_problems
from sim.model.scenario import Identifier, LevelRef, LongText, Text

__all__ = ["StrategyFile", "StrategyMeta", "StrategyState", "Rule", "MOVES", "load_strategy_file",
           "strategy_from_dict", "is_strategy_document", "MAX_STATES", "MAX_RULES", "MAX_STRATEGY_BYTES"]

#: The symbolic moves a state may play (besides a named action of the scenario).
MOVES = ("cooperate", "maximum_pressure", "nash", "mirror", "best_response", "repeat", "escalate", "deescalate")
#: Most states in one strategy, and most rules in one state.
MAX_STATES = 32
MAX_RULES = 16
#: Largest strategy file read (bytes).
MAX_STRATEGY_BYTES = 64 * 1024
#: Largest count a condition may name (rounds).
MAX_COUNT = 100_000

_CONFIG = ConfigDict(extra="forbid", str_strip_whitespace=True)
Count = Annotated[int, Field(ge=1, le=MAX_COUNT)]


@dataclass(frozen=True, config=_CONFIG)
class Rule:
    """One transition: when every condition given holds, go to state ``goto``."""

    goto: Identifier
    other: Literal["escalated", "calm"] | None = Field(
        None, description="The other side's last move: 'escalated' (more hostile than its cooperative action on "
        "some lever) or 'calm'.")
    times: Count | None = Field(None, description="With 'other': its last TIMES moves were all so (default 1).")
    after: Count | None = Field(None, description="At least this many rounds played in the current state.")
    from_round: Count | None = Field(None, description="The coming round is this one or later (rounds count from 1).")
    probability: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] = Field(
        1.0, description="Chance the rule fires when its other conditions hold.")

    @model_validator(mode="after")
    def _times_needs_other(self) -> "Rule":
        if self.times is not None and self.other is None:
            raise ValueError("'times' counts the other side's moves: give 'other' (\"escalated\" or \"calm\") too")
        return self


Move = Union[Literal[MOVES], Text, dict[Identifier, LevelRef]]  # type: ignore[valid-type]


@dataclass(frozen=True, config=_CONFIG)
class StrategyState:
    """A state: the move it plays and the rules that leave it."""

    play: Move = Field(description=f"One of {', '.join(MOVES)}; or an action label; or a table lever -> level.")
    rules: Annotated[tuple[Rule, ...], Field(max_length=MAX_RULES)] = ()
    description: LongText = ""


@dataclass(frozen=True, config=_CONFIG)
class StrategyMeta:
    """The ``[strategy]`` table."""

    name: Identifier
    start: Identifier
    author: Text = ""
    description: LongText = ""


@dataclass(frozen=True, config=_CONFIG)
class StrategyFile:
    """A whole strategy file: ``[strategy]`` and ``[states.NAME]`` tables."""

    strategy: StrategyMeta
    states: Annotated[dict[Identifier, StrategyState], Field(min_length=1, max_length=MAX_STATES)]

    @model_validator(mode="after")
    def _references(self) -> "StrategyFile":
        known = ", ".join(self.states)
        if self.strategy.start not in self.states:
            raise _Reference("strategy.start", f"no state {self.strategy.start!r} (states: {known})")
        for name, state in self.states.items():
            for i, rule in enumerate(state.rules):
                if rule.goto not in self.states:
                    raise _Reference(f"states.{name}.rules.{i}.goto", f"no state {rule.goto!r} (states: {known})")
        return self

    @property
    def stochastic(self) -> bool:
        """Whether some rule fires by chance."""
        return any(0.0 < r.probability < 1.0 for s in self.states.values() for r in s.rules)


class _Reference(ValueError):
    """A reference to a state that does not exist, with the key path of the reference."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key
        self.message = message


_ADAPTER = TypeAdapter(StrategyFile)


def is_strategy_document(document: Any) -> bool:
    """Whether a parsed TOML document is a strategy file (it has a ``[strategy]`` table and no players)."""
    return isinstance(document, dict) and isinstance(document.get("strategy"), dict) and "players" not in document


def strategy_from_dict(document: Any, *, source: str = "<strategy>") -> StrategyFile:
    """Validate a parsed strategy document; every problem is reported with its key path."""
    if not is_strategy_document(document):
        raise ScenarioError("not a strategy file: it needs a [strategy] table (name, start) and [states.NAME] "
                            "tables", file=source)
    try:
        return _ADAPTER.validate_python(document)
    except _Reference as exc:  # pragma: no cover - pydantic wraps it; kept for safety
        raise ScenarioError(exc.message, file=source, key=exc.key) from None
    except ValidationError as exc:
        reference = _reference_in(exc)
        if reference is not None:
            raise ScenarioError(reference.message, file=source, key=reference.key) from None
        raise_problems([ScenarioError(message, file=source, key=key) for key, message in validation_problems(exc)])
        raise  # unreachable: pydantic reports at least one error


def _reference_in(exc: ValidationError) -> "_Reference | None":
    for error in exc.errors(include_url=False):
        found = (error.get("ctx") or {}).get("error")
        if isinstance(found, _Reference):
            return found
    return None


def load_strategy_file(path: str | Path) -> StrategyFile:
    """Read and validate a strategy file (at most :data:`MAX_STRATEGY_BYTES`)."""
    source = str(path)
    text = read_text_capped(path, what="strategy file", cap=MAX_STRATEGY_BYTES, error=ScenarioError)
    return strategy_from_dict(parse_toml(text, source=source), source=source)
