"""Nothing written on a drawing covers a node or a scope's title: checked from the SVG coordinates Graphviz
really produced, on the notes' full example — the page's gradient badges (every view: collapsed, each branch
opened, all expanded) and the static drawing's edge labels (expanded, branches collapsed, sub-scopes collapsed)."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from test_drawing_support import SVG, bbox

from tinygrad_mm import draw_dot
from tinygrad_mm.models.cs224n import notes_example
from tinygrad_mm.views.drawing import scopes_in
from tinygrad_mm.views.viewer import page

pytest_plugins = ("browser_support",)  # the browser fixture
Box = tuple[float, float, float, float]
TEXT_WIDTH = 0.62  # em per character: wider than DejaVu Sans's average, so the check errs on the safe side


@pytest.fixture(scope="module")
def example():
    example = notes_example()
    example.J.backward()
    return example


def text_box(text: ElementTree.Element) -> Box:
    """Where a <text> is drawn: its anchor, font size and length (estimated generously)."""
    x, y, size = float(text.get("x")), float(text.get("y")), float(text.get("font-size"))
    width = len(text.text or "") * TEXT_WIDTH * size
    left = {"middle": x - width / 2, "end": x - width}.get(text.get("text-anchor"), x)
    return left, y - 0.8 * size, left + width, y + 0.25 * size


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def inside(inner: Box, outer: Box) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def obstacles(svg: ElementTree.Element) -> tuple[dict[str, Box], dict[str, Box]]:
    """Every node's outline and every scope's title, by id."""
    groups = [g for g in svg.iter(f"{SVG}g")]
    nodes = {g.get("id"): bbox(g) for g in groups if g.get("class") == "node"}
    titles = {g.get("id"): text_box(next(g.iter(f"{SVG}text"))) for g in groups if g.get("class") == "cluster"}
    return nodes, titles


def test_the_pages_gradient_badges_sit_inside_their_node_and_cover_nothing_else(example):
    html = page(example.J, collapse=scopes_in(example.J, 1))
    views = [ElementTree.fromstring(svg) for svg in re.findall(r'<template id="view-\d+">(.*?)</template>', html, re.S)]
    assert len(views) == 4
    checked = 0
    for svg in views:
        nodes, titles = obstacles(svg)
        for node in (g for g in svg.iter(f"{SVG}g") if g.get("class") == "node"):
            for badge in (g for g in node.iter(f"{SVG}g") if g.get("class") == "grad-badge"):
                rect = badge.find(f"{SVG}rect")
                x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
                box = (x, y, x + w, y + h)
                assert inside(box, nodes[node.get("id")]), (node.get("id"), badge.get("id"))
                others = [k for k, other in {**nodes, **titles}.items() if k != node.get("id") and overlap(box, other)]
                assert others == [], (badge.get("id"), others)
                checked += 1
    assert checked > 267 + 200  # every value of every view


MEASURE = """() => {
    const box = e => { const b = e.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height]; };
    const shape = g => g.querySelector('polygon, path, ellipse');
    const groups = [...document.querySelectorAll('g')];
    return {
        nodes: Object.fromEntries(groups.filter(g => g.getAttribute('class') === 'node').map(g => [g.id, box(shape(g))])),
        titles: Object.fromEntries(groups.filter(g => g.getAttribute('class') === 'cluster').map(g => [g.id, box(g.querySelector('text'))])),
        labels: groups.filter(g => g.getAttribute('class') === 'edge')
            .flatMap(g => [...g.querySelectorAll('text')].map(t => [g.id, t.textContent, box(t)])),
    };
}"""


@pytest.mark.parametrize("depth", [None, 1, 2])
def test_edge_labels_cover_no_node_and_no_scope_title(example, depth, browser, tmp_path):
    """Measured where Chromium draws each text (the same DejaVu Sans Graphviz laid the drawing out with)."""
    J = example.J
    collapse = scopes_in(J, depth) if depth else []
    path = tmp_path / "drawing.svg"
    path.write_bytes(draw_dot(J, collapse=collapse, max_nodes=400).pipe(format="svg"))
    view = browser.new_page()
    view.goto(path.as_uri())
    found = view.evaluate(MEASURE)
    view.close()
    obstacles = {**found["nodes"], **found["titles"]}
    for edge, text, box in found["labels"]:
        hits = [k for k, other in obstacles.items() if overlap(box, other)]
        assert hits == [], (edge, text, hits)
    assert len(found["labels"]) >= (500 if depth is None else 10) and len(found["nodes"]) > 8
