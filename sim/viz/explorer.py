"""An interactive explorer for a scenario: move the uncertain numbers, watch play change.

``explore("../scenarios/us_china_2025.toml")`` in a notebook shows one figure (the payoff space
beside the paths of play) with the controls beside it: a strategy picker and a discount factor per
side, implementation and perception noise, the number of rounds, and a slider for every scenario
parameter that has a ``range``. The sliders are grouped (:func:`~sim.viz.explorer_controls.parameter_groups`):
the most uncertain ones open, the rest folded by the side whose payoff reads them. A change
re-evaluates only what it touches (a parameter rebuilds the game from the payoffs compiled once at
load; a discount factor re-solves the truce thresholds; noise and strategies replay the match) and
redraws the same figure in place.

Without ipywidgets the explorer renders once, statically, at the scenario's own values, with a note
saying how to get the sliders. :meth:`Explorer.run`, :meth:`Explorer.static_html` and
:meth:`Explorer.export_html` (a self-contained page that opens without a kernel) work anywhere.
"""

from __future__ import annotations

import dataclasses
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sim._files import write_text_atomic
from sim.errors import InputError
from sim.model.dynamic import build_dynamic_game, is_dynamic
from sim.model.game import build_game, compile_payoffs
from sim.model.load import load_scenario
from sim.model.scenario import source_of
from sim.render.results import match_html, thresholds_html
from sim.repeated.dynamic_play import play_dynamic
from sim.repeated.engine import play
from sim.repeated.payoff_set import feasible_ir_set
from sim.repeated.thresholds import truce_thresholds
from sim.stage.equilibria import nash_equilibria
from sim.viz.explorer_controls import (
    OPEN_PARAMETERS,
    build_controls,
    parameter_groups,
    settings_of,
    strategy_options,
    widgets_available,
)
from sim.viz.explorer_export import page_html, view_html
from sim.viz.explorer_figure import EXPORT_DPI, FIGURE_WIDTH, ExplorerFigure
from sim.viz.plots import plot_outcome_paths, plot_payoff_space

__all__ = ["Explorer", "ExplorerRun", "explore", "strategy_options", "widgets_available"]

#: Keys of a settings mapping (:attr:`Explorer.defaults`).
SETTINGS = ("parameters", "discount", "noise", "perception_noise", "rounds", "strategies")


@dataclass(frozen=True, eq=False)
class ExplorerRun:
    """One evaluation of the explorer: the settings used and everything drawn from them.

    ``changed`` names the parameters set away from the scenario's values.
    """

    settings: dict
    game: Any
    match: Any
    thresholds: Any
    payoff_set: Any
    equilibria: Any
    changed: tuple[str, ...] = ()

    def figures(self) -> tuple[Any, Any]:
        """``(outcome paths, payoff space)`` as the full-size figures of :mod:`sim.viz.plots`."""

        eq_points = [e.payoffs for e in self.equilibria]
        coop = self.game.A[self.match.cooperative], self.game.B[self.match.cooperative]
        points = {"stage Nash equilibrium": eq_points, "cooperative profile": [coop]}
        return (plot_outcome_paths(self.match),
                plot_payoff_space(self.game, payoff_set=self.payoff_set, points=points, match=self.match))

    def summary_html(self) -> str:
        """Thresholds and match summary as HTML."""

        return thresholds_html(self.thresholds) + match_html(self.match)


class _Memo:
    """The last few values of a function of hashable keys (settings a slider moves back to)."""

    def __init__(self, size: int):
        self.size, self.data = size, OrderedDict()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        if key in self.data:
            self.data.move_to_end(key)
            return self.data[key]
        value = self.data[key] = make()
        if len(self.data) > self.size:
            self.data.popitem(last=False)
        return value


@dataclass(frozen=True, eq=False)
class _Stage:
    """What depends on the parameters alone: the game and its one-shot analyses."""

    game: Any
    payoff_set: Any
    equilibria: Any


class Explorer:
    """Sliders and pickers over one scenario; see the module docstring.

    Parameters
    ----------
    scenario : a path to a scenario file or a loaded :class:`~sim.model.scenario.Scenario`.
    strategies : ``(row spec, column spec)``; default the scenario's ``[repeated] strategies``,
        else tit for tat for both.
    replicates : matches played per update (small keeps it live; the plots show bands over them).
    seed : seed of every replay, so a change of settings is compared on the same random numbers.
    open_parameters : how many of the most uncertain parameters the first, open group holds.
    """

    def __init__(self, scenario, *, strategies: tuple[str, str] | None = None, replicates: int = 40, seed: int = 0,
                 open_parameters: int = OPEN_PARAMETERS):

        if isinstance(scenario, (str, Path)):
            scenario = load_scenario(scenario)
        self.scenario = scenario
        self.source = source_of(scenario)
        self.compiled = None if scenario.is_matrix_game else compile_payoffs(scenario, source=self.source)
        self.base_game = build_game(scenario, compiled=self.compiled)
        self.dynamic = is_dynamic(scenario)
        ids = self.base_game.player_ids
        rep = scenario.repeated
        if strategies is None:
            strategies = tuple(rep.strategies.get(pid, "tit_for_tat") for pid in ids)  # type: ignore[assignment]
        self.replicates = int(replicates)
        self.seed = int(seed)
        self.defaults: dict[str, Any] = {
            "parameters": {name: p.value for name, p in scenario.parameters.items() if p.range is not None},
            "discount": tuple(self.base_game.discount),
            "noise": rep.noise,
            "perception_noise": 0.0,
            "rounds": rep.play_rounds,
            "strategies": tuple(strategies),
        }
        self.groups = parameter_groups(scenario, self.compiled, first=open_parameters)
        self.fixed = [name for name, p in scenario.parameters.items() if p.range is None]
        self.controls: dict[str, Any] = {}
        self.ui = None
        self.output = None  # the figure widget once built
        self.figure: ExplorerFigure | None = None
        self.last: ExplorerRun | None = None
        self.error: str | None = None
        self.timings: dict[str, float] = {}
        self._stages, self._thresholds, self._dynamics, self._matches = _Memo(8), _Memo(16), _Memo(8), _Memo(16)
        self._widgets: dict[str, Any] = {}

    # ---- computation
    def complete(self, settings: dict[str, Any]) -> dict[str, Any]:
        """``settings`` with the defaults filled in; an unknown key is an :class:`~sim.errors.InputError`."""
        unknown = sorted(set(settings) - set(SETTINGS))
        if unknown:
            raise InputError(f"unknown setting (settings: {', '.join(SETTINGS)})", key=unknown[0])
        s = {**self.defaults, **settings}
        extra = sorted(set(settings.get("parameters", {})) - set(self.scenario.parameters))
        if extra:
            raise InputError("unknown parameter", key=f"parameters.{extra[0]}")
        s["parameters"] = {**self.defaults["parameters"], **settings.get("parameters", {})}
        s["discount"] = tuple(float(x) for x in s["discount"])
        s["strategies"] = tuple(s["strategies"])
        return s

    def run(self, **settings: Any) -> ExplorerRun:
        """Evaluate at ``settings`` (keys as in :attr:`defaults`; missing ones take the defaults).

        What a setting does not touch is reused from earlier evaluations: the game and its
        equilibria and payoff set per parameter values, the thresholds per parameters and discount
        factors, the match per all of them.
        """
        t0 = time.perf_counter()
        s = self.complete(settings)
        params = tuple(sorted((k, float(v)) for k, v in s["parameters"].items()))
        stage = self._stages.get(params, lambda: self._stage(dict(params)))
        discount = s["discount"]

        def with_discount():
            game = dataclasses.replace(stage.game, discount=discount)
            return game, truce_thresholds(game)

        game, thresholds = self._thresholds.get((params, discount), with_discount)
        key = (params, discount, s["strategies"], float(s["noise"]), float(s["perception_noise"]), int(s["rounds"]))
        match = self._matches.get(key, lambda: self._play(game, params, s))
        changed = tuple(n for n, v in s["parameters"].items() if v != self.scenario.parameters[n].value)
        run = ExplorerRun(s, game, match, thresholds, stage.payoff_set, stage.equilibria, changed)
        self.last = run
        self.timings["evaluate"] = time.perf_counter() - t0
        return run

    def _stage(self, params: dict[str, float]) -> _Stage:
        game = build_game(self.scenario, params or None, source=self.source, compiled=self.compiled)
        return _Stage(game, feasible_ir_set(game), nash_equilibria(game, "auto", max_seconds=5.0))

    def _play(self, game, params: tuple, s: dict[str, Any]):
        settings = dict(rounds=int(s["rounds"]), replicates=self.replicates, noise=float(s["noise"]),
                        perception_noise=float(s["perception_noise"]), seed=self.seed)
        if not self.dynamic:
            return play(game, s["strategies"], **settings)
        # a game with state: the state moves in the replay (the analyses are of the initial state's stage
        # game); one game per parameters and discount factors, so a Markov policy solved on it is kept
        def build():
            dynamic = build_dynamic_game(self.scenario, dict(params) or None, source=self.source,
                                         compiled=self.compiled)
            return dataclasses.replace(dynamic, discount=game.discount)

        dynamic = self._dynamics.get((params, game.discount), build)
        if dynamic.round_dependent and dynamic.horizon is not None:
            settings["rounds"] = min(settings["rounds"], dynamic.horizon)
        return play_dynamic(dynamic, s["strategies"], **settings)

    # ---- drawing
    def draw(self, run: ExplorerRun | None = None, *, dpi: int | None = None) -> bytes:
        """Move ``run`` (default the last evaluation) into the explorer's figure; return it as PNG."""
        t0 = time.perf_counter()
        run = run or self.last or self.run()
        if self.figure is None:
            states = run.match.dynamic.states if getattr(run.match, "dynamic", None) is not None else None
            self.figure = ExplorerFigure(run.game, states)
        self.figure.update(run)
        png = self.figure.png(dpi=dpi)
        self.timings["draw"] = time.perf_counter() - t0
        return png

    def redraw(self, **settings: Any) -> tuple[ExplorerRun, bytes]:
        """Evaluate at ``settings`` and draw: what a slider does. Returns ``(run, PNG bytes)``."""
        run = self.run(**settings)
        return run, self.draw(run)

    def static_html(self, **settings: Any) -> str:
        """One render at ``settings`` as self-contained HTML (figure inlined as PNG, settings, analyses)."""
        run = self.run(**settings)
        return view_html(self, run, self.draw(run, dpi=EXPORT_DPI))

    def export_html(self, path, **settings: Any) -> Path:
        """Write the view as a self-contained page to ``path`` (atomically); return the path.

        ``settings`` override what the widgets show (the scenario's values before they are built).
        The page embeds the figure as a PNG and has no script and no address outside itself, so it
        opens in any browser after the kernel is gone.
        """
        current = self.settings()
        merged = {**current, **settings, "parameters": {**current["parameters"], **settings.get("parameters", {})}}
        run = self.run(**merged)
        body = view_html(self, run, self.draw(run, dpi=EXPORT_DPI),
                         note="A static view saved from the tradesim explorer: the sliders are not live here.")
        target = Path(path)
        write_text_atomic(target, page_html(f"{self.scenario.meta.name}: explorer view", body), what="path")
        return target

    # ---- widgets
    def settings(self) -> dict[str, Any]:
        """Current settings read off the widgets (the defaults when there are none)."""
        if not self.controls:
            return dict(self.defaults)
        return settings_of(self.controls, self.base_game.player_ids)

    def build(self):
        """Create the widgets (needs ipywidgets) and return the top-level box: figure first, controls beside."""
        import ipywidgets as W

        self.controls, column = build_controls(self)
        # shown at its own size where there is room beside the controls, scaled down where there is not
        self.output = W.Image(format="png", layout=W.Layout(width="100%", max_width=f"{FIGURE_WIDTH}px", height="auto"))
        status = W.HTML(layout=W.Layout(min_height="20px"))
        summary = W.HTML(layout=W.Layout(overflow="auto", max_width="100%"))
        self._widgets = {"status": status, "summary": summary}
        plots = W.VBox([self.output, status], layout=W.Layout(flex="1 1 560px", min_width="560px",
                                                              max_width=f"{FIGURE_WIDTH}px"))
        self._widgets["column"] = column
        row = W.HBox([plots, column], layout=W.Layout(flex_flow="row wrap", align_items="flex-start", width="100%"))
        self.ui = W.VBox([row, summary])
        return self.ui

    def reset(self) -> None:
        """Put every control back at the scenario's value (one redraw)."""
        if not self.controls:
            return
        d = self.defaults
        c = self.controls
        self._quiet = True
        try:
            for name, w in c["parameters"].items():
                w.value = d["parameters"][name]
            for k, w in enumerate(c["discount"].values()):
                w.value = d["discount"][k]
            for k, w in enumerate(c["strategies"].values()):
                w.value = d["strategies"][k]
            c["noise"].value, c["perception_noise"].value, c["rounds"].value = d["noise"], d["perception_noise"], d["rounds"]
        finally:
            self._quiet = False
        self.update()

    _quiet = False
    _redraws = 0

    def update(self) -> None:
        """Re-evaluate at the widgets' settings and redraw the figure in place."""
        if self._quiet or self.output is None:
            return
        status = self._widgets["status"]
        try:
            run, png = self.redraw(**self.settings())
        except Exception as exc:  # a bad combination of settings is a message, not a traceback
            self.error = f"{type(exc).__name__}: {exc}"
            status.value = f'<p style="color:#D55E00;margin:0">cannot evaluate these settings: {self.error}</p>'
            return
        self.error = None
        self.output.value = png
        self._widgets["column"].layout.max_height = f"{round(self.figure.height * self.figure.dpi)}px"
        self._widgets["summary"].value = run.summary_html()
        what = "redrawn" if self._redraws else "first view (lays out the figure)"
        self._redraws += 1
        status.value = (f'<span style="font-size:11px;color:#666">{what}: evaluated in {self.timings["evaluate"]:.2f} s, '
                        f'drawn in {self.timings["draw"]:.2f} s · <code>.export_html("view.html")</code> on this '
                        "explorer saves a static page</span>")

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        if widgets_available():
            display(self.ui if self.ui is not None else self.build())
            self.update()
            return
        display(HTML('<p style="color:#8a6d00">ipywidgets is not installed, so this is a static render at the '
                     'scenario\'s values. Install the notebook extras (<code>pip install -e ".[notebook]"</code>) '
                     'for live sliders, or call <code>explorer.static_html(parameters={...}, noise=...)</code> '
                     'with other values.</p>'))
        display(HTML(self.static_html()))


def explore(scenario, **kw: Any) -> Explorer:
    """An :class:`Explorer` over ``scenario`` (a path or a Scenario); display it to get the controls."""
    return Explorer(scenario, **kw)
