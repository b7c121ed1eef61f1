"""``tinygrad-mm pictures``: the classroom pictures of the CS224N example (views/gallery.py), the one way to make them.

``tinygrad-mm demo`` writes them too, and each ``visualize/*.py`` script is this command with its pictures named.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .errors import UserError
from .options import output_dir, real, whole
from .sources import add_example_arguments, example_spec


def register(subparsers: argparse._SubParsersAction) -> None:
    from ..views.gallery import PICTURES

    parser = subparsers.add_parser(
        "pictures",
        help="write the classroom pictures of the CS224N example (svg and png)",
        description="Draw the example after J.backward(): active and inactive with each branch folded into a box, "
        "the centre words with every node, and the whole example with each branch's inner scopes folded.",
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"the pictures (default: all: {', '.join(PICTURES)})")
    add_example_arguments(parser)
    parser.add_argument(
        "--out", type=output_dir, default=Path("out"), help="an existing directory for the pictures (default: out/, created)"
    )
    parser.add_argument("--format", nargs="+", default=["svg", "png"], choices=["svg", "png", "pdf", "dot", "json"],
                        help="the formats to write (default: svg png)")  # fmt: skip
    parser.add_argument("--fontsize", type=real(4, 72), help="text size in points, for projection (default 12)")
    parser.add_argument("--scale", type=real(0.1, 10), help="scale the whole picture")
    parser.add_argument("--dpi", type=whole(30, 1200), help="resolution of png output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..views.gallery import PICTURES

    unknown = [name for name in args.names if name not in PICTURES]
    if unknown:
        raise UserError(f"no picture named {', '.join(map(repr, unknown))}; the pictures are: {', '.join(PICTURES)}")
    size = {name: getattr(args, name) for name in ("fontsize", "scale", "dpi") if getattr(args, name) is not None}
    written, notes = write_pictures(args.out, example_spec(args), args.names or list(PICTURES), args.format, **size)
    for note in notes:
        print(f"  {note}")
    for path in written:
        print(f"wrote {path}")
    return 0 if written else 1


def write_pictures(out: Path, spec: object, names: list[str], formats: list[str] = ("svg", "png"),
                   **size: object) -> tuple[list[Path], list[str]]:  # fmt: skip
    """The named pictures of ``spec``'s example, written into ``out``, and a note for each one not drawn."""
    from ..views.gallery import Gallery

    gallery = Gallery.of(spec)  # type: ignore[arg-type]
    written = gallery.write(out, names, tuple(formats), **size)
    return written, gallery.notes


def script_arguments(argv: list[str]) -> list[str]:
    """A ``visualize/*.py`` script's arguments for ``tinygrad-mm pictures``: a first OUT_DIR becomes ``--out OUT_DIR``."""
    if argv and not argv[0].startswith("-"):
        return ["--out", argv[0], *argv[1:]]
    return argv
