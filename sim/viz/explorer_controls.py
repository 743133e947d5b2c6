"""The explorer's controls: which parameter goes in which group, how it is labelled, the widgets.

A scenario can have thirty uncertain parameters; a column of thirty sliders pushes the plots off
the screen. :func:`parameter_groups` sorts them into a few groups: the most uncertain first (the
ones that rest on an assumption rather than a source, widest range relative to their value first),
then those only one side's payoff reads, those both sides' payoffs read, and the rest. Every
parameter with a ``range`` lands in exactly one group. The widgets show the first group open and
fold the others in an ``ipywidgets.Accordion``; each slider is labelled with a readable name and
the parameter's unit, and its tooltip gives the raw name and the source or assumption.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any, Mapping

from sim.repeated.strategies import STRATEGIES, list_strategies

__all__ = ["ParameterGroup", "parameter_groups", "parameter_label", "uncertainty", "build_controls", "settings_of",
           "slider_step", "strategy_options", "widgets_available", "OPEN_PARAMETERS"]

#: Strategies left out of the picker: they need arguments a dropdown cannot give.
_NOT_PICKABLE = ("scripted",)
#: Extra ready-made specs offered beside the registry names.
_EXTRA_SPECS = ("generous_tit_for_tat:g=0.3", "deadline_truce:k=4,p=0.9")

#: Parameters in the first, open group.
OPEN_PARAMETERS = 6

#: Abbreviations in parameter names, spelled out in slider labels.
_WORDS = {
    "us": "US", "cn": "China", "eu": "EU", "uk": "UK", "re": "rare-earth", "soy": "soybean", "elast": "elasticity",
    "fent": "fentanyl", "equiv": "equivalent", "tech": "tech", "gdp": "GDP", "usd": "USD", "mmt": "MMT",
    "fx": "exchange-rate", "pct": "%", "prob": "probability", "cap": "capacity", "init": "initial",
}


def widgets_available() -> bool:
    """Whether ipywidgets can be imported."""
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def strategy_options(scenario: Any = None) -> list[str]:
    """Specs offered in the strategy pickers: the scenario's own, then the registry's names (those
    that read the state only for a scenario with state)."""
    first = list(scenario.repeated.strategies.values()) if scenario is not None else []
    with_state = scenario is not None and bool(getattr(scenario, "state", None))
    names = [s for s in list_strategies() if s not in _NOT_PICKABLE and (with_state or not STRATEGIES[s].needs_state)]
    out: list[str] = []
    for spec in [*first, *names, *_EXTRA_SPECS]:
        if spec not in out:
            out.append(spec)
    return out


@dataclass(frozen=True)
class ParameterGroup:
    """A named group of parameter sliders.

    Attributes
    ----------
    title : heading of the group (``"most uncertain"``, ``"United States' payoff only"``, ...).
    names : the parameters in it, most uncertain first.
    """

    title: str
    names: tuple[str, ...]


def uncertainty(parameter: Any) -> float:
    """Width of a parameter's range relative to its value (half the width when the value is 0).

    The ordering key of the sliders: a range of 20 to 400 around 150 (2.5) comes before 0.9 to 1.0
    around 0.95 (0.1). ``0`` without a range.
    """
    if parameter.range is None:
        return 0.0
    lo, hi = parameter.range
    width = float(hi) - float(lo)
    scale = abs(float(parameter.value)) or width / 2
    return width / scale if scale > 0 else 0.0


def _rank(parameter: Any) -> tuple[bool, float]:
    """Sort key, most uncertain first: assumptions before sourced numbers, then by :func:`uncertainty`."""
    return (parameter.source is not None, -uncertainty(parameter))


def parameter_label(name: str, parameter: Any, scenario: Any = None) -> str:
    """A readable label: the parameter's ``description`` when it is short, else its name spelled out.

    ``us_re_cost`` reads "US rare-earth cost"; a name part that is a player id reads as that player's
    name when the scenario is given and no abbreviation above matches.
    """
    description = " ".join(str(getattr(parameter, "description", "") or "").split())
    if description and len(description) <= 48:
        return description
    players = {pid: p.name for pid, p in (scenario.players.items() if scenario is not None else ())}
    words = [_WORDS.get(w.lower(), players.get(w, w)) for w in name.split("_") if w]
    text = " ".join(words) or name
    return text[0].upper() + text[1:] if text[0].islower() else text


def _readers(scenario: Any, compiled: Any) -> dict[str, set[int]]:
    """``parameter -> {players whose payoff terms read it}``."""
    out: dict[str, set[int]] = {name: set() for name in scenario.parameters}
    for k, terms in enumerate(compiled.terms if compiled is not None else ()):
        for _, expr in terms:
            for name in expr.parameters:
                out.setdefault(name, set()).add(k)
    return out


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def parameter_groups(scenario: Any, compiled: Any = None, *, first: int = OPEN_PARAMETERS) -> tuple[ParameterGroup, ...]:
    """The scenario's parameters with a ``range``, in groups (each parameter in exactly one).

    Parameters
    ----------
    scenario : a loaded scenario.
    compiled : its compiled payoffs (:func:`sim.model.game.compile_payoffs`), which say which side's
        payoff reads which parameter; ``None`` for a matrix game (which has no parameters).
    first : how many go in the first group, the most uncertain (see :func:`uncertainty`).

    Returns
    -------
    Non-empty groups: ``most uncertain``, then each side's payoff only, both sides' payoffs, and
    parameters no payoff term reads (state transitions, for a game with state).
    """
    params = scenario.parameters
    ranged = sorted((n for n, p in params.items() if p.range is not None), key=lambda n: (*_rank(params[n]), n))
    top, rest = ranged[:max(int(first), 0)], ranged[max(int(first), 0):]
    readers = _readers(scenario, compiled)
    ids = scenario.player_ids
    names = [scenario.players[pid].name for pid in ids]
    several = "both sides' payoffs" if len(ids) == 2 else "several players' payoffs"
    buckets: list[tuple[str, list[str]]] = [
        ("most uncertain", top),
        *((f"{_possessive(name)} payoff only", [n for n in rest if readers[n] == {k}]) for k, name in enumerate(names)),
        (several, [n for n in rest if len(readers[n]) > 1]),
        ("state transitions" if getattr(scenario, "state", None) else "not in the payoffs",
         [n for n in rest if not readers[n]]),
    ]
    return tuple(ParameterGroup(title, tuple(group)) for title, group in buckets if group)


def _unit_html(unit: str) -> str:
    return f' <span style="color:#666">[{html.escape(unit)}]</span>' if unit else ""


def _label_html(name: str, parameter: Any, scenario: Any) -> str:
    label = html.escape(parameter_label(name, parameter, scenario))
    why = parameter.source if parameter.source is not None else f"assumption: {parameter.assumption}"
    tag = "" if parameter.source is not None else ' <span style="color:#8a6d00" title="an assumption">◆</span>'
    tip = html.escape(f"{name}: {why}", quote=True)
    return (f'<div title="{tip}" style="font-size:12px;line-height:1.15;margin:0;white-space:normal">'
            f"{label}{_unit_html(parameter.unit)}{tag}</div>")


def slider_step(lo: float, value: float, hi: float) -> float:
    """A round slider step (1, 2 or 5 times a power of ten) of at most a fiftieth of the range, on
    whose grid from ``lo`` the scenario's value lies (so the slider can show it exactly)."""
    width = float(hi) - float(lo)
    if width <= 0:
        return 0.01
    raw = width / 50
    top = math.floor(math.log10(raw))
    for power in range(top, top - 4, -1):
        for m in (5, 2, 1):
            step = m * 10.0 ** power
            q = (float(value) - float(lo)) / step
            if step <= raw * (1 + 1e-9) and abs(q - round(q)) < 1e-6:
                return step
    return width / 1000


def build_controls(explorer: Any) -> tuple[dict[str, Any], Any]:
    """The widgets of an :class:`~sim.viz.explorer.Explorer` (needs ipywidgets).

    Returns ``(controls, column)``: ``controls`` holds ``parameters`` (name -> slider),
    ``discount`` and ``strategies`` (player id -> widget), ``noise``, ``perception_noise``,
    ``rounds`` and ``groups`` (the accordion, or ``None``); ``column`` is the box to show beside
    the plots.
    """
    import ipywidgets as W

    d = explorer.defaults
    scenario = explorer.scenario
    ids, names = explorer.base_game.player_ids, explorer.base_game.player_names
    style = {"description_width": "105px"}
    wide = W.Layout(width="300px")

    def slider(cls, value, lo, hi, step, description="", fmt=None):
        kw = {"readout_format": fmt} if fmt else {}
        return cls(value=value, min=lo, max=hi, step=step, description=description, continuous_update=False,
                   style=style if description else {}, layout=wide, **kw)

    params: dict[str, Any] = {}
    rows: dict[str, Any] = {}
    for name, value in d["parameters"].items():
        p = scenario.parameters[name]
        lo, hi = p.range
        step = slider_step(lo, value, hi)
        params[name] = slider(W.FloatSlider, value, lo, hi, step, fmt=f".{max(0, -math.floor(math.log10(step)))}f")
        params[name].layout = W.Layout(width="285px")
        params[name].tooltip = f"{name} ({p.unit})" if p.unit else name
        rows[name] = W.VBox([W.HTML(_label_html(name, p, scenario)), params[name]],
                            layout=W.Layout(margin="0 0 2px 0"))
    options = strategy_options(scenario)
    strategies, discount = {}, {}
    for k, pid in enumerate(ids):
        opts = options if d["strategies"][k] in options else [d["strategies"][k], *options]
        strategies[pid] = W.Dropdown(options=opts, value=d["strategies"][k], description=f"strategy {pid}",
                                     style=style, layout=wide)
        discount[pid] = slider(W.FloatSlider, d["discount"][k], 0.0, 0.99, 0.01, f"δ {pid}")
        discount[pid].tooltip = (f"{_possessive(names[k])} discount factor per {scenario.meta.period}: the weight of "
                                 f"next {scenario.meta.period}'s payoff")
    noise = slider(W.FloatSlider, d["noise"], 0.0, 0.3, 0.005, "noise", ".3f")
    noise.tooltip = "implementation noise: the chance an intended move comes out as a random other one"
    perception = slider(W.FloatSlider, d["perception_noise"], 0.0, 0.3, 0.005, "misperception", ".3f")
    perception.tooltip = "the chance each side misreads the other's move"
    rounds = slider(W.IntSlider, d["rounds"], 1, max(60, 2 * d["rounds"]), 1, "rounds")
    rounds.tooltip = f"rounds of play, one {scenario.meta.period} each"
    reset = W.Button(description="reset to scenario values", layout=W.Layout(width="200px"))
    reset.on_click(lambda _: explorer.reset())
    play = [W.HTML(f"<b>{html.escape(names[0])}</b>"), strategies[ids[0]], discount[ids[0]],
            W.HTML(f"<b>{html.escape(names[1])}</b>"), strategies[ids[1]], discount[ids[1]],
            W.HTML("<b>play</b>"), noise, perception, rounds, reset]
    accordion = None
    if params:
        groups = explorer.groups
        accordion = W.Accordion(children=[W.VBox([rows[n] for n in g.names]) for g in groups],
                                layout=W.Layout(width="318px"))
        for k, g in enumerate(groups):
            accordion.set_title(k, f"{g.title} ({len(g.names)})")
        accordion.selected_index = 0
        play += [W.HTML('<b>scenario parameters</b> <small title="hover over a name for its source or assumption">'
                        "◆ an assumption</small>"),
                 accordion]
    if explorer.fixed:
        fixed = ", ".join(html.escape(parameter_label(n, scenario.parameters[n], scenario)) for n in explorer.fixed)
        play.append(W.HTML(f'<div style="font-size:11px;color:#555;width:310px;white-space:normal">'
                           f"fixed (no range in the scenario): {fixed}</div>"))
    controls = {"parameters": params, "discount": discount, "strategies": strategies, "noise": noise,
                "perception_noise": perception, "rounds": rounds, "groups": accordion}
    for w in [*params.values(), *discount.values(), *strategies.values(), noise, perception, rounds]:
        w.observe(lambda change: explorer.update(), names="value")
    # its own scroll box, as tall as the figure: moving a slider never scrolls the plots away
    return controls, W.VBox(play, layout=W.Layout(width="340px", flex="0 0 auto", overflow="auto"))


def settings_of(controls: Mapping[str, Any], ids: tuple[str, str]) -> dict[str, Any]:
    """The settings the widgets show, keyed as :attr:`Explorer.defaults`."""
    return {
        "parameters": {name: w.value for name, w in controls["parameters"].items()},
        "discount": tuple(controls["discount"][pid].value for pid in ids),
        "noise": controls["noise"].value,
        "perception_noise": controls["perception_noise"].value,
        "rounds": controls["rounds"].value,
        "strategies": tuple(controls["strategies"][pid].value for pid in ids),
    }
