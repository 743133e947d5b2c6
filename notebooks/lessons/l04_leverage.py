"""Lesson 4: leverage and bargaining."""

LESSON = 4
NAME = "04_leverage_and_bargaining"
TEACHER_NOTE = """
> **Teacher's copy.** Same lesson as the students' notebook, with worked solutions after each exercise.
"""

SETUP = '''
%matplotlib inline
from pathlib import Path

import numpy as np
import pandas as pd

from sim.stage.bargaining import correlated_equilibrium, kalai_smorodinsky, nash_bargaining, utilitarian_optimum
from sim.render import show
from sim.stage.equilibria import nash_equilibria
from sim.model.game import StageGame, build_game
from sim.viz.plots import plot_payoff_space
from sim.repeated.payoff_set import feasible_ir_set
from sim.model.load import load_scenario
from sim.stage.security import security
from sim.stage.commitment import stackelberg, threat_check
from sim.sweeps.run import sweep

SCENARIOS = Path("..") / "scenarios"
scenario = load_scenario(SCENARIOS / "us_china_2025.toml")
game = build_game(scenario)
truce = game.cooperative
'''

CELLS = [
    ("md", """
# Lesson 4 — Leverage and bargaining
{teacher_note}
*About 40 minutes.*

## The story

On 9 October 2025 China announced sweeping new rare-earth export rules, including a rule reaching
products made abroad with a tiny share of Chinese material. The next day the US president
threatened an extra 100% tariff from 1 November, tied to those controls (`seeds/001.md`,
`seeds/002.md`). A week later he conceded that such a tariff would not be sustainable
(`seeds/000.md`). By the Kuala Lumpur round the negotiators had a framework under which the
100% tariff would not happen (`seeds/002.md`), and at Busan China paused the October rules and
resumed soybean purchases while the US cut the fentanyl tariff and suspended the Affiliates rule
and port fees (`seeds/timeline.md`). The explainer in `seeds/004.md` put it bluntly: the side with
structural resource advantages holds the bargaining power.

Who had leverage, and which threats were believable?

## Learning goals

1. Compute **security levels** (what a side can guarantee itself) and **minmax** punishments (what
   the other side can hold it to).
2. Compute bargaining solutions (**Nash**, **Kalai–Smorodinsky**, utilitarian) and see how the
   disagreement point moves them.
3. Compute a **Stackelberg** outcome: what commitment is worth.
4. Check the **credibility** and **deterrence** of a threat, and tell them apart.
5. See how **issue linkage** (soybeans and rare earths against tech controls) can turn a dilemma
   into a deal, and what it takes.
6. State a conclusion as a **probability** over the uncertain parameters' ranges.
"""),
    ("code", SETUP),
    ("md", """
## 1. What each side can guarantee

A side's **maxmin** is the best payoff it can guarantee whatever the other side does; the other
side's **minmax** punishment is the lowest it can hold that side to. In a repeated game no side
will accept less than its minmax: it is the floor under every bargain.
"""),
    ("code", '''
show(security(game), game=game)
'''),
    ("md", """
The US can guarantee itself about −274 bn a year; China about −131 bn. Both floors are far below
the truce: each side can do the other great harm, which is what makes both want a deal — and what
makes threats possible.

## 2. Bargaining over the feasible set

If the two sides can agree on any profile (or a lottery over profiles, e.g. alternating), which
agreement is "fair"? The **Nash bargaining solution** maximises the product of both sides' gains
over a disagreement point *d* (here the stage equilibrium, what happens if talks fail). The
**Kalai–Smorodinsky** solution gives each side the same share of its best possible gain. The
**utilitarian** optimum maximises the sum.

The table also lists the **best correlated equilibrium**. A correlated equilibrium is what a
mediator (or a traffic light) can arrange without any power to enforce it: the mediator announces
a lottery over profiles, draws one, and tells each side privately only *its own* part of the draw.
The lottery is a correlated equilibrium if each side, told its part, does best by following it,
given what that advice tells it about the other side's. Every Nash equilibrium is one (a lottery
with no correlation); in games like chicken a mediator can do better for both. The *best* one is
the lottery with the largest sum of expected payoffs (a linear programme over the probabilities of
all 5,040 profiles).
"""),
    ("code", '''
nbs = nash_bargaining(game)
ks = kalai_smorodinsky(game)
util = utilitarian_optimum(game)
ce = correlated_equilibrium(game)
show(nbs, game=game)
rows = [{"solution": s.concept, "US": s.point[0], "China": s.point[1]} for s in (nbs, ks, util)]
rows.append({"solution": "best correlated equilibrium", "US": ce.payoffs[0], "China": ce.payoffs[1]})
rows.append({"solution": "Busan truce", "US": game.A[truce], "China": game.B[truce]})
show(rows)
'''),
    ("code", '''
plot_payoff_space(game, payoff_set=feasible_ir_set(game), points={
    "Nash bargaining": [nbs.point], "Kalai-Smorodinsky": [ks.point],
    "disagreement (stage equilibrium)": [nbs.disagreement],
    "Busan truce": [(game.A[truce], game.B[truce])]})
'''),
    ("md", """
In this model the Nash bargaining solution is the most conciliatory profile of all: both tariffs
back at their 2017 levels, no controls, 25 MMT of soybeans and enforcement. It gives China about
+39 bn a year and the US about −23, *worse* for the US than Busan (+11.6), because Washington's
payoff counts the tariff revenue its buyers pay at full value and their price rise at only a
quarter. Kalai–Smorodinsky (about −5 and +24) and the utilitarian optimum (about 11 and 10) sit
between. The best correlated equilibrium is the stage equilibrium itself, with probability 1: no
side ever follows advice to play a strictly dominated action, so in a game solved by dominance
the only lottery a mediator can sustain is the one equilibrium. The real truce left China much worse off than
any of these (US tariffs near 47%), and Busan is not even on the Pareto frontier. The gap between
a model's "fair" point and the actual deal is a good discussion question: bargaining power,
domestic politics and the credibility of commitments are not in the product of gains.

## 3. Commitment: Stackelberg

If one side can commit first and the other best-responds, the leader picks the commitment whose
reply suits it best.
"""),
    ("code", '''
show(stackelberg(game, leader=0), game=game)
show(stackelberg(game, leader=1), game=game)
'''),
    ("md", """
When the US leads, it commits to its **pre-2025** tariff with no tech controls (it keeps the port
fees, which China's audience term does not count), and China answers with general rare-earth
licences — though it still buys no soybeans and lets enforcement lapse. The US gets about −24 bn a
year instead of −153 at the stage equilibrium. To get the rare earths back, Washington has to
leave Beijing nothing to answer: at the 47% truce tariff China would still answer with controls.
When China leads, the outcome is the stage equilibrium itself. Being able to commit is worth about
129 bn a year to the US, and nothing to China.

## 4. Was the +100% tariff threat credible?

The threat: *if China imposes the October controls, the US adds 100 points to its tariff* — the
scenario's "Oct threat" level, 157% (100 points on the then ~57% average).
`threat_check` starts from the Busan truce, changes only the levers named, and asks two
questions. **Credible:** once China has triggered it, is carrying out the threat a best reply for
the US? **Deterrent:** is China worse off triggering it and facing the response than staying at
the truce?
"""),
    ("code", '''
us_threat = threat_check(game, 0, trigger={"rare_earths": "October controls"}, response={"tariff": "Oct threat"})
show(us_threat, game=game)
'''),
    ("md", """
**Deterrent, but not credible.** Carried out, the threat would hurt China (about −102 bn a year
against −44 at the truce); but it would also cost the US about 45 bn a year against doing nothing
(its own buyers pay most of the tariff, and imports shrink; answering China's escalation saves it
an audience cost, which is why the net cost is not larger). The US's best reply to the controls is
something else entirely: keep the truce tariff and bring back the Affiliates rule and port fees,
about 86 bn a year better than the threat. Both numbers are "the cost of the threat", against two
baselines: 45 against leaving the controls unanswered (the line "cost to the threatener of carrying it
out"), 86 against the US's best reply (the "credibility gap", the figure the README quotes). So once China had moved, the US would not want to
follow through — just as the president conceded (`seeds/000.md`). Note also the last line: at the
truce, the October controls pay for China on their own (a little over 1 bn a year), because they
answer the 47% tariff Beijing would otherwise leave unanswered. A threat is needed; this one is not
believable.

Now China's counter-threat: *if the US imposes the Affiliates rule, China imposes the October
controls.*
"""),
    ("code", '''
cn_threat = threat_check(game, 1, trigger={"tech": "affiliates rule"}, response={"rare_earths": "October controls"})
show(cn_threat, game=game)
'''),
    ("md", """
Compare the cost lines. Carrying out China's threat does not cost China anything: it *gains*
about 36 bn a year (the negative cost), because the controls answer the tech rule and the tariff,
and Beijing's audience cost of leaving them unanswered is larger than what the controls cost it.
The tool still reports "not credible", in the strict sense that the threatened response is not
China's *best* reply: once the rule is in place, China would do even more (also stop soybean
purchases and enforcement), and the gap of about 3 bn a year is what it would forgo by answering
with rare earths alone. Either way the US has every reason to believe China would respond, and the
response costs the US far more (about 139 bn a year) than the rule is worth to it (6). The US
threat costs the US 45 bn a year to carry out; China's pays China 36. That asymmetry is what
"leverage" means.

## 5. Issue linkage: soybeans and rare earths for tech controls

Take only two choices. The US either keeps the Affiliates rule or suspends it; China either
*deals* (25 MMT of soybeans and general rare-earth licences) or *does not* (no soybeans, October
controls). Every other lever stays at the truce.
"""),
    ("code", '''
OFFERS = {"suspend tech rule": "tariff=truce, tech=none, port_fees=suspended",
          "keep tech rule": "tariff=truce, tech=affiliates rule, port_fees=suspended",
          "suspend rule, tariff to pre-2025": "tariff=pre-2025, tech=none, port_fees=suspended"}
ANSWERS = {"deal": "rare_earths=general licences, soybeans=25 MMT, tariff=truce, fentanyl=enforce",
           "no deal": "rare_earths=October controls, soybeans=none, tariff=truce, fentanyl=enforce"}


def linkage_game(g, offers=("suspend tech rule", "keep tech rule")):
    """The linkage game cut out of the full game ``g``: the US offers in ``offers``, China's two answers."""
    us = [g.action_index(0, OFFERS[o]) for o in offers]
    cn = [g.action_index(1, a) for a in ANSWERS.values()]
    return StageGame.from_matrices(g.A[np.ix_(us, cn)], g.B[np.ix_(us, cn)], actions=(tuple(offers), tuple(ANSWERS)),
                                   player_ids=g.player_ids, name="linkage")

link = linkage_game(game)
show(link)
show(stackelberg(link, leader=0), game=link)
'''),
    ("md", """
Keeping the tech rule is the US's dominant action (it is worth 6 bn a year to Washington whatever
China does). And *no deal* is now China's dominant action too: even with the rule suspended, the
47% truce tariff is 26 points above 2024 against China's 11.6, and the audience cost of leaving
that gap unanswered (about 10 bn a year at the fitted weight) is more than the October controls
cost China (9) less the soybean premium it saves (1). So the equilibrium is mutual hostility, and
sequencing alone no longer helps: if the US commits first to suspending the rule, China still
answers *no deal*.

What would China take? Give the US a third offer: suspend the rule *and* bring the tariff back to
its pre-2025 level.
"""),
    ("code", '''
link3 = linkage_game(game, tuple(OFFERS))
show(link3)
show(stackelberg(link3, leader=0), game=link3)
'''),
    ("md", """
With nothing left to answer, China deals, and the US, moving first, prefers that (about 2 bn a
year) to mutual hostility (about −141). In the one-shot model linkage works only with a bigger US
concession than Busan's. Busan itself kept the 47% tariff; what holds China to *that* deal is the
repeated game of lesson 2 (grim trigger needs δ ≥ 0.27 from Beijing), not the linkage alone. And
whether China answers a suspended rule at 47% hinges on one fitted number, Beijing's audience
weight (exercise 4.4).

## 6. How sure are we? Conclusions as probabilities

Every verdict above was computed at the scenario's central values, and 25 of its numbers are
uncertain, each with a stated range. Instead of moving them one at a time (lesson 5), draw them
*all at once*: a **Latin hypercube** of 500 points over the ranges (each range cut into 500 equal
strata, one draw in each), and recompute the verdicts at every draw. The share of draws in which
a verdict holds is its probability under uniform uncertainty over the ranges. `sweep` with
`sample="lhs:500"` makes the draws (it also evaluates a cheap metric we do not need here):
"""),
    ("code", '''
ranged = [name for name, p in scenario.parameters.items() if p.range is not None]
draws = sweep(SCENARIOS / "us_china_2025.toml", {name: "range" for name in ranged}, ["critical_delta"],
              sample="lhs:500", seed=0)
verdicts = []
for _, row in draws.iterrows():
    g = build_game(scenario, {name: row[f"parameters.{name}"] for name in ranged})
    us_t = threat_check(g, 0, trigger={"rare_earths": "October controls"}, response={"tariff": "Oct threat"})
    cn_t = threat_check(g, 1, trigger={"tech": "affiliates rule"}, response={"rare_earths": "October controls"})
    lg = linkage_game(g)
    verdicts.append({"US threat credible": us_t.credible, "US threat deters": us_t.deterrent,
                     "China's counter-threat pays for itself": cn_t.threatener_cost < 0,
                     "China deals if the rule is suspended at 47%": lg.B[0, 0] > lg.B[0, 1]})
probabilities = pd.DataFrame(verdicts).mean()
probabilities.round(3)
'''),
    ("md", """
Read the probabilities as a grade of each conclusion:

* **"The +157% threat is not credible"** holds in every draw, and **"it deters"** in nearly every
  one: robust.
* **"China's counter-threat pays for itself"** holds in most draws (close to 90%): robust enough to
  teach, with the caveat that it rests on the audience weights.
* **"China deals once the rule is suspended at the truce tariff"** holds in fewer than half the
  draws: a coin flip. At the fitted values it fails, narrowly.

The command `tradesim robust` does this for a whole scenario: it draws every ranged parameter by a
Latin hypercube, reports each conclusion (the stage equilibrium, the truce per side, a threat given
with `--if` and `--then`) as a probability with a confidence interval, names the parameters that
drive it, and lists its **knife edges**, the places where a small move of one parameter flips it:

```sh
tradesim robust scenarios/us_china_2025.toml --draws 2000 \\
    --if "china.rare_earths=October controls" --then "us.tariff=Oct threat"
```

## Exercises

Four exercises.
"""),
    ("exercise", """
Is there *any* value, within its range, of one of the scenario's uncertain parameters that makes
the +100-point ("Oct threat") tariff threat credible? Loop over every parameter that has a `range`,
rebuild the game at each end of the range, and report the credibility gap.
""", '''
# Exercise 4.1 - your code here
''', '''
rows = []
for name, p in scenario.parameters.items():
    if p.range is None:
        continue
    for value in p.range:
        g = build_game(scenario, {name: value})
        t = threat_check(g, 0, trigger={"rare_earths": "October controls"}, response={"tariff": "Oct threat"})
        rows.append({"parameter": name, "value": value, "credible": t.credible, "gap (USD bn/yr)": t.credibility_gap,
                     "cost of carrying out": t.threatener_cost})
show(sorted(rows, key=lambda r: r["gap (USD bn/yr)"])[:8])
''', """
None does: the smallest credibility gap is still about 38 bn a year, at the top of the US audience
weight (`us_audience` = 2). There Washington minds leaving the controls unanswered so much that
carrying out the threat beats ignoring them (its cost turns negative), yet answering with the
Affiliates rule and port fees at the truce tariff is cheaper still. A 157% tariff falls on US buyers
and shrinks imports; no single number within its range changes that. A threat that hurts the
threatener can only be made credible by something outside the stage game — reputation, a
commitment device, or a repeated-game punishment logic (lesson 2). Section 6 found the same with
all the numbers drawn at once.
"""),
    ("exercise", """
The disagreement point matters. Compute the Nash bargaining solution with (a) the security levels
as disagreement point (`nash_bargaining(game, "security")`), and (b) the Busan truce payoffs as
disagreement point (`nash_bargaining(game, (u_us, u_china))`). Do the solutions move? Why, or why not?
""", '''
# Exercise 4.2 - your code here
''', '''
for d in ("nash", "security", (float(game.A[truce]), float(game.B[truce]))):
    s = nash_bargaining(game, d)
    print(str(d)[:30].ljust(32), "->", tuple(round(x, 1) for x in s.point), "via", list(s.lottery))
''', """
The first two coincide: the most conciliatory profile (2017 tariffs on both sides, no controls), a
sharp corner of the Pareto frontier where the product of gains is largest for a wide range of
disagreement points. With the Busan truce as the disagreement point the solution moves along the
frontier towards the US (about 26 bn for the US and −14 for China, a lottery of two profiles): the
Busan payoffs are much better for the US, relative to what it could get, than for China, and a
better outside option pulls the bargain your way.
"""),
    ("exercise", """
Compute the Stackelberg outcome with the US leading under the pessimistic tie rule
(`tie="against"`: when China is indifferent it picks the reply worst for the US). Does anything
change? Then compute the value of leading for each side: its Stackelberg payoff as leader minus
its stage-equilibrium payoff.
""", '''
# Exercise 4.3 - your code here
''', '''
ne = nash_equilibria(game)[0].payoffs
for leader in (0, 1):
    for tie in ("leader", "against"):
        s = stackelberg(game, leader=leader, tie=tie)
        print(game.player_ids[leader], tie.ljust(8), "payoffs", tuple(round(x, 1) for x in s.payoffs),
              " value of leading:", round(s.payoffs[leader] - ne[leader], 1))
''', """
The tie rule does not matter here (China's replies are strict). Leading is worth about 129 bn a
year to the US and nothing to China: China's best action does not depend on being seen first,
while the US gains by being seen to drop its tariff to the pre-2025 level and suspend the tech rule.
"""),
    ("exercise", """
Whether China answers a suspended tech rule with the deal depends on how much Beijing minds leaving
US escalation unanswered: its audience weight `cn_audience` (fitted to the dated record at 0.7,
range 0–2). Rebuild the two-offer linkage game for `cn_audience` = 0, 0.25, 0.5, 0.75 and 1 and
report China's reply to "suspend tech rule" and the Stackelberg outcome with the US leading. Where
is the knife edge?
""", '''
# Exercise 4.4 - your code here
''', '''
for value in (0, 0.25, 0.5, 0.75, 1.0):
    lg = linkage_game(build_game(scenario, {"cn_audience": value}))
    reply = lg.actions[1][int(np.argmax(lg.B[0]))]
    s = stackelberg(lg, leader=0)
    print(f"cn_audience={value:4.2f}: China answers a suspended rule with {reply!r}; US leads -> "
          f"{lg.actions[0][s.leader_action]!r}, {lg.actions[1][s.follower_action]!r}, "
          f"payoffs {tuple(round(x, 1) for x in s.payoffs)}")
''', """
China deals in reply to a suspended rule up to `cn_audience` ≈ 0.5 and refuses from about 0.55
on: there the audience cost of the 14.6-point gap left at the 47% tariff (14.6 × `cn_audience`)
overtakes what the controls cost China net of soybeans (about 8 bn a year). With no audience cost
at all China deals whatever the US does, so the US keeps the rule. Between about 0.05 and 0.55
the linkage works as at Busan: the US suspends, China deals. The fitted 0.7 sits just beyond the
edge, which is why section 6 gives this conclusion less than even odds. A number fitted to the
2018–20 record decides a 2025 conclusion: say so when you teach it.
"""),
]
