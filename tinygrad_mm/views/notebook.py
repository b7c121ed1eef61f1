"""Jupyter: the step-through viewer inline (`show`), and how a Value displays itself (`value_html`, `value_svg`).

``show(J)`` puts the viewer page (``viewer.page``: self-contained, a strict
Content-Security-Policy, no network) inside

    <iframe sandbox="allow-scripts" srcdoc="…the whole page, HTML-escaped…" height="640">

so the page's script runs in an opaque origin — it can reach neither the
notebook, nor its cookies, nor the kernel — and its fixed height keeps the
notebook's layout intact, in any front end that renders ``text/html``.
Beside it, the output bundle carries the graph's static drawing as ``image/svg+xml``
(the same picture as a Value's own display): a saved notebook viewed where the iframe is
stripped (GitHub, nbviewer, a PDF export) still shows the graph.

A Value shown as a cell's last value is drawn (``drawing.dot_source``) at a
size a notebook can hold, and never raises:

    1. every node, if the drawing has at most `INLINE_NODES` units and fits `MAX_PICTURE` pixels;
    2. else with the outermost scopes folded (``scopes_in(root, depth=1)``), with a caption
       saying what was folded and how to see more;
    3. else no picture: a one-paragraph note saying how to draw it (`value_svg` returns None).
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from typing import Any

from ..engine import Value, topological_order
from . import dot
from .draw_options import DEFAULT_MAX_NODES, GraphTooLargeError
from .drawing import dot_source, scopes_in

DEFAULT_HEIGHT = 640  # pixels: the inline viewer's height
MIN_HEIGHT, MAX_HEIGHT = 200, 4000
INLINE_NODES = 120  # a Value's automatic display draws at most this many units (nodes, boxes, groups)
MAX_PICTURE = (10_000, 2_000)  # (width, height) in CSS pixels of the largest picture shown inline
MAX_GRAPH = 50_000  # nodes: past this the automatic display does not even try to fold scopes
CANNOT_DRAW = (GraphTooLargeError, dot.GraphvizNotFoundError, dot.GraphvizError)


# ---- show(): the step-through viewer in an iframe -----------------------------------------------


class InlineViewer:
    """The step-through viewer as a sandboxed iframe; Jupyter displays it when it is a cell's last value."""

    def __init__(self, iframe: str, height: int, name: str, svg: str | None = None) -> None:
        self.html, self.height, self.name, self.svg = iframe, height, name, svg

    def _repr_html_(self) -> str:
        return self.html

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """The live viewer (``text/html``) and, where it can be drawn, the static graph (``image/svg+xml``)."""
        bundle = {"text/html": self.html}
        if self.svg is not None:
            bundle["image/svg+xml"] = self.svg
        return bundle

    def __html__(self) -> str:  # markupsafe / Jinja: already HTML
        return self.html

    def __repr__(self) -> str:
        return f"<tinygrad_mm step-through viewer of {self.name}, {self.height} px tall: display it in Jupyter>"


def show(root: Value, height: int = DEFAULT_HEIGHT, title: str | None = None, subtitle: str = "", lens: str = "graph",
         **options: Any) -> InlineViewer:  # fmt: skip
    """The step-through viewer of ``root``'s backward pass, inline in a notebook (``height`` in pixels).

    The page is ``viewer.page(root, title, subtitle, **options)`` (its backward
    pass runs on the side: no ``.grad`` changes).  It is drawn now: later changes
    to the graph do not reach an InlineViewer already made.  ``lens="matrix"``: with the
    matrix lens open under the graph (each array's gradient by branch, views/matrix_page.py).
    """
    if lens not in ("graph", "matrix"):
        raise ValueError(f"lens must be 'graph' or 'matrix', got {lens!r}")
    if lens == "matrix":
        options["matrix"] = True
    if not isinstance(root, Value):
        raise TypeError(f"show() takes a Value (the root of a graph, e.g. the loss), got {type(root).__name__}")
    if isinstance(height, bool) or not isinstance(height, int) or not MIN_HEIGHT <= height <= MAX_HEIGHT:
        raise ValueError(f"height must be a whole number of pixels from {MIN_HEIGHT} to {MAX_HEIGHT}, got {height!r}")
    from .viewer import page  # the page's templates are read on first use

    name = root.label or root.op or "value"
    live = iframe(page(root, title, subtitle, **options), height, f"step-through viewer of {name}")
    return InlineViewer(live, height, name, value_svg(root))


def iframe(page: str, height: int, title: str) -> str:
    """``page`` as ``<iframe srcdoc=…>``: sandboxed (scripts only, opaque origin), ``height`` pixels tall, full width."""
    return (
        f'<iframe srcdoc="{html.escape(page, quote=True)}" sandbox="allow-scripts" referrerpolicy="no-referrer" '
        f'title="{html.escape(title, quote=True)}" width="100%" height="{height}" '
        f'style="display:block;box-sizing:border-box;width:100%;height:{height}px;border:1px solid #d5d9e0;border-radius:6px"></iframe>'
    )


# ---- a Value's automatic display -----------------------------------------------------------------


@dataclass
class Picture:
    """What a Value's display shows: the SVG, or None and why; and the caption under it."""

    svg: str | None
    caption: str


def value_svg(root: Value) -> str | None:
    """The SVG a Value displays as (every node, or its scopes folded), or None when nothing fits (never raises)."""
    return picture(root).svg


def value_html(root: Value) -> str:
    """A Value's display as HTML: the picture with its caption, or a short note saying how to see the graph."""
    return _html(root, picture(root))


def value_mimebundle(root: Value) -> dict[str, str]:
    """Both displays from one drawing: ``text/html`` (with the caption) and, if drawn, ``image/svg+xml``."""
    shown = picture(root)
    bundle = {"text/html": _html(root, shown)}
    if shown.svg is not None:
        bundle["image/svg+xml"] = shown.svg
    return bundle


def _html(root: Value, shown: Picture) -> str:
    """The picture as an ``<img>`` (an SVG in an image runs nothing and never clashes with the page's ids)."""
    caption = html.escape(shown.caption)
    if shown.svg is None:
        return f'<div class="tinygrad-mm-graph" style="color:#5b6472">{caption}</div>'
    data = base64.b64encode(shown.svg.encode("utf-8")).decode("ascii")
    alt = html.escape(f"the computation graph of {_name(root)}", quote=True)
    image = f'<img src="data:image/svg+xml;base64,{data}" alt="{alt}" style="max-width:100%;height:auto">'
    below = f'<figcaption style="font-size:90%;color:#5b6472">{caption}</figcaption>' if caption else ""
    return f'<figure class="tinygrad-mm-graph" style="margin:0">{image}{below}</figure>'


def picture(root: Value) -> Picture:
    """Every node if it fits, else the outermost scopes folded, else no picture; the caption says which and what next."""
    name = _name(root)
    try:
        total = len(topological_order(root))
        if total > MAX_GRAPH:
            return Picture(None, _too_large(name, total))
        tries = [[]] if total <= INLINE_NODES else []  # every node, if that can fit
        outer = scopes_in(root, depth=1)
        if outer:
            tries.append(outer)
        for collapse in tries:
            svg = _drawn(root, collapse)
            if svg is not None:
                return Picture(svg, _folded(name, collapse, total) if collapse else "")
        return Picture(None, _too_large(name, total))
    except CANNOT_DRAW as err:
        return Picture(None, f"{name}: not drawn ({err})")
    except Exception as err:  # a display must never raise: say what went wrong instead
        return Picture(None, f"{name}: not drawn ({type(err).__name__}: {err})")


def _drawn(root: Value, collapse: list[str]) -> str | None:
    """The SVG with ``collapse`` folded, or None if it has over INLINE_NODES units or is larger than MAX_PICTURE."""
    try:
        source = dot_source(root, collapse=collapse, max_nodes=INLINE_NODES)
    except GraphTooLargeError:
        return None
    svg = dot.render(source, "svg", "the graph").decode("utf-8")
    size = picture_size(svg)
    if size is None or size[0] > MAX_PICTURE[0] or size[1] > MAX_PICTURE[1]:
        return None
    return svg


def picture_size(svg: str) -> tuple[float, float] | None:
    """(width, height) in CSS pixels of Graphviz's ``<svg width="…pt" height="…pt">`` (1 pt = 4/3 px)."""
    found = re.search(r'<svg\b[^>]*?\bwidth="([\d.]+)(pt|px)?"[^>]*?\bheight="([\d.]+)(pt|px)?"', svg)
    if found is None:
        return None
    scale = [4 / 3 if unit == "pt" else 1.0 for unit in (found[2], found[4])]
    return float(found[1]) * scale[0], float(found[3]) * scale[1]


def _folded(name: str, collapse: list[str], total: int) -> str:
    scopes = ", ".join(repr(s) for s in collapse)
    everything = f"draw_dot({name}, collapse=[]{_max_nodes(total)})"
    return (
        f"{name}: {total} nodes, drawn with the scopes {scopes} folded. To see more: {everything} draws every node, "
        f"draw_dot({name}, collapse=[...]) folds only the scopes you list, {name}.show() steps through the backward pass."
    )


def _too_large(name: str, total: int) -> str:
    return (
        f"{name}: a graph of {total} nodes, too large to draw inline. draw_dot({name}{_max_nodes(total)}) draws it "
        f"all; build it inside tinygrad_mm.scope(...) blocks to draw it folded (draw_dot({name}, collapse=[...])); "
        f"{name}.show() steps through the backward pass."
    )


def _max_nodes(total: int) -> str:
    return f", max_nodes={total}" if total > DEFAULT_MAX_NODES else ""


def _name(root: Value) -> str:
    """How the captions call the root: its label if it is a Python name, else ``x``."""
    return root.label if root.label.isidentifier() else "x"
