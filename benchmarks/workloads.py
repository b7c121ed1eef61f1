"""What every engine computes: the shared workloads and their seeded inputs (no engine is imported here).

Every engine module (``bench_float``, ``bench_micrograd``, ``bench_tinygrad``,
``bench_tinygrad_binary``) implements the same four workloads on the inputs made
here, so the numbers compare like with like:

1. ``moons``  - micrograd's demo step: MLP(2, [16, 16, 1]) on two-moons points,
   SVM max-margin loss mean((1 − y·score)⁺) + α·Σp², backward, SGD.
2. ``chain``  - y ← y·c repeated n times from a leaf x (c is ONE shared leaf):
   n multiplication nodes + 2 leaves, forward then backward (``short_chain``:
   the same at a depth micrograd's recursive backward can handle;
   ``chain_backward``: the backward pass alone, on a chain built off the clock).
3. ``memory`` - the same chain graph (n + 2 nodes), built under tracemalloc.
4. ``sum``    - Σᵢ xᵢ·wᵢ over n pairs of existing leaves, forward then backward.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

MOONS_SIZES = (2, 16, 16, 1)  # MLP(2, [16, 16, 1]), as in micrograd's demo
ALPHA = 1e-4  # L2 weight in micrograd's demo
CHAIN_X, CHAIN_C = 1.0, 1.0 + 1e-7  # y = x·cⁿ stays near 1 for n up to 10⁶

# one layer = a list of neurons, one neuron = (weights, bias)
Weights = list[list[tuple[list[float], float]]]


def seeded_weights(sizes: Sequence[int], seed: int) -> Weights:
    """Weights w ~ U(−1, 1) and biases 0, as micrograd initialises them, from a seeded generator."""
    rng = random.Random(seed)
    return [
        [([rng.uniform(-1.0, 1.0) for _ in range(nin)], 0.0) for _ in range(nout)]
        for nin, nout in zip(sizes[:-1], sizes[1:], strict=True)
    ]


def learning_rate(step: int) -> float:
    """micrograd's demo schedule: 1.0 decaying linearly to 0.1 over 100 steps."""
    return 1.0 - 0.9 * step / 100


def sum_inputs(n: int, seed: int) -> tuple[list[float], list[float]]:
    """n pairs (xᵢ, wᵢ) ~ U(−1, 1) for the Σ xᵢ·wᵢ workload."""
    rng = random.Random(seed)
    return [rng.uniform(-1.0, 1.0) for _ in range(n)], [rng.uniform(-1.0, 1.0) for _ in range(n)]


def load_weights(layers: Sequence[Any], weights: Weights) -> None:
    """Copy ``weights`` into a micrograd-style model's ``layers[i].neurons[j].w`` / ``.b`` Values."""
    for layer, layer_weights in zip(layers, weights, strict=True):
        for neuron, (w, b) in zip(layer.neurons, layer_weights, strict=True):
            for p, value in zip(neuron.w, w, strict=True):
                p.data = value
            neuron.b.data = b


def chain_of_products(x: Any, c: Any, n: int) -> Any:
    """y = x·c·c·…·c with n multiplications, built one binary node at a time."""
    y = x
    for _ in range(n):
        y = y * c
    return y


def chain_graph_of(value: Callable, n: int) -> tuple[Any, Any, Any]:
    """(y, x, c) with y = x·cⁿ, for an engine whose leaves are made by ``value(number)``."""
    x, c = value(CHAIN_X), value(CHAIN_C)
    return chain_of_products(x, c, n), x, c


def backprop_chain(value: Callable, n: int) -> tuple[float, float, float]:
    """Build the chain and backpropagate it: (y, ∂y/∂x, ∂y/∂c)."""
    return backward_of_chain(chain_graph_of(value, n))


def backward_of_chain(graph: tuple[Any, Any, Any]) -> tuple[float, float, float]:
    """Backpropagate a chain ``(y, x, c)`` built by `chain_graph_of`: (y, ∂y/∂x, ∂y/∂c)."""
    y, x, c = graph
    y.backward()
    return y.data, x.grad, c.grad


def count_graph_nodes(graph: tuple[Any, ...]) -> int:
    """Nodes reachable from ``graph[0]``, walking micrograd's ``_prev`` (tinygrad_mm spells it too)."""
    seen, stack = {graph[0]}, [graph[0]]
    while stack:
        for parent in stack.pop()._prev:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return len(seen)


def make_leaves(value: Callable, xs: Sequence[float], ws: Sequence[float]) -> tuple[list[Any], list[Any]]:
    """The Σ xᵢ·wᵢ workload's 2n leaves."""
    return [value(x) for x in xs], [value(w) for w in ws]


def zero_grads(leaves: tuple[Sequence[Any], Sequence[Any]]) -> None:
    """Reset the leaves' gradients between runs (outside the timing)."""
    for leaf in (*leaves[0], *leaves[1]):
        leaf.grad = 0.0


def sum_of_products(xs: Sequence[Any], ws: Sequence[Any]) -> Any:
    """Σ xᵢ·wᵢ written as micrograd users write it: Python's ``sum`` (a chain of n additions onto 0)."""
    return sum(x * w for x, w in zip(xs, ws, strict=True))


def backprop_sum(xs: Sequence[Any], ws: Sequence[Any], build: Callable) -> Any:
    """s = build(xs, ws), then ``s.backward()``: the timed part of the Σ xᵢ·wᵢ workload."""
    s = build(xs, ws)
    s.backward()
    return s


def gradient_checksum(leaves: tuple[Sequence[Any], Sequence[Any]], s: Any) -> list[float]:
    """[s, Σ ∂s/∂xᵢ, Σ ∂s/∂wᵢ] of an engine's graph (outside the timing), for the honesty check."""
    xs, ws = leaves
    return [s.data, sum(x.grad for x in xs), sum(w.grad for w in ws)]


def micrograd_demo_trainer(mlp: Callable, value: Callable, spec: dict[str, Any]) -> Callable[[float], float]:
    """``step(lr) -> loss`` running `micrograd_demo_step` on ``mlp(2, [16, 16, 1])`` from the seeded weights."""
    model = mlp(MOONS_SIZES[0], list(MOONS_SIZES[1:]))
    load_weights(model.layers, spec["weights"])
    X, y = spec["X"], spec["y"]

    def step(lr: float) -> float:
        return micrograd_demo_step(model, X, y, lr, value)

    return step


def micrograd_demo_loss(model: Any, inputs: Sequence[Sequence[Any]], y: Sequence[float]) -> Any:
    """micrograd's demo loss, as its notebook writes it: svm max-margin with Python's ``sum()`` and L2 as ``sum(p*p …)``."""
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def micrograd_demo_step(model: Any, X: Sequence[Sequence[float]], y: Sequence[float], lr: float, value: Callable) -> float:
    """micrograd's demo training step, op for op (``value`` makes a leaf); returns the loss before the update.

    This is the loss function of micrograd's ``demo.ipynb`` (without the accuracy
    count, which is not autograd work), then ``zero_grad``, ``backward`` and SGD.
    """
    total_loss = micrograd_demo_loss(model, [list(map(value, xrow)) for xrow in X], y)
    model.zero_grad()
    total_loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return total_loss.data
