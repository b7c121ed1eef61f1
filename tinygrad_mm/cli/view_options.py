"""Options the drawing commands share (render, html, slides): which scopes to collapse, limits, and picture size.

    --collapse SCOPE … | --expand      the scopes drawn as one box each (default: the graph source's choice,
                                       e.g. the full notes' example's two branches)
    --list-scopes                      print the scope names --collapse accepts, and exit
    --max-nodes N, --digits N
    --dpi D, --scale S, --fontsize PT  static pictures (render, slides) for print or projection
"""

from __future__ import annotations

import argparse

from ..views.draw_options import DEFAULT_MAX_NODES
from .errors import UserError
from .options import real, whole
from .sources import GraphSource


def add_collapse_arguments(parser: argparse.ArgumentParser) -> None:
    """--collapse / --expand / --list-scopes / --max-nodes / --digits."""
    parser.add_argument("--collapse", nargs="+", metavar="SCOPE", help="draw these scopes as one box each (see --list-scopes)")
    parser.add_argument("--expand", action="store_true", help="draw every node (no scope collapsed)")
    parser.add_argument("--list-scopes", action="store_true", help="print the scope names --collapse accepts, and exit")
    parser.add_argument(
        "--max-nodes", type=whole(1, 10**6), default=DEFAULT_MAX_NODES, metavar="N",
        help=f"refuse larger drawings (default {DEFAULT_MAX_NODES}); collapse scopes instead",
    )  # fmt: skip
    parser.add_argument("--digits", type=whole(1, 17), default=4, metavar="N", help="significant digits (default 4)")


def add_picture_arguments(parser: argparse.ArgumentParser) -> None:
    """--dpi / --scale / --fontsize: the size of static pictures."""
    parser.add_argument("--dpi", type=real(10, 2400), metavar="D", help="pixels per inch of PNG output (default 96)")
    parser.add_argument("--scale", type=real(0.05, 20), default=1.0, metavar="S", help="make the picture S times larger")
    parser.add_argument(
        "--fontsize", type=real(4, 72), default=12.0, metavar="PT", help="base font size in points (default 12; 18 for a projector)"
    )


def collapse_of(args: argparse.Namespace, source: GraphSource) -> list[str]:
    """The scopes to collapse: --collapse, none with --expand, else the source's default."""
    if args.collapse and args.expand:
        raise UserError("use either --collapse SCOPE ... or --expand, not both")
    return list(args.collapse or ([] if args.expand else source.collapse))


def list_scopes(source: GraphSource) -> int:
    """Print the scope names of the source's graph, one per line."""
    from ..views.drawing import scopes_in

    print("\n".join(scopes_in(source.root)))
    return 0


def picture_options(args: argparse.Namespace) -> dict:
    """The DrawOptions fields --dpi, --scale and --fontsize give."""
    return {"dpi": args.dpi, "scale": args.scale, "fontsize": args.fontsize}


def as_user_error(error: ValueError | TypeError) -> UserError:
    """A bad option value the library refused (an unknown scope, …) as the command's one line."""
    return UserError(str(error))
