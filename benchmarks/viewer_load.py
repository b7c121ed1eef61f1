"""How long the step-through page takes to load in headless Chromium, by graph size: today's page beside the page
as it was before (one forced re-layout per node for its badges: quadratic), in one run, interleaved and repeated.

    .venv/bin/python benchmarks/viewer_load.py                       # sizes 750 1500 3000, 3 repeats
    .venv/bin/python benchmarks/viewer_load.py --sizes 3000 --repeats 5 --baseline none

The graph: n/5 terms tanh(x_k·w_k) summed by a balanced tree of additions (about n values; a tree, so Graphviz
lays it out in seconds).  Measured in the page: navigation start → the script's setup done (``loadEventEnd``),
and → the first frame painted after it.  The baseline page is built by the viewer of git commit ``--baseline``
(default: the last one before the page was rewritten), read with ``git show``; ``--baseline none`` skips it.
Results depend on the machine: compare the columns of one run, and how each grows with n (linear: ×2 per ×2).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import types
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tinygrad_mm import Value  # noqa: E402
from tinygrad_mm.engine import topological_order  # noqa: E402
from tinygrad_mm.views.drawing import dot_source  # noqa: E402
from tinygrad_mm.views.viewer import to_html  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip
BASELINE = "0a27eb6"  # the viewer before this page (badges measured with getBBox, one node at a time)
MEASURE = """() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done({
    loaded: performance.getEntriesByType('navigation')[0].loadEventEnd, painted: performance.now()}))))"""


def tree_sum(n: int) -> Value:
    """About ``n`` values: n/5 terms tanh(x_k·w_k), added pairwise up a balanced tree."""
    level = []
    for k in range(max(1, n // 5)):
        x, w = Value(0.01 * k, f"x[{k}]"), Value(0.5 - 0.001 * k, f"w[{k}]")
        level.append((x * w).tanh())
    while len(level) > 1:
        level = [level[i] + level[i + 1] if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
    level[0].label = "y"
    return level[0]


def baseline_viewer(commit: str) -> types.ModuleType:
    """The viewer module of ``commit``, run against today's package (its drawing, text and engine)."""

    def show(path: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:{path}"], capture_output=True, text=True,
                              check=True).stdout  # fmt: skip

    module = types.ModuleType("tinygrad_mm.views._baseline_viewer")
    module.__package__ = "tinygrad_mm.views"
    exec(compile(show("tinygrad_mm/views/viewer.py"), f"{commit}:viewer.py", "exec"), module.__dict__)  # noqa: S102
    templates = {name: show(f"tinygrad_mm/views/templates/{name}") for name in ("viewer.html", "viewer.css", "viewer.js")}
    module._template = templates.__getitem__
    module.dot_source = partial(dot_source, max_nodes=10**6)  # it had no size option; the drawing's limit was 300
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[750, 1500, 3000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE, help="git commit of the old viewer, or 'none'")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    old = None if args.baseline == "none" else baseline_viewer(args.baseline)
    folder = Path(tempfile.mkdtemp(prefix="viewer-load-"))
    pages: dict[tuple[str, int], Path] = {}
    for n in args.sizes:
        root = tree_sum(n)
        count = len(topological_order(root))
        started = time.perf_counter()
        pages[("now", n)] = to_html(root, folder / f"now-{n}.html", max_nodes=10**6)
        print(f"n = {n}: {count} values; page written in {time.perf_counter() - started:.1f} s "
              f"({pages[('now', n)].stat().st_size / 1e6:.1f} MB)", flush=True)  # fmt: skip
        if old is not None:
            pages[("before", n)] = old.to_html(root, folder / f"before-{n}.html")
    times: dict[tuple[str, int], list[dict]] = {key: [] for key in pages}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(args.repeats):
            for key, path in pages.items():  # interleaved: every page once per round
                page = browser.new_page(viewport={"width": 1600, "height": 900})
                page.goto(path.as_uri(), timeout=600_000)
                times[key].append(page.evaluate(MEASURE))
                page.close()
        browser.close()
    print(f"\nmedian of {args.repeats}, in seconds (loaded: setup done; painted: first frame after it)")
    print(f"{'values':>8} {'now loaded':>11} {'now painted':>12}" + (f" {'before loaded':>14} {'before/now':>11}" if old else ""))
    for n in args.sizes:
        now = times[("now", n)]
        row = f"{n:>8} {median(now, 'loaded'):>11.2f} {median(now, 'painted'):>12.2f}"
        if old is not None:
            before = times[("before", n)]
            row += f" {median(before, 'loaded'):>14.2f} {median(before, 'loaded') / median(now, 'loaded'):>11.1f}"
        print(row)
    first, last = args.sizes[0], args.sizes[-1]
    growth = median(times[("now", last)], "loaded") / median(times[("now", first)], "loaded")
    print(f"\nnow: ×{growth:.1f} load time for ×{last / first:g} the values (linear would be ×{last / first:g})")
    return 0


def median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs) / 1000.0


if __name__ == "__main__":
    sys.exit(main())
