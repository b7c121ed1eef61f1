"""tinygrad_mm compiled, on micrograd's idiom: micrograd's own nn.py and demo loss on tinygrad_mm Values, compiled.

The graph is `bench_tinygrad_binary`'s (micrograd's Neuron: ``sum((wi*xi for …), self.b)``;
the demo loss: Python's ``sum()`` over the hinges, ``sum(p*p for p in …)``), run as one
`tinygrad_mm.compile` step: chains of additions become Σ nodes, the samples one loop.
Traced and compiled before the clock starts, except in the first-call benchmarks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import bench_compiled
import micrograd.nn
from workloads import MOONS_SIZES, load_weights, micrograd_demo_loss

import tinygrad_mm
from tinygrad_mm import Value

micrograd.nn.Value = Value  # this process runs tinygrad_mm only


def moons_step(spec: dict[str, Any], cache: bool) -> tuple[Callable[[], float], Any]:
    """The compiled demo step on micrograd's seeded MLP (not yet called) and its model."""
    model = micrograd.nn.MLP(MOONS_SIZES[0], list(MOONS_SIZES[1:]))
    load_weights(model.layers, spec["weights"])
    step = tinygrad_mm.compile(lambda X, y: micrograd_demo_loss(model, X, y), cache=cache)
    return (lambda: step(spec["X"], spec["y"])), model


moons_trainer = partial(bench_compiled.moons_trainer, make=moons_step)  # timed as the project's idiom is
moons_first_call = partial(bench_compiled.moons_first_call, make=moons_step)
