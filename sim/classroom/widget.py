"""The duel in a notebook: one dropdown per lever, a Play button, the rounds so far as a table.

``duel_widget(game, vs="tit_for_tat", side="china", rounds=8)`` returns the widget (display it as
the cell's last line); its :attr:`DuelWidget.duel` is the :class:`~sim.classroom.duel.Duel` it
plays, so the history can be read or exported from the next cell. Needs ipywidgets (the
``notebook`` extra).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from sim.classroom.duel import Duel
from sim.classroom.errors import ClassroomError
from sim.model.game import StageGame, build_game
from sim.model.load import load_scenario

__all__ = ["DuelWidget", "duel_widget"]


class DuelWidget:
    """The widgets of one duel; :attr:`box` is what a notebook displays."""

    def __init__(self, duel: Duel):
        import ipywidgets as w

        self.duel = duel
        self.pickers = {
            lever["name"]: w.Dropdown(options=lever["labels"], value=duel.last_levels()[lever["name"]],
                                      description=lever["name"], style={"description_width": "initial"})
            for lever in duel.levers()
        }
        self.button = w.Button(description="Play this round", button_style="primary")
        self.status = w.HTML()
        self.table = w.HTML()
        self.button.on_click(lambda _: self.play())
        self._refresh()
        self.box = w.VBox([w.HTML(f"<b>{html.escape(duel.cg.name)}</b>: you are <b>{html.escape(duel.me)}</b>, "
                                  f"against <code>{html.escape(duel.strategy.spec)}</code>; {html.escape(duel.rules())}"),
                           w.HBox(list(self.pickers.values())), self.button, self.status, self.table])

    def play(self) -> None:
        """Play the levels the dropdowns show (what the button does)."""
        try:
            self.duel.play({name: picker.value for name, picker in self.pickers.items()})
        except ClassroomError as exc:
            self.status.value = f"<span style='color:#b00'>{html.escape(exc.message)}</span>"
            return
        self._refresh()

    def _refresh(self) -> None:
        d = self.duel
        mine, theirs = d.totals
        if d.over:
            s = d.summary()
            self.button.disabled = True
            self.status.value = (f"<b>Done</b> after {s['rounds']} rounds: you {mine:.2f}, {html.escape(d.them)} "
                                 f"{theirs:.2f}. Tit for tat in your place: {s['tit_for_tat_score']:.2f}.")
        else:
            of = f" of {d.known_length}" if d.known_length else ""
            self.status.value = (f"Round {d.round}{of}. Score so far: you {mine:.2f}, "
                                 f"{html.escape(d.them)} {theirs:.2f}.")
        rows = "".join(
            f"<tr><td>{r.round}</td><td>{html.escape(r.labels[d.side])}</td><td>{r.payoffs[d.side]:+.2f}</td>"
            f"<td>{html.escape(r.labels[1 - d.side])}</td><td>{r.payoffs[1 - d.side]:+.2f}</td>"
            f"<td>{html.escape(r.outcome)}</td></tr>" for r in d.history)
        unit = html.escape(getattr(d.cg.game, "units", "") or "payoff")
        self.table.value = (f"<table><tr><th>round</th><th>you</th><th>your payoff ({unit})</th>"
                            f"<th>{html.escape(d.them)}</th><th>its payoff</th><th>outcome</th></tr>{rows}</table>"
                            if rows else "")

    def _repr_mimebundle_(self, **kw: Any):
        return self.box._repr_mimebundle_(**kw)


def duel_widget(game: "StageGame | str | Path", vs: str = "tit_for_tat", **kw: Any) -> DuelWidget:
    """A :class:`DuelWidget` for ``game`` (a stage game or a scenario file) against ``vs``; ``kw`` as
    :meth:`Duel.start` (side, rounds, continuation, seed)."""
    if isinstance(game, (str, Path)):
        game = build_game(load_scenario(game), source=str(game))
    return DuelWidget(Duel.start(game, vs, **kw))
