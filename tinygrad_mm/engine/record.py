"""One backward pass, recorded on the side: what every view reads.

    p = record(J)       # the pass backward() would run from J on fresh gradients; no .grad changes
    p.order             # every node, root first: the order backward() visits them (traversal.backprop_order)
    p.steps[i]          # node order[i]'s turn: what it sent to each parent (a `BackwardStep`)
    p.grads[node]       # ∂J/∂node when the pass is over
    p.gates[node]       # True / False for each op with a gate (relu, the hinge): does gradient flow through it?
    p.nonfinite         # the nodes whose gradient is inf or NaN: where backward() raises `GradientError`

`record` runs the engine's own loop (`chain_rule`, the one backward() runs), paused after
each node to read what it sent (`stepped`), on zeroed gradients and puts every ``.grad`` back — the same float objects — even if
the pass fails.  Where backward() would raise `GradientError`, the record keeps going and
marks the non-finite gradients, so a view can show what exists.  `Value.backward_steps`
is the same loop run on the user's gradients.
"""

from __future__ import annotations

import math
from collections import namedtuple
from types import MappingProxyType

from .checks import PASS_LOCK, restore
from .traversal import backprop_order

TYPE_CHECKING = False  # see engine/__init__.py, "Speed"
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from .value import Value


_FIELDS = "index node grad parents local_grads contributions grads_before grads_after sent"


class BackwardStep(namedtuple("BackwardStep", _FIELDS, defaults=(True,))):  # noqa: PYI024 (no typing at import)
    """One node's turn in the backward pass: index, node, grad, parents, local_grads, contributions,
    grads_before, grads_after, sent.

    ``contributions[i]`` was added to ``parents[i]``, whose gradient went from
    ``grads_before[i]`` to ``grads_after[i]`` (a parent that appears twice, as in
    ``a + a``, is listed twice, in order).  It is ``grad · local_grads[i]``, except
    that a node whose gradient is 0 sends nothing (``sent`` is False) and a
    constant receives nothing (it needs no gradient).
    """

    __slots__ = ()
    index: int
    node: Value
    grad: float
    parents: tuple[Value, ...]
    local_grads: tuple[float, ...]
    contributions: tuple[float, ...]
    grads_before: tuple[float, ...]
    grads_after: tuple[float, ...]
    sent: bool

    @classmethod
    def of(cls, index: int, node: Value, grads_before: tuple[float, ...]) -> BackwardStep:
        """The step `chain_rule` just took at ``node``, read off the graph: ``grads_before`` are its parents'
        gradients before the step, their ``.grad`` now is after it; ``contributions[i] = grad · local_grads[i]``."""
        local = node.local_grads()
        sent = bool(node.grad) and not node.is_leaf
        contributions = tuple(
            [node.grad * d if sent and p.kind != "constant" else 0.0 for p, d in zip(node.parents, local, strict=True)]
        )
        before, after = list(grads_before), [parent.grad for parent in node.parents]
        for k, parent in enumerate(node.parents):  # a parent listed twice (a + a) got its two shares one after the other
            later = next((j for j in range(k + 1, len(node.parents)) if node.parents[j] is parent), None)
            if later is not None:  # in between, it held its gradient before plus the first share
                after[k] = before[later] = before[k] + contributions[k]
        return cls(index, node, node.grad, node.parents, local, contributions, tuple(before), tuple(after), sent)


def chain_rule(order: list[Value]) -> Iterator[Value]:
    """The backward pass proper: each node in turn, root first, adds its share to each parent's gradient,

        parent.grad  +=  node.grad · ∂node/∂parent          (``node.propagate()``, op.py)

    and a leaf, or a node whose gradient is 0, passes nothing on.  ``order[0]``'s gradient must be
    seeded (``Value._start_pass``).  A generator, yielding each node once it has sent: ``backward()``
    runs it through; ``backward_steps()`` and ``record()`` pause after each node (`stepped`).
    """
    for node in order:
        if node.grad and not node.is_leaf:
            node.propagate()  # the chain rule at this node (op.py)
        yield node


def stepped(order: list[Value]) -> Iterator[BackwardStep]:
    """`chain_rule`, paused after each node: what the node sent, as a `BackwardStep`."""
    turns = chain_rule(order)
    for index, node in enumerate(order):
        before = tuple([parent.grad for parent in node.parents])
        next(turns)  # node's turn
        yield BackwardStep.of(index, node, before)


class Pass(namedtuple("Pass", "root order steps grads gates nonfinite")):  # noqa: PYI024 (no typing at import)
    """One backward pass from ``root``, recorded (see the module docstring).  Immutable.

    root       the node the pass starts from (its gradient is 1)
    order      every node of the graph, root first, each before its parents (a tuple)
    steps      one `BackwardStep` per node, in ``order``
    grads      node → ∂root/∂node (a read-only mapping; may hold inf or NaN, see ``nonfinite``)
    gates      op node → True/False, for every op with a gate (``node.gate()`` is not None)
    nonfinite  the nodes whose gradient is inf or NaN (a frozenset; empty when backward() would succeed)
    """

    __slots__ = ()
    root: Value
    order: tuple[Value, ...]
    steps: tuple[BackwardStep, ...]
    grads: Mapping[Value, float]
    gates: Mapping[Value, bool]
    nonfinite: frozenset[Value]

    @property
    def finite(self) -> bool:
        """True when every gradient is finite: ``root.backward()`` would set exactly ``grads``."""
        return not self.nonfinite

    def grad(self, node: Value) -> float | None:
        """∂root/∂node, or None where it is inf or NaN (a view shows "undefined" there)."""
        grad = self.grads[node]
        return grad if math.isfinite(grad) else None

    def step_of(self) -> dict[Value, BackwardStep]:
        """Each node → its step (a new dict: build it once per view)."""
        return {step.node: step for step in self.steps}


def record(root: Value) -> Pass:
    """The backward pass from ``root``, recorded as a `Pass`; every ``.grad`` is left as it was.

    Raises `StaleGraphError` as backward() does; never `GradientError` (see ``Pass.nonfinite``).
    """
    order = backprop_order(root)
    with PASS_LOCK:  # no other thread's pass between zeroing and restoring: theirs are never erased
        saved = [node.grad for node in order]
        try:
            for node in order:
                node.grad = 0.0  # leaves too: the record is ∂root/∂node, whatever earlier passes accumulated
            root._start_pass(order, latest=False)
            PASS_LOCK.release()  # _start_pass took it once more; the `with` above holds it to the end
            steps = tuple(stepped(order))
            grads = {node: node.grad for node in order}
        finally:
            restore(order, saved)
    gates = {node: gate for node in order if (gate := node.gate()) is not None}
    nonfinite = frozenset(node for node, grad in grads.items() if not math.isfinite(grad))
    return Pass(root, tuple(order), steps, MappingProxyType(grads), MappingProxyType(gates), nonfinite)


def gradients_of(root: Value) -> Mapping[Value, float]:
    """∂root/∂node for every node of the graph: ``record(root).grads`` (no ``.grad`` changes)."""
    return record(root).grads
