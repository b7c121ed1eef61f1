"""How long the matrix lens takes, by the size of the notes' example: finding the arrays and branches and splitting
every gradient by branch (one recorded pass), checking the notes' formula, writing the picture's DOT (one explained
tooltip per cell: the paths are listed for at most 800 nodes), and Graphviz drawing it.

    .venv/bin/python benchmarks/matrix_lens.py                  # H = 8, 16, 32 (d = 4, 8, 8), 3 repeats
    .venv/bin/python benchmarks/matrix_lens.py --hidden 8 --repeats 5
    .venv/bin/python benchmarks/matrix_lens.py --live           # also: the live page with the lens, in Chromium

The median of the repeats, in seconds.  Results depend on the machine: compare the rows of one run.

``--live``: the step-through page of the notes' full example with the lens open (``tinygrad-mm html --matrix``'s
page, both branches collapsed), in headless Chromium; each change moves Δ across the margin (the hinge flips at every
other change) and is measured as benchmarks/live_page.py measures it — ``tinygradLive.set`` (both passes, every
number of the page, the drawing, and now every grid and formula of the lens) then a forced layout — with the lens's
own part (``tgmm.matrixLiveMs``: its numbers recomputed, its cells recoloured and its texts rewritten) beside it.
Target (issues 21, 22): recompute + repaint ≤ 16 ms, one animation frame.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from tinygrad_mm.models.cs224n import ExampleSpec, build_example  # noqa: E402
from tinygrad_mm.views import dot  # noqa: E402
from tinygrad_mm.views.matrix import gradient_lens  # noqa: E402
from tinygrad_mm.views.matrix_draw import lens_source  # noqa: E402
from tinygrad_mm.views.matrix_formulas import notes_formulas  # noqa: E402

SIZES = {8: 4, 16: 8, 32: 8}  # H → d (window of 5 words: n = 5·d)


def measure(hidden: int, dim: int) -> dict[str, float]:
    """One run: seconds per stage for the notes' example with H = ``hidden``, d = ``dim``."""
    J = build_example(ExampleSpec.notes(hidden=hidden, dim=dim)).J
    times, start = {}, time.perf_counter()
    lens = gradient_lens(J)
    times["lens"], start = time.perf_counter() - start, time.perf_counter()
    assert notes_formulas(lens).ok
    times["formula check"], start = time.perf_counter() - start, time.perf_counter()
    source, cells = lens_source(lens)
    times["DOT + tooltips"], start = time.perf_counter() - start, time.perf_counter()
    dot.render(source, "svg")
    times["Graphviz svg"] = time.perf_counter() - start
    times["cells"] = len(cells.numbered)
    return times


LENS_CHANGE = """([values]) => values.map(v => {
    const start = performance.now();
    if (!tinygradLive.set('Δ', v)) throw new Error(document.getElementById('live-error').textContent);
    document.body.offsetHeight;
    return [performance.now() - start, tgmm.matrixLiveMs];
})"""


def live(repeats: int) -> None:
    """The notes' full example's live page with the lens: ms per change, all of it and the lens's part (see above)."""
    from live_page import PAINTED
    from playwright.sync_api import sync_playwright
    from viewer_load import ARGS, CHROMIUM

    from tinygrad_mm.models.cs224n import notes_example
    from tinygrad_mm.views.viewer import to_html

    path = Path(tempfile.mkdtemp(prefix="matrix-live-")) / "lens.html"
    to_html(notes_example().J, path, collapse=["s = Uᵀf(Wx + b)", "s_c = Uᵀf(Wx_c + b)"], matrix=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 900})
        page.goto(path.as_uri(), timeout=600_000)
        page.wait_for_selector("body[data-ready]")
        cells = page.evaluate("Object.keys(tgmm.matrixCells()).length")
        page.evaluate(LENS_CHANGE, [[0.0, 3.0] * 2])  # warm up the JIT
        runs = page.evaluate(LENS_CHANGE, [([0.0, 3.0] * repeats)[:repeats]])
        painted = [page.evaluate(PAINTED, ["Δ", (0.0, 3.0)[k % 2]]) for k in range(min(repeats, 10))]
        browser.close()
    total, lens = [r[0] for r in runs], [r[1] for r in runs]
    print(f"live page with the lens ({cells} cells), notes' full example: recompute + repaint median {statistics.median(total):.1f} ms "
          f"(max {max(total):.1f}), of which the lens {statistics.median(lens):.1f} ms (max {max(lens):.1f}); "
          f"until the next frame is painted {statistics.median(painted):.1f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=list(SIZES), help="the H to measure (d from SIZES, else 8)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--live", action="store_true", help="also the live page with the lens in Chromium (20 changes)")
    args = parser.parse_args()
    if args.live:
        live(max(args.repeats, 20))
    print("| H | n | cells | lens | formula check | DOT + tooltips | Graphviz svg |")
    print("|---|---|---|---|---|---|---|")
    for hidden in args.hidden:
        dim = SIZES.get(hidden, 8)
        runs = [measure(hidden, dim) for _ in range(args.repeats)]
        med = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        print(f"| {hidden} | {5 * dim} | {int(med['cells'])} | {med['lens']:.3f} | {med['formula check']:.3f} | "
              f"{med['DOT + tooltips']:.2f} | {med['Graphviz svg']:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
