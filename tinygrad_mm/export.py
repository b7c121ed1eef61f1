"""Write a graph to a file: svg / png / pdf through Graphviz's ``dot``, or the DOT source, or JSON.

DOT and JSON never need the ``dot`` program.  The JSON document lists every
node (id ``v{i}`` as in the drawing, label, op, kind, data, grad, scope path)
and every edge (parent → child, slot, local derivative ∂child/∂parent, the
child's gradient upstream, and the gradient carried = upstream × local), for
front-ends other than Graphviz.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .drawing import draw_dot, graph_model, graphviz_module
from .engine import Value

IMAGE_FORMATS = ("svg", "png", "pdf")
FORMATS = (*IMAGE_FORMATS, "dot", "json")
JSON_SCHEMA = "tinygrad_mm.graph/1"
INSTALL_GRAPHVIZ = (
    "Install Graphviz: Debian/Ubuntu 'sudo apt-get install graphviz', macOS 'brew install graphviz', "
    "conda 'conda install -c conda-forge graphviz', Windows 'winget install graphviz' "
    "(then add its bin folder to PATH)"
)


class GraphvizNotFoundError(RuntimeError):
    """The ``dot`` program is not installed (the DOT and JSON files were written anyway)."""


def graph_json(root: Value) -> dict[str, Any]:
    """The graph of ``root`` as plain data (see the module docstring); ``json.dumps`` it as is."""
    model = graph_model(root)
    last = len(model.nodes) - 1
    nodes = [
        {
            "id": f"v{i}",
            "label": node.label,
            "op": node.op,
            "kind": node.kind,
            "data": node.data,
            "grad": node.grad,
            "scope": list(node.scope),
            "root": i == last,
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
            "local_derivative": e.local,
            "upstream_grad": e.upstream,
            "carried_grad": e.carried,
        }
        for e in model.edges
    ]
    return {
        "schema": JSON_SCHEMA,
        "root": f"v{last}",
        "gradients_computed": model.grads_computed,
        "margin_met": [f"v{model.index[n]}" for n in model.closed_hinges()],
        "scopes": [{"id": f"scope{k}", "path": list(path)} for k, path in enumerate(model.scope_paths)],
        "nodes": nodes,
        "edges": edges,
    }


def write_graph(root: Value, path: str | Path, format: str | None = None, **draw_options: Any) -> Path:
    """Write ``root``'s graph to ``path`` as svg, png, pdf, dot or json (default: from the file suffix).

    Images also leave the DOT source beside them (``x.svg`` → ``x.dot``).  If
    ``dot`` is missing, ``x.dot`` and ``x.json`` are written and
    `GraphvizNotFoundError` says how to install Graphviz.  ``draw_options``
    go to ``draw_dot``.
    """
    path = Path(path)
    format = _format_of(path, format)
    path.parent.mkdir(parents=True, exist_ok=True)
    if format == "json":
        path.write_text(json.dumps(graph_json(root), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return path
    graph = draw_dot(root, **draw_options)
    if format == "dot":
        path.write_text(graph.source, encoding="utf-8")
        return path
    source = path.with_suffix(".dot")
    source.write_text(graph.source, encoding="utf-8")
    graphviz = graphviz_module()
    try:
        image = graph.pipe(format=format)
    except graphviz.ExecutableNotFound:
        data = path.with_suffix(".json")
        write_graph(root, data, "json")
        raise GraphvizNotFoundError(
            f"cannot write {path}: Graphviz's 'dot' program was not found on PATH. {INSTALL_GRAPHVIZ}. "
            f"The DOT source was still written to {source} and the graph as JSON to {data}; "
            f"render later with: dot -T{format} {source} -o {path}"
        ) from None
    except graphviz.CalledProcessError as err:
        stderr = (err.stderr or b"").decode("utf-8", "replace").strip()
        raise RuntimeError(f"Graphviz's dot failed to render {path} from {source}: {stderr}") from None
    path.write_bytes(image)
    return path


def _format_of(path: Path, format: str | None) -> str:
    if format is None:
        format = path.suffix.lstrip(".").lower()
        if format not in FORMATS:
            raise ValueError(
                f"cannot tell the format of {str(path)!r} from its suffix; name it .svg, .png, .pdf, .dot or "
                ".json, or pass format=..."
            )
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    return format
