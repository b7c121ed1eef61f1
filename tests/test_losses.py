"""The max-margin loss J = max(0, Δ + s_c − s): the three cases of its gradient, the kink, bad input."""

from __future__ import annotations

import math

import pytest

from tinygrad_mm import Value
from tinygrad_mm.engine.errors import describe
from tinygrad_mm.models.losses import MaxMargin, max_margin_loss


def backprop(s: float, s_c: float, delta: float = 1.0) -> tuple[float, float, float, bool]:
    """J, ∂J/∂s, ∂J/∂s_c and whether the hinge is active, for plain leaves s and s_c."""
    s_leaf, s_c_leaf = Value(s, "s"), Value(s_c, "s_c")
    J = max_margin_loss(s_leaf, s_c_leaf, delta)
    J.backward()
    return J.data, s_leaf.grad, s_c_leaf.grad, J.active


def test_the_node_is_labelled_J_and_drawn_as_the_hinge() -> None:
    s, s_c = Value(0.2, "s"), Value(0.5, "s_c")
    J = max_margin_loss(s, s_c)
    assert isinstance(J, MaxMargin)
    assert (J.label, J.op, J.kind, J.delta) == ("J", "max(0,·)", "op", 1.0)
    assert J.parents == (s, s_c)  # s first, s_c second: the drawing's edge order
    assert J.data == pytest.approx(1.3, rel=1e-15)


def test_active_hinge_gives_the_notes_gradients() -> None:
    J, ds, ds_c, active = backprop(0.25, 0.75)
    assert active and J == 1.5
    assert (ds, ds_c) == (-1.0, 1.0)  # ∂J/∂s = −∂J/∂s_c = −1


@pytest.mark.parametrize(("s", "s_c"), [(3.0, 0.5), (1.0000001, 0.0), (-2.0, -10.0)])
def test_margin_met_means_no_gradient_at_all(s: float, s_c: float) -> None:
    J, ds, ds_c, active = backprop(s, s_c)
    assert not active
    assert J == 0.0
    assert (ds, ds_c) == (0.0, 0.0)  # no update when the margin is met


@pytest.mark.parametrize(("s", "s_c", "delta"), [(1.0, 0.0, 1.0), (2.5, 0.5, 2.0), (0.3, 0.3, 0.0)])
def test_exactly_at_the_kink_the_gradient_is_zero_like_pytorch_relu(s: float, s_c: float, delta: float) -> None:
    assert delta + s_c - s == 0.0  # really at the kink in floating point
    J, ds, ds_c, active = backprop(s, s_c, delta)
    assert not active and J == 0.0
    assert (ds, ds_c) == (0.0, 0.0)


def test_kink_convention_agrees_with_pytorch(torch) -> None:
    for s, s_c in [(1.0, 0.0), (0.25, 0.75), (3.0, 0.5)]:
        ts = torch.tensor(s, dtype=torch.float64, requires_grad=True)
        tc = torch.tensor(s_c, dtype=torch.float64, requires_grad=True)
        torch.relu(1.0 + tc - ts).backward()
        J, ds, ds_c, _ = backprop(s, s_c)
        assert (ds, ds_c) == (ts.grad.item(), tc.grad.item())


def test_shared_input_receives_both_contributions() -> None:
    # s and s_c both computed from one w: ∂J/∂w = −∂s/∂w + ∂s_c/∂w
    w = Value(0.5, "w")
    s, s_c = w * 2.0, w * w
    J = max_margin_loss(s, s_c)
    J.backward()
    assert J.active
    assert w.grad == -2.0 + 2 * 0.5


def test_plain_numbers_are_accepted_as_scores() -> None:
    s_c = Value(0.0, "s_c")
    J = max_margin_loss(0.5, s_c, delta=1.0)
    J.backward()
    assert J.data == 0.5 and s_c.grad == 1.0


@pytest.mark.parametrize("delta", [-0.5, -1e-12])
def test_negative_delta_is_rejected(delta: float) -> None:
    with pytest.raises(ValueError, match=r"delta must be >= 0 \(it is the required margin\)"):
        max_margin_loss(Value(0.0), Value(0.0), delta)


@pytest.mark.parametrize("delta", [math.nan, math.inf])
def test_non_finite_delta_is_rejected(delta: float) -> None:
    with pytest.raises(ValueError, match="delta must be finite"):
        max_margin_loss(Value(0.0), Value(0.0), delta)


def test_non_numeric_scores_are_rejected_with_the_operation_named() -> None:
    with pytest.raises(TypeError, match="max_margin_loss"):
        max_margin_loss("0.5", Value(0.0))


def test_describe_names_the_loss_node() -> None:
    J = max_margin_loss(Value(0.0, "s"), Value(0.0, "s_c"))
    assert describe(J) == "'J' (data=1)"
