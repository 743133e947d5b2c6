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
from sim.empirics.robust import robustness

SCENARIOS = Path("..") / "scenarios"
SCENARIO_FILE = str(SCENARIOS / "us_china_2025.toml")
scenario = load_scenario(SCENARIO_FILE)
'''

TRACE = '''
def trace_curve(scenario, name, low, high, points=10, tol=1e-3):
    """Threshold curve of parameter ``name`` over [low, high], exact at its edges.

    Evaluates a grid of ``points`` values plus the scenario's own value, then halves every interval
    whose two ends differ in regime (the stage equilibria, or a side's best deviation from the truce)
    until it is narrower than ``tol``: where a threshold jumps, the curve jumps too.
    """
    def regime(value):
        game = build_game(scenario, {name: float(value)})
        return [str(e.support) for e in nash_equilibria(game)], truce_thresholds(game).deviation_action

    values = sorted({*np.linspace(low, high, points), scenario.parameters[name].value})
    seen = {v: regime(v) for v in values}
    intervals = list(zip(values[:-1], values[1:]))
    while intervals:
        a, b = intervals.pop()
        if seen[a] != seen[b] and b - a > tol:
            mid = (a + b) / 2
            seen[mid] = regime(mid)
            intervals += [(a, mid), (mid, b)]
    return threshold_curve(scenario, name, sorted(seen))


def plot_traced(curve):
    """The threshold curve with the scenario's own value marked."""
    fig = plot_threshold_curve(curve)
    fig.axes[0].axvline(scenario.parameters[curve.parameter].value, color="grey", linewidth=1,
                        label="the scenario's value")
    fig.axes[0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def jumps(curve, tol=1e-3):
    """Where a threshold jumps: neighbouring traced points closer than ``tol`` whose thresholds differ."""
    v, g = curve.values, curve.grim_nash
    capped = np.minimum(g, 1.0)  # "never" (inf) counts as 1
    return [{curve.parameter: round((v[k] + v[k + 1]) / 2, 3),
             **{f"{pid} δ* below": g[k, p] for p, pid in enumerate(curve.player_ids)},
             **{f"{pid} δ* above": g[k + 1, p] for p, pid in enumerate(curve.player_ids)}}
            for k in range(len(v) - 1)
            if v[k + 1] - v[k] <= tol and np.abs(capped[k + 1] - capped[k]).max() > 0.005]
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
and for how much each capital minds leaving the other's escalation unanswered (the audience
weights, fitted to the 2018–20 record but uncertain). The explainer in `seeds/004.md`
predicted slow, step-by-step easing, won by whoever holds structural advantages; whether that holds
in the model depends on these numbers.

A conclusion worth teaching should survive its uncertain inputs. Today we check which conclusions
of lessons 1–4 do.

## Learning goals

1. List a scenario's assumptions and their plausible ranges.
2. Draw a **threshold curve**: how a critical discount factor moves with one parameter.
3. State a conclusion as a **probability** over all the ranges at once (a Latin-hypercube sample),
   and find its **knife edges**.
4. Draw a **phase diagram** over two parameters with `sim.sweeps.run`: where the stage equilibrium changes,
   where the truce is self-enforcing.
5. Judge which conclusions are robust and which hinge on one number.
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

A curve drawn through a grid joins its points with straight lines. Where the stage equilibrium
changes between two grid points a threshold can *jump*, and the straight line then draws a slope
that is not there — possibly right at the scenario's own value. `trace_curve` below evaluates the
grid plus the scenario's own value, then halves every interval whose two ends have different stage
equilibria or best deviations until it is narrower than 0.001: the curve is exact at the
scenario's value and steep only where the thresholds really jump.
"""),
    ("code", TRACE + '''
curve = trace_curve(scenario, "us_re_cost", 20, 400, points=12)
plot_traced(curve)
'''),
    ("md", """
The US threshold falls as the bottleneck gets costlier (the more the US has to lose, the more a
truce is worth to it), while China's does not move: its payoffs do not include `us_re_cost`.
Now the weight Washington puts on its buyers' tariff costs:
"""),
    ("code", '''
curve_bw = trace_curve(scenario, "us_buyer_weight", 0.1, 1.0, points=10)
show(jumps(curve_bw))
plot_traced(curve_bw)
'''),
    ("md", """
This curve has jumps that a 10-point grid (0.1, 0.2, ..., 1.0) would draw as slopes:

* **Below about 0.13** a US that barely minds its buyers' costs has more than one stage
  equilibrium, among them a war at peak tariffs. Grim trigger threatens the harshest fall-back that
  is an equilibrium, so both sides need less patience there: China 0.10 instead of 0.27. On the
  grid the line from 0.1 to 0.2 would show a gentle rise.
* **At about 0.47** the fall-back the thresholds use — the truce tariff against China's October
  controls — stops being an equilibrium. A US that counts its buyers' costs this much would drop
  its tariff to the pre-2025 level if talks failed, and China would answer with April licensing
  only: a fall-back *better* for China than the truce (−30 against −44 bn a year), so nothing holds
  China to the truce any more (∞), and the US's own threshold jumps from 0.14 to 0.46.
* **Past about 0.81** the US never keeps the truce either: its threshold climbs to 1, because the
  truce's own 47% tariff becomes a cost a US that feels its buyers' price rise would rather not
  bear (lesson 1, exercise 1.4).

At the scenario's own value, 0.25, the curve is exact: 0.05 for the US, 0.27 for China, as in
lesson 2.

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
           "equilibria.port_fees.us": "US port fees $/t",
           "equilibria.rare_earths.china": "China RE withheld %", "equilibria.soybeans.china": "China soy MMT",
           "equilibria.tariff.china": "China tariff %",
           "critical_delta.grim_nash.us": "US δ*", "critical_delta.grim_nash.china": "China δ*"}
tornado = pd.concat(frames)[["parameter", "end", "value", *columns]].rename(columns=columns)
tornado.round(2)
'''),
    ("md", """
Three things stand out (∞ means the truce can never be held by Nash reversion):

* **The stage equilibrium keeps its broad shape at almost every range end.** The US keeps the port
  fees at all 50 ends, and the Affiliates rule (1 in the tech column) at every end but one: at the
  top of `us_tech_sales` it steps down to the May 2025 curbs (0.5). China buys no soybeans at every
  end but one: with a zero premium it buys the 25 MMT pledge. Its details move: the US tariff drops to its pre-2025 level at the high end of
  `import_elast` and to its 2017 level at the high end of `us_buyer_weight`, and China's choice of
  weapon moves with ten of the twenty-five numbers: no rare-earth controls but a 146% tariff
  when its tariff is a good weapon (`export_elast` or `cn_importer_share` low, `cn_revenue_weight`
  or `cn_re_cost` high), no controls when leaving the US unanswered costs it nothing
  (`cn_audience` = 0), the milder April licensing when that is enough to answer the US (a lower US
  tariff or tech step, or controls that count for more tariff points).
* **The US threshold stays low** (at most about 0.76 per quarter) everywhere but one place: a US
  that counts its buyers' cost in full (`us_buyer_weight` = 1) never keeps the truce.
* **China's threshold goes to ∞ at one end of three ranges** (`import_elast`, `us_buyer_weight`,
  `cn_revenue_weight`, all at their high ends); everywhere else it stays below Beijing's 0.95.

Taken one at a time, then, the truce looks fairly safe. But the numbers are uncertain *together*.

## 3. All at once: conclusions as probabilities

Draw every ranged parameter at once: a **Latin hypercube** of 1,000 points (each range cut into
1,000 equal strata, one draw in each, the strata paired at random across parameters), the
parameters uniform over their stated ranges. `sweep(..., sample="lhs:1000")` evaluates the
metrics at every draw; the share of draws in which a conclusion holds is its probability.
"""),
    ("code", '''
ranged = {name: "range" for name, p in scenario.parameters.items() if p.range is not None}
draws = sweep(SCENARIO_FILE, ranged, ["equilibria", "self_enforcing"], sample="lhs:1000", seed=0)
print(len(draws), "draws of", len(ranged), "parameters")
show([{"conclusion": "the truce is self-enforcing for the US", "probability": draws["self_enforcing.grim_nash.us"].mean()},
      {"conclusion": "... for China", "probability": draws["self_enforcing.grim_nash.china"].mean()},
      {"conclusion": "... for both", "probability": draws["self_enforcing.truce"].mean()},
      {"conclusion": "in the stage equilibrium the US keeps the Affiliates rule", "probability": (draws["equilibria.tech.us"] == 1).mean()},
      {"conclusion": "... China buys no US soybeans", "probability": (draws["equilibria.soybeans.china"] == 0).mean()},
      {"conclusion": "... China imposes the October controls", "probability": (draws["equilibria.rare_earths.china"] == 90).mean()}])
'''),
    ("md", """
Moving one number at a time the truce failed at 3 of 50 range ends; moving all of them at once it
holds for both sides in only about 40% of the draws (for the US in about 80%, for China in about
40%). Fragility lives in *combinations*: a somewhat higher buyer weight together with a somewhat
more elastic import demand is enough. The equilibrium's shape is robust where the one-at-a-time
table said so, and for no soybeans more firmly: China buys none in all 1,000 draws, because the one
end where it buys is a premium of exactly zero (at a premium of 0.01 it already buys none). The
Affiliates rule is less safe than the table suggested: the US keeps it in about 89% of draws, since
combinations find more ways to drop it than the one range end. And "China answers with the October
controls" — the central case of lessons 1 and 4 — holds in only about one draw in five.

`tradesim robust FILE` reports exactly this, for the stage equilibrium, the truce per side and
(with `--if` and `--then`) a threat, each with a confidence interval and the parameters that
drive it. It also finds the **knife edges**: where one parameter, moved a little from its central
value with the others held there, flips a conclusion. In Python it is `robustness`:
"""),
    ("code", '''
robust = robustness(SCENARIO_FILE, draws=1000, seed=0,
                    threat=(0, {"rare_earths": "October controls"}, {"tariff": "Oct threat"}))
result = robust.to_dict()
show([{"conclusion": c, "probability": p, "at the central values": result["at_base"][c]}
      for c, p in result["conclusions"].items() if not c.startswith("equilibrium.")])
show(result["knife_edges"])
'''),
    ("md", """
The Oct-threat tariff is never credible and almost always deters; the equilibrium at the central
values (`base_equilibrium`) recurs in only about 4% of the draws, and it sits on a knife edge: it
changes if `us_buyer_weight` moves from 0.25 to about 0.32 (8% of its range), when the US drops its
tariff to the pre-2025 level and China answers with April licensing.

## 4. Two parameters at once: phase diagrams

`sim.sweeps.run.sweep` evaluates metrics over a grid of parameter values and returns one row per point.
Here: the US buyer weight against Beijing's audience weight (`cn_audience`, what China pays per
point of US escalation it leaves unanswered: the source of its retaliation), 10 × 11 points, with
the stage equilibrium and the truce thresholds as metrics.
"""),
    ("code", '''
table = sweep(SCENARIO_FILE, {"us_buyer_weight": "0.1:1.0:10", "cn_audience": "0:2:11"},
              ["equilibria", "critical_delta", "self_enforcing"])
print(len(table), "runs;", ", ".join(table.columns[:8]), "...")
table.head()
'''),
    ("code", PHASE + '''
table["regime"] = ("US tariff " + table["equilibria.tariff.us"].map("{:.0f}%".format)
                   + ", China rare earths " + table["equilibria.rare_earths.china"].map("{:.0f}% withheld".format))
phase_diagram(table, "parameters.us_buyer_weight", "parameters.cn_audience", "regime",
              title="Stage equilibrium by region")
'''),
    ("code", '''
phase_diagram(table, "parameters.us_buyer_weight", "parameters.cn_audience", "self_enforcing.truce",
              title="Is the Busan truce self-enforcing under grim trigger?",
              labels={True: "truce holds for both", False: "truce fails for someone"})
'''),
    ("md", """
Read the two diagrams together:

* **China withholds rare earths in equilibrium only when it minds unanswered escalation**: no
  controls at `cn_audience` = 0, April licensing at 0.2, the October controls from about 0.4 — as
  long as the US keeps its 47% tariff (buyer weight up to 0.3). A US that weighs its buyers more
  lowers its tariff, and China answers with April licensing only.
* **The truce holds only for a low US buyer weight**: at most about 0.4 (0.2 when China has no
  audience cost). Above that the US tariff in the fallback drops and China prefers the fallback to
  the truce. Beijing's audience weight hardly matters once it is above 0.4. The central values
  (0.25, 0.7) sit inside the region. The grid puts its edge between 0.4 and 0.5; the traced curve
  of section 2 puts it at 0.47, about 0.22 above the central buyer weight.

So "the truce is self-enforcing" (lesson 2) is *fragile*: it holds in about 40% of the draws and
hinges above all on the weight Washington puts on its buyers' price rise, a number nobody has
measured. "The +157% threat is not credible" (lesson 4) is *robust*: it held at every end of every
range and in every draw. Good policy analysis says which is which.

## 5. Variants of the scenario

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
and Beijing's audience weight (`cn_audience`, 0 to 2), and tabulate China's critical discount
factor. Which of the two matters more for China's incentive to keep the truce?
""", '''
# Exercise 5.1 - your code here
''', '''
t2 = sweep(SCENARIO_FILE, {"soy_premium": "0:80:9", "cn_audience": "0:2:11"}, ["self_enforcing", "critical_delta"])
show(phase_diagram(t2, "parameters.soy_premium", "parameters.cn_audience", "self_enforcing.truce",
                   title="Truce self-enforcing?", labels={True: "holds", False: "fails"}))
t2.pivot(index="parameters.cn_audience", columns="parameters.soy_premium",
         values="critical_delta.grim_nash.china").round(2)
''', """
Neither breaks the truce in this window: it holds everywhere (the diagram has one colour),
because the US buyer weight stays at its central 0.25. But `cn_audience` moves China's threshold
far more: from about 0.1 to about 0.86 across its range. At the truce Beijing leaves the 47% US
tariff unanswered and pays for it, so a China that minds this more values the truce less. The
soybean premium only nudges the threshold up (by at most about 0.07: buying US beans costs China a
little more). Near `cn_audience` = 2 China's threshold approaches its 0.95 discount factor.
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
`us_buyer_weight` moves China's threshold most (to ∞ at its high end), then `import_elast`,
`cn_revenue_weight` and `cn_audience`, then `cn_tech_cost` (if the Affiliates rule barely hurts
China, falling back to a world with the rule is no punishment), `export_elast` and `cn_re_cost`.
All of the top seven but `cn_tech_cost` also change China's action in the stage equilibrium (its
rare-earth regime or its tariff), and so do `cn_importer_share`, `re_equiv`, `tech_equiv`, `us_tech_sales` and
`soy_premium` (at zero China buys soybeans even in the equilibrium). A careful analyst would report
the truce result as conditional on these numbers — above all on how Washington weighs its buyers —
and say which data would settle them.
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
Cooperation falls steeply: at 5% noise the two tit-for-tat players spend about 60% of the 12
quarters in the truce, at 20% about a sixth. Noise is a parameter like any
other, and lesson 3's conclusion (reciprocity needs forgiveness under noise) holds across its range.
"""),
]
