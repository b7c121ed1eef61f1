"""tinygrad_mm building micrograd's exact graph: micrograd's own nn.py and demo code on tinygrad_mm Values.

``micrograd.nn`` looks up ``Value`` in its module globals, so pointing that name
at `tinygrad_mm.Value` makes micrograd's MLP build the very same binary
``*``/``+``/``relu`` nodes, op for op, in tinygrad_mm.  Only the engine differs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import micrograd.nn
from bench_tinygrad import Leaves, chain, chain_graph, count_nodes, sum_check, sum_reset, sum_setup
from workloads import MOONS_SIZES, backprop_sum, load_weights, micrograd_demo_step, sum_of_products

from tinygrad_mm import Value

__all__ = ["chain", "chain_graph", "count_nodes", "moons_trainer", "sum_check", "sum_reset", "sum_run", "sum_setup"]


def moons_trainer(spec: dict[str, Any]) -> Callable[[float], float]:
    """micrograd's MLP class and demo step, running on tinygrad_mm."""
    micrograd.nn.Value = Value
    model = micrograd.nn.MLP(MOONS_SIZES[0], list(MOONS_SIZES[1:]))
    load_weights(model.layers, spec["weights"])
    X, y = spec["X"], spec["y"]

    def step(lr: float) -> float:
        return micrograd_demo_step(model, X, y, lr, Value)

    return step


def sum_run(leaves: Leaves) -> Value:
    return backprop_sum(*leaves, sum_of_products)
