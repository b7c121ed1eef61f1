"""Option types that refuse a bad value while the command line is parsed, before any work starts.

Each is an argparse ``type=``: it returns the parsed value or raises
``argparse.ArgumentTypeError`` with the reason, which the parser prints as one line
(``tinygrad-mm train moons: argument --lr: inf is not a finite number …``).

- `real(low, high)`: a finite float in a range (``--lr inf``, ``--lr 1e300``, ``--delta nan`` are refused).
- `whole(low, high)`: an int in a range.
- `output_file` / `output_dir`: where to write; see `check_output_file` for the rule.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

DEFAULT_OUT = Path("out")  # the one directory the CLI creates when it is missing


def real(low: float, high: float, *, above: bool = False) -> Callable[[str], float]:
    """A finite float with ``low <= x <= high`` (``low < x`` if ``above``)."""
    bound = f"> {low:g}" if above else f">= {low:g}"

    def parse(text: str) -> float:
        try:
            x = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(x):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number; give a number {bound} and <= {high:g}")
        if x < low or (above and x == low) or x > high:
            raise argparse.ArgumentTypeError(f"{text} is out of range: give a number {bound} and <= {high:g}")
        return x

    parse.__name__ = "number"  # argparse names the type in its own messages
    return parse


def whole(low: int, high: int) -> Callable[[str], int]:
    """An int with ``low <= n <= high``."""

    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= n <= high:
            raise argparse.ArgumentTypeError(f"{text} is out of range: give a whole number from {low:,} to {high:,}")
        return n

    parse.__name__ = "whole number"
    return parse


def check_output_file(path: Path) -> Path:
    """Refuse a path the user named that cannot become a file, with the reason; return it.

    The rule: the file's directory must already exist (a typo in a directory name is a
    mistake, not a request to create it) and be writable; the path may not be a directory
    or lie under a file.  Only the default ``out/`` is created when missing.
    """
    from ..files import OutputPathError, check_writable

    try:
        if path.parent == DEFAULT_OUT and not DEFAULT_OUT.exists():  # created when the file is written
            check_writable(DEFAULT_OUT, make_parents=False)
        else:
            check_writable(path, make_parents=False)
            can_create_files_in(path.parent)
    except OutputPathError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return path


def can_create_files_in(directory: Path) -> None:
    """Create (and at once delete) a nameless file in ``directory``: the only test that also holds for root,
    read-only file systems and /proc.  Raises ArgumentTypeError saying why not."""
    try:
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as err:
        raise argparse.ArgumentTypeError(f"cannot write into {directory}: {err.strerror or err}") from None


def output_file(text: str) -> Path:
    """``--out FILE``: see `check_output_file`."""
    return check_output_file(Path(text))


def output_dir(text: str) -> Path:
    """``--out DIR``: an existing, writable directory (only the default ``out/`` is created when missing)."""
    path = Path(text)
    if path == DEFAULT_OUT and not path.exists():
        return path
    if not path.exists():
        raise argparse.ArgumentTypeError(f"the directory {path} does not exist; create it first (mkdir -p {path})")
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{path} is a file, not a directory; give the directory to write into")
    if not os.access(path, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"the directory {path} is not writable")
    can_create_files_in(path)
    return path
