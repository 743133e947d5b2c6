"""Lesson 3: noise and escalation spirals."""

LESSON = 3
NAME = "03_noise_and_escalation_spirals"
TEACHER_NOTE = """
> **Teacher's copy.** Same lesson as the students' notebook, with worked solutions after each exercise.
"""

SETUP = '''
%matplotlib inline
from pathlib import Path

import numpy as np

from sim.render import show
from sim.repeated.engine import play
from sim.viz.explorer import explore
from sim.model.game import build_game
from sim.viz.plots import plot_outcome_paths, plot_tournament
from sim.model.load import load_scenario
from sim.repeated.tournament import round_robin

SCENARIOS = Path("..") / "scenarios"
'''

CELLS = [
    ("md", """
# Lesson 3 — Noise and escalation spirals
{teacher_note}
*About 30 minutes.*

## The story

Two weeks after the Geneva truce of May 2025, Washington accused Beijing of still holding back
rare-earth exports it had agreed to release. On a Sunday talk show the Treasury Secretary allowed
that this might be a glitch in China's licensing system — or something deliberate; the Commerce
Secretary spoke of slow-rolling (`seeds/003.md`). A licence stuck in a ministry and a licence
refused on purpose look the same from the outside. In October a Chinese scholar warned that
erratic US policy made any durable deal hard to trust (`seeds/002.md`).

In lesson 2 every move was seen as it was meant. Real moves are not: a side may *do* something it
did not intend (a bureaucratic delay, an over-broad rule: **implementation noise**) or *read*
the other side's move wrongly (**misperception**). What does a strategy that answers every
provocation in kind do then?

## Learning goals

1. Tell implementation noise from misperception, and model both.
2. See the **echo effect**: two tit-for-tat players lock into alternating retaliation after one mistake.
3. See how **generous tit for tat** (forgive a provocation with probability *g*) restores
   cooperation, and what generosity costs against an exploiter.
4. Read outcome-path fan charts of the US–China game under noise.
"""),
    ("code", SETUP),
    ("md", """
## 1. One mistake, two tit-for-tat players

Axelrod's prisoner's dilemma, 30 rounds, both sides playing tit for tat, 5% chance each round that
a side's move comes out as the opposite. One replicate, move by move (C = cooperate, D = defect):
"""),
    ("code", '''
pd = build_game(load_scenario(SCENARIOS / "prisoners_dilemma.toml"))
m = play(pd, ("tit_for_tat", "tit_for_tat"), rounds=30, replicates=1, noise=0.05, seed=4)
labels = np.array(["C", "D"])
for p, pid in enumerate(pd.player_ids):
    print(f"{pid:4s}", " ".join(labels[m.actions[0, :, p]]))
'''),
    ("md", """
After the first slip, each side punishes the other's last move, which the other then punishes:
the retaliation echoes back and forth (C D / D C / C D ...) until a second slip happens to restore
mutual cooperation (or to lock both into mutual defection). This is an **escalation spiral** born
of a single mistake.

## 2. Generosity against the echo

Now 200 replicates of 100 rounds for several strategies, each playing itself, at increasing noise.
`generous_tit_for_tat:g=0.33` forgives a defection one time in three.
"""),
    ("code", '''
strategies = ["tit_for_tat", "generous_tit_for_tat:g=0.1", "generous_tit_for_tat:g=0.33",
              "grim_trigger", "win_stay_lose_shift"]
rows = []
for s in strategies:
    row = {"strategy (both sides)": s}
    for noise in (0.0, 0.01, 0.05, 0.1):
        summary = play(pd, (s, s), rounds=100, replicates=200, noise=noise, seed=1).summary()
        row[f"payoff/round, noise {noise:g}"] = summary["per_round_payoff"]["row"]
    rows.append(row)
show(rows)
'''),
    ("md", """
Without noise all five cooperate fully (3 per round). With noise, tit for tat loses a large part of
the gains, grim trigger collapses (one mistake ends cooperation for ever), while generous tit for
tat and win-stay-lose-shift (repeat your move if it paid, switch if it did not) recover from
mistakes. Generosity is insurance against misunderstanding.

Generosity has a price: an exploiter can take advantage of it. A small round robin under 5% noise,
where every strategy meets every other (and itself):
"""),
    ("code", '''
field = ["tit_for_tat", "generous_tit_for_tat:g=0.33", "always_defect", "always_cooperate",
         "grim_trigger", "win_stay_lose_shift", "suspicious_tit_for_tat"]
tour = round_robin(pd, field, rounds=100, replicates=5, noise=0.05, seed=1)
show(tour)
'''),
    ("code", '''
plot_tournament(tour)
'''),
    ("md", """
Before reading a ranking into this, ask how much of it is chance. Each pairing was played only 5
times, and noise decides a lot in 100 rounds. The same round robin with five different seeds:
"""),
    ("code", '''
ranks = {}
for seed in range(1, 6):
    t = round_robin(pd, field, rounds=100, replicates=5, noise=0.05, seed=seed)
    ranks[f"seed {seed}"] = {t.strategies[i]: place + 1 for place, i in enumerate(t.ranking)}
show([{"strategy": s, **{run: r[s] for run, r in ranks.items()}} for s in field])
'''),
    ("md", """
Only part of the ranking survives a change of seed. Generous tit for tat and win-stay-lose-shift
finish in the top three every time, and always-cooperate finishes last every time (everyone else
exploits its slips for free). The places in between change from seed to seed: tit for tat, grim
trigger, suspicious tit for tat and always-defect score within about 0.1 of a point per round
of each other (out of 3), and their order is seed noise, not a finding. To rank them you would need
many more replicates per pairing (try `replicates=100`) and a confidence interval for each mean.
"""),
    ("md", """
## 3. The US–China truce under noise

Back to the scenario. Both sides play tit for tat over 12 quarters, with a 5% chance each quarter
that a side's move is replaced by a different one (a tariff hike nobody planned, a licence freeze).
The fan chart shows each lever's median path and bands over 200 replicates.
"""),
    ("code", '''
game = build_game(load_scenario(SCENARIOS / "us_china_2025.toml"))
tft = play(game, ("tit_for_tat", "tit_for_tat"), rounds=12, replicates=200, noise=0.05, seed=1)
show(tft)
plot_outcome_paths(tft)
'''),
    ("code", '''
gtft = play(game, ("generous_tit_for_tat:g=0.3", "generous_tit_for_tat:g=0.3"), rounds=12,
            replicates=200, noise=0.05, seed=1)
show(gtft)
plot_outcome_paths(gtft)
'''),
    ("md", """
Compare the two summaries. Generous tit for tat does **not** make the truce last longer before
it first breaks: the first break is a slip, and slips come at the same rate whatever the
strategies (a quarter passes with no slip on either side with probability 0.95² ≈ 0.90, so about
71% of 12-quarter runs see one, and both tables show about 70% of runs breaking). What generosity
changes is what happens *after* the slip: tit for tat echoes it, generous tit for tat often
forgives it, so the pair gets back to the truce sooner. It spends 80% of the quarters in the truce
against tit for tat's 61%, and both sides' average payoffs are higher. In the scenario a "mirror" move is a rung on each side's escalation ladder, so a
misread licence delay can start a climb up the tariff ladder that takes quarters to undo.

## 4. Try it yourself

The explorer below has sliders for every uncertain parameter of the scenario, the discount
factors, implementation noise and misperception, and a strategy picker for each side. The plots
update when you release a slider. (Without `ipywidgets` installed you get one static render.)
"""),
    ("code", '''
explore(SCENARIOS / "us_china_2025.toml", replicates=40)
'''),
    ("md", """
## Exercises

Four exercises.
"""),
    ("exercise", """
Nowak and Sigmund showed that generous tit for tat can forgive up to
g\\* = min(1 − (T − R)/(R − S), (R − P)/(T − P)) and still make defecting against it unprofitable.
Compute g\\* for Axelrod's payoffs (R, S, T, P) = (3, 0, 5, 1). Then play, at 5% noise, GTFT with
g = 0.1, g\\*, and 0.6 each against itself and against `always_defect`. What does more generosity
buy, and what does it cost?
""", '''
# Exercise 3.1 - your code here
''', '''
R, S, T, P = 3, 0, 5, 1
g_star = min(1 - (T - R) / (R - S), (R - P) / (T - P))
print("g* =", round(g_star, 3))
rows = []
for g in (0.1, round(g_star, 3), 0.6):
    s = f"generous_tit_for_tat:g={g}"
    self_play = play(pd, (s, s), rounds=100, replicates=200, noise=0.05, seed=1).summary()
    vs_alld = play(pd, (s, "always_defect"), rounds=100, replicates=200, noise=0.05, seed=1).summary()
    rows.append({"g": g, "payoff vs itself": self_play["per_round_payoff"]["row"],
                 "payoff vs always_defect": vs_alld["per_round_payoff"]["row"],
                 "always_defect gets": vs_alld["per_round_payoff"]["col"]})
show(rows)
''', """
g\\* = min(1 − 2/3, 2/4) = 1/3. More generosity raises what GTFT earns against itself under noise,
but lowers what it earns against a pure defector and raises what the defector earns: past g\\*, an
exploiter does better against GTFT than by cooperating with it, and generosity invites defection.
"""),
    ("exercise", """
Compare **implementation noise** (`noise=0.05`) with **misperception** (`perception_noise=0.05`) for
tit for tat against itself in the prisoner's dilemma. Which hurts more here? Look at a single
replicate path under misperception: how does the echo start?
""", '''
# Exercise 3.2 - your code here
''', '''
for kw in ({"noise": 0.05}, {"perception_noise": 0.05}):
    s = play(pd, ("tit_for_tat", "tit_for_tat"), rounds=100, replicates=500, seed=2, **kw).summary()
    print(kw, "payoff/round", round(s["per_round_payoff"]["row"], 3), "cooperation", round(s["cooperation_rate"], 3))
m = play(pd, ("tit_for_tat", "tit_for_tat"), rounds=30, replicates=1, perception_noise=0.05, seed=4)
for p, pid in enumerate(pd.player_ids):
    print(f"{pid:4s}", " ".join(labels[m.actions[0, :, p]]))
''', """
At the same rate the two hurt about equally (the numbers differ by a few per cent between runs).
Under misperception nobody actually defects first: one side *believes* the other defected and
retaliates, and the other side, seeing a real defection, retaliates in turn. The echo starts from
a misunderstanding, exactly the "glitch or deliberate?" question of `seeds/003.md`.
"""),
    ("exercise", """
In the US–China game at 5% noise, compare three pairs over 12 quarters (200 replicates):
tit for tat on both sides, generous tit for tat (g = 0.3) on both sides, and grim trigger on both
sides. Report the share of quarters in the truce, how many quarters the truce lasts before it
first breaks (count a run that never breaks as 12) and each side's mean payoff (an annual rate,
USD bn a year). Which pair would you advise negotiators to aim for, and why?
""", '''
# Exercise 3.3 - your code here
''', '''
rows = []
for s in ("tit_for_tat", "generous_tit_for_tat:g=0.3", "grim_trigger"):
    m = play(game, (s, s), rounds=12, replicates=200, noise=0.05, seed=1)
    x = m.summary()
    kept = np.where(m.first_breakdown >= 0, m.first_breakdown, m.length)
    rows.append({"both play": s, "quarters in the truce": x["cooperation_rate"],
                 "quarters before the first break (mean)": kept.mean(),
                 "US payoff (USD bn/yr)": x["per_round_payoff"]["us"],
                 "China payoff (USD bn/yr)": x["per_round_payoff"]["china"]})
show(rows)
''', """
Generous tit for tat keeps the truce most often (about 80% of quarters) and gives both sides
their best payoffs; grim trigger keeps it least (about 55%), because one mistake ends the truce for
ever, and costs the US most. China's payoff moves much less across the three pairs than the US's
(grim trigger costs it little more than generosity): in this model the US has far more to lose
when the truce breaks down, as lesson 2's thresholds showed. The first break comes after 6 to 7
quarters on average under every pair: it is a slip, and no strategy prevents slips (a 5% chance per
side per quarter is a lot over 12 quarters). Strategies differ in what follows it, which is why
institutions that make forgiveness routine — review mechanisms, extensions instead of snap-backs —
matter.
"""),
    ("exercise", """
Win-stay-lose-shift (Pavlov) did well in the noisy round robin. Play a single 30-round replicate of
WSLS against itself and of TFT against itself with the same seed and noise 0.05. How does each
recover from a slip?
""", '''
# Exercise 3.4 - your code here
''', '''
for s in ("win_stay_lose_shift", "tit_for_tat"):
    m = play(pd, (s, s), rounds=30, replicates=1, noise=0.05, seed=4)
    print(s)
    for p, pid in enumerate(pd.player_ids):
        print(f"  {pid:4s}", " ".join(labels[m.actions[0, :, p]]))
''', """
After a slip, WSLS players both defect once (both "lost", both switch) and then both switch back
to cooperation (mutual defection "lost" too): recovery in two rounds. Tit for tat instead echoes
the slip until another slip breaks the pattern. WSLS is exploitable by always_defect, though
(it keeps switching back to cooperation), which is why it wins far fewer of its matches than
always_defect and grim trigger in the round robin, at every seed, while scoring more on average.
"""),
]
