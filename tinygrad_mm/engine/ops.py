"""Every kind of node: the leaves you make, and every operation, once, its value and local derivatives stated as math.

A leaf is `Value(2.0)` (a `Leaf`), a `Parameter`, or a `Constant` (a plain number in an operation).
Adding an op is one class here (or anywhere: `losses.MaxMargin` lives with the losses; op.py says what
it states) and, if it should read ``x.myop()``, one `Value` method.  An input outside an operation's
domain raises `DomainError` naming the operation, the input values and their labels; no NaN or infinity
is ever made.
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import describe, finite_float
from .op import BinaryOp, NaryOp, UnaryOp
from .value import Value


class Leaf(Value):
    """A value you make, ``Value(2.0)``: a leaf of the graph.  Your code may attach any attribute to it
    (AdamW's ``p.m``, a visualiser's ``p._vis_color``); op nodes stay lean."""

    __slots__ = ("__dict__",)


class Parameter(Leaf):
    """A trainable leaf (drawn as a parameter).  Behaves exactly like `Value`."""

    __slots__ = ()
    kind = "parameter"


class Constant(Value):
    """A plain number used in an operation, e.g. the 2 in ``x * 2``.  It needs no gradient: ``.grad`` stays 0."""

    __slots__ = ()
    kind = "constant"

    @property  # type: ignore[override]
    def grad(self) -> float:
        return 0.0

    @grad.setter
    def grad(self, contribution: float) -> None:
        """What the chain rule sends a constant is dropped: nothing is learned about a fixed number."""

    def backward(self) -> None:
        """A constant has no graph and needs no gradient: calling backward() on one is a mistake (as in PyTorch)."""
        raise RuntimeError(
            f"backward() on {describe(self)}: a constant (a plain number in an operation, like the 2 in x*2) has "
            "no graph behind it and needs no gradient; call backward() on the value you computed, e.g. loss.backward()"
        )

    backward_steps = backward  # type: ignore[assignment]  (the same mistake, the same error)


def operand(x: object, op: str, other: Value | None = None) -> Value:
    """An operand of ``op`` as a Value: Values pass through, numbers become `Constant` leaves.

    ``other`` is the Value on the other side of ``op``, named in the error if ``x`` is not a finite real.
    """
    if isinstance(x, Value):
        return x
    try:
        return Constant.node(finite_float(x, "a constant"))
    except (TypeError, ValueError):  # check again, to raise an error that names the op and the other operand
        finite_float(x, f"the operand of {op!r}", other)
        raise


NEEDS_A_POSITIVE_BASE = (
    "with a Value exponent the base must be > 0, or 0 with y > 0 (∂/∂y = x**y·ln x needs ln x), "
    "got x = {a}, y = {b}; for a fixed exponent use a plain number, e.g. x ** 2"
)


class Add(BinaryOp):
    """a + b.        ∂/∂a = 1,   ∂/∂b = 1"""

    __slots__ = ()
    op, symbol = "+", "+"
    value, derivatives = "a + b", ("1", "1")


class Sub(BinaryOp):
    """a − b.        ∂/∂a = 1,   ∂/∂b = −1"""

    __slots__ = ()
    op, symbol = "-", "−"
    value, derivatives = "a - b", ("1", "-1")


class Mul(BinaryOp):
    """a · b.        ∂/∂a = b,   ∂/∂b = a"""

    __slots__ = ()
    op, symbol = "*", "×"
    value, derivatives = "a * b", ("b", "a")


class Div(BinaryOp):
    """a / b.        ∂/∂a = 1/b,   ∂/∂b = −a/b²      (b ≠ 0)"""

    __slots__ = ()
    op, symbol = "/", "÷"
    value, derivatives = "a / b", ("1 / b", "-a / b**2")
    undefined_when = {"b == 0": "division by zero (b = 0); add a small epsilon or guard the denominator"}


class Neg(UnaryOp):
    """−x.           ∂/∂x = −1"""

    __slots__ = ()
    op, symbol = "neg", "−x"
    value, derivatives = "-x", ("-1",)


class Pow(BinaryOp):
    """xʸ with a Value exponent.   ∂/∂x = y·xʸ⁻¹,   ∂/∂y = xʸ·ln x

    Needs x > 0 (ln x), or x = 0 with y > 0, where ∂/∂y = lim xʸ·ln x = 0 (as PyTorch).
    """

    __slots__ = ()
    op, symbol = "**", "xʸ"
    value, derivatives = "a ** b", ("b * a ** (b - 1)", "out * log(a) if a > 0 else 0")
    undefined_when = {"a < 0 or a == 0 and b <= 0": NEEDS_A_POSITIVE_BASE}


class PowConst(UnaryOp):
    """xⁿ with a number exponent n.   ∂/∂x = n·xⁿ⁻¹   (±inf where that is infinite: x = 0 with n < 1)"""

    __slots__ = ("exponent",)
    value, derivatives = "x ** n", ("0 if n == 0 else n * x ** (n - 1)",)
    constant_fields = {"n": "exponent"}
    undefined_when = {
        "x == 0 and n < 0": "division by zero: 0 raised to a negative power",
        "x < 0 and n % 1 != 0": "a negative base with a fractional exponent has no real value",
    }

    @property
    def op(self) -> str:  # type: ignore[override]
        return f"**{self.exponent:g}"

    symbol = op  # type: ignore[assignment]

    @classmethod
    def apply(cls, base: Value, *, exponent: float) -> Value:  # type: ignore[override]
        node = cls.node(cls.checked_forward((base,), base._data, exponent, note=f"n = {exponent:g}: "))
        node.x, node.exponent = base, exponent
        return node


class Relu(UnaryOp):
    """max(0, x).    ∂/∂x = 1 if x > 0 else 0     (0 at the kink, as PyTorch)"""

    __slots__ = ()
    op, symbol = "relu", "relu"
    value, derivatives, flows_when = "relu(x)", ("1",), "x > 0"
    gate_words = ("{x} = {=x} > 0: relu passes its input here, so ∂{(out)}/∂{(x)} = 1",
                  "{x} = {=x} ≤ 0: relu is flat here ({out} = 0), so ∂{(out)}/∂{(x)} = 0 — nothing flows back")  # fmt: skip


class Tanh(UnaryOp):
    """tanh x.       ∂/∂x = 1 − tanh² x"""

    __slots__ = ()
    op, symbol = "tanh", "tanh"
    value, derivatives = "tanh(x)", ("1 - out**2",)


class Sigmoid(UnaryOp):
    """σ(x) = 1 / (1 + e⁻ˣ).   ∂/∂x = σ(x)·(1 − σ(x))      (stable for any finite x)"""

    __slots__ = ()
    op, symbol = "sigmoid", "σ"
    value, derivatives = "sigmoid(x)", ("out * (1 - out)",)


class Exp(UnaryOp):
    """eˣ.           ∂/∂x = eˣ"""

    __slots__ = ()
    op, symbol = "exp", "exp"
    value, derivatives = "exp(x)", ("out",)


class Log(UnaryOp):
    """ln x.         ∂/∂x = 1/x      (x > 0)"""

    __slots__ = ()
    op, symbol = "log", "log"
    value, derivatives = "log(x)", ("1 / x",)
    undefined_when = {"x <= 0": "log needs x > 0, got x = {x}; e.g. use log(x + eps) or keep x positive"}


class Sum(NaryOp):
    """Σᵢ xᵢ, one node with n parents.     ∂/∂xᵢ = 1"""

    __slots__ = ()
    op, symbol = "sum", "Σ"
    value, derivatives = "x", ("1",)

    @classmethod
    def general_formula(cls) -> str:
        return "x₁ + x₂ + … + xₙ"


class Dot(NaryOp):
    """Σᵢ xᵢ·wᵢ, one node with parents (x₁…xₙ, w₁…wₙ).     ∂/∂xᵢ = wᵢ,   ∂/∂wᵢ = xᵢ"""

    __slots__ = ()
    op, symbol = "dot", "·"
    operand_fields = ("x", "w")
    value, derivatives = "x * w", ("w", "x")

    @classmethod
    def general_formula(cls) -> str:
        return "x₁·w₁ + … + xₙ·wₙ"


def sum_values(values: Iterable[Value | float]) -> Value:
    """Σᵢ vᵢ as ONE node with n parents (Python's ``sum`` would build a chain of n additions)."""
    parents = tuple(operand(v, "sum") for v in values)
    if not parents:
        raise ValueError("sum_values() needs at least one value, got an empty sequence")
    return Sum.apply(*parents)


def dot(xs: Iterable[Value | float], ws: Iterable[Value | float]) -> Value:
    """Σᵢ xᵢ·wᵢ as ONE node whose parents are x₁…xₙ, w₁…wₙ (in that order)."""
    xs, ws = tuple(operand(x, "dot") for x in xs), tuple(operand(w, "dot") for w in ws)
    if len(xs) != len(ws) or not xs:
        raise ValueError(f"dot() needs two non-empty sequences of equal length, got {len(xs)} and {len(ws)}")
    return Dot.apply(*xs, *ws)
