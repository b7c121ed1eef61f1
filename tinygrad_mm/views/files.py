"""Writing files so that none is ever lost: a temporary file beside the target, then an atomic rename.

If anything fails (an unencodable label, a full disk, Ctrl-C), the user's previous
file is untouched and no temporary file is left behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class OutputPathError(ValueError):
    """The path to write cannot be a file: it is a directory, under a file, or in a directory we cannot write."""


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *, make_parents: bool = True) -> Path:
    """Write ``data`` (str as UTF-8) to ``path`` via a temporary file and ``os.replace``; return the path."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data  # encode first: a bad label fails before any I/O
    check_writable(path, make_parents=make_parents)
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        raise OutputPathError(f"cannot write {path}: {err.strerror or err}") from None
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(payload)
        os.replace(temporary, path)
    except OSError as err:
        Path(temporary).unlink(missing_ok=True)
        raise OutputPathError(f"cannot write {path}: {err.strerror or err}; the previous file, if any, is unchanged") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def check_writable(path: Path, *, make_parents: bool = True) -> None:
    """Raise `OutputPathError` naming the problem if ``path`` cannot be written as a file."""
    if path.is_dir():
        raise OutputPathError(f"{path} is a directory; give a file name, e.g. {path / 'graph.svg'}")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputPathError(f"cannot write {path}: {parent} is a file, not a directory")
            break
    if not path.parent.exists():
        if not make_parents:
            raise OutputPathError(f"cannot write {path}: the directory {path.parent} does not exist; create it first")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OutputPathError(f"cannot create the directory {path.parent}: {err.strerror}") from None
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise OutputPathError(f"cannot write {path}: the directory {path.parent} is not writable")
