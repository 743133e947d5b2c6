"""Lesson 5: sweeping the scenario."""

LESSON = 5
NAME = "05_sweeping_the_scenario"
TEACHER_NOTE = """
> **Teacher's copy.** Same lesson as the students' notebook, with worked solutions after each exercise.
"""

SETUP = '''
%matplotlib inline
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.repeated.curves import threshold_curve
from sim.render import show
from sim.stage.equilibria import nash_equilibria
from sim.model.game import build_game
from sim.viz.plots import plot_threshold_curve
from sim.repeated.thresholds import truce_thresholds
from sim.model.load import load_scenario
from sim.sweeps.run import sweep

SCENARIOS = Path("..") / "scenarios"
SCENARIO_FILE = str(SCENARIOS / "us_china_2025.toml")
scenario = load_scenario(SCENARIO_FILE)
'''

PHASE = '''
def phase_diagram(table, x, y, value, *, title, labels=None):
    """Heatmap of ``value`` over the grid of ``x`` and ``y`` columns of a sweep table."""
    grid = table.pivot(index=y, columns=x, values=value)
    codes, names = pd.factorize(grid.to_numpy().ravel())
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(codes.reshape(grid.shape), origin="lower", aspect="auto", cmap="tab10",
                      vmin=0, vmax=9, interpolation="nearest",
                      extent=[grid.columns.min(), grid.columns.max(), grid.index.min(), grid.index.max()])
    handles = [ax.scatter([], [], marker="s", s=80, color=image.cmap(image.norm(k)),
                          label=(labels or {}).get(nm, str(nm))) for k, nm in enumerate(names)]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(title, fontsize=10)
    return fig
'''

CELLS = [
    ("md", """
# Lesson 5 — Sweeping the scenario
{teacher_note}
*About 35 minutes.*

## The story

Many numbers in the scenario are not known. The car makers' warning in May 2025 that magnet
shortages could stop assembly lines (`seeds/003.md`) says the rare-earth bottleneck is costly, but
nobody has published what it costs the US economy per year; the scenario's `us_re_cost` (150 bn at
a full cut-off) is an *assumption*, with a plausible range of 20 to 400. The same goes for how much
Washington weighs its own buyers' tariff costs, for the price premium China pays for US soybeans,
and for the value Beijing puts on answering US tech controls. The explainer in `seeds/004.md`
predicted slow, step-by-step easing, won by whoever holds structural advantages; whether that holds
in the model depends on these numbers.

A conclusion worth teaching should survive its uncertain inputs. Today we check which conclusions
of lessons 1–4 do.

## Learning goals

1. List a scenario's assumptions and their plausible ranges.
2. Draw a **threshold curve**: how a critical discount factor moves with one parameter.
3. Draw a **phase diagram** over two parameters with `sim.sweeps.run`: where the stage equilibrium changes,
   where the truce is self-enforcing.
4. Judge which conclusions are robust and which hinge on one number.
"""),
    ("code", SETUP),
    ("md", """
## 1. What is assumed?

Every parameter either cites a source or is marked as an assumption. The sweepable ones have a
`range`:
"""),
    ("code", '''
rows = [{"parameter": name, "value": p.value, "low": p.range[0], "high": p.range[1],
         "basis": "assumption" if p.assumption else "source", "unit": p.unit}
        for name, p in scenario.parameters.items() if p.range is not None]
pd.DataFrame(rows).set_index("parameter")
'''),
    ("md", """
## 2. One parameter at a time: threshold curves

How patient must each side be for the Busan truce to hold, as the cost of the rare-earth bottleneck
to the US varies over its range?
"""),
    ("code", '''
curve = threshold_curve(scenario, "us_re_cost", np.linspace(20, 400, 12))
plot_threshold_curve(curve)
'''),
    ("md", """
The US threshold falls as the bottleneck gets costlier (the more the US has to lose, the more a
truce is worth to it), while China's does not move: its payoffs do not include `us_re_cost`.
Now the weight Washington puts on its buyers' tariff costs:
"""),
    ("code", '''
curve_bw = threshold_curve(scenario, "us_buyer_weight", np.linspace(0.1, 1.0, 10))
plot_threshold_curve(curve_bw)
'''),
    ("md", """
Here China's threshold jumps to "never" once the US weight rises past about 0.3. Why? A US that
counts its buyers' costs more would not keep its tariff at 47% if talks failed; it would drop it to
the pre-2025 level. The stage equilibrium then becomes *better* for China than the truce, so the
threat of falling back to it no longer holds China to the truce.

A one-at-a-time table ("tornado") shows which parameter moves what: each parameter taken to the
two ends of its range with the others at their values. `sim.sweeps.run.sweep` does this in one call per
parameter (a list of values is a one-axis grid) and returns one row per run:
"""),
    ("code", '''
frames = []
for name, p in scenario.parameters.items():
    if p.range is not None:
        run = sweep(SCENARIO_FILE, {name: list(p.range)}, ["equilibria", "critical_delta"])
        frames.append(run.assign(parameter=name, end=["low", "high"], value=run[f"parameters.{name}"]))
columns = {"equilibria.tariff.us": "US tariff %", "equilibria.tech.us": "US tech rule",
           "equilibria.rare_earths.china": "China RE withheld %", "equilibria.soybeans.china": "China soy MMT",
           "critical_delta.grim_nash.us": "US δ*", "critical_delta.grim_nash.china": "China δ*"}
tornado = pd.concat(frames)[["parameter", "end", "value", *columns]].rename(columns=columns)
tornado.round(2)
'''),
    ("md", """
Three things stand out (∞ means the truce can never be held by Nash reversion):

* **The stage equilibrium is robust in its broad shape** — the US keeps the tech rule and port fees,
  China buys no soybeans and lets enforcement lapse — but its details move: the US tariff drops to
  its pre-2025 level at the high ends of `import_elast` and `us_buyer_weight`, and China stops
  withholding rare earths when they cost it more (`cn_re_cost` high) or when retaliation is worth
  less than they cost (`cn_re_retaliation` low, or no tech rule to answer).
* **The US threshold stays low everywhere** (at most about 0.5 per quarter): the US always has a lot
  to lose from a breakdown.
* **China's threshold is fragile**: eight of the twenty parameters send it to ∞ at one end of their
  range. Whether Beijing has a reason to keep the truce hinges on numbers nobody has measured.

## 3. Two parameters at once: phase diagrams

`sim.sweeps.run.sweep` evaluates metrics over a grid of parameter values and returns one row per point.
Here: the US buyer weight against the value China puts on retaliating against tech controls
(`cn_re_retaliation`), 10 × 13 points, with the stage equilibrium and the truce thresholds as metrics.
"""),
    ("code", '''
table = sweep(SCENARIO_FILE, {"us_buyer_weight": "0.1:1.0:10", "cn_re_retaliation": "0:60:13"},
              ["equilibria", "critical_delta", "self_enforcing"])
print(len(table), "runs;", ", ".join(table.columns[:8]), "...")
table.head()
'''),
    ("code", PHASE + '''
table["regime"] = ("US tariff " + table["equilibria.tariff.us"].map("{:.0f}%".format)
                   + ", China rare earths " + table["equilibria.rare_earths.china"].map("{:.0f}% withheld".format))
phase_diagram(table, "parameters.us_buyer_weight", "parameters.cn_re_retaliation", "regime",
              title="Stage equilibrium by region")
'''),
    ("code", '''
phase_diagram(table, "parameters.us_buyer_weight", "parameters.cn_re_retaliation", "self_enforcing.truce",
              title="Is the Busan truce self-enforcing under grim trigger?",
              labels={True: "truce holds for both", False: "truce fails for someone"})
'''),
    ("md", """
Read the two diagrams together:

* **China withholds rare earths in equilibrium only when it values retaliation enough**
  (`cn_re_retaliation` above about 10 bn a year): below that, the October controls cost China more
  than they are worth even as an answer to the tech rule.
* **The truce holds only in a corner**: a low US buyer weight (at most about 0.25) *and* a
  retaliation value of at most about 30 bn a year. A high retaliation value makes China's fallback
  too attractive; a high buyer weight lowers the US tariff in the fallback. The scenario's central
  values (0.25, 30) sit right at the corner's edge.

So "the truce is self-enforcing" (lesson 2) is *fragile*: it hinges on two numbers nobody has
measured. "The +100% threat is not credible" (lesson 4) is *robust*: it held at every end of every
range. Good policy analysis says which is which.

## 4. Variants of the scenario

The repository ships two variants that override a few numbers: a US rare-earth stockpile that cuts
the bottleneck cost to a quarter, and a China that pays twice the premium for US soybeans.
"""),
    ("code", '''
rows = []
for name in ("us_china_2025", "us_china_re_stockpile", "us_china_soy_diversified"):
    g = build_game(load_scenario(SCENARIOS / f"{name}.toml"))
    e = nash_equilibria(g, "pure")[0]
    t = truce_thresholds(g)
    rows.append({"scenario": name, "equilibrium US": e.payoffs[0], "equilibrium China": e.payoffs[1],
                 "US δ*": t.grim_nash[0], "China δ*": t.grim_nash[1], "truce holds": all(t.self_enforcing())})
show(rows)
'''),
    ("md", """
## Exercises

Three exercises.
"""),
    ("exercise", """
Draw the phase diagram of `self_enforcing.truce` over the soybean premium (`soy_premium`, 0 to 80)
and `cn_re_retaliation` (0 to 60). Which of the two matters more for whether the truce holds?
""", '''
# Exercise 5.1 - your code here
''', '''
t2 = sweep(SCENARIO_FILE, {"soy_premium": "0:80:9", "cn_re_retaliation": "0:60:13"}, ["self_enforcing", "critical_delta"])
show(phase_diagram(t2, "parameters.soy_premium", "parameters.cn_re_retaliation", "self_enforcing.truce",
                   title="Truce self-enforcing?", labels={True: "holds", False: "fails"}))
t2.pivot(index="parameters.cn_re_retaliation", columns="parameters.soy_premium",
         values="critical_delta.grim_nash.china").round(2)
''', """
`cn_re_retaliation` decides it: above about 30–35 bn a year China's fallback is too attractive
whatever the soybean premium. The premium only nudges China's threshold up (buying US beans costs
China a little more), which matters close to the boundary.
"""),
    ("exercise", """
Using the tornado table, rank the parameters by how far they move China's critical discount factor
between the two ends of their range (count ∞ as 1). Which of the top ones also change China's
action in the stage equilibrium?
""", '''
# Exercise 5.2 - your code here
''', '''
capped = tornado.assign(china=tornado["China δ*"].clip(upper=1.0))
spread = capped.groupby("parameter")["china"].agg(lambda s: s.max() - s.min()).sort_values(ascending=False)
print(spread.head(8).round(2))
changes = tornado.groupby("parameter")[["China RE withheld %", "China soy MMT"]].nunique().max(axis=1) > 1
print("changes China's equilibrium action:", sorted(changes[changes].index))
''', """
China's own valuation of the tech and rare-earth exchange dominates: `cn_tech_cost` (if the
Affiliates rule barely hurts China, falling back to a world with the rule is no punishment),
`cn_re_cost` and `cn_re_retaliation`, then `export_elast`, China's costs of fentanyl enforcement
and port fees, and the US-side tech numbers.
Several of them also flip China's rare-earth choice in equilibrium (`cn_re_cost`,
`cn_re_retaliation`, `us_tech_value`, `us_tech_sales`), and `soy_premium` at zero makes China buy
soybeans even in the equilibrium. A careful analyst would report the truce result as conditional on
these numbers, and say which data would settle them.
"""),
    ("exercise", """
Sweeps can also run repeated play. Use the `play` metric to sweep implementation noise
(`repeated.noise`, 0 to 0.2 in 5 steps) with both sides playing tit for tat
(`strategies={"us": "tit_for_tat", "china": "tit_for_tat"}`, `reps=50`), and plot the cooperation
rate against the noise.
""", '''
# Exercise 5.3 - your code here
''', '''
t3 = sweep(SCENARIO_FILE, {"repeated.noise": "0:0.2:5"}, ["play"],
           strategies={"us": "tit_for_tat", "china": "tit_for_tat"}, reps=50)
fig = Figure(figsize=(6, 3.5), layout="constrained")
ax = fig.subplots()
ax.plot(t3["repeated.noise"], t3["play.cooperation_rate"], marker="o")
ax.set_xlabel("implementation noise per side and quarter")
ax.set_ylabel("share of quarters in the truce")
ax.set_ylim(0, 1.05)
fig
''', """
Cooperation falls steeply: at 5% noise the two tit-for-tat players spend well under three
quarters of the 12 quarters in the truce, at 20% only a small share. Noise is a parameter like any
other, and lesson 3's conclusion (reciprocity needs forgiveness under noise) holds across its range.
"""),
]
