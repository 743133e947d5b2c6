"""Look-ahead stability in the Graph Model for Conflict Resolution (GMCR).

A graph model (Kilgour, Hipel & Fang 1987; Fang, Hipel & Kilgour 1993, *Interactive Decision
Making*) has decision makers (DMs), states, each DM's directed graph of one-step *unilateral moves*
and each DM's preference over the states (here numbers, larger preferred, ties allowed). For DM
``i`` at state ``s``, ``R_i(s)`` is the set of its moves and ``R_i+(s)`` its *unilateral
improvements* (moves to states it strictly prefers). ``s`` is, for ``i``,

* **Nash (R)** stable if ``R_i+(s)`` is empty;
* **GMR** (general metarationality, Howard 1971) stable if every improvement ``s1`` can be
  *sanctioned*: the others can reach from ``s1`` some ``s2`` that ``i`` does not prefer to ``s``;
* **SMR** (symmetric metarationality) stable if every improvement has a sanction ``s2`` that also
  survives ``i``'s counter-response: no move of ``i`` from ``s2`` reaches a state it prefers to ``s``;
* **SEQ** (sequential stability, Fraser & Hipel 1979) stable if every improvement has a *credible*
  sanction: one reached by moves that are each an improvement for the DM who makes it.

"The others can reach" is the coalition's reachable set ``R_{N-i}(s1)``: states reached by a legal
sequence of unilateral moves of the other DMs, no DM moving twice in a row (Fang, Hipel & Kilgour
1993); with two DMs, the other DM's single moves. ``R+_{N-i}`` is the same with every move an
improvement for its mover. A state stable for every DM under a concept is an *equilibrium* of it.

Moves marked irreversible (a lever whose levels only rise, a level that cannot be left) are taken
out of the graph: they serve neither as improvements, nor as sanctions, nor as counter-responses.

Each concept reduces to one worst case per state (after Xu, Hipel & Kilgour 2009, who write the
concepts as matrix products): with ``W(s1)`` the least preferred value, for ``i``, of the states the
others reach from ``s1`` (for SMR, of ``max(u_i(s2), best move of i from s2)``), an improvement
``s -> s1`` is blocked iff ``W(s1) <= u_i(s)``. The coalition's reachable sets come from iterated
boolean matrix products, so the work is a few ``states x states`` array operations per DM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from sim.errors import InputError
from sim.render import HtmlRepr, table_html
from sim.stage.equilibria import PURE_TOL
from sim.stage.graph_model import MAX_STATES, GraphModel

__all__ = ["CONCEPTS", "CONCEPT_NAMES", "MAX_STATES", "MAX_COALITION_STATES", "GraphModel", "Reason",
           "StabilityResult", "stability", "coalition_reach"]

#: The solution concepts, in the order results hold them.
CONCEPTS = ("nash", "gmr", "smr", "seq")
CONCEPT_NAMES = {"nash": "Nash (R)", "gmr": "GMR", "smr": "SMR", "seq": "SEQ"}
#: Largest model with three or more DMs, whose coalition reachable sets take matrix products.
MAX_COALITION_STATES = 1_500
#: Chunk of states whose reported sanctions are looked up at once (bounds the memory to rows x states).
_CHUNK = 512


def coalition_reach(moves: Sequence[np.ndarray]) -> np.ndarray:
    """Bool ``(n, n)``: states a coalition reaches from each state by a legal sequence of its members'
    moves (at least one move; no member moving twice in a row), Fang, Hipel & Kilgour (1993).

    ``last[k][s, x]`` says ``x`` is reachable from ``s`` with member ``k`` moving last; member ``k``
    may extend any sequence whose last mover is someone else. Iterated to a fixed point.
    """
    moves = [np.asarray(m, dtype=bool) for m in moves]
    if len(moves) == 1:
        return moves[0]
    step = [m.astype(np.float32) for m in moves]
    last = [m.copy() for m in moves]
    while True:
        grown = []
        for k in range(len(moves)):
            others = reduce(np.logical_or, (last[j] for j in range(len(moves)) if j != k))
            grown.append(last[k] | ((others.astype(np.float32) @ step[k]) > 0))
        if all(np.array_equal(g, old) for g, old in zip(grown, last)):
            return reduce(np.logical_or, last)
        last = grown


class _Arcs:
    """The true cells of a boolean ``(n, n)`` matrix, row by row, to reduce values over each row."""

    def __init__(self, mask: np.ndarray):
        n = mask.shape[0]
        self.rows, self.cols = np.nonzero(mask)
        counts = np.bincount(self.rows, minlength=n)
        self.some = counts > 0
        self.starts = (np.cumsum(counts) - counts)[self.some]

    def extreme(self, values: np.ndarray, *, largest: bool) -> np.ndarray:
        """Per row, the max (``largest``) or min of ``values`` over its true columns; -inf/+inf if none."""
        out = np.full(self.some.size, -np.inf if largest else np.inf)
        if self.rows.size:
            out[self.some] = (np.maximum if largest else np.minimum).reduceat(values[self.cols], self.starts)
        return out


@dataclass(frozen=True)
class Reason:
    """Why a state is (not) stable for a DM under a concept: the improvement reported and what
    blocks it, or the improvement nothing blocks. States are labels; values are preferences."""

    dm: str
    state: str
    concept: str
    stable: bool
    improvements: int
    blocked: int
    improvement: str | None = None
    sanction: str | None = None
    path: tuple[tuple[str, str], ...] = ()
    values: Mapping[str, float] = field(default_factory=dict)

    def sentence(self) -> str:
        """The reason in one sentence, in the model's own terms."""
        name = CONCEPT_NAMES[self.concept]
        head = f"{self.state} is {'' if self.stable else 'not '}{name} stable for {self.dm}"
        if self.improvement is None:
            return f"{head}: it has no unilateral improvement"
        if self.concept == "nash":
            return f"{head}: it can improve by moving to {self.improvement}"
        count = f"{self.improvements} improvement{'s' if self.improvements != 1 else ''}"
        if not self.stable:
            return (f"{head}: its improvement to {self.improvement} cannot be sanctioned "
                    f"({self.blocked} of its {count} can)")
        moves = ", then ".join(f"{who} to {where}" for who, where in self.path)
        return f"{head}: its improvement to {self.improvement} (of {count}) is sanctioned by {moves}"

    def to_dict(self) -> dict:
        return {"dm": self.dm, "state": self.state, "concept": self.concept, "stable": self.stable,
                "improvements": self.improvements, "blocked": self.blocked, "improvement": self.improvement,
                "sanction": self.sanction, "path": [list(p) for p in self.path], "values": dict(self.values)}


@dataclass(frozen=True, eq=False)
class StabilityResult(HtmlRepr):
    """Stability of every state for every DM under each concept (:func:`stability`).

    Arrays are indexed ``[concept, dm, state]`` in the order of :attr:`concepts`, the model's DMs
    and its states. ``improvement`` is the improvement reported (the most preferred one nothing
    blocks when the state is unstable, else the most preferred one), ``sanction`` the state that
    blocks it (-1: none), ``blocked`` how many of the ``improvements`` are blocked.
    """

    model: GraphModel = field(repr=False)
    stable: np.ndarray
    improvement: np.ndarray
    sanction: np.ndarray
    improvements: np.ndarray
    blocked: np.ndarray
    tol: tuple[float, ...]
    concepts: tuple[str, ...] = CONCEPTS
    method: str = "graph model stability (Fang, Hipel & Kilgour 1993), worst-case sanctions by matrix operations"

    def _c(self, concept: str) -> int:
        if concept not in self.concepts:
            raise InputError(f"unknown concept {concept!r}; use one of {', '.join(self.concepts)}", key="concept")
        return self.concepts.index(concept)

    def stable_for(self, concept: str) -> np.ndarray:
        """Bool ``(n_dms, n_states)``: stable for each DM under ``concept``."""
        return self.stable[self._c(concept)]

    def equilibrium_mask(self, concept: str) -> np.ndarray:
        """Bool ``(n_states,)``: states stable for every DM under ``concept``."""
        return self.stable_for(concept).all(axis=0)

    @property
    def equilibria(self) -> dict[str, tuple[int, ...]]:
        """Per concept, the indices of its equilibria."""
        return {c: tuple(int(s) for s in np.flatnonzero(self.equilibrium_mask(c))) for c in self.concepts}

    def is_stable(self, dm: Any, state: Any, concept: str) -> bool:
        return bool(self.stable[self._c(concept), self.model.dm_index(dm), self.model.state_index(state)])

    def sanction_path(self, dm: Any, state: Any, concept: str) -> tuple[tuple[int, int], ...]:
        """The reported sanction as a legal sequence of ``(mover, state)`` moves by the other DMs
        (each an improvement for its mover under SEQ); empty when there is none."""
        c, i, s = self._c(concept), self.model.dm_index(dm), self.model.state_index(state)
        start, target = int(self.improvement[c, i, s]), int(self.sanction[c, i, s])
        if start < 0 or target < 0:
            return ()
        return _shortest_path(self.model, i, start, target, improving=concept == "seq", tol=self.tol)

    def reason(self, dm: Any, state: Any, concept: str) -> Reason:
        """Why ``state`` is (not) stable for ``dm`` under ``concept``."""
        model = self.model
        c, i, s = self._c(concept), model.dm_index(dm), model.state_index(state)
        imp, san = int(self.improvement[c, i, s]), int(self.sanction[c, i, s])
        label = lambda k: None if k < 0 else model.states[k]  # noqa: E731
        path = tuple((model.dms[who], model.states[where]) for who, where in self.sanction_path(i, s, concept))
        values = {"state": float(model.preferences[i, s])}
        if imp >= 0:
            values["improvement"] = float(model.preferences[i, imp])
        if san >= 0:
            values["sanction"] = float(model.preferences[i, san])
        return Reason(model.dms[i], model.states[s], concept, bool(self.stable[c, i, s]),
                      int(self.improvements[i, s]), int(self.blocked[c, i, s]), label(imp), label(san), path,
                      values)

    def to_dict(self, states: Iterable[Any] | None = None) -> dict:
        """Equilibria per concept, and per state (all, or the ones given) stability and reasons."""
        model = self.model
        picked = range(model.n_states) if states is None else [model.state_index(s) for s in states]
        return {
            "model": model.name, "dms": list(model.dms), "n_states": model.n_states,
            "concepts": list(self.concepts), "method": self.method, "tol": list(self.tol),
            "equilibria": {c: [model.states[s] for s in eq] for c, eq in self.equilibria.items()},
            "states": [{
                "state": model.states[s],
                "equilibrium": {c: bool(self.equilibrium_mask(c)[s]) for c in self.concepts},
                "stable": {dm: {c: bool(self.stable[k, i, s]) for k, c in enumerate(self.concepts)}
                           for i, dm in enumerate(model.dms)},
                "reasons": [self.reason(i, s, c).to_dict() for i in range(model.n_dms) for c in self.concepts],
            } for s in picked],
        }

    def to_frame(self):
        """One row per (state, DM, concept): stable, improvements, blocked, the reported improvement
        and sanction (labels). Needs pandas."""
        import pandas as pd  # optional heavy dependency: loaded only when asked for

        model = self.model
        k, d, n = self.stable.shape
        c_idx, d_idx, s_idx = (a.ravel() for a in np.indices((k, d, n)))
        labels = np.array([*model.states, None], dtype=object)  # index -1 reads None
        return pd.DataFrame({
            "state": np.array(model.states, dtype=object)[s_idx],
            "dm": np.array(model.dms, dtype=object)[d_idx],
            "concept": np.array(self.concepts, dtype=object)[c_idx],
            "stable": self.stable.ravel(),
            "improvements": self.improvements[d_idx, s_idx],
            "blocked": self.blocked.ravel(),
            "improvement": labels[self.improvement.ravel()],
            "sanction": labels[self.sanction.ravel()],
        })

    def _repr_html_(self) -> str:
        """A notebook view: the equilibria of each concept (the full table is :meth:`to_frame`)."""
        model = self.model
        rows = [{"concept": CONCEPT_NAMES[c], "equilibria": len(eq),
                 "states": "; ".join(model.states[s] for s in eq[:5]) + ("; ..." if len(eq) > 5 else "")}
                for c, eq in self.equilibria.items()]
        return table_html(rows, caption=f"{model.name}: stability for {model.n_dms} DMs over {model.n_states} states")

    def __str__(self) -> str:
        model = self.model
        lines = [f"{model.name}: {model.n_dms} DMs, {model.n_states} states"]
        for c, eq in self.equilibria.items():
            shown = ", ".join(model.states[s] for s in eq[:12]) + (f", ... ({len(eq)} in all)" if len(eq) > 12 else "")
            lines.append(f"  {CONCEPT_NAMES[c]:<9} equilibria: {shown or 'none'}")
        if model.n_states <= 40:
            letters = {"nash": "R", "gmr": "G", "smr": "S", "seq": "Q"}
            width = max(len("state"), *(len(s) for s in model.states))
            cols = [max(len(dm), len(self.concepts)) for dm in model.dms]
            lines.append(f"  {'state':<{width}}  " + "  ".join(f"{dm:<{w}}" for dm, w in zip(model.dms, cols))
                         + "   (R Nash, G GMR, S SMR, Q SEQ; - unstable)")
            for s, label in enumerate(model.states):
                cells = ["".join(letters[c] if self.stable[k, i, s] else "-" for k, c in enumerate(self.concepts))
                         for i in range(model.n_dms)]
                lines.append(f"  {label:<{width}}  " + "  ".join(f"{x:<{w}}" for x, w in zip(cells, cols)))
        return "\n".join(lines)


def _tolerances(model: GraphModel, tol: float | Sequence[float] | None) -> np.ndarray:
    pref = model.preferences
    if tol is None:  # as the project's pure-equilibrium test: relative to each DM's range
        spread = pref.max(axis=1) - pref.min(axis=1)
        return PURE_TOL * np.where(spread > 0, spread, 1.0)
    tols = np.broadcast_to(np.asarray(tol, dtype=float), (model.n_dms,)).copy()
    if not (np.isfinite(tols).all() and (tols >= 0).all()):
        raise InputError("tolerance must be a non-negative number (or one per DM)", key="tol")
    return tols


def stability(model: GraphModel, *, tol: float | Sequence[float] | None = None) -> StabilityResult:
    """Nash, GMR, SMR and SEQ stability of every state for every DM of a graph model.

    Parameters
    ----------
    model : the graph model.
    tol : preference differences up to ``tol`` are ties (one number, or one per DM); default
        ``1e-12`` times each DM's preference range, as the project's pure-equilibrium test.

    Returns
    -------
    StabilityResult, with the equilibria of each concept and a reason per (concept, DM, state).
    """
    d, n = model.n_dms, model.n_states
    if d > 2 and n > MAX_COALITION_STATES:
        raise InputError(f"{n:,} states with {d} DMs, more than the limit of {MAX_COALITION_STATES:,} for "
                         "coalition sanctions (three or more DMs)", key="states")
    tols = _tolerances(model, tol)
    pref = model.preferences
    moves = [model.available(i) for i in range(d)]
    improving = [moves[i] & (pref[i][None, :] > pref[i][:, None] + tols[i]) for i in range(d)]
    shape = (len(CONCEPTS), d, n)
    stable = np.ones(shape, dtype=bool)
    improvement = np.full(shape, -1, dtype=np.int64)
    sanction = np.full(shape, -1, dtype=np.int64)
    blocked = np.zeros(shape, dtype=np.int64)
    improvements = np.zeros((d, n), dtype=np.int64)
    arcs = {"moves": [_Arcs(m) for m in moves], "improving": [_Arcs(m) for m in improving]}
    for i in range(d):
        others = [k for k in range(d) if k != i]
        if d == 2:  # the other DM's single moves: no products, and its arcs are already at hand
            reach, reach_plus = moves[others[0]], improving[others[0]]
            reach_arcs, plus_arcs = arcs["moves"][others[0]], arcs["improving"][others[0]]
        else:
            reach = coalition_reach([moves[k] for k in others])
            reach_plus = coalition_reach([improving[k] for k in others])
            reach_arcs, plus_arcs = _Arcs(reach), _Arcs(reach_plus)
        u = pref[i]
        counter = np.maximum(u, arcs["moves"][i].extreme(u, largest=True))  # the best i secures from a state
        worst = {"gmr": (reach, u), "smr": (reach, counter), "seq": (reach_plus, u)}
        least = {"gmr": reach_arcs.extreme(u, largest=False), "smr": reach_arcs.extreme(counter, largest=False),
                 "seq": plus_arcs.extreme(u, largest=False)}
        rows, cols = arcs["improving"][i].rows, arcs["improving"][i].cols
        improvements[i] = np.bincount(rows, minlength=n)
        threshold = u + tols[i]
        for c, concept in enumerate(CONCEPTS):
            if concept == "nash":
                ok = np.zeros(rows.size, dtype=bool)
            else:
                ok = least[concept][cols] <= threshold[rows]
            blocked[c, i] = np.bincount(rows, weights=ok, minlength=n).astype(np.int64)
            stable[c, i] = blocked[c, i] == improvements[i]
            if not rows.size:
                continue
            # report, per state, the most preferred improvement among those nothing blocks (if any)
            eligible = stable[c, i][rows] | ~ok
            order = np.lexsort((-u[cols], ~eligible, rows))
            first = order[np.unique(rows[order], return_index=True)[1]]
            improvement[c, i, rows[first]] = cols[first]
            if concept != "nash":
                chosen = first[ok[first]]
                sanction[c, i, rows[chosen]] = _pick_sanctions(model, i, rows[chosen], cols[chosen], *worst[concept],
                                                               threshold)
    return StabilityResult(model, stable, improvement, sanction, improvements, blocked, tuple(float(t) for t in tols))


def _pick_sanctions(model: GraphModel, i: int, states: np.ndarray, after: np.ndarray, sanctions: np.ndarray,
                    value: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """For each blocked improvement ``states[k] -> after[k]``, the sanction the other DMs like best
    (largest sum of their preferences, each scaled to its range) among those that block it."""
    pref = model.preferences
    spread = pref.max(axis=1) - pref.min(axis=1)
    scaled = (pref - pref.min(axis=1, keepdims=True)) / np.where(spread > 0, spread, 1.0)[:, None]
    score = np.delete(scaled, i, axis=0).sum(axis=0)
    out = np.empty(states.size, dtype=np.int64)
    for lo in range(0, states.size, _CHUNK):
        s, s1 = states[lo:lo + _CHUNK], after[lo:lo + _CHUNK]
        fits = sanctions[s1] & (value[None, :] <= threshold[s][:, None])
        out[lo:lo + _CHUNK] = np.where(fits, score[None, :], -np.inf).argmax(axis=1)
    return out


def _shortest_path(model: GraphModel, i: int, start: int, target: int, *, improving: bool,
                   tol: Sequence[float]) -> tuple[tuple[int, int], ...]:
    """A shortest legal sequence of the other DMs' moves from ``start`` to ``target`` (breadth first
    over ``(state, last mover)``)."""
    others = [k for k in range(model.n_dms) if k != i]
    pref = model.preferences
    frontier = [(start, -1)]
    parent: dict[tuple[int, int], tuple[int, int] | None] = {(start, -1): None}
    while frontier:
        nxt = []
        for s, last in frontier:
            for k in others:
                if k == last:
                    continue
                targets = np.flatnonzero(model.available(k)[s])
                if improving:
                    targets = targets[pref[k, targets] > pref[k, s] + tol[k]]
                for t in targets.tolist():
                    if (t, k) in parent:
                        continue
                    parent[(t, k)] = (s, last)
                    if t == target:
                        path, node = [], (t, k)
                        while parent[node] is not None:
                            path.append((node[1], node[0]))
                            node = parent[node]
                        return tuple(reversed(path))
                    nxt.append((t, k))
        frontier = nxt
    return ()
