"""A graph as straight-line Python: the forward pass one line per node, the backward pass one line per edge.

    forward    z_0 = dot4 + b_0                        node = op(parents): the op's ``code`` template
    backward   grad_b_0 += grad_z_0                    parent ← node.grad · ∂node/∂parent, one line per edge
               if z_0 > 0.0:                           a gate (relu, the hinge): gradient flows only while it holds

Every piece of text comes from the op classes (templates.py); nothing here knows an op
by name.  The backward lines visit the nodes in ``backprop_order`` — the order
``backward()`` runs in — and each node's parents in order, and every contribution is
the product ``propagate`` computes, so the floats come out exactly as ``backward()``'s:

- a node's first contribution is ``=`` (``0.0 + c`` is ``c``); later ones, where a value fans out, are ``+=``;
- a leaf that accumulates (a parameter: its old ``.grad`` is read first) only ever gets ``+=``;
- a contribution into a constant is dropped: a constant needs no gradient.

Many identical subgraphs side by side (one per sample) become one loop (rolling.py).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..engine import Value, backprop_order, topological_order
from .finite import gradients_to_test, values_to_test
from .naming import Names, comment_text, gradient_names, literal, string_body, variable_names
from .rolling import Roll
from .templates import Templates, bindings

Explain = Callable[[Value], str]  # a node → a comment line above its code (readable code only)
EdgeExplain = Callable[[Value, int], str]  # (node, k) → a comment after the line of the edge into parent k


@dataclass
class Plan:
    """What the code is written from: the graph in both orders and every node's variable and gradient name."""

    root: Value
    topo: list[Value]  # parents before the nodes that use them (the forward pass; the drawing's v0, v1, …)
    backprop: list[Value]  # the order backward() runs in: root first
    var: dict[Value, str]  # node → its variable (a constant → its literal)
    grad: dict[Value, str]  # non-constant node → its gradient's variable
    names: Names = field(default_factory=Names)
    templates: Templates = field(default_factory=Templates)
    aliased: set[Value] = field(default_factory=set)  # nodes whose gradient is another node's variable (`alias`)
    inlined: set[Value] = field(default_factory=set)  # nodes written inside their user's expression (`inline`)
    tested: set[Value] = field(default_factory=set)  # nodes whose value the step tests for finiteness (finite.py)
    tested_grads: set[Value] = field(default_factory=set)  # nodes whose gradient it tests


def plan_for(
    root: Value, backprop: list[Value] | None = None, exact: bool = True, uses: dict[Value, int] | None = None,
    keep: set[Value] | frozenset[Value] = frozenset(), unnamed: set[Value] | frozenset[Value] = frozenset(),
) -> Plan:
    """The `Plan` of ``root``'s graph (``backprop``: its ``backprop_order``, if already computed).

    ``exact``: code that runs instead of the engine (see `Templates`); False for code to read.
    ``uses``: the graph's ``count_uses``, to share gradient variables where they are copies (`alias`) and write
    the terms of a sum inside it (`inline`), except the nodes in ``keep``; code to read leaves it out and writes
    every node and every copy.  ``unnamed``: nodes the code never names (`variable_names`).
    """
    names = Names()
    topo = topological_order(root)
    var = variable_names(topo, names, unnamed)
    grad = gradient_names(var, names)
    plan = Plan(root, topo, backprop or backprop_order(root), var, grad, names, Templates(exact))
    if uses is not None:
        alias(plan, uses)
        inline(plan, uses, keep)
    return plan


MAX_INLINED = 512  # how deeply one expression nests (a + b + … nests once per term): Python's compiler has a limit


def inline(plan: Plan, uses: dict[Value, int], keep: set[Value] | frozenset[Value]) -> None:
    """A term of a sum, used nowhere else, whose value no derivative needs, is written inside the sum's expression:
    ``z = b + w0 * h0 + w1 * h1`` instead of a line per product.  The floats are the same (Python evaluates the
    expression in the same order), and the sum is not finite whenever a term is not, so the step still sees it."""
    weight: dict[Value, int] = {}
    for node in plan.topo:
        if node.is_leaf or node not in plan.var:  # a leaf, or a node no code names
            continue
        rendered, operands = plan.templates.kind(node)  # type: ignore[arg-type]
        own = total = len(node.parents)  # how deeply its expression nests, with what is inlined into it
        needed = " ".join(rendered.edges) + (rendered.gate or "")
        for j, operand in enumerate(operands):
            field_ = f"{{{j}}}"
            k = node.parents.index(operand)
            leading = rendered.forward.startswith((f"{field_} + ", f"{field_} - "))  # a + b + c: the sum goes on
            deeper = total + weight.get(operand, 0) if leading else max(total, own + 1 + weight.get(operand, 0))
            if (
                operand in weight  # an op node, not kept, whose own value no derivative needs (below)
                and uses[operand] == 1
                and rendered.edges[k].lstrip("-") == f"{{{len(operands) + 1}}}"  # a term: ∂ = ±1, no gate
                and rendered.gate is None
                and rendered.forward.count(field_) == 1
                and field_ not in needed
                and deeper <= MAX_INLINED
            ):
                plan.inlined.add(operand)
                total = deeper
        if node not in keep and f"{{{len(operands)}}}" not in needed:  # no derivative needs its own value
            weight[node] = total


def alias(plan: Plan, uses: dict[Value, int]) -> None:
    """An op node used once, through an edge that passes the gradient on unchanged (∂ = 1, no gate: a term of a
    sum), gets exactly its user's gradient: ``grad_term = grad_sum``.  Instead of that line, the term's gradient *is*
    the sum's variable (the same float; its own edges still skip a 0 as ``backward()`` does)."""
    for node in plan.backprop:  # users before the nodes they use: a user's own gradient variable is settled first
        if node.is_leaf or node not in plan.grad:  # a leaf, or a node no code names
            continue
        rendered, operands = plan.templates.kind(node)  # type: ignore[arg-type]
        if rendered.gate is not None:
            continue
        passed = f"{{{len(operands) + 1}}}"  # the contribution that is the user's gradient itself
        for k, parent in enumerate(node.parents):
            if not parent.is_leaf and uses[parent] == 1 and rendered.edges[k] == passed:
                plan.grad[parent] = plan.grad[node]
                plan.aliased.add(parent)


class _Overlay(dict):
    """A few names changed, the rest looked up in ``base`` (the loop variables of a rolled cone)."""

    def __init__(self, base: dict[Value, str], changes: dict[Value, str]) -> None:
        super().__init__(changes)
        self.base = base

    def __missing__(self, node: Value) -> str:
        return self.base[node]


def node_lines(plan: Plan, nodes: Iterable[Value], var: dict[Value, str], explain: Explain | None = None) -> list[str]:
    """``node = <its op's code>`` for each op node of ``nodes`` (given parents first); an inlined node has no line."""
    lines: list[str] = []
    for node in nodes:
        if node in plan.inlined:
            continue
        if explain:
            lines.append(f"# {comment_text(explain(node))}")
        lines.append(f"{var[node]} = {expression(plan, node, var)}")
    return lines


def expression(plan: Plan, node: Value, var: dict[Value, str]) -> str:
    """The node's value as Python: its op's code over its operands' variables, or their expressions if inlined."""
    rendered, args = plan.templates.of(node, var, plan.grad)  # type: ignore[arg-type]
    if plan.inlined:
        forward = rendered.forward
        for j, operand in enumerate(plan.templates.kind(node)[1]):  # type: ignore[arg-type]
            if operand in plan.inlined:
                text = expression(plan, operand, var)
                leading = forward.startswith((f"{{{j}}} + ", f"{{{j}}} - ")) and _additive_operand(text)
                args[j] = text if leading else f"({text})"  # a + b + c needs no parentheses; anything else may
    return rendered.forward.format(*args)


def _additive_operand(text: str) -> bool:
    """True if ``text`` can stand unparenthesised left of ``+``: a sum, a product, a power, a call, a name."""
    body = ast.parse(text, mode="eval").body
    if isinstance(body, ast.BinOp):
        return isinstance(body.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod, ast.FloorDiv))
    return isinstance(body, (ast.UnaryOp, ast.Call, ast.Name, ast.Constant, ast.Attribute, ast.Subscript))


def edge_lines(
    plan: Plan,
    nodes: Iterable[Value],
    var: dict[Value, str],
    defined: set[Value],
    skip_zero: bool = False,
    explain: Explain | None = None,
    explain_edge: EdgeExplain | None = None,
) -> list[str]:
    """The chain rule for each op node of ``nodes`` (in backprop order): one line per edge into a non-constant.

    ``defined``: the nodes whose gradient variable already holds something (updated here).
    ``skip_zero``: like ``backward()``, a node whose gradient is 0 sends nothing (``if grad_n:``),
    written for nodes with two or more edges, where it saves work.
    """
    grad = plan.grad
    lines: list[str] = []
    open_if: tuple[str, int] | None = None  # the if just written (its condition, where it is): the next node may join it
    for node in nodes:
        edges = [(k, p) for k, p in enumerate(node.parents) if p.kind != "constant"]
        if not edges:
            continue
        if plan.aliased:
            defined.update(p for _, p in edges if p in plan.aliased)
            edges = [(k, p) for k, p in edges if p not in plan.aliased]  # its gradient is this node's: nothing to add
            if not edges:
                continue
        rendered, args = plan.templates.of(node, var, grad)  # type: ignore[arg-type]
        if explain:
            lines.append(f"# {comment_text(explain(node))}")
        conditions = [grad[node]] if skip_zero and len(edges) > 1 else []
        if rendered.gate is not None:
            conditions.append(rendered.gate.format(*args))
        indent = ""
        if conditions:
            condition = " and ".join(conditions)
            zeros = []
            for _, p in edges:  # a gradient first reached inside the if is 0 where it does not run
                if p not in defined:
                    zeros.append(f"{grad[p]} = 0.0" + ("  # stays 0 unless the if below lets gradient through" if explain else ""))
                    defined.add(p)
            if open_if is not None and open_if[0] == condition:
                # the same condition as the node just before (the terms of one sum: their gradient is the sum's):
                # one if for both; its body never writes the condition's variables, so it holds for both alike
                lines[open_if[1] : open_if[1]] = zeros
                open_if = (condition, open_if[1] + len(zeros))
            else:
                lines += zeros
                lines.append(f"if {condition}:")
                open_if = None if explain else (condition, len(lines) - 1)
            indent = "    "
        else:
            open_if = None
        for k, p in edges:
            operator = "+=" if p in defined else "="
            defined.add(p)
            comment = f"  # {comment_text(explain_edge(node, k))}" if explain_edge else ""
            lines.append(f"{indent}{grad[p]} {operator} {rendered.edges[k].format(*args)}{comment}")
    return lines


def finite_lines(names: list[str]) -> list[str]:
    """``_finite += a + b + …`` over ``names``: not finite if one of them is not (see finite.py); 256 terms a line."""
    return [f"_finite += {' + '.join(names[i : i + 256])}" for i in range(0, len(names), 256)]


def tuple_text(items: list[str]) -> str:
    """A Python tuple display of ``items``: ``()``, ``(a,)``, ``(a, b)``."""
    return "()" if not items else f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


class _Loop:
    """How one `Roll` is written: the loop variables, what they iterate over, the body's names."""

    def __init__(self, plan: Plan, roll: Roll, number: int, input_index: dict[Value, int]) -> None:
        self.roll, self.saved = roll, f"_saved{number}"
        first = roll.cones[0]
        changes: dict[Value, str] = {}
        self.targets: list[str] = []
        self.sources: list[str] = []
        for slot in roll.slots:
            if slot.shared:
                continue
            leaf = slot.leaves[0]
            if leaf.kind == "constant":
                changes[leaf] = plan.names.claim(f"const{len(self.targets)}")
                self.sources.append(tuple_text([literal(c._data) for c in slot.leaves]))
            else:
                self.sources.append(_picked([input_index[v] for v in slot.leaves]))
            self.targets.append(changes.get(leaf, plan.var[leaf]))
        self.var = _Overlay(plan.var, changes)
        self.first = first
        self.own_leaves = [s.leaves[0] for s in roll.slots if not s.shared and s.leaves[0].kind != "constant"]
        self.shared_leaves = [s.leaves[0] for s in roll.slots if s.shared and s.leaves[0].kind != "constant"]

    def forward(self, plan: Plan) -> list[str]:
        self.kept = [node for node in self.first if node not in plan.inlined]  # the values the loop saves
        values = tuple_text([self.var[node] for node in self.kept])
        body = node_lines(plan, reversed(self.first), self.var)
        body += [f"_values = {values}", f"{self.saved}.append(_values)"]
        body += finite_lines([self.var[node] for node in self.kept if node in plan.tested])
        roots = ", ".join(plan.var[cone[0]] for cone in self.roll.cones)
        if not self.targets:
            header = f"for _ in range({len(self.roll.cones)}):"
        elif len(self.targets) == 1:
            header = f"for {self.targets[0]} in {self.sources[0]}:"
        else:
            header = f"for {', '.join(self.targets)} in zip({', '.join(self.sources)}):"
        return [f"{self.saved} = []", header, *_indent(body), f"{roots}, = [_v[0] for _v in {self.saved}]"]

    def backward(self, plan: Plan, defined: set[Value]) -> list[str]:
        lines = []
        for leaf in self.shared_leaves:  # a gradient the loop adds into must start somewhere
            if leaf not in defined:
                lines.append(f"{plan.grad[leaf]} = 0.0")
                defined.add(leaf)
        inner = set(defined) | {self.first[0]}
        root = plan.grad[self.first[0]]
        body = [f"if not {root}:", "    continue  # as backward(): a cone whose gradient is 0 sends nothing anywhere"]
        body.append(f"{tuple_text([self.var[node] for node in self.kept])} = _values")
        body += edge_lines(plan, self.first, self.var, inner, skip_zero=True)
        tested = [n for n in self.first + self.own_leaves if n in plan.tested_grads]  # (values: tested going forward)
        body += finite_lines(list(dict.fromkeys(plan.grad[n] for n in tested)))
        root_grads = tuple_text([plan.grad[cone[0]] for cone in self.roll.cones])
        targets = ["_values", root, *self.targets]
        lines.append(f"for {', '.join(targets)} in zip({', '.join([self.saved, root_grads, *self.sources])}):")
        return lines + _indent(body)

    def places(self) -> dict[Value, str]:
        """Where each node of the loop can be read after it: ``_saved0[k][j]``."""
        kept = [j for j, node in enumerate(self.first) if node in self.kept]
        return {cone[j]: f"{self.saved}[{k}][{i}]" for k, cone in enumerate(self.roll.cones) for i, j in enumerate(kept)}


def _picked(indexes: list[int]) -> str:
    """The runtime inputs at ``indexes``, in order: a slice when they are evenly spaced."""
    step = indexes[1] - indexes[0] if len(indexes) > 1 else 1
    if step > 0 and all(b - a == step for a, b in zip(indexes, indexes[1:], strict=False)):
        return f"_inputs[{indexes[0]}:{indexes[-1] + 1}:{step}]"
    return f"map(_inputs.__getitem__, {tuple_text([str(i) for i in indexes])})"


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def step_source(
    plan: Plan, inputs: list[Value], leaves: list[Value], outputs: list[Value], rolls: list[Roll], title: str
) -> str:
    """The compiled step: ``step(_inputs, _data, _grads) -> (loss, finite, leaf grads, outputs)``.

    ``_inputs``: the runtime numbers (one per input leaf); ``_data``/``_grads``: every other
    leaf's ``.data`` and ``.grad`` (parameters and Value arguments, in ``leaves`` order).
    ``finite`` is the sum of every value and gradient: not finite if any of them is not
    (then the caller re-runs the step with the engine, which says where and why).
    """
    var, grad = plan.var, plan.grad
    plan.tested, plan.tested_grads = values_to_test(plan.topo, plan.templates), gradients_to_test(plan.topo, plan.templates)
    input_index = {leaf: i for i, leaf in enumerate(inputs)}
    loops = [_Loop(plan, roll, i, input_index) for i, roll in enumerate(rolls)]
    before_anchor: dict[Value, list[_Loop]] = {}
    first_member: dict[Value, _Loop] = {}
    rolled: set[Value] = set()
    for loop in loops:
        before_anchor.setdefault(loop.roll.anchor, []).append(loop)
        first_member[loop.first[0]] = loop
        rolled.update(loop.roll.members)
        rolled.update(v for s in loop.roll.slots if not s.shared for v in s.leaves)
    body = [f'"""{string_body(title)}"""']
    for names, source in (([var.get(v, "_") for v in inputs], "_inputs"), ([var[v] for v in leaves], "_data")):
        if names:
            body.append(f"{', '.join(names)}, = {source}")
    if leaves:
        body.append(f"{', '.join(grad[v] for v in leaves)}, = _grads")
    body += ["_finite = 0.0", "# ---- forward: every node from its parents"]
    for node in plan.topo:
        if not node.is_leaf and node not in rolled:
            for loop in before_anchor.get(node, ()):
                body += loop.forward(plan)
            body += node_lines(plan, [node], var)
    body.append("# ---- backward: the chain rule, one line per edge")
    root = plan.root
    defined = set(leaves)
    body.append(f"{grad[root]} {'+=' if root in defined else '='} 1.0")
    defined.add(root)
    run: list[Value] = []  # consecutive nodes written out one by one: one call, so that their ifs can join
    for node in plan.backprop:
        if node in first_member:
            body += edge_lines(plan, run, var, defined, skip_zero=True)
            run = []
            body += first_member[node].backward(plan, defined)
        elif not node.is_leaf and node not in rolled:
            run.append(node)
    body += edge_lines(plan, run, var, defined, skip_zero=True)
    checked = [var[v] for v in plan.topo if v in plan.tested and v not in rolled and v not in plan.inlined]
    checked += dict.fromkeys(grad[v] for v in plan.topo if v in plan.tested_grads and v not in rolled)  # once each
    body += finite_lines(checked)
    places = {node: place for loop in loops for node, place in loop.places().items()} if loops and outputs else {}
    places.update({node: f"_inputs[{input_index[node]}]" for node in outputs if node in input_index})  # never a loop's
    results = [places.get(node) or var[node] for node in outputs]
    body.append(f"return {var[root]}, _finite, {tuple_text([grad[v] for v in leaves])}, {tuple_text(results)}")
    header = "".join(line + "\n" for line in bindings(plan.templates.cache.values()))
    return header + "def step(_inputs, _data, _grads):\n" + "\n".join(_indent(body)) + "\n"
