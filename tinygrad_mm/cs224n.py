"""The CS224N window scorer: s = Uᵀ f(Wx + b), one set of parameters shared by every window scored.

Scoring the true window x and the corrupted window x_c with the *same*
`WindowScorer` reuses the same parameter `Value`s, so W, b and U fan out into
both branches and, after ``J.backward()``, hold the sum of what flows back
through s and through s_c.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from .engine import Parameter, Value, _operand, dot
from .scopes import scope

ACTIVATIONS = ("sigmoid", "tanh", "relu")


class WindowScorer:
    """s = Uᵀ f(Wx + b) with W (H × n), b (H), U (H); f is sigmoid (the notes' choice), tanh or relu."""

    def __init__(self, n: int, hidden: int, activation: str = "sigmoid", seed: int = 0) -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        for name, size in (("n", n), ("hidden", hidden)):
            if not isinstance(size, int) or size < 1:
                raise ValueError(f"{name} must be a positive int, got {size!r}")
        rng = random.Random(seed)
        bound = 1.0 / n**0.5
        self.n, self.hidden, self.activation = n, hidden, activation
        self.W = [[Parameter(rng.uniform(-bound, bound), f"W[{i},{j}]") for j in range(n)] for i in range(hidden)]
        self.b = [Parameter(0.0, f"b[{i}]") for i in range(hidden)]
        self.U = [Parameter(rng.uniform(-1.0, 1.0), f"U[{i}]") for i in range(hidden)]

    def parameters(self) -> list[Parameter]:
        """W (row by row), then b, then U."""
        return [w for row in self.W for w in row] + self.b + self.U

    def score(self, x: Sequence[Value | float], name: str = "s") -> Value:
        """The score of window ``x`` (n values), labelled ``name``; ``name="s_c"`` labels the corrupted branch.

        Nodes are labelled z[i], a[i] (or z_c[i], a_c[i]) and grouped in scopes
        ``z = Wx + b``, ``a = f(z)``, ``s = U·a`` inside ``s = Uᵀf(Wx + b)``.
        """
        if len(x) != self.n:
            raise ValueError(f"window {name!r} must have n = {self.n} values, got {len(x)}")
        x = [_operand(v, "score") for v in x]
        sub = name[1:]  # "" for s, "_c" for s_c
        with scope(f"{name} = Uᵀf(Wx{sub} + b)"):
            with scope(f"z{sub} = Wx{sub} + b"):
                z = []
                for i, (row, b_i) in enumerate(zip(self.W, self.b)):
                    z_i = dot(row, x) + b_i
                    z_i.label = f"z{sub}[{i}]"
                    z.append(z_i)
            with scope(f"a{sub} = f(z{sub})"):
                a = []
                for i, z_i in enumerate(z):
                    a_i = getattr(z_i, self.activation)()
                    a_i.label = f"a{sub}[{i}]"
                    a.append(a_i)
            with scope(f"{name} = U·a{sub}"):
                s = dot(self.U, a)
                s.label = name
        return s
