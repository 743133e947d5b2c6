"""Robustness of a scenario's conclusions: every uncertain parameter drawn at once, each conclusion
reported as a probability, with the parameters that drive it and its knife edges.

Every parameter with a ``range`` or a ``prior`` (:mod:`sim.model.priors`) is drawn jointly by a
Latin hypercube (the sweep's :func:`sim.sweeps.design.make_design` with ``lhs``, on [0, 1), then
each column through its prior's truncated inverse CDF). The stage game at every draw is built in
blocks by the sweep's :class:`sim.sweeps.evaluate.PointEvaluator`, and the conclusions read off it:

* ``equilibrium.<row action> | <col action>``: the pure equilibrium set contains the profile
  (the profiles found in at least 1% of draws);
* ``base_equilibrium``: the pure equilibrium set is the one at the base values;
* ``self_enforcing.<player id>``, ``self_enforcing.both``: the cooperative profile is
  self-enforcing under grim trigger with Nash reversion (the sweep metric ``self_enforcing``);
* ``threat_credible``, ``threat_deters``: :func:`sim.stage.commitment.threat_check` of a threat.

Drivers of a conclusion: per drawn parameter, the Spearman rank correlation of its draws with the
0/1 conclusion and the AUC (the probability that a draw where the conclusion holds has a higher
value than one where it does not; 0.5 = no effect). Knife edges: :mod:`sim.empirics.knife`.
Draws are cut into chunks that depend only on their number, so results do not depend on workers.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from sim.empirics.knife import knife_edges
from sim.errors import InputError
from sim.model.dynamic import is_dynamic
from sim.model.load import read_document, scenario_from_dict
from sim.model.priors import Prior, parameter_prior
from sim.stage.commitment import threat_check
from sim.stage.equilibria import pure_equilibrium_mask
from sim.sweeps.design import Axis, make_design, number_paths
from sim.sweeps.evaluate import PointEvaluator
from sim.sweeps.execute import evaluator
from sim.sweeps.metrics import BATCH_CELLS, METRICS, SweepJob

__all__ = ["RobustnessResult", "DrawnParameter", "StageConclusions", "robustness", "stage_knife_edges",
           "knife_edge_sentence", "DEFAULT_DRAWS", "MAX_DRAWS", "MIN_SHARE"]

DEFAULT_DRAWS = 2000
MAX_DRAWS = 1_000_000
#: An equilibrium profile is a conclusion when it is in the equilibrium set of this share of draws.
MIN_SHARE = 0.01
#: Draws per chunk (fixed, so chunks and results do not depend on the number of workers).
CHUNK_DRAWS = 500
_Z95 = 1.959963984540054


@dataclass(frozen=True)
class DrawnParameter:
    """A parameter that varies: base value, documented range (or ``None``) and its prior."""

    name: str
    base: float
    range: tuple[float, float] | None
    prior: Prior

    def to_dict(self) -> dict:
        low, high = self.range if self.range is not None else (None, None)
        return {"low": low, "high": high, "prior": self.prior.text, "base": self.base}


# ----------------------------------------------------------------------------- conclusions at points
class StageConclusions:
    """Conclusions read off the stage games at blocks of parameter values.

    ``threat`` is ``(threatener, trigger, response)`` as :func:`~sim.stage.commitment.threat_check`
    takes them (lever settings are resolved once, from the base game's cooperative profile).
    """

    def __init__(self, ev: PointEvaluator, threat: tuple[int, Any, Any] | None = None):
        self.ev = ev
        game = ev.base_game
        self.shape = game.shape
        self.base_cells = frozenset(np.flatnonzero(pure_equilibrium_mask(game.A, game.B)).tolist())
        self.threat = None
        if threat is not None:
            t, trigger, response = threat
            r = threat_check(game, t, trigger, response, baseline=ev.cooperative)
            self.threat = (t, r.trigger, r.response, r.baseline)
        self.cells: dict[str, int] = {}  # equilibrium.<profile> -> flat cell

    def flag_names(self) -> list[str]:
        """Conclusions other than the per-profile ones, in report order."""
        ids = self.ev.player_ids
        names = ["base_equilibrium", *(f"self_enforcing.{pid}" for pid in ids), "self_enforcing.both"]
        return names + (["threat_credible", "threat_deters"] if self.threat is not None else [])

    def label(self, cell: int) -> str:
        """``"<row action label> | <col action label>"`` of a flat cell."""
        n = self.shape[1]
        acts = self.ev.base_game.actions
        return f"{acts[0][cell // n]} | {acts[1][cell % n]}"

    def evaluate(self, values: np.ndarray) -> dict[str, np.ndarray]:
        """Equilibrium cells (``point``, ``cell`` pairs) and the other conclusions at ``values``."""
        m, n = self.shape
        step = max(1, BATCH_CELLS // (m * n))
        base = np.zeros(m * n, dtype=bool)
        base[list(self.base_cells)] = True
        out: dict[str, list] = {"point": [], "cell": [], **{k: [] for k in self.flag_names()}}
        ids = self.ev.player_ids
        for lo in range(0, len(values), step):
            block = values[lo:lo + step]
            batch = self.ev.batch(block, np.zeros(len(block), dtype=np.int64))
            eq = pure_equilibrium_mask(batch.A, batch.B).reshape(len(block), -1)
            point, cell = np.nonzero(eq)
            out["point"].append(point + lo)
            out["cell"].append(cell)
            out["base_equilibrium"].append((eq == base[None, :]).all(axis=1))
            se = METRICS["self_enforcing"].fn(batch, self.ev, {})
            for pid in ids:
                out[f"self_enforcing.{pid}"].append(np.asarray(se[f"self_enforcing.grim_nash.{pid}"], dtype=bool))
            out["self_enforcing.both"].append(np.asarray(se["self_enforcing.truce"], dtype=bool))
            if self.threat is not None:
                t, x, y, b = self.threat
                checks = [threat_check((batch.A[k], batch.B[k]), t, x, y, baseline=b) for k in range(len(block))]
                out["threat_credible"].append(np.array([c.credible for c in checks], dtype=bool))
                out["threat_deters"].append(np.array([c.deterrent for c in checks], dtype=bool))
        return {k: np.concatenate(v) if v else np.zeros(0) for k, v in out.items()}

    def matrix(self, values: np.ndarray, names: Sequence[str]) -> np.ndarray:
        """``(points, len(names))`` bool: each named conclusion at each point."""
        raw = self.evaluate(values)
        return conclusion_table(raw, names, self.cells, len(values))


def conclusion_table(raw: Mapping[str, np.ndarray], names: Sequence[str], cells: Mapping[str, int],
                     c: int) -> np.ndarray:
    """The named conclusions as a ``(c, len(names))`` bool table from :meth:`StageConclusions.evaluate`."""
    out = np.zeros((c, len(names)), dtype=bool)
    for k, name in enumerate(names):
        if name in cells:
            hit = raw["cell"] == cells[name]
            out[raw["point"][hit].astype(np.int64), k] = True
        else:
            out[:, k] = raw[name]
    return out


# ----------------------------------------------------------------------------- set-up
def _setup(source: str, *, welfare: bool, params: Sequence[str] | None):
    """The document (with welfare values), the drawn parameters and the knife-edge parameters."""
    document = copy.deepcopy(read_document(source))
    scenario = scenario_from_dict(document, source=source)
    fixed: set[str] = set()
    if welfare:
        if not scenario.welfare:
            raise InputError("the scenario has no [welfare] table, so --welfare has no values to use",
                             file=source, key="welfare")
        for name, value in scenario.welfare.items():
            document["parameters"][name]["value"] = float(value)
            fixed.add(name)
        scenario = scenario_from_dict(document, source=source)
    uncertain = {}
    for name, par in scenario.parameters.items():
        prior = parameter_prior(name, par, source=source)
        if prior is not None and name not in fixed:
            uncertain[name] = DrawnParameter(name, float(par.value), None if par.range is None else
                                             (float(par.range[0]), float(par.range[1])), prior)
    if params:
        chosen = []
        for name in params:
            name = name.strip()
            if name.startswith("parameters."):
                name = name[len("parameters."):]
            if name not in scenario.parameters:
                known = ", ".join(uncertain) or "none"
                raise InputError(f"no parameter {name!r} (parameters with a range or prior: {known})", key="--param")
            if name in fixed:
                raise InputError(f"{name} is fixed at its [welfare] value by --welfare", key="--param")
            if name not in uncertain:
                raise InputError(f"{name} has no range or prior to draw from", key="--param")
            if name in chosen:
                raise InputError(f"{name} is given twice", key="--param")
            chosen.append(name)
        drawn = [uncertain[n] for n in chosen]
    else:
        drawn = list(uncertain.values())
    ranged = [p for p in uncertain.values() if p.range is not None and p.range[1] > p.range[0]]
    return document, scenario, drawn, ranged


def _job(document, source, names) -> tuple[str, SweepJob]:
    job = SweepJob(document=document, source=source, paths=tuple(f"parameters.{n}" for n in names),
                   metrics=("self_enforcing",), strategies=(), reps=1, seed=0, replicates=1)
    key = "robust-" + hashlib.sha256(json.dumps([document, list(names)], sort_keys=True, default=str)
                                     .encode()).hexdigest()[:24]
    return key, job


# ----------------------------------------------------------------------------- workers
_WORKER: dict[str, Any] = {}


def _conclusions(key: str, job: SweepJob, threat) -> StageConclusions:
    """This process's conclusions of the job ``key`` with ``threat`` (built once, then reused)."""
    ident = (key, repr(threat))
    if _WORKER.get("ident") != ident:
        _WORKER.update(ident=ident, conclusions=StageConclusions(evaluator(key, job), threat))
    return _WORKER["conclusions"]


def _init_process(key, job, threat) -> None:
    _conclusions(key, job, threat)


def _run_chunk(index: int, lo: int, values: np.ndarray, model: StageConclusions | None = None):
    raw = (model or _WORKER["conclusions"]).evaluate(values)
    raw["point"] = raw["point"] + lo
    return index, raw


def _chunks(points: np.ndarray, model: StageConclusions, key, job, threat, workers: int, progress):
    tasks = [(i, lo, points[lo:lo + CHUNK_DRAWS]) for i, lo in enumerate(range(0, len(points), CHUNK_DRAWS))]
    done = 0
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield _run_chunk(*task, model=model)
            done += len(task[2])
            if progress is not None:
                progress(done, len(points))
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_process,
                             initargs=(key, job, threat)) as pool:
        futures = [pool.submit(_run_chunk, *task) for task in tasks]
        for fut, task in zip(futures, tasks):
            yield fut.result()
            done += len(task[2])
            if progress is not None:
                progress(done, len(points))


# ----------------------------------------------------------------------------- statistics
def wilson_interval(successes: int, n: int, z: float = _Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (Wilson 1927); conservative for a Latin hypercube."""
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def drivers(x: np.ndarray, y: np.ndarray) -> tuple[float | None, float | None]:
    """Spearman rank correlation of ``x`` with the 0/1 ``y``, and the AUC of ``x`` for ``y``.

    AUC = (sum of the ranks of ``x`` where ``y`` holds − n₁(n₁+1)/2) / (n₁ n₀) (Mann–Whitney,
    ties counted half). ``None`` where undefined (``y`` or ``x`` constant).
    """
    from scipy.stats import rankdata

    y = np.asarray(y, dtype=bool)
    n1 = int(y.sum())
    n0 = len(y) - n1
    if n1 == 0 or n0 == 0:
        return None, None
    r = rankdata(x)
    auc = float((r[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))
    if np.ptp(r) == 0:
        return None, auc
    rho = float(np.corrcoef(r, y.astype(float))[0, 1])
    return rho, auc


# ----------------------------------------------------------------------------- the result
@dataclass(frozen=True, eq=False)
class RobustnessResult:
    """Conclusions of a scenario as probabilities over its parameters' priors."""

    scenario: str
    source: str
    payoffs: str  # "political" (the file's values) or "welfare"
    parameters: tuple[DrawnParameter, ...]
    conclusions: tuple[str, ...]
    probability: np.ndarray  # (K,)
    at_base: np.ndarray  # (K,) bool
    drivers: Mapping[str, list[dict]]
    knife_edges: list[dict] | None
    draws: np.ndarray  # (N, P): the drawn values
    table: np.ndarray  # (N, K) bool
    seed: int
    method: str = "Latin hypercube over the priors (truncated to the ranges); pure stage equilibria"
    notes: tuple[str, ...] = field(default=())

    def interval(self, k: int) -> tuple[float, float]:
        """95% Wilson interval of conclusion ``k``'s probability."""
        return wilson_interval(int(self.table[:, k].sum()), len(self.table))

    def to_dict(self) -> dict:
        """Stable JSON: ``conclusions``, ``drivers``, ``knife_edges``, ``draws``, ``seed``, ``parameters``, ..."""
        return {
            "scenario": self.scenario,
            "payoffs": self.payoffs,
            "method": self.method,
            "conclusions": {c: float(p) for c, p in zip(self.conclusions, self.probability)},
            "intervals": {c: list(self.interval(k)) for k, c in enumerate(self.conclusions)},
            "at_base": {c: bool(b) for c, b in zip(self.conclusions, self.at_base)},
            "drivers": {c: list(self.drivers[c]) for c in self.conclusions},
            "knife_edges": self.knife_edges,
            "draws": int(len(self.table)),
            "seed": int(self.seed),
            "parameters": {p.name: p.to_dict() for p in self.parameters},
            "notes": list(self.notes),
        }

    def to_csv(self) -> str:
        """The draws table: one row per draw, the parameter values and each conclusion as 0/1."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["draw", *(p.name for p in self.parameters), *self.conclusions])
        for k in range(len(self.table)):
            writer.writerow([k, *(repr(float(v)) for v in self.draws[k]), *(int(b) for b in self.table[k])])
        return buf.getvalue()


def robustness(
    source: str,
    *,
    params: Sequence[str] | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int = 0,
    welfare: bool = False,
    threat: tuple[int, Any, Any] | None = None,
    workers: int = 1,
    knife: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> RobustnessResult:
    """Draw the uncertain parameters of the scenario file ``source`` and report its conclusions.

    Parameters
    ----------
    params : names of the parameters to draw (default: every one with a range or a prior).
    draws : Latin hypercube points; ``seed`` draws them.
    welfare : use the ``[welfare]`` values (those parameters are then fixed, not drawn).
    threat : ``(threatener, trigger, response)`` for ``threat_credible`` and ``threat_deters``.
    workers : local processes; the result is the same for any number.
    knife : also find knife edges (:mod:`sim.empirics.knife`).
    progress : called with ``(draws done, draws)`` after each chunk.
    """
    for name, value, low, high in (("--draws", draws, 1, MAX_DRAWS), ("--seed", seed, 0, 2**63 - 1),
                                   ("--workers", workers, 1, 1024)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
            raise InputError(f"must be an integer in [{low}, {high:,}], got {value!r}", key=name)
    document, scenario, drawn, ranged = _setup(source, welfare=welfare, params=params)
    if not drawn:
        raise InputError("no parameter has a range or a prior to draw from", file=source, key="parameters")
    notes = []
    if is_dynamic(scenario):
        notes.append("a game with state: the conclusions are about the stage game of the initial state")
    columns = list(dict.fromkeys([p.name for p in drawn] + [p.name for p in ranged]))
    key, job = _job(document, source, columns)
    model = _conclusions(key, job, threat)
    paths = number_paths(model.ev.scenario)
    axes = [Axis(paths[f"parameters.{p.name}"], f"{p.name}={p.prior.text}", low=0.0, high=1.0) for p in drawn]
    u = make_design(axes, ("lhs", int(draws)), int(seed)).points
    base = np.array([model.ev.scenario.parameters[n].value for n in columns], dtype=float)
    points = np.repeat(base[None, :], int(draws), axis=0)
    for a, p in enumerate(drawn):
        points[:, columns.index(p.name)] = p.prior.ppf(u[:, a])
    pieces = dict(_chunks(points, model, key, job, threat, int(workers), progress))
    raw = {k: np.concatenate([pieces[i][k] for i in sorted(pieces)]) for k in pieces[0]}
    counts = np.bincount(raw["cell"].astype(np.int64), minlength=model.shape[0] * model.shape[1])
    common = [int(c) for c in np.argsort(-counts, kind="stable") if counts[c] >= MIN_SHARE * draws and counts[c] > 0]
    model.cells = {f"equilibrium.{model.label(c)}": c for c in common}
    names = [*model.cells, *model.flag_names()]
    table = conclusion_table(raw, names, model.cells, int(draws))
    at_base = model.matrix(base[None, :], names)[0]
    drawn_values = points[:, [columns.index(p.name) for p in drawn]]
    driver_items = {}
    for k, name in enumerate(names):
        items = []
        for a, p in enumerate(drawn):
            rho, auc = drivers(drawn_values[:, a], table[:, k])
            items.append({"parameter": p.name, "spearman": rho, "auc": auc})
        items.sort(key=lambda d: 1.0 if d["auc"] is None else -abs(d["auc"] - 0.5))  # undefined last
        driver_items[name] = items
    edges = None
    if knife:
        ranges = [next((p.range for p in ranged if p.name == n), None) for n in columns]
        edges = knife_edges(lambda pts: model.matrix(pts, names), base, ranges, columns, names)
    return RobustnessResult(
        scenario=scenario.meta.name, source=source, payoffs="welfare" if welfare else "political",
        parameters=tuple(drawn), conclusions=tuple(names), probability=table.mean(axis=0), at_base=at_base,
        drivers=driver_items, knife_edges=edges, draws=drawn_values, table=table, seed=int(seed), notes=tuple(notes))


# ----------------------------------------------------------------------------- knife edges of solve and thresholds
def stage_knife_edges(source: str, *, conclusions: str = "equilibria", welfare: bool = False,
                      cooperative: tuple[int, int] | None = None) -> tuple[list[dict], dict[str, bool]] | None:
    """Knife edges of ``solve`` (``conclusions="equilibria"``: the pure equilibrium set) or of
    ``thresholds`` (``"self_enforcing"``: the truce per player) along every parameter with a range.

    Returns ``(items, conclusion at the base values)``, or ``None`` for a game with state or a
    scenario whose parameters have no range (nothing to check).
    """
    document, scenario, _, ranged = _setup(source, welfare=welfare, params=None)
    if not ranged or is_dynamic(scenario):
        return None
    columns = [p.name for p in ranged]
    key, job = _job(document, source, columns)
    ev = PointEvaluator(job)
    if cooperative is not None:
        ev.cooperative = tuple(cooperative)
    model = StageConclusions(ev)
    if conclusions == "equilibria":
        names = ["base_equilibrium"]
    else:
        names = [f"self_enforcing.{pid}" for pid in ev.player_ids]
    base = np.array([p.base for p in ranged], dtype=float)
    at_base = model.matrix(base[None, :], names)[0]
    items = knife_edges(lambda pts: model.matrix(pts, names), base, [p.range for p in ranged], columns, names)
    return items, {n: bool(b) for n, b in zip(names, at_base)}


def knife_edge_sentence(item: Mapping[str, Any], at_base: Mapping[str, bool]) -> str:
    """One line: ``the stage equilibrium changes if import_elast moves from 3 to 3.05 (2% of its range)``."""
    name = item["conclusion"]
    holds = at_base.get(name)
    if name == "base_equilibrium":
        what = "the stage equilibrium changes"
    elif name.startswith("equilibrium."):
        what = f"[{name[len('equilibrium.'):]}] {'stops being' if holds else 'becomes'} a pure equilibrium"
    elif name.startswith("self_enforcing."):
        pid = name[len("self_enforcing."):]
        who = "for both sides" if pid == "both" else f"for {pid}"
        what = f"the truce {'stops being' if holds else 'becomes'} self-enforcing {who}"
    elif name == "threat_credible":
        what = f"the threat {'stops being' if holds else 'becomes'} credible"
    elif name == "threat_deters":
        what = f"the threat {'stops deterring' if holds else 'starts to deter'}"
    else:
        what = f"{name} flips"
    share = abs(item["distance"]) * 100
    pct = f"{share:.1f}%" if share < 1 else f"{share:.0f}%"
    return f"{what} if {item['parameter']} moves from {item['base']:.4g} to {item['flips_at']:.3g} ({pct} of its range)"
