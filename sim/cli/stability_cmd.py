"""``tradesim stability``: look-ahead stability of profiles in the graph model of a scenario's stage game."""

from __future__ import annotations

import click

from sim.cli.common import (
    echo_json,
    format_option,
    invocation,
    lever_settings,
    payoffs_note,
    welfare_option,
)
from sim.cli.scenario_cmds import load_payoffs
from sim.errors import InputError
from sim.model.actions import default_cooperative, resolve_action
from sim.stage.equilibria import pure_best_response_profiles
from sim.stage.stability import CONCEPT_NAMES, CONCEPTS, stability
from sim.stage.stability_game import (
    MOVES,
    describe,
    graph_model,
    irreversible_marks,
    profile_state,
    state_profile,
)

#: Equilibria of the graph model the text lists per concept (JSON lists them all).
SHOWN = 3

HELP = """Look-ahead stability of profiles of a scenario FILE, in the Graph Model for Conflict
Resolution (Fang, Hipel & Kilgour 1993): the states are the action profiles, each side moves by
changing its own levers, and each prefers the profiles that pay it more.

\b
A profile is, for one side,
  nash  Nash stable: no change of its own levers pays it;
  gmr   generally metarational: every change that pays can be punished, the other side has
        a counter-move that leaves it no better off than where it started;
  smr   symmetrically metarational: ... by a counter-move it cannot escape by moving again;
  seq   sequentially stable: ... by a counter-move that also pays the other side, so the
        threat is credible.
A profile stable for both sides is an equilibrium of that concept.

\b
Profiles: the truce (the scenario's cooperative profile) and the stage equilibria, unless
--state names others; the graph model's equilibria over all profiles are counted too.
Moves: with --moves action a side changes any of its levers in one move, with lever one at a
time. A lever marked irreversible = true in the scenario only rises; a level listed in
irreversible = [...] cannot be left once reached (--ignore-irreversible drops the marks).
"""


@click.command("stability", help=HELP)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--state", "states", multiple=True, metavar="PLAYER.LEVER=LEVEL,...",
              help="A profile to check, e.g. \"china.rare_earths=October controls, us.tariff=peak\"; levers left out "
                   "keep the truce's levels (PLAYER=LEVEL for a player with one lever). Repeat for more.")
@click.option("--cooperative", is_flag=True, help="Check the truce too (the default when no --state is given).")
@click.option("--concept", type=click.Choice(["all", *CONCEPTS]), default="all", show_default=True,
              help="The stability concept(s) to report.")
@click.option("--moves", type=click.Choice(MOVES), default="action", show_default=True,
              help="A move changes the side's whole action (any levers), or one lever.")
@click.option("--ignore-irreversible", "ignore", is_flag=True,
              help="Ignore the scenario's irreversible levers and levels.")
@welfare_option
@format_option("text", "json")
@click.pass_context
def stability_command(ctx, file, states, cooperative, concept, moves, ignore, welfare, fmt):
    scenario, game = load_payoffs(file, welfare)
    profiles = _profiles(game, states, cooperative)
    model = graph_model(game, irreversible=not ignore, moves=moves)
    result = stability(model)
    concepts = CONCEPTS if concept == "all" else (concept,)
    marks = irreversible_marks(game, not ignore)
    report = _report(game, result, profiles, concepts, moves, marks)
    if fmt == "json":
        report["payoffs"] = "welfare" if welfare else "political"
        echo_json({**report, "invocation": invocation(ctx, file)})
        return
    note = payoffs_note(scenario, welfare)
    click.echo("\n".join(([note] if note else []) + _text(game, report, concepts)))


def _profiles(game, items: tuple[str, ...], cooperative: bool) -> list[tuple[str, tuple[int, int]]]:
    """The ``(name, profile)`` pairs to report: --state ones, the truce, the stage equilibria."""
    coop = default_cooperative(game)
    truce = "the truce" if game.cooperative is not None else "the most conciliatory profile"
    out: list[tuple[str, tuple[int, int]]] = []
    if cooperative or not items:
        out.append((truce, coop))
    for k, text in enumerate(items):
        out.append(("the given profile" if len(items) == 1 else f"given profile {k + 1}", _state(game, text, coop)))
    if not items:
        eqs = [tuple(int(x) for x in p) for p in pure_best_response_profiles(game.A, game.B)]
        for k, p in enumerate(eqs):
            out.append(("the stage equilibrium" if len(eqs) == 1 else f"stage equilibrium {k + 1}", p))
    seen, unique = set(), []
    for name, p in out:
        if p not in seen:
            seen.add(p)
            unique.append((name, p))
    return unique


def _state(game, text: str, base: tuple[int, int]) -> tuple[int, int]:
    """``--state "us.tariff=truce, china.rare_earths=October controls"`` as a profile; levers left out
    keep their levels in ``base``."""
    groups: dict[int, list[str]] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, eq, level = item.partition("=")
        pid = name.strip().partition(".")[0]
        if not eq or pid not in game.player_ids:
            raise InputError(f"expected PLAYER.LEVER=LEVEL items (players: {', '.join(game.player_ids)}), got {item!r}",
                             key="--state")
        p = game.player_ids.index(pid)
        if "." not in name:
            if len(game.levers[p]) != 1:
                raise InputError(f"{pid} has several levers: write {pid}.LEVER=LEVEL", key="--state")
            item = f"{pid}.{game.levers[p][0].name}={level.strip()}"
        groups.setdefault(p, []).append(item)
    if not groups:
        raise InputError("name at least one PLAYER.LEVER=LEVEL", key="--state")
    profile = list(base)
    for p, group in groups.items():
        _, settings = lever_settings(game, group, "--state")
        profile[p] = resolve_action(game, p, settings, base=base[p], key="--state")
    return profile[0], profile[1]


def _report(game, result, profiles, concepts, moves, marks) -> dict:
    """Everything ``stability`` prints, as one JSON-ready dict."""
    ids = tuple(game.player_ids)
    pref = result.model.preferences

    def labels(profile):
        return {ids[0]: game.actions[0][profile[0]], ids[1]: game.actions[1][profile[1]]}

    states = []
    for name, profile in profiles:
        s = profile_state(game, profile)
        reasons = []
        for p, pid in enumerate(ids):
            for c in concepts:
                k = result.concepts.index(c)
                imp, san = int(result.improvement[k, p, s]), int(result.sanction[k, p, s])
                reasons.append({
                    "player": pid, "concept": c, "stable": bool(result.stable[k, p, s]),
                    "improvements": int(result.improvements[p, s]), "blocked": int(result.blocked[k, p, s]),
                    "improvement": None if imp < 0 else labels(state_profile(game, imp)),
                    "sanction": None if san < 0 else labels(state_profile(game, san)),
                    "payoffs": {key: {q: float(pref[j, x]) for j, q in enumerate(ids)}
                                for key, x in (("state", s), ("improvement", imp), ("sanction", san)) if x >= 0},
                })
        states.append({
            "name": name, "profile": labels(profile),
            "payoffs": {pid: float(pref[p, s]) for p, pid in enumerate(ids)},
            "stable": {pid: {c: result.is_stable(p, s, c) for c in concepts} for p, pid in enumerate(ids)},
            "equilibrium": {c: bool(result.equilibrium_mask(c)[s]) for c in concepts},
            "reasons": reasons,
            "sentences": describe(result, s, game, name=name, concepts=concepts),
        })
    shown_marks = {pid: {lever: True if mark is True else [lv.labels[k] for k in mark]
                         for lever, mark in levers.items()
                         for lv in game.levers[ids.index(pid)] if lv.name == lever}
                   for pid, levers in marks.items()}
    return {
        "game": {"name": game.name, "players": list(ids), "shape": list(game.shape), "units": game.units},
        "moves": moves, "irreversible": shown_marks, "concepts": list(concepts), "states": states,
        "equilibria": {c: {"count": len(result.equilibria[c]),
                           "profiles": [labels(state_profile(game, s)) for s in result.equilibria[c]]}
                       for c in concepts},
        "method": result.method,
    }


def _text(game, report: dict, concepts) -> list[str]:
    ids = report["game"]["players"]
    m, n = report["game"]["shape"]
    how = "a side changes any of its levers in one move" if report["moves"] == "action" else \
        "a side changes one lever per move"
    marks = "; ".join(f"{pid}.{lever} " + ("only rises" if mark is True else f"cannot leave {', '.join(mark)}")
                      for pid, levers in report["irreversible"].items() for lever, mark in levers.items())
    lines = [f"{report['game']['name']}: graph model of {m} x {n} = {m * n:,} profiles; {how}",
             f"Irreversible: {marks or 'none marked'}"]
    width = max(len(CONCEPT_NAMES[c]) for c in concepts)
    for state in report["states"]:
        lines += ["", f"{state['name']}: " + "; ".join(f"{pid} = {state['profile'][pid]}" for pid in ids)]
        lines.append("  " + " " * 8 + "  ".join(f"{CONCEPT_NAMES[c]:<{width}}" for c in concepts))
        for pid in ids:
            lines.append(f"  {pid:<8}" + "  ".join(f"{'stable' if state['stable'][pid][c] else '-':<{width}}"
                                                    for c in concepts))
        eq = [CONCEPT_NAMES[c] for c in concepts if state["equilibrium"][c]]
        lines.append(f"  equilibrium of: {', '.join(eq) if eq else 'none of these concepts'}")
        lines += [f"  - {sentence}" for sentence in state["sentences"]]
    lines += ["", f"Equilibria of the graph model (of {m * n:,} profiles):"]
    for c in concepts:
        found = report["equilibria"][c]
        more = ", for example:" if found["count"] > SHOWN else ":" if found["count"] else ""
        lines.append(f"  {CONCEPT_NAMES[c]:<{width}}  {found['count']:>6,}{more}")
        lines += [f"      {' | '.join(p[pid] for pid in ids)}" for p in found["profiles"][:SHOWN]]
    return [line.rstrip() for line in lines]


def register(group: click.Group) -> None:
    """Add ``stability`` to the ``tradesim`` group."""
    group.add_command(stability_command)
