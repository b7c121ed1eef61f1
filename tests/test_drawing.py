"""draw_dot: what the SVG that Graphviz really produces says about values, edges and gradients."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_drawing_support import bbox, by_id, edge_ends, inside, number, small_example, svg_of, texts, tooltip, words

from tinygrad_mm import Value, draw_dot, topological_order
from tinygrad_mm.models.cs224n import notes_example
from tinygrad_mm.views.drawing import GraphTooLargeError, graph_model
from tinygrad_mm.views.text import node_names, partial

EXACT = ".15g"  # number format that keeps enough digits to compare with the engine's floats


def node_index(root: Value, label: str) -> int:
    return next(i for i, node in enumerate(topological_order(root)) if node.label == label)


def test_dot_ids_follow_the_contract():
    """v{i} = i-th node of topological_order, v{i}op its op, e{i}_{k} its k-th parent slot, e{i}_out op → value."""
    J = small_example().J
    nodes = topological_order(J)
    names = node_names(J)
    elements = by_id(svg_of(draw_dot(J)))
    for i, node in enumerate(nodes):
        assert elements[f"v{i}"].get("class") == "node"
        if node.label:
            assert node.label in texts(elements[f"v{i}"])
        if not node.parents:
            assert f"v{i}op" not in elements
            continue
        assert elements[f"v{i}op"].get("class") == "node"
        assert edge_ends(elements[f"e{i}_out"]) == (f"v{i}op", f"v{i}")
        assert tooltip(elements[f"e{i}_out"]).startswith(f"∂J/∂{node.label or '(' + names[node] + ')'} = ")
        for k, parent in enumerate(node.parents):
            assert edge_ends(elements[f"e{i}_{k}"]) == (f"v{nodes.index(parent)}", f"v{i}op")


def test_the_edges_into_J_are_marked_dJ_ds_minus_one_and_dJ_ds_c_plus_one():
    J = small_example().J
    last = len(topological_order(J)) - 1
    elements = by_id(svg_of(draw_dot(J)))
    assert texts(elements[f"e{last}_0"]) == ["∂J/∂s = −1"]
    assert texts(elements[f"e{last}_1"]) == ["∂J/∂s_c = +1"]
    assert "max(0,·)" in texts(elements[f"v{last}op"])


def test_every_edge_carries_upstream_grad_times_local_derivative():
    J = small_example().J
    nodes = topological_order(J)
    elements = by_id(svg_of(draw_dot(J, number_format=EXACT)))
    checked = 0
    for i, node in enumerate(nodes):
        for k, local in enumerate(node.local_grads()):
            (label,) = texts(elements[f"e{i}_{k}"])
            drawn = number(label.rsplit("=", 1)[-1])
            assert drawn == pytest.approx(node.grad * local, rel=1e-12, abs=1e-300), (i, k)
            assert "upstream grad" in tooltip(elements[f"e{i}_{k}"])
            checked += 1
    assert checked == sum(len(n.parents) for n in nodes) > 20
    # what the edges out of a node carry adds up to its grad (fan-out sums)
    model = graph_model(J)
    for i, node in enumerate(nodes):
        if model.consumers[i]:
            assert sum(e.carried for e in model.consumers[i]) == pytest.approx(node.grad, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name", ["U[0]", "U[1]", "W[0,0]", "W[1,1]", "b[0]"])
def test_a_shared_parameter_shows_its_branches_summing_to_its_grad(name):
    example = small_example()
    J = example.J
    i = node_index(J, name)
    node_text = texts(by_id(svg_of(draw_dot(J, number_format=EXACT)))[f"v{i}"])
    (line,) = [t for t in node_text if t.startswith(f"∂J/∂{name} = ")]
    match = re.fullmatch(rf"∂J/∂{re.escape(name)} = (\S+) \(via s\) ([+−]) (\S+) \(via s_c\) = (\S+)", line)
    assert match, line
    via_s, sign, via_s_c, total = number(match[1]), match[2], number(match[3]), number(match[4])
    via_s_c = via_s_c if sign == "+" else -via_s_c
    node = topological_order(J)[i]
    assert total == pytest.approx(node.grad, rel=1e-12)
    assert via_s + via_s_c == pytest.approx(node.grad, rel=1e-9, abs=1e-15)
    # independently: the branch through s contributes ∂J/∂s · ∂s/∂p = −∂s/∂p, through s_c +∂s_c/∂p
    fresh = notes_example(small=True)
    param = next(p for p in fresh.scorer.parameters() if p.label == name)
    fresh.s.backward()
    ds = param.grad
    fresh.s.zero_grad()
    fresh.s_c.backward()
    assert via_s == pytest.approx(-ds, rel=1e-9, abs=1e-15)
    assert via_s_c == pytest.approx(param.grad, rel=1e-9, abs=1e-15)


def test_fan_out_without_labels_names_branches_by_what_they_compute_and_notes_accumulated_grads():
    x = Value(3.0, "x")
    y = x * x + x  # dy/dx = 2x + 1 = 7: 6 through the product, 1 through the sum
    y.backward()
    i = node_index(y, "x")
    node_text = texts(by_id(svg_of(draw_dot(y)))[f"v{i}"])
    assert "∂(x·x + x)/∂x = 6 (via x·x) + 1 (via x·x + x) = 7" in node_text
    assert not [t for t in node_text if t.startswith(".grad")]  # the drawing shows exactly x.grad
    y.backward()  # leaves accumulate: x.grad = 14, this pass sent 7
    svg = svg_of(draw_dot(y))
    node_text = texts(by_id(svg)[f"v{i}"])
    assert "∂(x·x + x)/∂x = 6 (via x·x) + 1 (via x·x + x) = 7" in node_text and "grad 7" in node_text
    assert ".grad = 14 (earlier backward() calls add up)" in node_text
    assert "the .grad of 1 values here differs (it holds sums over several backward() calls)" in " ".join(words(svg))
    assert x.grad == 14.0  # drawing changed nothing


def test_margin_met_draws_a_closed_hinge_and_all_gradients_zero():
    example = small_example(active=False)
    J = example.J
    assert J.data == 0.0
    nodes = topological_order(J)
    last = len(nodes) - 1
    svg = svg_of(draw_dot(J))
    elements = by_id(svg)
    assert texts(elements[f"v{last}op"]) == ["max(0,·)", "margin met — no gradient"]
    assert any(el.get("stroke-dasharray") for el in elements[f"v{last}op"].iter())  # drawn dashed: closed
    assert any(el.get("stroke-dasharray") for el in elements[f"e{last}_0"].iter())
    assert texts(elements[f"e{last}_0"]) == ["∂J/∂s = 0"]
    assert texts(elements[f"e{last}_1"]) == ["∂J/∂s_c = 0"]
    for i, node in enumerate(nodes):
        for k in range(len(node.parents)):
            assert number(texts(elements[f"e{i}_{k}"])[0].rsplit("=", 1)[-1]) == 0.0
            assert strokes(elements[f"e{i}_{k}"]) == {"#b5b5b5"}  # greyed: nothing flows
        grads = [t for t in texts(elements[f"v{i}"]) if t.startswith("grad ")]
        assert grads == (["grad 1"] if i == last else ["grad 0"])
    header = " ".join(words(svg))
    assert "Δ + s_c − s = 1 + " in header and "≤ 0: J = 0 is flat here" in header and "nothing flows back" in header


def test_before_backward_the_drawing_says_gradients_are_not_computed():
    example = small_example(backward=False)
    svg = svg_of(draw_dot(example.J))
    everything = [t for el in svg.iter() for t in texts(el) if el.get("class") in ("node", "edge")]
    assert not [t for t in everything if t.startswith("grad") or "∂J/∂" in t]
    assert not [el for el in svg.iter() if el.get("class") == "edge" and texts(el)]  # no edge labels at all
    all_text = " ".join(words(svg))
    assert "gradients not computed yet: call J.backward() to see them" in all_text
    example.J.backward()
    all_text = " ".join(words(svg_of(draw_dot(example.J))))
    assert "not computed yet" not in all_text and "grad 1" in all_text


def test_show_data_and_show_grad_switch_rows_off_and_on():
    example = small_example(backward=False)
    forced = " ".join(words(svg_of(draw_dot(example.J, show_grad=True))))
    assert "grad 0" in forced and "not computed yet" not in forced  # the user asked for the zeros
    example.J.backward()
    plain = svg_of(draw_dot(example.J, show_data=False, show_grad=False))
    drawn = words(plain)
    assert not [w for w in drawn if w.startswith(("data", "grad "))]
    assert "J" in drawn and "s_c" in drawn


def test_scopes_are_nested_clusters_around_their_nodes():
    J = small_example().J
    model = graph_model(J)
    elements = by_id(svg_of(draw_dot(J)))
    paths = model.scope_paths
    assert ("s = Uᵀf(Wx + b)",) in paths and ("s = Uᵀf(Wx + b)", "z = Wx + b") in paths
    for k, path in enumerate(paths):
        cluster = elements[f"scope{k}"]
        assert cluster.get("class") == "cluster" and texts(cluster) == [path[-1]]
        if len(path) > 1:  # drawn inside its parent scope's cluster
            assert inside(bbox(cluster), bbox(elements[f"scope{paths.index(path[:-1])}"]))
    for label in ("z[0]", "a[1]", "s", "z_c[1]", "s_c"):
        i = node_index(J, label)
        path = topological_order(J)[i].scope
        assert inside(bbox(elements[f"v{i}"]), bbox(elements[f"scope{paths.index(path)}"])), label
    # parameters are made outside any scope: outside every cluster
    u = bbox(elements[f"v{node_index(J, 'U[0]')}"])
    assert not any(inside(u, bbox(elements[f"scope{k}"])) for k in range(len(paths)))


def test_collapsing_both_branches_draws_two_boxes_wired_to_shared_parameter_groups():
    example = notes_example()  # the notes' n = 20, H = 8
    J = example.J
    J.backward()
    branches = ["s = Uᵀf(Wx + b)", "s_c = Uᵀf(Wx_c + b)"]
    graph = draw_dot(J, collapse=branches, number_format=EXACT)
    model = graph_model(J)
    nodes = model.nodes
    last = len(nodes) - 1
    elements = by_id(svg_of(graph))
    s_box, s_c_box = (f"scope{model.scope_paths.index((b,))}" for b in branches)
    assert texts(elements[s_box])[:2] == ["s = Uᵀf(Wx + b)", "25 nodes (collapsed)"]
    assert texts(elements[s_box])[2].startswith("s = ") and texts(elements[s_box])[2].endswith("grad −1")
    assert texts(elements[s_c_box])[2].endswith("grad 1")
    visible = [i for i in range(len(nodes)) if f"v{i}" in elements]
    assert visible == [last]  # every other node is inside a box or a leaf group
    assert edge_ends(elements[f"e{last}_0"]) == (s_box, f"v{last}op")
    assert texts(elements[f"e{last}_0"]) == ["∂J/∂s = −1"] and texts(elements[f"e{last}_1"]) == ["∂J/∂s_c = +1"]
    groups = {texts(el)[0]: el for id_, el in elements.items() if id_.startswith("leaves") and el.get("class") == "node"}
    assert set(groups) == {"W", "b", "U", "x", "x_c"}
    assert "(8×20 parameters)" in " ".join(texts(groups["W"]))
    assert "∂J/∂W = (via s) + (via s_c), element by element" in texts(groups["W"])
    # W feeds both boxes; x only the true branch; each edge's label is the norm of what flows back along it
    ends = {edge_ends(el) for el in elements.values() if el.get("class") == "edge"}
    w_id = groups["W"].get("id")
    assert {(w_id, s_box), (w_id, s_c_box)} <= ends
    assert (groups["x"].get("id"), s_box) in ends and (groups["x"].get("id"), s_c_box) not in ends
    w_nodes = [i for i, n in enumerate(nodes) if n.label.startswith("W[")]
    via_s = [sum(e.carried for e in model.consumers[i] if e.child in _inside(model, branches[0])) for i in w_nodes]
    (label,) = texts(elements[f"{w_id}-{s_box}"])
    assert label.startswith("‖∂J/∂W via s‖ = ")
    assert number(label.rsplit("= ", 1)[1]) == pytest.approx(math.hypot(*via_s), rel=1e-12)
    (label,) = texts(elements[f"{groups['x'].get('id')}-{s_box}"])
    assert label.startswith("‖∂J/∂x via s‖ = ")
    grads = [nodes[i].grad for i in w_nodes]
    assert f"‖∂J/∂W‖ = {math.hypot(*grads):.15g}" in texts(groups["W"])


def _inside(model, scope_name: str) -> set[int]:
    return {i for i, n in enumerate(model.nodes) if scope_name in n.scope}


def test_collapsing_an_inner_scope_keeps_the_outer_cluster_and_sums_single_source_edges():
    J = small_example().J
    model = graph_model(J)
    graph = draw_dot(J, collapse=["s = U·a"], number_format=EXACT)
    elements = by_id(svg_of(graph))
    box = f"scope{model.scope_paths.index(('s = Uᵀf(Wx + b)', 's = U·a'))}"
    outer = f"scope{model.scope_paths.index(('s = Uᵀf(Wx + b)',))}"
    assert elements[box].get("class") == "node" and elements[outer].get("class") == "cluster"
    assert inside(bbox(elements[box]), bbox(elements[outer]))
    u0 = node_index(J, "U[0]")
    (label,) = texts(elements[f"v{u0}-{box}"])  # U[0] → s's dot: one edge, its carried gradient
    (edge,) = [e for e in model.consumers[u0] if "s = U·a" in model.nodes[e.child].scope]
    assert number(label) == pytest.approx(edge.carried, rel=1e-12)
    s_index = node_index(J, "s")
    assert f"v{s_index}" not in elements and f"v{node_index(J, 's_c')}" in elements


def test_highlight_outlines_nodes_by_label_or_value():
    example = small_example()
    elements = by_id(svg_of(draw_dot(example.J, highlight=["U[0]", example.s])))
    for label in ("U[0]", "s"):
        assert "#f39c12" in strokes(elements[f"v{node_index(example.J, label)}"])
    assert "#f39c12" not in strokes(elements[f"v{node_index(example.J, 'U[1]')}"])


def strokes(element) -> set[str]:
    return {el.get("stroke") for el in element.iter() if el.get("stroke")}


def test_rankdir_turns_the_layout():
    J = small_example().J
    last = len(topological_order(J)) - 1
    leaf = node_index(J, "U[0]")
    for rankdir, axis in (("LR", 0), ("TB", 1)):
        elements = by_id(svg_of(draw_dot(J, rankdir=rankdir)))
        assert bbox(elements[f"v{last}"])[axis] > bbox(elements[f"v{leaf}"])[axis + 2], rankdir


def test_number_format_and_no_negative_zero():
    a = Value(-1e-9, "a")
    b = Value(2.0, "b")
    c = a * b
    c.label = "c"
    c.backward()
    words = texts(svg_of(draw_dot(c, number_format=".2f", legend=False)))
    assert "data 2.00" in words and "data 0.00" in words and "data −0.00" not in words
    assert "data −2e−09" in texts(svg_of(draw_dot(c, number_format=".3g", legend=False)))


def test_labels_with_dot_and_html_metacharacters_render_literally():
    evil = '<b>{x|y}"\\ &amp; \\N \\G \\l'
    from tinygrad_mm import scope

    with scope(evil):
        a = Value(2.0, evil)
        c = a * Value(3.0, 'q"\\')
    c.label = "</TD></TR></TABLE>>"
    c.backward()
    graph = draw_dot(c, title=evil, collapse=[])
    svg = svg_of(graph)
    drawn = words(svg)
    assert drawn.count(evil) == 3  # title, cluster, node
    assert 'q"\\' in drawn and "</TD></TR></TABLE>>" in drawn
    assert "∂</TD></TR></TABLE>>/∂" + evil + " = +3" in drawn  # labels are names: shown as they are
    i = node_index(c, evil)
    assert tooltip(by_id(svg)[f"v{i}"]).startswith(evil + ": data = 2")
    collapsed = svg_of(draw_dot(c, collapse=[evil]))
    assert evil in words(collapsed)


@settings(max_examples=60, deadline=None)
@example("]")  # dot rejects <B>]</B>: drawn as &#93;
@example("]]>")
@example("\\N \\G \\E \\L")
@example("a  b")
@example("0*0")
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp", "Co", "Cn")), min_size=1, max_size=12))
def test_any_printable_label_is_drawn_literally(label):
    a = Value(2.0, label)
    out = a * 3.0
    out.label = "out"
    out.backward()
    svg = svg_of(draw_dot(out, legend=False))
    drawn = [_spaces(w) for w in words(svg)]
    # a label is shown as given; after ∂ it gets parentheses only if it reads as a formula (an operator between operands)
    assert _spaces(label) in drawn and _spaces(f"{partial(out, a, node_names(out))} = +3") in drawn
    drawn_tooltip = _spaces(tooltip(by_id(svg)[f"v{node_index(out, label)}"]))
    assert drawn_tooltip == _spaces(f"{label}: data = 2, grad = 3, kind = input")


def _spaces(text: str) -> str:
    """Graphviz writes a run of spaces as " \xa0…" in SVG: the same on screen."""
    return text.replace("\xa0", " ")


def test_bad_input_gets_clear_errors():
    J = small_example().J
    with pytest.raises(TypeError, match=r"needs a tinygrad_mm Value as the root, got float 1\.5.*draw_dot\(J\)"):
        draw_dot(1.5)
    with pytest.raises(ValueError, match=r"rankdir must be 'LR' .* or 'TB' .*, got 'BT'"):
        draw_dot(J, rankdir="BT")
    with pytest.raises(ValueError, match=r"number_format '\.4q' is not a float format spec"):
        draw_dot(J, number_format=".4q")
    with pytest.raises(TypeError, match="show_grad must be True, False or None"):
        draw_dot(J, show_grad="yes")
    with pytest.raises(TypeError, match="show_data must be True or False"):
        draw_dot(J, show_data=1)
    with pytest.raises(ValueError, match="max_nodes must be a positive int, got 0"):
        draw_dot(J, max_nodes=0)
    with pytest.raises(ValueError, match="highlight: no node labelled 'U\\[9\\]'"):
        draw_dot(J, highlight=["U[9]"])
    with pytest.raises(ValueError, match="highlight: the Value .*'elsewhere'.* is not part of this graph"):
        draw_dot(J, highlight=[Value(1.0, "elsewhere")])
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        draw_dot(J, colour="red")


def test_unknown_scope_in_collapse_lists_the_known_scopes():
    J = small_example().J
    with pytest.raises(ValueError) as err:
        draw_dot(J, collapse=["s = Wx"])
    message = str(err.value)
    assert "collapse: unknown scope ['s = Wx']" in message
    for name in ("'s = Uᵀf(Wx + b)'", "'z = Wx + b'", "'a_c = f(z_c)'", "'s_c = U·a_c'"):
        assert name in message
    x = Value(1.0, "x")
    with pytest.raises(ValueError, match="scopes in this graph are: none"):
        draw_dot(x * 2, collapse=["anything"])


def test_max_nodes_suggests_collapsing_scopes():
    J = notes_example().J  # 267 value nodes
    with pytest.raises(GraphTooLargeError) as err:
        draw_dot(J, max_nodes=100)
    message = str(err.value)
    assert "would have 267 nodes, more than max_nodes=100" in message
    assert "collapse=['s = Uᵀf(Wx + b)', 's_c = Uᵀf(Wx_c + b)']" in message
    assert draw_dot(J, max_nodes=100, collapse=["s = Uᵀf(Wx + b)", "s_c = Uᵀf(Wx_c + b)"])  # 2 boxes, 5 groups, J
    chain = Value(0.5, "x")
    for _ in range(400):
        chain = chain.tanh()
    with pytest.raises(GraphTooLargeError, match=r"401 nodes.*tinygrad_mm\.scope"):
        draw_dot(chain)


def test_jupyter_shows_a_value_as_its_svg_and_falls_back_when_too_large():
    example = small_example()
    svg = example.J._repr_svg_()
    last = len(topological_order(example.J)) - 1
    assert svg.lstrip().startswith("<?xml") and f'id="e{last}_0"' in svg and "∂J/∂s = −1" in svg
    chain = Value(0.5, "x")
    for _ in range(400):
        chain = chain.tanh()
    assert chain._repr_svg_() is None
    assert "image/svg+xml" in draw_dot(example.J)._repr_mimebundle_()


def test_an_undefined_local_derivative_is_drawn_as_undefined_not_a_number():
    x = Value(0.0, "x")
    y = x**0.5  # ∂y/∂x = 0.5·x^−0.5 is infinite at 0
    y.label = "y"
    elements = by_id(svg_of(draw_dot(y, show_grad=True)))
    assert texts(elements["e1_0"]) == ["∂y/∂x = undefined"]
    assert "local derivative ∂y/∂x = undefined" in tooltip(elements["e1_0"])
    assert "grad undefined" in texts(elements["v0"]) and "grad 1" in texts(elements["v1"])
    assert (x.grad, y.grad) == (0.0, 0.0)
