"""How long the matrix lens takes, by the size of the notes' example: finding the arrays and branches and splitting
every gradient by branch (one recorded pass), checking the notes' formula, writing the picture's DOT (one explained
tooltip per cell: the paths are listed for at most 800 nodes), and Graphviz drawing it.

    .venv/bin/python benchmarks/matrix_lens.py                  # H = 8, 16, 32 (d = 4, 8, 8), 3 repeats
    .venv/bin/python benchmarks/matrix_lens.py --hidden 8 --repeats 5

The median of the repeats, in seconds.  Results depend on the machine: compare the rows of one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=list(SIZES), help="the H to measure (d from SIZES, else 8)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
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
