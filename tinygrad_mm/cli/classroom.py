"""``tinygrad-mm class``: run a class — students follow the teacher's step on their own screens and answer.

It draws the step-through page once (as ``tinygrad-mm html`` does, for the same graphs and options),
starts a small server (views/classroom_server.py), prints the students' URL and the teacher's, and
opens the teacher's page.  Ctrl-C ends the class: one line, exit 130, nothing written but the CSV the
teacher asked for.
"""

from __future__ import annotations

import argparse
import datetime
import errno
import sys
from pathlib import Path

from .errors import UserError
from .options import output_file, whole
from .sources import add_graph_arguments, load_graph
from .view_options import add_collapse_arguments, as_user_error, collapse_of

DEFAULT_PORT = 8765


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "class",
        help="run a class: students follow your steps on their own screens, answer questions, you see the histogram",
        description="Start a small server for a class: students open the URL it prints (or scan the QR code on your "
        "page) and follow your step and view; you ask about the next step's gradient (or a question of your own), "
        "see the answers as a live histogram, and reveal. Local only unless --host; Ctrl-C ends the class.",
        epilog="the teacher's page: the step-through page (same keys) plus the class panel; "
        "on a lecture-hall network use --host 0.0.0.0 and show the QR code",
    )
    add_graph_arguments(parser)
    add_collapse_arguments(parser)
    parser.add_argument("--forward", action="store_true", help="first compute the values node by node, then run backward")
    parser.add_argument(
        "--host", default="127.0.0.1", metavar="ADDRESS",
        help="the address to listen on (default 127.0.0.1: this machine only); 0.0.0.0 lets the local network in",
    )  # fmt: skip
    parser.add_argument("--port", type=whole(0, 65535), default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}; 0 picks a free one")
    parser.add_argument("--no-open", action="store_true", help="do not open the teacher's page in a browser")
    parser.add_argument("--csv", type=output_file, metavar="FILE", help="where 'Save results' writes (default: "
                        "class-results-DATE-TIME.csv in the current directory, created only when you save)")  # fmt: skip
    parser.add_argument("--max-students", type=whole(1, 5000), default=400, metavar="N", help="refuse joins beyond N (default 400)")
    parser.add_argument(
        "--joins-per-address", type=whole(1, 10000), default=20, metavar="N",
        help="joins allowed from one address per minute (default 20; raise it when students share an address)",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..views.classroom import Classroom
    from ..views.classroom_pages import class_pages
    from ..views.classroom_server import ClassServer, Limits, Pages, lan_address
    from ..views.draw_options import GraphTooLargeError

    source = load_graph(args)
    collapse = collapse_of(args, source)
    room = Classroom(max_students=args.max_students)
    csv_path = args.csv or Path(f"class-results-{datetime.datetime.now():%Y%m%d-%H%M%S}.csv")
    try:
        server = ClassServer((args.host, args.port), room, Pages(b"", b""), csv_path, Limits(joins_per_address=args.joins_per_address))
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise UserError(f"port {args.port} is in use: pick another with --port N (or --port 0 for any free one)") from None
        raise UserError(f"cannot listen on {args.host}:{args.port}: {err.strerror or err}") from None
    try:
        host, port = server.server_address[:2]
        shown = lan_address() if host in ("0.0.0.0", "::") else host  # noqa: S104  (what "all addresses" looks like)
        base = f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"
        student_url, teacher_url = f"{base}/c/{room.join_code}", f"{base}/t/{room.teacher_key}"
        try:
            server.set_pages(class_pages(source.root, source.title, source.subtitle, student_url, collapse=collapse,
                                         max_nodes=args.max_nodes, forward=args.forward, digits=args.digits))  # fmt: skip
        except GraphTooLargeError:
            raise
        except (ValueError, TypeError) as err:
            raise as_user_error(err) from None
        print(f"class open: students join at {student_url}")
        print(f"your page (keep this URL to yourself): {teacher_url}")
        print("Ctrl-C ends the class" + ("" if host not in ("127.0.0.1", "localhost", "::1") else
              " (this machine only: add --host 0.0.0.0 to let the room's network in)"), flush=True)  # fmt: skip
        if not args.no_open:
            import webbrowser

            webbrowser.open(teacher_url)
        server.serve_forever(poll_interval=0.25)
    finally:
        server.shut()
        sys.stdout.flush()
    return 0
