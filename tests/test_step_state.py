"""The drawing's state at each backward step is computed once (views/step_state.py): the slides fold it, and the
page's own per-step record (``window.tinygradSteps()`` in headless Chromium) equals Python's, step by step, on
random graphs and on the notes' example with collapsed boxes and leaf groups — any difference fails."""

from __future__ import annotations

import json

import pytest
from helpers import random_graph

from tinygrad_mm import Value, to_html
from tinygrad_mm.models.cs224n import notes_example
from tinygrad_mm.views.drawing import scopes_in
from tinygrad_mm.views.graph import graph_model
from tinygrad_mm.views.page_data import StepText
from tinygrad_mm.views.page_views import ViewSteps, plan_views
from tinygrad_mm.views.slides import step_sources
from tinygrad_mm.views.step_state import fold

pytest_plugins = ("browser_support",)


def python_states(root: Value, collapse: list[str], quiz: bool) -> list[list[dict]]:
    """Python's state after each step of each view of the page, from the model (not from the page's data)."""
    model = graph_model(root, gradients=True)
    views, expand, _ = plan_views(model, set(collapse), 400)
    text = StepText(model)
    out = []
    for k, plan in enumerate(views):
        records = ViewSteps(text, plan.layout, expand[k]).backward(quiz)
        states, state = [], None
        for record in records:
            state = fold([record["show"]], state)
            states.append(json.loads(json.dumps(state)))  # as the page holds it: JSON
        out.append(states)
    return out


def page_states(view, n_views: int) -> list[list[dict]]:
    return [view.page.evaluate(f"window.tinygradSteps({k})") for k in range(n_views)]


def assert_same(python: list[list[dict]], page: list[list[dict]]) -> None:
    assert len(python) == len(page)
    for k, (ours, theirs) in enumerate(zip(python, page, strict=True)):
        assert len(ours) == len(theirs), f"view {k}: {len(ours)} steps in Python, {len(theirs)} in the page"
        for t, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert a == b, f"view {k}, after step {t + 1}: Python {a} ≠ page {b}"


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("quiz", [False, True])
def test_the_page_folds_the_same_state_as_python_on_random_graphs(open_viewer, tmp_path, seed, quiz):
    _, _, root = random_graph(seed, 3, 14)
    view = open_viewer(to_html(root, tmp_path / "random.html", quiz=quiz))
    assert_same(python_states(root, [], quiz), page_states(view, 1))
    if not quiz:  # one name for "current", value and op alike (the slides draw both in the current colour too)
        view.page.click("#next")
        top = f"v{len(graph_model(root).nodes) - 1}"
        assert sorted(view.ids("#graph g.node.current")) == [top, f"{top}op"]


@pytest.mark.parametrize("quiz", [False, True])
def test_the_page_folds_the_same_state_as_python_with_boxes_and_leaf_groups(open_viewer, tmp_path, quiz):
    J = notes_example(small=True).J
    collapse = scopes_in(J, 1)
    view = open_viewer(to_html(J, tmp_path / "boxes.html", collapse=collapse, quiz=quiz))
    python = python_states(J, collapse, quiz)
    assert len(python) > 1  # boxes, and the views that open them
    assert_same(python, page_states(view, len(python)))


def test_the_rules_hold_at_every_step():
    x, w = Value(0.5, "x"), Value(-2.0, "w")
    y = (x * w + x).tanh()
    y.label = "y"
    model = graph_model(y, gradients=True)
    layout = plan_views(model, set(), 400)[0][0].layout
    records = ViewSteps(StepText(model), layout).backward()
    state = None
    for t, record in enumerate(records):
        state = fold([record["show"]], state)
        current = [u for u, s in state["units"].items() if s == "current"]
        assert record["u"] in current and set(current) <= {record["u"], record["u"] + "op"}
        for earlier in records[:t]:
            assert state["units"][earlier["u"]] in ("final", "partial")  # done: never current again
        if "t" in record:
            assert state["badges"][record["u"]][2] == "current"  # its own gradient, final now
    assert all(s in ("done", "zero", "now") for s in state["edges"].values())
    x_slot = f"v{model.index[x]}"
    assert state["badges"][x_slot][1] == model.grads[x] == pytest.approx((1 - y.data**2) * (w.data + 1))


def test_the_slides_draw_the_folded_state():
    J = notes_example(small=True).J
    sources = list(step_sources(J))
    model = graph_model(J, gradients=True)
    records = ViewSteps(StepText(model), plan_views(model, set(), 400)[0][0].layout).backward()
    last = fold(record["show"] for record in records)
    assert len(sources) == len(records)
    for slot, (text, _, _) in last["badges"].items():
        assert text in sources[-1] or text.replace("−", "-") in sources[-1], slot
