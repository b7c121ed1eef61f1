"""tinygrad_mm compiled: the same workloads as `bench_tinygrad`, each run as a `tinygrad_mm.compile` step.

The step is traced (and compiled, or put on the tape) before the clock starts; what is
timed is a call: forward and backward over plain floats, gradients added into the
parameters' ``.grad``.  The first call's cost is measured on its own (`moons_first_call`):
cold (code generated and compiled) and from the disk cache of an earlier process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from workloads import (
    ALPHA,
    CHAIN_C,
    CHAIN_X,
    MOONS_SIZES,
    chain_of_products,
    gradient_checksum,
    load_weights,
    zero_grads,
)

import tinygrad_mm
import tinygrad_mm.compiled  # imported before any clock starts, as `import tinygrad_mm` is
from tinygrad_mm import Value, dot, sum_values
from tinygrad_mm.models.nn import MLP


def moons_step(spec: dict[str, Any], cache: bool) -> tuple[Callable[[], float], MLP]:
    """The compiled demo step on the seeded MLP (not yet called) and its model: the `bench_tinygrad` graph, compiled."""
    model = MLP(MOONS_SIZES[0], list(MOONS_SIZES[1:]))
    load_weights(model.layers, spec["weights"])
    params = model.parameters()

    def loss(X: list[Value], y: list[Value]) -> Value:
        scores = [model(x) for x in X]
        losses = [(1 + -yi * score).relu() for yi, score in zip(y, scores, strict=True)]
        return sum_values(losses) * (1.0 / len(losses)) + ALPHA * dot(params, params)

    step = tinygrad_mm.compile(loss, cache=cache)
    return (lambda: step(spec["X"], spec["y"])), model


def moons_trainer(spec: dict[str, Any], make: Callable = moons_step) -> Callable[[float], float]:
    """``step(lr) -> loss``: zero_grad, the compiled forward + backward, SGD — traced and compiled before timing.

    ``make(spec, cache)``: the compiled step and its model (`moons_step`, or another idiom's)."""
    step, model = make(spec, cache=False)
    step()  # trace and compile (off the clock); the gradients it added are cleared below
    params = model.parameters()

    def train(lr: float) -> float:
        model.zero_grad()
        loss = step()
        for p in params:
            p.data -= lr * p.grad
        return loss

    return train


def moons_first_call(spec: dict[str, Any], cache: bool, make: Callable = moons_step) -> tuple[float, list[float]]:
    """Seconds from ``compile(fn)`` to its first result (trace + compile, or trace + disk cache), and the loss.

    The process has imported tinygrad_mm.compiled already (as any program imports tinygrad_mm before it runs).
    """
    start = time.perf_counter()
    step, _ = make(spec, cache)
    loss = step()
    return time.perf_counter() - start, [loss]


def chain_stepper(n: int) -> Callable[[], tuple[float, float, float]]:
    """A compiled step over the n-op chain y = x·cⁿ (runs on the tape), called once: (y, ∂y/∂x, ∂y/∂c) per call."""
    x, c = Value(CHAIN_X, "x"), Value(CHAIN_C, "c")
    step = tinygrad_mm.compile(lambda: chain_of_products(x, c, n), cache=False)

    def run() -> tuple[float, float, float]:
        x.grad = c.grad = 0.0
        return step(), x.grad, c.grad

    run()  # trace and build the tape (off the clock)
    return run


def sum_setup(xs: list[float], ws: list[float]) -> tuple[list[Value], list[Value], Callable[[], float]]:
    """The Σ xᵢ·wᵢ leaves and a compiled step over ``dot`` (one wide node: the tape), traced off the clock."""
    leaves = [Value(x) for x in xs], [Value(w) for w in ws]
    step = tinygrad_mm.compile(lambda: dot(*leaves), cache=False)
    step()
    zero_grads(leaves)
    return (*leaves, step)


def sum_reset(state: tuple) -> None:
    zero_grads(state[:2])


def sum_run(state: tuple) -> float:
    return state[2]()


def sum_check(state: tuple, s: float) -> list[float]:
    xs, ws, _ = state
    return gradient_checksum((xs, ws), _Data(s))


class _Data:
    """A float dressed as a Value for `gradient_checksum` (which reads ``.data``)."""

    def __init__(self, data: float) -> None:
        self.data = data
