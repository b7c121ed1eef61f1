"""A gate's sentence, stated once by its op class (``gate_words``), written by Python and by the live page.

An op with a gate (relu, the hinge) states what to say when gradient flows and when it does not::

    gate_words = ("{x} = {=x} > 0: relu passes its input here, so ∂{(out)}/∂{(x)} = 1",
                  "{x} = {=x} ≤ 0: relu is flat here ({out} = 0), so ∂{(out)}/∂{(x)} = 0 — nothing flows back")

where, for an operand field ``x`` (or ``out``, the node itself) and an expression in the op's math syntax
(engine/rules.py: its fields, ``out`` and its constants)::

    {x}          x's name
    {(x)}        x's name, in parentheses when it is compound: ∂J/∂(s + t)
    {=expr}      the number expr is here: {=delta + b - a}
    {=(expr)}    the same, in parentheses when negative: 1 + (−0.38)
    {x=}         x's arithmetic when x is computed: its formula in names, then in numbers (an unlabelled op inside
                 it written out), each followed by " = "; nothing when x is a leaf

`gate_sentence` writes the sentence for the Python views (the page, the drawing, the trace, the quiz, the code);
``views/live.py`` hands the same words to the live page with the numbers left open (`tokens`), and the page computes
each ``{=expr}`` with that expression printed as JavaScript.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from ..engine import Op, Value
from ..engine.rules import Rule, power
from ..engine.statement import parenthesize

TOKEN = re.compile(r"\{(?:=\((?P<signed>[^{}]+)\)|=(?P<number>[^{}]+)|\((?P<wrapped>\w+)\)|(?P<arithmetic>\w+)=|(?P<name>\w+))\}")


def tokens(template: str) -> list[tuple[str, str]]:
    """The template as [(kind, text)]: ("text", words) and one of "name", "wrapped", "number", "signed", "arithmetic"."""
    out, at = [], 0
    for m in TOKEN.finditer(template):
        if m.start() > at:
            out.append(("text", template[at : m.start()]))
        kind = next(k for k, v in m.groupdict().items() if v is not None)
        out.append((kind, m.group(kind).strip()))
        at = m.end()
    if at < len(template):
        out.append(("text", template[at:]))
    return out


@cache
def expression(cls: type[Op], text: str) -> Rule:
    """``text`` parsed once in the op's math syntax, over the names its statement may use."""
    names = (*cls.operand_fields, "out", *cls.constant_fields)
    return Rule(text, names, f"{cls.__qualname__}.gate_words")


@cache
def _evaluator(cls: type[Op], text: str) -> Callable[[dict[str, float]], float]:
    rule = expression(cls, text)
    code = compile(rule.python({n: n for n in rule.names}), f"<{cls.__qualname__}.gate_words>", "eval")
    return lambda env: float(eval(code, {"math": math, "power": power}, env))  # the op's own statement, never user text


def evaluate(node: Op, text: str) -> float:
    """The number ``text`` (an expression over the op's fields, ``out`` and constants) is at this node."""
    env = {field: parent._data for field, parent in node.operands().items()} | {"out": node._data, **node.constants()}
    return _evaluator(type(node), text)(env)


def named(node: Op, field: str) -> Value:
    """The node an operand field (or ``out``) stands for."""
    return node if field == "out" else node.operands()[field]


def gate_sentence(node: Value, name: Callable[[Value], str], number: Callable[[float], str]) -> str | None:
    """Why gradient flows through ``node`` or not, in its op's own words (None: no gate, or no words for it)."""
    if not isinstance(node, Op) or node.gate() is None or type(node).gate_words is None:
        return None

    def shown(text: str, signed: bool) -> str:
        value = evaluate(node, text)
        return f"({number(value)})" if signed and value < 0 else number(value)

    def worked(operand: Value) -> list[str]:
        return [part + " = " for part in arithmetic(operand, name, number) if part is not None]

    return "".join(pieces(node, type(node).gate_words[0 if node.gate() else 1], name, shown, worked))


def pieces(node: Op, template: str, name: Callable[[Value], str], number: Callable[[str, bool], Any],
           worked: Callable[[Value], list[Any]]) -> list[Any]:  # fmt: skip
    """The template's words and names as text; each ``{=expr}`` as ``number(expr, in parentheses if negative)``, each
    ``{x=}`` as the pieces ``worked(x)`` gives (`gate_sentence` writes numbers; the live page leaves them open)."""
    out: list[Any] = []
    for kind, text in tokens(template):
        if kind == "text":
            out.append(text)
        elif kind in ("name", "wrapped"):
            shown = name(named(node, text))
            out.append(parenthesize(shown) if kind == "wrapped" else shown)
        elif kind in ("number", "signed"):
            out.append(number(text, kind == "signed"))
        else:
            out += worked(named(node, text))
    return out


def arithmetic(node: Value, name: Callable[[Value], str], number: Callable[[float], str]) -> tuple[str | None, str | None]:
    """``node``'s formula in names (None where that is its name already) and in numbers, an unlabelled op inside it
    written out (``Δ + s_c − s``, ``1 + (−0.08083) − (−0.08571)``); (None, None) for a leaf."""
    if not isinstance(node, Op):
        return None, None
    return named_formula(node, name, number), written_out(node, lambda v: number(v._data), number)


def named_formula(node: Op, name: Callable[[Value], str], number: Callable[[float], str]) -> str | None:
    """``node``'s formula in names, or None where that is its name already (an unlabelled node is named by it)."""
    symbolic = node.formula_text(name, number)
    return None if symbolic == name(node) else symbolic


def written_out(node: Op, value: Callable[[Value], str], number: Callable[[float], str]) -> str:
    """``node``'s formula over ``value(operand)``, an unlabelled op among its operands written out as its own formula."""
    inner = lambda v: v.formula_text(value, number) if isinstance(v, Op) and not v.label else value(v)  # noqa: E731
    return node.formula_text(inner, number)
