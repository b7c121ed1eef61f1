"""Helpers for the drawing tests: render with the real ``dot`` and read the SVG it produces.

    from test_drawing_support import svg_of, by_id, texts, words, number, small_example
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tinygrad_mm.models.cs224n import MarginExample, notes_example

SVG = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"


def svg_of(graph) -> ET.Element:
    """Run Graphviz's dot on a Digraph and parse the SVG it writes."""
    return ET.fromstring(graph.pipe(format="svg", encoding="utf-8"))


def by_id(svg: ET.Element) -> dict[str, ET.Element]:
    """Every element with an id: nodes v{i}, v{i}op, edges e{i}_{k}, clusters scope{k}, ..."""
    return {el.get("id"): el for el in svg.iter() if el.get("id")}


def texts(element: ET.Element) -> list[str]:
    """The text lines drawn inside an SVG element, in order."""
    return [t.text or "" for t in element.iter(f"{SVG}text")]


def words(svg: ET.Element) -> list[str]:
    """Every text line of a whole SVG, in drawing order."""
    return [t.text or "" for t in svg.iter(f"{SVG}text")]


def tooltip(element: ET.Element) -> str:
    return next(a.get(XLINK_TITLE) for a in element.iter(f"{SVG}a"))


def number(text: str) -> float:
    """A number as drawn (true minus sign, maybe a leading +)."""
    return float(text.replace("−", "-"))


def edge_ends(edge: ET.Element) -> tuple[str, str]:
    """(tail, head) DOT names of an SVG edge, from its <title>tail->head</title>."""
    title = edge.find(f"{SVG}title").text
    tail, head = title.split("->")
    return tail, head


def bbox(element: ET.Element) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of the first outline (path/polygon/ellipse) drawn in an SVG group."""
    for shape in element.iter():
        tag = shape.tag.removeprefix(SVG)
        if tag == "ellipse":
            cx, cy, rx, ry = (float(shape.get(k)) for k in ("cx", "cy", "rx", "ry"))
            return cx - rx, cy - ry, cx + rx, cy + ry
        if tag in ("path", "polygon"):
            values = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", shape.get("d") or shape.get("points"))]
            xs, ys = values[0::2], values[1::2]
            return min(xs), min(ys), max(xs), max(ys)
    raise AssertionError(f"no outline in {element.get('id')}")


def inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def small_example(active: bool = True, backward: bool = True) -> MarginExample:
    """The notes' n = 2, H = 2 example, backpropagated unless ``backward=False``."""
    example = notes_example(active=active, small=True)
    if backward:
        example.J.backward()
    return example
