"""Walking the backward pass: the step-by-step trace table, and where a gradient comes from.

``Value.backward_steps()`` (engine.py) yields one `BackwardStep` per node.  This
module turns those records into words:

* `format_trace` / `print_trace` — the backward tape as an aligned table, one
  row per edge: ``parent.grad += node.grad · ∂node/∂parent``.
* `explain` — ``∂root/∂node`` as a sum over the paths from ``root`` down to
  ``node``, each path contributing the product of the local derivatives along it:

      ∂J/∂w = Σ_paths Π_edges ∂child/∂parent

* `edge_breakdown` — the same gradient split by the node's direct users only,
  ``∂J/∂w = Σ_users ∂J/∂c · ∂c/∂w``: linear in the graph size, for when the
  number of paths explodes.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from .engine import BackwardStep, Value, topological_order, uses_of
from .errors import describe
from .losses import MaxMargin
from .ops import Add, Div, Dot, Exp, Log, Mul, Neg, Pow, PowConst, Relu, Sigmoid, Sub, Sum, Tanh

MAX_PATHS = 1000  # explain() refuses to list more paths than this unless told otherwise


class PathExplosionError(ValueError):
    """Too many root-to-node paths to list; `edge_breakdown` gives the same gradient per edge."""


# ---------------------------------------------------------------- naming nodes


def format_number(x: float, spec: str = ".4g", minus: str = "-", signed: bool = False) -> str:
    """``format(x, spec)`` without a negative zero (``-0`` or ``-0.000`` reads ``0``).

    ``minus="−"`` for typeset text; ``signed`` puts ``+`` before a positive number that does not read 0.
    """
    text = format(x, spec)
    if _rounds_to_zero(text):
        return format(0.0, spec).lstrip("+")
    if signed and x > 0:
        text = "+" + text
    return text.replace("-", minus)


def _rounds_to_zero(text: str) -> bool:
    try:
        return float(text.replace(",", "").replace("_", "").rstrip("%")) == 0.0
    except ValueError:
        return False


def fmt(x: float, digits: int = 4, minus: str = "-") -> str:
    """``x`` to ``digits`` significant figures, without a negative zero (``minus="−"`` for typeset text)."""
    return format_number(x, f".{digits}g", minus)


def node_names(root: Value) -> dict[Value, str]:
    """Every node of ``root``'s graph → a display name, in topological order (parents first).

    A node's name is its label; an unlabelled node is named by its op (or
    kind) and its topological index, e.g. ``dot#37`` — the same ``i`` as in
    the drawing's DOT id ``v{i}``.  An unlabelled constant is its value.
    """
    names = {}
    for i, node in enumerate(topological_order(root)):
        if node.label:
            names[node] = node.label
        elif node.kind == "constant":
            names[node] = fmt(node.data, 6)
        else:
            names[node] = f"{node.op or node.kind}#{i}"
    return names


def find_node(root: Value, key: Value | str, names: dict[Value, str] | None = None) -> Value:
    """The node of ``root``'s graph given as a `Value`, a label, or a topological index ``"#i"``.

    Raises ValueError naming the key and what to do when it matches no node or several.
    """
    names = names or node_names(root)
    if isinstance(key, Value):
        if key not in names:
            raise ValueError(
                f"{describe(key)} is not part of the graph of {describe(root)}: "
                "nothing flows back to it from this root, so its gradient would be 0"
            )
        return key
    if not isinstance(key, str):
        raise TypeError(f"a node is given as a Value, a label or '#index', got {type(key).__name__} {key!r}")
    if key.startswith("#") and key[1:].isdigit():
        order = list(names)
        if int(key[1:]) < len(order):
            return order[int(key[1:])]
        raise ValueError(f"node {key!r} does not exist: the graph of {describe(root)} has {len(order)} nodes (#0…#{len(order) - 1})")
    matches = [node for node, name in names.items() if name == key]
    if len(matches) == 1:
        return matches[0]
    if matches:
        indexes = ", ".join(f"#{list(names).index(node)}" for node in matches)
        raise ValueError(f"{len(matches)} nodes are labelled {key!r}; name one by its index instead: {indexes}")
    close = difflib.get_close_matches(key, list(names.values()), n=5)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    raise ValueError(f"no node labelled {key!r} in the graph of {describe(root)}{hint}")


def local_formula(node: Value, k: int, names: dict[Value, str]) -> str:
    """∂node/∂(parent slot ``k``) as a formula in the graph's names, e.g. ``U[3]`` for s = U·a at a[3]."""
    for cls in type(node).__mro__:
        if cls in _FORMULAS:
            return _FORMULAS[cls](node, k, lambda v: names[v])
    return f"∂{names[node]}/∂{names[node.parents[k]]}"


def _dot_formula(node: Value, k: int, name: Callable[[Value], str]) -> str:
    n = len(node.parents) // 2
    return name(node.parents[(k + n) % (2 * n)])  # ∂(x·w)/∂xᵢ = wᵢ and ∂/∂wᵢ = xᵢ


def _pow_const_formula(node: Value, k: int, name: Callable[[Value], str]) -> str:
    n = node.exponent
    return "0" if n == 0 else f"{fmt(n)}·{name(node.parents[0])}" + ("" if n == 2 else f"^{fmt(n - 1)}")


_FORMULAS: dict[type, Callable[[Value, int, Callable[[Value], str]], str]] = {
    Add: lambda node, k, name: "1",
    Sum: lambda node, k, name: "1",
    Sub: lambda node, k, name: ("1", "−1")[k],
    Neg: lambda node, k, name: "−1",
    Mul: lambda node, k, name: name(node.parents[1 - k]),
    Div: lambda node, k, name: (f"1/{name(node.parents[1])}", f"−{name(node.parents[0])}/{name(node.parents[1])}²")[k],
    Pow: lambda node, k, name: (
        f"{name(node.parents[1])}·{name(node.parents[0])}^({name(node.parents[1])} − 1)",
        f"{name(node)}·ln {name(node.parents[0])}",
    )[k],
    PowConst: _pow_const_formula,
    Relu: lambda node, k, name: f"1 if {name(node.parents[0])} > 0 else 0",
    Tanh: lambda node, k, name: f"1 − {name(node)}²",
    Sigmoid: lambda node, k, name: f"{name(node)}·(1 − {name(node)})",
    Exp: lambda node, k, name: name(node),
    Log: lambda node, k, name: f"1/{name(node.parents[0])}",
    Dot: _dot_formula,
    MaxMargin: lambda node, k, name: ("−1", "+1")[k] if node.active else "0 (margin met: the hinge is flat)",
}


# ---------------------------------------------------------------- the trace table


def record_steps(root: Value) -> list[BackwardStep]:
    """Run a fresh backward pass (``zero_grad()`` first) and return every step's record.

    Afterwards every node's ``.grad`` is ∂root/∂node, exactly as after
    ``root.zero_grad(); root.backward()``.
    """
    root.zero_grad()
    return list(root.backward_steps())


def trace_rows(
    steps: list[BackwardStep], names: dict[Value, str], follow: Value | None = None, digits: int = 4
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
                cells = [fmt(step.local_grads[k], digits), fmt(step.contributions[k], digits)]
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
    """The backward tape of ``root`` as an aligned text table (runs a fresh backward pass, see `record_steps`).

    Each row is one application of the chain rule along one edge:
    ``contribution = ∂root/∂node · ∂node/∂parent``, added to the parent's grad.
    ``limit`` caps the number of rows (None or 0: all); ``follow`` (a Value,
    label or ``"#i"``) keeps only the rows that touch that node; ``color`` adds
    ANSI colours.
    """
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise ValueError(f"limit must be a non-negative int (0 = no limit), got {limit!r}")
    names = node_names(root)
    target = None if follow is None else find_node(root, follow, names)
    steps = record_steps(root)
    rows = trace_rows(steps, names, target, digits)
    shown = rows[:limit] if limit else rows
    header = [h.format(root=names[root]) for h in _HEADER]
    table = [header] + [_printable(cells) for _, _, cells in shown]
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
    what = f"rows touching {names[target]!r}" if target is not None else "steps"
    out.append(f"{len(steps)} steps, {len(rows)} {'rows' if target is None else what}; "
               f"{names[root]} = {fmt(root.data, digits)}")
    return "\n".join(out)


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)."""
    return not os.environ.get("NO_COLOR") and hasattr(stream, "isatty") and stream.isatty()


def print_trace(root: Value, *, file: TextIO | None = None, color: bool | None = None, **options: object) -> None:
    """Print `format_trace` to ``file`` (stdout); ``color=None`` colours only on a TTY without NO_COLOR."""
    file = file or sys.stdout
    print(format_trace(root, color=use_color(file) if color is None else color, **options), file=file)


def _printable(cells: list[str]) -> list[str]:
    """Cells with control characters escaped, so a label cannot break the table or send terminal codes."""
    return ["".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in cell) for cell in cells]


# ---------------------------------------------------------------- explain: paths and edges


@dataclass(frozen=True)
class Path:
    """One route from the root down to a node: ``nodes[0]`` is the root, and ``local_grads[i]`` = ∂nodes[i]/∂nodes[i+1]."""

    nodes: tuple[Value, ...]
    local_grads: tuple[float, ...]

    @property
    def contribution(self) -> float:
        """Π local_grads (1.0 for the empty path from the root to itself), multiplied from the root down."""
        product = 1.0
        for d in self.local_grads:
            product *= d
        return product


@dataclass(frozen=True)
class Explanation:
    """∂root/∂node = Σ over `paths` of each path's product of local derivatives."""

    root: Value
    node: Value
    paths: tuple[Path, ...]
    names: dict[Value, str]

    @property
    def total(self) -> float:
        """Σ path contributions = ∂root/∂node."""
        return sum(path.contribution for path in self.paths)

    def __str__(self) -> str:
        r, n = self.names[self.root], self.names[self.node]
        count = f"{len(self.paths)} path{'s' * (len(self.paths) != 1)}"
        out = [f"∂{r}/∂{n} = {fmt(self.total, 6)}, the sum over {count} from {r} to {n}:"]
        for i, path in enumerate(self.paths, 1):
            route = " → ".join(self.names[v] for v in path.nodes)
            factors = " · ".join(f"({fmt(d)})" for d in path.local_grads) or "1"
            out.append(f"  path {i}: {route}\n          = {factors} = {fmt(path.contribution, 6)}")
        return "\n".join(out)


def count_paths(root: Value, node: Value) -> int:
    """How many distinct root → node paths the graph has (an edge used twice, as in a + a, counts twice).

    Dynamic programming over the topological order, O(edges):
    paths(v) = 1 if v is ``node`` else Σ_{parent slots p of v} paths(p).
    """
    return _path_counts(topological_order(root), node)[root]


def _path_counts(order: list[Value], node: Value) -> dict[Value, int]:
    """Each node of ``order`` (a topological order) → its number of paths down to ``node`` (0: none)."""
    paths: dict[Value, int] = {}
    for v in order:
        paths[v] = 1 if v is node else sum(paths[p] for p in v.parents)
    return paths


def explain(root: Value, node: Value | str, max_paths: int = MAX_PATHS) -> Explanation:
    """Decompose ∂root/∂node into its paths: ∂root/∂node = Σ_paths Π_edges ∂child/∂parent.

    Reads only the forward values (no backward pass needed, nothing changed).
    Raises `PathExplosionError` when there are more than ``max_paths`` paths
    (counted first, without listing them): use `edge_breakdown` then.
    """
    names = node_names(root)  # in topological order
    target = find_node(root, node, names)
    paths_from = _path_counts(list(names), target)
    count = paths_from[root]
    if count > max_paths:
        raise PathExplosionError(
            f"∂{names[root]}/∂{names[target]} is a sum over {count:,} paths (more than max_paths={max_paths:,}), "
            f"too many to list. Use tinygrad_mm.stepping.edge_breakdown(root, {names[target]!r}) for the "
            f"per-edge breakdown (one term per direct use of {names[target]!r}), or pass a larger max_paths"
        )
    reaches = {v for v, n in paths_from.items() if n}  # the nodes with a path down to target
    locals_ = {v: v.local_grads() for v in reaches if v is not target}
    paths, stack = [], [((root,), ())]  # depth-first, iterative: paths can be longer than the recursion limit
    while stack:
        nodes, grads = stack.pop()
        if nodes[-1] is target:
            paths.append(Path(nodes, grads))
            continue
        head = nodes[-1]
        for parent, d in reversed(list(zip(head.parents, locals_[head], strict=True))):
            if parent in reaches:
                stack.append((nodes + (parent,), grads + (d,)))
    return Explanation(root, target, tuple(paths), names)


@dataclass(frozen=True)
class EdgeTerm:
    """One direct use of the node: ``user`` (at parent slot ``slot``) sent ``user_grad · local_grad``."""

    user: Value
    slot: int
    step: int
    user_grad: float
    local_grad: float
    contribution: float


@dataclass(frozen=True)
class EdgeBreakdown:
    """∂root/∂node = Σ over the node's direct users c of ∂root/∂c · ∂c/∂node."""

    root: Value
    node: Value
    terms: tuple[EdgeTerm, ...]
    grad: float
    names: dict[Value, str]

    def __str__(self) -> str:
        r, n = self.names[self.root], self.names[self.node]
        out = [f"∂{r}/∂{n} = {fmt(self.grad, 6)}, the sum over its {len(self.terms)} direct uses:"]
        for t in self.terms:
            c = self.names[t.user]
            out.append(
                f"  step {t.step + 1}: ∂{r}/∂{c} · ∂{c}/∂{n} = {fmt(t.user_grad)} · {fmt(t.local_grad)} = {fmt(t.contribution, 6)}"
            )
        return "\n".join(out)


def edge_breakdown(root: Value, node: Value | str) -> EdgeBreakdown:
    """∂root/∂node split by the edges that enter it, taken from a fresh backward pass (see `record_steps`).

    The terms are the very contributions the backward pass added, in order, so
    they sum (left to right from 0) exactly to ``node.grad``.
    """
    names = node_names(root)
    target = find_node(root, node, names)
    steps = {step.node: step for step in record_steps(root)}  # in backward order
    terms = tuple(
        EdgeTerm(user, k, steps[user].index, user.grad, steps[user].local_grads[k], steps[user].contributions[k])
        for user, k in uses_of(target, steps)
    )
    return EdgeBreakdown(root, target, terms, target.grad, names)


__all__ = [
    "EdgeBreakdown",
    "EdgeTerm",
    "Explanation",
    "MAX_PATHS",
    "Path",
    "PathExplosionError",
    "count_paths",
    "edge_breakdown",
    "explain",
    "find_node",
    "fmt",
    "format_number",
    "format_trace",
    "local_formula",
    "node_names",
    "print_trace",
    "record_steps",
    "trace_rows",
]
