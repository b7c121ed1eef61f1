"""A click-through HTML page of the backward pass: fixed Graphviz layouts, one chain-rule step per click.

`to_html` draws the graph once per *view* (``page_views``: the scopes collapsed as asked,
then each box expanded — clicking a box switches to the drawing where it is open), keeps
each drawing in an inert ``<template>``, and embeds the steps as JSON (``page_data``:
every step's arithmetic and the op's own explanation of its local derivative).  The page's
script only switches CSS classes and fills in text, so nodes never move.  Each value node
has a fixed-size slot, drawn by Graphviz as part of the node, where the page writes the
gradient: it can never overlap another node.  The file needs no network: the template's
CSS and scripts (``templates/``) are inlined too.  Options: ``collapse``, ``max_nodes``,
``quiz`` (answer each step's questions before it is revealed, `quiz.quiz_questions`; ``"seeds"``:
only the gates' — the seeds' question), ``forward`` (first compute the values, node by node),
``digits``, ``present`` (open in presenter mode).

Safety: the SVG is edited as XML (ElementTree), never as text; labels reach the page only
as escaped SVG text (Graphviz escapes them, `check_svg` refuses any SVG that still holds
markup that could run, and serialising the tree escapes them again), as JSON in which
``<``, ``>`` and ``&`` are ``\\u`` escapes (so ``</script>`` and ``<!--`` cannot end the data
block), and through ``textContent`` in the script — never as HTML.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from ..engine import Value
from ..files import write_atomic
from . import dot
from .draw_options import DEFAULT_MAX_NODES, DrawOptions, GraphTooLargeError
from .drawing import Drawing
from .drawing_style import FILL, MONO, SLOT_CHAR, SLOT_POINTS, Marks, css_colours, slot_marker
from .graph import GraphModel, graph_model
from .live import live_page, live_view
from .live_text import subtitle_template
from .page_data import StepText
from .page_views import ViewPlan, ViewSteps, plan_views
from .quiz import QUIZZES, quiz_questions

SVG_NS, XLINK_NS = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"
ElementTree.register_namespace("", SVG_NS)
ElementTree.register_namespace("xlink", XLINK_NS)
SCRIPTS = ("viewer-state.js", "viewer-panel.js", "viewer-quiz.js", "viewer-main.js", "viewer-live-digits.js", "viewer-live.js", "viewer-live-steps.js",
           "viewer-live-text.js", "viewer-live-box.js", "viewer-a11y.js")  # a11y last: it wraps S.go and S.showView


def embed_json(data: object) -> str:
    """JSON that is safe inside ``<script>``: ``<``, ``>``, ``&`` and the JS line separators are ``\\u`` escapes."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


_UNSAFE_ELEMENTS = {"script", "foreignobject", "iframe", "object", "embed", "handler", "listener"}


def check_svg(svg: ElementTree.Element) -> ElementTree.Element:
    """``svg`` itself, checked to hold nothing executable: no script-like element, no ``on…`` attribute, no
    ``javascript:`` link (Graphviz escapes labels, so a label like ``<script>`` arrives as text: this is the second lock)."""
    for element in svg.iter():
        tag = str(element.tag).rsplit("}", 1)[-1].lower()
        events = [name for name in element.attrib if name.rsplit("}", 1)[-1].lower().startswith("on")]
        links = [v for name, v in element.attrib.items() if name.endswith("href") and "javascript:" in v.lower()]
        if tag in _UNSAFE_ELEMENTS or events or links:
            raise ValueError(f"refusing to inline an SVG whose <{tag}> could run code: a label was not escaped")
    return svg


def parse_svg(svg: str) -> ElementTree.Element:
    """Graphviz's SVG text as an element tree (prolog, doctype and comments dropped by the parser)."""
    if "<svg" not in svg:
        raise ValueError("the drawing produced no <svg> element (is Graphviz's 'dot' installed?)")
    return ElementTree.fromstring(svg.encode("utf-8"))


def _view_svg(model: GraphModel, plan: ViewPlan, view: ViewSteps) -> tuple[ElementTree.Element, Drawing]:
    """One view's drawing, rendered by dot and edited as XML: slots become empty badges, data texts get a class."""
    drawing_model = dataclasses.replace(model, backward=None)  # the page reveals gradients step by step: none drawn
    options = DrawOptions.of(None, {"collapse": sorted(plan.collapse), "show_grad": False, "legend": False, "title": "",
                                    "grad_slots": True, "max_nodes": max(plan.layout.size(), 1)})  # fmt: skip
    drawing = Drawing(drawing_model, options, Marks(slot_chars=view.slot_chars, markers=True))
    source = drawing.source().replace("nodesep=0.25", "nodesep=0.4", 1)
    svg = check_svg(parse_svg(dot.render(source, "svg", "the step-through page").decode("utf-8")))
    _edit_svg(svg, drawing.data_texts, view.slot_chars)
    return svg, drawing


def _edit_svg(svg: ElementTree.Element, data_texts: dict[str, list[str]], slot_chars: dict[str, int]) -> None:
    """Turn each slot's marker text into an empty badge ``<g id="v3-grad">`` (frame + text), mark data texts,
    and keep the page light: each tooltip becomes the group's own ``<title>`` instead of a link wrapper."""
    text_tag, g_tag = f"{{{SVG_NS}}}text", f"{{{SVG_NS}}}g"
    _unwrap_tooltips(svg)
    parents = {child: parent for parent in svg.iter() for child in parent}
    prefix = slot_marker("")
    found = []
    for group in svg.iter(g_tag):
        if group.get("class") != "node":
            continue
        unit = group.get("id", "")
        data = set(data_texts.get(unit, ()))
        data |= {t.replace(" ", "\xa0") for t in data}  # Graphviz may write a space as a no-break space
        slots = []
        for text in group.iter(text_tag):
            if text.text in data:
                text.set("class", "data")
            if (text.text or "").startswith(prefix):
                slots.append(text)
        found += list({(t.text or "")[len(prefix) :]: t for t in slots}.items())  # the last marker text is the slot
    for slot, text in found:
        parent = parents[text]
        parent.insert(list(parent).index(text), _badge(text, slot, slot_chars.get(slot, 8)))
        parent.remove(text)


def _unwrap_tooltips(svg: ElementTree.Element) -> None:
    """``<g class="node"><title>v3</title><g id="a_v3"><a xlink:title="T">…</a></g></g>`` becomes
    ``<g class="node"><title>T</title>…</g>``: the same tooltip, three elements fewer per node and edge."""
    g_tag, a_tag, title_tag = f"{{{SVG_NS}}}g", f"{{{SVG_NS}}}a", f"{{{SVG_NS}}}title"
    for group in svg.iter(g_tag):
        if group.get("class") not in ("node", "edge", "cluster"):
            continue
        children = list(group)
        for child in children:
            if child.tag == title_tag:
                group.remove(child)
            elif child.tag == g_tag and child.get("id", "").startswith("a_") and len(child) == 1 and child[0].tag == a_tag:
                link = child[0]
                at = list(group).index(child)
                group.remove(child)
                for k, inner in enumerate(list(link)):
                    group.insert(at + k, inner)
                tooltip = link.get(f"{{{XLINK_NS}}}title")
                if tooltip:
                    ElementTree.SubElement(group, title_tag).text = tooltip
                    group.insert(0, group[-1])
                    del group[-1]


def _badge(text: ElementTree.Element, slot: str, chars: int) -> ElementTree.Element:
    """``<g id="SLOT-grad" class="grad-badge"><rect/><text/></g>`` where the slot's marker was, centred in the slot."""
    size = float(text.get("font-size", SLOT_POINTS))
    x, y = float(text.get("x", 0)), float(text.get("y", 0))
    if text.get("text-anchor") == "start":
        x += len(text.text or "") * SLOT_CHAR * size / 2
    width = chars * SLOT_CHAR * size * 1.08 + 8  # ∂, ‖, … may come from a slightly wider fallback font
    badge = ElementTree.Element(f"{{{SVG_NS}}}g", {"id": f"{slot}-grad", "class": "grad-badge"})
    ElementTree.SubElement(badge, f"{{{SVG_NS}}}rect", {"x": f"{x - width / 2:.2f}", "y": f"{y - size * 0.92:.2f}",
                           "width": f"{width:.2f}", "height": f"{size * 1.25:.2f}", "rx": "3"})  # fmt: skip
    ElementTree.SubElement(badge, f"{{{SVG_NS}}}text", {"x": f"{x:.2f}", "y": f"{y:.2f}", "text-anchor": "middle",
                           "font-family": MONO, "font-size": f"{size:g}"}).text = ""  # fmt: skip
    return badge


def _template(name: str) -> str:
    return resources.files("tinygrad_mm.views").joinpath("templates", name).read_text(encoding="utf-8")


def page(
    root: Value,
    title: str | None = None,
    subtitle: str = "",
    *,
    collapse: list[str] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    quiz: bool | str = False,
    forward: bool = False,
    digits: int = 4,
    present: bool = False,
    matrix: bool = False,
    live: bool = True,
) -> str:
    """The whole self-contained HTML page for ``root`` (see the module docstring); no ``.grad`` changes.

    ``matrix=True``: with the matrix lens (views/matrix_page.py), open below the graph.
    ``live``: every leaf can be edited in the page, which recomputes both passes (views/live.py)."""
    if not isinstance(root, Value):
        raise TypeError(f"the page needs a tinygrad_mm Value as the root, got {type(root).__name__}; pass the output node")
    quiz = "all" if quiz is True else quiz  # True: every question; "seeds": the seeds' question only (views/quiz.py)
    if quiz is not False and quiz not in QUIZZES:
        raise TypeError(f"quiz must be True, False or one of {', '.join(map(repr, QUIZZES))}, got {quiz!r}")
    for name, flag in (("forward", forward), ("present", present), ("matrix", matrix), ("live", live)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an int from 1 to 17, got {digits!r}")
    model = graph_model(root, gradients=True)
    options = DrawOptions.of(None, {"collapse": collapse or [], "max_nodes": max_nodes})
    base = options.checked_collapse(model)
    views, expand, collapse_back = plan_views(model, base, max_nodes)
    if views[0].layout.size() > max_nodes:
        raise GraphTooLargeError.for_drawing(model, views[0].layout.size(), max_nodes)
    text = StepText(model, digits)
    templates, view_data, live_views = [], [], []
    for k, plan in enumerate(views):
        steps = ViewSteps(text, plan.layout, expand[k])
        live_views.append(live_view(steps))
        backward = steps.backward(quiz)
        svg, _ = _view_svg(model, plan, steps)
        templates.append(f'<template id="view-{k}">{ElementTree.tostring(svg, encoding="unicode")}</template>')
        view_data.append({"steps": backward, "forward": steps.forward() if forward else [], "expand": expand[k],
                          "collapse": collapse_back[k], "collapsed": sorted(plan.collapse),
                          "leafUnits": steps.leaf_units(), "slotUnit": steps.slot_owner()})  # fmt: skip
    data: dict[str, Any] = {
        "root": model.root_index, "root_name": model.root_name, "root_shown": model.shown_name(model.root_index),
        "root_data": text.num(root._data), "nodes": text.nodes(), "steps": [text.step(t) for t in range(len(text.steps))],
        "views": view_data, "summary": text.summary(), "quiz": quiz, "forward": forward, "present": present,
        "questions": quiz_questions(model, text, quiz) if quiz else {},
        "expand_all": next((k for k, plan in enumerate(views) if not plan.collapse), None),
        "fills": {kind: colour for kind, colour in FILL.items() if kind != "op"},  # the drawing's colours, for the legend
    }  # fmt: skip
    if matrix:  # the matrix lens: its picture in a <template>, its script in viewer-matrix.js
        from .matrix_page import page_parts

        lens_template, data["matrix"] = page_parts(root, lambda text: check_svg(parse_svg(text)), digits)
        templates.append(lens_template)
    script = "\n".join(_template(name) for name in SCRIPTS + ("viewer-matrix.js", "viewer-live-matrix.js") * matrix)
    if live:  # the live page: the data to recompute both passes, and the graph's op classes as JavaScript
        data["live"], ops_script = live_page(model, text)
        data["live"]["views"] = live_views
        data["live"]["subtitle"] = subtitle_template(subtitle, model)
        script += "\n" + ops_script
    fields = {
        "title": html.escape(title or f"Backprop, step by step: {model.root_name}"),
        "subtitle": html.escape(subtitle),
        "colours": css_colours(),
        "css": _template("viewer.css"),
        "views": "\n".join(templates),
        "data": embed_json(data),
        "js": script,
        # the page's Content-Security-Policy runs this one script only, and loads nothing from any network
        "script_hash": "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'",
        "mode": " quiz-mode" if quiz else "",
    }
    # one pass, so text inserted for one field is never scanned for another field's marker
    return re.sub(r"\{\{(\w+)\}\}", lambda m: fields[m.group(1)], _template("viewer.html"))


def to_html(root: Value, path: str | Path, title: str | None = None, subtitle: str = "", **options: Any) -> Path:
    """Write the step-through page for ``root`` to ``path`` and return it; ``options`` as `page` takes them."""
    return write_atomic(path, page(root, title, subtitle, **options))
