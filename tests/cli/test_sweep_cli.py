"""End to end: `tradesim sweep` through click's test runner, and a real interruption."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.sweeps.run import METRICS
from tests.conftest import LEVER_GAME
from tests.scenario_texts import PD_LEVERS

US_CHINA = str(LEVER_GAME)


@pytest.fixture
def pd_levers(write_scenario):
    return str(write_scenario(PD_LEVERS, "pd_levers.toml"))


def _invoke(*args):
    return CliRunner().invoke(main, ["sweep", *map(str, args)])


def test_help_documents_every_metric_on_one_line():
    result = _invoke("--help")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    for name in METRICS:
        assert sum(1 for line in lines if line.strip().startswith(name + " ")) == 1, name
    for needle in ("players.us.levers.tariff.levels.3", "strategy.china.k", "lhs:N", "--resume", "--scheduler"):
        assert needle in result.stdout


def test_sweep_writes_parquet_manifest_and_summary(tmp_path):
    out = tmp_path / "r.parquet"
    result = _invoke(US_CHINA, "--param", "us_re_cost=20:400:3", "-p", "players.us.discount=0.8,0.95",
                     "-m", "equilibria", "-m", "critical_delta", "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("sweep: 6 points in ") and "points/s" in result.stderr
    table = pd.read_parquet(out)
    assert len(table) == 6
    assert {"parameters.us_re_cost", "players.us.discount", "critical_delta.grim_nash.us",
            "equilibria.tariff.china"} <= set(table.columns)
    manifest = json.loads((tmp_path / "r.parquet.manifest.json").read_text())
    assert manifest["command"].startswith("tradesim ") and manifest["rows"] == 6
    assert not (tmp_path / "r.parquet.parts").exists()


def test_csv_output_with_samples_and_quiet(pd_levers, tmp_path):
    out = tmp_path / "r.csv"
    result = _invoke(pd_levers, "-p", "T=4:8", "-p", "P=0.5:2", "--sample", "lhs:20", "--seed", "3",
                     "-m", "critical_delta", "-o", out, "--quiet")
    assert result.exit_code == 0, result.output
    assert result.output == ""
    table = pd.read_csv(out)
    assert len(table) == 20
    expected = (table["parameters.T"] - 3) / (table["parameters.T"] - table["parameters.P"])
    assert (table["critical_delta.grim_nash.row"] - expected).abs().max() < 1e-12


def test_play_metric_with_strategy_options(pd_levers, tmp_path):
    out = tmp_path / "r.parquet"
    result = _invoke(pd_levers, "-p", "strategy.col.k=1,4", "--strategy", "row=grim_trigger", "-m", "play",
                     "--reps", "5", "--replicates", "2", "-o", out, "-q")
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    assert len(table) == 4 and table["strategy.col.k"].tolist() == [1, 1, 4, 4]
    assert table["play.cooperation_rate"].between(0, 1).all()


@pytest.mark.parametrize(
    "args, message",
    [
        (["-p", "T=5:4:3"], "reversed"),
        (["-p", "T=4:4:2"], "empty"),
        (["-p", "T=1:4:0"], "at least 1"),
        (["-p", "Tx=1,2"], "nearest valid: T"),
        (["-p", "T=1:9:2000", "-p", "R=1:2:1000"], "--yes"),
        (["-p", "T=5", "--scheduler", "nonsense"], "tcp://HOST:PORT"),
        (["-p", "T=5", "-m", "nash"], "unknown metric"),
        (["-p", "T=5", "--strategy", "row"], "PID=SPEC"),
        (["-p", "T=5", "--workers", "0"], "--workers"),
        (["-p", "T=5", "--replicates", "0"], "--replicates"),
        (["-p", "T=5", "--seed", "-1"], "--seed"),
        (["-p", "T=5", "--chunk-size", "0"], "--chunk-size"),
        (["-p", "T=5", "--timeout", "0"], "--timeout"),
        (["-p", "T=5", "--scheduler", "local:0"], "local:N"),
        (["-p", "T=5", "--timeout", "nan"], "--timeout: must be a finite number"),
        (["-p", "T=5", "--timeout", "inf"], "--timeout: must be a finite number"),
        (["-p", "T=-1e308:1e308:3"], "too wide"),
        (["-p", "T=1e999"], "must be finite"),
        (["-p", "players.row.levers.act.levels.1=0"], "the same as level 0"),
    ],
    ids=["reversed", "empty", "n0", "unknown-path", "too-big", "scheduler", "metric", "strategy", "workers",
         "replicates", "seed", "chunk-size", "timeout", "local0", "timeout-nan", "timeout-inf", "overflow",
         "infinite-value", "repeated-level"],
)
def test_bad_input_is_one_error_line_and_status_2(pd_levers, tmp_path, args, message):
    out = tmp_path / "r.parquet"
    result = _invoke(pd_levers, *args, "-o", out)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and message in result.stderr and result.stderr.count("\n") == 1
    assert not out.exists() and not (tmp_path / "r.parquet.parts").exists()


def test_existing_results_need_overwrite_or_resume(pd_levers, tmp_path):
    out = tmp_path / "r.parquet"
    out.write_bytes(b"precious")
    result = _invoke(pd_levers, "-p", "T=5,6", "-m", "critical_delta", "-o", out)
    assert result.exit_code == 2 and "--overwrite" in result.stderr
    assert out.read_bytes() == b"precious"
    result = _invoke(pd_levers, "-p", "T=5,6", "-m", "critical_delta", "-o", out, "--overwrite", "-q")
    assert result.exit_code == 0 and len(pd.read_parquet(out)) == 2
