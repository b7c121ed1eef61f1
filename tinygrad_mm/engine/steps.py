"""`BackwardStep`: what ``Value.backward_steps()`` yields, one node's turn in the backward pass."""

from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False  # the engine never imports typing (import time); type checkers read this block
if TYPE_CHECKING:
    from .value import Value


_FIELDS = "index node grad parents local_grads contributions grads_before grads_after sent"


class BackwardStep(namedtuple("BackwardStep", _FIELDS, defaults=(True,))):  # noqa: PYI024 (no typing at import)
    """One node's turn in the backward pass (see ``Value.backward_steps``): index, node, grad, parents,
    local_grads, contributions, grads_before, grads_after, sent.

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
        """Describe the step that just ran at ``node``, given its parents' grads before it."""
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
