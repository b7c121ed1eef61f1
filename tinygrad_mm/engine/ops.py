"""Every operation, once: its forward value, its local derivatives, and how to write both (see op.py).

Adding an op is one class here (or anywhere: `losses.MaxMargin` lives with the
losses) and, if it should read ``x.myop()``, one `Value` method.  An input outside
an operation's domain raises `DomainError` naming the operation, the input values
and their labels; no NaN or infinity is ever made.
"""

from __future__ import annotations

import math
from operator import mul

from .op import BinaryOp, Namer, NaryOp, Numberer, UnaryOp, parenthesize
from .value import Value


class Add(BinaryOp):
    """a + b.        ∂/∂a = 1,   ∂/∂b = 1"""

    __slots__ = ()
    op, symbol, formula, derivatives = "+", "+", "{a} + {b}", ("1", "1")
    code, code_derivatives = "{a} + {b}", ("1.0", "1.0")

    @staticmethod
    def forward(a: float, b: float) -> float:
        return a + b

    def local_grads(self) -> tuple[float, float]:
        return 1.0, 1.0


class Sub(BinaryOp):
    """a − b.        ∂/∂a = 1,   ∂/∂b = −1"""

    __slots__ = ()
    op, symbol, formula, derivatives = "-", "−", "{a} − {b}", ("1", "−1")
    code, code_derivatives = "{a} - {b}", ("1.0", "-1.0")

    @staticmethod
    def forward(a: float, b: float) -> float:
        return a - b

    def local_grads(self) -> tuple[float, float]:
        return 1.0, -1.0


class Mul(BinaryOp):
    """a · b.        ∂/∂a = b,   ∂/∂b = a"""

    __slots__ = ()
    op, symbol, formula, derivatives = "*", "×", "{a}·{b}", ("{b}", "{a}")
    code, code_derivatives = "{a} * {b}", ("{b}", "{a}")

    @staticmethod
    def forward(a: float, b: float) -> float:
        return a * b

    def local_grads(self) -> tuple[float, float]:
        return self.b._data, self.a._data


class Div(BinaryOp):
    """a / b.        ∂/∂a = 1/b,   ∂/∂b = −a/b²      (b ≠ 0)"""

    __slots__ = ()
    op, symbol, formula, derivatives = "/", "÷", "{a}/{b}", ("1/{b}", "−{a}/{b}²")
    code, code_derivatives = "{a} / {b}", ("1.0 / {b}", "-{a} / {b} / {b}")

    @staticmethod
    def forward(a: float, b: float) -> float:
        if b == 0.0:
            raise ZeroDivisionError("division by zero (b = 0); add a small epsilon or guard the denominator")
        return a / b

    def local_grads(self) -> tuple[float, float]:
        a, b = self.a._data, self.b._data
        return 1.0 / b, -a / b / b


class Neg(UnaryOp):
    """−x.           ∂/∂x = −1"""

    __slots__ = ()
    op, symbol, formula, derivatives = "neg", "−x", "−{x}", ("−1",)
    code, code_derivatives = "-{x}", ("-1.0",)

    @staticmethod
    def forward(x: float) -> float:
        return -x

    def local_grads(self) -> tuple[float]:
        return (-1.0,)


def power_rule(x: float, n: float) -> float:
    """d/dx xⁿ = n·xⁿ⁻¹, and ±inf where that is infinite (x = 0 with n < 1) or overflows.

    backward() raises `GradientError` if a nonzero gradient meets an infinite derivative.
    """
    if n == 0.0:
        return 0.0
    try:
        return n * x ** (n - 1.0)
    except (OverflowError, ZeroDivisionError):
        negative = (n < 0.0) != (x < 0.0 and (n - 1.0) % 2.0 == 1.0)  # x < 0 only with an integer n
        return -math.inf if negative else math.inf


class Pow(BinaryOp):
    """xʸ with a Value exponent.   ∂/∂x = y·xʸ⁻¹,   ∂/∂y = xʸ·ln x

    Needs x > 0 (ln x), or x = 0 with y > 0, where ∂/∂y = lim xʸ·ln x = 0 (as PyTorch).
    """

    __slots__ = ()
    op, symbol, formula = "**", "xʸ", "{a}^{b}"
    derivatives = ("{b}·{a}^({b} − 1)", "{out}·ln {a}")
    code = "{a} ** {b}"
    code_derivatives = ("{b} * {a} ** ({b} - 1.0)", "({out} * math.log({a}) if {a} > 0.0 else 0.0)")

    @staticmethod
    def forward(x: float, y: float) -> float:
        if x < 0.0 or (x == 0.0 and y <= 0.0):
            raise ValueError(
                "with a Value exponent the base must be > 0, or 0 with y > 0 (∂/∂y = x**y·ln x needs ln x), "
                f"got x = {x:.6g}, y = {y:.6g}; for a fixed exponent use a plain number, e.g. x ** 2"
            )
        return x**y

    def local_grads(self) -> tuple[float, float]:
        x, y = self.a._data, self.b._data
        return power_rule(x, y), (self._data * math.log(x) if x > 0.0 else 0.0)


class PowConst(UnaryOp):
    """xⁿ with a number exponent n.   ∂/∂x = n·xⁿ⁻¹"""

    __slots__ = ("exponent",)
    formula, derivatives = "{x}^{n}", ("{n}·{x}^{m}",)
    code, code_derivatives = "{x} ** {n}", ("{n} * {x} ** ({n} - 1.0)",)

    @property
    def op(self) -> str:  # type: ignore[override]
        return f"**{self.exponent:g}"

    symbol = op  # type: ignore[assignment]

    def constants(self) -> dict[str, float]:
        return {"n": self.exponent, "m": self.exponent - 1.0}

    def derivative_text(self, k: int, name: Namer, number: Numberer) -> str:
        """``n·x^(n−1)`` with n − 1 worked out: ``2·x`` for x², ``0.5·x^(−0.5)`` for √x."""
        n = self.exponent
        template = "0" if n == 0 else "1" if n == 1 else "{n}·{x}" if n == 2 else "{n}·{x}^{m}"
        return self.render(template, name, number)

    @classmethod
    def apply(cls, base: Value, *, exponent: float) -> Value:  # type: ignore[override]
        node = cls.node(cls.checked_forward((base,), base._data, exponent, note=f"n = {exponent:g}: "))
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
        return (power_rule(self.x._data, self.exponent),)


class Relu(UnaryOp):
    """max(0, x).    ∂/∂x = 1 if x > 0 else 0     (0 at the kink, as PyTorch)"""

    __slots__ = ()
    op, symbol, formula, derivatives = "relu", "relu", "relu({x})", ("1",)  # 0 while the gate is closed
    code, code_derivatives, gate_code = "({x} if {x} > 0.0 else 0.0)", ("1.0",), "{x} > 0.0"

    @staticmethod
    def forward(x: float) -> float:
        return x if x > 0.0 else 0.0

    def local_grads(self) -> tuple[float]:
        return (1.0 if self.x._data > 0.0 else 0.0,)

    def gate(self) -> bool:
        return self.x._data > 0.0

    def gate_text(self, name: Namer, number: Numberer) -> str:
        x, out, value = name(self.x), name(self), number(self.x._data)
        if self.gate():
            return f"{x} = {value} > 0: relu passes its input here, so ∂{out}/∂{x} = 1"
        return f"{x} = {value} ≤ 0: relu is flat here ({out} = 0), so ∂{out}/∂{x} = 0 — nothing flows back"


class Tanh(UnaryOp):
    """tanh x.       ∂/∂x = 1 − tanh² x"""

    __slots__ = ()
    op, symbol, formula, derivatives = "tanh", "tanh", "tanh({x})", ("1 − {out}²",)
    code, code_derivatives = "math.tanh({x})", ("1.0 - {out} * {out}",)

    @staticmethod
    def forward(x: float) -> float:
        return math.tanh(x)

    def local_grads(self) -> tuple[float]:
        return (1.0 - self._data * self._data,)


class Sigmoid(UnaryOp):
    """σ(x) = 1 / (1 + e⁻ˣ).   ∂/∂x = σ(x)·(1 − σ(x))      (stable for any finite x)"""

    __slots__ = ()
    op, symbol, formula, derivatives = "sigmoid", "σ", "σ({x})", ("{out}·(1 − {out})",)
    code = "(1.0 / (1.0 + math.exp(-{x})) if {x} >= 0.0 else math.exp({x}) / (1.0 + math.exp({x})))"
    code_derivatives = ("{out} * (1.0 - {out})",)

    @staticmethod
    def forward(x: float) -> float:
        if x >= 0.0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)  # never overflows for x < 0
        return e / (1.0 + e)

    def local_grads(self) -> tuple[float]:
        return (self._data * (1.0 - self._data),)


class Exp(UnaryOp):
    """eˣ.           ∂/∂x = eˣ"""

    __slots__ = ()
    op, symbol, formula, derivatives = "exp", "exp", "exp({x})", ("{out}",)
    code, code_derivatives = "math.exp({x})", ("{out}",)

    @staticmethod
    def forward(x: float) -> float:
        return math.exp(x)

    def local_grads(self) -> tuple[float]:
        return (self._data,)


class Log(UnaryOp):
    """ln x.         ∂/∂x = 1/x      (x > 0)"""

    __slots__ = ()
    op, symbol, formula, derivatives = "log", "log", "log({x})", ("1/{x}",)
    code, code_derivatives = "math.log({x})", ("1.0 / {x}",)

    @staticmethod
    def forward(x: float) -> float:
        if x <= 0.0:
            raise ValueError(f"log needs x > 0, got x = {x:.6g}; e.g. use log(x + eps) or keep x positive")
        return math.log(x)

    def local_grads(self) -> tuple[float]:
        return (1.0 / self.x._data,)


MAX_TERMS_SHOWN = 4  # a formula over n operands writes out this many terms, then "… (n terms)"


def _terms(terms: list[str], joiner: str = " + ") -> str:
    """``a + b + c``, or ``a + b + … + z (n terms)`` when there are more than `MAX_TERMS_SHOWN`."""
    if len(terms) <= MAX_TERMS_SHOWN:
        return joiner.join(terms)
    return f"{joiner.join(terms[:2])}{joiner}…{joiner}{terms[-1]} ({len(terms)} terms)"


class Sum(NaryOp):
    """Σᵢ xᵢ, one node with n parents.     ∂/∂xᵢ = 1"""

    __slots__ = ()
    op, symbol = "sum", "Σ"

    @staticmethod
    def forward(*xs: float) -> float:
        return sum(xs)

    def local_grads(self) -> tuple[float, ...]:
        return (1.0,) * len(self.parents)

    def formula_text(self, name: Namer, number: Numberer) -> str:
        return _terms([parenthesize(name(p)) for p in self.parents])

    def derivative_text(self, k: int, name: Namer, number: Numberer) -> str:
        return "1"

    def code_text(self, var: Namer) -> str:
        return " + ".join(parenthesize(var(p)) for p in self.parents)

    def code_derivative(self, k: int, var: Namer) -> str:
        return "1.0"

    @classmethod
    def general_formula(cls) -> str:
        return "x₁ + x₂ + … + xₙ"


class Dot(NaryOp):
    """Σᵢ xᵢ·wᵢ, one node with parents (x₁…xₙ, w₁…wₙ).     ∂/∂xᵢ = wᵢ,   ∂/∂wᵢ = xᵢ"""

    __slots__ = ()
    op, symbol = "dot", "·"

    @staticmethod
    def forward(*xs_then_ws: float) -> float:
        n = len(xs_then_ws) // 2
        return sum(map(mul, xs_then_ws[:n], xs_then_ws[n:]))

    def local_grads(self) -> tuple[float, ...]:
        parents = self.parents
        n = len(parents) // 2
        data = [p._data for p in parents]
        return (*data[n:], *data[:n])

    def partner(self, k: int) -> Value:
        """The operand parent k is multiplied by: ∂(Σ xᵢ·wᵢ)/∂xᵢ = wᵢ and ∂/∂wᵢ = xᵢ."""
        n = len(self.parents) // 2
        return self.parents[(k + n) % (2 * n)]

    def formula_text(self, name: Namer, number: Numberer) -> str:
        n = len(self.parents) // 2
        terms = zip(self.parents[:n], self.parents[n:], strict=True)
        return _terms([f"{parenthesize(name(x))}·{parenthesize(name(w))}" for x, w in terms])

    def derivative_text(self, k: int, name: Namer, number: Numberer) -> str:
        return name(self.partner(k))

    def code_text(self, var: Namer) -> str:
        n = len(self.parents) // 2
        terms = zip(self.parents[:n], self.parents[n:], strict=True)
        return " + ".join(f"{parenthesize(var(x))} * {parenthesize(var(w))}" for x, w in terms)

    def code_derivative(self, k: int, var: Namer) -> str:
        return var(self.partner(k))

    @classmethod
    def general_formula(cls) -> str:
        return "x₁·w₁ + … + xₙ·wₙ"
