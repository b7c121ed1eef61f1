"""Engine gradients = the notes' closed form (rtol 1e-9), for every parameter and input, every f, every hinge case.

The closed form itself is checked against central finite differences, so the two are not just agreeing
with each other.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest
from helpers import assert_derivative_matches, partial_difference
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_mm import Value, sum_values
from tinygrad_mm.models.closed_form import for_example, margin_gradients, negatives_gradients, score_gradients
from tinygrad_mm.models.cs224n import ACTIVATIONS, ExampleSpec, WindowScorer, build_example, notes_example
from tinygrad_mm.models.losses import max_margin_loss

RTOL = 1e-9


def close(engine: float, closed: float) -> bool:
    return math.isclose(engine, closed, rel_tol=RTOL, abs_tol=1e-15)


def engine_graph(W, b, U, x, x_c, activation, delta):
    """The notes' graph built by the engine from plain numbers: (J, s, s_c, scorer, x leaves, x_c leaves)."""
    scorer = WindowScorer(len(x), len(b), activation)
    for row, values in zip(scorer.W, W, strict=True):
        for w, v in zip(row, values, strict=True):
            w.data = v
    for params, values in ((scorer.b, b), (scorer.U, U)):
        for p, v in zip(params, values, strict=True):
            p.data = v
    xs = [Value(v, f"x[{j}]") for j, v in enumerate(x)]
    xcs = [Value(v, f"x_c[{j}]") for j, v in enumerate(x_c)]
    s, s_c = scorer.score(xs, "s"), scorer.score(xcs, "s_c")
    return max_margin_loss(s, s_c, delta), s, s_c, scorer, xs, xcs


def assert_engine_matches_closed_form(J, s, s_c, scorer, xs, xcs, closed) -> None:
    J.backward()
    assert J.data == closed.J and s.data == closed.s and s_c.data == closed.s_c
    assert J.active == closed.active
    assert (s.grad, s_c.grad) == (closed.dJ_ds, closed.dJ_ds_c)
    assert_engine_matches_closed_form_params(scorer, closed)
    for name, leaves, expected in (("x", xs, closed.x), ("x_c", xcs, closed.x_c)):
        for j, v in enumerate(leaves):
            assert close(v.grad, expected[j]), f"∂J/∂{name}[{j}]: engine {v.grad!r}, closed form {expected[j]!r}"


def assert_engine_matches_closed_form_params(scorer, closed) -> None:
    """∂J/∂W, ∂J/∂b, ∂J/∂U after the backward pass = the closed form's (rtol 1e-9)."""
    for i, row in enumerate(scorer.W):
        for j, w in enumerate(row):
            assert close(w.grad, closed.W[i][j]), f"∂J/∂W[{i},{j}]: engine {w.grad!r}, closed form {closed.W[i][j]!r}"
    for name, params, expected in (("b", scorer.b, closed.b), ("U", scorer.U, closed.U)):
        for i, p in enumerate(params):
            assert close(p.grad, expected[i]), f"∂J/∂{name}[{i}]: engine {p.grad!r}, closed form {expected[i]!r}"


def kink_delta(s: float, s_c: float) -> float | None:
    """A Δ ≥ 0 with Δ + s_c − s == 0.0 exactly in floating point (the hinge's own arithmetic), if one is near."""
    candidate = s - s_c
    for _ in range(16):
        if candidate >= 0 and candidate + s_c - s == 0.0:
            return candidate
        candidate = math.nextafter(candidate, math.inf if candidate + s_c - s < 0 else -math.inf)
    return None


def notes_numbers(ex):
    sc = ex.scorer
    return (
        [[w.data for w in row] for row in sc.W],
        [p.data for p in sc.b],
        [p.data for p in sc.U],
        [v.data for v in ex.x],
        [v.data for v in ex.x_c],
    )


# ---- the notes' exact sizes: n = 20, H = 8 ----


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("active", [True, False])
@pytest.mark.parametrize("small", [False, True])
def test_notes_example_matches_closed_form(activation: str, active: bool, small: bool) -> None:
    ex = notes_example(active=active, small=small, activation=activation)
    closed = for_example(ex)
    assert closed.active is active
    assert_engine_matches_closed_form(ex.J, ex.s, ex.s_c, ex.scorer, ex.x, ex.x_c, closed)
    if active:
        assert (closed.dJ_ds, closed.dJ_ds_c) == (-1.0, 1.0)
        assert any(g for row in closed.W for g in row)
    else:
        assert all(g == 0.0 for row in closed.W for g in row) and closed.J == 0.0


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_notes_sizes_exactly_at_the_kink(activation: str) -> None:
    W, b, U, x, x_c = notes_numbers(notes_example(activation=activation))
    s, s_c = score_gradients(W, b, U, x, activation).s, score_gradients(W, b, U, x_c, activation).s
    if s < s_c:  # the kink needs Δ = s − s_c ≥ 0: swap the windows
        x, x_c, s, s_c = x_c, x, s_c, s
    delta = kink_delta(s, s_c)
    assert delta is not None
    closed = margin_gradients(W, b, U, x, x_c, activation, delta)
    assert closed.J == 0.0 and not closed.active
    assert_engine_matches_closed_form(*engine_graph(W, b, U, x, x_c, activation, delta), closed)
    assert all(g == 0.0 for g in closed.U)  # at the kink the gradient is 0 (PyTorch's relu convention)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_kink_with_identical_windows_and_zero_margin(activation: str) -> None:
    W, b, U, x, _ = notes_numbers(notes_example(activation=activation))
    closed = margin_gradients(W, b, U, x, x, activation, 0.0)
    assert closed.s == closed.s_c and closed.J == 0.0 and not closed.active
    assert_engine_matches_closed_form(*engine_graph(W, b, U, x, list(x), activation, 0.0), closed)


def test_relu_kink_inside_the_network_has_derivative_zero() -> None:
    W, b, U, x, x_c = notes_numbers(notes_example(activation="relu"))
    b[2] = -sum(w * v for w, v in zip(W[2], x, strict=True))  # z[2] = Wx + b = 0 exactly for the true window
    closed = margin_gradients(W, b, U, x, x_c, "relu", 5.0)
    assert closed.true.z[2] == 0.0 and closed.true.delta[2] == 0.0 and closed.active
    assert_engine_matches_closed_form(*engine_graph(W, b, U, x, x_c, "relu", 5.0), closed)


# ---- random sizes ----


def random_numbers(seed: int, n: int, H: int):
    rng = random.Random(seed)
    u = lambda: rng.uniform(-2.0, 2.0)  # noqa: E731
    return (
        [[u() for _ in range(n)] for _ in range(H)],
        [u() for _ in range(H)],
        [u() for _ in range(H)],
        [u() for _ in range(n)],
        [u() for _ in range(n)],
    )


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    n=st.integers(1, 12),
    H=st.integers(1, 6),
    activation=st.sampled_from(ACTIVATIONS),
    case=st.sampled_from(["active", "inactive", "kink"]),
)
def test_random_sizes_match_closed_form(seed: int, n: int, H: int, activation: str, case: str) -> None:
    W, b, U, x, x_c = random_numbers(seed, n, H)
    s, s_c = score_gradients(W, b, U, x, activation).s, score_gradients(W, b, U, x_c, activation).s
    if case == "active":
        delta = abs(s - s_c) + 1.0
    elif case == "inactive":
        if s < s_c:
            x, x_c, s, s_c = x_c, x, s_c, s
        if s == s_c:  # e.g. relu with every unit dead: no margin can be met, only the kink
            x_c, case = list(x), "kink"
        delta = max(0.0, (s - s_c) / 2.0) if case == "inactive" else 0.0
    else:
        x_c, delta = list(x), 0.0
    closed = margin_gradients(W, b, U, x, x_c, activation, delta)
    assert closed.active is (case == "active")
    assert_engine_matches_closed_form(*engine_graph(W, b, U, x, x_c, activation, delta), closed)


# ---- the closed form is itself right: central finite differences of J ----


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_closed_form_agrees_with_finite_differences(activation: str) -> None:
    W, b, U, x, x_c = random_numbers(11, 5, 3)
    delta = 10.0  # keep the hinge active so J is smooth
    closed = margin_gradients(W, b, U, x, x_c, activation, delta)

    def J_of(**changed) -> float:
        args = {"W": W, "b": b, "U": U, "x": x, "x_c": x_c} | changed
        return margin_gradients(args["W"], args["b"], args["U"], args["x"], args["x_c"], activation, delta).J

    def vary(name: str, index: tuple[int, ...]):
        def J_at(t: float) -> float:
            if name == "W":
                rows = [list(r) for r in W]
                rows[index[0]][index[1]] = t
                return J_of(W=rows)
            vector = list({"b": b, "U": U, "x": x, "x_c": x_c}[name])
            vector[index[0]] = t
            return J_of(**{name: vector})

        return J_at

    checks = [("W", (i, j), closed.W[i][j], W[i][j]) for i in range(3) for j in range(5)]
    checks += [(name, (k,), getattr(closed, name)[k], vec[k]) for name, vec in (("b", b), ("U", U)) for k in range(3)]
    checks += [
        (name, (k,), getattr(closed, name)[k], vec[k]) for name, vec in (("x", x), ("x_c", x_c)) for k in range(5)
    ]
    # finite differences need J smooth around the point: no unit within the step of relu's kink
    assert min(abs(z) for g in (closed.true, closed.corrupt) for z in g.z) > 1e-3
    assert any(closed.U) and any(closed.x)  # and the gradient is not trivially zero
    for name, index, analytic, value in checks:
        assert_derivative_matches(analytic, partial_difference(vary(name, index), [value], 0))


# ---- floats only, clear errors ----


def test_closed_form_takes_plain_numbers_only() -> None:
    with pytest.raises(TypeError, match=r"x\[1\] must be a plain number \(the closed form uses floats only\)"):
        score_gradients([[1.0, 2.0]], [0.0], [1.0], [1.0, Value(2.0)])
    with pytest.raises(TypeError, match="W must be a list of rows"):
        score_gradients(3.0, [0.0], [1.0], [1.0])


def test_closed_form_shape_errors_name_what_was_expected() -> None:
    with pytest.raises(ValueError, match=r"row W\[1\] has 3 entries"):
        score_gradients([[1.0, 2.0], [1.0, 2.0, 3.0]], [0.0, 0.0], [1.0, 1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="b must have H = 2 entries"):
        score_gradients([[1.0], [2.0]], [0.0], [1.0, 1.0], [1.0])
    with pytest.raises(ValueError, match="U must have H = 1 entries"):
        score_gradients([[1.0]], [0.0], [1.0, 1.0], [1.0])
    with pytest.raises(ValueError, match="must be non-empty"):
        score_gradients([], [], [], [])
    with pytest.raises(ValueError, match="activation must be one of"):
        score_gradients([[1.0]], [0.0], [1.0], [1.0], "gelu")
    with pytest.raises(ValueError, match="delta must be a number >= 0"):
        margin_gradients([[1.0]], [0.0], [1.0], [1.0], [2.0], "tanh", -1.0)
    with pytest.raises(ValueError, match="W must be H × n = 1 × 2"):
        margin_gradients([[1.0]], [0.0], [1.0], [1.0, 2.0], [2.0, 1.0])


def test_score_gradients_formulas_on_a_hand_example() -> None:
    # H = 1, n = 2, f = tanh, W = [[1, 2]], b = [0.5], U = [3], x = [0.1, −0.2]: z = 0.1 − 0.4 + 0.5 = 0.2
    g = score_gradients([[1.0, 2.0]], [0.5], [3.0], [0.1, -0.2], "tanh")
    d = 3.0 * (1.0 - math.tanh(0.2) ** 2)
    assert g.z == [pytest.approx(0.2)]
    assert g.s == pytest.approx(3.0 * math.tanh(0.2))
    assert g.delta == [pytest.approx(d)] and g.b == g.delta
    assert g.W == [[pytest.approx(d * 0.1), pytest.approx(d * -0.2)]]
    assert g.U == [pytest.approx(math.tanh(0.2))]
    assert g.x == [pytest.approx(d * 1.0), pytest.approx(d * 2.0)]


# ---- k corrupted windows: J = Σₖ max(0, Δ + s_c⁽ᵏ⁾ − s) ----


def assert_k_windows_match(ex, closed) -> None:
    """Engine gradients after J.backward() = the closed form for k windows (every parameter and input)."""
    ex.J.backward()
    assert ex.J.data == closed.J and ex.s.data == closed.s
    assert ex.s.grad == closed.dJ_ds == -sum(n.active for n in closed.negatives)
    assert_engine_matches_closed_form_params(ex.scorer, closed)
    for j, v in enumerate(ex.x):
        assert close(v.grad, closed.x[j]), f"∂J/∂x[{j}]"
    for k, (negative, expected) in enumerate(zip(ex.negatives, closed.negatives, strict=True)):
        assert negative.s.data == expected.s_c and negative.s.grad == expected.dJ_ds_c
        assert negative.hinge.active == expected.active and negative.hinge.data == expected.J
        for j, v in enumerate(negative.x):
            assert close(v.grad, expected.x_c[j]), f"∂J/∂x_c{k + 1}[{j}]: engine {v.grad!r}, closed {expected.x_c[j]!r}"


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("k", [2, 3, 5])
@pytest.mark.parametrize("small", [False, True])
def test_k_corrupted_windows_match_closed_form(activation: str, k: int, small: bool) -> None:
    words = ["bread", "music", "London", "the", "zebra"][:k]
    ex = build_example(ExampleSpec.notes(small=small, corrupt_words=words, activation=activation))
    closed = for_example(ex)
    assert len(closed.negatives) == k and closed.active
    assert_k_windows_match(ex, closed)
    assert any(g for row in closed.W for g in row)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_k_windows_with_some_hinges_flat(activation: str) -> None:
    """Δ between the scores: some hinges active, some flat; the flat ones add exactly nothing."""
    ex = build_example(ExampleSpec.notes(corrupt_words=["bread", "music", "London", "zebra"], activation=activation))
    margins = sorted(ex.s.data - n.s.data for n in ex.negatives)
    delta = (margins[1] + margins[2]) / 2.0  # two hinges open (margin < Δ), two closed
    assert delta >= 0.0 and margins[1] < delta < margins[2]
    ex = build_example(replace(ex.spec, delta=delta))
    closed = for_example(ex)
    states = [n.active for n in closed.negatives]
    assert states == [n.hinge.active for n in ex.negatives] and sum(states) == 2
    assert_k_windows_match(ex, closed)
    assert all(n.x_c == [0.0] * len(n.x_c) for n in closed.negatives if not n.active)


def test_k_windows_inactive_is_all_zero() -> None:
    ex = build_example(ExampleSpec.notes(corrupt_words=["bread", "music"]), active=False)
    closed = for_example(ex)
    assert not closed.active and closed.J == 0.0 and closed.dJ_ds == 0.0
    assert all(g == 0.0 for row in closed.W for g in row)
    assert_k_windows_match(ex, closed)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 8), H=st.integers(1, 5), k=st.integers(2, 4),
       activation=st.sampled_from(ACTIVATIONS), delta=st.floats(0.0, 3.0))  # fmt: skip
def test_random_k_windows_match_closed_form(seed: int, n: int, H: int, k: int, activation: str, delta: float) -> None:
    W, b, U, x, _ = random_numbers(seed, n, H)
    rng = random.Random(seed + 1)
    x_cs = [[rng.uniform(-2.0, 2.0) for _ in range(n)] for _ in range(k)]
    closed = negatives_gradients(W, b, U, x, x_cs, activation, delta)
    J, s, s_c, scorer, xs, xcs = engine_graph(W, b, U, x, x_cs[0], activation, delta)
    others = [scorer.score([Value(v, f"x_c{m}[{j}]") for j, v in enumerate(x_c)], f"s_c{m}") for m, x_c in enumerate(x_cs[1:], 2)]
    hinges = [J] + [max_margin_loss(s, other, delta) for other in others]
    total = sum_values(hinges)
    total.backward()
    assert total.data == closed.J and s.grad == closed.dJ_ds
    assert [h.active for h in hinges] == [n.active for n in closed.negatives]
    assert_engine_matches_closed_form_params(scorer, closed)
    for j, v in enumerate(xs):
        assert close(v.grad, closed.x[j])
    for j, v in enumerate(xcs):
        assert close(v.grad, closed.negatives[0].x_c[j])


def test_k_windows_closed_form_agrees_with_finite_differences() -> None:
    W, b, U, x, x_c = random_numbers(5, 4, 3)
    x_c2 = [v * 0.5 - 0.3 for v in x]
    delta = 10.0  # every hinge active, so J is smooth
    closed = negatives_gradients(W, b, U, x, [x_c, x_c2], "tanh", delta)
    assert all(n.active for n in closed.negatives)

    def J_at_W(i: int, j: int):
        def J(t: float) -> float:
            rows = [list(r) for r in W]
            rows[i][j] = t
            return negatives_gradients(rows, b, U, x, [x_c, x_c2], "tanh", delta).J

        return J

    def J_at_U(i: int):
        def J(t: float) -> float:
            us = list(U)
            us[i] = t
            return negatives_gradients(W, b, us, x, [x_c, x_c2], "tanh", delta).J

        return J

    for i in range(3):
        assert_derivative_matches(closed.U[i], partial_difference(J_at_U(i), [U[i]], 0))
        for j in range(4):
            assert_derivative_matches(closed.W[i][j], partial_difference(J_at_W(i, j), [W[i][j]], 0))


def test_negatives_gradients_needs_a_window() -> None:
    with pytest.raises(ValueError, match="at least one corrupted window"):
        negatives_gradients([[1.0]], [0.0], [1.0], [1.0], [])
    with pytest.raises(ValueError, match="delta must be a number >= 0"):
        negatives_gradients([[1.0]], [0.0], [1.0], [1.0], [[2.0]], "tanh", math.inf)
