"""Compiled steps kept for reuse: in memory for this process, and on disk for the next one.

The key is the graph's signature (tracing.py: its structure, no object identity), so a
new process that builds the same graph skips code generation and ``compile``.

Where: ``$XDG_CACHE_HOME/tinygrad_mm/compiled`` if that variable is set (it must be an
absolute path), else ``~/.cache/tinygrad_mm/compiled`` from ``$HOME`` (on Windows
``%LOCALAPPDATA%\\tinygrad_mm\\compiled``).  It is safe to delete at any time, and bounded:
at most `MAX_ENTRIES` entries, the oldest (by modification time) removed first.

Nothing is ever executed from an untrusted place:

- the folder must be a real folder (not a link), writable by its owner; on POSIX it must
  be yours and writable by nobody else.  Otherwise (and when ``$HOME`` is unset, or the
  variable above is relative or unexpanded, or the folder is read-only) the disk cache is
  not used: one line on stderr says why, once per process, and steps compile in memory;
- an entry is opened without following a link (``O_NOFOLLOW``; where the platform has no
  such flag, the file found by ``lstat`` must be the very file opened), and the *opened*
  file is checked (``fstat``): a regular file and, on POSIX, yours and writable by you alone;
- it holds the generated source and its compiled code with the SHA-256 of each, checked
  before anything is unmarshalled, and the Python bytecode magic it was compiled for;
- entries are written to a private temporary file in the folder, then renamed into place.

On Windows there is no owner id or permission bits to check: the folder lies in the
user's own profile (whose access list admits only that user), and entries are still
checked as regular files that are not links, by their hashes.

``TINYGRAD_MM_CACHE=0`` (or ``compile(fn, cache=False)``) turns the disk cache off.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import stat
import sys
from pathlib import Path
from types import CodeType

from ..files import OutputPathError, write_atomic

FORMAT = 1
MAX_ENTRIES = 256  # compiled steps kept on disk; past this, the oldest are removed
MEMORY_LIMIT = 256  # compiled steps kept in memory; the oldest goes first
_MEMORY: dict[str, tuple[str, CodeType]] = {}
_SAID: set[str] = set()  # reasons already printed (once per process)


def directory() -> Path | None:
    """Where compiled steps are kept (see the module docstring), or None if no usable place is configured."""
    return _location()[0]


def _location() -> tuple[Path | None, str]:
    """(the cache folder, "") or (None, why there is none)."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg:
        if not os.path.isabs(xdg):
            return None, f"XDG_CACHE_HOME={xdg!r} is not an absolute path"
        return Path(xdg) / "tinygrad_mm" / "compiled", ""
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA", "")
        if not os.path.isabs(base):
            return None, "%LOCALAPPDATA% is not set to an absolute path"
        return Path(base) / "tinygrad_mm" / "compiled", ""
    home = os.environ.get("HOME", "")
    if not os.path.isabs(home):
        return None, "HOME is not set to an absolute path" if home else "HOME is not set"
    return Path(home) / ".cache" / "tinygrad_mm" / "compiled", ""


def disk_enabled() -> bool:
    return os.environ.get("TINYGRAD_MM_CACHE", "1") not in ("0", "off", "no", "false")


def lookup(signature: str, disk: bool = True) -> tuple[str, CodeType] | None:
    """(source, code) compiled earlier for this signature, or None."""
    entry = _MEMORY.get(signature)
    if entry is None and disk and disk_enabled():
        folder = _usable_folder(create=False)
        entry = _read(folder / f"{signature}.step", signature) if folder else None
        if entry is not None:
            remember(signature, *entry)
    return entry


def store(signature: str, source: str, code: CodeType, disk: bool = True) -> None:
    """Keep (source, code) in memory, and on disk unless that is off or impossible (never an error)."""
    remember(signature, source, code)
    if disk and disk_enabled():
        folder = _usable_folder(create=True)
        if folder is not None:
            _write(folder / f"{signature}.step", signature, source, code)
            prune(folder)


def remember(signature: str, source: str, code: CodeType) -> None:
    if len(_MEMORY) >= MEMORY_LIMIT:
        del _MEMORY[next(iter(_MEMORY))]
    _MEMORY[signature] = (source, code)


def forget_memory() -> None:
    """Empty the in-memory cache (the disk cache stays): the next compile reads the disk or compiles."""
    _MEMORY.clear()


def _usable_folder(create: bool) -> Path | None:
    """The cache folder if it can be trusted and written (made if ``create``); else None, said once on stderr."""
    folder, why = _location()
    if folder is not None:
        try:
            if create:
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            why = _untrusted(os.lstat(folder), directory=True)
        except FileNotFoundError:
            return None  # nothing cached yet: not a problem
        except OSError as err:
            why = f"{folder} cannot be made or read ({err.strerror or err})"
        else:
            why = f"{folder} {why}" if why else ""
    if not why:
        return folder
    if why not in _SAID:
        _SAID.add(why)
        sys.stderr.write(f"tinygrad_mm.compile: not using the disk cache: {why}; compiled steps stay in memory\n")
    return None


def _untrusted(info: os.stat_result, directory: bool = False) -> str:
    """Why a folder or an entry (its ``lstat`` or ``fstat``) is not to be trusted; "" if it is."""
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link"
    if not (stat.S_ISDIR(info.st_mode) if directory else stat.S_ISREG(info.st_mode)):
        return "is not a folder" if directory else "is not a regular file"
    if directory and not info.st_mode & stat.S_IWUSR:
        return "is read-only"
    getuid = getattr(os, "getuid", None)  # POSIX only: Windows has no owner id and no group/other bits
    if getuid is not None:
        if info.st_uid != getuid():
            return "belongs to another user"
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return "can be written by other users"
    return ""


def _magic() -> str:
    """What the marshalled code depends on: the interpreter and its exact version."""
    return f"{sys.implementation.cache_tag} {sys.version}"


def _write(path: Path, signature: str, source: str, code: CodeType) -> None:
    """The entry written to a private temporary file beside ``path``, then renamed into place (never an error)."""
    body, compiled = source.encode("utf-8"), marshal.dumps(code)
    header = {
        "format": FORMAT, "magic": _magic(), "signature": signature, "source_bytes": len(body),
        "source_sha256": hashlib.sha256(body).hexdigest(), "code_sha256": hashlib.sha256(compiled).hexdigest(),
    }  # fmt: skip
    try:  # the project's one atomic writer: a temporary file beside the entry, renamed into place; private (0o600)
        write_atomic(path, json.dumps(header).encode() + b"\n" + body + compiled, make_parents=False, mode=0o600, follow_links=False)
    except (OutputPathError, OSError):
        return  # a cache that cannot be written is only a slower next start


def prune(folder: Path, limit: int | None = None) -> None:
    """Remove the oldest entries (by modification time) past ``limit`` (`MAX_ENTRIES`); links are never followed."""
    limit = MAX_ENTRIES if limit is None else limit
    try:
        found = [(e.stat(follow_symlinks=False).st_mtime, e.path) for e in os.scandir(folder) if e.name.endswith(".step")]
    except OSError:
        return
    found.sort()
    for _, path in found[: max(0, len(found) - limit)]:
        try:
            os.unlink(path)
        except OSError:
            pass


_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _open_entry(path: Path) -> int | None:
    """A file descriptor of the entry if it is a trustworthy file (see the module docstring), else None."""
    before = None if _NO_FOLLOW else os.lstat(path)  # without O_NOFOLLOW: the file found must be the file opened
    fd = os.open(path, os.O_RDONLY | _NO_FOLLOW | getattr(os, "O_BINARY", 0))
    info = os.fstat(fd)
    swapped = before is not None and (stat.S_ISLNK(before.st_mode) or (before.st_dev, before.st_ino) != (info.st_dev, info.st_ino))
    if swapped or _untrusted(info):
        os.close(fd)
        return None
    return fd


def _read(path: Path, signature: str) -> tuple[str, CodeType] | None:
    """The entry at ``path`` if it is trustworthy and intact (see the module docstring), else None."""
    try:
        fd = _open_entry(path)
        if fd is None:
            return None
        with os.fdopen(fd, "rb") as file:
            header = json.loads(file.readline())
            rest = file.read()
        size = header["source_bytes"]
        body, compiled = rest[:size], rest[size:]
        intact = (
            header["format"] == FORMAT and header["magic"] == _magic() and header["signature"] == signature
            and hashlib.sha256(body).hexdigest() == header["source_sha256"]
            and hashlib.sha256(compiled).hexdigest() == header["code_sha256"]
        )  # fmt: skip
        if not intact:
            return None
        code = marshal.loads(compiled)
        return (body.decode("utf-8"), code) if isinstance(code, CodeType) else None
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None
