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

from sim.stage.bargaining import correlated_equilibrium, kalai_smorodinsky, nash_bargaining, utilitarian_optimum
from sim.render import show
from sim.stage.equilibria import nash_equilibria
from sim.model.game import StageGame, build_game
from sim.viz.plots import plot_payoff_space
from sim.repeated.payoff_set import feasible_ir_set
from sim.model.load import load_scenario
from sim.stage.security import security
from sim.stage.commitment import stackelberg, threat_check

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
   into a deal.
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
The US can guarantee itself about −143 bn a year; China about −98 bn. Both floors are far below
the truce: each side can do the other great harm, which is what makes both want a deal — and what
makes threats possible.

## 2. Bargaining over the feasible set

If the two sides can agree on any profile (or a lottery over profiles, e.g. alternating), which
agreement is "fair"? The **Nash bargaining solution** maximises the product of both sides' gains
over a disagreement point *d* (here the stage equilibrium, what happens if talks fail). The
**Kalai–Smorodinsky** solution gives each side the same share of its best possible gain. The
**utilitarian** optimum maximises the sum.
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
In this model the bargaining solutions sit at (or next to) the all-conciliatory profile: pre-2025
tariffs, no controls. The real truce left China much worse off than that (US tariffs near 47%). The
model's payoffs do not capture everything: Washington's valuation of tariffs for their own sake,
domestic politics, the credibility of commitments. The gap between a model's "fair" point and the
actual deal is a good discussion question.

## 3. Commitment: Stackelberg

If one side can commit first and the other best-responds, the leader picks the commitment whose
reply suits it best.
"""),
    ("code", '''
show(stackelberg(game, leader=0), game=game)
show(stackelberg(game, leader=1), game=game)
'''),
    ("md", """
When the US leads, it commits to its truce tariff with the tech rule suspended (it keeps the port
fees), and China answers with general rare-earth licences — though it still buys no soybeans and
lets enforcement lapse. The US gets about 5 bn a year instead of −110 at the stage equilibrium.
When China leads, the outcome is the stage equilibrium itself. Being able to commit is worth a lot
to the US, and nothing to China.

## 4. Was the +100% tariff threat credible?

The threat: *if China imposes the October controls, the US raises its tariff to peak + 100%*.
`threat_check` starts from the Busan truce, changes only the levers named, and asks two
questions. **Credible:** once China has triggered it, is carrying out the threat a best reply for
the US? **Deterrent:** is China worse off triggering it and facing the response than staying at
the truce?
"""),
    ("code", '''
us_threat = threat_check(game, 0, trigger={"rare_earths": "October controls"}, response={"tariff": "peak+100"})
show(us_threat, game=game)
'''),
    ("md", """
**Deterrent, but not credible.** Carried out, the threat would hurt China; but it would also cost the
US about 155 bn a year (its own buyers pay the tariff, and imports collapse), so once China had
moved, the US would not want to follow through — just as the president conceded
(`seeds/000.md`). Note also the last line: at the truce, the October controls do not even pay
for China. In the model they are worth it only as an answer to the Affiliates rule.

Now China's counter-threat: *if the US imposes the Affiliates rule, China imposes the October
controls.*
"""),
    ("code", '''
cn_threat = threat_check(game, 1, trigger={"tech": "affiliates rule"}, response={"rare_earths": "October controls"})
show(cn_threat, game=game)
'''),
    ("md", """
Compare the cost lines. Carrying out China's threat does not cost China anything: it *gains*
about 18 bn a year (the negative cost), because in the model Beijing values answering the tech rule
in kind. The tool still reports "not credible", in the strict sense that the threatened response is
not China's *best* reply: once the rule is in place, China would do even more (also stop soybean
purchases and enforcement), and the gap of about 7 bn a year is what it would forgo by answering
with rare earths alone. Either way the US has every reason to believe China would respond, and the
response costs the US far more than the rule is worth to it. The US threat costs the US 155 bn
a year to carry out; China's pays China. That asymmetry is what "leverage" means.

## 5. Issue linkage: soybeans and rare earths for tech controls

Take only two choices. The US either keeps the Affiliates rule or suspends it; China either
*deals* (25 MMT of soybeans and general rare-earth licences) or *does not* (no soybeans, October
controls). Every other lever stays at the truce.
"""),
    ("code", '''
def linkage_game(g):
    """The 2x2 linkage game cut out of the full game ``g``."""
    us = [g.action_index(0, f"tariff=truce, tech={t}, port_fees=suspended") for t in ("suspended", "affiliates rule")]
    cn = [g.action_index(1, f"rare_earths={r}, soybeans={s}, tariff=truce, fentanyl=enforce")
          for r, s in (("general licences", "25 MMT"), ("October controls", "none"))]
    A = g.A[np.ix_(us, cn)]
    B = g.B[np.ix_(us, cn)]
    return StageGame.from_matrices(A, B, actions=(("suspend tech rule", "keep tech rule"), ("deal", "no deal")),
                                   player_ids=g.player_ids, name="linkage")

link = linkage_game(game)
show(link)
show(stackelberg(link, leader=0), game=link)
'''),
    ("md", """
Keeping the tech rule is the US's dominant action (it is worth 6 bn a year to Washington whatever
China does), and against it China's best reply is *no deal*. The equilibrium is mutual
hostility, though both prefer (suspend, deal). But China's choice is a *reply*: if the US commits
first to suspending the rule, China deals. Linking soybeans and rare earths to the tech rule,
and sequencing the moves (the US suspends, China then pauses the controls and buys) turns the
dilemma into a deal both sides prefer. That is roughly the Busan package.

## Exercises

Four exercises.
"""),
    ("exercise", """
Is there *any* value, within its range, of one of the scenario's uncertain parameters that makes
the +100% threat credible? Loop over every parameter that has a `range`, rebuild the game at
each end of the range, and report the credibility gap.
""", '''
# Exercise 4.1 - your code here
''', '''
rows = []
for name, p in scenario.parameters.items():
    if p.range is None:
        continue
    for value in p.range:
        g = build_game(scenario, {name: value})
        t = threat_check(g, 0, trigger={"rare_earths": "October controls"}, response={"tariff": "peak+100"})
        rows.append({"parameter": name, "value": value, "credible": t.credible, "gap (USD bn/yr)": t.credibility_gap})
show(sorted(rows, key=lambda r: r["gap (USD bn/yr)"])[:8])
''', """
None does: the smallest credibility gap is still above 100 bn a year. The cost of a 226% tariff
falls on US buyers and on lost tariff revenue as imports vanish; no parameter of the rare-earth
side changes that. A threat that hurts the threatener this much can only be made credible by
something outside the stage game — reputation, a commitment device, or a repeated-game
punishment logic (lesson 2).
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
The first two coincide: the all-conciliatory profile, a sharp corner of the Pareto frontier where
the product of gains is largest for a wide range of disagreement points. With the Busan truce as the
disagreement point the solution moves along the frontier towards the US (about 31 bn for the US and
−13 for China, a lottery of two profiles): the Busan payoffs are much better for the US, relative to
what it could get, than for China, and a better outside option pulls the bargain your way.
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
The tie rule does not matter here (China's replies are strict). Leading is worth about 115 bn a
year to the US and nothing to China: China's best action does not depend on being seen first,
while the US gains by being seen to suspend the tech rule.
"""),
    ("exercise", """
How much would Washington have to value the Affiliates rule (`us_tech_value`, 12 bn by default)
before it preferred keeping the rule to getting the deal, even as the Stackelberg leader? Rebuild
the linkage game for `us_tech_value` = 12, 40, 80, 120, 160 and report the US's commitment.
""", '''
# Exercise 4.4 - your code here
''', '''
for value in (12, 40, 80, 120, 160):
    lg = linkage_game(build_game(scenario, {"us_tech_value": value}))
    s = stackelberg(lg, leader=0)
    print(f"us_tech_value={value:4d}: US commits to {lg.actions[0][s.leader_action]!r}, China answers "
          f"{lg.actions[1][s.follower_action]!r}, payoffs {tuple(round(x, 1) for x in s.payoffs)}")
''', """
The deal is worth about 127 bn a year to the US (mostly the rare-earth supply), so the US keeps
committing to suspend the rule until the rule itself is worth more than that, around
`us_tech_value` ≈ 140 — far above the scenario's range of 0–40. In the model, the linkage holds
for every plausible value of the tech rule.
"""),
]
