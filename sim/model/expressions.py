"""The payoff-expression language: a small, whitelisted arithmetic grammar.

A payoff term in a scenario is a string such as
``"us.tariff/100 * us_imports * ((1 + us.tariff/100) / 1.208) ** (-import_elast)"``.
It is parsed with :func:`ast.parse` and checked node by node against a whitelist before
anything is evaluated; nothing in a scenario file is ever executed as Python.

Allowed: numbers, parameter names, ``player.lever`` names, ``+ - * / **``, unary minus and
plus, comparisons (giving 1.0 or 0.0), and the functions ``min max abs exp log sqrt clip where``.
In a game with state also: state names, ``round`` (0-based) and ``prev.player.lever`` (the lever's
level last round). Named definitions (a scenario's ``[define]`` tables) are read by name: a
definition is an expression compiled once and spliced into every expression that names it (what it
reads, it reads for them), so evaluating a term needs nothing but the usual environment.
Everything else (attribute chains, subscripts, other calls, keywords, lambdas, strings,
comprehensions, boolean operators) is rejected with the position of the offending token.

Checked expressions compile to a tree of numpy closures, evaluated over all action profiles
at once by broadcasting. A chain of ``+``/``-`` (or of ``*``/``/``) is one level of nesting however
long it is (``a + b + c`` is a flat sum), and is evaluated by a loop, so a long sum cannot exhaust
Python's recursion; only parentheses, calls, powers and unary signs nest. Subexpressions of numbers
alone are folded once, with the same IEEE float64 rules as evaluation: a negative number to a
fractional power is ``nan``, never a complex number.

Names the language gives a meaning (:data:`RESERVED_WORDS`: Python keywords, the functions,
``round`` and ``prev``) cannot name a player, parameter or state; :func:`reserved_word` says why.
"""

from __future__ import annotations

import ast
import difflib
import keyword
import operator
import re
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

#: Longest expression accepted, in characters.
MAX_LENGTH = 2_000
#: Deepest nesting of operations accepted (a chain of ``+ -`` or of ``* /`` is one level).
MAX_DEPTH = 40
#: Largest absolute value of a numeric literal.
MAX_LITERAL = 1e12
#: Largest absolute value of a literal exponent (``x ** 200`` is rejected).
MAX_EXPONENT = 64.0

FUNCTIONS: dict[str, tuple[Callable, int, int | None]] = {
    # name: (numpy function, min args, max args)
    "abs": (np.abs, 1, 1),
    "exp": (np.exp, 1, 1),
    "log": (np.log, 1, 1),
    "sqrt": (np.sqrt, 1, 1),
    "min": (lambda *xs: _reduce(np.minimum, xs), 2, None),
    "max": (lambda *xs: _reduce(np.maximum, xs), 2, None),
    "clip": (np.clip, 3, 3),
    "where": (lambda c, a, b: np.where(np.asarray(c) != 0, a, b), 3, 3),
}

#: Names a scenario may not give a player, parameter or state: Python keywords cannot be written
#: in an expression (``True.tariff`` is a syntax error), and the functions and ``round``/``prev``
#: already mean something in it.
_RESERVED_MEANING = {"round": "the round number", "prev": "prev.PLAYER.LEVER, last round's level"}
RESERVED_WORDS = frozenset(keyword.kwlist) | frozenset(FUNCTIONS) | frozenset(_RESERVED_MEANING)


def reserved_word(name: str) -> str | None:
    """Why ``name`` cannot be an identifier of a scenario (``None`` when it can)."""
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword, which an expression cannot name"
    if name in FUNCTIONS:
        return f"{name!r} is a function of the payoff language"
    if name in _RESERVED_MEANING:
        return f"{name!r} is reserved by the payoff language ({_RESERVED_MEANING[name]})"
    return None


_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
#: Left-associative operator families whose chains count as one level of nesting.
_CHAINS = ((ast.Add, ast.Sub), (ast.Mult, ast.Div))
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_COMPARE = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}


def _reduce(fn, xs):
    out = xs[0]
    for x in xs[1:]:
        out = fn(out, x)
    return out


class ExpressionError(ValueError):
    """An expression outside the language, with the column of the offending token (1-based)."""

    def __init__(self, message: str, column: int | None = None):
        self.column = column
        where = f" (column {column})" if column is not None else ""
        super().__init__(f"{message}{where}")


@dataclass(frozen=True)
class Expression:
    """A checked payoff expression.

    Attributes
    ----------
    source : the text as written in the scenario.
    parameters : parameter names it reads.
    levers : ``(player, lever)`` pairs it reads.
    """

    source: str
    parameters: frozenset[str]
    levers: frozenset[tuple[str, str]]
    _fn: Callable[[Mapping[str, object]], np.ndarray]
    variables: frozenset[str] = frozenset()
    prev: frozenset[tuple[str, str]] = frozenset()
    #: Syntax-tree nodes (numbers, names, operations): the work of one evaluation per profile.
    nodes: int = 1
    #: Named definitions it reads (directly or through other definitions).
    definitions: frozenset[str] = frozenset()

    @property
    def uses_round(self) -> bool:
        """Whether the expression reads ``round``."""
        return "round" in self.variables

    def evaluate(self, env: Mapping[str, object]) -> np.ndarray:
        """Evaluate with ``env`` mapping parameter names and ``"player.lever"`` to numbers or arrays.

        Arithmetic follows IEEE rules (``1/0`` is ``inf``); the caller checks for non-finite results.
        """
        values = {k: np.asarray(v, dtype=np.float64) for k, v in env.items()}
        with np.errstate(all="ignore"):
            return np.asarray(self._fn(values), dtype=np.float64)


def parse_expression(
    source: str,
    *,
    parameters: set[str] | frozenset[str],
    levers: Mapping[str, set[str] | frozenset[str]],
    variables: set[str] | frozenset[str] = frozenset(),
    prev: bool = False,
    definitions: Mapping[str, Expression] | None = None,
) -> Expression:
    """Parse and check ``source``; raise :class:`ExpressionError` for anything outside the language.

    Parameters
    ----------
    source : the expression text.
    parameters : names of the scenario's parameters.
    levers : per player id, the names of its levers.
    variables : other names the expression may read (state names, ``round``).
    prev : whether ``prev.PLAYER.LEVER`` (last round's level) is allowed.
    definitions : named definitions the expression may read by name (already checked expressions).
    """
    if not isinstance(source, str):
        raise ExpressionError("must be a string")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"longer than {MAX_LENGTH} characters")
    if not source.strip():
        raise ExpressionError("is empty")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg}", exc.offset) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("too deeply nested") from None
    checker = _Checker(frozenset(parameters), {p: frozenset(v) for p, v in levers.items()},
                       frozenset(variables), prev, dict(definitions or {}))
    fn, _ = checker.compile(tree.body, depth=0)
    return Expression(
        source=source,
        parameters=frozenset(checker.used_parameters),
        levers=frozenset(checker.used_levers),
        _fn=fn,
        variables=frozenset(checker.used_variables),
        prev=frozenset(checker.used_prev),
        nodes=checker.nodes,
        definitions=frozenset(checker.used_definitions),
    )


def _did_you_mean(word: str, candidates) -> str:
    close = difflib.get_close_matches(word, sorted(candidates), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _constant(value) -> Callable:
    return lambda env: value


class _Checker:
    """Walks the syntax tree once, rejecting what is not whitelisted and building closures.

    :meth:`compile` returns ``(closure, constant)``: ``constant`` is the folded value (a
    ``numpy.float64``) when the subexpression reads no name, else ``None``.
    """

    def __init__(self, parameters: frozenset[str], levers: dict[str, frozenset[str]],
                 variables: frozenset[str] = frozenset(), prev: bool = False,
                 definitions: dict[str, Expression] | None = None):
        self.definitions = definitions or {}
        self.used_definitions: set[str] = set()
        self.parameters = parameters
        self.levers = levers
        self.variables = variables
        self.prev = prev
        self.used_parameters: set[str] = set()
        self.used_levers: set[tuple[str, str]] = set()
        self.used_variables: set[str] = set()
        self.used_prev: set[tuple[str, str]] = set()
        self.nodes = 0

    def fail(self, node: ast.AST, message: str):
        raise ExpressionError(message, getattr(node, "col_offset", -1) + 1)

    def _fold(self, fn: Callable, parts) -> tuple[Callable, np.float64 | None]:
        """Fold ``fn`` to a constant when every part is one (IEEE rules: ``nan``/``inf``, never complex)."""
        if all(const is not None for _, const in parts):
            with np.errstate(all="ignore"):
                value = np.float64(np.asarray(fn({}), dtype=np.float64))
            return _constant(value), value
        return fn, None

    def compile(self, node: ast.AST, depth: int) -> tuple[Callable, np.float64 | None]:
        if depth > MAX_DEPTH:
            self.fail(node, f"nested more than {MAX_DEPTH} levels deep")
        self.nodes += 1
        d = depth + 1
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.fail(node, f"only numbers are allowed, not {type(value).__name__} {value!r}")
            if not abs(value) <= MAX_LITERAL:
                self.fail(node, f"number {value!r} is larger than {MAX_LITERAL:g}")
            number = np.float64(value)
            return _constant(number), number
        if isinstance(node, ast.Name):
            return self._name(node), None
        if isinstance(node, ast.Attribute):
            return self._attribute(node), None
        if isinstance(node, ast.BinOp):
            for family in _CHAINS:
                if isinstance(node.op, family):
                    return self._chain(node, family, d)
            op = _BINARY.get(type(node.op))
            if op is None:
                self.fail(node, f"operator {type(node.op).__name__} is not allowed")
            left = self.compile(node.left, d)
            right = self.compile(node.right, d)
            if right[1] is not None and abs(right[1]) > MAX_EXPONENT:  # only ** is left: x ** 200 can only overflow
                self.fail(node.right, f"exponent {right[1]:g} is larger than {MAX_EXPONENT:g}")
            lf, rf = left[0], right[0]
            return self._fold(lambda env: op(lf(env), rf(env)), (left, right))
        if isinstance(node, ast.UnaryOp):
            op = _UNARY.get(type(node.op))
            if op is None:
                self.fail(node, f"operator {type(node.op).__name__} is not allowed")
            operand = self.compile(node.operand, d)
            of = operand[0]
            return self._fold(lambda env: op(of(env)), (operand,))
        if isinstance(node, ast.Compare):
            ops = []
            for op_node in node.ops:
                fn = _COMPARE.get(type(op_node))
                if fn is None:
                    self.fail(node, f"comparison {type(op_node).__name__} is not allowed")
                ops.append(fn)
            parts = [self.compile(node.left, d)] + [self.compile(c, d) for c in node.comparators]
            operands = [f for f, _ in parts]

            def compare(env):
                values = [f(env) for f in operands]
                result = np.ones(np.broadcast(*values).shape, dtype=bool)
                for fn, a, b in zip(ops, values, values[1:]):
                    result = result & fn(a, b)
                return result.astype(float)

            return self._fold(compare, parts)
        if isinstance(node, ast.Call):
            return self._call(node, d)
        self.fail(node, f"{type(node).__name__} is not allowed in a payoff expression")

    def _chain(self, node: ast.BinOp, family, depth: int) -> tuple[Callable, np.float64 | None]:
        """A left-deep chain ``a + b - c + ...`` of one operator family: one level, evaluated by a loop."""
        rights, ops = [], []
        while isinstance(node, ast.BinOp) and isinstance(node.op, family):
            rights.append(node.right)
            ops.append(_BINARY[type(node.op)])
            node = node.left
        self.nodes += len(ops) - 1  # compile() counted the first operation
        parts = [self.compile(node, depth)] + [self.compile(r, depth) for r in reversed(rights)]
        steps = tuple(zip(reversed(ops), (f for f, _ in parts[1:])))
        first = parts[0][0]

        def chain(env):
            out = first(env)
            for op, f in steps:
                out = op(out, f(env))
            return out

        return self._fold(chain, parts)

    def _call(self, node: ast.Call, depth: int) -> tuple[Callable, np.float64 | None]:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            shown = node.func.id if isinstance(node.func, ast.Name) else "this"
            allowed = " ".join(FUNCTIONS)
            hint = _did_you_mean(shown, FUNCTIONS) if isinstance(node.func, ast.Name) else ""
            self.fail(node, f"call of {shown!r} is not allowed (functions: {allowed}){hint}")
        if node.keywords:
            self.fail(node.keywords[0].value, "keyword arguments are not allowed")
        if any(isinstance(a, ast.Starred) for a in node.args):
            self.fail(node, "starred arguments are not allowed")
        fn, lo, hi = FUNCTIONS[node.func.id]
        count = len(node.args)
        if count < lo or (hi is not None and count > hi):
            expected = f"{lo}" if lo == hi else f"at least {lo}"
            self.fail(node, f"{node.func.id}() takes {expected} arguments, got {count}")
        parts = [self.compile(a, depth) for a in node.args]
        args = [f for f, _ in parts]
        return self._fold(lambda env: fn(*(a(env) for a in args)), parts)

    def _lever_names(self) -> list[str]:
        return [f"{p}.{lv}" for p, levers in self.levers.items() for lv in levers]

    def _name(self, node: ast.Name) -> Callable:
        name = node.id
        if name in self.parameters:
            self.used_parameters.add(name)
            return lambda env: env[name]
        if name in self.variables:
            self.used_variables.add(name)
            return lambda env: env[name]
        if name in self.definitions:
            return self._definition(name)
        if name in FUNCTIONS:
            self.fail(node, f"function {name!r} must be called")
        if name in self.levers:
            self.fail(node, f"{name!r} is a player; name one of its levers as {name}.LEVER")
        if name == "prev":
            self.fail(node, "prev needs a lever: prev.PLAYER.LEVER")
        what = "a parameter or state of this scenario" if self.variables - {"round"} else "a parameter of this scenario"
        known = {*self.parameters, *self.variables, *self.definitions, *self._lever_names()}
        self.fail(node, f"unknown name {name!r} (not {what}){_did_you_mean(name, known)}")

    def _definition(self, name: str) -> Callable:
        """A named definition: its compiled closure, and everything it reads counted as read here."""
        found = self.definitions[name]
        self.used_definitions |= {name, *found.definitions}
        self.used_parameters |= found.parameters
        self.used_levers |= found.levers
        self.used_variables |= found.variables
        self.used_prev |= found.prev
        self.nodes += found.nodes - 1  # compile() counted the name
        return found._fn

    def _attribute(self, node: ast.Attribute) -> Callable:
        is_prev = (isinstance(node.value, ast.Attribute) and isinstance(node.value.value, ast.Name)
                   and node.value.value.id == "prev")
        if is_prev and not self.prev:
            self.fail(node, "prev.PLAYER.LEVER is not allowed here")
        if not is_prev and not isinstance(node.value, ast.Name):
            self.fail(node, "only PLAYER.LEVER and prev.PLAYER.LEVER attribute access is allowed")
        player, lever = (node.value.attr, node.attr) if is_prev else (node.value.id, node.attr)
        if player not in self.levers:
            hint = _did_you_mean(f"{player}.{lever}", self._lever_names()) or _did_you_mean(player, self.levers)
            self.fail(node, f"unknown player {player!r} in {player}.{lever}{hint}")
        if lever not in self.levers[player]:
            known = ", ".join(sorted(self.levers[player])) or "none"
            hint = _did_you_mean(lever, self.levers[player])
            self.fail(node, f"player {player!r} has no lever {lever!r} (levers: {known}){hint}")
        if is_prev:
            key = f"prev.{player}.{lever}"
            self.used_prev.add((player, lever))
            return lambda env: env[key]
        key = f"{player}.{lever}"
        self.used_levers.add((player, lever))
        return lambda env: env[key]


# ----------------------------------------------------------------------------- named definitions
class DefinitionError(ExpressionError):
    """A named definition that cannot be compiled, with the key path that names it."""

    def __init__(self, message: str, key: str):
        self.key = key
        self.column = None
        ValueError.__init__(self, message)


_UNKNOWN_NAME = re.compile(r"unknown name '([A-Za-z_][A-Za-z0-9_]*)'")


def definition_hint(message: str, owners: Mapping[str, str], *, reader: str | None, later: Sequence[str] = ()) -> str:
    """``message`` of an unknown name, said better when the name is a definition out of reach: this one
    or a later one (definitions are read in file order), or another player's (``owners``: name -> id)."""
    found = _UNKNOWN_NAME.search(message)
    if not found:
        return message
    name = found.group(1)
    if name in later:
        return (f"reads {name!r}, which is defined at or after this definition: definitions are read in file order "
                "and may use earlier ones only (no cycles)")
    if name in owners and owners[name] != reader:
        return f"reads {name!r}, a definition of player {owners[name]!r}: only {owners[name]}'s payoff terms read it"
    return message


def compile_definitions(
    tables: Sequence[tuple[str, str | None, Mapping[str, str]]],
    *,
    parameters: set[str] | frozenset[str],
    levers: Mapping[str, set[str] | frozenset[str]],
    variables: set[str] | frozenset[str] = frozenset(),
    taken: Mapping[str, str] | None = None,
) -> tuple[dict[str | None, dict[str, Expression]], tuple[tuple[str, Expression], ...]]:
    """Check and compile named definitions, in file order.

    Parameters
    ----------
    tables : ``(key prefix, owner, {name: expression})``: first the shared table (owner ``None``), then
        each player's (owner = its id), which may read the shared definitions too.
    parameters, levers, variables : what the expressions may read, as for :func:`parse_expression`
        (``prev.PLAYER.LEVER`` is allowed).
    taken : names a definition may not take, each with what it already is (``"a parameter"``).

    Returns ``({owner: {name: expression}}, ((key, expression), ...))``. A definition reads
    earlier definitions only (so there are no cycles). Raises :class:`DefinitionError` naming
    ``PREFIX.NAME``.
    """
    taken = dict(taken or {})
    lever_owner = {lv: pid for pid, names in levers.items() for lv in names}
    owners = {name: owner for _, owner, table in tables if owner is not None for name in table}
    out: dict[str | None, dict[str, Expression]] = {}
    keyed: list[tuple[str, Expression]] = []
    for prefix, owner, table in tables:
        known = dict(out.get(None, {})) if owner is not None else {}
        mine: dict[str, Expression] = {}
        names = list(table)
        for k, (name, text) in enumerate(table.items()):
            key = f"{prefix}.{name}"
            what = taken.get(name) or ("a scenario-level definition" if owner is not None and name in known else None)
            if what:
                raise DefinitionError(f"{name!r} is already {what}; choose another name", key)
            if name in lever_owner:
                raise DefinitionError(f"{name!r} is also the lever {lever_owner[name]}.{name}; choose another name "
                                      "(a definition is read by its bare name)", key)
            try:
                expr = parse_expression(text, parameters=parameters, levers=levers, variables=variables, prev=True,
                                        definitions={**known, **mine})
            except DefinitionError:
                raise
            except ExpressionError as exc:
                raise DefinitionError(definition_hint(str(exc), owners, reader=owner, later=names[k:]), key) from None
            mine[name] = expr
            keyed.append((key, expr))
        out[owner] = mine
    out.setdefault(None, {})
    return out, tuple(keyed)
