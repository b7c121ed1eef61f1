"""Losses.  The CS224N max-margin (hinge) loss J = max(0, Δ + s_c − s) is one node."""

from __future__ import annotations

from .engine import Value, _finite_float, _operand
from .ops import BinaryOp


class MaxMargin(BinaryOp):
    """J = max(0, Δ + s_c − s).    ∂J/∂s = −1,  ∂J/∂s_c = +1  while Δ + s_c − s > 0;  both 0 otherwise.

    Kink convention: exactly at Δ + s_c − s = 0 the gradient is 0, as PyTorch's relu.
    When the margin is met (s ≥ s_c + Δ) the hinge is flat and no gradient flows at all.
    """

    __slots__ = ("delta",)
    op, formula = "max(0,·)", "max(0, Δ + s_c - s)"

    @classmethod
    def apply(cls, s: Value, s_c: Value, *, delta: float) -> Value:  # type: ignore[override]
        node = cls.node(cls.checked_forward((s, s_c), s.data, s_c.data, delta, note=f"Δ = {delta:g}: "))
        node.a, node.b, node.delta = s, s_c, delta
        return node

    @staticmethod
    def forward(s: float, s_c: float, delta: float) -> float:
        return max(0.0, delta + s_c - s)

    def local_grads(self) -> tuple[float, float]:
        return (-1.0, 1.0) if self.active else (0.0, 0.0)

    @property
    def active(self) -> bool:
        """True while the margin is violated (Δ + s_c − s > 0), i.e. while gradient flows."""
        s, s_c = self.a, self.b
        return self.delta + s_c.data - s.data > 0.0


def max_margin_loss(s: Value | float, s_c: Value | float, delta: float = 1.0) -> Value:
    """J = max(0, Δ + s_c − s), labelled ``J``: the true window's score ``s`` must beat the corrupted one's by Δ."""
    delta = _finite_float(delta, "delta")
    if delta < 0:
        raise ValueError(f"delta must be >= 0 (it is the required margin), got {delta}")
    J = MaxMargin.apply(_operand(s, "max_margin_loss"), _operand(s_c, "max_margin_loss"), delta=delta)
    J.label = "J"
    return J
