"""Lesson 1: the 2025 standoff as a game."""

LESSON = 1
NAME = "01_standoff_as_a_game"
TEACHER_NOTE = """
> **Teacher's copy.** Same lesson as the students' notebook, with worked solutions after each exercise.
"""

SETUP = '''
%matplotlib inline
from pathlib import Path

import numpy as np

from sim.model.actions import actions_where
from sim.render import show
from sim.stage.equilibria import nash_equilibria
from sim.model.game import StageGame, build_game
from sim.viz.plots import plot_decomposition, plot_payoff_space
from sim.model.load import load_scenario

SCENARIOS = Path("..") / "scenarios"
'''

CELLS = [
    ("md", """
# Lesson 1 — The 2025 standoff as a game
{teacher_note}
*About 35 minutes. Run the cells from top to bottom; each exercise has an empty cell for your code.*

## The story

On the weekend of 19–20 October 2025 the US president named three things he wanted from
Beijing before the next negotiating round: an end to the new rare-earth export controls, action on
fentanyl precursors, and renewed soybean purchases (our digests `seeds/000.md` and `seeds/001.md`).
An extra 100% tariff had been threatened for 1 November, and the tariff truce agreed in the spring
was due to lapse on 10 November. China's foreign ministry answered that tariff wars help no one
(`seeds/000.md`).

The explainer digested in `seeds/004.md` sorts the levers: China's are soybean purchases and
rare-earth exports; Washington's are tariffs and limits on high-tech exports. Both governments
said escalation was costly, yet between April and October 2025 both escalated again and again
(see `seeds/timeline.md`: tariffs above 100% in April, the Affiliates rule on 29 September, the
October rare-earth controls, port fees from 14 October).

**Question for today:** why would two sides that both lose from a trade war both escalate?

## Learning goals

1. Read a scenario as a game: players, levers, actions and payoffs.
2. Read a payoff bimatrix: best responses, dominated actions, Nash equilibrium.
3. Recognise a prisoner's dilemma, first in FiveThirtyEight's trade game, then in the US–China
   game, by comparing the stage equilibrium with the Busan truce of 30 October 2025.
4. Split a payoff into its terms to see *where* each side's gains and losses come from.
"""),
    ("code", SETUP),
    ("md", """
## 1. A trade war in two actions

FiveThirtyEight once framed a trade war as a two-by-two game: each country either keeps trade open
(*Cooperate*) or imposes tariffs (*Defect*). Below, each cell shows the US payoff, then China's.
A **bold underlined** number is that side's *best response*: the best it can do given what the
other side does in that column (for the US) or row (for China).
"""),
    ("code", '''
g538 = build_game(load_scenario(SCENARIOS / "fivethirtyeight_trade.toml"))
show(g538)
'''),
    ("md", """
Whatever China does, the US gets more by defecting (25 > 15 and 10 > 5): *Defect* **strictly
dominates** *Cooperate*. The same holds for China. Removing dominated actions leaves one cell, and
a cell where each side is best-responding to the other is a **Nash equilibrium** (shaded).
"""),
    ("code", '''
eqs538 = nash_equilibria(g538)
show(eqs538.dominance, game=g538)
show(eqs538, game=g538)
'''),
    ("md", """
Both sides end up with 10, though both would have 15 if both kept trade open. That is a
**prisoner's dilemma**: each side's dominant action leads to an outcome both sides like less
than another outcome. Nobody is irrational here; the individual incentive and the joint interest
point in different directions.

## 2. The 2025 standoff as a game over levers

The scenario `us_china_2025.toml` gives each side several levers, each with levels ordered from
conciliatory to hostile, and payoff terms in USD bn per year relative to 2024. Every number names
its source or is marked as an assumption (in amber below).
"""),
    ("code", '''
scenario = load_scenario(SCENARIOS / "us_china_2025.toml")
show(scenario)
'''),
    ("md", """
An **action** is one level of every lever a side holds, so the US has 7 × 3 × 2 = 42 actions
(tariff levels back to 2017, three steps of tech controls, port fees) and China 3 × 4 × 5 × 2 = 120:
the game has 5,040 cells. Too many to read one by one, so by default
the table aggregates: each block averages every profile with the US tariff and China's
rare-earth regime at the levels shown (★ marks the block holding the equilibrium, ◆ the Busan
truce).
"""),
    ("code", '''
game = build_game(scenario)
print(game.shape, "actions;", game.A.size, "profiles")
show(game)
'''),
    ("md", """
A **slice** is easier to read: hold some levers fixed and look at the rest. Here the US imposes no
tech controls and keeps port fees suspended, and China buys 25 MMT of soybeans and enforces against
fentanyl; the table shows the tariff and rare-earth choices. Best responses are marked *within the
slice*; the outlined cell is the Busan truce.
"""),
    ("code", '''
rows = actions_where(game, 0, tech="none", port_fees="suspended")
cols = actions_where(game, 1, soybeans="25 MMT", fentanyl="enforce")
show(game, rows=rows, cols=cols)
'''),
    ("md", """
Now the whole game. Iterated removal of strictly dominated actions, then a search for every
equilibrium of what is left:
"""),
    ("code", '''
eqs = nash_equilibria(game)
show(eqs, game=game)
'''),
    ("md", """
Dominance alone solves this 42 × 120 game: all but one action of each side is strictly
dominated, step by step, and the single equilibrium that remains has the US keeping the
Affiliates rule and port fees with its post-truce tariff (47%), while China withholds rare earths
under the October controls, buys no soybeans, stops enforcing against fentanyl and keeps its own
truce tariff (32.6%). Why retaliate at all? Each side's payoff has an **audience** term: a capital
pays for every point of the other side's escalation it leaves unanswered (the two weights were
fitted to the dated 2018–20 record). With the October controls China more than answers the US
tariff and tech rule, so it pays none; the US, which answers the controls with nothing, pays it.

## 3. The equilibrium against the Busan truce

At Busan (30 October 2025, `seeds/timeline.md`) the two sides agreed roughly the scenario's
**cooperative profile**: US tariffs at their post-truce level with the tech rule and port fees
suspended; China lifting the October controls, buying 25 MMT of soybeans, keeping its truce
tariff and enforcing against fentanyl. Compare:
"""),
    ("code", '''
ne = eqs[0].support[0][0], eqs[0].support[1][0]
truce = game.cooperative
for name, (i, j) in {"stage equilibrium": ne, "Busan truce": truce}.items():
    print(f"{name:18s} US {game.A[i, j]:8.1f}   China {game.B[i, j]:8.1f}   (USD bn per year)")

# From the truce, what could each side gain by changing its own action alone?
best_us = int(np.argmax(game.A[:, truce[1]]))
best_cn = int(np.argmax(game.B[truce[0], :]))
print("US best deviation:   ", game.actions[0][best_us], "->", round(game.A[best_us, truce[1]], 1))
print("China best deviation:", game.actions[1][best_cn], "->", round(game.B[truce[0], best_cn], 1))
'''),
    ("md", """
Both sides are better off in the truce than in the equilibrium, and each side gains by deviating
from the truce on its own: the structure of the prisoner's dilemma, in a game with 5,040 cells.
The picture below puts every profile in payoff space; the equilibrium sits far below and to the
left of the truce.
"""),
    ("code", '''
plot_payoff_space(game, points={"stage Nash equilibrium": [game.A[ne], game.B[ne]],
                                "Busan truce": [game.A[truce], game.B[truce]]})
'''),
    ("md", """
## 4. Where the payoffs come from

Each side's payoff is a sum of named terms (tariff revenue, buyers' cost, export losses, farm
income, the rare-earth bottleneck, ...). Splitting the payoff at a few profiles shows what each side
is fighting over.
"""),
    ("code", '''
m, n = game.shape
profiles = {"stage equilibrium": ne, "Busan truce": truce,
            "all conciliatory": (0, 0), "full escalation": (m - 1, n - 1)}
plot_decomposition(game, profiles)
'''),
    ("md", """
For the US, the rare-earth bottleneck dwarfs everything else at the equilibrium, and the audience
cost of leaving the controls unanswered comes next; for China, lost exports and the tech controls
weigh most. Keep this in mind for lesson 4: a side's leverage is
the damage it can do to the other side's largest term.

## Exercises

Four exercises. Write your code in the empty cells.
"""),
    ("exercise", """
Load `stag_hunt.toml` and find all its equilibria. Is the stag hunt a prisoner's dilemma? Say what
is different about it, using the best-response marks.
""", '''
# Exercise 1.1 - your code here
''', '''
stag = build_game(load_scenario(SCENARIOS / "stag_hunt.toml"))
stag_eqs = nash_equilibria(stag)
show(stag, equilibria=stag_eqs)
show(stag_eqs, game=stag)
''', """
Three equilibria: both hunting the stag, both hunting the hare, and a mixed one. No action is
dominated, and mutual cooperation *is* an equilibrium: the problem is trust (will the other side
cooperate?), not temptation. In a prisoner's dilemma cooperation is never an equilibrium of the
one-shot game.
"""),
    ("exercise", """
In FiveThirtyEight's game, mutual tariffs pay `P = 10` each. Using `StageGame.from_matrices`,
rebuild the game for `P = 0, 1, ..., 15` (keeping the other payoffs) and find for which values
mutual tariffs are still an equilibrium, and for which the game is still a prisoner's dilemma.
""", '''
# Exercise 1.2 - your code here
''', '''
T, R, S = 25, 15, 5
for P in range(16):
    g = StageGame.from_matrices([[R, S], [T, P]], [[R, T], [S, P]], actions=(("C", "D"), ("C", "D")))
    pure = [e.support for e in nash_equilibria(g) if e.is_pure]
    names = " ".join(f"({g.actions[0][s[0][0]]},{g.actions[1][s[1][0]]})" for s in pure)
    dilemma = T > R > P > S
    print(f"P={P:2d}: pure equilibria {names:15s} prisoner's dilemma: {dilemma}")
''', """
(D, D) is an equilibrium as long as `P >= S = 5` (a lone free-trader gets 5, so answering a
tariff with a tariff must pay at least that). It is a prisoner's dilemma for `5 < P < 15`. Below
5 the game is **chicken**: a tariff war is now the worst outcome for both (`P < S`), so the best
answer to the other side's tariff is to give in and keep trade open, while the best answer to open
trade is still a tariff. Each side wants to be the one that imposes the tariff *and* to face a
side that gives in: the two pure equilibria are (C, D) and (D, C), one side escalating, the other
backing down. At `P = 15` a tariff war pays as much as open trade, and there is no dilemma left.
"""),
    ("exercise", """
Using `game.terms` (a dict of matrices per side), list the change in each term between the Busan
truce and the stage equilibrium, for each side. Which single term accounts for most of the US's
loss? Of China's?
""", '''
# Exercise 1.3 - your code here
''', '''
for p, pid in enumerate(game.player_ids):
    changes = {t: M[ne] - M[truce] for t, M in game.terms[p].items()}
    print(pid, {t: round(float(v), 1) for t, v in sorted(changes.items(), key=lambda kv: kv[1])})
''', """
For the US, the rare-earth term (about −121 bn a year at the October controls) is most of the
loss; the audience cost of leaving the controls unanswered (−23), fentanyl enforcement (−15) and
farm sales (−14) add the rest. For China, the Affiliates rule (−25) is the largest loss, with the
cost of its own controls (−9) and the port fees (−4); it is partly offset by the audience term
(+10): at the truce Beijing pays for leaving the 47% US tariff unanswered, and in the equilibrium
its controls answer it.
"""),
    ("exercise", """
The seed `seeds/000.md` notes that US buyers, not China, pay nearly all of the US tariffs. The
scenario's `us_buyer_weight` (0.25) is how much Washington cares about that cost. Rebuild the game
with `us_buyer_weight=1.0` (`build_game(scenario, {"us_buyer_weight": 1.0})`). What happens to the
US tariff in the stage equilibrium? Is the game still a prisoner's dilemma relative to the truce?
""", '''
# Exercise 1.4 - your code here
''', '''
g1 = build_game(scenario, {"us_buyer_weight": 1.0})
e1 = nash_equilibria(g1)
show(e1, game=g1)
i, j = e1[0].support[0][0], e1[0].support[1][0]
print("equilibrium:", round(g1.A[i, j], 1), round(g1.B[i, j], 1))
print("truce:      ", round(g1.A[truce], 1), round(g1.B[truce], 1))
''', """
The US tariff in equilibrium falls all the way to its 2017 level (3.1%): a government that counts
its buyers' cost in full does not want the tariff for its own sake. China answers the Affiliates rule
with the milder April licensing instead of the October controls. And now *both* sides do better in
the equilibrium (about −23 and +15 bn a year) than at the Busan truce (about −52 and −44): the
truce's 47% tariff is a bad deal for a Washington that feels its buyers' price rise. The dilemma
has gone; with these weights Busan would not be worth keeping. The lesson's conclusion rests on an
assumed political weight (0.25, "Washington acts as if buyers bore a quarter of it"); lesson 5
measures how much rests on numbers like it.
"""),
]
