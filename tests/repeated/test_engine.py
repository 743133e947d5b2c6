"""The match engine against published scores, hand counts, closed forms and a scalar oracle."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from sim.errors import InputError
from sim.model.game import StageGame
from sim.repeated.engine import MAX_PATH_CELLS, play
from sim.repeated.settings import MAX_REPLICATES, MAX_ROUNDS

DATA = Path(__file__).resolve().parents[1] / "data" / "axelrod_pd_200_turns.csv"
R_, S_, T_, P_ = 3, 0, 5, 1


@pytest.fixture(scope="module")
def pd_game():
    return StageGame.from_matrices([[R_, S_], [T_, P_]], [[R_, T_], [S_, P_]], actions=(("C", "D"), ("C", "D")),
                                   cooperative=(0, 0))


def _rows():
    with DATA.open() as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------- a scalar oracle (one match, one turn at a time)
def _oracle_move(name: str, me: list[str], opp: list[str]) -> str:
    t = len(me)
    if name == "always_cooperate":
        return "C"
    if name == "always_defect":
        return "D"
    if name == "tit_for_tat":
        return "C" if t == 0 else opp[-1]
    if name == "suspicious_tit_for_tat":
        return "D" if t == 0 else opp[-1]
    if name == "grim_trigger":
        return "D" if "D" in opp else "C"
    if name == "tit_for_two_tats":
        return "D" if opp[-2:] == ["D", "D"] else "C"
    if name == "win_stay_lose_shift":
        if t == 0:
            return "C"
        won = (me[-1], opp[-1]) in (("C", "C"), ("D", "C"))
        return me[-1] if won else ("D" if me[-1] == "C" else "C")
    if name == "alternator":
        return "C" if t % 2 == 0 else "D"
    raise KeyError(name)


_PAY = {("C", "C"): (R_, R_), ("C", "D"): (S_, T_), ("D", "C"): (T_, S_), ("D", "D"): (P_, P_)}


def _oracle_match(a: str, b: str, turns: int) -> tuple[int, int]:
    ha: list[str] = []
    hb: list[str] = []
    sa = sb = 0
    for _ in range(turns):
        x, y = _oracle_move(a, ha, hb), _oracle_move(b, hb, ha)
        ha.append(x)
        hb.append(y)
        pa, pb = _PAY[(x, y)]
        sa += pa
        sb += pb
    return sa, sb


CLASSIC8 = sorted({r["player_1"] for r in _rows()})


# ---------------------------------------------------------------- published scores
@pytest.mark.parametrize("row", _rows(), ids=lambda r: f"{r['player_1']}-vs-{r['player_2']}")
def test_axelrod_reference_200_turns(pd_game, row):
    result = play(pd_game, (row["player_1"], row["player_2"]), rounds=int(row["turns"]), seed=0)
    assert tuple(result.total[0]) == (int(row["score_1"]), int(row["score_2"]))


@pytest.mark.parametrize(
    "pair, expected",
    [(("tit_for_tat", "always_defect"), (199, 204)), (("tit_for_tat", "tit_for_tat"), (600, 600))],
    ids=["tft-vs-alld", "tft-vs-tft"],
)
def test_published_facts(pd_game, pair, expected):
    assert tuple(play(pd_game, pair, rounds=200).total[0]) == expected


# ---------------------------------------------------------------- any number of turns
@pytest.mark.parametrize("turns", [1, 2, 7, 63], ids=lambda t: f"{t}turns")
def test_all_pairs_match_scalar_oracle(pd_game, turns):
    for a in CLASSIC8:
        for b in CLASSIC8:
            got = tuple(int(x) for x in play(pd_game, (a, b), rounds=turns).total[0])
            assert got == _oracle_match(a, b, turns), (a, b, turns)


@pytest.mark.parametrize(
    "pair, turns, expected",
    [
        (("tit_for_tat", "alternator"), 7, (3 + 5 * 3, 3 + 5 * 3)),
        (("tit_for_tat", "alternator"), 63, (3 + 5 * 31, 3 + 5 * 31)),
        (("tit_for_tat", "always_defect"), 7, (6, 5 + 6)),
        (("tit_for_tat", "always_defect"), 63, (62, 5 + 62)),
        (("grim_trigger", "alternator"), 7, (3 + 0 + 5 * 3 + 1 * 2, 3 + 5 + 0 + 1 * 2)),
        (("grim_trigger", "alternator"), 63, (3 + 5 * 31 + 30, 3 + 5 + 30)),
        (("always_defect", "win_stay_lose_shift"), 7, (5 + 1 + 5 + 1 + 5 + 1 + 5, 0 + 1 + 0 + 1 + 0 + 1 + 0)),
    ],
    ids=["tft-alt-7", "tft-alt-63", "tft-alld-7", "tft-alld-63", "grim-alt-7", "grim-alt-63", "alld-wsls-7"],
)
def test_hand_counts(pd_game, pair, turns, expected):
    assert tuple(int(x) for x in play(pd_game, pair, rounds=turns).total[0]) == expected


# ---------------------------------------------------------------- discounting, horizons, summaries
def test_discounted_payoff_closed_form(pd_game):
    res = play(pd_game, ("tit_for_tat", "tit_for_tat"), rounds=30, discount=0.9)
    assert res.discounted[0, 0] == pytest.approx(3 * (1 - 0.9**30) / (1 - 0.9))
    res = play(pd_game, ("tit_for_tat", "always_defect"), rounds=30, discount=(0.5, 0.8))
    assert res.discounted[0, 0] == pytest.approx(0 + sum(0.5**t for t in range(1, 30)))
    assert res.discounted[0, 1] == pytest.approx(5 + sum(0.8**t for t in range(1, 30)))


def test_continuation_probability_mean_length(pd_game):
    w = 0.9
    res = play(pd_game, ("tit_for_tat", "tit_for_tat"), continuation=w, replicates=20000, seed=7, paths=False)
    assert res.length.min() >= 1
    se = np.sqrt(w) / (1 - w) / np.sqrt(len(res.length))
    assert abs(res.length.mean() - 1 / (1 - w)) < 4 * se
    assert np.allclose(res.total[:, 0], 3 * res.length)


def test_continuation_paths_marked_after_end(pd_game):
    res = play(pd_game, ("alternator", "tit_for_tat"), continuation=0.5, replicates=50, seed=3, max_rounds=40)
    for r in range(50):
        L = res.length[r]
        assert (res.actions[r, :L] >= 0).all() and (res.actions[r, L:] == -1).all()
    pay = res.payoffs()
    assert np.allclose(np.nansum(pay, axis=1), res.total)


def test_summary_and_breakdown(pd_game):
    res = play(pd_game, ("tit_for_tat", "alternator"), rounds=10)
    s = res.summary()
    assert s["breakdown_share"] == 1.0 and s["first_breakdown_median"] == 1.0
    assert s["cooperation_rate"] == pytest.approx(0.1)
    res = play(pd_game, ("tit_for_tat", "tit_for_tat"), rounds=10)
    assert res.first_breakdown[0] == -1 and res.summary()["first_breakdown_mean"] is None
    json.dumps(res.to_dict(paths=True))


def test_paths_levels_and_frame(pd_game):
    res = play(pd_game, ("alternator", "always_defect"), rounds=4, replicates=2)
    assert res.actions.shape == (2, 4, 2)
    assert res.levels(0)[0, :, 0].tolist() == [0, 1, 0, 1]
    frame = res.to_frame()
    assert len(frame) == 8 and {"row_action", "col_action", "row_payoff", "row_action"} <= set(frame.columns)
    cum = res.cumulative_discounted()
    assert cum.shape == (2, 4, 2) and np.allclose(cum[:, -1], res.discounted)


def test_no_paths_keeps_summaries(pd_game):
    res = play(pd_game, ("random", "tit_for_tat"), rounds=20, replicates=30, seed=1, paths=False)
    assert res.actions is None
    with pytest.raises(InputError):
        res.payoffs()
    ref = play(pd_game, ("random", "tit_for_tat"), rounds=20, replicates=30, seed=1)
    assert np.array_equal(res.total, ref.total)


# ---------------------------------------------------------------- noise
def test_full_implementation_noise_flips_every_move(pd_game):
    res = play(pd_game, ("always_cooperate", "always_cooperate"), rounds=20, noise=1.0, seed=1)
    assert (res.actions[0] == 1).all()


def test_perception_noise_rate(pd_game):
    # TFT answers a cooperator's misread move with D: each round after the first w.p. eps
    eps, turns, reps = 0.1, 50, 4000
    res = play(pd_game, ("tit_for_tat", "always_cooperate"), rounds=turns, replicates=reps, perception_noise=eps, seed=11,
               paths=False)
    share = res.coop_rounds_player[:, 0] / turns
    expected = (1 + (turns - 1) * (1 - eps)) / turns
    assert abs(share.mean() - expected) < 4 * share.std() / np.sqrt(reps)


def _gtft_markov_share(g: float, eps: float, turns: int) -> float:
    """Expected share of CC rounds for two generous TFT players under implementation noise."""
    def intend_c(opp_last_c: bool) -> float:
        return 1.0 if opp_last_c else g

    def actual_c(p_intend: float) -> float:
        return p_intend * (1 - eps) + (1 - p_intend) * eps

    states = [(True, True), (True, False), (False, True), (False, False)]
    dist = np.zeros(4)
    p = actual_c(1.0)
    for k, (x, y) in enumerate(states):
        dist[k] = (p if x else 1 - p) * (p if y else 1 - p)
    M = np.zeros((4, 4))
    for i, (x, y) in enumerate(states):
        px, py = actual_c(intend_c(y)), actual_c(intend_c(x))
        for j, (x2, y2) in enumerate(states):
            M[i, j] = (px if x2 else 1 - px) * (py if y2 else 1 - py)
    total = 0.0
    for _ in range(turns):
        total += dist[0]
        dist = dist @ M
    return total / turns


@pytest.mark.parametrize("g, eps", [(0.1, 0.05), (0.3, 0.1), (0.0, 0.02)], ids=["g0.1-e0.05", "g0.3-e0.1", "tft-e0.02"])
def test_generous_tft_noise_matches_markov_chain(pd_game, g, eps):
    turns, reps = 100, 4000
    res = play(pd_game, (f"generous_tit_for_tat:g={g}", f"generous_tit_for_tat:g={g}"), rounds=turns, replicates=reps,
               noise=eps, seed=2024, paths=False)
    shares = res.coop_rounds / turns
    expected = _gtft_markov_share(g, eps, turns)
    assert abs(shares.mean() - expected) < 4 * shares.std() / np.sqrt(reps) + 1e-12


# ---------------------------------------------------------------- reproducibility and batching
def test_same_seed_same_result_and_chunking_invariance(pd_game):
    kw = dict(rounds=40, replicates=25, noise=0.1, perception_noise=0.05, seed=99)
    a = play(pd_game, ("generous_tit_for_tat", "random"), **kw)
    b = play(pd_game, ("generous_tit_for_tat", "random"), **kw, chunk_size=1)
    c = play(pd_game, ("generous_tit_for_tat", "random"), **kw, chunk_size=7)
    assert np.array_equal(a.actions, b.actions) and np.array_equal(a.actions, c.actions)
    d = play(pd_game, ("generous_tit_for_tat", "random"), **{**kw, "seed": 100})
    assert not np.array_equal(a.actions, d.actions)
    one = play(pd_game, ("generous_tit_for_tat", "random"), **{**kw, "replicates": 1})
    assert np.array_equal(one.actions[0], a.actions[0])


def test_generator_and_none_seeds(pd_game):
    res = play(pd_game, ("random", "random"), rounds=5, seed=np.random.default_rng(3))
    again = play(pd_game, ("random", "random"), rounds=5, seed=np.random.default_rng(3))
    assert np.array_equal(res.actions, again.actions)
    fresh = play(pd_game, ("random", "random"), rounds=5, seed=None)
    assert fresh.seed is None and isinstance(fresh.seed_key, int)
    replay = play(pd_game, ("random", "random"), rounds=5, seed=fresh.seed_key)
    assert np.array_equal(fresh.actions, replay.actions)


def test_mapping_of_strategies_by_player_id(pd_game):
    res = play(pd_game, {"col": "always_defect", "row": "tit_for_tat"}, rounds=3)
    assert res.strategies == ("tit_for_tat", "always_defect")


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "kwargs, key",
    [
        (dict(rounds=0), "rounds"),
        (dict(rounds=MAX_ROUNDS + 1), "rounds"),
        (dict(rounds=10, noise=1.5), "noise"),
        (dict(rounds=10, noise=-0.1), "noise"),
        (dict(rounds=10, perception_noise=2), "perception_noise"),
        (dict(rounds=10, replicates=0), "replicates"),
        (dict(rounds=10, replicates=MAX_REPLICATES + 1), "replicates"),
        (dict(rounds=10, continuation=0.5), "rounds"),
        (dict(continuation=1.2), "continuation"),
        (dict(), "rounds"),
        (dict(rounds=1000, replicates=MAX_PATH_CELLS // 1000 + 1), "paths"),
        (dict(rounds=10, seed=-1), "seed"),
        (dict(rounds=10, discount=1.5), "discount"),
        (dict(rounds=10, cooperative=("C", "X")), "cooperative.col"),
    ],
    ids=["zero-rounds", "too-many-rounds", "noise-high", "noise-negative", "perception", "zero-reps", "too-many-reps",
         "rounds-and-continuation", "continuation-high", "no-horizon", "paths-limit", "negative-seed", "discount",
         "coop-label"],
)
def test_bad_input(pd_game, kwargs, key):
    with pytest.raises(InputError) as exc:
        play(pd_game, ("tit_for_tat", "tit_for_tat"), **kwargs)
    assert exc.value.key == key


@pytest.mark.parametrize("strategies", [("tit_for_tat",), ("nope", "tit_for_tat"), {"row": "tit_for_tat"},
                                        {"row": "tit_for_tat", "col": "tit_for_tat", "x": "random"}],
                         ids=["one", "unknown", "missing-player", "extra-player"])
def test_bad_strategies(pd_game, strategies):
    with pytest.raises(InputError):
        play(pd_game, strategies, rounds=5)


# ---------------------------------------------------------------- the multi-lever scenario
def test_us_china_match(us_china_game):
    g = us_china_game
    res = play(g, {"us": "tit_for_tat", "china": "deadline_truce:k=4"}, rounds=12, replicates=200, noise=0.02, seed=1)
    assert res.actions.shape == (200, 12, 2)
    lv = res.levels(1)
    sizes = np.array([lever.size for lever in g.levers[1]])
    assert (lv >= 0).all() and (lv < sizes).all()
    s = res.summary()
    assert set(s["total_payoff"]) == {"us", "china"}
    assert 0.0 <= s["cooperation_rate"] <= 1.0
    json.dumps(res.to_dict(paths=True))


# ---------------------------------------------------------------- compiled kernels agree with numpy
@pytest.mark.parametrize("game_name", ["pd", "us_china"])
def test_numpy_fallback_is_bit_identical(pd_game, us_china_game, monkeypatch, game_name):
    import sim.repeated.engine as engine

    if engine.kernels() is None:
        pytest.skip("numba not installed")
    game = pd_game if game_name == "pd" else us_china_game
    kw = dict(rounds=25, replicates=40, noise=0.2, perception_noise=0.1, seed=12)
    pair = ("generous_tit_for_tat:g=0.3", "random")
    compiled = play(game, pair, **kw)
    import sim.repeated.kernels

    monkeypatch.setattr(sim.repeated.kernels, "KERNELS", None)
    plain = play(game, pair, **kw)
    assert np.array_equal(compiled.actions, plain.actions)
    assert np.allclose(compiled.total, plain.total) and np.allclose(compiled.discounted, plain.discounted)
    assert np.array_equal(compiled.first_breakdown, plain.first_breakdown)
    assert np.allclose(compiled.round_payoff, plain.round_payoff)
