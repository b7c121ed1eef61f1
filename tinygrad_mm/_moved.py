"""The module paths of earlier versions (``tinygrad_mm.nn``, ``tinygrad_mm.stepping``, …) keep working.

Each old name is an alias of the module's home in the layered layout: importing
``tinygrad_mm.nn`` gives the very module ``tinygrad_mm.models.nn``.  A finder on
``sys.meta_path`` resolves them on first import, so nothing is loaded early.
"""

from __future__ import annotations

import importlib
import sys
from importlib.machinery import ModuleSpec
from types import ModuleType

MOVED: dict[str, str | tuple[str, ...]] = {
    "ops": "engine.ops",
    "errors": "engine.errors",
    "scopes": "engine.scopes",
    "nn": "models.nn",
    "losses": "models.losses",
    "cs224n": "models.cs224n",
    "closed_form": "models.closed_form",
    "datasets": "models.datasets",
    "train": "models.train",
    "drawing": "views.drawing",
    "export": "views.export",
    "gallery": "views.gallery",
    "stepping": ("views.trace", "views.explain", "views.text"),  # one module then, three now
    "viewer": "views.viewer",
}


class MovedModules:
    """Finder and loader for ``tinygrad_mm.<old name>``: the module at its new path, under both names."""

    def __init__(self, package: str) -> None:
        self.package = package

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> ModuleSpec | None:
        package, _, name = fullname.rpartition(".")
        if package != self.package or name not in MOVED:
            return None
        return ModuleSpec(fullname, self)

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        target = MOVED[spec.name.rpartition(".")[2]]
        if isinstance(target, tuple):  # a module whose contents now live in several: look names up in each
            return _Union(spec.name, [f"{self.package}.{name}" for name in target])
        module = importlib.import_module(f"{self.package}.{target}")
        spec.loader_state = module.__spec__  # the import system is about to set the alias's spec on the module
        return module

    def exec_module(self, module: ModuleType) -> None:
        if not isinstance(module, _Union):
            module.__spec__ = module.__spec__.loader_state


class _Union(ModuleType):
    """An old module split in several: ``getattr`` finds the name in the first new module that has it."""

    def __init__(self, name: str, sources: list[str]) -> None:
        super().__init__(name, f"Alias of {', '.join(sources)}.")
        self._sources = sources

    def __getattr__(self, attribute: str) -> object:
        for source in self._sources:
            module = importlib.import_module(source)
            if hasattr(module, attribute):
                return getattr(module, attribute)
        raise AttributeError(f"module {self.__name__!r} has no attribute {attribute!r}")


def install(package: str) -> None:
    """Add the finder once (re-importing the package must not stack finders)."""
    if not any(isinstance(finder, MovedModules) for finder in sys.meta_path):
        sys.meta_path.append(MovedModules(package))
