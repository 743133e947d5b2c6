"""Stage results print with action labels and give ``to_frame()``: equilibria, dominance, security,
bargaining, Stackelberg and threats, checked against what each result's ``to_dict()`` holds and
against textbook answers (battle of the sexes, prisoner's dilemma)."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.model.game import StageGame, build_game
from sim.model.load import load_scenario
from sim.stage.bargaining import kalai_smorodinsky, nash_bargaining, utilitarian_optimum
from sim.stage.commitment import stackelberg, stackelberg_mixed, threat_check
from sim.stage.dominance import iterated_dominance
from sim.stage.equilibria import nash_equilibria
from sim.stage.labels import attach_labels, text_table
from sim.stage.security import SecurityLevels, security
from tests.conftest import SCENARIOS


@pytest.fixture(scope="module")
def bos():
    return build_game(load_scenario(SCENARIOS / "battle_of_the_sexes.toml"))


@pytest.fixture(scope="module")
def pd_game():
    return build_game(load_scenario(SCENARIOS / "prisoners_dilemma.toml"))


def test_equilibria_print_as_a_labelled_table(bos):
    eqs = nash_equilibria(bos)
    text = str(eqs)
    assert text.splitlines()[0] == "3 Nash equilibria by vertex (complete)"
    assert "array" not in text and "Opera" in text and "Football" in text
    # the mixed equilibrium of the battle of the sexes: row plays Opera 2/3, each gets 2/3
    assert "0.6667·[Opera] + 0.3333·[Football]" in text
    assert repr(eqs) == text


def test_equilibria_frame_matches_the_result(bos):
    eqs = nash_equilibria(bos)
    frame = eqs.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["equilibrium", "strategy.row", "strategy.col", "payoff.row", "payoff.col", "pure"]
    assert len(frame) == len(eqs) == 3
    for row, e in zip(frame.itertuples(index=False), eqs, strict=True):
        assert (row[3], row[4]) == pytest.approx(e.payoffs)
        assert row[5] == e.is_pure
    assert frame["payoff.row"].tolist() == pytest.approx([2.0, 1.0, 2 / 3])


def test_dominance_prints_labels_and_frames_each_removal(pd_game):
    dom = attach_labels(iterated_dominance(pd_game.A, pd_game.B), pd_game)
    text = str(dom)
    assert "left: row [D]; col [D]" in text  # cooperation is strictly dominated for both
    frame = dom.to_frame()
    assert frame[["player", "action", "dominated_by"]].values.tolist() == [["row", "C", "D"], ["col", "C", "D"]]
    assert frame["margin"].gt(0).all()


def test_security_levels_are_a_printable_pair(bos):
    levels = security(bos)
    assert isinstance(levels, SecurityLevels) and isinstance(levels, tuple)
    row, col = levels  # still unpacks as a pair
    assert levels == (row, col)
    frame = levels.to_frame()
    assert frame["player"].tolist() == ["row", "col"]
    # battle of the sexes: each side can guarantee 2/3 with a mixed strategy, 0 with a pure one
    assert frame["maxmin_mixed"].tolist() == pytest.approx([2 / 3, 2 / 3], abs=1e-7)
    assert frame["maxmin_pure"].tolist() == [0.0, 0.0]
    assert "Security levels" in str(levels) and "[Opera]" in str(row)
    assert repr(row).startswith("SecurityLevel(row: maxmin 0 with [Opera]")
    assert "<table" in levels._repr_html_()


def test_bargaining_solutions_print_and_frame(pd_game):
    nb = nash_bargaining(pd_game)
    text = str(nb)
    # the symmetric prisoner's dilemma: both cooperate, over the (D, D) equilibrium payoffs
    assert text.startswith("Nash bargaining: row 3, col 3 (disagreement point row 1, col 1")
    assert "worst-for-both Nash equilibrium payoffs" in text and "agreement: 1 x (C; C)" in text
    frame = nb.to_frame()
    assert frame.loc[0, "payoff.row"] == pytest.approx(3.0) and frame.loc[0, "disagreement.col"] == pytest.approx(1.0)
    assert frame.loc[0, "agreement"] == "1 x (C; C)"
    for sol in (kalai_smorodinsky(pd_game, "security"), utilitarian_optimum(pd_game)):
        row = sol.to_frame().iloc[0]
        assert row["payoff.row"] == pytest.approx(sol.point[0]) and row["concept"] == sol.concept
    assert repr(nb).startswith("BargainingSolution(Nash bargaining")


def test_stackelberg_and_threat_print_labels(bos):
    st = stackelberg(bos, 0)
    assert str(st).startswith("row leads with [Opera], follower answers [Opera]: row 2, col 1")
    assert st.to_frame().iloc[0][["commitment", "follower_action", "payoff.row"]].tolist() == ["Opera", "Opera", 2.0]
    mixed = stackelberg_mixed(bos, 0)
    assert mixed.to_frame().iloc[0]["payoff.row"] == pytest.approx(mixed.payoffs[0])
    th = threat_check(bos, 0, "Football", "Football", baseline=("Opera", "Opera"))
    row = th.to_frame().iloc[0]
    assert row["trigger"] == "Football" and row["response"] == "Football"
    assert row["credible"] == th.credible and "Football" in str(th)


def test_text_table_limits_rows_and_aligns_numbers():
    rows = [{"name": f"r{k}", "value": k * 1.5} for k in range(25)]
    text = text_table(rows, "title", limit=3)
    lines = text.splitlines()
    assert lines[0] == "title" and lines[-1] == "  ... 22 more (see to_frame())"
    assert lines[2].endswith("  0") and lines[4].endswith("  3")


def test_the_correlated_equilibrium_prints_and_frames_with_labels():
    from sim.stage.correlated import correlated_equilibrium

    game = StageGame.from_matrices([[6, 2], [7, 0]], [[6, 7], [2, 0]], actions=(("C", "D"), ("C", "D")),
                                   name="Aumann's chicken")
    ce = correlated_equilibrium(game)  # welfare-maximising: 1/2 (C, C), 1/4 each off-diagonal, total 10.5
    assert sum(ce.payoffs) == pytest.approx(10.5)
    frame = ce.to_frame()
    assert list(frame.columns) == ["row", "col", "probability"]
    assert dict(zip(zip(frame["row"], frame["col"]), frame["probability"])) == pytest.approx(
        {("C", "C"): 0.5, ("C", "D"): 0.25, ("D", "C"): 0.25})
    text = str(ce)
    assert text.startswith("correlated equilibrium") and "0.5  C | C" in text
