"""micrograd 0.1.0 (PyPI), used exactly as its demo uses it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from micrograd.engine import Value
from micrograd.nn import MLP
from workloads import (
    CHAIN_C,
    CHAIN_X,
    MOONS_SIZES,
    backprop_sum,
    chain_of_products,
    gradient_checksum,
    load_weights,
    micrograd_demo_step,
    sum_of_products,
)

Leaves = tuple[list[Value], list[Value]]


def moons_trainer(spec: dict[str, Any]) -> Callable[[float], float]:
    """micrograd's own MLP and demo step, starting from the seeded weights in ``spec``."""
    model = MLP(MOONS_SIZES[0], list(MOONS_SIZES[1:]))
    load_weights(model.layers, spec["weights"])
    X, y = spec["X"], spec["y"]

    def step(lr: float) -> float:
        return micrograd_demo_step(model, X, y, lr, Value)

    return step


def chain_graph(n: int) -> tuple[Value, Value, Value]:
    """(y, x, c) with y = x·cⁿ."""
    x, c = Value(CHAIN_X), Value(CHAIN_C)
    return chain_of_products(x, c, n), x, c


def chain(n: int) -> tuple[float, float, float]:
    y, x, c = chain_graph(n)
    y.backward()  # a recursive topological sort: RecursionError beyond ~1000 nodes deep
    return y.data, x.grad, c.grad


def count_nodes(graph: tuple[Value, ...]) -> int:
    seen, stack = {graph[0]}, [graph[0]]
    while stack:
        for parent in stack.pop()._prev:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return len(seen)


def sum_setup(xs: list[float], ws: list[float]) -> Leaves:
    return [Value(x) for x in xs], [Value(w) for w in ws]


def sum_run(leaves: Leaves) -> Value:
    return backprop_sum(*leaves, sum_of_products)


sum_check = gradient_checksum


def sum_reset(leaves: Leaves) -> None:
    for v in (*leaves[0], *leaves[1]):
        v.grad = 0


def backward_depth_limit() -> int:
    """The deepest chain micrograd can backpropagate from this call depth (bisection)."""
    low, high = 1, 4 * sys.getrecursionlimit()  # chain(low) works, chain(high) fails
    while high - low > 1:
        mid = (low + high) // 2
        try:
            chain(mid)
            low = mid
        except RecursionError:
            high = mid
    return low
