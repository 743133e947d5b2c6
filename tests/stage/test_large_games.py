"""Stage analyses that scale to 1000 actions a side: the same answers as the dense methods they
replace, time budgets and memory caps honoured (a result that says so, never an exception), and
1000 x 1000 games analysed in a subprocess whose address space is capped at 3 GB."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from sim.errors import InputError
from sim.stage import commitment
from sim.stage.bargaining import (
    _frontier,
    correlated_equilibrium,
    correlated_incentives,
    kalai_smorodinsky,
    nash_bargaining,
    pareto_profiles,
)
from sim.stage.budget import Budget, budget_of
from sim.stage.commitment import stackelberg, stackelberg_mixed
from sim.stage.dominance import _mixed_dominated, iterated_dominance
from sim.stage.lp import payoff_range, solve_lp
from sim.stage.security import minmax_mixed, security_levels

ROOT = Path(__file__).resolve().parents[2]
GB = 1 << 30


def _games(seed: int, count: int, sizes=(2, 60)):
    """Seeded games of three kinds: normal payoffs, small integers (ties everywhere), and a trend
    along each player's own actions (much of the game dominated, over several rounds)."""
    rng = np.random.default_rng(seed)
    for t in range(count):
        m, n = (int(v) for v in rng.integers(*sizes, 2))
        kind = t % 3
        if kind == 0:
            A, B = rng.standard_normal((m, n)), rng.standard_normal((m, n))
        elif kind == 1:
            A, B = rng.integers(0, 3, (m, n)).astype(float), rng.integers(0, 3, (m, n)).astype(float)
        else:
            A = rng.standard_normal((m, n)) + np.linspace(0, 4, m)[:, None]
            B = rng.standard_normal((m, n)) + np.linspace(0, 4, n)[None, :]
        yield pytest.param(A, B, id=f"{['normal', 'integer', 'trend'][kind]}-{m}x{n}-{t}")


# ----------------------------------------------------------------------------- dominance
def _dense_dominance(A, B, mixed=False, tol=1e-9):
    """The all-pairs method the blockwise one replaced (an m x m x n array per player and round;
    the mixed-dominance LP on every action not dominated by a pure one)."""
    rows, cols = list(range(A.shape[0])), list(range(A.shape[1]))
    record, rnd = [], 0
    while True:
        rnd += 1
        sub = (A[np.ix_(rows, cols)], B[np.ix_(rows, cols)].T)
        kill = [[], []]
        for p, idx in ((0, rows), (1, cols)):
            U = sub[p]
            if len(idx) <= 1:
                continue
            margin = (U[None, :, :] - U[:, None, :]).min(axis=2)
            np.fill_diagonal(margin, -np.inf)
            best = margin.argmax(axis=1)
            val = margin[np.arange(len(U)), best]
            dom = {int(i): (int(best[i]), float(val[i])) for i in np.nonzero(val > tol)[0]}
            for i, (k, mg) in dom.items():
                record.append((p, idx[i], rnd, {idx[k]: 1.0}, mg))
                kill[p].append(i)
            if mixed:
                keep = [k for k in range(len(idx)) if k not in dom]
                for i in keep:
                    got = _mixed_dominated(U[keep], keep.index(i), tol)
                    if isinstance(got, tuple):
                        record.append((p, idx[i], rnd, {idx[keep[a]]: v for a, v in got[0].items()}, got[1]))
                        kill[p].append(i)
        if not kill[0] and not kill[1]:
            return (tuple(rows), tuple(cols)), record, rnd - 1
        for p, idx in ((0, rows), (1, cols)):
            idx[:] = [a for j, a in enumerate(idx) if j not in set(kill[p])]


def _same_dominance(A, B, mixed):
    surviving, record, rounds = _dense_dominance(A, B, mixed)
    got = iterated_dominance(A, B, mixed=mixed)
    assert got.complete and got.surviving == surviving and got.rounds == rounds
    assert [(e.player, e.action, e.round, e.dominated_by, e.margin) for e in got.eliminated] == record


@pytest.mark.parametrize("A, B", list(_games(11, 36, sizes=(2, 90))))
def test_blockwise_pure_dominance_equals_the_dense_method(A, B):
    _same_dominance(A, B, mixed=False)


@pytest.mark.parametrize("A, B", list(_games(12, 18, sizes=(2, 16))))
def test_pruned_mixed_dominance_equals_an_lp_for_every_action(A, B):
    _same_dominance(A, B, mixed=True)


def test_dominance_of_a_large_game_screens_without_cubic_memory():
    rng = np.random.default_rng(5)
    m = 400  # the dense method would build two 400 x 400 x 400 arrays (0.5 GB each) per round
    A = rng.standard_normal((m, m)) * 0.3 + np.linspace(0, 3, m)[:, None]
    B = rng.standard_normal((m, m)) * 0.3 + np.linspace(0, 3, m)[None, :]
    got = iterated_dominance(A, B)
    for e in got.eliminated[:200]:  # every recorded margin holds on the game
        (k,) = e.dominated_by
        U = A if e.player == 0 else B.T
        assert (U[k] - U[e.action]).min() == pytest.approx(e.margin)
    r, c = (np.array(s) for s in got.surviving)
    assert len(r) < m and len(c) < m
    assert not iterated_dominance(A[np.ix_(r, c)], B[np.ix_(r, c)]).eliminated  # nothing left to remove


def test_dominance_stops_at_its_time_budget_with_a_valid_partial_reduction():
    rng = np.random.default_rng(6)
    m = 600
    A = rng.standard_normal((m, m)) * 0.1 + np.linspace(0, 3, m)[:, None]
    B = rng.standard_normal((m, m)) * 0.1 + np.linspace(0, 3, m)[None, :]
    full = iterated_dominance(A, B)
    none = iterated_dominance(A, B, budget=Budget(1e-9))
    assert not none.complete and none.eliminated == () and "time budget" in none.notes[0]
    assert none.to_dict()["complete"] is False
    t = time.perf_counter()
    part = iterated_dominance(A, B, max_seconds=0.05)
    assert time.perf_counter() - t < 5.0
    # strict dominance is order independent: what a stopped run removed, the full run removes too
    gone = {(e.player, e.action) for e in part.eliminated}
    assert gone <= {(e.player, e.action) for e in full.eliminated}
    for p in (0, 1):
        assert set(full.surviving[p]) <= set(part.surviving[p])
    assert part.complete == (part.surviving == full.surviving)


def test_mixed_dominance_under_a_memory_cap_says_so():
    A = np.array([[3.0, 0.0], [0.0, 3.0], [1.0, 1.0]])
    B = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    got = iterated_dominance(A, B, mixed=True, budget=Budget(max_bytes=16))
    assert not got.complete and "above the limit" in got.notes[0]
    assert got.surviving == ((0, 1, 2), (0, 1))


def test_progress_is_reported_and_ends_at_one():
    calls = []
    rng = np.random.default_rng(7)
    A, B = rng.standard_normal((300, 300)), rng.standard_normal((300, 300))
    iterated_dominance(A, B, progress=lambda step, f: calls.append((step, f)))
    assert calls and all(0.0 <= f <= 1.0 for _, f in calls)
    assert calls[-1][1] == 1.0 and calls[-1][0].startswith("dominance")


# ----------------------------------------------------------------------------- budget
def test_budget_takes_the_earlier_deadline_and_checks_its_input():
    outer = Budget(100.0)
    assert 9.0 < outer.child(10.0).remaining() <= 10.0
    assert 99.0 < outer.child(None).remaining() <= 100.0
    short = Budget(0.5)
    assert short.child(10.0).remaining() <= 0.5
    assert budget_of(None, None, short).deadline == short.deadline
    assert Budget().remaining() is None and not Budget().expired()
    assert "above the limit of 1 GB" in Budget().too_big(2 * GB, "an array")
    for bad in (0, -1.0, float("nan")):
        with pytest.raises(InputError, match="max_seconds"):
            budget_of(bad)


def test_progress_calls_are_throttled():
    calls = []
    b = Budget(progress=lambda s, f: calls.append(f))
    for k in range(1000):
        b.report("step", k / 1000)
    b.report("step", 1.0)
    assert len(calls) < 10 and calls[-1] == 1.0


def test_an_lp_past_the_memory_cap_or_the_deadline_is_refused_before_it_runs():
    from sim.stage.budget import BudgetExhausted, TooLarge

    A_ub = np.ones((50, 50))
    with pytest.raises(TooLarge, match="nonzeros"):
        solve_lp(np.ones(50), A_ub=A_ub, b_ub=np.ones(50), what="test", budget=Budget(max_bytes=1000))
    late = Budget(1e-9)
    time.sleep(0.01)
    with pytest.raises(BudgetExhausted, match="time budget"):
        solve_lp(np.ones(50), A_ub=A_ub, b_ub=np.ones(50), what="test", budget=late)


# ----------------------------------------------------------------------------- security
@pytest.mark.parametrize("A, B", list(_games(21, 9, sizes=(2, 30))))
def test_one_lp_per_player_gives_both_maxmin_and_minmax(A, B):
    for p, level in enumerate(security_levels(A, B)):
        U = A if p == 0 else B.T
        value, _ = minmax_mixed(U)  # the separate minmax LP
        assert level.punish_mixed_value == pytest.approx(value, abs=1e-7 * payoff_range(U))
        assert level.mixed_value == pytest.approx(value, abs=1e-7 * payoff_range(U))  # minimax theorem
        assert (U @ level.punish_mixed_strategy).max() == pytest.approx(level.punish_mixed_value)
        assert level.complete and level.to_dict()["skipped"] is None


def test_security_out_of_time_keeps_the_pure_values_and_says_skipped():
    rng = np.random.default_rng(8)
    A, B = rng.standard_normal((700, 700)), rng.standard_normal((700, 700))
    t = time.perf_counter()
    levels = security_levels(A, B, max_seconds=0.3)
    assert time.perf_counter() - t < 10.0
    skipped = [s for s in levels if s.skipped]
    assert skipped and "time budget" in skipped[0].skipped
    d = skipped[0].to_dict()
    assert d["maxmin_mixed"]["value"] is None and d["complete"] is False
    assert d["maxmin_pure"]["value"] == pytest.approx((A if skipped[0].player == 0 else B.T).min(axis=1).max())


# ----------------------------------------------------------------------------- bargaining
def _brute_pareto(A, B):
    u = np.stack([A.ravel(), B.ravel()], axis=1)
    better = (u[None, :, :] >= u[:, None, :]).all(axis=2) & (u[None, :, :] > u[:, None, :]).any(axis=2)
    idx = np.nonzero(~better.any(axis=1))[0]
    return np.stack([idx // A.shape[1], idx % A.shape[1]], axis=1)


def _chain_over_all_points(A, B):
    """The frontier's hull built on every payoff pair (what the Pareto prefilter must not change)."""
    n = A.shape[1]
    u = np.stack([A.ravel(), B.ravel()], axis=1)
    pts, first = np.unique(u, axis=0, return_index=True)
    hull = []
    for k in range(len(pts)):
        while len(hull) >= 2:
            o, a = pts[hull[-2]], pts[hull[-1]]
            if (a[0] - o[0]) * (pts[k][1] - o[1]) - (a[1] - o[1]) * (pts[k][0] - o[0]) > 0:
                hull.pop()
            else:
                break
        hull.append(k)
    h = pts[hull]
    start = max(range(len(h)), key=lambda k: (h[k][1], h[k][0]))
    return pts[hull[start:]], [(int(first[k] // n), int(first[k] % n)) for k in hull[start:]]


@pytest.mark.parametrize("A, B", list(_games(13, 30, sizes=(1, 25))))
def test_pareto_set_and_frontier_equal_the_pairwise_definitions(A, B):
    assert np.array_equal(pareto_profiles(A, B), _brute_pareto(A, B))
    pts, prof = _frontier(A, B)
    ref_pts, ref_prof = _chain_over_all_points(A, B)
    assert np.array_equal(pts, ref_pts) and prof == ref_prof


def test_bargaining_of_a_1000_by_1000_game_is_fast():
    rng = np.random.default_rng(9)
    A, B = rng.standard_normal((1000, 1000)), rng.standard_normal((1000, 1000))
    t = time.perf_counter()
    nb = nash_bargaining((A, B), (0.0, 0.0))
    ks = kalai_smorodinsky((A, B), (0.0, 0.0))
    assert time.perf_counter() - t < 15.0
    for sol in (nb, ks):
        assert sol.gains and sum(sol.lottery.values()) == pytest.approx(1.0)
        assert sol.point == pytest.approx((sum(w * A[k] for k, w in sol.lottery.items()),
                                           sum(w * B[k] for k, w in sol.lottery.items())))


def test_a_disagreement_point_out_of_time_is_a_skipped_solution():
    rng = np.random.default_rng(10)
    A, B = rng.standard_normal((700, 700)), rng.standard_normal((700, 700))
    sol = nash_bargaining((A, B), "security", max_seconds=0.2)
    assert not sol.complete and "time budget" in sol.skipped and sol.lottery == {}
    assert sol.to_dict()["skipped"] == sol.skipped


# ----------------------------------------------------------------------------- correlated equilibrium
def test_sparse_incentives_equal_the_dense_ones():
    rng = np.random.default_rng(14)
    A, B = rng.integers(0, 3, (5, 4)).astype(float), rng.integers(0, 3, (5, 4)).astype(float)
    assert np.array_equal(correlated_incentives(A, B, sparse=True).toarray(), correlated_incentives(A, B))


@pytest.mark.parametrize("A, B", list(_games(15, 12, sizes=(2, 22))))
def test_generated_correlated_equilibrium_equals_the_whole_lp(A, B):
    whole = correlated_equilibrium((A, B), method="direct")
    gen = correlated_equilibrium((A, B), method="generation")
    assert sum(gen.payoffs) == pytest.approx(sum(whole.payoffs), abs=1e-6 * (payoff_range(A) + payoff_range(B)))
    assert gen.distribution.sum() == pytest.approx(1.0) and gen.distribution.min() >= 0
    assert gen.max_violation <= 1e-6 * max(payoff_range(A), payoff_range(B))
    assert gen.complete and "generation" in gen.method


def test_the_whole_correlated_lp_above_its_size_is_a_skip_naming_its_size():
    A = np.zeros((200, 200))
    got = correlated_equilibrium((A, A), method="direct")
    assert got.skipped == ("the correlated-equilibrium LP would have 79,600 rows x 40,000 columns "
                           "(15,920,000 nonzeros, above the limit of 5,000,000)")
    d = got.to_dict()
    assert d["complete"] is False and d["payoffs"] == {"row": None, "col": None} and d["distribution"] == []
    with pytest.raises(InputError, match="method"):
        correlated_equilibrium((A, A), method="dense")


def test_correlated_equilibrium_out_of_time_returns_what_it_has():
    rng = np.random.default_rng(1)  # at 1000 a side, no pure equilibrium near the top: many rounds
    A, B = rng.standard_normal((1000, 1000)), rng.standard_normal((1000, 1000))
    for budget in (Budget(1e-9), Budget(1.0)):
        t = time.perf_counter()
        got = correlated_equilibrium((A, B), budget=budget)
        assert time.perf_counter() - t < 15.0
        if got.skipped is None:  # the best correlated equilibrium met so far (at first the best pure equilibrium)
            assert got.max_violation <= 1e-6 * payoff_range(A) and got.distribution.sum() == pytest.approx(1.0)
        else:
            assert "time budget" in got.skipped
        assert not got.complete or budget.remaining() > 0


def test_correlated_equilibrium_past_the_memory_cap_is_skipped():
    rng = np.random.default_rng(2)
    A, B = rng.standard_normal((30, 30)), rng.standard_normal((30, 30))
    got = correlated_equilibrium((A, B), budget=Budget(max_bytes=1 << 20))
    assert got.skipped and "above the limit of 1 MB" in got.skipped


# ----------------------------------------------------------------------------- commitment
@pytest.mark.parametrize("A, B", list(_games(16, 15, sizes=(2, 40))))
def test_generated_commitment_lps_give_the_whole_lps_value(A, B, monkeypatch):
    whole = [stackelberg_mixed((A, B), leader) for leader in (0, 1)]
    monkeypatch.setattr(commitment, "WHOLE_LP_PROFILES", 0)
    for leader, ref in enumerate(whole):
        got = stackelberg_mixed((A, B), leader)
        span = payoff_range(A if leader == 0 else B)
        assert got.payoffs[leader] == pytest.approx(ref.payoffs[leader], abs=1e-7 * span)
        assert got.payoffs[leader] >= stackelberg((A, B), leader).payoffs[leader] - 1e-7 * span
        assert got.complete


def test_mixed_commitment_out_of_time_keeps_the_best_found_at_least_the_pure_one():
    rng = np.random.default_rng(17)
    A, B = rng.standard_normal((300, 300)), rng.standard_normal((300, 300))
    got = stackelberg_mixed((A, B), 0, budget=Budget(1e-9))
    pure = stackelberg((A, B), 0)
    assert not got.complete and "not proven optimal" in got.notes[0]
    assert got.payoffs[0] >= pure.payoffs[0] - 1e-9 and got.to_dict()["complete"] is False
    reply = got.leader_strategy @ B
    assert reply[got.follower_action] >= reply.max() - 1e-6 * payoff_range(B)


# ----------------------------------------------------------------------------- import cost
def test_importing_the_stage_analyses_loads_no_scipy_optimize():
    code = ("import sys\nimport sim.stage, sim.stage.dominance, sim.stage.bargaining, sim.stage.commitment, "
            "sim.stage.security, sim.stage.lp, sim.stage.correlated, sim.stage.budget\n"
            "print(sorted(m for m in sys.modules if m.startswith(('scipy.optimize', 'scipy.sparse'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# ----------------------------------------------------------------------------- 1000 x 1000, capped
CHILD = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
import numpy as np
from sim.stage.bargaining import *
from sim.stage.budget import Budget
from sim.stage.commitment import stackelberg, stackelberg_mixed, threat_check
from sim.stage.dominance import iterated_dominance
from sim.stage.security import security_levels
rng = np.random.default_rng(0)
m = 1000
if len(sys.argv) > 1:
    from sim.model.game import build_game
    from sim.model.load import load_scenario
    game = build_game(load_scenario(sys.argv[1]))
    A, B = game.A, game.B
else:
    A, B = rng.standard_normal((m, m)), rng.standard_normal((m, m))
    game = (A, B)
t = time.perf_counter()
out = {}
"""


def _capped(body: str, *args: str, timeout: float = 300.0) -> dict:
    """Run ``body`` after CHILD in a fresh interpreter capped at 3 GB of address space; it fills
    ``out``, which comes back with the seconds it took and the peak resident memory."""
    code = CHILD + textwrap.dedent(body) + (
        "\nout['seconds'] = time.perf_counter() - t"
        "\nout['peak_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024"
        "\nprint(json.dumps(out))\n")
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_1000_by_1000_game_cheap_analyses_under_3_gb():
    got = _capped("""
        dom = iterated_dominance(A, B)
        out['dominance'] = [len(s) for s in dom.surviving]
        out['pareto'] = len(pareto_profiles(A, B))
        nb = nash_bargaining(game, (0.0, 0.0)); ks = kalai_smorodinsky(game, (0.0, 0.0))
        out['gains'] = [nb.gains, ks.gains]
        out['utilitarian'] = utilitarian_optimum(game).point
        out['stackelberg'] = [stackelberg(game, p).payoffs for p in (0, 1)]
        out['threat'] = threat_check(game, 0, 1, 1, baseline=(0, 0)).credible in (True, False)
        ce = correlated_equilibrium(game, method='direct')
        out['ce_direct'] = ce.skipped
    """)
    assert got["dominance"] == [1000, 1000] and got["pareto"] >= 1 and got["gains"] == [True, True]
    assert "would have 1,998,000 rows x 1,000,000 columns" in got["ce_direct"]
    assert got["seconds"] < 20.0 and got["peak_mb"] < 2048  # the goal: a 1000-action game within 2 GB


@pytest.mark.slow
def test_a_1000_by_1000_game_lp_analyses_under_3_gb_and_their_budgets():
    got = _capped("""
        s = security_levels(A, B, max_seconds=60)
        out['security'] = [(x.mixed_value, x.punish_mixed_value, x.skipped) for x in s]
        out['t_security'] = time.perf_counter() - t
        t1 = time.perf_counter()
        ce = correlated_equilibrium(game, max_seconds=20)
        out['ce'] = [ce.complete, ce.skipped, ce.max_violation, float(ce.distribution.sum()) if ce.skipped is None else 1.0]
        out['t_ce'] = time.perf_counter() - t1
        t1 = time.perf_counter()
        sm = [stackelberg_mixed(game, p, max_seconds=20) for p in (0, 1)]
        out['mixed_commitment'] = [(x.payoffs, stackelberg(game, x.leader).payoffs, x.complete) for x in sm]
        out['t_commitment'] = time.perf_counter() - t1
        t1 = time.perf_counter()
        dm = iterated_dominance(A, B, mixed=True, max_seconds=20)
        out['mixed_dominance'] = [len(x) for x in dm.surviving]
        out['t_mixed_dominance'] = time.perf_counter() - t1
    """)
    for value, punish, skipped in got["security"]:
        if skipped is None:
            assert value == pytest.approx(punish, abs=1e-5)
    assert got["t_security"] < 70 and got["t_ce"] < 30 and got["t_commitment"] < 50 and got["t_mixed_dominance"] < 30
    complete, skipped, violation, total = got["ce"]
    assert skipped is not None or (violation <= 1e-5 and total == pytest.approx(1.0))
    for payoffs, pure, _ in got["mixed_commitment"]:
        assert max(payoffs) >= 0 and payoffs is not None and pure is not None
    assert got["mixed_dominance"] == [1000, 1000]
    assert got["peak_mb"] < 2048


@pytest.mark.slow
def test_a_scenario_of_1000_actions_a_side_analysed_under_one_budget(write_scenario):
    levers = "\n".join(f"[players.{p}.levers.{lv}]\nlevels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"
                       for p, names in (("a", "xyz"), ("b", "uvw")) for lv in names)
    path = write_scenario(f"""
[scenario]
name = "Ten-level levers"
description = "Three ten-level levers a side with interaction terms."
period = "round"
payoff_unit = "points"

[players.a]
name = "A"
discount = 0.9

[players.b]
name = "B"
discount = 0.9

{levers}

[players.a.payoff]
own = "1.3 * a.x - 0.2 * a.x ** 2 + 0.7 * a.y - 0.05 * a.y ** 2 - 0.3 * a.z"
cross = "-0.4 * b.u + 0.15 * a.x * b.v - 0.02 * a.y * b.w + 0.05 * a.z * b.u"

[players.b.payoff]
own = "0.9 * b.u - 0.1 * b.u ** 2 + 0.4 * b.v - 0.04 * b.v ** 2 + 0.2 * b.w - 0.03 * b.w ** 2"
cross = "-0.5 * a.x + 0.1 * b.u * a.y - 0.03 * b.w * a.z + 0.02 * b.v * a.x"
""", name="levers_1000.toml")
    got = _capped("""
        budget = Budget(60.0)
        dom = iterated_dominance(A, B, mixed=True, budget=budget)
        out['shape'] = list(A.shape)
        out['dominance'] = [[len(s) for s in dom.surviving], dom.complete]
        out['security'] = [x.skipped for x in security_levels(A, B, budget=budget)]
        out['bargaining'] = nash_bargaining(game, 'security', budget=budget).point
        out['commitment'] = [stackelberg_mixed(game, p, budget=budget.child(10)).complete for p in (0, 1)]
        ce = correlated_equilibrium(game, budget=budget)
        out['ce'] = [ce.complete, ce.skipped]
    """, str(path))
    assert got["shape"] == [1000, 1000]
    assert got["dominance"][0] != [1000, 1000]  # the levers' own terms make most settings dominated
    assert got["seconds"] < 75 and got["peak_mb"] < 2048
