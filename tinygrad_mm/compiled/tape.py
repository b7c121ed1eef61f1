"""The tape: a compact interpreter for graphs too large to write out as Python (the size rule: compiler.py).

Every node gets a slot in two flat lists, ``vals`` and ``grads``: the leaves first
(constants, runtime inputs, parameters), then the op nodes in topological order.
Consecutive op nodes of the same kind form a *run*, computed by one small *kernel*
— a loop generated from the op's own code templates (templates.py), once per kind:

    forward    for i0 in A0:                          backward   for o, i0 in zip(range(stop - 1, start - 1, -1), R0):
                   a0 = vals[i0]                                      g = grads[o]
                   append(a0 * a1)                                    if g:
                                                                          grads[i0] += g * a1 ...

Each operand of a run is read one of three ways: a list of slots (``list``), the same
slot for every node (``fixed``: a shared weight, read once and its gradient summed in a
local), or the node just before (``prev``: a chain ``y ← y·c``, kept in a local).  The
backward pass visits the nodes in exactly ``backward()``'s order and skips a node whose
gradient is 0 as it does, so the floats are the engine's, bit for bit.

An op with more than `MAX_KERNEL_OPERANDS` distinct operands (a ``dot`` of 100,000
terms) is one *wide* node: its class's ``forward`` (the n-ary contract) and edges whose
derivative is an operand or a number; anything else cannot be taped (`TapeError`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from ..engine import Value
from ..engine.op import NaryOp
from .templates import Rendered, Templates, bindings, resolve_forward

MAX_KERNEL_OPERANDS = 64  # more distinct operands than this: a wide node (see the module docstring)
_SIMPLE_EDGE = re.compile(r"^\{(\d+)\}(?: \* (\{\d+\}|\(?-?[\d.e+-]+\)?))?$")


class TapeError(ValueError):
    """A graph the tape cannot run (a wide node whose op is not n-ary or whose derivatives are not simple)."""


class _Run:
    """Consecutive op nodes of one kind: slots ``start…``; per operand a mode, and its slots where they vary."""

    def __init__(self, rendered: Rendered, start: int, first: list[int], constants: int) -> None:
        self.rendered, self.start, self.first, self.count = rendered, start, first, 1
        self.constants = constants  # slots below this hold constants
        self.constant = tuple(s < constants for s in first)  # per operand: a constant (its edges are dropped)
        self.modes: list[str] | None = None  # per operand: "list", "fixed" or "prev" (None while the run has one node)
        self.columns: list[list[int]] = [[s] for s in first]  # the slots of the "list" operands, node by node

    def accepts(self, i: int, slots: list[int]) -> bool:
        """Add node ``i`` (operand slots ``slots``) if it continues this run's pattern."""
        modes = self.modes
        if modes is None:
            if any(s == i - 1 and f != self.start - 1 for s, f in zip(slots, self.first, strict=True)):
                return False  # it continues a chain this run's first node does not: start the chain here
            modes = self.modes = [
                "prev" if s == i - 1 else "fixed" if s == f and s < self.start else "list"
                for s, f in zip(slots, self.first, strict=True)
            ]
        constants = self.constants
        for j, s in enumerate(slots):
            mode = modes[j]
            if mode == "list":
                if (s < constants) != self.constant[j]:
                    return False
            elif s != (i - 1 if mode == "prev" else self.first[j]):
                return False
        for j, s in enumerate(slots):
            if modes[j] == "list":
                self.columns[j].append(s)
        self.count += 1
        return True


_KERNELS: dict[tuple, tuple[Callable, Callable]] = {}


def _kernels(rendered: Rendered, constant: tuple[bool, ...], modes: tuple[str, ...], chain: bool) -> tuple[Callable, Callable]:
    """The forward and backward loops for runs of this kind (generated once per kind, per process)."""
    key = (rendered, constant, modes, chain)
    if key not in _KERNELS:
        namespace: dict[str, object] = {"math": math, "_resolve_forward": resolve_forward}
        source = "".join(line + "\n" for line in bindings([rendered])) + _kernel_source(*key)
        exec(compile(source, "<tinygrad_mm tape kernel>", "exec"), namespace)  # noqa: S102
        _KERNELS[key] = namespace["forward"], namespace["backward"]  # type: ignore[assignment]
    return _KERNELS[key]


def _kernel_source(rendered: Rendered, constant: tuple[bool, ...], modes: tuple[str, ...], chain: bool) -> str:
    """The two loops of a kind of run; ``chain``: a ``prev`` operand whose gradient is carried down in a local."""
    n = len(modes)
    names = [f"a{j}" for j in range(n)] + ["out", "g"]
    params = ", ".join(f"A{j}" for j in range(n))
    lists = [j for j in range(n) if modes[j] == "list"]
    fixed = [j for j in range(n) if modes[j] == "fixed"]
    prev = [j for j in range(n) if modes[j] == "prev"]  # at most one: only one operand can be the node just before
    value = rendered.forward.format(*names)
    # forward: append each node's value; a prev operand is the value just appended
    fw = [f"def forward(vals, start, stop, {params}):", "    append = vals.append"]
    fw += [f"    a{j} = vals[A{j}]" for j in fixed] + [f"    a{j} = vals[start - 1]" for j in prev]
    fw.append("    " + _loop(["_"] if not lists else [f"i{j}" for j in lists], ["range(stop - start)"] if not lists else [f"A{j}" for j in lists]))
    fw += [f"        a{j} = vals[i{j}]" for j in lists]
    fw += [f"        a{prev[0]} = {value}", f"        append(a{prev[0]})"] if prev else [f"        append({value})"]
    # backward: backward()'s order (this run's nodes, last first); fixed operands' gradients summed in locals
    accumulated = [j for j in fixed if not constant[j]]
    bw = [f"def backward(vals, grads, start, stop, {params}):"]
    bw += [f"    a{j} = vals[A{j}]" for j in fixed] + [f"    g{j} = grads[A{j}]" for j in accumulated]
    uses_out = f"{{{n}}}" in "".join(rendered.edges) + (rendered.gate or "")
    loads = [f"a{j} = vals[i{j}]" for j in lists]
    edges = [(k, j) for k, j in enumerate(rendered.pattern) if not constant[j]]
    if chain:  # node o's gradient is complete once node o + 1 has sent its share: carry it down the chain
        (p,) = prev
        # Without a gate, a gradient that is not finite reaches the chain's start (or a fixed operand's sum), where
        # it is seen; with a gate it could be stopped on the way, so each node's gradient is kept to be checked.
        keep = rendered.gate is not None
        bw += ["    outer = grads[start - 1 : stop]  # what every other user sent: they all ran before this run",
               "    g = outer.pop()"] + (["    done = []", "    push = done.append"] if keep else [])  # fmt: skip
        targets = [f"a{p}", "go"] + (["out"] if uses_out else []) + [f"i{j}" for j in lists]
        sources = ["reversed(vals[start - 1 : stop - 1])", "reversed(outer)"]
        sources += ["reversed(vals[start:stop])"] if uses_out else []
        bw.append("    " + _loop(targets, sources + [f"A{j}" for j in lists]))
        bw += ["        push(g)"] if keep else []
        into_prev = "go"  # the previous node's gradient: what the others sent, then this node's edges, in order
        for k, j in edges:
            if j == p:
                into_prev = f"{into_prev} + {rendered.edges[k].format(*names)}"
        body = [_add(k, j, modes, rendered, names) for k, j in edges if j != p] + [f"g = {into_prev}"]
    else:
        loads = [f"a{j} = vals[o - 1]" for j in prev] + loads + (["out = vals[o]"] if uses_out else [])
        bw.append("    " + _loop(["o"] + [f"i{j}" for j in lists], ["range(stop - 1, start - 1, -1)"] + [f"A{j}" for j in lists]))
        bw.append("        g = grads[o]")
        body = [_add(k, j, modes, rendered, names) for k, j in edges]
    bw.append("        if g:  # backward() skips a node whose gradient is 0")
    bw += [f"            {line}" for line in loads]
    if rendered.gate is not None:
        bw.append(f"            if {rendered.gate.format(*names)}:")
        bw += [f"                {line}" for line in body]
        bw += ["            else:", "                g = go"] if chain else []
    else:
        bw += [f"            {line}" for line in body]
    if chain:
        bw += ["        else:", "            g = go", "    grads[start - 1] = g"]
        bw += ["    done.reverse()", "    grads[start:stop] = done"] if keep else []
    bw += [f"    grads[A{j}] = g{j}" for j in accumulated]
    return "\n".join(fw + bw) + "\n"


def _loop(targets: list[str], sources: list[str]) -> str:
    """``for t in s:``, or ``for t1, t2 in zip(s1, s2):``."""
    return f"for {targets[0]} in {sources[0]}:" if len(targets) == 1 else f"for {', '.join(targets)} in zip({', '.join(sources)}):"


def _add(k: int, j: int, modes: tuple[str, ...], rendered: Rendered, names: list[str]) -> str:
    """Edge k's contribution added into operand j's gradient: a local for a fixed operand, else its slot."""
    target = f"g{j}" if modes[j] == "fixed" else "grads[o - 1]" if modes[j] == "prev" else f"grads[i{j}]"
    return f"{target} += {rendered.edges[k].format(*names)}"


class Tape:
    """A traced graph as slots and runs; `run` computes the loss and every gradient the way ``backward()`` does."""

    def __init__(self, backprop: list[Value], inputs: list[Value], leaves: list[Value]) -> None:
        templates = Templates()
        constants = list(dict.fromkeys(v for v in backprop if v.kind == "constant"))
        self.slot: dict[Value, int] = {}
        for node in (*constants, *inputs, *leaves):
            self.slot.setdefault(node, len(self.slot))
        self.constant_values = [v._data for v in constants]
        self.leaf_start, self.op_start = len(constants) + len(inputs), len(self.slot)
        self.leaf_stop = self.leaf_start + len(leaves)
        ops = [node for node in reversed(backprop) if not node.is_leaf]
        for node in ops:
            self.slot[node] = len(self.slot)
        self.size = len(self.slot)
        self.root = self.slot[backprop[0]]
        self.steps: list[tuple[Callable, Callable, tuple]] = []
        run: _Run | None = None
        slot, kind, n_constants = self.slot, templates.kind, len(constants)
        for i, node in enumerate(ops, self.op_start):
            if len(node.parents) > MAX_KERNEL_OPERANDS and len(_distinct(node.parents)) > MAX_KERNEL_OPERANDS:
                self._close(run)
                run = None
                self.steps.append(_wide(node, i, slot))
                continue
            rendered, operands = kind(node)  # type: ignore[arg-type]
            slots = [slot[p] for p in operands]
            if run is None or run.rendered is not rendered or not run.accepts(i, slots):
                self._close(run)
                run = _Run(rendered, i, slots, n_constants)
        self._close(run)

    def _close(self, run: _Run | None) -> None:
        if run is None:
            return
        modes = tuple(run.modes or ["list"] * len(run.first))
        inside = range(run.start - 1, run.start + run.count)  # a chain's gradients are carried: nothing else may touch them
        chain = modes.count("prev") == 1 and not any(
            (m == "fixed" and f in inside) or (m == "list" and any(s in inside for s in c))
            for f, c, m in zip(run.first, run.columns, modes, strict=True)
        )
        forward, backward = _kernels(run.rendered, run.constant, modes, chain)
        ahead = tuple(f if m == "fixed" else None if m == "prev" else c for f, c, m in zip(run.first, run.columns, modes, strict=True))
        back = tuple(a if isinstance(a, int) or a is None else a[::-1] for a in ahead)
        self.steps.append((forward, backward, (run.start, run.start + run.count, ahead, back)))

    def run(self, numbers: list[float], data: list[float], grads_in: list[float]) -> tuple[list[float], list[float]]:
        """Every slot's value and gradient for one call (``grads_in``: the accumulating leaves' ``.grad``)."""
        vals = self.constant_values + numbers + data
        for forward, _, (start, stop, ahead, _) in self.steps:
            forward(vals, start, stop, *ahead)
        grads = [0.0] * self.size
        grads[self.leaf_start : self.leaf_stop] = grads_in
        grads[self.root] = grads[self.root] + 1.0 if self.root < self.op_start else 1.0
        for _, backward, (start, stop, _, back) in reversed(self.steps):
            backward(vals, grads, start, stop, *back)
        return vals, grads

    def finite(self, vals: list[float], grads: list[float]) -> bool:
        """True if every value and every gradient is a finite float (a complex power on the way is not)."""
        total = sum(vals) + sum(grads)  # the leaves' values are finite anyway: no slice to copy
        if type(total) is not float:
            return False
        return total - total == 0.0 or (all(map(math.isfinite, vals)) and all(map(math.isfinite, grads)))


def _distinct(parents: tuple[Value, ...]) -> list[Value]:
    return list(dict.fromkeys(parents))


def _wide(node: Value, i: int, slot: dict[Value, int]) -> tuple[Callable, Callable, tuple]:
    """A node with very many operands: its class's n-ary ``forward``, and edges read off its derivative templates."""
    operands = _distinct(node.parents)
    slots = [slot[p] for p in operands]
    if not isinstance(node, NaryOp):
        raise TapeError(f"a {type(node).__name__} node with {len(operands)} operands is too wide for the tape")
    rendered, _ = Templates().kind(node)
    index = {p: j for j, p in enumerate(operands)}
    n = len(operands)
    edges = []  # (target slot, partner slot or None, number)
    for k, parent in enumerate(node.parents):
        if parent.kind == "constant":
            continue
        match = _SIMPLE_EDGE.match(rendered.edges[k])
        if not match or match.group(1) != str(n + 1) or "{" + str(n) + "}" in (match.group(2) or ""):
            raise TapeError(f"the derivatives of a wide {type(node).__name__} node are not simple enough for the tape")
        factor = match.group(2)
        if factor is None:
            edges.append((slots[index[parent]], None, 1.0))
        elif factor.startswith("{"):
            edges.append((slots[index[parent]], slots[int(factor[1:-1])], None))
        else:
            edges.append((slots[index[parent]], None, float(factor.strip("()"))))
    forward_of, parents = type(node).forward, [slots[index[p]] for p in node.parents]

    def forward(vals: list[float], start: int, stop: int) -> None:
        vals.append(forward_of(*[vals[s] for s in parents]))

    def backward(vals: list[float], grads: list[float], start: int, stop: int) -> None:
        g = grads[start]
        if g:
            for target, partner, number in edges:
                grads[target] += g * (vals[partner] if partner is not None else number)

    return forward, backward, (i, i + 1, (), ())
