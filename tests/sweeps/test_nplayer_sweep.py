"""Sweeps of games of more than two players: each row equals the analysis of the game built at its
point, the table is the same whatever the worker count, and what cannot be swept is refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.errors import InputError
from sim.model.load import load_scenario
from sim.model.nplayer_build import build_normal_form
from sim.repeated.nplayer_thresholds import grim_thresholds
from sim.stage.nplayer_correlated import correlated_equilibrium_nplayer
from sim.stage.nplayer_pure import payoff_stack, pure_equilibrium_mask
from sim.stage.nplayer_security import security_levels_nplayer
from sim.sweeps.run import sweep

ROOT = Path(__file__).resolve().parents[2]
SOY = str(ROOT / "scenarios" / "us_china_brazil_soy.toml")
GOODS = str(ROOT / "scenarios" / "public_goods_3.toml")
METRICS = ["equilibria", "correlated", "security", "critical_delta"]


def test_each_row_is_the_analysis_of_the_game_built_at_its_point():
    table = sweep(SOY, ["price_elast=0.5:2.5:3", "hawk_weight=0.5,2.0"], METRICS)
    assert len(table) == 6
    scenario = load_scenario(SOY)
    ids = ("us", "china", "brazil")
    for _, row in table.iterrows():
        game = build_normal_form(scenario, {"price_elast": row["parameters.price_elast"],
                                            "hawk_weight": row["parameters.hawk_weight"]})
        mask = pure_equilibrium_mask(payoff_stack(game))
        assert row["equilibria.count"] == mask.sum()
        found = np.argwhere(mask)
        best = tuple(found[np.argmax([sum(t[tuple(f)] for t in game.payoffs) for f in found])])
        assert row["equilibria.payoff.brazil"] == game.payoffs[2][best]
        assert row["equilibria.tariff.us"] == scenario.players["us"].levers["tariff"].levels[best[0]]
        assert row["equilibria.cooperative_is_nash"] == float(mask[tuple(game.cooperative)])
        ce = correlated_equilibrium_nplayer(game, kind="ce")
        assert row["correlated.welfare"] == pytest.approx(ce.value, abs=1e-9)
        sec = security_levels_nplayer(game)
        th = grim_thresholds(game)
        for k, pid in enumerate(ids):
            assert row[f"security.mixed.{pid}"] == pytest.approx(sec.value[k], abs=1e-9)
            assert row[f"security.pure.{pid}"] == sec.pure_value[k]
            assert row[f"critical_delta.grim_nash.{pid}"] == pytest.approx(th.grim_nash[k], nan_ok=True)


def test_the_table_is_the_same_with_two_workers():
    args = (SOY, ["price_elast=0.5:2.5:4", "players.china.discount=0.5,0.9"], ["equilibria", "critical_delta"])
    one, two = sweep(*args, workers=1, chunk_size=3), sweep(*args, workers=2, chunk_size=3)
    assert one.equals(two)


def test_a_payoff_cell_of_a_three_player_matrix_game_can_be_swept():
    # Ann's payoff when all three contribute, from 6 up to 8: at 8 > 7 (her free-riding payoff
    # against two contributors) all contributing becomes an equilibrium
    table = sweep(GOODS, ["payoffs.ann.0.0.0=6,8"], ["equilibria"])
    assert list(table["equilibria.cooperative_is_nash"]) == [0.0, 0.0]  # Bob and Cat still free-ride
    assert list(table["equilibria.count"]) == [1.0, 1.0]
    assert list(table["equilibria.action.ann"]) == [1.0, 1.0]  # free-ride, the second action
    th = sweep(GOODS, ["players.ann.discount=0.2,0.3"], ["critical_delta"])
    assert list(th["critical_delta.grim_nash.ann"]) == [pytest.approx(0.25)] * 2  # (N - r) / (r (N - 1))


def test_what_a_three_player_sweep_cannot_vary_is_refused_naming_it():
    with pytest.raises(InputError, match="repeated.rounds"):
        sweep(GOODS, ["repeated.rounds=2,3"], ["equilibria"])
    with pytest.raises(InputError, match="unknown metric 'play'.*equilibria, correlated"):
        sweep(GOODS, [], ["play"])
    with pytest.raises(InputError, match="takes no options"):
        sweep(GOODS, [], ["equilibria:method=vertex"])


def test_the_sweep_command_writes_the_table(tmp_path):
    out = tmp_path / "soy.csv"
    res = CliRunner().invoke(main, ["sweep", SOY, "-p", "price_elast=1,2", "-m", "equilibria", "-o", str(out)])
    assert res.exit_code == 0, res.output
    text = out.read_text()
    assert "equilibria.count" in text and "equilibria.payoff.brazil" in text and "equilibria.expansion.brazil" in text
    assert np.isfinite(float(text.splitlines()[1].split(",")[5]))
