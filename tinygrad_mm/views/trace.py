"""The backward tape as a table: one row per edge, ``parent.grad += node.grad · ∂node/∂parent``.

The rows are the steps of ``engine.record(root)``: one backward pass recorded on the
side, so printing a trace leaves every ``.grad`` as it was.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TextIO

from ..engine import BackwardStep, Value, record
from .text import find_node, fmt, node_names, printable, standalone


def trace_rows(
    steps: Sequence[BackwardStep], names: dict[Value, str], follow: Value | None = None, digits: int = 4
) -> list[tuple[BackwardStep, int | None, list[str]]]:
    """One row per edge a step sends gradient along (one row for a leaf): ``(step, parent slot, cells)``.

    Cells: step (1-based), node, op, grad, ∂node/∂parent, contribution, parent,
    parent's grad before → after.  ``follow`` keeps only the rows of that
    node's own step and of the contributions sent to it.
    """
    rows = []
    for step in steps:
        head = [str(step.index + 1), names[step.node], step.node.op or step.node.kind, fmt(step.grad, digits)]
        if not step.parents:
            if follow is None or step.node is follow:
                rows.append((step, None, head + ["", "", "(leaf: grad final)", ""]))
            continue
        for k, parent in enumerate(step.parents):
            if follow is None or step.node is follow or parent is follow:
                before, after = fmt(step.grads_before[k], digits), fmt(step.grads_after[k], digits)
                sent = fmt(step.contributions[k], digits) if parent.kind != "constant" else "(constant)"
                cells = [fmt(step.local_grads[k], digits), sent]
                rows.append((step, k, head + cells + [f"→ {names[parent]}", f"{before} → {after}"]))
    return rows


_HEADER = ("step", "node", "op", "∂{root}/∂node", "∂node/∂parent", "contribution", "→ parent", "parent grad")
_RIGHT = {0, 3, 4, 5}  # numeric columns are right-aligned
_ANSI = {"bold": "\033[1m", "dim": "\033[2m", "node": "\033[1;36m", "follow": "\033[1;33m", "reset": "\033[0m"}


def format_trace(
    root: Value,
    *,
    limit: int | None = None,
    follow: Value | str | None = None,
    color: bool = False,
    digits: int = 4,
) -> str:
    """The backward tape of ``root`` as an aligned text table (from a side pass: no ``.grad`` changes).

    Each row is one application of the chain rule along one edge:
    ``contribution = ∂root/∂node · ∂node/∂parent``, added to the parent's grad.
    ``limit`` caps the number of rows (None or 0: all); ``follow`` (a Value, a
    name or ``"#i"``) keeps only the rows that touch that node; ``color`` adds ANSI colours.
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValueError(f"limit must be a non-negative int (0 = no limit), got {limit!r}")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an int from 1 to 17, got {digits!r}")
    names = node_names(root)
    target = None if follow is None else find_node(root, follow, names)
    steps = record(root).steps
    rows = trace_rows(steps, names, target, digits)
    shown = rows[:limit] if limit else rows
    header = [h.format(root=printable(standalone(root, names))) for h in _HEADER]
    table = [header] + [[printable(cell) for cell in cells] for _, _, cells in shown]
    widths = [max(len(row[c]) for row in table) for c in range(len(header))]

    def line(cells: list[str], styles: dict[int, str]) -> str:
        padded = [cell.rjust(w) if c in _RIGHT else cell.ljust(w) for c, (cell, w) in enumerate(zip(cells, widths, strict=True))]
        if color:
            padded = [f"{_ANSI[styles[c]]}{cell}{_ANSI['reset']}" if c in styles else cell for c, cell in enumerate(padded)]
        return "  ".join(padded).rstrip()

    out = [line(header, dict.fromkeys(range(len(header)), "bold"))]
    previous = None
    for (step, k, _), cells in zip(shown, table[1:], strict=True):
        if step is previous:  # later edges of the same step: do not repeat step, node, op, grad
            cells = [""] * 4 + cells[4:]
        previous = step
        styles = {1: "follow" if step.node is target else "node"}
        if k is not None and step.parents[k] is target:
            styles[6] = "follow"
        if k is not None and step.contributions[k] == 0.0:
            styles[5] = "dim"
        out.append(line(cells, styles))
    if len(shown) < len(rows):
        out.append(f"… {len(rows) - len(shown)} more rows (limit {limit}; 0 shows all)")
    what = f"rows touching {printable(names[target])!r}" if target is not None else "rows"
    out.append(f"{len(steps)} steps, {len(rows)} {what}; {printable(names[root])} = {fmt(root.data, digits)}")
    return "\n".join(out)


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)."""
    return not os.environ.get("NO_COLOR") and hasattr(stream, "isatty") and stream.isatty()


def print_trace(root: Value, *, file: TextIO | None = None, color: bool | None = None, **options: object) -> None:
    """Print `format_trace` to ``file`` (stdout); ``color=None`` colours only on a TTY without NO_COLOR."""
    file = file or sys.stdout
    print(format_trace(root, color=use_color(file) if color is None else color, **options), file=file)  # type: ignore[arg-type]
