"""Losses.  The CS224N max-margin (hinge) loss J = max(0, Δ + s_c − s): one node (an op of its own),
or, for teaching, ``expanded``: the margin m = Δ + s_c − s from ordinary ops, then J = max(0, m)."""

from __future__ import annotations

from ..engine.errors import finite_float
from ..engine.op import BinaryOp, Namer, Numberer, Op
from ..engine.ops import Relu
from ..engine.statement import parenthesize
from ..engine.value import Value, operand


class MaxMargin(BinaryOp):
    """J = max(0, Δ + s_c − s).    ∂J/∂s = −1,  ∂J/∂s_c = +1  while Δ + s_c − s > 0;  both 0 otherwise.

    Kink convention: exactly at Δ + s_c − s = 0 the gradient is 0, as PyTorch's relu.
    When the margin is met (s ≥ s_c + Δ) the hinge is flat and no gradient flows at all.
    """

    __slots__ = ("delta",)
    op, symbol = "max(0,·)", "max(0,·)"
    value, derivatives = "max(0, delta + b - a)", ("-1", "+1")  # a = s, b = s_c; while the margin is violated …
    flows_when = "out > 0"  # … (the gate is open); 0 and 0 when it is met
    constant_fields = {"delta": "delta"}
    closed_label = "margin met — no gradient"

    @classmethod
    def apply(cls, s: Value, s_c: Value, *, delta: float) -> Value:  # type: ignore[override]
        node = cls.node(cls.checked_forward((s, s_c), s._data, s_c._data, delta, note=f"Δ = {delta:g}: "))
        node.a, node.b, node.delta = s, s_c, delta
        return node

    @property
    def active(self) -> bool:
        """True while the margin is violated (Δ + s_c − s > 0, so J > 0), i.e. while gradient flows."""
        return self.gate()

    def gate_text(self, name: Namer, number: Numberer) -> str:
        """The seeds' question, answered here: why ∂J/∂s = −1 and ∂J/∂s_c = +1 (or both 0)."""
        s, s_c, J = (parenthesize(name(v)) for v in (self.a, self.b, self))  # compound names in parentheses
        margin = self.delta + self.b._data - self.a._data
        arithmetic = (
            f"Δ + {s_c} − {s} = {number(self.delta)} + {_signed(number, self.b._data)} − "
            f"{_signed(number, self.a._data)} = {number(margin)}"
        )
        if self.active:
            return (
                f"{arithmetic} > 0: the margin is violated, so here {J} = Δ + {s_c} − {s}, "
                f"and ∂{J}/∂{s} = −1, ∂{J}/∂{s_c} = +1"
            )
        return f"{arithmetic} ≤ 0: {J} = 0 is flat here, so both ∂{J}/∂{s} and ∂{J}/∂{s_c} are 0 — nothing flows back"


def _signed(number: Numberer, x: float) -> str:
    text = number(x)
    return f"({text})" if x < 0 else text


class Hinge(Relu):
    """J = max(0, m), the hinge alone, over a margin m built from ordinary ops.    ∂J/∂m = 1 if m > 0 else 0.

    It is relu with the hinge's words: the gate is the margin, closed (flat, no
    gradient) once m ≤ 0, i.e. once s ≥ s_c + Δ.  Kink convention as relu: 0 at m = 0.
    """

    __slots__ = ()
    op, symbol = "max(0,·)", "max(0,·)"
    value = "max(0, x)"
    closed_label = "margin met — no gradient"

    @property
    def active(self) -> bool:
        """True while the margin is violated (m > 0), i.e. while gradient flows."""
        return self.gate()

    def gate_text(self, name: Namer, number: Numberer) -> str:
        """Why ∂J/∂m is 1 (the margin is violated) or 0 (met), with m's own arithmetic when m is computed."""
        m, J = name(self.x), name(self)
        value = number(self.x._data)
        shown = _margin_arithmetic(self.x, name, number)
        arithmetic = f"{m} = {shown if not shown.startswith(m + ' = ') else shown[len(m) + 3 :]}{value}"
        d = f"∂{parenthesize(J)}/∂{parenthesize(m)}"  # a compound name in parentheses: ∂J/∂(1 + s_c − s)
        if self.gate():
            return f"{arithmetic} > 0: the margin is violated, so here {J} = {m}, and {d} = 1"
        return f"{arithmetic} ≤ 0: the margin is met, {J} = 0 is flat here, so {d} = 0 — nothing flows back"


def _margin_arithmetic(m: Value, name: Namer, number: Numberer) -> str:
    """``Δ + s_c − s = 1 + (−0.08083) − (−0.08571) = `` for a computed m (two levels of unlabelled ops), else ""."""
    if not isinstance(m, Op):
        return ""
    value = lambda v: number(v._data)  # noqa: E731
    inner = lambda v: v.formula_text(value, number) if isinstance(v, Op) and not v.label else value(v)  # noqa: E731
    symbolic, numeric = m.formula_text(name, number), m.formula_text(inner, number)
    return f"{symbolic} = {numeric} = "


def max_margin_loss(s: Value | float, s_c: Value | float, delta: float = 1.0, expanded: bool = False) -> Value:
    """J = max(0, Δ + s_c − s), labelled ``J``: the true window's score ``s`` must beat the corrupted one's by Δ.

    ``expanded=True`` builds the same loss as two steps a student can follow: the margin
    ``m = Δ + s_c − s`` from ordinary ops (so ∂m/∂s = −1 comes from the subtraction), labelled
    ``m``, then ``J = max(0, m)`` (a `Hinge`: the gate).  Same value and gradients as the one node.
    """
    delta = finite_float(delta, "delta")
    if delta < 0:
        raise ValueError(f"delta must be >= 0 (it is the required margin), got {delta}")
    if not isinstance(expanded, bool):
        raise TypeError(f"expanded must be True or False, got {expanded!r}")
    s, s_c = operand(s, "max_margin_loss"), operand(s_c, "max_margin_loss")
    if expanded:
        m = (delta + s_c) - s
        m.label = "m"
        J = Hinge.apply(m)
    else:
        J = MaxMargin.apply(s, s_c, delta=delta)
    J.label = "J"
    return J
