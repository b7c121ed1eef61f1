"""The notes' gradients in closed form, with plain floats: an independent check of the engine.

For one window x (n values) and the scorer s = Uᵀ f(Wx + b):

    z = Wx + b,    a = f(z),    s = Uᵀa,    δ = U ∘ f′(z)
    ∂s/∂W = δ xᵀ,  ∂s/∂b = δ,   ∂s/∂U = a,  ∂s/∂x = Wᵀδ

and for J = max(0, Δ + s_c − s), with θ any of W, b, U:

    ∂J/∂θ = ∂s_c/∂θ − ∂s/∂θ    while Δ + s_c − s > 0 (∂J/∂s = −1, ∂J/∂s_c = +1),
    ∂J/∂θ = 0                   otherwise (the margin is met; at exactly 0, the kink, also 0),
    ∂J/∂x = −Wᵀδ,  ∂J/∂x_c = +Wᵀδ_c   while active.

Over k corrupted windows, J = Σₖ max(0, Δ + s_c⁽ᵏ⁾ − s), each hinge adds its own term:

    ∂J/∂θ = Σ_{k active} (∂s_c⁽ᵏ⁾/∂θ − ∂s/∂θ),   ∂J/∂s = −(number of active hinges),
    ∂J/∂s_c⁽ᵏ⁾ = +1 if hinge k is active else 0,   ∂J/∂x_c⁽ᵏ⁾ = ∂J/∂s_c⁽ᵏ⁾ · Wᵀδ_c⁽ᵏ⁾.

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
class NegativeGradients:
    """One corrupted window's hinge max(0, Δ + s_c − s): its score, value, gate, ∂J/∂s_c and ∂J/∂x_c."""

    s_c: float
    J: float
    active: bool
    dJ_ds_c: float  # +1 while the hinge is active, else 0
    x_c: list[float]  # ∂J/∂x_c
    corrupt: ScoreGradients  # ∂s_c/∂θ


@dataclass(frozen=True)
class MarginGradients:
    """s, J and ∂J/∂θ for J = Σₖ max(0, Δ + s_c⁽ᵏ⁾ − s); with k = 1, J = max(0, Δ + s_c − s).

    ``s_c``, ``dJ_ds_c``, ``x_c`` and ``corrupt`` are the first corrupted window's (the only one when k = 1).
    """

    s: float
    J: float
    active: bool  # some hinge is active
    dJ_ds: float
    W: Matrix
    b: list[float]
    U: list[float]
    x: list[float]
    true: ScoreGradients  # ∂s/∂θ
    negatives: tuple[NegativeGradients, ...]

    @property
    def s_c(self) -> float:
        return self.negatives[0].s_c

    @property
    def dJ_ds_c(self) -> float:
        return self.negatives[0].dJ_ds_c

    @property
    def x_c(self) -> list[float]:
        return self.negatives[0].x_c

    @property
    def corrupt(self) -> ScoreGradients:
        return self.negatives[0].corrupt


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
    return negatives_gradients(W, b, U, x, [x_c], activation, delta)


def negatives_gradients(
    W: Sequence[Sequence[float]],
    b: Sequence[float],
    U: Sequence[float],
    x: Sequence[float],
    x_cs: Sequence[Sequence[float]],
    activation: str = "sigmoid",
    delta: float = 1.0,
) -> MarginGradients:
    """J = Σₖ max(0, Δ + s_c⁽ᵏ⁾ − s) over the corrupted windows ``x_cs``, and every ∂J/∂θ, in closed form."""
    if isinstance(delta, bool) or not isinstance(delta, Real) or not 0 <= delta < math.inf:
        raise ValueError(f"delta must be a number >= 0 (the required margin), got {delta!r}")
    if not x_cs:
        raise ValueError("give at least one corrupted window")
    true = score_gradients(W, b, U, x, activation)
    zeros = [0.0] * len(true.x)
    W_grad, b_grad, U_grad = [[0.0] * len(row) for row in true.W], [0.0] * len(true.b), [0.0] * len(true.U)
    negatives = []
    for x_c in x_cs:
        corrupt = score_gradients(W, b, U, x_c, activation)
        violation = delta + corrupt.s - true.s  # the same float operations as the engine's hinge
        active = violation > 0.0
        if active:  # this hinge adds ∂s_c/∂θ − ∂s/∂θ; a flat one adds exactly zero (not 0·v, which may be −0.0)
            for total, g, g_c in ((W_grad[i], true.W[i], corrupt.W[i]) for i in range(len(W_grad))):
                _add_difference(total, g, g_c)
            _add_difference(b_grad, true.b, corrupt.b)
            _add_difference(U_grad, true.U, corrupt.U)
        negatives.append(
            NegativeGradients(corrupt.s, max(0.0, violation), active, 1.0 if active else 0.0,
                              list(corrupt.x) if active else list(zeros), corrupt)
        )  # fmt: skip
    n_active = sum(n.active for n in negatives)
    return MarginGradients(
        s=true.s,
        J=negatives[0].J if len(negatives) == 1 else sum(n.J for n in negatives),  # the engine's Sum adds the same way
        active=n_active > 0,
        dJ_ds=-float(n_active),
        W=W_grad,
        b=b_grad,
        U=U_grad,
        x=[-n_active * v for v in true.x] if n_active else list(zeros),
        true=true,
        negatives=tuple(negatives),
    )


def _add_difference(total: list[float], g: list[float], g_c: list[float]) -> None:
    """total += g_c − g, element by element."""
    for j, (v, v_c) in enumerate(zip(g, g_c, strict=True)):
        total[j] += v_c - v


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
    return negatives_gradients(
        [[w.data for w in row] for row in scorer.W],
        [v.data for v in scorer.b],
        [v.data for v in scorer.U],
        [v.data for v in example.x],
        [[v.data for v in negative.x] for negative in example.negatives],
        scorer.activation,
        example.delta,
    )
