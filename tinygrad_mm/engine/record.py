"""One backward pass, recorded on the side: what every view reads.

    p = record(J)       # the pass backward() would run from J on fresh gradients; no .grad changes
    p.order             # every node, root first: the order backward() visits them (traversal.backprop_order)
    p.steps[i]          # node order[i]'s turn: what it sent to each parent (a `BackwardStep`)
    p.grads[node]       # ∂J/∂node when the pass is over
    p.gates[node]       # True / False for each op with a gate (relu, the hinge): does gradient flow through it?
    p.nonfinite         # the nodes whose gradient is inf or NaN: where backward() raises `GradientError`

`record` runs the engine's own stepped loop (`stepped`: ``node.propagate()``, then what it
did) on zeroed gradients and puts every ``.grad`` back — the same float objects — even if
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
        """Describe the step that just ran at ``node``, given its parents' grads before it.

        The numbers are those ``node.propagate()`` added (``grad · local``, in slot order).
        """
        local = node.local_grads()
        sent = bool(node.grad) and not node.is_leaf
        running = dict(zip(node.parents, grads_before, strict=True))
        contributions, before, after = [], [], []
        for parent, d in zip(node.parents, local, strict=True):
            c = node.grad * d if sent and parent.kind != "constant" else 0.0
            before.append(running[parent])
            running[parent] += c  # the same float additions propagate() made
            after.append(running[parent])
            contributions.append(c)
        return cls(index, node, node.grad, node.parents, local, tuple(contributions), tuple(before), tuple(after), sent)


def stepped(order: list[Value]) -> Iterator[BackwardStep]:
    """backward()'s loop, paused after each node: the chain rule at the node, then what it did.

    ``order[0]``'s gradient must already be seeded (``Value._start_pass``).
    """
    for index, node in enumerate(order):
        before = tuple([parent.grad for parent in node.parents])
        if node.grad and not node.is_leaf:  # a leaf, or a node whose gradient is 0, passes nothing on
            node.propagate()  # parent.grad += node.grad · ∂node/∂parent (ops.py)
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
