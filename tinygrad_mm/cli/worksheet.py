"""``tinygrad-mm worksheet``: the graph with numbered blank gradient slots, and its answer key — two PDFs on paper."""

from __future__ import annotations

import argparse
from pathlib import Path

from .errors import UserError
from .options import output_file
from .sources import add_graph_arguments, load_graph
from .view_options import add_collapse_arguments, as_user_error, collapse_of


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "worksheet",
        help="write a worksheet for a tutorial on paper (blank gradient slots) and its answer key, as two PDFs",
        description="Draw the graph with every value shown and each gradient slot blank and numbered in the order "
        "backprop fills it, with instructions under it; and the same page with every gradient filled in, and the "
        "per-branch sums of the shared weights, as the answer key. One landscape page each, A4 or Letter. "
        "Needs pip install 'tinygrad-mm[slides]' (pypdf).",
        epilog="example: tinygrad-mm worksheet --small --out sheet.pdf   (writes sheet.pdf and sheet-key.pdf)",
    )
    add_graph_arguments(parser)
    parser.add_argument("--out", type=output_file, metavar="FILE.pdf", help="the worksheet (default: out/NAME-worksheet.pdf)")
    parser.add_argument("--key", type=output_file, metavar="FILE.pdf", help="the answer key (default: beside it, NAME-key.pdf)")
    parser.add_argument("--paper", choices=("a4", "letter"), default="a4", help="the paper, landscape (default a4)")
    add_collapse_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..views.draw_options import GraphTooLargeError
    from ..views.worksheet import write_worksheet

    source = load_graph(args)
    out = args.out or Path("out") / f"{source.name}-worksheet.pdf"
    for what, path in (("--out", out), ("--key", args.key)):
        if path is not None and path.suffix.lower() != ".pdf":
            raise UserError(f"{what} {path}: a worksheet is a PDF; name the file FILE.pdf")
    try:
        sheet, key = write_worksheet(source.root, out, args.key, title=source.title, paper=args.paper,
                                     collapse=collapse_of(args, source), max_nodes=args.max_nodes, digits=args.digits)  # fmt: skip
    except GraphTooLargeError:
        raise
    except (ValueError, TypeError) as err:
        raise as_user_error(err) from None
    print(f"wrote {sheet} (the worksheet) and {key} (its answer key): one {args.paper.upper()} page each")
    return 0
