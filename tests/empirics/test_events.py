"""Reading an events CSV: levels by label, value or snapped number; order; every error names row and column."""

from __future__ import annotations

import datetime as dt

import pytest

from sim.empirics.events import read_events
from sim.errors import InputError
from sim.model.actions import LeverInfo, snap_level
from sim.model.dynamic import build_dynamic_game
from sim.model.game import build_game
from sim.model.load import load_scenario
from tests.conftest import SCENARIOS
from tests.empirics.test_replay import DATA, TWO_LEVERS

HEADER = "date,player,lever,level,kind,period,note,source\n"


@pytest.fixture
def game(write_scenario):
    return build_game(load_scenario(write_scenario(TWO_LEVERS)))


def test_reads_the_test_file(game):
    log = read_events(DATA / "two_levers.csv", game)
    assert len(log.rows) == 8 and len(log.moves) == 6
    assert log.periods == ("p1", "p2")
    first = log.rows[0]
    assert (first.row, first.date, first.kind, first.player, first.name, first.level) == (
        2, dt.date(2020, 1, 1), "initial", 0, "tariff", 0)
    snapped = log.rows[1]
    assert snapped.snapped and snapped.level == 0 and snapped.given == "0.4"


def test_rows_sorted_by_date_stably_period_defaults_to_year(game, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("player,date,level,lever,extra\n"  # columns in any order; extra ones ignored
                    "east,2021-05-01,high,tariff,x\nwest,2020-02-01,mid,tariff,y\neast,2021-05-01,on,controls,z\n")
    log = read_events(path, game)
    assert [(r.row, r.period) for r in log.rows] == [(3, "2020"), (2, "2021"), (4, "2021")]
    assert all(r.kind == "move" for r in log.rows)


@pytest.mark.parametrize("given, index, snapped", [
    ("mid", 1, False), ("1", 1, False), ("2", 2, False), ("1.4", 1, True), ("1.5", 1, True),  # tie: conciliatory
    ("1.51", 2, True), ("-7", 0, True), ("9e3", 2, True), ("40%", 2, True), ("0.4%", 0, True),
])
def test_level_mapping_rule(given, index, snapped):
    lever = LeverInfo("tariff", (0.0, 1.0, 2.0), ("low", "mid", "high"))
    assert snap_level(lever, given, key="level") == (index, snapped)


def test_snapping_works_on_a_decreasing_grid():
    soy = LeverInfo("soybeans", (25.0, 12.0, 0.0), ("25 MMT", "12 MMT", "none"))
    assert snap_level(soy, "20", key="level") == (0, True)
    assert snap_level(soy, "3", key="level") == (2, True)


BAD = [
    ("missing-column", "date,player,lever\n2020-01-01,east,tariff\n", "row 1", "missing column 'level'"),
    ("unknown-player", HEADER + "2020-01-01,north,tariff,low,,,,\n", "row 2, column player", "no player 'north'"),
    ("unknown-lever", HEADER + "2020-01-01,east,tariff,low,,,,\n2020-02-01,east,quota,low,,,,\n",
     "row 3, column lever", "no lever of east 'quota'"),
    ("unknown-label", HEADER + "2020-01-01,east,tariff,huge,,,,\n", "row 2, column level", "no level 'huge'"),
    ("empty-level", HEADER + "2020-01-01,east,tariff,,,,,\n", "row 2, column level", "empty level"),
    ("bad-date", HEADER + "1/2/2020,east,tariff,low,,,,\n", "row 2, column date", "expected a date YYYY-MM-DD"),
    ("no-such-date", HEADER + "2020-02-30,east,tariff,low,,,,\n", "row 2, column date", "no such date"),
    ("bad-kind", HEADER + "2020-01-01,east,tariff,low,sideways,,,\n", "row 2, column kind", "unknown kind"),
    ("state-without-state", HEADER + "2020-01-01,state,leverage,low,,,,\n", "row 2, column player",
     "no state variables"),
    ("state-kind-for-player", HEADER + "2020-01-01,east,tariff,low,state,,,\n", "row 2, column kind",
     "player 'state'"),
]


@pytest.mark.parametrize("name, text, key, message", BAD, ids=[b[0] for b in BAD])
def test_bad_rows_name_file_row_and_column(game, tmp_path, name, text, key, message):
    path = tmp_path / f"{name}.csv"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        read_events(path, game)
    line = str(info.value)
    assert line.startswith(f"{path}: {key}: "), line
    assert message in line, line
    assert "\n" not in line


def test_empty_and_missing_files(game, tmp_path):
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "header.csv").write_text(HEADER)
    for name, message in (("empty.csv", "empty file"), ("header.csv", "no rows"), ("absent.csv", "no such file")):
        with pytest.raises(InputError, match=message):
            read_events(tmp_path / name, game)


def test_state_rows_in_a_game_with_state(tmp_path):
    dyn = build_dynamic_game(load_scenario(SCENARIOS / "leverage_game.toml"))
    log = read_events(DATA / "leverage.csv", dyn, state=dyn.states)
    state_row = next(r for r in log.rows if r.kind == "state")
    assert (state_row.player, state_row.name, state_row.level) == (None, "leverage", 1)
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "2020-01-01,state,erosion,low,,,,\n")
    with pytest.raises(InputError, match="row 2, column lever: no state variable 'erosion'"):
        read_events(path, dyn, state=dyn.states)
