"""Lesson 6: leverage that wears out (games with state)."""

LESSON = 6
NAME = "06_leverage_that_wears_out"
TEACHER_NOTE = """
> **Teacher's copy.** Same lesson as the students' notebook, with worked solutions after each exercise.
"""

SETUP = '''
%matplotlib inline
from pathlib import Path

import dataclasses
import numpy as np

from sim.dynamic.forward import state_path
from sim.dynamic.solve import markov_perfect_equilibria
from sim.dynamic.truce import truce_by_state
from sim.model.dynamic import build_dynamic_game
from sim.model.load import load_scenario
from sim.render import show
from sim.repeated.dynamic_play import play_dynamic
from sim.viz.dynamic import plot_policy, plot_state_path

SCENARIOS = Path("..") / "scenarios"
classroom = load_scenario(SCENARIOS / "leverage_game.toml")
game = build_dynamic_game(classroom)


def policy_table(mpe):
    """Each state's equilibrium actions, one line per state."""
    for key, actions in mpe.policy_records()[0].items():
        print(f"{key:>18}:", "; ".join(f"{pid} {next(iter(a))}" for pid, a in actions.items()))
'''

CELLS = [
    ("md", """
# Lesson 6 — Leverage that wears out
{teacher_note}
*About 35 minutes.*

## The story

In April and again in October 2025 China tightened its rare-earth export controls, and in May
American car makers warned that magnet shortages could stop assembly lines (`seeds/003.md`). China
processes about 90% of the world's rare earths, which is what made the threat bite. But a lever like
this is not free to pull: every quarter of controls sends buyers to other refiners, and a buyer who
has diversified is a buyer who can no longer be coerced. Leverage is a *stock* that using it runs
down.

Lessons 1 to 5 could not say this: every round there was the same game, and nothing a side did
changed what its levers would be worth later. Today the game has a **state**: a number that carries
over from one quarter to the next and moves with what both sides do.

## Learning goals

1. Read a scenario's `[state]` table: the grid, the initial value and how `next` moves it.
2. Find a **Markov perfect equilibrium**: a policy that says what each side does *in each state*, such
   that no side gains by deviating in any state.
3. Follow the state over time under that policy, exactly and by simulation.
4. See when a truce holds in a game with state, and why the answer depends on the state you start in.
"""),
    ("code", SETUP),
    ("md", """
## 1. A game with state

The classroom scenario `leverage_game.toml` has a supplier (`restrict` or keep exports `open`) and a
buyer (`rely` on the supplier or `diversify`). Coercion pays the supplier `coercion × leverage` a
quarter, and the buyer loses as much. The state is the supplier's `leverage`, from `none` to `high`:
"""),
    ("code", '''
show(classroom)
print(classroom.state["leverage"].next)
'''),
    ("md", """
Each quarter of restriction costs the supplier one level of leverage with probability `erosion`
(0.5), and diversification costs it one level for certain. The stage game *depends on the state*:
here it is at high and at low leverage.
"""),
    ("code", '''
show(game.stage(game.states.keys().index("leverage=high")))
show(game.stage(game.states.keys().index("leverage=low")))
'''),
    ("md", """
At high leverage restricting is the supplier's best move in the quarter; at low leverage it is not.
But a far-sighted supplier also asks what restricting does to its leverage *next* quarter.

## 2. Markov perfect equilibrium

A Markov perfect equilibrium (MPE) is a pair of policies, one action per state, such that in every
state each side's action is a best reply once the *value of the state it leads to* is counted. With
no end date tradesim enumerates every pure stationary policy pair (here 4⁴ = 256) and keeps those
that pass the one-shot deviation test:
"""),
    ("code", '''
(mpe,) = markov_perfect_equilibria(game)
print(mpe.method, "- verified:", mpe.verified)
policy_table(mpe)
plot_policy(mpe, game)
'''),
    ("md", """
The supplier restricts while its leverage is medium or high, and the buyer diversifies exactly then:
coercion makes reliance expensive, so the buyer pays to get out. Both stop once leverage is low.

## 3. Where play goes

`state_path` propagates the starting state through the policy exactly; `play_dynamic` simulates it
replicate by replicate (with the same seeds, the same paths, as in lesson 3).
"""),
    ("code", '''
path = state_path(game, mpe, rounds=8)
print("mean leverage by quarter:", np.round(path.mean[0], 2))
plot_state_path(path)
'''),
    ("code", '''
match = play_dynamic(game, ("markov", "markov"), rounds=8, replicates=2000, seed=1)
print("simulated mean leverage:  ", np.round(match.state_mean[0], 2))
'''),
    ("md", """
The leverage is gone within two quarters on average: the supplier uses it, and using it (plus the
buyer's diversification it provokes) destroys it.

## 4. Does a truce hold?

The truce is `open` and `rely` in every state. Grim trigger answers a deviation with the MPE from the
next quarter on. Whether the truce is self-enforcing depends on the state:
"""),
    ("code", '''
truce = truce_by_state(game)
for key, row in truce.to_dict()["by_initial_state"].items():
    print(f"{key:>18}:", "; ".join(f"{p} {'keeps' if v['self_enforcing'] else 'breaks'} it" for p, v in row.items()))
'''),
    ("md", """
With high or medium leverage the supplier breaks the truce: cashing in its leverage now beats keeping
a truce that leaves it unused. Once leverage is low the truce holds. *Leverage that wears out makes
truces easier once it has been spent* — a pattern you will test on the US–China scenario below.

## 5. The US–China scenario with state

`us_china_dynamic.toml` adds three states to the 2025 scenario: a US magnet stockpile, China's share
of rare-earth processing (which erodes while controls are used) and Brazil's soybean capacity (which
grows while China buys no US beans). A fourth state is last quarter's US tech rule
(`prev.us.tech`): China answers the rule the quarter after it is in force, and the rule can be in
force, *suspended* (it comes back by notice, for about USD 1 bn) or *repealed* (it needs a new rule,
about USD 10 bn). A suspension runs a year (`suspension` counts its quarters): at the anniversary
it lapses, bringing the rule back for free, unless the US pays a little to extend it. The game
starts the quarter after the Affiliates rule came in (`[repeated] previous`) and has a 12-quarter
horizon (`[repeated] rounds`).
"""),
    ("code", '''
dynamic = build_dynamic_game(load_scenario(SCENARIOS / "us_china_dynamic.toml"))
(us_china,) = markov_perfect_equilibria(dynamic)
share = state_path(dynamic, us_china)
print("China's expected processing share:", np.round(share.mean[1], 1))
plot_state_path(share)
'''),
    ("md", """
Because China answers the rule a quarter later, the US **suspends** it in the first quarter (Busan):
lifting it buys licences next quarter. It suspends rather than repeals, extends the suspension at
each anniversary, and re-imposes the rule in the last quarter, when no answer can follow: the threat stays loaded, and a suspended rule is the cheap
way to keep it. In the first quarter China answers the rule still in force with its peak tariff and
keeps the rare-earth lever in reserve; then it grants general licences while the rule stays
suspended, so its share stays at 90% for two years. From the ninth quarter, as the end nears, it
turns to the April licensing and its expected share falls to about 76% by the end of the third
year. The static game of lesson 1 said China withholds rare earths every quarter; with state,
*when* it uses the lever, and what the other side does to avoid provoking it, become the question.

## Exercises

Three exercises.
"""),
    ("exercise", """
Make diversification expensive: rebuild the classroom game with `diversify_cost = 3`
(`build_dynamic_game(classroom, {"diversify_cost": 3.0})`) and find its MPE. In which states does the
buyer still diversify, and why does that change how long the supplier's leverage lasts?
""", '''
# Exercise 6.1 - your code here
''', '''
costly = build_dynamic_game(classroom, {"diversify_cost": 3.0})
(mpe_costly,) = markov_perfect_equilibria(costly)
policy_table(mpe_costly)
print(np.round(state_path(costly, mpe_costly, rounds=8).mean[0], 2))
''', """
The buyer now diversifies only at high leverage; at medium it relies and absorbs the coercion,
because paying 3 a quarter to cut leverage one level is not worth it there. The supplier keeps
restricting at medium, so leverage now wears out only through erosion (half the quarters): it lasts
longer, and the buyer pays more in total (its value from high leverage falls from −7.3 to −9.95).
"""),
    ("exercise", """
In the US–China scenario, the 12-quarter horizon says when the game ends. Solve the same game with
no end date (`dataclasses.replace(dynamic, horizon=None)`) and compare China's rare-earth choice by
state in the two solutions. What does the horizon do to China's incentive to preserve its leverage?
""", '''
# Exercise 6.2 - your code here
''', '''
forever = dataclasses.replace(dynamic, horizon=None)
(stationary,) = markov_perfect_equilibria(forever)
for name, mpe_ in (("12 quarters, quarter 1", us_china), ("no end date", stationary)):
    t = 1 if mpe_.horizon else 0
    uses = sorted({k.split(",")[1] for k, a in mpe_.policy_records()[t].items()
                   if "October controls" in next(iter(a["china"]))})
    print(f"{name}: China uses October controls when {uses}")
''', """
China uses the October controls only to answer a rule that was in force last quarter. With a
12-quarter horizon it does so at a 60% share from the start, at 75% from the third quarter and at
90% from the seventh, as the leverage it would preserve is worth less and less. With no end date it
does so only at 60%, where little is left to lose. And with no end date the US *repeals* the rule:
suspension is worth something only if the rule will be brought back, which an endless contest
never gets to. Both answers hinge on how long each side expects the contest to last: fragile
conclusions, worth saying so.
"""),
    ("exercise", """
Is the Busan-style truce of the US–China scenario self-enforcing with no end date, from every initial
state? Use `truce_by_state(forever)` and count the states from which it holds for both sides.
""", '''
# Exercise 6.3 - your code here
''', '''
holds = truce_by_state(forever).self_enforcing.all(axis=1)
print(f"self-enforcing for both from {holds.sum()} of {len(holds)} initial states")
''', """
From 48 of the 216: those where the rule was not in force last quarter, China's share is still 75%
or 90% and Brazil has not expanded (at any point of a suspension). Elsewhere the Markov perfect equilibrium the truce would revert
to is mild (the US repeals the rule, China licences), so it does not deter a deviation. With the
12-quarter horizon the truce unravels from the end (`tradesim thresholds` without
`--infinite-horizon`), as any finitely repeated game with a unique stage equilibrium does.
"""),
]
