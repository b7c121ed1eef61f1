"""The live page after an edit, in headless Chromium: it rewrites only what changed (no full redraw, no layout read),
and every number and sentence that depends on the values follows the edit — the subtitle, the forward stage, a
collapsed box's panel, the drawing's labels for screen readers — and Reset brings the page's own words back.
Presenter mode keeps the live box reachable and readable.  (Every page: no console error, no network request.)"""

from __future__ import annotations

import pytest
from test_live_page import rebuild

from tinygrad_mm import Parameter, sum_values, to_html
from tinygrad_mm.cli.sources import example_source, expression_source
from tinygrad_mm.models.cs224n import notes_example
from tinygrad_mm.views.graph import graph_model
from tinygrad_mm.views.page_data import StepText
from tinygrad_mm.views.text import number

pytest_plugins = ("browser_support",)

WATCH = """() => {
    window.writes = [];
    window.layoutReads = 0;
    const read = Element.prototype.getBoundingClientRect;
    Element.prototype.getBoundingClientRect = function () { window.layoutReads++; return read.call(this); };
    new MutationObserver(records => window.writes.push(...records.map(r => r.type + ' ' + (r.attributeName || ''))))
        .observe(document.getElementById('graph'), {subtree: true, attributes: true, characterData: true, childList: true});
}"""


def tanh_tree(n: int):
    """J = Σ tanh(x_i · w_i): an edit of one x_i changes a handful of the page's numbers."""
    return sum_values([(Parameter(0.1 * (i % 7) - 0.3, f"x{i}") * Parameter(0.5 - 0.05 * (i % 5), f"w{i}")).tanh()
                       for i in range(n)])  # fmt: skip


@pytest.mark.parametrize("where", ["start", "end"])
def test_an_edit_rewrites_only_what_changed_and_reads_no_layout(open_viewer, tmp_path, where):
    """On a 300-term graph an edit of one input changes a few values and gradients: the drawing gets a few writes (the
    changed texts and classes), not one per element, and the page reads no layout (a forced reflow per edit)."""
    view = open_viewer(to_html(tanh_tree(300), tmp_path / "tree.html", max_nodes=10**5))
    if where == "end":
        view.page.keyboard.press("End")
    elements = view.page.evaluate("document.querySelectorAll('#graph g.node, #graph g.edge').length")
    assert elements > 1000
    view.page.evaluate(WATCH)
    assert view.page.evaluate("tinygradLive.set('x7', 0.9)") is True
    view.page.evaluate("new Promise(done => setTimeout(done, 0))")  # the MutationObserver's records delivered
    writes = view.page.evaluate("window.writes")
    assert 0 < len(writes) <= 40, (len(writes), writes[:20])
    assert view.page.evaluate("window.layoutReads") == 0


def covered(view) -> list[dict]:
    """The panel's words of every collapsed box's and leaf group's step (the first view), as the page holds them."""
    view.page.evaluate("tinygradLive.ensureAll()")
    return view.page.evaluate(
        "tgmm.data.views[0].steps.filter(s => s.covers).map(s => ({u: s.u, grad: s.grad, lines: s.lines.map(l => l.text), zero: s.zero}))"
    )


def test_a_collapsed_box_and_a_leaf_groups_step_say_the_edited_numbers(open_viewer, tmp_path):
    """The notes' example with both branches collapsed: after an edit, each box's step (what arrived, what it sends
    back) and each leaf group's step say what a page made from the edited graph says; Reset brings back the first."""
    example = notes_example(small=True)
    branches = ["s = Uᵀf(Wx + b)", "s_c = Uᵀf(Wx_c + b)"]
    view = open_viewer(to_html(example.J, tmp_path / "boxes.html", collapse=branches))
    made = covered(view)
    assert view.page.evaluate("tinygradLive.set('W[1,0]', -2.5)") is True
    edited = rebuild(example.J, {"W[1,0]": -2.5})
    expected = covered(open_viewer(to_html(edited[graph_model(example.J).root_index], tmp_path / "edited.html", collapse=branches)))
    assert covered(view) == expected != made
    box = next(r for r, step in enumerate(view.page.evaluate("tgmm.data.views[0].steps")) if step["u"].startswith("scope"))
    view.page.evaluate(f"tgmm.go(tgmm.F() + {box + 1}, true)")  # the panel shows the box's step: the new numbers
    assert expected[[c["u"] for c in expected].index(view.page.evaluate(f"tgmm.data.views[0].steps[{box}].u"))]["lines"][0] in view.text("#step-lines")
    assert "as the page was made" not in view.text("#panel")
    view.page.click("#live-reset")
    assert covered(view) == made


def test_the_subtitle_the_forward_stage_and_the_drawings_labels_follow_the_edit_and_reset(open_viewer, tmp_path):
    """--inactive's page (as `tinygrad-mm html --small --inactive --forward` writes it), Δ typed as 2: the hinge flips.
    The subtitle, J's forward sentence, J's tooltips and what a screen reader says for J all say the new numbers
    (the engine's, on the edited graph); Reset brings back the words the page was made with."""
    example = notes_example(small=True, active=False)
    source = example_source(example, small=True)
    view = open_viewer(to_html(example.J, tmp_path / "flip.html", source.title, source.subtitle, forward=True))
    root = graph_model(example.J).root_index
    texts = {"subtitle": "header .subtitle", "title": f"#v{root} > title", "op": f"#v{root}op > title"}

    def read() -> dict[str, str]:
        shown = {key: view.text(selector) for key, selector in texts.items()}
        view.page.evaluate("tgmm.go(tgmm.F(), true)")  # the forward stage's last step: J's sentence
        shown["forward"] = view.text("#step-grad")
        shown["aria"] = view.page.get_attribute(f"#v{root}", "aria-label")
        return shown

    made = read()
    assert "every margin met" in made["subtitle"] and "∂J/∂s = 0" in made["op"]
    assert view.page.evaluate("tinygradLive.set('Δ', 2)") is True
    nodes = rebuild(example.J, {}, {(root, "delta"): 2.0})
    J, s, s_c = nodes[root], *(n for n in nodes if n.label in ("s", "s_c"))
    edited = read()
    assert edited["subtitle"] == (f"true window “Paris” (s = {number(s.data)}), corrupted “bread” (s_c = {number(s_c.data)}): "
                                  f"J = max(0, Δ + s_c − s) = {number(J.data)}, margin violated: gradient flows")  # fmt: skip
    text = StepText(graph_model(J, gradients=True), 4)
    assert edited["forward"] == text.forward_sentence(root) == f"J = max(0, 2 + s_c − s) = max(0, 2 + ({number(s_c.data)}) − ({number(s.data)})) = {number(J.data)}"
    assert edited["title"] == f"J: data = {number(J.data)}, kind = op"
    assert edited["op"] == "J = max(0, 2 + s_c − s): ∂J/∂s = −1, ∂J/∂s_c = +1"
    assert f"data {number(J.data)}" in edited["aria"]
    view.page.click("#live-reset")
    assert read() == made


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (1920, 1080)])
def test_presenting_the_live_box_is_reachable_by_keyboard_and_readable(open_viewer, tmp_path, width, height):
    """`html --present` on the notes' full example: E brings the live box (in the sliding header) into view with the
    value field focused, in presenter-size letters; typing Δ and Enter recomputes; Esc hands the keys back, the header
    slides away and the panel says which value was changed, without scrolling."""
    example = notes_example()
    source = example_source(example)
    page = to_html(example.J, tmp_path / "present.html", source.title, source.subtitle, collapse=source.collapse, present=True)
    view = open_viewer(page, width=width, height=height)
    keys = view.page.keyboard
    keys.press("ArrowRight")
    keys.press("e")
    assert view.page.evaluate("document.activeElement.id") == "live-value"
    view.page.wait_for_timeout(300)  # the header's slide
    box = view.page.evaluate("""() => { const r = document.getElementById('live-value').getBoundingClientRect();
        return {top: r.top, bottom: r.bottom, font: parseFloat(getComputedStyle(document.getElementById('live-value')).fontSize),
                shown: !!document.getElementById('live').offsetParent}; }""")
    assert box["shown"] and 0 <= box["top"] and box["bottom"] <= height and box["font"] >= 22, box
    keys.down("Shift")
    keys.press("Tab")
    keys.up("Shift")
    assert view.page.evaluate("document.activeElement.id") == "live-leaf"
    view.page.select_option("#live-leaf", "Δ")
    keys.press("Tab")
    keys.press("Control+A")
    keys.type("3")
    keys.press("Enter")
    assert view.page.evaluate("tinygradLive.value('Δ')") == 3
    keys.press("Escape")
    assert view.page.evaluate("document.activeElement === document.body")
    view.page.wait_for_timeout(300)
    assert view.page.evaluate("document.querySelector('header').getBoundingClientRect().bottom") < 20  # out of the way
    assert view.text("#live-edited") == "Changed: Δ = 3 (was 1)"
    assert view.page.is_visible("#live-edited")
    assert view.page.evaluate("(p => p.scrollHeight <= p.clientHeight + 1)(document.getElementById('panel'))")
    keys.press("ArrowRight")  # the page's keys work again
    assert view.position() == 2


@pytest.mark.parametrize("quiz", [False, True])
def test_edit_after_edit_in_every_view_the_page_folds_the_same_state_as_python(open_viewer, tmp_path, quiz):
    """Later edits replay only the slots whose badges changed (viewer-live-steps.js): after edits that flip the hinge
    back and forth, in the collapsed and the expanded view, each view's fold is Python's on the edited graph."""
    from test_step_state import python_states, scopes_in

    example = notes_example(small=True)
    collapse = scopes_in(example.J, 1)
    view = open_viewer(to_html(example.J, tmp_path / "again.html", collapse=collapse, quiz=quiz))
    root = graph_model(example.J).root_index
    view.page.keyboard.press("End")
    for key, edits in (("x", [("Δ", 0.0), ("U[1]", 3.0)]), ("c", [("Δ", 2.0), ("W[0,1]", -1.0)]), ("x", [("b[0]", 0.7)])):
        for name, value in edits:
            assert view.page.evaluate("([n, v]) => tinygradLive.set(n, v)", [name, value]) is True
        view.page.keyboard.press(key)  # the other view: its records recomputed when shown
    view.page.evaluate("tinygradLive.ensureAll()")
    edited = rebuild(example.J, {"U[1]": 3.0, "W[0,1]": -1.0, "b[0]": 0.7}, {(root, "delta"): 2.0})
    python = python_states(edited[root], collapse, quiz)
    page = [view.page.evaluate(f"window.tinygradSteps({k})") for k in range(len(python))]
    assert len(python) > 1
    assert python == page  # the badges' texts too (viewer-live-digits.js writes Python's decimal places)


def test_a_baked_exponent_is_not_in_the_live_box_and_the_box_says_why_in_one_line(open_viewer, tmp_path):
    x, y = Parameter(1.5, "x"), Parameter(0.5, "y")
    view = open_viewer(to_html((x**2 + x**y).tanh(), tmp_path / "pow.html"))
    assert sorted(view.page.evaluate("Object.keys(tinygradLive.targets)")) == ["x", "y"]  # x ** y: y is a value to edit
    said = view.text("#live-baked")
    assert said.startswith("The exponent 2 of x^2 is baked into the op (its derivative 2·x is worked out from it)")
    assert "\n" not in said and "make it a Value: x ** y" in said
    plain = open_viewer(to_html((x * y).tanh(), tmp_path / "plain.html"))
    assert plain.page.query_selector("#live-baked") is None


def test_a_formulas_subtitle_follows_the_edit_and_a_plain_subtitle_says_it_is_about_the_first_values(open_viewer, tmp_path):
    """`tinygrad-mm html -e FORMULA --set …` writes the values in the subtitle: they follow the edit. A subtitle given as
    plain text cannot: while values are edited it says which values it was written for; Reset takes that back."""
    source = expression_source("tanh(x*w + b)", ["x=2", "w=-3", "b=0.5"])
    view = open_viewer(to_html(source.root, tmp_path / "expr.html", source.title, source.subtitle))
    assert view.text("header .subtitle") == "x = 2, w = −3, b = 0.5"
    assert view.page.evaluate("tinygradLive.set('w', -0.25)") is True
    assert view.text("header .subtitle") == "x = 2, w = −0.25, b = 0.5"
    x, w = Parameter(1.5, "x"), Parameter(-2.0, "w")
    plain = open_viewer(to_html((x * w).tanh(), tmp_path / "plain.html", subtitle="x = 1.5, w = −2"))
    assert plain.page.evaluate("tinygradLive.set('x', 3)") is True
    assert plain.text("header .subtitle") == "x = 1.5, w = −2 (written for the values the page was made with)"
    plain.page.click("#live-reset")
    assert plain.text("header .subtitle") == "x = 1.5, w = −2"


def test_the_idle_warm_up_changes_nothing_on_the_page(open_viewer, tmp_path):
    """After loading, the page does the first edit's one-time work while idle (viewer-live.js: warm): the numbers as
    made, the pass as made, the current view's records from it. That must only read: every text of the page's data,
    every step's fold and the drawing stay exactly what a page without the live part shows."""
    from test_live_page import page_texts
    from test_step_state import python_states

    example = notes_example(small=True)
    view = open_viewer(to_html(example.J, tmp_path / "warm.html", quiz=True))
    for _ in range(100):
        if view.page.evaluate("!!tinygradLive.warmed"):
            break
        view.page.wait_for_timeout(50)
    assert view.page.evaluate("tinygradLive.warmed") is True
    still = open_viewer(to_html(example.J, tmp_path / "still.html", quiz=True, live=False))
    texts = page_texts(view)
    assert texts == page_texts(still)
    assert [view.page.evaluate(f"window.tinygradSteps({k})") for k in range(len(texts["views"]))] == python_states(example.J, [], True)
    drawing = """() => { const svg = document.querySelector('#graph svg').cloneNode(true);  // without viewer-a11y's marks
        svg.querySelectorAll('[tabindex]').forEach(g => ['tabindex', 'role', 'aria-label'].forEach(a => g.removeAttribute(a)));
        return svg.outerHTML; }"""
    assert view.page.evaluate(drawing) == still.page.evaluate(drawing)
    assert view.page.evaluate("tinygradLive.set('W[1,0]', -0.4)") is True  # and the first edit, from the warm state, is right
    edited = rebuild(example.J, {"W[1,0]": -0.4})[graph_model(example.J).root_index]
    assert page_texts(view)["views"] == page_texts(open_viewer(to_html(edited, tmp_path / "edited.html", quiz=True)))["views"]
