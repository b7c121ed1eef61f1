"""How long the live page takes to recompute and repaint after one edit, in headless Chromium.

    .venv/bin/python benchmarks/live_page.py                 # the notes' full example and a 3,000-value graph
    .venv/bin/python benchmarks/live_page.py --repeats 40 --live-off

Each change is ``tinygradLive.set(leaf, value)``: the forward and the backward pass in the browser, every number
of the page rewritten, the drawing's classes and texts updated (`S.go`), then a forced style and layout
(``document.body.offsetHeight``) — measured with ``performance.now()`` around all of it ("recompute + repaint"), and
separately until the next frame has been painted (two requestAnimationFrame callbacks: includes waiting for the
frame, up to 16.7 ms at 60 Hz); then again at the last step, where every badge and the summary are shown; and the
first edit on a freshly loaded page, after its idle warm-up (``tinygradLive.warmed``).  The
notes' example is the page ``tinygrad-mm html`` writes (both branches collapsed); its edits move Δ across the
margin (0 met, 3 violated) so that the hinge flips at every change.  The 3,000-value graph is
benchmarks/viewer_load.py's tree of tanh(x·w) terms.  Page load (setup done, first frame) is shown beside, with
the live part on and (``--live-off``) off.  Targets (issue 21): ≤ 16 ms per change on the notes' example, ≤ 100 ms at
3,000 values, page load unchanged.
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

from viewer_load import ARGS, CHROMIUM, MEASURE, tree_sum  # noqa: E402

from tinygrad_mm.engine import topological_order  # noqa: E402
from tinygrad_mm.models.cs224n import notes_example  # noqa: E402
from tinygrad_mm.views.viewer import to_html  # noqa: E402

CHANGE = """([name, values]) => values.map(v => {
    const start = performance.now();
    if (!tinygradLive.set(name, v)) throw new Error(document.getElementById('live-error').textContent);
    document.body.offsetHeight;
    return performance.now() - start;
})"""
PAINTED = """([name, v]) => new Promise(done => { const start = performance.now(); tinygradLive.set(name, v);
    requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - start))); })"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=20, help="changes per page (default 20)")
    parser.add_argument("--live-off", action="store_true", help="also load the pages without the live part")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="live-page-"))
    example = notes_example()
    tree = tree_sum(3000)
    branches = ["s = Uᵀf(Wx + b)", "s_c = Uᵀf(Wx_c + b)"]
    cases = [
        ("notes' full example (both branches collapsed, as the CLI writes it)", example.J, "Δ", [0.0, 3.0], {"collapse": branches}),
        (f"tree of tanh(x·w), {len(topological_order(tree))} values", tree, "x[7]", [0.3, -0.2], {"max_nodes": 10**6}),
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for title, root, leaf, values, options in cases:
            pages = {"live": to_html(root, folder / "live.html", **options)}
            if args.live_off:
                pages["off"] = to_html(root, folder / "off.html", live=False, **options)
            loads: dict[str, list[dict]] = {key: [] for key in pages}
            first_edits: list[float] = []
            for round_ in range(3):  # page loads interleaved, on and off, three rounds
                for key, path in pages.items():
                    page = browser.new_page(viewport={"width": 1600, "height": 900})
                    page.goto(path.as_uri(), timeout=600_000)
                    loads[key].append(page.evaluate(MEASURE))
                    if key == "live":  # the first edit, once the page has done its idle warm-up
                        for _ in range(100):
                            if page.evaluate("!!(window.tinygradLive && tinygradLive.warmed)"):
                                break
                            time.sleep(0.05)
                        first_edits.append(page.evaluate(CHANGE, [leaf, values[:1]])[0])
                    if key == "live" and round_ == 0:
                        page.evaluate(CHANGE, [leaf, values * 2])  # warm up the JIT
                        change = page.evaluate(CHANGE, [leaf, (values * args.repeats)[: args.repeats]])
                        painted = [page.evaluate(PAINTED, [leaf, values[k % 2]]) for k in range(min(args.repeats, 10))]
                        page.evaluate("tgmm.go(tgmm.total(), true)")  # the last step: every badge and the summary shown
                        at_end = page.evaluate(CHANGE, [leaf, (values * args.repeats)[: args.repeats]])
                    page.close()
            print(f"{title}: recompute + repaint median {statistics.median(change):.1f} ms "
                  f"(max {max(change):.1f}); until the next frame is painted {statistics.median(painted):.1f} ms; "
                  f"at the last step {statistics.median(at_end):.1f} ms; the first edit on a loaded page "
                  f"{statistics.median(first_edits):.1f} ms (median of 3)")  # fmt: skip
            for key, runs in loads.items():
                loaded, first = (statistics.median(run[part] for run in runs) / 1000 for part in ("loaded", "painted"))
                print(f"  page load (median of 3), live {key if key == 'off' else 'on'}: setup done {loaded:.2f} s, "
                      f"first frame {first:.2f} s, {pages[key].stat().st_size / 1e6:.2f} MB")  # fmt: skip
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
