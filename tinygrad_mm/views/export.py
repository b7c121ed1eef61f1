"""Write a graph to a file: svg / png / pdf through Graphviz's ``dot``, or the DOT source, or JSON.

DOT and JSON never need Graphviz.  Only the file named is written (atomically, see
files.py).  The JSON document lists every node (id ``v{i}`` as in the drawing, label,
op, kind, data, grad, scope path) and every edge (parent → child, slot, local
derivative ∂child/∂parent, the child's gradient upstream, and the gradient carried =
upstream × local), for front-ends other than Graphviz.  It is strict JSON: a number
that is not finite is ``null``, with its text beside it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ..engine import Value
from ..files import write_atomic
from . import dot
from .draw_options import DrawOptions
from .drawing import dot_source
from .graph import graph_model

IMAGE_FORMATS = ("svg", "png", "pdf")
FORMATS = (*IMAGE_FORMATS, "dot", "json")
JSON_SCHEMA = "tinygrad_mm.graph/1"
GraphvizNotFoundError = dot.GraphvizNotFoundError
INSTALL_GRAPHVIZ = dot.INSTALL_GRAPHVIZ


def graph_json(root: Value, show_grad: bool | None = None) -> dict[str, Any]:
    """The graph of ``root`` as plain data (see the module docstring); ``json.dumps`` it as is."""
    model = graph_model(root, show_grad)
    nodes = [
        {
            "id": f"v{i}",
            "label": node.label,
            "name": model.names[node],
            "op": node.op,
            "kind": node.kind,
            "data": node._data,
            "grad": model.grad(i),
            "stored_grad": node.grad,
            "scope": list(node.scope),
            "root": i == model.root_index,
            "contributions": [{"via": name, "grad": c} for name, c in sorted(model.contributions(i))],
        }
        for i, node in enumerate(model.nodes)
    ]
    edges = [
        {
            "id": e.id,
            "source": f"v{e.parent}",
            "target": f"v{e.child}",
            "slot": e.slot,
            **finite("local_derivative", e.local),
            "upstream_grad": e.upstream,
            "carried_grad": e.carried,
            "to_constant": e.to_constant,
        }
        for e in model.edges
    ]
    return {
        "schema": JSON_SCHEMA,
        "root": f"v{model.root_index}",
        "gradients_computed": model.status.computed,
        "gradients_shown": model.grads is not None,
        "gradients_differ_from_stored": model.status.differs,
        "margin_met": [f"v{i}" for i, node in enumerate(model.nodes) if node.gate() is False and i in model.gates()],
        "closed_gates": [f"v{i}" for i, node in enumerate(model.nodes) if node.gate() is False],
        "scopes": [{"id": f"scope{k}", "path": list(path)} for k, path in enumerate(model.scope_paths)],
        "nodes": nodes,
        "edges": edges,
    }


def finite(key: str, x: float) -> dict[str, Any]:
    """``{key: x}``, or ``{key: None, key_text: "inf"}`` for a number JSON cannot hold."""
    return {key: x} if math.isfinite(x) else {key: None, f"{key}_text": repr(x)}


def json_text(document: Any) -> str:
    """Strict JSON (no NaN or Infinity), readable; any lone surrogate in a label is written as an escape."""
    text = json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(document, indent=1, ensure_ascii=True, allow_nan=False) + "\n"
    return text


def write_graph(root: Value, path: str | Path, format: str | None = None, **draw_options: Any) -> Path:
    """Write ``root``'s graph to ``path`` as svg, png, pdf, dot or json (default: from the file suffix).

    Only ``path`` is written.  svg/png/pdf need Graphviz's ``dot`` (`GraphvizNotFoundError`
    says how to install it, and that .dot and .json need nothing).  ``draw_options``
    are `DrawOptions` fields.
    """
    path = Path(path)
    format = format_of(path, format)
    if format == "json":
        options = DrawOptions.of(None, draw_options)
        return write_atomic(path, json_text(graph_json(root, options.show_grad)))
    source = dot_source(root, None, **draw_options)
    if format == "dot":
        return write_atomic(path, source)
    try:
        image = dot.render(source, format, f"{path.name}")
    except dot.GraphvizNotFoundError as err:
        raise dot.GraphvizNotFoundError(
            f"{err}. Without it, write the DOT source (a .dot file, then: dot -T{format} FILE.dot -o {path}) "
            "or JSON (a .json file)"
        ) from None
    return write_atomic(path, image)


def format_of(path: Path, format: str | None) -> str:
    """The format to write: ``format`` if given (it must agree with a known suffix), else the suffix's."""
    suffix = path.suffix.lstrip(".").lower()
    if format is None:
        if suffix not in FORMATS:
            raise ValueError(
                f"cannot tell the format of {str(path)!r} from its suffix; name it .svg, .png, .pdf, .dot or "
                ".json, or pass format=..."
            )
        return suffix
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    if suffix in FORMATS and suffix != format:
        raise ValueError(
            f"{str(path)!r} ends in .{suffix} but the format asked for is {format}: name the file "
            f"{path.with_suffix('.' + format).name}, or drop the format to write {suffix}"
        )
    return format
