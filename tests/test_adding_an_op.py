"""Adding an op is one class and one Value method (README, "Adding an op"): every view then shows it.

The class below is the README's example, verbatim.  Nothing else in the package learns about it.
"""

from __future__ import annotations

import math

import pytest
from helpers import assert_derivative_matches, central_difference

from tinygrad_mm import Value
from tinygrad_mm.engine.op import UnaryOp
from tinygrad_mm.views.drawing import dot_source
from tinygrad_mm.views.export import graph_json
from tinygrad_mm.views.text import derivative_sentence, node_names
from tinygrad_mm.views.trace import format_trace
from tinygrad_mm.views.viewer import page


class Softplus(UnaryOp):
    """softplus(x) = ln(1 + eˣ).      ∂/∂x = σ(x) = 1 / (1 + e⁻ˣ)"""

    __slots__ = ()
    op, symbol, formula, derivatives = "softplus", "softplus", "softplus({x})", ("σ({x})",)
    code, code_derivatives = "math.log1p(math.exp({x}))", ("1.0 / (1.0 + math.exp(-{x}))",)

    @staticmethod
    def forward(x: float) -> float:
        return math.log1p(math.exp(x))

    def local_grads(self) -> tuple[float]:
        return (1.0 / (1.0 + math.exp(-self.x._data)),)


@pytest.fixture
def softplus():
    Value.softplus = lambda self: Softplus.apply(self)  # the one Value method
    yield
    del Value.softplus


def test_the_new_op_computes_and_backpropagates(softplus):
    x = Value(0.7, "x")
    y = (x * 2).softplus()
    y.label = "y"
    y.backward()
    assert y.data == pytest.approx(math.log1p(math.exp(1.4)))
    assert_derivative_matches(x.grad, central_difference(lambda t: math.log1p(math.exp(2 * t)), 0.7))
    with pytest.raises(ValueError, match=r"cannot compute softplus\(x\) for 'x' \(data=1000\): the result overflows"):
        Value(1000.0, "x").softplus()


def test_every_view_shows_it_from_the_class_alone(softplus, tmp_path):
    x = Value(0.7, "x")
    y = x.softplus()
    y.label = "y"
    y.backward()
    names = node_names(y)
    assert derivative_sentence(y, 0, names) == "y = softplus(x): ∂y/∂x = σ(x) = σ(0.7) = 0.6682"
    assert "softplus" in dot_source(y) and "softplus" in format_trace(y)
    assert graph_json(y)["nodes"][-1]["op"] == "softplus"
    html = page(y)
    assert "σ(x)" in html and "softplus" in html
    assert repr(y) == "<Softplus y = softplus(x) = 1.10319, grad 1; ∂y/∂x = σ(x)>"
    namespace = {"math": math, "x": 0.7}
    assert eval(y.code_text(lambda v: "x"), namespace) == y.data  # noqa: S307 (our own template, as code generation uses it)
    assert eval(y.code_derivative(0, lambda v: "x"), namespace) == y.local_grads()[0]  # noqa: S307
