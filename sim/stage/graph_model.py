"""The graph model of a conflict: decision makers, states, moves and preferences.

A graph model (Kilgour, Hipel & Fang 1987; Fang, Hipel & Kilgour 1993, *Interactive Decision
Making*) gives each decision maker (DM) a directed graph of its one-step unilateral moves between
the states of a conflict, and a preference over the states (here numbers, larger preferred, ties
allowed). Moves may be marked irreversible: they stay in the DM's graph, recorded apart, and no
analysis uses them. :mod:`sim.stage.stability` analyses a model; :mod:`sim.stage.stability_game`
builds one from a stage game.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from sim.errors import InputError
from sim.render import HtmlRepr

__all__ = ["MAX_STATES", "GraphModel", "lookup"]

#: Largest graph model: each DM's moves are a ``states x states`` boolean matrix.
MAX_STATES = 6_000


def lookup(names: Sequence[str], ref: Any, what: str, key: str) -> int:
    """Index of ``ref`` (an index, or one of ``names``) in ``names``; an error naming ``key`` if none."""
    if isinstance(ref, (int, np.integer)) and not isinstance(ref, (bool, np.bool_)):
        if 0 <= int(ref) < len(names):
            return int(ref)
        raise InputError(f"{what} index {int(ref)} out of range 0..{len(names) - 1}", key=key)
    if isinstance(ref, str) and ref in names:
        return list(names).index(ref)
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    raise InputError(f"no {what} {ref!r} ({what}s: {shown})", key=key)


@dataclass(frozen=True, eq=False)
class GraphModel(HtmlRepr):
    """A graph model: DMs, states, each DM's one-step moves and each DM's preference.

    Attributes
    ----------
    dms : DM names.
    states : state labels.
    moves : per DM, bool ``(n, n)``; ``moves[i][s, t]`` when DM ``i`` can move from ``s`` to ``t``
        in one step (never ``s`` to ``s``).
    preferences : float ``(n_dms, n)``; larger is preferred, equal values are ties.
    irreversible : per DM, bool ``(n, n)``: moves excluded because irreversible (a subset of the
        graph a DM's choices alone would give); ``None`` when none are.
    name, units : what the model is, and the unit of the preferences (for text).
    """

    dms: tuple[str, ...]
    states: tuple[str, ...]
    moves: tuple[np.ndarray, ...]
    preferences: np.ndarray
    irreversible: tuple[np.ndarray, ...] | None = None
    name: str = "graph model"
    units: str = ""

    def __post_init__(self) -> None:
        dms, states = tuple(str(d) for d in self.dms), tuple(str(s) for s in self.states)
        n = len(states)
        if len(dms) < 2 or len(set(dms)) != len(dms):
            raise InputError("a graph model needs two or more distinct DMs", key="dms")
        if n < 1 or len(set(states)) != n:
            raise InputError("states must be a non-empty list of distinct labels", key="states")
        if n > MAX_STATES:
            raise InputError(f"{n:,} states, more than the limit of {MAX_STATES:,} (each DM's moves are a "
                             "states x states matrix): use fewer lever levels", key="states")
        pref = np.asarray(self.preferences, dtype=float)
        if pref.shape != (len(dms), n) or not np.isfinite(pref).all():
            raise InputError(f"preferences must be finite numbers, one row of {n} per DM", key="preferences")
        object.__setattr__(self, "dms", dms)
        object.__setattr__(self, "states", states)
        object.__setattr__(self, "preferences", pref)
        object.__setattr__(self, "moves", self._matrices(self.moves, "moves"))
        if self.irreversible is not None:
            object.__setattr__(self, "irreversible", self._matrices(self.irreversible, "irreversible"))

    def _matrices(self, mats: Sequence[Any], key: str) -> tuple[np.ndarray, ...]:
        n = len(self.states)
        if len(mats) != len(self.dms):
            raise InputError(f"give one {n} x {n} matrix per DM", key=key)
        out = []
        for dm, mat in zip(self.dms, mats):
            mat = np.asarray(mat)
            if mat.shape != (n, n) or mat.dtype.kind not in "biu" or (
                    mat.dtype.kind != "b" and not ((mat == 0) | (mat == 1)).all()):
                raise InputError(f"must be a {n} x {n} matrix of booleans", key=f"{key}.{dm}")
            mat = mat.astype(bool)
            loop = np.flatnonzero(np.diagonal(mat))
            if loop.size:
                raise InputError(f"state {self.states[loop[0]]!r} moves to itself; a move changes the state",
                                 key=f"{key}.{dm}")
            out.append(mat)
        return tuple(out)

    @classmethod
    def from_arcs(cls, dms: Sequence[str], states: Sequence[str], arcs: Mapping[str, Iterable[Sequence[Any]]], *,
                  preferences: Mapping[str, Sequence[float]] | None = None,
                  rankings: Mapping[str, Sequence[Any]] | None = None,
                  irreversible: Mapping[str, Iterable[Sequence[Any]]] | None = None,
                  name: str = "graph model", units: str = "") -> "GraphModel":
        """A model from lists of moves ``{dm: [(from, to), ...]}`` (states by label or index).

        Give ``preferences`` (``{dm: one number per state}``) or ``rankings`` (``{dm: states from
        most to least preferred}``, a nested list for states tied, as the GMCR literature writes
        them). ``irreversible`` lists moves of ``arcs`` that are excluded.
        """
        dms, states = tuple(dms), tuple(states)
        n = len(states)
        if (preferences is None) == (rankings is None):
            raise InputError("give exactly one of preferences or rankings", key="preferences")
        pref = np.zeros((len(dms), n))
        for d, dm in enumerate(dms):
            table = preferences if preferences is not None else rankings
            if dm not in table:
                raise InputError("missing", key=f"{'preferences' if preferences is not None else 'rankings'}.{dm}")
            if preferences is not None:
                pref[d] = _row(preferences[dm], n, f"preferences.{dm}")
            else:
                pref[d] = _ranking_values(rankings[dm], states, f"rankings.{dm}")

        def matrices(table, key):
            out = []
            for dm in dms:
                mat = np.zeros((n, n), dtype=bool)
                for k, arc in enumerate(table.get(dm, ())):
                    if len(arc) != 2:
                        raise InputError("a move is a pair (from, to)", key=f"{key}.{dm}.{k}")
                    a, b = (lookup(states, x, "state", f"{key}.{dm}.{k}") for x in arc)
                    mat[a, b] = True
                out.append(mat)
            return tuple(out)

        unknown = [dm for table in (arcs, irreversible or {}) for dm in table if dm not in dms]
        if unknown:
            raise InputError(f"no DM {unknown[0]!r} (DMs: {', '.join(dms)})", key="arcs")
        moves = matrices(arcs, "arcs")
        excluded = None if irreversible is None else matrices(irreversible, "irreversible")
        if excluded is not None:
            for dm, mv, ex in zip(dms, moves, excluded):
                if (ex & ~mv).any():
                    raise InputError("lists a move that is not among the DM's moves", key=f"irreversible.{dm}")
        return cls(dms, states, moves, pref, excluded, name=name, units=units)

    @property
    def n_dms(self) -> int:
        return len(self.dms)

    @property
    def n_states(self) -> int:
        return len(self.states)

    def available(self, dm: int) -> np.ndarray:
        """Moves of DM ``dm`` that can be made: its graph less the irreversible exclusions."""
        if self.irreversible is None:
            return self.moves[dm]
        return self.moves[dm] & ~self.irreversible[dm]

    def dm_index(self, dm: Any) -> int:
        """Index of a DM given by name or index."""
        return lookup(self.dms, dm, "DM", "dm")

    def state_index(self, state: Any) -> int:
        """Index of a state given by label or index."""
        return lookup(self.states, state, "state", "state")

    def __str__(self) -> str:
        counts = ", ".join(f"{dm} {int(self.available(d).sum())}" for d, dm in enumerate(self.dms))
        excluded = "" if self.irreversible is None else f" ({int(sum(m.sum() for m in self.irreversible))} " \
            "more excluded as irreversible)"
        return f"{self.name}: {self.n_dms} DMs, {self.n_states} states; moves {counts}{excluded}"

    def to_dict(self) -> dict:
        arcs = lambda mats: {dm: [[self.states[a], self.states[b]] for a, b in np.argwhere(m)]  # noqa: E731
                             for dm, m in zip(self.dms, mats)}
        out = {"name": self.name, "dms": list(self.dms), "states": list(self.states), "units": self.units,
               "moves": arcs(self.moves),
               "preferences": {dm: self.preferences[d].tolist() for d, dm in enumerate(self.dms)}}
        out["irreversible"] = None if self.irreversible is None else arcs(self.irreversible)
        return out


def _row(values: Sequence[float], n: int, key: str) -> np.ndarray:
    row = np.asarray(values, dtype=float)
    if row.shape != (n,):
        raise InputError(f"give one number per state ({n})", key=key)
    return row


def _ranking_values(ranking: Sequence[Any], states: Sequence[str], key: str) -> np.ndarray:
    """Preference values from a ranking, most preferred first (ties as nested lists)."""
    groups = [list(g) if isinstance(g, (list, tuple)) else [g] for g in ranking]
    seen = [lookup(states, s, "state", key) for g in groups for s in g]
    if sorted(seen) != list(range(len(states))):
        raise InputError("a ranking must name every state exactly once", key=key)
    values = np.zeros(len(states))
    for rank, group in enumerate(groups):
        for s in group:
            values[lookup(states, s, "state", key)] = len(groups) - rank
    return values
