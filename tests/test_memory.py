"""No reference cycles: a dropped graph is freed by reference counting alone.

With the cyclic garbage collector disabled, build a graph, keep only weak references to its nodes,
drop the root and check every node is gone — also after backward(), after backward_steps() (run to the
end or stopped early), after errors, and for the CS224N margin graph with its scopes.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable

import pytest
from helpers import random_graph

from tinygrad_mm import GradientError, Value, scope, topological_order
from tinygrad_mm.models.cs224n import WindowScorer
from tinygrad_mm.models.losses import max_margin_loss


@pytest.fixture
def no_cycle_collector():
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def graph_refs(make_root: Callable[[], Value], use: Callable[[Value], object]) -> list[weakref.ref]:
    """Weak references to every node of ``make_root()``'s graph after ``use(root)``; no strong ones survive."""
    root = make_root()
    use(root)
    refs = [weakref.ref(node) for node in topological_order(root)]
    assert len(refs) > 1 and all(ref() is not None for ref in refs)
    return refs


def assert_all_freed(refs: list[weakref.ref]) -> None:
    alive = [ref() for ref in refs if ref() is not None]
    assert not alive, f"{len(alive)} of {len(refs)} nodes survive without the cycle collector, e.g. {alive[0]!r}"


def random_root() -> Value:
    return random_graph(seed=3, n_leaves=5, n_ops=200)[2]


def run_steps_to_the_end(root: Value) -> None:
    steps = list(root.backward_steps())
    assert steps[0].node is root


def stop_steps_early(root: Value) -> None:
    steps = root.backward_steps()
    next(steps)
    next(steps)  # the generator is dropped unfinished


@pytest.mark.parametrize(
    "use",
    [lambda root: None, Value.backward, run_steps_to_the_end, stop_steps_early, Value.zero_grad],
    ids=["built", "backward", "backward_steps", "backward_steps_stopped_early", "zero_grad"],
)
def test_dropped_graph_is_freed_by_refcounting(no_cycle_collector, use):
    assert_all_freed(graph_refs(random_root, use))


def test_graph_with_every_op_and_scopes_is_freed(no_cycle_collector):
    def make_root() -> Value:
        x, w = Value(0.5, label="x"), Value(2.0, label="w")
        with scope("outer"), scope("inner"):
            y = (x * w + 1).tanh().sigmoid() - (-x) / w
        return (y.relu() + x.exp().log() + x**2 + w**x).sigmoid()

    assert_all_freed(graph_refs(make_root, Value.backward))


def test_margin_graph_is_freed(no_cycle_collector):
    def make_root() -> Value:
        scorer = WindowScorer(4, 3, seed=0)
        s = scorer.score([0.1, 0.2, 0.3, 0.4], name="s")
        s_c = scorer.score([0.4, 0.3, 0.2, 0.1], name="s_c")
        return max_margin_loss(s, s_c)

    assert_all_freed(graph_refs(make_root, Value.backward))


def test_graph_is_freed_after_errors(no_cycle_collector):
    def fail_backward(root: Value) -> None:
        try:
            root.backward()
        except GradientError:
            pass
        try:
            root.log() / 0
        except ValueError:
            pass

    def make_root() -> Value:
        return Value(1.0, label="a") / Value(1e-200, label="b")  # ∂/∂b overflows

    assert_all_freed(graph_refs(make_root, fail_backward))
