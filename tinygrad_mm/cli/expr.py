"""``-e/--expr "tanh(x*w1 + x2*w2 + b)" --set x=2 …``: a formula turned into a graph, never run as Python.

The text is parsed with `ast` (parsing runs nothing) and checked against a whitelist
before any node is built:

    numbers, names, + − * / **, unary − and +,
    relu(·) tanh(·) sigmoid(·) exp(·) log(·),
    sum(a, b, …) or sum([a, b, …]) (one node Σ),  dot([a, b, …], [c, d, …]) (one node Σ aᵢcᵢ),
    and ``NAME = formula`` to name the root.

Anything else — attribute access, subscripts, any other call (``__import__``, ``open``),
keyword arguments, comprehensions, lambdas, comparisons, several statements — is
refused with one line naming the construct and its column.  Each name is one labelled
leaf whose number comes from ``--set NAME=VALUE``; each operation's node is labelled by
its own source text (``x*w1``), so the drawing reads like the formula.  The walk over
the syntax tree is iterative.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..engine import DomainError, Value, dot, operand, sum_values
from ..engine.errors import listing
from .errors import UserError, one_line

FUNCTIONS = ("relu", "tanh", "sigmoid", "exp", "log")  # Value methods of one argument
HELPERS = ("sum", "dot")
ALLOWED = "numbers, names, + - * / **, unary -, relu tanh sigmoid exp log, sum(...), dot([...], [...])"
BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
OTHER_OPERATORS = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
                   ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&"}  # fmt: skip
MAX_TEXT = 100_000  # characters; a command line holds at most 128 KiB anyway
MAX_LABEL = 80  # bytes of source text shown in a label; longer ones keep their start and end

# What a refused construct is called in the error (the others are named by their class).
REFUSED = {
    ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions", ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.IfExp: "if/else",
    ast.Starred: "* unpacking", ast.JoinedStr: "f-strings", ast.NamedExpr: ":=", ast.Await: "await",
    ast.Dict: "dicts", ast.Set: "sets", ast.Tuple: "tuples", ast.Slice: "slices",
}  # fmt: skip


@dataclass
class Expression:
    """The graph of a formula: its root, its leaves by name, and the formula as typed."""

    root: Value
    leaves: dict[str, Value]
    text: str


def parse_settings(items: Sequence[str]) -> dict[str, float]:
    """``["x=2", "w1=-3"]`` → ``{"x": 2.0, "w1": -3.0}``; `UserError` for anything else."""
    values: dict[str, float] = {}
    for item in items:
        name, equals, number = item.partition("=")
        name = name.strip()
        if not equals or not name.isidentifier():
            raise UserError(f"--set {item!r}: write NAME=VALUE, e.g. --set x=2 w1=-3")
        if name in values:
            raise UserError(f"--set: {name} is set twice")
        try:
            value = float(number)
        except ValueError:
            raise UserError(f"--set {item}: {number.strip()!r} is not a number") from None
        if not math.isfinite(value):
            raise UserError(f"--set {item}: {number.strip()} is not a finite number")
        values[name] = value
    return values


def build_expression(text: str, settings: dict[str, float]) -> Expression:
    """Parse ``text``, check it against the whitelist and ``settings``, then build its graph."""
    source = " ".join(text.splitlines()).strip()  # one line: columns are then byte offsets into it
    if not source:
        raise UserError("--expr is empty; write a formula, e.g. -e 'tanh(x*w + b)'")
    if len(source) > MAX_TEXT:
        raise UserError(f"--expr has {len(source):,} characters, more than {MAX_TEXT:,}; use a script instead")
    formula = Formula(source)
    body, name = formula.check()
    names = formula.names(body)
    if name in names:
        raise UserError(f"--expr {name} = …: the root's name {name} is also a name in the formula; call it something else")
    missing = [n for n in names if n not in settings]
    if missing:
        raise UserError(
            f"--expr uses {listing(missing)} but no value was given for {'it' if len(missing) == 1 else 'them'}: "
            f"add --set {' '.join(f'{n}=…' for n in missing)}"
        )
    unknown = [n for n in settings if n not in names]
    if unknown:
        raise UserError(f"--set {listing(unknown)}: not in the formula, whose names are {listing(names) or 'none'}")
    leaves = {n: Value(settings[n], n) for n in names}
    root = formula.build(body, leaves)
    if not isinstance(root, Value):
        raise UserError(f"--expr {source!r} has no name or operation in it: there is no graph to show")
    if name:
        root.label = name
    return Expression(root, leaves, source)


class Formula:
    """One line of source, its syntax tree, and the checks and the build that walk it."""

    def __init__(self, source: str) -> None:
        self.source, self.raw = source, source.encode("utf-8")
        self.callees: set[int] = set()  # the Name nodes that are called (relu in relu(x)): not leaves
        try:
            self.tree = ast.parse(source, "<--expr>", "exec")
        except SyntaxError as err:
            where = f" at column {err.offset}" if err.offset else ""
            raise UserError(f"--expr is not a formula{where}: {one_line(err.msg, 200)}") from None
        except (RecursionError, MemoryError):
            raise UserError(
                "--expr is nested too deeply for Python's parser; write long sums as sum(a, b, c, …), or use a script"
            ) from None
        except ValueError as err:  # e.g. a NUL character
            raise UserError(f"--expr cannot be parsed: {one_line(str(err), 200)}") from None

    def check(self) -> tuple[ast.expr, str]:
        """The formula's expression and the root's name ("" if none); `UserError` at the first refused construct."""
        statements = self.tree.body
        if len(statements) != 1:
            raise UserError(f"--expr holds {len(statements)} statements; give one formula (optionally NAME = formula)")
        statement = statements[0]
        if isinstance(statement, ast.Expr):
            body, name = statement.value, ""
        elif isinstance(statement, ast.Assign) and [type(t) for t in statement.targets] == [ast.Name]:
            body, name = statement.value, statement.targets[0].id  # type: ignore[attr-defined]
        elif isinstance(statement, ast.Assign):
            raise self.refuse(statement, "assignments other than NAME = formula")
        else:
            raise self.refuse(statement, f"{type(statement).__name__.lower()} statements")
        self.callees = {id(node.func) for node in ast.walk(body) if isinstance(node, ast.Call)}
        problems = [problem for node in ast.walk(body) if (problem := self.problem(node))]
        if problems:
            node, what = min(problems, key=lambda p: (p[0].col_offset, -p[0].end_col_offset))
            raise self.refuse(node, what)
        if name.startswith("__"):
            raise self.refuse(statement.targets[0], "names starting with __")  # type: ignore[attr-defined]
        return body, name

    def problem(self, node: ast.AST) -> tuple[ast.expr, str] | None:
        """Why ``node`` is not allowed, or None."""
        if not hasattr(node, "col_offset"):
            return None  # an operator, a context, a comprehension's clause: judged at the node that holds it
        if isinstance(node, ast.BinOp):
            return None if type(node.op) in BINARY else (node, f"the operator {OTHER_OPERATORS.get(type(node.op), '?')}")
        if isinstance(node, ast.UnaryOp):
            return None if isinstance(node.op, (ast.USub, ast.UAdd)) else (node, "'not' and '~'")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                return node, f"the constant {node.value!r} (not a number)"
            return None if _finite(node.value) else (node, f"the number {self.label(node)} (not a finite float)")
        if isinstance(node, ast.Name):
            if node.id.startswith("__"):
                return node, "names starting with __"
            if node.id in FUNCTIONS + HELPERS and id(node) not in self.callees:
                return node, f"{node.id} without a call (it is a function: write {node.id}(...))"
            return None
        if isinstance(node, ast.Call):
            return self.call_problem(node)
        if isinstance(node, ast.List):
            return None  # checked by the call it is an argument of (call_problem), the only place lists may be
        return node, REFUSED.get(type(node), type(node).__name__)

    def call_problem(self, call: ast.Call) -> tuple[ast.expr, str] | None:
        """Why this call is refused: only relu tanh sigmoid exp log (one argument), sum and dot are allowed."""
        if not isinstance(call.func, ast.Name) or call.func.id not in FUNCTIONS + HELPERS:
            return call, f"calling anything but {' '.join(FUNCTIONS + HELPERS)}"
        name, args = call.func.id, call.args
        if call.keywords:
            return call, f"keyword arguments in {name}(...)"
        if name in FUNCTIONS and len(args) != 1:
            return call, f"{name}() with {len(args)} arguments (it takes one)"
        if name == "sum" and not args:
            return call, "sum() with nothing to add"
        if name == "sum" and len(args) == 1 and isinstance(args[0], ast.List) and not args[0].elts:
            return call, "sum([]) with nothing to add"
        if name == "dot" and not (
            len(args) == 2 and all(isinstance(a, ast.List) for a in args) and len(args[0].elts) == len(args[1].elts) > 0  # type: ignore[attr-defined]
        ):
            return call, "dot() unless it is dot([a, b, …], [c, d, …]) with two lists of the same length"
        lists_allowed = name == "dot" or (len(args) == 1)
        for arg in args:
            if isinstance(arg, ast.List) and not lists_allowed:
                return arg, f"a list as one of several arguments of {name}()"
            if isinstance(arg, ast.List) and any(isinstance(e, ast.List) for e in arg.elts):
                return arg, "nested lists"
        return None

    def names(self, body: ast.expr) -> list[str]:
        """The names the formula uses, in reading order, once each."""
        found = [(n.col_offset, n.id) for n in ast.walk(body) if isinstance(n, ast.Name) and id(n) not in self.callees]
        return list(dict.fromkeys(name for _, name in sorted(found)))

    def build(self, body: ast.expr, leaves: dict[str, Value]) -> Value | float:
        """The graph of ``body``: children first (an explicit stack, no recursion), each op node labelled."""
        done: dict[int, Value | float] = {}
        stack: list[tuple[ast.expr, bool]] = [(body, False)]
        while stack:
            node, ready = stack.pop()
            children = self._operands(node)
            if not ready:
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(children) if id(child) not in done)
                continue
            if id(node) not in done:
                done[id(node)] = self._node(node, [done[id(c)] for c in children], leaves)
        return done[id(body)]

    @staticmethod
    def _operands(node: ast.expr) -> list[ast.expr]:
        if isinstance(node, ast.BinOp):
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            return [node.operand]
        if isinstance(node, ast.Call):
            return [e for arg in node.args for e in (arg.elts if isinstance(arg, ast.List) else [arg])]
        return []

    def _node(self, node: ast.expr, operands: list[Value | float], leaves: dict[str, Value]) -> Value | float:
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return leaves[node.id]
        if isinstance(node, ast.UnaryOp):
            (x,) = operands
            if isinstance(x, float):  # -3 is the number −3, not a node negating 3
                return -x if isinstance(node.op, ast.USub) else x
            if isinstance(node.op, ast.UAdd):
                return x
        try:
            value = self._apply(node, operands)
        except (DomainError, ValueError, ZeroDivisionError, OverflowError) as err:
            raise UserError(f"--expr: {self.label(node)} cannot be computed at these values: {one_line(str(err), 300)}", 1) from None
        if not value.label:
            value.label = self.label(node)
        return value

    @staticmethod
    def _apply(node: ast.expr, operands: list[Value | float]) -> Value:
        if isinstance(node, ast.UnaryOp):
            return -operands[0]  # type: ignore[return-value]
        if isinstance(node, ast.BinOp):
            left, right = operands
            if not isinstance(left, Value) and not isinstance(right, Value):  # 2*3: a node with two constants
                left = operand(left, BINARY[type(node.op)])
            op = type(node.op)
            if op is ast.Add:
                return left + right  # type: ignore[return-value,operator]
            if op is ast.Sub:
                return left - right  # type: ignore[return-value,operator]
            if op is ast.Mult:
                return left * right  # type: ignore[return-value,operator]
            if op is ast.Div:
                return left / right  # type: ignore[return-value,operator]
            return left**right  # type: ignore[return-value,operator]
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        name = node.func.id
        if name == "sum":
            return sum_values(operands)
        if name == "dot":
            half = len(operands) // 2
            return dot(operands[:half], operands[half:])
        return getattr(operand(operands[0], name), name)()

    def label(self, node: ast.AST) -> str:
        """The node's own source text, spaces collapsed; a long one keeps its start and end around "…"."""
        start = getattr(node, "col_offset", 0)
        end = getattr(node, "end_col_offset", None) or start
        if end - start <= MAX_LABEL:
            return " ".join(self.raw[start:end].decode("utf-8", "replace").split())
        head = self.raw[start : start + MAX_LABEL // 2].decode("utf-8", "ignore")
        tail = self.raw[end - MAX_LABEL // 3 : end].decode("utf-8", "ignore")
        return " ".join(head.split()) + " … " + " ".join(tail.split())

    def refuse(self, node: ast.AST, what: str) -> UserError:
        """The one-line refusal: what is not allowed, where, and what is."""
        offset = getattr(node, "col_offset", 0)
        column = len(self.raw[:offset].decode("utf-8", "ignore")) + 1
        snippet = self.label(node)
        snippet = snippet if len(snippet) <= 60 else snippet[:59] + "…"
        return UserError(f"--expr refuses {what} (column {column}: {snippet!r}); it allows only {ALLOWED}")


def _finite(x: int | float) -> bool:
    try:
        return math.isfinite(float(x))
    except OverflowError:
        return False
