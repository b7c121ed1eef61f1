"""Adding an op is one class and one Value method (README, "Adding an op"): every view then shows it.

The class below is the README's example, verbatim: it states its value and derivative once, and the
engine's forward/local_grads, the texts, the compiled code and the live page's JavaScript follow.
"""

from __future__ import annotations

import inspect
import linecache
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
    """softplus(x) = ln(1 + eˣ).      ∂/∂x = σ(x)"""

    __slots__ = ()
    op, symbol = "softplus", "softplus"
    value, derivatives = "log(1 + exp(x))", ("sigmoid(x)",)


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
    assert y.data == math.log(1.0 + math.exp(1.4))
    assert_derivative_matches(x.grad, central_difference(lambda t: math.log1p(math.exp(2 * t)), 0.7))
    with pytest.raises(ValueError, match=r"cannot compute log\(1 \+ exp\(x\)\) for 'x' \(data=1000\): the result overflows"):
        Value(1000.0, "x").softplus()


def test_every_view_shows_it_from_the_class_alone(softplus, tmp_path):
    x = Value(0.7, "x")
    y = x.softplus()
    y.label = "y"
    y.backward()
    names = node_names(y)
    assert derivative_sentence(y, 0, names) == "y = log(1 + exp(x)): ∂y/∂x = σ(x) = σ(0.7) = 0.6682"
    assert "softplus" in dot_source(y) and "softplus" in format_trace(y)
    assert graph_json(y)["nodes"][-1]["op"] == "softplus"
    html = page(y)
    assert "σ(x)" in html and "softplus" in html
    assert repr(y) == "<Softplus y = log(1 + exp(x)) = 1.10319, grad 1; ∂y/∂x = σ(x)>"
    namespace = {"math": math, "x": 0.7}
    assert eval(y.code_text(lambda v: "x"), namespace) == y.data  # noqa: S307 (our own template, as code generation uses it)
    assert eval(y.code_derivative(0, lambda v: "x"), namespace) == y.local_grads()[0]  # noqa: S307


def test_the_engine_methods_are_made_from_the_statement_and_pdb_can_show_them(softplus):
    """forward and local_grads are generated once from the statement; their source is in linecache under a clear name."""
    x = Value(0.7, "x")
    y = x.softplus()
    assert Softplus.local_grads.__code__.co_filename == "<generated: test_adding_an_op.Softplus>"
    source = "".join(linecache.getlines(Softplus.local_grads.__code__.co_filename))
    assert "def local_grads(self):" in source and "math.exp" in source
    assert inspect.getsource(Softplus.local_grads).startswith("def local_grads(self):")
    assert y.local_grads() == (1.0 / (1.0 + math.exp(-0.7)),)  # sigmoid(x), for x ≥ 0


@pytest.mark.parametrize(
    ("statement", "says"),
    [
        ({"value": "tanh(x", "derivatives": ("1",)}, "is not a math expression"),
        ({"value": "tanh(y)", "derivatives": ("1",)}, "uses 'y'; it may use x"),
        ({"value": "x", "derivatives": ("1", "2")}, "need as many derivatives"),
        ({"value": "__import__('os')", "derivatives": ("1",)}, "calls something other than"),
        ({"value": "x", "derivatives": ("'1'",)}, "only numbers"),
    ],
)
def test_a_wrong_statement_is_refused_when_the_class_is_made(statement, says):
    with pytest.raises(ValueError, match=says):
        type("Broken", (UnaryOp,), {"__slots__": (), **statement})
