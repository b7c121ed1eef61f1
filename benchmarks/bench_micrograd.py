"""micrograd 0.1.0 (PyPI), used exactly as its demo uses it."""

from __future__ import annotations

import sys
from functools import partial

from micrograd.engine import Value
from micrograd.nn import MLP
from workloads import (
    backprop_chain,
    backprop_sum,
    backward_of_chain,
    chain_graph_of,
    count_graph_nodes,
    gradient_checksum,
    make_leaves,
    micrograd_demo_trainer,
    sum_of_products,
    zero_grads,
)

chain_graph = partial(chain_graph_of, Value)
chain = partial(backprop_chain, Value)  # a recursive topological sort: RecursionError beyond ~1000 nodes deep
chain_backward = backward_of_chain
count_nodes = count_graph_nodes
sum_setup = partial(make_leaves, Value)
sum_check = gradient_checksum
sum_reset = zero_grads
moons_trainer = partial(micrograd_demo_trainer, MLP, Value)  # micrograd's own MLP and demo step


def sum_run(leaves: tuple[list[Value], list[Value]]) -> Value:
    return backprop_sum(*leaves, sum_of_products)


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
