"""Pairwise payoff projections of three-player games."""

from __future__ import annotations

import numpy as np

from sim.model.nplayer import NormalFormGame
from sim.stage.nplayer_mixed import nplayer_nash
from sim.viz.nplayer import payoff_projections
from tests.stage.test_nplayer_equilibria import MCKELVEY_MCLENNAN, nfg_outcomes


def test_three_panels_labelled_with_players_and_unit(tmp_path):
    g0 = nfg_outcomes(MCKELVEY_MCLENNAN, (2, 2, 2))
    g = NormalFormGame.from_arrays(g0.payoffs, player_ids=["us", "china", "brazil"], units="USD bn",
                                   cooperative=[0, 0, 0], name="mm")
    eqs = nplayer_nash(g)
    fig = payoff_projections(g, eqs)
    axes = fig.axes
    assert len(axes) == 3
    assert [ax.get_xlabel() for ax in axes] == ["us payoff (USD bn)", "us payoff (USD bn)", "china payoff (USD bn)"]
    assert [ax.get_ylabel() for ax in axes] == ["china payoff (USD bn)", "brazil payoff (USD bn)",
                                                "brazil payoff (USD bn)"]
    # the first panel: 8 profile points, 4 pure and 5 mixed equilibria, the cooperative star
    sizes = [len(c.get_offsets()) for c in axes[0].collections]
    assert sizes == [8, 4, 5, 1]
    pure = axes[0].collections[1].get_offsets()
    assert {tuple(map(float, p)) for p in np.asarray(pure)} == {(9.0, 8.0), (3.0, 4.0)}
    path = tmp_path / "space.png"
    fig.savefig(path)
    assert path.stat().st_size > 10_000


def test_records_from_json_and_four_players():
    rng = np.random.default_rng(0)
    g = NormalFormGame.from_arrays(rng.normal(size=(4, 2, 2, 2, 2)))
    fig = payoff_projections(g, nplayer_nash(g).to_dict()["equilibria"])
    assert len(fig.axes) == 6
