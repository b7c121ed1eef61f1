"""Name scopes: tag every node created inside ``with scope("name"):``.

Scopes nest; a node's scope is the path of names active when it was made,
outermost first, e.g. ``("s = Uᵀf(Wx+b)", "z = Wx + b")``.  Drawings use the
path to draw clusters or collapse a scope into one box.

Tags live in a weak table beside the graph, so nodes made outside any scope
(the fast path) carry no extra memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

if TYPE_CHECKING:
    from .engine import Value

ACTIVE: list[str] = []  # the scope names now open, outermost first (engine reads it)
_SCOPE_OF: WeakKeyDictionary[Value, tuple[str, ...]] = WeakKeyDictionary()


@contextmanager
def scope(name: str) -> Iterator[tuple[str, ...]]:
    """Tag every node created inside the block with ``name`` (nested in any outer scope)."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"scope name must be a non-empty str, got {name!r}")
    ACTIVE.append(name)
    try:
        yield tuple(ACTIVE)
    finally:
        ACTIVE.pop()


def tag(node: Value) -> None:
    """Record the currently open scope path on ``node`` (called by the engine when ACTIVE is non-empty)."""
    _SCOPE_OF[node] = tuple(ACTIVE)


def scope_of(node: Value) -> tuple[str, ...]:
    """The scope path ``node`` was created in; ``()`` if none."""
    return _SCOPE_OF.get(node, ())


def scope_paths(nodes: Iterable[Value]) -> list[tuple[str, ...]]:
    """Every scope path the nodes were made in, each prefix included, outer before inner, in first-seen order."""
    seen: dict[tuple[str, ...], None] = {}
    for node in nodes:
        path = _SCOPE_OF.get(node, ())
        for depth in range(1, len(path) + 1):
            seen.setdefault(path[:depth])
    return list(seen)
