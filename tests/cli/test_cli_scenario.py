"""End to end: `tradesim validate`, `show` and `schema` through click's test runner."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from sim.cli import main
from tests.conftest import LEVER_GAME, ROOT, SCENARIOS


def test_show_json_prisoners_dilemma():
    result = CliRunner().invoke(main, ["show", str(SCENARIOS / "prisoners_dilemma.toml"), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [p["id"] for p in data["players"]] == ["row", "col"]
    assert data["players"][0]["actions"] == ["C", "D"]
    assert data["payoffs"] == {"row": [[3, 0], [5, 1]], "col": [[3, 5], [0, 1]]}
    assert data["cooperative"] == {"row": "C", "col": "C"}


def test_show_text_us_china_names_levers_sources_and_terms(tmp_path):
    csv_path = tmp_path / "m.csv"
    result = CliRunner().invoke(main, ["show", str(LEVER_GAME), "--matrix", str(csv_path)])
    assert result.exit_code == 0, result.output
    text = result.stdout
    for needle in ("rare_earths", "October controls", "peak+100", "Fajgelbaum", "assumption:", "us.farm_income", "cooperative"):
        assert needle in text, needle
    lines = csv_path.read_text().splitlines()
    assert len(lines) == 1 + 16 * 54
    assert lines[0].startswith("us,china,payoff.us,payoff.china,us.tariff_revenue")


def test_show_json_us_china_shapes():
    result = CliRunner().invoke(main, ["show", str(LEVER_GAME), "--format", "json"])
    data = json.loads(result.stdout)
    assert len(data["payoffs"]["us"]) == 16 and len(data["payoffs"]["us"][0]) == 54
    assert data["parameters"]["us_re_cost"]["assumption"]
    assert data["parameters"]["us_imports"]["source"]


def test_validate_all_bundled_json():
    files = sorted(str(p) for p in SCENARIOS.glob("*.toml"))
    result = CliRunner().invoke(main, ["validate", *files, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert all(f["valid"] for f in json.loads(result.stdout)["files"])


def test_schema_command_prints_json_schema():
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["title"] == "tradesim scenario"


def test_python_dash_m_entry_point():
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "--help"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert proc.returncode == 0 and "tradesim" in proc.stdout


def test_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(main, ["nope"])
    assert result.exit_code == 2


def test_show_json_leaves_out_huge_matrices(tmp_path):
    import json

    from click.testing import CliRunner

    from sim.cli import main

    levels = ", ".join(str(k) for k in range(15))
    text = f"""
[scenario]
name = "Big"
[players.a]
name = "A"
discount = 0.9
[players.a.levers.x]
levels = [{levels}]
[players.a.levers.y]
levels = [{levels}]
[players.a.payoff]
u = "a.x - b.y"
[players.b]
name = "B"
discount = 0.9
[players.b.levers.x]
levels = [{levels}]
[players.b.levers.y]
levels = [{levels}]
[players.b.payoff]
u = "b.x - a.y"
"""
    f = tmp_path / "big.toml"
    f.write_text(text)
    out = json.loads(CliRunner().invoke(main, ["show", str(f), "--format", "json"]).output)
    assert out["payoffs"] is None and "50,625 profiles" in out["omitted"]
    full = json.loads(CliRunner().invoke(main, ["show", str(f), "--format", "json", "--full"]).output)
    assert len(full["payoffs"]["a"]) == 225 and "omitted" not in full
