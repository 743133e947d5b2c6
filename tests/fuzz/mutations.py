"""Fuzz cases from the bundled scenarios: document mutations and raw TOML text mutations.

Document mutations (:func:`mutated_scenarios`) parse a file of ``scenarios/``, then delete,
duplicate or retype a key, push a number to an extreme, replace an expression, put control
characters or separators into labels, rename ids to keywords, or point ``extends`` somewhere odd.
Text mutations (:func:`raw_texts`) truncate, flip bytes, add a BOM, long headers, deep nesting.
Every case carries the bundled files it may extend, so a variant still finds its base.
"""

from __future__ import annotations

import copy
import datetime
import re
from pathlib import Path

import tomllib
from hypothesis import strategies as st

from tests.fuzz.documents import KEYWORDS, expressions, rare, scenario_documents
from tests.fuzz.harness import Case
from tests.fuzz.toml_text import dumps

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = {p.name: p.read_bytes() for p in sorted((ROOT / "scenarios").glob("*.toml"))}
SMALL = [n for n in BUNDLED if not n.startswith("us_china")]
EXTRA = tuple(BUNDLED.items())

EXTREMES = [1e308, -1e308, float("nan"), "nan", float("inf"), 1e12, -1e12, 1e13, -0.0, 0, 5e-324, 2**63, -(2**63),
            10**30, 1e-308]
SEPARATORS = ["\n", "\r", "\t", "\x00", "\x1b[2J", "\x7f", "\u0085", "\u2028", "\u200b", "|", "=", ",", ":", ".",
              " ", "->", "(", "'", '"', "\\", ""]
#: Odd extends targets. /dev/zero and /dev/urandom never end: only for the memory-capped worker.
EXTENDS_SAFE = ["", ".", "..", "/", "/dev/null", "nonexistent.toml", "case.toml", "./case.toml", "a" * 300,
                "x\x00y", "~/x.toml", "http://example.com/x.toml", "/etc/passwd", "../" * 40 + "etc/hostname",
                "/proc/self/status", "us_china_2025.toml", "prisoners_dilemma.toml", "us_china_re_stockpile.toml",
                "scenarios", "\u00e9.toml", " ", "C:\\x.toml"]
EXTENDS_ENDLESS = ["/dev/zero", "/dev/urandom"]


def _paths(doc, prefix=()):
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


def _get(doc, path):
    for p in path:
        doc = doc[p]
    return doc


def _names(doc) -> list[str]:
    def table(x):
        return x if isinstance(x, dict) else {}

    names = [*table(doc.get("parameters")), *table(doc.get("state"))]
    for pid, player in table(doc.get("players")).items():
        names += [f"{pid}.{lv}" for lv in table(table(player).get("levers"))]
    return names


def _is_expression(path) -> bool:
    return (len(path) >= 2 and path[-2] == "payoff") or (path and path[-1] in ("p", "value", "next"))


def _rename(doc, old: str, new: str):
    """Rename the id ``old`` everywhere: as a key, and as a word in every string."""
    word = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(old)}(?![A-Za-z0-9_])")

    def walk(x):
        if isinstance(x, dict):
            return {(new if k == old else k): walk(v) for k, v in x.items()}
        if isinstance(x, list):
            return [walk(v) for v in x]
        if isinstance(x, str):
            return word.sub(new, x)
        return x
    return walk(doc)


@st.composite
def mutated_scenarios(draw, endless: bool = False):
    """A bundled scenario with one to three mutations, as a :class:`Case`."""
    name = draw(st.sampled_from(SMALL + list(BUNDLED)))
    doc = tomllib.loads(BUNDLED[name].decode())
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        action = draw(st.sampled_from(["extreme", "expression", "label", "delete", "retype", "duplicate",
                                       "keyword", "extends"]))
        if action == "extends":
            doc["extends"] = draw(st.sampled_from(EXTENDS_SAFE + (EXTENDS_ENDLESS if endless else [])))
            continue
        if action == "keyword":
            ids = [p[-1] for p in paths if len(p) in (2, 4) and p[0] in ("players", "parameters", "state")
                   and isinstance(p[-1], str) and (len(p) == 2 or p[2] == "levers")]
            if ids:
                doc = _rename(doc, draw(st.sampled_from(ids)), draw(st.sampled_from(KEYWORDS)))
            continue
        targets = {
            "extreme": [p for p in paths if isinstance(_get(doc, p), (int, float)) and not isinstance(_get(doc, p), bool)],
            "expression": [p for p in paths if isinstance(_get(doc, p), str) and _is_expression(p)],
            "label": [p for p in paths if isinstance(_get(doc, p), str) and any(
                k in p for k in ("labels", "actions", "cooperative", "initial", "name", "previous", "forbid"))],
        }.get(action) or paths
        if not targets:
            continue
        path = draw(st.sampled_from(targets))
        parent, last = _get(doc, path[:-1]), path[-1]
        if action == "extreme":
            parent[last] = draw(st.sampled_from(EXTREMES))
        elif action == "expression":
            parent[last] = draw(expressions(_names(doc)))
        elif action == "label" and isinstance(parent[last], str):
            sep = draw(st.sampled_from(SEPARATORS))
            at = draw(st.integers(0, len(parent[last])))
            parent[last] = parent[last][:at] + sep + parent[last][at:]
        elif action == "delete":
            del parent[last]
        elif action == "duplicate":
            if isinstance(parent, list):
                parent.insert(last, copy.deepcopy(parent[last]))
            else:
                parent[f"{last}_2" if isinstance(last, str) else last] = copy.deepcopy(parent[last])
        else:
            parent[last] = draw(st.sampled_from([True, "1", 1, 1.5, [], [1, "a"], {}, {"a": 1},
                                                 datetime.date(2025, 1, 1), "", [[1]]]))
    return Case(dumps(doc).encode(), EXTRA, origin=f"mutated {name}")


@st.composite
def raw_texts(draw):
    """Raw TOML text mutations of a bundled or generated file, as a :class:`Case`."""
    if rare(draw, 3):
        data = dumps(draw(scenario_documents())).encode()
        origin = "text of a generated document"
    else:
        name = draw(st.sampled_from(list(BUNDLED)))
        data, origin = BUNDLED[name], f"text of {name}"
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["truncate", "flip", "bom", "header", "nest", "insert", "crlf", "repeat"]))
        at = draw(st.integers(0, len(data)))
        if kind == "truncate":
            data = data[:at]
        elif kind == "flip" and data:
            i = min(at, len(data) - 1)
            data = data[:i] + bytes([data[i] ^ (1 << draw(st.integers(0, 7)))]) + data[i + 1:]
        elif kind == "bom":
            data = (b"\xef\xbb\xbf" + data) if rare(draw, 2) else data[:at] + b"\xef\xbb\xbf" + data[at:]
        elif kind == "header":
            n = draw(st.sampled_from([100, 5000, 100_000]))
            header = draw(st.sampled_from([b"[" + b"a" * n + b"]\n", b"[" + b"a." * (n // 2) + b"a]\n",
                                           b'["' + b"\\n" * (n // 2) + b'"]\n', b"[[" + b"x" * n + b"]]\n"]))
            data = header + data if rare(draw, 2) else data + b"\n" + header
        elif kind == "nest":
            n = draw(st.sampled_from([50, 1000, 20_000]))
            data += draw(st.sampled_from([b"deep = " + b"[" * n + b"]" * n + b"\n",
                                          b"deep = " + b"{ a = " * n + b"1" + b" }" * n + b"\n"]))
        elif kind == "insert":
            junk = draw(st.sampled_from([b"\x00", b"\xff\xfe", b"\r", b"\x1b", b"=", b"[", b"]]", b'"', b"'''",
                                         b"\n[players]\n", b"\nextends = \"case.toml\"\n", b"\xed\xa0\x80"]))
            data = data[:at] + junk + data[at:]
        elif kind == "crlf":
            data = data.replace(b"\n", draw(st.sampled_from([b"\r\n", b"\r", b"\n\n"])))
        else:
            line = draw(st.sampled_from(data.splitlines(keepends=True) or [b"x = 1\n"]))
            data = data[:at] + b"\n" + line * draw(st.sampled_from([2, 3, 500])) + data[at:]
    return Case(data[:400_000], EXTRA, origin=origin)


def generated(draw_doc) -> Case:
    return Case(dumps(draw_doc).encode(), EXTRA, origin="generated from the schema")


@st.composite
def fuzz_cases(draw, endless: bool = False, solve_every: int = 5):
    """One case of any of the three kinds, with ``solve`` (and ``show``) on a fraction of them."""
    kind = draw(st.sampled_from(["schema", "mutation", "raw"]))
    if kind == "schema":
        case = generated(draw(scenario_documents()))
    elif kind == "mutation":
        case = draw(mutated_scenarios(endless))
    else:
        case = draw(raw_texts())
    commands = ["validate"]
    if rare(draw, solve_every):
        commands.append("solve")
    if rare(draw, 10):
        commands.append("show")
    return Case(case.data, case.extra, tuple(commands), case.origin)
