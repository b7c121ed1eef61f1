"""``tinygrad_mm.to_python(root)``: a graph's forward and backward pass as a standalone, commented Python file.

Code to read lives with the views (it names and numbers nodes as they do); the code
itself is written by the compiled layer's generator (`compiled.codegen`), as `compile` writes it.
Every label is escaped (`printable` in comments, `string_body` in the docstring):
whatever a label holds, running the file only computes and prints the gradients.

The file reads top to bottom like the notes: the leaves with their values, the forward
pass (one line per node, its formula in a comment), then the backward pass — the chain
rule, one line per edge, ``grad_parent (+)= grad_node * ∂node/∂parent`` with the local
derivative in a comment — and finally a print of every leaf's gradient.  Running it
prints what ``root.backward()`` puts in each leaf's ``.grad`` (from zero); ``python -m pdb``
steps through it line by line.  Every formula, derivative, gate and line of code comes
from the op classes (the same templates `compile` uses); nothing here knows an op.
"""

from __future__ import annotations

import os

from ..compiled.codegen import Plan, edge_lines, node_lines, plan_for
from ..compiled.naming import string_body
from ..engine import Value
from ..engine.op import Op
from ..engine.statement import parenthesize
from ..files import write_atomic
from .text import gate_sentence, node_names, number, printable

MAX_NODES = 200_000  # a file with more lines than this is no longer something to read


def to_python(root: Value, path: str | os.PathLike[str] | None = None) -> str:
    """The Python source computing ``root`` and every gradient (see the module docstring); written to ``path`` if given."""
    if not isinstance(root, Value):
        raise TypeError(f"to_python() takes the root Value of a graph (e.g. the loss), got {type(root).__name__} {root!r}")
    plan = plan_for(root, exact=False)
    if len(plan.topo) > MAX_NODES:
        raise ValueError(
            f"the graph of {_short(root, plan)} has {len(plan.topo):,} nodes: too many to read as code "
            f"(to_python writes up to {MAX_NODES:,}); compile(fn) runs large graphs, or write a smaller example"
        )
    source = _source(plan)
    if path is not None:
        write_atomic(path, source)
    return source


def _short(node: Value, plan: Plan) -> str:
    """A node in a comment: its label, its number (a constant), or its variable."""
    if node.label:
        return printable(node.label)
    return number(node._data, 6) if node.kind == "constant" else plan.var[node]


def _source(plan: Plan) -> str:
    display = {node: printable(name) for node, name in node_names(plan.topo, digits=6).items()}
    root = _short(plan.root, plan)
    short = lambda node: _short(node, plan)  # noqa: E731
    num = lambda x: number(x, 6)  # noqa: E731

    def formula(node: Op) -> str:
        text = node.formula_text(display.__getitem__, num)
        return short(node) if _plain(short(node)) == _plain(text) else f"{short(node)} = {text}"  # a label that says it

    def header(node: Op) -> str:
        why = gate_sentence(node, display, digits=6)
        return formula(node) + (f"   [{printable(why)}]" if why else "")

    def edge(node: Op, k: int) -> str:
        parent = node.parents[k]
        return f"∂{parenthesize(short(node))}/∂{parenthesize(short(parent))} = {node.derivative_text(k, short, num)}"

    leaves = [node for node in plan.topo if node.is_leaf and node.kind != "constant"]
    ops = [node for node in plan.topo if not node.is_leaf]
    lines = [_docstring(root, len(plan.topo), len(ops)), "import math", ""]
    lines.append("# ---- the leaves, with their values when this file was written")
    lines += [f"{plan.var[v]} = {v._data!r}  # {short(v)} ({v.kind})" for v in leaves]
    lines += ["", "# ---- forward pass: every node from its parents"]
    lines += node_lines(plan, ops, plan.var, explain=formula)
    lines += ["", f"# ---- backward pass: the chain rule, one line per edge, from {root} back to the leaves"]
    lines.append(f"{plan.grad[plan.root]} = 1.0  # ∂{parenthesize(root)}/∂{parenthesize(root)}")
    lines += edge_lines(plan, plan.backprop, plan.var, {plan.root}, explain=header, explain_edge=edge)
    lines += ["", f"# ---- every leaf's gradient, as {root}.backward() leaves it in .grad (starting from 0)"]
    for v in leaves:
        text = f"∂{parenthesize(root)}/∂{parenthesize(short(v))} ="
        lines.append(f"print({text!r}, repr({plan.grad[v]}))")
    return "\n".join(lines) + "\n"


def _plain(math_text: str) -> str:
    """A formula with the typeset operators and spaces taken out, to compare it with a label written in ASCII."""
    return math_text.replace("·", "*").replace("−", "-").replace(" ", "")


def _docstring(root: str, nodes: int, ops: int) -> str:
    """The file's docstring; ``root`` (a label: any text) escaped so that it can only ever be text in it."""
    root = string_body(root)
    return f'''"""Backpropagation through {root}, written out line by line by tinygrad_mm.to_python ({nodes} nodes, {ops} ops).

The forward pass computes every node from its parents.  The backward pass is the
chain rule, one line per edge, from {root} back to every leaf:

    grad_parent  (+)=  grad_node * ∂node/∂parent

A value used in several places (fan-out) receives the sum of what each use sends
back: its first line is `=`, the others `+=`.  An `if` is a gate (ReLU, the hinge):
while it is closed no gradient flows through it.  The comments give each node's
formula and each edge's local derivative, as the op classes state them.

Run it to print every gradient:    python <this file>
Step through the chain rule:       python -m pdb <this file>
"""
'''
