"""Errors that name the node involved and say what to do.

Every check in tinygrad_mm raises one of these instead of letting a NaN, an
infinity or Python's bare "math domain error" flow on.  Messages stay short:
a list of operands names at most `MAX_LISTED` of them.
"""

from __future__ import annotations

from collections.abc import Iterable

TYPE_CHECKING = False  # the engine never imports typing (import time); type checkers read this block
if TYPE_CHECKING:
    from .value import Value

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
        name = repr(_short(node.label))
    elif node.kind == "constant":
        name = "the constant"
    elif not node.is_leaf:
        name = f"an unlabelled {node.op!r} node"
    else:
        name = "an unlabelled leaf"
    return f"{name} (data={node._data:.6g})"


def describe_all(nodes: Iterable[Value]) -> str:
    """``describe`` of each node, comma-separated, at most `MAX_LISTED` of them, then "… and N more"."""
    nodes = list(nodes)
    shown = ", ".join(describe(node) for node in nodes[:MAX_LISTED])
    return shown + (f", … and {len(nodes) - MAX_LISTED} more" if len(nodes) > MAX_LISTED else "")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
