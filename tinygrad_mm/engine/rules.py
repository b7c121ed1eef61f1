"""An op stated once: its value and its local derivatives as short math, parsed once and printed.

An op class states (see ops.py)::

    value       = "tanh(x)"            the node's value, from its operands
    derivatives = ("1 - out**2",)      ∂value/∂operand, one per operand (``out`` is the value itself)
    flows_when  = "x > 0"              optional: the gate — the derivatives hold while this does, else all are 0
    undefined_when = {"x <= 0": "log needs x > 0, got x = {x}"}   optional: inputs the op refuses, and why

in a small math syntax: numbers; the operand names (``x``; ``a``, ``b``), ``out``, and the op's
constants (``n``, ``delta``); ``+ - * / **``, unary ``-``/``+``; comparisons; ``and``/``or``/``not``;
``A if C else B``; and the functions of `FUNCTIONS`.  Each text is parsed once with `ast` when the
class is made (`Rule`) and printed by `Printer`: as Python for the engine's own ``forward``,
``local_grads`` and ``gate`` (statement.py) and the compiled code's templates (``{x}`` fields); as
display text by `DisplayPrinter` (``1 − {out}²``); as JavaScript for the live page (views/op_script.py).

Two rewrites keep the floats of every target identical and robust: ``e**2``/``e**3`` of a name is written
``e * e (* e)``, and ``A / B**2`` is ``A / B / B`` (no underflow of B² to 0).  In a derivative the engine's
``**`` is `power`, which gives ±inf where the power overflows or divides by zero: an infinite derivative is
reported by backward() (`GradientError`), never raised while it is computed.
"""

from __future__ import annotations

import ast
import linecache
import math
import re

FUNCTIONS: dict[str, tuple[str, str]] = {  # name → (display, Python over {0}, {1})
    "tanh": ("tanh", "math.tanh({0})"),
    "exp": ("exp", "math.exp({0})"),
    "log": ("log", "math.log({0})"),
    "sigmoid": ("σ", "(1.0 / (1.0 + math.exp(-{0})) if {0} >= 0.0 else math.exp({0}) / (1.0 + math.exp({0})))"),  # never overflows
    "relu": ("relu", "({0} if {0} > 0.0 else 0.0)"),
    "max": ("max", "max({0}, {1})"),
}
PRECEDENCE = {ast.Add: 6, ast.Sub: 6, ast.Mult: 7, ast.Div: 7, ast.Mod: 7, ast.Pow: 9}


def power(x: float, y: float) -> float:
    """``x ** y``, or ±inf where that overflows or divides by zero (``0 ** −1``): a derivative may be infinite."""
    try:
        return x**y
    except (OverflowError, ZeroDivisionError):
        odd = x < 0.0 and y == int(y) and int(y) % 2 == 1
        return -math.inf if odd else math.inf


class Rule:
    """One math text of an op, parsed once; ``names`` are the names it may use."""

    def __init__(self, text: str, names: tuple[str, ...], where: str) -> None:
        self.text = text
        try:
            self.tree = ast.parse(text.strip(), mode="eval").body
        except SyntaxError as err:
            raise ValueError(f"{where}: {text!r} is not a math expression ({err.msg})") from None
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Name) and node.id not in names and node.id not in FUNCTIONS:
                raise ValueError(f"{where}: {text!r} uses {node.id!r}; it may use {', '.join(names)} and {', '.join(FUNCTIONS)}")
            if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS):
                raise ValueError(f"{where}: {text!r} calls something other than {', '.join(FUNCTIONS)}")
            if isinstance(node, ast.Constant) and type(node.value) not in (int, float):
                raise ValueError(f"{where}: {text!r}: only numbers are allowed as constants")
        self.names = {node.id for node in ast.walk(self.tree) if isinstance(node, ast.Name) and node.id not in FUNCTIONS}

    def python(self, names: dict[str, str], safe_power: bool = False) -> str:
        return Printer(names, safe_power).text(self.tree)

    def display(self, fields: dict[str, str], constants: dict[str, float] | None = None) -> tuple[str, dict[str, float]]:
        """A display template (``{field}`` for each name) and the numbers it worked out from ``constants``."""
        printer = DisplayPrinter(fields)
        return printer.text(_fold(self.tree, constants or {})), printer.worked_out


def _number(node: ast.AST) -> float | None:
    """The number a literal stands for (``2``, ``-1``), else None."""
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) and isinstance(node.operand, ast.Constant):
        return -float(node.operand.value) if isinstance(node.op, ast.USub) else float(node.operand.value)
    return None


class Printer:
    """A `Rule`'s tree as Python, in parentheses only where precedence needs them.

    `DisplayPrinter` and the live page's printer (views/op_script.py) override the spellings below;
    the walk, the precedences and the rewrites are this one.
    """

    REWRITE = True  # the two rewrites (module docstring), and -1 as one number
    NOT, NOT_BINDS, MINUS, SIGN_BINDS = "not ", 5, "-", 8  # ``not`` / unary minus, and the precedence their operand needs
    BOOLEAN = {ast.Or: " or ", ast.And: " and "}
    COMPARE = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<=", ast.Eq: "==", ast.NotEq: "!="}
    BINARY = {ast.Add: " + ", ast.Sub: " - ", ast.Mult: " * ", ast.Div: " / ", ast.Mod: " % "}
    CALLS = {name: python for name, (_, python) in FUNCTIONS.items()}
    POWER = "power"  # the engine's `power`, when ``safe_power``

    def __init__(self, names: dict[str, str], safe_power: bool = False) -> None:
        self.names, self.safe_power = names, safe_power

    def text(self, node: ast.AST) -> str:
        return self.visit(node)[0]

    def wrap(self, node: ast.AST, least: int) -> str:
        text, precedence = self.visit(node)
        return f"({text})" if precedence < least else text

    def number(self, value: float) -> tuple[str, int]:
        return repr(float(value)), 10 if value >= 0 else 8

    def conditional(self, body: str, test: str, orelse: str) -> str:
        return f"{body} if {test} else {orelse}"

    def call(self, node: ast.Call) -> str:
        template = self.CALLS[node.func.id]  # type: ignore[attr-defined]
        return template.format(*[self.wrap(a, 0 if template.count("{0}") == 1 else 10) for a in node.args])

    def visit(self, node: ast.AST) -> tuple[str, int]:
        if isinstance(node, ast.Constant):
            return self.number(float(node.value))
        if isinstance(node, ast.Name):
            return self.names[node.id], 10
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return self.NOT + self.wrap(node.operand, self.NOT_BINDS), 4
            return self.signed(node)
        if isinstance(node, ast.BoolOp):
            precedence = 2 if isinstance(node.op, ast.Or) else 3
            return self.BOOLEAN[type(node.op)].join(self.wrap(v, precedence + 1) for v in node.values), precedence
        if isinstance(node, ast.Compare):
            (op,), (right,) = node.ops, node.comparators
            return f"{self.wrap(node.left, 6)} {self.COMPARE[type(op)]} {self.wrap(right, 6)}", 5
        if isinstance(node, ast.IfExp):
            return self.conditional(self.wrap(node.body, 2), self.wrap(node.test, 2), self.wrap(node.orelse, 1)), 1
        if isinstance(node, ast.Call):
            return self.call(node), 10
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        raise ValueError(f"{ast.unparse(node)!r} is not part of the op math syntax")

    def signed(self, node: ast.UnaryOp) -> tuple[str, int]:
        number = _number(node)
        if number is not None and self.REWRITE:
            return self.number(number)
        return (self.MINUS if isinstance(node.op, ast.USub) else "+") + self.wrap(node.operand, self.SIGN_BINDS), 8

    def binary(self, node: ast.BinOp) -> tuple[str, int]:
        if isinstance(node.op, ast.Pow):
            return self.power(node)
        right = node.right
        if self.REWRITE and isinstance(node.op, ast.Div) and _squared(right):
            return self.binary(ast.BinOp(ast.BinOp(node.left, ast.Div(), right.left), ast.Div(), right.left))  # A / B**2 → A / B / B
        precedence = PRECEDENCE[type(node.op)]
        return f"{self.wrap(node.left, precedence)}{self.BINARY[type(node.op)]}{self.wrap(right, precedence + 1)}", precedence

    def power(self, node: ast.BinOp) -> tuple[str, int]:
        exponent = _number(node.right)
        if isinstance(node.left, ast.Name) and exponent in (2.0, 3.0):  # x*x, x*x*x: the same float in every target
            return " * ".join([self.names[node.left.id]] * int(exponent)), 7
        if self.safe_power:
            return f"{self.POWER}({self.wrap(node.left, 0)}, {self.wrap(node.right, 0)})", 10
        return f"{self.wrap(node.left, 10)} ** {self.wrap(node.right, 8)}", 9


def _squared(node: ast.AST) -> bool:
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and _number(node.right) == 2.0


class DisplayPrinter(Printer):
    """A `Rule`'s tree as text for people: ``1 − {out}²``, ``a·b``, ``{x}^0.5``; no rewrites.

    A number that is not a whole one becomes a field (``{_0}``) kept in ``worked_out``: the
    caller writes it in its own number format."""

    REWRITE, MINUS, SIGN_BINDS = False, "−", 9
    COMPARE = {ast.Gt: ">", ast.GtE: "≥", ast.Lt: "<", ast.LtE: "≤", ast.Eq: "=", ast.NotEq: "≠"}
    BINARY = {ast.Add: " + ", ast.Sub: " − ", ast.Mult: "·", ast.Div: "/", ast.Mod: " mod "}
    SUPERSCRIPT = {2.0: "²", 3.0: "³"}

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__(names)
        self.worked_out: dict[str, float] = {}

    def number(self, value: float) -> tuple[str, int]:
        if value == int(value) and abs(value) < 1e15:
            return str(int(value)).replace("-", "−"), 10 if value >= 0 else 8
        field = f"_{len(self.worked_out)}"
        self.worked_out[field] = value
        return "{" + field + "}", 10

    def conditional(self, body: str, test: str, orelse: str) -> str:
        return f"{body} if {test}, else {orelse}"

    def call(self, node: ast.Call) -> str:
        return f"{FUNCTIONS[node.func.id][0]}({', '.join(self.wrap(a, 0) for a in node.args)})"  # type: ignore[attr-defined]

    def power(self, node: ast.BinOp) -> tuple[str, int]:
        base = self.wrap(node.left, 10)
        if isinstance(node.right, ast.Constant) and float(node.right.value) in self.SUPERSCRIPT:
            return base + self.SUPERSCRIPT[float(node.right.value)], 9
        return f"{base}^{self.wrap(node.right, 10)}", 9


def _fold(node: ast.AST, constants: dict[str, float]) -> ast.AST:
    """``node`` with each part made only of numbers and constants worked out (``n - 1`` → 1 for n = 2), then
    ``e^1`` → e, ``e^0`` → 1, ``1·e`` → e, ``0·e`` → 0, and ``A if C else B`` with a known C → A or B.
    A constant on its own stays by name: it is shown as its number, in place."""
    if isinstance(node, ast.IfExp):
        known = _value(node.test, constants)
        if known is not None:
            return _fold(node.body if known else node.orelse, constants)
        return ast.IfExp(node.test, _fold(node.body, constants), _fold(node.orelse, constants))
    if isinstance(node, ast.UnaryOp):
        return ast.UnaryOp(node.op, _fold(node.operand, constants))
    if isinstance(node, ast.Call):
        return ast.Call(node.func, [_fold(a, constants) for a in node.args], [])
    if not isinstance(node, ast.BinOp):
        return node
    left, right = _fold(node.left, constants), _fold(node.right, constants)
    a, b = _value(left, constants), _value(right, constants)
    if a is not None and b is not None:
        return ast.Constant(_value(ast.BinOp(left, node.op, right), constants))
    if isinstance(node.op, ast.Pow) and b in (0.0, 1.0):
        return ast.Constant(1) if b == 0.0 else left
    if isinstance(node.op, ast.Mult) and 0.0 in (a, b):
        return ast.Constant(0)
    if isinstance(node.op, ast.Mult) and 1.0 in (a, b):
        return right if a == 1.0 else left
    return ast.BinOp(left, node.op, right)


def _value(node: ast.AST, constants: dict[str, float]) -> float | None:
    """The number ``node`` stands for, if it is made only of numbers, constants and operators."""
    for part in ast.walk(node):
        if isinstance(part, ast.Call) or isinstance(part, ast.Name) and part.id not in constants:
            return None
    code = compile(ast.fix_missing_locations(ast.Expression(node)), "<constant>", "eval")
    return float(eval(code, {"__builtins__": {}}, dict(constants)))  # noqa: S307 (numbers and operators of an op class)


# ---- the engine's own methods, generated once per op class (statement.py) ----


def build_methods(filename: str, source: str) -> dict[str, object]:
    """Compile generated ``source`` once (its text visible to pdb as ``filename``) and return what it defines."""
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)  # pdb shows its lines
    namespace: dict[str, object] = {"math": math, "power": power}
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 (code printed from an op class's own statement)
    return namespace


def message_pieces(message: str) -> list[str]:
    """A refusal's message cut into text, field, text, …: ``"got x = {x}"`` → ``["got x = ", "x", ""]``."""
    return re.split(r"\{(\w+)\}", message)


def message_fstring(message: str, names: dict[str, str]) -> str:
    """An error message ``"got x = {x}"`` as a Python f-string whose numbers read as ``%.6g``."""
    pieces = message_pieces(message)
    out = [p.replace("{", "{{").replace("}", "}}") if i % 2 == 0 else "{" + names[p] + ":.6g}" for i, p in enumerate(pieces)]
    return "f" + repr("".join(out))


def error_class(message: str) -> str:
    """A refusal that is a division by zero raises ZeroDivisionError (the engine's DivisionByZeroError); others ValueError."""
    return "ZeroDivisionError" if message.startswith("division by zero") else "ValueError"
