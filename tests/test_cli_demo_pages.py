"""The pages ``tinygrad-mm demo --corrupt bread music`` writes, opened in headless Chromium (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinygrad_mm.cli import main
from tinygrad_mm.engine import record
from tinygrad_mm.models.cs224n import ExampleSpec, build_example

pytest_plugins = ("browser_support",)  # the browser fixture


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--corrupt", "bread", "music", "--activation", "tanh", "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize(("name", "small"), [("backprop-steps-small.html", True), ("backprop-steps.html", False)])
def test_the_k_window_pages_step_through_to_the_end(open_viewer, pages: Path, name: str, small: bool) -> None:
    spec = ExampleSpec.notes(small=small, corrupt_words=["bread", "music"], activation="tanh")
    steps = record(build_example(spec).J).steps
    viewer = open_viewer(pages / name)
    assert "“museums in music are amazing”" in viewer.text("body") or small
    viewer.page.click("#next")
    lines = viewer.page.eval_on_selector_all("#step-lines li", "els => els.map(e => e.firstChild.textContent)")
    assert lines == ["∂J/∂J_1 += ∂J/∂J · 1 = 1 · 1 = 1", "∂J/∂J_2 += ∂J/∂J · 1 = 1 · 1 = 1"]  # J = J_1 + J_2
    viewer.page.keyboard.press("End")
    assert viewer.page.is_disabled("#next")
    if small:  # every node drawn: one step per node
        assert viewer.position() == len(steps)
    else:  # each of the k + 1 branches is one box (a click opens it): the walk steps box by box
        assert 3 < viewer.position() < len(steps)
