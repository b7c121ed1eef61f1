"""The compiled step's layout: unpack the arguments, forward, backward, test for finiteness, return.

    def step(_inputs, _data, _grads):
        x_0, x_1, … = _inputs              the runtime numbers
        w_0, …, = _data; grad_w_0, … = _grads   every other leaf's .data and .grad
        forward                            node lines (codegen.py); a rolled run of cones: one loop
        backward                           edge lines, in backward()'s order; a rolled run: one loop
        _finite += …                       what finite.py says must be tested
        return loss, _finite, (grad_w_0, …), (outputs…)

A loop whose gradient is known before it runs — every backward line above it in
``backward()``'s order reads only gradients and leaves — is *fused*: each pass computes
its cone forward and at once backward, so no cone's values are saved and read back.
The gradients above it are then computed before the loop; the floats, and the order in
which every gradient receives them, are the same.
"""

from __future__ import annotations

import re
from collections import Counter

from ..engine import Value
from .codegen import Plan, edge_lines, node_lines
from .finite import fields, gradients_to_test, plain_arithmetic, values_to_test
from .naming import literal, string_body
from .rolling import Roll
from .templates import bindings


class _Overlay(dict):
    """A few names changed, the rest looked up in ``base`` (the loop variables of a rolled cone)."""

    def __init__(self, base: dict[Value, str], changes: dict[Value, str]) -> None:
        super().__init__(changes)
        self.base = base

    def __missing__(self, node: Value) -> str:
        return self.base[node]


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
        """The loop over the cones, forward: each cone's values saved (``_saved0``) for the backward loop."""
        self.kept = [node for node in self.first if node not in plan.inlined]  # the values the loop saves
        values = tuple_text([self.var[node] for node in self.kept])
        body = node_lines(plan, reversed(self.first), self.var)
        body += [f"_values = {values}", f"{self.saved}.append(_values)"]
        body += finite_lines([self.var[node] for node in self.kept if node in plan.tested])
        roots = ", ".join(plan.var[cone[0]] for cone in self.roll.cones)
        header = self._header(self.targets, self.sources)
        return [f"{self.saved} = []", header, *_indent(body), f"{roots}, = [_v[0] for _v in {self.saved}]"]

    def backward(self, plan: Plan, defined: set[Value]) -> list[str]:
        """The loop over the cones, backward: each cone's saved values read back, its edges in backward()'s order."""
        lines = self._shared_gradients(plan, defined)
        body = self._backward_body(plan, defined)
        body.insert(2, f"{tuple_text([self.var[node] for node in self.kept])} = _values")
        targets, sources = self._root_gradients(plan)
        lines.append(self._header(["_values", *targets, *self.targets], [self.saved, *sources, *self.sources]))
        return lines + _indent(body)

    def fused(self, plan: Plan, defined: set[Value], outputs: set[Value]) -> list[str]:
        """One loop, forward and backward (see the module docstring): only the cones' roots, and values the step
        returns, are saved; the root gradients must be known already."""
        positions = {0} | {j for cone in self.roll.cones for j, node in enumerate(cone) if node in outputs}
        self.kept = [node for j, node in enumerate(self.first) if j in positions]
        self.single = len(self.kept) == 1
        lines = self._shared_gradients(plan, defined)
        body = node_lines(plan, reversed(self.first), self.var)
        body.append(f"{self.saved}.append({tuple_text([self.var[n] for n in self.kept]) if not self.single else self.var[self.first[0]]})")
        body += finite_lines([self.var[n] for n in self.first if n in plan.tested and n not in plan.inlined])
        body += self._backward_body(plan, defined)
        targets, sources = self._root_gradients(plan)
        lines += [f"{self.saved} = []", self._header([*targets, *self.targets], [*sources, *self.sources]), *_indent(body)]
        roots = ", ".join(plan.var[cone[0]] for cone in self.roll.cones)
        return lines + [f"{roots}, = {self.saved}" if self.single else f"{roots}, = [_v[0] for _v in {self.saved}]"]

    def _shared_gradients(self, plan: Plan, defined: set[Value]) -> list[str]:
        lines = []
        for leaf in self.shared_leaves:  # a gradient the loop adds into must start somewhere
            if leaf not in defined:
                lines.append(f"{plan.grad[leaf]} = 0.0")
                defined.add(leaf)
        return lines

    def _root_gradients(self, plan: Plan) -> tuple[list[str], list[str]]:
        """The loop variable and source of each cone's root gradient; none if it is one variable for all (a Σ's)."""
        names = [plan.grad[cone[0]] for cone in self.roll.cones]
        return ([], []) if len(set(names)) == 1 else ([plan.grad[self.first[0]]], [tuple_text(names)])

    def _backward_body(self, plan: Plan, defined: set[Value]) -> list[str]:
        inner = set(defined) | {self.first[0]}
        root = plan.grad[self.first[0]]
        body = [f"if not {root}:", "    continue  # as backward(): a cone whose gradient is 0 sends nothing anywhere"]
        gated, rest = self._root_gate(plan, inner)
        body += gated
        body += edge_lines(plan, rest, self.var, inner, skip_zero=True)
        tested = [n for n in self.first + self.own_leaves if n in plan.tested_grads]  # (values: tested going forward)
        return body + finite_lines(list(dict.fromkeys(plan.grad[n] for n in tested)))

    def _root_gate(self, plan: Plan, inner: set[Value]) -> tuple[list[str], list[Value]]:
        """A cone whose root is a gate (the hinge's relu) with one edge: every other node of the cone is computed from
        that edge's operand alone, so a closed gate sends nothing anywhere — ``continue``, as for a zero gradient.
        (The lines, and the cone's nodes left to write; none and all of them if the root is not such a gate.)"""
        node = self.first[0]
        rendered, args = plan.templates.of(node, self.var, plan.grad)  # type: ignore[arg-type]
        edges = [(k, p) for k, p in enumerate(node.parents) if p.kind != "constant" and p not in plan.no_gradient]
        if rendered.gate is None or len(edges) != 1 or edges[0][1] in inner or edges[0][1] in plan.aliased:
            return [], self.first
        k, operand = edges[0]
        inner.add(operand)
        return [
            f"if not ({rendered.gate.format(*args)}):",
            "    continue  # a closed gate at the cone's root: nothing flows back from this cone",
            f"{plan.grad[operand]} = {rendered.edges[k].format(*args)}",
        ], self.first[1:]

    def _header(self, targets: list[str], sources: list[str]) -> str:
        if not targets:
            return f"for _ in range({len(self.roll.cones)}):"
        if len(targets) == 1:
            return f"for {targets[0]} in {sources[0]}:"
        return f"for {', '.join(targets)} in zip({', '.join(sources)}):"

    def places(self) -> dict[Value, str]:
        """Where each node of the loop can be read after it: ``_saved0[k][j]`` (``_saved0[k]``: a fused loop's roots)."""
        if getattr(self, "single", False):
            return {cone[0]: f"{self.saved}[{k}]" for k, cone in enumerate(self.roll.cones)}
        kept = [j for j, node in enumerate(self.first) if node in self.kept]
        return {cone[j]: f"{self.saved}[{k}][{i}]" for k, cone in enumerate(self.roll.cones) for i, j in enumerate(kept)}


FAST_LOCALS = 250  # Python reaches a function's first 256 locals with one-byte indexes (3 are step's parameters)
_NAME = re.compile(r"\b[A-Za-z_]\w*\b")


def busiest_first(lines: list[str], local: set[str]) -> list[str]:
    """Lines naming the variables ``lines`` (the loops) use most, ``a = b = … = 0.0``, to write at the top.

    Python numbers a function's locals in the order its code first names them, and an instruction reaching a local
    past the 256th needs an extra one (``EXTENDED_ARG``) and loses the paired loads Python fuses: in a step of a
    thousand variables, naming the loops' busiest ones first makes the loops about a tenth faster.  Every one of them
    is assigned before it is read, as before (the 0.0 is never used)."""
    counts = Counter(name for line in lines for name in _NAME.findall(line) if name in local)
    busiest = [name for name, _ in counts.most_common(FAST_LOCALS)]
    if len(local) <= FAST_LOCALS or not busiest:
        return []
    rows = [busiest[i : i + 12] for i in range(0, len(busiest), 12)]
    return ["# the loops' busiest variables, named first: Python reaches its first 256 locals fastest"] + [
        " = ".join(row) + " = 0.0" for row in rows
    ]


def without_gradient(plan: Plan, named: list[Value], inputs: set[Value]) -> set[Value]:
    """The nodes whose gradient nobody reads and that can only be finite, so they are not computed: a runtime number
    (the step returns no gradient for it) or an op node whose edges lead only to such nodes or to constants — so the
    gradient of ``-y`` for a label ``y`` is not computed either — where every edge into the node adds plain
    arithmetic (``ḡ``, ``ḡ·w``: finite unless a float overflows; an infinite local derivative, ``√x`` at 0, keeps
    the gradient, so the engine still reports it).  ``backward()`` computes them; the others are the same floats."""
    plain: dict[Value, bool] = {}  # node → every edge into it so far is plain arithmetic
    for node in named:
        if node.is_leaf:
            continue
        rendered, _ = plan.templates.kind(node)  # type: ignore[arg-type]
        for k, parent in enumerate(node.parents):
            plain[parent] = plain.get(parent, True) and plain_arithmetic(rendered.edges[k])
    dead: set[Value] = set()
    for node in named:
        if plain.get(node, False) and (node in inputs or not node.is_leaf and all(p.kind == "constant" or p in dead for p in node.parents)):
            dead.add(node)
    return dead


def _fusable(plan: Plan, loops: list[_Loop], rolled: set[Value]) -> tuple[_Loop | None, list[Value]]:
    """The first loop in backward()'s order, if every op node before it there reads only gradients and leaves
    (its backward lines can run before the forward loop), and those nodes; else (None, [])."""
    first_member = {loop.first[0]: loop for loop in loops}
    prefix: list[Value] = []
    for node in plan.backprop:
        if node in first_member:
            return first_member[node], prefix
        if node.is_leaf:
            continue
        if node in rolled or not _reads_no_computed_value(plan, node):
            break
        prefix.append(node)
    return None, []


def _reads_no_computed_value(plan: Plan, node: Value) -> bool:
    """True if the node's gate and edges read only its gradient and leaves (no value computed by the forward pass)."""
    rendered, operands = plan.templates.kind(node)  # type: ignore[arg-type]
    readable = {len(operands) + 1} | {j for j, p in enumerate(operands) if p.is_leaf}
    texts = [rendered.edges[k] for k, p in enumerate(node.parents) if p.kind != "constant" and p not in plan.no_gradient]
    texts += [rendered.gate] if rendered.gate is not None else []
    return all(fields(text) <= readable for text in texts)


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
    named = [node for node in plan.topo if node in var]  # (a rolled loop's other cones are its first cone's copies)
    plan.no_gradient = without_gradient(plan, named, set(inputs))
    plan.tested = values_to_test(named, plan.templates)
    plan.tested_grads = gradients_to_test(named, plan.templates, plan.no_gradient)
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
    looped = {v for loop in loops for s in loop.roll.slots if not s.shared for v in s.leaves}  # read by the loop itself
    numbers = [var.get(v, "_") if v not in looped else "_" for v in inputs]
    for names, source in ((numbers if set(numbers) != {"_"} else [], "_inputs"), ([var[v] for v in leaves], "_data")):
        if names:
            body.append(f"{', '.join(names)}, = {source}")
    if leaves:
        body.append(f"{', '.join(grad[v] for v in leaves)}, = _grads")
    body += ["_finite = 0.0", "# ---- forward: every node from its parents"]
    root = plan.root
    defined = set(leaves)
    root_line = f"{grad[root]} {'+=' if root in defined else '='} 1.0"
    fused, prefix = _fusable(plan, loops, rolled)
    hot: list[str] = []  # the loops' lines
    for node in plan.topo:
        if not node.is_leaf and node not in rolled:
            for loop in before_anchor.get(node, ()):
                if loop is fused:
                    body += ["# ---- backward down to the loop: it reads no value the forward pass computes", root_line]
                    defined.add(root)
                    body += edge_lines(plan, prefix, var, defined, skip_zero=True)
                    body.append("# ---- forward and backward, cone after cone")
                    body += (looping := loop.fused(plan, defined, set(outputs)))
                else:
                    body += (looping := loop.forward(plan))
                hot += looping
            body += node_lines(plan, [node], var)
    body.append("# ---- backward: the chain rule, one line per edge")
    if fused is None:
        body.append(root_line)
        defined.add(root)
    done = set(prefix)
    run: list[Value] = []  # consecutive nodes written out one by one: one call, so that their ifs can join
    for node in plan.backprop:
        if node in done or (fused is not None and first_member.get(node) is fused):
            continue
        if node in first_member:
            body += edge_lines(plan, run, var, defined, skip_zero=True)
            run = []
            body += (looping := first_member[node].backward(plan, defined))
            hot += looping
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
    body[1:1] = busiest_first(hot, {*var.values(), *grad.values(), "_finite"})
    header = "".join(line + "\n" for line in bindings(plan.templates.cache.values()))
    return header + "def step(_inputs, _data, _grads):\n" + "\n".join(_indent(body)) + "\n"
