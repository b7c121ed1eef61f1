"""explain(): ∂root/∂node as a sum over root → node paths; the explosion guard and the per-edge breakdown."""

from __future__ import annotations

import math

import pytest
from test_stepping import margin_graph

from tinygrad_mm import Value, explain
from tinygrad_mm.engine import record, topological_order
from tinygrad_mm.models.losses import max_margin_loss
from tinygrad_mm.views.explain import PathExplosionError, count_paths, edge_breakdown


def test_paths_sum_to_every_gradient():
    J, _ = margin_graph()
    J.zero_grad()
    J.backward()
    for node in topological_order(J):
        e = explain(J, node)
        assert math.isclose(e.total, node.grad, rel_tol=1e-12, abs_tol=1e-15), node.label
        assert len(e.paths) == count_paths(J, node)
        if len(e.paths) == 1:  # one path: the same multiplications, in the same order, as backward()
            assert e.total == node.grad


def test_each_path_is_a_chain_of_parents_with_its_local_derivatives():
    J, scorer = margin_graph()
    e = explain(J, scorer.W[1][0])
    for path in e.paths:
        assert path.nodes[0] is J and path.nodes[-1] is scorer.W[1][0]
        product = 1.0
        for child, parent, d in zip(path.nodes[:-1], path.nodes[1:], path.local_grads, strict=True):
            k = child.parents.index(parent)
            assert d == child.local_grads()[k]
            product *= d
        assert path.contribution == product


@pytest.mark.parametrize("which", ["W", "U", "b"])
def test_a_shared_parameter_has_a_path_through_s_and_one_through_s_c(which):
    J, scorer = margin_graph()
    param = {"W": scorer.W[0][1], "U": scorer.U[1], "b": scorer.b[0]}[which]
    e = explain(J, param)
    assert [path.nodes[1].label for path in e.paths] == ["s", "s_c"]
    inner = [[v.label for v in path.nodes[1:-1] if v.label] for path in e.paths]  # between J and the parameter
    assert inner[0] and not any("_c" in label for label in inner[0])  # s, a[i], z[i]: the true window
    assert inner[1] and all("_c" in label for label in inner[1])  # s_c, a_c[i], z_c[i]: the corrupted one
    assert e.paths[0].local_grads[0] == -1.0 and e.paths[1].local_grads[0] == 1.0  # ∂J/∂s = −1, ∂J/∂s_c = +1
    J.zero_grad()
    J.backward()
    assert math.isclose(e.paths[0].contribution + e.paths[1].contribution, param.grad, rel_tol=1e-12)
    text = str(e)
    assert text.splitlines()[0].startswith(f"∂J/∂{param.label} = ")
    assert "path 1: J → s → " in text and "path 2: J → s_c → " in text


def test_an_input_word_reaches_the_score_through_every_hidden_unit():
    J, scorer = margin_graph(n=3, hidden=4)
    e = explain(J, "x[2]")  # a label works as well as the Value
    assert len(e.paths) == 4
    assert {path.nodes[2].label for path in e.paths} == {f"a[{i}]" for i in range(4)}


def test_root_itself_and_repeated_parents():
    a = Value(3.0, "a")
    b = a + a
    e = explain(b, a)
    assert len(e.paths) == 2 and e.total == 2.0
    assert explain(b, b).total == 1.0 and explain(b, b).paths[0].nodes == (b,)


def test_inactive_hinge_paths_all_contribute_zero():
    s, s_c, w = Value(3.0, "s"), Value(1.0, "s_c"), Value(0.5, "w")
    J = max_margin_loss(s * w, s_c * w)
    assert J.data == 0.0
    e = explain(J, w)
    assert len(e.paths) == 2 and [p.contribution for p in e.paths] == [0.0, 0.0] and e.total == 0.0


def doubling_chain(depth: int) -> tuple[Value, Value]:
    """y = x; y = y + y, ``depth`` times: 2**depth paths from the top down to x."""
    x = Value(1.0, "x")
    y = x
    for _ in range(depth):
        y = y + y
    y.label = "top"
    return y, x


def test_explosion_guard_counts_first_and_offers_the_edge_breakdown():
    top, x = doubling_chain(60)
    assert count_paths(top, x) == 2**60  # counted by dynamic programming, not by listing
    with pytest.raises(PathExplosionError) as info:
        explain(top, x)
    message = str(info.value)
    assert "1,152,921,504,606,846,976 paths" in message and "max_paths=1,000" in message
    assert "edge_breakdown(root, 'x')" in message
    breakdown = edge_breakdown(top, x)
    assert len(breakdown.terms) == 2 and breakdown.grad == 2.0**60 and x.grad == 0.0  # computed on the side
    total = 0.0
    for term in breakdown.terms:  # the very contributions backward() adds, in order
        total += term.contribution
    top.backward()
    assert total == x.grad
    assert "the sum over its 2 direct uses" in str(breakdown)


def test_max_paths_can_be_raised():
    top, x = doubling_chain(10)
    with pytest.raises(PathExplosionError):
        explain(top, x)
    e = explain(top, x, max_paths=1024)
    assert len(e.paths) == 1024 and e.total == 1024.0


def test_edge_breakdown_sums_exactly_for_a_shared_weight():
    J, scorer = margin_graph()
    b = edge_breakdown(J, scorer.U[0])
    assert [t.user.label for t in b.terms] == ["s", "s_c"]
    J.backward()
    assert b.terms[0].contribution + b.terms[1].contribution == scorer.U[0].grad == b.grad
    steps = record(J).steps
    assert [t.step for t in b.terms] == [s.index for s in steps if scorer.U[0] in s.parents]


def test_a_deep_chain_needs_no_recursion():
    x = Value(0.5, "x")
    y = x
    for _ in range(5000):
        y = y * 1.0001
    e = explain(y, x)
    assert len(e.paths) == 1 and len(e.paths[0].nodes) == 5001


def test_a_node_outside_the_graph_is_a_clear_error():
    J, _ = margin_graph()
    with pytest.raises(ValueError, match="'elsewhere' .* is not part of the graph of 'J'"):
        explain(J, Value(1.0, "elsewhere"))
