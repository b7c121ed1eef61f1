"""The README's pictures of the step-through page, one per mode, taken in headless Chromium; one slide; the matrix lens.

    .venv/bin/python docs/screenshots.py            # writes docs/img/*.png
    .venv/bin/python docs/screenshots.py OUT_DIR [NAME …]      # only these pictures (e.g. live-hinge-met)

Each picture is the page as ``tinygrad-mm html`` (and its options) writes it; see SHOTS for what is shown.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tinygrad_mm.cli.sources import example_source  # noqa: E402
from tinygrad_mm.models.cs224n import notes_example  # noqa: E402
from tinygrad_mm.views.matrix_draw import write_matrix  # noqa: E402
from tinygrad_mm.views.slides import write_frames  # noqa: E402
from tinygrad_mm.views.viewer import to_html  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


def full_page(folder: Path, **options) -> Path:
    """``tinygrad-mm html``: the notes' full example, both branches collapsed."""
    example = notes_example()
    source = example_source(example)
    return to_html(example.J, folder / "full.html", source.title, source.subtitle, collapse=source.collapse, **options)


def small_page(folder: Path, name: str, active: bool = True, **options) -> Path:
    """``tinygrad-mm html --small`` (``--inactive``, ``--quiz``, ``--forward``)."""
    example = notes_example(small=True, active=active)
    source = example_source(example, small=True)
    return to_html(example.J, folder / f"{name}.html", source.title, source.subtitle, **options)


def matrix_page(folder: Path) -> Path:
    """``tinygrad-mm matrix --out page.html``: the full example's page with the matrix lens open below the graph."""
    example = notes_example()
    source = example_source(example)
    return to_html(example.J, folder / "matrix.html", source.title, source.subtitle, collapse=source.collapse, matrix=True)


def hover_w_cell(page) -> None:
    """Hover W[7,9] in the grid via s_c, then click it: its number and path above, its step in the graph."""
    cell = page.eval_on_selector_all(
        "#matrix g.mx-cell", "els => els.find(e => e.querySelector('title').textContent.startsWith('∂J/∂W[7,9] via s_c')).id"
    )
    page.click(f"#{cell}")
    page.eval_on_selector("#matrix", "e => e.scrollTop = 0")


def matrix_margin_met(page) -> None:
    """The live page with the lens: Δ set to 0, so the margin is met — the factors read 0, the grids blank out."""
    page.evaluate("tinygradLive.set('Δ', 0)")
    page.eval_on_selector("#matrix", "e => e.scrollTop = 0")


def keys(*pressed: str) -> Callable:
    return lambda page: [page.keyboard.press(key) for key in pressed]


def open_box(page) -> None:
    page.click("#graph g.node[id^=scope]")
    for _ in range(3):
        page.keyboard.press("ArrowRight")


def quiz_hint(page) -> None:
    for key in ("ArrowRight", "ArrowRight"):
        page.keyboard.press(key)
    page.keyboard.type("-1")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowRight")
    page.keyboard.type("0.5")
    page.keyboard.press("Enter")


def live_delta(value: str) -> Callable:
    """The live box: Δ set to ``value`` (as typed), then the hinge's step."""

    def act(page) -> None:
        page.select_option("#live-leaf", "Δ")
        page.fill("#live-value", value)
        page.dispatch_event("#live-value", "change")
        page.evaluate("document.activeElement.blur()")
        page.keyboard.press("ArrowRight")
        page.evaluate("tinygradLive.flush()")

    return act


# name → (make the page, viewport, what to do before the picture)
SHOTS: dict[str, tuple[Callable[[Path], Path], tuple[int, int], Callable]] = {
    "viewer-collapsed": (full_page, (1600, 900), keys("ArrowRight", "ArrowRight")),
    "viewer-expanded": (full_page, (1600, 900), open_box),
    "viewer-hinge": (lambda f: small_page(f, "hinge"), (1600, 900), keys("ArrowRight")),
    "viewer-hinge-inactive": (lambda f: small_page(f, "inactive", active=False), (1600, 900), keys("ArrowRight")),
    "viewer-quiz": (lambda f: small_page(f, "quiz", quiz=True), (1600, 900), quiz_hint),
    "viewer-presenter": (lambda f: small_page(f, "present"), (1024, 768), keys("ArrowRight", "ArrowRight", "ArrowRight", "p")),
    "viewer-forward": (lambda f: small_page(f, "forward", forward=True), (1600, 900), keys(*["ArrowRight"] * 6)),
    "viewer-summary": (lambda f: small_page(f, "summary"), (1600, 900), keys("End")),
    "viewer-matrix": (matrix_page, (1600, 1000), hover_w_cell),
    "viewer-matrix-met": (matrix_page, (1600, 1000), matrix_margin_met),  # the lens, live: Δ = 0 meets the margin
    # the live page: the met margin of --inactive (Δ = 1), then Δ typed as 2: the hinge flips, gradient flows again
    "live-hinge-met": (lambda f: small_page(f, "live-met", active=False), (1600, 900), live_delta("1")),
    "live-hinge-flipped": (lambda f: small_page(f, "live-flipped", active=False), (1600, 900), live_delta("2")),
}


def take(out: Path, names: list[str] | None = None) -> list[Path]:
    """Write every picture of SHOTS (or those ``names``), and a slide (``slide-step-3.png``), into ``out``; returns the files."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, (make, (width, height), act) in SHOTS.items():
            if names and name not in names:
                continue
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(make(Path(tmp)).as_uri())
            page.wait_for_selector("body[data-ready]")
            act(page)
            page.wait_for_timeout(100)
            page.screenshot(path=str(out / f"{name}.png"))
            written.append(out / f"{name}.png")
            page.close()
        browser.close()
        if names and "slide-step-3" not in names:
            return written
        example = notes_example(small=True)
        frames = write_frames(example.J, Path(tmp) / "frames", "png")
        slide = out / "slide-step-3.png"
        slide.write_bytes(frames[2].read_bytes())
        written.append(slide)
        written.append(write_matrix(notes_example().J, out / "matrix-W.png", only=["W"]))  # tinygrad-mm matrix --arrays W
    return written


if __name__ == "__main__":
    for path in take(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img", sys.argv[2:]):
        print(f"wrote {path}")
