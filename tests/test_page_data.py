"""The page's words and numbers: every step explained by its op class, names as everywhere, sums that add up,
views of collapsed scopes, options and their errors — read from the page's data, no browser needed."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from tinygrad_mm import Value, to_html
from tinygrad_mm.engine import Op, record, topological_order
from tinygrad_mm.models.cs224n import notes_example
from tinygrad_mm.views.draw_options import GraphTooLargeError
from tinygrad_mm.views.drawing import scopes_in
from tinygrad_mm.views.page_data import tolerance
from tinygrad_mm.views.text import derivative_sentence, gate_sentence, node_names, places_to_add_up
from tinygrad_mm.views.viewer import page

SVG = "{http://www.w3.org/2000/svg}"


def data_of(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="tgmm-data">(.*?)</script>', html, re.S).group(1))


def views_of(html: str) -> list[ElementTree.Element]:
    """Each view's drawing, parsed as XML (it must be well-formed whatever the labels)."""
    return [ElementTree.fromstring(svg) for svg in re.findall(r'<template id="view-\d+">(.*?)</template>', html, re.S)]


def amount(text: str) -> Decimal:
    return Decimal(text.replace("−", "-").strip("()"))


def test_every_step_is_explained_by_its_op_class_with_the_names_every_view_uses():
    example = notes_example(small=True)
    J = example.J
    names = node_names(J)
    nodes = topological_order(J)
    data = data_of(page(J))
    assert [n["name"] for n in data["nodes"]] == [names[node] for node in nodes]
    for got, step in zip(data["steps"], record(J).steps, strict=True):
        node = step.node
        assert got["gate"] == gate_sentence(node, names)
        for k, edge in enumerate(got["edges"]):
            assert edge["why"] == derivative_sentence(node, k, names).removeprefix(f"{names[node]} = {names[node]}: ")
            assert edge["text"].startswith(f"∂J/∂{data['nodes'][edge['parent']]['shown']} += ")
    unlabelled = [i for i, node in enumerate(nodes) if isinstance(node, Op) and not node.label]
    assert unlabelled and {data["nodes"][i]["name"] for i in unlabelled} == {
        "W[0,0]·x[0] + W[0,1]·x[1]", "W[1,0]·x[0] + W[1,1]·x[1]", "W[0,0]·x_c[0] + W[0,1]·x_c[1]", "W[1,0]·x_c[0] + W[1,1]·x_c[1]",
    }  # named by what they compute, never "dot#13"
    assert data["nodes"][unlabelled[0]]["shown"] == "(W[0,0]·x[0] + W[0,1]·x[1])"  # in ∂J/∂(…)


def test_a_tanh_step_reads_formula_then_numbers_with_parentheses():
    n = Value(0.8813735870195429, "n")
    o = n.tanh()
    o.label = "o"
    (step,) = [s for s in data_of(page(o))["steps"] if s["edges"]]
    assert step["edges"][0]["why"] == "o = tanh(n): ∂o/∂n = 1 − o² = 1 − 0.7071² = 0.5"
    assert step["edges"][0]["text"] == "∂o/∂n += ∂o/∂o · (1 − o²) = 1 · 0.5 = 0.5"


def test_nearly_cancelling_sums_get_enough_digits_to_add_up():
    x = Value(1.0, "x")
    y = x * 0.047524544 + x * -0.047529088  # ∂y/∂x = −4.544e−06: 4 digits would read 0.04752 + (−0.04752)
    y.label = "y"
    data = data_of(page(y))
    (leaf,) = [s for s in data["steps"] if data["nodes"][s["node"]]["name"] == "x"]
    terms = [amount(r["text"]) for r in leaf["received"]]
    assert sum(terms) == amount(leaf["grad"]) and len(set(terms)) == 2
    assert leaf["grad"] == "−0.000004544"
    for step in data["steps"]:
        for edge in step["edges"]:
            parts = re.fullmatch(r".*: (\S+) \+ (\S+) = (\S+)", edge.get("acc", ""))
            if parts:  # the running sum: before + contribution = after, digit for digit
                assert amount(parts[1]) + amount(parts[2]) == amount(parts[3])


@pytest.mark.parametrize(
    ("terms", "total", "places"),
    [([-0.53104, 0.59752], 0.06648, 5), ([0.047524544, -0.047529088], -4.544e-06, 9), ([1.0, 2.0], 3.0, 0),
     ([1e-300, 1e-300], 2e-300, None), ([0.1, 0.2], 0.30000000000000004, 1), ([0.125, 0.25], 0.375, 3)],
)  # fmt: skip
def test_places_to_add_up(terms, total, places):
    assert places_to_add_up(terms, total) == places


def test_quiz_tolerance_is_half_a_unit_of_the_last_shown_digit():
    assert tolerance(-0.08571, "−0.08571") == pytest.approx(5e-6)
    assert tolerance(-4.544e-06, "−4.544e−06") == pytest.approx(5e-10)
    assert tolerance(3.0, "3") == pytest.approx(0.5) and tolerance(0.0, "0") == 5e-5


def test_the_full_example_collapsed_has_box_steps_and_a_view_per_opened_box():
    example = notes_example()
    branches = scopes_in(example.J, 1)
    data = data_of(page(example.J, collapse=branches))
    first, *opened = data["views"]
    assert first["collapsed"] == sorted(branches) and [s["u"] for s in first["steps"]][:1] == [f"v{data['root']}"]
    boxes = [s for s in first["steps"] if s["u"].startswith("scope")]
    assert len(boxes) == 2 and sum(len(s.get("covers", [0])) for s in first["steps"]) == len(data["steps"])
    assert boxes[0]["title"] == "the s branch, collapsed: s = Uᵀf(Wx + b)" and boxes[0]["grad"] == "∂J/∂s = −1"
    assert [line["text"].split(" += ")[0] for line in boxes[0]["lines"]] == ["∂J/∂U", "∂J/∂b", "∂J/∂W", "∂J/∂x"]
    assert set(first["expand"].values()) == {1, 2} and data["expand_all"] == 3
    assert [v["collapsed"] for v in opened] == [[branches[1]], [branches[0]], []]
    assert all(v["collapse"] for v in opened[:2])  # an opened branch's frame collapses it again
    assert len(opened[-1]["steps"]) == len(data["steps"])  # everything expanded: the engine's own steps


def test_too_large_a_graph_names_the_options_that_exist():
    example = notes_example()
    with pytest.raises(GraphTooLargeError) as err:
        page(example.J, max_nodes=100)
    message = str(err.value)
    assert "267 nodes, more than max_nodes=100" in message
    assert "collapse=['s = Uᵀf(Wx + b)', 's_c = Uᵀf(Wx_c + b)'] (CLI: --collapse SCOPE …)" in message
    assert "raise max_nodes (CLI: --max-nodes)" in message
    assert page(example.J, max_nodes=100, collapse=scopes_in(example.J, 1))
    with pytest.raises(ValueError, match="collapse: unknown scope \\['nope'\\]; the scopes in this graph are: 's = Uᵀf"):
        page(example.J, collapse=["nope"])
    with pytest.raises(TypeError, match="quiz must be True, False or one of .all., .seeds."):
        page(example.J, quiz="yes")
    with pytest.raises(ValueError, match="digits must be an int from 1 to 17"):
        page(example.J, digits=0)


@pytest.mark.parametrize("label", ['w, grad = 3", grad = "', "]]>", "a]]><![CDATA[b", "<!-- x -->", "&amp; &lt;"])
def test_labels_that_look_like_markup_or_grad_text_stay_literal(tmp_path, label):
    w = Value(2.0, label)
    y = w * w + 1.0
    y.label = "y"
    html = to_html(y, tmp_path / "labels.html").read_text(encoding="utf-8")
    (svg,) = views_of(html)  # well-formed XML: the page's SVG is edited as XML, never as text
    drawn = [t.text or "" for t in svg.iter(f"{SVG}text")]
    assert label in drawn
    badges = [g.get("id") for g in svg.iter(f"{SVG}g") if g.get("class") == "grad-badge"]
    assert badges == ["v0-grad", "v1-grad", "v3-grad"]  # the constant 1 needs no gradient: no slot
    assert not [text for text in drawn if text.startswith("#slot:")]
    data = data_of(html)
    (leaf,) = [step for step in data["steps"] if step["node"] == 0]
    assert data["nodes"][0]["name"] == label and leaf["grad"] == "4"  # ∂(w·w + 1)/∂w = 2w
