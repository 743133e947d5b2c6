"""The game tree as a figure: stages down the page, the equilibrium path drawn bold.

A tree of up to ``max_nodes`` nodes is drawn whole. A bigger one is summarised: the nodes the
equilibrium reaches (every chance branch, the chosen move at each decision), each with its other
moves as stubs (up to ``alternatives`` of them, the rest folded into one "+k more" stub), so a tree
of any size stays legible.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_tree", "drawn_nodes"]

_COLORS = ("#1f5fbf", "#c0392b", "#2e8b57", "#8e44ad")


def _children(game, node: int) -> tuple[int, ...]:
    return tuple(game.nodes[node].children)


def _actions(game, node: int) -> tuple[str, ...]:
    n = game.nodes[node]
    if n.kind == "decision":
        return tuple(game.infosets[n.infoset].actions)
    return tuple(n.actions)


def drawn_nodes(game, choice: Mapping[int, int] | None, *, max_nodes: int = 150,
                alternatives: int = 4) -> tuple[list[int], dict[int, list[int]], dict[int, int]]:
    """Which nodes a figure draws: ``(nodes, children drawn per node, folded count per node)``.

    ``choice`` maps an infoset to the index of the action chosen there (the equilibrium), or ``None``.
    """
    total = len(game.nodes)
    if total <= max_nodes or choice is None:
        kids = {i: list(_children(game, i)) for i in range(total)}
        return list(range(total)), kids, {}
    nodes, kids, folded = [], {}, {}
    stack = [(0, True)]
    while stack:
        node, on_path = stack.pop()
        nodes.append(node)
        ch = list(_children(game, node))
        if not ch:
            continue
        n = game.nodes[node]
        if n.kind == "chance":
            follow = set(range(len(ch))) if on_path else set()
        else:
            follow = {int(choice.get(n.infoset, 0))}  # off the path too: what the equilibrium would do there
        near = min(follow) if follow else 0  # the alternatives drawn: the moves next to the chosen one
        others = sorted((k for k in range(len(ch)) if k not in follow), key=lambda k: (abs(k - near), k))
        extra = others[:alternatives] if on_path else []
        shown = sorted(follow | set(extra))
        kids[node] = [ch[k] for k in shown]
        folded[node] = len(others) - len(extra)
        for k in reversed(shown):
            stack.append((ch[k], on_path and k in follow))
    return nodes, kids, folded


def plot_tree(game, *, choice: Mapping[int, int] | None = None, max_nodes: int = 60, alternatives: int = 3,
              stage_names: Sequence[str] | None = None, title: str | None = None) -> Figure:
    """Draw ``game`` (a :class:`~sim.model.tree.ExtensiveGame`), the moves in ``choice`` bold."""
    nodes, kids, folded = drawn_nodes(game, choice, max_nodes=max_nodes, alternatives=alternatives)
    depth = {0: 0}
    order = []  # leaves and folded stubs, left to right
    x: dict[int, float] = {}

    def place(node: int) -> float:
        ch = kids.get(node, [])
        for c in ch:
            depth[c] = depth[node] + 1
        if not ch:
            x[node] = float(len(order))
            order.append(node)
            if folded.get(node):
                order.append(-1)
            return x[node]
        xs = [place(c) for c in ch]
        if folded.get(node):
            order.append(-1)
            xs.append(float(len(order) - 1))
        x[node] = float(np.mean([xs[0], xs[-1]]))
        return x[node]

    place(0)
    names = list(stage_names) if stage_names is not None else []
    if names:  # a row per stage (a stage skipped on a path leaves its row empty there), leaves at the bottom
        for node in nodes:
            n = game.nodes[node]
            depth[node] = len(names) if n.kind == "terminal" else (
                names.index(n.label) if n.label in names else depth[node])
    width = max(len(order), 2)
    levels = max(depth.values()) + 1
    fig, ax = plt.subplots(figsize=(min(18.0, 2.0 + 0.55 * width), 1.6 + 1.25 * levels))
    bold, path = set(), {0}
    if choice is not None:
        for node in nodes:  # preorder: a parent before its children
            n = game.nodes[node]
            if n.kind == "decision":
                bold.add((node, n.children[int(choice.get(n.infoset, 0))]))
            for c in kids.get(node, []):
                if node in path and (n.kind == "chance" or (node, c) in bold):
                    path.add(c)
    for node in nodes:
        n = game.nodes[node]
        labels = _actions(game, node)
        for c in kids.get(node, []):
            k = list(n.children).index(c)
            strong = (node, c) in bold
            main = strong and c in path
            ax.plot([x[node], x[c]], [-depth[node], -depth[c]], color="#222" if strong else "#aab",
                    lw=2.6 if main else (1.4 if strong else 0.9), ls="-" if main or not strong else "--", zorder=1)
            if not strong and len(n.children) > 6 and not folded.get(node) and len(nodes) > 40:
                continue  # a crowded fan: only the equilibrium move is named
            text = _level(labels[k]) if k < len(labels) else ""
            if n.kind == "chance":
                text += f" ({float(n.probs[k]):.3g})"
            ax.text(0.35 * x[node] + 0.65 * x[c], -(0.35 * depth[node] + 0.65 * depth[c]), _short(text), fontsize=7,
                    ha="center",
                    va="center", color="#222" if strong else "#667", zorder=3,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
        if folded.get(node):
            ax.text(x[node] + 0.25, -depth[node] - 0.3, f"+{folded[node]} "
                    "not drawn", fontsize=6.5, color="#667", ha="left", va="center", style="italic")
        if n.kind == "terminal":
            reached = node in path and choice is not None
            if reached or len(nodes) <= 40:
                pay = "\n".join(f"{v:.3g}" for v in n.payoffs)
                ax.text(x[node], -depth[node] - 0.12, pay, fontsize=7, ha="center", va="top",
                        fontweight="bold" if reached else "normal")
            ax.plot(x[node], -depth[node], "s", color="#444", ms=4, zorder=2)
        elif n.kind == "chance":
            ax.plot(x[node], -depth[node], "o", color="white", mec="#444", ms=9, zorder=2)
        else:
            ax.plot(x[node], -depth[node], "o", color=_COLORS[n.player % len(_COLORS)], ms=9, zorder=2)
    # information sets of more than one drawn node: a dashed line joins them
    shown = set(nodes)
    for info in game.infosets:
        members = sorted((x[v], -depth[v]) for v in info.nodes if v in shown)
        if len(members) > 1:
            ax.plot([m[0] for m in members], [m[1] for m in members], ls="--", color="#999", lw=0.8, zorder=0)
    handles = [plt.Line2D([], [], marker="o", ls="", color=_COLORS[p % len(_COLORS)], label=f"{pid} moves")
               for p, pid in enumerate(game.players)]
    handles += [plt.Line2D([], [], marker="o", ls="", color="white", mec="#444", label="chance"),
                plt.Line2D([], [], color="#222", lw=2.6, label="equilibrium path"),
                plt.Line2D([], [], color="#222", lw=1.4, ls="--", label="equilibrium move off the path")]
    if any(len(i.nodes) > 1 for i in game.infosets):
        handles.append(plt.Line2D([], [], color="#999", ls="--", label="one information set"))
    ax.legend(handles=handles, loc="upper right", fontsize=8, frameon=False)
    movers: dict[int, str] = {}
    for node in nodes:
        n = game.nodes[node]
        if n.kind != "terminal":
            movers.setdefault(depth[node], "chance" if n.kind == "chance" else game.players[n.player])
    rows = []
    for d in range(levels):
        if d == levels - 1:
            rows.append("payoffs\n(" + " above ".join(game.players) + ")" if len(game.players) == 2 else "payoffs")
        else:
            rows.append((names[d] if d < len(names) else f"move {d + 1}") + (f"\n({movers[d]})" if d in movers else ""))
    ax.set_yticks([-d for d in range(levels)])
    ax.set_yticklabels(rows, fontsize=8)
    ax.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_ylim(-levels + 0.3, 0.6)
    ax.set_xlim(-0.8, width - 0.2)
    unit = f" ({game.units})" if getattr(game, "units", "") else ""
    summary = "" if len(nodes) == len(game.nodes) else f"; {len(nodes)} of {len(game.nodes)} nodes drawn"
    ax.set_title(title or f"{game.name}: payoffs ({', '.join(game.players)}){unit}{summary}", fontsize=10)
    fig.tight_layout()
    return fig


def _level(label: str) -> str:
    """``lever=level`` shown as ``level`` (the stage's row names the lever); several levers kept."""
    return label.split("=", 1)[1] if label.count("=") == 1 else label


def _short(text: str, n: int = 28) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
