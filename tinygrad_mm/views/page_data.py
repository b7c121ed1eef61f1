"""The words and numbers of the step-through page: every node, every backward step explained, and the summary.

All text comes from the op classes (through ``text.derivative_sentence``, ``gate_sentence``
and ``Op.derivative_text``), the same sentences the trace and the drawing use, with the
names of ``text.node_names`` (an unlabelled node is named by what it computes).  Every
step's line reads

    ∂J/∂a[0] += ∂J/∂s · U[0] = −1 · 0.5 = −0.5          the chain rule, in symbols, then numbers
    s = U[0]·a[0] + U[1]·a[1]: ∂s/∂a[0] = U[0] = 0.5    why the local derivative is what it is

and sums get enough digits that the shown terms add up to the shown total
(``text.places_to_add_up``).  Numbers are formatted here: the page's script never formats a float.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from ..engine import BackwardStep, Op
from ..engine.statement import fill
from .drawing_style import sum_text
from .graph import GraphModel
from .text import MINUS, derivative_sentence, gate_sentence, number, places_format, places_to_add_up


class StepText:
    """Formats the numbers and sentences of ``model``'s recorded backward pass, ``digits`` significant digits."""

    def __init__(self, model: GraphModel, digits: int = 4) -> None:
        if model.backward is None:
            raise ValueError("the step text needs a model with its backward pass: graph_model(root, gradients=True)")
        self.m, self.steps, self.digits = model, model.backward.steps, digits
        self.names = model.names
        self.uses = [len(c) for c in model.consumers]
        self.step_of = {model.index[step.node]: t for t, step in enumerate(self.steps)}
        self._places: dict[int, int | None] = {}  # node → decimal places of its gradient (None: significant digits)
        self.received: list[list[tuple[int, int]]] = [[] for _ in model.nodes]  # node → [(step, slot)] sent to it
        for t, step in enumerate(self.steps):
            for k, parent in enumerate(step.parents):
                if parent.kind != "constant":
                    self.received[model.index[parent]].append((t, k))

    def num(self, x: float | None, digits: int | None = None) -> str:
        return number(x, digits or self.digits)

    def partial(self, i: int) -> str:
        """``∂J/∂a[0]``, ``∂J/∂(x·w)``."""
        return self.m.partial_of(i)

    def sum_format(self, terms: Sequence[float], total: float | None) -> Callable[[float | None], str]:
        """A number format at which the shown ``terms`` add up to the shown ``total`` (`places_to_add_up`)."""
        return places_format(self.places(terms, total), self.digits)

    def places(self, terms: Sequence[float], total: float | None) -> int | None:
        """Decimal places for a sum of these terms; None (significant digits) when it is no sum (0 + x = x)."""
        terms = [term for term in terms if term]
        return places_to_add_up(terms, total, self.digits) if len(terms) > 1 and total is not None else None

    def grad_format(self, i: int) -> Callable[[float | None], str]:
        """How node i's gradient is shown: with enough digits to read as the sum of what its uses sent."""
        if i not in self._places:
            self._places[i] = self.places([self.steps[t].contributions[k] for t, k in self.received[i]], self.m.grad(i))
        return places_format(self._places[i], self.digits)

    # ---- nodes ----
    def nodes(self) -> list[dict]:
        """Every node by topological index: name, ∂-name, kind, op, data, uses, and its forward sentence."""
        return [
            {"name": self.names[node], "shown": self.m.shown_name(i), "kind": node.kind, "op": node.op,
             "data": self.num(node._data), "uses": self.uses[i], "forward": self.forward_sentence(i)}
            for i, node in enumerate(self.m.nodes)
        ]  # fmt: skip

    def forward_sentence(self, i: int) -> str:
        """``z[0] = W[0,0]·x[0] + b[0] = 0.5·0.1 + 0 = 0.05``: the value as math, then numbers (ops only)."""
        node = self.m.nodes[i]
        if not isinstance(node, Op):
            return f"{self.names[node]} = {self.num(node._data)} ({node.kind})"
        symbolic = node.formula_text(self.names.__getitem__, self.num)
        numeric = node.formula_text(lambda v: self.num(v._data), self.num)
        return " = ".join(distinct([self.names[node], symbolic, numeric, self.num(node._data)]))

    # ---- steps ----
    def step(self, t: int) -> dict:
        """Backward step t: its node's gradient, one chain-rule line per parent, the gate, what it received, a quiz."""
        step = self.steps[t]
        i = self.m.index[step.node]
        show = self.grad_format(i)
        edges = [self.edge(step, k) for k in range(len(step.parents))]
        gate = gate_sentence(step.node, self.names, self.digits)
        return {
            "node": i, "grad": show(step.grad), "grad_exact": step.grad, "edges": edges,
            "received": [{"step": s, "from": self.m.index[self.steps[s].node],
                          "text": show(self.steps[s].contributions[k])} for s, k in self.received[i]],
            "gate": gate, "zero": step.grad == 0.0, "quiz": self.quiz(t, show(step.grad)),
        }  # fmt: skip

    def edge(self, step: BackwardStep, k: int) -> dict:
        node, parent = step.node, step.parents[k]
        i, p = self.m.index[node], self.m.index[parent]
        if parent.kind == "constant":
            return {"parent": p, "constant": True, "zero": True, "after_exact": step.grads_after[k],
                    "text": f"{self.names[parent]} is a constant: it needs no gradient"}  # fmt: skip
        c, before, after = step.contributions[k], step.grads_before[k], step.grads_after[k]
        local = step.local_grads[k]
        symbolic = node.derivative_text(k, self.names.__getitem__, self.num)  # type: ignore[attr-defined]
        text = (f"{self.partial(p)} += {self.partial(i)} · {as_factor(symbolic)} = "
                f"{self.grad_format(i)(step.grad)} · {factor(self.num(local))} = {self.num(c)}")  # fmt: skip
        show = self.sum_format([before, c], after)
        acc = f"{self.partial(p)}: {show(after)}" if not before else \
            f"{self.partial(p)}: {show(before)} + {factor(show(c))} = {show(after)}"  # fmt: skip
        return {"parent": p, "text": text, "why": self.why(node, k), "acc": acc, "after_exact": after, "zero": c == 0.0}

    def why(self, node: Op, k: int) -> str:
        """The op's local-derivative sentence (`text.derivative_sentence`)."""
        return derivative_sentence(node, k, self.names, self.digits)

    def quiz(self, t: int, shown: str) -> dict | None:
        """What to ask before step t: its node's gradient, the tolerance of the shown digits, and a hint."""
        step = self.steps[t]
        i = self.m.index[step.node]
        if i == self.m.root_index or not self.received[i]:
            return None
        hint = []
        for s, k in self.received[i]:
            user = self.steps[s]
            u = self.m.index[user.node]
            symbolic = user.node.derivative_text(k, self.names.__getitem__, self.num)  # type: ignore[attr-defined]
            hint.append(f"{self.partial(u)} · {as_factor(symbolic)} = "
                        f"{self.grad_format(u)(user.grad)} · {factor(self.num(user.local_grads[k]))}")  # fmt: skip
        if len(hint) > 1:
            hint.append(f"{self.partial(i)} is the sum of these {len(hint)} contributions")
        return {"question": f"{self.partial(i)} = ?", "tol": tolerance(step.grad, shown), "hint": hint}

    # ---- the end ----
    def summary(self) -> list[dict]:
        """Every leaf's gradient (constants aside); for a leaf used by several branches, the per-branch sums."""
        rows = []
        for i, node in enumerate(self.m.nodes):
            if not node.is_leaf or node.kind == "constant":
                continue
            grad = self.m.grad(i)
            terms = sorted(self.m.contributions(i))
            show = self.sum_format([c for _, c in terms], grad) if len(terms) > 1 else self.grad_format(i)
            row = {"node": i, "text": f"{self.partial(i)} = {show(grad)}"}
            if len(terms) > 1:
                row["branches"] = sum_text(terms, grad, show, limit=len(terms))
            rows.append(row)
        return rows


def distinct(parts: list[str]) -> list[str]:
    """``parts`` without an item equal to the one before it (``x·w = x·w`` reads once)."""
    return [part for k, part in enumerate(parts) if k == 0 or part != parts[k - 1]]


def as_factor(formula: str) -> str:
    """A formula after ``·``, in parentheses where the math needs them (``1 − o²``, ``−1``), as the op templates do."""
    return fill("·{d}", {"d": formula})[1:]


def factor(text: str) -> str:
    """A number as a factor: in parentheses when negative (``1 · (−1)``)."""
    return f"({text})" if text.startswith("−") else text


def tolerance(x: float, shown: str) -> float:
    """Half a unit in the last digit of ``shown`` (how ``x`` is shown): answers this close read the same."""
    mantissa, _, exponent = shown.replace(MINUS, "-").lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    if not math.isfinite(x) or not mantissa.strip("-+0.") and not exponent:
        return 0.5 * 10.0**-decimals if decimals else 5e-5
    return 0.5 * 10.0 ** (-decimals + int(exponent or 0)) * (1 + 1e-9)
