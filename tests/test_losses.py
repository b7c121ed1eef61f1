"""The max-margin loss J = max(0, Δ + s_c − s): the three cases of its gradient, the kink, bad input; and the
expanded form (m = Δ + s_c − s, then J = max(0, m)) with the same values and gradients."""

from __future__ import annotations

import math

import pytest

from tinygrad_mm import Value
from tinygrad_mm.engine.errors import describe
from tinygrad_mm.models.closed_form import for_example
from tinygrad_mm.models.cs224n import notes_example
from tinygrad_mm.models.losses import Hinge, MaxMargin, max_margin_loss
from tinygrad_mm.views.drawing import dot_source
from tinygrad_mm.views.text import derivative_sentence, gate_sentence, node_names


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


# ---- the expanded hinge: m = Δ + s_c − s from ordinary ops, then J = max(0, m) ----


def expanded(s: float, s_c: float, delta: float = 1.0):
    s_leaf, s_c_leaf = Value(s, "s"), Value(s_c, "s_c")
    J = max_margin_loss(s_leaf, s_c_leaf, delta, expanded=True)
    J.backward()
    return J, s_leaf, s_c_leaf


def test_the_expanded_hinge_is_two_labelled_steps() -> None:
    J, s, s_c = expanded(0.25, 0.75)
    assert isinstance(J, Hinge) and J.label == "J" and J.op == "max(0,·)"
    (m,) = J.parents
    assert m.label == "m" and m.op == "-" and m.parents[1] is s  # m = (Δ + s_c) − s: the −1 comes from the subtraction
    assert m.parents[0].op == "+" and m.parents[0].parents[1] is s_c and m.parents[0].parents[0].data == 1.0
    assert J.formula_text(lambda v: v.label, str) == "max(0, m)" and J.active


@pytest.mark.parametrize(("s", "s_c", "delta"), [(0.25, 0.75, 1.0), (3.0, 0.5, 1.0), (1.0, 0.0, 1.0), (-2.0, -10.0, 0.5)])
def test_the_expanded_hinge_has_the_one_node_value_and_gradients(s: float, s_c: float, delta: float) -> None:
    J, s_leaf, s_c_leaf = expanded(s, s_c, delta)
    one, ds, ds_c, active = backprop(s, s_c, delta)
    assert (J.data, s_leaf.grad, s_c_leaf.grad, J.active) == (one, ds, ds_c, active)


def test_the_expanded_hinge_on_the_notes_example_matches_the_closed_form() -> None:
    for active in (True, False):
        example = notes_example(active=active)
        J = max_margin_loss(example.s, example.s_c, example.delta, expanded=True)
        J.backward()
        closed = for_example(example)
        assert J.data == closed.J and J.active == closed.active
        scorer = example.scorer
        for got, want in [(scorer.U, closed.U), (scorer.b, closed.b), *zip(scorer.W, closed.W, strict=True)]:
            assert [p.grad for p in got] == pytest.approx(want, rel=1e-12, abs=1e-15)
        assert [x.grad for x in example.x_c] == pytest.approx(closed.x_c, rel=1e-12, abs=1e-15)


def test_the_expanded_hinge_explains_its_gate_in_the_notes_words() -> None:
    J, _, _ = expanded(-0.08571, -0.08083)
    names = node_names(J)
    assert gate_sentence(J, names) == (
        "m = 1 + s_c − s = 1 + (−0.08083) − (−0.08571) = 1.005 > 0: the margin is violated, so here J = m, and ∂J/∂m = 1"
    )
    assert derivative_sentence(J.parents[0], 1, names) == "m = 1 + s_c − s: ∂m/∂s = −1"
    met, _, _ = expanded(3.0, 0.0)
    assert gate_sentence(met, node_names(met)) == (
        "m = 1 + s_c − s = 1 + 0 − 3 = −2 ≤ 0: the margin is met, J = 0 is flat here, so ∂J/∂m = 0 — nothing flows back"
    )
    assert "margin met — no gradient" in dot_source(met)  # the drawing marks the closed gate, as for the one node
    with pytest.raises(TypeError, match="expanded must be True or False"):
        max_margin_loss(Value(0.0), Value(0.0), expanded="yes")
