"""tinygrad_mm written naturally: `nn.MLP` (one n-ary ``dot`` node per neuron), `sum_values`, `dot`."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from workloads import (
    ALPHA,
    MOONS_SIZES,
    backprop_chain,
    backprop_sum,
    backward_of_chain,
    chain_graph_of,
    count_graph_nodes,
    gradient_checksum,
    load_weights,
    make_leaves,
    zero_grads,
)

from tinygrad_mm import Value, dot, sum_values
from tinygrad_mm.models.nn import MLP

chain_graph = partial(chain_graph_of, Value)
chain = partial(backprop_chain, Value)
chain_backward = backward_of_chain
count_nodes = count_graph_nodes
sum_setup = partial(make_leaves, Value)
sum_check = gradient_checksum
sum_reset = zero_grads


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


def sum_run(leaves: tuple[list[Value], list[Value]]) -> Value:
    return backprop_sum(*leaves, dot)
