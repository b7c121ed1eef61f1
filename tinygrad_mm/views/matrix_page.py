"""The matrix lens, part 4: the lens picture made ready for the step-through page and for notebooks.

`lens_svg` renders `matrix_draw.lens_source` with Graphviz, has the page check it, and edits the SVG as XML: each cell's
``<a xlink:title>`` wrapper (Graphviz's way to carry a tooltip) becomes the cell's own group

    <g id="mx12-3" class="mx-cell" data-node="12" tabindex="0" role="button" aria-label="…"><title>…</title>…</g>

— reachable by keyboard, named for screen readers, and pointing at node ``#12`` (the page's ``v12``),
which ``templates/viewer-matrix.js`` jumps to on a click.  No link is left (nothing to follow).
`page_parts` wraps it in the page's inert ``<template id="matrix-lens">``, with the backward pass by layer
(U, then f, then W and b: `matrix_formulas.layer_steps`) as the page's data; `MatrixView` shows
it in a notebook (``tinygrad_mm.views.matrix_page.show_matrix(J)``).
"""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Callable
from xml.etree import ElementTree

from ..engine import Value
from . import dot
from .matrix import MatrixLens, gradient_lens
from .matrix_draw import NEGATIVE_RAMP, POSITIVE_RAMP, ZERO_FILL, Cells, lens_source, matrix_picture
from .matrix_formulas import NotesFormulas, NotFound, layer_steps, notes_formulas
from .matrix_live import live_layers, live_lens
from .text import number

SVG_NS, XLINK_NS = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"
CELL_ID = re.compile(r"a_(mx(\d+)-\d+)")
TEXT_ID = re.compile(r"a_(mtx\d+)")  # a text with numbers (matrix_draw.Cells.text): rewritten by a live page


def lens_svg(root: Value, check: Callable[[str], ElementTree.Element], title: str = "", digits: int = 4) -> str:
    """The lens picture as inline SVG text with interactive cells (see the module docstring); no ``.grad`` changes.

    ``check`` parses Graphviz's SVG and refuses anything that could run (the page's ``viewer.check_svg``;
    passed in, so that this module, which the page uses, does not use the page)."""
    return _svg(gradient_lens(root), check, title, digits)


def _svg(lens: MatrixLens, check: Callable[[str], ElementTree.Element], title: str = "", digits: int = 4) -> str:
    return _rendered(lens, check, title, digits)[0]


def _rendered(lens: MatrixLens, check: Callable[[str], ElementTree.Element], title: str = "",
              digits: int = 4) -> tuple[str, Cells]:  # fmt: skip
    source, cells = lens_source(lens, title, digits)
    svg = check(dot.render(source, "svg", "the matrix lens").decode("utf-8"))
    _cells(svg)
    return ElementTree.tostring(svg, encoding="unicode"), cells


def _cells(svg: ElementTree.Element) -> None:
    """Unwrap every ``<g id="a_…"><a xlink:title="T">…</a></g>`` into one group carrying T (see the module docstring)."""
    g_tag, a_tag, title_tag = f"{{{SVG_NS}}}g", f"{{{SVG_NS}}}a", f"{{{SVG_NS}}}title"
    for parent in list(svg.iter(g_tag)):
        for child in list(parent):
            if child.tag != g_tag or not child.get("id", "").startswith("a_") or len(child) != 1 or child[0].tag != a_tag:
                continue
            link, tooltip = child[0], child[0].get(f"{{{XLINK_NS}}}title", "")
            cell, text = CELL_ID.fullmatch(child.get("id", "")), TEXT_ID.fullmatch(child.get("id", ""))
            group = ElementTree.Element(g_tag)
            if text is not None:
                group.attrib.update({"id": text.group(1), "class": "mx-text"})
            elif cell is not None:
                group.attrib.update({"id": cell.group(1), "class": "mx-cell", "data-node": cell.group(2), "tabindex": "0",
                                     "role": "button", "aria-label": tooltip.replace("\n", "; ")})  # fmt: skip
            else:
                group.set("class", "mx-gap")
            ElementTree.SubElement(group, title_tag).text = tooltip
            group.extend(list(link))
            parent.insert(list(parent).index(child), group)
            parent.remove(child)


def page_parts(root: Value, check: Callable[[str], ElementTree.Element], digits: int = 4) -> tuple[str, dict]:
    """What the step-through page adds for the lens: its ``<template id="matrix-lens">`` (the SVG of `lens_svg`)
    and its data: the three layer steps (`matrix_formulas.layer_steps`, with their nodes' topological indices),
    every cell's role ``[node, kind, branch, scale, number]`` and the colour ramps (for ``tgmm.matrixUpdate``), and
    what a live page needs to recompute them (`matrix_live.live_lens`)."""
    lens = gradient_lens(root)
    index = {node: i for i, node in enumerate(lens.order)}
    try:
        formulas: NotesFormulas | None = notes_formulas(lens)
    except NotFound:
        formulas = None
    layers = layer_steps(lens, formulas, lambda x: number(x, digits)) if formulas is not None else []
    svg, cells = _rendered(lens, check, digits=digits)
    data = {
        "open": True,
        "layers": [{"title": step.title, "formula": step.formula, "lines": step.lines, "nodes": [index[node] for node in step.nodes],
                    "templates": templates} for step, templates in zip(layers, live_layers(layers, index), strict=True)],
        "cells": {cid: [node, *cells.roles[cid][:3], _json_number(cells.roles[cid][3])] for cid, node, _ in cells.numbered},
        "ramps": {"negative": NEGATIVE_RAMP, "positive": POSITIVE_RAMP, "zero": ZERO_FILL},
        "live": live_lens(lens, formulas, cells),
    }  # fmt: skip
    return f'<template id="matrix-lens">{svg}</template>', data


def _json_number(x: float) -> float | None:
    """A number for strict JSON: None where it is infinite or undefined."""
    return x if math.isfinite(x) else None


class MatrixView:
    """The lens picture in a notebook: Jupyter shows it as an image (hover a cell for its number and paths)."""

    def __init__(self, svg: str, name: str) -> None:
        self.svg, self.name = svg, name

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
        alt = html.escape(f"the matrix lens of {self.name}: each array's gradient by branch", quote=True)
        return f'<img src="data:image/svg+xml;base64,{data}" alt="{alt}" style="max-width:100%;height:auto">'

    def __repr__(self) -> str:
        return f"<tinygrad_mm matrix lens of {self.name}: display it in Jupyter, or write_matrix(J, 'grads.svg')>"


def show_matrix(root: Value, title: str = "", digits: int = 4) -> MatrixView:
    """The matrix lens of ``root`` as a notebook display: Graphviz's picture, tooltips included (no ``.grad`` changes)."""
    return MatrixView(matrix_picture(root, "svg", title, digits).decode("utf-8"), root.label or "the root")
