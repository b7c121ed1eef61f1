"""tinygrad_mm compiled, on micrograd's idiom: micrograd's own nn.py and demo loss on tinygrad_mm Values, compiled.

The graph is `bench_tinygrad_binary`'s (micrograd's Neuron: ``sum((wi*xi for …), self.b)``;
the demo loss: Python's ``sum()`` over the hinges, ``sum(p*p for p in …)``), run as one
`tinygrad_mm.compile` step: chains of additions become Σ nodes, the samples one loop.
Traced and compiled before the clock starts, except in the first-call benchmarks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import micrograd.nn
from workloads import MOONS_SIZES, load_weights, micrograd_demo_loss

import tinygrad_mm
import tinygrad_mm.compiled  # imported before any clock starts, as `import tinygrad_mm` is
from tinygrad_mm import Value

micrograd.nn.Value = Value  # this process runs tinygrad_mm only


def moons_step(spec: dict[str, Any], cache: bool) -> tuple[Callable[[], float], Any]:
    """The compiled demo step on micrograd's seeded MLP (not yet called) and its model."""
    model = micrograd.nn.MLP(MOONS_SIZES[0], list(MOONS_SIZES[1:]))
    load_weights(model.layers, spec["weights"])
    step = tinygrad_mm.compile(lambda X, y: micrograd_demo_loss(model, X, y), cache=cache)
    return (lambda: step(spec["X"], spec["y"])), model


def moons_trainer(spec: dict[str, Any]) -> Callable[[float], float]:
    """``step(lr) -> loss``: zero_grad, the compiled forward + backward, SGD — traced and compiled before timing."""
    step, model = moons_step(spec, cache=False)
    step()  # trace and compile (off the clock); the gradients it added are cleared below
    params = model.parameters()

    def train(lr: float) -> float:
        model.zero_grad()
        loss = step()
        for p in params:
            p.data -= lr * p.grad
        return loss

    return train


def moons_first_call(spec: dict[str, Any], cache: bool) -> tuple[float, list[float]]:
    """Seconds from ``compile(fn)`` to its first result (trace + compile, or trace + disk cache), and the loss."""
    start = time.perf_counter()
    step, _ = moons_step(spec, cache)
    loss = step()
    return time.perf_counter() - start, [loss]
