"""``tinygrad-mm render``: draw a graph (your script, a formula, or the CS224N margin-loss example) to svg / png / pdf / dot / json."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..views.dot import GraphvizNotFoundError
from ..views.export import FORMATS, write_graph
from .options import output_file
from .sources import add_graph_arguments, load_graph
from .view_options import add_collapse_arguments, add_picture_arguments, collapse_of, picture_options


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "render",
        help="draw a graph with the gradient on every edge (svg/png/pdf/dot/json): the CS224N example, your script, or a formula",
        description="Draw a graph after backward(): by default the notes' J = max(0, 1 + s_c - s), where "
        "∂J/∂s = -1 and ∂J/∂s_c = +1 enter at the two scores and add up at the shared W, b, U (the two branches "
        "collapsed into one box each; --small draws every node); or your own SCRIPT.py's root, or a formula (-e).",
    )
    add_graph_arguments(parser)
    parser.add_argument("--out", type=output_file, metavar="FILE", help="output file (default: out/notes-example.FORMAT)")
    parser.add_argument("--format", choices=FORMATS, help="output format (default: from --out's suffix, else svg)")
    add_collapse_arguments(parser)
    add_picture_arguments(parser)
    parser.add_argument("--rankdir", choices=("LR", "TB"), default="LR", help="left to right (default) or top to bottom")
    parser.add_argument("--highlight", nargs="+", metavar="LABEL", default=(), help="outline these nodes, e.g. 'U[0]'")
    parser.add_argument("--no-backward", action="store_true", help="draw before J.backward() (no gradients yet)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    source = load_graph(args)
    collapse = collapse_of(args, source)
    if not args.no_backward:
        source.root.backward()
    title = source.drawing_title or source.title
    options = {"collapse": collapse, "title": title, "rankdir": args.rankdir, "highlight": args.highlight,
               "number_format": f".{args.digits}g", "max_nodes": args.max_nodes, **picture_options(args)}  # fmt: skip
    fmt = args.format or (args.out.suffix.lstrip(".").lower() if args.out and args.out.suffix else "svg")
    out = args.out or Path("out") / f"{source.name}.{fmt}"
    try:
        path = write_graph(source.root, out, fmt, **options)
    except (GraphvizNotFoundError, ImportError) as err:
        print(f"tinygrad-mm render: {err}", file=sys.stderr)
        return 1
    except (ValueError, TypeError) as err:
        return _fail(str(err))
    print(f"wrote {path}")
    return 0


def _fail(message: str) -> int:
    print(f"tinygrad-mm render: {message}", file=sys.stderr)
    return 2
