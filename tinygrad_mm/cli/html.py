"""``tinygrad-mm html``: write the click-through backprop viewer of the CS224N example as one HTML file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .sources import add_graph_arguments, load_graph


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "html",
        help="write a self-contained HTML page that steps through backprop on the CS224N example",
        description="Write one HTML file (no network needed) with the graph of J = max(0, 1 + s_c - s) drawn once, "
        "and Next / Prev / Play / Reset buttons (and the arrow keys) that walk the backward pass one node at a time.",
    )
    add_graph_arguments(parser)
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="where to write the page (default: out/NAME.html, e.g. out/notes-example-small.html)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..views.dot import GraphvizNotFoundError
    from ..views.viewer import to_html

    source = load_graph(args)
    out = args.out or Path("out") / f"{source.name}.html"
    try:
        path = to_html(source.root, out, source.title, source.subtitle)
    except (GraphvizNotFoundError, ImportError) as err:
        print(f"tinygrad-mm html: {err}", file=sys.stderr)
        return 1
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB): open it in a browser; → / ← step, Space plays")
    return 0
