"""Errors that name the node involved and say what to do.

Every check in tinygrad_mm raises one of these instead of letting a NaN, an
infinity or Python's bare "math domain error" flow on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import Value


class DomainError(ValueError):
    """An operation is undefined (or not a finite float) at its inputs, e.g. log(0)."""


class DivisionByZeroError(DomainError, ZeroDivisionError):
    """x / 0 (also catchable as ZeroDivisionError)."""


class GradientError(ArithmeticError):
    """A gradient became infinite or NaN during backward()."""


def describe(node: Value) -> str:
    """A short human name for a node: its label, or its op, plus its data."""
    if node.label:
        name = repr(node.label)
    elif node.kind == "constant":
        name = "the constant"
    elif node.parents:
        name = f"an unlabelled {node.op!r} node"
    else:
        name = "an unlabelled leaf"
    return f"{name} (data={node.data:.6g})"
