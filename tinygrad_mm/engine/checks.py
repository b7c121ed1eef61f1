"""The engine's checks: numbers that may enter a graph, and the guards around a backward pass.

- `finite_float`: what ``Value(x)``, ``x.data = …`` and every operand go through.
- `check_unchanged`: nothing a graph was computed from has had its ``.data`` set since
  (the SGD pattern, then ``backward()`` on the old graph).
- `restore`: every gradient put back as it was, when a pass fails or was run on the side.
- `PASS_LOCK`: one backward pass at a time in the process (backward, backward_steps' steps, record), so a
  pass that fails restores only the gradients it found, never erasing another thread's (README, "Threads").
"""

from __future__ import annotations

import math
import sys
from _thread import RLock  # threading's own lock, without importing threading (import time)
from numbers import Real
from weakref import WeakKeyDictionary

from .errors import StaleGraphError, describe

TYPE_CHECKING = False  # see engine/__init__.py, "Speed"
if TYPE_CHECKING:
    from collections.abc import Iterable

    from .value import Value

_FLOAT_MAX = sys.float_info.max
LEAF_EPOCH = 1 << 62  # a leaf's _epoch: it is never computed from anything, so it cannot be older than its inputs
PASS_LOCK = RLock()  # held for a whole backward() or record(), and for each step of backward_steps()
WRITTEN: WeakKeyDictionary[Value, int] = WeakKeyDictionary()  # node → the write count when its .data was last set by hand


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


def check_unchanged(order: list[Value]) -> None:
    """Raise `StaleGraphError` if a node's ``.data``, or a parent's, was set after the node was computed.

    Every op node remembers the write count (``_epoch``) at which it was made; a
    ``.data = …`` assignment stamps the value with a newer count (`WRITTEN`).
    """
    for node in order:
        if node.is_leaf:
            continue
        made = node._epoch
        if WRITTEN.get(node, -1) > made:
            raise StaleGraphError(
                f"{describe(node)} had its .data set by hand after it was computed, so it no longer equals "
                f"{node.op}(its inputs) and backward() would mix old and new numbers; run the forward pass again "
                "to rebuild the graph, then call backward()"
            )
        for parent in node.parents:
            if WRITTEN.get(parent, -1) > made:
                raise StaleGraphError(
                    f"{describe(parent)} had its .data set after {describe(node)} was computed from it, so "
                    "backward() on this graph would mix old and new numbers (as after an SGD step); run the forward "
                    "pass again with the new values to rebuild the graph, then call backward()"
                )


def restore(nodes: Iterable[Value], grads: Iterable[float]) -> None:
    """Put each node's gradient back (``grads`` in the same order)."""
    for node, grad in zip(nodes, grads):  # noqa: B905 (same length by construction)
        node.grad = grad
