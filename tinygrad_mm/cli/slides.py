"""``tinygrad-mm slides``: placeholder while it is being built (replaced before this lands)."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("slides", help="(being built)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print("tinygrad-mm slides: not built yet", file=sys.stderr)
    return 2
