"""One PDF from one-page PDFs (the slides), with pypdf — an optional extra: ``pip install "tinygrad-mm[slides]"``.

Without pypdf, joining raises `MissingExtraError`, one line naming the extra; frames
(``tinygrad-mm slides --frames``) need nothing but Graphviz.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

EXTRA = 'pip install "tinygrad-mm[slides]"'


class MissingExtraError(ImportError):
    """An optional feature whose package is not installed; the message names the extra that brings it."""


def pypdf_module():  # noqa: ANN202 (the optional package's module)
    try:
        import pypdf
    except ImportError:
        raise MissingExtraError(
            f"joining the slides into one PDF needs the pypdf package: {EXTRA} (or pip install pypdf); "
            "--frames DIR writes one picture per step without it"
        ) from None
    return pypdf


def join_pdfs(files: Sequence[bytes]) -> bytes:
    """The pages of ``files``, in order, as one PDF."""
    pypdf = pypdf_module()
    writer = pypdf.PdfWriter()
    for pdf in files:
        for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's width and height in points (its media box)."""
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in pypdf_module().PdfReader(io.BytesIO(pdf)).pages]


def page_count(pdf: bytes) -> int:
    """How many pages ``pdf`` has."""
    return len(pypdf_module().PdfReader(io.BytesIO(pdf)).pages)
