"""``tinygrad-mm demo``: the notes' max-margin example, with both branches of one shared weight."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING

from ..views.text import format_number
from .sources import add_graph_arguments

if TYPE_CHECKING:
    from ..models.closed_form import MarginGradients


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the CS224N max-margin example and show where ∂J/∂W comes from",
        description="Score 'museums in Paris are amazing' and its corrupted window with the same network, "
        "build J = max(0, 1 + s_c - s), backpropagate, and print s, s_c, J, ∂J/∂s, ∂J/∂s_c and, for "
        "shared weights, what flows back through s and through s_c.",
    )
    add_graph_arguments(parser)
    parser.add_argument("--out", type=Path, default=Path("out"), help="directory for output files (default: out/)")
    parser.set_defaults(func=lambda args: run_demo(args.out, not args.inactive, args.activation, args.small))


def run_demo(out: Path, active: bool, activation: str = "sigmoid", small: bool = False) -> int:
    """Print the example's numbers; returns 0, or 1 if a branch sum ever differed from ``.grad``."""
    from ..models.closed_form import for_example
    from ..models.cs224n import branch_contributions, notes_example

    example = notes_example(active=active, small=small, activation=activation)
    closed = for_example(example)  # the notes' formulas, with floats, before anything is backpropagated
    example.J.backward()
    scorer, s, s_c, J = example.scorer, example.s, example.s_c, example.J
    d = example.vocabulary.dim
    print(
        f"The CS224N max-margin example: f = {activation}, d = {d}, n = {scorer.n}, H = {scorer.hidden}, "
        f"Δ = {example.delta:g}"
    )
    print(f"  true window      x   = {' '.join(example.words)}")
    print(f"  corrupted window x_c = {' '.join(example.corrupt_words)}   (centre word replaced)")
    if not active:
        print(f"  (parameters after {example.trained_steps} SGD steps on this pair, so that s ≥ s_c + Δ)")
    print()
    print(f"  s   = Uᵀf(Wx + b)         = {s.data:+.6f}")
    print(f"  s_c = Uᵀf(Wx_c + b)       = {s_c.data:+.6f}")
    state = "margin violated: the hinge is active" if example.active else "margin met: the hinge is flat"
    print(f"  J   = max(0, Δ + s_c − s) = {J.data:+.6f}   ({state})")
    print()
    print(f"  ∂J/∂s   = {_signed(s.grad)}")
    print(f"  ∂J/∂s_c = {_signed(s_c.grad)}")
    if not example.active:
        print("  No gradient flows: no update when the margin is met.")
    print()
    print("  A shared weight receives the SUM of what flows back through s and through s_c:")
    print(f"  {'weight':<8} {'via s':>12} {'via s_c':>12} {'sum':>12} {'.grad':>12} {'closed form':>12}")
    ok = True
    i = shown_unit(closed)
    centre = len(example.words) // 2 * d  # the first input of the centre word, the one the corruption changed
    for weight, expected in ((scorer.U[i], closed.U[i]), (scorer.W[i][centre], closed.W[i][centre])):
        parts = branch_contributions(example, weight)
        total = parts["s"] + parts["s_c"]
        agrees = total == weight.grad and math.isclose(weight.grad, expected, rel_tol=1e-9, abs_tol=1e-15)
        ok &= agrees
        print(
            f"  {weight.label:<8} "
            + " ".join(f"{_signed(v):>12}" for v in (parts["s"], parts["s_c"], total, weight.grad, expected))
            + f"  {'✓' if agrees else '✗ MISMATCH'}"
        )
    print(
        "  via s = ∂J/∂s · ∂s/∂w,  via s_c = ∂J/∂s_c · ∂s_c/∂w;  closed form: ∂J/∂w = ∂s_c/∂w − ∂s/∂w if active, else 0"
    )
    print()
    wrote = write_pictures(out)
    return 0 if ok and wrote else 1


def write_pictures(out: Path) -> bool:
    """Write the classroom pictures and the step-through pages into ``out`` and print where; False if Graphviz is missing."""
    from ..views.dot import GraphvizNotFoundError
    from ..views.gallery import write_gallery

    try:
        pictures = write_gallery(out)
        pages = [write_page(out, small=True), write_page(out), write_page(out, active=False, small=True)]
    except (GraphvizNotFoundError, ImportError) as err:
        print(f"  Pictures not drawn: {err}")
        return False
    print(f"  Pictures of the graph ({len(pictures)} files) in {out}/:")
    for path in pictures:
        print(f"    {path}")
    print("  Step through the backward pass in a browser (Next / Prev / Play, or the arrow keys):")
    for path in pages:
        print(f"    {path.resolve().as_uri()}")
    return True


def shown_unit(closed: MarginGradients) -> int:
    """The hidden unit whose weights to show: the first one that both windows use (f′(z) ≠ 0 in both)."""
    both = [i for i, (d, d_c) in enumerate(zip(closed.true.delta, closed.corrupt.delta, strict=True)) if d and d_c]
    return both[0] if both else 0


def _signed(v: float) -> str:
    return format_number(v, ".6g", signed=True)


def write_page(out_dir: Path, active: bool = True, small: bool = False) -> Path:
    """The step-through page of the notes' example: ``out_dir/backprop-steps[-inactive][-small].html``."""
    from ..models.cs224n import notes_example
    from ..views.viewer import to_html
    from .sources import example_source

    source = example_source(notes_example(active=active, small=small), small=small)
    name = f"backprop-steps{'' if active else '-inactive'}{'-small' if small else ''}.html"
    return to_html(source.root, Path(out_dir) / name, source.title, source.subtitle)
