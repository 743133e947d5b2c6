"""``tradesim validate``, ``show`` and ``schema``: reading scenario files."""

from __future__ import annotations

import csv
import io

import click
import numpy as np

from sim.cli.common import console, dumps, echo_json, format_option, write_text_atomic
from sim.errors import TradesimError
from sim.model.gambit import (
    nfg_document,
    nfg_text,
    normal_form_document,
    parse_nfg,
    read_efg,
)
from sim.model.game import build_game
from sim.model.load import (
    load_scenario,
    read_document,
    scenario_from_dict,
    welfare_scenario,
)
from sim.model.nplayer import NormalFormGame
from sim.model.nplayer_build import build_any
from sim.model.scenario import json_schema
from sim.model.strategy_file import is_strategy_document, load_strategy_file
from sim.repeated.strategies import check_scenario_strategies
from sim.stage.extensive import reduced_normal_form

#: Largest matrix ``show`` prints as a table; larger games list key profiles instead.
MAX_TEXT_COLUMNS = 8


def gambit_kind(path: str) -> str | None:
    """``"nfg"`` or ``"efg"`` for a Gambit file (by its suffix), else ``None``."""
    suffix = str(path).lower().rpartition(".")[2]
    return suffix if suffix in ("nfg", "efg") else None


def read_tree(path: str):
    """The game tree of a Gambit ``.efg`` file."""
    return read_efg(path)


def read_scenario(path: str):
    """Load a scenario file and check its strategy specs (errors name the file and key).

    A Gambit ``.nfg`` file is read as a matrix game; an ``.efg`` file as its reduced normal form
    (commands that solve the tree itself read it with :func:`read_tree`).
    """
    kind = gambit_kind(path)
    if kind is not None:
        if kind == "nfg":
            document = nfg_document(path)
        else:
            tree = read_tree(path)
            normal = parse_nfg(nfg_text(reduced_normal_form(tree)), source=path)
            document = normal_form_document(normal, path)
        return scenario_from_dict(document, source=path)
    scenario = load_scenario(path)
    check_scenario_strategies(scenario, source=path)
    return scenario


def load_game(path: str):
    """:func:`read_scenario`, and the scenario's stage game."""
    return load_payoffs(path, False)


def load_any_game(path: str):
    """:func:`read_scenario`, and its game: a ``StageGame`` for two players, else a ``NormalFormGame``."""
    return load_any_payoffs(path, False)


def _tensors(game) -> tuple[np.ndarray, ...]:
    """Each player's payoffs: ``A, B`` of a stage game, the tensors of an N-player game."""
    return tuple(game.payoffs) if isinstance(game, NormalFormGame) else (game.A, game.B)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@format_option()
def validate(files: tuple[str, ...], fmt: str) -> None:
    """Check scenario FILES: format, payoff expressions, level references, sizes.

    A strategy file (a [strategy] table and [states.NAME] tables, docs/strategies.md)
    is checked as one. Prints one line per valid file, and one line per problem of an invalid one
    (`error: FILE: key.path: what is wrong`, every independent problem, in a fixed
    order); exits with status 2 if any file is invalid. JSON lists each file's
    `errors` (and `error`, the first).
    """
    results = []
    for path in files:
        try:
            if gambit_kind(path) is None and is_strategy_document(read_document(path)):  # docs/strategies.md
                strategy = load_strategy_file(path)
                results.append({"file": path, "valid": True, "kind": "strategy", "name": strategy.strategy.name,
                                "states": len(strategy.states)})
                continue
            scenario, game = load_any_game(path)
        except TradesimError as exc:
            errors = [str(problem) for problem in exc.problems]
            results.append({"file": path, "valid": False, "error": errors[0], "errors": errors})
            continue
        results.append({"file": path, "valid": True, "kind": "scenario", "name": scenario.meta.name,
                        "actions": [int(n) for n in game.shape]})
    if fmt == "json":
        echo_json({"files": results})
    else:
        for r in results:
            if r["valid"] and r["kind"] == "strategy":
                click.echo(f"ok: {r['file']}: strategy {r['name']} ({r['states']} state{'s' if r['states'] > 1 else ''})")
            elif r["valid"]:
                players = "" if len(r["actions"]) == 2 else f"{len(r['actions'])} players, "
                click.echo(f"ok: {r['file']}: {r['name']} ({players}{' x '.join(map(str, r['actions']))} actions)")
            else:
                for error in r["errors"]:
                    click.echo(f"error: {error}", err=True)
    if not all(r["valid"] for r in results):
        raise SystemExit(2)


#: Profiles above which ``show --format json`` leaves out the payoff and term matrices (``--full`` keeps them).
MAX_JSON_PROFILES = 40_000


def show_dict(scenario, game, *, full: bool = False) -> dict:
    """The stable JSON of ``tradesim show``; past :data:`MAX_JSON_PROFILES` profiles, without the
    matrices unless ``full`` (``payoffs``/``terms`` are then ``null`` and ``omitted`` says why)."""
    ids = game.player_ids
    return {
        "name": scenario.meta.name,
        **({} if len(ids) == 2 else {"n_players": len(ids), "profiles": int(np.prod(game.shape))}),
        "description": scenario.meta.description,
        "period": scenario.meta.period,
        "payoff_unit": scenario.meta.payoff_unit,
        "players": [
            {
                "id": pid,
                "name": game.player_names[k],
                "discount": game.discount[k],
                "levers": [
                    {"name": lv.name, "levels": list(lv.levels), "labels": list(lv.labels), "unit": lv.unit}
                    for lv in game.levers[k]
                ],
                "actions": list(game.actions[k]),
                "terms": list(game.terms[k]),
            }
            for k, pid in enumerate(ids)
        ],
        "parameters": {
            name: {
                "value": p.value,
                "unit": p.unit,
                "range": list(p.range) if p.range else None,
                "source": p.source,
                "assumption": p.assumption,
            }
            for name, p in scenario.parameters.items()
        },
        **_matrices(game, full),
        "cooperative": (
            {pid: game.actions[k][game.cooperative[k]] for k, pid in enumerate(ids)} if game.cooperative else None
        ),
        "state": {
            name: {"levels": list(v.levels), "labels": list(v.level_labels()), "initial": v.initial, "unit": v.unit,
                   "next": _next_text(v.next), "source": v.source, "assumption": v.assumption}
            for name, v in scenario.state.items()
        },
    }


def _matrices(game, full: bool) -> dict:
    ids = game.player_ids
    profiles = int(np.prod(game.shape))
    if profiles > MAX_JSON_PROFILES and not full:
        return {"payoffs": None, "terms": None,
                "omitted": f"{profiles:,} profiles: the payoff and term matrices are left out above "
                           f"{MAX_JSON_PROFILES:,} (give --full for them, or --matrix FILE.csv)"}
    return {"payoffs": dict(zip(ids, _tensors(game))),
            "terms": {pid: {t: m for t, m in game.terms[k].items()} for k, pid in enumerate(ids)}}


def _next_text(law):
    """A state's ``next`` as written: an expression, or ``[{p, value}]`` outcomes."""
    if law is None or isinstance(law, (str, int, float)):
        return law
    return [{"p": o.p, "value": o.value} for o in law]


def bimatrix_csv(game) -> str:
    """The payoff bimatrix as CSV: one row per profile, both payoffs and every term (every player's
    of an N-player game, the last player's action varying fastest)."""
    if isinstance(game, NormalFormGame):
        return _tensor_csv(game)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    ids = game.player_ids
    term_cols = [f"{pid}.{t}" for k, pid in enumerate(ids) for t in game.terms[k]]
    writer.writerow([ids[0], ids[1], f"payoff.{ids[0]}", f"payoff.{ids[1]}", *term_cols])
    m, n = game.shape
    for i in range(m):
        for j in range(n):
            terms = [f"{game.terms[k][t][i, j]:.6g}" for k in range(2) for t in game.terms[k]]
            writer.writerow([game.actions[0][i], game.actions[1][j], f"{game.A[i, j]:.6g}", f"{game.B[i, j]:.6g}", *terms])
    return buf.getvalue()


def _tensor_csv(game: NormalFormGame) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    ids = game.player_ids
    term_cols = [f"{pid}.{t}" for k, pid in enumerate(ids) for t in game.terms[k]]
    writer.writerow([*ids, *(f"payoff.{pid}" for pid in ids), *term_cols])
    for profile in np.ndindex(*game.shape):
        terms = [f"{game.terms[k][t][profile]:.6g}" for k in range(len(ids)) for t in game.terms[k]]
        writer.writerow([*(game.actions[k][a] for k, a in enumerate(profile)),
                         *(f"{u[profile]:.6g}" for u in game.payoffs), *terms])
    return buf.getvalue()


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@format_option()
@click.option("--matrix", "matrix_path", type=click.Path(dir_okay=False), help="Also write every profile's payoffs and terms to this CSV file.")
@click.option("--full", is_flag=True, help=f"JSON: keep the payoff and term matrices of games over {MAX_JSON_PROFILES:,} profiles.")
def show(file: str, fmt: str, matrix_path: str | None, full: bool) -> None:
    """Show a scenario: players, levers, parameters with sources, the payoff matrix.

    \b
    Text output lists each lever's levels (conciliatory first), every parameter
    with its source or the assumption behind it, and the payoff matrix (small games)
    or the payoffs and terms of key profiles (large games). JSON has `players`
    (id, name, levers, actions) and `payoffs` (per player id, rows = first player's actions;
    with N players a tensor nested N deep, axis k = player k's actions);
    above 40,000 profiles the matrices are left out (`omitted` says so) unless --full.
    """
    scenario, game = load_any_game(file)
    if matrix_path:
        write_text_atomic(matrix_path, bimatrix_csv(game), what="--matrix")
    if fmt == "json":
        echo_json(show_dict(scenario, game, full=full))
        return
    print_scenario(scenario, game)


def print_scenario(scenario, game) -> None:
    from rich.markup import escape
    from rich.table import Table

    out = console()
    unit = f" ({game.units})" if game.units else ""
    size = " x ".join(str(n) for n in game.shape) + " actions"
    if len(game.shape) > 2:
        size = f"{len(game.shape)} players, {size} ({int(np.prod(game.shape)):,} profiles)"
    out.print(f"[bold]{scenario.meta.name}[/bold]: {size}, one round = one {scenario.meta.period}{unit}")
    if scenario.meta.description:
        out.print(scenario.meta.description)
    levers = Table(title="Levers (levels ordered conciliatory -> hostile)", title_justify="left")
    for col in ("player", "lever", "levels", "unit"):
        levers.add_column(col)
    for k, pid in enumerate(game.player_ids):
        for lv in game.levers[k]:
            levels = " < ".join(f"{lab} ({val:g})" if lab != f"{val:g}" else lab for val, lab in zip(lv.levels, lv.labels))
            levers.add_row(f"{pid} (discount {game.discount[k]:g})", lv.name, levels, lv.unit)
    out.print(levers)
    if scenario.state:
        states = Table(title="State (carries over between rounds; the payoffs above are the initial state's)",
                       title_justify="left")
        for col in ("state", "levels", "initial", "unit", "next"):
            states.add_column(col, overflow="fold")
        for name, v in scenario.state.items():
            law = _next_text(v.next)
            shown = law if not isinstance(law, list) else "; ".join(f"p={o['p']}: {o['value']}" for o in law)
            states.add_row(name, " < ".join(v.level_labels()), str(v.initial), v.unit, escape(str(shown or "stays")))
        out.print(states)
    if scenario.parameters:
        params = Table(title="Parameters", title_justify="left")
        for col in ("name", "value", "unit", "source (or assumption)"):
            params.add_column(col, overflow="fold")
        for name, p in scenario.parameters.items():
            basis = escape(p.source) if p.source else f"assumption: {escape(p.assumption)}"
            params.add_row(name, f"{p.value:g}", p.unit, basis, style=None if p.source else "yellow")
        out.print(params)
    if isinstance(game, NormalFormGame):
        _print_profiles(out, game)
        return
    m, n = game.shape
    if n <= MAX_TEXT_COLUMNS and m <= 3 * MAX_TEXT_COLUMNS:
        table = Table(title=f"Payoffs ({game.player_ids[0]}, {game.player_ids[1]})", title_justify="left")
        table.add_column(f"{game.player_ids[0]} \\ {game.player_ids[1]}")
        for label in game.actions[1]:
            table.add_column(label, justify="right")
        for i, label in enumerate(game.actions[0]):
            table.add_row(label, *(f"{game.A[i, j]:g}, {game.B[i, j]:g}" for j in range(n)))
        out.print(table)
        return
    out.print(f"Payoff matrix: {m} x {n} profiles (use --matrix FILE.csv or --format json for all of them).")
    profiles = key_profiles(game)
    table = Table(title="Key profiles and their payoff terms", title_justify="left")
    table.add_column("term")
    for name, _ in profiles:
        table.add_column(name, justify="right")
    for k, pid in enumerate(game.player_ids):
        for term, matrix in game.terms[k].items():
            table.add_row(f"{pid}.{term}", *(_num(matrix[i, j]) for _, (i, j) in profiles))
        total = game.A if k == 0 else game.B
        table.add_row(f"[bold]{pid} total[/bold]", *(f"[bold]{_num(total[i, j])}[/bold]" for _, (i, j) in profiles), end_section=True)
    out.print(table)
    for name, (i, j) in profiles:
        out.print(f"  {name}: {game.player_ids[0]} {game.actions[0][i]} | {game.player_ids[1]} {game.actions[1][j]}")


#: Most profiles ``show`` lists one by one for a game of three or more players.
MAX_TEXT_PROFILES = 64


def _print_profiles(out, game: NormalFormGame) -> None:
    """Payoffs of an N-player game: every profile (small games), else key profiles with their terms."""
    from rich.table import Table

    ids = game.player_ids
    if game.profiles <= MAX_TEXT_PROFILES:
        table = Table(title=f"Payoffs ({', '.join(ids)}), one row per profile", title_justify="left")
        for pid in ids:
            table.add_column(pid)
        for pid in ids:
            table.add_column(f"payoff {pid}", justify="right")
        for profile in np.ndindex(*game.shape):
            table.add_row(*(game.actions[k][a] for k, a in enumerate(profile)),
                          *(f"{u[profile]:g}" for u in game.payoffs))
        out.print(table)
        return
    out.print(f"Payoff tensors: {game.profiles:,} profiles (use --matrix FILE.csv or --format json for all of them).")
    profiles = key_profiles(game)
    table = Table(title="Key profiles and their payoff terms", title_justify="left")
    table.add_column("term")
    for name, _ in profiles:
        table.add_column(name, justify="right")
    for k, pid in enumerate(ids):
        for term, tensor in game.terms[k].items():
            table.add_row(f"{pid}.{term}", *(_num(tensor[p]) for _, p in profiles))
        table.add_row(f"[bold]{pid} total[/bold]", *(f"[bold]{_num(game.payoffs[k][p])}[/bold]" for _, p in profiles),
                      end_section=True)
    out.print(table)
    for name, p in profiles:
        out.print(f"  {name}: " + " | ".join(f"{pid} {game.actions[k][a]}" for k, (pid, a) in enumerate(zip(ids, p))))


def _num(x: float) -> str:
    text = f"{x:.1f}"
    return "0.0" if text == "-0.0" else text


def key_profiles(game) -> list[tuple[str, tuple[int, ...]]]:
    """Profiles worth showing in a large game: cooperative, all-conciliatory, all-hostile."""
    hostility = [game.hostility(k) for k in range(len(game.player_ids))]
    out = []
    if game.cooperative is not None:
        out.append(("cooperative", tuple(game.cooperative)))
    out.append(("all conciliatory", tuple(int(np.argmin(h)) for h in hostility)))
    out.append(("all hostile", tuple(int(np.argmax(h)) for h in hostility)))
    return out


@click.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the schema to this file instead of stdout.")
def schema(output: str | None) -> None:
    """Print the JSON Schema of the scenario format (for editors that validate TOML)."""

    text = dumps(json_schema()) + "\n"
    if output:
        write_text_atomic(output, text, what="--output")
    else:
        click.echo(text, nl=False)


def _payoff_scenario(file: str, welfare: bool):
    scenario = read_scenario(file)
    return welfare_scenario(scenario, source=file) if welfare else scenario


def load_any_payoffs(file: str, welfare: bool):
    """:func:`load_payoffs` for any number of players: a ``StageGame`` for two, a ``NormalFormGame`` for more."""
    scenario = _payoff_scenario(file, welfare)
    return scenario, build_any(scenario, source=file)


def load_payoffs(file: str, welfare: bool):
    """``load_game``, with the ``[welfare]`` values as base values when ``welfare`` (an error without them)."""
    scenario = _payoff_scenario(file, welfare)
    return scenario, build_game(scenario, source=file)


def register(group: click.Group) -> None:
    for command in (validate, show, schema):
        group.add_command(command)


__all__ = ["register", "read_scenario", "load_game", "load_any_game", "load_payoffs", "show_dict", "bimatrix_csv"]
