"""Lessons 4-6: every number their prose quotes is recomputed here and looked up in the text."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tests.lessons.lesson_text import ROOT, guide, num, prose, says

PATH = str(ROOT / "scenarios" / "us_china_2025.toml")
US_THREAT = dict(trigger={"rare_earths": "October controls"}, response={"tariff": "Oct threat"})
CN_THREAT = dict(trigger={"tech": "affiliates rule"}, response={"rare_earths": "October controls"})


@pytest.fixture(scope="module")
def base():
    from sim.model.game import build_game
    from sim.model.load import load_scenario

    scenario = load_scenario(PATH)
    return scenario, build_game(scenario)


def _linkage(game, offers):
    from sim.model.game import StageGame

    labels = {"suspend": "tariff=truce, tech=none, port_fees=suspended",
              "keep": "tariff=truce, tech=affiliates rule, port_fees=suspended",
              "cut": "tariff=pre-2025, tech=none, port_fees=suspended"}
    answers = ["rare_earths=general licences, soybeans=25 MMT, tariff=truce, fentanyl=enforce",
               "rare_earths=October controls, soybeans=none, tariff=truce, fentanyl=enforce"]
    us = [game.action_index(0, labels[o]) for o in offers]
    cn = [game.action_index(1, a) for a in answers]
    return StageGame.from_matrices(game.A[np.ix_(us, cn)], game.B[np.ix_(us, cn)])


def test_lesson4_bargaining_and_threats(base):
    from sim.model.game import build_game
    from sim.stage.bargaining import (
        correlated_equilibrium,
        kalai_smorodinsky,
        nash_bargaining,
        utilitarian_optimum,
    )
    from sim.stage.commitment import stackelberg, threat_check
    from sim.stage.equilibria import nash_equilibria
    from sim.stage.security import security

    scenario, game = base
    text, truce = prose(4), game.cooperative
    s = security(game)
    says(text, f"about {num(s[0].mixed_value)} bn a year; China about {num(s[1].mixed_value)} bn")
    nbs, ks, ut = nash_bargaining(game), kalai_smorodinsky(game), utilitarian_optimum(game)
    says(text, f"about {num(nbs.point[1], sign=True)} bn a year and the US about {num(nbs.point[0])}",
         f"than Busan ({num(game.A[truce], 1, sign=True)})",
         f"(about {num(ks.point[0])} and {num(ks.point[1], sign=True)})",
         f"(about {num(ut.point[0])} and {num(ut.point[1])})")
    (eq,) = nash_equilibria(game)
    ce = correlated_equilibrium(game)
    assert ce.payoffs == pytest.approx(eq.payoffs)  # "the stage equilibrium itself, with probability 1"
    assert ce.distribution[eq.support[0][0], eq.support[1][0]] == pytest.approx(1.0)
    says(text, "best correlated equilibrium is the stage equilibrium itself, with probability 1")
    lead = stackelberg(game, 0)
    assert game.actions[0][lead.leader_action] == "tariff=pre-2025, tech=none, port_fees=$50/net ton"
    assert game.actions[1][lead.follower_action].startswith("rare_earths=general licences, soybeans=none")
    assert stackelberg(game, 0, tie="against").payoffs == pytest.approx(lead.payoffs)
    assert stackelberg(game, 1).payoffs == pytest.approx(eq.payoffs)  # "nothing to China"
    value = lead.payoffs[0] - eq.payoffs[0]
    says(text, f"The US gets about {num(lead.payoffs[0])} bn a year instead of {num(eq.payoffs[0])}",
         f"worth about {num(value)} bn a year to the US, and nothing to China")
    says(guide(), f"about {num(value)} bn a year to the US, nothing to China")
    us = threat_check(game, 0, **US_THREAT)
    assert not us.credible and us.deterrent and us.trigger_profitable_without_threat
    says(text, f"(about {num(us.target_payoff_if_carried_out)} bn a year against {num(us.target_baseline_payoff)} at the truce)",
         f"cost the US about {num(us.threatener_cost)} bn a year", f"about {num(us.credibility_gap)} bn a year better",
         f"{num(us.threatener_cost)} against leaving the controls unanswered",
         f"{num(us.credibility_gap)} against the US's best reply")
    says(guide(), f"about {num(us.threatener_cost)} bn a year against leaving the controls unanswered",
         f"USD {num(us.credibility_gap)} bn", "against its best reply")
    gain = us.target_payoff_if_ignored - us.target_baseline_payoff
    assert 1 < gain < 2  # "a little over 1 bn a year"
    cn = threat_check(game, 1, **CN_THREAT)
    says(text, f"about {num(-cn.threatener_cost)} bn a year (the negative cost)",
         f"the gap of about {num(cn.credibility_gap)} bn a year",
         f"(about {num(cn.target_baseline_payoff - cn.target_payoff_if_carried_out)} bn a year)",
         f"China's pays China {num(-cn.threatener_cost)}")
    says(guide(), f"about {num(-cn.threatener_cost)} bn a year")
    # Exercise 4.1: no range end makes the threat credible; the closest.
    gaps = []
    for name, p in scenario.parameters.items():
        for v in p.range or ():
            t = threat_check(build_game(scenario, {name: v}), 0, **US_THREAT)
            gaps.append((t.credibility_gap, name, v, t.threatener_cost))
    gap, name, v, cost = min(gaps)
    assert gap > 0 and cost < 0
    says(text, f"still about {num(gap)} bn a year, at the top of the US audience weight ({name} = {v:g})")
    # Exercise 4.2 and 4.3.
    busan = nash_bargaining(game, (float(game.A[truce]), float(game.B[truce])))
    assert nash_bargaining(game, "security").point == pytest.approx(nbs.point)
    says(text, f"(about {num(busan.point[0])} bn for the US and {num(busan.point[1])} for China")


def test_lesson4_linkage(base):
    from sim.model.game import build_game
    from sim.stage.commitment import stackelberg

    scenario, game = base
    text = prose(4)
    link = _linkage(game, ("suspend", "keep"))
    assert (link.A[1] > link.A[0]).all() and (link.B[:, 1] > link.B[:, 0]).all()  # both dominant: keep, no deal
    assert (stackelberg(link, 0).leader_action, stackelberg(link, 0).follower_action) == (1, 1)
    says(text, f"worth {num(link.A[1, 0] - link.A[0, 0])} bn a year to Washington whatever China does")
    us_gap = game.levers[0][0].levels[4] - scenario.parameters["us_tariff_base"].value
    cn_gap = game.levers[1][2].levels[3] - scenario.parameters["cn_tariff_base"].value
    says(text, f"{num(us_gap)} points above 2024 against China's {num(cn_gap, 1)}",
         f"(about {num((us_gap - cn_gap) * scenario.parameters['cn_audience'].value)} bn a year at the fitted weight)",
         f"the {num(us_gap - cn_gap, 1)}-point gap")
    link3 = _linkage(game, ("suspend", "keep", "cut"))
    s3 = stackelberg(link3, 0)
    assert (s3.leader_action, s3.follower_action) == (2, 0)
    says(text, f"(about {num(s3.payoffs[0])} bn a year) to mutual hostility (about {num(link3.A[1, 1])})")
    replies = {}
    for a in np.round(np.arange(0, 1.01, 0.05), 2):
        lg = _linkage(build_game(scenario, {"cn_audience": float(a)}), ("suspend", "keep"))
        replies[float(a)] = bool(lg.B[0, 0] > lg.B[0, 1])
    last_deal = max(a for a, deal in replies.items() if deal)
    first_refusal = min(a for a, deal in replies.items() if not deal)
    assert all(replies[a] for a in replies if a <= last_deal) and first_refusal == pytest.approx(last_deal + 0.05)
    says(text, f"up to cn_audience ≈ {last_deal:g} and refuses from about {first_refusal:g}")
    assert not replies[0.7]  # "the fitted 0.7 sits just beyond the edge"


def test_lesson4_probabilities(base):
    from sim.model.game import build_game
    from sim.stage.commitment import threat_check
    from sim.sweeps.run import sweep

    scenario, _ = base
    text = prose(4)
    ranged = [n for n, p in scenario.parameters.items() if p.range is not None]
    says(text, f"{len(ranged)} of its numbers are uncertain")
    draws = sweep(PATH, {n: "range" for n in ranged}, ["critical_delta"], sample="lhs:500", seed=0)
    verdicts = []
    for _, row in draws.iterrows():
        g = build_game(scenario, {n: row[f"parameters.{n}"] for n in ranged})
        u, c = threat_check(g, 0, **US_THREAT), threat_check(g, 1, **CN_THREAT)
        lg = _linkage(g, ("suspend", "keep"))
        verdicts.append((u.credible, u.deterrent, c.threatener_cost < 0, lg.B[0, 0] > lg.B[0, 1]))
    p = np.mean(verdicts, axis=0)
    assert p[0] == 0 and p[1] > 0.99 and abs(p[2] - 0.9) < 0.05 and 0.4 < p[3] < 0.5
    says(text, "holds in every draw", "(close to 90%)", "fewer than half the draws")
    says(guide(), "China's counter-threat pays in ~90% of draws")


def _jump(scenario, name, low, high, broke, tol=1e-4):
    """The smallest value in [low, high] where ``broke(thresholds)`` holds, by bisection."""
    from sim.model.game import build_game
    from sim.repeated.thresholds import truce_thresholds

    def test(v):
        return broke(truce_thresholds(build_game(scenario, {name: v})))

    assert not test(low) and test(high)
    while high - low > tol:
        mid = (low + high) / 2
        low, high = (low, mid) if test(mid) else (mid, high)
    return high


def test_lesson5_threshold_curves(base):
    from sim.model.game import build_game
    from sim.repeated.thresholds import truce_thresholds
    from sim.stage.equilibria import nash_equilibria

    scenario, game = base
    text = prose(5)
    tt = truce_thresholds(game)
    says(text, f"{num(tt.grim_nash[0], 2)} for the US, {num(tt.grim_nash[1], 2)} for China, as in lesson 2")
    low = _jump(scenario, "us_buyer_weight", 0.1, 0.25, lambda t: t.grim_nash[1] > 0.2)
    never_cn = _jump(scenario, "us_buyer_weight", 0.25, 1.0, lambda t: np.isinf(t.grim_nash[1]))
    never_us = _jump(scenario, "us_buyer_weight", 0.25, 1.0, lambda t: np.isinf(t.grim_nash[0]))
    below = truce_thresholds(build_game(scenario, {"us_buyer_weight": 0.1}))
    before = truce_thresholds(build_game(scenario, {"us_buyer_weight": never_cn - 2e-4}))
    after = truce_thresholds(build_game(scenario, {"us_buyer_weight": never_cn + 2e-4}))
    assert after.grim_nash[0] - before.grim_nash[0] > 0.2  # a jump, not a slope
    says(text, f"Below about {num(low, 2)}", f"China {num(below.grim_nash[1], 2)} instead of {num(tt.grim_nash[1], 2)}",
         f"At about {num(never_cn, 2)}", f"jumps from {num(before.grim_nash[0], 2)} to {num(after.grim_nash[0], 2)}",
         f"(−{num(-after.nash_payoff[1])} against −{num(-after.cooperative_payoff[1])} bn a year)",
         f"Past about {num(never_us, 2)}", f"puts it at {num(never_cn, 2)}, about "
         f"{num(never_cn - scenario.parameters['us_buyer_weight'].value, 2)} above the central buyer weight")
    assert after.nash_payoff[1] > after.cooperative_payoff[1]
    assert len(nash_equilibria(build_game(scenario, {"us_buyer_weight": 0.1}))) > 1  # more than one stage equilibrium
    assert never_us > never_cn


def test_lesson5_sweeps(base):
    from sim.empirics.robust import robustness
    from sim.model.game import build_game
    from sim.model.load import load_scenario
    from sim.repeated.thresholds import truce_thresholds
    from sim.stage.equilibria import nash_equilibria
    from sim.sweeps.run import sweep

    scenario, _ = base
    text = prose(5)
    rows = []
    for name, p in scenario.parameters.items():
        if p.range is not None:
            run = sweep(PATH, {name: list(p.range)}, ["equilibria", "critical_delta", "self_enforcing"])
            rows += [(name, end, r) for end, (_, r) in zip(("low", "high"), run.iterrows())]
    words = {10: "ten", 25: "twenty-five", 3: "three"}
    n_ranged = len(rows) // 2
    weapon = {n for n, _, r in rows if (r["equilibria.rare_earths.china"], r["equilibria.tariff.china"]) != (90.0, 32.6)}
    says(text, f"moves with {words[len(weapon)]} of the {words[n_ranged]} numbers", f"at all {len(rows)} ends")
    assert all(r["equilibria.port_fees.us"] == 50 for _, _, r in rows)
    assert [(n, e) for n, e, r in rows if r["equilibria.tech.us"] != 1] == [("us_tech_sales", "high")]
    assert [(n, e) for n, e, r in rows if r["equilibria.soybeans.china"] != 0] == [("soy_premium", "low")]
    us_finite = [r["critical_delta.grim_nash.us"] for _, _, r in rows if np.isfinite(r["critical_delta.grim_nash.us"])]
    says(text, f"at most about {num(max(us_finite), 2)} per quarter")
    cn_inf = sorted(n for n, e, r in rows if np.isinf(r["critical_delta.grim_nash.china"]))
    assert cn_inf == ["cn_revenue_weight", "import_elast", "us_buyer_weight"]
    says(text, f"at one end of {words[len(cn_inf)]} ranges")
    fails = sum(not r["self_enforcing.truce"] for _, _, r in rows)
    says(text, f"the truce failed at {fails} of {len(rows)} range ends")
    says(guide(), f"the truce fails at only {fails} of {len(rows)} range ends")
    premium = build_game(scenario, {"soy_premium": 0.01})
    assert "soybeans=none" in premium.actions[1][nash_equilibria(premium)[0].support[1][0]]
    # Section 3: all at once.
    ranged = {n: "range" for n, p in scenario.parameters.items() if p.range is not None}
    draws = sweep(PATH, ranged, ["equilibria", "self_enforcing"], sample="lhs:1000", seed=0)
    share = {k: draws[f"self_enforcing.{k}"].mean() for k in ("truce", "grim_nash.us", "grim_nash.china")}
    says(text, f"holds for both sides in only about {round(share['truce'], 1):.0%} of the draws",
         f"(for the US in about {round(share['grim_nash.us'], 1):.0%}, for China in about "
         f"{round(share['grim_nash.china'], 1):.0%})",
         f"keeps it in about {(draws['equilibria.tech.us'] == 1).mean():.0%} of draws")
    assert (draws["equilibria.soybeans.china"] == 0).all()
    says(text, f"China buys none in all {len(draws):,} draws")
    assert round((draws["equilibria.rare_earths.china"] == 90).mean(), 1) == 0.2  # "one draw in five"
    robust = robustness(PATH, draws=1000, seed=0, threat=(0, *US_THREAT.values())).to_dict()
    assert robust["conclusions"]["threat_credible"] == 0 and robust["conclusions"]["threat_deters"] > 0.99
    edge = robust["knife_edges"][0]
    p = scenario.parameters[edge["parameter"]]
    assert (edge["conclusion"], edge["parameter"]) == ("base_equilibrium", "us_buyer_weight")
    says(text, f"in only about {robust['conclusions']['base_equilibrium']:.0%} of the draws",
         f"from {p.value:g} to about {num(edge['flips_at'], 2)} "
         f"({(edge['flips_at'] - p.value) / (p.range[1] - p.range[0]):.0%} of its range)")
    # Exercises 5.1 and 5.3.
    t2 = sweep(PATH, {"soy_premium": "0:80:9", "cn_audience": "0:2:11"}, ["self_enforcing", "critical_delta"])
    assert t2["self_enforcing.truce"].all()
    cn2 = t2.pivot(index="parameters.cn_audience", columns="parameters.soy_premium", values="critical_delta.grim_nash.china")
    says(text, f"from about {num(cn2.to_numpy().min(), 1)} to about {num(cn2.loc[2.0].max(), 2)}",
         f"(by at most about {num((cn2.max(axis=1) - cn2.min(axis=1)).max(), 2)}")
    t3 = sweep(PATH, {"repeated.noise": "0:0.2:5"}, ["play"], strategies={"us": "tit_for_tat", "china": "tit_for_tat"},
               reps=50)
    coop = t3["play.cooperation_rate"].to_numpy()
    assert coop[0] == 1 and round(coop[4] * 6) == 1  # "about a sixth"
    says(text, f"about {round(coop[1], 1):.0%} of the 12 quarters")
    variants = [truce_thresholds(build_game(load_scenario(ROOT / "scenarios" / f"{n}.toml")))
                for n in ("us_china_2025", "us_china_re_stockpile", "us_china_soy_diversified")]
    assert all(all(t.self_enforcing()) for t in variants)


def test_lesson6():
    from sim.dynamic.forward import state_path
    from sim.dynamic.solve import markov_perfect_equilibria
    from sim.dynamic.truce import truce_by_state
    from sim.model.dynamic import build_dynamic_game
    from sim.model.load import load_scenario

    text = prose(6)
    classroom = load_scenario(ROOT / "scenarios" / "leverage_game.toml")
    game = build_dynamic_game(classroom)
    (mpe,) = markov_perfect_equilibria(game)
    policy = {k: (next(iter(a["supplier"])), next(iter(a["buyer"]))) for k, a in mpe.policy_records()[0].items()}
    assert policy["leverage=high"] == policy["leverage=medium"] == ("export=restrict", "invest=diversify")
    assert policy["leverage=low"] == policy["leverage=none"] == ("export=open", "invest=rely")
    says(text, f"here 4⁴ = {4 ** 4}")
    assert state_path(game, mpe, rounds=8).mean[0][2] == pytest.approx(0.75)  # "gone within two quarters"
    assert truce_by_state(game).self_enforcing.all(axis=1).tolist() == [True, True, False, False]
    costly = build_dynamic_game(classroom, {"diversify_cost": 3.0})
    (mpe_costly,) = markov_perfect_equilibria(costly)
    high = costly.states.keys().index("leverage=high")
    assert mpe_costly.policy_records()[0]["leverage=medium"]["buyer"] == {"invest=rely": 1.0}
    says(text, f"falls from {num(mpe.values[0, high, 1], 1)} to {num(mpe_costly.values[0, high, 1], 2)}")
    dynamic = build_dynamic_game(load_scenario(ROOT / "scenarios" / "us_china_dynamic.toml"))
    (finite,) = markov_perfect_equilibria(dynamic)
    forever = dataclasses.replace(dynamic, horizon=None)
    (stationary,) = markov_perfect_equilibria(forever)
    answered = "prev.us.tech=affiliates rule"

    def uses(m, t):
        return sorted({(k.split(",")[1], k.split(",")[4]) for k, a in m.policy_records()[t].items()
                       if "October controls" in next(iter(a["china"]))})

    assert uses(finite, 0) == [("re_share=60%", answered)]
    assert uses(finite, 2) == [("re_share=60%", answered), ("re_share=75%", answered)]
    assert uses(finite, 6) == [("re_share=60%", answered), ("re_share=75%", answered), ("re_share=90%", answered)]
    assert uses(stationary, 0) == [("re_share=60%", answered)]
    says(text, "at a 60% share from the start, at 75% from the third quarter and at 90% from the seventh")
    us_tech = [sorted({next(iter(a["us"])).split(", ")[1] for k, a in m.policy_records()[t].items()
                       if "prev.us.tech=repealed" not in k}) for m, t in ((finite, 0), (finite, 10), (finite, 11))]
    assert us_tech == [["tech=suspended"], ["tech=suspended"], ["tech=affiliates rule"]]
    assert {next(iter(a["us"])).split(", ")[1] for a in stationary.policy_records()[0].values()} == {"tech=repealed"}
    holds = truce_by_state(forever).self_enforcing.all(axis=1)
    says(text, f"From {holds.sum()} of the {len(holds)}")
    share = state_path(dynamic, finite).mean[1]
    assert float(share[8]) == pytest.approx(90.0)
    says(text, "its share stays at 90% for two years", f"to about {num(share[12])}% by the end of the third year")
