"""``tinygrad-mm code``: the graph's forward and backward pass as a standalone Python file (the chain rule written out).

    tinygrad-mm code --small --out backprop.py         the notes' example, small enough to read in full
    tinygrad-mm code my_graph.py --out backprop.py      a script's root Value
    tinygrad-mm code -e "tanh(x*w + b)" --set x=2 w=-3 b=6.88

Without ``--out`` the code is printed.  Running the file prints every leaf's gradient,
the same numbers ``backward()`` gives; ``python -m pdb FILE`` steps through it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .errors import UserError
from .sources import add_graph_arguments, load_graph


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "code",
        help="write the graph's forward and backward pass as a standalone Python file (the chain rule, line by line)",
        description="Write the graph as plain Python: the forward pass one line per node, then the backward pass, "
        "one line per edge: grad_parent += grad_node * ∂node/∂parent, with each op's formula and local derivative "
        "in comments, += where a value fans out and an if where a ReLU or the hinge gates. Running the file prints "
        "every leaf's gradient; python -m pdb FILE steps through the chain rule.",
        epilog="examples: tinygrad-mm code --small --out backprop.py   tinygrad-mm code -e 'tanh(x*w + b)' --set x=2 w=-3 b=1",
    )
    add_graph_arguments(parser)
    parser.add_argument("--out", type=Path, metavar="FILE", help="write the code to FILE (default: print it)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..files import write_atomic
    from ..views.python_code import to_python

    root = load_graph(args).root
    try:
        source = to_python(root)
    except ValueError as err:  # a graph too large to read as code
        raise UserError(str(err)) from None
    if args.out is None:
        print(source, end="")
        return 0
    print(f"wrote {write_atomic(args.out, source)}")
    return 0
