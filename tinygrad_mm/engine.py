"""The engine: a scalar `Value` that records every operation, and the backward pass.

A `Value` is one node of a computation graph.  You make the leaves
(``x = Value(2.0, label="x")``); every operation on values makes a new node
whose ``parents`` are its operands.  ``root.backward()`` then applies the chain
rule from ``root`` to every node, one node at a time, in reverse topological
order (a node only after every node that uses it):

    parent.grad  +=  node.grad · ∂node/∂parent        for each edge node → parent

so a value used twice (fan-out) receives the *sum* of both contributions.  The
local derivatives ∂node/∂parent live beside each operation's forward formula
in ``ops.py``.  Nothing here recurses: graphs of millions of nodes are fine.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from numbers import Real
from weakref import WeakKeyDictionary

from . import scopes
from .errors import GradientError, describe

# Labels live beside the graph, like scopes (scopes.py): most nodes have none, and a node
# without a label slot is 8 bytes smaller.  Weak keys: a label goes when its node does.
_LABELS: WeakKeyDictionary[Value, str] = WeakKeyDictionary()


class Value:
    """A scalar in a computation graph: ``data``, ``grad`` = ∂root/∂self, ``label``, ``op``, ``parents``."""

    __slots__ = ("data", "grad", "__weakref__")  # label: a property (below), stored in _LABELS
    op: str = ""  # "" for a leaf; each operation class in ops.py names itself
    kind: str = "input"  # leaves: "input", "parameter" or "constant"; computed nodes: "op"
    is_leaf: bool = True  # False for every op (ops.py)
    parents: tuple[Value, ...] = ()  # the operands, in order: none for a leaf; ops.py says how each op keeps them

    def __init__(self, data: float, label: str = "", *micrograd_style: object) -> None:
        if micrograd_style or not isinstance(label, str):
            extra = f" and extra arguments {micrograd_style!r}" if micrograd_style else ""
            raise TypeError(
                f"Value(data, label='') takes a number and a str label, got label={label!r}{extra}: parents and "
                "op are recorded by the operations themselves (write a + b, not micrograd's Value(data, _children, _op))"
            )
        self.data = _finite_float(data, f"Value {label!r}" if label else "Value")
        self.grad = 0.0
        if label:
            _LABELS[self] = label
        if scopes.ACTIVE:
            scopes.tag(self)

    @classmethod
    def node(cls, data: float) -> Value:
        """A new node of this class, without ``__init__``'s checks: ``data`` is already a finite float.

        An op (ops.py) then stores its operands on it.
        """
        node = object.__new__(cls)
        node.data = data
        node.grad = 0.0
        if scopes.ACTIVE:
            scopes.tag(node)
        return node

    def __repr__(self) -> str:
        return f"Value(data={self.data!r}, grad={self.grad!r}, op={self.op!r}, label={self.label!r})"

    def _repr_svg_(self) -> str | None:
        """Jupyter shows a Value as the drawing of its graph (None if it cannot be drawn)."""
        from .drawing import repr_svg

        return repr_svg(self)

    @property
    def label(self) -> str:
        """The node's name in drawings and error messages, "" if none."""
        return _LABELS.get(self, "")

    @label.setter
    def label(self, label: str) -> None:
        if not isinstance(label, str):
            raise TypeError(f"a label must be a str, got {type(label).__name__} {label!r}")
        if label:
            _LABELS[self] = label
        else:
            _LABELS.pop(self, None)

    @property
    def scope(self) -> tuple[str, ...]:
        """The name-scope path this node was created in (see ``tinygrad_mm.scope``)."""
        return scopes.scope_of(self)

    # micrograd spellings, so code written for micrograd.engine.Value (e.g. its draw_dot) runs unchanged
    @property
    def _prev(self) -> set[Value]:
        return set(self.parents)

    @property
    def _op(self) -> str:
        return self.op

    # ---- arithmetic: each builds one node of the matching class in ops.py ----
    def __add__(self, other: Value | float) -> Value:
        return Add.apply(self, other if isinstance(other, Value) else _operand(other, "+", self))

    def __radd__(self, other: Value | float) -> Value:
        return Add.apply(_operand(other, "+", self), self)

    def __sub__(self, other: Value | float) -> Value:
        return Sub.apply(self, other if isinstance(other, Value) else _operand(other, "-", self))

    def __rsub__(self, other: Value | float) -> Value:
        return Sub.apply(_operand(other, "-", self), self)

    def __mul__(self, other: Value | float) -> Value:
        return Mul.apply(self, other if isinstance(other, Value) else _operand(other, "*", self))

    def __rmul__(self, other: Value | float) -> Value:
        return Mul.apply(_operand(other, "*", self), self)

    def __truediv__(self, other: Value | float) -> Value:
        return Div.apply(self, other if isinstance(other, Value) else _operand(other, "/", self))

    def __rtruediv__(self, other: Value | float) -> Value:
        return Div.apply(_operand(other, "/", self), self)

    def __neg__(self) -> Value:
        return Neg.apply(self)

    def __pow__(self, exponent: Value | float) -> Value:
        if isinstance(exponent, Value):
            return Pow.apply(self, exponent)
        return PowConst.apply(self, exponent=_finite_float(exponent, "the exponent of '**'", self))

    def __rpow__(self, base: Value | float) -> Value:
        return Pow.apply(_operand(base, "**", self), self)

    def relu(self) -> Value:
        return Relu.apply(self)

    def tanh(self) -> Value:
        return Tanh.apply(self)

    def sigmoid(self) -> Value:
        return Sigmoid.apply(self)

    def exp(self) -> Value:
        return Exp.apply(self)

    def log(self) -> Value:
        return Log.apply(self)

    # ---- the chain rule ----
    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂parent for each parent, in order.  A leaf has no parents, so none."""
        return ()

    def propagate(self) -> None:
        """Chain rule at this node: ``parent.grad += self.grad · ∂self/∂parent`` for each parent."""
        grad = self.grad
        for parent, local in zip(self.parents, self.local_grads()):  # noqa: B905 (one local per parent)
            parent.grad += grad * local

    def backward(self) -> None:
        """Set every node's ``.grad`` to ∂self/∂node.

        ``self.grad`` is seeded with 1.0 and every interior node's gradient is
        recomputed from zero, so calling this twice gives the same interior
        gradients; leaves *accumulate* across calls (as in PyTorch) until
        ``zero_grad()``.  A node whose gradient is exactly 0 would add 0 to
        every parent, so it is skipped (``backward_steps`` still shows it).
        """
        for node in self._backward_pass():
            if node.grad and not node.is_leaf:  # a leaf, or a node whose gradient is 0, has nothing to pass on
                node.propagate()

    def backward_steps(self) -> Iterator[BackwardStep]:
        """The same backward pass as ``backward()``, paused after each node.

        Yields one `BackwardStep` per node, root first, after that node has
        sent its contributions to its parents.  If you stop early, every node
        yielded so far holds its final gradient and the others hold the partial
        sums received so far (leaves included): call ``zero_grad()`` before
        running a fresh pass.
        """
        for index, node in enumerate(self._backward_pass()):
            grads_before = {parent: parent.grad for parent in node.parents}
            node.propagate()
            yield BackwardStep.of(index, node, grads_before)

    def _backward_pass(self) -> Iterator[Value]:
        """Seed the root, reset interior grads, then yield nodes in the order they must propagate."""
        order = backprop_order(self)
        for node in order:
            if not node.is_leaf:
                node.grad = 0.0
        self.grad = self.grad + 1.0 if self.is_leaf else 1.0
        for node in order:
            grad = node.grad
            if grad - grad != 0.0:  # inf or NaN
                raise GradientError(
                    f"the gradient reaching {describe(node)} is {grad}: some local derivative "
                    "on the way from the root is too large; rescale the inputs or the loss"
                )
            yield node

    def zero_grad(self) -> None:
        """Reset ``.grad`` to 0.0 on every node of this graph (leaves included)."""
        for node in count_uses(self):
            node.grad = 0.0


class Parameter(Value):
    """A trainable leaf (drawn as a parameter).  Behaves exactly like `Value`."""

    __slots__ = ()
    kind = "parameter"


class Constant(Value):
    """A leaf made from a plain number used in an operation, e.g. the 2 in ``x * 2``."""

    __slots__ = ()
    kind = "constant"


@dataclass(frozen=True)
class BackwardStep:
    """One node's turn in the backward pass (see ``Value.backward_steps``).

    ``contributions[i] = grad · local_grads[i]`` was added to ``parents[i]``,
    whose gradient went from ``grads_before[i]`` to ``grads_after[i]`` (a parent
    that appears twice, as in ``a + a``, is listed twice, in order).
    """

    index: int
    node: Value
    grad: float
    parents: tuple[Value, ...]
    local_grads: tuple[float, ...]
    contributions: tuple[float, ...]
    grads_before: tuple[float, ...]
    grads_after: tuple[float, ...]

    @classmethod
    def of(cls, index: int, node: Value, grads_before: dict[Value, float]) -> BackwardStep:
        """Describe the step that just propagated ``node``, given its parents' grads before it."""
        local = node.local_grads()
        contributions = tuple(node.grad * d for d in local)
        running = dict(grads_before)
        before, after = [], []
        for parent, contribution in zip(node.parents, contributions, strict=True):
            before.append(running[parent])
            running[parent] += contribution  # the same float additions propagate() made
            after.append(running[parent])
        return cls(index, node, node.grad, node.parents, local, contributions, tuple(before), tuple(after))


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



_FLOAT_MAX = sys.float_info.max


def _finite_float(x: object, what: str, node: Value | None = None) -> float:
    """``float(x)`` for a real number; a clear TypeError/ValueError for anything else, NaN or ±inf.

    ``what`` says what ``x`` is for; ``node``, if given, is the Value it meets and is named in the error.
    """
    if type(x) is float and x - x == 0.0:  # the common cases first: the abstract-class check below is slow
        return x
    if type(x) is int and -_FLOAT_MAX <= x <= _FLOAT_MAX:
        return float(x)
    if isinstance(x, Real):
        try:
            value = float(x)
        except OverflowError:  # an int (or Fraction) beyond the float range
            value = math.inf if x > 0 else -math.inf
        if value - value == 0.0:
            return value
        error, problem = ValueError, f"must be finite (|x| ≤ 1.8e308), got {value}: NaN and infinity cannot enter a graph"
    elif isinstance(x, Value):
        error, problem = TypeError, f"must be a plain number here, got a Value ({describe(x)}); use its .data"
    else:
        kind = type(x).__name__ if type(x).__module__ == "builtins" else f"{type(x).__module__}.{type(x).__qualname__}"
        error, problem = TypeError, f"must be a real number (int or float), got {kind} {x!r}"
    beside = f" (with {describe(node)})" if node is not None else ""
    raise error(f"{what}{beside} {problem}")


def _operand(x: object, op: str, other: Value | None = None) -> Value:
    """An operand of ``op`` as a Value: Values pass through, numbers become `Constant` leaves.

    ``other`` is the Value on the other side of ``op``, named in the error if ``x`` is not a finite real.
    """
    if isinstance(x, Value):
        return x
    try:
        return Constant.node(_finite_float(x, "a constant"))
    except (TypeError, ValueError):  # check again, to raise an error that names the op and the other operand
        _finite_float(x, f"the operand of {op!r}", other)
        raise


def sum_values(values: Iterable[Value | float]) -> Value:
    """Σᵢ vᵢ as ONE node with n parents (Python's ``sum`` would build a chain of n additions)."""
    parents = tuple(_operand(v, "sum") for v in values)
    if not parents:
        raise ValueError("sum_values() needs at least one value, got an empty sequence")
    return Sum.apply(*parents)


def dot(xs: Iterable[Value | float], ws: Iterable[Value | float]) -> Value:
    """Σᵢ xᵢ·wᵢ as ONE node whose parents are x₁…xₙ, w₁…wₙ (in that order)."""
    xs, ws = tuple(_operand(x, "dot") for x in xs), tuple(_operand(w, "dot") for w in ws)
    if len(xs) != len(ws) or not xs:
        raise ValueError(f"dot() needs two non-empty sequences of equal length, got {len(xs)} and {len(ws)}")
    return Dot.apply(*xs, *ws)


# The operation classes subclass Value, so they are imported after it is defined.
from .ops import Add, Div, Dot, Exp, Log, Mul, Neg, Pow, PowConst, Relu, Sigmoid, Sub, Sum, Tanh  # noqa: E402
