"""The matrix lens in the step-through page, in headless Chromium (every network request blocked): hovering a cell
shows its number and scalar paths, clicking it (or Enter) jumps to that node's step; M opens and closes the lens.
And in a notebook: ``show(J, lens="matrix")``."""

from __future__ import annotations

import pytest

from tinygrad_mm import show, to_html
from tinygrad_mm.engine import gradients_of, topological_order
from tinygrad_mm.models.cs224n import notes_example
from tinygrad_mm.views.matrix_page import lens_svg, show_matrix
from tinygrad_mm.views.text import number
from tinygrad_mm.views.viewer import check_svg, parse_svg

pytest_plugins = ("browser_support",)


@pytest.fixture(scope="module")
def example():
    return notes_example()


@pytest.fixture
def page(open_viewer, example, tmp_path):
    from tinygrad_mm.cli.sources import example_source

    source = example_source(example)
    path = to_html(example.J, tmp_path / "lens.html", source.title, source.subtitle, collapse=source.collapse, matrix=True)
    return open_viewer(path)


def cell_of(view, label: str, via: str) -> str:
    """The id of the cell of ``label`` in the grid ``via`` (its tooltip starts ∂J/∂label via …)."""
    head = f"∂J/∂{label} via {via} = " if via else f"∂J/∂{label} = "
    ids = view.page.eval_on_selector_all(
        "#matrix g.mx-cell", "(els, head) => els.filter(e => e.querySelector('title').textContent.startsWith(head)).map(e => e.id)", head
    )
    assert len(ids) == 1, ids
    return ids[0]


def test_the_lens_opens_below_the_graph_and_m_toggles_it(page):
    assert page.page.is_visible("#matrix") and page.page.get_attribute("#matrix-toggle", "aria-pressed") == "true"
    page.page.keyboard.press("m")
    assert not page.page.is_visible("#matrix") and page.page.get_attribute("#matrix-toggle", "aria-pressed") == "false"
    page.page.click("#matrix-toggle")
    assert page.page.is_visible("#matrix")


def test_hovering_a_cell_shows_its_number_and_its_scalar_paths(page, example):
    W = example.scorer.W
    cell = cell_of(page, "W[2,5]", "s_c")
    page.page.hover(f"#{cell}")
    info = page.text("#matrix-info")
    via_sc = gradients_of(example.s_c)[W[2][5]]  # ∂J/∂s_c = +1 while the margin is violated
    assert info.startswith(f"∂J/∂W[2,5] via s_c = {number(via_sc)}")
    assert "1 path through s_c:" in info and "J → s_c → a_c[2] → z_c[2] →" in info and info.rstrip().endswith(number(via_sc))
    total = cell_of(page, "W[2,5]", "")
    page.page.hover(f"#{total}")
    assert page.text("#matrix-info").startswith(f"∂J/∂W[2,5] = {number(gradients_of(example.J)[W[2][5]])}\n2 paths:")


def test_clicking_a_cell_jumps_to_that_node_in_the_step_through(page, example):
    index = {node: i for i, node in enumerate(topological_order(example.J))}
    target = example.scorer.W[2][5]
    page.page.click(f"#{cell_of(page, 'W[2,5]', 's')}")
    assert page.current() == [f"v{index[target]}"]  # drawn as itself: the page opened the view where it is
    assert page.text("#step-title").startswith("Step ") and "W[2,5]" in page.text("#step-title")
    assert page.position() > 0
    assert page.text("#matrix-info").startswith("Jumped to the step of W[2,5].")
    b3 = example.scorer.b[3]
    page.page.focus(f"#{cell_of(page, 'b[3]', '')}")  # keyboard: Tab reaches cells, Enter jumps
    page.page.keyboard.press("Enter")
    assert page.current() == [f"v{index[b3]}"] and "b[3]" in page.text("#step-title")


def test_a_page_without_the_lens_has_no_lens(open_viewer, example, tmp_path):
    view = open_viewer(to_html(example.J, tmp_path / "plain.html", collapse=["s = Uᵀf(Wx + b)"]))
    assert view.page.query_selector("#matrix") is None and view.page.query_selector("#matrix-toggle") is None


def test_the_lens_svg_has_keyboard_reachable_named_cells_and_no_links(example):
    svg = lens_svg(example.J, lambda text: check_svg(parse_svg(text)))
    assert "<a " not in svg and "xlink:href" not in svg
    assert svg.count('class="mx-cell"') == svg.count('tabindex="0"') > 1000 and 'role="button"' in svg
    assert 'aria-label="∂J/∂W[0,0] via s = ' in svg


def test_show_in_a_notebook_with_the_matrix_lens(example):
    before = [(n.data, n.grad) for n in topological_order(example.J)]
    viewer = show(example.J, lens="matrix")
    assert "matrix-lens" in viewer._repr_html_() and "viewer-matrix" not in viewer._repr_html_()
    static = show_matrix(example.J)
    assert "<svg" in static._repr_svg_() and static._repr_html_().startswith("<img src=\"data:image/svg+xml;base64,")
    assert [(n.data, n.grad) for n in topological_order(example.J)] == before
    with pytest.raises(ValueError, match="lens must be 'graph' or 'matrix'"):
        show(example.J, lens="matrices")


def test_the_notebook_iframe_runs_the_lens(browser, example, tmp_path):
    viewer = show(notes_example(small=True).J, lens="matrix", height=700)
    host = tmp_path / "nb.html"
    host.write_text(f"<!DOCTYPE html><html><body>{viewer._repr_html_()}</body></html>", encoding="utf-8")
    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(host.resolve().as_uri())
    tab.frames[1].wait_for_selector("body[data-ready]", state="attached")
    frame = tab.frame_locator("iframe")
    cell = frame.locator("#matrix g.mx-cell").nth(20)
    cell.hover()
    assert frame.locator("#matrix-info").text_content() == cell.locator("title").text_content()
    assert frame.locator("#matrix-info").text_content().startswith("∂J/∂")
    assert errors == []
    context.close()


def test_by_layer_shows_the_formula_and_outlines_its_scalar_steps(page, example):
    index = {node: i for i, node in enumerate(topological_order(example.J))}
    page.page.click("#matrix-layer-0")
    info = page.text("#matrix-info")
    assert info.startswith("Step 1 · U:  ∂J/∂U = (∂J/∂s)·a + (∂J/∂s_c)·a_c") and "It stands for 2 scalar steps" in info
    assert page.current() == [f"v{index[example.s]}"]
    assert set(page.ids("#graph g.node.pointed")) >= {f"v{index[example.s]}"}
    page.page.click("#matrix-layer-1")
    chips = page.page.eval_on_selector_all("#matrix-info button.chip", "els => els.map(e => e.textContent)")
    assert chips == [f"a[{i}]" for i in range(8)] + [f"a_c[{i}]" for i in range(8)]
    page.page.click("#matrix-info button.chip >> nth=9")  # a_c[1]
    a_c1 = example.s_c.parents[9]
    assert a_c1.label == "a_c[1]" and page.current() == [f"v{index[a_c1]}"] and "a_c[1]" in page.text("#step-title")


EVIL = '</script><script>window.pwned=1;alert("pwned")</script><!--'


def test_a_hostile_label_on_a_path_stays_text(open_viewer, tmp_path):
    from test_matrix import user_graph

    graph = user_graph()
    graph["s"].label = EVIL  # a branch's name is in every tooltip of its cells
    view = open_viewer(to_html(graph["J"], tmp_path / "evil.html", matrix=True))
    cell = view.page.eval_on_selector_all("#matrix g.mx-cell", "els => els.map(e => e.id)")[-1]
    view.page.hover(f"#{cell}")
    view.page.click(f"#{cell}")
    assert view.page.evaluate("typeof window.pwned") == "undefined" and view.dialogs == []
    assert EVIL in view.page.eval_on_selector("#matrix svg", "e => e.textContent")  # shown as text


def test_the_live_hook_recolours_the_cells_with_new_numbers(open_viewer, tmp_path):
    """tgmm.matrixUpdate: the numbers of another pass (here: the same graph built with another seed) recolour every
    cell exactly as the picture would have coloured them."""
    from dataclasses import replace

    from tinygrad_mm.models.cs224n import ExampleSpec, build_example
    from tinygrad_mm.views.matrix import gradient_lens
    from tinygrad_mm.views.matrix_draw import colour, lens_source

    spec = ExampleSpec.notes(small=True)
    view = open_viewer(to_html(build_example(spec).J, tmp_path / "live.html", matrix=True))
    other = lens_source(gradient_lens(build_example(replace(spec, seed=5)).J))[1]  # the same ids, other numbers
    meta = view.page.evaluate("tgmm.matrixCells()")
    assert set(meta) == set(other.roles) and all(meta[i][:4] == [n, *other.roles[i][:3]] for i, n, _ in other.numbered)
    view.page.evaluate("values => tgmm.matrixUpdate(values)", {i: [r[3], number(r[3])] for i, r in other.roles.items()})
    largest: dict[str, float] = {}
    for role in other.roles.values():
        largest[role[2]] = max(largest.get(role[2], 0.0), abs(role[3]))
    shown = view.page.eval_on_selector_all(
        "#matrix g.mx-cell", "els => els.map(e => [e.id, e.querySelector('polygon').getAttribute('fill'), e.querySelector('title').textContent])"
    )
    assert len(shown) == len(other.roles)
    for cid, fill, title in shown:
        kind, _, scale, value = other.roles[cid]
        assert fill == colour(value, largest[scale]), (cid, kind)
        assert title.count(" = ") == 1 and title.endswith(f" = {number(value)}")  # the stale arithmetic is gone


def test_tab_reaches_the_cells_after_the_lens_buttons(page):
    page.page.focus("#matrix button")  # the lens's last control before its picture
    page.page.keyboard.press("Tab")
    while page.page.evaluate("document.activeElement.tagName") == "BUTTON":  # the other layer buttons, Close
        page.page.keyboard.press("Tab")
    assert page.page.evaluate("document.activeElement.getAttribute('class')") == "mx-cell"
    assert page.text("#matrix-info") == page.page.evaluate("document.activeElement.querySelector('title').textContent")
