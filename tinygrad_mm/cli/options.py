"""Sub-commands of ``tinygrad-mm``; each module exposes ``register(subparsers)``.

The options that choose the CS224N example graph are shared by ``demo``, ``render``, ``trace`` and ``html``.
"""

from __future__ import annotations

import argparse

from ..models.cs224n import ACTIVATIONS, MarginExample, notes_example


def add_example_arguments(parser: argparse.ArgumentParser) -> None:
    """The options choosing which CS224N example graph to build: ``--inactive``, ``--small``, ``--activation``."""
    parser.add_argument(
        "--inactive", action="store_true", help="use windows where the margin is met (J = 0): no gradient flows"
    )
    parser.add_argument("--small", action="store_true", help="a 2-input, 2-hidden-unit network instead of the notes' n=20, H=8")
    parser.add_argument(
        "--activation", choices=ACTIVATIONS, default="sigmoid", help="f in s = Uᵀf(Wx + b) (default: sigmoid)"
    )


def build_example(args: argparse.Namespace) -> MarginExample:
    """The notes' example chosen by `add_example_arguments`' options (forward built, not backpropagated)."""
    return notes_example(active=not args.inactive, small=args.small, activation=args.activation)
