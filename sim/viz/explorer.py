"""An interactive explorer for a scenario: move the uncertain numbers, watch play change.

``explore("../scenarios/us_china_2025.toml")`` in a notebook shows sliders for every scenario
parameter that has a ``range``, each side's discount factor, implementation and perception noise
and the number of rounds, and a strategy picker per side (from :mod:`sim.repeated.strategies`). Every
change rebuilds the stage game, replays the match and redraws the outcome paths, the payoff
space (feasible and individually rational set, stage equilibria, the played average) and the
truce thresholds.

Without ipywidgets the explorer renders once, statically, at the scenario's own values, with a
note saying how to get the sliders. :meth:`Explorer.run` and :meth:`Explorer.static_html` work
anywhere (they are what the tests call).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.model.dynamic import build_dynamic_game, is_dynamic
from sim.model.game import build_game, compile_payoffs
from sim.model.load import load_scenario
from sim.render import figure_html, show
from sim.render.results import match_html, thresholds_html
from sim.repeated.dynamic_play import play_dynamic
from sim.repeated.engine import play
from sim.repeated.payoff_set import feasible_ir_set
from sim.repeated.strategies import STRATEGIES, list_strategies
from sim.repeated.thresholds import truce_thresholds
from sim.stage.equilibria import nash_equilibria
from sim.viz.plots import plot_outcome_paths, plot_payoff_space

__all__ = ["Explorer", "ExplorerRun", "explore", "strategy_options", "widgets_available"]

#: Strategies left out of the picker: they need arguments a dropdown cannot give.
_NOT_PICKABLE = ("scripted",)
#: Extra ready-made specs offered beside the registry names.
_EXTRA_SPECS = ("generous_tit_for_tat:g=0.3", "deadline_truce:k=4,p=0.9")


def widgets_available() -> bool:
    """Whether ipywidgets can be imported."""
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def strategy_options(scenario=None) -> list[str]:
    """Specs offered in the strategy pickers: the scenario's own, then the registry's names."""

    first = list(scenario.repeated.strategies.values()) if scenario is not None else []
    with_state = scenario is not None and bool(getattr(scenario, "state", None))
    names = [s for s in list_strategies() if s not in _NOT_PICKABLE and (with_state or not STRATEGIES[s].needs_state)]
    out: list[str] = []
    for spec in [*first, *names, *_EXTRA_SPECS]:
        if spec not in out:
            out.append(spec)
    return out


@dataclass(frozen=True, eq=False)
class ExplorerRun:
    """One evaluation of the explorer: the settings used and everything drawn from them."""

    settings: dict
    game: Any
    match: Any
    thresholds: Any
    payoff_set: Any
    equilibria: Any

    def figures(self) -> tuple[Any, Any]:
        """``(outcome paths, payoff space)`` figures."""

        eq_points = [e.payoffs for e in self.equilibria]
        coop = self.game.A[self.match.cooperative], self.game.B[self.match.cooperative]
        points = {"stage Nash equilibrium": eq_points, "cooperative profile": [coop]}
        return (plot_outcome_paths(self.match),
                plot_payoff_space(self.game, payoff_set=self.payoff_set, points=points, match=self.match))

    def summary_html(self) -> str:
        """Thresholds and match summary as HTML."""

        return thresholds_html(self.thresholds) + match_html(self.match)


class Explorer:
    """Sliders and pickers over one scenario; see the module docstring.

    Parameters
    ----------
    scenario : a path to a scenario file or a loaded :class:`~sim.model.scenario.Scenario`.
    strategies : ``(row spec, column spec)``; default the scenario's ``[repeated] strategies``,
        else tit for tat for both.
    replicates : matches played per update (small keeps it live; the plots show bands over them).
    seed : seed of every replay, so a change of settings is compared on the same random numbers.
    """

    def __init__(self, scenario, *, strategies: tuple[str, str] | None = None, replicates: int = 40, seed: int = 0):

        if isinstance(scenario, (str, Path)):
            scenario = load_scenario(scenario)
        self.scenario = scenario
        self.compiled = None if scenario.is_matrix_game else compile_payoffs(scenario)
        self.base_game = build_game(scenario, compiled=self.compiled)
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
        self.fixed = [name for name, p in scenario.parameters.items() if p.range is None]
        self.controls: dict[str, Any] = {}
        self.output = None
        self.ui = None
        self.last: ExplorerRun | None = None
        self.error: str | None = None

    # ---- computation
    def run(self, **settings: Any) -> ExplorerRun:
        """Evaluate at ``settings`` (keys as in :attr:`defaults`; missing ones take the defaults)."""

        s = {**self.defaults, **settings}
        s["parameters"] = {**self.defaults["parameters"], **settings.get("parameters", {})}
        game = build_game(self.scenario, s["parameters"] or None, compiled=self.compiled)
        game = dataclasses.replace(game, discount=tuple(float(d) for d in s["discount"]))
        settings_ = dict(rounds=int(s["rounds"]), replicates=self.replicates, noise=float(s["noise"]),
                         perception_noise=float(s["perception_noise"]), seed=self.seed)
        if is_dynamic(self.scenario):  # a game with state: the state moves in the replay (the analyses below
            # are of the initial state's stage game)
            dynamic = build_dynamic_game(self.scenario, s["parameters"] or None)
            dynamic = dataclasses.replace(dynamic, discount=game.discount)
            if dynamic.round_dependent and dynamic.horizon is not None:
                settings_["rounds"] = min(settings_["rounds"], dynamic.horizon)
            match = play_dynamic(dynamic, tuple(s["strategies"]), **settings_)
        else:
            match = play(game, tuple(s["strategies"]), **settings_)
        eqs = nash_equilibria(game, "auto", max_seconds=5.0)
        run = ExplorerRun(s, game, match, truce_thresholds(game), feasible_ir_set(game), eqs)
        self.last = run
        return run

    def static_html(self, **settings: Any) -> str:
        """One render at ``settings`` as self-contained HTML (figures inlined as PNG)."""

        run = self.run(**settings)
        paths, space = run.figures()
        return run.summary_html() + figure_html(paths) + figure_html(space)

    # ---- widgets
    def settings(self) -> dict[str, Any]:
        """Current settings read off the widgets (the defaults when there are none)."""
        if not self.controls:
            return dict(self.defaults)
        c = self.controls
        ids = self.base_game.player_ids
        return {
            "parameters": {name: w.value for name, w in c["parameters"].items()},
            "discount": tuple(c["discount"][pid].value for pid in ids),
            "noise": c["noise"].value,
            "perception_noise": c["perception_noise"].value,
            "rounds": c["rounds"].value,
            "strategies": tuple(c["strategies"][pid].value for pid in ids),
        }

    def build(self):
        """Create the widgets (needs ipywidgets) and return the top-level box."""
        import ipywidgets as W

        d = self.defaults
        ids = self.base_game.player_ids
        names = self.base_game.player_names
        style = {"description_width": "150px"}
        layout = W.Layout(width="420px")
        params = {}
        for name, value in d["parameters"].items():
            p = self.scenario.parameters[name]
            lo, hi = p.range
            params[name] = W.FloatSlider(value=value, min=lo, max=hi, step=(hi - lo) / 50 or 0.01,
                                         description=name, continuous_update=False, style=style, layout=layout,
                                         tooltip=p.source or p.assumption or "")
        discount = {pid: W.FloatSlider(value=d["discount"][k], min=0.0, max=0.99, step=0.01,
                                       description=f"δ {pid} (per {self.scenario.meta.period})",
                                       continuous_update=False, style=style, layout=layout)
                    for k, pid in enumerate(ids)}
        options = strategy_options(self.scenario)
        strategies = {}
        for k, pid in enumerate(ids):
            opts = options if d["strategies"][k] in options else [d["strategies"][k], *options]
            strategies[pid] = W.Dropdown(options=opts, value=d["strategies"][k], description=f"strategy {pid}",
                                         style=style, layout=layout)
        noise = W.FloatSlider(value=d["noise"], min=0.0, max=0.3, step=0.005, readout_format=".3f",
                              description="noise (mistakes)", continuous_update=False, style=style, layout=layout)
        perception = W.FloatSlider(value=d["perception_noise"], min=0.0, max=0.3, step=0.005, readout_format=".3f",
                                   description="misperception", continuous_update=False, style=style, layout=layout)
        rounds = W.IntSlider(value=d["rounds"], min=1, max=max(60, 2 * d["rounds"]), description="rounds",
                             continuous_update=False, style=style, layout=layout)
        self.controls = {"parameters": params, "discount": discount, "strategies": strategies, "noise": noise,
                         "perception_noise": perception, "rounds": rounds}
        reset = W.Button(description="reset to scenario values")
        reset.on_click(lambda _: self.reset())
        for w in [*params.values(), *discount.values(), *strategies.values(), noise, perception, rounds]:
            w.observe(lambda change: self.update(), names="value")
        side = [W.HTML(f"<b>{names[k]} ({pid})</b>") for k, pid in enumerate(ids)]
        play_box = W.VBox([side[0], strategies[ids[0]], discount[ids[0]], side[1], strategies[ids[1]],
                           discount[ids[1]], W.HTML("<b>play</b>"), noise, perception, rounds, reset])
        fixed = (f"<small>fixed (no range in the scenario): {', '.join(self.fixed)}</small>" if self.fixed else "")
        param_box = W.VBox([W.HTML("<b>scenario parameters</b>"), *params.values(), W.HTML(fixed)])
        self.output = W.Output()
        self.ui = W.VBox([W.HBox([play_box, param_box] if params else [play_box]), self.output])
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

    def update(self) -> None:
        """Recompute at the widgets' settings and redraw into the output area."""
        if self._quiet or self.output is None:
            return
        from IPython.display import HTML, display

        with self.output:
            self.output.clear_output(wait=True)
            try:
                run = self.run(**self.settings())
            except Exception as exc:  # a bad combination of settings is a message, not a traceback
                self.error = f"{type(exc).__name__}: {exc}"
                display(HTML(f'<p style="color:#D55E00">cannot evaluate these settings: {self.error}</p>'))
                return
            self.error = None
            paths, space = run.figures()
            display(HTML(run.summary_html()))
            show(space)
            show(paths)

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

