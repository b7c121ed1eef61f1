"""Scale: graphs far deeper than Python's recursion limit backpropagate (no recursion anywhere).

Sizes and memory are checked, never wall-clock time (speed belongs to the benchmarks).
"""

from __future__ import annotations

import math
import sys
import tracemalloc

import pytest
from test_engine import sent_by

from tinygrad_mm import Value, topological_order

DEFAULT_RECURSION_LIMIT = 1000


@pytest.fixture
def default_recursion_limit():
    """Run at CPython's default recursion limit, whatever the test runner set."""
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(DEFAULT_RECURSION_LIMIT)
    try:
        yield
    finally:
        sys.setrecursionlimit(saved)


def test_million_op_chain(default_recursion_limit):
    """y = x + x + … + x: 10⁶ additions deep, and x fans out into every one of them."""
    x = Value(0.5, label="x")
    y = x
    for _ in range(1_000_000):
        y = y + x
    y.backward()
    assert y.data == 0.5 * 1_000_001 and x.grad == 1_000_001.0
    y.backward()  # interior grads recomputed, the leaf accumulates
    assert x.grad == 2 * 1_000_001.0
    y.zero_grad()
    assert x.grad == 0.0
    del y  # freeing a 10⁶-deep chain must not overflow the C stack either


def test_deep_chain_of_every_unary_op(default_recursion_limit):
    """30,000 rounds of y ← log(exp(relu(−(−y))**1)) + 1e-3·σ(tanh y): 330,000 nodes, 210,000 deep."""
    x = Value(0.3, label="x")
    y = x
    for _ in range(30_000):
        minus_y = -y
        z = ((-minus_y).relu() ** 1).exp().log()
        y = z + 1e-3 * y.tanh().sigmoid()
    steps = 0
    for step in y.backward_steps():
        steps += 1
        assert step.contributions == sent_by(step)
    assert steps == len(topological_order(y)) == 1 + 30_000 * 11

    value, slope = 0.3, 1.0  # the same chain in forward mode with plain floats: dy/dx = Π (1 + 1e-3·σ'·tanh')
    for _ in range(30_000):
        t = math.tanh(value)
        s = 1.0 / (1.0 + math.exp(-t))
        value, slope = value + 1e-3 * s, slope * (1.0 + 1e-3 * s * (1.0 - s) * (1.0 - t * t))
    assert y.data == pytest.approx(value, rel=1e-9)
    assert x.grad == pytest.approx(slope, rel=1e-6)


def test_python_sum_of_100k_terms(default_recursion_limit):
    """Python's sum() builds a chain of 100,000 additions (micrograd's recursive topo sort dies at ~1000)."""
    xs = [Value(i / 1000, label=f"x{i}") for i in range(100_000)]
    total = sum(xs)
    squares = sum(x * x for x in xs)
    total.backward()
    assert all(x.grad == 1.0 for x in xs)
    assert total.data == pytest.approx(sum(i / 1000 for i in range(100_000)), rel=1e-12)
    squares.backward()
    assert all(x.grad == (1.0 + x.data) + x.data for x in xs)  # x·x sends x down each of its two slots


def test_micrograd_cannot_do_the_same(default_recursion_limit):
    """The contrast the issue names: micrograd's recursive build_topo overflows on a 100,000-term sum."""
    engine = pytest.importorskip("micrograd.engine", reason="micrograd 0.1.0 is the comparison engine")
    total = sum(engine.Value(1.0) for _ in range(100_000))
    with pytest.raises(RecursionError):
        total.backward()


def test_memory_per_node_is_small():
    """A chain costs well under 200 bytes a node, and backward() at most ~200 more at its peak."""
    n = 30_000
    tracemalloc.start()
    try:
        x = Value(0.5, label="x")
        y = x
        for _ in range(n):
            y = y + x
        built, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        y.backward()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert built / n < 200
    assert (peak - built) / n < 200
