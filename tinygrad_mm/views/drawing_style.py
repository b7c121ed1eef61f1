"""How drawings look, written once: colours, the marks of a backprop step, the header's words.

The step colours (`STEP_COLOURS`) are the page's CSS variables *and* the slides'
Graphviz attributes, so a node being processed is the same yellow everywhere.
`Marks` is what one step adds to a drawing: each unit's state (current, partial,
final), each edge's state (sent now, sent earlier, sent 0), the gradient written in
each slot, and a caption.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from . import dot
from .gate_words import gate_sentence
from .graph import GraphModel

FONT = "DejaVu Sans"
MONO = "DejaVu Sans Mono"
FILL = {"parameter": "#f9cf8f", "input": "#a5c8f0", "constant": "#e8e8e8", "op": "#ffffff"}  # apart for colour-blind eyes too
ROOT_COLOUR, HIGHLIGHT_COLOUR = "#b03a2e", "#f39c12"
NEGATIVE, POSITIVE, ZERO, NO_FLOW = "#c0392b", "#1a5fa8", "#9a9a9a", "#b5b5b5"
BOX_FILL, BOX_BORDER, CLOSED_FILL = "#ece3f5", "#5b4a8b", "#d9d9d9"
LEGEND_SWATCH = {"parameter": "#f2b45a", "input": "#6fa8dc", "constant": "#b0b0b0"}

# the step-through colours: CSS custom properties of the page (--current, …) and the slides' attributes.
# Chosen to stay apart for colour-blind students: every pair a student must tell apart keeps a CIELAB
# difference ΔE ≥ 20 under simulated protanopia, deuteranopia and tritanopia (tests/test_accessibility.py),
# from the Okabe–Ito palette: a yellow current node, an ochre partial, a bluish-green final, a red "now" edge.
STEP_COLOURS = {
    "current": "#fde725", "current-edge": "#994f00", "partial": "#ddaa33", "final": "#009e73",
    "now": "#cc3311", "done": "#e69f00", "zero": "#adb5bd",
    "partial-text": "#994f00", "final-text": "#00664a", "current-text": "#7e1f86",
}  # fmt: skip
SLOT_POINTS = 11  # the gradient slot's font size at fontsize 12
SLOT_CHAR = 0.602  # DejaVu Sans Mono's advance width, in em


@dataclass
class Marks:
    """What one backprop step marks on a drawing (the slides), or the empty slots the page fills in.

    units      unit id (``v3``, ``v3op``, ``scope2``, ``leaves0``) → "current", "partial" or "final"
    edges      edge id (``e3_0``, ``e3_out``, ``leaves0-scope2``) → "now", "done" or "zero"
    slots      slot id (a value's ``v3``, a leaf group's ``leaves0``) → (text, state) written in it
    slot_chars slot id → its width in characters (the widest text it will ever hold)
    markers    write ``#slot:ID`` in every empty slot, so the page can find it in the SVG
    caption    lines under the drawing (the step's arithmetic)
    """

    units: dict[str, str] = field(default_factory=dict)
    edges: dict[str, str] = field(default_factory=dict)
    slots: dict[str, tuple[str, str]] = field(default_factory=dict)
    slot_chars: dict[str, int] = field(default_factory=dict)
    markers: bool = False
    caption: Sequence[str] = ()


def slot_marker(slot: str) -> str:
    """The text an empty slot holds in the page's SVG: found there, then emptied."""
    return f"#slot:{slot}"


def unit_attributes(state: str | None, style: str = "rounded,filled") -> dict[str, str]:
    """Graphviz attributes for a unit in ``state``, drawn with ``style`` (the page sets the same colours with CSS)."""
    c = STEP_COLOURS
    if state == "current":
        return {"fillcolor": c["current"], "color": c["current-edge"], "penwidth": "3"}
    if state == "partial":
        return {"color": c["partial"], "penwidth": "2.5", "style": f"{style},dashed"}
    if state == "final":
        return {"color": c["final"], "penwidth": "2.5"}
    return {}


def edge_attributes(state: str | None) -> dict[str, str]:
    """Graphviz attributes for an edge that sent its gradient now, earlier, or sent 0."""
    c = STEP_COLOURS
    return {
        "now": {"color": c["now"], "penwidth": "3.5"},
        "done": {"color": c["done"], "penwidth": "2"},
        "zero": {"color": c["zero"], "style": "dashed"},
    }.get(state or "", {})


def css_colours() -> str:
    """The step colours as CSS custom properties (``--current: #fde725; …``) for the page."""
    return " ".join(f"--{name}: {colour};" for name, colour in STEP_COLOURS.items())


def sum_text(terms: Sequence[tuple[str, float]], total: float | None, num: Callable[[float | None], str], limit: int = 4) -> str:
    """``−0.42 (via s) + 0.31 (via s_c) = −0.11``: named terms, signs folded in, at most ``limit`` named."""
    shown = [f"{num(c)} (via {dot.label(name, 40)})" for name, c in terms[:limit]]
    if len(terms) > limit:
        shown.append(f"{num(sum(c for _, c in terms[limit:]))} (via {len(terms) - limit} more)")
    text = shown[0] if shown else ""
    for term in shown[1:]:
        text += f" − {term[1:]}" if term.startswith("−") else f" + {term}"
    return f"{text} = {num(total)}"


def status_lines(m: GraphModel, shown: bool, num: Callable[[float | None], str]) -> list[str]:
    """What the drawing shows, in words: gradients or not, whose, and the state of the gates that head the graph."""
    root, status, lines = dot.label(m.root_name, 40), m.status, []
    if not shown:
        if not status.computed:
            lines.append(f"gradients not computed yet: call {root}.backward() to see them")
    elif not status.differs:
        lines.append(f"after {root}.backward(): each edge shows the gradient it carries back "
                     "(upstream grad × local derivative); a value used twice receives the sum")  # fmt: skip
    else:
        owner = status.owner
        held = f"∂{dot.label(owner.label or 'root', 40)}/∂· from a backward() on a graph that uses {root}" if owner is not None \
            else "sums over several backward() calls"  # fmt: skip
        lines.append(f"showing ∂{root}/∂·, computed for this drawing; the .grad of {status.differs} values here differs "
                     f"(it holds {held})")  # fmt: skip
    for i in m.gates():
        text = gate_sentence(m.nodes[i], lambda v: m.names[v], num)
        if text:
            lines.append(text)
    return lines


def legend(kinds: set[str], boxes: bool, grads: bool, size: str = "16") -> str:
    """One line: a coloured square per kind of leaf present, ops, the root, boxes, and the gradient colours."""
    swatch = '<FONT COLOR="{}" POINT-SIZE="' + size + '">{}</FONT> {}'
    entries = [swatch.format(LEGEND_SWATCH[kind], "■", kind) for kind in LEGEND_SWATCH if kind in kinds]
    entries += [swatch.format("#555555", "□", "computed value"), swatch.format("#8e7cc3", "○", "op"),
                swatch.format(ROOT_COLOUR, "◎", "root (double border)")]  # fmt: skip
    if boxes:
        entries.append(swatch.format(BOX_BORDER, "◧", "collapsed scope"))
    if grads:
        entries.append(f'<FONT COLOR="{NEGATIVE}">grad &lt; 0</FONT>   <FONT COLOR="{POSITIVE}">grad &gt; 0</FONT>')
    return "     ".join(entries)


def count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def sign_colour(x: float | None) -> str:
    if not x or x != x:
        return ZERO
    return NEGATIVE if x < 0 else POSITIVE
