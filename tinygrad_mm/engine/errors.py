"""Errors that name the node involved and say what to do.

Every check in tinygrad_mm raises one of these instead of letting a NaN, an
infinity or Python's bare "math domain error" flow on.  Messages stay short:
a list of operands names at most `MAX_LISTED` of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

TYPE_CHECKING = False  # see engine/__init__.py, "Speed"
if TYPE_CHECKING:
    from typing import TypeVar

    from .value import Value

    T = TypeVar("T")

MAX_LISTED = 10  # an error message names at most this many operands, then "… and N more"


class DomainError(ValueError):
    """An operation is undefined (or not a finite float) at its inputs, e.g. log(0)."""


class DivisionByZeroError(DomainError, ZeroDivisionError):
    """x / 0 (also catchable as ZeroDivisionError)."""


class GradientError(ArithmeticError):
    """A gradient would become infinite or NaN during backward(); no gradient was changed."""


class StaleGraphError(RuntimeError):
    """A value's ``.data`` was set after nodes were computed from it: backward() would mix old and new numbers."""


def describe(node: Value) -> str:
    """A short human name for a node: its label, or its op, plus its data."""
    if node.label:
        name = repr(_clipped(node.label))
    elif node.kind == "constant":
        name = "the constant"
    elif not node.is_leaf:
        name = f"an unlabelled {node.op!r} node"
    else:
        name = "an unlabelled leaf"
    return f"{name} (data={node._data:.6g})"


def listing(items: Iterable[T], show: Callable[[T], str] = str, limit: int = MAX_LISTED) -> str:
    """``show`` of each item, comma-separated, at most ``limit`` of them, then "… and N more"."""
    items = list(items)
    shown = ", ".join(show(item) for item in items[:limit])
    return shown + (f", … and {len(items) - limit} more" if len(items) > limit else "")


def describe_all(nodes: Iterable[Value]) -> str:
    """``describe`` of each node, at most `MAX_LISTED` of them, then "… and N more"."""
    return listing(nodes, describe)


def _clipped(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters, the last one an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
