"""The live page's words that carry numbers: templates the page's script fills with the recomputed numbers.

The page's words are written once, here in Python; where a number stands the template holds a mark ``⟦k⟧`` and
``marks[k]`` says which number goes there — ``["value", [i]]`` node i's value, ``["grad", [i]]`` its gradient,
``["grads", [i, j, …]]`` the norm of several gradients, ``["send", [p]]`` / ``["sends", [p, …]]`` what a collapsed
box sends back to one node / the norm of what it sends to several, ``["zero", [i], if_zero, otherwise]`` words chosen
by whether node i's value is 0.  ``viewer-live-text.js`` fills them after every edit (and Reset writes the page's
own words back): the subtitle, the forward stage's sentences, a collapsed box's or a leaf group's step.

`LiveText` is a subtitle that follows the edit: a ``str`` (every use that wants a text gets the text as made), with
the template beside it::

    live_text("J = ", J, ", ", (J, "the hinge is flat", "gradient flows"))
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from ..engine import Op, Value
from ..engine.op import NaryOp
from . import dot
from .drawing import MAX_BOX_OUTPUTS
from .gate_words import written_out
from .graph import GraphModel
from .page_views import ViewSteps
from .text import number

MARK = "\u27e6{}\u27e7"  # ⟦k⟧
CONSTANT_MARK = "\u27e8{}\u27e9"  # ⟨k⟩: where an op's k-th constant is written in a text (the script puts the number there)


@dataclass(frozen=True)
class Shown:
    """A Value in a `live_text`, written to ``digits`` significant figures (a bare Value: 4)."""

    node: Value
    digits: int = 4


class LiveText(str):
    """A text as made, with ``parts`` (str | Value | (Value, if_zero, otherwise)) the live page rewrites it from."""

    parts: tuple[Any, ...]

    def __new__(cls, text: str, parts: tuple[Any, ...]) -> LiveText:
        made = super().__new__(cls, text)
        made.parts = parts
        return made


def live_text(*parts: str | Value | Shown | tuple[Value, str, str]) -> LiveText:
    """A text whose numbers follow the live page: a Value stands for its value (as `text.number` writes it; `Shown`
    with other digits), a (Value, if_zero, otherwise) for the words chosen by whether that value is 0."""
    made = []
    for part in parts:
        if isinstance(part, Value):
            made.append(number(part.data))
        elif isinstance(part, Shown):
            made.append(number(part.node.data, part.digits))
        elif isinstance(part, tuple):
            made.append(part[1] if part[0].data == 0 else part[2])
        else:
            made.append(str(part))
    return LiveText("".join(made), tuple(parts))


def subtitle_template(subtitle: str, model: GraphModel) -> dict[str, Any] | None:
    """{template, marks} for a `LiveText` subtitle whose nodes are all in the graph; None for a plain text."""
    parts = getattr(subtitle, "parts", None)
    if parts is None:
        return None
    marks: list[list[Any]] = []
    template = []
    for part in parts:
        node = part[0] if isinstance(part, tuple) else part.node if isinstance(part, Shown) else part
        if not isinstance(node, Value):
            template.append(str(part))
            continue
        if node not in model.index:
            return None  # a number from outside this graph: it cannot follow the edit
        if isinstance(part, tuple):
            marks.append(["zero", [model.index[node]], part[1], part[2]])
        else:
            marks.append(["value", [model.index[node]], part.digits if isinstance(part, Shown) else 4])
        template.append(MARK.format(len(marks) - 1))
    return {"template": "".join(template), "marks": marks}


def view_templates(steps: ViewSteps) -> dict[str, Any]:
    """One view's words with marks: each collapsed box's and leaf group's step (by unit), each box's forward sentence."""
    covers: dict[str, Any] = {}
    for u, ts in steps.members.items():
        if not u.startswith("v"):
            marks: list[list[Any]] = []

            def mark(kind: str, nodes: list[int], _value: float, marks: list = marks) -> str:
                marks.append([kind, list(nodes)])
                return MARK.format(len(marks) - 1)

            words = steps.covers_text(u, ts, mark)
            covers[u] = {"grad": words["grad"], "lines": [line["text"] for line in words["lines"]], "marks": marks}
    forward = {}
    for record in steps.forward(value=lambda i: MARK.format(i)):
        if not record["u"].startswith("v"):
            forward[record["u"]] = record["text"]  # ⟦i⟧: node i's value
    layout, model = steps.layout, steps.m
    outputs = {sid: [[i, f"{dot.label(model.name(i), 40)} = "] for i in layout.box_outputs(box)[:MAX_BOX_OUTPUTS]]
               for box, sid in layout.scope_id.items() if sid in steps.members}  # fmt: skip
    return {"covers": covers, "forward": forward, "outputs": outputs}


def forward_parts(node: Op, index: dict[Value, int], names: Any) -> list[dict[str, list]]:
    """The forward sentence's symbolic and numeric formula as `formula_parts` (the script joins name = symbolic =
    numeric = value, dropping repeats, as `page_data.StepText.forward_sentence` does)."""
    return [formula_parts(node, names), formula_parts(node, lambda parent: PROBE.format("", index[parent]))]


PROBE = "zz{}{}q"  # a name that is one unit (letters and digits), found again in the rendered text


def formula_parts(node: Op, name: Any) -> dict[str, list]:
    """``node``'s formula with ``name(operand)``, and each constant (or each operand ``name`` writes as `PROBE`) left
    open: {"pieces": the text between them, "slots": [[constant?, index, wrapped if negative, wrapped if like 1e+05]]}.

    Where a number goes in parentheses depends on the number (``−2.8`` beside a −, ``1e+05`` before a ²): the formula is
    rendered with a probe of each kind, and the script writes each number as the engine's `fill` would."""
    return probe_parts(node.formula_text, name)


def derivative_parts(node: Op, k: int, index: dict[Value, int], num: Any) -> dict[str, list]:
    """∂node/∂(parent k) with the gate open, in numbers (``1 − 0.7071²``): `formula_parts` of the derivative, each value
    it reads (an operand's, or ``out``, the node's own) left open; the op's constants are written by ``num``."""
    return probe_parts(lambda name, _constant: open_derivative(node, k, name, num), lambda v: PROBE.format("", index[v]))


def arithmetic_parts(node: Op, index: dict[Value, int], num: Any) -> dict[str, list]:
    """``node``'s formula in numbers, an unlabelled op inside it written out (`gate_words.written_out`), each value left
    open as in `formula_parts`; the ops' constants are written by ``num``."""
    return probe_parts(lambda operand, _constant: written_out(node, operand, num), lambda v: PROBE.format("", index[v]))


def open_derivative(node: Op, k: int, name: Any, num: Any) -> str:
    """∂node/∂(parent k) as math with the gate open (what it is whenever gradient flows): `Op.derivative_text`, which
    says 0 past a closed gate."""
    if isinstance(node, NaryOp) or node.statement is None:
        return node.derivative_text(k, name, num)
    template, worked = node.statement.derivative_display(k, node.constants())
    return node.render(template, name, num, worked)


def probe_parts(render: Any, name: Any) -> dict[str, list]:
    """`formula_parts` of any text ``render(operand namer, constant numberer)`` writes."""

    def probed(shape: str) -> str:  # every probe written in this shape: as it is, negative, or like 1e+05
        constants = itertools.count()
        operand = lambda v: shape.format(name(v)) if re.fullmatch(r"zz\d+q", name(v)) else name(v)  # noqa: E731
        return render(operand, lambda _c: shape.format(PROBE.format("c", next(constants))))

    plain = probed("{}")
    found = list(re.finditer(r"zz(c?)(\d+)q", plain))
    pieces, slots, at = [], [], 0
    wrapped = {shape: probed(shape) for shape in ("−{}", "{}+")}
    for m in found:
        pieces.append(plain[at : m.start()])
        slots.append([bool(m.group(1)), int(m.group(2))])
        at = m.end()
    pieces.append(plain[at:])
    for shape, text in wrapped.items():  # the same pieces, each probe either as it is or in parentheses
        pos = 0
        for k, piece in enumerate(pieces[:-1]):
            pos += len(piece)
            wrap = text[pos] == "("
            slots[k].append(wrap)
            pos += len(shape.format(PROBE.format("c" if slots[k][0] else "", slots[k][1]))) + 2 * wrap
    return {"pieces": pieces, "slots": slots}


def constant_marks(node: Op) -> Any:
    """A number formatter for ``node``'s texts that writes its constants as ⟨0⟩, ⟨1⟩… (in `Op.constants` order)."""
    marks = iter(range(len(node.constants())))
    return lambda _value: CONSTANT_MARK.format(next(marks))
