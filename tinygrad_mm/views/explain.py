"""Where a gradient comes from: ∂root/∂node as a sum over paths, or over the node's direct uses.

* `explain` — ``∂root/∂node`` as a sum over the paths from ``root`` down to
  ``node``, each path contributing the product of the local derivatives along it:

      ∂J/∂w = Σ_paths Π_edges ∂child/∂parent

  Paths are counted first (linear time), so a graph with astronomically many paths
  raises `PathExplosionError` at once; listing them is linear in their total length.
* `edge_breakdown` — the same gradient split by the node's direct users only,
  ``∂J/∂w = Σ_users ∂J/∂c · ∂c/∂w``: linear in the graph size, for when the
  number of paths explodes.

Both read the graph and a side pass only: no ``.grad`` changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..engine import Value, record, topological_order, uses_of
from .text import find_node, fmt, node_names, partial

MAX_PATHS = 1000  # explain() refuses to list more paths than this unless told otherwise


class PathExplosionError(ValueError):
    """Too many root-to-node paths to list; `edge_breakdown` gives the same gradient per edge."""


def count_text(n: int) -> str:
    """``1,234`` — or ``about 10^4301`` for a number too long to read (Python limits int → str anyway)."""
    if n < 10**30:
        return f"{n:,}"
    return f"about 10^{math.floor(n.bit_length() * math.log10(2))}"


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
        out = [f"{partial(self.root, self.node, self.names)} = {fmt(self.total, 6)}, the sum over {count} from {r} to {n}:"]
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


def explain(root: Value, node: Value | str, max_paths: int = MAX_PATHS, names: dict[Value, str] | None = None) -> Explanation:
    """Decompose ∂root/∂node into its paths: ∂root/∂node = Σ_paths Π_edges ∂child/∂parent.

    Reads only the forward values (no backward pass needed, nothing changed).
    Raises `PathExplosionError` when there are more than ``max_paths`` paths
    (counted first, without listing them): use `edge_breakdown` then.  ``names``: `node_names(root)`,
    if already computed (explaining many nodes of one graph).
    """
    names = names or node_names(root)  # in topological order
    target = find_node(root, node, names)
    paths_from = _path_counts(list(names), target)
    count = paths_from[root]
    if count > max_paths:
        raise PathExplosionError(
            f"∂{names[root]}/∂{names[target]} is a sum over {count_text(count)} paths (more than "
            f"max_paths={max_paths:,}), too many to list. Use tinygrad_mm.views.explain.edge_breakdown(root, "
            f"{names[target]!r}) (CLI: tinygrad-mm explain … --edges) for the per-edge breakdown (one term per "
            f"direct use of {names[target]!r}), or pass a larger max_paths"
        )
    reaches = {v for v, n in paths_from.items() if n}  # the nodes with a path down to target
    locals_ = {v: v.local_grads() for v in reaches if v is not target}
    # Depth-first and iterative (paths can be longer than the recursion limit).  Each stack entry is a link
    # (node, local derivative into it, the link it came from): a path is only written out once it reaches the
    # target, so the work is linear in the total length of the paths listed.
    paths, stack = [], [(root, 1.0, None)]
    while stack:
        link = stack.pop()
        head = link[0]
        if head is target:
            paths.append(_path_of(link))
            continue
        for parent, d in reversed(list(zip(head.parents, locals_[head], strict=True))):
            if parent in reaches:
                stack.append((parent, d, link))
    return Explanation(root, target, tuple(paths), names)


def _path_of(link: tuple) -> Path:
    """The path a chain of links spells, root first."""
    nodes, grads = [], []
    while link is not None:
        node, d, link = link
        nodes.append(node)
        grads.append(d)
    nodes.reverse()
    grads.reverse()
    return Path(tuple(nodes), tuple(grads[1:]))  # the root's link carries no derivative


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
        names = self.names
        out = [f"{partial(self.root, self.node, names)} = {fmt(self.grad, 6)}, the sum over its {len(self.terms)} direct uses:"]
        for t in self.terms:
            chain = f"{partial(self.root, t.user, names)} · {partial(t.user, self.node, names)}"
            out.append(f"  step {t.step + 1}: {chain} = {fmt(t.user_grad)} · {fmt(t.local_grad)} = {fmt(t.contribution, 6)}")
        return "\n".join(out)


def edge_breakdown(root: Value, node: Value | str) -> EdgeBreakdown:
    """∂root/∂node split by the edges that enter it, taken from a fresh backward pass run on the side.

    The terms are the very contributions the backward pass added, in order, so
    they sum (left to right from 0) exactly to ∂root/∂node.
    """
    names = node_names(root)
    target = find_node(root, node, names)
    steps = record(root).step_of()  # in backward order
    terms = tuple(
        EdgeTerm(user, k, steps[user].index, steps[user].grad, steps[user].local_grads[k], steps[user].contributions[k])
        for user, k in uses_of(target, steps)
    )
    return EdgeBreakdown(root, target, terms, steps[target].grad, names)
