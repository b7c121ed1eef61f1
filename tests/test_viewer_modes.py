"""The step-through page's classroom features, in headless Chromium (``browser_support``: every page is closed
checking it logged no error and requested nothing from any network): the full example collapsed and Fit at
1920×1080, opening a box in place, the hinge's explanation, quiz, presenter mode, jumping, skipping zeros,
the forward stage, play speed and the final summary."""

from __future__ import annotations

import re

import pytest

from tinygrad_mm import Value, to_html
from tinygrad_mm.cli.sources import example_source
from tinygrad_mm.engine import record, topological_order
from tinygrad_mm.models.cs224n import notes_example
from tinygrad_mm.models.losses import max_margin_loss
from tinygrad_mm.views.graph import graph_model
from tinygrad_mm.views.page_data import StepText
from tinygrad_mm.views.text import derivative_sentence, gate_sentence, node_names

pytest_plugins = ("browser_support",)
S_BRANCH, S_C_BRANCH = "s = Uᵀf(Wx + b)", "s_c = Uᵀf(Wx_c + b)"


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """The notes' full example as ``tinygrad-mm html`` writes it: both branches collapsed."""
    example = notes_example()
    source = example_source(example)
    assert source.collapse == [S_BRANCH, S_C_BRANCH]
    path = to_html(example.J, tmp_path_factory.mktemp("full") / "full.html", source.title, source.subtitle, collapse=source.collapse)
    return example, path


@pytest.fixture(scope="module")
def small():
    return notes_example(small=True)


def scope_id(root: Value, name: str) -> str:
    return f"scope{graph_model(root, gradients=False).scope_paths.index((name,))}"


def index_of(root: Value, label: str) -> int:
    return next(i for i, node in enumerate(topological_order(root)) if node.label == label)


def test_the_full_example_opens_collapsed_and_fit_shows_all_of_it_legibly_at_1920x1080(open_viewer, full):
    example, path = full
    view = open_viewer(path, width=1920, height=1080)
    boxes = view.ids("#graph g.node[id^=scope]")
    assert sorted(boxes) == sorted([scope_id(example.J, S_BRANCH), scope_id(example.J, S_C_BRANCH)])
    assert view.ids("#graph g.node[id^=leaves]") and len(view.ids("#graph g.node")) < 12  # J, its op, 2 boxes, W b U x x_c
    assert view.text("#counter") == "start · 8 steps"
    view.page.click("#zoom-fit")
    fit = view.page.evaluate("""() => {
        const svg = document.querySelector('#graph svg'), pane = document.getElementById('graph');
        const r = svg.getBoundingClientRect(), g = pane.getBoundingClientRect();
        const px = r.width / svg.viewBox.baseVal.width;  // screen pixels per SVG point
        const sizes = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
            .map(t => parseFloat(t.getAttribute('font-size')) * px);
        return {inside: r.left >= g.left && r.top >= g.top && r.right <= g.right && r.bottom <= g.bottom,
                smallest: Math.min(...sizes), scrolls: pane.scrollWidth > pane.clientWidth || pane.scrollHeight > pane.clientHeight};
    }""")
    assert fit["inside"] and not fit["scrolls"]  # the whole graph is on the screen
    assert fit["smallest"] >= 9  # and every text of it at least 9 px tall


def test_clicking_a_box_expands_it_in_place_steps_inside_and_collapses_back(open_viewer, full):
    example, path = full
    J = example.J
    nodes = topological_order(J)
    view = open_viewer(path, width=1920, height=1080)
    s_box, s_c_box = scope_id(J, S_BRANCH), scope_id(J, S_C_BRANCH)
    s = index_of(J, "s")
    assert f"v{s}" not in view.ids("#graph g.node")
    view.page.click(f"#graph g.node#{s_box}")
    shown = view.ids("#graph g.node")
    assert f"v{s}" in shown and f"v{index_of(J, 'a[3]')}" in shown and s_c_box in shown and s_box not in shown
    assert view.current() == [f"v{s}"] and view.position() == 2  # J's step, then the first step inside: s
    assert view.text("#step-title") == "Step 2: s  (dot)"
    view.page.keyboard.press("ArrowRight")
    (current,) = view.current()
    assert S_BRANCH in nodes[int(current[1:])].scope  # the next step is inside the opened branch too
    assert view.badges()[f"v{s}"][1] == -1.0
    view.page.click(f"#graph g.cluster#{s_box} > text")  # the title of the opened scope collapses it again
    assert s_box in view.ids("#graph g.node") and view.position() == 1  # J's step is kept; the box's is not done yet
    assert view.page.is_hidden("#collapse-all") and view.page.is_visible("#expand-all")
    view.page.click("#expand-all")
    assert len(view.ids("#graph g.node[id^=v]:not([id$=op])")) == len(nodes)
    view.page.keyboard.press("End")
    assert view.text("#counter") == f"step {len(nodes)} of {len(nodes)}"


@pytest.mark.parametrize("active", [True, False])
def test_the_hinge_step_says_why_its_gradient_is_minus_one_plus_one_or_zero(open_viewer, tmp_path, active):
    example = notes_example(active=active, small=True)
    J, names = example.J, node_names(example.J)
    view = open_viewer(to_html(J, tmp_path / "hinge.html"))
    view.page.keyboard.press("ArrowRight")
    gate = view.text("#step-gate")
    assert gate == gate_sentence(J, names)  # the op's own words, as the trace and the drawing say them
    if active:
        assert "> 0: the margin is violated, so here J = Δ + s_c − s, and ∂J/∂s = −1, ∂J/∂s_c = +1" in gate
    else:
        assert "≤ 0: J = 0 is flat here, so both ∂J/∂s and ∂J/∂s_c are 0 — nothing flows back" in gate
    whys = view.page.eval_on_selector_all("#step-lines .why", "els => els.map(e => e.textContent)")
    assert whys == [derivative_sentence(J, 0, names), derivative_sentence(J, 1, names)]
    assert whys[0].endswith("∂J/∂s = " + ("−1" if active else "0"))


def test_the_expanded_hinge_shows_the_minus_one_come_from_the_subtraction(open_viewer, tmp_path, small):
    J = max_margin_loss(small.s, small.s_c, expanded=True)
    view = open_viewer(to_html(J, tmp_path / "expanded.html"))
    view.page.keyboard.press("ArrowRight")
    assert re.fullmatch(r"m = 1 \+ s_c − s = 1 \+ \(−\S+\) − \(−\S+\) = \S+ > 0: the margin is violated, so here J = m, "
                        r"and ∂J/∂m = 1", view.text("#step-gate"))  # fmt: skip
    view.page.keyboard.press("ArrowRight")
    assert view.text("#step-title") == "Step 2: m  (-)"
    whys = view.page.eval_on_selector_all("#step-lines .why", "els => els.map(e => e.textContent)")
    assert whys[1] == "m = 1 + s_c − s: ∂m/∂s = −1"


def test_quiz_right_wrong_hint_reveal_and_score(open_viewer, tmp_path, small):
    J = small.J
    data = StepText(graph_model(J, gradients=True))
    view = open_viewer(to_html(J, tmp_path / "quiz.html", quiz=True))
    page = view.page

    def ask(n: int) -> dict:
        page.keyboard.press("ArrowRight")
        assert page.is_visible("#quiz") and view.position() == n - 1  # the step waits for the answer
        assert page.evaluate("document.activeElement.id") == "quiz-answer"  # keyboard only: type, then Enter
        step = data.step(n - 1)
        assert view.text("#quiz-question").startswith(f"Step {n}: what does backprop find for {step['quiz']['question']}")
        assert "grad ?" in [text for text, _ in view.badges().values()]  # the asked gradient is hidden
        return step

    page.keyboard.press("ArrowRight")  # the seed, ∂J/∂J = 1, at the hinge: first the seeds' question (tests/test_quiz.py)
    for answer in ("y", "-1", "1"):
        assert page.is_visible("#quiz") and view.position() == 0
        page.keyboard.type(answer)
        page.keyboard.press("Enter")
    assert page.is_hidden("#quiz") and view.position() == 1 and view.text("#quiz-score") == "Score 3 / 3"
    ask(2)
    page.keyboard.type("-1")
    page.keyboard.press("Enter")
    assert view.position() == 2 and page.is_hidden("#quiz")
    assert view.text("#quiz-result") == "✓ right: ∂J/∂s = −1" and view.text("#quiz-score") == "Score 4 / 4"
    step = ask(3)
    page.keyboard.type(str(step["grad_exact"] + 1))
    page.keyboard.press("Enter")
    assert view.text("#quiz-feedback").startswith("✗ Not quite. Hint")
    hint = page.eval_on_selector_all("#quiz-hint li", "els => els.map(e => e.textContent)")
    assert hint == step["quiz"]["hint"] and " · " in hint[0]  # the chain rule with the numbers, not the answer
    page.fill("#quiz-answer", "nonsense")
    page.keyboard.press("Enter")
    assert view.text("#quiz-feedback").startswith("Type a number") and page.is_visible("#quiz")
    page.fill("#quiz-answer", str(step["grad_exact"] + 1))
    page.keyboard.press("Enter")  # wrong twice: revealed
    assert view.position() == 3 and view.text("#quiz-result") == f"✗ wrong: the answer is {data.partial(step['node'])} = {step['grad']}"
    assert view.text("#quiz-score") == "Score 4 / 5"
    step = ask(4)
    page.keyboard.type(step["grad"])  # as shown, with its typeset minus: within the shown precision
    page.keyboard.press("Enter")
    assert view.text("#quiz-score") == "Score 5 / 6"
    step = ask(5)
    page.keyboard.type("12345")
    page.keyboard.press("Enter")
    page.fill("#quiz-answer", step["grad"].replace("−", "-"))
    page.keyboard.press("Enter")
    assert view.text("#quiz-result").startswith("✓ right after a hint") and view.text("#quiz-score") == "Score 6 / 7"
    ask(6)
    page.keyboard.press("Escape")  # reveal
    assert view.text("#quiz-result").startswith("✗ revealed") and view.text("#quiz-score") == "Score 6 / 8"


def test_presenter_mode_at_1024x768_puts_the_panel_under_larger(open_viewer, tmp_path, small):
    view = open_viewer(to_html(small.J, tmp_path / "present.html"), width=1024, height=768)
    page = view.page
    page.keyboard.press("ArrowRight")
    before = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#step-lines')).fontSize)")
    note = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#step-note')).fontSize)")
    page.keyboard.press("p")
    layout = page.evaluate("""() => {
        const box = id => document.getElementById(id).getBoundingClientRect();
        const g = box('graph'), p = box('panel'), next = box('next');
        return {presenter: document.body.classList.contains('presenter'), graph: [g.left, g.right, g.bottom], panelTop: p.top,
                panelBottom: p.bottom, next: next.bottom, width: document.documentElement.scrollWidth,
                lines: parseFloat(getComputedStyle(document.getElementById('step-lines')).fontSize),
                note: parseFloat(getComputedStyle(document.getElementById('step-note')).fontSize)};
    }""")
    assert layout["presenter"] and page.get_attribute("#presenter", "aria-pressed") == "true"
    assert layout["panelTop"] >= layout["graph"][2] and layout["panelBottom"] <= 768  # under the graph, on screen
    assert layout["graph"][1] - layout["graph"][0] >= 1000 and layout["width"] <= 1024 and layout["next"] <= 768
    assert layout["lines"] >= 1.5 * before and layout["note"] >= 1.5 * note
    page.mouse.move(500, 2)  # presenting, the header has slid away: the top edge brings it back
    page.click("#presenter")
    assert not page.evaluate("document.body.classList.contains('presenter')")


def test_clicking_a_node_jumps_to_the_step_that_processes_it(open_viewer, tmp_path, small):
    J = small.J
    steps = record(J).steps
    nodes = topological_order(J)
    view = open_viewer(to_html(J, tmp_path / "jump.html"))
    u0 = index_of(J, "U[0]")
    view.page.click(f"#graph g.node#v{u0}")
    assert view.current() == [f"v{u0}"]
    assert view.position() == next(k for k, step in enumerate(steps) if step.node is nodes[u0]) + 1
    z1 = index_of(J, "z_c[1]")
    view.page.click(f"#graph g.node#v{z1}op")  # its op: the same step
    assert view.current() == [f"v{z1}"] and view.text("#step-title") == f"Step {view.position()}: z_c[1]  (+)"


def test_skip_zero_steps_skips_exactly_the_steps_whose_gradient_is_zero(open_viewer, tmp_path):
    x = Value(1.0, "x")
    closed = (x * -1.0).relu()  # relu at −1: its input gets gradient 0, and so does its constant
    closed.label = "r"
    out = closed + x * 2.0
    out.label = "out"
    steps = record(out).steps
    sending = [k + 1 for k, step in enumerate(steps) if step.grad != 0.0]
    assert 0 < len(sending) < len(steps)
    view = open_viewer(to_html(out, tmp_path / "zeros.html"))
    view.page.keyboard.press("z")
    assert view.page.is_checked("#skip-zero")
    visited = []
    while view.position() < len(steps) and len(visited) < len(steps):
        view.page.keyboard.press("ArrowRight")
        visited.append(view.position())
    assert visited == sending + ([len(steps)] if sending[-1] != len(steps) else [])
    view.page.click("#skip-zero")
    view.page.keyboard.press("Home")
    view.page.keyboard.press("ArrowRight")
    view.page.keyboard.press("ArrowRight")
    assert view.position() == 2


def test_the_forward_stage_computes_each_value_before_backprop(open_viewer, tmp_path, small):
    J = small.J
    model = graph_model(J, gradients=True)
    text = StepText(model)
    ops = [i for i, node in enumerate(model.nodes) if not node.is_leaf]
    view = open_viewer(to_html(J, tmp_path / "forward.html", forward=True))
    page = view.page

    def data_visible(i: int) -> bool:
        return page.eval_on_selector(f"#v{i} text.data", "e => getComputedStyle(e).visibility") == "visible"

    assert view.text("#counter") == f"start · {len(ops) + len(model.nodes)} steps"
    assert not any(data_visible(i) for i in ops) and data_visible(index_of(J, "U[0]"))  # leaves are given
    page.keyboard.press("ArrowRight")
    assert view.text("#counter") == f"forward 1 of {len(ops)}"
    (current,) = view.current()
    assert data_visible(int(current[1:])) and view.text("#step-grad") == text.forward_sentence(int(current[1:]))
    for _ in range(len(ops) - 1):
        page.keyboard.press("ArrowRight")
    assert all(data_visible(i) for i in ops) and view.current() == [f"v{model.root_index}"]
    assert view.text("#step-title") == f"Forward {len(ops)} of {len(ops)}" and view.badges() == {}
    page.keyboard.press("ArrowRight")
    assert view.text("#counter") == f"step 1 of {len(model.nodes)}" and view.badges()[f"v{model.root_index}"][1] == 1.0


def test_play_speed(open_viewer, tmp_path, small):
    view = open_viewer(to_html(small.J, tmp_path / "speed.html"), clock=True)
    page = view.page
    page.select_option("#speed", "4")
    page.click("#play")
    page.clock.run_for(1000)  # 4× faster: a step every 225 ms
    assert view.position() == 4
    page.click("#play")
    page.keyboard.press("[")
    page.keyboard.press("[")
    page.keyboard.press("[")
    assert page.eval_on_selector("#speed", "e => e.value") == "0.5"
    page.click("#play")
    page.clock.run_for(1799)
    assert view.position() == 4
    page.clock.run_for(2)  # half speed: a step every 1.8 s
    assert view.position() == 5
    page.click("#play")


def test_the_last_step_lists_every_leaf_and_the_branch_sums_of_shared_ones(open_viewer, tmp_path, small):
    J = small.J
    model = graph_model(J, gradients=True)
    view = open_viewer(to_html(J, tmp_path / "summary.html"))
    view.page.keyboard.press("End")
    rows = view.page.eval_on_selector_all("#summary li", "els => els.map(e => e.textContent)")
    leaves = [i for i, node in enumerate(model.nodes) if node.is_leaf]
    assert len(rows) == len(leaves) == 12
    shared = [row for row in rows if "(via s)" in row and "(via s_c)" in row]
    assert len(shared) == 8  # W (4), b (2), U (2) feed both branches; x and x_c only one
    for row in shared:
        head, branches = row.split("= ", 1)[1].split("= ", 1)[0], row.split("= ", 2)[2]
        terms = re.findall(r"([+−]?\s?\d[\d.e−]*) \(via", branches.replace("− ", "−").replace("+ ", "+"))
        total = float(branches.rsplit("= ", 1)[1].replace("−", "-"))
        places = max(len(t.partition(".")[2]) for t in terms)
        assert round(sum(float(t.replace("−", "-")) for t in terms), places) == pytest.approx(total, abs=10**-places / 2)
        assert head.strip() == branches.rsplit("= ", 1)[1]
