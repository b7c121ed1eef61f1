"""The ``tinygrad-mm`` command line: one sub-command per module of this package.

A user's mistake never shows a traceback: it ends with ONE line on stderr,
``tinygrad-mm COMMAND: what is wrong and what to do``, and a non-zero exit:

- a usage mistake (unknown option, bad number, ``--lr inf``): exit 2, from the parser (`OneLineParser`);
- a `UserError` or a library error that can only be the user's (errors.LIBRARY_ERRORS): its code;
- Ctrl-C: ``interrupted``, exit 130 (files are written atomically, so none is left half-written);
- a reader that stops reading (``tinygrad-mm trace | head -1``): no message at all, exit 141.

A terminal that cannot show ∂ or Δ (``PYTHONIOENCODING=latin-1``) gets ``\\u2202`` escapes instead of
a UnicodeEncodeError.  Anything else is a bug in tinygrad_mm and keeps its traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence

from . import classroom, code, demo, explain, html, matrix, pictures, render, slides, trace, train, worksheet
from .errors import BROKEN_PIPE, INTERRUPTED, user_error
from .sources import load_graph
from .view_options import list_scopes

# Each module defines ``register(subparsers)``, which adds its sub-command and sets ``func``.
COMMANDS = (demo, train, render, pictures, trace, explain, html, slides, worksheet, code, matrix, classroom)


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage mistake reported on one line (sub-command parsers inherit this class)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        if message.startswith("unrecognized arguments"):
            message += " (positional arguments, such as SCRIPT.py, go before the options)"
        if message.startswith("argument -e/--expr: expected one argument"):
            message += " (a formula that starts with a minus, such as -x: write -e='-x')"
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="tinygrad-mm",
        description="A scalar autograd engine that makes backpropagation visible.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit status (0 when all went well)."""
    readable_streams()
    program = "tinygrad-mm"
    try:
        parser = build_parser()
        args = parser.parse_args(formula_after_e(list(sys.argv[1:] if argv is None else argv)))
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        program = " ".join(filter(None, (program, args.command, getattr(args, "demo", None))))
        if getattr(args, "list_scopes", False):  # every command with --list-scopes (view_options): print them, exit
            status = list_scopes(load_graph(args))
        else:
            status = int(args.func(args) or 0)
        sys.stdout.flush()  # a reader that went away shows up here at the latest
        return status
    except KeyboardInterrupt:
        if sys.stdout.isatty():
            print(file=sys.stdout)  # end a progress line that was being rewritten in place
        print(f"{program}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
        return BROKEN_PIPE
    except Exception as error:
        mistake = user_error(error)
        if mistake is None:
            raise
        print(f"{program}: {mistake.message}", file=sys.stderr)
        if mistake.details:
            print(mistake.details, end="" if mistake.details.endswith("\n") else "\n", file=sys.stderr)
        return mistake.code


def formula_after_e(argv: list[str]) -> list[str]:
    """``-e -log(p)`` as ``--expr=-log(p)``: a formula may start with a minus, which argparse would take for an option.

    Only a value that cannot be an option (``-log(p)``, ``-x*2``, ``- x``) is attached; ``-e --out`` stays a mistake.
    """
    out: list[str] = []
    attached = False
    for arg, value in zip(argv, [*argv[1:], None], strict=True):
        if attached:
            attached = False
        elif arg in ("-e", "--expr") and value and value.startswith("-") and not re.fullmatch(r"--?[A-Za-z][\w-]*(=.*)?", value):
            out.append(f"--expr={value}")
            attached = True
        else:
            out.append(arg)
    return out


def readable_streams() -> None:
    """Let stdout and stderr print any character: those their encoding lacks become backslash escapes."""
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "utf-8"
        try:
            "∂Δσ−—…→⁽ᵏ⁾✓".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            if hasattr(stream, "reconfigure"):
                stream.reconfigure(errors="backslashreplace")


def silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null, so Python's final flush does not complain (Python docs recipe)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (e.g. captured by a test): nothing to silence
        pass


if __name__ == "__main__":
    sys.exit(main())
