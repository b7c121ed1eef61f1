"""Presenter mode you can project: measured in headless Chromium on the notes' full example (collapsed).

At 1024×768 every graph label is ≥ 12 px and at 1920×1080 ≥ 16 px; on every step the current node and the
nodes receiving its gradient are inside the graph pane; the pane keeps its size; P toggles without drift;
the panel never scrolls; a window resize keeps the current node in view.
"""

from __future__ import annotations

import pytest
from cli_helpers import cli

from tinygrad_mm.cli.sources import example_source
from tinygrad_mm.models.cs224n import notes_example
from tinygrad_mm.views.viewer import to_html

pytest_plugins = ("browser_support",)

MEASURE = """() => {
    const svg = document.querySelector('#graph svg'), pane = document.getElementById('graph');
    const g = pane.getBoundingClientRect(), panel = document.getElementById('panel');
    const px = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;  // screen pixels per SVG point
    const sizes = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
        .map(t => parseFloat(t.getAttribute('font-size')) * px);
    const n = tgmm.neighbourhood(document.querySelector('#graph g.node.current') || document.getElementById('v' + tgmm.data.root));
    const inside = n.left >= g.left - 0.5 && n.top >= g.top - 0.5 && n.right <= g.right + 0.5 && n.bottom <= g.bottom + 0.5;
    return {smallest: Math.min(...sizes), inside, pane: [Math.round(g.width), Math.round(g.height)], zoom: tgmm.zoom,
            current: [...document.querySelectorAll('#graph g.node.current')].map(e => e.id),
            panelScrolls: panel.scrollHeight > panel.clientHeight + 1 || panel.scrollWidth > panel.clientWidth + 1,
            header: document.querySelector('header').getBoundingClientRect().bottom,
            presenting: document.body.classList.contains('presenter')};
}"""


@pytest.fixture(scope="module")
def full_page(tmp_path_factory):
    """The notes' full example as ``tinygrad-mm html --present`` writes it: both branches collapsed."""
    example = notes_example()
    source = example_source(example)
    path = tmp_path_factory.mktemp("present") / "present.html"
    return to_html(example.J, path, source.title, source.subtitle, collapse=source.collapse, present=True)


@pytest.mark.parametrize(("width", "height", "label_px"), [(1024, 768, 12), (1920, 1080, 16)])
def test_every_step_of_the_full_example_is_readable_and_in_view(open_viewer, full_page, width, height, label_px):
    view = open_viewer(full_page, width=width, height=height)
    page = view.page
    for _ in range(100):  # the header's .15 s slide (wait_for_function would eval a string, which the page's CSP forbids)
        if page.evaluate("document.querySelector('header').getBoundingClientRect().bottom") <= 8:
            break
        page.wait_for_timeout(20)
    first = page.evaluate(MEASURE)
    assert first["presenting"] and first["header"] <= 8  # opens presenting; the header slid away (a 6 px edge left)
    steps = page.evaluate("tgmm.total()")
    assert steps == 8
    for step in range(steps + 1):
        m = page.evaluate(MEASURE)
        assert m["smallest"] >= label_px - 0.01, (step, m)  # every label of the graph, at every step
        assert m["inside"], (step, m)  # the current node, the edges it sends along and the nodes they reach
        assert m["pane"] == first["pane"] and m["zoom"] == first["zoom"], (step, m)  # nothing moves between steps
        assert not m["panelScrolls"], (step, m)
        page.keyboard.press("ArrowRight")
    assert view.position() == steps


def test_p_toggles_presenter_mode_and_the_zoom_never_drifts(open_viewer, full_page):
    view = open_viewer(full_page, width=1920, height=1080)
    page = view.page
    presenting = page.evaluate("tgmm.zoom")
    page.keyboard.press("p")
    normal = page.evaluate("tgmm.zoom")
    assert not page.evaluate("tgmm.presenting()") and normal != presenting
    zooms = []
    for _ in range(6):
        page.keyboard.press("p")
        zooms.append(page.evaluate("tgmm.zoom"))
    assert zooms == [presenting, normal] * 3  # was 894 → 2011 → 1508 → 1697 … pt
    assert page.get_attribute("#presenter", "aria-pressed") == "false"


def test_a_window_resize_keeps_the_zoom_rule_and_the_current_node(open_viewer, full_page):
    view = open_viewer(full_page, width=1920, height=1080)
    page = view.page
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.set_viewport_size({"width": 1024, "height": 768})
    page.wait_for_timeout(50)  # the resize event
    m = page.evaluate(MEASURE)
    assert m["inside"] and m["smallest"] >= 12 - 0.01 and m["current"]
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_timeout(50)
    again = page.evaluate(MEASURE)
    assert again["inside"] and again["smallest"] >= 16 - 0.01 and again["current"] == m["current"]


def test_html_present_from_the_command_line(open_viewer, tmp_path):
    done = cli("html", "--small", "--present", "--out", str(tmp_path / "p.html"))
    assert done.returncode == 0, done.stderr
    view = open_viewer(tmp_path / "p.html", width=1024, height=768)
    assert view.page.evaluate("tgmm.presenting()") and view.page.get_attribute("#presenter", "aria-pressed") == "true"
