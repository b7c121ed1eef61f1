"""A worksheet for a tutorial on paper: the graph with a numbered blank slot per gradient, and its answer key.

The sheet is the slides' drawing (same layout, values shown) with every gradient slot
holding only its number, ``(3) ______``, numbered in the order backprop fills them (from
the root back).  The key is the same drawing with each slot filled in — the final
gradients, every node green — and, in its band, the per-branch sums of the shared leaves
(∂J/∂U[0] = −0.53 (via s) + 0.60 (via s_c) = 0.066).  Both are one page of a fixed paper
size (A4 or Letter, landscape): laid out as a page of that shape (`slide_layout.Page`),
then scaled to the paper by pypdf (the ``slides`` extra).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ..engine import Value
from ..files import write_atomic
from . import dot
from .drawing_style import Marks
from .pdf_pages import pypdf_module
from .slide_layout import Page, svg_size
from .slides import StepDrawing

PAPERS = {"a4": (842.0, 595.0), "letter": (792.0, 612.0)}  # landscape, in points


def worksheet_sources(root: Value, title: str = "", paper: str = "a4", **options: Any) -> tuple[str, str]:
    """The DOT of the sheet and of its key, each exactly one page of the paper's shape; no ``.grad`` changes."""
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}, got {paper!r}")
    steps = StepDrawing.of(root, **options)
    final = steps.final()
    order = [slot for record in steps.records for slot in record["current"] if slot in final.slots]
    number = {slot: n for n, slot in enumerate(dict.fromkeys(order), 1)}
    chars = dict(final.slot_chars)
    for slot, n in number.items():
        chars[slot] = max(chars.get(slot, 8), len(f"({n}) ") + len(final.slots[slot][0]))
    blank = Marks(slot_chars=chars, slots={slot: (f"({n}) ______", "") for slot, n in number.items()})
    key = Marks(slot_chars=chars, units={unit: "final" for unit in final.units if not unit.endswith("op")},
                slots={slot: (f"({n}) {final.slots[slot][0]}", "final") for slot, n in number.items()})  # fmt: skip
    sheet, answers = steps.source(blank), steps.source(key)
    width, height = PAPERS[paper]
    page = Page.around(*svg_size(dot.render(sheet, "svg", "the worksheet")), ratio=width / height)
    name = steps.model.root_name
    shown = title or f"Backprop by hand: {name}"
    instructions = [
        f"Worksheet — {shown}",
        f"Fill in each numbered slot with ∂{name}/∂(that node), from {name} back to the inputs, in the numbered order: "
        f"start with ∂{name}/∂{name} = 1; each node passes its gradient times the local derivative to each input "
        "(the chain rule); a node used more than once adds up what every use sends.",
        "Name: ____________________      Answers: the key, on its own page.",
    ]
    shared = [f"{steps.text.partial(row['node'])} = {row['branches']}" for row in steps.text.summary() if "branches" in row]
    solutions = [f"Answer key — {shown}", f"{len(number)} gradients, in the order backprop finds them (the numbered slots)."]
    solutions += shared or ["no value here is used by more than one branch"]
    sheet_page = page.padded(page.slide(sheet, instructions))
    key_page = page.padded(page.slide(answers, solutions))
    return sheet_page, key_page


def write_worksheet(root: Value, path: str | Path, key: str | Path | None = None, **options: Any) -> tuple[Path, Path]:
    """Write the sheet to ``path`` and its answer key to ``key`` (default ``NAME-key.pdf`` beside it): one page
    each, on A4 (or ``paper="letter"``), landscape.  Needs pypdf (``pip install "tinygrad-mm[slides]"``)."""
    pypdf = pypdf_module()  # before any work: without it, one line naming the extra
    paper = options.get("paper", "a4")
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}, got {paper!r}")
    path = Path(path)
    key = Path(key) if key is not None else path.with_name(f"{path.stem}-key{path.suffix or '.pdf'}")
    if key.resolve() == path.resolve():
        raise ValueError(f"the worksheet and its answer key would both be {str(path)!r}: give the key another name")
    sheet, answers = worksheet_sources(root, **options)
    pdfs = [on_paper(pypdf, dot.render(source, "pdf", target.name), *PAPERS[paper])
            for target, source in ((path, sheet), (key, answers))]  # fmt: skip
    return write_atomic(path, pdfs[0]), write_atomic(key, pdfs[1])


def on_paper(pypdf: Any, pdf: bytes, width: float, height: float) -> bytes:  # noqa: ANN401 (the optional module)
    """The one-page ``pdf`` scaled to exactly ``width`` × ``height`` points (it has that shape already)."""
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf))
    writer.pages[0].scale_to(width, height)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


