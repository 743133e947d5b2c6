"""tradesim: trade-leverage games from scenario files.

A scenario file (TOML) names each side's levers, sourced parameters and payoff terms; tradesim
builds the game, finds its equilibria, bargaining solutions and credible threats, plays repeated
strategies with noise and discounting, sweeps parameters, and plots outcome paths.

The short public API (everything else lives in the layers below)::

    import sim
    scenario = sim.load_scenario("scenarios/us_china_2025.toml")
    game = sim.build_game(scenario)                     # a StageGame: A, B, labels, levers
    eqs = sim.nash_equilibria(game)                     # verified equilibria and how they were found
    print(eqs)                                          # a short table, by action label
    result = sim.analyse(game)                          # the whole one-shot analysis, one time budget
    result.to_frame()                                   # one tidy row per concept (pandas)
    truce = sim.truce_thresholds(game)                  # critical discount factors of the truce
    match = sim.play(game, {"us": "tit_for_tat", "china": "deadline_truce:k=4"},
                     rounds=12, replicates=1000, noise=0.05, seed=1)
    table = sim.sweep("scenarios/us_china_2025.toml", ["import_elast=2:5:7"], ["equilibria"])

Layers (each imports only those above it; ``render`` imports nothing of the package):

========================  ==============================================================
``sim.errors``, ``_random``, ``_files``   errors that name file and key; seeds; atomic writes
``sim.model``             scenario format, loading, expressions, game types, action parser
``sim.render``            HTML for notebooks (``_repr_html_`` of every result)
``sim.stage``             one-shot analyses: dominance, equilibria, security, bargaining,
                          commitment and threats
``sim.repeated``          strategies, match engine, tournaments, evolution, truce thresholds
``sim.sweeps``            designs, metrics, plans, executors, checkpointed runs
``sim.viz``               matplotlib figures and the notebook explorer (the only matplotlib user)
``sim.cli``               the ``tradesim`` command
========================  ==============================================================
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

#: Public name -> module that defines it (imported on first use, so ``import sim`` stays instant).
_API = {
    "load_scenario": "sim.model.load",
    "build_game": "sim.model.game",
    "StageGame": "sim.model.game",
    "build_normal_form": "sim.model.nplayer_build",
    "build_any": "sim.model.nplayer_build",
    "NormalFormGame": "sim.model.nplayer",
    "Scenario": "sim.model.scenario",
    "resolve_action": "sim.model.actions",
    "actions_where": "sim.model.actions",
    "nash_equilibria": "sim.stage.equilibria",
    "iterated_dominance": "sim.stage.dominance",
    "security": "sim.stage.security",
    "nash_bargaining": "sim.stage.bargaining",
    "kalai_smorodinsky": "sim.stage.bargaining",
    "stackelberg": "sim.stage.commitment",
    "threat_check": "sim.stage.commitment",
    "analyse": "sim.repeated.analysis",
    "get_strategy": "sim.repeated.strategies",
    "list_strategies": "sim.repeated.strategies",
    "PlaySettings": "sim.repeated.settings",
    "play": "sim.repeated.engine",
    "round_robin": "sim.repeated.tournament",
    "replicator": "sim.repeated.evolution",
    "moran": "sim.repeated.evolution",
    "truce_thresholds": "sim.repeated.thresholds",
    "feasible_ir_set": "sim.repeated.payoff_set",
    "sweep": "sim.sweeps.run",
    "show": "sim.render",
    "to_html": "sim.render",
    "TradesimError": "sim.errors",
    "ScenarioError": "sim.errors",
    "InputError": "sim.errors",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
