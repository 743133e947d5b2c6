"""Handouts: what the pages show matches the game, the pages fit A4 and are legible, and the CLI
gives one-line errors and never a half-written PDF."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.model.dynamic import build_dynamic_game
from sim.model.game import build_game
from sim.model.load import load_scenario
from sim.viz import handouts
from sim.viz.handouts import A4, handout_figures, matrix_view, write_handout

ROOT = Path(__file__).resolve().parents[2]


def scenario(name):
    return load_scenario(ROOT / "scenarios" / f"{name}.toml")


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def test_a_small_game_is_printed_whole():
    game = build_game(scenario("fivethirtyeight_trade"))
    view = matrix_view(game)
    assert view["kind"] == "full" and view["rows"] == ["Cooperate", "Defect"] and view["cols"] == ["Cooperate", "Defect"]
    assert np.array_equal(view["A"], [[15, 5], [25, 10]]) and np.array_equal(view["B"], [[15, 25], [5, 10]])


def test_a_large_game_shows_the_two_main_levers_at_the_truce():
    game = build_game(scenario("us_china_2025"))
    view = matrix_view(game)
    assert view["kind"] == "levers"
    assert [r.split("=")[0] for r in view["rows"]] == ["tariff"] * 7
    assert [c.split("=")[0] for c in view["cols"]] == ["rare_earths"] * 3
    assert "5,040 profiles" in view["note"] and "tech=none, port_fees=suspended" in view["note"]
    i, j = game.cooperative
    for r, row in enumerate(view["rows"]):  # each cell is the profile with that lever moved, the rest at the truce
        us = game.action_index(0, f"{row}, tech=none, port_fees=suspended")
        for c, col in enumerate(view["cols"]):
            cn = game.action_index(1, f"{col}, soybeans=25 MMT, tariff=truce, fentanyl=enforce")
            assert (view["A"][r, c], view["B"][r, c]) == (game.A[us, cn], game.B[us, cn])
    assert (view["A"][4, 0], view["B"][4, 0]) == (game.A[i, j], game.B[i, j])  # the truce itself


def test_a_game_too_large_for_a_slice_gets_a_summary(monkeypatch):
    monkeypatch.setattr(handouts, "MAX_ROWS", 4)
    game = build_game(scenario("us_china_2025"))
    view = matrix_view(game)
    assert view["kind"] == "summary" and "too many to print" in view["note"]
    assert view["A"][0, 0] == game.A[game.cooperative]


def test_a_game_with_state_gets_a_matrix_per_state():
    sc = scenario("leverage_game")
    dynamic = build_dynamic_game(sc)
    figures = handout_figures(sc)
    titles = [t.get_text() for f in figures for t in f.texts if t.get_text().startswith("Payoff matrix")]
    assert titles == [f"Payoff matrix — state {k}" for k in dynamic.states.keys()]
    high = dynamic.stage(dynamic.states.keys().index("leverage=high"))
    assert np.array_equal(matrix_view(high)["A"], high.A)


@pytest.mark.parametrize("name", ["fivethirtyeight_trade", "us_china_2025", "leverage_game"])
def test_pages_are_a4_and_legible(name):
    """Every page is A4, no text is smaller than 8 pt, and no text runs off the page."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    for fig in handout_figures(scenario(name)):
        assert tuple(fig.get_size_inches()) == pytest.approx(A4)
        renderer = FigureCanvasAgg(fig).get_renderer()
        texts = list(fig.texts) + [t for ax in fig.axes for t in ax.texts]
        for text in texts:
            if not text.get_text().strip():
                continue
            assert text.get_fontsize() >= 8, text.get_text()
            box = text.get_window_extent(renderer)
            assert box.x0 >= 0 and box.y0 >= 0, text.get_text()
            assert box.x1 <= fig.bbox.width + 0.5 and box.y1 <= fig.bbox.height + 0.5, text.get_text()


def test_the_lever_card_names_every_level_and_term():
    sc = scenario("us_china_2025")
    text = " ".join(t.get_text() for f in handout_figures(sc) for t in f.texts)
    for pid in sc.player_ids:
        for name, lever in sc.players[pid].levers.items():
            assert all(f"{label} = " in text for label in lever.labels), name
        for term in sc.players[pid].payoff:
            assert f"{term.replace('_', ' ')}:" in text
    assert "us_buyer_weight = 0.25" in text and "assumed:" in text


def test_write_handout(tmp_path):
    sc = scenario("prisoners_dilemma")
    out = write_handout(sc, tmp_path / "pd.pdf")
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF") and _pages(pdf) == len(handout_figures(sc))
    assert list(tmp_path.iterdir()) == [out]


def test_cli_writes_the_pdf(tmp_path):
    out = tmp_path / "538.pdf"
    result = CliRunner().invoke(main, ["handout", str(ROOT / "scenarios" / "fivethirtyeight_trade.toml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _pages(out.read_bytes()) == 5  # two cards, the matrix, two pages of cut-out cards


@pytest.mark.parametrize("args, message", [
    (["-o", "{tmp}/h.png"], "error: -o: a handout is a PDF"),
    (["-o", "{tmp}/missing/h.pdf"], "error: -o: directory"),
    (["-o", "{tmp}/h.txt"], "error: -o: unknown plot format"),
])
def test_cli_bad_output(tmp_path, args, message):
    args = [a.format(tmp=tmp_path) for a in args]
    result = CliRunner().invoke(main, ["handout", str(ROOT / "scenarios" / "chicken.toml"), *args])
    assert result.exit_code == 2 and result.output.strip().startswith(message), result.output
    assert len(result.output.strip().splitlines()) == 1 and list(tmp_path.iterdir()) == []


def test_cli_bad_scenario(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario]\nname = 1\n")
    result = CliRunner().invoke(main, ["handout", str(bad), "-o", str(tmp_path / "h.pdf")])
    assert result.exit_code == 2 and result.output.startswith(f"error: {bad}")
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "h.pdf").exists()


def test_nothing_half_written(tmp_path, monkeypatch):
    """A failure while the PDF is being written leaves neither the file nor a temporary behind."""
    real = handouts.PdfPages

    class Failing(real):
        pages = 0

        def savefig(self, *args, **kwargs):
            Failing.pages += 1
            if Failing.pages == 2:
                raise OSError(28, "No space left on device")
            return super().savefig(*args, **kwargs)

    monkeypatch.setattr(handouts, "PdfPages", Failing)
    with pytest.raises(OSError):
        write_handout(scenario("chicken"), tmp_path / "h.pdf")
    assert list(tmp_path.iterdir()) == []
