"""The floor under the 10⁶-op chain: the cheapest graph any pure-Python scalar engine can record.

    python benchmarks/floor.py

``Bare`` is the least a node can be: four slots (data, grad, two parents), no
checks, no labels, no weak references, a multiplication written inline.  Its
backward pass needs no search at all: the chain's nodes are kept in a list, in
creation order, so walking it backwards is already a topological order.  No real
engine can do less per node, so this measures what CPython itself costs: object
creation and, with the garbage collector on (as users run it), the collector
scanning the growing live graph.  tinygrad_mm's row is measured beside it, in
the same process, the same way; and a compiled step over the same chain, whose
graph is built once (the tape runs it in flat lists: no node is made per call).
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from statistics import median

from bench_compiled import chain_stepper  # a compiled step over the chain (the tape), traced once
from bench_tinygrad import chain as tinygrad_chain  # the benchmark's own chain: build, then backward()
from workloads import CHAIN_C, CHAIN_X


class Bare:
    """A node with nothing but its data, its gradient and its two parents."""

    __slots__ = ("data", "grad", "a", "b")

    def __init__(self, data: float, a: Bare | None = None, b: Bare | None = None) -> None:
        self.data, self.grad, self.a, self.b = data, 0.0, a, b


def bare_chain(n: int) -> tuple[float, float, float]:
    """y = x·cⁿ as n `Bare` nodes, then the chain rule backwards over the creation-order list."""
    x, c = Bare(CHAIN_X), Bare(CHAIN_C)
    nodes = [x]
    y = x
    for _ in range(n):
        y = Bare(y.data * c.data, y, c)
        nodes.append(y)
    y.grad = 1.0
    for node in reversed(nodes):
        if node.a is not None:
            node.a.grad += node.grad * node.b.data
            node.b.grad += node.grad * node.a.data
    return y.data, x.grad, c.grad


def per_node(run: Callable[[int], object], n: int, collector: bool, repeats: int) -> float:
    """Median µs per node of ``run(n)``, with Python's garbage collector on or off."""
    times = []
    for _ in range(repeats):
        gc.collect()
        if not collector:
            gc.disable()
        try:
            start = time.perf_counter()
            run(n)
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return median(times) / n * 1e6


def main(n: int = 1_000_000, repeats: int = 3) -> None:
    print(f"chain of {n:,} multiplications, build + backward, µs per node (median of {repeats})")
    print(f"{'':<34}{'collector on':>14}{'collector off':>15}")
    step = chain_stepper(n)  # traced (the graph built once) before any clock starts
    rows = (
        ("floor: bare 4-slot nodes, no search", bare_chain), ("tinygrad_mm", tinygrad_chain),
        ("tinygrad_mm compiled: one step", lambda n: step()),  # the tape, for a long chain
    )  # fmt: skip
    for name, run in rows:
        on, off = (per_node(run, n, collector, repeats) for collector in (True, False))
        print(f"{name:<34}{on:>14.2f}{off:>15.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
