"""tinygrad_mm: a scalar autograd engine that makes backpropagation visible.

    >>> from tinygrad_mm import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x
    >>> y.backward()
    >>> x.grad            # d/dx (x² + 3x) = 2x + 3
    7.0

Five layers, each importing only the ones before it, inside functions too (README, "Architecture"):

    engine/    Value, the op classes, backward(), record() — no dependencies, loaded by ``import tinygrad_mm``
    compiled/  compile(fn): the chain rule written out as Python
    models/    nn, losses, cs224n, closed_form, datasets, train
    views/     the graph model, text, drawing, export, trace, explain, page, slides, notebook
    cli/       the ``tinygrad-mm`` command

Everything past the engine is imported on first use.  This file wires the layers together: it
gives `Value` its Jupyter display (drawn by views/notebook.py), so the engine imports no view.
"""

from __future__ import annotations

import importlib

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
    "to_python": "views.python_code",
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


def _repr_svg_(self: Value) -> str | None:
    """The drawing of this graph, folded to fit a notebook, or None if it cannot fit (views/notebook.py)."""
    from .views.notebook import value_svg

    return value_svg(self)


def _repr_mimebundle_(self: Value, include: object = None, exclude: object = None) -> dict[str, str]:
    """Jupyter shows a Value as the drawing of its graph, with a caption when scopes were folded to fit."""
    from .views.notebook import value_mimebundle

    return value_mimebundle(self)


def _show(self: Value, height: int = 640, **options: object) -> object:
    """The step-through viewer of this graph's backward pass, inline in a notebook (``tinygrad_mm.show``)."""
    from .views.notebook import show

    return show(self, height, **options)  # type: ignore[arg-type]


Value._repr_svg_ = _repr_svg_  # type: ignore[attr-defined]
Value._repr_mimebundle_ = _repr_mimebundle_  # type: ignore[attr-defined]
Value.show = _show  # type: ignore[attr-defined]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
