"""Bad input gets a clear error naming the op, the node(s) and their values: never a NaN, never a bare math error."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_mm import DivisionByZeroError, DomainError, GradientError, Value, dot, sum_values, topological_order
from tinygrad_mm.engine.errors import describe


def assert_says(err: pytest.ExceptionInfo, *fragments: str) -> None:
    """The message contains every fragment, and none of Python's context-free wording."""
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from: {message}"
    assert "math domain error" not in message
    assert err.value.__cause__ is None


# ---- operands that are not numbers -------------------------------------------------------------

NOT_NUMBERS = [("3", "str"), (None, "NoneType"), ([1, 2], "list"), ({"a": 1}, "dict"), (1j, "complex")]
BINARY = {
    "+": (lambda x, o: x + o, lambda x, o: o + x),
    "-": (lambda x, o: x - o, lambda x, o: o - x),
    "*": (lambda x, o: x * o, lambda x, o: o * x),
    "/": (lambda x, o: x / o, lambda x, o: o / x),
    "**": (lambda x, o: x**o, lambda x, o: o**x),
}


@pytest.mark.parametrize("bad, type_name", NOT_NUMBERS, ids=[t for _, t in NOT_NUMBERS])
@pytest.mark.parametrize("op", sorted(BINARY))
@pytest.mark.parametrize("side", ["value_left", "value_right"])
def test_non_number_operand_is_a_type_error_naming_op_type_and_node(bad, type_name, op, side):
    x = Value(2.0, label="x")
    build = BINARY[op][side == "value_right"]
    with pytest.raises(TypeError) as err:
        build(x, bad)
    assert_says(err, repr(op), type_name, "'x'", "data=2")


@pytest.mark.parametrize("bad, type_name", NOT_NUMBERS, ids=[t for _, t in NOT_NUMBERS])
def test_non_number_in_sum_dot_or_data_is_a_type_error(bad, type_name):
    x = Value(1.0, label="x")
    with pytest.raises(TypeError) as err:
        sum_values([x, bad])
    assert_says(err, "'sum'", type_name)
    with pytest.raises(TypeError) as err:
        dot([x, x], [x, bad])
    assert_says(err, "'dot'", type_name)
    with pytest.raises(TypeError) as err:
        Value(bad, label="w")
    assert_says(err, "'w'", type_name)


def test_a_value_where_a_plain_number_is_needed_says_use_data():
    inner = Value(2.0, label="inner")
    with pytest.raises(TypeError) as err:
        Value(inner, label="outer")
    assert_says(err, "'outer'", "'inner'", ".data")


@pytest.mark.parametrize(
    "call",
    [
        lambda a, b: Value(2.0, (a, b), "+"),  # micrograd's Value(data, _children, _op)
        lambda a, b: Value(2.0, (a, b)),
        lambda a, b: Value(2.0, label=5),
    ],
    ids=["data_children_op", "data_children", "int_label"],
)
def test_micrograd_style_constructor_misuse_is_a_clear_type_error(call):
    a, b = Value(1.0, label="a"), Value(1.0, label="b")
    with pytest.raises(TypeError) as err:
        call(a, b)
    assert_says(err, "Value(data, label", "str label", "recorded by the operations")


def test_numpy_values_that_are_not_real_scalars_are_rejected():
    np = pytest.importorskip("numpy", reason="numpy is only needed to check numpy operands")
    x = Value(1.0, label="x")
    with pytest.raises(TypeError) as err:
        x + np.array([1.0, 2.0])
    assert_says(err, "'+'", "ndarray", "'x'")
    with pytest.raises(TypeError) as err:
        np.array([2.0]) * x  # numpy defers to Value (__array_ufunc__ = None): no silent object array
    assert_says(err, "'*'", "ndarray", "'x'")
    assert (x * np.bool_(True)).data == 1.0 and (np.float64(2.0) * x).data == 2.0  # 0-d numpy numbers are numbers


# ---- NaN and infinity never enter a graph ---------------------------------------------------------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 10**400, -(10**400)], ids=str)
def test_non_finite_data_is_a_value_error(bad):
    with pytest.raises(ValueError) as err:
        Value(bad, label="w")
    assert_says(err, "'w'", "finite")


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf], ids=str)
@pytest.mark.parametrize("op", sorted(BINARY))
def test_non_finite_operand_is_a_value_error_naming_op_and_node(bad, op):
    x = Value(0.5, label="x")
    for build in BINARY[op]:
        with pytest.raises(ValueError) as err:
            build(x, bad)
        assert_says(err, repr(op), "'x'", "data=0.5", str(bad))


def test_non_finite_in_sum_and_dot_is_a_value_error():
    x = Value(1.0, label="x")
    with pytest.raises(ValueError) as err:
        sum_values([x, math.nan])
    assert_says(err, "'sum'", "nan")
    with pytest.raises(ValueError) as err:
        dot([x], [math.inf])
    assert_says(err, "'dot'", "inf")


# ---- ops outside their domain -------------------------------------------------------------------


@pytest.mark.parametrize(
    "build, error, fragments",
    [
        (lambda: Value(0.0, label="x").log(), DomainError, ["log(x)", "'x'", "data=0", "x > 0"]),
        (lambda: Value(-1.0, label="x").log(), DomainError, ["log(x)", "'x'", "data=-1", "x > 0"]),
        (lambda: Value(3.0, label="x") / 0, DivisionByZeroError, ["x/0", "'x'", "data=3", "the constant (data=0)"]),
        (lambda: Value(3.0, label="x") / Value(0.0, label="d"), DivisionByZeroError, ["x/d", "'x'", "'d'", "data=0"]),
        (lambda: 1 / Value(0.0, label="d"), DivisionByZeroError, ["1/d", "'d'", "data=0"]),
        (lambda: Value(-8.0, label="b") ** 0.5, DomainError, ["b^n", "'b'", "data=-8", "n = 0.5", "no real value"]),
        (lambda: Value(-8.0, label="b") ** (1 / 3), DomainError, ["b^n", "'b'", "data=-8", "fractional"]),
        (lambda: Value(1000.0, label="x").exp(), DomainError, ["exp(x)", "'x'", "data=1000", "overflows"]),
        (lambda: Value(0.0, label="x") ** -1, DivisionByZeroError, ["x^n", "'x'", "data=0", "n = -1"]),
        (lambda: Value(0.0, label="x") ** -0.5, DivisionByZeroError, ["x^n", "'x'", "n = -0.5"]),
        (lambda: Value(10.0, label="x") ** 400, DomainError, ["x^n", "'x'", "data=10", "n = 400", "overflows"]),
        (lambda: Value(-2.0, label="b") ** Value(2.0, label="e"), DomainError, ["b^e", "'b'", "'e'", "data=-2", "> 0"]),
        (lambda: Value(0.0, label="b") ** Value(-1.0, label="e"), DomainError, ["b^e", "'b'", "'e'", "y = -1"]),
        (lambda: (-2) ** Value(0.5, label="e"), DomainError, ["(-2)^e", "the constant (data=-2)", "'e'"]),
        (lambda: Value(1e200, label="p") * Value(1e200, label="q"), DomainError, ["p·q", "'p'", "'q'", "inf"]),
        (lambda: Value(1e308, label="p") + 1e308, DomainError, ["p + 1e+308", "'p'", "inf"]),
        (lambda: Value(-1e308, label="p") - 1e308, DomainError, ["p − 1e+308", "'p'", "-inf"]),
        (lambda: sum_values([Value(1e308, label="p"), 1e308]), DomainError, ["x₁ + x₂ + … + xₙ", "'p'", "inf"]),
        (lambda: dot([Value(1e200, label="p")], [1e200]), DomainError, ["x₁·w₁ + … + xₙ·wₙ", "'p'", "inf"]),
        (lambda: (Value(2.0, label="x") - 2.0).log(), DomainError, ["log(x)", "an unlabelled '-' node (data=0)"]),
    ],
    ids=[
        "log0", "log-1", "div_by_constant_0", "div_by_value_0", "reflected_div_0", "neg_base_sqrt", "neg_base_cbrt",
        "exp1000", "zero_pow_-1", "zero_pow_-0.5", "pow_overflow", "pow_value_neg_base", "pow_value_zero_base",
        "rpow_neg_base", "mul_overflow", "add_overflow", "sub_overflow", "sum_overflow", "dot_overflow",
        "unlabelled_intermediate",
    ],
)  # fmt: skip
def test_undefined_op_names_op_inputs_and_labels(build, error, fragments):
    with pytest.raises(error) as err:
        build()
    assert_says(err, "cannot compute", *fragments)
    assert isinstance(err.value, ValueError)


def test_margin_loss_overflow_is_a_domain_error():
    from tinygrad_mm.models.losses import max_margin_loss

    with pytest.raises(DomainError) as err:
        max_margin_loss(Value(-1e308, label="s"), Value(1e308, label="s_c"))
    assert_says(err, "cannot compute", "max(0, Δ + s_c − s)", "'s'", "'s_c'", "Δ = 1", "inf")


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda x: sum_values([]), "at least one"),
        (lambda x: dot([], []), "non-empty"),
        (lambda x: dot([x, x], [x]), "got 2 and 1"),
    ],
    ids=["empty_sum", "empty_dot", "dot_lengths"],
)
def test_bad_sequences_for_sum_and_dot(call, fragment):
    with pytest.raises(ValueError) as err:
        call(Value(1.0, label="x"))
    assert_says(err, fragment)


def test_division_by_zero_is_also_a_zero_division_error():
    with pytest.raises(ZeroDivisionError):
        Value(1.0, label="x") / 0.0
    assert issubclass(DivisionByZeroError, ZeroDivisionError) and issubclass(DivisionByZeroError, DomainError)


# ---- failures during backward() -----------------------------------------------------------------


def test_infinite_derivative_of_sqrt_at_zero_fails_at_backward_time():
    x = Value(0.0, label="x")
    y = x**0.5  # the value sqrt(0) = 0 is fine...
    assert y.data == 0.0
    with pytest.raises(GradientError) as err:  # ...its derivative 0.5·x**-0.5 is not
        y.backward()
    assert_says(err, "∂(x^0.5)/∂x = 0.5·x^(-0.5) is inf", "'x'", "data=0", "No gradient was changed")
    assert (x.grad, y.grad) == (0.0, 0.0)


def test_infinite_derivative_of_value_power_at_zero_fails_at_backward_time():
    x, e = Value(0.0, label="x"), Value(0.5, label="e")
    y = x**e
    with pytest.raises(GradientError) as err:
        y.backward()
    assert_says(err, "∂(x^e)/∂x = e·x^(e − 1) is inf", "'x'", "data=0", "No gradient was changed")


@pytest.mark.parametrize(
    "build, label",
    [
        (lambda: Value(1.0, label="a") / Value(1e-200, label="b"), "'b'"),  # ∂/∂b = −a/b² = −1e400
        (lambda: Value(1e-200, label="y") ** -1, "'y'"),  # ∂/∂y = −y⁻² overflows inside the power rule
        (lambda: Value(1e-200, label="y") ** Value(-1.0, label="e"), "'y'"),
        (lambda: (lambda x: x * 1e308 + x * 1e308)(Value(1e-10, label="x")), "'x'"),  # 1e308 + 1e308 = inf
    ],
    ids=["div_local_grad", "pow_number_local_grad", "pow_value_local_grad", "fan_out_sum"],
)
def test_gradient_overflow_during_backward_is_a_gradient_error(build, label):
    root = build()
    assert math.isfinite(root.data)
    with pytest.raises(GradientError) as err:
        root.backward()
    assert_says(err, label, "inf", "No gradient was changed")
    assert isinstance(err.value, ArithmeticError)


def test_describe_names_label_kind_and_data():
    x = Value(-1.0, label="x")
    assert describe(x) == "'x' (data=-1)"
    assert describe(Value(2.5)) == "an unlabelled leaf (data=2.5)"
    assert describe((x * 2).parents[1]) == "the constant (data=2)"
    assert describe(x + x) == "an unlabelled '+' node (data=-2)"


# ---- any finite input: a finite answer or a clear error, never NaN/inf, never a bare Python error ----

ANY_FINITE = st.floats(allow_nan=False, allow_infinity=False)
UNARY_OPS = {
    "neg": lambda x: -x,
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "exp": Value.exp,
    "log": Value.log,
    "**2": lambda x: x**2,
    "**-1": lambda x: x**-1,
    "**0.5": lambda x: x**0.5,
    "**-2.5": lambda x: x**-2.5,
    "**3": lambda x: x**3,
}
BINARY_OPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
    "sum": lambda a, b: sum_values([a, b, a]),
    "dot": lambda a, b: dot([a, b], [b, b]),
}


@settings(max_examples=300, deadline=None)
@given(
    op=st.sampled_from(sorted(UNARY_OPS) + sorted(BINARY_OPS)),
    a=ANY_FINITE,
    b=ANY_FINITE,
    then=st.sampled_from(["none", "double", "square", "log"]),
)
def test_any_finite_input_gives_finite_numbers_or_a_clear_error(op, a, b, then):
    x, y = Value(a, label="a"), Value(b, label="b")
    try:
        out = UNARY_OPS[op](x) if op in UNARY_OPS else BINARY_OPS[op](x, y)
        out = {"none": out, "double": out * 2.0, "square": out * out, "log": out.log()}[then]
    except DomainError as err:
        assert "cannot compute" in str(err) and ("'a'" in str(err) or "'b'" in str(err) or "node" in str(err))
        return
    assert math.isfinite(out.data)
    try:
        out.backward()
    except GradientError as err:
        assert "'a'" in str(err) or "'b'" in str(err) or "node" in str(err)
        return
    assert all(math.isfinite(node.grad) for node in topological_order(out))
