"""The class tournament: students submit strategy files from their page; the teacher runs a
round robin of them beside the library's strategies.

A submission is the text of a strategy file (:mod:`sim.model.strategy_file`): it is parsed and
validated exactly as ``tradesim validate`` would (one message naming the key), stored only when
valid, and played by :class:`~sim.repeated.rules.RuleStrategy` — it is never executed. The round
robin is :func:`sim.repeated.tournament.round_robin` on the class game with the session's ending
rule and seed (a match's random streams are keyed by the strategies' names, ``seat N: NAME``).
"""

from __future__ import annotations

import hashlib
from typing import Any, Sequence

from sim.classroom.errors import ClassroomError
from sim.classroom.game import ClassGame
from sim.errors import TradesimError
from sim.model.load import parse_toml
from sim.model.strategy_file import StrategyFile, strategy_from_dict
from sim.repeated.rules import RuleStrategy
from sim.repeated.strategies import CLASSIC
from sim.repeated.tournament import is_symmetric, round_robin

__all__ = ["MAX_SOURCE", "TEMPLATE", "check_submission", "submission_strategy", "class_tournament",
           "TOURNAMENT_REPLICATES"]

#: Longest strategy a student may submit (characters); the bundled examples are under 900.
MAX_SOURCE = 3000
#: Replicates of each match of the class tournament.
TOURNAMENT_REPLICATES = 20
#: What a student's strategy box starts with.
TEMPLATE = """[strategy]
name = "my_strategy"
start = "calm"

[states.calm]
play = "cooperate"
rules = [ { other = "escalated", goto = "angry" } ]

[states.angry]
play = "mirror"
rules = [ { other = "calm", times = 2, goto = "calm" } ]
"""


def check_submission(source: Any) -> StrategyFile:
    """The validated strategy of a submitted text; a :class:`ClassroomError` naming the key if not."""
    if not isinstance(source, str):
        raise ClassroomError("the strategy must be text", key="source")
    if len(source) > MAX_SOURCE:
        raise ClassroomError(f"the strategy is {len(source)} characters; at most {MAX_SOURCE}", key="source")
    try:
        return strategy_from_dict(parse_toml(source, source="your strategy"), source="your strategy")
    except TradesimError as exc:
        first = exc.problems[0]
        raise ClassroomError(f"{first.key}: {first.message}" if first.key else first.message, key="source") from None


def submission_strategy(seat: int, name: str, source: str) -> RuleStrategy:
    """The strategy of seat ``seat`` (0-based), named ``seat N: NAME`` in tables."""
    definition = check_submission(source)
    label = f"seat {seat + 1}: {definition.strategy.name}" + (f" ({name})" if name else "")
    return RuleStrategy(definition, path=label, digest=hashlib.sha256(source.encode()).hexdigest())


def class_tournament(cg: ClassGame, submissions: Sequence[RuleStrategy], *, seed: int,
                     builtins: Sequence[str] = tuple(CLASSIC)) -> dict[str, Any]:
    """A round robin of the submitted strategies and ``builtins`` on the class game.

    Returns the ranking rows (``rank``, ``strategy``, ``student``, ``mean_payoff``,
    ``cooperation_rate``) and the settings, as JSON-ready values.
    """
    strategies = [*submissions, *builtins]
    if len(strategies) < 2:
        raise ClassroomError("a tournament needs at least two strategies", key="strategies")
    result = round_robin(cg.game, strategies, rounds=cg.rounds, continuation=cg.continuation,
                         max_rounds=cg.max_rounds, replicates=TOURNAMENT_REPLICATES, seed=seed,
                         cooperative=cg.cooperative)
    students = {s.spec for s in submissions}
    rank = {name: k + 1 for k, name in enumerate(result.ranked_names)}
    rows = [{"rank": rank[name], "strategy": name, "student": name in students,
             "mean_payoff": float(result.mean_payoff[i]), "cooperation_rate": float(result.cooperation[i])}
            for i, name in enumerate(result.strategies)]
    rows.sort(key=lambda r: r["rank"])
    both_roles = not is_symmetric(cg.game) or cg.cooperative[0] != cg.cooperative[1]
    return {"rows": rows, "both_roles": bool(both_roles), "replicates": TOURNAMENT_REPLICATES, "seed": seed, "rounds": cg.rounds,
            "continuation": cg.continuation, "strategies": len(strategies)}
