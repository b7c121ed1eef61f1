"""Slides and frames of the backward pass: one Graphviz picture per step, in the page's colours, with its arithmetic.

`step_sources` gives one DOT text per step of the page's first view (the scopes in
``collapse`` drawn as boxes): the node being processed yellow, gradients still
accumulating dashed orange, final ones green, the edges that send now red (earlier:
orange; 0: grey, dashed), each gradient written in its node's slot — the page's own
per-step state (``step_state``) — and the step's arithmetic as a caption, the same
words as the page (``page_data``).  Every slot has a
fixed size, so Graphviz lays every step out the same: nodes never move between slides.
Every page has the same size and aspect (16:9, or 4:3), the graph in a fixed area and the
caption in its own band under it (`slide_layout.Page`).

`write_slides` renders a title page (with the legend) and each step with ``dot -Tpdf`` and
joins the pages with pypdf (``pdf_pages``, the ``slides`` extra): steps + 1 pages.
`write_frames` writes one PNG or SVG per step into a folder, all the same size (no extra needed).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine import Value
from ..files import OutputPathError, write_atomic
from . import dot
from .draw_options import DEFAULT_MAX_NODES, DrawOptions, GraphTooLargeError
from .drawing import Drawing
from .drawing_style import Marks
from .graph import GraphModel, graph_model
from .page_data import StepText
from .page_views import ViewSteps, plan_views
from .pdf_pages import join_pdfs, pypdf_module
from .slide_layout import Page, before_last_brace, svg_size
from .step_state import State, fold

FRAME_FORMATS = ("png", "svg")
FRAME_HEIGHT = 1080  # pixels, of a PNG frame
FRAMES_MARK = ".tinygrad-mm-frames"  # in a folder of frames: the files step-NNN.* are ours to replace
FRAME_NAME = re.compile(r"step-[0-9]{3,}\.(png|svg)")  # a frame written by write_frames


def step_sources(
    root: Value,
    *,
    collapse: list[str] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    digits: int = 4,
    fontsize: float = 12.0,
    dpi: float | None = None,
    scale: float = 1.0,
    aspect: str = "16:9",
) -> list[str]:
    """One DOT text per backward step, each a page of the same size (`slide_layout.Page`); no ``.grad`` changes."""
    return deck(root, collapse, max_nodes, digits, fontsize, dpi, scale, aspect)[1]


def deck(root: Value, collapse: list[str] | None = None, max_nodes: int = DEFAULT_MAX_NODES, digits: int = 4,
         fontsize: float = 12.0, dpi: float | None = None, scale: float = 1.0, aspect: str = "16:9") -> tuple[Page, list[str]]:  # fmt: skip
    """The deck's page (around the first step's drawing: all share one layout) and every step's DOT on it."""
    steps = list(_step_drawings(root, collapse, max_nodes, digits, fontsize, dpi, scale))
    page = Page.around(*svg_size(dot.render(steps[0][0], "svg", "the first slide")), aspect)
    slides = [page.slide(source, caption) for source, caption in steps]
    pad = page.pad(slides[0])  # one layout, one caption band: the same pad makes every slide the page
    return page, [page.padded(slide, pad) for slide in slides]


def _step_drawings(
    root: Value, collapse: list[str] | None, max_nodes: int, digits: int, fontsize: float, dpi: float | None, scale: float
) -> Iterator[tuple[str, list[str]]]:
    """Each backward step's drawing (no caption: the page adds it in its own band) and its caption's lines."""
    steps = StepDrawing.of(root, collapse, max_nodes, digits, fontsize, dpi, scale)
    state = None
    for k, record in enumerate(steps.records):
        state = fold([record["show"]], state)
        yield steps.source(steps.marks(state)), caption(steps.text, record, k + 1, len(steps.records))


@dataclass
class StepDrawing:
    """What every picture of one backward pass shares: the drawing options, the step text, the view's step records."""

    model: GraphModel
    options: DrawOptions
    text: StepText
    view: ViewSteps
    records: list[dict]

    @classmethod
    def of(cls, root: Value, collapse: list[str] | None = None, max_nodes: int = DEFAULT_MAX_NODES, digits: int = 4,
           fontsize: float = 12.0, dpi: float | None = None, scale: float = 1.0) -> StepDrawing:  # fmt: skip
        model = graph_model(root, gradients=True)
        options = DrawOptions.of(None, {"collapse": collapse or [], "max_nodes": max_nodes, "show_grad": False,
                                        "legend": False, "title": None, "grad_slots": True, "fontsize": fontsize,
                                        "dpi": dpi, "scale": scale})  # fmt: skip
        layout = plan_views(model, options.checked_collapse(model), max_nodes)[0][0].layout
        if layout.size() > max_nodes:
            raise GraphTooLargeError.for_drawing(model, layout.size(), max_nodes)
        text = StepText(model, digits)
        view = ViewSteps(text, layout)
        return cls(model, options, text, view, view.backward())

    def source(self, marks: Marks) -> str:
        """The DOT text of the drawing with these marks (gradients only in the slots, as the marks write them)."""
        return Drawing(dataclasses.replace(self.model, backward=None), self.options, marks).source()

    def marks(self, state: State) -> Marks:
        """The drawing's marks for one folded page state (`step_state.fold`): the page's own colours and slots."""
        slots = {slot: (text, shown) for slot, (text, _, shown) in state["badges"].items()}
        return Marks(units=dict(state["units"]), edges=dict(state["edges"]), slots=slots, slot_chars=self.view.slot_chars)  # type: ignore[arg-type]

    def final(self) -> Marks:
        """The marks after the last step: every slot holds its final gradient."""
        return self.marks(fold(record["show"] for record in self.records))


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


def write_slides(root: Value, path: str | Path, title: str | None = None, subtitle: str = "", **options: Any) -> Path:
    """Write the deck to ``path``: a title page (title, subtitle, the colours' legend), then one page per backward
    step, every page the same size (options as `step_sources`, e.g. ``aspect="4:3"``); returns the path.

    Joining the pages needs pypdf (``pip install "tinygrad-mm[slides]"``), checked before anything is drawn.
    """
    pypdf_module()  # without pypdf: MissingExtraError, naming the extra, before any work
    page, sources = deck(root, **options)
    cover = page.padded(page.title(title or f"Backprop, step by step: {root.label or 'the output'}", subtitle, len(sources)))
    pages = [dot.render(cover, "pdf", "the title page")]
    pages += [dot.render(source, "pdf", f"slide {k + 1}") for k, source in enumerate(sources)]
    return write_atomic(Path(path), join_pdfs(pages))


def write_frames(root: Value, folder: str | Path, format: str = "png", **options: Any) -> list[Path]:
    """Write ``folder/step-001.png`` … (or ``.svg``), one per backward step, all the size of the deck's pages (a PNG is
    1080 pixels tall); returns the files.

    The folder is created if needed.  Files named like frames that were not written by an earlier
    call (no ``.tinygrad-mm-frames`` mark in the folder) are never replaced: `OutputPathError`.
    The mark is written before the first frame, so a run stopped half-way (Ctrl-C) can be run
    again; frames of an earlier, longer run in a marked folder are removed, so the folder holds
    exactly this run's steps.
    """
    if format not in FRAME_FORMATS:
        raise ValueError(f"frames are png or svg, got {format!r}")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputPathError(f"cannot write frames into {str(folder)!r}: it is a file, not a folder")
    page, sources = deck(root, **options)
    if format == "png":  # 1080 pixels tall: 1920 × 1080 at 16:9, 1440 × 1080 at 4:3
        sources = [before_last_brace(source, f"\tgraph [dpi={FRAME_HEIGHT * 72 / page.height:.4f}]\n") for source in sources]
    names = [folder / f"step-{k + 1:03d}.{format}" for k in range(len(sources))]
    mark = folder / FRAMES_MARK
    taken = [p for p in names if p.exists()]
    if taken and not mark.exists():
        raise OutputPathError(
            f"{str(taken[0])!r} already exists and was not written as a frame here: choose an empty folder, "
            f"or remove the step-*.{format} files"
        )
    earlier = [p for p in folder.glob("step-*") if FRAME_NAME.fullmatch(p.name)] if mark.exists() else []
    write_atomic(mark, "frames written by tinygrad-mm slides --frames; step-*.png / step-*.svg here may be replaced\n")
    written = [write_atomic(name, dot.render(source, format, name.name)) for name, source in zip(names, sources, strict=True)]
    for stale in set(earlier) - set(written):  # an earlier run's frames beyond this run's last step
        stale.unlink(missing_ok=True)
    return written
