"""An op stated once: its value and its local derivatives as short math, and everything that follows from them.

An op class states (see ops.py)::

    value       = "tanh(x)"            the node's value, from its operands
    derivatives = ("1 - out**2",)      ∂value/∂operand, one per operand (``out`` is the value itself)
    flows_when  = "x > 0"              optional: the gate — the derivatives hold while this does, else all are 0
    undefined_when = {"x <= 0": "log needs x > 0, got x = {x}"}   optional: inputs the op refuses, and why

in a small math syntax: numbers; the operand names (``x``; ``a``, ``b``), ``out``, and the op's
constants (``n``, ``delta``); ``+ - * / **``, unary ``-``/``+``; comparisons; ``and``/``or``/``not``;
``A if C else B``; and the functions of `FUNCTIONS`.  Each text is parsed once with `ast` when
the class is made (`Rule`), and printed four ways by one printer (`Printer`):

- ``python``:  the engine's own ``forward``, ``local_grads`` and ``gate`` (real functions whose source
  pdb shows, `build_methods`) and the templates of the compiled code (``{x}`` fields),
- ``display``: ``1 − {out}²`` — ·, unicode minus, superscripts, parentheses only where needed, numbers
  worked out where the op's constants make them known (``2·x`` for the derivative of x²),
- ``js``:      the same functions for the live page.

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

FUNCTIONS: dict[str, tuple[str, str, str]] = {  # name → (display, Python, JavaScript) over {0}, {1}
    "tanh": ("tanh", "math.tanh({0})", "Math.tanh({0})"),
    "exp": ("exp", "math.exp({0})", "Math.exp({0})"),
    "log": ("log", "math.log({0})", "Math.log({0})"),
    "sigmoid": (  # stable for any finite x: exp never overflows
        "σ",
        "(1.0 / (1.0 + math.exp(-{0})) if {0} >= 0.0 else math.exp({0}) / (1.0 + math.exp({0})))",
        "({0} >= 0 ? 1 / (1 + Math.exp(-{0})) : Math.exp({0}) / (1 + Math.exp({0})))",
    ),
    "relu": ("relu", "({0} if {0} > 0.0 else 0.0)", "({0} > 0 ? {0} : 0)"),
    "max": ("max", "max({0}, {1})", "Math.max({0}, {1})"),
}

_BINARY = {ast.Add: ("+", " + ", 6), ast.Sub: ("-", " − ", 6), ast.Mult: ("*", "·", 7), ast.Div: ("/", "/", 7),
           ast.Mod: ("%", " mod ", 7), ast.Pow: ("**", "^", 9)}  # fmt: skip
_COMPARE = {ast.Gt: (">", ">"), ast.GtE: (">=", "≥"), ast.Lt: ("<", "<"), ast.LtE: ("<=", "≤"),
            ast.Eq: ("==", "="), ast.NotEq: ("!=", "≠")}  # fmt: skip
_SUPERSCRIPT = {2.0: "²", 3.0: "³"}


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
        return Printer("python", names, safe_power=safe_power).text(self.tree)

    def js(self, names: dict[str, str]) -> str:
        return Printer("js", names).text(self.tree)

    def display(self, fields: dict[str, str], constants: dict[str, float] | None = None) -> tuple[str, dict[str, float]]:
        """A display template (``{field}`` for each name) and the numbers it worked out from ``constants``."""
        printer = Printer("display", fields, constants or {})
        return printer.text(_fold(self.tree, constants or {})), printer.worked_out


def _number(node: ast.AST) -> float | None:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) and isinstance(node.operand, ast.Constant):
        return -float(node.operand.value) if isinstance(node.op, ast.USub) else float(node.operand.value)
    return None


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


class Printer:
    """One tree of `Rule` as Python, JavaScript or display text, with parentheses where precedence needs them."""

    def __init__(self, target: str, names: dict[str, str], constants: dict[str, float] | None = None, safe_power: bool = False) -> None:
        self.target, self.names, self.constants, self.safe_power = target, names, constants or {}, safe_power
        self.worked_out: dict[str, float] = {}

    def text(self, node: ast.AST) -> str:
        return self.visit(node)[0]

    def wrap(self, node: ast.AST, least: int) -> str:
        text, precedence = self.visit(node)
        return f"({text})" if precedence < least else text

    def number(self, value: float) -> tuple[str, int]:
        if self.target == "python":
            return (repr(float(value)), 10) if value >= 0 else (repr(float(value)), 8)
        if self.target == "js":
            return (repr(float(value)), 10) if value >= 0 else (f"({float(value)!r})", 10)
        if value == int(value) and abs(value) < 1e15:
            shown = str(int(value))
        else:
            field = f"_{len(self.worked_out)}"  # a worked-out number: shown by the caller's number format
            self.worked_out[field] = value
            return "{" + field + "}", 10
        return (shown.replace("-", "−"), 10 if value >= 0 else 8)

    def visit(self, node: ast.AST) -> tuple[str, int]:  # noqa: C901 (one case per kind of node)
        display, js = self.target == "display", self.target == "js"
        if isinstance(node, ast.Constant):
            return self.number(float(node.value))
        if isinstance(node, ast.Name):
            return self.names[node.id], 10
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return ("not " if not js else "!") + self.wrap(node.operand, 5 if not js else 11), 4
            number = _number(node)
            if number is not None and not display:
                return self.number(number)
            sign = {ast.USub: "−" if display else "-", ast.UAdd: "+"}[type(node.op)]
            return sign + self.wrap(node.operand, 8 if self.target == "python" else 9), 8
        if isinstance(node, ast.BoolOp):
            joiner, precedence = (" or ", 2) if isinstance(node.op, ast.Or) else (" and ", 3)
            if js:
                joiner = " || " if precedence == 2 else " && "
            return joiner.join(self.wrap(v, precedence + 1) for v in node.values), precedence
        if isinstance(node, ast.Compare):
            (op,), (right,) = node.ops, node.comparators
            symbol = _COMPARE[type(op)][1 if display else 0]
            return f"{self.wrap(node.left, 6)} {symbol} {self.wrap(right, 6)}", 5
        if isinstance(node, ast.IfExp):
            body, test, orelse = self.wrap(node.body, 2), self.wrap(node.test, 2), self.wrap(node.orelse, 1)
            if js:
                return f"{test} ? {body} : {orelse}", 1
            return (f"{body} if {test}, else {orelse}" if display else f"{body} if {test} else {orelse}"), 1
        if isinstance(node, ast.Call):
            shown, python, script = FUNCTIONS[node.func.id]  # type: ignore[attr-defined]
            if display:
                return f"{shown}({', '.join(self.wrap(a, 0) for a in node.args)})", 10
            template = script if js else python
            args = [self.wrap(a, 0 if template.count("{0}") == 1 else 10) for a in node.args]
            return (script if js else python).format(*args), 10
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        raise ValueError(f"{ast.unparse(node)!r} is not part of the op math syntax")

    def binary(self, node: ast.BinOp) -> tuple[str, int]:
        python, shown, precedence = _BINARY[type(node.op)]
        exponent = _number(node.right)
        if isinstance(node.op, ast.Pow):
            if self.target == "display":
                base = self.wrap(node.left, 10)
                if isinstance(node.right, ast.Constant) and exponent in _SUPERSCRIPT:
                    return base + _SUPERSCRIPT[exponent], 9
                return f"{base}^{self.wrap(node.right, 10)}", 9
            if isinstance(node.left, ast.Name) and exponent in _SUPERSCRIPT:  # x*x, x*x*x: the same float in every target
                return " * ".join([self.names[node.left.id]] * int(exponent)), 7
            if self.target == "js":
                return f"Math.pow({self.wrap(node.left, 0)}, {self.wrap(node.right, 0)})", 10
            if self.safe_power:
                return f"power({self.wrap(node.left, 0)}, {self.wrap(node.right, 0)})", 10
            return f"{self.wrap(node.left, 10)} ** {self.wrap(node.right, 8)}", 9
        right = node.right
        if self.target != "display" and isinstance(node.op, ast.Div) and _squared(right):  # A / B**2 → A / B / B
            return self.binary(ast.BinOp(ast.BinOp(node.left, ast.Div(), right.left), ast.Div(), right.left))  # type: ignore[attr-defined]
        symbol = shown if self.target == "display" else f" {python} "
        return f"{self.wrap(node.left, precedence)}{symbol}{self.wrap(right, precedence + 1)}", precedence


def _squared(node: ast.AST) -> bool:
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and _number(node.right) == 2.0


# ---- the engine's own methods, generated once per op class ----


def build_methods(filename: str, source: str) -> dict[str, object]:
    """Compile generated ``source`` once (its text visible to pdb as ``filename``) and return what it defines."""
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)  # pdb shows its lines
    namespace: dict[str, object] = {"math": math, "power": power}
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 (code printed from an op class's own statement)
    return namespace


def message_fstring(message: str, names: dict[str, str]) -> str:
    """An error message ``"got x = {x}"`` as a Python f-string whose numbers read as ``%.6g``."""
    pieces = re.split(r"\{(\w+)\}", message)  # text, field, text, …
    out = [p.replace("{", "{{").replace("}", "}}") if i % 2 == 0 else "{" + names[p] + ":.6g}" for i, p in enumerate(pieces)]
    return "f" + repr("".join(out))


def message_js(message: str, names: dict[str, str]) -> str:
    """The same message as a JavaScript string expression (`g6` formats like ``%.6g``)."""
    pieces = re.split(r"\{(\w+)\}", message)
    return " + ".join(_js_string(p) if i % 2 == 0 else f"g6({names[p]})" for i, p in enumerate(pieces))


def _js_string(text: str) -> str:
    """A JavaScript string literal that is safe inside ``<script>`` (no ``</script>``, no ``<!--``)."""
    import json

    return json.dumps(text).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def error_class(message: str) -> str:
    """A refusal that is a division by zero raises ZeroDivisionError (the engine's DivisionByZeroError); others ValueError."""
    return "ZeroDivisionError" if message.startswith("division by zero") else "ValueError"
