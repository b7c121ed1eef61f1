"""Neural-network building blocks with micrograd's API: `Module`, `Neuron`, `Layer`, `MLP`.

micrograd's demo code runs unchanged (only the import changes).  Differences:

- a neuron is ``relu(dot(x, w) + b)``: ONE n-ary ``dot`` node instead of a chain
  of n multiplications and n additions;
- `Layer` always returns a list, so a one-neuron *hidden* layer feeds the next
  layer correctly (micrograd's ``MLP(2, [1, 1])`` crashes); `MLP` still returns a
  bare value when its last layer has one neuron, as micrograd does;
- weights and biases are `Parameter`s labelled ``w[j]``/``b`` (prefixed with the
  layer and neuron, e.g. ``L0.n3.w[1]``), so drawings show which weight is which;
- a wrong number of inputs is an error instead of being silently truncated by ``zip``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence

from ..engine import Add, Dot, Parameter, Relu, Value, operand


class Module:
    """Anything with parameters: ``parameters()`` lists them, ``zero_grad()`` resets their ``.grad``."""

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Parameter]:
        return []


def _inputs(x: Iterable[Value | float], nin: int, who: str) -> tuple[Value, ...]:
    """``x`` (a list, tuple, numpy row or any iterable, as micrograd takes) as a tuple of ``nin`` Values."""
    if isinstance(x, (Value, str, bytes, Mapping)) or not isinstance(x, Iterable):
        got = "a single Value" if isinstance(x, Value) else type(x).__name__
        raise TypeError(f"{who} takes {nin} inputs (a list, tuple, numpy row…), got {got} {str(x)[:80]}")
    inputs = tuple(operand(xi, who) for xi in x)
    if len(inputs) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(inputs)}")
    return inputs


class Neuron(Module):
    """out = relu(x · w + b) (or x · w + b if ``nonlin=False``); w ~ U(−1, 1), b = 0 as in micrograd."""

    def __init__(self, nin: int, nonlin: bool = True, *, prefix: str = "", rng: random.Random | None = None) -> None:
        if not isinstance(nin, int) or nin < 1:
            raise ValueError(f"Neuron needs nin >= 1 inputs, got {nin!r}")
        uniform = (rng or random).uniform  # the global generator by default, like micrograd
        self.w = [Parameter(uniform(-1, 1), f"{prefix}w[{j}]") for j in range(nin)]
        self.b = Parameter(0.0, f"{prefix}b")
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Value | float]) -> Value:
        return self.forward(_inputs(x, len(self.w), repr(self)))

    def forward(self, x: Sequence[Value]) -> Value:
        """The fast path: ``x`` already holds exactly nin Values."""
        act = Add.apply(Dot.apply(*x, *self.w), self.b)
        return Relu.apply(act) if self.nonlin else act

    def parameters(self) -> list[Parameter]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; returns the list of their outputs."""

    def __init__(self, nin: int, nout: int, *, prefix: str = "", **kwargs) -> None:
        if not isinstance(nout, int) or nout < 1:
            raise ValueError(f"Layer needs nout >= 1 neurons, got {nout!r}")
        self.neurons = [Neuron(nin, prefix=f"{prefix}n{k}.", **kwargs) for k in range(nout)]

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        nin = len(self.neurons[0].w)
        return self.forward(_inputs(x, nin, f"Layer({nin}, {len(self.neurons)})"))

    def forward(self, x: Sequence[Value]) -> list[Value]:
        """The fast path: ``x`` already holds exactly nin Values."""
        return [n.forward(x) for n in self.neurons]

    def parameters(self) -> list[Parameter]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nouts`` on ``nin`` inputs; ReLU everywhere but the last (linear) layer.

    Returns a list of outputs, or a single Value when the last layer has one neuron.
    """

    def __init__(self, nin: int, nouts: Sequence[int], *, rng: random.Random | None = None) -> None:
        if not nouts:
            raise ValueError("MLP needs at least one layer size in nouts, e.g. MLP(2, [16, 16, 1])")
        self.nin, self.nouts = nin, list(nouts)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1, prefix=f"L{i}.", rng=rng)
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        x = _inputs(x, self.nin, f"MLP({self.nin}, {self.nouts})")
        for layer in self.layers:
            x = layer.forward(x)
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list[Parameter]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


def sgd(parameters: Sequence[Parameter], lr: float) -> None:
    """One plain gradient-descent step, then clear the gradients: p ← p − lr·∂J/∂p, p.grad ← 0."""
    for p in parameters:
        p.data -= lr * p.grad
        p.grad = 0.0
