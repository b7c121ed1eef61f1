"""Passes run on the side, so that looking changes nothing.

`gradients_of` and `steps_of` are what the views (drawing, trace, page, explanations)
use: they run the real ``backward()`` / ``backward_steps()`` on freshly zeroed
gradients, read the result, and put every ``.grad`` back exactly as it was (the same
float objects), even if the pass fails.
"""

from __future__ import annotations

from . import value as _value
from .errors import GradientError
from .traversal import backprop_order, count_uses

TYPE_CHECKING = False  # the engine never imports typing (import time); type checkers read this block
if TYPE_CHECKING:
    from .steps import BackwardStep
    from .value import Value


def _zeroed(root: Value) -> tuple[list[Value], list[float], object]:
    """Zero every gradient of ``root``'s graph; return what `_restore` needs to put everything back."""
    nodes = list(count_uses(root))
    saved = [node.grad for node in nodes]
    for node in nodes:
        node.grad = 0.0
    return nodes, saved, _value.LAST_ROOT


def _restore(nodes: list[Value], saved: list[float], last_root: object) -> None:
    _value.restore(nodes, saved)
    _value.LAST_ROOT = last_root  # type: ignore[assignment]


def gradients_of(root: Value) -> dict[Value, float]:
    """∂root/∂node for every node of the graph, from a fresh ``root.backward()``; every ``.grad`` is left as it was.

    Where backward() would raise `GradientError`, the same pass runs without that check,
    so a view can show the gradients that exist and mark the infinite or NaN ones.
    """
    nodes, saved, last_root = _zeroed(root)
    try:
        try:
            root.backward()
        except GradientError:
            order = backprop_order(root)
            root._start_pass(order)
            for node in order:  # backward()'s loop, without its final check
                if node.grad and not node.is_leaf:
                    node.propagate()
        return {node: node.grad for node in nodes}
    finally:
        _restore(nodes, saved, last_root)


def steps_of(root: Value) -> list[BackwardStep]:
    """Every step of a fresh ``root.backward_steps()``; every ``.grad`` is left as it was."""
    nodes, saved, last_root = _zeroed(root)
    try:
        return list(root.backward_steps())
    finally:
        _restore(nodes, saved, last_root)


def gradients_owner(root: Value) -> Value | None:
    """The root of the latest backward pass, if ``root``'s graph is part of its graph (else None)."""
    last = _value.LAST_ROOT() if _value.LAST_ROOT is not None else None
    return last if last is not None and root in count_uses(last) else None
