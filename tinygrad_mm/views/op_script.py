"""An op class's statement as JavaScript, for the live page (views/live.py, templates/viewer-live.js).

The page recomputes both passes in the browser from the same statement the engine's ``forward``
and ``local_grads`` are made from (engine/rules.py): printed here by `ScriptPrinter`, never a
second, hand-written copy of an op's derivative.
"""

from __future__ import annotations

import ast
import json

from ..engine.op import Op
from ..engine.rules import Printer, message_pieces

FUNCTIONS = {  # engine.rules.FUNCTIONS, in JavaScript over {0}, {1}
    "tanh": "Math.tanh({0})",
    "exp": "Math.exp({0})",
    "log": "Math.log({0})",
    "sigmoid": "({0} >= 0 ? 1 / (1 + Math.exp(-{0})) : Math.exp({0}) / (1 + Math.exp({0})))",  # never overflows
    "relu": "({0} > 0 ? {0} : 0)",
    "max": "Math.max({0}, {1})",
}


class ScriptPrinter(Printer):
    """A rule's tree as a JavaScript expression: the engine's Python printer, spelled for the browser."""

    NOT, NOT_BINDS, SIGN_BINDS, POWER, CALLS = "!", 11, 9, "Math.pow", FUNCTIONS
    BOOLEAN = {ast.Or: " || ", ast.And: " && "}

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__(names, safe_power=True)  # Math.pow, never **

    def number(self, value: float) -> tuple[str, int]:
        return (repr(float(value)), 10) if value >= 0 else (f"({float(value)!r})", 10)

    def conditional(self, body: str, test: str, orelse: str) -> str:
        return f"{test} ? {body} : {orelse}"


def op_script(cls: type[Op]) -> str:
    """The op as a JavaScript object: ``forward(fields…, constants…)``, ``grads(fields…, out, constants…)``
    (one derivative per field), ``gate`` (or null); an n-ary op's are those of one term."""
    statement = cls.statement
    assert statement is not None, f"{cls.__name__} states no value and derivatives"
    fields, constants = statement.fields, tuple(statement.constant_fields)
    identity = {n: n for n in (*fields, "out", *constants)}
    js = lambda rule: ScriptPrinter(identity).text(rule.tree)  # noqa: E731
    values, every = ", ".join((*fields, *constants)), ", ".join((*fields, "out", *constants))
    checks = "".join(f"if ({js(c)}) throw new OpRefusal({_message(why)}); " for c, why in statement.refusals)
    gate = "null" if statement.flows is None else f"function ({every}) {{ return {js(statement.flows)}; }}"
    return (
        f"{{nary: {str(statement.nary).lower()}, fields: {len(fields)}, constants: {list(constants)!r}, "
        f"forward: function ({values}) {{ {checks}return {js(statement.value)}; }}, "
        f"grads: function ({every}) {{ return [{', '.join(js(d) for d in statement.derivatives)}]; }}, gate: {gate}}}"
    )


def _message(message: str) -> str:
    """A refusal's message as a JavaScript string expression (`g6` formats like ``%.6g``)."""
    return " + ".join(_string(p) if i % 2 == 0 else f"g6({p})" for i, p in enumerate(message_pieces(message)))


def _string(text: str) -> str:
    """A JavaScript string literal that is safe inside ``<script>`` (no ``</script>``, no ``<!--``)."""
    return json.dumps(text).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
