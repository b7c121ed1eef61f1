"""One animated SVG of the backward pass, for slides that cannot run a page: the frames, shown one after another.

The frames are the slides' (`slides.step_sources`: every step one page of the same size, so
nothing moves but the colours and the gradients); each becomes a group of one SVG that is
visible during its own ``seconds`` and hidden otherwise — SVG's own animation (SMIL
``<animate>`` of ``visibility``, discrete), no script, so it plays in a browser, in
PowerPoint/Keynote/Impress and on a web page, and loops.  Each frame's ids get the prefix
``f{k}-`` so that the document's ids stay unique.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from ..engine import Value
from ..files import write_atomic
from . import dot
from .slides import step_sources

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"


def animated_svg(frames: list[bytes], seconds: float = 1.5) -> str:
    """The SVG frames (all one size) as one looping SVG showing frame k from ``k·seconds`` for ``seconds``."""
    if not frames:
        raise ValueError("an animation needs at least one frame")
    if not 0.05 <= seconds <= 600:
        raise ValueError(f"seconds per step must be from 0.05 to 600, got {seconds!r}")
    ElementTree.register_namespace("", SVG_NS)
    ElementTree.register_namespace("xlink", XLINK_NS)
    first = ElementTree.fromstring(frames[0])
    out = ElementTree.Element(f"{{{SVG_NS}}}svg", {k: first.get(k, "") for k in ("width", "height", "viewBox")})
    title = ElementTree.SubElement(out, f"{{{SVG_NS}}}title")
    title.text = f"backprop, one step every {seconds:g} s ({len(frames)} steps, looping)"
    n, total = len(frames), f"{len(frames) * seconds:g}s"
    for k, frame in enumerate(frames):
        root = ElementTree.fromstring(frame)
        group = ElementTree.SubElement(out, f"{{{SVG_NS}}}g", {"id": f"frame{k + 1}", "visibility": "visible" if k == 0 else "hidden"})
        for element in root.iter():
            if element.get("id"):
                element.set("id", f"f{k + 1}-{element.get('id')}")
        group.extend(child for child in root if child.tag != f"{{{SVG_NS}}}title")
        values, times = (["visible", "hidden"], [0, 1 / n]) if k == 0 else (["hidden", "visible", "hidden"], [0, k / n, (k + 1) / n])
        if k == n - 1 and k > 0:
            values, times = ["hidden", "visible"], [0, k / n]
        if n > 1:
            ElementTree.SubElement(group, f"{{{SVG_NS}}}animate", {
                "attributeName": "visibility", "values": ";".join(values), "keyTimes": ";".join(f"{t:.6f}" for t in times),
                "calcMode": "discrete", "dur": total, "repeatCount": "indefinite"})  # fmt: skip
    return ElementTree.tostring(out, encoding="unicode")


def write_animation(root: Value, path: str | Path, seconds: float = 1.5, **options: Any) -> Path:
    """Write ``root``'s backward pass as one looping animated SVG (options as `slides.step_sources`)."""
    frames = [dot.render(source, "svg", f"frame {k + 1}") for k, source in enumerate(step_sources(root, **options))]
    return write_atomic(Path(path), animated_svg(frames, seconds))
