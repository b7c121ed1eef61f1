"""Which values and gradients the compiled step must test to know that every one of them is finite.

The step returns a ``finite`` float: the sum of the values and gradients it tests, not
finite if one of them is not (the caller then lets the engine run the step and say where).
Testing every node costs a tuple and a ``sum`` per sample; most tests are implied by others:

- a value ``v`` is implied by a user ``u`` whose code is plain arithmetic on it
  (``+``, ``-``, ``*`` of names and number literals): IEEE arithmetic turns an infinite or NaN
  operand into an infinite or NaN result, so if ``u`` is finite, ``v`` was.  A user that can
  hide it (a relu's ``v if v > 0.0 else 0.0``, a ``tanh``, a call) implies nothing;
- a gradient ``ḡ`` of an op node is implied when no gate stands on its edges and one of them leads
  into a non-constant parent: every edge adds ``ḡ``, ``−ḡ`` or ``ḡ·local`` into the parent's gradient
  (an ``if ḡ:`` skip lets a NaN or an infinity through), and a gradient that is not finite
  stays so under later ``+=``.  A leaf's gradient is tested: nothing reads it after.
  A gradient nobody reads is not computed, so not tested (layout.py: a runtime number's).

So the tests that remain are the values an op may hide, the gradients a gate may stop,
and the gradients of leaves — everything else is reached from one of them.
"""

from __future__ import annotations

import ast
import functools
import string

from ..engine import Value
from .templates import Templates

_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult)
_SIGNS = (ast.USub, ast.UAdd)


def values_to_test(topo: list[Value], templates: Templates) -> set[Value]:
    """The op nodes of ``topo`` (parents first) whose value no user's plain arithmetic passes on."""
    passed: set[Value] = set()
    for node in topo:
        if node.is_leaf:
            continue
        rendered, operands = templates.kind(node)  # type: ignore[arg-type]
        if plain_arithmetic(rendered.forward):
            used = fields(rendered.forward)
            passed.update(p for j, p in enumerate(operands) if j in used)
    return {node for node in topo if not node.is_leaf and node not in passed}


def gradients_to_test(topo: list[Value], templates: Templates, no_gradient: set[Value]) -> set[Value]:
    """The nodes of ``topo`` with a computed gradient that no edge passes on: leaves, gated nodes, and nodes whose
    edges lead only to constants or to nodes whose gradient is not computed (``no_gradient``, layout.py)."""
    tested = set()
    for node in topo:
        if node.kind == "constant" or node in no_gradient:
            continue
        if node.is_leaf or templates.kind(node)[0].gate is not None:  # type: ignore[arg-type]
            tested.add(node)
        elif all(p.kind == "constant" or p in no_gradient for p in node.parents):  # its gradient goes nowhere
            tested.add(node)
    return tested


@functools.cache
def fields(template: str) -> frozenset[int]:
    """The ``{j}`` fields a ``str.format`` template fills."""
    return frozenset(int(name) for _, name, _, _ in string.Formatter().parse(template) if name is not None and name.isdigit())


@functools.cache
def plain_arithmetic(template: str) -> bool:
    """True if the template is ``+``, ``-``, ``*`` and signs over its fields and number literals, nothing else."""
    text = template.format(*[f"_f{j}" for j in range(max(fields(template), default=-1) + 1)])
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        return False
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BinOp) and isinstance(node.op, _ARITHMETIC):
            stack += [node.left, node.right]
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, _SIGNS):
            stack.append(node.operand)
        elif isinstance(node, ast.Constant):
            if type(node.value) not in (int, float) or node.value != node.value or abs(node.value) == float("inf"):
                return False
        elif not isinstance(node, ast.Name):
            return False
    return True
