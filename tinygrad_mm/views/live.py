"""The live page: edit a leaf (or a named constant such as Δ) and the browser recomputes both passes.

`live_page` gives the step-through page what its script ``viewer-live.js`` needs to recompute
the forward and the backward pass in the browser, as backward() does them, and to rewrite every
number the page shows:

- each op class in the graph as JavaScript printed from the class's own statement
  (`op_script.op_script`: the same statement the engine's ``forward``/``local_grads`` are made
  from) — never a second, hand-written copy of an op's derivative;
- each node: its op, its parents, its constants; each step of the recorded pass: its node, in order;
- the words around the numbers, which do not change when a number does: the symbolic chain-rule
  factor of each edge (with the gate open), each op's formula, the gate's condition;
- per view, which slot shows which node's gradient (so partial sums are rewritten as the fold shows them).

Where live cannot serve (an op without a statement, more than `MAX_LIVE_NODES` nodes), ``data``
carries one line saying why, and the page stays the correct snapshot it always was.
"""

from __future__ import annotations

from typing import Any

from ..engine import Op, Value
from ..engine.errors import describe
from . import gate_words
from .drawing_style import CLOSED_FILL
from .graph import GraphModel, array_name
from .live_text import (
    CONSTANT_MARK,
    arithmetic_parts,
    constant_marks,
    derivative_parts,
    forward_parts,
    open_derivative,
    view_templates,
)
from .op_script import ScriptPrinter, op_script
from .page_data import StepText, as_factor
from .page_views import ViewSteps
from .text import partial

MAX_LIVE_NODES = 20_000  # past this the page stays a snapshot: recomputing would take longer than a frame is worth
OFF = "tgmm.live.start([]);\n"  # the page then says, in one line, why it is not live


def live_page(model: GraphModel, text: StepText) -> tuple[dict[str, Any], str]:
    """(the live part of the page's data, the JavaScript of the graph's op classes, to append to the page's script)."""
    nodes = model.nodes
    if len(nodes) > MAX_LIVE_NODES:
        return {"off": f"Live editing is off: {len(nodes):,} nodes is over the live page's {MAX_LIVE_NODES:,}; "
                       "this page is a correct snapshot."}, OFF  # fmt: skip
    classes: list[type] = []
    for node in nodes:
        if isinstance(node, Op) and type(node) not in classes:
            if type(node).statement is None:
                return {"off": f"Live editing is off: the op {type(node).__name__} states no value and derivatives "
                               "(see 'Adding an op'); this page is a correct snapshot."}, OFF  # fmt: skip
            classes.append(type(node))
    names = text.names.__getitem__
    out: list[dict[str, Any]] = []
    expressions: list[str] = []  # the gate words' numbers as JavaScript functions (gate_template)
    knobs = []
    baked = ""  # one line: why an exponent such as xⁿ's n is not in the live box
    for i, node in enumerate(nodes):
        if not isinstance(node, Op):
            entry: dict[str, Any] = {"value": node._data}
            if node.kind != "constant":
                entry["edit"] = True
            out.append(entry)
            continue
        constants = list(node.constants().values())
        formula = _marked(node, node.formula_text, names)
        syms = [open_derivative(node, k, names, text.num) for k in range(len(node.parents))]
        numbers = [derivative_parts(node, k, model.index, text.num) for k in range(len(node.parents))]
        entry = {
            "op": classes.index(type(node)), "parents": [model.index[p] for p in node.parents], "constants": constants,
            "value": node._data, "head": formula if names(node) == formula else f"{names(node)} = {formula}",
            "syms": syms, "numbers": numbers, "factors": [as_factor(sym) for sym in syms],
            "locals": [partial(node, p, text.names) for p in node.parents],
            # the words of the engine's DomainError (Op.undefined), for a refused edit
            "cannot": type(node).formula_for(node.parents), "described": [_described(p) for p in node.parents],
            "note": "".join(f"{'Δ' if f == 'delta' else f} = {CONSTANT_MARK.format(j)}: " for j, f in enumerate(node.constant_fields)),
        }  # fmt: skip
        entry["forward"] = forward_parts(node, model.index, names)
        if node.gate() is not None:
            entry["gate"] = gate_template(node, text, expressions)
        out.append(entry)
        statement = type(node).statement
        in_derivatives = set().union(*(rule.names for rule in statement.derivatives)) if statement else set()
        for j, field in enumerate(node.constant_fields):
            if field not in in_derivatives:  # a constant the derivative texts do not work out (Δ, not xⁿ's n)
                knobs.append({"node": i, "constant": j, "name": "Δ" if field == "delta" else f"{field} of {names(node)}"})
            elif not baked:
                baked = (f"The {node.constant_fields[field]} {text.num(node.constants()[field])} of {names(node)} is baked into "
                         f"the op (its derivative {node.derivative_text(0, names, text.num)} is worked out from it), so it "
                         "cannot be changed here; to vary it, make it a Value: x ** y")  # fmt: skip
    summary = {}
    for i, node in enumerate(nodes):
        if node.is_leaf and node.kind != "constant":
            branches: dict[str, list[list[int]]] = {}
            for edge in model.consumers[i]:
                if not edge.to_constant:
                    branches.setdefault(model.branch(edge.child), []).append([text.step_of[edge.child], edge.slot])
            summary[i] = sorted(branches.items())
    data = {
        "nodes": out, "knobs": knobs, "order": [model.index[step.node] for step in text.steps],
        "digits": text.digits, "summary": summary, "partials": [model.partial_of(i) for i in range(len(nodes))],
        "closedFill": CLOSED_FILL, "opNames": [f"{cls.__module__}:{cls.__qualname__}" for cls in classes], "baked": baked,
    }  # fmt: skip
    script = ("tgmm.live.start([\n" + ",\n".join(op_script(cls) for cls in classes) + "\n], [\n"
              + ",\n".join(expressions) + "\n]);\n")  # fmt: skip
    return data, script


def live_view(steps: ViewSteps) -> dict[str, Any]:
    """What the script needs to rewrite one view's records: node → its slot and its unit, each leaf group's members
    and the words of its badge (``‖∂J/∂W‖``), as `page_views.ViewSteps` writes them."""
    layout, model = steps.layout, steps.m
    prefix = {gid: f"‖{model.partial(array_name(model.nodes[members[0]].label) or gid)}‖" for gid, members in layout.groups.items()}
    return {"slotOf": {str(i): slot for i, slot in steps.slot_of.items()}, "groups": layout.groups, "prefix": prefix,
            "unitOf": list(layout.unit), **view_templates(steps)}  # fmt: skip


def _described(node: Value) -> str:
    """`engine.errors.describe` without the number (the script writes the edited one)."""
    return describe(node).rsplit(" (data=", 1)[0]


def _marked(node: Op, text_of: Any, names: Any) -> str:
    """A text of ``node`` with its constants written as ⟨0⟩, ⟨1⟩…, in the order of ``node.constants()``."""
    return text_of(names, constant_marks(node))


def gate_template(node: Op, text: StepText, expressions: list[str]) -> dict[str, Any]:
    """The op's gate words (`gate_words`) for the page, with their numbers left open: for "open" and "closed", pieces
    ["t", words] | ["n", k, in parentheses if negative] (the k-th of ``expressions``, JavaScript functions of the node's
    fields, out and constants) | ["f", formula parts] (`live_text.formula_parts`: an operand's arithmetic in numbers);
    and the closed gate's label as drawn."""
    names, cls = text.names.__getitem__, type(node)

    def worked(operand: Value) -> list[Any]:
        if not isinstance(operand, Op):
            return []
        symbolic = gate_words.named_formula(operand, names, text.num)
        return [f"{symbolic} = " if symbolic is not None else "", ["f", arithmetic_parts(operand, text.m.index, text.num)], " = "]

    out: dict[str, Any] = {"label": node.closed_label, "open": None, "closed": None}  # None: the op states no words
    for state, template in zip(("open", "closed"), cls.gate_words or (), strict=True):
        made = gate_words.pieces(node, template, names, lambda part, signed: ["n", _expression(cls, part, expressions), signed], worked)
        joined: list[list] = []  # adjacent words as one piece
        for piece in made:
            if isinstance(piece, str) and joined and joined[-1][0] == "t":
                joined[-1][1] += piece
            elif piece != "":
                joined.append(["t", piece] if isinstance(piece, str) else piece)
        out[state] = joined
    return out


def _expression(cls: type[Op], text: str, expressions: list[str]) -> int:
    """The index of ``text``'s JavaScript function in ``expressions`` (added once per class and text)."""
    statement = cls.statement
    assert statement is not None
    rule = gate_words.expression(cls, text)
    fields = ", ".join((*statement.fields, "out", *statement.constant_fields))
    script = f"function ({fields}) {{ return {ScriptPrinter({n: n for n in rule.names}).text(rule.tree)}; }}"
    if script not in expressions:
        expressions.append(script)
    return expressions.index(script)
