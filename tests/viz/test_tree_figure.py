"""The game-tree figure: whole for small trees, the equilibrium and its neighbours for big ones."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from sim.model.load import load_scenario  # noqa: E402
from sim.model.sequence import build_sequential_game, stage_names  # noqa: E402
from sim.stage.extensive import backward_induction  # noqa: E402
from sim.viz.tree import drawn_nodes, plot_tree  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _game(name: str):
    sc = load_scenario(ROOT / "scenarios" / name)
    game = build_sequential_game(sc)
    eq = backward_induction(game, max_equilibria=1)[0]
    return sc, game, dict(enumerate(eq.choices)), eq


def test_a_big_tree_is_summarised_around_the_equilibrium(tmp_path):
    sc, game, choice, eq = _game("alternating_offers.toml")
    nodes, kids, folded = drawn_nodes(game, choice, max_nodes=60, alternatives=3)
    assert len(nodes) < 40 < len(game.nodes)
    # every node of the equilibrium path is drawn, and what is folded is counted
    node, path = 0, []
    while game.nodes[node].kind != "terminal":
        n = game.nodes[node]
        assert node in nodes
        nxt = n.children[choice[n.infoset]]
        path.append(game.infosets[n.infoset].actions[choice[n.infoset]])
        node = nxt
    assert tuple(path) == tuple(eq.path) and node in nodes
    for parent, shown in kids.items():
        assert len(shown) + folded.get(parent, 0) == len(game.nodes[parent].children)
    fig = plot_tree(game, choice=choice, stage_names=stage_names(sc))
    out = tmp_path / "tree.png"
    fig.savefig(out)
    assert out.stat().st_size > 10_000
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0].startswith("us_offers") and labels[-1].startswith("payoffs")
    assert "nodes drawn" in fig.axes[0].get_title()


def test_a_small_tree_is_drawn_whole():
    sc, game, choice, _ = _game("us_china_sequential.toml")
    nodes, _, folded = drawn_nodes(game, choice, max_nodes=200)
    assert len(nodes) == len(game.nodes) and not folded
    fig = plot_tree(game, choice=choice, stage_names=stage_names(sc), max_nodes=200)
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert "October controls" in texts and "truce" in texts
