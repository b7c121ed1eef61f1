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

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..engine import Value, backprop_order, topological_order
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


def plan_for(root: Value, backprop: list[Value] | None = None, exact: bool = True) -> Plan:
    """The `Plan` of ``root``'s graph (``backprop``: its ``backprop_order``, if already computed).

    ``exact``: code that runs instead of the engine (see `Templates`); False for code to read.
    """
    names = Names()
    topo = topological_order(root)
    var = variable_names(topo, names)
    grad = gradient_names(var, names)
    return Plan(root, topo, backprop or backprop_order(root), var, grad, names, Templates(exact))


class _Overlay(dict):
    """A few names changed, the rest looked up in ``base`` (the loop variables of a rolled cone)."""

    def __init__(self, base: dict[Value, str], changes: dict[Value, str]) -> None:
        super().__init__(changes)
        self.base = base

    def __missing__(self, node: Value) -> str:
        return self.base[node]


def node_lines(plan: Plan, nodes: Iterable[Value], var: dict[Value, str], explain: Explain | None = None) -> list[str]:
    """``node = <its op's code>`` for each op node of ``nodes`` (given parents first)."""
    lines: list[str] = []
    for node in nodes:
        if explain:
            lines.append(f"# {comment_text(explain(node))}")
        rendered, args = plan.templates.of(node, var, plan.grad)  # type: ignore[arg-type]
        lines.append(f"{var[node]} = {rendered.forward.format(*args)}")
    return lines


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
    for node in nodes:
        edges = [(k, p) for k, p in enumerate(node.parents) if p.kind != "constant"]
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
            for _, p in edges:  # a gradient first reached inside the if is 0 where it does not run
                if p not in defined:
                    lines.append(f"{grad[p]} = 0.0" + ("  # stays 0 unless the if below lets gradient through" if explain else ""))
                    defined.add(p)
            lines.append(f"if {' and '.join(conditions)}:")
            indent = "    "
        for k, p in edges:
            operator = "+=" if p in defined else "="
            defined.add(p)
            comment = f"  # {comment_text(explain_edge(node, k))}" if explain_edge else ""
            lines.append(f"{indent}{grad[p]} {operator} {rendered.edges[k].format(*args)}{comment}")
    return lines


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
        values = tuple_text([self.var[node] for node in self.first])
        body = node_lines(plan, reversed(self.first), self.var)
        body += [f"_values = {values}", f"{self.saved}.append(_values)", "_finite += sum(_values)"]
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
        body.append(f"{tuple_text([self.var[node] for node in self.first])} = _values")
        body += edge_lines(plan, self.first, self.var, inner, skip_zero=True)
        checked = [plan.grad[n] for n in self.first + self.own_leaves]  # the values were checked going forward
        body.append(f"_finite += sum({tuple_text(checked)})")
        root_grads = tuple_text([plan.grad[cone[0]] for cone in self.roll.cones])
        targets = ["_values", root, *self.targets]
        lines.append(f"for {', '.join(targets)} in zip({', '.join([self.saved, root_grads, *self.sources])}):")
        return lines + _indent(body)

    def places(self) -> dict[Value, str]:
        """Where each node of the loop can be read after it: ``_saved0[k][j]``."""
        return {node: f"{self.saved}[{k}][{j}]" for k, cone in enumerate(self.roll.cones) for j, node in enumerate(cone)}


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
    for node in plan.backprop:
        if node in first_member:
            body += first_member[node].backward(plan, defined)
        elif not node.is_leaf and node not in rolled:
            body += edge_lines(plan, [node], var, defined, skip_zero=True)
    checked = [var[v] for v in plan.topo if not v.is_leaf and v not in rolled]
    checked += [grad[v] for v in plan.topo if v.kind != "constant" and v not in rolled]
    body += [f"_finite += sum({tuple_text(checked[i : i + 256])})" for i in range(0, len(checked), 256)]
    places = {node: place for loop in loops for node, place in loop.places().items()} if loops and outputs else {}
    places.update({node: f"_inputs[{input_index[node]}]" for node in outputs if node in input_index})  # never a loop's
    results = [places.get(node) or var[node] for node in outputs]
    body.append(f"return {var[root]}, _finite, {tuple_text([grad[v] for v in leaves])}, {tuple_text(results)}")
    header = "".join(line + "\n" for line in bindings(plan.templates.cache.values()))
    return header + "def step(_inputs, _data, _grads):\n" + "\n".join(_indent(body)) + "\n"
