"""`Value`: one scalar node of a computation graph, and the backward pass over it.

You make the leaves (``x = Value(2.0, label="x")``); every operation on values makes a new node whose
``parents`` are its operands (ops.py).  ``root.backward()`` then applies the chain rule from ``root``
to every node, each only after every node that uses it (backprop.py; nothing recurses):

    parent.grad  +=  node.grad · ∂node/∂parent        for each edge node → parent

so a value used twice (fan-out) receives the *sum* of both contributions.
"""

from __future__ import annotations

from _thread import allocate_lock  # a lock without importing threading (import time)
from collections.abc import Iterator
from contextvars import ContextVar
from weakref import WeakKeyDictionary, ref

from . import copying
from .backprop import PASS_LOCK, all_finite, backprop_order, chain_rule, count_uses, gradient_error, restore, stepped
from .errors import LEAF_EPOCH, check_unchanged, describe, finite_float, mark_written

TYPE_CHECKING = False  # see engine/__init__.py, "Speed"
if TYPE_CHECKING:

    from .backprop import BackwardStep

_EPOCH = 0  # how many times a .data was set by hand; op nodes remember it when made (errors.check_unchanged)


# Labels and scopes live beside the graph, in weak dicts (an entry goes when its node does): speed trick 1.
_LABELS: WeakKeyDictionary[Value, str] = WeakKeyDictionary()
_SCOPES: WeakKeyDictionary[Value, tuple[str, ...]] = WeakKeyDictionary()
# The open scope path, outermost first: a ContextVar, so two threads or asyncio tasks never tag each other's nodes.
_OPEN_SCOPE: ContextVar[tuple[str, ...]] = ContextVar("tinygrad_mm_scope", default=())
_SCOPES_OPEN_ANYWHERE = [0]  # how many scopes are open in any thread or task
_COUNTING_SCOPES = allocate_lock()


class Value:
    """A scalar in a computation graph: ``data``, ``grad`` = ∂root/∂self, ``label``, ``op``, ``parents``.

    ``Value(2.0)`` makes a leaf (a `Leaf`, which may carry any attribute your code attaches);
    operations make op nodes (ops.py), which are Values too but hold only numbers and operands.
    """

    # _data: the number (``data`` checks what is assigned to it); _epoch: see errors.check_unchanged
    __slots__ = ("_data", "grad", "_epoch", "__weakref__")
    __array_ufunc__ = None  # numpy defers to Value: np.float64(2) * x and np.array([2.0]) * x call Value's operators
    op: str = ""  # "" for a leaf; each operation class in ops.py names itself
    kind: str = "input"  # leaves: "input", "parameter" or "constant"; computed nodes: "op"
    is_leaf: bool = True  # False for every op (ops.py)
    parents: tuple[Value, ...] = ()  # the operands, in order: none for a leaf; ops.py says how each op keeps them

    def __new__(cls, *args: object, **kwargs: object) -> Value:
        return object.__new__(Leaf if cls is Value else cls)  # Value(2.0) is a leaf: it may carry attributes

    def __init__(self, data: float, label: str = "", *micrograd_style: object) -> None:
        if micrograd_style or not isinstance(label, str):
            extra = f" and extra arguments {micrograd_style!r}" if micrograd_style else ""
            raise TypeError(
                f"Value(data, label='') takes a number and a str label, got label={label!r}{extra}: parents and "
                "op are recorded by the operations themselves (write a + b, not micrograd's Value(data, _children, _op))"
            )
        self._data = finite_float(data, f"Value {label!r}" if label else "Value")
        self.grad = 0.0
        self._epoch = LEAF_EPOCH
        if label:
            _LABELS[self] = label
        if _SCOPES_OPEN_ANYWHERE[0] and _OPEN_SCOPE.get():
            _SCOPES[self] = _OPEN_SCOPE.get()

    @classmethod
    def node(cls, data: float) -> Value:
        """A new node of this class, without ``__init__``'s checks (speed trick 2): ``data`` is already a finite float."""
        node = object.__new__(cls)
        node._data = data
        node.grad = 0.0
        node._epoch = _EPOCH
        if _SCOPES_OPEN_ANYWHERE[0] and _OPEN_SCOPE.get():  # speed trick 4
            _SCOPES[node] = _OPEN_SCOPE.get()
        return node

    @property
    def data(self) -> float:
        """The number this node holds.  Assigning checks it, and marks graphs computed from the old number stale."""
        return self._data

    @data.setter
    def data(self, value: float) -> None:
        global _EPOCH
        if type(value) is not float or value - value != 0.0:  # speed trick 4: a finite float needs no check
            value = finite_float(value, f"the new .data of {describe(self)}")
        self._data = value
        _EPOCH += 1
        mark_written(self, _EPOCH)

    def __str__(self) -> str:
        """``Value(data=0.8958441028683222, grad=0.0)``, as micrograd prints it: the numbers (``repr`` says what the node is)."""
        return f"Value(data={self._data}, grad={self.grad})"

    def __repr__(self) -> str:
        name = "Value" if type(self) is Leaf else type(self).__name__  # a leaf: Value(2.0) reads back as it was made
        return f"{name}(data={self._data!r}, grad={self.grad!r}, label={self.label!r})"

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
        return _SCOPES.get(self, ())

    @scope.setter
    def scope(self, path: tuple[str, ...]) -> None:
        if path:
            _SCOPES[self] = tuple(path)
        else:
            _SCOPES.pop(self, None)

    # micrograd spellings, so code written for micrograd.engine.Value (e.g. its draw_dot) runs unchanged
    _prev = property(lambda self: set(self.parents))
    _op = property(lambda self: self.op)

    # copy, deepcopy and pickle keep labels, scopes and attributes, and never recurse (copying.py)
    __copy__, __deepcopy__, __reduce_ex__ = copying.shallow_copy, copying.deep_copy, copying.reduce

    # ---- arithmetic: each builds one node of the matching class in ops.py ----
    def __add__(self, other: Value | float) -> Value:
        return Add.apply(self, other if isinstance(other, Value) else operand(other, "+", self))

    def __radd__(self, other: Value | float) -> Value:
        return Add.apply(operand(other, "+", self), self)

    def __sub__(self, other: Value | float) -> Value:
        return Sub.apply(self, other if isinstance(other, Value) else operand(other, "-", self))

    def __rsub__(self, other: Value | float) -> Value:
        return Sub.apply(operand(other, "-", self), self)

    def __mul__(self, other: Value | float) -> Value:
        return Mul.apply(self, other if isinstance(other, Value) else operand(other, "*", self))

    def __rmul__(self, other: Value | float) -> Value:
        return Mul.apply(operand(other, "*", self), self)

    def __truediv__(self, other: Value | float) -> Value:
        return Div.apply(self, other if isinstance(other, Value) else operand(other, "/", self))

    def __rtruediv__(self, other: Value | float) -> Value:
        return Div.apply(operand(other, "/", self), self)

    def __neg__(self) -> Value:
        return Neg.apply(self)

    def __pow__(self, exponent: Value | float) -> Value:
        if isinstance(exponent, Value):
            return Pow.apply(self, exponent)
        return PowConst.apply(self, exponent=finite_float(exponent, "the exponent of '**'", self))

    def __rpow__(self, base: Value | float) -> Value:
        return Pow.apply(operand(base, "**", self), self)

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

    # ---- the backward pass ----
    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂parent for each parent, in order.  A leaf has no parents, so none."""
        return ()

    def gate(self) -> bool | None:
        """Whether gradient flows through this node: None for a leaf and most ops (ops.py: relu, the hinge)."""
        return None

    def backward(self) -> None:
        """Set every node's ``.grad`` to ∂self/∂node: all of them, or — if anything fails — none.

        ``self.grad`` is seeded with 1.0 and every interior node's gradient is recomputed from zero, so
        calling this twice gives the same interior gradients; leaves *accumulate* across calls (as in
        PyTorch) until ``zero_grad()``.  If a gradient would be infinite or NaN, `GradientError` is raised
        and every ``.grad`` keeps its value from before the call.  One pass at a time per process
        (`PASS_LOCK`): a failing pass puts back only the gradients it found, never another thread's.
        """
        order = backprop_order(self)  # every node of the graph, each before its parents: self first
        saved = self._start_pass(order)  # every .grad as it was, restored if anything fails; PASS_LOCK taken
        try:
            for _node in chain_rule(order):  # each node in turn: parent.grad += node.grad · ∂node/∂parent (backprop.py)
                pass
            if not all_finite(order):
                raise gradient_error(order)
        except BaseException:
            restore(order, saved)
            raise
        finally:
            PASS_LOCK.release()  # no other thread's pass ran in between, so restoring erased nothing of theirs

    def backward_steps(self) -> Iterator[BackwardStep]:
        """The same backward pass as ``backward()``, paused after each node: one `BackwardStep` per node, root first.

        If you stop early, every node yielded so far holds its final gradient and the others the partial
        sums received so far (leaves included): call ``zero_grad()`` before a fresh pass.  An error restores
        every gradient, as in ``backward()``.  Paused, it does not hold the pass lock: step in one thread.
        """
        order = backprop_order(self)
        saved = self._start_pass(order)
        PASS_LOCK.release()  # taken again for each step below, not while paused
        try:
            steps = stepped(order)  # backward()'s loop, chain_rule, pausing after each node (backprop.py)
            while True:
                with PASS_LOCK:  # each step whole, never beside another thread's pass
                    step = next(steps, None)
                    if step is None:
                        break
                    if step.sent and not all_finite(step.parents):
                        raise gradient_error(order)
                yield step
        except Exception:
            with PASS_LOCK:
                restore(order, saved)
            raise

    def _start_pass(self, order: list[Value], latest: bool = True) -> list[float]:
        """Check the graph is as it was computed, reset the interior gradients, seed ``self`` with 1.

        Returns every gradient as it was before (in ``order``), for `restore`.  ``latest``: remember
        ``self`` as the root of the latest pass (a pass recorded on the side is nobody's: backprop.record).
        Then holds `PASS_LOCK` (one pass at a time): the caller releases it when its pass is over.
        """
        global LAST_ROOT
        if min([node._epoch for node in order]) < _EPOCH:  # speed trick 4: some .data was set since the oldest node
            check_unchanged(order)
        PASS_LOCK.acquire()
        saved = [node.grad for node in order]
        for node in order:
            if not node.is_leaf:
                node.grad = 0.0
        self.grad = self.grad + 1.0 if self.is_leaf else 1.0
        if latest:
            LAST_ROOT = ref(self)
        return saved

    def zero_grad(self) -> None:
        """Reset ``.grad`` to 0.0 on every node of this graph (leaves included)."""
        for node in count_uses(self):
            node.grad = 0.0


class scope:  # noqa: N801 (used like a function: ``with scope("name"):``)
    """Tag every node created inside ``with scope(name):`` with ``name`` (nested in any outer scope).

    ``as`` gives the open path, outermost first.
    """

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"scope name must be a non-empty str, got {name!r}")
        self.name = name

    def __enter__(self) -> tuple[str, ...]:
        path = (*_OPEN_SCOPE.get(), self.name)
        self._token = _OPEN_SCOPE.set(path)
        with _COUNTING_SCOPES:
            _SCOPES_OPEN_ANYWHERE[0] += 1
        return path

    def __exit__(self, *exc: object) -> None:
        with _COUNTING_SCOPES:
            _SCOPES_OPEN_ANYWHERE[0] -= 1
        _OPEN_SCOPE.reset(self._token)


LAST_ROOT: ref[Value] | None = None  # the root of the latest backward pass (views say whose gradients they show)


def latest_root_over(root: Value) -> Value | None:
    """The root of the latest backward pass, if ``root``'s graph is part of its graph (else None)."""
    last = LAST_ROOT() if LAST_ROOT is not None else None
    return last if last is not None and root in count_uses(last) else None


# The leaves and the operation classes subclass Value, so they are imported after it is defined.
from .ops import Add, Div, Exp, Leaf, Log, Mul, Neg, Pow, PowConst, Relu, Sigmoid, Sub, Tanh, operand  # noqa: E402
