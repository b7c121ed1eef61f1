"""Shared test utilities (``from helpers import ...`` in any test file).

- `central_difference`, `partial_difference`, `assert_derivative_matches`: central finite differences
  with an honest rounding-error bound, to check any analytic derivative.
- `random_graph`: a random expression graph using every op (deep chains, fan-out, shared subexpressions).
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable, Sequence

from tinygrad_mm import Value, dot, sum_values

EPS = sys.float_info.epsilon


def central_difference(f: Callable[[float], float], x: float, h: float | None = None) -> tuple[float, float]:
    """(f(x+h) − f(x−h)) / 2h and a bound on its floating-point rounding error.

    The step is relative to |x| (h = 1e-6·max(|x|, 1e-2)), so the truncation
    error h²·f'''/6 stays far below 1e-5 relative for smooth f.  The rounding
    bound is what cancellation in f(x+h) − f(x−h) can cost: a few ulps of
    |f| divided by h.
    """
    if h is None:
        h = 1e-6 * max(abs(x), 1e-2)
    up, down = f(x + h), f(x - h)
    estimate = (up - down) / (2.0 * h)
    rounding = 8.0 * EPS * max(abs(up), abs(down), abs(f(x))) / h
    return estimate, rounding


def partial_difference(f: Callable[..., float], args: Sequence[float], i: int) -> tuple[float, float]:
    """Central difference of ``f(*args)`` in its ``i``-th argument (see `central_difference`)."""

    def along_i(t: float) -> float:
        moved = list(args)
        moved[i] = t
        return f(*moved)

    return central_difference(along_i, args[i])


def assert_derivative_matches(analytic: float, estimate_and_bound: tuple[float, float], rtol: float = 1e-5) -> None:
    """``analytic`` agrees with a finite-difference estimate within rtol plus the estimate's rounding bound."""
    estimate, rounding = estimate_and_bound
    assert math.isfinite(analytic), f"analytic derivative is {analytic}"
    tolerance = rtol * max(abs(estimate), abs(analytic)) + rounding + 1e-300
    assert abs(analytic - estimate) <= tolerance, (
        f"analytic {analytic!r} vs finite difference {estimate!r} (tolerance {tolerance:.3g})"
    )


def random_graph(seed: int, n_leaves: int, n_ops: int) -> tuple[list[Value], list[Value], Value]:
    """A random expression graph using every op: (leaves, every node kept, root = Σ of the unused nodes).

    Operands are the newest node half the time (deep chains) and any earlier node otherwise (fan-out,
    shared subexpressions); sum and dot take several nodes, repeats allowed.  Each op is applied only
    inside its domain, and nodes beyond ±1e4 are dropped, so float64 rounding stays tiny.
    """
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(-3.0, 3.0), label=f"x{i}") for i in range(n_leaves)]
    nodes = list(leaves)
    for _ in range(n_ops):
        x = nodes[-1] if rng.random() < 0.5 else rng.choice(nodes)
        made = random_op(rng, x, rng.choice(nodes), nodes)
        if made is not None and abs(made.data) <= 1e4:
            nodes.append(made)
    used = {parent for node in nodes for parent in node.parents}
    root = sum_values([node for node in nodes if node not in used])  # every node kept is in root's graph
    return leaves, nodes, root


RANDOM_OPS = "+ - * / neg **int **frac **value c**x relu tanh sigmoid exp log c+x c-x c*x c/x x-c x/c sum dot".split()


def random_op(rng: random.Random, x: Value, y: Value, nodes: list[Value]) -> Value | None:
    """One op from RANDOM_OPS on x (and y, or several nodes); None where it is undefined or ill-conditioned."""
    name, c = rng.choice(RANDOM_OPS), rng.choice([-2.5, -1.0, 0.5, 2.0, 3.0])
    positive, small = x.data >= 0.05, abs(x.data) < 0.05
    if name in ("sum", "dot"):
        picks = [rng.choice(nodes) for _ in range(2 * rng.randint(1, 4))]
        return sum_values(picks) if name == "sum" else dot(picks[: len(picks) // 2], picks[len(picks) // 2 :])
    if name == "**int":
        n = rng.choice([2, 3, -1, -2])
        return None if n < 0 and small else x**n
    if name == "**frac":
        return x ** rng.choice([0.5, 1.5, -0.5, 2.5]) if positive else None
    if name == "**value":
        return x**y if positive and abs(y.data * math.log(x.data)) <= 9 else None
    undefined = {"/": abs(y.data) < 0.05, "c/x": small, "log": not positive, "exp": x.data > 9, "c**x": abs(x.data) > 9}
    if undefined.get(name, False):
        return None
    binary = {"+": x.__add__, "-": x.__sub__, "*": x.__mul__, "/": x.__truediv__}
    if name in binary:
        return binary[name](y)
    if name in ("relu", "tanh", "sigmoid", "exp", "log"):
        return getattr(x, name)()
    return {
        "neg": lambda: -x, "c**x": lambda: abs(c) ** x, "c+x": lambda: c + x, "c-x": lambda: c - x,
        "c*x": lambda: c * x, "c/x": lambda: c / x, "x-c": lambda: x - c, "x/c": lambda: x / c,
    }[name]()  # fmt: skip
