"""The HTML viewer's file: self-contained, one fixed layout, step data that matches the engine, nothing executable from labels."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser

import pytest

from tinygrad_mm import Value, to_html
from tinygrad_mm.cli.demo import write_page
from tinygrad_mm.engine import record, topological_order
from tinygrad_mm.models.cs224n import notes_example
from tinygrad_mm.views.text import number
from tinygrad_mm.views.viewer import check_svg, embed_json, page, parse_svg

EVIL = '</script><script>window.pwned=1;alert(1)</script><!--'


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside each <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        self._in_script = False if tag == "script" else self._in_script

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def parse(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def small():
    example = notes_example(small=True)
    return example, page(example.J, "t")


def svg_texts(svg: str) -> list[str]:
    """The text drawn in an SVG (inside its <text> elements)."""
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def page_data(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="tgmm-data">(.*?)</script>', html, re.DOTALL)
    return json.loads(block.group(1))


def test_page_is_self_contained(small):
    _, html = small
    elements = parse(html)
    assert [tag for tag, _ in elements.tags if tag in ("link", "img", "iframe", "object", "embed")] == []
    assert not [a for _, a in elements.tags if "src" in a]  # no script, image or frame is fetched from anywhere
    hrefs = [a.get("href") or a.get("xlink:href") for _, a in elements.tags if "href" in a or "xlink:href" in a]
    assert hrefs == []
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}  # SVG namespaces only
    csp = next(a["content"] for t, a in elements.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp


def test_only_the_page_script_may_run(small):
    _, html = small
    elements = parse(html)
    scripts = [a for t, a in elements.tags if t == "script"]
    assert scripts == [{"type": "application/json", "id": "tgmm-data"}, {}]
    csp = next(a["content"] for t, a in elements.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    digest = base64.b64encode(hashlib.sha256(elements.scripts[1].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp  # the CSP allows exactly this script, nothing inline or injected


def test_one_layout_with_the_drawing_ids_and_no_gradients_yet(small):
    example, html = small
    svg = re.search(r"<svg.*?</svg>", html, re.DOTALL).group(0)
    nodes = topological_order(example.J)
    for i, node in enumerate(nodes):
        assert f'id="v{i}"' in svg
        for k in range(len(node.parents)):
            assert f'id="e{i}_{k}"' in svg
        if node.parents:
            assert f'id="v{i}op"' in svg and f'id="e{i}_out"' in svg
    assert html.count("<svg") == 1
    assert not [text for text in svg_texts(svg) if "grad" in text]  # the page reveals each gradient at its step
    assert all(f'id="v{i}-grad"' in svg for i in range(len(nodes)))  # an empty slot in every value, for its gradient


def test_step_data_matches_the_engine(small):
    example, html = small
    data = page_data(html)
    J = example.J  # page() ran a fresh backward pass
    nodes = topological_order(J)
    index = {node: i for i, node in enumerate(nodes)}
    steps = record(J).steps
    assert len(data["steps"]) == len(steps) and data["root"] == index[J] and data["root_name"] == "J"
    for got, step in zip(data["steps"], steps, strict=True):
        assert got["node"] == index[step.node]
        assert got["grad_exact"] == step.grad and float(got["grad"].replace("−", "-")) == pytest.approx(step.grad, rel=1e-3)
        assert [e["parent"] for e in got["edges"]] == [index[p] for p in step.parents]
        assert [e["after_exact"] for e in got["edges"]] == list(step.grads_after)
    first = data["steps"][0]["edges"]
    assert first[0]["text"] == "∂J/∂s += ∂J/∂J · (−1) = 1 · (−1) = −1"  # a negative factor in parentheses
    assert first[1]["text"] == "∂J/∂s_c += ∂J/∂J · +1 = 1 · 1 = 1"
    assert [n["uses"] for n in data["nodes"]] == [sum(p is node for m in nodes for p in m.parents) for node in nodes]


def test_chain_rule_text_names_the_local_derivative():
    example = notes_example(small=True)
    data = page_data(page(example.J))
    s_step = data["steps"][1]
    assert data["nodes"][s_step["node"]]["name"] == "s"
    U0 = example.scorer.U[0]
    line = s_step["edges"][2]["text"]  # s = U·a: slot 2 is a[0], whose local derivative is U[0]
    assert line == f"∂J/∂a[0] += ∂J/∂s · U[0] = −1 · {number(U0.data)} = {number(-U0.data)}"


def test_embedded_json_cannot_close_the_script_and_round_trips():
    data = {"label": EVIL, "other": "a & b > c \u2028 <!-- x"}
    text = embed_json(data)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == data


def test_script_labels_are_text_everywhere(tmp_path):
    a = Value(2.0, label=EVIL)
    b = Value(3.0, label='<img src=x onerror="window.pwned=2">')
    c = a * b
    c.label = '"><svg onload=window.pwned=3>'
    path = to_html(c, tmp_path / "evil.html", title=EVIL, subtitle=EVIL)
    html = path.read_text()
    elements = parse(html)
    assert [t for t, _ in elements.tags].count("script") == 2
    assert not [t for t, _ in elements.tags if t == "img"]
    assert not any(k.startswith("on") for _, attrs in elements.tags for k in attrs)
    assert "&lt;/script&gt;&lt;script&gt;window.pwned=1" in html  # shown as text in the title and the drawing
    assert {n["name"] for n in page_data(html)["nodes"]} == {EVIL, b.label, c.label}


def test_check_svg_refuses_markup_that_could_run():
    head = '<svg xmlns="http://www.w3.org/2000/svg">'
    svg = check_svg(parse_svg('<?xml version="1.0"?>\n<!-- c -->' + head + "<text>&lt;script&gt;</text></svg>"))
    assert svg.tag.endswith("svg") and svg[0].text == "<script>"  # escaped text stays text
    for bad in ("<script>alert(1)</script>", '<g onload="x()"/>', '<a href="javascript:x()"/>', "<foreignObject/>"):
        with pytest.raises(ValueError, match="could run code: a label was not escaped"):
            check_svg(parse_svg(head + bad + "</svg>"))


def test_to_html_writes_the_file_and_creates_folders(tmp_path):
    J = Value(2.0, "x") * Value(3.0, "y")
    J.backward()
    J.backward()  # leaves hold 2× their gradient now: the page must neither show nor keep that
    path = to_html(J, tmp_path / "deep" / "er" / "page.html")
    html = path.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert not [text for text in svg_texts(re.search(r"<svg.*?</svg>", html, re.DOTALL).group(0)) if "grad" in text]
    assert [step["grad_exact"] for step in page_data(html)["steps"]] == [1.0, 3.0, 2.0]
    assert J.grad == 1.0  # the backward pass the page shows was really run


def test_write_viewer_for_make_demo(tmp_path):
    path = write_page(tmp_path, "backprop-steps-inactive-small.html", notes_example(active=False, small=True), small=True)
    assert path == tmp_path / "backprop-steps-inactive-small.html"
    html = path.read_text()
    assert "margin met: J = 0, the hinge is flat, no gradient flows" in html
    assert all(e["zero"] for step in page_data(html)["steps"] for e in step["edges"])
