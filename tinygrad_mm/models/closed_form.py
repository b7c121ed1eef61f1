"""The notes' gradients in closed form, with plain floats: an independent check of the engine.

For one window x (n values) and the scorer s = Uᵀ f(Wx + b):

    z = Wx + b,    a = f(z),    s = Uᵀa,    δ = U ∘ f′(z)
    ∂s/∂W = δ xᵀ,  ∂s/∂b = δ,   ∂s/∂U = a,  ∂s/∂x = Wᵀδ

and for J = max(0, Δ + s_c − s), with θ any of W, b, U:

    ∂J/∂θ = ∂s_c/∂θ − ∂s/∂θ    while Δ + s_c − s > 0 (∂J/∂s = −1, ∂J/∂s_c = +1),
    ∂J/∂θ = 0                   otherwise (the margin is met; at exactly 0, the kink, also 0),
    ∂J/∂x = −Wᵀδ,  ∂J/∂x_c = +Wᵀδ_c   while active.

No `Value` is involved anywhere: only numbers go in and come out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real
from operator import mul
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .cs224n import MarginExample

Matrix = list[list[float]]



def sigmoid(z: float) -> float:
    """σ(z) = 1 / (1 + e⁻ᶻ), written so that neither branch overflows."""
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0.0 else math.exp(z) / (1.0 + math.exp(z))


# f and f′ for each activation; f′ at relu's kink (z = 0) is 0, as PyTorch.
ACTIVATION = {"sigmoid": sigmoid, "tanh": math.tanh, "relu": lambda z: z if z > 0.0 else 0.0}
DERIVATIVE = {
    "sigmoid": lambda z: sigmoid(z) * (1.0 - sigmoid(z)),
    "tanh": lambda z: 1.0 - math.tanh(z) ** 2,
    "relu": lambda z: 1.0 if z > 0.0 else 0.0,
}


@dataclass(frozen=True)
class ScoreGradients:
    """One window's forward values and ∂s/∂θ for every parameter and input."""

    z: list[float]
    a: list[float]
    s: float
    delta: list[float]  # δ = U ∘ f′(z)
    W: Matrix  # ∂s/∂W = δ xᵀ
    b: list[float]  # ∂s/∂b = δ
    U: list[float]  # ∂s/∂U = a
    x: list[float]  # ∂s/∂x = Wᵀδ


@dataclass(frozen=True)
class MarginGradients:
    """s, s_c, J and ∂J/∂θ for J = max(0, Δ + s_c − s)."""

    s: float
    s_c: float
    J: float
    active: bool
    dJ_ds: float
    dJ_ds_c: float
    W: Matrix
    b: list[float]
    U: list[float]
    x: list[float]
    x_c: list[float]
    true: ScoreGradients  # ∂s/∂θ
    corrupt: ScoreGradients  # ∂s_c/∂θ


def score_gradients(
    W: Sequence[Sequence[float]],
    b: Sequence[float],
    U: Sequence[float],
    x: Sequence[float],
    activation: str = "sigmoid",
) -> ScoreGradients:
    """z, a, s and ∂s/∂W, ∂s/∂b, ∂s/∂U, ∂s/∂x for s = Uᵀ f(Wx + b), computed directly."""
    W, b, U, x = _matrix(W, "W"), _floats(b, "b"), _floats(U, "U"), _floats(x, "x")
    _check_shapes(W, b, U, x)
    if activation not in ACTIVATION:
        raise ValueError(f"activation must be one of {tuple(ACTIVATION)}, got {activation!r}")
    f, f_prime = ACTIVATION[activation], DERIVATIVE[activation]
    z = [sum(map(mul, row, x)) + b_i for row, b_i in zip(W, b, strict=True)]
    a = [f(z_i) for z_i in z]
    s = sum(map(mul, U, a))
    delta = [u * f_prime(z_i) for u, z_i in zip(U, z, strict=True)]
    dW = [[d * x_j for x_j in x] for d in delta]
    dx = [sum(W[i][j] * delta[i] for i in range(len(W))) for j in range(len(x))]
    return ScoreGradients(z, a, s, delta, dW, list(delta), list(a), dx)


def margin_gradients(
    W: Sequence[Sequence[float]],
    b: Sequence[float],
    U: Sequence[float],
    x: Sequence[float],
    x_c: Sequence[float],
    activation: str = "sigmoid",
    delta: float = 1.0,
) -> MarginGradients:
    """J = max(0, Δ + s_c − s) and ∂J/∂W, ∂J/∂b, ∂J/∂U, ∂J/∂x, ∂J/∂x_c in closed form."""
    if not isinstance(delta, Real) or not delta >= 0:
        raise ValueError(f"delta must be a number >= 0 (the required margin), got {delta!r}")
    true = score_gradients(W, b, U, x, activation)
    corrupt = score_gradients(W, b, U, x_c, activation)
    violation = delta + corrupt.s - true.s  # the same float operations as the engine's hinge
    active = violation > 0.0
    ds, ds_c = (-1.0, 1.0) if active else (0.0, 0.0)

    def combine(g: list[float], g_c: list[float]) -> list[float]:
        if not active:  # the hinge is flat: exactly zero (not 0·v, which may be −0.0)
            return [0.0] * len(g)
        return [v_c - v for v, v_c in zip(g, g_c, strict=True)]

    return MarginGradients(
        s=true.s,
        s_c=corrupt.s,
        J=max(0.0, violation),
        active=active,
        dJ_ds=ds,
        dJ_ds_c=ds_c,
        W=[combine(row, row_c) for row, row_c in zip(true.W, corrupt.W, strict=True)],
        b=combine(true.b, corrupt.b),
        U=combine(true.U, corrupt.U),
        x=combine(true.x, [0.0] * len(true.x)),
        x_c=combine([0.0] * len(corrupt.x), corrupt.x),
        true=true,
        corrupt=corrupt,
    )


def embedding_gradients(
    words: Sequence[str], corrupt_words: Sequence[str], dx: Sequence[float], dx_c: Sequence[float]
) -> dict[str, list[float]]:
    """∂J/∂L[word]: the sum of ∂J/∂x over every window position holding ``word``, in both windows."""
    grads: dict[str, list[float]] = {}
    for window, g in ((words, dx), (corrupt_words, dx_c)):
        if not window or len(g) % len(window):
            raise ValueError(f"{len(g)} window gradients do not split into {len(window)} equal embeddings")
        dim = len(g) // len(window)
        for position, word in enumerate(window):
            piece = g[position * dim : (position + 1) * dim]
            total = grads.setdefault(word, [0.0] * dim)
            for k, v in enumerate(piece):
                total[k] += v
    return grads


def _floats(values: Sequence[float], name: str) -> list[float]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a sequence of numbers, got {type(values).__name__}")
    for k, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, Real):
            raise TypeError(
                f"{name}[{k}] must be a plain number (the closed form uses floats only), got {type(v).__name__} {v!r}"
            )
    return [float(v) for v in values]


def _matrix(rows: Sequence[Sequence[float]], name: str) -> Matrix:
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence):
        raise TypeError(f"{name} must be a list of rows, got {type(rows).__name__}")
    return [_floats(row, f"{name}[{i}]") for i, row in enumerate(rows)]


def _check_shapes(W: Matrix, b: list[float], U: list[float], x: list[float]) -> None:
    H, n = len(W), len(x)
    if H == 0 or n == 0:
        raise ValueError(f"W and x must be non-empty, got H = {H} rows and n = {n} inputs")
    for i, row in enumerate(W):
        if len(row) != n:
            raise ValueError(f"W must be H × n = {H} × {n} to match x (n = {n}), but row W[{i}] has {len(row)} entries")
    for name, vector in (("b", b), ("U", U)):
        if len(vector) != H:
            raise ValueError(f"{name} must have H = {H} entries (one per row of W), got {len(vector)}")


def for_example(example: MarginExample) -> MarginGradients:
    """The closed form at a `MarginExample`'s current numbers (read off as floats, nothing backpropagated)."""
    scorer = example.scorer
    return margin_gradients(
        [[w.data for w in row] for row in scorer.W],
        [v.data for v in scorer.b],
        [v.data for v in scorer.U],
        [v.data for v in example.x],
        [v.data for v in example.x_c],
        scorer.activation,
        example.delta,
    )
