"""Hostile scenario files: devices, pipes, link loops, NUL bytes, escaping ``extends``, keys that make
the TOML parser quadratic, byte-order marks; each is one clean error (or accepted), quickly.

Every test that would hang (or eat memory) before the fix runs under a timeout.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import tomllib
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim._files import MAX_SCENARIO_BYTES, read_bytes_capped, read_text_capped
from sim.cli import main
from sim.errors import InputError, ScenarioError, ScenarioProblems
from sim.model.load import MAX_NESTING, load_scenario, parse_toml, read_document
from tests.conftest import SCENARIOS
from tests.scenario_texts import LEVERS, PD

pytestmark = pytest.mark.timeout(20)

needs_posix = pytest.mark.skipif(os.name != "posix", reason="devices, FIFOs and symbolic links of POSIX")


def _validate(*args: str):
    return CliRunner().invoke(main, ["validate", *args])


def _one_error(result, path, *parts: str) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {path}: "), lines[0]
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


# ----------------------------------------------------------------------------- 1. unbounded reads


@needs_posix
@pytest.mark.timeout(5)
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/stdin"])
def test_device_as_scenario_is_refused_at_once(device):
    _one_error(_validate(device), device, "not a regular file")


@needs_posix
@pytest.mark.timeout(5)
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/stdin", "/dev/urandom"])
def test_extends_a_device_is_refused(write_scenario, device):
    path = write_scenario(f'extends = "{device}"\n' + PD)
    _one_error(_validate(str(path)), path, "extends: ", "outside the directory")


@needs_posix
@pytest.mark.timeout(5)
def test_symlink_to_a_device_inside_the_tree_is_refused(tmp_path):
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    path = tmp_path / "s.toml"
    path.write_text('extends = "zero.toml"\n' + PD)
    _one_error(_validate(str(path)), path, "outside the directory")  # resolves out of the tree
    _one_error(_validate(str(tmp_path / "zero.toml")), tmp_path / "zero.toml", "not a regular file")


@needs_posix
@pytest.mark.timeout(5)
def test_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    _one_error(_validate(str(fifo)), fifo, "not a regular file")
    path = tmp_path / "s.toml"
    path.write_text('extends = "pipe.toml"\n' + PD)
    _one_error(_validate(str(path)), path, "extends: 'pipe.toml': not a regular file")


def test_directory_is_refused(tmp_path):
    (tmp_path / "d.toml").mkdir()
    path = tmp_path / "s.toml"
    path.write_text('extends = "d.toml"\n' + PD)
    _one_error(_validate(str(path)), path, "extends: 'd.toml': is a directory")


@pytest.mark.timeout(10)
def test_file_over_the_cap_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text(PD + "# " + "x" * MAX_SCENARIO_BYTES + "\n")
    _one_error(_validate(str(path)), path, f"larger than the limit of {MAX_SCENARIO_BYTES:,} bytes")
    base = tmp_path / "base.toml"
    path.rename(base)
    leaf = tmp_path / "leaf.toml"
    leaf.write_text('extends = "base.toml"\n')
    _one_error(_validate(str(leaf)), leaf, "extends: 'base.toml': larger than the limit")


def test_reader_reads_at_most_cap_plus_one_bytes(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(b"abc")
    assert read_bytes_capped(path, what="test file", cap=3) == b"abc"
    with pytest.raises(InputError, match=r"larger than the limit of 2 bytes for a test file"):
        read_bytes_capped(path, what="test file", cap=2)
    with pytest.raises(ScenarioError, match=r"^.*f\.txt: larger than"):  # the error class is the caller's
        read_text_capped(path, what="scenario file", cap=1, error=ScenarioError)


def test_reader_errors_name_the_file(tmp_path):
    with pytest.raises(InputError, match=r"none\.csv: no such file$"):
        read_text_capped(tmp_path / "none.csv", what="events CSV", cap=10)
    with pytest.raises(InputError, match="NUL character"):
        read_text_capped("x\x00y", what="events CSV", cap=10)
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(b"caf\xe9")
    with pytest.raises(InputError, match=r"latin1\.csv: not UTF-8 text \(byte 3\)"):
        read_text_capped(bad, what="events CSV", cap=10)


# ----------------------------------------------------------------------------- 2. path tracebacks


@needs_posix
def test_symlink_loop_is_one_error(tmp_path):
    (tmp_path / "a.toml").symlink_to("b.toml")
    (tmp_path / "b.toml").symlink_to("a.toml")
    _one_error(_validate(str(tmp_path / "a.toml")), tmp_path / "a.toml", "symbolic link loop")
    path = tmp_path / "s.toml"
    path.write_text('extends = "a.toml"\n' + PD)
    _one_error(_validate(str(path)), path, "extends: 'a.toml': symbolic link loop")


@pytest.mark.parametrize("name", ["x\\u0000", "x\\u0000.toml", "\\u0000"])
def test_nul_byte_in_extends_is_one_error(write_scenario, name):
    path = write_scenario(f'extends = "{name}"\n' + PD)
    _one_error(_validate(str(path)), path, "extends: ", "NUL character")


def test_nul_byte_in_a_path_given_to_the_loader(tmp_path):
    with pytest.raises(ScenarioError, match="NUL character"):
        load_scenario(str(tmp_path / "a\x00.toml"))


def test_very_long_extends_name_is_one_error(write_scenario):
    path = write_scenario(f'extends = "{"x" * 5000}.toml"\n' + PD)
    _one_error(_validate(str(path)), path, "extends: ", "File name too long")


def test_missing_base_is_the_extends_key_of_the_file_that_names_it(write_scenario):
    path = write_scenario('extends = "base.toml"\n' + PD)
    assert _one_error(_validate(str(path)), path).endswith(": extends: 'base.toml': no such file")


# ----------------------------------------------------------------------------- 3. quadratic TOML


def _dotted(n: int, part: str = "a", sep: str = ".") -> str:
    return sep.join([part] * n)


@pytest.mark.timeout(10)
@pytest.mark.parametrize("text", [
    pytest.param(f"[{_dotted(100_000)}]\n", id="header"),
    pytest.param(f"[[{_dotted(100_000)}]]\n", id="array-of-tables"),
    pytest.param(f"{_dotted(100_000)} = 1\n", id="dotted-key"),
    pytest.param(f"x = {{ {_dotted(100_000)} = 1 }}\n", id="inline-table"),
    pytest.param("[" + _dotted(50_000, '"a"') + "]\n", id="quoted-parts"),
    pytest.param(f"[{_dotted(50_000, sep=' . ')}]\n", id="spaced-dots"),
    # a closing """" leaves a quote the scan must not take for an opening one
    pytest.param('x = { s = """q"""", ' + _dotted(50_000, '"a"') + " = 1 }\n", id="after-multiline-string"),
    pytest.param('s = "#"\n' + f"[{_dotted(50_000)}]\n", id="after-hash-in-string"),
])
def test_key_with_too_many_parts_is_refused_quickly(tmp_path, text):
    path = tmp_path / "deep.toml"
    path.write_text(text)
    start = time.perf_counter()
    _one_error(_validate(str(path)), path, f"more than {MAX_NESTING}")
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize("text, where", [
    ("x = " + "[" * 40 + "]" * 40, "brackets"),
    ("x = " + "{a = " * 40 + "1" + "}" * 40, "brackets"),
    ("[" + _dotted(20) + "]\n" + _dotted(20, "b") + " = 1\n", "tables and arrays"),
])
def test_nesting_past_the_limit_is_refused(text, where):
    with pytest.raises(ScenarioError, match=f"{where} nested more than {MAX_NESTING} levels"):
        parse_toml(text, source="t.toml")


@pytest.mark.parametrize("text", [
    'version = "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.25.26.27.28.29.30.31.32.33.34"',
    "x = [" + ", ".join(["1.5"] * 1000) + "]",
    'x = """' + ".".join(["a"] * 100) + '"""',
    "x = '''" + ".".join(["a"] * 100) + "'''",
    "# " + ".".join(["a"] * 100),
    'x = "\\"" # ' + ".".join(["a"] * 100),
    "[" + _dotted(MAX_NESTING - 1) + "]",
])
def test_the_scan_passes_what_is_not_a_deep_key(text):
    parse_toml(text + "\n", source="t.toml")


# ----------------------------------------------------------------------------- 4. BOM and extends confinement


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + PD.encode())
    result = _validate(str(path))
    assert result.exit_code == 0, result.output
    assert load_scenario(path).meta.name == "pd"


@pytest.mark.parametrize("target", ["../outside.toml", "sub/../../outside.toml", "/etc/passwd", "//etc/passwd",
                                    "C:\\x.toml", "..\\outside.toml"])
def test_extends_outside_the_directory_is_refused(tmp_path, target):
    (tmp_path / "outside.toml").write_text(PD)
    inner = tmp_path / "inner"
    inner.mkdir()
    path = inner / "s.toml"
    path.write_text(f"extends = {json.dumps(target)}\n")
    line = _one_error(_validate(str(path)), path, "extends: ", "outside the directory of s.toml")
    assert "without '..'" in line


def test_extends_below_the_directory_is_followed(tmp_path):
    (tmp_path / "bases").mkdir()
    (tmp_path / "bases" / "pd.toml").write_text(PD)
    path = tmp_path / "variant.toml"
    path.write_text('extends = "bases/pd.toml"\n[scenario]\nname = "variant"\n')
    assert load_scenario(path).meta.name == "variant"


@needs_posix
def test_symlinked_directory_out_of_the_tree_is_refused(tmp_path):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "pd.toml").write_text(PD)
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "link").symlink_to(tmp_path / "outside")
    path = inner / "s.toml"
    path.write_text('extends = "link/pd.toml"\n')
    _one_error(_validate(str(path)), path, "outside the directory")


@pytest.mark.parametrize("name", ["us_china_dynamic.toml", "us_china_re_stockpile.toml", "us_china_soy_diversified.toml"])
def test_bundled_variants_still_extend_their_base(name):
    assert read_document(SCENARIOS / name)["extends"] == "us_china_2025.toml"


# ----------------------------------------------------------------------------- 5. every problem reported

# five independent structural problems, in the order pydantic reports them
STRUCTURAL = (LEVERS.replace('name = "levers"', 'name = "levers"\ncolour = "red"')
              .replace('k = { value = 2.0', 'k = { value = "two"')
              .replace('z = { value = 0.0, assumption = "test" }', 'z = { value = 0.0, assumption = "test", range = "wide" }')
              .replace('name = "A"', 'name = "A"\ndiscount = 2')
              .replace("levels = [0, 1]", 'levels = [0, "x"]'))

# six problems found after the structure is valid, one per independent check
WHOLE = LEVERS.replace('k = { value = 2.0, source = "test" }', 'k = { value = 2.0, source = "test", prior = "normal(1)" }') \
    .replace('gain = "k * a.x"', 'gain = "k * a.x + nope"') + """
[welfare]
q = 1
[repeated]
previous = { a = { x = 7 } }
strategies = { c = "tit_for_tat" }
cooperative = { a = "x=9" }
"""


def test_validate_reports_every_structural_problem(write_scenario):
    path = write_scenario(STRUCTURAL)
    result = _validate(str(path))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    keys = [line.split(": ")[2] for line in lines]
    assert keys == ["scenario.colour", "players.a.discount", "players.b.levers.y.levels.1", "parameters.k.value",
                    "parameters.z.range"], lines
    assert all(line.startswith(f"error: {path}: ") for line in lines)
    assert "more" not in result.stderr


def test_validate_reports_every_independent_check(write_scenario):
    path = write_scenario(WHOLE)
    result = _validate(str(path))
    assert result.exit_code == 2
    keys = [line.split(": ")[2] for line in result.stderr.strip().splitlines()]
    assert keys == ["players.a.payoff.gain", "repeated.cooperative.a.x", "repeated.previous.a.x",
                    "parameters.k.prior", "welfare.q", "repeated.strategies.c"], result.stderr
    again = _validate("--format", "json", str(path))
    record = json.loads(again.stdout)["files"][0]
    assert [e.split(": ")[1] for e in record["errors"]] == keys and record["error"] == record["errors"][0]


def test_a_check_that_needs_a_failed_one_is_skipped(write_scenario):
    # the payoffs need b's actions; with every action forbidden, only that problem is reported
    text = LEVERS.replace('[players.b]\nname = "B"', '[players.b]\nname = "B"\nforbid = [{ y = 0 }, { y = 1 }]') \
        .replace('gain = "b.y - a.x"', 'gain = "b.y - nope"')
    result = _validate(str(write_scenario(text)))
    assert [line.split(": ")[2] for line in result.stderr.strip().splitlines()] == ["players.b.forbid"]


def test_other_commands_report_the_first_problem_and_a_count(write_scenario):
    path = write_scenario(WHOLE)
    result = CliRunner().invoke(main, ["show", str(path)])
    _one_error(result, path, "players.a.payoff.gain", f"(and 5 more: run tradesim validate {path})")


def test_problems_are_one_error_for_the_api(write_scenario):
    with pytest.raises(ScenarioProblems) as info:
        load_scenario(write_scenario(STRUCTURAL))
    assert isinstance(info.value, ScenarioError) and len(info.value.problems) == 5
    assert info.value.key == "scenario.colour"


def test_validate_many_files_keeps_the_order(tmp_path):
    good = SCENARIOS / "prisoners_dilemma.toml"
    bad = tmp_path / "bad.toml"
    bad.write_text(STRUCTURAL)
    result = _validate(str(bad), str(good), str(bad))
    assert result.exit_code == 2
    assert result.stderr.count("error: ") == 10 and "ok: " in result.stdout


def test_nothing_is_written(tmp_path):
    before = sorted(Path(tmp_path).iterdir())
    path = tmp_path / "s.toml"
    path.write_text('extends = "/dev/zero"\n')
    _validate(str(path))
    assert sorted(Path(tmp_path).iterdir()) == sorted([*before, path])


# ----------------------------------------------------------------------------- the scan against tomllib

_text = st.text(st.sampled_from(list("ab.#'\"\\ \n\t=[]{}") + ["é"]), max_size=12)
_bare = st.text(st.sampled_from(list("aZ09_-")), min_size=1, max_size=3)
_quoted = _text.filter(lambda t: "\n" not in t).map(lambda t: json.dumps(t, ensure_ascii=False))
_literal = _text.filter(lambda t: "'" not in t and "\n" not in t).map(lambda t: f"'{t}'")
_value_line = st.one_of(
    _quoted.map(lambda v: f"v = {v}"),
    _text.map(lambda t: f'v = """{t}"""'),
    _text.map(lambda t: f"v = '''{t}'''"),
    _text.filter(lambda t: "\n" not in t).map(lambda t: f"# {t}"),
    st.lists(_quoted, max_size=3).map(lambda vs: f"v = [{', '.join(vs)}]"),
)


@settings(max_examples=150, deadline=None)
@given(prefix=_value_line, parts=st.lists(st.one_of(_bare, _quoted, _literal), min_size=1, max_size=2 * MAX_NESTING),
       sep=st.sampled_from([".", " . ", "\t.", ". "]), form=st.sampled_from(["[{}]", "[[{}]]", "{} = 1", "t = {{ {} = 1 }}"]))
def test_the_scan_counts_the_parts_tomllib_sees(prefix, parts, sep, form):
    """Whatever comes before it (strings with quotes, hashes and dots, comments), a key is refused
    exactly when it has more parts than the limit; what the scan passes, tomllib parses as it would."""
    text = f"{prefix}\n[t{len(parts)}]\n" + form.format(sep.join(parts)) + "\n"
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        assume(False)
    levels = len(parts) + (2 if form.startswith("t =") else 1)  # the table header [tN], then the key
    if len(parts) > MAX_NESTING:
        with pytest.raises(ScenarioError, match="dotted parts"):
            parse_toml(text, source="t.toml")
    elif levels <= MAX_NESTING:
        assert parse_toml(text, source="t.toml") == tomllib.loads(text)


def test_cooperative_default_removed_by_a_forbid_rule_names_the_file_and_key(write_scenario):
    """Found by the long fuzz run: a player left out of [repeated] cooperative defaults to its first
    levels; when a forbid rule removes them the error had no file and the key 'action'."""
    text = LEVERS.replace('[players.b]\nname = "B"', '[players.b]\nname = "B"\nforbid = [{ y = "low" }]')
    path = write_scenario(text + '[repeated]\ncooperative = { a = { x = 1 } }\n')
    line = _one_error(_validate(str(path)), path, "repeated.cooperative")
    assert "forbid" in line
    ok = write_scenario(text + '[repeated]\ncooperative = { a = { x = 1 }, b = { y = "high" } }\n', "ok.toml")
    assert _validate(str(ok)).exit_code == 0
