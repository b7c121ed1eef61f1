"""The matrix lens on a live page: what ``templates/viewer-live-matrix.js`` needs to recompute every grid and formula.

The live page (views/live.py) recomputes both passes in the browser, each op by its class's own statement; its
backward pass keeps what every step sent to each parent (``state.steps[t].c[k]``).  From those the script
recomputes the lens exactly as `matrix.gradient_lens` and `matrix_formulas.notes_formulas` do here:

    via B (entry w)   = Σ over the steps of the ops inside B of what they sent to w     (in backward()'s order)
    δ_B,i             = U[i] · f′(z_B,i)         f′: the step's own local derivative at a_B,i (the op's statement)
    (δ_B x_Bᵀ)[i,j]   = δ_B,i · x_B,j
    predicted cell    = Σ_B (∂J/∂s_B) · factor_B         (δ_B,i·x_B,j for W, δ_B,i for b, a_B,i for U)

so no op's derivative is written a second time.  This module only says *which* nodes play which part — branch
members, the x, z, a and U of each branch, each checked array's cells in order, the paths each tooltip lists — by
their topological index (the page's node numbers), and hands over the texts' templates (`matrix_draw.Cells.text`)
and their words.
"""

from __future__ import annotations

from typing import Any

from .matrix import MatrixLens, inside
from .matrix_draw import WORDS, Cells, gate_nodes
from .matrix_formulas import MISMATCH, LayerStep, NotesFormulas


def live_lens(lens: MatrixLens, formulas: NotesFormulas | None, cells: Cells) -> dict[str, Any]:
    """The lens's structure by node index, for the page's script (see the module docstring)."""
    index = cells.index
    data: dict[str, Any] = {
        "branches": [sorted(index[op] for op in inside(branch)) for branch in lens.branches],
        "arrays": {array.name: [index[node] for node in array.cells.values()] for array in lens.arrays},
        "texts": cells.texts,
        "routes": cells.routes,
        "words": WORDS,
        "mismatch": MISMATCH,  # CellCheck.ok: a difference over this times the largest |gradient| is a mismatch
        "gates": [[index[g], cells.names[g]] for g in gate_nodes(lens)],
        "formulas": None,
    }
    if formulas is not None:
        roles = [(role, array) for role, array in (("W", formulas.W), ("b", formulas.b), ("U", formulas.U)) if array is not None]
        data["formulas"] = {
            "branches": [{"out": index[b.output], "x": [index[b.x.cells[(j,)]] if (j,) in b.x.cells else None
                                                       for j in range(b.x.shape[0])],
                          "z": [index[z] for z in b.z], "a": [index[a] for a in b.a]} for b in formulas.branches],
            "U": [index[formulas.U.cells[(i,)]] for i in range(formulas.U.shape[0])],
            "checks": {role: {"array": array.name, "cells": [[index[node], array.entry(i), *i] for i, node in array.cells.items()]}
                       for role, array in roles},
        }  # fmt: skip
    return data


def live_layers(steps: list[LayerStep], index: dict) -> list[list]:
    """Each layer step's line templates, their slots' nodes as node indices (`matrix_formulas.slot_text` says what each shows)."""

    def spec(what: tuple) -> list:
        kind, of = what
        if kind in ("grad", "factor"):
            return [kind, index[of]]
        if kind in ("data", "grads"):
            return [kind, [index[node] for node in of]]
        return [kind, of]  # fprime, delta, off: of branch k

    return [[[template, {name: spec(what) for name, what in slots.items()}] for template, slots in step.templates] for step in steps]
