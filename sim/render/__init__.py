"""HTML for notebooks: every result as a table, and one mixin that gives results ``_repr_html_``.

* :func:`to_html` — any supported object (Scenario, StageGame, EquilibriumSet, MatchResult,
  TournamentResult, TruceThresholds, bargaining and threat results, ...) as HTML.
* :func:`show` — display any of these (or a matplotlib Figure) in a notebook.
* :func:`game_html` — the bimatrix view of a stage game, with its options.
* :class:`HtmlRepr` — the mixin behind every result's ``_repr_html_``.

This layer imports nothing of the package (as scikit-learn's estimator HTML repr): it formats what
the objects hand it, found by their type names, so every layer may use it.
"""

from __future__ import annotations

import base64
import io
from typing import Any, Callable, Mapping

from sim.render._base import FULL_CELLS, table_html
from sim.render.bimatrix import game_html
from sim.render.results import (
    _evolution_html,
    _generic_html,
    bargaining_html,
    correlated_html,
    curve_html,
    dominance_html,
    equilibria_html,
    match_html,
    payoff_set_html,
    scenario_html,
    security_html,
    stackelberg_html,
    threat_html,
    thresholds_html,
    tournament_html,
)

__all__ = ["HtmlRepr", "to_html", "show", "game_html", "table_html", "figure_html", "figure_png", "FULL_CELLS"]


class HtmlRepr:
    """Gives a result ``_repr_html_``: notebooks then show it as :func:`to_html` draws it."""

    __slots__ = ()

    def _repr_html_(self) -> str:
        """HTML for notebooks (:func:`sim.render.to_html`)."""
        return to_html(self)


# ----------------------------------------------------------------------------- figures and dispatch
def figure_png(fig, *, dpi: int = 90) -> bytes:
    """PNG bytes of a matplotlib Figure (pyplot-free figures included)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def figure_html(fig, *, dpi: int = 90) -> str:
    """A Figure as an ``<img>`` with the PNG inlined (for static HTML reports)."""
    data = base64.b64encode(figure_png(fig, dpi=dpi)).decode("ascii")
    return f'<img style="max-width:100%" src="data:image/png;base64,{data}"/>'


_RENDERERS: dict[str, Callable[..., str]] = {
    "Scenario": lambda o, **kw: scenario_html(o),
    "StageGame": game_html,
    "EquilibriumSet": equilibria_html,
    "DominanceResult": dominance_html,
    "MatchResult": lambda o, **kw: match_html(o),
    "TournamentResult": lambda o, **kw: tournament_html(o),
    "TruceThresholds": lambda o, **kw: thresholds_html(o),
    "ThresholdCurve": lambda o, **kw: curve_html(o),
    "PayoffSet": lambda o, **kw: payoff_set_html(o),
    "BargainingSolution": bargaining_html,
    "CorrelatedEquilibrium": correlated_html,
    "StackelbergOutcome": stackelberg_html,
    "ThreatAssessment": threat_html,
    "ReplicatorResult": lambda o, **kw: _evolution_html(o),
    "MoranResult": lambda o, **kw: _evolution_html(o),
    "TwoReplicatorResult": lambda o, **kw: _evolution_html(o),
    "TwoMoranResult": lambda o, **kw: _evolution_html(o),
    "NReplicatorResult": lambda o, **kw: _evolution_html(o),
    "NMoranResult": lambda o, **kw: _evolution_html(o),
}


def to_html(obj: Any, **kw: Any) -> str:
    """HTML for any supported result; ``game=`` supplies action labels to results that hold indices.

    Supported: Scenario, StageGame (keywords of :func:`game_html`), EquilibriumSet, DominanceResult,
    MatchResult, TournamentResult, TruceThresholds, ThresholdCurve, PayoffSet, BargainingSolution,
    CorrelatedEquilibrium, StackelbergOutcome, ThreatAssessment, a pair of SecurityLevel,
    Replicator/MoranResult, a matplotlib Figure, a pandas DataFrame, a list of records; anything
    else with ``to_dict()`` as a key-value table, or its escaped ``repr``.
    """
    name = type(obj).__name__
    if name in _RENDERERS:
        fn = _RENDERERS[name]
        if fn in (equilibria_html, dominance_html, bargaining_html, correlated_html, stackelberg_html,
                  threat_html):
            return fn(obj, kw.get("game"))
        if fn is game_html:
            return fn(obj, **kw)
        return fn(obj)
    if isinstance(obj, (tuple, list)) and obj and all(type(x).__name__ == "SecurityLevel" for x in obj):
        return security_html(obj, kw.get("game"))
    if isinstance(obj, (tuple, list)) and obj and all(isinstance(x, Mapping) for x in obj):
        return table_html(obj, caption=kw.get("caption"))
    if name == "Figure" and hasattr(obj, "savefig"):
        return figure_html(obj)
    if hasattr(obj, "to_html") and name == "DataFrame":
        return obj.to_html(max_rows=kw.get("max_rows", 30))
    return _generic_html(obj)


def show(obj: Any, **kw: Any) -> None:
    """Display ``obj`` in a notebook: a Figure as a PNG, anything else through :func:`to_html`.

    Outside IPython, prints a plain-text summary instead.
    """
    try:
        from IPython.display import HTML, Image, display
    except ImportError:  # pragma: no cover - IPython ships with every notebook
        print(repr(obj))
        return
    if type(obj).__name__ == "Figure" and hasattr(obj, "savefig"):
        display(Image(data=figure_png(obj, dpi=kw.get("dpi", 90))))
    else:
        display(HTML(to_html(obj, **kw)))
