"""``tinygrad-mm explain NODE``: where ∂root/∂NODE comes from, as a sum over the paths from the root to NODE.

    ∂J/∂w = Σ_paths Π_edges ∂child/∂parent          (views.explain.explain)
    ∂J/∂w = Σ_users ∂J/∂c · ∂c/∂w    with --edges   (views.explain.edge_breakdown)

Works on every graph source (the notes' example, SCRIPT.py, -e FORMULA).  NODE is a
label (``U[0]``) or a topological index (``#12``).  Nothing is backpropagated on the
user's graph: both read the forward values and a side pass.
"""

from __future__ import annotations

import argparse

from ..engine import Value
from .errors import UserError
from .options import whole
from .sources import add_graph_arguments, load_graph


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="∂root/∂NODE as a sum over the paths from the root to NODE (--edges: over NODE's direct uses)",
        description="Decompose ∂root/∂NODE into the paths from the root down to NODE: each path contributes the "
        "product of the local derivatives along it, and the contributions add up to the gradient. A shared weight "
        "of the notes' example has one path through s and one through each s_c.",
        epilog="examples: tinygrad-mm explain 'U[0]'   tinygrad-mm explain w1 -e 'tanh(x*w1 + b)' --set x=2 w1=-3 b=1"
        "   tinygrad-mm explain w my_graph.py --root loss",
    )
    parser.add_argument("node", metavar="NODE", help="the node: its label (e.g. 'U[0]', 'x*w1') or '#index'")
    add_graph_arguments(parser)
    parser.add_argument(
        "--edges", action="store_true", help="split by NODE's direct uses instead (one term per edge; never explodes)"
    )
    parser.add_argument(
        "--max-paths", type=whole(1, 10**6), default=1000, metavar="N",
        help="refuse to list more than N paths (default 1000; --edges has no limit)",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print(explanation(load_graph(args).root, args.node, args.edges, args.max_paths))
    return 0


def explanation(root: Value, node: str, edges: bool = False, max_paths: int = 1000) -> str:
    """The text ``explain`` prints; `UserError` for an unknown node or too many paths."""
    from ..views.explain import PathExplosionError, edge_breakdown, explain
    from ..views.text import find_node

    try:
        find_node(root, node)
    except ValueError as err:
        raise UserError(str(err)) from None
    if edges:
        return str(edge_breakdown(root, node))
    try:
        return str(explain(root, node, max_paths))
    except PathExplosionError as err:
        raise UserError(str(err).replace("pass a larger max_paths", "raise --max-paths")) from None
