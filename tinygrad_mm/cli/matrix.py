"""``tinygrad-mm matrix``: the matrix lens — each array's gradient via each branch, beside the notes' δxᵀ.

    tinygrad-mm matrix --out grads.svg          (or .png, .pdf, .dot; .html: the step-through page with the lens)
    tinygrad-mm matrix my_net.py --out grads.png

Arrays are found from labels (``W[i,j]``, ``b[i]``, ``x[k]``); branches from the graph (views/matrix.py).
Prints what was found and the check of ∂J/∂W[i,j] = Σ_B (∂J/∂s_B)·δ_B,i·x_B,j against the scalar gradients.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .errors import UserError
from .options import output_file
from .sources import add_graph_arguments, load_graph
from .view_options import add_collapse_arguments, collapse_of

FORMATS = ("svg", "png", "pdf", "dot", "html")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "matrix",
        help="the matrix lens: heat maps of each array's gradient via s, via s_c and the sum, beside δxᵀ",
        description="Find the arrays of the graph from their labels (W[i,j], b[i], x[k]) and its branches (s, s_c, …) "
        "from its structure; draw each array's gradient through each branch and in sum, and check the notes' formula "
        "∂J/∂W[i,j] = (∂J/∂s)·δᵢ·xⱼ + (∂J/∂s_c)·δ_c,ᵢ·x_c,ⱼ with δ = U ∘ f′(z) against the scalar gradients.",
        epilog="--collapse, --expand and --max-nodes shape the graph of the .html page. "
        "examples: tinygrad-mm matrix --out grads.svg   tinygrad-mm matrix --inactive --out met.png   "
        "tinygrad-mm matrix --corrupt bread music --out page.html   tinygrad-mm matrix my_net.py --out mine.pdf",
    )
    add_graph_arguments(parser)
    parser.add_argument("--out", type=output_file, metavar="FILE",
                        help="where to write: .svg .png .pdf .dot, or .html for the step-through page with the lens "
                        "(default: out/NAME-matrix.svg)")  # fmt: skip
    parser.add_argument("--format", choices=FORMATS, help="the output format (default: from --out's suffix, else svg)")
    parser.add_argument("--arrays", nargs="+", metavar="NAME", default=(), help="draw only these arrays, e.g. --arrays W")
    add_collapse_arguments(parser)  # --collapse / --expand / --max-nodes: the .html page's graph; --digits: both
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..views.matrix_draw import write_matrix
    from ..views.matrix_formulas import lens_report

    suffix = args.out.suffix.lstrip(".").lower() if args.out and args.out.suffix else ""
    if args.format and suffix and suffix != args.format:
        raise UserError(f"--out {args.out} ends in .{suffix} but --format is {args.format}: give one or make them agree")
    fmt = args.format or suffix or "svg"
    if fmt not in FORMATS:
        raise UserError(f"--out {args.out}: the matrix lens is written as {', '.join('.' + f for f in FORMATS)}, not .{fmt}")
    if fmt == "html" and args.arrays:
        raise UserError("--arrays chooses what the picture draws; the .html page's lens shows every array")
    if fmt != "html" and (args.collapse or args.expand):
        raise UserError(f"--collapse and --expand shape the graph of the .html page; the .{fmt} picture draws arrays "
                        "(choose them with --arrays)")  # fmt: skip
    source = load_graph(args)
    out = args.out or Path("out") / f"{source.name}-matrix.{fmt}"
    try:
        if fmt == "html":
            from ..views.viewer import to_html

            path = to_html(source.root, out, source.title, source.subtitle, collapse=collapse_of(args, source),
                           max_nodes=args.max_nodes, digits=args.digits, matrix=True)  # fmt: skip
        else:
            path = write_matrix(source.root, out, fmt, source.drawing_title, args.digits, args.arrays)
    except (ValueError, TypeError) as err:
        if type(err).__name__ in ("OutputPathError", "GraphTooLargeError"):
            raise
        raise UserError(str(err)) from None
    print(lens_report(source.root, args.digits))
    print(f"wrote {path}")
    return 0
