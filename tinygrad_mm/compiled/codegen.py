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

Many identical subgraphs side by side (one per sample) become one loop (rolling.py); the whole step's
layout — arguments, loops, finiteness tests — is layout.py's.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..engine import Value, backprop_order, topological_order
from .naming import Names, comment_text, gradient_names, variable_names
from .templates import Templates

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
    no_gradient: set[Value] = field(default_factory=set)  # nodes whose gradient nobody reads: never computed (layout.py)


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
    written for nodes with two or more edges, where it saves work.  A gradient first reached inside an if is
    set there (``=``) and to 0.0 in the if's ``else`` (code to read: set to 0.0 before the if, then added to).

    A gate's if (``if z > 0.0:``, a relu) whose one edge first reaches its operand's gradient also holds the lines
    of the nodes that follow with that same gradient (the operand, and the terms that share its variable): when the
    gate is closed that gradient is 0 and, as in ``backward()``, they send nothing — a closed gate skips its unit's
    whole backward, not just one line (code to read keeps one if per node).
    """
    grad = plan.grad
    if skip_zero and plan.aliased and not explain:
        nodes = terms_together(list(nodes), plan)
    lines: list[str] = []
    open_if: str | None = None  # the condition of the if just written: the next node may join it
    pending: list[Value] = []  # gradients first reached inside the open if: 0.0 in its else, written when it closes
    scope: tuple[str, list[Value]] | None = None  # an open gate: (the gradient it drives, its else's gradients)
    base = ""  # "    " inside a gate's if

    def close_if() -> None:
        if pending:
            lines.extend([f"{base}else:", *(f"{base}    {grad[p]} = 0.0" for p in pending)])
            pending.clear()

    def close_scope() -> None:
        nonlocal scope, base, open_if
        close_if()
        open_if = None
        if scope is not None:
            base = ""
            pending.extend(scope[1])
            close_if()
            scope = None

    for node in nodes:
        edges = [(k, p) for k, p in enumerate(node.parents) if p.kind != "constant" and p not in plan.no_gradient]
        if not edges:
            continue
        if plan.aliased:
            defined.update(p for _, p in edges if p in plan.aliased)
            edges = [(k, p) for k, p in edges if p not in plan.aliased]  # its gradient is this node's: nothing to add
            if not edges:
                continue
        if scope is not None and grad[node] != scope[0]:
            close_scope()
        rendered, args = plan.templates.of(node, var, grad)  # type: ignore[arg-type]
        if explain:
            lines.append(f"# {comment_text(explain(node))}")
        conditions = [grad[node]] if skip_zero and len(edges) > 1 else []
        if rendered.gate is not None:
            conditions.append(rendered.gate.format(*args))
        indent = base
        if conditions:
            condition = " and ".join(conditions)
            if explain:  # code to read: the gradient is set to 0 first, then the if adds into it
                for _, p in edges:
                    if p not in defined:
                        lines.append(f"{grad[p]} = 0.0  # stays 0 unless the if below lets gradient through")
                        defined.add(p)
                lines.append(f"if {condition}:")
            elif open_if != condition:
                close_if()
                lines.append(f"{base}if {condition}:")
                open_if = condition
            # else: the same condition as the node just before (the terms of one sum: their gradient is the sum's):
            # one if for both; its body never writes the condition's variables, so it holds for both alike
            indent = base + "    "
        else:
            close_if()
            open_if = None
        for k, p in edges:
            operator = "+=" if p in defined else "="
            if operator == "=" and indent != base:  # first reached inside an if (0.0 + c is c): 0.0 in its else
                pending.append(p)
            if operator == "=" and scope is not None:  # first reached inside a gate's if: 0.0 in the gate's else
                scope[1].append(p)
            defined.add(p)
            comment = f"  # {comment_text(explain_edge(node, k))}" if explain_edge else ""
            lines.append(f"{indent}{grad[p]} {operator} {rendered.edges[k].format(*args)}{comment}")
        parent = edges[0][1]
        opens = rendered.gate is not None and len(conditions) == len(edges) == 1 and pending == [parent]
        if opens and scope is None and not explain and not parent.is_leaf:
            scope, base, open_if = (grad[parent], [parent]), "    ", None  # the gate's if stays open (above)
            pending.clear()
    close_scope()
    return lines


def terms_together(nodes: list[Value], plan: Plan) -> list[Value]:
    """``nodes`` (backprop order) with each sum's terms — op nodes that share its gradient variable (`alias`) —
    moved up to right after it, so that their lines sit under one ``if grad_sum:`` (micrograd's ``sum()`` of
    products is a chain of sums whose terms ``backward()`` reaches one by one, between the units below them).

    A term is used by its sum alone, so it may run anywhere after it; the order stands only if every node still
    receives its contributions from its users in the same order (the same floats): else ``nodes`` as they were."""
    present = set(nodes)
    follows = {}  # node → its terms in the list, in operand order
    for node in nodes:
        if not node.is_leaf:
            terms = [p for p in dict.fromkeys(node.parents) if p in plan.aliased and p in present and plan.grad[p] == plan.grad[node]]
            if terms:
                follows[node] = terms
    if not follows:
        return nodes
    moved = {term for terms in follows.values() for term in terms}
    order: list[Value] = []
    for node in nodes:
        if node in moved:
            continue
        stack = [node]
        while stack:
            here = stack.pop()
            order.append(here)
            stack.extend(reversed(follows.get(here, ())))
    return order if len(order) == len(nodes) and _users_in_order(order) == _users_in_order(nodes) else nodes


def _users_in_order(nodes: list[Value]) -> dict[Value, list[Value]]:
    """Each parent → the nodes of ``nodes`` that use it, in order (its gradient's contributions, in order)."""
    users: dict[Value, list[Value]] = {}
    for node in nodes:
        for parent in node.parents:
            users.setdefault(parent, []).append(node)
    return users
