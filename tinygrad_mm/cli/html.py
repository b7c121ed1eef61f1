"""``tinygrad-mm html``: write the step-through backprop page (one self-contained HTML file)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .options import output_file
from .sources import add_graph_arguments, load_graph
from .view_options import add_collapse_arguments, as_user_error, collapse_of


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "html",
        help="write a self-contained HTML page that steps through backprop (quiz, presenter mode, …)",
        description="Write one HTML file (no network needed) with the graph drawn once and Next / Prev / Play "
        "(and the arrow keys) that walk the backward pass one node at a time, each step explained. The full "
        "notes' example opens with its two branches collapsed: click a box to step inside it.",
        epilog="keys in the page: → ← step, Space play, [ ] speed, Z skip steps that send 0, P presenter mode, "
        "click a node to jump to its step",
    )
    add_graph_arguments(parser)
    parser.add_argument(
        "--out", type=output_file, metavar="FILE", help="where to write the page (default: out/NAME.html, e.g. out/notes-example.html)"
    )
    add_collapse_arguments(parser)
    parser.add_argument("--quiz", nargs="?", const="all", choices=("all", "seeds"), default=False,
                        help="the student answers before each step is revealed: the gates (is the margin violated? "
                        "∂J/∂s, ∂J/∂s_c), what a shared weight receives per branch, every gradient; '--quiz seeds': "
                        "only the seeds' question at the gates")
    parser.add_argument("--forward", action="store_true", help="first compute the values node by node, then run backward")
    parser.add_argument("--present", action="store_true", help="open in presenter mode (large labels for a projector; P toggles)")
    parser.add_argument("--no-live", dest="live", action="store_false", help="a snapshot: no editing of values in the page")
    parser.add_argument("--open-at", type=_step, metavar="STEP", help="print a link that opens the page at backward step STEP")
    parser.set_defaults(func=run)


def _step(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"--open-at takes a step number (0, 1, 2, …), got {text!r}")
    return int(text)


def run(args: argparse.Namespace) -> int:
    from ..views.draw_options import GraphTooLargeError
    from ..views.viewer import to_html

    source = load_graph(args)
    collapse = collapse_of(args, source)
    out = args.out or Path("out") / f"{source.name}.html"
    try:
        path = to_html(source.root, out, source.title, source.subtitle, collapse=collapse, max_nodes=args.max_nodes,
                       quiz=args.quiz, forward=args.forward, digits=args.digits, present=args.present,
                       live=args.live)  # fmt: skip
    except GraphTooLargeError:
        raise
    except (ValueError, TypeError) as err:
        raise as_user_error(err) from None
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB): open it in a browser; → / ← step, Space plays, P presents")
    if args.open_at is not None or args.present:  # the page reads its state from the link (#step=12&present)
        state = [f"step={args.open_at}"] if args.open_at is not None else []
        print(f"open: {path.resolve().as_uri()}#{'&'.join(state + (['present'] if args.present else []))}")
    return 0
