"""Compiled steps kept for reuse: in memory for this process, and on disk for the next one.

The key is the graph's signature (tracing.py: its structure, no object identity), so a
new process that builds the same graph skips code generation and ``compile``.  The disk
cache lives in ``$XDG_CACHE_HOME/tinygrad_mm/compiled`` (default ``~/.cache/…``) and is
safe to delete at any time.  Nothing is ever executed from an untrusted place:

- an entry is read only from a directory that is yours and writable by you alone, from
  a regular file (not a link) that is yours and writable by you alone;
- it holds the generated source and its compiled code with the SHA-256 of each, checked
  before anything is unmarshalled, and the Python bytecode magic it was compiled for;
- entries are written by `write_atomic` (a private temporary file, then a rename).

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

FORMAT = 1
_MEMORY: dict[str, tuple[str, CodeType]] = {}
MEMORY_LIMIT = 256  # compiled steps kept in memory; the oldest goes first


def directory() -> Path:
    """Where compiled steps are kept: ``$XDG_CACHE_HOME/tinygrad_mm/compiled``, else ``~/.cache/tinygrad_mm/compiled``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tinygrad_mm" / "compiled"


def disk_enabled() -> bool:
    return os.environ.get("TINYGRAD_MM_CACHE", "1") not in ("0", "off", "no", "false")


def lookup(signature: str, disk: bool = True) -> tuple[str, CodeType] | None:
    """(source, code) compiled earlier for this signature, or None."""
    entry = _MEMORY.get(signature)
    if entry is None and disk and disk_enabled():
        entry = _read(directory() / f"{signature}.step", signature)
        if entry is not None:
            remember(signature, *entry)
    return entry


def store(signature: str, source: str, code: CodeType, disk: bool = True) -> None:
    """Keep (source, code) in memory, and on disk unless that is off or impossible (never an error)."""
    remember(signature, source, code)
    if disk and disk_enabled():
        _write(directory() / f"{signature}.step", signature, source, code)


def remember(signature: str, source: str, code: CodeType) -> None:
    if len(_MEMORY) >= MEMORY_LIMIT:
        del _MEMORY[next(iter(_MEMORY))]
    _MEMORY[signature] = (source, code)


def forget_memory() -> None:
    """Empty the in-memory cache (the disk cache stays): the next compile reads the disk or compiles."""
    _MEMORY.clear()


def _magic() -> str:
    """What the marshalled code depends on: the interpreter and its exact version."""
    return f"{sys.implementation.cache_tag} {sys.version}"


def _write(path: Path, signature: str, source: str, code: CodeType) -> None:
    from ..views.files import OutputPathError, write_atomic

    body, compiled = source.encode("utf-8"), marshal.dumps(code)
    header = {
        "format": FORMAT, "magic": _magic(), "signature": signature, "source_bytes": len(body),
        "source_sha256": hashlib.sha256(body).hexdigest(), "code_sha256": hashlib.sha256(compiled).hexdigest(),
    }  # fmt: skip
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(path.parent, directory=True):
            return
        write_atomic(path, json.dumps(header).encode() + b"\n" + body + compiled)
    except (OSError, OutputPathError):
        return  # a cache that cannot be written is only a slower next start


def _private(path: Path, directory: bool = False) -> bool:
    """True if ``path`` is ours, not a link, of the expected type, and writable by nobody else."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    kind = stat.S_ISDIR(info.st_mode) if directory else stat.S_ISREG(info.st_mode)
    return kind and info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _read(path: Path, signature: str) -> tuple[str, CodeType] | None:
    """The entry at ``path`` if it is trustworthy and intact (see the module docstring), else None."""
    if not (_private(path.parent, directory=True) and _private(path)):
        return None
    try:
        with open(path, "rb") as file:
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
