"""``tinygrad-mm html``: write the click-through backprop viewer of the CS224N example as one HTML file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .options import add_example_arguments, build_example


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "html",
        help="write a self-contained HTML page that steps through backprop on the CS224N example",
        description="Write one HTML file (no network needed) with the graph of J = max(0, 1 + s_c - s) drawn once, "
        "and Next / Prev / Play / Reset buttons (and the arrow keys) that walk the backward pass one node at a time.",
    )
    add_example_arguments(parser)
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="where to write the page (default: out/backprop-steps[-inactive][-small].html)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..views.dot import GraphvizNotFoundError
    from ..views.viewer import example_title, to_html, viewer_filename

    example = build_example(args)
    out = args.out or Path("out") / viewer_filename(not args.inactive, args.small)
    try:
        path = to_html(example.J, out, *example_title(example))
    except (GraphvizNotFoundError, ImportError) as err:
        print(f"tinygrad-mm html: {err}", file=sys.stderr)
        return 1
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB): open it in a browser; → / ← step, Space plays")
    return 0
