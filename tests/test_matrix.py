"""The matrix lens (views/matrix*.py, ``tinygrad-mm matrix``): arrays found from labels, branches found from the
graph, each array's gradient via each branch and in sum — exactly the engine's numbers — and the notes' formula
∂J/∂W = Σ_B (∂J/∂s_B)·δ_B x_Bᵀ checked cell by cell; PyTorch as the outside oracle."""

from __future__ import annotations

import math
import random
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from cli_helpers import assert_one_line_error, cli

from tinygrad_mm import Value
from tinygrad_mm.engine import gradients_of, topological_order
from tinygrad_mm.models.cs224n import ExampleSpec, branch_contributions, build_example, notes_example
from tinygrad_mm.views.matrix import find_arrays, find_branches, gradient_lens
from tinygrad_mm.views.matrix_draw import matrix_picture, write_matrix
from tinygrad_mm.views.matrix_formulas import NotFound, lens_report, notes_formulas

SVG = "{http://www.w3.org/2000/svg}"

EXAMPLES = {
    "active": lambda: notes_example(),
    "inactive": lambda: notes_example(active=False),
    "k=2": lambda: build_example(ExampleSpec.notes(corrupt_words=["bread", "music"])),
    "k=2 inactive": lambda: build_example(ExampleSpec.notes(corrupt_words=["bread", "music"]), active=False),
    "tanh": lambda: notes_example(activation="tanh"),
    "relu": lambda: notes_example(activation="relu"),
    "expanded hinge": lambda: build_example(ExampleSpec.notes(corrupt_words=["bread", "music"], expanded_hinge=True)),
    "small": lambda: notes_example(small=True),
}

USER_SCRIPT = '''
import random
from tinygrad_mm import Value

rng = random.Random(7)
W = [[Value(rng.uniform(-1, 1), label=f"W[{i},{j}]") for j in range(5)] for i in range(3)]
b = [Value(rng.uniform(-0.5, 0.5), label=f"b[{i}]") for i in range(3)]
U = [Value(rng.uniform(-1, 1), label=f"U[{i}]") for i in range(3)]
x = [Value(rng.uniform(-1, 1), label=f"x[{j}]") for j in range(5)]
x_c = [Value(rng.uniform(-1, 1), label=f"x_c[{j}]") for j in range(5)]

def score(inputs, name):
    a = [(sum(W[i][j] * inputs[j] for j in range(5)) + b[i]).tanh() for i in range(3)]
    s = sum(U[i] * a[i] for i in range(3))
    s.label = name
    return s

s, s_c = score(x, "s"), score(x_c, "s_c")
J = (1.0 + s_c - s).relu()
J.label = "J"
'''


def user_graph() -> dict:
    namespace: dict = {}
    exec(compile(USER_SCRIPT, "my_net.py", "exec"), namespace)  # noqa: S102 (the test's own script)
    return namespace


def snapshot(root: Value) -> list[tuple[float, float]]:
    return [(node.data, node.grad) for node in topological_order(root)]


# ---- 1. arrays found, not declared


def test_the_notes_arrays_are_found_with_their_shapes_and_kinds():
    lens = gradient_lens(notes_example().J)
    found = {a.name: (a.shape, a.kind) for a in lens.arrays}
    assert found == {"W": ((8, 20), "parameter"), "b": ((8,), "parameter"), "U": ((8,), "parameter"),
                     "x": ((20,), "input"), "x_c": ((20,), "input"), "z": ((8,), "op"), "a": ((8,), "op"),
                     "z_c": ((8,), "op"), "a_c": ((8,), "op")}  # fmt: skip
    assert [a.name for a in lens.arrays][:5] == ["W", "b", "U", "x", "x_c"] and lens.notes == []


def test_a_user_script_with_its_own_W_of_another_shape():
    graph = user_graph()
    lens = gradient_lens(graph["J"])
    assert lens.array("W").shape == (3, 5) and lens.array("x_c").shape == (5,)
    assert lens.branch_names == ["s", "s_c"]
    formulas = notes_formulas(lens)
    assert formulas.ok and formulas.branches[0].f.__name__ == "Tanh"
    J, s, s_c = graph["J"], graph["s"], graph["s_c"]
    via_s, via_sc = gradients_of(s), gradients_of(s_c)  # each branch's own pass; ∂J/∂s = −1, ∂J/∂s_c = +1 (exact)
    J.backward()
    for array in lens.arrays:
        via, via_c, total = lens.grids(array)
        for index, node in array.cells.items():
            assert total.values[index] == node.grad
            assert (via.values[index], via_c.values[index]) == (-via_s.get(node, 0.0), via_sc.get(node, 0.0))


def test_gaps_are_shown_as_gaps_with_a_note_never_as_a_smaller_shape():
    W = {(i, j): Value(0.1 * (i + j) + 0.05, label=f"W[{i},{j}]") for i in range(8) for j in range(20)}
    for gap in [(0, 3), (5, 5), (7, 0)]:
        del W[gap]
    J = sum(w * w for w in W.values())
    arrays, notes = find_arrays(J)
    (array,) = arrays
    assert array.shape == (8, 20) and array.missing == 3
    assert notes == ["W has entries [0,0]…[7,19] with 3 missing ([0,3], [5,5], [7,0]): shown as a 8×20 grid with gaps"]
    svg = ET.fromstring(matrix_picture(J, "svg"))
    assert len([g for g in svg.iter(f"{SVG}g") if g.get("id", "").startswith("a_mx")]) == 157  # one branch: the sum grid only
    assert sum(1 for t in svg.iter(f"{SVG}text") if (t.text or "").startswith("⚠ W has entries")) == 1


@pytest.mark.parametrize(
    ("labels", "fragment"),
    [
        (["W[0,0]", "W[1]"], "W has entries with one index (W[1]) and with two (W[0,0]): not shown as an array"),
        (["W[0,0]", "W[0,0]"], "W[0,0] labels two different nodes: W is not shown as an array"),
        (["L[Paris][0]", "L[Paris][1]"], "L[Paris][0], L[Paris][1] look like array entries but they are not name[i]"),
        (["x[0]", "x[9]"], "x has entries [0]…[9] but only 2 of the 10 entries exist: not shown as a 10 grid"),
        (["v[-1]"], "v[-1] looks like array entries but it is not name[i] or name[i,j] with whole-number indices"),
    ],
)
def test_labels_that_do_not_make_one_clean_array_get_a_note(labels, fragment):
    J = sum(Value(0.5 + k, label=label) * (k + 1.0) for k, label in enumerate(labels))
    arrays, notes = find_arrays(J)
    assert arrays == [] and any(fragment in note for note in notes), notes
    with pytest.raises(ValueError, match="has no arrays to show"):
        gradient_lens(J)


def test_computed_vectors_are_element_wise_only_when_the_graph_says_so():
    from tinygrad_mm.views.matrix import elementwise

    lens = gradient_lens(notes_example(activation="tanh").J)
    assert elementwise(lens.array("a_c"), lens.arrays) == "tanh(z_c)" and elementwise(lens.array("z"), lens.arrays) == ""
    z = [Value(0.1 * i - 0.2, label=f"z[{i}]") for i in range(3)]
    mixed = [z[0].tanh(), z[1].sigmoid(), z[2].tanh()]  # not one op
    shifted = [z[1].tanh(), z[2].tanh(), z[0].tanh()]  # not the same index
    for k, vector in enumerate((mixed, shifted)):
        for i, v in enumerate(vector):
            v.label = f"{'hg'[k]}[{i}]"
    arrays, _ = find_arrays(sum(mixed) + sum(shifted))
    assert [elementwise(a, arrays) for a in arrays if a.kind == "op"] == ["", ""]


def test_leaves_and_ops_under_one_name_are_refused():
    w = Value(1.0, label="h[0]")
    h1 = (w * 2.0).tanh()
    h1.label = "h[1]"
    arrays, notes = find_arrays(h1 + w)
    assert [a.name for a in arrays] == [] and "h mixes input and op nodes" in notes[0]


# ---- 2. the grids are exactly the engine's numbers


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_grids_equal_the_scalar_gradients_exactly(name):
    example = EXAMPLES[name]()
    J = example.J
    before = snapshot(J)
    lens = gradient_lens(J)
    assert snapshot(J) == before  # looking changed no .grad and no .data
    assert lens.branch_names == list(example.branches)  # found from the graph, not from the names
    J.backward()
    for array in lens.arrays[:3]:  # W, b, U: shared by every branch
        grids = lens.grids(array)
        assert [g.via for g in grids] == [*lens.branch_names, ""]
        for index, node in array.cells.items():
            assert grids[-1].values[index] == node.grad  # the sum is the .grad of a fresh pass, bit for bit
            parts = branch_contributions(example, node)  # read off J.backward()'s edges, independently
            assert [g.values[index] for g in grids[:-1]] == [parts[b] for b in lens.branch_names]
            assert math.fsum(g.values[index] for g in grids[:-1]) == pytest.approx(node.grad, abs=1e-15)
    if not example.active:
        assert all(v == 0.0 for a in lens.arrays for g in lens.grids(a) for v in g.values.values())


def test_via_a_branch_is_the_gradient_through_that_branch_output():
    """via B = (∂J/∂B)·(∂B/∂w): B's own backward pass, scaled by what J sends into B."""
    example = EXAMPLES["k=2"]()
    lens = gradient_lens(example.J)
    W = lens.array("W")
    for k, branch in enumerate(lens.branches):
        own = gradients_of(branch)
        for node in W.cells.values():
            assert lens.via[node][k] == pytest.approx(lens.branch_grads[k] * own[node], rel=1e-13, abs=1e-17)
    assert lens.branch_grads == [-2.0, 1.0, 1.0]  # s is in both hinges: ∂J/∂s = −1 − 1


def test_pytorch_agrees_on_the_sum_and_on_each_branch():
    torch = pytest.importorskip("torch")
    example = notes_example(activation="tanh")
    lens = gradient_lens(example.J)
    tensor = {a.name: torch.tensor([[n.data for n in row] for row in example.scorer.W] if a.name == "W"
                                   else [a.cells[(i,)].data for i in range(a.shape[0])], dtype=torch.float64,
                                   requires_grad=a.name in ("W", "b", "U"))
              for a in lens.arrays if a.kind != "op"}  # fmt: skip
    W, b, U = tensor["W"], tensor["b"], tensor["U"]
    s, s_c = U @ torch.tanh(W @ tensor["x"] + b), U @ torch.tanh(W @ tensor["x_c"] + b)
    via_s, via_sc = (torch.autograd.grad(score, W, retain_graph=True)[0] for score in (s, s_c))
    J = torch.clamp(1 + s_c - s, min=0)
    (total,) = torch.autograd.grad(J, W)
    grids = lens.grids(lens.array("W"))
    for (i, j), value in grids[-1].values.items():
        assert value == pytest.approx(total[i, j].item(), abs=1e-14)
        assert grids[0].values[(i, j)] == pytest.approx(-via_s[i, j].item(), abs=1e-14)
        assert grids[1].values[(i, j)] == pytest.approx(via_sc[i, j].item(), abs=1e-14)


def test_branches_are_found_from_the_graph_not_from_their_names():
    graph = user_graph()
    graph["s"].label, graph["s_c"].label = "good", "bad"
    assert [b.label for b in find_branches(graph["J"], find_arrays(graph["J"])[0])] == ["bad", "good"]
    mlp_x = [Value(0.3 * j - 0.4, label=f"x[{j}]") for j in range(3)]
    hidden = [sum(Value(0.1 * (i - j), label=f"W1[{i},{j}]") * mlp_x[j] for j in range(3)).tanh() for i in range(2)]
    for i, h in enumerate(hidden):
        h.label = f"h[{i}]"
    loss = (hidden[0] * 0.5 + hidden[1] * -0.25 - 1.0) ** 2
    assert find_branches(loss, find_arrays(loss)[0]) == []  # a vector's entries are not branches: one branch
    unlabelled = [sum(Value(0.1 * (i - j), label=f"V[{i},{j}]") * mlp_x[j] for j in range(3)).tanh() for i in range(2)]
    loss = (unlabelled[0] * 0.5 + unlabelled[1] * -0.25 - 1.0) ** 2
    assert find_branches(loss, find_arrays(loss)[0]) == []  # hidden units use their own row of V, not all of it


def test_a_penalty_is_a_branch_of_its_own_and_the_hinge_still_splits():
    example = notes_example(small=True)
    penalty = 0.01 * sum(w * w for row in example.scorer.W for w in row)
    L = example.J + penalty
    lens = gradient_lens(L)
    assert lens.branches == [example.s, example.s_c, penalty] and lens.branch_grads == [-1.0, 1.0, 1.0]
    L.backward()
    for node in lens.array("W").cells.values():
        assert lens.via[node][2] == pytest.approx(0.02 * node.data, rel=1e-15)  # ∂(0.01·Σ w²)/∂w, via the penalty
        assert math.fsum(lens.via[node]) == pytest.approx(node.grad, abs=1e-16)
    with pytest.raises(NotFound, match=r"is not Σᵢ U\[i\]·a\[i\]"):
        notes_formulas(lens)


def test_one_branch_the_formula_with_its_one_factor():
    rng = random.Random(1)
    W = [[Value(rng.uniform(-1, 1), label=f"W[{i},{j}]") for j in range(3)] for i in range(2)]
    b = [Value(0.1, label=f"b[{i}]") for i in range(2)]
    U = [Value(rng.uniform(-1, 1), label=f"U[{i}]") for i in range(2)]
    x = [Value(rng.uniform(-1, 1), label=f"x[{j}]") for j in range(3)]
    s = sum(U[i] * (sum(W[i][j] * x[j] for j in range(3)) + b[i]).sigmoid() for i in range(2))
    J = (s - 0.5) ** 2
    lens = gradient_lens(J)
    assert lens.branches == [] and [g.via for g in lens.grids(lens.array("W"))] == [""]
    formulas = notes_formulas(lens)
    assert formulas.ok and formulas.branches[0].grad == 2 * (s.data - 0.5)  # ∂J/∂s, the one factor


# ---- 3. the notes' formulas, with the numbers


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_notes_formula_holds_on_every_cell(name):
    example = EXAMPLES[name]()
    lens = gradient_lens(example.J)
    formulas = notes_formulas(lens)
    assert formulas.ok and [c.array for c in formulas.checks] == ["W", "b", "U"]
    assert [c.cells for c in formulas.checks] == [lens.array("W").size, lens.array("b").size, lens.array("U").size]
    assert [b.grad for b in formulas.branches] == lens.branch_grads
    for branch in formulas.branches:
        for i, a in enumerate(branch.a):
            assert branch.fprime[i] == a.local_grads()[0]  # f′ from the op class, whatever f is
            assert branch.delta[i] == lens.array("U").cells[(i,)].data * branch.fprime[i]
    if not example.active:
        assert all(b.grad == 0.0 for b in formulas.branches)
        assert "branches: ∂J/∂s = 0, ∂J/∂s_c" in lens_report(example.J)


def test_the_check_reports_a_mismatch_and_where():
    lens = gradient_lens(notes_example().J)
    W = lens.array("W")
    lens.grads[W.cells[(3, 7)]] += 1e-3  # as if the scalar pass had gone wrong at one cell
    formulas = notes_formulas(lens)
    check = formulas.checks[0]
    assert not formulas.ok and not check.ok and check.worst == "W[3,7]" and check.largest == pytest.approx(1e-3)
    assert formulas.checks[1].ok and formulas.checks[2].ok


def test_the_formula_says_what_differs_when_the_graph_is_not_the_notes():
    x = [Value(0.5, label=f"x[{j}]") for j in range(2)]
    W = [[Value(0.1 * (i + j), label=f"W[{i},{j}]") for j in range(2)] for i in range(2)]
    s = (W[0][0] * x[0] + W[0][1] * x[1]).exp() + (W[1][0] * x[0]) * (W[1][1] * x[1])
    with pytest.raises(NotFound, match=r"the output is not a sum of products U\[i\]·a\[i\]"):
        notes_formulas(gradient_lens(s))
    assert "the notes' formulas: not shown" in lens_report(s)


def test_the_statement_and_f_prime_read_like_the_notes():
    formulas = notes_formulas(gradient_lens(notes_example().J))
    assert formulas.statement() == "∂J/∂W[i,j] = (∂J/∂s)·δᵢ·xⱼ + (∂J/∂s_c)·δ_c,ᵢ·x_c,ⱼ"
    assert formulas.derivative_text(formulas.branches[0]) == "f′(z) = σ(z)·(1 − σ(z))"
    tanh = notes_formulas(gradient_lens(notes_example(activation="tanh").J))
    assert tanh.derivative_text(tanh.branches[1]) == "f′(z_c) = 1 − tanh(z_c)²"


# ---- the static picture, the report, the command


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_the_static_picture_renders(tmp_path, fmt):
    J = notes_example().J
    before = snapshot(J)
    path = write_matrix(J, tmp_path / f"grads.{fmt}")
    assert snapshot(J) == before
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" if fmt == "png" else data.startswith(b"%PDF") if fmt == "pdf" else b"<svg" in data
    if fmt == "svg":
        svg = ET.fromstring(data)
        cells = [g for g in svg.iter(f"{SVG}g") if g.get("id", "").startswith("a_mx")]
        # W: δxᵀ (20 + 8 + 160 per branch) and 3 grids of 160; b, U: 3 grids of 8; x, x_c: 3 of 20; z, a, z_c, a_c: 3 of 8
        assert len(cells) == 2 * (20 + 8 + 160) + 3 * 160 + 2 * 3 * 8 + 2 * 3 * 20 + 4 * 3 * 8
        words = " ".join(t.text or "" for t in svg.iter(f"{SVG}text"))
        assert "largest difference 0" in words and "✓ the formula and the scalar gradients agree" in words
        assert "computed vectors found: z (8) = W x + b, a (8) = σ(z) element-wise, z_c (8) = W x_c + b, " \
               "a_c (8) = σ(z_c) element-wise" in words
        tips = [a.get("{http://www.w3.org/1999/xlink}title") for a in svg.iter(f"{SVG}a")]
        assert any(t.startswith("∂J/∂W[0,12] via s = ") and "1 path through s:" in t for t in tips)


def test_the_command_prints_the_check_and_writes_the_picture(tmp_path):
    done = cli("matrix", "--corrupt", "bread", "music", "--out", str(tmp_path / "grads.png"))
    assert done.returncode == 0, done.stderr
    assert "branches: ∂J/∂s = −2, ∂J/∂s_c1 = 1, ∂J/∂s_c2 = 1" in done.stdout
    assert "W: 160 cells checked against the scalar gradients, largest difference 0 (at W[0,0])  ✓" in done.stdout
    assert (tmp_path / "grads.png").read_bytes()[:4] == b"\x89PNG"


def test_the_command_on_a_users_script(tmp_path):
    (tmp_path / "my_net.py").write_text(USER_SCRIPT, encoding="utf-8")
    done = cli("matrix", "my_net.py", "--out", "mine.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "W (3×5, input)" in done.stdout and "f′(z) = 1 − tanh(z)²" in done.stdout and "✗" not in done.stdout
    assert (tmp_path / "mine.svg").stat().st_size > 1000


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--out", "{tmp}/g.txt"], "the matrix lens is written as .svg, .png, .pdf, .dot, .html, not .txt"),
        (["--out", "{tmp}/g.svg", "--format", "png"], "ends in .svg but --format is png"),
        (["-e", "tanh(x*w + b)", "--set", "x=1", "w=2", "b=0"], "has no arrays to show: label entries like W[i,j]"),
        (["--out", "{tmp}/missing/g.svg"], "does not exist"),
        (["--out", "{tmp}/g.html", "--arrays", "W"], "--arrays chooses what the picture draws"),
        (["--out", "{tmp}/g.png", "--expand"], "--collapse and --expand shape the graph of the .html page"),
        (["--arrays", "V", "--out", "{tmp}/g.svg"], "no array named 'V' in this graph (found: W, b, U, x, x_c"),
    ],
)
def test_mistakes_are_one_line(tmp_path, args, fragment):
    done = cli("matrix", *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert_one_line_error(done, 2, fragment)
    assert not list(tmp_path.glob("g.*"))


def test_looking_changes_nothing_and_user_grads_are_never_read():
    example = notes_example()
    random.seed(0)
    for node in topological_order(example.J):
        node.grad = random.random()  # stale gradients the user left
    before = snapshot(example.J)
    lens = gradient_lens(example.J)
    assert snapshot(example.J) == before
    fresh = gradients_of(replace(example).J)
    assert all(lens.grads[n] == fresh[n] for n in lens.array("W").cells.values())


# ---- 5. the backward pass by layer


def test_three_layer_steps_each_with_its_formula_numbers_and_scalar_steps():
    from tinygrad_mm.views.matrix_formulas import layer_steps
    from tinygrad_mm.views.text import number

    example = EXAMPLES["k=2"]()
    lens = gradient_lens(example.J)
    u, f, wb = layer_steps(lens, notes_formulas(lens), number)
    assert [u.title, f.title, wb.title] == ["1 · U", "2 · f", "3 · W, b"]
    assert u.formula == "∂J/∂U = (∂J/∂s)·a + (∂J/∂s_c1)·a_c1 + (∂J/∂s_c2)·a_c2"
    assert u.nodes == [example.s, *(n.s for n in example.negatives)]  # the steps that send to U
    assert len(f.nodes) == 3 * 8 and all(type(a).__name__ == "Sigmoid" for a in f.nodes)
    assert sum("(the scalar steps agree to 0)" in line for line in f.lines) == 3  # ∂J/∂z = (∂J/∂s)·δ, exactly
    assert wb.formula == "∂J/∂W = (∂J/∂s)·δ xᵀ + (∂J/∂s_c1)·δ_c1 x_c1ᵀ + (∂J/∂s_c2)·δ_c2 x_c2ᵀ"
    sent_to_W = {step.node for step in lens.steps if any(p in lens.array("W").cells.values() for p in step.parents)}
    assert sent_to_W <= set(wb.nodes)  # every scalar step that sends to W is part of the W, b layer


def test_an_infinite_gradient_is_noted_and_drawn_not_raised():
    w = [Value(float(i), label=f"w[{i}]") for i in range(3)]  # √w at w = 0: ∂/∂w is infinite
    J = sum(v**0.5 for v in w)
    lens = gradient_lens(J)
    assert any("are infinite or undefined (backward() would raise GradientError)" in n for n in lens.notes)
    assert lens.grids(lens.array("w"))[-1].values[(0,)] == math.inf
    assert b"<svg" in matrix_picture(J, "svg")


def test_the_page_takes_matrix_as_true_or_false(tmp_path):
    from tinygrad_mm.views.viewer import page

    J = notes_example(small=True).J
    with pytest.raises(TypeError, match="matrix must be True or False"):
        page(J, matrix="yes")  # type: ignore[arg-type]
    assert "viewer-matrix.js" not in page(J) and 'id="matrix-lens"' not in page(J)
    assert 'id="matrix-lens"' in page(J, matrix=True)


def test_an_unlabelled_weight_is_a_gap_and_the_formula_says_why_it_cannot_be_checked():
    graph = user_graph()
    graph["W"][1][2].label = ""  # the user forgot one label
    lens = gradient_lens(graph["J"])
    W = lens.array("W")
    assert W.shape == (3, 5) and (1, 2) not in W.cells
    assert W.note == "W has entries [0,0]…[2,4] with 1 missing ([1,2]): shown as a 3×5 grid with gaps"
    with pytest.raises(NotFound, match=r"z\[1\] of s has a product that is not W\[i,j\]·x\[j\] of labelled entries"):
        notes_formulas(lens)
    report = lens_report(graph["J"])
    assert "note: W has entries [0,0]…[2,4] with 1 missing" in report and "the notes' formulas: not shown" in report


@pytest.mark.parametrize(("name", "flat"), [("inactive", "J is"), ("k=2 inactive", "J_1 and J_2 are")])
def test_when_the_margin_is_met_the_picture_says_the_factor_is_0(name, flat):
    words = " ".join(t.text or "" for t in ET.fromstring(matrix_picture(EXAMPLES[name]().J, "svg")).iter(f"{SVG}text"))
    assert f"(every factor is 0: {flat} flat here (for the hinge: the margin is met); nothing flows back)" in words
    assert "(∂J/∂s = 0)·δᵢ·xⱼ" in words and "every value is 0" in words  # the factor shown, the grids blank


@pytest.mark.parametrize("name", ["active", "k=2", "tanh", "expanded hinge"])
def test_the_pages_branches_and_the_lens_branches_are_one_split(name):
    """Two ways to find branches, kept apart on purpose: `branches.branch_of` names the branch of each *use* of a node
    from the labels along its one-consumer path (any graph: the page's summary, quiz and live page), `find_branches`
    finds branch outputs from structure (self-contained parts sharing an array: the lens needs arrays).  On the notes'
    graphs they must be the same split, to the number: ∂J/∂w via s in the summary is ∂J/∂w via s in the lens."""
    from tinygrad_mm.views.graph import graph_model

    J = EXAMPLES[name]().J
    lens, model = gradient_lens(J), graph_model(J, gradients=True)
    leaves = [node for array in lens.arrays if array.kind != "op" for node in array.cells.values()]
    for node in leaves:
        split = dict(model.contributions(model.index[node]))
        assert set(split) <= set(lens.branch_names), (node.label, split)
        for k, branch in enumerate(lens.branch_names):
            assert math.isclose(split.get(branch, 0.0), lens.via[node][k], rel_tol=1e-12, abs_tol=1e-15), (node.label, branch)


def test_f_prime_reads_the_open_formula_even_where_every_relu_is_flat():
    """With every a[i] = relu(z[i]) flat (z < 0), f′ is 0 at each, but the formula is still "1 where z > 0, else 0"."""
    W = [[Value(0.5, label=f"W[{i},{j}]") for j in range(2)] for i in range(2)]
    b = [Value(-5.0, label=f"b[{i}]") for i in range(2)]
    U = [Value(1.0, label=f"U[{i}]") for i in range(2)]
    x = [Value(1.0, label=f"x[{j}]") for j in range(2)]
    s = sum(U[i] * (sum(W[i][j] * x[j] for j in range(2)) + b[i]).relu() for i in range(2))
    s.label = "s"
    formulas = notes_formulas(gradient_lens(s))
    assert formulas.branches[0].fprime == [0.0, 0.0]
    assert formulas.derivative_text(formulas.branches[0]) == "f′(z) = 1 where z > 0, else 0"


@pytest.mark.parametrize("g", [0.0, 0.5])
def test_a_use_outside_every_branch_has_its_own_grid_and_the_notes_check_counts_it(g):
    """J_total = g·(J + W[0,0]): the sum uses W[0,0] outside both branches. W gets a "via no branch" grid (also where it
    is all 0: the graph's shape decides, so a live edit never makes it appear or vanish), the parts add up to the
    sum grid, and the notes' formula is checked with that part added — no false MISMATCH at W[0,0]."""
    from tinygrad_mm import Parameter, sum_values
    from tinygrad_mm.views.graph import graph_model

    example = notes_example(small=True)
    w00 = next(node for node in graph_model(example.J).nodes if node.label == "W[0,0]")
    total = sum_values([example.J, w00]) * Parameter(g, "g")
    total.label = "J_total"
    lens = gradient_lens(total)
    W = lens.array("W")
    assert [grid.via for grid in lens.grids(W)] == ["s", "s_c", "no branch", ""]
    assert lens.grids(W)[2].values[(0, 0)] == g and lens.grids(W)[2].values[(1, 1)] == 0.0
    assert [grid.via for grid in lens.grids(lens.array("U"))] == ["s", "s_c", ""]  # U is used in the branches only
    formulas = notes_formulas(lens)
    assert all(check.ok for check in formulas.checks), formulas.checks
    picture = matrix_picture(total, "svg", only=["W"]).decode()
    assert "via no branch" in picture and "+ (via no branch)" in picture and "Σ over s, s_c, no branch" in picture
    assert "MISMATCH" not in picture
