"""HTML renderers.

Renderers are checked on what a reader relies on: the equilibrium cell is shaded, best responses
are marked where the payoff matrix says they are, lever labels head the table, text is escaped,
and every result type renders. (The explorer is in tests/viz.)
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pytest

from sim import render
from sim.model.actions import actions_where
from sim.model.game import StageGame, build_game
from sim.model.load import load_scenario
from sim.render import _base as display
from sim.render import game_html, show, table_html, to_html
from tests.conftest import LEVER_GAME, SCENARIOS


class Cells(HTMLParser):
    """Collects ``<td>`` cells of the body: their style, title and text."""

    def __init__(self):
        super().__init__()
        self.cells: list[dict] = []
        self._in = None
        self.balanced = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("table", "tr", "td", "th", "div", "b", "span", "p", "thead", "tbody", "caption"):
            self.balanced += 1
        if tag == "td":
            self._in = {"style": dict(attrs).get("style", ""), "title": dict(attrs).get("title", ""), "text": "",
                        "bold": 0}
        elif tag == "b" and self._in is not None:
            self._in["bold"] += 1

    def handle_endtag(self, tag):
        if tag in ("table", "tr", "td", "th", "div", "b", "span", "p", "thead", "tbody", "caption"):
            self.balanced -= 1
        if tag == "td" and self._in is not None:
            self.cells.append(self._in)
            self._in = None

    def handle_data(self, data):
        if self._in is not None:
            self._in["text"] += data


def parse(html: str) -> Cells:
    p = Cells()
    p.feed(html)
    p.close()
    return p


@pytest.fixture(scope="module")
def pd_game():
    return build_game(load_scenario(SCENARIOS / "prisoners_dilemma.toml"))


@pytest.fixture(scope="module")
def uc_scenario():
    return load_scenario(LEVER_GAME)


@pytest.fixture(scope="module")
def uc_game(uc_scenario):
    return build_game(uc_scenario)


# ----------------------------------------------------------------------------- the bimatrix
def test_prisoners_dilemma_table_marks_equilibrium_best_responses_and_truce(pd_game):
    html = game_html(pd_game)
    p = parse(html)
    assert p.balanced == 0
    assert [c["text"] for c in p.cells] == ["3, 3", "0, 5", "5, 0", "1, 1"]
    shaded = [display.EQ_BG in c["style"] for c in p.cells]
    assert shaded == [False, False, False, True]  # (D, D) only
    # row side's best responses: D in each column (cells 2 and 3); column side's: D in each row (1 and 3)
    assert [c["bold"] for c in p.cells] == [0, 1, 1, 2]
    outlined = [display.COOP_BORDER in c["style"] for c in p.cells]
    assert outlined == [True, False, False, False]  # the cooperative profile (C, C)


def test_best_responses_follow_the_matrices():
    A = np.array([[4.0, 0.0, 1.0], [3.0, 3.0, 0.0]])
    B = np.array([[4.0, 3.0, 0.0], [0.0, 3.0, 2.0]])
    g = StageGame.from_matrices(A, B, actions=(("u", "d"), ("l", "c", "r")))
    cells = parse(game_html(g, highlight={})).cells
    for k, cell in enumerate(cells):
        i, j = divmod(k, 3)
        row_best = A[i, j] == A[:, j].max()
        col_best = B[i, j] == B[i, :].max()
        assert cell["bold"] == int(row_best) + int(col_best), (i, j)
    assert [display.EQ_BG in c["style"] for c in cells] == [True, False, False, False, True, False]


def test_given_equilibria_and_mixed_equilibria_are_shown():
    from sim.stage.equilibria import nash_equilibria

    g = build_game(load_scenario(SCENARIOS / "matching_pennies.toml"))
    eqs = nash_equilibria(g)
    html = game_html(g, equilibria=eqs)
    assert "mixed equilibrium" in html and "0.50" in html
    assert not any(display.EQ_BG in c["style"] for c in parse(html).cells)
    html = game_html(g, equilibria=[(0, 1)], highlight={})
    assert [display.EQ_BG in c["style"] for c in parse(html).cells] == [False, True, False, False]


def test_lever_labels_head_the_table(uc_game):
    rows = actions_where(uc_game, 0, tech="suspended", port_fees="suspended")
    cols = actions_where(uc_game, 1, soybeans="25 MMT", fentanyl="enforce")
    assert len(rows) == 4 and len(cols) == 9
    html = game_html(uc_game, rows=rows, cols=cols)
    for label in ("pre-2025", "peak+100", "general licences", "October controls", "25 MMT", "rare_earths"):
        assert label in html
    assert "within the rows and columns shown" in html
    assert "1 pure equilibrium lies outside this slice" in html
    cells = parse(html).cells
    assert len(cells) == 36
    truce = [c for c in cells if display.COOP_BORDER in c["style"]]
    assert len(truce) == 1 and truce[0]["text"].startswith("24.6")


def test_nested_header_spans(uc_game):
    """A lever's header run never crosses a change of an outer lever."""
    html = game_html(uc_game, view="full")
    first_row = re.search(r"<thead[^>]*><tr>(.*?)</tr>", html).group(1)
    spans = [int(s) for s in re.findall(r'colspan="(\d+)"', first_row)[1:]]
    assert spans == [18, 18, 18]  # rare_earths: 3 levels x 18 actions each
    assert len(parse(html).cells) == 16 * 54


def test_big_game_is_aggregated_with_equilibrium_and_truce_marked(uc_game):
    html = game_html(uc_game)
    cells = parse(html).cells
    assert len(cells) == 4 * 3  # US tariff x China rare earths
    starred = [c for c in cells if "★" in c["text"]]
    assert len(starred) == 1 and display.EQ_BG in starred[0]["style"]
    assert sum("◆" in c["text"] for c in cells) == 1
    assert "too many cells" in html
    other = game_html(uc_game, view="aggregate", aggregate=("tech", "soybeans"))
    assert len(parse(other).cells) == 2 * 3
    with pytest.raises(ValueError, match="no lever"):
        game_html(uc_game, view="aggregate", aggregate=("tech", "nope"))
    with pytest.raises(ValueError, match="view"):
        game_html(uc_game, view="tiny")


def test_text_is_escaped():
    g = StageGame.from_matrices([[1, 0], [0, 1]], [[1, 0], [0, 1]], actions=(("<b>x</b>", "y & z"), ("c", "d")),
                                name="<script>alert(1)</script>")
    html = game_html(g)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "y &amp; z" in html
    assert "<script>" not in table_html([{"a": "<script>"}])


# ----------------------------------------------------------------------------- every result type
RESULT_CASES = [
    "scenario",
    "game",
    "equilibria",
    "dominance",
    "match",
    "tournament",
    "thresholds",
    "curve",
    "payoff set",
    "nash bargaining",
    "kalai",
    "utilitarian",
    "correlated",
    "stackelberg",
    "threat",
    "security",
    "replicator",
    "moran",
    "records",
]


@pytest.fixture(scope="module")
def result_cases(uc_scenario, uc_game, pd_game):
    """name -> (result object, to_html keywords, text the HTML must contain)."""
    from sim.repeated.curves import threshold_curve
    from sim.repeated.engine import play
    from sim.repeated.evolution import moran, replicator
    from sim.repeated.payoff_set import feasible_ir_set
    from sim.repeated.thresholds import truce_thresholds
    from sim.repeated.tournament import round_robin
    from sim.stage.bargaining import (
        correlated_equilibrium,
        kalai_smorodinsky,
        nash_bargaining,
        utilitarian_optimum,
    )
    from sim.stage.commitment import stackelberg, threat_check
    from sim.stage.equilibria import nash_equilibria
    from sim.stage.security import security

    g = uc_game
    eqs = nash_equilibria(g)
    match = play(g, ("tit_for_tat", "deadline_truce:k=4"), rounds=8, replicates=20, noise=0.02, seed=3)
    tour = round_robin(pd_game, ["tit_for_tat", "always_defect", "grim_trigger"], rounds=20, replicates=2, seed=1)
    expected = {
        "scenario": (uc_scenario, {}, ["us_re_cost", "assumption", "October controls", "Busan truce"]),
        "game": (g, {}, ["★"]),
        "equilibria": (eqs, {"game": g}, ["1 Nash equilibrium", "October controls", "iterated strict dominance"]),
        "dominance": (eqs.dominance, {"game": g}, ["dominated by"]),
        "match": (match, {}, ["tit_for_tat vs deadline_truce", "20 replicates", "plays cooperative"]),
        "tournament": (tour, {}, ["round robin of 3", "always_defect"]),
        "thresholds": (truce_thresholds(g), {}, ["δ* grim (Nash)", "self-enforcing for us"]),
        "curve": (threshold_curve(uc_scenario, "us_re_cost", [20.0, 400.0]), {}, ["us_re_cost", "δ* grim us"]),
        "payoff set": (feasible_ir_set(g), {}, ["minmax us"]),
        "nash bargaining": (nash_bargaining(g), {"game": g}, ["Nash bargaining", "disagreement point", "pre-2025"]),
        "kalai": (kalai_smorodinsky(g), {"game": g}, ["Kalai-Smorodinsky"]),
        "utilitarian": (utilitarian_optimum(g), {"game": g}, ["utilitarian"]),
        "correlated": (correlated_equilibrium(pd_game), {"game": pd_game}, ["correlated equilibrium", "probability"]),
        "stackelberg": (stackelberg(g, 0), {"game": g}, ["leader commits to", "tech=suspended"]),
        "threat": (threat_check(g, 0, {"rare_earths": "October controls"}, {"tariff": "peak+100"}), {"game": g},
                   ["credible", "✗ no", "✓ yes"]),
        "security": (security(g), {"game": g}, ["maxmin (mixed)"]),
        "replicator": (replicator(tour), {}, ["replicator dynamics"]),
        "moran": (moran(tour, population=10, replicates=5, max_steps=200, seed=1), {}, ["Moran process"]),
        "records": ([{"a": 1.5, "b": True}], {}, ["1.50", "✓ yes"]),
    }
    assert list(expected) == RESULT_CASES
    return expected


@pytest.mark.parametrize("name", RESULT_CASES, ids=[n.replace(" ", "-") for n in RESULT_CASES])
def test_every_result_type_renders(result_cases, name):
    obj, kw, needles = result_cases[name]
    html = to_html(obj, **kw)
    assert parse(html).balanced == 0, name
    for needle in needles:
        assert needle in html, (name, needle)


def test_results_without_a_game_fall_back_to_indices(uc_game):
    from sim.stage.bargaining import nash_bargaining

    html = to_html(nash_bargaining(uc_game))
    assert "#0" in html


def test_figures_and_unknown_objects(pd_game):
    from sim.viz.plots import plot_payoff_space

    fig = plot_payoff_space(pd_game)
    assert to_html(fig).startswith('<img style="max-width:100%" src="data:image/png;base64,')
    assert render.figure_png(fig)[:4] == b"\x89PNG"
    assert to_html(object()).startswith("<pre>&lt;object")


def test_show_displays_html_and_png(pd_game, monkeypatch):
    import IPython.display as ipd

    from sim.viz.plots import plot_payoff_space

    shown = []
    monkeypatch.setattr(ipd, "display", lambda obj: shown.append(obj))
    show(pd_game)
    show(plot_payoff_space(pd_game))
    assert type(shown[0]).__name__ == "HTML" and "3, 3" in shown[0].data
    assert type(shown[1]).__name__ == "Image" and shown[1].data[:4] == b"\x89PNG"


# ----------------------------------------------------------------------------- explorer


# ----------------------------------------------------------------------------- _repr_html_ wiring
REPR_CASES = ["scenario", "game", "equilibria", "dominance", "thresholds", "payoff-set", "curve", "match",
              "tournament", "replicator", "nash-bargaining", "correlated", "stackelberg", "threat"]


@pytest.fixture(scope="module")
def repr_cases(uc_scenario, uc_game, pd_game):
    from sim.repeated.curves import threshold_curve
    from sim.repeated.engine import play
    from sim.repeated.evolution import replicator
    from sim.repeated.payoff_set import feasible_ir_set
    from sim.repeated.thresholds import truce_thresholds
    from sim.repeated.tournament import round_robin
    from sim.stage.bargaining import correlated_equilibrium, nash_bargaining
    from sim.stage.commitment import stackelberg, threat_check
    from sim.stage.equilibria import nash_equilibria

    tour = round_robin(pd_game, ["tit_for_tat", "always_defect"], rounds=10, replicates=2, seed=1)
    eqs = nash_equilibria(pd_game)
    objects = [uc_scenario, pd_game, eqs, eqs.dominance, truce_thresholds(pd_game), feasible_ir_set(pd_game),
               threshold_curve(uc_scenario, "us_re_cost", [20.0]), play(pd_game, ("tit_for_tat", "tit_for_tat"), rounds=5, seed=0),
               tour, replicator(tour), nash_bargaining(pd_game), correlated_equilibrium(pd_game), stackelberg(pd_game),
               threat_check(uc_game, 0, {"rare_earths": "October controls"}, {"tariff": "peak+100"})]
    return dict(zip(REPR_CASES, objects, strict=True))


@pytest.mark.parametrize("name", REPR_CASES)
def test_repr_html_where_wired_matches_to_html(repr_cases, name):
    """Classes that define ``_repr_html_`` (wired to :func:`sim.render.to_html`) render the same HTML."""
    obj = repr_cases[name]
    if not hasattr(type(obj), "_repr_html_"):
        pytest.skip(f"{type(obj).__name__} has no _repr_html_")
    assert obj._repr_html_() == to_html(obj), type(obj).__name__
