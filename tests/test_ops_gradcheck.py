"""Every op's local derivatives against central finite differences of its own forward, over wide ranges.

Each case draws inputs inside the op's domain, builds the node on labelled leaves, runs backward(),
and compares every leaf gradient with a central difference of the forward value; it also checks the
forward value against the textbook formula computed with plain floats.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from helpers import assert_derivative_matches, partial_difference
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tinygrad_mm import Value, dot, sum_values
from tinygrad_mm.models.losses import max_margin_loss


def finite(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from_zero(smallest: float, largest: float) -> st.SearchStrategy[float]:
    """|x| in [smallest, largest], either sign."""
    return st.builds(lambda m, negative: -m if negative else m, finite(smallest, largest), st.booleans())


WIDE = finite(-1e6, 1e6)
Case = tuple[tuple[float, ...], Callable[..., Value], Callable[..., float]]  # args, build on Values, float formula


def binary(strategy_a, strategy_b, build, formula):
    return lambda draw: ((draw(strategy_a), draw(strategy_b)), build, formula)


def unary(strategy, build, formula):
    return lambda draw: ((draw(strategy),), build, formula)


def stable_sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def pow_number(draw) -> Case:
    n = draw(st.one_of(st.sampled_from([0.0, 1.0, 2.0, 3.0, 4.0, -1.0, -2.0, -3.0]), finite(-3.0, 3.0)))
    x = draw(away_from_zero(1e-1, 1e2) if n.is_integer() else finite(1e-2, 1e2))
    return (x,), lambda v: v**n, lambda a: a**n


def reflected_number(draw) -> Case:
    """number ∘ Value, i.e. __radd__, __rsub__, __rmul__, __rtruediv__, __rpow__."""
    symbol = draw(st.sampled_from("+-*/^"))
    if symbol == "^":
        c, x = draw(finite(1e-2, 1e2)), draw(finite(-3.0, 3.0))
        return (x,), lambda v: c**v, lambda a: c**a
    c = draw(finite(-1e3, 1e3))
    x = draw(away_from_zero(1e-2, 1e3))
    build = {"+": lambda v: c + v, "-": lambda v: c - v, "*": lambda v: c * v, "/": lambda v: c / v}[symbol]
    formula = {"+": lambda a: c + a, "-": lambda a: c - a, "*": lambda a: c * a, "/": lambda a: c / a}[symbol]
    return (x,), build, formula


def number_on_right(draw) -> Case:
    symbol = draw(st.sampled_from("+-*/"))
    c = draw(away_from_zero(1e-2, 1e3))
    x = draw(finite(-1e3, 1e3))
    build = {"+": lambda v: v + c, "-": lambda v: v - c, "*": lambda v: v * c, "/": lambda v: v / c}[symbol]
    formula = {"+": lambda a: a + c, "-": lambda a: a - c, "*": lambda a: a * c, "/": lambda a: a / c}[symbol]
    return (x,), build, formula


def n_ary_sum(draw) -> Case:
    xs = tuple(draw(st.lists(finite(-1e3, 1e3), min_size=1, max_size=8)))
    return xs, lambda *vs: sum_values(vs), lambda *fs: sum(fs)


def dot_product(draw) -> Case:
    n = draw(st.integers(1, 6))
    xs = tuple(draw(st.lists(finite(-1e2, 1e2), min_size=2 * n, max_size=2 * n)))
    return xs, lambda *vs: dot(vs[:n], vs[n:]), lambda *fs: sum(a * b for a, b in zip(fs[:n], fs[n:], strict=True))


def max_margin(draw) -> Case:
    """J = max(0, Δ + s_c − s), away from its kink."""
    s, s_c, delta = draw(finite(-1e3, 1e3)), draw(finite(-1e3, 1e3)), draw(finite(0.0, 10.0))
    assume(abs(delta + s_c - s) > 1e-3)
    return (s, s_c), lambda a, b: max_margin_loss(a, b, delta), lambda a, b: max(0.0, delta + b - a)


CASES: dict[str, Callable] = {
    "add": binary(WIDE, WIDE, lambda a, b: a + b, lambda a, b: a + b),
    "sub": binary(WIDE, WIDE, lambda a, b: a - b, lambda a, b: a - b),
    "mul": binary(finite(-1e3, 1e3), finite(-1e3, 1e3), lambda a, b: a * b, lambda a, b: a * b),
    "div": binary(finite(-1e3, 1e3), away_from_zero(1e-2, 1e3), lambda a, b: a / b, lambda a, b: a / b),
    "neg": unary(WIDE, lambda a: -a, lambda a: -a),
    "pow_number": pow_number,
    "pow_value": binary(finite(1e-2, 1e2), finite(-3.0, 3.0), lambda x, y: x**y, lambda x, y: x**y),
    "relu": unary(away_from_zero(1e-6, 1e6), lambda a: a.relu(), lambda a: max(a, 0.0)),
    "tanh": unary(finite(-20.0, 20.0), lambda a: a.tanh(), math.tanh),
    "sigmoid": unary(finite(-40.0, 40.0), lambda a: a.sigmoid(), stable_sigmoid),
    "exp": unary(finite(-700.0, 700.0), lambda a: a.exp(), math.exp),
    "log": unary(finite(1e-3, 1e12), lambda a: a.log(), math.log),
    "reflected_number": reflected_number,
    "number_on_right": number_on_right,
    "sum_values": n_ary_sum,
    "dot": dot_product,
    "max_margin": max_margin,
}


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_local_derivatives_match_central_differences(name, data):
    args, build, formula = CASES[name](data.draw)
    leaves = [Value(a, label=f"x{i}") for i, a in enumerate(args)]
    out = build(*leaves)
    assert out.data == pytest.approx(formula(*args), rel=1e-12, abs=1e-12 * max(1.0, *map(abs, args)))
    out.backward()

    def forward(*xs: float) -> float:
        return build(*map(Value, xs)).data

    for i, leaf in enumerate(leaves):
        assert_derivative_matches(leaf.grad, partial_difference(forward, args, i))


@pytest.mark.parametrize(
    "build, expected_grad",
    [
        (lambda x: x**0, 0.0),  # d/dx x⁰ = 0 everywhere, including x = 0
        (lambda x: x**1, 1.0),
        (lambda x: x**2, 0.0),
        (lambda x: x**3, 0.0),
        (lambda x: x.relu(), 0.0),  # kink: 0, as PyTorch
        (lambda x: x.tanh(), 1.0),
        (lambda x: x.sigmoid(), 0.25),
        (lambda x: x.exp(), 1.0),
    ],
)
def test_derivatives_at_zero(build, expected_grad):
    x = Value(0.0, label="x")
    build(x).backward()
    assert x.grad == expected_grad


@settings(max_examples=30, deadline=None)
@given(
    xs=st.lists(finite(-1e3, 1e3), min_size=1, max_size=5), repeats=st.lists(st.integers(1, 3), min_size=5, max_size=5)
)
def test_sum_and_dot_with_repeated_parents_count_every_slot(xs, repeats):
    """A Value passed k times to sum_values gets gradient k; in dot(v, v) each slot contributes."""
    leaves = [Value(x) for x in xs]
    slots = [leaf for leaf, k in zip(leaves, repeats, strict=False) for _ in range(k)]
    sum_values(slots).backward()
    assert [leaf.grad for leaf in leaves] == [float(k) for k in repeats[: len(leaves)]]
    for leaf in leaves:
        leaf.grad = 0.0
    dot(leaves, leaves).backward()  # Σ vᵢ² → 2vᵢ
    assert [leaf.grad for leaf in leaves] == [2.0 * x for x in xs]
