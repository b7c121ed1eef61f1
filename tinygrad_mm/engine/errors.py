"""What may enter a graph, and the errors raised when something is wrong: each names the node and says what to do.

- `finite_float`: what ``Value(x)``, ``x.data = …`` and every operand go through: no NaN or infinity enters a graph.
- `check_unchanged`: nothing a graph was computed from has had its ``.data`` set since
  (the SGD pattern, then ``backward()`` on the old graph).
- `describe`: a node's name in a message; a list of nodes names at most `MAX_LISTED` of them.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable
from numbers import Real
from weakref import WeakKeyDictionary

TYPE_CHECKING = False  # see engine/__init__.py, "Speed"
if TYPE_CHECKING:
    from typing import TypeVar

    from .value import Value

    T = TypeVar("T")

MAX_LISTED = 10  # an error message names at most this many operands, then "… and N more"
_FLOAT_MAX = sys.float_info.max
# Stale graphs: every op node keeps in ``_epoch`` the write count (``value._EPOCH``, one more per ``.data = …``) when it
# was made; a write stamps the node written.  A leaf (never older than its inputs: it has none) keeps LEAF_EPOCH plus its
# stamp in its own ``_epoch``, so a parameter's SGD write costs one store; an op node written by hand goes in WRITTEN.
LEAF_EPOCH = 1 << 62
WRITTEN: WeakKeyDictionary[Value, int] = WeakKeyDictionary()  # op node → the write count when its .data was set by hand


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


def finite_float(x: object, what: str, node: Value | None = None) -> float:
    """``float(x)`` for a real number; a clear TypeError/ValueError for anything else, NaN or ±inf.

    Accepts int, float, bool (0/1), Fraction, Decimal-free `numbers.Real`, and numpy's
    0-d numbers (bool_ included).  ``what`` says what ``x`` is for; ``node``, if given,
    is the Value it meets and is named in the error.
    """
    if type(x) is float and x - x == 0.0:  # speed trick 4: the common cases first (the abstract-class check is slow)
        return x
    if type(x) is int and -_FLOAT_MAX <= x <= _FLOAT_MAX:
        return float(x)
    if isinstance(x, Real) or _numpy_number(x):
        try:
            value = float(x)  # type: ignore[arg-type]
        except OverflowError:  # an int (or Fraction) beyond the float range
            value = math.inf if x > 0 else -math.inf  # type: ignore[operator]
        if value - value == 0.0:
            return value
        error, problem = ValueError, f"must be finite (|x| ≤ 1.8e308), got {value}: NaN and infinity cannot enter a graph"
    elif hasattr(x, "_data") and hasattr(x, "backward"):  # a Value (not imported here: value.py imports this module)
        error, problem = TypeError, f"must be a plain number here, got a Value ({describe(x)}); use its .data"  # type: ignore[arg-type]
    else:
        type_name = type(x).__name__ if type(x).__module__ == "builtins" else f"{type(x).__module__}.{type(x).__qualname__}"
        text = repr(x)
        error, problem = TypeError, f"must be a real number (int or float), got {type_name} {text[:80]}{'…' if len(text) > 80 else ''}"
    beside = f" (with {describe(node)})" if node is not None else ""
    raise error(f"{what}{beside} {problem}")


def _numpy_number(x: object) -> bool:
    """A numpy 0-d bool, int or float (numpy.bool_ is not a `numbers.Real`); numpy is never imported here."""
    return type(x).__module__ == "numpy" and getattr(x, "ndim", None) == 0 and getattr(getattr(x, "dtype", None), "kind", "") in "biuf"


def written_at(node: Value) -> int:
    """The write count when ``node.data`` was last set by hand (below 1 if never)."""
    return node._epoch - LEAF_EPOCH if node.is_leaf else WRITTEN.get(node, -1)


def mark_written(node: Value, count: int) -> None:
    """Stamp ``node`` as set by hand at write count ``count`` (see `LEAF_EPOCH`)."""
    if node.is_leaf:
        node._epoch = LEAF_EPOCH + count
    else:
        WRITTEN[node] = count


def stale_part(node: Value) -> int | None:
    """Why op node ``node`` is stale: -1 if its own ``.data`` was set after it was made, k if its k-th parent's was."""
    made = node._epoch
    if written_at(node) > made:
        return -1
    return next((k for k, parent in enumerate(node.parents) if written_at(parent) > made), None)


def check_unchanged(order: list[Value]) -> None:
    """Raise `StaleGraphError` if a node's ``.data``, or a parent's, was set after the node was computed."""
    for node in order:
        part = None if node.is_leaf else stale_part(node)
        if part == -1:
            raise StaleGraphError(
                f"{describe(node)} had its .data set by hand after it was computed, so it no longer equals "
                f"{node.op}(its inputs) and backward() would mix old and new numbers; run the forward pass again "
                "to rebuild the graph, then call backward()"
            )
        if part is not None:
            raise StaleGraphError(
                f"{describe(node.parents[part])} had its .data set after {describe(node)} was computed from it, so "
                "backward() on this graph would mix old and new numbers (as after an SGD step); run the forward "
                "pass again with the new values to rebuild the graph, then call backward()"
            )
