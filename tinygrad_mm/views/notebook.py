"""Jupyter: how a Value displays itself."""

from __future__ import annotations

from ..engine import Value
from . import dot
from .draw_options import GraphTooLargeError
from .drawing import dot_source


def value_svg(root: Value) -> str | None:
    """SVG of ``root``'s graph for Jupyter, or None when it cannot be drawn (too large, no ``dot``)."""
    try:
        return dot.render(dot_source(root), "svg", "the graph").decode("utf-8")
    except (GraphTooLargeError, dot.GraphvizNotFoundError, dot.GraphvizError):
        return None
