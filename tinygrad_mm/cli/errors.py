"""User mistakes, and how the command line reports them: one clear line on stderr and a non-zero exit.

`UserError` is raised by the CLI's own code with the line to print.  `user_error` also
recognises the library's errors that can only come from what the user asked for (a
path that cannot be written, a missing Graphviz, a graph too large to draw, an
operation undefined at the user's numbers, …) and turns them into the same one line.
Anything else is a bug in tinygrad_mm and keeps its traceback.
"""

from __future__ import annotations

import sys

# (module, class, exit code): the library's errors that report a user's mistake or environment.
# Looked up in sys.modules only: an error class whose module was never imported cannot have been raised.
LIBRARY_ERRORS = (
    ("tinygrad_mm.files", "OutputPathError", 2),  # --out is a directory, under a file, unwritable, …
    ("tinygrad_mm.views.draw_options", "GraphTooLargeError", 2),
    ("tinygrad_mm.views.explain", "PathExplosionError", 2),
    ("tinygrad_mm.views.dot", "GraphvizNotFoundError", 1),
    ("tinygrad_mm.views.dot", "GraphvizError", 1),
    ("tinygrad_mm.views.pdf_pages", "MissingExtraError", 1),  # slides as one PDF without pypdf: names the extra
    ("tinygrad_mm.engine.errors", "DomainError", 1),  # an op undefined at the user's numbers, e.g. log(0)
    ("tinygrad_mm.engine.errors", "GradientError", 1),
    ("tinygrad_mm.engine.errors", "StaleGraphError", 1),
)

INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C
BROKEN_PIPE = 141  # 128 + SIGPIPE, what `cat` reports when the reader (e.g. `head`) stops reading


class UserError(Exception):
    """A mistake in what was asked for: printed as ``tinygrad-mm COMMAND: message``, exit ``code``.

    ``details`` (e.g. the traceback of the user's own script) is printed after that line, as is.
    """

    def __init__(self, message: str, code: int = 2, details: str = "") -> None:
        super().__init__(message)
        self.message, self.code, self.details = message, code, details


def user_error(error: BaseException) -> UserError | None:
    """``error`` as a `UserError` if it reports the user's mistake (or a missing program), else None."""
    if isinstance(error, UserError):
        return error
    if isinstance(error, OSError) and error.strerror:  # a full disk, a read-only file system, …: the machine's state
        where = f": {error.filename}" if error.filename else ""
        return UserError(f"{error.strerror}{where}", 1)
    for module, name, code in LIBRARY_ERRORS:
        cls = getattr(sys.modules.get(module), name, None)
        if cls is not None and isinstance(error, cls):
            return UserError(one_line(str(error)), code)
    return None


def one_line(text: str, limit: int = 2000) -> str:
    """``text`` on one line (newlines become "; "), at most ``limit`` characters."""
    line = "; ".join(part.strip() for part in str(text).splitlines() if part.strip())
    return line if len(line) <= limit else line[: limit - 1] + "…"
