"""End to end: `tradesim compare` on variants written to tmp_path and on bundled scenarios."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from sim.cli import main
from tests.conftest import SCENARIOS

# Axelrod's prisoner's dilemma (R, S, T, P) = (3, 0, 5, 1): grim trigger holds the truce for
# delta >= (T - R) / (T - P) = 0.5 (Fudenberg and Tirole 1991, ch. 5).
PD = """\
[scenario]
name = "PD"
payoff_unit = "points"
[players.row]
name = "Row"
discount = {d_row}
actions = ["C", "D"]
[players.col]
name = "Col"
discount = 0.9
actions = ["C", "D"]
[payoffs]
row = [[3, 0], [{t}, 1]]
col = [[3, {t}], [0, 1]]
[repeated]
cooperative = {{ row = "C", col = "C" }}
"""


def _compare(*args):
    return CliRunner().invoke(main, ["compare", *map(str, args)])


def _json(*files):
    result = _compare(*files, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _by_name(out):
    return {c["name"]: c for c in out["conclusions"]}


@pytest.fixture
def pd_pair(write_scenario):
    a = write_scenario(PD.format(d_row=0.9, t=5), "a.toml")
    b = write_scenario(PD.format(d_row=0.4, t=5), "b.toml")
    return a, b


def test_an_impatient_row_player_flips_the_truce(pd_pair):
    out = _json(*pd_pair)
    assert [s["file"] for s in out["scenarios"]] == [str(p) for p in pd_pair]
    c = _by_name(out)
    for key in ("name", "values", "changed", "flipped"):
        assert key in c["truce.self_enforcing"]
    assert c["truce.critical_delta.row"]["values"] == pytest.approx([0.5, 0.5])  # (T - R) / (T - P)
    assert c["truce.critical_delta.row"]["changed"] is False
    assert c["truce.self_enforcing.row"]["values"] == [True, False]
    assert c["truce.self_enforcing.row"]["flipped"] is True
    assert c["truce.self_enforcing"]["flipped"] is True
    assert c["truce.self_enforcing.col"]["flipped"] is False
    assert c["equilibria"]["values"] == [["row: D | col: D"]] * 2
    assert c["equilibria"]["flipped"] is False
    assert sorted(out["flipped"]) == ["truce.self_enforcing", "truce.self_enforcing.row"]


def test_a_smaller_temptation_turns_the_dilemma_into_a_stag_hunt(write_scenario):
    a = write_scenario(PD.format(d_row=0.9, t=5), "a.toml")
    b = write_scenario(PD.format(d_row=0.9, t=2), "b.toml")  # R > T > P > S: a stag hunt
    c = _by_name(_json(a, b))
    eq = c["equilibria"]
    assert eq["flipped"] is True
    # the stag hunt's equilibria: both pure profiles on the diagonal and the mix that makes each side
    # indifferent, q = (P - S) / ((R - T) + (P - S)) = 1/2
    assert eq["appeared"][1] == ["row: 0.5×[C] + 0.5×[D] | col: 0.5×[C] + 0.5×[D]", "row: C | col: C"]
    assert eq["disappeared"][1] == []
    assert c["equilibria.count"]["values"] == [1, 3]
    assert c["equilibria.pure_count"]["delta"] == [0.0, 1.0]
    assert c["equilibria.count"]["flipped"] is False  # a number changes, it does not flip
    assert c["security.row"]["changed"] is False  # D guarantees P = 1 in both games
    assert c["truce.critical_delta.row"]["values"] == [0.5, 0.0]  # no gain from deviating: T < R


def test_text_names_what_flipped(pd_pair):
    result = _compare(*pd_pair)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "(reference)" in text
    line = next(x for x in text.splitlines() if x.startswith("truce.self_enforcing.row"))
    assert line.split()[1:] == ["yes", "no", "FLIPPED"]
    assert "Flipped: truce.self_enforcing.row, truce.self_enforcing" in text
    assert "the same in every scenario" in text


def test_identical_files_change_nothing(pd_pair):
    out = _json(pd_pair[0], pd_pair[0], pd_pair[0])
    assert len(out["scenarios"]) == 3
    assert not any(c["changed"] for c in out["conclusions"])
    assert out["flipped"] == []


def test_bundled_stockpile_variant_moves_the_us_security_level_by_the_rare_earth_term():
    out = _json(SCENARIOS / "us_china_2025.toml", SCENARIOS / "us_china_re_stockpile.toml")
    c = _by_name(out)
    changed = [n for n, x in c.items() if x["kind"] == "parameter" and x["changed"]]
    assert changed == ["parameters.us_re_cost"]
    assert c["parameters.us_re_cost"]["values"] == [150.0, 37.5]
    # the US's worst case is China's October controls (90% withheld) either way, so its security level
    # moves by the rare-earth term alone: (150 - 37.5) * 0.9 ** 2
    assert c["security.us"]["delta"][1] == pytest.approx(112.5 * 0.81)
    assert c["security.china"]["changed"] is False
    assert out["flipped"] == []


def test_own_ev_scenario_against_a_low_pork_duty_variant(tmp_path):
    shutil.copy(SCENARIOS / "eu_china_ev.toml", tmp_path / "eu_china_ev.toml")
    variant = tmp_path / "pork_low.toml"
    variant.write_text('extends = "eu_china_ev.toml"\n[scenario]\nname = "pork duty at 4.9%"\n[parameters]\n'
                       'pork_duty = { value = 4.9, unit = "%", range = [4.9, 62.4], source = "MOFCOM definitive '
                       'pork duties, lowest rate (Dec 2025)" }\n', encoding="utf-8")
    out = _json(tmp_path / "eu_china_ev.toml", variant)
    c = _by_name(out)
    assert c["parameters.pork_duty"]["delta"][1] == pytest.approx(4.9 - 19.8)
    # milder pork retaliation makes the stage war cheaper for the EU: its truce is no longer self-enforcing
    assert c["truce.self_enforcing.eu"]["values"] == [True, False]
    assert "truce.self_enforcing" in out["flipped"]
    assert c["equilibria"]["flipped"] is False


def test_bad_input_is_one_line(tmp_path, pd_pair):
    for args in ((pd_pair[0],), (pd_pair[0], tmp_path / "missing.toml")):
        result = _compare(*args)
        assert result.exit_code == 2
        assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output
