"""Slides and frames of the backward pass: one Graphviz picture per step, in the page's colours, with its arithmetic.

`step_sources` yields one DOT text per step of the page's first view (the scopes in
``collapse`` drawn as boxes): the node being processed yellow, gradients still
accumulating dashed orange, final ones green, the edges that send now red (earlier:
orange; 0: grey, dashed), each gradient written in its node's slot — the page's own
per-step state (``step_state``) — and the step's arithmetic as a caption, the same
words as the page (``page_data``).  Every slot has a
fixed size, so Graphviz lays every step out the same: nodes never move between slides.

`write_slides` renders each step with ``dot -Tpdf`` and joins the pages (``pdf_pages``):
one page per step.  `write_frames` writes one PNG or SVG per step into a folder.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..engine import Value
from . import dot
from .draw_options import DEFAULT_MAX_NODES, DrawOptions, GraphTooLargeError
from .drawing import Drawing
from .drawing_style import Marks
from .files import OutputPathError, write_atomic
from .graph import graph_model
from .page_data import StepText
from .page_views import ViewSteps, plan_views
from .pdf_pages import join_pdfs
from .step_state import fold

FRAME_FORMATS = ("png", "svg")
FRAMES_MARK = ".tinygrad-mm-frames"  # in a folder of frames: the files step-NNN.* are ours to replace


def step_sources(
    root: Value,
    *,
    collapse: list[str] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    digits: int = 4,
    fontsize: float = 12.0,
    dpi: float | None = None,
    scale: float = 1.0,
) -> Iterator[str]:
    """One DOT text per backward step (see the module docstring); looking changes no ``.grad``."""
    model = graph_model(root, gradients=True)
    options = DrawOptions.of(None, {"collapse": collapse or [], "max_nodes": max_nodes, "show_grad": False,
                                    "legend": False, "title": None, "grad_slots": True, "fontsize": fontsize,
                                    "dpi": dpi, "scale": scale})  # fmt: skip
    layout = plan_views(model, options.checked_collapse(model), max_nodes)[0][0].layout
    if layout.size() > max_nodes:
        raise GraphTooLargeError.for_drawing(model, layout.size(), max_nodes)
    text = StepText(model, digits)
    view = ViewSteps(text, layout)
    records = view.backward()
    drawing_model = dataclasses.replace(model, backward=None)  # gradients appear in the slots, step by step
    state = None
    for k, record in enumerate(records):
        state = fold([record["show"]], state)
        slots = {slot: (text, shown) for slot, (text, _, shown) in state["badges"].items()}
        marks = Marks(units=dict(state["units"]), edges=dict(state["edges"]), slots=slots, slot_chars=view.slot_chars)  # type: ignore[arg-type]
        marks.caption = caption(text, record, k + 1, len(records))
        yield Drawing(drawing_model, options, marks).source()


def caption(text: StepText, record: dict, k: int, total: int) -> list[str]:
    """The step's words, as the page's panel shows them: title, gradient, gate, one line (and why) per input."""
    if "t" not in record:
        return [f"Step {k} of {total}: {record['title']}", record["grad"], record["note"]] + [line["text"] for line in record["lines"]]
    step = text.step(record["t"])
    node = text.m.nodes[step["node"]]
    lines = [f"Step {k} of {total}: {text.names[node]} ({node.op or node.kind})", f"{text.partial(step['node'])} = {step['grad']}"]
    if step["gate"]:
        lines.append(step["gate"])
    for edge in step["edges"]:
        lines += [edge["text"]] + ([f"    {edge['why']}"] if edge.get("why") else [])
    if not step["edges"]:
        lines.append(f"{text.names[node]} is a leaf: its gradient is final, the sum of what its uses sent")
    return lines


def write_slides(root: Value, path: str | Path, **options: Any) -> Path:
    """Write one PDF page per backward step of ``root`` to ``path`` (options as `step_sources`); returns the path."""
    pages = [dot.render(source, "pdf", f"slide {k + 1}") for k, source in enumerate(step_sources(root, **options))]
    return write_atomic(Path(path), join_pdfs(pages))


def write_frames(root: Value, folder: str | Path, format: str = "png", **options: Any) -> list[Path]:
    """Write ``folder/step-001.png`` … (or ``.svg``), one per backward step; returns the files.

    The folder is created if needed.  Files named like frames that were not written by an earlier
    call (no ``.tinygrad-mm-frames`` mark in the folder) are never replaced: `OutputPathError`.
    """
    if format not in FRAME_FORMATS:
        raise ValueError(f"frames are png or svg, got {format!r}")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputPathError(f"cannot write frames into {str(folder)!r}: it is a file, not a folder")
    sources = list(step_sources(root, **options))
    names = [folder / f"step-{k + 1:03d}.{format}" for k in range(len(sources))]
    mark = folder / FRAMES_MARK
    taken = [p for p in names if p.exists()]
    if taken and not mark.exists():
        raise OutputPathError(
            f"{str(taken[0])!r} already exists and was not written as a frame here: choose an empty folder, "
            f"or remove the step-*.{format} files"
        )
    written = [write_atomic(name, dot.render(source, format, name.name)) for name, source in zip(names, sources, strict=True)]
    write_atomic(mark, "frames written by tinygrad-mm slides --frames; step-*.png / step-*.svg here may be replaced\n")
    return written
