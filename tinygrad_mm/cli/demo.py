"""``tinygrad-mm demo``: the notes' max-margin example, with every branch of one shared weight.

Prints s, s_c⁽ᵏ⁾, J and, for two shared weights, what flows back through each branch, their
sum, ``.grad`` and the closed form (models/closed_form.py, floats only).  Then writes the
pictures and the step-through pages of the SAME example (the options choose it: windows,
k corrupted windows, Δ, H, d, f, seed) into ``--out``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING

from ..views.text import format_number
from .options import output_dir
from .sources import add_example_arguments, example_source, example_spec, formula

if TYPE_CHECKING:
    from ..models.closed_form import MarginGradients
    from ..models.cs224n import ExampleSpec, MarginExample

PAGE_MAX_NODES = 1000  # a page with more nodes is skipped (with a note): k corrupted windows, or a large H or d
PAGES = {"backprop-steps-small.html": "small", "backprop-steps.html": "active", "backprop-steps-inactive-small.html": "inactive-small"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the CS224N max-margin example and show where ∂J/∂W comes from",
        description="Score 'museums in Paris are amazing' and its corrupted window(s) with the same network, "
        "build J = Σₖ max(0, Δ + s_c⁽ᵏ⁾ - s), backpropagate, and print s, s_c, J, ∂J/∂s, ∂J/∂s_c and, for "
        "shared weights, what flows back through each branch; then write pictures and step-through pages of it.",
    )
    add_example_arguments(parser)
    parser.add_argument(
        "--out", type=output_dir, default=Path("out"), help="an existing directory for the pictures (default: out/, created)"
    )
    parser.set_defaults(func=lambda args: run_demo(args.out, not args.inactive, example_spec(args)))


def run_demo(out: Path, active: bool = True, spec: ExampleSpec | None = None) -> int:
    """Print the example's numbers and write its pictures; 0, or 1 if a branch sum ever differed from ``.grad``."""
    from ..models.closed_form import for_example
    from ..models.cs224n import ExampleSpec, build_example

    spec = spec or ExampleSpec()
    example = build_example(spec, active)
    closed = for_example(example)  # the notes' formulas, with floats, before anything is backpropagated
    example.J.backward()
    print_setting(example)
    ok = print_branches(example, closed)
    wrote = write_pictures(out, spec)
    return 0 if ok and wrote else 1


def print_setting(example: MarginExample) -> None:
    """The network, the windows, s, every s_c, J and ∂J/∂ at each score."""
    scorer, k = example.scorer, example.k
    print(
        f"The CS224N max-margin example: f = {scorer.activation}, d = {example.vocabulary.dim}, n = {scorer.n}, "
        f"H = {scorer.hidden}, Δ = {example.delta:g}" + (f", k = {k} corrupted windows" if k > 1 else "")
    )
    names = [example.s.label] + [n.s.label for n in example.negatives]
    width = max(len(name) for name in [*names, "J"])
    inputs = ["x"] + ["x" + name[1:] for name in names[1:]]
    print(f"  true window      {'x':<{width}} = {' '.join(example.words)}")
    for name, negative in zip(inputs[1:], example.negatives, strict=True):
        how = "   (centre word replaced)" if replaced_centre(example.words, negative.words) else ""
        print(f"  corrupted window {name:<{width}} = {' '.join(negative.words)}{how}")
    if example.trained_steps:
        pair = "this pair" if k == 1 else "these windows"
        print(f"  (parameters after {example.trained_steps} SGD steps on {pair}, so that s ≥ s_c + Δ)")
    print()
    formulas = [f"Uᵀf(W{x} + b)" for x in inputs] + [formula(example)]
    column = max(len(f) for f in formulas)
    for name, text, node in zip([*names, "J"], formulas, [example.s, *(n.s for n in example.negatives), example.J], strict=True):
        print(f"  {name:<{width}} = {text:<{column}} = {node.data:+.6f}" + (f"   ({_state(example)})" if name == "J" else ""))
    print()
    for name, node in zip(names, [example.s, *(n.s for n in example.negatives)], strict=True):
        print(f"  ∂J/∂{name:<{width}} = {_signed(node.grad)}")
    if not example.active:
        print("  No gradient flows: no update when the margin is met.")
    print()


def print_branches(example: MarginExample, closed: MarginGradients) -> bool:
    """The table of two shared weights (one U, one W entry): via each branch, their sum, .grad, closed form."""
    from ..models.cs224n import branch_contributions

    scorer, names = example.scorer, list(example.branches)
    print(f"  A shared weight receives the SUM of what flows back through {' and through '.join(names)}:")
    headers = (*(f"via {n}" for n in names), "sum", ".grad", "closed form")
    print(f"  {'weight':<8} " + " ".join(f"{h:>12}" for h in headers))
    ok = True
    i, j = shown_unit(closed), changed_input(example)
    for weight, expected in ((scorer.U[i], closed.U[i]), (scorer.W[i][j], closed.W[i][j])):
        parts = list(branch_contributions(example, weight).values())
        total = sum(parts)
        agrees = adds_up(parts, weight.grad) and math.isclose(weight.grad, expected, rel_tol=1e-9, abs_tol=1e-15)
        ok &= agrees
        print(
            f"  {weight.label:<8} "
            + " ".join(f"{_signed(v):>12}" for v in (*parts, total, weight.grad, expected))
            + f"  {'✓' if agrees else '✗ MISMATCH'}"
        )
    vias = ",  ".join(f"via {n} = ∂J/∂{n} · ∂{n}/∂w" for n in names)
    if example.k == 1:
        print(f"  {vias};  closed form: ∂J/∂w = ∂s_c/∂w − ∂s/∂w if active, else 0")
    else:
        print(f"  {vias};  closed form: ∂J/∂w = Σ over the active hinges of (∂s_cₖ/∂w − ∂s/∂w)")
    print()
    return ok


def adds_up(parts: list[float], grad: float) -> bool:
    """True if the branch parts add up to ``.grad`` up to rounding: ``backward()`` adds them in its own order,
    so the two sums may differ in the last bits — by at most a few ulps of the largest part, ``|Σ| ≤ Σ|part|``."""
    scale = sum(abs(p) for p in parts)
    return abs(sum(parts) - grad) <= 8 * len(parts) * math.ulp(scale) if scale else grad == 0.0


def replaced_centre(words: tuple[str, ...], corrupted: tuple[str, ...]) -> bool:
    """True if ``corrupted`` is ``words`` with (only) the centre word replaced."""
    centre = len(words) // 2
    return len(words) % 2 == 1 and [k for k, (a, b) in enumerate(zip(words, corrupted, strict=True)) if a != b] == [centre]


def shown_unit(closed: MarginGradients) -> int:
    """The hidden unit whose weights to show: the first one that every window uses (f′(z) ≠ 0 in all)."""
    rows = zip(closed.true.delta, *(n.corrupt.delta for n in closed.negatives), strict=True)
    used = [i for i, deltas in enumerate(rows) if all(deltas)]
    return used[0] if used else 0


def changed_input(example: MarginExample) -> int:
    """The first input a corruption changed (the centre word's first entry in the notes), else the centre's."""
    for j, v in enumerate(example.x):
        if any(n.x[j].data != v.data for n in example.negatives):
            return j
    return len(example.words) // 2 * example.vocabulary.dim


def _state(example: MarginExample) -> str:
    if example.k == 1:
        return "margin violated: the hinge is active" if example.active else "margin met: the hinge is flat"
    open_ = sum(n.hinge.active for n in example.negatives)
    return f"{open_} of {example.k} hinges active" + ("" if open_ else ": every margin is met")


def _signed(v: float) -> str:
    return format_number(v, ".6g", signed=True)


def write_pictures(out: Path, spec: ExampleSpec) -> bool:
    """Write the pictures (`tinygrad-mm pictures`) and step-through pages of ``spec``'s example into ``out``."""
    from ..views.dot import GraphvizNotFoundError
    from ..views.draw_options import GraphTooLargeError
    from ..views.gallery import PICTURES, Gallery

    gallery = Gallery.of(spec)
    pages: list[Path] = []
    try:
        pictures = gallery.write(out, PICTURES)
        for name, which in PAGES.items():
            if which in gallery.examples:
                try:
                    pages.append(write_page(out, name, gallery.examples[which], small="small" in which))
                except GraphTooLargeError as err:  # k corrupted windows, or a large H or d: draw the others
                    gallery.notes.append(f"{name} not drawn: {err}")
    except GraphvizNotFoundError as err:
        print(f"  Pictures not drawn: {err}")
        return False
    for note in gallery.notes:
        print(f"  {note}")
    print(f"  Pictures of the graph ({len(pictures)} files) in {out}/:")
    for path in pictures:
        print(f"    {path}")
    print("  Step through the backward pass in a browser (Next / Prev / Play, or the arrow keys):")
    for path in pages:
        print(f"    {path.resolve().as_uri()}")
    return True


def write_page(out: Path, name: str, example: MarginExample, small: bool) -> Path:
    """The step-through page of ``example``: ``out/<name>``."""
    from ..views.viewer import to_html

    source = example_source(example, small=small)  # the full example: each branch one box, opened by a click
    return to_html(source.root, out / name, source.title, source.subtitle, collapse=source.collapse, max_nodes=PAGE_MAX_NODES)
