"""tinygrad_mm written naturally: `nn.MLP` (one n-ary ``dot`` node per neuron), `sum_values`, `dot`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workloads import (
    ALPHA,
    CHAIN_C,
    CHAIN_X,
    MOONS_SIZES,
    backprop_sum,
    chain_of_products,
    gradient_checksum,
    load_weights,
)

from tinygrad_mm import Value, dot, sum_values
from tinygrad_mm.engine import count_uses
from tinygrad_mm.nn import MLP

Leaves = tuple[list[Value], list[Value]]


def moons_trainer(spec: dict[str, Any]) -> Callable[[float], float]:
    """The demo step with tinygrad_mm's own MLP; the losses are summed by one node, Σp² by one dot node."""
    model = MLP(MOONS_SIZES[0], list(MOONS_SIZES[1:]))
    load_weights(model.layers, spec["weights"])
    params = model.parameters()
    X, y = spec["X"], spec["y"]

    def step(lr: float) -> float:
        scores = [model(x) for x in X]
        losses = [(1 + -yi * score).relu() for yi, score in zip(y, scores, strict=True)]
        total_loss = sum_values(losses) * (1.0 / len(losses)) + ALPHA * dot(params, params)
        model.zero_grad()
        total_loss.backward()
        for p in params:
            p.data -= lr * p.grad
        return total_loss.data

    return step


def chain_graph(n: int) -> tuple[Value, Value, Value]:
    """(y, x, c) with y = x·cⁿ."""
    x, c = Value(CHAIN_X, "x"), Value(CHAIN_C, "c")
    return chain_of_products(x, c, n), x, c


def chain(n: int) -> tuple[float, float, float]:
    y, x, c = chain_graph(n)
    y.backward()
    return y.data, x.grad, c.grad


def count_nodes(graph: tuple[Value, ...]) -> int:
    return len(count_uses(graph[0]))


def sum_setup(xs: list[float], ws: list[float]) -> Leaves:
    return [Value(x) for x in xs], [Value(w) for w in ws]


def sum_run(leaves: Leaves) -> Value:
    return backprop_sum(*leaves, dot)


sum_check = gradient_checksum


def sum_reset(leaves: Leaves) -> None:
    for v in (*leaves[0], *leaves[1]):
        v.grad = 0.0
