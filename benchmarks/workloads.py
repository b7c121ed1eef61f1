"""What every engine computes: the shared workloads and their seeded inputs (no engine is imported here).

Every engine module (``bench_float``, ``bench_micrograd``, ``bench_tinygrad``,
``bench_tinygrad_binary``) implements the same four workloads on the inputs made
here, so the numbers compare like with like:

1. ``moons``  - micrograd's demo step: MLP(2, [16, 16, 1]) on two-moons points,
   SVM max-margin loss mean((1 − y·score)⁺) + α·Σp², backward, SGD.
2. ``chain``  - y ← y·c repeated n times from a leaf x (c is ONE shared leaf):
   n multiplication nodes + 2 leaves, forward then backward.
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


def micrograd_demo_step(model: Any, X: Sequence[Sequence[float]], y: Sequence[float], lr: float, value: Callable) -> float:
    """micrograd's demo training step, op for op (``value`` makes a leaf); returns the loss before the update.

    This is the loss function of micrograd's ``demo.ipynb`` (without the accuracy
    count, which is not autograd work), then ``zero_grad``, ``backward`` and SGD.
    """
    inputs = [list(map(value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    model.zero_grad()
    total_loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return total_loss.data
