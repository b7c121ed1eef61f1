"""The backward pass: the orders it walks the graph in, its one loop, and one pass recorded on the side.

    backprop_order(J)   every node, each before its parents: the order backward() runs in (root first)
    chain_rule(order)   THE loop: each node in turn, parent.grad += node.grad · ∂node/∂parent
    record(J)           the pass backward() would run from J, as a `Pass` (what every view reads); no .grad changes

``backward()`` runs `chain_rule` through; ``backward_steps()`` and `record` pause it after each node to
read what it sent (`stepped`).  Where backward() would raise `GradientError`, the record keeps going and
marks the non-finite gradients, so a view can show what exists.  Every walk here is iterative: no recursion limit.
"""

from __future__ import annotations

import math
from _thread import RLock  # threading's own lock, without importing threading (import time)
from collections import namedtuple
from types import MappingProxyType

from .errors import GradientError, describe
from .statement import parenthesize, short_name

TYPE_CHECKING = False  # see engine/__init__.py, "Speed"
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

    from .value import Value

# One backward pass at a time in the process (backward, each step of backward_steps, record), so a pass that
# fails puts back only the gradients it found, never erasing another thread's (README, "Threads").
PASS_LOCK = RLock()


def backprop_order(root: Value) -> list[Value]:
    """Every node reachable from ``root``, each before its parents: the order backward() runs in.

    Root first, then the first parent's whole branch, then the next one's; a node
    shared by several branches comes after all of them.
    """
    order = finishing_order(root, first_parent_first=False)
    order.reverse()
    return order


def topological_order(root: Value) -> list[Value]:
    """Every node reachable from ``root``, each after its parents: leaves first, ``root`` last.

    The first parent's branch comes first (drawings keep operands in reading order).
    """
    return finishing_order(root, first_parent_first=True)


def finishing_order(root: Value, *, first_parent_first: bool) -> list[Value]:
    """Every node reachable from ``root``, each listed once all its parents are (a depth-first post-order).

    A depth-first search with a stack, no recursion.  A ``None`` on the stack sits
    above a node whose parents are being searched: popping it means that node is
    finished.  The search goes into a node's last parent first unless
    ``first_parent_first``.  Deterministic: depends only on the graph.
    """
    finished: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:  # every parent of the node below the marker is finished
            finished.append(stack.pop())
        elif node not in visited:
            visited.add(node)
            if not node.is_leaf:
                stack.append(node)
                stack.append(None)
                parents = node.parents[::-1] if first_parent_first else node.parents  # the stack pops the last first
                for parent in parents:
                    if parent not in visited:
                        stack.append(parent)
            else:  # a leaf is finished as soon as it is found
                finished.append(node)
    return finished


def count_uses(root: Value) -> dict[Value, int]:
    """Every node reachable from ``root`` → how many times nodes of this graph use it as a parent.

    Iterative depth-first search; the dict's order is deterministic (discovery order).
    """
    uses = {root: 0}
    stack = [root]
    while stack:
        for parent in stack.pop().parents:
            if parent in uses:
                uses[parent] += 1
            else:
                uses[parent] = 1
                if not parent.is_leaf:  # a leaf has no parents to visit
                    stack.append(parent)
    return uses


def uses_of(node: Value, users: Iterable[Value]) -> Iterator[tuple[Value, int]]:
    """Each edge from one of ``users`` into ``node``, as ``(user, k)`` with ``user.parents[k] is node``.

    In ``users``' order; ``a + a`` gives two edges.  After ``backward()`` the edge
    carried ``user.grad · user.local_grads()[k]`` into ``node.grad``.
    """
    for user in users:
        if node in user.parents:
            for k, parent in enumerate(user.parents):
                if parent is node:
                    yield user, k


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


def all_finite(nodes: Sequence[Value]) -> bool:
    """True if no node's gradient is inf or NaN (speed trick 4: one sum, then a careful look only if it is not finite)."""
    total = sum([node.grad for node in nodes])
    return total - total == 0.0 or all(math.isfinite(node.grad) for node in nodes)


def gradient_error(order: list[Value]) -> GradientError:
    """The error for a pass whose gradients are not all finite: the first such node in ``order`` and how it got there.

    Only called when something went wrong, so it may re-read the graph slowly.
    """
    position = next(i for i, node in enumerate(order) if not math.isfinite(node.grad))
    node = order[position]
    for user in order[:position]:  # the nodes that already sent their contributions
        if node not in user.parents or not math.isfinite(user.grad) or user.grad == 0.0:
            continue
        for k, (parent, local) in enumerate(zip(user.parents, user.local_grads(), strict=True)):
            if parent is node and not math.isfinite(user.grad * local):
                derivative = user.derivative_text(k, short_name, "{:.6g}".format)
                partial = f"∂{parenthesize(short_name(user))}/∂{parenthesize(short_name(node))}"
                why = (
                    f"the local derivative {partial} = {derivative} is {local} there"
                    if not math.isfinite(local)
                    else f"the gradient {user.grad:.6g} times the local derivative {local:.6g} overflows a float"
                )
                return GradientError(
                    f"cannot backpropagate into {describe(node)} through {describe(user)}: {why}; keep the input "
                    "away from that point (e.g. add a small epsilon) or rescale the inputs or the loss. "
                    "No gradient was changed."
                )
    return GradientError(
        f"the gradient reaching {describe(node)} is {node.grad}: contributions that are each finite added up to "
        "more than a float holds; rescale the inputs or the loss. No gradient was changed."
    )


def restore(nodes: Iterable[Value], grads: Iterable[float]) -> None:
    """Put each node's gradient back (``grads`` in the same order): when a pass fails or was run on the side."""
    for node, grad in zip(nodes, grads):  # noqa: B905 (same length by construction)
        node.grad = grad


_FIELDS = "index node grad parents local_grads contributions grads_before grads_after sent"


class BackwardStep(namedtuple("BackwardStep", _FIELDS, defaults=(True,))):  # noqa: PYI024 (no typing at import)
    """One node's turn in the backward pass.

    ``contributions[i]`` was added to ``parents[i]``, whose gradient went from ``grads_before[i]`` to
    ``grads_after[i]`` (a parent that appears twice, as in ``a + a``, is listed twice, in order).  It is
    ``grad · local_grads[i]``, except that a node whose gradient is 0 sends nothing (``sent`` is False)
    and a constant receives nothing (it needs no gradient).
    """

    __slots__ = ()
    index: int  # the node's place in the pass's order
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


def stepped(order: list[Value]) -> Iterator[BackwardStep]:
    """`chain_rule`, paused after each node: what the node sent, as a `BackwardStep`."""
    turns = chain_rule(order)
    for index, node in enumerate(order):
        before = tuple([parent.grad for parent in node.parents])
        next(turns)  # node's turn
        yield BackwardStep.of(index, node, before)


class Pass(namedtuple("Pass", "root order steps grads gates nonfinite")):  # noqa: PYI024 (no typing at import)
    """One backward pass from ``root``, recorded by `record`.  Immutable."""

    __slots__ = ()
    root: Value  # the node the pass starts from (its gradient is 1)
    order: tuple[Value, ...]  # every node of the graph, root first, each before its parents
    steps: tuple[BackwardStep, ...]  # one per node, in ``order``
    grads: Mapping[Value, float]  # node → ∂root/∂node when the pass is over (read-only; may hold inf or NaN)
    gates: Mapping[Value, bool]  # op node → does gradient flow through it? for every op with a gate (relu, the hinge)
    nonfinite: frozenset[Value]  # the nodes whose gradient is inf or NaN: where backward() raises `GradientError`

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
