"""``tinygrad-mm render SCRIPT.py``: run the user's script as ``python SCRIPT.py`` would, and take its graph.

The script runs as ``__main__`` (``if __name__ == "__main__":`` blocks run), with its own
directory first on ``sys.path`` and ``sys.argv == [SCRIPT.py]``; both are restored after, and so
is the working directory: a script that calls ``os.chdir`` never moves where ``--out`` and the
default ``out/`` are written.
It is run from its own module namespace (as `runpy.run_path` does), so that its globals
survive a ``sys.exit(0)`` at the end.

The root is the Value bound to ``--root NAME``, or by default ``J``, then ``loss``,
then the only top-level Value that no other top-level Value uses (`choose_root`).
Top-level variables holding unlabelled Values are labelled with their variable names
(`autolabel`), never replacing a label the script set.

A script that raises becomes one `UserError` line plus the script's own traceback
(frames inside tinygrad_mm are left out: they are not the user's).
"""

from __future__ import annotations

import os
import sys
import traceback
import types
from pathlib import Path
from typing import Any

from ..engine import Value
from ..engine.errors import listing
from .errors import UserError

DEFAULT_ROOTS = ("J", "loss")
PACKAGE_DIR = str(Path(__file__).resolve().parent.parent) + os.sep  # tinygrad_mm/


def run_script(path: Path) -> dict[str, Any]:
    """Run ``path`` as ``python path`` would and return its globals; `UserError` if it is missing or raises."""
    if not path.exists():
        raise UserError(f"no such script: {path}")
    if not path.is_file():
        raise UserError(f"{path} is not a file; give a Python script, e.g. my_graph.py")
    try:
        source = path.read_bytes()
    except OSError as err:
        raise UserError(f"cannot read {path}: {err.strerror}") from None
    try:
        code = compile(source, str(path), "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as err:  # ValueError: null bytes
        details = "".join(traceback.format_exception_only(type(err), err))
        raise UserError(f"your script {path} is not valid Python: {err.__class__.__name__}", 1, details) from None
    module = types.ModuleType("__main__")
    module.__dict__.update(__file__=str(path), __builtins__=__builtins__, __cached__=None, __spec__=None)
    saved = sys.argv, list(sys.path), sys.modules.get("__main__")
    folder = os.getcwd()  # where the user's relative paths (--out, out/) point: put back after the script
    sys.argv, sys.path[:0] = [str(path)], [str(path.resolve().parent)]
    sys.modules["__main__"] = module  # pickle, dataclasses and friends look the script's classes up here
    try:
        exec(code, module.__dict__)  # running the user's own script is the point
    except SystemExit as stop:
        if stop.code not in (None, 0):
            raise UserError(f"your script {path} exited with status {stop.code!r}", 1) from None
    except KeyboardInterrupt:
        raise
    except BaseException as err:  # whatever the script raises is reported, with its traceback
        raise UserError(
            f"your script {path} raised {type(err).__name__}: {_first_line(err)}", 1, user_traceback(err)
        ) from None
    finally:
        sys.argv, sys.path[:] = saved[0], saved[1]
        os.chdir(folder)
        if saved[2] is None:
            sys.modules.pop("__main__", None)
        else:
            sys.modules["__main__"] = saved[2]
    return module.__dict__


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else "(no message)"
    return text if len(text) <= 300 else text[:299] + "…"


def user_traceback(error: BaseException) -> str:
    """The traceback of ``error`` with only the user's frames (none from tinygrad_mm itself)."""
    report = traceback.TracebackException.from_exception(error)
    link: traceback.TracebackException | None = report
    seen = set()
    while link is not None and id(link) not in seen:  # the chain of causes, iteratively
        seen.add(id(link))
        link.stack = traceback.StackSummary.from_list(
            [frame for frame in link.stack if not frame.filename.startswith(PACKAGE_DIR)]
        )
        link = link.__cause__ or link.__context__
    return "".join(report.format())


def top_level_values(namespace: dict[str, Any]) -> dict[str, Value]:
    """The script's global variables that hold a Value (names starting with ``_`` left out), in definition order."""
    return {name: v for name, v in namespace.items() if isinstance(v, Value) and not name.startswith("_")}


def autolabel(values: dict[str, Value]) -> None:
    """Label each unlabelled Value with its variable name (the first name, if several hold it)."""
    for name, value in values.items():
        if not value.label:
            value.label = name


def choose_root(values: dict[str, Value], root: str | None, script: Path, namespace: dict[str, Any]) -> str:
    """The name of the root: ``root`` if given, else ``J``, ``loss``, or the only top-level Value nothing uses."""
    if root is not None:
        if root in values:
            return root
        if root in namespace and not root.startswith("__"):
            raise UserError(
                f"--root {root}: {root} is a {type(namespace[root]).__name__} in {script}, not a Value; "
                f"its Values are: {listing(values) or 'none'}"
            )
        raise UserError(f"--root {root}: {script} defines no {root!r}; its top-level Values are: {listing(values) or 'none'}")
    if not values:
        raise UserError(
            f"{script} defines no Value at top level: assign the output of your graph to a variable "
            "(e.g. loss = ...), or return it from your function and assign it at top level"
        )
    for name in DEFAULT_ROOTS:
        if name in values:
            return name
    candidates = unused(values)
    if len(candidates) == 1:
        return candidates[0]
    raise UserError(
        f"{script} defines several top-level Values that no other one uses: {listing(candidates)}; "
        "choose the root with --root NAME"
    )


def unused(values: dict[str, Value]) -> list[str]:
    """The names whose Value is not inside the graph of any other top-level Value (one walk over all graphs)."""
    reached: set[int] = set()
    stack = [parent for value in values.values() for parent in value.parents]
    while stack:
        node = stack.pop()
        if id(node) not in reached:
            reached.add(id(node))
            stack.extend(node.parents)
    seen: set[int] = set()
    names = []
    for name, value in values.items():
        if id(value) not in reached and id(value) not in seen:  # two names for one Value: the first one
            seen.add(id(value))
            names.append(name)
    return names
