"""The matrix lens on the live page, in headless Chromium: after an edit (a weight, Δ, a flip of the margin), Reset,
or a state read from the URL, every grid cell (via s, via each s_c, the sum) and every formula number (δ, x, the outer
products, the factors ∂J/∂s_B, the cell-by-cell check and its largest difference, the scale) must be what the Python
lens shows for the same edited graph: the same number to 1e-12 relative, the same text, colour and tooltip line."""

from __future__ import annotations

import math
from xml.etree import ElementTree

import pytest
from test_live_page import margin_flip, rebuild

from tinygrad_mm import to_html
from tinygrad_mm.models.cs224n import ExampleSpec, build_example, notes_example
from tinygrad_mm.views.graph import graph_model
from tinygrad_mm.views.matrix_page import page_parts
from tinygrad_mm.views.viewer import check_svg, parse_svg

pytest_plugins = ("browser_support",)
SVG = "{http://www.w3.org/2000/svg}"
SHOWN = """() => tgmm.matrixFlush() || Array.from(document.querySelectorAll('#matrix g.mx-cell, #matrix g.mx-text')).map(g => [g.id,
    Array.from(g.querySelectorAll('text')).map(t => t.textContent), g.querySelector('title').textContent,
    g.querySelector('polygon') ? g.querySelector('polygon').getAttribute('fill') : null])"""


def python_lens(root) -> tuple[dict[str, tuple], dict[str, float | None]]:
    """What the Python lens shows for ``root``: id → (texts, tooltip, fill), each cell's number, the layer steps' lines."""
    template, data = page_parts(root, lambda text: check_svg(parse_svg(text)))
    svg = ElementTree.fromstring(template.removeprefix('<template id="matrix-lens">').removesuffix("</template>"))
    shown = {}
    for g in svg.iter(f"{SVG}g"):
        if g.get("class") in ("mx-cell", "mx-text"):
            polygon = g.find(f"{SVG}polygon")
            shown[g.get("id")] = ([t.text or "" for t in g.iter(f"{SVG}text")], g.find(f"{SVG}title").text or "",
                                  polygon.get("fill") if polygon is not None else None)  # fmt: skip
    return shown, {cid: cell[4] for cid, cell in data["cells"].items()}, [layer["lines"] for layer in data["layers"]]


def assert_lens_agrees(view, root) -> dict[str, tuple]:
    """Every cell and formula text of the page's lens against the Python lens of ``root`` (the edited graph)."""
    expected, numbers, layers = python_lens(root)
    assert view.page.evaluate("tgmm.data.matrix.layers.map(layer => layer.lines)") == layers  # U, f, W and b (if the notes)
    shown = {cid: (texts, title, fill) for cid, texts, title, fill in view.page.evaluate(SHOWN)}
    assert set(shown) == set(expected) and any(cid.startswith("mtx") for cid in shown)
    page_numbers = view.page.evaluate("(() => { const m = tgmm.matrixCells(); return Object.keys(m).map(k => [k, m[k][4]]); })()")
    assert {cid for cid, _ in page_numbers} == set(numbers)
    for cid, value in page_numbers:
        assert math.isclose(value, numbers[cid], rel_tol=1e-12, abs_tol=1e-300), (cid, value, numbers[cid])
    for cid, (texts, title, fill) in expected.items():
        got = shown[cid]
        assert got[0] == texts and got[2] == fill, (cid, got, (texts, title, fill))
        assert got[1] == title, (cid, got[1], title)  # the tooltip: its number, arithmetic and paths
    labels = view.page.evaluate("Array.from(document.querySelectorAll('#matrix g.mx-cell')).map(g => [g.getAttribute('aria-label'), g.querySelector('title').textContent])")
    assert all(label == title.replace("\n", "; ") for label, title in labels)  # what a screen reader says is the tooltip
    return expected


def edited(root, edits: dict[str, float], constants: dict | None = None):
    """The root of ``root``'s graph built again with these edits (test_live_page.rebuild: the engine's own answer),
    its parameters parameters again (the lens names each array's kind)."""
    model = graph_model(root)
    nodes = rebuild(root, edits, constants)
    for old, new in zip(model.nodes, nodes, strict=True):
        if new.kind != old.kind:
            new.__class__ = type(old)
    return nodes[model.root_index]


def open_lens(open_viewer, root, path, hash_: str = ""):
    view = open_viewer(to_html(root, path, matrix=True))
    if hash_:
        view.page.goto(view.url + hash_)  # the same document: only the hash changes …
        view.requests.clear()
        view.page.reload()  # … so load it again, as a link or a reload opens it
        view.page.wait_for_selector("body[data-ready]")
    assert view.page.evaluate("!!window.tinygradLive && typeof tgmm.matrixLive === 'function'")
    return view


def edit(view, name: str, value: float) -> None:
    assert view.page.evaluate("([n, v]) => tinygradLive.set(n, v)", [name, value]) is True


def test_an_edited_weight_and_delta_recompute_every_grid_and_formula_number(open_viewer, tmp_path):
    example = notes_example(small=True)
    view = open_lens(open_viewer, example.J, tmp_path / "lens.html")
    made = assert_lens_agrees(view, example.J)  # as made: the page is Python's picture
    view.page.click("#matrix-layer-1")  # the backward pass by layer: step 2, f (δ = U ∘ f′(z) with its numbers)
    edit(view, "W[0,1]", 0.731)
    assert_lens_agrees(view, edited(example.J, {"W[0,1]": 0.731}))
    shown, _, layers = python_lens(edited(example.J, {"W[0,1]": 0.731}))
    assert "\n".join(layers[1]) in view.text("#matrix-info")  # the step shown says the new numbers
    edit(view, "W[0,1]", 0.5)
    view.page.wait_for_timeout(200)  # the tooltips are written after the frame, without being asked
    cell = view.page.evaluate("Object.keys(tgmm.matrixCells()).find(k => tgmm.matrixCells()[k][1] === 'via')")
    python = python_lens(edited(example.J, {"W[0,1]": 0.5}))[0][cell][1]
    assert view.page.evaluate("id => document.getElementById(id).querySelector('title').textContent", cell) == python
    view.page.hover(f"#{cell}")
    assert view.text("#matrix-info") == python
    edit(view, "W[0,1]", 0.731)
    edit(view, "Δ", 0.3)
    delta = {(graph_model(example.J).root_index, "delta"): 0.3}
    changed = assert_lens_agrees(view, edited(example.J, {"W[0,1]": 0.731}, delta))
    assert changed != made
    view.page.evaluate("tinygradLive.reset()")
    assert_lens_agrees(view, example.J)  # Reset: the numbers and the tooltips' paths as made


@pytest.mark.parametrize("active", [True, False])
def test_the_margin_flip_zeroes_the_factors_and_blanks_the_grids_and_back(open_viewer, tmp_path, active):
    example = notes_example(small=True, active=active)
    view = open_lens(open_viewer, example.J, tmp_path / "flip.html")
    name, value = margin_flip(example, met=active)
    edit(view, name, value)
    shown = assert_lens_agrees(view, edited(example.J, {name: value}))
    checks = [texts for cid, (texts, _, _) in shown.items() if texts and texts[0].startswith("each cell:")]
    via = view.page.evaluate("Object.values(tgmm.matrixCells()).filter(c => ['via', 'sum'].includes(c[1])).map(c => c[4])")
    if active:  # now met: J is flat, every factor 0, every grid white
        assert all("every factor is 0: J is flat here" in texts[0] and "= 0)" in texts[0] for texts in checks) and checks
        assert all(v == 0 for v in via)
    else:  # now violated: ∂J/∂s = −1, ∂J/∂s_c = +1
        assert all("(∂J/∂s = −1)" in texts[0] and "every factor is 0" not in texts[0] for texts in checks) and checks
        assert any(v != 0 for v in via)
    edit(view, name, next(v.data for v in graph_model(example.J).nodes if v.label == name))
    assert_lens_agrees(view, example.J)  # flipped back by hand: the numbers as made


def test_two_negatives_and_the_tanh_and_relu_variants(open_viewer, tmp_path):
    k2 = build_example(ExampleSpec.notes(small=True, corrupt_words=["bread", "music"]))
    view = open_lens(open_viewer, k2.J, tmp_path / "k2.html")
    edit(view, "W[1,0]", -0.42)
    assert_lens_agrees(view, edited(k2.J, {"W[1,0]": -0.42}))
    assert view.page.evaluate("Object.values(tgmm.matrixCells()).some(c => c[1] === 'via' && c[2] === 2)")  # via s_c2
    tanh = notes_example(small=True, activation="tanh")
    view = open_lens(open_viewer, tanh.J, tmp_path / "tanh.html")
    edit(view, "U[0]", 1.7)
    assert_lens_agrees(view, edited(tanh.J, {"U[0]": 1.7}))
    relu = notes_example(small=True, activation="relu")  # f′ = 0 where relu is flat: the gate, as the step saw it
    view = open_lens(open_viewer, relu.J, tmp_path / "relu.html")
    edit(view, "b[0]", -3.0)
    assert_lens_agrees(view, edited(relu.J, {"b[0]": -3.0}))
    assert view.page.evaluate("tgmm.data.matrix.layers[1].lines.some(line => line.startsWith('f′(z) = ') && line.includes('(0, '))")


def test_a_state_read_from_the_url_shows_in_the_lens_and_a_closed_lens_catches_up_when_opened(open_viewer, tmp_path):
    example = notes_example(small=True)
    view = open_lens(open_viewer, example.J, tmp_path / "url.html", "#step=3&delta=0.2&W[0,1]=0.5")
    delta = {(graph_model(example.J).root_index, "delta"): 0.2}
    assert_lens_agrees(view, edited(example.J, {"W[0,1]": 0.5}, delta))
    view.page.keyboard.press("m")  # closed: nothing is written while it is
    assert not view.page.is_visible("#matrix")
    edit(view, "U[1]", -0.8)
    view.page.keyboard.press("m")  # opened: the latest state is shown
    assert_lens_agrees(view, edited(example.J, {"W[0,1]": 0.5, "U[1]": -0.8}, delta))


def test_the_notes_full_example(open_viewer, tmp_path):
    example = notes_example()
    view = open_lens(open_viewer, example.J, tmp_path / "full.html")
    edit(view, "W[2,5]", 0.9)
    assert_lens_agrees(view, edited(example.J, {"W[2,5]": 0.9}))
    assert view.page.evaluate("tgmm.matrixLiveMs") < 1000  # recorded (benchmarks/matrix_lens.py --live measures it)


def test_a_users_graph_with_one_branch_and_no_notes_formula(open_viewer, tmp_path):
    """Not the notes' shape: J = Σᵢ tanh(Σⱼ W[i,j]·x[j])² — the sum grids alone, no δxᵀ, still live."""
    from tinygrad_mm import Parameter, Value

    W = [[Parameter(0.1 * (i + 1) - 0.2 * j, f"W[{i},{j}]") for j in range(3)] for i in range(2)]
    x = [Value(0.5 - j, label=f"x[{j}]") for j in range(3)]
    J = sum((sum(W[i][j] * x[j] for j in range(3)).tanh() ** 2 for i in range(2)), Value(0.0, label="zero"))
    J.label = "J"
    view = open_lens(open_viewer, J, tmp_path / "user.html")
    assert view.page.evaluate("tgmm.data.matrix.live.formulas") is None
    edit(view, "W[1,2]", 0.8)
    edit(view, "x[0]", -1.25)
    assert_lens_agrees(view, edited(J, {"W[1,2]": 0.8, "x[0]": -1.25}))


@pytest.mark.parametrize("made_with", [0.0, 0.5])
def test_the_no_branch_grid_stays_when_an_edit_makes_it_zero_or_not(open_viewer, tmp_path, made_with):
    """J_total = g·(J + W[0,0]): the sum outside both branches uses W[0,0] itself, so W has a "no branch" grid — by the
    graph's shape, not its numbers (matrix.MatrixLens.grids). A page made with g = 0 has it (zeros) and fills it when g
    is edited to 0.3; a page made with g = 0.5 keeps it when g is edited to 0. Each time the page shows what the
    Python lens of the edited graph shows, cell for cell."""
    from tinygrad_mm import Parameter, sum_values

    example = notes_example(small=True)
    w00 = next(node for node in graph_model(example.J).nodes if node.label == "W[0,0]")
    total = sum_values([example.J, w00]) * Parameter(made_with, "g")
    total.label = "J_total"
    view = open_lens(open_viewer, total, tmp_path / "rest.html")
    shown = assert_lens_agrees(view, edited(total, {}))
    rest = [title for _, title, _ in shown.values() if title.startswith("∂J_total/∂W[0,0] via no branch = ")]
    assert len(rest) == 1, "W's grid through no branch is drawn, with its cells' tooltips"
    for value in (0.3 if made_with == 0.0 else 0.0, made_with):
        edit(view, "g", value)
        assert_lens_agrees(view, edited(total, {"g": value}))
