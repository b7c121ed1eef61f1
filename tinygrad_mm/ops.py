"""Every operation, once: its forward value and its local derivatives side by side.

Each class is one kind of graph node.  ``forward`` takes the parents' data and
returns the node's data; ``local_grads`` returns ∂node/∂parent for each parent,
in order.  ``propagate`` multiplies them by the incoming gradient — that is the
whole chain rule.  Three shapes of node keep their parents differently:

- `UnaryOp` (relu, tanh, …) keeps its one parent in ``x``;
- `BinaryOp` (+, −, ·, /, …) keeps its two in ``a`` and ``b``;
- `NaryOp` (sum, dot) keeps the tuple ``parents``.

``parents`` is the ordered tuple of operands on every node; named slots make the
common one- and two-parent nodes smaller (no tuple each) and their chain rule
two plain lines.

An input outside an operation's domain raises `DomainError` naming the
operation, the input values and their labels; no NaN or infinity is ever made.
"""

from __future__ import annotations

import math
from operator import mul
from typing import ClassVar

from .engine import Value
from .errors import DivisionByZeroError, DomainError, GradientError, describe


class Op(Value):
    """A computed node: ``data = forward(*parent data)``; ``local_grads()`` gives ∂data/∂parent."""

    __slots__ = ()
    kind = "op"
    is_leaf = False
    formula: ClassVar[str] = "op(x)"  # the math it computes, for error messages and drawings

    @staticmethod
    def forward(*xs: float) -> float:
        raise NotImplementedError

    @classmethod
    def checked_forward(cls, parents: tuple[Value, ...], *xs: float, note: str = "") -> float:
        """``forward(*xs)`` on the parents' data, or the `DomainError` that says why it is undefined there."""
        try:
            data = cls.forward(*xs)
        except (ArithmeticError, ValueError) as err:
            raise cls.undefined(parents, err, note) from None
        if data - data != 0.0:  # inf or NaN
            raise cls.undefined(parents, f"the result would be {data}", note)
        return data

    @classmethod
    def undefined(cls, parents: tuple[Value, ...], why: Exception | str, note: str = "") -> DomainError:
        """The error for this op at these inputs: names the op, each input's label and value, and why."""
        inputs = ", ".join(describe(p) for p in parents)
        if isinstance(why, OverflowError):
            why = "the result overflows a float (|result| > 1.8e308); scale the input down"
        error = DivisionByZeroError if isinstance(why, ZeroDivisionError) else DomainError
        return error(f"cannot compute {cls.formula} for {inputs}: {note}{why}")


class UnaryOp(Op):
    """An op of one parent, kept in ``x``."""

    __slots__ = ("x",)

    @property
    def parents(self) -> tuple[Value]:  # type: ignore[override]
        return (self.x,)

    @classmethod
    def apply(cls, x: Value) -> Value:
        """Compute ``forward(x.data)`` and record the result as a new node (``checked_forward``, written out)."""
        try:
            data = cls.forward(x.data)
        except (ArithmeticError, ValueError) as err:
            raise cls.undefined((x,), err) from None
        if data - data != 0.0:  # inf or NaN
            raise cls.undefined((x,), f"the result would be {data}")
        node = cls.node(data)
        node.x = x
        return node

    def propagate(self) -> None:
        """Chain rule for one parent: ``x.grad += grad · ∂self/∂x``."""
        (dx,) = self.local_grads()
        self.x.grad += self.grad * dx


class BinaryOp(Op):
    """An op of two parents, kept in ``a`` and ``b``."""

    __slots__ = ("a", "b")

    @property
    def parents(self) -> tuple[Value, Value]:  # type: ignore[override]
        return (self.a, self.b)

    @classmethod
    def apply(cls, a: Value, b: Value) -> Value:
        """Compute ``forward(a.data, b.data)`` and record the result as a new node (``checked_forward``, written out)."""
        try:
            data = cls.forward(a.data, b.data)
        except (ArithmeticError, ValueError) as err:
            raise cls.undefined((a, b), err) from None
        if data - data != 0.0:  # inf or NaN
            raise cls.undefined((a, b), f"the result would be {data}")
        node = cls.node(data)
        node.a, node.b = a, b
        return node

    def propagate(self) -> None:
        """Chain rule for two parents: ``a.grad += grad · ∂self/∂a``, then ``b.grad += grad · ∂self/∂b``."""
        (da, db), grad = self.local_grads(), self.grad
        self.a.grad += grad * da
        self.b.grad += grad * db


class NaryOp(Op):
    """An op of n parents, kept in the tuple ``parents``; ``Value.propagate`` is its chain rule."""

    __slots__ = ("parents",)

    @classmethod
    def apply(cls, *parents: Value) -> Value:
        """Compute ``forward`` on the parents' data and record the result as a new node."""
        node = cls.node(cls.checked_forward(parents, *[p.data for p in parents]))
        node.parents = parents
        return node


class Add(BinaryOp):
    """a + b.        ∂/∂a = 1,   ∂/∂b = 1"""

    __slots__ = ()
    op, formula = "+", "a + b"

    @staticmethod
    def forward(a: float, b: float) -> float:
        return a + b

    def local_grads(self) -> tuple[float, float]:
        return 1.0, 1.0


class Sub(BinaryOp):
    """a − b.        ∂/∂a = 1,   ∂/∂b = −1"""

    __slots__ = ()
    op, formula = "-", "a - b"

    @staticmethod
    def forward(a: float, b: float) -> float:
        return a - b

    def local_grads(self) -> tuple[float, float]:
        return 1.0, -1.0


class Mul(BinaryOp):
    """a · b.        ∂/∂a = b,   ∂/∂b = a"""

    __slots__ = ()
    op, formula = "*", "a * b"

    @staticmethod
    def forward(a: float, b: float) -> float:
        return a * b

    def local_grads(self) -> tuple[float, float]:
        return self.b.data, self.a.data


class Div(BinaryOp):
    """a / b.        ∂/∂a = 1/b,   ∂/∂b = −a/b²      (b ≠ 0)"""

    __slots__ = ()
    op, formula = "/", "a / b"

    @staticmethod
    def forward(a: float, b: float) -> float:
        if b == 0.0:
            raise ZeroDivisionError("division by zero (b = 0); add a small epsilon or guard the denominator")
        return a / b

    def local_grads(self) -> tuple[float, float]:
        a, b = self.a.data, self.b.data
        return 1.0 / b, -a / b / b


class Neg(UnaryOp):
    """−a.           ∂/∂a = −1"""

    __slots__ = ()
    op, formula = "neg", "-a"

    @staticmethod
    def forward(a: float) -> float:
        return -a

    def local_grads(self) -> tuple[float]:
        return (-1.0,)


def _power_rule(node: Op, x: float, n: float, note: str = "") -> float:
    """d/dx xⁿ = n·xⁿ⁻¹ for ``node`` = xⁿ; ±inf where that overflows (backward() then raises GradientError)."""
    if n == 0.0:
        return 0.0
    if x == 0.0 and n < 1.0:
        raise GradientError(
            f"cannot backpropagate through {node.formula} at {', '.join(describe(p) for p in node.parents)}: "
            f"{note}the derivative n·x**(n-1) is infinite at x = 0; keep x away from 0, e.g. add a small epsilon"
        )
    try:
        return n * x ** (n - 1.0)
    except OverflowError:
        negative = (n < 0.0) != (x < 0.0 and (n - 1.0) % 2.0 == 1.0)  # x < 0 only with an integer n
        return -math.inf if negative else math.inf


class Pow(BinaryOp):
    """xʸ with a Value exponent.   ∂/∂x = y·xʸ⁻¹,   ∂/∂y = xʸ·ln x

    Needs x > 0 (ln x), or x = 0 with y > 0, where ∂/∂y = lim xʸ·ln x = 0 (as PyTorch).
    """

    __slots__ = ()
    op, formula = "**", "x ** y"

    @staticmethod
    def forward(x: float, y: float) -> float:
        if x < 0.0 or (x == 0.0 and y <= 0.0):
            raise ValueError(
                "with a Value exponent the base must be > 0, or 0 with y > 0 (∂/∂y = x**y·ln x needs ln x), "
                f"got x = {x:.6g}, y = {y:.6g}; for a fixed exponent use a plain number, e.g. x ** 2"
            )
        return x**y

    def local_grads(self) -> tuple[float, float]:
        x, y = self.a, self.b
        return _power_rule(self, x.data, y.data), (self.data * math.log(x.data) if x.data > 0.0 else 0.0)


class PowConst(UnaryOp):
    """xⁿ with a number exponent n.   ∂/∂x = n·xⁿ⁻¹"""

    __slots__ = ("exponent",)
    formula = "x ** n"

    @property
    def op(self) -> str:  # type: ignore[override]
        return f"**{self.exponent:g}"

    @classmethod
    def apply(cls, base: Value, *, exponent: float) -> Value:  # type: ignore[override]
        node = cls.node(cls.checked_forward((base,), base.data, exponent, note=f"n = {exponent:g}: "))
        node.x, node.exponent = base, exponent
        return node

    @staticmethod
    def forward(x: float, n: float) -> float:
        if x == 0.0 and n < 0.0:
            raise ZeroDivisionError("division by zero: 0 raised to a negative power")
        result = x**n
        if isinstance(result, complex):
            raise ValueError("a negative base with a fractional exponent has no real value")
        return result

    def local_grads(self) -> tuple[float]:
        return (_power_rule(self, self.x.data, self.exponent, note=f"n = {self.exponent:g}: "),)


class Relu(UnaryOp):
    """max(0, x).    ∂/∂x = 1 if x > 0 else 0     (0 at the kink, as PyTorch)"""

    __slots__ = ()
    op, formula = "relu", "relu(x)"

    @staticmethod
    def forward(x: float) -> float:
        return x if x > 0.0 else 0.0

    def local_grads(self) -> tuple[float]:
        return (1.0 if self.x.data > 0.0 else 0.0,)


class Tanh(UnaryOp):
    """tanh x.       ∂/∂x = 1 − tanh² x"""

    __slots__ = ()
    op, formula = "tanh", "tanh(x)"

    @staticmethod
    def forward(x: float) -> float:
        return math.tanh(x)

    def local_grads(self) -> tuple[float]:
        return (1.0 - self.data * self.data,)


class Sigmoid(UnaryOp):
    """σ(x) = 1 / (1 + e⁻ˣ).   ∂/∂x = σ(x)·(1 − σ(x))      (stable for any finite x)"""

    __slots__ = ()
    op, formula = "sigmoid", "sigmoid(x)"

    @staticmethod
    def forward(x: float) -> float:
        if x >= 0.0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)  # never overflows for x < 0
        return e / (1.0 + e)

    def local_grads(self) -> tuple[float]:
        return (self.data * (1.0 - self.data),)


class Exp(UnaryOp):
    """eˣ.           ∂/∂x = eˣ"""

    __slots__ = ()
    op, formula = "exp", "exp(x)"

    @staticmethod
    def forward(x: float) -> float:
        return math.exp(x)

    def local_grads(self) -> tuple[float]:
        return (self.data,)


class Log(UnaryOp):
    """ln x.         ∂/∂x = 1/x      (x > 0)"""

    __slots__ = ()
    op, formula = "log", "log(x)"

    @staticmethod
    def forward(x: float) -> float:
        if x <= 0.0:
            raise ValueError(f"log needs x > 0, got x = {x:.6g}; e.g. use log(x + eps) or keep x positive")
        return math.log(x)

    def local_grads(self) -> tuple[float]:
        return (1.0 / self.x.data,)


class Sum(NaryOp):
    """Σᵢ xᵢ, one node with n parents.     ∂/∂xᵢ = 1"""

    __slots__ = ()
    op, formula = "sum", "sum(x)"

    @staticmethod
    def forward(*xs: float) -> float:
        return sum(xs)

    def local_grads(self) -> tuple[float, ...]:
        return (1.0,) * len(self.parents)


class Dot(NaryOp):
    """Σᵢ xᵢ·wᵢ, one node with parents (x₁…xₙ, w₁…wₙ).     ∂/∂xᵢ = wᵢ,   ∂/∂wᵢ = xᵢ"""

    __slots__ = ()
    op, formula = "dot", "x · w"

    @staticmethod
    def forward(*xs_then_ws: float) -> float:
        n = len(xs_then_ws) // 2
        return sum(map(mul, xs_then_ws[:n], xs_then_ws[n:]))

    def local_grads(self) -> tuple[float, ...]:
        parents = self.parents
        n = len(parents) // 2
        data = [p.data for p in parents]
        return (*data[n:], *data[:n])

