"""The quiz's questions, step by step: the seeds' question at each gate, what a shared weight receives per branch,
and every node's gradient.

Before backward step t is revealed, the page asks the questions of step t, in this order:

- at a **gate** heading the graph (an op whose ``gate()`` is not None, among the root and its
  operands — `GraphModel.gates`: the hinge J = max(0, Δ + s_c − s), or each J_k):
  "is the gate open?" (yes / no; its closed state is the op's own ``closed_label``, "margin met"),
  then the local derivative for each operand, ∂J/∂s = −1 and ∂J/∂s_c = +1 (both 0 when closed);
- at a **shared leaf** — the first element of each array whose gradient arrives by two or more
  branches (`GraphModel.contributions`: s, s_c1, …): "what does U[0] receive via s?";
- the node's **gradient**, ∂J/∂node (the page data's own question, `StepText.quiz`).

``which="seeds"`` keeps the gate questions only: the short quiz on the seeds' question.
Nothing here knows a model: gates, branches and words come from the graph and the op classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..engine import Op
from .graph import array_name
from .page_data import tolerance
from .text import gate_sentence

if TYPE_CHECKING:
    from .graph import GraphModel
    from .page_data import StepText

MAX_SHARED = 3  # shared arrays asked about ("what does U[0] receive via s?"), in topological order
QUIZZES = ("all", "seeds")


def quiz_questions(model: GraphModel, text: StepText, which: str = "all") -> dict[int, list[dict]]:
    """Engine step t → the questions asked before it is revealed (besides its node's gradient), as page data.

    Each question: ``{"id", "kind": "number" | "yesno", "question", "answer", "tol", "hint": [...], "explain"}``.
    """
    if which not in QUIZZES:
        raise ValueError(f"quiz must be True, False or one of {', '.join(map(repr, QUIZZES))}, got {which!r}")
    out: dict[int, list[dict]] = {}
    for i in model.gates():
        if i in text.step_of:
            out.setdefault(text.step_of[i], []).extend(_gate_questions(model, text, i))
    if which == "all":
        for i in _shared_leaves(model):
            if i in text.step_of:
                out.setdefault(text.step_of[i], []).append(_branch_question(model, text, i))
    return out


def _gate_questions(model: GraphModel, text: StepText, i: int) -> list[dict]:
    """Is the gate open; then ∂J/∂operand, the local derivative, for each operand (the seeds' question)."""
    node: Op = model.nodes[i]  # type: ignore[assignment]
    name, names = model.shown_name(i), model.names
    why = gate_sentence(node, names, text.digits) or ""
    formula = node.formula_text(names.__getitem__, text.num)
    head = name if names[node] == formula else f"{name} = {formula}"
    questions = [{
        "id": f"gate{i}", "kind": "yesno", "answer": bool(node.gate()),
        "question": f"At {head}: is the gate open — does gradient flow back through it? "
                    f"(closed, it would be “{node.closed_label}”; answer y or n)",
        "hint": [], "explain": why, "head": head,
    }]  # fmt: skip
    for k, parent in enumerate(node.parents):
        if parent.kind == "constant":
            continue
        p = model.index[parent]
        local = node.local_grads()[k]
        shown = text.num(local)
        symbolic = node.derivative_text(k, names.__getitem__, text.num)
        d = f"∂{name}/∂{model.shown_name(p)}"
        questions.append({
            "id": f"local{i}_{k}", "kind": "number", "answer": local, "tol": tolerance(local, shown), "shown": shown,
            "question": f"At {head}: what is the local derivative {d} here?", "head": head,
            "hint": [f"{d} = {symbolic}" if symbolic != shown else f"look at the gate: {why}"],
            "explain": f"{d} = {symbolic}" + ("" if symbolic.lstrip("+") == shown else f" = {shown}")
                       + (f", because {why.split(': ')[0]}" if why else ""),
        })  # fmt: skip
    return questions


def _shared_leaves(model: GraphModel) -> list[int]:
    """The first leaf of each array (or each unnamed leaf) whose gradient arrives by two or more branches."""
    chosen: dict[str, int] = {}
    for i, node in enumerate(model.nodes):
        if not node.is_leaf or node.kind == "constant" or len(model.consumers[i]) < 2:
            continue
        key = array_name(node.label) or node.label or f"#{i}"
        if key not in chosen and len(model.contributions(i)) >= 2:
            chosen[key] = i
            if len(chosen) == MAX_SHARED:
                break
    return list(chosen.values())


def _branch_question(model: GraphModel, text: StepText, i: int) -> dict:
    """What a shared leaf receives via its first branch (s): the sum over that branch's edges into it."""
    parts = sorted(model.contributions(i))
    branch, value = parts[0]
    name, shown = model.shown_name(i), text.num(value)
    others = ", ".join(b for b, _ in parts)
    edges = [e for e in model.consumers[i] if e.carried is not None]
    terms = [f"{model.partial_of(e.child)} · ∂{model.shown_name(e.child)}/∂{name}" for e in edges[:4]]
    return {
        "id": f"branch{i}", "kind": "number", "answer": value, "tol": tolerance(value, shown), "shown": shown,
        "question": f"{name} is used in {len(parts)} branches ({others}): what does it receive via {branch}?",
        "hint": [f"add what flows back along {name}'s edges into the {branch} branch: upstream gradient × local "
                 f"derivative, e.g. {terms[0]}" if terms else "add what its edges in that branch carry back"],
        "explain": f"{model.partial_of(i)} = " + " + ".join(f"{text.num(c)} (via {b})" for b, c in parts)
                   + f" = {text.num(model.grad(i))}",
    }  # fmt: skip
