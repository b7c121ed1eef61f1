"""Losses.  The CS224N max-margin (hinge) loss J = max(0, Δ + s_c − s): one node (an op of its own),
or, for teaching, ``expanded``: the margin m = Δ + s_c − s from ordinary ops, then J = max(0, m)."""

from __future__ import annotations

from ..engine.errors import finite_float
from ..engine.op import BinaryOp
from ..engine.ops import Relu
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
    gate_words = (  # the seeds' question, answered here: why ∂J/∂s = −1 and ∂J/∂s_c = +1 (or both 0)
        "Δ + {(b)} − {(a)} = {=delta} + {=(b)} − {=(a)} = {=delta + b - a} > 0: the margin is violated, "
        "so here {(out)} = Δ + {(b)} − {(a)}, and ∂{(out)}/∂{(a)} = −1, ∂{(out)}/∂{(b)} = +1",
        "Δ + {(b)} − {(a)} = {=delta} + {=(b)} − {=(a)} = {=delta + b - a} ≤ 0: "
        "{(out)} = 0 is flat here, so both ∂{(out)}/∂{(a)} and ∂{(out)}/∂{(b)} are 0 — nothing flows back",
    )

    @classmethod
    def apply(cls, s: Value, s_c: Value, *, delta: float) -> Value:  # type: ignore[override]
        node = cls.node(cls.checked_forward((s, s_c), s._data, s_c._data, delta, note=f"Δ = {delta:g}: "))
        node.a, node.b, node.delta = s, s_c, delta
        return node

    @property
    def active(self) -> bool:
        """True while the margin is violated (Δ + s_c − s > 0, so J > 0), i.e. while gradient flows."""
        return self.gate()


class Hinge(Relu):
    """J = max(0, m), the hinge alone, over a margin m built from ordinary ops.    ∂J/∂m = 1 if m > 0 else 0.

    It is relu with the hinge's words: the gate is the margin, closed (flat, no
    gradient) once m ≤ 0, i.e. once s ≥ s_c + Δ.  Kink convention as relu: 0 at m = 0.
    """

    __slots__ = ()
    op, symbol = "max(0,·)", "max(0,·)"
    value = "max(0, x)"
    closed_label = "margin met — no gradient"
    gate_words = (  # with m's own arithmetic when m is computed
        "{x} = {x=}{=x} > 0: the margin is violated, so here {out} = {x}, and ∂{(out)}/∂{(x)} = 1",
        "{x} = {x=}{=x} ≤ 0: the margin is met, {out} = 0 is flat here, so ∂{(out)}/∂{(x)} = 0 — nothing flows back",
    )

    @property
    def active(self) -> bool:
        """True while the margin is violated (m > 0), i.e. while gradient flows."""
        return self.gate()


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
