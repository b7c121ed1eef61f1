"""tinygrad_mm.compile: the compiled step computes what the engine computes — loss and every gradient — or lets the
engine say why it cannot; it traces again when it must, and says clearly what it was given when that is wrong."""

from __future__ import annotations

import math
import random
import re

import pytest
from compile_helpers import Recipe, outcome, random_recipe, same
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinygrad_mm
from tinygrad_mm import DivisionByZeroError, DomainError, GradientError, Parameter, Value, dot, sum_values
from tinygrad_mm.compiled import cache, program
from tinygrad_mm.engine import gradients_of
from tinygrad_mm.models.datasets import make_moons
from tinygrad_mm.models.nn import MLP, sgd
from tinygrad_mm.models.train import moons_objective


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Compiled code goes to a temporary cache directory, never the user's ~/.cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def side_by_side(recipe: Recipe, values: list[float], parameters: int, calls: list[int]) -> tinygrad_mm.CompiledStep:
    """Run the recipe's graph compiled and with the engine, call after call, on the same new numbers each time.

    Leaf i is a parameter (read fresh, accumulated into) if bit i of ``parameters`` is set, else a runtime number.
    Between calls both sets of parameters take the same SGD step, and the runtime numbers change (gates flip).
    """
    compiled = [Parameter(v, f"p{i}") if parameters >> i & 1 else None for i, v in enumerate(values)]
    engine = [Parameter(v, f"p{i}") if parameters >> i & 1 else None for i, v in enumerate(values)]

    def leaves(params: list, numbers: tuple) -> list:
        given = iter(numbers)
        return [p if p is not None else next(given) for p in params]

    step = tinygrad_mm.compile(lambda *xs: recipe.build(leaves(compiled, xs)))
    numbers = [v for v, p in zip(values, compiled, strict=True) if p is None]
    for call, seed in enumerate(calls):
        rng = random.Random(seed)
        if call:
            numbers = [rng.uniform(-3.0, 3.0) if rng.random() < 0.5 else x for x in numbers]
            for params in (compiled, engine):
                for p in params:
                    if p is not None and abs(p.grad) < 1e3:
                        p.data -= 0.05 * p.grad

        def by_engine(numbers=numbers) -> float:
            root = recipe.build(leaves(engine, tuple(Value(x, f"args[{i}]") for i, x in enumerate(numbers))))
            root.backward()
            return root.data

        expected = outcome(by_engine)
        before = [p.grad for p in compiled if p is not None]
        got = outcome(lambda numbers=numbers: step(*numbers))
        assert got[0] == expected[0], (got, expected)
        if expected[0] == "error":
            assert got[1] is expected[1]
            assert [p.grad for p in compiled if p is not None] == before  # nothing half-updated
        else:
            assert same(got[1], expected[1]), (got, expected)
        for a, b in zip(compiled, engine, strict=True):
            if a is not None:
                assert same(a.grad, b.grad), (a.label, a.grad, b.grad)
    return step


graphs = dict(
    seed=st.integers(0, 2**32),
    n_leaves=st.integers(1, 5),
    n_ops=st.integers(1, 30),
    parameters=st.integers(0, 31),
    calls=st.lists(st.integers(0, 2**32), min_size=1, max_size=3),
)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**graphs)
def test_compiled_step_equals_the_engine_on_random_graphs(seed, n_leaves, n_ops, parameters, calls) -> None:
    """Every op, fan-out, n-ary sum/dot, the hinge (one node or expanded), gates flipping between calls, SGD between
    calls: the same loss and gradients (in fact bit for bit), or the same engine error with no gradient changed."""
    recipe, values = random_recipe(seed, n_leaves, n_ops)
    step = side_by_side(recipe, values, parameters, calls)
    assert step.mode in ("python", "engine")
    assert step.stats["compiled"] + step.stats["engine"] == len(calls)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**graphs)
def test_the_tape_equals_the_engine_on_random_graphs(seed, n_leaves, n_ops, parameters, calls) -> None:
    recipe, values = random_recipe(seed, n_leaves, n_ops)
    lines = program.MAX_LINES
    program.MAX_LINES = 0  # every graph is "too large": all run on the tape
    cache.forget_memory()  # (code compiled by other tests for the same graph would be used as it is)
    try:
        step = side_by_side(recipe, values, parameters, calls)
    finally:
        program.MAX_LINES = lines
    assert step.mode in ("tape", "engine")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32), n_inputs=st.integers(1, 3), n_params=st.integers(1, 3), n_ops=st.integers(1, 20),
    samples=st.integers(8, 16), calls=st.lists(st.integers(0, 2**32), min_size=1, max_size=3),
    head=st.sampled_from(["sum", "scaled", "squared"]),
)  # fmt: skip
def test_per_sample_subgraphs_rolled_into_a_loop_equal_the_engine(seed, n_inputs, n_params, n_ops, samples, calls, head) -> None:
    """L = h(Σₛ cₛ·f(xₛ, θ)): one random f per sample (its own inputs and constant cₛ, shared parameters θ) is one loop —
    forward and backward in one pass when the Σ's gradient needs no value (h = Σ, 0.5·Σ + θ₀), two loops when it does
    (h = Σ²)."""
    recipe, values = random_recipe(seed, n_inputs + n_params, n_ops)
    rng = random.Random(seed)
    weights = [rng.choice([-1.0, 1.0, 0.5]) for _ in range(samples)]
    compiled, engine = ([Parameter(v, f"θ{i}") for i, v in enumerate(values[n_inputs:])] for _ in range(2))

    def loss(params: list[Parameter], X: list) -> Value:
        total = sum_values([recipe.build([*x, *params]) * c for x, c in zip(X, weights, strict=True)])
        if head == "sum":  # (only the head asked for: the engine would raise for a total² nobody uses)
            return total
        return total * 0.5 + params[0] if head == "scaled" else total * total

    step = tinygrad_mm.compile(lambda X: loss(compiled, X))
    X = [[rng.uniform(-3.0, 3.0) if k else v for k, v in enumerate(values[:n_inputs])] for _ in range(samples)]
    for call in range(len(calls)):
        if call:
            X = [[x if rng.random() < 0.5 else rng.uniform(-3.0, 3.0) for x in row] for row in X]
            for p in (*compiled, *engine):
                p.data -= 0.05 * p.grad if abs(p.grad) < 1e3 else 0.0
        before = [p.grad for p in compiled]
        expected = outcome(lambda X=X: _backward_of(loss(engine, [[Value(x) for x in row] for row in X])))
        got = outcome(lambda X=X: step(X))
        assert got[0] == expected[0] and (got[0] == "error" or same(got[1], expected[1])), (got, expected)
        if got[0] == "error":
            assert got[1] is expected[1] and [p.grad for p in compiled] == before
    if step.mode == "python" and "\n    for " in step.source:
        fused = "# ---- forward and backward, cone after cone" in step.source
        assert fused == (head != "squared") and step.source.count("\n    for ") == (1 if fused else 2)
        assert all(same(a.grad, b.grad) for a, b in zip(compiled, engine, strict=True))
    if step.mode == "python":
        assert "_saved0" in step.source  # the samples ran as one loop


def _backward_of(root: Value) -> float:
    root.backward()
    return root.data


def test_compiled_step_takes_the_engine_error_not_a_python_one() -> None:
    """log of a negative, x/0, a gradient through √x at 0: the engine's labelled errors, and no .grad changed."""
    w = Parameter(2.0, "w")
    w.grad = 0.25
    step = tinygrad_mm.compile(lambda x: (w * x).log() + w / (x - 1.0) + (w - x) ** 0.5)
    assert step(1.5) == pytest.approx(math.log(3.0) + 4.0 + math.sqrt(0.5))
    assert step.stats == {"calls": 1, "traces": 1, "compiled": 1, "engine": 0}
    cases = [(-1.0, DomainError, "log"), (1.0, DivisionByZeroError, "division by zero"), (2.0, GradientError, "w")]
    for x, error, words in cases:
        before = w.grad
        with pytest.raises(error, match=words) as caught:
            step(x)
        assert type(caught.value) is error
        assert w.grad == before
    assert step.stats["engine"] == 3


def test_an_overflow_anywhere_is_the_engines_error_even_if_the_loss_is_finite() -> None:
    w = Parameter(400.0, "w")
    step = tinygrad_mm.compile(lambda x: ((w * x).exp() * -1.0).relu() + w)  # relu hides the infinity downstream
    assert step(1.0) == 400.0
    with pytest.raises(DomainError, match="overflows"):
        step(2.0)


def test_a_runtime_numbers_gradient_is_computed_only_where_it_can_be_infinite_without_an_overflow() -> None:
    """Nobody reads the gradient of a number argument: where every edge into it is plain arithmetic (ḡ·w) it is not
    computed — the step's gradients are the same floats — so only an overflow there goes unreported; an infinite
    local derivative (√x at 0) still is the engine's GradientError, as in backward()."""
    w = Parameter(1e10, "w")
    product = tinygrad_mm.compile(lambda x, y: (x * 1e300) * w - y)
    root = tinygrad_mm.compile(lambda x: w * x**0.5)
    assert product(1e-300, 2.0) == 1e10 - 2.0 and w.grad == 1e-300 * 1e300  # eager: ∂/∂x = 1e310 overflows
    assert "grad_x" not in product.source and "grad_y" not in product.source and product.mode == "python"
    w.grad = 0.0
    assert root(4.0) == 2e10 and w.grad == 2.0
    with pytest.raises(GradientError, match="into 'x'.*is inf there"):
        root(0.0)
    assert w.grad == 2.0


@pytest.mark.parametrize("samples", [1, 12])
def test_a_value_or_gradient_only_a_gate_could_hide_is_still_seen(samples) -> None:
    """The step tests only what no other test implies (finite.py): a value a relu hides, a gradient a closed gate
    stops — in straight-line code and in a rolled loop — still send the call to the engine, which says why."""
    w, s = Parameter(1.0, "w"), Parameter(1.0, "s")
    hidden_value = tinygrad_mm.compile(lambda xs: sum_values([(-(w * x).exp()).relu() for x in xs]) + w)
    hidden_gradient = tinygrad_mm.compile(lambda xs: sum_values([((w * x).relu() * s) * 1e10 for x in xs]) + w)
    assert hidden_value([1.0] * samples) == 1.0 and hidden_gradient([-1.0] * samples) == 1.0
    assert hidden_value.mode == hidden_gradient.mode == "python"
    assert ("\n    for " in hidden_value.source) == ("\n    for " in hidden_gradient.source) == (samples > 1)
    w.grad = s.grad = 0.0
    with pytest.raises(DomainError, match="overflows"):
        hidden_value([1.0] * (samples - 1) + [800.0])  # exp(800) overflows; relu(−∞) would be 0
    s.data = 1e300  # the relu's gradient 1e310 overflows; its gate is closed, so nothing downstream sees it
    with pytest.raises(GradientError, match="overflows"):
        hidden_gradient([-1.0] * samples)
    assert w.grad == s.grad == 0.0


# ---- moons: the training step the benchmarks time ----


def moons_setup(seed: int = 1337) -> tuple[MLP, list, list]:
    X, y = make_moons(100, 0.1, seed)
    return MLP(2, [16, 16, 1], rng=random.Random(seed)), X, y


def test_moons_steps_are_bit_for_bit_the_engines_and_the_samples_are_rolled_into_a_loop() -> None:
    (m1, X, y), (m2, _, _) = moons_setup(), moons_setup()
    step = tinygrad_mm.compile(lambda X, y: moons_objective(m1, X, y))
    for _ in range(4):
        m1.zero_grad()
        m2.zero_grad()
        loss, scores = step(X, y)
        graph, expected = moons_objective(m2, [[Value(a), Value(b)] for a, b in X], y)
        graph.backward()
        assert loss == graph.data and scores == [s.data for s in expected]
        assert [p.grad for p in m1.parameters()] == [p.grad for p in m2.parameters()]
        sgd(m1.parameters(), 0.5)
        sgd(m2.parameters(), 0.5)
    assert step.stats == {"calls": 4, "traces": 1, "compiled": 4, "engine": 0}
    assert step.mode == "python"
    source = step.source
    assert source.count("\n    for ") == 1 and "_saved0.append((" in source  # one loop, forward then backward per sample
    assert "# ---- forward and backward, cone after cone" in source  # (each sample's score is saved: fn returns them)
    assert len(source.splitlines()) < 4000  # instead of ~90,000 lines written out sample by sample
    assert re.search(r"grad_L1_n0_w_0 \+= grad_\w+ \* ", source) and "if add" in source  # the chain rule, the relu gates


def test_parameters_are_read_fresh_and_gradients_accumulate_until_zero_grad() -> None:
    w, b = Parameter(2.0, "w"), Parameter(0.5, "b")
    step = tinygrad_mm.compile(lambda x: (w * x + b).tanh())
    assert step(1.0) == math.tanh(2.5)
    assert w.grad == 1.0 - math.tanh(2.5) ** 2
    step(1.0)
    assert w.grad == 2 * (1.0 - math.tanh(2.5) ** 2)  # accumulated, as backward() does
    w.data = -1.0
    w.grad = b.grad = 0.0
    assert step(3.0) == math.tanh(-2.5) and w.grad == 3.0 * (1.0 - math.tanh(-2.5) ** 2)


def test_nested_lists_tuples_and_keywords_are_runtime_inputs_and_another_structure_traces_again() -> None:
    w = Parameter(1.5, "w")
    step = tinygrad_mm.compile(lambda rows, scale=1.0: sum_values([w * a * b for a, b in rows]) * scale)
    assert step([(1.0, 2.0), (3.0, 4)]) == 1.5 * 14
    assert step([(2.0, 2.0), (1.0, 1.0)], scale=2.0) == 1.5 * 5 * 2
    assert step.stats["traces"] == 2  # a keyword more: another structure
    assert step([[1.0, 1.0]]) == 1.5 and step.stats["traces"] == 3  # one row, lists: another structure
    assert step([(1.0, 1.0), (1.0, 1.0)]) == 3.0 and step.stats["traces"] == 3  # the first structure, remembered
    assert "X" not in step.source and "rows_0_1" in step.source  # inputs named by where they sit


def test_value_arguments_are_accumulated_into_and_the_same_leaf_twice_is_another_structure() -> None:
    a, b = Parameter(2.0, "a"), Parameter(3.0, "b")
    step = tinygrad_mm.compile(lambda u, v: u * v)
    assert step(a, b) == 6.0 and (a.grad, b.grad) == (3.0, 2.0)
    c = Parameter(5.0, "c")
    assert step(c, b) == 15.0 and (c.grad, b.grad) == (3.0, 7.0)  # a new leaf in the same place: same code
    assert step.stats["traces"] == 1
    assert step(a, a) == 4.0 and a.grad == 3.0 + 4.0  # a·a: ∂/∂a = 2a, both edges into one leaf
    assert step.stats["traces"] == 2


def test_numbers_in_operations_are_baked_and_control_flow_is_frozen_unless_check() -> None:
    w = Parameter(1.0, "w")

    def fn(x: Value) -> Value:
        return w * x * 3.0 if x.data > 0 else w * x * -5.0  # depends on the value: frozen at the first trace

    frozen = tinygrad_mm.compile(fn)
    assert frozen(2.0) == 6.0 and "* 3.0" in frozen.source
    assert frozen(-1.0) == -3.0  # documented: the trace's branch (x > 0) is reused
    checked = tinygrad_mm.compile(fn, check=True)
    assert checked(2.0) == 6.0
    assert checked(-1.0) == 5.0 and checked.stats["traces"] == 2  # re-traced, compiled again, compared
    assert checked(-2.0) == 10.0 and checked.stats["traces"] == 2


def test_check_follows_a_model_that_was_replaced() -> None:
    model = {"w": Parameter(2.0, "w")}
    step = tinygrad_mm.compile(lambda x: model["w"] * x, check=True)
    assert step(3.0) == 6.0
    old, model["w"] = model["w"], Parameter(5.0, "w")
    assert step(3.0) == 15.0 and model["w"].grad == 3.0 and old.grad == 3.0
    assert step.stats["traces"] == 2


def test_extra_outputs_keep_their_nesting() -> None:
    w = Parameter(2.0, "w")

    def fn(x: Value):
        h = w * x
        o = h.tanh()
        return o * o, [h, (o,)], o

    loss, pair, o = tinygrad_mm.compile(fn)(0.5)
    assert loss == math.tanh(1.0) ** 2 and pair == [1.0, (math.tanh(1.0),)] and o == math.tanh(1.0)


@pytest.mark.parametrize(
    ("returned", "words"),
    [(None, "returned NoneType None"), (3.0, "returned float 3.0"), ([1], "returned list"), ("J", "returned str")],
)
def test_a_function_that_returns_no_value_is_a_clear_type_error(returned, words) -> None:
    with pytest.raises(TypeError, match=f"must return the Value to differentiate .* {words}"):
        tinygrad_mm.compile(lambda x: returned)(1.0)


def test_extra_outputs_must_be_values_on_the_way_to_the_loss() -> None:
    w = Parameter(2.0, "w")
    with pytest.raises(TypeError, match="extra item that is not a Value .* int 3"):
        tinygrad_mm.compile(lambda x: (w * x, 3))(1.0)
    with pytest.raises(ValueError, match="not computed from"):
        tinygrad_mm.compile(lambda x: (w * x, w + 1.0))(1.0)
    with pytest.raises(TypeError, match="needs a function"):
        tinygrad_mm.compile(42)


@pytest.mark.parametrize(
    ("argument", "error", "words"),
    [
        ([1.0, "two"], TypeError, r"argument X\[1\] .* got str 'two'"),
        ({"a": 1.0}, TypeError, r"argument X .* got dict"),
        ([1.0, math.nan], ValueError, r"must be finite"),
        ([math.inf], ValueError, r"must be finite"),
        ([Value(1.0) * 2.0], TypeError, r"argument X\[0\] .* a computed Value \('\*' node\)"),
    ],
)
def test_arguments_that_are_not_numbers_are_named(argument, error, words) -> None:
    step = tinygrad_mm.compile(lambda X: sum_values(X) * 2.0)
    with pytest.raises(error, match=words):
        step(argument)


def test_graph_gives_the_latest_call_with_every_interior_gradient_and_views_work_on_it() -> None:
    from tinygrad_mm.views.drawing import dot_source
    from tinygrad_mm.views.explain import explain

    w = Parameter(-0.5, "w")
    w.grad = 7.0  # what the user accumulated: looking must not change it
    step = tinygrad_mm.compile(lambda x: ((w * x).relu() + (w * x).tanh()) * 2.0)
    step(1.0)
    loss = step(-3.0)  # the latest call: the relu passes here
    accumulated = w.grad
    root = step.graph()
    expected = gradients_of(root)
    assert root.data == loss and w.grad == accumulated
    for node, grad in expected.items():
        if not node.is_leaf:
            assert node.grad == grad
    assert "x" in dot_source(root) and "w" in str(explain(root, "w"))
    assert math.isclose(expected[w], 2.0 * (-3.0 + -3.0 * (1 - math.tanh(1.5) ** 2)), rel_tol=1e-12)


def test_the_step_says_what_it_is() -> None:
    step = tinygrad_mm.compile(lambda x: x * 2.0)
    assert step.mode == "" and step.source == ""
    with pytest.raises(RuntimeError, match="not been called yet"):
        step.graph()
    step(1.0)
    assert repr(step).endswith(": 1 call, 1 trace, mode python>") and step.__name__ == "<lambda>"
    assert tinygrad_mm.compile is tinygrad_mm.compiled.compile


# ---- the size rule: the tape ----


def test_a_long_chain_runs_on_the_tape_and_equals_the_engine() -> None:
    x, c = Parameter(1.0, "x"), Parameter(1.0 + 1e-4, "c")

    def chain(n: int) -> Value:
        y = x
        for _ in range(n):
            y = (y * c).tanh() + 0.5
        return y

    step = tinygrad_mm.compile(lambda: chain(7_000))  # 8 lines per link: 56,000 > MAX_LINES
    loss = step()
    assert step.mode == "tape" and "tape" in step.source
    gx, gc = x.grad, c.grad
    x.grad = c.grad = 0.0
    root = chain(7_000)
    root.backward()
    assert loss == root.data and gx == x.grad and gc == c.grad


def test_a_dot_too_wide_for_one_expression_runs_on_the_tape() -> None:
    rng = random.Random(0)
    xs = [Parameter(rng.uniform(-1, 1)) for _ in range(3000)]
    ws = [Parameter(rng.uniform(-1, 1)) for _ in range(3000)]
    step = tinygrad_mm.compile(lambda: dot(xs, ws) * 2.0)
    s = step()
    assert step.mode == "tape"
    assert s == 2.0 * dot(xs, ws).data
    assert [x.grad for x in xs] == [2.0 * w.data for w in ws] and [w.grad for w in ws] == [2.0 * x.data for x in xs]
