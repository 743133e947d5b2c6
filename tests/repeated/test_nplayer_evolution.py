"""N-population evolution: closed forms, the two-population case, Moran fixation, seeds, bad input, the CLI hook."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from sim.cli.nplayer_evolve import evolve_nplayer
from sim.errors import InputError
from sim.model.nplayer import NormalFormGame
from sim.repeated.evolution import moran_fixation_probability
from sim.repeated.evolution_two import replicator_two
from sim.repeated.nplayer_evolution import (
    moran_n,
    replicator_n,
    seat_fitness,
    seat_payoffs,
)
from sim.repeated.nplayer_tournament import round_robin
from tests.nplayer_games import public_goods as shared_public_goods


def public_goods(n: int, r: float, ids=None) -> NormalFormGame:
    return shared_public_goods(n, r, actions=("give", "keep"), player_ids=ids, name="public goods", units="bn USD")


PAIR = ["always_cooperate", "always_defect"]


def test_seat_fitness_is_the_multilinear_sum_by_brute_force():
    rng = np.random.default_rng(5)
    N, k = 3, 3
    T = rng.normal(size=(N,) + (k,) * N)
    X = rng.dirichlet(np.ones(k), size=(4, N))  # a batch of 4 states
    F = seat_fitness(T, X)
    for b in range(4):
        for p in range(N):
            for s in range(k):
                want = 0.0
                for prof in itertools.product(range(k), repeat=N):
                    if prof[p] != s:
                        continue
                    w = np.prod([X[b, j, prof[j]] for j in range(N) if j != p])
                    want += w * T[p][prof]
                assert F[b, p, s] == pytest.approx(want, abs=1e-12)


def test_tensor_from_the_tournament_is_the_stage_game():
    g = public_goods(3, 2.0)
    t = round_robin(g, PAIR, rounds=10, replicates=2, seed=1)
    T, names, ids = seat_payoffs(t)
    assert names == tuple(PAIR) and ids == ("p1", "p2", "p3")
    # constant strategies: seat k's mean payoff per round is the stage payoff of the profile
    assert np.allclose(T, np.stack(g.payoffs))


def test_a_strictly_dominant_strategy_takes_over_every_seat():
    # in a public-goods game with r < n keeping is strictly dominant for every player
    g = public_goods(3, 2.0, ids=["us", "china", "brazil"])
    t = round_robin(g, PAIR, rounds=10, replicates=1, seed=2)
    r = replicator_n(t, initial=[[0.9, 0.1], [0.5, 0.5], [0.99, 0.01]], t_max=60)
    assert r.shares.shape == (201, 3, 2)
    assert np.allclose(r.shares.sum(axis=2), 1.0)
    assert np.allclose(r.final[:, 1], 1.0, atol=1e-6)
    # the defector's advantage is the constant 1 - r/n = 1/3 in every seat, so the log-odds grow linearly
    odds = np.log(r.shares[:, 0, 1] / r.shares[:, 0, 0])
    assert np.allclose(odds - odds[0], r.times / 3, atol=1e-5)
    d = r.to_dict()
    assert d["populations"] == 3 and set(d["final"]) == {"us", "china", "brazil"}
    # the same on a random 4-player array where strategy 2 strictly dominates in every seat
    rng = np.random.default_rng(3)
    T = rng.normal(size=(4,) + (3,) * 4)
    for p in range(4):
        idx = [slice(None)] * 4
        idx[p] = 2
        T[p][tuple(idx)] = T[p].max() + 0.5
    r4 = replicator_n(T, t_max=80)
    assert np.allclose(r4.final[:, 2], 1.0, atol=1e-6)


def test_two_seats_equal_the_two_population_replicator():
    rng = np.random.default_rng(11)
    T = rng.normal(size=(2, 4, 4))
    x0 = rng.dirichlet(np.ones(4), size=2)
    a = replicator_n(T, initial=x0, t_max=30)
    # replicator_two's role payoffs: payoff[1][b, a] is the column side's payoff of b against a
    b = replicator_two(np.stack([T[0], T[1].T]), initial=x0, t_max=30)
    assert np.allclose(a.times, b.times)
    assert np.allclose(a.shares, b.shares, rtol=0, atol=1e-10)
    # and from a two-player game played through the N-player engine
    g = NormalFormGame.from_arrays([[[3, 0], [5, 1]], [[3, 5], [0, 1]]], actions=[("C", "D")] * 2)
    t = round_robin(g, ["tit_for_tat", "always_defect", "grim_trigger"], rounds=20, replicates=1, seed=4)
    Tg = seat_payoffs(t)[0]
    a = replicator_n(t, t_max=20)
    b = replicator_two(np.stack([Tg[0], Tg[1].T]), t_max=20)
    assert np.allclose(a.shares, b.shares, rtol=0, atol=1e-10)


def test_one_population_in_a_symmetric_game_is_every_seat_alike():
    g = public_goods(3, 2.4)
    t = round_robin(g, ["tit_for_tat", "always_defect", "always_cooperate"], rounds=30, replicates=1, seed=6)
    x = np.array([0.5, 0.2, 0.3])
    one = replicator_n(t, initial=x, one_population=True, t_max=40)
    each = replicator_n(t, initial=[x, x, x], t_max=40)
    assert one.shares.shape == (201, 1, 3) and one.populations == ("all",)
    assert np.allclose(one.shares[:, 0], each.shares[:, 0], atol=1e-7)
    assert np.allclose(each.shares[:, 0], each.shares[:, 2], atol=1e-7)


def test_neutral_mutant_fixes_with_probability_one_over_population():
    g = public_goods(3, 2.0)
    T = np.stack(g.payoffs)
    # selection 0: every strategy has fitness 1 whatever the payoffs
    m = moran_n(T, population=10, initial=[[9, 1], [10, 0], [0, 10]], selection=0.0, replicates=3000,
                max_steps=50_000, seed=7)
    lo, hi = m.fixation_interval[0, 1]
    assert lo <= 0.1 <= hi
    assert (m.fixation[:, 0] >= 0).all()  # every run fixed in the seat that could move
    assert (m.fixation[:, 1] == 0).all() and (m.fixation[:, 2] == 1).all()
    # all payoffs equal: neutral under the exp map too
    m2 = moran_n(np.zeros((3, 2, 2, 2)), population=8, initial={1: [7, 1], 0: [8, 0], 2: [8, 0]},
                 replicates=3000, max_steps=50_000, seed=8)
    lo, hi = m2.fixation_interval[1, 1]
    assert lo <= 1 / 8 <= hi


def test_a_fitter_mutant_fixes_as_the_closed_form_says():
    # the defector's advantage in a public-goods seat is 1 - r/n whatever the others do, so its
    # relative fitness exp(w (1 - r/n)) is constant: Nowak (2006), eq. 6.13
    g = public_goods(3, 2.0)
    T = np.stack(g.payoffs)
    w, N = 0.6, 12
    m = moran_n(T, population=N, initial=[[N, 0], [N - 1, 1], [N, 0]], selection=w, replicates=3000,
                max_steps=50_000, seed=9)
    want = moran_fixation_probability(float(np.exp(w / 3)), N)
    lo, hi = m.fixation_interval[1, 1]
    assert lo <= want <= hi and 0.15 < want < 0.25
    d = m.to_dict()
    assert d["populations"] == 3 and d["fixation_probability"]["p2"]["s1"] == pytest.approx(
        m.fixation_probability[1, 1])
    assert d["interval"].startswith("95% Wilson")


def test_moran_is_reproducible_with_a_seed():
    rng = np.random.default_rng(1)
    T = rng.normal(size=(3, 3, 3, 3))
    kw = dict(population=20, selection=2.0, replicates=50, max_steps=3000)
    a, b = moran_n(T, seed=12, **kw), moran_n(T, seed=12, **kw)
    c = moran_n(T, seed=13, **kw)
    assert np.array_equal(a.fixation, b.fixation) and np.array_equal(a.mean_shares, b.mean_shares)
    assert np.array_equal(a.final_counts, b.final_counts)
    assert not np.array_equal(a.mean_shares, c.mean_shares)
    assert a.seed == 12 and a.to_dict()["seed_key"] == 12
    # mutation keeps every run going to max_steps; counts stay in each population
    mu = moran_n(T, seed=3, mutation=0.05, population=10, replicates=5, max_steps=200)
    assert len(mu.mean_shares) == 201 and (mu.final_counts.sum(axis=2) == 10).all()


@pytest.mark.parametrize("call, match", [
    (lambda T: moran_n(T, population=1), "population must be an integer >= 2"),
    (lambda T: moran_n(T, population=2.5), "population must be an integer >= 2"),
    (lambda T: moran_n(T, selection=-1), "selection must be >= 0"),
    (lambda T: moran_n(T, fitness_map="square"), "fitness_map"),
    (lambda T: moran_n(T, mutation=2), "probability"),
    (lambda T: replicator_n(T, initial=[[1, 0]] * 2), "initial must give 2 numbers for each of the 3"),
    (lambda T: replicator_n(T, initial=[[1, -1]] * 3), "non-negative"),
    (lambda T: replicator_n(T, t_max=0), "t_max must be positive"),
    (lambda T: replicator_n(T[:, 0]), "shape"),
    (lambda T: replicator_n(T, strategies=["a"]), "one name per strategy"),
    (lambda T: replicator_n(np.full_like(T, np.nan)), "non-finite"),
])
def test_bad_input_is_one_line(call, match):
    T = np.zeros((3, 2, 2, 2))
    with pytest.raises(InputError, match=match) as err:
        call(T)
    assert "\n" not in str(err.value)


def test_a_tournament_without_self_play_is_refused():
    g = public_goods(3, 2.0)
    t = round_robin(g, ["always_cooperate", "always_defect", "tit_for_tat"], rounds=5, replicates=1,
                    self_play=False, seed=1)
    with pytest.raises(InputError, match="self-play"):
        replicator_n(t)


# ----------------------------------------------------------------------------- the CLI hook
@pytest.fixture
def game() -> NormalFormGame:
    return public_goods(3, 2.0, ids=["us", "china", "brazil"])


def test_cli_json_replicator(game, capsys):
    evo = evolve_nplayer(game, PAIR, method="replicator", rounds=10, reps=1, seed=3, fmt="json", t_max=30,
                         invocation=lambda key: {"seed_key": key})
    out = json.loads(capsys.readouterr().out)
    assert out["populations"] == 3 and out["seed"] == 3 and out["invocation"] == {"seed_key": 3}
    assert out["replicator"]["final"]["brazil"]["always_defect"] == pytest.approx(evo.final[2, 1])
    assert out["replicator"]["final"]["us"]["always_defect"] > 0.99
    assert set(out["tournament"]) == {"ranking", "mean_payoff", "seat_score", "units", "setup"}


def test_cli_text_and_csv_moran(game, capsys):
    evo = evolve_nplayer(game, PAIR, method="moran", rounds=10, reps=1, seed=3, fmt="text", population=10,
                         steps=2000, runs=40, selection=1.0)
    out = capsys.readouterr().out
    assert "public goods (3 players): moran over 2 strategies, 3 populations, one per seat" in out
    assert "95% Wilson interval" in out and "brazil" in out
    assert evo.seed_key == 4  # the tournament's seed key + 1, as the two-player evolve
    evolve_nplayer(game, PAIR, method="moran", rounds=10, reps=1, seed=3, fmt="csv", population=10, steps=50,
                   runs=5)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("step,us:always_cooperate,us:always_defect,china:always_cooperate,china:always_defect,"
                        "brazil:always_cooperate,brazil:always_defect")


@pytest.mark.parametrize("kw, match", [
    (dict(specs=["always_cooperate", "no_such_strategy"]), "no_such_strategy"),
    (dict(method="moran", population=1), "population must be an integer >= 2"),
    (dict(method="lotka"), "method must be replicator or moran"),
    (dict(fmt="xml"), "format must be"),
])
def test_cli_bad_input_is_one_line(game, kw, match):
    args = dict(specs=PAIR, method="replicator", rounds=5, reps=1, seed=1, fmt="text")
    args.update(kw)
    specs = args.pop("specs")
    with pytest.raises(InputError, match=match) as err:
        evolve_nplayer(game, specs, **args)
    assert "\n" not in str(err.value)


def test_cli_start_and_mutant(game, capsys):
    evo = evolve_nplayer(game, PAIR, method="replicator", rounds=5, reps=1, seed=1, fmt="text", t_max=5,
                         start=["china:always_cooperate=3,china:always_defect=1"])
    assert np.allclose(evo.initial, [[0.5, 0.5], [0.75, 0.25], [0.5, 0.5]])
    capsys.readouterr()
    # one defector among brazil's cooperators: the closed form of the public-goods test above
    evo = evolve_nplayer(game, PAIR, method="moran", rounds=5, reps=1, seed=1, fmt="json", population=12,
                         steps=20_000, runs=2000, selection=0.6, mutant="brazil:always_defect")
    out = json.loads(capsys.readouterr().out)
    assert evo.initial_counts.tolist() == [[12, 0], [12, 0], [11, 1]]
    rec = out["mutant"]
    assert rec["side"] == "brazil" and rec["runs"] == 2000 and rec["neutral"] == pytest.approx(1 / 12)
    lo, hi = rec["fixation_interval"]
    assert lo <= moran_fixation_probability(float(np.exp(0.6 / 3)), 12) <= hi
    one = evolve_nplayer(game, PAIR, method="moran", rounds=5, reps=1, seed=1, fmt="text", population=10,
                         steps=5000, runs=20, mutant="always_defect", one_population=True)
    assert one.populations == ("all",) and one.initial_counts.tolist() == [[9, 1]]
    assert "one always_defect mutant: took over in" in capsys.readouterr().out
    with pytest.raises(InputError, match="add --method moran"):
        evolve_nplayer(game, PAIR, method="replicator", rounds=5, reps=1, seed=1, mutant="always_defect")
    with pytest.raises(InputError, match="not one of the strategies"):
        evolve_nplayer(game, PAIR, method="replicator", rounds=5, reps=1, seed=1, start=["us:tit_for_tat=1"])
