"""A scenario brief: one self-contained HTML page (figures inlined, no network) an analyst can attach.

:func:`scenario_brief` runs the one-shot and repeated analyses of a scenario file through the
public functions of :mod:`sim.stage`, :mod:`sim.repeated`, :mod:`sim.sweeps` and
:mod:`sim.empirics`, and draws its figures; :func:`brief_html` lays them out as one HTML page with
the figures as ``data:`` URIs, no script, no external style sheet or font; :func:`save_brief_pdfs`
writes the figures as PDF files (one per figure) and :func:`save_brief_pdf` as one multi-page PDF.

Sections: conclusions at a glance (those :mod:`sim.empirics.compare` lists), the game (players,
levers, the payoff matrix, or its aggregate for a large game), the parameters with their sources
or assumptions, equilibria, security levels, bargaining, threats, the truce thresholds with their
knife edges, a noisy repeated-play fan chart, and a sweep over the two most uncertain parameters
(:func:`sim.viz.explorer_controls.parameter_groups`: assumptions first, widest range relative to
the value first) drawn as a phase diagram.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from sim.empirics.compare import escalation_threat, scenario_conclusions
from sim.empirics.robust import knife_edge_sentence, stage_knife_edges
from sim.model.game import build_game, compile_payoffs
from sim.model.load import load_scenario
from sim.render import figure_html, game_html, to_html
from sim.repeated.engine import play
from sim.repeated.payoff_set import feasible_ir_set
from sim.repeated.thresholds import truce_thresholds
from sim.stage.bargaining import kalai_smorodinsky, nash_bargaining
from sim.stage.commitment import threat_check
from sim.stage.equilibria import nash_equilibria
from sim.stage.security import security
from sim.sweeps.run import sweep
from sim.viz import plots
from sim.viz.explorer_controls import parameter_groups, parameter_label
from sim.viz.sweep_plot import plot_sweep, sweep_view

__all__ = ["Brief", "Section", "scenario_brief", "brief_html", "save_brief_pdfs", "save_brief_pdf",
           "sweep_parameters", "BRIEF_STEPS"]

#: The steps of :func:`scenario_brief`, in order (what the progress callback names).
BRIEF_STEPS = ("game", "equilibria", "security and bargaining", "threats", "truce thresholds", "knife edges",
               "repeated play", "sweep", "figures")

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;max-width:64em;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:0.2em}h2{font-size:1.25em;border-bottom:1px solid #ccc;margin-top:1.8em}
table{border-collapse:collapse;margin:0.6em 0;font-size:0.88em}td,th{border:1px solid #ddd;padding:2px 6px;
vertical-align:top}th{background:#f4f4f4}.note{color:#555;font-size:0.9em}.flag-no{color:#a33}.flag-yes{color:#262}
.wide,section{overflow-x:auto;max-width:100%}figure{margin:1em 0}figcaption{font-size:0.85em;color:#555}.meta{color:#555}
"""


@dataclass(frozen=True)
class Section:
    """One section of a brief: a title, its HTML body and the figures (by name) that close it."""

    title: str
    body: str
    figures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Brief:
    """A scenario brief: its sections, its figures (name -> (Figure, caption)) and where it came from."""

    source: str
    name: str
    description: str
    sections: tuple[Section, ...]
    figures: dict[str, tuple[Any, str]] = field(default_factory=dict, repr=False)
    settings: dict[str, Any] = field(default_factory=dict)


def _e(x: Any) -> str:
    return html.escape(str(x))


def _num(x: Any, digits: int = 4) -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    return "never" if math.isinf(x) else f"{x:.{digits}g}"


def _table(rows: list[list[Any]], header: list[str]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def sweep_parameters(scenario: Any, count: int = 2) -> tuple[str, ...]:
    """The ``count`` most uncertain parameters with a range (the explorer's first group, in order)."""
    compiled = compile_payoffs(scenario) if scenario.parameters else None
    groups = parameter_groups(scenario, compiled, first=count)
    return groups[0].names[:count] if groups and groups[0].title == "most uncertain" else ()


def scenario_brief(source: str, *, grid: int = 15, replicates: int = 500, seed: int = 1,
                   progress: Callable[[str, int, int], None] | None = None) -> Brief:
    """Analyse the scenario file ``source`` and draw its figures (see the module docstring).

    Parameters
    ----------
    grid : points per axis of the sweep over the two most uncertain parameters (``grid**2`` runs).
    replicates, seed : of the noisy repeated play (the scenario's strategies, rounds and noise;
        tit for tat and 5% noise where it gives none).
    progress : called with ``(step, k, total)`` before each step of :data:`BRIEF_STEPS`.
    """
    def step(name: str) -> None:
        if progress is not None:
            progress(name, BRIEF_STEPS.index(name) + 1, len(BRIEF_STEPS))

    step("game")
    scenario = load_scenario(source)
    game = build_game(scenario, source=source)
    ids = tuple(game.player_ids)
    unit = game.units or ""
    glance = scenario_conclusions(source)
    sections: list[Section] = [_glance_section(glance)]
    figures: dict[str, tuple[Any, str]] = {}
    step("equilibria")
    eq = nash_equilibria(game)
    pure = [(int(np.argmax(e.row)), int(np.argmax(e.col))) for e in eq.equilibria if e.is_pure]
    big = game.shape[0] * game.shape[1] > 400
    sections.append(Section("The game", (
        f"<p>{_e(ids[0])} ({_e(scenario.players[ids[0]].name)}) chooses among {game.shape[0]} actions, "
        f"{_e(ids[1])} ({_e(scenario.players[ids[1]].name)}) among {game.shape[1]}; payoffs in {_e(unit or 'points')}; "
        f"one round is a {_e(scenario.scenario.period)}." + (" The matrix is summarised (aggregated over levers)." if big else "")
        + "</p>" + _lever_tables(scenario) + '<div class="wide">' + game_html(game, equilibria=eq) + "</div>")))
    sections.append(_parameter_section(scenario))
    sections.append(Section("Equilibria", to_html(eq, game=game)))
    step("security and bargaining")
    sec = security(game)
    d = "security"
    if eq.equilibria:
        pay = np.array([e.payoffs for e in eq.equilibria])
        d = (float(pay[:, 0].min()), float(pay[:, 1].min()))
    bargains = [nash_bargaining(game, d), kalai_smorodinsky(game, d)]
    sections.append(Section("Security levels", "<p>What each side can guarantee itself whatever the other does "
                            "(maxmin), and what the other side can hold it to (minmax).</p>" + to_html(list(sec), game=game)))
    sections.append(Section("Bargaining", "<p>Disagreement point: the worst-for-both Nash equilibrium payoffs "
                            "(as <code>tradesim solve</code>).</p>" + "".join(to_html(b, game=game) for b in bargains)))
    step("threats")
    th = truce_thresholds(game)
    threats = [threat_check(game, t, *escalation_threat(game, t), baseline=th.cooperative) for t in (0, 1)]
    sections.append(Section("Threats", "<p>Each side's escalation threat, checked from the truce: if the other side "
                            "escalates every lever, it escalates every lever too. Credible: carrying it out is a best "
                            "reply; deterrent: the other side ends up below its truce payoff.</p>"
                            + "".join(to_html(t, game=game) for t in threats)))
    step("truce thresholds")
    payoff_set = feasible_ir_set(game)
    i, j = th.cooperative
    figures["thresholds"] = (plots.plot_payoff_space(game, payoff_set=payoff_set, points={
        "truce": [(game.A[i, j], game.B[i, j])], "stage Nash (reversion)": [th.nash_payoff],
        "minmax point": [th.minmax_payoff]}), "The truce, the stage Nash equilibrium it reverts to, and the minmax point "
        "in the feasible payoff set (folk theorem).")
    step("knife edges")
    knife_lines = []
    for what, kind, coop in (("the pure equilibrium set", "equilibria", None),
                             ("whether the truce is self-enforcing", "self_enforcing", th.cooperative)):
        found = stage_knife_edges(source, conclusions=kind, cooperative=coop)
        if found is None:
            knife_lines.append(f"{what}: no parameter with a range to check")
            continue
        items, at_base = found
        knife_lines += [knife_edge_sentence(item, at_base) for item in items] or [
            f"{what}: no knife edge (no parameter moved within ±10% of its range changes it)"]
    sections.append(Section("When does the truce hold?", to_html(th) + "<ul>" + "".join(
        f"<li>{_e(s)}</li>" for s in th.sentences()) + "</ul><p><b>Knife edges</b> (one parameter moved within "
        "±10% of its range, the others at their base values):</p><ul>" + "".join(
        f"<li>{_e(s)}</li>" for s in knife_lines) + "</ul>", ("thresholds",)))
    named = {"Nash equilibrium": [e.payoffs for e in eq.equilibria]}
    for b in bargains:
        if b.point is not None and all(v is not None and np.isfinite(v) for v in b.point):
            named[b.concept] = [b.point]
    figures["payoff_space"] = (plots.plot_payoff_space(game, payoff_set=payoff_set, points=named),
                               "Every pure profile's payoffs, the equilibria and the bargaining solutions.")
    sections.insert(5, Section("Payoff space", "", ("payoff_space",)))
    if game.levers and any(game.levers) and pure:
        profiles = {"equilibrium": pure[0], "truce": th.cooperative,
                    "full escalation": (int(np.argmax(game.hostility(0))), int(np.argmax(game.hostility(1))))}
        figures["decomposition"] = (plots.plot_decomposition(game, profiles),
                                    "Each side's payoff split into its terms at the equilibrium, the truce and full escalation.")
        sections[5] = Section("Payoff space", "", ("payoff_space", "decomposition"))
    step("repeated play")
    rep = scenario.repeated
    strategies = {pid: rep.strategies.get(pid, "tit_for_tat") for pid in ids}
    rounds = rep.rounds or 20
    noise = rep.noise or 0.05
    match = play(game, strategies, rounds=rounds, replicates=replicates, noise=noise, seed=seed)
    figures["outcome_paths"] = (plots.plot_outcome_paths(match), f"{replicates} noisy replicates of "
                                + " vs ".join(f"{pid}={s}" for pid, s in strategies.items())
                                + f", {rounds} rounds, noise {noise:g}, seed {seed}: median, 50% and 90% bands.")
    sections.append(Section("Repeated play with noise", "<p>" + _e(" vs ".join(f"{pid} plays {s}" for pid, s in strategies.items()))
                            + f" for {rounds} rounds with {noise:.0%} implementation noise, {replicates} replicates "
                            f"(seed {seed}).</p>" + to_html(match),
                            ("outcome_paths",)))
    step("sweep")
    names = sweep_parameters(scenario)
    if len(names) == 2:
        specs = [f"{n}={lo}:{hi}:{grid}" for n in names for lo, hi in [scenario.parameters[n].range]]
        table = sweep(source, specs, ["equilibria", "critical_delta", "self_enforcing"], seed=seed)
        manifest = {"sweep": {"design": {"axes": [{"path": f"parameters.{n}"} for n in names]}}}
        figures["sweep"] = (plot_sweep(sweep_view(table, manifest, scenario)),
                            f"{grid} × {grid} grid over the two most uncertain parameters.")
        labels = [f"{_e(parameter_label(n, scenario.parameters[n], scenario))} (<code>{_e(n)}</code>, "
                  f"{_num(scenario.parameters[n].range[0])} to {_num(scenario.parameters[n].range[1])})" for n in names]
        sections.append(Section("The two most uncertain parameters", "<p>A sweep over " + " and ".join(labels)
                                + ", every other parameter at its base value: which pure equilibrium, how many "
                                "equilibria and whether the truce is self-enforcing, region by region.</p>", ("sweep",)))
    else:
        sections.append(Section("The two most uncertain parameters",
                                "<p>Not drawn: the scenario has fewer than two parameters with a range.</p>"))
    step("figures")
    return Brief(source=str(source), name=game.name, description=scenario.scenario.description,
                 sections=tuple(sections), figures=figures,
                 settings={"grid": grid, "replicates": replicates, "seed": seed, "sweep": list(names)})


def _lever_tables(scenario) -> str:
    """Each player's levers (levels conciliatory to hostile, unit, source), or its actions."""
    out = []
    period = scenario.scenario.period
    for pid, player in scenario.players.items():
        caption = (f"<p><b>{_e(player.name)}</b> (<code>{_e(pid)}</code>), discount factor {player.discount:g} per "
                   f"{_e(period)}" + (f": {_e(player.description)}" if player.description else "") + "</p>")
        if player.levers:
            rows = [[f"<code>{_e(name)}</code>", " · ".join(_e(lab) for lab in lv.level_labels()), _e(lv.unit),
                     _e(lv.description) + (f"<br><b>source:</b> {_e(lv.source)}" if lv.source else "")]
                    for name, lv in player.levers.items()]
            out.append(caption + _table(rows, ["lever", "levels (conciliatory → hostile)", "unit", "what it is"]))
        else:
            out.append(caption + "<p>actions: " + " · ".join(_e(a) for a in player.actions or ()) + "</p>")
    return "".join(out)


def _glance_section(glance) -> Section:
    rows = []
    for c in glance.conclusions:
        if c.kind == "parameter":
            continue
        if c.kind == "labels":
            value = "<br>".join(_e(v) for v in c.value) or "none"
        elif c.kind == "flag":
            value = f'<span class="flag-{"yes" if c.value else "no"}">{"yes" if c.value else "no"}</span>'
        else:
            value = _e(_num(c.value)) + (f" {_e(c.unit)}" if c.unit else "")
        rows.append([f"<code>{_e(c.name)}</code>", value, _e(c.text)])
    return Section("Conclusions at a glance", "<p class=note>The conclusions <code>tradesim compare</code> puts side "
                   "by side for variants of this scenario.</p>" + _table(rows, ["conclusion", "value", "what it says"]))


def _parameter_section(scenario) -> Section:
    rows = []
    for name, p in scenario.parameters.items():
        basis = (f"<b>source:</b> {_e(p.source)}" if p.source
                 else f'<span style="color:#8a6d00"><b>assumption:</b> {_e(p.assumption)}</span>')
        rng = f"{_num(p.range[0])} – {_num(p.range[1])}" if p.range else ""
        rows.append([f"<code>{_e(name)}</code>", _e(parameter_label(name, p, scenario)), _e(_num(p.value)), _e(p.unit),
                     rng, basis])
    if not rows:
        return Section("Parameters", "<p>The scenario gives its payoffs as matrices: it has no parameters.</p>"
                       + "".join(f"<p class=note>Source: {_e(s)}</p>" for s in scenario.scenario.sources))
    sourced = sum(1 for p in scenario.parameters.values() if p.source)
    return Section("Parameters and their sources", f"<p>{len(rows)} parameters: {sourced} with a source, "
                   f"{len(rows) - sourced} assumptions (with their reasons).</p>"
                   + _table(rows, ["parameter", "reads", "value", "unit", "range", "basis"])
                   + "<p class=note>Scenario sources:</p><ul>" + "".join(f"<li>{_e(s)}</li>" for s in scenario.scenario.sources)
                   + "</ul>")


def brief_html(brief: Brief, *, dpi: int = 90) -> str:
    """The brief as one self-contained HTML page (figures as PNG ``data:`` URIs, no external resource)."""
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{_e(brief.name)}: brief</title>", f"<style>{_CSS}</style></head><body>",
             f"<h1>{_e(brief.name)}</h1>", f"<p class=meta>{_e(brief.description)}</p>",
             f"<p class=meta>Scenario file <code>{_e(Path(brief.source).name)}</code>; made by tradesim.</p>",
             "<nav><ol>" + "".join(f'<li><a href="#s{k}">{_e(s.title)}</a></li>' for k, s in enumerate(brief.sections))
             + "</ol></nav>"]
    for k, s in enumerate(brief.sections):
        parts.append(f'<section id="s{k}"><h2>{_e(s.title)}</h2>{s.body}')
        for name in s.figures:
            fig, caption = brief.figures[name]
            parts.append(f'<figure id="fig-{_e(name)}">{figure_html(fig, dpi=dpi)}<figcaption>{_e(caption)}'
                         "</figcaption></figure>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def save_brief_pdfs(brief: Brief, directory: str | Path) -> list[Path]:
    """Each figure of the brief as ``DIRECTORY/NAME.pdf``; returns the paths written."""
    directory = Path(directory)
    return [plots.save_figure(fig, directory / f"{name}.pdf") for name, (fig, _) in brief.figures.items()]


def save_brief_pdf(brief: Brief, path: str | Path) -> Path:
    """Every figure of the brief as one page of the PDF ``path`` (written atomically)."""
    from matplotlib.backends.backend_pdf import PdfPages

    from sim._files import atomic_path, check_plot_path

    target = check_plot_path(path)
    with atomic_path(target, what="-o") as tmp:
        with PdfPages(tmp, metadata={"Title": f"{brief.name}: brief", "CreationDate": None}) as pdf:
            for fig, _ in brief.figures.values():
                pdf.savefig(fig, bbox_inches="tight")
    return target
