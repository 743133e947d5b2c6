"""``tradesim plot`` treats a result file as data: it checks the invocation block against a schema,
loads the one scenario it hashes, and writes nothing but the figure named on the command line."""

from __future__ import annotations

import copy
import json
import os
import shutil

import click
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.cli.results import PARAMS
from tests.conftest import SCENARIOS

PD = SCENARIOS / "prisoners_dilemma.toml"
STAG = SCENARIOS / "stag_hunt.toml"
EVOLVE = ["--rounds", "10", "--reps", "2", "--seed", "1", "--t-max", "5"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """JSON results of solve and evolve on a copy of the prisoner's dilemma: ``{command: (dir, dict)}``."""
    out = {}
    for command, extra in (("solve", ["--no-knife-edges"]), ("evolve", EVOLVE)):
        where = tmp_path_factory.mktemp(command)
        scenario = where / "pd.toml"
        shutil.copy(PD, scenario)
        result = CliRunner().invoke(main, [command, str(scenario), *extra, "--format", "json"])
        assert result.exit_code == 0, result.output
        out[command] = json.loads(result.stdout)
    return out


def _plot(tmp_path, data, figure="fig.png"):
    """Write ``data`` as a result file in a fresh directory, run ``tradesim plot`` on it."""
    result_file = tmp_path / "r.json"
    result_file.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return result_file, CliRunner().invoke(main, ["plot", str(result_file), str(tmp_path / figure)])


def _assert_one_line_error(run, *starts):
    assert run.exit_code == 2, run.output
    assert run.exception is None or isinstance(run.exception, SystemExit), run.exception
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in run.output, run.output
    for start in starts:
        assert start in lines[0], lines[0]


def _files(directory):
    return sorted(p.name for p in directory.iterdir())


# --------------------------------------------------------------------------- 1: nothing but FIGURE written
@pytest.mark.parametrize("command", ["solve", "evolve"])
def test_output_options_in_a_result_never_write(tmp_path, saved, command):
    data = copy.deepcopy(saved[command])
    outputs = PARAMS[command].outputs()
    assert outputs, "these commands have output options besides --plot"
    victims = {name: tmp_path / f"{name}.png" for name in outputs}
    for name, victim in victims.items():
        victim.write_text("precious")
        data["invocation"]["params"][name] = str(victim)
    before = _files(tmp_path)
    _, run = _plot(tmp_path, data)
    assert run.exit_code == 0, run.output
    assert (tmp_path / "fig.png").read_bytes().startswith(b"\x89PNG")
    assert _files(tmp_path) == sorted([*before, "fig.png", "r.json"])
    for victim in victims.values():
        assert victim.read_text() == "precious"


def test_plot_refuses_to_replace_its_own_inputs(tmp_path, saved):
    data = copy.deepcopy(saved["solve"])
    scenario = tmp_path / "pd.svg"  # a scenario file may have any name
    shutil.copy(data["invocation"]["scenario"], scenario)
    data["invocation"]["scenario"] = data["invocation"]["params"]["file"] = str(scenario)
    _, run = _plot(tmp_path, data, figure="pd.svg")
    _assert_one_line_error(run, "FIGURE:", "is the scenario file")
    assert scenario.read_text() == PD.read_text()


def test_every_file_option_of_a_drawing_command_is_an_output_the_schema_ignores():
    """The class of defect 1: a new --plot-x option must be marked Output or plot would honour it."""
    drawing = {name for name, cmd in main.commands.items() if any(p.name == "plot_path" for p in cmd.params)}
    assert drawing == set(PARAMS)
    for name, model in PARAMS.items():
        params = main.commands[name].params
        assert set(model.model_fields) == {p.name for p in params} - {"fmt", "plot_path"}, name
        paths = {p.name for p in params if isinstance(p.type, click.Path) and isinstance(p, click.Option)}
        assert paths - {"plot_path"} == model.outputs(), name
        assert {p.name for p in params if p.multiple} <= {n for n, f in model.model_fields.items()
                                                          if "list" in str(f.annotation)}, name


# --------------------------------------------------------------------------- 2: the invocation block's schema
def _edit(path, value):
    def edit(inv):
        *parents, last = path
        node = inv
        for key in parents:
            node = node[key]
        if value is KeyError:
            del node[last]
        else:
            node[last] = value
    return edit


def _solve_params_under_play(inv):
    inv["command"] = "play"


MALFORMED = [
    ("missing-scenario", _edit(["scenario"], KeyError), "invocation.scenario: missing"),
    ("params-list", _edit(["params"], []), "invocation.params: must be an object"),
    ("params-null", _edit(["params"], None), "invocation.params: must be an object"),
    ("unknown-param", _edit(["params", "out_path"], "/tmp/x.png"), "invocation.params.out_path: not an option of solve"),
    ("plot-path-param", _edit(["params", "plot_path"], "/tmp/x.png"), "invocation.params.plot_path: not an option"),
    ("missing-param", _edit(["params", "tie"], KeyError), "invocation.params.tie: missing"),
    ("command-list", _edit(["command"], ["solve"]), "invocation.command: must be a command name"),
    ("command-unknown", _edit(["command"], "rm"), "invocation.command: results of 'rm' have no figure"),
    ("command-sweep", _edit(["command"], "sweep"), "invocation.command: results of 'sweep' have no figure"),
    ("command-plot", _edit(["command"], "plot"), "invocation.command: results of 'plot' have no figure"),
    ("scenario-int", _edit(["scenario"], 5), "invocation.scenario: must be a string, got 5"),
    ("scenario-nul", _edit(["scenario"], "a\x00b"), "invocation.scenario: a file name may not contain a NUL"),
    ("max-seconds-text", _edit(["params", "max_seconds"], "abc"), "invocation.params.max_seconds: must be a number"),
    ("max-seconds-negative", _edit(["params", "max_seconds"], -1), "invocation.params.max_seconds: input should be greater than 0"),
    ("max-seconds-infinity", _edit(["params", "max_seconds"], float("inf")), "not a JSON result: Infinity is not"),
    ("method-unknown", _edit(["params", "method"], "os.system"), "invocation.params.method: input should be 'auto'"),
    ("flag-as-int", _edit(["params", "welfare"], 1), "invocation.params.welfare: must be true or false"),
    ("solve-params-under-play", _solve_params_under_play, "invocation.params.no_knife: not an option of play"),
    ("hash-not-hex", _edit(["scenario_sha256"], "x" * 64), "invocation.scenario_sha256: string should match"),
    ("extra-key", _edit(["events"], "e.csv"), "invocation.events: not a key of an invocation block"),
    ("invocation-list", lambda inv: inv.clear() or inv.update(command=None), "invocation.command: must be a command"),
]


@pytest.mark.parametrize("edit, message", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_invocation_is_one_line_naming_file_and_key(tmp_path, saved, edit, message):
    data = copy.deepcopy(saved["solve"])
    edit(data["invocation"])
    result_file, run = _plot(tmp_path, data)
    _assert_one_line_error(run, f"error: {result_file}: ", message)
    assert _files(tmp_path) == ["r.json"]


REPEATED = [
    ("reps-zero", ["params", "reps"], 0, "invocation.params.reps: input should be greater than or equal to 1"),
    ("reps-huge", ["params", "reps"], 10**13, "invocation.params.reps: input should be less than or equal to"),
    ("seed-negative", ["params", "seed"], -1, "invocation.params.seed: input should be greater than or equal to 0"),
    ("seed-bool", ["params", "seed"], True, "invocation.params.seed: must be an integer"),
    ("noise-above-one", ["params", "noise"], 2.0, "invocation.params.noise: input should be less than or equal to 1"),
    ("specs-not-list", ["params", "spec_lists"], "tit_for_tat", "invocation.params.spec_lists: must be a list"),
    ("simplex-path-int", ["params", "simplex_path"], 3, "invocation.params.simplex_path: must be a string"),
]


@pytest.mark.parametrize("path, value, message", [m[1:] for m in REPEATED], ids=[m[0] for m in REPEATED])
def test_repeated_play_options_are_checked_with_their_ranges(tmp_path, saved, path, value, message):
    data = copy.deepcopy(saved["evolve"])
    _edit(path, value)(data["invocation"])
    result_file, run = _plot(tmp_path, data)
    _assert_one_line_error(run, f"error: {result_file}: ", message)
    assert _files(tmp_path) == ["r.json"]


def test_overflowing_number_is_not_finite(tmp_path, saved):
    data = copy.deepcopy(saved["solve"])
    data["invocation"]["params"]["max_seconds"] = 12345.678
    result_file, run = _plot(tmp_path, json.dumps(data).replace("12345.678", "1e999"))
    _assert_one_line_error(run, f"error: {result_file}: invocation.params.max_seconds: must be a finite number")


def test_options_the_command_refuses_name_the_result(tmp_path, saved):
    data = copy.deepcopy(saved["evolve"])
    data["invocation"]["params"]["spec_lists"] = ["no_such_strategy,tit_for_tat"]
    result_file, run = _plot(tmp_path, data)
    _assert_one_line_error(run, f"error: {result_file}: invocation.params: evolve refused the recorded options",
                           "no_such_strategy")
    assert _files(tmp_path) == ["r.json"]


@pytest.mark.parametrize("text, message", [
    ("[" * 100_000 + "]" * 100_000, "not a JSON result"),
    ('{"invocation": {"command": "solve", "params": {"seed": ' + "9" * 5000 + "}}}", "not a JSON result"),
    ('{"invocation": {"command": "solve", "params": {"max_seconds": NaN}}}', "NaN is not a JSON number"),
    ("{not json", "not a JSON result"),
    ("[1, 2]", "invocation: no 'invocation' block"),
], ids=["deep", "huge-int", "nan", "syntax", "list"])
def test_result_that_is_not_a_json_object_is_one_line(tmp_path, text, message):
    result_file, run = _plot(tmp_path, text)
    _assert_one_line_error(run, f"error: {result_file}: ", message)


# --------------------------------------------------------------------------- 3: one scenario, hashed and loaded
def test_params_file_must_be_the_hashed_scenario(tmp_path, saved):
    """Before: the hash covered invocation.scenario but params.file was loaded (another scenario drew, exit 0)."""
    for other in (str(STAG), "/dev/zero"):
        data = copy.deepcopy(saved["solve"])
        data["invocation"]["params"]["file"] = other
        result_file, run = _plot(tmp_path, data)
        _assert_one_line_error(run, f"error: {result_file}: invocation.params.file: must be the scenario file")
        assert _files(tmp_path) == ["r.json"]


@pytest.mark.timeout(60)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("kind", ["device", "fifo", "directory", "missing"])
def test_scenario_must_be_a_regular_file(tmp_path, saved, kind):
    path = {"device": "/dev/zero", "fifo": str(tmp_path / "pipe.toml"), "directory": str(tmp_path),
            "missing": str(tmp_path / "gone.toml")}[kind]
    if kind == "fifo":
        os.mkfifo(path)
    data = copy.deepcopy(saved["solve"])
    data["invocation"]["scenario"] = data["invocation"]["params"]["file"] = path
    result_file, run = _plot(tmp_path, data)
    _assert_one_line_error(run, f"error: {result_file}: invocation.scenario: {path}: ")
    assert not (tmp_path / "fig.png").exists()


@pytest.mark.timeout(60)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_result_file_must_be_a_regular_file(tmp_path):
    fifo = tmp_path / "r.json"
    os.mkfifo(fifo)
    for path in (str(fifo), "/dev/zero"):
        run = CliRunner().invoke(main, ["plot", path, str(tmp_path / "fig.png")])
        _assert_one_line_error(run, f"error: {path}: not a regular file")
    assert _files(tmp_path) == ["r.json"]


def test_changed_scenario_is_refused(tmp_path, saved):
    data = copy.deepcopy(saved["solve"])
    scenario = tmp_path / "pd.toml"
    scenario.write_text(PD.read_text().replace("row = [[3, 0], [5, 1]]", "row = [[4, 0], [5, 1]]"))
    data["invocation"]["scenario"] = data["invocation"]["params"]["file"] = str(scenario)
    result_file, run = _plot(tmp_path, data)
    _assert_one_line_error(run, f"error: {result_file}: invocation.scenario_sha256: scenario {scenario} changed since")
    assert not (tmp_path / "fig.png").exists()


def test_untouched_result_redraws(tmp_path, saved):
    _, run = _plot(tmp_path, saved["solve"])
    assert run.exit_code == 0, run.output
    assert (tmp_path / "fig.png").read_bytes().startswith(b"\x89PNG")
