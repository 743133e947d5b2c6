"""Scenario documents generated from docs/scenario.schema.json, biased toward valid ones.

:func:`from_schema` walks the JSON Schema (objects, arrays, strings with patterns, numbers within
bounds, ``anyOf`` and ``$ref``). :func:`scenario_documents` walks it from the top with
*overrides*: two players whose levers, payoff terms, parameters and state names agree with each
other, payoff expressions from :func:`expressions` over those names, matrices of the right shape,
so most documents get past the structural checks and reach the game builder. A fraction are
walked without overrides, and each override now and then lets a wrong value through.
"""

from __future__ import annotations

import json
import keyword
from pathlib import Path

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "scenario.schema.json").read_text(encoding="utf-8"))

#: Python keywords and names the payoff language treats specially: tempting ids for a scenario.
KEYWORDS = sorted({*keyword.kwlist, *keyword.softkwlist, "None", "True", "round", "prev", "min", "max", "abs",
                   "exp", "log", "sqrt", "clip", "where", "__class__", "__import__", "_", "inf", "nan", "e", "pi"})
FUNCTIONS = {"min": 2, "max": 2, "abs": 1, "exp": 1, "log": 1, "sqrt": 1, "clip": 3, "where": 3}
EXTREME_NUMBERS = ["1e308", "-1e308", "1e12", "-1e12", "-0", "0", "1e-308", "5e-324", "1e999", "nan", "inf",
                   "9223372036854775808", "0.0"]
#: Expressions that each probe one corner of the payoff language.
NASTY_EXPRESSIONS = [
    "1j", "2j * 3", "(-1) ** 0.5", "9**9**9", "10 ** 400", "exp(1000)", "log(0)", "sqrt(-1)", "0/0", "1/0",
    "__import__('os')", "x[0]", "lambda: 1", "(lambda: 1)()", "a if b else c", "not 1", "1 and 2", "'s'",
    "True", "None", "...", "f(1)", "min()", "max(1)", "clip(1)", "where(1, 2)", "min(1, 2, 3, 4)", "a.b.c",
    "round", "prev", "1 < 2 < 3", "abs(*x)", "1 @ 2", "7 // 2", "7 % 2", "~1", "1_000", "0x10", "1e", "",
    " ", "#", "\n", "1\x00", "é + 1", "print(1)", "(1, 2)", "[1]", "{1}", "yield 1", "await x", "x := 1",
    "1 +", ")", "(" * 300 + "1" + ")" * 300, "-" * 3000 + "1", "+".join(["1"] * 1200), "x" * 2100,
    "abs(" * 150 + "1" + ")" * 150, "1e308 * 10", "-1e308 - 1e308", "exp(709) * exp(709)", "1 if 1 else 2",
    "2 ** -1", "0 ** -1", "(-8) ** (1/3)", "log(-1)", "sqrt(-1e-300)", "where(1 > 0, 1j, 0)", "abs(1j)",
    "max(1j, 2)", "clip(1, 2, 1)", "1 == 1", "1 != 2", "1 is 1", "1 in 2", "{}", "f'{1}'", "b'1'",
]
STRATEGY_NAMES = ["tit_for_tat", "always_defect", "always_cooperate", "grim_trigger:punish=nash",
                  "generous_tit_for_tat:g=0.2", "deadline_truce:k=3", "random:p=0.5", "markov", "nope",
                  "grim_trigger:punish=bogus", "random:p=2", "escalation_ladder:k=-1", "scripted:/dev/null", ""]

identifiers = st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True)


def _numbers(schema):
    lo, hi = schema.get("minimum"), schema.get("maximum")
    if "exclusiveMinimum" in schema:
        lo = schema["exclusiveMinimum"]
    if "exclusiveMaximum" in schema:
        hi = schema["exclusiveMaximum"]
    if schema.get("type") == "integer":
        return st.integers(int(lo) if lo is not None else -10**6, int(hi) if hi is not None else 10**6)
    small = st.floats(max(lo, -100.0) if lo is not None else -100.0, min(hi, 100.0) if hi is not None else 100.0,
                      exclude_min="exclusiveMinimum" in schema, exclude_max="exclusiveMaximum" in schema,
                      allow_nan=False)
    full = st.floats(lo, hi, exclude_min="exclusiveMinimum" in schema, exclude_max="exclusiveMaximum" in schema,
                     allow_nan=False)
    return st.one_of(small, small, small, full)


_any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_plain_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12)


def rare(draw, n: int = 20) -> bool:
    """True about once in ``n`` draws; it shrinks to False, so a minimal example keeps it only if needed."""
    return draw(st.integers(0, n - 1)) == n // 2


@st.composite
def text(draw):
    """Mostly printable ASCII; one time in ten any character (control characters included)."""
    return draw(_any_text if rare(draw, 10) else _plain_text)


def from_schema(draw, schema, path=(), overrides=None, depth=0):
    """A value for ``schema`` (a JSON Schema node), drawn with ``draw``; ``None`` means "leave out".

    ``overrides`` maps a path pattern (a tuple whose ``"*"`` matches any key) to a function
    ``(draw, path) -> value`` used instead of the walk below that path, or, under the key
    ``("keys", *pattern)``, to one returning the keys of a ``patternProperties`` object.
    """
    overrides = overrides or {}
    for pattern, fn in overrides.items():
        if pattern[0] != "keys" and _match(pattern, path):
            return fn(draw, path)
    if "$ref" in schema:
        schema = SCHEMA["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"] or schema["anyOf"]
        return from_schema(draw, draw(st.sampled_from(options)), path, overrides, depth)
    kind = schema.get("type")
    if kind == "null":
        return None
    if kind == "object":
        out = {}
        required = set(schema.get("required", ()))
        for name, sub in schema.get("properties", {}).items():
            forced = any(_match(p[1:] if p[0] == "keys" else p, (*path, name)) for p in overrides)
            if name in required or forced or draw(st.integers(0, 9)) >= 7:
                v = from_schema(draw, sub, (*path, name), overrides, depth + 1)
                if v is not None:
                    out[name] = v
        for pattern, sub in schema.get("patternProperties", {}).items():
            keys_fn = next((fn for p, fn in overrides.items() if p[0] == "keys" and _match(p[1:], path)), None)
            keys = keys_fn(draw, path) if keys_fn else draw(st.lists(st.from_regex(pattern, fullmatch=True).filter(
                lambda k: len(k) <= 64), max_size=3 if depth < 3 else 1, unique=True))
            for k in keys:
                v = from_schema(draw, sub, (*path, k), overrides, depth + 1)
                if v is not None:
                    out[k] = v
        return out
    if kind == "array":
        if "prefixItems" in schema:
            return [from_schema(draw, s, (*path, i), overrides, depth + 1) for i, s in enumerate(schema["prefixItems"])]
        n = draw(st.integers(schema.get("minItems", 0), min(schema.get("maxItems", 4), 4)))
        items = [from_schema(draw, schema.get("items", {}), (*path, i), overrides, depth + 1) for i in range(n)]
        return [x for x in items if x is not None]
    if kind == "string":
        if "pattern" in schema:
            return draw(st.from_regex(schema["pattern"], fullmatch=True))
        return draw(text() if "maxLength" not in schema else st.text(max_size=min(schema["maxLength"], 20)))
    if kind in ("number", "integer"):
        return draw(_numbers(schema))
    if kind == "boolean":
        return draw(st.booleans())
    return draw(st.none() | st.integers(-3, 3) | text())


def _match(pattern, path) -> bool:
    return len(pattern) == len(path) and all(p == "*" or p == k for p, k in zip(pattern, path))


@st.composite
def expressions(draw, names=(), depth=3):
    """A payoff-language expression over ``names``: numbers, names, + - * / **, unary minus,
    comparisons and the whitelisted functions; now and then a nasty one."""
    if rare(draw):
        return draw(st.sampled_from(NASTY_EXPRESSIONS))

    def atom():
        choice = draw(st.integers(0, 9))
        if names and choice < 6:
            return draw(st.sampled_from(list(names)))
        if choice == 9:
            return draw(st.sampled_from(EXTREME_NUMBERS))
        return str(draw(st.integers(0, 10) | st.floats(0, 10, allow_nan=False).map(lambda x: round(x, 2))))

    def expr(d):
        kind = draw(st.integers(0, 9)) if d > 0 else 0
        if kind <= 3:
            return atom()
        if kind <= 6:
            op = draw(st.sampled_from(["+", "-", "*", "/", "**", "+", "*"]))
            return f"{expr(d - 1)} {op} {expr(d - 1)}"
        if kind == 7:
            return f"-({expr(d - 1)})"
        if kind == 8:
            op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
            return f"({expr(d - 1)} {op} {expr(d - 1)})"
        fn = draw(st.sampled_from(sorted(FUNCTIONS)))
        return f"{fn}({', '.join(expr(d - 1) for _ in range(FUNCTIONS[fn]))})"

    return expr(depth)


def _labels(draw, n):
    """``n`` labels, mostly distinct and plain; sometimes a duplicate or a control character."""
    base = [f"L{i}" for i in range(n)]
    roll = draw(st.integers(0, 39))
    if roll == 20 and n > 1:
        base[-1] = base[0]
    elif roll == 21:
        base[0] += draw(st.sampled_from(["\n", "\t", "\x00", "\x1b[31m", "|", "=", ",", ":", " ", "\u2028", ""]))
    elif roll == 22:
        base = base[:-1]
    return base


@st.composite
def scenario_documents(draw):
    """A scenario document (a dict) walked from the schema with consistent names."""
    if rare(draw, 10):  # the bare schema walk: mostly structural errors
        return from_schema(draw, SCHEMA)
    n_players = draw(st.sampled_from([2] * 18 + [1, 3]))
    players = draw(st.lists(identifiers, min_size=n_players, max_size=n_players, unique=True))
    if rare(draw):
        players[0] = draw(st.sampled_from(KEYWORDS))
    classroom = rare(draw, 4)
    params = draw(st.lists(identifiers.filter(lambda k: k not in players), max_size=3, unique=True))
    levers = {p: draw(st.lists(identifiers, min_size=1, max_size=2, unique=True)) for p in players}
    sizes = {p: {lv: draw(st.integers(1, 3)) for lv in levers[p]} for p in players}
    actions = {p: draw(st.integers(1, 3)) for p in players}
    states = draw(st.lists(identifiers.filter(lambda k: k not in players and k not in params), max_size=1,
                           unique=True)) if not classroom and rare(draw, 4) else []
    refs = [*params, *states, *(f"{p}.{lv}" for p in players for lv in levers[p])]
    if states and draw(st.booleans()):
        refs += ["round", f"prev.{players[0]}.{levers[players[0]][0]}"]
    exprs = expressions(refs)

    def lever(draw, path):
        n = sizes[path[1]].get(path[3], 2)
        levels = sorted(draw(st.lists(st.integers(0, 200), min_size=n, max_size=n, unique=True)))
        if rare(draw):
            levels[0] = draw(st.sampled_from([1e308, -1e308, float("nan"), 1e12, -0.0, float("inf")]))
        out = {"levels": levels}
        if draw(st.booleans()):
            out["labels"] = _labels(draw, n)
        if rare(draw, 4):
            out["unit"] = draw(text())
        return out

    def parameter(draw, path):
        out = {"value": draw(st.integers(-5, 20) | st.floats(-10, 10, allow_nan=False))}
        which = draw(st.sampled_from(["source", "assumption", "source", "assumption", "both", "neither"]))
        if which in ("source", "both"):
            out["source"] = "fuzz"
        if which in ("assumption", "both"):
            out["assumption"] = "fuzz"
        if rare(draw, 4):
            lo = draw(st.floats(-20, 20, allow_nan=False))
            out["range"] = [lo, lo + draw(st.floats(-1, 30, allow_nan=False))]
        if rare(draw, 6):
            out["prior"] = draw(st.sampled_from(["uniform(0, 1)", "normal(0, 1)", "lognormal(0, 1)", "beta(2, 2)",
                                                 "triangular(0, 1, 2)", "normal(0, -1)", "beta(0, 0)", "bogus(1)",
                                                 "uniform(1e308, -1e308)", "normal(nan, 1)", "uniform(", ""]))
        return out

    def matrix(draw, path):
        m = actions[players[0]] if players else 1
        n = actions[players[1]] if len(players) > 1 else 1
        if rare(draw):
            m += 1
        return [[draw(st.integers(-5, 5)) for _ in range(n)] for _ in range(m)]

    def state(draw, path):
        n = draw(st.integers(1, 3))
        levels = list(range(0, 10 * n, 10))
        initial = f"L{n - 1}"
        if rare(draw, 10):
            initial = draw(st.sampled_from([levels[-1], "nope", 1e308, float("nan")]))
        out = {"levels": levels, "labels": _labels(draw, n), "initial": initial}
        kind = draw(st.integers(0, 2))
        if kind == 1:
            out["next"] = draw(exprs)
        elif kind == 2:
            p = draw(exprs) if rare(draw, 4) else "0.5"
            out["next"] = [{"p": p, "value": draw(exprs)}, {"p": f"1 - ({p})", "value": path[1]}]
        return out

    def cooperative(draw, path):
        if classroom:
            return {p: "A0" for p in players}
        return {p: {levers[p][0]: "L0" if draw(st.booleans()) else 0} for p in players}

    overrides = {
        ("keys", "players"): lambda draw, path: players,
        ("players", "*", "name"): lambda draw, path: path[1].title(),
        ("players", "*", "actions"): lambda draw, path: [f"A{i}" for i in range(actions[path[1]])] if classroom else None,
        ("players", "*", "levers"): lambda draw, path: None if classroom else {
            lv: lever(draw, (*path, lv)) for lv in levers[path[1]]},
        ("players", "*", "payoff"): lambda draw, path: None if classroom else {
            f"t{i}": draw(exprs) for i in range(draw(st.integers(1, 3)))},
        ("players", "*", "forbid"): lambda draw, path: [] if classroom or not rare(draw, 10) else [
            {levers[path[1]][0]: draw(st.sampled_from(["L0", 0, "nope", 1e308]))}],
        ("keys", "parameters"): lambda draw, path: params,
        ("parameters", "*"): parameter,
        ("payoffs",): lambda draw, path: {p: matrix(draw, (*path, p)) for p in players} if classroom else None,
        ("keys", "state"): lambda draw, path: states,
        ("state", "*"): state,
        ("repeated", "cooperative"): cooperative,
        ("repeated", "rounds"): lambda draw, path: draw(st.integers(1, 12)),
        ("repeated", "strategies"): lambda draw, path: {p: draw(st.sampled_from(STRATEGY_NAMES)) for p in players},
        ("repeated", "previous"): lambda draw, path: {} if classroom else {
            p: {levers[p][0]: "L0"} for p in players},
        ("keys", "welfare"): lambda draw, path: draw(st.lists(st.sampled_from(params), unique=True)) if params else [],
        ("extends",): lambda draw, path: None,
    }
    doc = from_schema(draw, SCHEMA, (), overrides)
    if not states:
        doc.pop("state", None)
    return doc
