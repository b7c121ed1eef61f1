"""Name scopes: tag every node created inside ``with scope("name"):``.

Scopes nest; a node's scope is the path of names active when it was made,
outermost first, e.g. ``("s = Uᵀf(Wx+b)", "z = Wx + b")``.  Drawings use the
path to draw clusters or collapse a scope into one box.

The open path is a `contextvars.ContextVar`, so two threads, or two asyncio
tasks, building graphs at the same time never tag each other's nodes.
"""

from __future__ import annotations

from contextvars import ContextVar
from threading import Lock

OPEN: ContextVar[tuple[str, ...]] = ContextVar("tinygrad_mm_scope", default=())  # the path open in this context
ANYWHERE = [0]  # how many scopes are open in any thread or task: the engine looks at OPEN only when this is not 0
_COUNTING = Lock()


class scope:  # noqa: N801 (used like a function: ``with scope("name"):``)
    """Tag every node created inside ``with scope(name):`` with ``name`` (nested in any outer scope).

    ``as`` gives the open path, outermost first.
    """

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"scope name must be a non-empty str, got {name!r}")
        self.name = name

    def __enter__(self) -> tuple[str, ...]:
        path = (*OPEN.get(), self.name)
        self._token = OPEN.set(path)
        with _COUNTING:
            ANYWHERE[0] += 1
        return path

    def __exit__(self, *exc: object) -> None:
        with _COUNTING:
            ANYWHERE[0] -= 1
        OPEN.reset(self._token)

