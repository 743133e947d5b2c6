"""Lesson 2: why truces hold or break."""

LESSON = 2
NAME = "02_why_truces_hold_or_break"
TEACHER_NOTE = """
> **Teacher's copy.** Same lesson as the students' notebook, with worked solutions after each exercise.
"""

SETUP = '''
%matplotlib inline
import dataclasses
from pathlib import Path

import numpy as np

from sim.render import show
from sim.repeated.engine import play
from sim.model.game import build_game
from sim.viz.plots import plot_outcome_paths, plot_payoff_space
from sim.repeated.payoff_set import feasible_ir_set
from sim.repeated.thresholds import truce_thresholds
from sim.model.load import load_scenario

SCENARIOS = Path("..") / "scenarios"
'''

CELLS = [
    ("md", """
# Lesson 2 — Why truces hold or break
{teacher_note}
*About 35 minutes.*

## The story

The 2025 standoff was managed by a chain of truces with deadlines. In Geneva on 12 May 2025 the
two sides paused most of the April tariffs for 90 days, and China was to ease its rare-earth
licensing. By the end of May Washington complained that the minerals were still being held back;
one official called it slow-rolling (`seeds/003.md`). The pause was extended in August to
10 November, and in October the looming expiry framed the talks (`seeds/001.md`, `seeds/002.md`).
At Busan the suspensions were renewed for a full year, to 10 November 2026 (`seeds/timeline.md`).
Trade-war truces with 90-day clocks are not new: Buenos Aires in December 2018 was one too.

Lesson 1 showed that in a *single* round each side gains by breaking the truce. But the standoff is
played again every quarter. A side that breaks the truce today can be punished tomorrow. Whether
that threat keeps the truce depends on **how much each side cares about the future** — its
discount factor δ, the value today of one unit of payoff next round.

## Learning goals

1. Explain why repetition can sustain cooperation that a one-shot game cannot.
2. Compute, by hand and with `truce_thresholds`, the critical discount factor for **grim trigger**
   and **tit for tat**.
3. See how a **deadline** that may not be renewed shortens the shadow of the future.
4. Read the folk theorem in a picture: the feasible and individually rational payoff set.
"""),
    ("code", SETUP),
    ("md", """
## 1. The condition, by hand

Take a prisoner's dilemma with payoffs R (both cooperate), T (temptation), P (both defect),
S (sucker). Under **grim trigger** each side cooperates until the other defects once, then defects
for ever. Keeping the truce is worth R every round; defecting once is worth T today and P every round
after. With discount factor δ, keeping the truce pays if

$$ \\frac{R}{1-\\delta} \\ge T + \\frac{\\delta P}{1-\\delta} \\iff \\delta \\ge \\delta^* = \\frac{T-R}{T-P}. $$

Against **tit for tat** (copy the other side's last move) a deviator can also *alternate*, which adds
the condition δ ≥ (T − R)/(R − S). With Axelrod's payoffs (R, S, T, P) = (3, 0, 5, 1):
grim needs δ ≥ 2/4 = 0.5, tit for tat needs δ ≥ max(0.5, 2/3) ≈ 0.67.
"""),
    ("code", '''
pd = build_game(load_scenario(SCENARIOS / "prisoners_dilemma.toml"))
show(pd)
show(truce_thresholds(pd))
'''),
    ("md", """
## 2. The US–China truce

For the scenario, `truce_thresholds` finds each side's best one-shot deviation from the Busan
profile, the stage equilibrium it would fall back to, and the critical δ per quarter. The scenario
assumes δ = 0.85 for Washington (an electoral clock: midterms in November 2026) and 0.95 for
Beijing (which expects to outlast US political cycles, `seeds/000.md`).
"""),
    ("code", '''
scenario = load_scenario(SCENARIOS / "us_china_2025.toml")
game = build_game(scenario)
tt = truce_thresholds(game)
show(tt)
'''),
    ("md", """
Read the table:

* **The US needs almost no patience** (δ\\* ≈ 0.05): falling back to the stage equilibrium would
  cost it the rare-earth supply, which it values far above what a deviation gains (about 9 bn a
  year from the tech rule and port fees).
* **China needs δ ≥ 0.27** under grim trigger: its best deviation (April licensing, no soybean
  purchases, lax enforcement) gains about 9 bn a year, and the fall-back to the stage equilibrium
  costs it about 25 bn a year, mostly because the Affiliates rule comes back.
* **Against tit for tat China always gains by deviating.** Tit for tat answers an escalation with an
  equally large escalation *of the US's own levers*, and those do not hurt China enough to
  outweigh its gain. A reciprocal strategy is only as strong as the levers it mirrors with.

Played without noise, both grim trigger and tit for tat keep the truce for the whole horizon.
Payoffs are annual rates (USD bn a year, relative to 2024); a quarter's payoff is the rate in force
that quarter, so the columns give each side's mean rate over the 12 quarters (a quarter at a rate
of 12 bn a year is worth 3 bn):
"""),
    ("code", '''
rows = []
for pair in [("grim_trigger", "grim_trigger"), ("tit_for_tat", "tit_for_tat"), ("always_defect", "tit_for_tat")]:
    s = play(game, pair, rounds=12, replicates=1, seed=0).summary()
    rows.append({"US": pair[0], "China": pair[1], "cooperation": s["cooperation_rate"],
                 "US payoff (USD bn/yr)": s["per_round_payoff"]["us"],
                 "China payoff (USD bn/yr)": s["per_round_payoff"]["china"]})
show(rows)
'''),
    ("md", """
## 3. Deadlines: a truce that may not be renewed

A 90-day truce is a promise for one quarter, renewed (or not) at each deadline. If the truce is
renewed with probability *p*, tomorrow's payoff counts only with weight δ·*p*: the deadline shortens
the shadow of the future. For China, grim trigger then needs δ·*p* ≥ 0.27, i.e. *p* ≥ 0.27/0.95 ≈ 0.29.

The strategy `deadline_truce:k=1,p=...` keeps the truce for one quarter at a time and renews it with
probability *p*; on a lapse it reverts to the stage equilibrium. Against a US playing grim trigger,
over 12 quarters (200 replicates), how many quarters does the truce last? A run whose first lapse
comes in round *t* (rounds counted from 0) kept the truce for *t* quarters; a run that never lapsed
kept it for all 12 and counts as 12 (leaving it out would keep only the short truces).
"""),
    ("code", '''
rows = []
for p in (0.2, 0.3, 0.5, 0.8, 0.95):
    m = play(game, ("grim_trigger", f"deadline_truce:k=1,p={p}"), rounds=12, replicates=200, seed=1)
    kept = np.where(m.first_breakdown >= 0, m.first_breakdown, m.length)  # quarters before the first lapse
    rows.append({"renewal p": p, "China's effective δ·p": 0.95 * p,
                 "quarters kept (mean of 200 runs)": kept.mean(),
                 "expected in 12 quarters: (1 − p¹²)/(1 − p)": (1 - p**12) / (1 - p),
                 "expected with no end: 1/(1 − p)": 1 / (1 - p),
                 "runs that lapsed within 12 quarters": (m.first_breakdown >= 0).mean()})
show(rows)
'''),
    ("code", '''
m = play(game, ("grim_trigger", "deadline_truce:k=1,p=0.8"), rounds=12, replicates=200, seed=1)
plot_outcome_paths(m)
'''),
    ("md", """
The simulation plays the strategies as written: it shows how long such truces last, not whether
China would choose to renew. The first quarter is agreed, and each later one follows with probability
*p*, so with no end date a truce lasts 1/(1 − *p*) quarters on average; cut off after 12 quarters
the average is (1 − *p*¹²)/(1 − *p*). At *p* = 0.8 that is 5 and 4.66 quarters, and the 200
simulated runs keep it for 4.6 on average. Whether China *wants* to renew is the δ·*p* calculation
above: renewal at a rate below about 0.29 would not be self-enforcing for China. (In this model
China is not the weak link once the truce is in place; whether that survives the uncertain numbers
is lesson 5's question.)

The fan chart shows each lever over the 12 quarters: the median (line), the 50% and 90% bands over
replicates, and one replicate highlighted. Once a deadline passes without renewal, China reverts
and the US's grim trigger follows one quarter later.

**A known last round unravels everything.** If both sides knew the truce would end for good at a
fixed date, nobody would keep it in the last round (there is no tomorrow to protect), so nobody
would keep it in the round before, and so on back to today: backward induction. Open-ended
renewal — a deadline that is *probably* extended — is what keeps a truce alive.

## 4. The folk theorem in a picture

Any payoff pair that (a) can be reached by some mix of profiles (the **feasible set**) and
(b) gives each side more than the worst the other can hold it to (its **minmax**, the
individually rational floor) can be sustained as an equilibrium of the repeated game when both
sides are patient enough. In the prisoner's dilemma:
"""),
    ("code", '''
plot_payoff_space(pd, payoff_set=feasible_ir_set(pd),
                  points={"stage equilibrium (D, D)": [(1, 1)], "mutual cooperation": [(3, 3)]})
'''),
    ("md", """
And in the US–China game. The green region is large: many truces other than Busan could be
sustained, some much better for one side. Which one the sides reach is a bargaining question —
lesson 4.
"""),
    ("code", '''
ps = feasible_ir_set(game)
show(ps)
i, j = game.cooperative
plot_payoff_space(game, payoff_set=ps, points={"Busan truce": [(game.A[i, j], game.B[i, j])],
                                               "stage equilibrium": [tt.nash_payoff]})
'''),
    ("md", """
## Exercises

Four exercises.
"""),
    ("exercise", """
In FiveThirtyEight's game (`fivethirtyeight_trade.toml`: R = 15, S = 5, T = 25, P = 10), compute the
grim-trigger and tit-for-tat thresholds **by hand**, then check them with `truce_thresholds`. The
tool says tit for tat can never hold the truce. Why? (Hint: compare alternating C, D, C, D ... with
cooperating.)
""", '''
# Exercise 2.1 - your code here
''', '''
g538 = build_game(load_scenario(SCENARIOS / "fivethirtyeight_trade.toml"))
R, S, T, P = 15, 5, 25, 10
print("grim by hand:", (T - R) / (T - P), "  tit for tat by hand:", max((T - R) / (T - P), (T - R) / (R - S)))
show(truce_thresholds(g538))
''', """
Grim trigger: (25 − 15)/(25 − 10) = 2/3. Tit for tat: max(2/3, (25 − 15)/(15 − 5)) = 1, which no
δ < 1 reaches. Here T + S = 2R: alternating defection and cooperation against tit for tat earns
25, 5, 25, 5, ... which averages exactly R = 15, so the deviator loses nothing by alternating and
gains by taking the 25 first.
"""),
    ("exercise", """
Give China's discount factor a different value, say 0.75 (use
`dataclasses.replace(game, discount=(0.85, 0.75))`). Does the truce still hold for China under
grim trigger? What is now the smallest renewal probability *p* of a 90-day deadline that keeps it?
""", '''
# Exercise 2.2 - your code here
''', '''
g75 = dataclasses.replace(game, discount=(0.85, 0.75))
t75 = truce_thresholds(g75)
print("China's threshold:", round(t75.grim_nash[1], 3), "holds:", t75.self_enforcing()[1])
print("smallest renewal probability:", round(t75.grim_nash[1] / 0.75, 3))
''', """
The threshold does not depend on δ (0.27), so with δ = 0.75 the truce still holds for China, but
only if deadlines are renewed with probability at least 0.27/0.75 ≈ 0.36: a less patient side
needs a more reliable renewal.
"""),
    ("exercise", """
Is the Busan truce payoff inside the individually rational set (`ps.contains(point)`)? Find the pure
profile inside that set with the largest sum of payoffs and name its actions. Would both sides
prefer it to Busan?
""", '''
# Exercise 2.3 - your code here
''', '''
busan = (game.A[game.cooperative], game.B[game.cooperative])
print("Busan inside the IR set:", ps.contains(busan))
ok = (game.A >= ps.minmax[0]) & (game.B >= ps.minmax[1])
total = np.where(ok, game.A + game.B, -np.inf)
i, j = np.unravel_index(np.argmax(total), total.shape)
print(game.actions[0][i], "|", game.actions[1][j])
print("payoffs:", round(game.A[i, j], 1), round(game.B[i, j], 1), " Busan:", round(busan[0], 1), round(busan[1], 1))
''', """
Busan is individually rational. The profile with the largest joint payoff has no controls on
either side, 25 MMT of soybeans and enforcement, and tariffs *below* 2024: the US at its September
2018 level (12%), China at its 2017 level (8%). It pays about 10.7 and 10.1 bn a year against
Busan's 11.6 and −44.4: China would gain over 50 bn a year, the US would lose about 1. The joint
optimum is not what the US wants; the real truce kept the US tariff near 47%, which is where
Washington's payoff (it counts its buyers' cost at a quarter) puts it, and China's weaker
bargaining position is what let it stay there.
"""),
    ("exercise", """
Lower the US discount factor step by step (0.05, 0.10, ..., 0.50) and find where the truce stops
holding for the US under tit for tat (`truce_thresholds(...).self_enforcing("tit_for_tat")`).
What does an electoral clock do to a truce?
""", '''
# Exercise 2.4 - your code here
''', '''
for d in np.arange(0.05, 0.55, 0.05):
    t = truce_thresholds(dataclasses.replace(game, discount=(float(d), 0.95)))
    print(f"US delta {d:.2f}: holds for the US under tit for tat: {t.self_enforcing('tit_for_tat')[0]}")
''', """
The US keeps the truce against tit for tat down to δ ≈ 0.23 per quarter; below that, a government
that barely values the next quarter would break it. A short electoral horizon lowers δ and so makes
a truce harder to keep — but the US threshold is low because it has so much to lose (rare earths).
"""),
]
