"""``tinygrad-mm trace``: print the backward tape of a graph (by default the CS224N example), step by step."""

from __future__ import annotations

import argparse
import sys

from .errors import UserError
from .sources import add_graph_arguments, load_graph


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "trace",
        help="print the backward pass as a table, one chain-rule step per row (the CS224N example, a script or a formula)",
        description="Run backward() one node at a time (on the side: no .grad of the graph changes) and print each "
        "step: the node, its gradient ∂root/∂node, and the contribution ∂root/∂node · ∂node/∂parent it adds to each "
        "parent. By default the graph is J = max(0, 1 + s_c - s) of the notes' example.",
    )
    add_graph_arguments(parser)
    parser.add_argument("--limit", type=int, default=0, metavar="N", help="print at most N rows (default 0: all)")
    parser.add_argument(
        "--follow", metavar="LABEL", help="only the rows touching one node, by label (e.g. 'W[0,0]') or index '#i'"
    )
    parser.add_argument(
        "--explain", metavar="LABEL", help="also decompose ∂J/∂LABEL into its paths (the same as tinygrad-mm explain LABEL)"
    )
    parser.add_argument("--digits", type=int, default=4, help="significant digits of the numbers (default 4, at most 17)")
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour: auto = only on a terminal without NO_COLOR"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..views.explain import PathExplosionError, edge_breakdown, explain
    from ..views.text import find_node
    from ..views.trace import print_trace

    if args.limit < 0 or not 1 <= args.digits <= 17:
        raise UserError("--limit must be >= 0 and --digits from 1 to 17")
    root = load_graph(args).root
    try:  # resolve the labels first, so a typo is reported before anything is printed
        for label in (args.follow, args.explain):
            if label is not None:
                find_node(root, label)
    except ValueError as err:
        raise UserError(str(err)) from None
    color = {"auto": None, "always": True, "never": False}[args.color]
    print_trace(root, limit=args.limit, follow=args.follow, color=color, digits=args.digits)
    if args.explain:
        print()
        try:
            print(explain(root, args.explain))
        except PathExplosionError as err:
            print(f"note: {err}\nper-edge breakdown instead:", file=sys.stderr)
            print(edge_breakdown(root, args.explain))
    return 0
