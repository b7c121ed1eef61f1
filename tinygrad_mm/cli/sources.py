"""Where a graph command's graph comes from: the notes' example (default), a user's script, or an expression.

Every graph command (render, trace, explain, html, slides, code, …) calls
`add_graph_arguments(parser)` and then `load_graph(args)`, which returns a
`GraphSource`: the root Value plus what the views need to present it (title,
subtitle, a default collapse, the example when it is the notes' one).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from ..engine import Value
from ..models.cs224n import ACTIVATIONS, MarginExample, notes_example


@dataclass
class GraphSource:
    """A graph to show, and how to present it."""

    root: Value
    title: str  # e.g. "CS224N max-margin loss: backprop, step by step"
    subtitle: str = ""  # e.g. the windows and whether the margin is met
    name: str = "graph"  # a short name for default file names, e.g. "notes-example"
    collapse: list[str] = field(default_factory=list)  # scopes collapsed by default (the full notes' example: both branches)
    example: MarginExample | None = None  # set when the graph is the notes' example


def add_graph_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that choose the graph (today: the notes' example: ``--inactive``, ``--small``, ``--activation``)."""
    parser.add_argument(
        "--inactive", action="store_true", help="use windows where the margin is met (J = 0): no gradient flows"
    )
    parser.add_argument("--small", action="store_true", help="a 2-input, 2-hidden-unit network instead of the notes' n=20, H=8")
    parser.add_argument(
        "--activation", choices=ACTIVATIONS, default="sigmoid", help="f in s = Uᵀf(Wx + b) (default: sigmoid)"
    )


def load_graph(args: argparse.Namespace) -> GraphSource:
    """The graph the options chose, forward built and not backpropagated."""
    example = notes_example(active=not args.inactive, small=args.small, activation=args.activation)
    return example_source(example, small=args.small)


def example_source(example: MarginExample, small: bool = False) -> GraphSource:
    """The notes' example as a `GraphSource` (the full example collapses its two branches by default)."""
    from ..views.drawing import scopes_in
    from ..views.text import number

    state = "margin violated: gradient flows" if example.active else "margin met: J = 0, the hinge is flat, no gradient flows"
    subtitle = (
        f"true window “{' '.join(example.words)}” (s = {number(example.s.data)}), "
        f"corrupted “{' '.join(example.corrupt_words)}” (s_c = {number(example.s_c.data)}): "
        f"J = max(0, {number(example.delta)} + s_c − s) = {number(example.J.data)}, {state}"
    )
    collapse = [] if small else scopes_in(example.J, depth=1)
    name = "notes-example" + ("" if example.active else "-inactive") + ("-small" if small else "")
    return GraphSource(example.J, "CS224N max-margin loss: backprop, step by step", subtitle, name, collapse, example)
