"""The float limit: each workload written by hand with plain Python floats, forward and backward.

No graph, no objects per operation: the forward pass keeps exactly the
intermediate floats its hand-derived backward pass needs.  This is roughly the
fastest pure Python can do, so "× floats" measures an engine's overhead.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import mul
from typing import Any

from workloads import ALPHA, CHAIN_C, CHAIN_X


def moons_trainer(spec: dict[str, Any]) -> Callable[[float], float]:
    """A ``step(lr) -> loss`` closure training the MLP in ``spec`` with a hand-written backward pass."""
    layers = [[[list(w), b] for w, b in layer] for layer in spec["weights"]]  # neuron = [weights, bias]
    X, Y = spec["X"], spec["y"]

    def step(lr: float) -> float:
        grads = [[[[0.0] * len(w), 0.0] for w, _ in layer] for layer in layers]
        scale = 1.0 / len(X)
        data_loss = 0.0
        for x, y in zip(X, Y, strict=True):
            acts, pres = _forward(layers, x)
            margin = 1.0 + -y * acts[-1][0]
            if margin > 0.0:  # hinge active: ∂loss/∂score = −y/N
                data_loss += margin
                _backward(layers, grads, acts, pres, -y * scale)
        reg_loss = 0.0
        for layer, layer_grads in zip(layers, grads, strict=True):
            for (w, b), g in zip(layer, layer_grads, strict=True):
                reg_loss += sum(map(mul, w, w)) + b * b
                gw = g[0]
                for k, wk in enumerate(w):
                    gw[k] += 2.0 * ALPHA * wk
                g[1] += 2.0 * ALPHA * b
        for layer, layer_grads in zip(layers, grads, strict=True):
            for neuron, (gw, gb) in zip(layer, layer_grads, strict=True):
                w = neuron[0]
                for k, g in enumerate(gw):
                    w[k] -= lr * g
                neuron[1] -= lr * gb
        return data_loss * scale + ALPHA * reg_loss

    return step


def _forward(layers: list, x: list[float]) -> tuple[list[list[float]], list[list[float]]]:
    """Activations of every layer (input first) and pre-activations z = w·a + b; ReLU on all but the last."""
    acts, pres = [x], []
    last = len(layers) - 1
    for i, layer in enumerate(layers):
        a = acts[-1]
        z = [sum(map(mul, w, a), b) for w, b in layer]
        pres.append(z)
        acts.append(z if i == last else [v if v > 0.0 else 0.0 for v in z])
    return acts, pres


def _backward(layers: list, grads: list, acts: list, pres: list, dscore: float) -> None:
    """Add ∂loss/∂(w, b) of one sample to ``grads``, given ∂loss/∂score."""
    delta = [dscore]
    for i in range(len(layers) - 1, -1, -1):
        a = acts[i]
        back = [0.0] * len(a)
        for (w, _), g, d in zip(layers[i], grads[i], delta, strict=True):
            if d == 0.0:
                continue
            gw = g[0]
            for k, ak in enumerate(a):
                gw[k] += d * ak
                back[k] += d * w[k]
            g[1] += d
        if i:
            delta = [bk if z > 0.0 else 0.0 for bk, z in zip(back, pres[i - 1], strict=True)]


def chain(n: int) -> tuple[float, float, float]:
    """y = x·cⁿ, one multiplication at a time, then ∂y/∂x and ∂y/∂c by the chain rule backwards."""
    return chain_backward(chain_graph(n))


def chain_backward(ys: list[float]) -> tuple[float, float, float]:
    """∂y/∂x and ∂y/∂c from the chain's forward tape, by the chain rule backwards."""
    c = CHAIN_C
    grad, grad_c = 1.0, 0.0
    for y_prev in reversed(ys[:-1]):
        grad_c += grad * y_prev
        grad *= c
    return ys[-1], grad, grad_c


def chain_graph(n: int) -> list[float]:
    """The forward tape of the chain: the n + 1 floats y₀ = x, …, yₙ (what the backward pass needs)."""
    c = CHAIN_C
    ys = [CHAIN_X]
    append = ys.append
    y = CHAIN_X
    for _ in range(n):
        y = y * c
        append(y)
    return ys


def count_nodes(tape: list[float]) -> int:
    """The tape stores the n + 1 chain values; c is one more float: n + 2, the engines' node count."""
    return len(tape) + 1


def sum_setup(xs: list[float], ws: list[float]) -> tuple[list[float], list[float]]:
    return xs, ws


def sum_run(state: tuple[list[float], list[float]]) -> tuple[float, list[float], list[float]]:
    """s = Σ xᵢ·wᵢ and its gradients ∂s/∂xᵢ = wᵢ, ∂s/∂wᵢ = xᵢ (times ∂s/∂s = 1)."""
    xs, ws = state
    s = sum(map(mul, xs, ws))
    grad = 1.0
    return s, [grad * w for w in ws], [grad * x for x in xs]


def sum_check(state: Any, result: tuple[float, list[float], list[float]]) -> list[float]:
    """[s, Σ ∂s/∂xᵢ, Σ ∂s/∂wᵢ], as the engines report it."""
    s, grad_xs, grad_ws = result
    return [s, sum(grad_xs), sum(grad_ws)]


def sum_reset(state: Any) -> None:
    """Nothing accumulates between runs: the gradient lists are made fresh."""
