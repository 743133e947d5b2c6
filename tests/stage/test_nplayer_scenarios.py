"""The N-player analyses on the bundled three-player scenario files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.model.load import load_scenario
from sim.stage.nplayer_coalition import coalition_check
from sim.stage.nplayer_dominance import iterated_dominance_nplayer
from sim.stage.nplayer_mixed import nplayer_nash

nplayer_build = pytest.importorskip("sim.model.nplayer_build")
ROOT = Path(__file__).resolve().parents[2]


def game(name: str):
    path = ROOT / "scenarios" / name
    if not path.exists():
        pytest.skip(f"{name} not bundled")
    return nplayer_build.build_normal_form(load_scenario(str(path)), source=str(path))


def test_public_goods_textbook_answer():
    # MPCR 2/3 < 1: free riding is strictly dominant; the unique equilibrium gives 3 tokens each
    # (Ledyard 1995); any two players gain by contributing together (4 > 3), so it is not strong Nash,
    # but no deviation by a pair is self-enforcing: it is coalition-proof (Bernheim et al. 1987)
    g = game("public_goods_3.toml")
    res = nplayer_nash(g)
    assert res.complete and len(res) == 1
    (e,) = res.equilibria
    assert e.is_pure and all(g.actions[k][s[0]] == "free-ride" for k, s in enumerate(e.support))
    assert np.allclose(e.payoffs, 3.0)
    assert iterated_dominance_nplayer(g).solved
    check = coalition_check(g, {p: "free-ride" for p in g.player_ids})
    assert check.strong is False and check.coalition_proof is True
    assert len(check.breaking) == 4  # the three pairs and the grand coalition


def test_every_bundled_three_player_file_solves_verified():
    for name in ("export_control_coalition.toml", "us_china_brazil_soy.toml"):
        g = game(name)
        res = nplayer_nash(g, max_seconds=30)
        assert len(res) >= 1
        U = g.payoff_array()
        from sim.stage.nplayer_pure import payoff_ranges, regrets

        for e in res:
            assert (regrets(U, e.strategies) <= res.tol * payoff_ranges(U)).all()
