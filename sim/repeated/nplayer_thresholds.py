"""Grim trigger against all: each player's critical discount factor in an N-player game.

The cooperative profile ``c`` is kept by grim trigger against all (everyone cooperates until anyone
deviates, then everyone punishes for ever). Player ``i``'s best one-shot deviation pays
``d_i = max_a u_i(a, c_{-i})``; after it, ``i`` gets ``p_i`` per round for ever. Deviating does not
pay iff ``u_i(c) >= (1 - δ) d_i + δ p_i``, i.e. ``δ_i >= δ_i* = (d_i - c_i) / (d_i - p_i)``
(Fudenberg and Tirole 1991, section 5.1; :func:`sim.repeated.punishment.critical_discount`).

* **Nash reversion**: ``p_i`` = ``i``'s payoff in a pure stage Nash equilibrium (found by brute force
  over the payoff tensors; of several, the one with the lowest largest threshold). Reverting to a
  stage equilibrium is itself an equilibrium of every subgame, so with every ``δ_i >= δ_i*`` the
  cooperative path is a subgame-perfect equilibrium.
* **Minmax punishment**: ``p_i`` = ``i``'s minmax value; with two players the mixed one
  (:func:`sim.stage.security.minmax_profile`, as :func:`sim.repeated.thresholds.truce_thresholds`),
  with three or more the others' *pure* minmax (an upper bound on the value against independently
  mixing punishers, so the threshold reported is at least the mixed one). Minmax for ever is the
  harshest punishment, so these are the lowest thresholds any grim punishment can reach; they
  are Nash (not always subgame-perfect) thresholds, since punishers may gain by not punishing.

Closed form (tested): the linear public-goods game with ``N`` players, endowment ``e`` and
multiplier ``1 < r < N`` has ``c = r e``, ``d = e + r e (N - 1) / N``, ``p = e``, so
``δ* = (N - r) / (r (N - 1))`` for every player.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim.model.game import StageGame
from sim.model.nplayer import NormalFormGame
from sim.render import HtmlRepr
from sim.repeated.nplayer_context import (
    best_deviation,
    cooperative_nprofile,
    finite_or_none,
    pure_minmax,
    reversion_profile,
)
from sim.repeated.punishment import critical_discount
from sim.stage.security import minmax_profile

__all__ = ["NPlayerThresholds", "grim_thresholds", "public_goods_threshold"]


def public_goods_threshold(n: int, r: float) -> float:
    """Critical δ of the linear public-goods game under grim trigger: ``(N - r) / (r (N - 1))``."""
    return (n - r) / (r * (n - 1))


@dataclass(frozen=True, eq=False)
class NPlayerThresholds(HtmlRepr):
    """Critical discount factors of grim trigger against all, per player.

    Attributes
    ----------
    player_ids : one per player.
    cooperative, cooperative_labels : the cooperative profile (indices, labels).
    cooperative_payoff : ``c_i``; deviation_payoff, deviation_action : ``d_i`` and its action.
    nash_profile : labels of the reversion equilibrium (``None``: the game has no pure one).
    nash_payoff : ``p_i`` under Nash reversion (``nan`` without a pure equilibrium).
    minmax_payoff : ``p_i`` under minmax punishment; ``minmax_kind`` ``"mixed"`` (two players) or
        ``"pure"`` (three or more).
    grim_nash, grim_minmax : ``δ_i*`` (``inf``: never; ``nan``: no pure equilibrium to revert to).
    discount : each player's own discount factor; units : the payoff unit.
    """

    player_ids: tuple[str, ...]
    cooperative: tuple[int, ...]
    cooperative_labels: tuple[str, ...]
    cooperative_payoff: tuple[float, ...]
    deviation_payoff: tuple[float, ...]
    deviation_action: tuple[str, ...]
    nash_profile: tuple[str, ...] | None
    nash_payoff: tuple[float, ...]
    minmax_payoff: tuple[float, ...]
    minmax_kind: str
    grim_nash: tuple[float, ...]
    grim_minmax: tuple[float, ...]
    discount: tuple[float, ...]
    units: str = ""

    def self_enforcing(self, rule: str = "grim_nash") -> tuple[bool, ...]:
        """Whether each player's discount factor reaches its threshold under ``rule``."""
        crit = getattr(self, rule)
        return tuple(bool(not math.isnan(c) and self.discount[p] >= c) for p, c in enumerate(crit))

    def subgame_perfect(self) -> bool:
        """Whether the cooperative path is a subgame-perfect equilibrium under Nash reversion."""
        return all(self.self_enforcing("grim_nash"))

    def sentences(self) -> list[str]:
        """Plain-language reading, one line per player."""
        out = []
        for p, pid in enumerate(self.player_ids):
            d = self.grim_nash[p]
            if math.isnan(d):
                out.append(f"{pid}: no pure stage equilibrium to revert to; under minmax punishment it needs "
                           f"a discount factor >= {self.grim_minmax[p]:.3f}.")
            elif math.isinf(d):
                out.append(f"{pid}: Nash reversion cannot enforce cooperation (it does no better cooperating).")
            else:
                verdict = "keeps" if self.discount[p] >= d else "does not keep"
                out.append(f"{pid}: grim trigger against all holds if it values the next round at >= {d:.3f} "
                           f"of this one (its discount factor is {self.discount[p]:.2f}, so it {verdict} the truce).")
        return out

    def to_dict(self) -> dict[str, Any]:
        ids = self.player_ids

        def per(values):
            return {pid: finite_or_none(v) for pid, v in zip(ids, values)}

        return {
            "grim_trigger": per(self.grim_nash),
            "grim_trigger_minmax": per(self.grim_minmax),
            "cooperative": dict(zip(ids, self.cooperative_labels)),
            "cooperative_payoff": dict(zip(ids, map(float, self.cooperative_payoff))),
            "deviation": {pid: {"action": a, "payoff": float(v)}
                          for pid, a, v in zip(ids, self.deviation_action, self.deviation_payoff)},
            "nash_profile": None if self.nash_profile is None else dict(zip(ids, self.nash_profile)),
            "nash_payoff": per(self.nash_payoff),
            "minmax_payoff": dict(zip(ids, map(float, self.minmax_payoff))),
            "minmax_kind": self.minmax_kind,
            "discount": dict(zip(ids, map(float, self.discount))),
            "self_enforcing": dict(zip(ids, self.self_enforcing("grim_nash"))),
            "subgame_perfect": self.subgame_perfect(),
            "units": self.units,
            "sentences": self.sentences(),
        }


def _minmax_values(game: NormalFormGame) -> tuple[tuple[float, ...], str]:
    if game.n_players == 2:
        stage = StageGame.from_normal_form(game)
        return (float(minmax_profile(stage, 0)[0]), float(minmax_profile(stage, 1)[0])), "mixed"
    return tuple(pure_minmax(game, p)[0] for p in range(game.n_players)), "pure"


def grim_thresholds(game: NormalFormGame, cooperative: Any = None) -> NPlayerThresholds:
    """Each player's critical discount factor for grim trigger against all.

    Parameters
    ----------
    game : the N-player stage game.
    cooperative : the cooperative profile (N actions or ``{player id: action}``); default the game's,
        else each player's least hostile action.

    Returns
    -------
    NPlayerThresholds
    """
    coop = cooperative_nprofile(game, cooperative)
    n = game.n_players
    c = tuple(float(game.payoffs[p][coop]) for p in range(n))
    dev = [best_deviation(game, p, coop) for p in range(n)]
    d = tuple(v for _, v in dev)
    nash = reversion_profile(game, coop)
    if nash is None:
        nash_pay = (math.nan,) * n
        grim = (math.nan,) * n
    else:
        nash_pay = tuple(float(game.payoffs[p][nash]) for p in range(n))
        grim = tuple(float(critical_discount(c[p], d[p], nash_pay[p])) for p in range(n))
    mm, kind = _minmax_values(game)
    grim_mm = tuple(float(critical_discount(c[p], d[p], mm[p])) for p in range(n))
    return NPlayerThresholds(
        player_ids=tuple(game.player_ids),
        cooperative=coop,
        cooperative_labels=tuple(game.actions[p][coop[p]] for p in range(n)),
        cooperative_payoff=c,
        deviation_payoff=d,
        deviation_action=tuple(game.actions[p][a] for p, (a, _) in enumerate(dev)),
        nash_profile=None if nash is None else tuple(game.actions[p][nash[p]] for p in range(n)),
        nash_payoff=nash_pay,
        minmax_payoff=tuple(float(x) for x in mm),
        minmax_kind=kind,
        grim_nash=grim,
        grim_minmax=grim_mm,
        discount=tuple(float(x) for x in game.discount),
        units=str(game.units or ""),
    )

