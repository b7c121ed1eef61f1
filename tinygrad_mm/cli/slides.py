"""``tinygrad-mm slides``: the backward pass as slides, one PDF page per step (or one PNG/SVG frame per step)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .errors import UserError
from .options import output_file
from .sources import add_graph_arguments, load_graph
from .view_options import (
    add_collapse_arguments,
    add_picture_arguments,
    as_user_error,
    collapse_of,
    picture_options,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "slides",
        help="write the backward pass as slides: a title page, then one PDF page (or PNG/SVG frame) per step, all one size",
        description="Draw the graph once per backward step, in the step-through page's colours (the node being "
        "processed yellow, partial gradients dashed orange, final ones green, the edges sending now red), with the "
        "step's arithmetic in a caption band under it; write them as one PDF (a title page with the legend, then one "
        "page per step; needs pip install 'tinygrad-mm[slides]') and/or as numbered frames (needs nothing). Every "
        "page and frame has the same size (--aspect 16:9 or 4:3), so nothing jumps when projected full screen.",
        epilog="example: tinygrad-mm slides --small --out steps.pdf --fontsize 16   "
        "tinygrad-mm slides --frames frames/ --frame-format svg",
    )
    add_graph_arguments(parser)
    parser.add_argument("--out", type=output_file, metavar="FILE.pdf", help="the PDF to write (default: out/NAME-steps.pdf)")
    parser.add_argument("--frames", type=Path, metavar="DIR", help="also (or, without --out, only) write DIR/step-001.png, …")
    parser.add_argument("--frame-format", choices=("png", "svg"), default="png", help="the frames' format (default png)")
    parser.add_argument("--animate", type=output_file, metavar="FILE.svg",
                        help="also (or, without --out, only) write one looping animated SVG of the steps (needs nothing)")
    parser.add_argument("--seconds", type=float, default=1.5, metavar="S", help="seconds per step in --animate (default 1.5)")
    parser.add_argument("--aspect", choices=("16:9", "4:3"), default="16:9",
                        help="every page and frame this shape, the graph above a caption band (default 16:9)")
    add_collapse_arguments(parser)
    add_picture_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..views.animation import write_animation
    from ..views.draw_options import GraphTooLargeError
    from ..views.pdf_pages import page_count
    from ..views.slides import write_frames, write_slides

    source = load_graph(args)
    if args.out is not None and args.out.suffix.lower() != ".pdf":
        raise UserError(f"--out {args.out}: slides are a PDF; name the file FILE.pdf (frames: --frames DIR)")
    options = {"collapse": collapse_of(args, source), "max_nodes": args.max_nodes, "digits": args.digits,
               "aspect": args.aspect, **picture_options(args)}  # fmt: skip
    if args.animate is not None and args.animate.suffix.lower() != ".svg":
        raise UserError(f"--animate {args.animate}: the animation is an SVG; name the file FILE.svg")
    out = args.out or (None if args.frames or args.animate else Path("out") / f"{source.name}-steps.pdf")
    try:
        if args.frames is not None:
            frames = write_frames(source.root, args.frames, args.frame_format, **options)
            print(f"wrote {len(frames)} frames, one per step: {frames[0]} … {frames[-1]}")
        if args.animate is not None:
            path = write_animation(source.root, args.animate, args.seconds, **options)
            print(f"wrote {path}: the steps as one looping animated SVG, {args.seconds:g} s each")
        if out is not None:
            path = write_slides(source.root, out, source.title, source.subtitle, **options)
            print(f"wrote {path}: {page_count(path.read_bytes())} pages, a title page (with the legend), then one per backward step")
    except GraphTooLargeError:
        raise
    except (ValueError, TypeError) as err:
        raise as_user_error(err) from None
    return 0
