"""Lessons 1-3: every number their prose quotes is recomputed here and looked up in the text."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tests.lessons.lesson_text import ROOT, code, guide, num, prose, says


@pytest.fixture(scope="module")
def base():
    from sim.model.game import build_game
    from sim.model.load import load_scenario

    scenario = load_scenario(ROOT / "scenarios" / "us_china_2025.toml")
    return scenario, build_game(scenario)


def _load(name):
    from sim.model.game import build_game
    from sim.model.load import load_scenario

    return build_game(load_scenario(ROOT / "scenarios" / f"{name}.toml"))


def test_no_payoff_column_is_headed_per_quarter():
    """US-China payoffs are annual rates (USD bn a year): a column of them is never headed '/quarter'."""
    for n in range(1, 7):
        assert "/quarter" not in code(n) and "payoff/quarter" not in prose(n), f"lesson {n}"


def test_lesson1(base):
    from sim.model.game import StageGame, build_game
    from sim.stage.equilibria import nash_equilibria

    scenario, game = base
    text = prose(1)
    sizes = [[len(lv.levels) for lv in game.levers[p]] for p in (0, 1)]
    says(text, f"{' × '.join(map(str, sizes[0]))} = {game.shape[0]} actions",
         f"{' × '.join(map(str, sizes[1]))} = {game.shape[1]}", f"{game.A.size:,} cells")
    (eq,) = nash_equilibria(game)
    ne = eq.support[0][0], eq.support[1][0]
    assert [len(s) for s in nash_equilibria(game).dominance.surviving] == [1, 1]  # "dominance alone solves"
    assert game.actions[0][ne[0]] == "tariff=truce, tech=affiliates rule, port_fees=$50/net ton"
    assert game.actions[1][ne[1]] == "rare_earths=October controls, soybeans=none, tariff=truce, fentanyl=lax"
    us_tariff = game.levers[0][0].levels[game.action_levels[0][ne[0]][0]]
    cn_tariff = game.levers[1][2].levels[game.action_levels[1][ne[1]][2]]
    says(text, f"post-truce tariff ({us_tariff:g}%)", f"truce tariff ({cn_tariff:g}%)")
    assert game.terms[1]["audience"][ne] == pytest.approx(0.0) and game.terms[0]["audience"][ne] < 0
    truce = game.cooperative
    assert game.A[ne] < game.A[truce] and game.B[ne] < game.B[truce]  # the dilemma
    assert game.A[:, truce[1]].max() > game.A[truce] and game.B[truce[0], :].max() > game.B[truce]
    says(guide(), f"({num(game.A[ne], 1)}, {num(game.B[ne], 1)})", f"({num(game.A[truce], 1)}, {num(game.B[truce], 1)})")
    # Exercise 1.3: the change of each term from the truce to the equilibrium.
    ch = [{t: float(M[ne] - M[truce]) for t, M in game.terms[p].items()} for p in (0, 1)]
    assert min(ch[0], key=ch[0].get) == "rare_earths" and min(ch[1], key=ch[1].get) == "tech_controls"
    says(text, f"about {num(np.trunc(ch[0]['rare_earths']))} bn a year at the October controls",
         *(f"({num(ch[0][t])})" for t in ("audience", "fentanyl", "farm_sales")),
         f"the Affiliates rule ({num(ch[1]['tech_controls'])})", f"its own controls ({num(ch[1]['rare_earths'])})",
         f"port fees ({num(ch[1]['port_fees'])})", f"(+{num(ch[1]['audience'])})")
    at_ne = {t: float(M[ne]) for t, M in game.terms[1].items()}
    assert sorted(at_ne, key=at_ne.get)[:2] == ["exporter_volume", "tech_controls"]  # "lost exports and the tech controls"
    # Exercise 1.4: a US that counts its buyers' cost in full.
    g1 = build_game(scenario, {"us_buyer_weight": 1.0})
    (e1,) = nash_equilibria(g1)
    i, j = e1.support[0][0], e1.support[1][0]
    assert g1.actions[0][i].startswith("tariff=2017") and g1.actions[1][j].startswith("rare_earths=April licensing")
    says(text, f"its 2017 level ({game.levers[0][0].levels[0]:g}%)",
         f"(about {num(g1.A[i, j])} and {num(g1.B[i, j], sign=True)} bn a year)",
         f"(about {num(g1.A[truce])} and {num(g1.B[truce])})")
    assert g1.A[i, j] > g1.A[truce] and g1.B[i, j] > g1.B[truce]
    # Exercise 1.2: dilemma, then chicken below S.
    T, R, S = 25, 15, 5
    kinds = {}
    for P in range(16):
        g = StageGame.from_matrices([[R, S], [T, P]], [[R, T], [S, P]], actions=(("C", "D"), ("C", "D")))
        kinds[P] = sorted((e.support[0][0], e.support[1][0]) for e in nash_equilibria(g) if e.is_pure)
    dilemma = [P for P in range(16) if T > R > P > S]
    says(text, f"{min(dilemma) - 1} < P < {max(dilemma) + 1}", f"P >= S = {S}")
    assert all(kinds[P] == [(0, 1), (1, 0)] for P in range(S))  # chicken: one escalates, the other backs down
    says(text, "the two pure equilibria are (C, D) and (D, C)")


def test_lesson2(base):
    from sim.repeated.engine import play
    from sim.repeated.payoff_set import feasible_ir_set
    from sim.repeated.thresholds import truce_thresholds

    _, game = base
    text = prose(2)
    tt = truce_thresholds(game)
    gain = [tt.deviation_payoff[p] - tt.cooperative_payoff[p] for p in (0, 1)]
    loss = tt.cooperative_payoff[1] - tt.nash_payoff[1]
    says(text, f"(δ* ≈ {num(tt.grim_nash[0], 2)})", f"China needs δ ≥ {num(tt.grim_nash[1], 2)}",
         f"about {num(gain[0])} bn a year from the tech rule", f"gains about {num(gain[1])} bn a year",
         f"costs it about {num(loss)} bn a year", f"δ·p ≥ {num(tt.grim_nash[1], 2)}, i.e. p ≥ "
         f"{num(tt.grim_nash[1], 2)}/0.95 ≈ {num(tt.grim_nash[1] / 0.95, 2)}",
         f"below about {num(tt.grim_nash[1] / 0.95, 2)}")
    assert tt.tit_for_tat[0] < 1 and np.isinf(tt.tit_for_tat[1])  # "against tit for tat China always gains"
    assert tt.deviation_action[1] == "rare_earths=April licensing, soybeans=none, tariff=truce, fentanyl=lax"
    says(guide(), f"The US threshold is tiny ({num(tt.grim_nash[0], 2)}) and China's is {num(tt.grim_nash[1], 2)}")
    # Deadlines: the truce lasts (1 - p^12)/(1 - p) quarters in 12, 1/(1 - p) with no end date.
    p = 0.8
    m = play(game, ("grim_trigger", f"deadline_truce:k=1,p={p}"), rounds=12, replicates=200, seed=1)
    kept = np.where(m.first_breakdown >= 0, m.first_breakdown, m.length)
    expected = (1 - p**12) / (1 - p)
    assert abs(kept.mean() - expected) < 0.3
    says(text, f"At p = {p:g} that is {1 / (1 - p):g} and {num(expected, 2)} quarters",
         f"keep it for {num(kept.mean(), 1)} on average")
    # Exercise 2.2: δ does not enter the threshold; the renewal probability it needs does.
    g75 = truce_thresholds(dataclasses.replace(game, discount=(0.85, 0.75)))
    assert g75.grim_nash[1] == pytest.approx(tt.grim_nash[1]) and g75.self_enforcing()[1]
    says(text, f"{num(tt.grim_nash[1], 2)}/0.75 ≈ {num(tt.grim_nash[1] / 0.75, 2)}")
    # Exercise 2.1 and section 1: closed forms.
    pd_ = truce_thresholds(_load("prisoners_dilemma"))
    assert pd_.grim_nash == pytest.approx((0.5, 0.5))
    says(text, f"grim needs δ ≥ 2/4 = {pd_.grim_nash[0]:g}", f"max(0.5, 2/3) ≈ {num(pd_.tit_for_tat[0], 2)}")
    g538 = truce_thresholds(_load("fivethirtyeight_trade"))
    assert g538.grim_nash == pytest.approx((2 / 3, 2 / 3)) and all(np.isinf(g538.tit_for_tat))
    # Exercise 2.3: the joint optimum inside the individually rational set.
    ps = feasible_ir_set(game)
    busan = (game.A[game.cooperative], game.B[game.cooperative])
    assert ps.contains(busan)
    ok = (game.A >= ps.minmax[0]) & (game.B >= ps.minmax[1])
    i, j = np.unravel_index(np.argmax(np.where(ok, game.A + game.B, -np.inf)), game.A.shape)
    assert game.actions[0][i] == "tariff=Sep 2018, tech=none, port_fees=suspended"
    assert game.actions[1][j] == "rare_earths=general licences, soybeans=25 MMT, tariff=2017, fentanyl=enforce"
    says(text, f"about {num(game.A[i, j], 1)} and {num(game.B[i, j], 1)} bn a year against Busan's "
               f"{num(busan[0], 1)} and {num(busan[1], 1)}",
         f"September 2018 level ({game.levers[0][0].levels[1]:g}%)", f"2017 level ({game.levers[1][2].levels[0]:g}%)")
    # Exercise 2.4: the lowest US discount factor that keeps the truce against tit for tat.
    says(text, f"down to δ ≈ {num(tt.tit_for_tat[0], 2)} per quarter")
    assert truce_thresholds(dataclasses.replace(game, discount=(tt.tit_for_tat[0] + 0.01, 0.95))).self_enforcing(
        "tit_for_tat")[0]
    assert not truce_thresholds(dataclasses.replace(game, discount=(tt.tit_for_tat[0] - 0.01, 0.95))).self_enforcing(
        "tit_for_tat")[0]


def test_lesson3_noise(base):
    from sim.repeated.engine import play

    _, game = base
    text = prose(3)
    runs = {s: play(game, (s, s), rounds=12, replicates=200, noise=0.05, seed=1)
            for s in ("tit_for_tat", "generous_tit_for_tat:g=0.3", "grim_trigger")}
    summary = {s: m.summary() for s, m in runs.items()}
    coop = {s: x["cooperation_rate"] for s, x in summary.items()}
    us = {s: x["per_round_payoff"]["us"] for s, x in summary.items()}
    cn = {s: x["per_round_payoff"]["china"] for s, x in summary.items()}
    gtft, tft, grim = "generous_tit_for_tat:g=0.3", "tit_for_tat", "grim_trigger"
    # Section 3: generosity does not delay the first slip; it shortens what follows.
    slip = 1 - (0.95**2) ** 12
    broke = {s: x["breakdown_share"] for s, x in summary.items()}
    assert round(broke[tft], 1) == round(broke[gtft], 1)
    says(text, f"0.95² ≈ {num(0.95**2, 2)}", f"about {slip:.0%} of 12-quarter runs see one",
         f"about {round(broke[gtft], 1):.0%} of runs breaking",
         f"It spends {coop[gtft]:.0%} of the quarters in the truce against tit for tat's {coop[tft]:.0%}")
    assert us[gtft] > us[tft] and cn[gtft] > cn[tft]
    # Exercise 3.3.
    kept = {s: np.where(m.first_breakdown >= 0, m.first_breakdown, m.length).mean() for s, m in runs.items()}
    assert all(6 <= k <= 7 for k in kept.values()), kept
    says(text, "after 6 to 7 quarters on average under every pair",
         f"(about {coop[gtft]:.0%} of quarters)", f"(about {coop[grim]:.0%})")
    assert max(coop, key=coop.get) == max(us, key=us.get) == max(cn, key=cn.get) == gtft
    assert min(coop, key=coop.get) == min(us, key=us.get) == grim
    assert max(cn.values()) - min(cn.values()) < (max(us.values()) - min(us.values())) / 2


def test_lesson3_prisoners_dilemma():
    from sim.repeated.engine import play
    from sim.repeated.tournament import round_robin

    pd_ = _load("prisoners_dilemma")
    text = prose(3)
    table = {s: [play(pd_, (s, s), rounds=100, replicates=200, noise=n, seed=1).summary()["per_round_payoff"]["row"]
                 for n in (0.0, 0.01, 0.05, 0.1)]
             for s in ("tit_for_tat", "generous_tit_for_tat:g=0.33", "grim_trigger", "win_stay_lose_shift")}
    assert all(v[0] == 3 for v in table.values())  # "without noise all cooperate fully (3 per round)"
    for k in (1, 2, 3):
        col = {s: v[k] for s, v in table.items()}
        assert min(col, key=col.get) == "grim_trigger"
        assert col["generous_tit_for_tat:g=0.33"] > col["tit_for_tat"] and col["win_stay_lose_shift"] > col["tit_for_tat"]
    # The round robin's ranking over five seeds: what is stable and what is seed noise.
    field = ["tit_for_tat", "generous_tit_for_tat:g=0.33", "always_defect", "always_cooperate",
             "grim_trigger", "win_stay_lose_shift", "suspicious_tit_for_tat"]
    middle = {"tit_for_tat", "grim_trigger", "suspicious_tit_for_tat", "always_defect"}
    orders = set()
    for seed in range(1, 6):
        t = round_robin(pd_, field, rounds=100, replicates=5, noise=0.05, seed=seed)
        place = {t.strategies[i]: k + 1 for k, i in enumerate(t.ranking)}
        assert place["always_cooperate"] == 7
        assert place["generous_tit_for_tat:g=0.33"] <= 3 and place["win_stay_lose_shift"] <= 3
        means = dict(zip(t.strategies, np.asarray(t.mean_payoff, float)))
        assert max(means[s] for s in middle) - min(means[s] for s in middle) < 0.15  # "within about 0.1"
        orders.add(tuple(sorted(middle, key=place.get)))
        wins = dict(zip(t.strategies, t.wins))  # exercise 3.4: WSLS wins fewer matches than the defectors
        assert wins["win_stay_lose_shift"] < min(wins["always_defect"], wins["grim_trigger"])
    assert len(orders) > 1  # the middle places change with the seed
    says(text, "finish in the top three every time", "always-cooperate finishes last every time")
    # Exercise 3.1: the Nowak-Sigmund bound and what generosity past it invites.
    R, S, T, P = 3, 0, 5, 1
    g_star = min(1 - (T - R) / (R - S), (R - P) / (T - P))
    assert g_star == pytest.approx(1 / 3)
    says(text, "g* = min(1 − 2/3, 2/4) = 1/3")
    for g, invites in ((0.333, False), (0.6, True)):
        s = f"generous_tit_for_tat:g={g}"
        own = play(pd_, (s, s), rounds=100, replicates=200, noise=0.05, seed=1).summary()["per_round_payoff"]["row"]
        alld = play(pd_, (s, "always_defect"), rounds=100, replicates=200, noise=0.05, seed=1).summary()
        assert (alld["per_round_payoff"]["col"] > own) is invites
    # Exercise 3.2: implementation noise and misperception hurt about equally.
    a, b = (play(pd_, ("tit_for_tat", "tit_for_tat"), rounds=100, replicates=500, seed=2, **kw).summary()
            ["per_round_payoff"]["row"] for kw in ({"noise": 0.05}, {"perception_noise": 0.05}))
    assert abs(a - b) / a < 0.05
