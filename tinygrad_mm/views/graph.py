"""The graph a view shows, without Graphviz: nodes, ids, names, edges with their gradients, collapsed scopes.

`GraphModel` is built once per view and shared by the drawing, the JSON export
and the step-through page.  It owns the ids every output uses: the i-th node of
``topological_order(root)`` is ``v{i}`` (its op ``v{i}op``), the edge for its k-th
parent slot ``e{i}_{k}`` and op → value ``e{i}_out``; the k-th scope path
``scope{k}``; a group of folded leaves ``leaves{m}``.

Gradients are never read off ``.grad``: a view shows one backward pass recorded for it
on the side (``engine.record``: a `Pass`), so it is right whatever backward() calls came
before, and looking changes nothing.  Each edge carries the contribution that pass
recorded.  `GradientStatus` says how the pass compares with the ``.grad`` values the user has.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from ..engine import Op, Pass, Value, record, topological_order
from ..engine.value import latest_root_over
from .branches import branch_of
from .text import node_names, partial, standalone


@dataclass(frozen=True)
class Edge:
    """Parent slot ``slot`` of node ``child``; ``carried`` is what the recorded pass sent along it to ``parent``."""

    id: str
    parent: int
    child: int
    slot: int
    local: float  # ∂child/∂parent (±inf where it is infinite)
    upstream: float | None  # ∂root/∂child, None when the view shows no gradients (or it is not finite)
    carried: float | None  # the recorded contribution upstream · local (0 from a node whose gradient is 0);
    #                        None when not shown, not finite (0·∞), or into a constant (it needs no gradient)
    to_constant: bool = False  # a constant needs no gradient: nothing is carried


@dataclass(frozen=True)
class GradientStatus:
    """What the shown gradients are, compared with the graph's ``.grad`` values."""

    computed: bool  # some .grad in the graph is nonzero: a backward pass has reached it
    differs: int  # how many nodes' .grad differ from the ∂root/∂node shown (0 = the view shows exactly .grad)
    owner: Value | None  # the root of the latest backward pass, if another root whose graph holds this one


@dataclass
class GraphModel:
    """The graph of ``root`` in topological order, its names, and every edge's local derivative and gradient."""

    root: Value
    nodes: list[Value]
    index: dict[Value, int]
    names: dict[Value, str]
    edges: list[Edge]
    consumers: list[list[Edge]]  # consumers[i]: the edges whose parent is node i
    backward: Pass | None  # the pass the view shows, recorded on the side; None when gradients are not shown
    status: GradientStatus
    _branch: dict[int, str] = field(default_factory=dict, repr=False)

    @property
    def grads(self) -> Mapping[Value, float] | None:
        """∂root/∂node from the recorded pass, or None when gradients are not shown."""
        return None if self.backward is None else self.backward.grads

    @property
    def root_name(self) -> str:
        return self.names[self.root]

    @property
    def root_index(self) -> int:
        return len(self.nodes) - 1

    def grad(self, i: int) -> float | None:
        """∂root/∂(node i) as shown; None when gradients are not shown, or where it is infinite or undefined."""
        return None if self.backward is None else self.backward.grad(self.nodes[i])

    def name(self, i: int) -> str:
        return self.names[self.nodes[i]]

    def partial(self, name: str) -> str:
        """``∂J/∂name`` for a name as given (an array's name: ``∂J/∂W``)."""
        return f"∂{standalone(self.root, self.names)}/∂{name}"

    def shown_name(self, i: int) -> str:
        """Node i's name as it stands alone in ∂…/∂… (`text.standalone`)."""
        return standalone(self.nodes[i], self.names)

    def partial_of(self, i: int) -> str:
        """``∂J/∂z[0]``, or ``∂J/∂(x·w)`` for a node named by what it computes (`text.partial`)."""
        return partial(self.root, self.nodes[i], self.names)

    @cached_property
    def scope_paths(self) -> list[tuple[str, ...]]:
        """Every scope path in the graph (prefixes included), in drawing order; the k-th is ``scope{k}``."""
        seen: dict[tuple[str, ...], None] = {}
        for node in self.nodes:
            for depth in range(1, len(node.scope) + 1):
                seen.setdefault(node.scope[:depth])
        return list(seen)

    def gates(self) -> list[int]:
        """The root, and the root's operands, that are ops with a gate (a hinge, a relu): their state heads a view."""
        near = [self.root, *self.root.parents]
        return list(dict.fromkeys(self.index[n] for n in near if isinstance(n, Op) and n.gate() is not None))

    def branch(self, i: int) -> str:
        """The branch node i lies on (`branches.branch_of`): for z[0] in the window scorer, ``s`` (or ``s_c``)."""
        if i not in self._branch:
            self._branch[i] = branch_of(self, i)
        return self._branch[i]

    def contributions(self, i: int) -> list[tuple[str, float]]:
        """Node i's gradient split by branch: ``[(branch name, Σ carried along its edges into that branch)]``.

        The branches are where node i's own paths to the root part (`branches.branch_of`): ``s``, ``s_c1``, ``s_c2``.
        """
        by_branch: dict[str, float] = {}
        for edge in self.consumers[i]:
            carried = edge.carried
            if carried is not None:
                name = branch_of(self, edge.child, i)
                by_branch[name] = by_branch.get(name, 0.0) + carried
        return list(by_branch.items())


def graph_model(root: Value, gradients: bool | None = None) -> GraphModel:
    """The model of ``root``'s graph.  ``gradients``: show ∂root/∂node (True), not (False), or only once a
    backward pass has reached the graph (None: some ``.grad`` is nonzero)."""
    if not isinstance(root, Value):
        raise TypeError(
            f"a view needs a tinygrad_mm Value as the root, got {type(root).__name__} {str(root)[:80]}; "
            "pass the output node, e.g. draw_dot(J)"
        )
    nodes = topological_order(root)
    index = {node: i for i, node in enumerate(nodes)}
    computed = any(node.grad for node in nodes)
    backward = record(root) if (computed if gradients is None else gradients) else None
    differs = 0 if backward is None else sum(node.grad != backward.grads[node] for node in nodes)
    owner = latest_root_over(root) if differs else None
    status = GradientStatus(computed, differs, owner if owner is not root else None)
    steps = {} if backward is None else backward.step_of()
    edges: list[Edge] = []
    consumers: list[list[Edge]] = [[] for _ in nodes]
    for i, node in enumerate(nodes):
        if node.is_leaf:
            continue
        step = steps.get(node)
        upstream = None if step is None or not math.isfinite(step.grad) else step.grad
        for k, (parent, local) in enumerate(zip(node.parents, node.local_grads(), strict=True)):
            sent = None if step is None or parent.kind == "constant" else step.contributions[k]
            carried = sent if sent is not None and math.isfinite(sent) else None
            edge = Edge(f"e{i}_{k}", index[parent], i, k, local, upstream, carried, parent.kind == "constant")
            edges.append(edge)
            consumers[edge.parent].append(edge)
    return GraphModel(root, nodes, index, node_names(nodes), edges, consumers, backward, status)


# ---------------------------------------------------------------- collapsed scopes


class Layout:
    """Which unit draws each node: itself (``v{i}``), a collapsed scope's box (``scope{k}``), or a leaf group.

    ``collapse`` names scopes to fold into one box each.  With ``group_leaves``,
    leaves named like ``W[i,j]`` whose every use is inside collapsed boxes fold into
    one node per array name (``leaves{m}``).
    """

    def __init__(self, model: GraphModel, collapse: set[str], group_leaves: bool = True) -> None:
        self.model = model
        self.paths = model.scope_paths
        self.scope_id = {path: f"scope{k}" for k, path in enumerate(self.paths)}
        self.box_of = [_box(node.scope, collapse) for node in model.nodes]  # the collapsed scope path, or None
        self.box_members: dict[tuple[str, ...], list[int]] = {}
        for i, box in enumerate(self.box_of):
            if box is not None:
                self.box_members.setdefault(box, []).append(i)
        self.groups = self._leaf_groups() if group_leaves and collapse else {}
        group_of = {i: gid for gid, members in self.groups.items() for i in members}
        self.unit = [self.scope_id[box] if box is not None else group_of.get(i, f"v{i}") for i, box in enumerate(self.box_of)]

    def visible(self) -> list[int]:
        """The nodes drawn as themselves."""
        return [i for i, unit in enumerate(self.unit) if unit == f"v{i}"]

    def size(self) -> int:
        """How many nodes the drawing has: values drawn as themselves, boxes and leaf groups."""
        return len(self.visible()) + len(self.box_members) + len(self.groups)

    def box_outputs(self, box: tuple[str, ...]) -> list[int]:
        """Nodes inside the box that a node outside it uses (or the root), in natural label order: z[2] before z[10]."""
        m = self.model
        outputs = [i for i in self.box_members[box]
                   if i == m.root_index or any(self.box_of[e.child] != box for e in m.consumers[i])]  # fmt: skip
        return sorted(outputs, key=lambda i: natural_key(m.name(i)))

    def box_name(self, box: tuple[str, ...]) -> str:
        """The branch the box's outputs lie on (e.g. ``s``), else its scope name."""
        branches = {self.model.branch(i) for i in self.box_outputs(box)}
        return branches.pop() if len(branches) == 1 else box[-1]

    def _leaf_groups(self) -> dict[str, list[int]]:
        m, by_name = self.model, {}
        for i, node in enumerate(m.nodes):
            name, users = array_name(node.label), m.consumers[i]
            if not node.is_leaf or name is None or not users or self.box_of[i] is not None:
                continue
            if all(self.box_of[e.child] is not None for e in users):
                by_name.setdefault((name, node.kind), []).append(i)
        return {f"leaves{k}": members for k, members in enumerate(v for v in by_name.values() if len(v) > 1)}


def _box(path: tuple[str, ...], collapse: set[str]) -> tuple[str, ...] | None:
    for depth, name in enumerate(path):
        if name in collapse:
            return path[: depth + 1]
    return None


def array_name(label: str) -> str | None:
    """``W`` for ``W[0,1]``; None for a label that is not an indexed element."""
    match = re.fullmatch(r"(.+?)\[[^\]]*\]", label)
    return match.group(1) if match else None


def array_shape(labels: list[str]) -> str:
    """``8×20`` for W[0,0] … W[7,19]; else the count."""
    indices = [re.fullmatch(r".+?\[([\d,\s]+)\]", label) for label in labels]
    if not all(indices):
        return str(len(labels))
    dims = [tuple(int(t) for t in m.group(1).split(",")) for m in indices]  # type: ignore[union-attr]
    if len({len(d) for d in dims}) != 1:
        return str(len(labels))
    return "×".join(str(max(d[k] for d in dims) + 1) for k in range(len(dims[0])))


def natural_key(text: str) -> list:
    """Sort key that puts z[2] before z[10]."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]
