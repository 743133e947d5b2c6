"""Where an evolution starts: a chosen mix of strategies per side, or a single mutant among residents.

The text form, used by ``tradesim evolve --start`` and ``--mutant``:

* a mix is a comma-separated list of ``[SIDE:]STRATEGY=SHARE`` items, e.g.
  ``us:tit_for_tat=0.5,us:always_defect=0.5,china:grim_trigger=1``. ``STRATEGY`` is one of the
  tournament's strategy specs exactly as listed (parameters included, e.g.
  ``generous_tit_for_tat:g=0.2=0.5``), ``SHARE`` a non-negative number; each side's shares are
  normalised, strategies a side does not list start at 0, and a side not named at all starts with
  equal shares. ``SIDE`` is a player id; without it the item applies to every population.
* a mutant is ``[SIDE:]STRATEGY``: one individual of it replaces one resident on ``SIDE`` (default:
  the row side). The residents follow the mix given for that side, else they are all of the first
  listed strategy other than the mutant; the other side follows its mix, else the same resident.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from sim.errors import InputError
from sim.repeated.evolution import initial_counts

__all__ = ["parse_mix", "mutant_counts", "mutant_report"]


def _side_and_rest(text: str, player_ids: Sequence[str]) -> tuple[int | None, str]:
    head, colon, rest = text.partition(":")
    if colon and head.strip() in player_ids:
        return list(player_ids).index(head.strip()), rest.strip()
    return None, text.strip()


def _match_spec(text: str, specs: Sequence[str]) -> str | None:
    """The longest listed spec that ``text`` starts with and that is followed by ``=``."""
    for spec in sorted(specs, key=len, reverse=True):
        if text.startswith(spec) and text[len(spec):].lstrip().startswith("="):
            return spec
    return None


def parse_mix(items: Sequence[str], specs: Sequence[str], player_ids: Sequence[str], populations: int,
              key: str = "--start") -> tuple[np.ndarray | None, list[bool]]:
    """``((populations, k) starting shares, which sides the items named)`` from ``[SIDE:]STRATEGY=SHARE``
    lists; the shares are ``None`` when there are no items.

    Raises :class:`~sim.errors.InputError` naming ``key`` for an unknown side or strategy, a bad or
    negative share, a strategy listed twice for one side, or a side whose shares are all zero.
    """
    if not items:
        return None, [False] * populations
    k = len(specs)
    given = np.full((populations, k), np.nan)
    for chunk in items:
        text = chunk.strip()
        while text:
            side, rest = _side_and_rest(text, player_ids)
            if side is not None and populations == 1:
                raise InputError(f"{chunk!r}: one population evolves here, so name no side "
                                 f"(it has the strategies {', '.join(specs)})", key=key)
            spec = _match_spec(rest, specs)
            if spec is None:
                name = rest.split("=", 1)[0].strip()
                raise InputError(f"{name!r} is not one of the strategies ({', '.join(specs)}); expected "
                                 "[SIDE:]STRATEGY=SHARE", key=key)
            value_text, _, text = rest[len(spec):].lstrip()[1:].partition(",")
            try:
                share = float(value_text)
            except ValueError:
                raise InputError(f"{spec}: share must be a number, got {value_text.strip()!r}", key=key) from None
            if not math.isfinite(share) or share < 0:
                raise InputError(f"{spec}: share must be a non-negative number, got {value_text.strip()}", key=key)
            i = list(specs).index(spec)
            for p in ([side] if side is not None else range(populations)):
                if not np.isnan(given[p, i]):
                    raise InputError(f"{spec} is given twice" + (f" for {player_ids[p]}" if populations == 2 else ""),
                                     key=key)
                given[p, i] = share
            text = text.strip()
    out = np.empty((populations, k))
    named = [not np.isnan(given[p]).all() for p in range(populations)]
    for p in range(populations):
        if not named[p]:
            out[p] = 1.0 / k
            continue
        row = np.nan_to_num(given[p])
        if row.sum() <= 0:
            where = f" for {player_ids[p]}" if populations == 2 else ""
            raise InputError(f"the shares{where} are all zero", key=key)
        out[p] = row / row.sum()
    return out, named


def mutant_counts(mutant: str, specs: Sequence[str], player_ids: Sequence[str], populations: int, population: int,
                  mix: np.ndarray | None, named: Sequence[bool] | None = None) -> tuple[np.ndarray, int, int]:
    """``(counts (populations, k), side, mutant index)``: one mutant among ``population - 1`` residents.

    ``mix`` is the parsed ``--start`` (or ``None``); ``named[p]`` says whether it named side ``p``
    (an unnamed side's residents are the default resident, not equal shares).
    """
    side, rest = _side_and_rest(mutant, player_ids)
    if side is not None and populations == 1:
        raise InputError(f"{mutant!r}: one population evolves here, so name no side", key="--mutant")
    side = 0 if side is None else side
    if rest not in specs:
        raise InputError(f"{rest!r} is not one of the strategies ({', '.join(specs)})", key="--mutant")
    m = list(specs).index(rest)
    k = len(specs)
    others = [i for i in range(k) if i != m]
    if not others:
        raise InputError("a mutant needs at least one other strategy as the resident", key="--mutant")
    resident = np.zeros(k)
    resident[others[0]] = 1.0
    counts = np.empty((populations, k), dtype=np.int64)
    for p in range(populations):
        use_mix = mix is not None and (named is None or named[p])
        shares = mix[p] if use_mix else resident
        size = population - 1 if p == side else population
        if p == side and shares[m] >= 1.0:
            raise InputError(f"the residents of {player_ids[p] if populations == 2 else 'the population'} are all "
                             f"{rest}: start them on another strategy", key="--mutant")
        if p == side:
            shares = np.where(np.arange(k) == m, 0.0, shares)
        counts[p] = initial_counts(shares, k, size, key="--start")
        if p == side:
            counts[p, m] += 1
    return counts, side, m



def mutant_report(evo: Any, side: int, m: int, two: bool) -> dict[str, Any]:
    """How a single mutant fared in a Moran result: runs it took over, the share with its 95% Wilson
    interval, and the neutral benchmark ``1/N``."""
    fix = evo.fixation_probability[side] if two else evo.fixation_probability
    ci = evo.fixation_interval[side] if two else evo.fixation_interval
    fixed = evo.fixation[:, side] if two else evo.fixation
    return {"strategy": evo.strategies[m], "side": evo.player_ids[side] if two else None, "runs": evo.replicates,
            "fixed": int((fixed == m).sum()), "fixation_probability": float(fix[m]),
            "fixation_interval": [float(x) for x in ci[m]], "neutral": 1.0 / evo.population,
            "interval": "95% Wilson score interval over the runs"}
