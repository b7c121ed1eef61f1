"""A classroom has colour-blind students and keyboard users.

- The palette: every pair of colours a student must tell apart stays apart (CIELAB ΔE ≥ 20) under simulated
  protanopia, deuteranopia and tritanopia (Machado et al. 2009, tests/colour_vision.py), and in normal vision.
- The page in headless Chromium: graph nodes reachable with Tab and the arrow keys, Enter jumps to the node's
  step; each move announced by a status region (aria-live); a reduced-motion setting for Play that follows
  the system's ``prefers-reduced-motion`` and has a visible toggle.
"""

from __future__ import annotations

import itertools

import pytest
from colour_vision import VISIONS, delta_e
from playwright.sync_api import expect

from tinygrad_mm import to_html
from tinygrad_mm.models.cs224n import notes_example
from tinygrad_mm.views.drawing_style import FILL, LEGEND_SWATCH, NEGATIVE, POSITIVE, STEP_COLOURS

pytest_plugins = ("browser_support",)
APART = 20  # ΔE*ab: different at a glance (2 is just noticeable)

C = STEP_COLOURS
MUST_DIFFER = {
    # a node's state: being processed, gradient still accumulating, final
    "current / partial": (C["current"], C["partial"]), "current / final": (C["current"], C["final"]),
    "partial / final": (C["partial"], C["final"]), "current outline / partial": (C["current-edge"], C["partial"]),
    "current outline / final": (C["current-edge"], C["final"]),
    # an edge's state: sending now, sent earlier, sent 0 — and against the nodes it runs between
    "now / done": (C["now"], C["done"]), "now / zero": (C["now"], C["zero"]), "done / zero": (C["done"], C["zero"]),
    "now / final": (C["now"], C["final"]), "now / partial": (C["now"], C["partial"]), "now / current": (C["now"], C["current"]),
    "done / final": (C["done"], C["final"]),
    # the gradient badges' text
    "partial text / final text": (C["partial-text"], C["final-text"]),
    "partial text / current text": (C["partial-text"], C["current-text"]),
    "final text / current text": (C["final-text"], C["current-text"]),
    # a gradient's sign, and the kinds of leaf
    "grad < 0 / grad > 0": (NEGATIVE, POSITIVE),
    **{f"{a} / {b}": (FILL[a], FILL[b]) for a, b in itertools.combinations(("parameter", "input", "constant"), 2)},
    **{f"legend {a} / {b}": (LEGEND_SWATCH[a], LEGEND_SWATCH[b]) for a, b in itertools.combinations(LEGEND_SWATCH, 2)},
}  # fmt: skip


def test_the_simulation_reproduces_the_reported_collapse_of_the_old_palette():
    """The old "now" red against the old "final" green: 116 apart normally, 15 for a deuteranope (the issue's numbers)."""
    assert round(delta_e("#e03131", "#2f9e44")) == 116
    assert round(delta_e("#e03131", "#2f9e44", "deuteranopia")) == 15
    assert round(delta_e("#ffd43b", "#f59f00", "deuteranopia")) == 13
    assert delta_e("#123456", "#123456", "tritanopia") == 0


@pytest.mark.parametrize("vision", VISIONS)
@pytest.mark.parametrize("pair", list(MUST_DIFFER))
def test_every_pair_that_must_differ_stays_apart(pair, vision):
    a, b = MUST_DIFFER[pair]
    assert delta_e(a, b, vision) >= APART, f"{pair}: {a} and {b} are only {delta_e(a, b, vision):.1f} apart in {vision}"


# ---- the page ------------------------------------------------------------------------------------


@pytest.fixture
def viewer(open_viewer, tmp_path):
    return open_viewer(to_html(notes_example(small=True).J, tmp_path / "steps.html"), clock=True)


def focused(viewer) -> str:
    return viewer.page.evaluate("() => { const e = document.activeElement; return e.closest('#graph') ? e.id : e.tagName + '#' + e.id; }")


def test_tab_reaches_the_graph_the_arrows_move_between_nodes_and_enter_jumps_to_the_step(viewer):
    page = viewer.page
    for _ in range(40):
        page.keyboard.press("Tab")
        if not focused(viewer).startswith(("BUTTON", "INPUT", "SELECT", "BODY")):
            break
    first = focused(viewer)
    assert first.startswith("v"), first  # a node of the drawing, reached by Tab alone
    assert page.get_attribute(f"#{first}", "role") == "button" and "Enter" in page.get_attribute(f"#{first}", "aria-label")
    page.keyboard.press("ArrowRight")
    second = focused(viewer)
    assert second != first and second.startswith(("v", "scope", "leaves"))
    assert viewer.position() == 0  # the arrows moved the focus, not the step
    page.keyboard.press("ArrowLeft")
    assert focused(viewer) == first
    page.keyboard.press("End")
    last = focused(viewer)
    page.keyboard.press("Enter")
    unit = last[:-2] if last.endswith("op") else last
    step = page.evaluate(f"() => tgmm.stepOfUnit({unit!r})")
    assert step >= 0 and viewer.position() == step + 1  # jumped to that node's backward step
    assert unit in viewer.current() and focused(viewer) == last  # the focus stays on the node
    tab_stops = page.eval_on_selector_all("#graph [tabindex='0']", "els => els.map(e => e.id)")
    assert tab_stops == [last]  # one tab stop in the graph (a roving tabindex), not one per node


def test_each_move_is_announced_once_by_a_status_region(viewer):
    page = viewer.page
    status = "#step-status"
    assert page.get_attribute(status, "role") == "status" and page.get_attribute(status, "aria-live") == "polite"
    assert page.get_attribute("#panel", "aria-live") == "off"  # the panel is not read out whole at every step
    page.click("#next")
    text = viewer.text(status)
    assert text.startswith("step 1 of") and viewer.text("#step-title") in text and "∂J/∂J" in text, text
    page.keyboard.press("ArrowRight")
    assert viewer.text(status).startswith("step 2 of")


def test_reduced_motion_follows_the_system_and_has_a_visible_toggle(viewer):
    page = viewer.page
    assert page.is_visible("#reduce-motion") and not page.is_checked("#reduce-motion")
    page.click("#play")
    page.clock.run_for(950)
    assert viewer.position() == 1  # normal pace: one step per 0.9 s
    page.click("#play")  # pause
    page.emulate_media(reduced_motion="reduce")
    expect(page.locator("#reduce-motion")).to_be_checked()  # the media query's change event arrives a moment later
    page.click("#play")
    page.clock.run_for(950 * 3)
    assert viewer.position() == 1  # reduced motion: each step held at least four times as long
    page.clock.run_for(900)
    assert viewer.position() == 2
    page.uncheck("#reduce-motion")  # the toggle overrides the system setting, and a running Play follows it
    page.clock.run_for(950)
    assert viewer.position() == 3
