"""record(root) -> Pass: one backward pass recorded on the side, the thing every view reads.

It equals backward() bit for bit, changes no ``.grad`` (the same float objects, even when the pass
fails), marks the non-finite gradients where backward() would raise, and cannot be changed.
"""

from __future__ import annotations

import math

import pytest
from helpers import random_graph

from tinygrad_mm import GradientError, Parameter, StaleGraphError, Value
from tinygrad_mm.engine import Pass, backprop_order, record
from tinygrad_mm.models.losses import max_margin_loss


def grads_by_identity(nodes: list[Value]) -> list[int]:
    return [id(node.grad) for node in nodes]


@pytest.mark.parametrize("seed", range(8))
def test_a_record_is_backward_bit_for_bit_and_changes_nothing(seed):
    leaves, nodes, root = random_graph(seed, 4, 40)
    for leaf in leaves:
        leaf.grad = 0.25 * (leaves.index(leaf) + 1)  # gradients accumulated before: they must stay
    order = backprop_order(root)
    before, identities = [node.grad for node in order], grads_by_identity(order)
    p = record(root)
    assert [node.grad for node in order] == before and grads_by_identity(order) == identities
    assert isinstance(p, Pass) and p.root is root and p.order == tuple(order) and p.finite and not p.nonfinite
    assert [step.node for step in p.steps] == list(order) and [step.index for step in p.steps] == list(range(len(order)))
    assert list(p.step_of()) == list(order) and all(p.step_of()[step.node] is step for step in p.steps)
    for node in order:
        node.grad = 0.0
    root.backward()
    assert {node: node.grad for node in order} == dict(p.grads)  # exactly: the same float additions
    root.zero_grad()
    stepped = list(root.backward_steps())  # the user's stepped pass is the same loop
    assert [(s.node, s.grad, s.contributions, s.grads_after) for s in stepped] == [
        (s.node, s.grad, s.contributions, s.grads_after) for s in p.steps
    ]


def test_a_record_is_immutable():
    x = Value(2.0, "x")
    p = record(x * x)
    with pytest.raises(TypeError):
        p.grads[x] = 1.0  # type: ignore[index]
    with pytest.raises(AttributeError):
        p.order = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        p.gates[x] = True  # type: ignore[index]


def test_gates_are_recorded_for_ops_with_a_gate():
    s, s_c = Parameter(0.3, "s"), Parameter(0.1, "s_c")
    J = max_margin_loss(s, s_c, 1.0)  # margin 1 + 0.1 − 0.3 > 0: the hinge is open
    off = (Value(-1.0, "z")).relu()  # a relu at a negative input: closed
    p, q = record(J), record(off)
    assert p.gates == {J: True} and q.gates == {off: False}
    assert p.grads[s] == -1.0 and q.grads[off.parents[0]] == 0.0


def test_where_backward_raises_the_record_marks_the_non_finite_gradients_and_changes_nothing():
    x = Value(1e-320, "x")  # log'(x) = 1/x overflows
    y = x.log() * 2.0
    y.label = "y"
    x.grad = 0.5
    with pytest.raises(GradientError):
        y.backward()
    assert x.grad == 0.5
    p = record(y)
    assert not p.finite and p.nonfinite == {x} and math.isinf(p.grads[x]) and p.grad(x) is None
    assert p.grads[y] == 1.0 and p.grad(y.parents[0]) == 2.0  # what exists is recorded
    assert x.grad == 0.5 and y.grad == 0.0


def test_a_stale_graph_is_refused_and_every_gradient_kept():
    w = Value(0.5, "w")
    loss = (w * 3.0).tanh()
    loss.backward()
    grads = [node.grad for node in backprop_order(loss)]
    w.data = 0.7  # an SGD step: loss was computed from the old w
    with pytest.raises(StaleGraphError):
        record(loss)
    assert [node.grad for node in backprop_order(loss)] == grads


def test_a_record_is_nobodys_latest_pass():
    from tinygrad_mm.engine.value import latest_root_over

    a = Value(1.0, "a")
    first, second = a * 2.0, a * 3.0
    first.backward()
    record(second)
    assert latest_root_over(a) is first  # views still say whose gradients the user's .grad values are
