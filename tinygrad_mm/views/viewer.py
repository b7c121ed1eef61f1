"""A click-through HTML page of the backward pass: one fixed Graphviz layout, one chain-rule step per click.

`to_html` draws the graph once (``drawing.draw_dot``; DOT ids ``v{i}``,
``v{i}op``, ``e{i}_{k}``, ``e{i}_out`` for the i-th node of
``topological_order``), inlines the SVG, and embeds every `BackwardStep` as
JSON.  The page's script only switches CSS classes and fills in text, so the
nodes never move.  The file needs no network: the template's CSS and script
(``templates/``) are inlined too.

Safety: labels reach the page only as escaped SVG text (Graphviz escapes
them, and `safe_svg` refuses any SVG that still holds markup that could run),
as JSON in which ``<``, ``>`` and ``&`` are ``\\u`` escapes (so ``</script>``
and ``<!--`` cannot end the data block), and through ``textContent`` in the
script — never as HTML.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from importlib import resources
from pathlib import Path
from xml.etree import ElementTree

from ..engine import BackwardStep, Value, count_uses, steps_of
from . import dot
from .drawing import FILL, dot_source
from .files import write_atomic
from .text import MINUS, fmt, node_names


def step_data(root: Value, steps: list[BackwardStep], names: dict[Value, str]) -> dict:
    """The page's data: every node (by topological index) and every step's chain-rule arithmetic as text.

    Numbers are pre-formatted here (the page never formats a float) and also
    given exactly (``*_exact``), for tests and for anyone reading the data.
    """
    index = {node: i for i, node in enumerate(names)}
    r = names[root]

    def num(x: float) -> str:
        return fmt(x, 4, MINUS)

    received: dict[Value, list[dict]] = {node: [] for node in names}
    out_steps = []
    for step in steps:
        i, n = index[step.node], names[step.node]
        edges = []
        for k, parent in enumerate(step.parents):
            p, d, c = names[parent], step.local_grads[k], step.contributions[k]
            factor = num(d) if d >= 0 else f"({num(d)})"
            local = step.node.derivative_text(k, names.__getitem__, num)
            text = f"∂{r}/∂{p} += ∂{r}/∂{n} · {local} = {num(step.grad)} · {factor} = {num(c)}"
            edges.append(
                {
                    "parent": index[parent],
                    "text": text,
                    "before": num(step.grads_before[k]),
                    "after": num(step.grads_after[k]),
                    "after_exact": step.grads_after[k],
                    "zero": c == 0.0,
                }
            )
            received[parent].append({"step": step.index, "from": n, "text": num(c)})
        out_steps.append(
            {
                "node": i,
                "grad": num(step.grad),
                "grad_exact": step.grad,
                "edges": edges,
                "received": received[step.node],
            }
        )
    uses = count_uses(root)
    nodes = [
        {"name": name, "kind": node.kind, "op": node.op, "data": num(node.data), "uses": uses[node]}
        for node, name in names.items()
    ]
    return {"root": index[root], "root_name": r, "root_data": num(root.data), "nodes": nodes, "steps": out_steps}


def embed_json(data: object) -> str:
    """JSON that is safe inside ``<script>``: ``<``, ``>``, ``&`` and the JS line separators are ``\\u`` escapes."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


_UNSAFE_ELEMENTS = {"script", "foreignobject", "iframe", "object", "embed", "handler", "listener"}


def safe_svg(svg: str) -> str:
    """Graphviz's SVG ready to inline in HTML: prolog, doctype and comments removed, checked to hold nothing executable.

    Graphviz escapes labels, so a label like ``<script>`` arrives as text;
    this check (no script-like element, no ``on…`` event attribute, no
    ``javascript:`` link anywhere in the parsed SVG) is the second lock on that door.
    """
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL)
    start = svg.find("<svg")
    if start < 0:
        raise ValueError("the drawing produced no <svg> element (is Graphviz's 'dot' installed?)")
    svg = svg[start:]
    for element in ElementTree.fromstring(svg).iter():
        tag = element.tag.rsplit("}", 1)[-1].lower()
        events = [name for name in element.attrib if name.rsplit("}", 1)[-1].lower().startswith("on")]
        links = [v for name, v in element.attrib.items() if name.endswith("href") and "javascript:" in v.lower()]
        if tag in _UNSAFE_ELEMENTS or events or links:
            raise ValueError(f"refusing to inline an SVG whose <{tag}> could run code: a label was not escaped")
    return svg


def render_svg(root: Value) -> str:
    """The graph drawn once (``drawing.dot_source``), without gradients (the page reveals them step by step), as SVG."""
    source = dot_source(root, show_grad=False, legend=False, title="")
    source = source.replace("nodesep=0.25", "nodesep=0.45", 1)  # room under each value for the gradient the page writes
    return dot.render(source, "svg", "the step-through page").decode("utf-8")


def _template(name: str) -> str:
    return resources.files("tinygrad_mm.views").joinpath("templates", name).read_text(encoding="utf-8")


def page(root: Value, title: str | None = None, subtitle: str = "") -> str:
    """The whole self-contained HTML page for ``root`` (runs a fresh backward pass, see `record_steps`)."""
    names = node_names(root)
    svg = safe_svg(render_svg(root))
    data = step_data(root, steps_of(root), names)
    data["fills"] = {kind: colour for kind, colour in FILL.items() if kind != "op"}  # the drawing's colours, for the legend
    title = title or f"Backprop, step by step: {names[root]}"
    script = _template("viewer.js")
    fields = {
        "title": html.escape(title),
        "subtitle": html.escape(subtitle),
        "css": _template("viewer.css"),
        "svg": svg,
        "data": embed_json(data),
        "js": script,
        # the page's Content-Security-Policy runs this one script only, and loads nothing from any network
        "script_hash": "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'",
    }
    # one pass, so text inserted for one field is never scanned for another field's marker
    return re.sub(r"\{\{(\w+)\}\}", lambda m: fields[m.group(1)], _template("viewer.html"))


def to_html(root: Value, path: str | Path, title: str | None = None, subtitle: str = "") -> Path:
    """Write the step-through page for ``root`` to ``path`` and return it (see `page`)."""
    return write_atomic(path, page(root, title, subtitle))
