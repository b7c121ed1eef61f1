"""``-e/--expr "J = max(0, 1 + s_c - s)" --set s=0.2 s_c=-0.1``: a formula turned into a graph, never run as Python.

The text is parsed with `ast` (parsing runs nothing) and checked against a whitelist
before any node is built:

    numbers, names, elements of a vector or matrix (x[0], W[0,1]: each a leaf of its own),
    + − * / **, unary − and +,
    f(·) for every op class of one argument whose op is a name (relu tanh sigmoid exp log neg …),
    max(0, ·) — the hinge, relu with the margin's words (models/losses.Hinge),
    sum(a, b, …) or sum([a, b, …]) (one node Σ),  dot([a, b, …], [c, d, …]) (one node Σ aᵢcᵢ),
    statements ``NAME = formula`` separated by ``;`` or new lines, each naming a sub-expression
    that later ones use (``z = w*x + b; J = max(0, 1 - z)``); the last one is the root.

The functions are read from the op classes (`functions`), so a new op class is reachable
from ``-e`` without touching this file.  Anything else — attribute access, other
subscripts, any other call (``__import__``, ``open``), keyword arguments, comprehensions,
lambdas, comparisons — is refused with one line naming the construct and its column.
Each name is one labelled leaf whose number comes from ``--set NAME=VALUE`` (``--set
x=1,2,3`` sets x[0], x[1], x[2]); each operation's node is labelled by its own source text
(``x*w1``), so the drawing reads like the formula.  Names are compared as Python reads
them (NFKC: the micro sign µ is the Greek μ), and shown as typed.  The walk over the
syntax tree is iterative.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field

from ..engine import DomainError, Value, operand
from ..engine.errors import listing
from ..engine.op import NaryOp, Op, UnaryOp
from ..models.losses import Hinge
from .errors import UserError, one_line
from .expr_settings import parse_settings

__all__ = ["Expression", "allowed", "build_expression", "functions", "parse_settings"]  # parse_settings: the --set side

BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
OTHER_OPERATORS = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
                   ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&"}  # fmt: skip
MAX_TEXT = 100_000  # characters; a command line holds at most 128 KiB anyway
MAX_LABEL = 80  # bytes of source text shown in a label; longer ones keep their start and end
HINGE = "max"  # max(0, x): the hinge

# What a refused construct is called in the error (the others are named by their class).
REFUSED = {
    ast.Attribute: "attribute access", ast.Subscript: "subscripts other than x[0] or W[0,1]", ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions", ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.IfExp: "if/else",
    ast.Starred: "* unpacking", ast.JoinedStr: "f-strings", ast.NamedExpr: ":=", ast.Await: "await",
    ast.Dict: "dicts", ast.Set: "sets", ast.Tuple: "tuples", ast.Slice: "slices",
}  # fmt: skip


def functions() -> dict[str, type[Op]]:
    """Every op a formula may call by name: the op classes whose ``op`` is a name, of one argument (`UnaryOp`:
    relu, tanh, …) or several (`NaryOp`: sum, dot), in the order they were defined.  Read from the classes at each
    call: a new op class is reachable from ``-e`` as soon as it is defined."""
    found: dict[str, type[Op]] = {}
    todo: list[type] = [UnaryOp, NaryOp]
    while todo:
        cls = todo.pop(0)
        todo.extend(cls.__subclasses__())
        op = cls.__dict__.get("op")  # its own class attribute (PowConst's op is a property: x ** n, not a call)
        if isinstance(op, str) and op.isidentifier() and not op.startswith("_") and op != HINGE:
            found.setdefault(op, cls)
    return found


def allowed() -> str:
    """What the whitelist allows, for the refusal message."""
    names = functions()
    one = " ".join(n for n, cls in names.items() if issubclass(cls, UnaryOp))
    many = ", ".join(f"{n}(...)" for n, cls in names.items() if issubclass(cls, NaryOp))
    return f"numbers, names, + - * / **, unary -, x[0], W[0,1], {one}, max(0, ...), {many}; NAME = formula; ..."


@dataclass
class Expression:
    """The graph of a formula: its root, its leaves by name (as typed), its named sub-expressions, the formula."""

    root: Value
    leaves: dict[str, Value]
    text: str
    named: dict[str, Value] = field(default_factory=dict)


def build_expression(text: str, settings: dict[str, float]) -> Expression:
    """Parse ``text``, check it against the whitelist and ``settings``, then build its graph."""
    source = _statements(text)
    if not source:
        raise UserError("--expr is empty; write a formula, e.g. -e 'tanh(x*w + b)'")
    if len(source) > MAX_TEXT:
        raise UserError(f"--expr has {len(source):,} characters, more than {MAX_TEXT:,}; use a script instead")
    formula = Formula(source)
    statements = formula.check()
    names = formula.leaf_names(statements)
    missing = [n for n in names if n not in settings]
    if missing:
        shown = [formula.typed[n] for n in missing]
        raise UserError(
            f"--expr uses {listing(shown)} but no value was given for {'it' if len(missing) == 1 else 'them'}: "
            f"add --set {' '.join(f'{n}=…' for n in shown)}"
        )
    unknown = [n for n in settings if n not in names]
    if unknown:
        defined = [n for n in unknown if n in formula.typed]
        if defined:
            raise UserError(f"--set {listing(defined)}: the formula computes {'it' if len(defined) == 1 else 'them'} "
                            f"({defined[0]} = …); remove {'it' if len(defined) == 1 else 'them'} from --set")  # fmt: skip
        raise UserError(f"--set {listing(unknown)}: not in the formula, whose names are {listing([formula.typed[n] for n in names]) or 'none'}")
    leaves = {n: Value(settings[n], formula.typed[n]) for n in names}
    known: dict[str, Value] = dict(leaves)
    named: dict[str, Value] = {}
    root: Value | float = 0.0
    for target, node, body in statements:
        root = formula.build(body, known)
        if target and not isinstance(root, Value):
            raise UserError(f"--expr {formula.typed[target]} = {formula.label(body)}: a name for a number; give it with --set instead")
        if target and (root.is_leaf or root.label in {formula.typed[t] for t, _, _ in statements if t}):  # type: ignore[union-attr]
            raise formula.refuse(node, f"{formula.typed[target]} = {formula.label(body)}, which only gives a second name "
                                 "(use the first)")  # fmt: skip
        if target:
            root.label = formula.typed[target]  # type: ignore[union-attr]
            known[target] = named[formula.typed[target]] = root  # type: ignore[assignment]
    if not isinstance(root, Value):
        raise UserError(f"--expr {source!r} has no name or operation in it: there is no graph to show")
    return Expression(root, {formula.typed[n]: leaf for n, leaf in leaves.items()}, source, named)


def _statements(text: str) -> str:
    """The formula on one line (columns are then byte offsets into it): a line break outside brackets ends a
    statement (``; ``), one inside brackets is a space."""
    parts, current, depth = [], [], 0
    for char in text.replace("\r\n", "\n").replace("\r", "\n"):
        depth += (char in "([{") - (char in ")]}")
        if char == "\n" and depth <= 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(" " if char == "\n" else char)
    parts.append("".join(current))
    return "; ".join(p.strip().rstrip(";").strip() for p in parts if p.strip().rstrip(";").strip())


class Formula:
    """One line of source, its syntax tree, and the checks and the build that walk it."""

    def __init__(self, source: str) -> None:
        self.source, self.raw = source, source.encode("utf-8")
        self.callees: set[int] = set()  # the Name nodes that are called (relu in relu(x)): not leaves
        self.parts: set[int] = set()  # the Name and index nodes inside an element x[0]: not leaves themselves
        self.typed: dict[str, str] = {}  # a name or element as Python reads it → as typed (first time)
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

    def check(self) -> list[tuple[str, ast.AST, ast.expr]]:
        """Each statement as (name or "", the statement, its formula); `UserError` at the first refused construct."""
        statements, body = [], self.tree.body
        for n, statement in enumerate(body, 1):
            if isinstance(statement, ast.Expr) and n == len(body):
                target = ""
            elif isinstance(statement, ast.Expr):
                raise self.refuse(statement, f"a formula without a name before the last statement (statement {n}: "
                                  "write NAME = formula)")  # fmt: skip
            elif isinstance(statement, ast.Assign) and len(statement.targets) == 1 and self.key(statement.targets[0]):
                target = self.key(statement.targets[0])  # type: ignore[assignment]
                if target.startswith("__"):
                    raise self.refuse(statement.targets[0], "names starting with __")
            elif isinstance(statement, ast.Assign):
                raise self.refuse(statement, "assignments other than NAME = formula")
            else:
                raise self.refuse(statement, f"{type(statement).__name__.lower()} statements")
            statements.append((target, statement, statement.value))  # type: ignore[attr-defined]
        for _, _, value in statements:
            self.callees |= {id(node.func) for node in ast.walk(value) if isinstance(node, ast.Call)}
            self.parts |= {id(part) for node in ast.walk(value) if self.key(node) and isinstance(node, ast.Subscript)
                           for part in ast.walk(node) if part is not node}  # fmt: skip
            problems = [problem for node in ast.walk(value) if (problem := self.problem(node))]
            if problems:
                node, what = min(problems, key=lambda p: (p[0].col_offset, -p[0].end_col_offset))
                raise self.refuse(node, what)
        return statements

    def key(self, node: ast.AST) -> str | None:
        """The leaf name of ``x`` or ``W[0,1]`` (as Python reads it), remembering how it was typed; else None."""
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            index = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if not all(isinstance(i, ast.Constant) and type(i.value) is int and i.value >= 0 for i in index):
                return None
            name = f"{node.value.id}[{','.join(str(i.value) for i in index)}]"  # type: ignore[attr-defined]
        elif isinstance(node, ast.Name):
            name = node.id
        else:
            return None
        self.typed.setdefault(name, self.label(node).replace(" ", ""))
        return name

    def leaf_names(self, statements: list[tuple[str, ast.AST, ast.expr]]) -> list[str]:
        """The names the formula reads but does not compute, in reading order, once each; `UserError` if a name is
        computed twice, used before it is computed (or in its own formula), or computed and never used."""
        targets = {t for t, _, _ in statements if t}
        leaves: list[str] = []
        computed: list[str] = []
        used: set[str] = set()
        for target, _, value in statements:
            if target in computed:
                raise UserError(f"--expr computes {self.typed[target]} twice; give each its own name")
            found = [(n.col_offset, self.key(n)) for n in ast.walk(value)
                     if isinstance(n, (ast.Name, ast.Subscript)) and id(n) not in self.callees | self.parts and self.key(n)]  # fmt: skip
            for _, name in sorted(found):  # type: ignore[type-var]
                if name == target:
                    raise UserError(f"--expr {self.typed[name]} = …: the name {self.typed[name]} is also a name in its own "
                                    "formula; call one of them something else")  # fmt: skip
                if name in targets and name not in computed:
                    raise UserError(f"--expr uses {self.typed[name]} before the statement that computes it; compute it first")
                if name in computed:
                    used.add(name)  # type: ignore[arg-type]
                else:
                    leaves.append(name)  # type: ignore[arg-type]
            if target:
                computed.append(target)
        unused = [t for t in computed if t not in used and t != statements[-1][0]]
        if unused:
            raise UserError(f"--expr computes {listing([self.typed[t] for t in unused])} but nothing after it uses "
                            f"{'it' if len(unused) == 1 else 'them'}: use it, or leave it out")  # fmt: skip
        return list(dict.fromkeys(leaves))

    def problem(self, node: ast.AST) -> tuple[ast.expr, str] | None:
        """Why ``node`` is not allowed, or None."""
        if not hasattr(node, "col_offset") or id(node) in self.parts:
            return None  # an operator or a context (judged where it is used), or the inside of an element x[0]
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
            if (node.id in functions() or node.id == HINGE) and id(node) not in self.callees:
                return node, f"{node.id} without a call (it is a function: write {node.id}(...))"
            return None
        if isinstance(node, ast.Subscript) and self.key(node):
            return (node, "names starting with __") if self.key(node).startswith("__") else None  # type: ignore[union-attr]
        if isinstance(node, ast.Call):
            return self.call_problem(node)
        if isinstance(node, ast.List):
            return None  # checked by the call it is an argument of (call_problem), the only place lists may be
        return node, REFUSED.get(type(node), type(node).__name__)

    def call_problem(self, call: ast.Call) -> tuple[ast.expr, str] | None:
        """Why this call is refused: only the op classes' functions, max(0, …), and lists where an n-ary op takes them."""
        ops = functions()
        if not isinstance(call.func, ast.Name) or (call.func.id not in ops and call.func.id != HINGE):
            return call, f"calling anything but {' '.join([*ops, HINGE])}"
        name, args = call.func.id, call.args
        if call.keywords:
            return call, f"keyword arguments in {name}(...)"
        if name == HINGE:
            zero = [a for a in args if isinstance(a, ast.Constant) and type(a.value) in (int, float) and a.value == 0]
            return None if len(args) == 2 and zero else (call, "max() unless it is max(0, …), the hinge")
        if issubclass(ops[name], UnaryOp) and len(args) != 1:
            return call, f"{name}() with {len(args)} arguments (it takes one)"
        elements = [e for a in args for e in (a.elts if isinstance(a, ast.List) else [a])]
        if not elements:
            return call, f"{name}() with nothing in it"
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

    def build(self, body: ast.expr, known: dict[str, Value]) -> Value | float:
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
                done[id(node)] = self._node(node, [done[id(c)] for c in children], known)
        return done[id(body)]

    def _operands(self, node: ast.expr) -> list[ast.expr]:
        if isinstance(node, ast.BinOp):
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            return [node.operand]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == HINGE:
            return [a for a in node.args if not (isinstance(a, ast.Constant) and a.value == 0)][:1] or node.args[:1]
        if isinstance(node, ast.Call):
            return [e for arg in node.args for e in (arg.elts if isinstance(arg, ast.List) else [arg])]
        return []

    def _node(self, node: ast.expr, operands: list[Value | float], known: dict[str, Value]) -> Value | float:
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, (ast.Name, ast.Subscript)):
            return known[self.key(node)]  # type: ignore[index]
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
        if name == HINGE:
            return Hinge.apply(operand(operands[0], "max(0, ·)"))
        cls = functions()[name]
        if issubclass(cls, UnaryOp):
            return cls.apply(operand(operands[0], name))
        return cls.apply(*(operand(x, name) for x in operands))  # type: ignore[attr-defined]

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
        return UserError(f"--expr refuses {what} (column {column}: {snippet!r}); it allows only {allowed()}")


def _finite(x: int | float) -> bool:
    try:
        return math.isfinite(float(x))
    except OverflowError:
        return False
