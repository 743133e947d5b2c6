"""Bad scenario files: exactly one line `error: FILE: key.path: what is wrong`, exit status 2."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cli import main
from tests.conftest import SCENARIOS
from tests.scenario_texts import LEVERS, PD

PD3 = PD.replace("[payoffs]", '[players.x]\nname = "X"\nactions = ["A", "B"]\n[payoffs]').replace(
    "row = [[3, 0], [5, 1]]", "row = [[[3, 3], [0, 0]], [[5, 5], [1, 1]]]").replace(
    "col = [[3, 5], [0, 1]]", "col = [[[3, 3], [5, 5]], [[0, 0], [1, 1]]]\nx = [[[1, 1], [1, 1]], [[1, 1], [1, 1]]]")
LEVELS64 = "[" + ", ".join(str(i) for i in range(64)) + "]"
LEVERS3 = LEVERS + '[players.c]\nname = "C"\n[players.c.levers.z]\nlevels = [0, 1]\n[players.c.payoff]\ngain = "c.z"\n'

BAD = [
    ("syntax", "[scenario\nname = 1", "", "not valid TOML"),
    ("missing-scenario", PD.replace('[scenario]\nname = "pd"\n', ""), "scenario", "missing required key"),
    ("unknown-top-key", "bogus = 1\n" + PD, "bogus", "unknown key"),
    ("unknown-player-key", PD.replace('name = "Row"', 'name = "Row"\ncolour = "red"'), "players.row.colour", "unknown key"),
    ("wrong-type", PD.replace('name = "Row"', "name = 7"), "players.row.name", "string"),
    ("discount-range", PD.replace('name = "Row"', 'name = "Row"\ndiscount = 1.5'), "players.row.discount", "less than 1"),
    ("three-players-two-matrices", PD + '[players.x]\nname = "X"\nactions = ["A"]\n', "payoffs.row",
     "2 x 2 x 1 tensor"),
    ("matrix-shape", PD.replace("row = [[3, 0], [5, 1]]", "row = [[3, 0, 1], [5, 1, 1]]"), "payoffs.row", "2 rows"),
    ("matrix-missing", PD.replace("col = [[3, 5], [0, 1]]", ""), "payoffs.col", "missing payoff matrix"),
    ("matrix-nan", PD.replace("row = [[3, 0], [5, 1]]", "row = [[nan, 0], [5, 1]]"), "payoffs.row.0.0", "finite"),
    ("empty-actions", PD.replace('actions = ["C", "D"]', "actions = []", 1), "players.row.actions", "at least 1"),
    ("duplicate-actions", PD.replace('actions = ["C", "D"]', 'actions = ["C", "C"]', 1), "players.row", "distinct"),
    ("no-source", LEVERS.replace('source = "test"', 'unit = "x"'), "parameters.k", "exactly one of 'source'"),
    ("both-source-assumption", LEVERS.replace('source = "test"', 'source = "a", assumption = "b"'), "parameters.k", "exactly one of"),
    ("reversed-range", LEVERS.replace('source = "test"', 'source = "t", range = [3, 1]'), "parameters.k", "reversed"),
    ("empty-levels", LEVERS.replace("levels = [0, 1, 2]", "levels = []"), "players.a.levers.x.levels", "at least 1"),
    ("label-count", LEVERS.replace('labels = ["low", "high"]', 'labels = ["low"]'), "players.b.levers.y", "1 labels for 2 levels"),
    ("unknown-lever", LEVERS.replace('gain = "k * a.x"', 'gain = "k * a.nope"'), "players.a.payoff.gain", "has no lever 'nope'"),
    ("unknown-parameter", LEVERS.replace('gain = "k * a.x"', 'gain = "q * a.x"'), "players.a.payoff.gain", "unknown name 'q'"),
    ("division-inf", LEVERS.replace('gain = "k * a.x"', 'gain = "k / a.x"'), "players.a.payoff.gain", "is inf at (x=0 | y=low)"),
    ("nan-payoff", LEVERS.replace('gain = "k * a.x"', 'gain = "z / z"'), "players.a.payoff.gain", "is nan"),
    ("attribute", LEVERS.replace('gain = "k * a.x"', 'gain = "k.__class__"'), "players.a.payoff.gain", "unknown player 'k'"),
    ("import", LEVERS.replace('gain = "k * a.x"', "gain = \"__import__('os').system('true')\""), "players.a.payoff.gain", "not allowed"),
    ("lambda", LEVERS.replace('gain = "k * a.x"', 'gain = "(lambda: 1)()"'), "players.a.payoff.gain", "not allowed"),
    ("subscript", LEVERS.replace('gain = "k * a.x"', 'gain = "k[0]"'), "players.a.payoff.gain", "Subscript is not allowed"),
    ("huge-power", LEVERS.replace('gain = "k * a.x"', 'gain = "9**9**9"'), "players.a.payoff.gain", "exponent"),
    ("non-string-term", LEVERS.replace('gain = "k * a.x"', "gain = 5"), "players.a.payoff.gain", "string"),
    ("mixed-kinds", PD.replace('[players.col]\nname = "Col"\nactions = ["C", "D"]', '[players.col]\nname = "Col"\n[players.col.levers.q]\nlevels = [1]\n[players.col.payoff]\nt = "1"'), "(top level)", "both players must use levers"),
    ("too-many-actions", LEVERS.replace("levels = [0, 1, 2]", "levels = [" + ", ".join(str(i) for i in range(64)) + "]\n[players.a.levers.w]\nlevels = [" + ", ".join(str(i) for i in range(64)) + "]\n[players.a.levers.v]\nlevels = [1, 2]"), "players.a.levers", "exceeds the limit of 4096"),
    ("coop-unknown-level", LEVERS + '[repeated]\ncooperative = { b = { y = "medium" } }\n', "repeated.cooperative.b.y", "no level 'medium'"),
    ("coop-unknown-player", LEVERS + '[repeated]\ncooperative = { q = { y = "low" } }\n', "repeated.cooperative.q", "unknown player"),
    ("coop-unknown-action", PD + '[repeated]\ncooperative = { row = "X" }\n', "repeated.cooperative.row", "no action 'X'"),
    ("forbid-unknown-lever", LEVERS.replace('[players.a]\nname = "A"', '[players.a]\nname = "A"\nforbid = [{ nope = 1 }]'), "players.a.forbid.0.nope", "no lever"),
    ("forbid-all", LEVERS.replace('[players.b]\nname = "B"', '[players.b]\nname = "B"\nforbid = [{ y = 0 }, { y = 1 }]'), "players.b.forbid", "every action"),
    ("bad-identifier", PD.replace("[players.row]", '[players."row x"]'), "players.row x", "must be an identifier"),
    ("rounds-negative", PD + "[repeated]\nrounds = -1\n", "repeated.rounds", "greater than or equal to 1"),
    ("param-player-clash", LEVERS.replace("k = {", "a = {").replace("k * a.x", "a.x"), "(top level)", "clash"),
    # N players (PD3: a third matrix player; LEVERS3: a third lever player)
    ("tensor-shape", PD3.replace("x = [[[1, 1], [1, 1]], [[1, 1], [1, 1]]]", "x = [[1, 1], [1, 1]]"), "payoffs.x",
     "must be a 2 x 2 x 2 tensor, nested 3 levels deep in player order"),
    ("tensor-not-nested", PD3.replace("x = [[[1, 1], [1, 1]], [[1, 1], [1, 1]]]", "x = [1, 1]"), "payoffs.x",
     "nested lists of numbers"),
    ("tensor-nan", PD3.replace("x = [[[1, 1], [1, 1]], [[1, 1], [1, 1]]]", "x = [[[1, 1], [1, 1]], [[1, nan], [1, 1]]]"),
     "payoffs.x.1.0.1", "finite"),
    ("three-unknown-player-lever", LEVERS3.replace('gain = "c.z"', 'gain = "d.z"'), "players.c.payoff.gain",
     "unknown player 'd'"),
    ("three-too-many-profiles", LEVERS3.replace("levels = [0, 1, 2]", f"levels = {LEVELS64}\n[players.a.levers.w]\nlevels = "
                                                f"{LEVELS64}").replace("[players.c.payoff]",
                                                                       f"[players.c.levers.w]\nlevels = {LEVELS64}\n[players.c.payoff]"),
     "players", "4096 x 2 x 128 action profiles exceeds the limit of 1000000"),
    ("too-many-players", PD + "".join(f'[players.q{k}]\nname = "Q"\nactions = ["A"]\n' for k in range(7)), "players",
     "has 9 players, more than the limit of 8"),
    ("one-player", PD.replace('[players.col]\nname = "Col"\nactions = ["C", "D"]', ""), "players", "at least two players"),
    ("three-with-state", LEVERS3 + "[state.s]\nlevels = [0, 1]\ninitial = 0\n", "state", "takes two players"),
    ("define-unknown", LEVERS + '[define]\nd = "q + 1"\n', "define.d", "unknown name 'q'"),
    ("define-forward", LEVERS + '[define]\nd = "e + 1"\ne = "k"\n', "define.d", "defined at or after this definition"),
    ("define-cycle", LEVERS + '[define]\nd = "d + 1"\n', "define.d", "no cycles"),
    ("define-clash", LEVERS + '[define]\nk = "1"\n', "define.k", "already a parameter"),
    ("define-inf", LEVERS.replace('gain = "k * a.x"', 'gain = "where(a.x > 0, d, 0)"') + '[define]\nd = "k / a.x"\n',
     "define.d", "is inf at (x=0 | y=low)"),
    ("player-define-unknown", LEVERS.replace('[players.a.payoff]', '[players.a.define]\nd = "b.nope"\n[players.a.payoff]'),
     "players.a.define.d", "has no lever 'nope'"),
    ("player-define-other", LEVERS.replace('[players.a.payoff]', '[players.a.define]\nd = "a.x"\n[players.a.payoff]')
     .replace('gain = "b.y - a.x"', 'gain = "b.y - d"'), "players.b.payoff.gain", "a definition of player 'a'"),
]


@pytest.mark.parametrize("name, text, key, message", BAD, ids=[b[0] for b in BAD])
def test_bad_file_gives_one_clean_error(tmp_path, name, text, key, message):
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith(f"error: {path}: "), line
    if key:
        assert f": {key}: " in line, line
    assert message in line, line
    assert "Traceback" not in result.output


def test_show_of_bad_file_is_the_same_one_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(LEVERS.replace('gain = "k * a.x"', 'gain = "k / a.x"'))
    result = CliRunner().invoke(main, ["show", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {path}: players.a.payoff.gain: is inf at (x=0 | y=low)"
    ]


def test_missing_file(tmp_path):
    result = CliRunner().invoke(main, ["show", str(tmp_path / "none.toml")])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'none.toml'}: no such file"


def test_extends_cycle(write_scenario):
    write_scenario('extends = "b.toml"\n', "a.toml")
    path = write_scenario('extends = "a.toml"\n', "b.toml")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert "extends: extends cycle: b.toml -> a.toml -> b.toml" in result.stderr


def test_validate_many_files_reports_each(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("x = ")
    result = CliRunner().invoke(main, ["validate", str(SCENARIOS / "prisoners_dilemma.toml"), str(bad)])
    assert result.exit_code == 2
    assert "ok: " in result.stdout and result.stderr.count("error: ") == 1


# ----------------------------------------------------------------------------- fuzz (the loader's fuzz is in tests/model)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_raw_bytes_valid_or_one_clean_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "f.toml"
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code in (0, 2)
    assert "Traceback" not in result.output


def test_huge_parameter_is_rejected_by_the_loader(tmp_path):
    path = tmp_path / "huge.toml"
    path.write_text(LEVERS.replace("k = { value = 2.0", "k = { value = 1e300"))
    result = CliRunner().invoke(main, ["solve", str(path)])
    assert result.exit_code == 2
    assert "parameters.k.value: Input should be less than or equal to 1000000000000" in result.stderr


def test_payoff_beyond_the_limit_is_one_error(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text(LEVERS.replace('gain = "k * a.x"', 'gain = "k * 1e12 * a.x"'))
    result = CliRunner().invoke(main, ["solve", str(path)])
    assert result.exit_code == 2
    assert "players.a.payoff.gain: is 2e+12 at (x=1 | y=low), beyond the limit of ±1e+12" in result.stderr


def test_unknown_default_strategy_is_caught_by_validate(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(PD + '[repeated]\nstrategies = { row = "nosuch", col = "tit_for_tat" }\n')
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"error: {path}: repeated.strategies.row: unknown strategy 'nosuch'" in result.stderr


def test_options_given_twice_are_errors():
    runner = CliRunner()
    pd = str(SCENARIOS / "prisoners_dilemma.toml")
    result = runner.invoke(main, ["play", pd, "--strategy", "row=tit_for_tat", "--strategy", "row=always_defect"])
    assert result.exit_code == 2 and "given twice" in result.stderr
    result = runner.invoke(main, ["play", pd, "--strategy", "row=generous_tit_for_tat:g=0.2,g=0.9"])
    assert result.exit_code == 2 and "'g' given twice" in result.stderr
