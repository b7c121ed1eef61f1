"""Every operation, once: its forward value and its local derivatives side by side.

Each class is one kind of graph node.  ``forward`` takes the parents' data and
returns the node's data; ``local_grads`` returns ∂node/∂parent for each parent,
in order.  ``Value.propagate`` (engine.py) multiplies them by the incoming
gradient — that is the whole chain rule.

An input outside an operation's domain raises `DomainError` naming the
operation, the input values and their labels; no NaN or infinity is ever made.
"""

from __future__ import annotations

import math
from operator import mul
from typing import ClassVar

from . import scopes
from .engine import Value
from .errors import DivisionByZeroError, DomainError, describe


class Op(Value):
    """A computed node: ``data = forward(*parent data)``; ``local_grads()`` gives ∂data/∂parent."""

    __slots__ = ()
    kind = "op"
    formula: ClassVar[str] = "op(x)"  # the math it computes, for error messages and drawings

    @staticmethod
    def forward(*xs: float) -> float:
        raise NotImplementedError

    @classmethod
    def apply(cls, *parents: Value) -> Value:
        """Compute ``forward`` on the parents' data and record the result as a new node."""
        try:
            data = cls.forward(*[p.data for p in parents])
        except (ArithmeticError, ValueError) as err:
            raise cls.undefined(parents, err) from None
        if data - data != 0.0:  # inf or NaN
            raise cls.undefined(parents, f"the result would be {data}")
        return cls.node(data, parents)

    @classmethod
    def node(cls, data: float, parents: tuple[Value, ...]) -> Value:
        """A new node of this op (``data`` is already a finite float)."""
        node = object.__new__(cls)
        node.data = data
        node.grad = 0.0
        node.parents = parents
        node.label = ""
        if scopes.ACTIVE:
            scopes.tag(node)
        return node

    @classmethod
    def undefined(cls, parents: tuple[Value, ...], why: Exception | str, note: str = "") -> DomainError:
        """The error for this op at these inputs: names the op, each input's label and value, and why."""
        inputs = ", ".join(describe(p) for p in parents)
        if isinstance(why, OverflowError):
            why = "the result overflows a float (|result| > 1.8e308); scale the input down"
        error = DivisionByZeroError if isinstance(why, ZeroDivisionError) else DomainError
        return error(f"cannot compute {cls.formula} for {inputs}: {note}{why}")


class Add(Op):
    """a + b.        ∂/∂a = 1,   ∂/∂b = 1"""

    __slots__ = ()
    op, formula = "+", "a + b"

    @staticmethod
    def forward(a: float, b: float) -> float:
        return a + b

    def local_grads(self) -> tuple[float, float]:
        return 1.0, 1.0


class Sub(Op):
    """a − b.        ∂/∂a = 1,   ∂/∂b = −1"""

    __slots__ = ()
    op, formula = "-", "a - b"

    @staticmethod
    def forward(a: float, b: float) -> float:
        return a - b

    def local_grads(self) -> tuple[float, float]:
        return 1.0, -1.0


class Mul(Op):
    """a · b.        ∂/∂a = b,   ∂/∂b = a"""

    __slots__ = ()
    op, formula = "*", "a * b"

    @staticmethod
    def forward(a: float, b: float) -> float:
        return a * b

    def local_grads(self) -> tuple[float, float]:
        a, b = self.parents
        return b.data, a.data


class Div(Op):
    """a / b.        ∂/∂a = 1/b,   ∂/∂b = −a/b²      (b ≠ 0)"""

    __slots__ = ()
    op, formula = "/", "a / b"

    @staticmethod
    def forward(a: float, b: float) -> float:
        if b == 0.0:
            raise ZeroDivisionError("division by zero (b = 0); add a small epsilon or guard the denominator")
        return a / b

    def local_grads(self) -> tuple[float, float]:
        a, b = self.parents
        return 1.0 / b.data, -a.data / b.data / b.data


class Neg(Op):
    """−a.           ∂/∂a = −1"""

    __slots__ = ()
    op, formula = "neg", "-a"

    @staticmethod
    def forward(a: float) -> float:
        return -a

    def local_grads(self) -> tuple[float]:
        return (-1.0,)


class Pow(Op):
    """xʸ with a Value exponent.   ∂/∂x = y·xʸ⁻¹,   ∂/∂y = xʸ·ln x      (x > 0)"""

    __slots__ = ()
    op, formula = "**", "x ** y"

    @staticmethod
    def forward(x: float, y: float) -> float:
        if x <= 0.0:
            raise ValueError(
                f"with a Value exponent the base must be > 0 (∂/∂y = x**y·ln x needs ln x), got x = {x:.6g}; "
                "for a fixed exponent use a plain number, e.g. x ** 2"
            )
        return x**y

    def local_grads(self) -> tuple[float, float]:
        x, y = self.parents
        return y.data * x.data ** (y.data - 1.0), self.data * math.log(x.data)


class PowConst(Op):
    """xⁿ with a number exponent n.   ∂/∂x = n·xⁿ⁻¹"""

    __slots__ = ("exponent",)
    formula = "x ** n"

    @property
    def op(self) -> str:  # type: ignore[override]
        return f"**{self.exponent:g}"

    @classmethod
    def apply(cls, base: Value, *, exponent: float) -> Value:  # type: ignore[override]
        try:
            data = cls.forward(base.data, exponent)
        except (ArithmeticError, ValueError) as err:
            raise cls.undefined((base,), err, note=f"n = {exponent:g}: ") from None
        if data - data != 0.0:
            raise cls.undefined((base,), f"the result would be {data}", note=f"n = {exponent:g}: ")
        node = cls.node(data, (base,))
        node.exponent = exponent
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
        (x,), n = self.parents, self.exponent
        if n == 0.0:
            return (0.0,)
        if x.data == 0.0 and n < 1.0:
            raise self.undefined((x,), "the derivative n·x**(n-1) is infinite at x = 0", note=f"n = {n:g}: ")
        return (n * x.data ** (n - 1.0),)


class Relu(Op):
    """max(0, x).    ∂/∂x = 1 if x > 0 else 0     (0 at the kink, as PyTorch)"""

    __slots__ = ()
    op, formula = "relu", "relu(x)"

    @staticmethod
    def forward(x: float) -> float:
        return x if x > 0.0 else 0.0

    def local_grads(self) -> tuple[float]:
        return (1.0 if self.parents[0].data > 0.0 else 0.0,)


class Tanh(Op):
    """tanh x.       ∂/∂x = 1 − tanh² x"""

    __slots__ = ()
    op, formula = "tanh", "tanh(x)"

    @staticmethod
    def forward(x: float) -> float:
        return math.tanh(x)

    def local_grads(self) -> tuple[float]:
        return (1.0 - self.data * self.data,)


class Sigmoid(Op):
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


class Exp(Op):
    """eˣ.           ∂/∂x = eˣ"""

    __slots__ = ()
    op, formula = "exp", "exp(x)"

    @staticmethod
    def forward(x: float) -> float:
        return math.exp(x)

    def local_grads(self) -> tuple[float]:
        return (self.data,)


class Log(Op):
    """ln x.         ∂/∂x = 1/x      (x > 0)"""

    __slots__ = ()
    op, formula = "log", "log(x)"

    @staticmethod
    def forward(x: float) -> float:
        if x <= 0.0:
            raise ValueError(f"log needs x > 0, got x = {x:.6g}; e.g. use log(x + eps) or keep x positive")
        return math.log(x)

    def local_grads(self) -> tuple[float]:
        return (1.0 / self.parents[0].data,)


class Sum(Op):
    """Σᵢ xᵢ, one node with n parents.     ∂/∂xᵢ = 1"""

    __slots__ = ()
    op, formula = "sum", "sum(x)"

    @staticmethod
    def forward(*xs: float) -> float:
        return sum(xs)

    def local_grads(self) -> tuple[float, ...]:
        return (1.0,) * len(self.parents)


class Dot(Op):
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
        return tuple(p.data for p in parents[n:]) + tuple(p.data for p in parents[:n])

