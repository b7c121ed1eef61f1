"""The ``tinygrad-mm`` command line: one sub-command per module of this package."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import code, demo, explain, html, render, slides, trace, train

# Each module defines ``register(subparsers)``, which adds its sub-command and sets ``func``.
COMMANDS = (demo, train, render, trace, explain, html, slides, code)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinygrad-mm",
        description="A scalar autograd engine that makes backpropagation visible.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
