"""Value and backward() semantics: graph structure, op names, repr, gradient seeding and accumulation,
zero_grad, determinism, numerically stable activations, and backward_steps() matching backward() bit for bit."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from helpers import random_graph
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_mm import BackwardStep, Constant, Parameter, Value, dot, scope, sum_values, topological_order
from tinygrad_mm.engine import backprop_order, count_uses, ops, uses_of

# ---- structure ----------------------------------------------------------------------------------


def test_leaf_fields():
    x = Value(3, label="x")
    assert (x.data, x.grad, x.label, x.op, x.parents, x.kind) == (3.0, 0.0, "x", "", (), "input")
    assert type(x.data) is float and type(x.grad) is float
    assert Value(2.5).label == ""


@pytest.mark.parametrize(
    "build, op, cls",
    [
        (lambda a, b: a + b, "+", ops.Add),
        (lambda a, b: a - b, "-", ops.Sub),
        (lambda a, b: a * b, "*", ops.Mul),
        (lambda a, b: a / b, "/", ops.Div),
        (lambda a, b: -a, "neg", ops.Neg),
        (lambda a, b: a**b, "**", ops.Pow),
        (lambda a, b: a**2, "**2", ops.PowConst),
        (lambda a, b: a**0.5, "**0.5", ops.PowConst),
        (lambda a, b: a**-1, "**-1", ops.PowConst),
        (lambda a, b: a.relu(), "relu", ops.Relu),
        (lambda a, b: a.tanh(), "tanh", ops.Tanh),
        (lambda a, b: a.sigmoid(), "sigmoid", ops.Sigmoid),
        (lambda a, b: a.exp(), "exp", ops.Exp),
        (lambda a, b: a.log(), "log", ops.Log),
        (lambda a, b: sum_values([a, b, a]), "sum", ops.Sum),
        (lambda a, b: dot([a, b], [b, a]), "dot", ops.Dot),
    ],
)
def test_each_op_is_one_node_with_its_own_name(build, op, cls):
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    node = build(a, b)
    assert (type(node), node.op, node.kind, node.label) == (cls, op, "op", "")
    assert all(isinstance(p, Value) for p in node.parents)
    assert not hasattr(node, "__dict__")  # op nodes: numbers and operands in __slots__, nothing else (small nodes)


def test_subtraction_and_negation_are_real_nodes_not_add_and_times_minus_one():
    a, b = Value(5.0, label="a"), Value(3.0, label="b")
    diff, neg = a - b, -a
    assert type(diff) is ops.Sub and diff.parents == (a, b) and diff.data == 2.0
    assert type(neg) is ops.Neg and neg.parents == (a,) and neg.data == -5.0
    assert [n.op for n in topological_order(diff)] == ["", "", "-"]


def test_parents_are_ordered_tuples_and_numbers_become_constants():
    x = Value(4.0, label="x")
    for node, first_is_x in [(x - 1, True), (1 - x, False), (x / 2, True), (2 / x, False), (3**x, False)]:
        assert isinstance(node.parents, tuple) and len(node.parents) == 2
        constant = node.parents[1] if first_is_x else node.parents[0]
        assert (node.parents[0] is x) == first_is_x
        assert type(constant) is Constant and constant.kind == "constant" and constant.parents == ()
    xs, ws = [Value(i) for i in range(3)], [Value(10 + i) for i in range(3)]
    assert dot(xs, ws).parents == (*xs, *ws)
    assert sum_values(xs + [x]).parents == (*xs, x)


def test_a_plus_a_keeps_both_parent_slots_and_gets_both_contributions():
    a = Value(3.0, label="a")
    for node, grad in [(a + a, 2.0), (a * a, 6.0), (a - a, 0.0), (a / a, 0.0), (sum_values([a, a, a]), 3.0)]:
        assert node.parents[:2] == (a, a)
        a.grad = 0.0
        node.backward()
        assert a.grad == grad
    assert count_uses(a + a)[a] == 2


def test_uses_of_lists_every_edge_into_a_node():
    a, b = Value(3.0, label="a"), Value(2.0, label="b")
    twice, other = a + a, b * 2
    root = twice * other
    assert list(uses_of(a, count_uses(root))) == [(twice, 0), (twice, 1)]  # a + a: two edges, in slot order
    assert list(uses_of(b, [root, twice, other])) == [(other, 0)]  # users that do not use b are skipped
    root.backward()
    assert sum(user.grad * user.local_grads()[k] for user, k in uses_of(a, count_uses(root))) == a.grad


def test_repr_is_readable():
    x = Value(2.0, label="x")
    y = x * x
    y.label = "y"
    y.backward()
    assert repr(x) == "Value(data=2.0, grad=4.0, label='x')"
    # an op node says which op it is, what it computes and its local derivatives: what pdb shows for `self`
    assert repr(y) == "<Mul y = x·x = 4, grad 1; ∂y/∂x = x; ∂y/∂x = x>"
    assert repr(x**3 + 1) == "<Add out = x^3 + 1 = 9, grad 0; ∂out/∂(x^3) = 1; ∂out/∂1 = 1>"


def test_parameter_and_constant_are_values_of_their_kind():
    w = Parameter(0.5, "w")
    y = w * 2
    y.backward()
    assert (w.kind, w.grad, w.label) == ("parameter", 2.0, "w")
    assert y.parents[1].grad == 0.0  # a constant needs no gradient: what the chain rule sends it is dropped
    big = Value(1.0, "x") / 1e-160  # ∂/∂b = −a/b² overflows, but b is a constant: nobody needs it
    big.backward()
    assert big.parents[0].grad == 1e160


def test_numbers_accepted_as_operands():
    """Any finite real number works on either side: int, float, bool (as 0/1, like Python), Fraction, numpy."""
    x = Value(2.0, label="x")
    assert (x + True).data == 3.0 and (False * x).data == 0.0
    assert (x * Fraction(1, 4)).data == 0.5 and Value(Fraction(3, 2)).data == 1.5
    assert Value(10**300).data == 1e300
    np = pytest.importorskip("numpy", reason="numpy scalars are checked only where numpy is installed")
    for number in (np.float64(1.5), np.float32(1.5), np.int64(3)):
        for node in (x * number, number * x, x + number, number + x, number - x, number / x):
            assert isinstance(node, Value) and type(node.data) is float
    y = np.float64(3.0) * x
    y.backward()
    assert (y.data, x.grad) == (6.0, 3.0)


def test_scope_tags_nodes_made_inside_it():
    with scope("layer"):
        a = Value(1.0, label="a")
        with scope("inner"):
            b = a * 2
    assert (a.scope, b.scope, (a + b).scope) == (("layer",), ("layer", "inner"), ())


# ---- backward() semantics ----------------------------------------------------------------------


def small_graph():
    """L = tanh(a·b + c)·a with a used twice."""
    a, b, c = Value(0.5, label="a"), Value(-1.5, label="b"), Value(0.25, label="c")
    h = (a * b + c).tanh()
    h.label = "h"
    L = h * a
    L.label = "L"
    return a, b, c, h, L


def test_root_grad_is_seeded_with_one_and_chain_rule_holds():
    a, b, c, h, L = small_graph()
    L.backward()
    assert L.grad == 1.0
    t = math.tanh(0.5 * -1.5 + 0.25)
    assert h.grad == pytest.approx(0.5)
    assert a.grad == pytest.approx(t + 0.5 * (1 - t * t) * -1.5)  # both uses of a
    assert b.grad == pytest.approx(0.5 * (1 - t * t) * 0.5)
    assert c.grad == pytest.approx(0.5 * (1 - t * t))


def test_backward_twice_never_doubles_interior_grads_but_leaves_accumulate():
    a, b, c, h, L = small_graph()
    L.backward()
    interior = {n: n.grad for n in topological_order(L) if n.parents}
    leaves = {n: n.grad for n in (a, b, c)}
    L.backward()
    assert {n: n.grad for n in interior} == interior
    assert {n: n.grad for n in leaves} == {n: 2 * g for n, g in leaves.items()}


def test_zero_grad_resets_the_whole_graph_and_the_next_pass_is_fresh():
    a, b, c, h, L = small_graph()
    L.backward()
    first = [n.grad for n in topological_order(L)]
    L.backward()
    L.zero_grad()
    assert all(n.grad == 0.0 for n in topological_order(L))
    L.backward()
    assert [n.grad for n in topological_order(L)] == first


def test_leaf_root_accumulates_like_pytorch():
    """x.backward() on a leaf adds dx/dx = 1 each call (as torch does for a leaf tensor)."""
    x = Value(3.0, label="x")
    x.backward()
    assert x.grad == 1.0
    x.backward()
    assert x.grad == 2.0
    x.zero_grad()
    assert x.grad == 0.0


def test_two_losses_on_shared_leaves_accumulate():
    x = Value(2.0, label="x")
    (x * x).backward()
    (x * 3).backward()
    assert x.grad == 2 * 2.0 + 3


def test_backward_from_an_interior_node_covers_only_its_subgraph():
    a, b, c, h, L = small_graph()
    h.backward()
    t = math.tanh(0.5 * -1.5 + 0.25)
    assert (h.grad, L.grad) == (1.0, 0.0)  # L is downstream of h: untouched
    assert a.grad == pytest.approx((1 - t * t) * -1.5)


def test_nodes_outside_the_graph_are_untouched():
    x = Value(1.0, label="x")
    other = x * 5
    (x + 1).backward()
    assert other.grad == 0.0 and x.grad == 1.0


def test_a_leaf_is_a_graph_of_one_node():
    x = Value(1.0, label="x")
    assert topological_order(x) == [x] and count_uses(x) == {x: 0}
    assert [s.node for s in x.backward_steps()] == [x] and x.grad == 1.0


def test_propagate_is_the_chain_rule_at_one_node():
    a, b = Value(2.0), Value(5.0)
    y = a * b
    y.grad = 3.0
    y.propagate()
    assert (a.grad, b.grad) == (15.0, 6.0)
    assert a.local_grads() == ()


def test_backward_skips_nodes_whose_gradient_is_zero():
    """A zero gradient adds nothing to any parent, so backward() never asks that node for its local derivatives."""
    x = Value(0.0, "x")
    flat = (x**0.5).relu() * 0.0  # d/dx √x is infinite at 0, but nothing flows through this branch
    live = Value(3.0, "w") * 2.0
    root = flat + live
    root.backward()
    assert (x.grad, root.parents[1].parents[0].grad) == (0.0, 2.0)
    root.zero_grad()
    steps = list(root.backward_steps())  # the same rule: stepping shows every node, but a zero gradient sends nothing
    assert (x.grad, root.parents[1].parents[0].grad) == (0.0, 2.0)
    skipped = next(step for step in steps if step.node is flat.parents[0])
    assert not skipped.sent and skipped.contributions == (0.0,) and skipped.grads_after == skipped.grads_before


def test_backprop_order_runs_each_branch_through_before_the_shared_leaves():
    w = Value(2.0, "w")
    left, right = (w * 3.0).tanh(), (w * 5.0).exp()
    root = left + right
    order = backprop_order(root)
    assert [(n.op, n.data) for n in order] == [
        ("+", root.data), ("tanh", left.data), ("*", 6.0), ("", 3.0), ("exp", right.data), ("*", 10.0), ("", 2.0), ("", 5.0)
    ]  # the whole left branch (with its own constant 3), then the right one; w, used by both, after both
    assert order[1] is left and order[4] is right and order[6] is w


def test_order_is_deterministic_and_topological():
    def build():
        _, _, root = random_graph(seed=7, n_leaves=5, n_ops=120)
        return root

    def signature(root):
        return [(n.op, n.label, n.data) for n in topological_order(root)]

    first, second = build(), build()
    assert signature(first) == signature(second)
    assert [(s.node.op, s.node.data) for s in first.backward_steps()] == [
        (s.node.op, s.node.data) for s in second.backward_steps()
    ]
    order = topological_order(first)
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order) == len(count_uses(first)) and order[-1] is first
    assert all(position[p] < position[n] for n in order for p in n.parents)
    uses = count_uses(first)
    backward = backprop_order(first)
    assert backward[0] is first and sorted(map(id, backward)) == sorted(map(id, order))
    assert all(backward.index(p) > backward.index(n) for n in backward[:60] for p in n.parents)
    assert all(count == sum(p is n for m in order for p in m.parents) for n, count in uses.items())


def test_order_and_gradients_are_the_same_in_every_process():
    """No set or hash order anywhere: fresh interpreters with different hash seeds agree bit for bit."""
    program = (
        "import sys; sys.path.insert(0, 'tests'); from helpers import random_graph\n"
        "root = random_graph(11, 5, 150)[2]\n"
        "print([(s.node.op, s.node.label, s.grad.hex()) for s in root.backward_steps()])"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", program],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent.parent,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1] and runs[0].count("(") > 150


# ---- numerically stable activations ---------------------------------------------------------------


@pytest.mark.parametrize("x", [1000.0, -1000.0, 710.0, -710.0, 1e308, -1e308, 40.0, -40.0])
def test_tanh_and_sigmoid_are_stable_for_any_finite_input(x):
    v = Value(x, label="x")
    t, s = v.tanh(), v.sigmoid()
    assert t.data == math.copysign(1.0, x)
    assert s.data == pytest.approx(1.0 if x > 0 else 0.0, abs=1e-17)
    (t + s).backward()
    assert v.grad == pytest.approx(0.0, abs=1e-17) and math.isfinite(v.grad)


def test_sigmoid_is_accurate_across_its_range():
    for x in (-745.0, -700.0, -30.0, -1.0, 0.0, 1.0, 30.0):
        exact = 1.0 / (1.0 + math.exp(-x)) if x > -700 else math.exp(x)
        assert Value(x).sigmoid().data == pytest.approx(exact, rel=1e-15)
    assert Value(-745.0).sigmoid().data > 0.0  # a tiny positive number, not 0/(1+0) by luck


# ---- backward_steps(): the same pass, one node at a time -------------------------------------------


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_ops=st.integers(1, 80))
def test_backward_steps_reproduces_backward_exactly(seed, n_ops):
    _, _, by_backward = random_graph(seed, 4, n_ops)
    _, _, by_steps = random_graph(seed, 4, n_ops)
    by_backward.backward()
    steps = list(by_steps.backward_steps())
    nodes_a, nodes_b = topological_order(by_backward), topological_order(by_steps)
    assert [n.grad for n in nodes_a] == [n.grad for n in nodes_b]  # the same floats, not just close
    assert [s.index for s in steps] == list(range(len(nodes_b)))
    assert steps[0].node is by_steps and [s.node for s in steps] == backprop_order(by_steps)
    for step in steps:
        assert_step_arithmetic(step)


def sent_by(step: BackwardStep) -> tuple[float, ...]:
    """grad · local into every parent, but nothing into a constant (it needs no gradient) nor from a zero gradient."""
    return tuple(step.grad * d if step.grad and p.kind != "constant" else 0.0 for p, d in zip(step.parents, step.local_grads, strict=True))


def assert_step_arithmetic(step: BackwardStep) -> None:
    node = step.node
    assert step.grad == node.grad and step.parents == node.parents
    assert step.local_grads == node.local_grads()
    assert step.contributions == sent_by(step)
    assert step.grads_after == tuple(b + c for b, c in zip(step.grads_before, step.contributions, strict=True))
    for i in range(1, len(step.parents)):  # a parent listed twice continues from its previous slot
        for j in range(i):
            if step.parents[j] is step.parents[i]:
                last = max(k for k in range(i) if step.parents[k] is step.parents[i])
                assert step.grads_before[i] == step.grads_after[last]


def test_backward_steps_records_for_a_plus_a():
    a = Value(3.0, label="a")
    y = a + a
    y.label = "y"
    out = y * 2.0
    steps = list(out.backward_steps())
    assert [s.node for s in steps][:2] == [out, y]
    step = steps[1]
    assert step.parents == (a, a) and step.local_grads == (1.0, 1.0)
    assert step.grad == 2.0 and step.contributions == (2.0, 2.0)
    assert step.grads_before == (0.0, 2.0) and step.grads_after == (2.0, 4.0)
    assert a.grad == 4.0 and steps[-1].node in (a, out.parents[1])
    with pytest.raises(AttributeError):
        step.grad = 0.0  # records are frozen


def test_backward_steps_twice_has_backward_semantics():
    a, b, c, h, L = small_graph()
    list(L.backward_steps())
    once = {n: n.grad for n in topological_order(L)}
    list(L.backward_steps())
    for node, grad in once.items():
        assert node.grad == (2 * grad if node in (a, b, c) else grad)


def test_stopping_backward_steps_early_then_zero_grad_gives_a_clean_pass():
    a, b, c, h, L = small_graph()
    L.backward()
    expected = [n.grad for n in topological_order(L)]
    L.zero_grad()
    steps = L.backward_steps()
    next(steps), next(steps)
    steps.close()
    L.zero_grad()
    L.backward()
    assert [n.grad for n in topological_order(L)] == expected
