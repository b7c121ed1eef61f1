"""What a lecture prep found: branch names from the graph, readable dot names, parentheses, tooltips, boxes, pdb."""

from __future__ import annotations

import re

import pytest
from test_drawing_support import by_id, svg_of, tooltip, words

from tinygrad_mm import Value
from tinygrad_mm.engine import topological_order
from tinygrad_mm.models.cs224n import ExampleSpec, branch_contributions, build_example, notes_example
from tinygrad_mm.models.losses import Hinge, MaxMargin
from tinygrad_mm.views.drawing import draw_dot
from tinygrad_mm.views.graph import graph_model
from tinygrad_mm.views.text import gate_sentence, node_names
from tinygrad_mm.views.viewer import to_html

pytest_plugins = ("browser_support",)


@pytest.mark.parametrize(("corrupt", "expanded"), [(["bread"], False), (["bread"], True), (["bread", "music"], False),
                                                   (["bread", "music"], True)])  # fmt: skip
@pytest.mark.parametrize("small", [True, False])
def test_a_shared_weight_is_split_by_the_graphs_branches_with_the_right_numbers(corrupt, expanded, small):
    """s, s_c (or s_c1, s_c2) — never J_1 or m — and each part is what that branch really sends (the model's sums)."""
    example = build_example(ExampleSpec.notes(small=small, corrupt_words=corrupt, expanded_hinge=expanded))
    model = graph_model(example.J, gradients=True)
    example.J.backward()
    for weight in (example.scorer.U[0], example.scorer.W[0][0], example.scorer.b[1]):
        parts = dict(model.contributions(model.index[weight]))
        assert sorted(parts) == sorted(example.branches), (weight.label, parts)  # the graph's own names
        expected = branch_contributions(example, weight)
        assert parts == pytest.approx(expected, rel=1e-12, abs=1e-15)
        assert sum(parts.values()) == pytest.approx(weight.grad, rel=1e-12, abs=1e-15)
    x0 = dict(model.contributions(model.index[example.x[0]]))
    assert list(x0) == ["s"]  # eight uses inside s = U·a are one branch


def test_the_drawing_names_the_branches_s_c1_and_s_c2():
    example = build_example(ExampleSpec.notes(small=True, corrupt_words=["bread", "music"], expanded_hinge=True))
    drawn = " ".join(words(svg_of(draw_dot(example.J, show_grad=True))))
    assert re.search(r"∂J/∂U\[0\] = \S+ \(via s\) [+−] \S+ \(via s_c1\) [+−] \S+ \(via s_c2\) = ", drawn), drawn
    assert "(via m" not in drawn  # s reaches J through the hinges J_1 and J_2: "via J_1" is right for s itself


def test_a_long_dot_product_is_named_by_the_product_it_is():
    J = notes_example().J
    names = node_names(J)
    assert not [n for n in names.values() if "#" in n]  # never dot#216
    dots = [names[n] for n in topological_order(J) if n.op == "dot" and not n.label]
    assert "(Wx)[7]" in dots and "(Wx_c)[0]" in dots and len(set(dots)) == len(dots) == 16
    z7 = next(n for n in topological_order(J) if n.label == "z[7]")
    assert z7.formula_text(names.__getitem__, str) == "(Wx)[7] + b[7]"  # one unit: no extra parentheses
    model = graph_model(J, gradients=True)
    assert model.partial_of(model.index[z7.parents[0]]) == "∂J/∂(Wx)[7]"


def test_compound_names_keep_their_parentheses_in_gate_texts():
    s, s_c1 = Value(0.2, "s"), Value(-0.1, "s_c1")
    relu = (s + s_c1).relu()
    assert gate_sentence(relu, node_names(relu)).endswith("so ∂relu(s + s_c1)/∂(s + s_c1) = 1")
    hinge = Hinge.apply((0.5 + s_c1) - s)
    text = gate_sentence(hinge, node_names(hinge))
    assert "/∂(0.5 + s_c1 − s) = 1" in text and "/∂0.5" not in text
    assert text.startswith("0.5 + s_c1 − s = 0.5 + (−0.1) − 0.2 = 0.2 > 0")  # the margin's arithmetic said once
    J = MaxMargin.apply(s * 2, s_c1 + s, delta=1.0)
    assert "∂J/∂(s·2)" not in gate_sentence(J, node_names(J))  # unlabelled J: named by its formula
    assert "/∂(s·2) = −1" in gate_sentence(J, node_names(J)) and "/∂(s_c1 + s) = +1" in gate_sentence(J, node_names(J))


def test_op_tooltips_use_the_graphs_names_never_letters_that_clash():
    example = notes_example(small=True)
    J = example.J
    svg = by_id(svg_of(draw_dot(J, show_grad=True)))
    i = len(topological_order(J)) - 1
    tip = tooltip(svg[f"v{i}op"])
    assert tip == "J = max(0, 1 + s_c − s): ∂J/∂s = −1, ∂J/∂s_c = +1"
    assert " b " not in tip and " a" not in tip
    edge = tooltip(svg[f"e{i}_0"])
    assert "∂J/∂s = " in edge
    y = (Value(1.0, "x") + Value(2.0, "w")) * Value(3.0, "b")
    tips = by_id(svg_of(draw_dot(y, show_grad=False)))
    assert tooltip(tips["v2op"]).startswith("x + w: ") and "∂(x + w)/∂x = 1" in tooltip(tips["v2op"])
    assert tooltip(tips["e4_0"]).startswith("local derivative ∂((x + w)·b)/∂(x + w) = 3")


def test_opening_a_box_on_its_own_step_lands_on_its_first_inner_step(open_viewer, tmp_path):
    example = notes_example()
    J = example.J
    path = to_html(J, tmp_path / "full.html", collapse=["s = Uᵀf(Wx + b)", "s_c = Uᵀf(Wx_c + b)"])
    view = open_viewer(path, width=1600, height=900)
    box = f"scope{graph_model(J, gradients=False).scope_paths.index(('s = Uᵀf(Wx + b)',))}"
    t = view.page.evaluate(f"tgmm.stepOfUnit('{box}')")
    for _ in range(t + 1):
        view.page.keyboard.press("ArrowRight")
    assert view.current() == [box]  # the box's own step is the current one
    view.page.click(f"#graph g.node#{box}")
    s = next(i for i, n in enumerate(topological_order(J)) if n.label == "s")
    assert view.current() == [f"v{s}"]  # its first inner step (s), not its last
    assert view.page.evaluate("tgmm.V().steps[tgmm.done() - 1].u") == f"v{s}"
