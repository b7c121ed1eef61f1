"""Slides at a fixed size: every page of a deck (and every frame) the same size and aspect, the graph in a fixed
area, the caption in its own band under it — so nothing jumps when a projector shows the pages full screen.

A page is W × H points with W : H the aspect (16:9 or 4:3).  Its height is the smallest that holds
the graph at its natural size in the top ``1 − BAND`` of the page:

    H = max((graph height + 2·margin) / (1 − BAND), (graph width + 2·margin) / aspect),   W = aspect · H

The caption band is one fixed-size cell (Graphviz ``FIXEDSIZE``): its text is wrapped to the band's
width and cut to its height ("… and n more lines"), with fonts proportional to the page (H / 48),
so a caption reads the same on every deck.  Graphviz's ``pad`` fills the rest, measured on each
page's own drawing: ``dot`` alone makes pages of exactly W × H, as PDF, SVG or PNG.  The title page
(the deck's title, its subtitle and the legend of the step colours) is made the same way.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from . import dot
from .drawing_style import FONT, STEP_COLOURS

ASPECTS = {"16:9": 16 / 9, "4:3": 4 / 3}
BAND = 0.32  # of the page's height, for the caption
MARGIN = 0.03  # of the page's height, around everything
CHAR_WIDTH = 0.62  # DejaVu Sans' widest common advance, in em: wrapped lines never overflow their cell
LINE_HEIGHT = 1.3  # em


@dataclass(frozen=True)
class Page:
    """The page of a deck, in points, and its caption band's text size."""

    width: float
    height: float

    @classmethod
    def around(cls, graph_width: float, graph_height: float, aspect: str = "16:9", ratio: float | None = None) -> Page:
        """The smallest page of this aspect (or width : height ``ratio``) that holds a graph of this natural size
        above the caption band."""
        if ratio is None and aspect not in ASPECTS:
            raise ValueError(f"aspect must be one of {', '.join(ASPECTS)}, got {aspect!r}")
        ratio = ratio or ASPECTS[aspect]
        height = max(graph_height / (1 - BAND - 2 * MARGIN), graph_width / (ratio - 2 * MARGIN), 360.0)
        return cls(round(ratio * height), round(height))

    @property
    def margin(self) -> float:
        return MARGIN * self.height

    @property
    def font(self) -> float:
        """The caption's text size: a 48th of the page (22 px when the page fills a 1080-pixel screen)."""
        return round(self.height / 48, 1)

    def band(self) -> tuple[int, int]:
        """The caption cell's width and height, in points."""
        return round(self.width - 2 * self.margin), round(BAND * self.height - self.margin)

    def caption_label(self, lines: list[str]) -> str:
        """The caption as one fixed-size cell: the first line bold, the rest wrapped and cut to the band."""
        width, height = self.band()
        return f'<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="0"><TR>{self._cell(lines, width, height)}</TR></TABLE>>'

    def _cell(self, lines: list[str], width: int, height: int, big: float = 1.2) -> str:
        size = self.font
        per_line = max(20, int(width / (CHAR_WIDTH * size)))
        rows = max(2, int(height / (LINE_HEIGHT * size)) - 1)
        first, *rest = lines or [""]
        wrapped = [w for line in rest for w in (textwrap.wrap(line, per_line, subsequent_indent="    ") or [""])]
        head = textwrap.wrap(first, int(per_line / big)) or [""]
        if len(head) + len(wrapped) > rows:
            keep = max(0, rows - len(head) - 1)
            wrapped = wrapped[:keep] + [f"… and {len(wrapped) - keep} more lines"]
        text = "".join(f'<FONT POINT-SIZE="{size * big:g}"><B>{dot.html(line)}</B></FONT><BR ALIGN="LEFT"/>' for line in head)
        text += "".join(f'<FONT POINT-SIZE="{size:g}">{dot.html(line)}</FONT><BR ALIGN="LEFT"/>' for line in wrapped)
        return f'<TD FIXEDSIZE="TRUE" WIDTH="{width}" HEIGHT="{height}" VALIGN="TOP" BALIGN="LEFT">{text}</TD>'

    def slide(self, graph_source: str, caption: list[str]) -> str:
        """A step's DOT (no caption of its own) with the caption band under it: still to be padded (`padded`)."""
        label = f"\tgraph [label={self.caption_label(caption)} labelloc=b labeljust=c fontname={dot.string(FONT)}]\n"
        return before_last_brace(graph_source, label)

    def title(self, title: str, subtitle: str, steps: int) -> str:
        """The title page: the deck's title, its subtitle, how to read the colours, what follows."""
        size, width, height = self.font, round(self.width - 2 * self.margin), round(self.height - 2 * self.margin)
        wrap = lambda text, em: textwrap.wrap(text, max(20, int(width / (CHAR_WIDTH * em))))  # noqa: E731
        rows = [f'<FONT POINT-SIZE="{2 * size:g}"><B>{dot.html(line)}</B></FONT>' for line in wrap(title, 2 * size)]
        rows += [f'<FONT POINT-SIZE="{size:g}" COLOR="#5b6472">{dot.html(line)}</FONT>' for line in wrap(subtitle, size)]
        about = f"{steps} steps of the backward pass follow, one per page; each node's gradient is written in its slot."
        rows += [f'<FONT POINT-SIZE="{size:g}">{dot.html(line)}</FONT>' for line in wrap(about, size)]
        rows += [_swatch(size, colour, symbol, words) for colour, symbol, words in LEGEND]
        inner = "".join(f'<TR><TD ALIGN="LEFT">{row}</TD></TR>' for row in rows)
        cell = f'<TABLE BORDER="0" CELLSPACING="2">{inner}</TABLE>'
        label = f'<<TABLE BORDER="0"><TR><TD FIXEDSIZE="TRUE" WIDTH="{width}" HEIGHT="{height}">{cell}</TD></TR></TABLE>>'
        return f"digraph title {{\n\tnode [shape=plaintext fontname={dot.string(FONT)}]\n\ttitle [label={label}]\n}}\n"

    def pad(self, source: str) -> str:
        """The ``graph [pad=… margin=0]`` line that makes ``source``'s drawing exactly this page (rendered once to measure;
        a deck's slides share one layout and one caption band, so one measurement pads them all)."""
        width, height = svg_size(dot.render(source, "svg", "a slide"))
        pad_x, pad_y = max(0.0, (self.width - width) / 2 + 4), max(0.0, (self.height - height) / 2 + 4)  # 4 pt: the default
        return f'\tgraph [pad="{pad_x / 72:.5f},{pad_y / 72:.5f}" margin=0 bgcolor="white"]\n'

    def padded(self, source: str, pad: str | None = None) -> str:
        """``source`` with the pad that makes it exactly this page (`pad`, measured on ``source`` unless given)."""
        return before_last_brace(source, pad or self.pad(source))


LEGEND = [
    (STEP_COLOURS["current"], "■", "node being processed (its op too)"),
    (STEP_COLOURS["partial"], "▭", "gradient still accumulating (dashed)"),
    (STEP_COLOURS["final"], "▭", "gradient final"),
    (STEP_COLOURS["now"], "→", "contribution sent now"),
    (STEP_COLOURS["done"], "→", "sent earlier"),
    (STEP_COLOURS["zero"], "⇢", "sent 0 (dashed)"),
]


def _swatch(size: float, colour: str, symbol: str, words: str) -> str:
    return f'<FONT POINT-SIZE="{size:g}"><FONT COLOR="{colour}"><B>{symbol}</B></FONT>  {dot.html(words)}</FONT>'


def before_last_brace(source: str, lines: str) -> str:
    end = source.rstrip().rindex("}")
    return source[:end] + lines + source[end:]


def svg_size(svg: bytes) -> tuple[float, float]:
    """An SVG's ``width`` and ``height`` in points (Graphviz writes ``596pt``)."""
    head = svg[:4000].decode("utf-8", "replace")
    found = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"[^>]*\sheight="([\d.]+)pt"', head)
    if not found:
        raise ValueError("Graphviz wrote an SVG without a size in points")
    return float(found.group(1)), float(found.group(2))
