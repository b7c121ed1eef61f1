"""The HTML viewer in a real browser: headless Chromium driven by Playwright, with every network request blocked
(``browser_support``): stepping, the badges, the keyboard, labels that try to run code, the full example."""

from __future__ import annotations

import struct

import pytest

from tinygrad_mm import Value, to_html
from tinygrad_mm.engine import gradients_of, record, topological_order
from tinygrad_mm.models.cs224n import notes_example

pytest_plugins = ("browser_support",)  # the browser fixture
EVIL = '</script><script>window.pwned=1;alert("pwned")</script><!--'


@pytest.fixture(scope="module")
def example():
    return notes_example(small=True)


@pytest.fixture
def viewer(open_viewer, example, tmp_path):
    return open_viewer(to_html(example.J, tmp_path / "steps.html"))


def expected_after(steps, n: int) -> dict[Value, float]:
    """The gradients known after n steps: the root's seed, and every partial sum sent so far."""
    known = {steps[0].node: 1.0} if n else {}
    for step in steps[:n]:
        for parent, after in zip(step.parents, step.grads_after, strict=True):
            known[parent] = after
    return known


def test_next_highlights_each_node_and_shows_the_engines_gradients(viewer, example):
    J = example.J
    steps, exact = record(J).steps, gradients_of(J)
    index = {node: i for i, node in enumerate(topological_order(J))}
    assert viewer.position() == 0 and viewer.current() == [] and viewer.badges() == {}  # nothing known yet
    for n in range(1, len(steps) + 1):
        viewer.page.click("#next")
        step = steps[n - 1]
        assert viewer.position() == n
        assert viewer.current() == [f"v{index[step.node]}"]
        shown = viewer.page.eval_on_selector("#step-grad .grad-value", "e => [e.textContent, e.getAttribute('data-exact')]")
        assert float(shown[0].replace("−", "-")) == pytest.approx(step.grad, rel=1e-3)
        assert float(shown[1]) == step.grad == exact[step.node]  # the engine's final value, exactly (JS prints the shortest repr)
        badges = viewer.badges()
        expected = {f"v{index[node]}": grad for node, grad in expected_after(steps, n).items()}
        assert {k: v[1] for k, v in badges.items()} == expected  # only gradients already computed are visible
        assert badges[f"v{index[step.node]}"][0] == f"grad {shown[0]}"  # the badge and the panel agree
    assert viewer.page.is_disabled("#next")


def test_the_first_step_sends_minus_one_to_s_and_plus_one_to_s_c(viewer, example):
    viewer.page.click("#next")
    lines = viewer.page.eval_on_selector_all("#step-lines li", "els => els.map(e => e.firstChild.textContent)")
    assert lines == ["∂J/∂s += ∂J/∂J · (−1) = 1 · (−1) = −1", "∂J/∂s_c += ∂J/∂J · +1 = 1 · 1 = 1"]
    root = len(topological_order(example.J)) - 1
    lit = viewer.page.eval_on_selector_all("#graph g.edge.now", "els => els.map(e => e.id).sort()")
    assert lit == sorted([f"e{root}_0", f"e{root}_1", f"e{root}_out"])
    texts = {v[0] for v in viewer.badges().values()}
    assert texts == {"grad 1", "grad −1"}  # J's seed, s (final: its only use has sent) and s_c
    viewer.page.click("#next")
    assert viewer.page.eval_on_selector_all("#graph g.edge.done", "els => els.length") == 3  # J's edges: sent earlier


def test_prev_reset_play_and_the_keyboard(viewer, example):
    page = viewer.page
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert viewer.position() == 3
    page.keyboard.press("ArrowLeft")
    assert viewer.position() == 2
    page.click("#prev")
    assert viewer.position() == 1
    page.keyboard.press("End")
    assert viewer.position() == len(record(example.J).steps)
    page.click("#reset")
    assert viewer.position() == 0 and viewer.current() == [] and viewer.badges() == {}
    page.click("#play")
    assert page.text_content("#play").endswith("Pause")
    page.wait_for_function("() => Number(document.getElementById('scrub').value) >= 2")
    page.click("#play")  # pause
    assert page.text_content("#play").endswith("Play")
    paused_at = viewer.position()
    page.wait_for_timeout(2000)  # more than two ticks of the player
    assert viewer.position() == paused_at
    page.keyboard.press("Home")
    assert viewer.position() == 0


def test_inactive_margin_sends_zero_everywhere(open_viewer, tmp_path):
    example = notes_example(active=False, small=True)
    view = open_viewer(to_html(example.J, tmp_path / "inactive.html"))
    view.page.click("#next")
    assert view.page.eval_on_selector_all("#step-lines li.zero", "els => els.length") == 2
    assert view.page.eval_on_selector_all("#graph g.edge.now", "els => els.length") == 0
    assert {v[1] for v in view.badges().values()} == {1.0, 0.0}


def test_a_script_label_runs_nothing_and_shows_as_text(open_viewer, tmp_path):
    x = Value(2.0, label=EVIL)
    y = Value(3.0, label='<img src=x onerror="window.pwned=2">')
    z = x * y
    z.label = "z"
    view = open_viewer(to_html(z, tmp_path / "evil.html", title=EVIL))
    page = view.page
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert view.dialogs == []
    assert page.title() == EVIL
    svg_texts = page.eval_on_selector_all("#graph svg text", "els => els.map(e => e.textContent)")
    assert EVIL in svg_texts and y.label in svg_texts  # drawn literally
    page.click("#next")
    assert page.text_content("#step-lines").startswith(f"∂z/∂{EVIL} += ∂z/∂z · ({y.label})")  # has "=": a factor in ( )
    assert page.evaluate("document.scripts.length") == 2 and page.evaluate("document.images.length") == 0
    assert page.evaluate("typeof window.pwned") == "undefined" and view.dialogs == []


def test_screenshot_of_the_notes_example(open_viewer, tmp_path):
    example = notes_example(small=True)
    view = open_viewer(to_html(example.J, tmp_path / "notes.html", "CS224N max-margin loss: backprop, step by step"))
    for _ in range(3):
        view.page.click("#next")
    shot = tmp_path / "viewer-step3.png"
    view.page.screenshot(path=str(shot))
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", header[16:24]) == (1600, 900)
    assert shot.stat().st_size > 20_000  # a real picture, not a blank page


def test_the_full_notes_example_ends_with_every_final_gradient(open_viewer, tmp_path):
    example = notes_example()  # n = 20, H = 8: 267 steps
    view = open_viewer(to_html(example.J, tmp_path / "full.html"))
    nodes = topological_order(example.J)
    for _ in range(5):
        view.page.keyboard.press("ArrowRight")
    assert view.current() == [f"v{nodes.index(record(example.J).steps[4].node)}"]
    view.page.keyboard.press("End")
    assert view.position() == 267
    badges = view.badges()
    assert len(badges) == len(nodes)
    exact = gradients_of(example.J)
    assert all(badges[f"v{i}"][1] == exact[node] for i, node in enumerate(nodes))  # exactly the engine's grads
    assert all(node.grad == 0.0 for node in nodes)  # writing and viewing the page changed no .grad
    classes = view.page.eval_on_selector_all("#graph g.node[id^=v]:not([id$=op])", "els => els.map(e => e.className.baseVal)")
    assert sum("final" in c for c in classes) == len(nodes) - 1  # all final; the last one is current
