"""The hover SVG of the payoff space: one titled point per profile, solution points named."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from sim.repeated.payoff_set import feasible_ir_set
from sim.viz.hover import payoff_space_svg

NS = "{http://www.w3.org/2000/svg}"


def test_every_profile_is_a_point_with_its_label(us_china_game):
    game = us_china_game
    truce = (float(game.A[game.cooperative]), float(game.B[game.cooperative]))
    svg = payoff_space_svg(game, payoff_set=feasible_ir_set(game), points={"truce": [truce]})
    root = ET.fromstring(svg)
    circles = [c for c in root.iter(f"{NS}circle") if c.get("class") == "profile"]
    assert len(circles) == game.A.size
    i, j = game.cooperative
    k = i * game.shape[1] + j
    tip = circles[k].find(f"{NS}title").text
    assert game.actions[0][i] in tip and game.actions[1][j] in tip
    assert f"{game.A[i, j]:.4g}, {game.B[i, j]:.4g}" in tip
    solutions = [r for r in root.iter(f"{NS}rect") if r.get("class") == "solution"]
    assert [r.find(f"{NS}title").text for r in solutions] == [f"truce: {truce[0]:.4g}, {truce[1]:.4g}"]
    # higher row payoff is further right, higher column payoff further up
    xs = [float(c.get("cx")) for c in circles]
    ys = [float(c.get("cy")) for c in circles]
    best_us, best_cn = int(game.A.ravel().argmax()), int(game.B.ravel().argmax())
    assert xs[best_us] == max(xs) and ys[best_cn] == min(ys)
    assert len(list(root.iter(f"{NS}polygon"))) == 2
    assert re.search(r"us payoff \(USD bn per year\)", svg)
