"""The classroom commands through click's CliRunner (registered on a group like ``tradesim``'s)."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from sim.cli import _Group
from sim.cli.classroom_cmd import register


def _main() -> _Group:
    group = _Group("tradesim")  # the lead adds the module to sim.cli._COMMAND_MODULES
    register(group)
    return group


def test_classroom_export_writes_the_long_csv(db, tmp_path, open_room):
    room, _ = open_room(db, rounds=2, opponent="grim_trigger", seed=4)
    seat = room.join(room.session.room_code, "Ann")
    room.move(seat, 1, {"action": "D"})
    room.move(seat, 2, {"action": "C"})
    out = tmp_path / "moves.csv"
    result = CliRunner().invoke(_main(), ["classroom-export", str(db), "-o", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert frame[["round", "row_action", "col_action", "col_seat"]].values.tolist() == [
        [0, "D", "C", "strategy:grim_trigger"], [1, "C", "D", "strategy:grim_trigger"]]


def test_bad_options_are_one_line_errors(db, tmp_path):
    runner = CliRunner()
    pd_file = "scenarios/prisoners_dilemma.toml"
    result = runner.invoke(_main(), ["classroom", pd_file, "--db", str(db), "--opponent", "no_such_strategy"])
    assert result.exit_code == 2 and "no_such_strategy" in result.output and "Traceback" not in result.output
    result = runner.invoke(_main(), ["classroom", pd_file, "--db", str(db), "--rounds", "3", "--continuation", "0.9"])
    assert result.exit_code == 2 and "not both" in result.output
    result = runner.invoke(_main(), ["classroom-export", str(tmp_path / "none.sqlite"), "-o", "x.csv"])
    assert result.exit_code == 2
