"""tinygrad_mm: a scalar autograd engine that makes backpropagation visible.

    >>> from tinygrad_mm import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x
    >>> y.backward()
    >>> x.grad            # d/dx (x² + 3x) = 2x + 3
    7.0

Layers, each using only the ones before it (README, "Architecture"):

    engine/   Value, the op classes, backward() — no dependencies, loaded by ``import tinygrad_mm``
    models/   nn, losses, cs224n, closed_form, datasets, train
    views/    the graph model, text, drawing, export, trace, explain, viewer, notebook, code
    cli/      the ``tinygrad-mm`` command

Everything past the engine is imported on first use.
"""

from __future__ import annotations

import importlib

from ._moved import install as _install_moved_modules
from .engine import (
    BackwardStep,
    Constant,
    DivisionByZeroError,
    DomainError,
    GradientError,
    Parameter,
    StaleGraphError,
    Value,
    dot,
    scope,
    sum_values,
    topological_order,
)

__version__ = "0.2.0"

_LAZY = {  # public name → the module that defines it, imported when the name is first used
    "draw_dot": "views.drawing",
    "explain": "views.explain",
    "to_html": "views.viewer",
    "show": "views.notebook",
    "compile": "compiled",
    "to_python": "compiled",
}

__all__ = [
    "BackwardStep",
    "Constant",
    "DivisionByZeroError",
    "DomainError",
    "GradientError",
    "Parameter",
    "StaleGraphError",
    "Value",
    "dot",
    "scope",
    "sum_values",
    "topological_order",
    *_LAZY,
]

_install_moved_modules(__name__)


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
