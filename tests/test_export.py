"""write_graph / graph_json: files in every format, JSON content, and life without the `dot` program."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from test_drawing_support import small_example

from tinygrad_mm import Value, topological_order
from tinygrad_mm.views.export import GraphvizNotFoundError, graph_json, write_graph


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """A PATH on which Graphviz's `dot` cannot be found."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_json_lists_nodes_and_edges_with_local_derivative_and_carried_gradient():
    J = small_example().J
    doc = graph_json(J)
    nodes = topological_order(J)
    assert doc["schema"] == "tinygrad_mm.graph/1" and doc["gradients_computed"] is True and doc["margin_met"] == []
    assert doc["root"] == f"v{len(nodes) - 1}" and doc["nodes"][-1]["root"] is True
    assert [n["id"] for n in doc["nodes"]] == [f"v{i}" for i in range(len(nodes))]
    for entry, node in zip(doc["nodes"], nodes, strict=True):
        assert (entry["label"], entry["op"], entry["kind"]) == (node.label, node.op, node.kind)
        assert (entry["data"], entry["grad"], entry["scope"]) == (node.data, node.grad, list(node.scope))
    by_id = {e["id"]: e for e in doc["edges"]}
    assert len(by_id) == sum(len(n.parents) for n in nodes)
    for i, node in enumerate(nodes):
        for k, (parent, local) in enumerate(zip(node.parents, node.local_grads(), strict=True)):
            edge = by_id[f"e{i}_{k}"]
            assert (edge["source"], edge["target"], edge["slot"]) == (f"v{nodes.index(parent)}", f"v{i}", k)
            assert edge["local_derivative"] == local and edge["upstream_grad"] == node.grad
            assert edge["carried_grad"] == node.grad * local
    last = len(nodes) - 1
    assert (by_id[f"e{last}_0"]["carried_grad"], by_id[f"e{last}_1"]["carried_grad"]) == (-1.0, 1.0)
    u0 = next(n for n in doc["nodes"] if n["label"] == "U[0]")
    assert [c["via"] for c in u0["contributions"]] == ["s", "s_c"]
    assert sum(c["grad"] for c in u0["contributions"]) == pytest.approx(u0["grad"], rel=1e-12)
    assert {"id": "scope0", "path": ["s = Uᵀf(Wx + b)"]} in doc["scopes"]


def test_json_of_the_inactive_and_the_unbackpropagated_example():
    doc = graph_json(small_example(active=False).J)
    assert doc["margin_met"] == [doc["root"]]
    assert all(e["carried_grad"] == 0.0 for e in doc["edges"])
    assert all(n["grad"] == 0.0 for n in doc["nodes"] if not n["root"])
    assert graph_json(small_example(backward=False).J)["gradients_computed"] is False


@pytest.mark.parametrize("fmt, magic", [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_images_are_rendered_by_dot_and_only_the_named_file_is_written(tmp_path, fmt, magic):
    J = small_example().J
    path = write_graph(J, tmp_path / "sub" / f"graph.{fmt}")
    assert path == tmp_path / "sub" / f"graph.{fmt}" and path.read_bytes().startswith(magic)
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == [f"graph.{fmt}"]  # no .dot beside it, no temp file
    if fmt == "svg":
        svg = ET.parse(path).getroot()
        assert "∂J/∂s_c = +1" in [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]


def test_format_option_wins_over_the_suffix_and_draw_options_pass_through(tmp_path):
    J = small_example().J
    path = write_graph(J, tmp_path / "graph.txt", "dot", rankdir="TB", collapse=["s = U·a"])
    source = path.read_text(encoding="utf-8")
    assert "rankdir=TB" in source and "1 node (collapsed)" in source


def test_dot_and_json_need_no_dot_program(tmp_path, no_dot):
    J = small_example().J
    source = write_graph(J, tmp_path / "g.dot").read_text(encoding="utf-8")
    assert re.search(r"\bv0 \[label=<", source) and 'id="e' in source
    doc = json.loads(write_graph(J, tmp_path / "g.json").read_text(encoding="utf-8"))
    assert doc["nodes"][-1]["label"] == "J" and len(doc["edges"]) > 20


def test_missing_dot_says_how_to_install_graphviz_and_writes_nothing(tmp_path, no_dot):
    J = small_example().J
    (tmp_path / "picture.json").write_text("the user's own file")  # never replaced by a file the user did not name
    with pytest.raises(GraphvizNotFoundError) as err:
        write_graph(J, tmp_path / "picture.png")
    message = str(err.value)
    for hint in ("'dot' program was not found", "apt-get install graphviz", "brew install graphviz",
                 "conda install -c conda-forge graphviz", "winget install graphviz", "a .dot file", "JSON"):  # fmt: skip
        assert hint in message
    assert f"dot -Tpng FILE.dot -o {tmp_path / 'picture.png'}" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty-bin", "picture.json"]
    assert (tmp_path / "picture.json").read_text() == "the user's own file"


def test_unknown_format_or_suffix_is_a_clear_error(tmp_path):
    x = Value(1.0, "x")
    with pytest.raises(ValueError, match=r"format must be one of svg, png, pdf, dot, json, got 'gif'"):
        write_graph(x, tmp_path / "x.gif", "gif")
    with pytest.raises(ValueError, match=r"cannot tell the format of .*x\.gif.* from its suffix"):
        write_graph(x, tmp_path / "x.gif")
    with pytest.raises(TypeError, match="needs a tinygrad_mm Value"):
        write_graph("J", tmp_path / "x.json")


def test_the_viewer_without_dot_says_how_to_install_graphviz(no_dot, tmp_path):
    from tinygrad_mm.cli import main
    from tinygrad_mm.views.viewer import to_html

    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        to_html(small_example().J, tmp_path / "page.html")
    assert not (tmp_path / "page.html").exists()
    assert main(["html", "--small", "--out", str(tmp_path / "cli.html")]) == 1


def test_without_the_graphviz_package_drawing_says_what_to_install(monkeypatch):
    import sys

    from tinygrad_mm import draw_dot

    monkeypatch.setitem(sys.modules, "graphviz", None)  # `import graphviz` now raises ImportError
    J = small_example().J
    with pytest.raises(ImportError, match=r"pip install 'tinygrad-mm\[draw\]'"):
        draw_dot(J)
    assert "∂J/∂s = −1" in J._repr_svg_()  # Jupyter, files and pages write DOT themselves: only `dot` is needed
