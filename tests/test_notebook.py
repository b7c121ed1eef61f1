"""Jupyter: ``show()`` (the step-through viewer in a sandboxed iframe) and a Value's automatic display.

The iframe is parsed as HTML and opened in headless Chromium with every network request blocked;
the display is checked through IPython's own display formatter, the way a notebook calls it.
"""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pytest
from test_drawing_support import small_example

import tinygrad_mm
from tinygrad_mm import Value, topological_order
from tinygrad_mm.models.cs224n import notes_example
from tinygrad_mm.views import dot, notebook
from tinygrad_mm.views.notebook import INLINE_NODES, MAX_PICTURE, picture_size, show, value_html, value_svg
from tinygrad_mm.views.viewer import page

pytest_plugins = ("browser_support",)  # the headless Chromium fixture, ``browser``
EVIL = '</iframe><script>parent.pwned=1</script>" onload="parent.pwned=2" \'&amp;'


class Elements(HTMLParser):
    """Every start tag with its attributes (entities decoded, as a browser reads them)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))


def snapshot(root: Value) -> list[tuple[float, float]]:
    return [(n.data, n.grad) for n in topological_order(root)]


# ---- show(): the iframe ------------------------------------------------------------------------


def test_show_is_one_sandboxed_iframe_holding_the_whole_viewer_page():
    J = small_example().J
    viewer = tinygrad_mm.show(J)
    html = viewer._repr_html_()
    assert viewer.__html__() == html and html.startswith("<iframe ") and html.endswith("</iframe>")
    (tag, attrs), *inner = Elements(html).tags
    assert tag == "iframe" and inner == []  # the page is only inside the attribute, never markup of the notebook
    assert attrs["sandbox"] == "allow-scripts"  # scripts run, in an opaque origin: no allow-same-origin
    assert attrs["srcdoc"] == page(J, None, "")  # the exact, self-contained viewer page, after unescaping
    assert attrs["height"] == str(notebook.DEFAULT_HEIGHT) and f"height:{notebook.DEFAULT_HEIGHT}px" in attrs["style"]
    assert attrs["width"] == "100%" and attrs["title"] == "step-through viewer of J"
    assert '"' not in html[len('<iframe srcdoc="') : html.index('" sandbox=')]  # escaped with quote=True
    assert "<iframe" not in repr(viewer) and "640 px" in repr(viewer)


def test_show_height_title_and_the_value_method():
    J = small_example().J
    attrs = Elements(J.show(height=333, title="Lecture 4", subtitle="two windows")._repr_html_()).tags[0][1]
    assert attrs["height"] == "333" and "height:333px" in attrs["style"]
    assert attrs["srcdoc"] == page(J, "Lecture 4", "two windows")
    quiz = Elements(show(J, quiz=True, digits=3)._repr_html_()).tags[0][1]["srcdoc"]
    assert quiz == page(J, None, "", quiz=True, digits=3)  # the page's options pass through
    assert tinygrad_mm.show is show


@pytest.mark.parametrize("height", [True, 199, 4001, 300.0, "300"])
def test_show_refuses_a_height_that_is_not_a_sensible_number_of_pixels(height):
    with pytest.raises(ValueError, match=r"height must be a whole number of pixels from 200 to 4000, got"):
        show(small_example().J, height=height)


def test_show_refuses_what_is_not_a_value():
    with pytest.raises(TypeError, match=r"show\(\) takes a Value \(the root of a graph, e.g. the loss\), got list"):
        show([1.0, 2.0])


def test_showing_changes_no_gradient_and_no_data():
    example = notes_example(small=True)
    J = example.J
    J.backward()
    J.backward()  # accumulated: .grad is twice ∂J/∂·, the page must show ∂J/∂· and leave .grad alone
    before = snapshot(J)
    show(J)
    J._repr_mimebundle_()
    assert snapshot(J) == before


def test_a_hostile_label_stays_text_inside_the_srcdoc():
    x = Value(2.0, EVIL)
    y = x * x
    y.label = EVIL
    html = show(y, title=EVIL)._repr_html_()
    tags = Elements(html).tags
    assert [tag for tag, _ in tags] == ["iframe"] and set(tags[0][1]) == {"srcdoc", "sandbox", "referrerpolicy", "title", "width", "height", "style"}
    assert tags[0][1]["srcdoc"] == page(y, EVIL, "") and tags[0][1]["title"] == f"step-through viewer of {EVIL}"


def test_the_inline_page_asks_for_nothing_from_any_network():
    viewer_html = show(small_example().J)._repr_html_()
    srcdoc = Elements(viewer_html).tags[0][1]["srcdoc"]
    assert "default-src 'none'" in srcdoc  # the page's Content-Security-Policy
    for text in (viewer_html, srcdoc):
        for tag, attrs in Elements(text).tags:
            for name in ("src", "href", "xlink:href", "action", "data"):
                value = (attrs.get(name) or "").strip().lower()
                assert not re.match(r"(https?:)?//", value), f"<{tag} {name}={value!r}> would reach the network"
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", srcdoc)  # nor its CSS


# ---- show() in a browser ------------------------------------------------------------------------


def test_the_iframe_runs_the_viewer_offline_at_the_height_asked(browser, tmp_path):
    J = small_example().J
    host = tmp_path / "notebook.html"
    host.write_text(
        "<!DOCTYPE html><html><body style='margin:0'><div id='above' style='height:50px'>cell 1</div>"
        f"{show(J, height=420)._repr_html_()}<div id='below'>cell 3</div>{value_html(notes_example().J)}</body></html>",
        encoding="utf-8",
    )
    url = host.resolve().as_uri()
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    requests, errors = [], []
    context.route("**/*", lambda route: route.continue_() if route.request.url == url else route.abort())
    try:
        tab = context.new_page()
        tab.on("request", lambda request: requests.append(request.url))
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
        tab.goto(url)
        tab.frames[1].wait_for_selector("body[data-ready]", state="attached")
        box = tab.locator("iframe").bounding_box()
        assert (box["y"], box["height"]) == (50, 420)  # fixed height, in the flow of the notebook
        assert tab.locator("#below").bounding_box()["y"] == 50 + 420  # the next cell right below it
        frame = tab.frame_locator("iframe")
        frame.locator("#next").click()
        frame.locator("#next").click()
        assert frame.locator("#scrub").input_value() == "2"  # the page's script runs inside the frame
        assert frame.locator("#step-lines li").first.text_content().startswith("∂J/∂")
        assert frame.locator("#graph svg").bounding_box()["width"] > 300  # the graph is drawn, not measured as 0
        inner = tab.frames[1]
        assert inner.url == "about:srcdoc"
        assert inner.evaluate("(() => { try { return parent.document.title; } catch (e) { return 'blocked'; } })()") == "blocked"
        assert tab.evaluate("typeof window.pwned") == "undefined"
        assert requests == [url] and errors == []  # nothing but the host page was ever requested
    finally:
        context.close()


# ---- a Value's automatic display ------------------------------------------------------------------


def test_a_small_graph_displays_whole_through_ipythons_formatter(monkeypatch):
    formatters = pytest.importorskip("IPython.core.formatters", reason="IPython comes with ipykernel (the test extra)")
    renders = []
    real = dot.render
    monkeypatch.setattr(dot, "render", lambda *args: renders.append(args[1]) or real(*args))
    example = small_example()
    data, _ = formatters.DisplayFormatter().format(example.J)
    assert renders == ["svg"]  # one drawing serves every format
    assert set(data) == {"text/plain", "text/html", "image/svg+xml"}
    svg = data["image/svg+xml"]
    assert svg.lstrip().startswith("<?xml") and "∂J/∂s = −1" in svg
    (tag, attrs), *rest = Elements(data["text/html"]).tags
    assert tag == "figure" and [t for t, _ in rest] == ["img"]  # no caption: nothing was folded
    assert base64.b64decode(rest[0][1]["src"].removeprefix("data:image/svg+xml;base64,")).decode() == svg
    assert example.J._repr_svg_() == svg


def test_a_large_graph_is_drawn_with_its_scopes_folded_and_says_how_to_see_more():
    example = notes_example()  # 267 nodes: drawn whole it would be about 30 000 pixels tall
    example.J.backward()
    assert len(topological_order(example.J)) > INLINE_NODES
    html = value_html(example.J)
    svg = value_svg(example.J)
    width, height = picture_size(svg)
    assert width <= MAX_PICTURE[0] and height <= MAX_PICTURE[1]
    assert svg.count("box3d") == 0 and svg.count('id="scope') >= 2  # the two branches, one box each
    caption = Elements(html).tags[-1]
    assert caption[0] == "figcaption"
    text = html[html.index("<figcaption") :]
    assert "267 nodes, drawn with the scopes &#x27;s = Uᵀf(Wx + b)&#x27;, &#x27;s_c = Uᵀf(Wx_c + b)&#x27; folded" in text
    assert "draw_dot(J, collapse=[]) draws every node" in text and "J.show() steps through" in text


def test_a_graph_too_large_to_fold_gives_a_note_not_a_picture():
    from tinygrad_mm.models.nn import MLP

    y = MLP(2, [16, 16, 1])([Value(1.0), Value(-2.0)])  # 437 nodes and no scopes
    assert value_svg(y) is None and y._repr_svg_() is None
    html = value_html(y)
    assert [tag for tag, _ in Elements(html).tags] == ["div"]
    assert "x: a graph of 437 nodes, too large to draw inline. draw_dot(x, max_nodes=437) draws it all" in html
    chain = Value(0.5, "x")
    for _ in range(100):  # 101 nodes: few enough, but a picture 25 000 pixels wide
        chain = chain.tanh()
    assert chain._repr_svg_() is None and "too large to draw inline" in value_html(chain)


def test_a_huge_graph_is_not_even_modelled():
    total = Value(0.0, "t0")
    for i in range(1, notebook.MAX_GRAPH + 1):
        total = total + Value(float(i), f"t{i}")
    total.label = "total"
    bundle = total._repr_mimebundle_()
    assert set(bundle) == {"text/html"} and f"a graph of {2 * notebook.MAX_GRAPH + 1} nodes" in bundle["text/html"]


def test_without_dot_the_display_says_so_and_never_raises(monkeypatch):
    monkeypatch.setenv("PATH", "")
    J = small_example().J
    assert J._repr_svg_() is None
    bundle = J._repr_mimebundle_()
    assert set(bundle) == {"text/html"} and "Graphviz&#x27;s &#x27;dot&#x27; program was not found" in bundle["text/html"]
    with pytest.raises(dot.GraphvizNotFoundError):  # asked for explicitly, the viewer says what is missing
        show(J)


def test_a_viewer_shown_after_it_was_hidden_draws_its_graph(browser, tmp_path):
    """A notebook output that is hidden while its page runs (a background tab, a collapsed output) still draws."""
    host = tmp_path / "hidden.html"
    frame = show(small_example().J, height=500)._repr_html_()
    host.write_text(f"<!DOCTYPE html><html><body><div id='cell' style='display:none'>{frame}</div></body></html>", encoding="utf-8")
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    try:
        tab = context.new_page()
        tab.goto(host.resolve().as_uri())
        tab.frames[1].wait_for_load_state()  # the viewer's script has run, in a frame with no layout
        tab.evaluate("document.getElementById('cell').style.display = 'block'")  # e.g. the notebook's tab is opened
        tab.frames[1].wait_for_selector("body[data-ready]", state="attached")
        width = tab.frames[1].eval_on_selector("#graph svg", "e => e.getBoundingClientRect().width")
        assert width > 300, f"the graph is drawn {width} px wide"
    finally:
        context.close()
