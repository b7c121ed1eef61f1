"""Writing files so that none is ever lost: a temporary file beside the target, then an atomic rename.

This module sits below every layer (engine, compiled, models, views, cli may all use it) and
imports only the standard library.

- If anything fails (an unencodable label, a full disk, Ctrl-C), the user's previous file is
  untouched and no temporary file is left behind.
- The new file gets the permissions a plain ``open(path, "w")`` would give it: ``0o666 & ~umask``
  for a new file (the kernel applies the umask: nothing here reads or changes it), the replaced
  file's own mode when overwriting — so a page put on course web space stays readable.
- Only a regular file is ever replaced: a path naming a device, a FIFO, a socket (``/dev/null``,
  ``/dev/stdout``) is refused.  A symbolic link to a regular file is written through (the file it
  points to is replaced, the link stays a link).
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation (POSIX has no such flag)


class OutputPathError(ValueError):
    """The path to write cannot be a file: it is a directory, a device, under a file, or in a directory we cannot write."""


def write_atomic(
    path: str | os.PathLike[str], data: str | bytes, *, make_parents: bool = True, mode: int | None = None,
    follow_links: bool = True,
) -> Path:
    """Write ``data`` (str as UTF-8, newlines as given) to ``path`` via a temporary file and ``os.replace``; return the path.

    ``mode``: the file's permissions; None (the default) gives those of a normal write (see the module docstring).
    ``follow_links=False``: a link at ``path`` is replaced by the file, never written through (a private cache).
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data  # encode first: a bad label fails before any I/O
    check_writable(path, make_parents=make_parents)
    target = Path(os.path.realpath(path)) if follow_links and path.is_symlink() else path  # write through a link
    handle, temporary = _create_beside(target, 0o666 if mode is None else mode)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(payload)
        _copy_mode(target, temporary, mode)
        os.replace(temporary, target)
    except OSError as err:
        Path(temporary).unlink(missing_ok=True)
        raise OutputPathError(f"cannot write {path}: {err.strerror or err}; the previous file, if any, is unchanged") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _create_beside(target: Path, mode: int) -> tuple[int, str]:
    """A new, empty temporary file in ``target``'s directory, created with ``mode`` (the umask applies), and its name."""
    for _ in range(100):
        name = str(target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp"))
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, mode), name
        except FileExistsError:
            continue
        except OSError as err:
            raise OutputPathError(f"cannot write {target}: {err.strerror or err}") from None
    raise OutputPathError(f"cannot write {target}: no free temporary name in {target.parent}")


def _copy_mode(target: Path, temporary: str, mode: int | None) -> None:
    """Give ``temporary`` the mode of the file it replaces (POSIX; Windows has only a read-only flag) or ``mode``."""
    if os.name != "posix":
        return
    if mode is not None:
        os.chmod(temporary, mode)  # exactly as asked (e.g. 0o600 for a private cache), whatever the umask
        return
    try:
        os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
    except FileNotFoundError:
        pass  # a new file: os.open gave it 0o666 & ~umask, as a normal write would


def check_writable(path: Path, *, make_parents: bool = True) -> None:
    """Raise `OutputPathError` naming the problem if ``path`` cannot be written as a regular file."""
    path = Path(path)
    if path.is_dir():
        raise OutputPathError(f"{path} is a directory; give a file name, e.g. {path / 'graph.svg'}")
    if path.exists() and not path.is_file():
        raise OutputPathError(
            f"{path} is not a regular file (a device, a FIFO or a socket, or a link to one): it is never replaced; "
            "give the name of a file to write"
        )
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
