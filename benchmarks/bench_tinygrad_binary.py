"""tinygrad_mm building micrograd's exact graph: micrograd's own nn.py and demo code on tinygrad_mm Values.

``micrograd.nn`` looks up ``Value`` in its module globals, so pointing that name
at `tinygrad_mm.Value` makes micrograd's MLP build the very same binary
``*``/``+``/``relu`` nodes, op for op, in tinygrad_mm.  Only the engine differs.
The chain and memory workloads are tinygrad_mm's (they are binary already).
"""

from __future__ import annotations

from functools import partial

import micrograd.nn
from bench_tinygrad import chain, chain_backward, chain_graph, count_nodes, sum_check, sum_reset, sum_setup
from workloads import backprop_sum, micrograd_demo_trainer, sum_of_products

from tinygrad_mm import Value

__all__ = ["chain", "chain_backward", "chain_graph", "count_nodes", "moons_trainer", "sum_check", "sum_reset", "sum_run", "sum_setup"]

micrograd.nn.Value = Value  # this process runs tinygrad_mm only
moons_trainer = partial(micrograd_demo_trainer, micrograd.nn.MLP, Value)


def sum_run(leaves: tuple[list[Value], list[Value]]) -> Value:
    return backprop_sum(*leaves, sum_of_products)
