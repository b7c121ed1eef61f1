"""Draw a computation graph with Graphviz, with the gradient every edge carries.

``draw_dot(J)`` returns a ``graphviz.Digraph``.  Each value is a box (label,
data, grad) coloured by kind; each operation is a small ellipse between its
operands and its result.  After ``J.backward()`` the edge from a parent p into
a node v is labelled with what the chain rule sent along it,

    v.grad · ∂v/∂p          (upstream gradient × local derivative),

and a value used by several nodes lists those contributions, which sum to its
``grad`` — e.g. ``∂J/∂U[3] = −0.42 (via s) + 0.31 (via s_c) = −0.11``.
Name scopes become nested clusters; ``collapse=[...]`` folds a scope into one
box wired to its inputs and outputs.

Stable DOT ids, for viewers built on the SVG: the i-th node of
``topological_order(root)`` is ``v{i}`` and its op ``v{i}op``; the edge for its
k-th parent slot is ``e{i}_{k}``, op → value is ``e{i}_out``.  The k-th scope
path of ``GraphModel.scope_paths`` is ``scope{k}`` (a cluster, or the box when collapsed);
a group of leaves folded beside collapsed scopes is ``leaves{m}``, and an edge
into a collapsed box ``{source}-{box}``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from html import escape as _html_escape
from typing import TYPE_CHECKING

from .engine import Value, topological_order
from .losses import MaxMargin
from .scopes import scope_of, scope_paths
from .stepping import format_number

if TYPE_CHECKING:
    import graphviz

DEFAULT_MAX_NODES = 300
RANKDIRS = ("LR", "TB")
FONT = "DejaVu Sans"
FILL = {"parameter": "#fbd9a6", "input": "#bcd8f2", "constant": "#e4e4e4", "op": "#ffffff"}
ROOT_COLOUR, HIGHLIGHT_COLOUR = "#b03a2e", "#f39c12"
NEGATIVE, POSITIVE, ZERO, NO_FLOW = "#c0392b", "#1a5fa8", "#9a9a9a", "#b5b5b5"
BOX_FILL, BOX_BORDER, CLOSED_FILL = "#ece3f5", "#5b4a8b", "#d9d9d9"
LEGEND_SWATCH = {"parameter": "#f2b45a", "input": "#6fa8dc", "constant": "#b0b0b0"}
OP_SYMBOL = {"*": "×", "-": "−", "/": "÷", "neg": "−x", "sigmoid": "σ"}
MAX_TERMS = 4  # a fan-out breakdown lists at most this many branches by name
MAX_BOX_OUTPUTS = 4


class GraphTooLargeError(ValueError):
    """The drawing would have more than ``max_nodes`` nodes."""


@dataclass(frozen=True)
class Edge:
    """Parent slot ``slot`` of node ``child``: ``carried = upstream · local`` is what backward() sent to ``parent``."""

    id: str
    parent: int
    child: int
    slot: int
    local: float | None  # ∂child/∂parent (None where the derivative is undefined)
    upstream: float  # child.grad

    @property
    def carried(self) -> float | None:
        return None if self.local is None else self.upstream * self.local


@dataclass
class GraphModel:
    """The graph of ``root`` in drawing order, with every edge's local derivative and carried gradient."""

    root: Value
    nodes: list[Value]
    index: dict[Value, int]
    edges: list[Edge]
    consumers: list[list[Edge]]  # consumers[i]: the edges whose parent is node i
    _branch: dict[int, str] = field(default_factory=dict, repr=False)

    @property
    def grads_computed(self) -> bool:
        """backward() seeds the root with 1; a root grad of 0 means no gradient has been computed for it."""
        return self.root.grad != 0.0

    def closed_hinges(self) -> list[Value]:
        """MaxMargin nodes whose margin is met: the hinge is flat and passes no gradient."""
        return [n for n in self.nodes if isinstance(n, MaxMargin) and not n.active]

    @cached_property
    def rank(self) -> list[int]:
        """Node index → position in a depth-first post-order from the root, parents in order.

        That is roughly the order the nodes were built in (z before a before s, and
        all of s before s_c), which is the order the drawing declares them in.
        """
        rank = [0] * len(self.nodes)
        seen, stack, position = {self.root}, [(self.root, False)], 0
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                rank[self.index[node]] = position
                position += 1
                continue
            stack.append((node, True))
            for parent in reversed(node.parents):
                if parent not in seen:
                    seen.add(parent)
                    stack.append((parent, False))
        return rank

    @cached_property
    def scope_paths(self) -> list[tuple[str, ...]]:
        """Every scope path in the graph (prefixes included), in drawing order; the k-th is ``scope{k}``."""
        return scope_paths(sorted(self.nodes, key=lambda node: self.rank[self.index[node]]))

    @property
    def root_name(self) -> str:
        return self.root.label or "root"

    def name(self, i: int) -> str:
        """How node i is called in text: its label, else its op, else ``v{i}``."""
        node = self.nodes[i]
        return node.label or node.op or f"v{i}"

    def branch(self, i: int) -> str:
        """The branch node i lies on: the last labelled node on its one-consumer path toward the root.

        For W[0,1] in the window scorer the path runs dot → z[0] → a[0] → s → J,
        so the branch is ``s`` (or ``s_c`` for the corrupted window).
        """
        path, j = [], i
        while j not in self._branch:
            path.append(j)
            out = self.consumers[j]
            if len(out) != 1 or out[0].child == len(self.nodes) - 1:
                break
            j = out[0].child
        after = self._branch.get(j, "")  # "" when the walk stopped at path[-1]
        for j in reversed(path):
            after = after or self.nodes[j].label
            self._branch[j] = after
        return self._branch[i] or self.name(i)

    def contributions(self, i: int) -> list[tuple[str, float]]:
        """Node i's gradient split by branch: ``[(branch name, Σ carried along its edges into that branch)]``."""
        by_branch: dict[str, float] = {}
        for edge in self.consumers[i]:
            carried = edge.carried
            if carried is not None:
                name = self.branch(edge.child)
                by_branch[name] = by_branch.get(name, 0.0) + carried
        return list(by_branch.items())


def graph_model(root: Value) -> GraphModel:
    """Nodes in topological order (``root`` last) and every edge with ∂child/∂parent and child.grad."""
    if not isinstance(root, Value):
        raise TypeError(
            f"draw_dot needs a tinygrad_mm Value as the root, got {type(root).__name__} {root!r}; "
            "pass the output node, e.g. draw_dot(J)"
        )
    nodes = topological_order(root)
    index = {node: i for i, node in enumerate(nodes)}
    edges: list[Edge] = []
    consumers: list[list[Edge]] = [[] for _ in nodes]
    for i, node in enumerate(nodes):
        if not node.parents:
            continue
        try:
            local: tuple[float | None, ...] = node.local_grads()
        except (ArithmeticError, ValueError):  # e.g. ∂√x/∂x at x = 0: drawn as "undefined"
            local = (None,) * len(node.parents)
        for k, (parent, d) in enumerate(zip(node.parents, local, strict=True)):
            edge = Edge(f"e{i}_{k}", index[parent], i, k, d, node.grad)
            edges.append(edge)
            consumers[edge.parent].append(edge)
    return GraphModel(root, nodes, index, edges, consumers)


class NumberFormat:
    """Format numbers with a format spec (e.g. ``".4g"``), a true minus sign, and no ``−0``."""

    def __init__(self, spec: str) -> None:
        if not isinstance(spec, str):
            raise TypeError(f"number_format must be a format spec str such as '.4g' or '.3f', got {spec!r}")
        try:
            format(-1.5, spec)
        except (ValueError, TypeError) as err:
            raise ValueError(
                f"number_format {spec!r} is not a float format spec ({err}); use e.g. '.4g', '.3f' or '.2e'"
            ) from None
        self.spec = spec

    def __call__(self, x: float | None, signed: bool = False) -> str:
        if x is None:
            return "undefined"
        return format_number(x, self.spec, "−", signed)


def html_text(text: str) -> str:
    """``text`` for a Graphviz HTML-like label, shown literally.

    Markup characters become entities, ``]`` too (dot rejects a label that is
    just ``]``), and backslashes are doubled (else ``\\N`` would become the node name).
    """
    return _html_escape(text, quote=True).replace("]", "&#93;").replace("\\", "\\\\")


def draw_dot(
    root: Value,
    *,
    rankdir: str = "LR",
    show_data: bool = True,
    show_grad: bool | None = None,
    number_format: str = ".4g",
    highlight: Iterable[Value | str] = (),
    collapse: Iterable[str] = (),
    clusters: bool = True,
    group_leaves: bool = True,
    legend: bool = True,
    title: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> graphviz.Digraph:
    """The graph of ``root`` as a ``graphviz.Digraph`` (render it, or display it in Jupyter).

    rankdir        "LR" (left to right) or "TB" (top to bottom).
    show_data      print each value's data.
    show_grad      print grads and the gradient on every edge; None (default) = only once
                   ``root.backward()`` has run (root.grad ≠ 0), else the drawing says
                   "gradients not computed yet".
    number_format  a float format spec, e.g. ".4g" or ".3f".
    highlight      nodes (Values, or labels) to outline in orange.
    collapse       scope names to draw as one box each (see ``scopes_in``).
    clusters       draw name scopes as nested clusters.
    group_leaves   beside collapsed scopes, fold leaves named like W[i,j] that only feed
                   collapsed boxes into one node per name (W, b, U, x, ...).
    legend, title  the header: title, what the drawing shows, and a colour legend.
    max_nodes      refuse to draw more nodes than this (collapse scopes instead).
    """
    model = graph_model(root)
    options = _Options.check(
        model, rankdir=rankdir, show_data=show_data, show_grad=show_grad, number_format=number_format,
        highlight=highlight, collapse=collapse, clusters=clusters, group_leaves=group_leaves, legend=legend,
        title=title, max_nodes=max_nodes,
    )  # fmt: skip
    return _Drawing(model, options).digraph()


def scopes_in(root: Value, depth: int | None = None) -> list[str]:
    """The scope names in ``root``'s graph (what ``collapse=`` accepts); ``depth=1``: only the outermost, ..."""
    paths = graph_model(root).scope_paths
    return list(dict.fromkeys(path[-1] for path in paths if depth is None or len(path) == depth))


def repr_svg(root: Value) -> str | None:
    """SVG of ``root``'s graph for Jupyter, or None when it cannot be drawn (too large, no graphviz, no ``dot``)."""
    try:
        graphviz = graphviz_module()
    except ImportError:
        return None
    try:
        return draw_dot(root).pipe(format="svg", encoding="utf-8")
    except (GraphTooLargeError, graphviz.ExecutableNotFound):
        return None


def graphviz_module():
    """The ``graphviz`` package, imported on first use: the engine itself needs nothing installed."""
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "drawing needs the graphviz Python package: pip install 'tinygrad-mm[draw]' (or pip install graphviz), "
            "and Graphviz's dot program for images"
        ) from None
    return graphviz


@dataclass
class _Options:
    rankdir: str
    show_data: bool
    show_grad: bool
    fmt: NumberFormat
    highlight: set[int]
    collapse: set[str]
    clusters: bool
    group_leaves: bool
    legend: bool
    title: str | None
    max_nodes: int

    @classmethod
    def check(cls, model: GraphModel, *, rankdir, show_data, show_grad, number_format, highlight, collapse,
              clusters, group_leaves, legend, title, max_nodes) -> _Options:  # fmt: skip
        """Validate every option, with an error that says what is accepted."""
        if rankdir not in RANKDIRS:
            raise ValueError(f"rankdir must be 'LR' (left to right) or 'TB' (top to bottom), got {rankdir!r}")
        for name, flag in (("show_data", show_data), ("clusters", clusters), ("group_leaves", group_leaves),
                           ("legend", legend)):  # fmt: skip
            if not isinstance(flag, bool):
                raise TypeError(f"{name} must be True or False, got {flag!r}")
        if show_grad is not None and not isinstance(show_grad, bool):
            raise TypeError(f"show_grad must be True, False or None (= after backward()), got {show_grad!r}")
        if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
            raise ValueError(f"max_nodes must be a positive int, got {max_nodes!r}")
        if title is not None and not isinstance(title, str):
            raise TypeError(f"title must be a str or None, got {title!r}")
        return cls(
            rankdir, show_data, model.grads_computed if show_grad is None else show_grad, NumberFormat(number_format),
            _highlighted(model, highlight), _collapsed(model, collapse), clusters, group_leaves, legend, title,
            max_nodes,
        )  # fmt: skip


def _highlighted(model: GraphModel, highlight: Iterable[Value | str]) -> set[int]:
    if isinstance(highlight, (str, Value)):
        highlight = [highlight]
    chosen = set()
    for item in highlight:
        if isinstance(item, Value):
            if item not in model.index:
                raise ValueError(f"highlight: the Value {item!r} is not part of this graph")
            chosen.add(model.index[item])
        elif isinstance(item, str):
            found = [i for i, node in enumerate(model.nodes) if node.label == item]
            if not found:
                raise ValueError(f"highlight: no node labelled {item!r} in this graph")
            chosen.update(found)
        else:
            raise TypeError(f"highlight takes Values or labels (str), got {type(item).__name__} {item!r}")
    return chosen


def _collapsed(model: GraphModel, collapse: Iterable[str]) -> set[str]:
    if isinstance(collapse, str):
        collapse = [collapse]
    names = set(collapse)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"collapse takes scope names (str), got {type(name).__name__} {name!r}")
    known = list(dict.fromkeys(path[-1] for path in model.scope_paths))
    unknown = [name for name in names if name not in known]
    if unknown:
        listing = ", ".join(repr(k) for k in known) or "none (this graph was built outside any tinygrad_mm.scope)"
        raise ValueError(f"collapse: unknown scope {sorted(unknown)!r}; the scopes in this graph are: {listing}")
    return names


class _Drawing:
    """Builds the Digraph: which node goes where (cluster, box, leaf group), then nodes, edges, header."""

    def __init__(self, model: GraphModel, options: _Options) -> None:
        self.m, self.o, self.fmt = model, options, options.fmt
        self.paths = model.scope_paths
        self.scope_id = {path: f"scope{k}" for k, path in enumerate(self.paths)}
        self.box_of = [self._box(node) for node in model.nodes]  # collapsed scope path or None
        self.box_members: dict[tuple[str, ...], list[int]] = {}
        for i, box in enumerate(self.box_of):
            if box is not None:
                self.box_members.setdefault(box, []).append(i)
        self.groups = self._leaf_groups()
        self.group_of = {i: gid for gid, members in self.groups.items() for i in members}
        self.unit = [self._unit(i) for i in range(len(model.nodes))]  # DOT node drawing node i
        self.items: dict[tuple[str, ...], list] = {(): []}  # cluster path → node statements

    # ---- placement ----
    def _box(self, node: Value) -> tuple[str, ...] | None:
        path = scope_of(node)
        for depth, name in enumerate(path):
            if name in self.o.collapse:
                return path[: depth + 1]
        return None

    def _leaf_groups(self) -> dict[str, list[int]]:
        """Leaves named ``W[...]`` whose every consumer is inside a collapsed box → ``{group id: members}``."""
        if not (self.o.group_leaves and self.o.collapse):
            return {}
        by_name: dict[tuple[str, str], list[int]] = {}
        for i, node in enumerate(self.m.nodes):
            name, users = _array_name(node.label), self.m.consumers[i]
            if node.parents or name is None or not users or self.box_of[i] is not None:
                continue
            if all(self.box_of[e.child] is not None for e in users):
                by_name.setdefault((name, node.kind), []).append(i)
        return {f"leaves{m}": members for m, members in enumerate(v for v in by_name.values() if len(v) > 1)}

    def _unit(self, i: int) -> str:
        box = self.box_of[i]
        if box is not None:
            return self.scope_id[box]
        return self.group_of.get(i, f"v{i}")

    def _place(self, path: tuple[str, ...], statement) -> None:
        if not self.o.clusters:
            path = ()
        for depth in range(len(path) + 1):
            self.items.setdefault(path[:depth], [])
        self.items[path].append(statement)

    # ---- the whole picture ----
    def digraph(self) -> graphviz.Digraph:
        graphviz = graphviz_module()
        visible = [i for i in range(len(self.m.nodes)) if self.unit[i] == f"v{i}"]
        boxes = list(self.box_members)
        count = len(visible) + len(boxes) + len(self.groups)
        if count > self.o.max_nodes:
            top = list(dict.fromkeys(path[0] for path in self.paths))
            hint = (
                f"collapse scopes, e.g. collapse={top!r}" if top
                else "build the graph inside tinygrad_mm.scope(...) blocks and collapse them"
            )  # fmt: skip
            raise GraphTooLargeError(
                f"the drawing of {self.m.root_name!r} would have {count} nodes, more than "
                f"max_nodes={self.o.max_nodes}: {hint}, draw a smaller sub-expression, or raise max_nodes"
            )
        g = graphviz.Digraph("computation_graph")
        g.attr(rankdir=self.o.rankdir, fontname=FONT, nodesep="0.25", ranksep="0.45", newrank="true")
        g.attr("node", fontname=FONT, fontsize="12")
        g.attr("edge", fontname=FONT, fontsize="11", color="#555555", arrowsize="0.7")
        if self.o.legend or self.o.title:
            g.attr(label=self._header(), labelloc="t", labeljust="l")
        rank = self.m.rank
        visible.sort(key=rank.__getitem__)  # declaration order = drawing order: J's first parent (s) on top
        boxes.sort(key=lambda box: min(rank[i] for i in self.box_members[box]))
        for i in visible:
            self._place(scope_of(self.m.nodes[i]), lambda sub, i=i: self._value_node(sub, i))
        for box in boxes:
            self._place(box[:-1], lambda sub, box=box: self._box_node(sub, box))
        for gid in self.groups:
            self._place((), lambda sub, gid=gid: self._group_node(sub, gid))
        self._emit(g, ())
        self._edges(g)
        return g

    def _emit(self, g: graphviz.Digraph, path: tuple[str, ...]) -> None:
        for statement in self.items[path]:
            statement(g)
        for child in self.items:
            if len(child) == len(path) + 1 and child[: len(path)] == path:
                sub = graphviz_module().Digraph(name=f"cluster_{self.scope_id[child]}")
                sub.attr(id=self.scope_id[child], label=f"<<B>{html_text(child[-1])}</B>>", style="rounded,dashed",
                         color="#8e7cc3", fontcolor="#5b4a8b", fontsize="13", labeljust="l")  # fmt: skip
                self._emit(sub, child)
                g.subgraph(sub)

    # ---- nodes ----
    def _value_node(self, g: graphviz.Digraph, i: int) -> None:
        node, fmt = self.m.nodes[i], self.fmt
        rows = []
        if node.label:
            rows.append(f'<TR><TD COLSPAN="2"><B>{html_text(node.label)}</B></TD></TR>')
        cells = []
        if self.o.show_data:
            cells.append(f'<TD ALIGN="LEFT">data {fmt(node.data)}</TD>')
        if self.o.show_grad:
            colour = _sign_colour(node.grad)
            cells.append(f'<TD ALIGN="RIGHT"><FONT COLOR="{colour}">grad {fmt(node.grad)}</FONT></TD>')
        if cells:
            rows.append("<TR>" + "".join(cells) + "</TR>")
        breakdown = self._breakdown(i)
        if breakdown:
            rows.append(f'<TR><TD COLSPAN="2"><FONT POINT-SIZE="10">{html_text(breakdown)}</FONT></TD></TR>')
        if not rows:
            rows.append(f"<TR><TD>{html_text(node.op or 'leaf')}</TD></TR>")
        is_root = i == len(self.m.nodes) - 1
        attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": FILL[node.kind], "margin": "0.05,0.03"}
        if is_root:
            attrs.update(peripheries="2", color=ROOT_COLOUR, penwidth="2")
        if node.kind == "constant":
            attrs.update(fontsize="10", color="#999999")
        if i in self.o.highlight:
            attrs.update(color=HIGHLIGHT_COLOUR, penwidth="4")
        table = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">' + "".join(rows) + "</TABLE>"
        tooltip = f"{self.m.name(i)}: data = {fmt(node.data)}, grad = {fmt(node.grad)}, kind = {node.kind}"
        g.node(f"v{i}", label=f"<{table}>", id=f"v{i}", tooltip=_attr_text(tooltip), **attrs)
        if node.parents:
            self._op_node(g, i)

    def _op_node(self, g: graphviz.Digraph, i: int) -> None:
        node = self.m.nodes[i]
        symbol = html_text(OP_SYMBOL.get(node.op, node.op))
        attrs = {"shape": "ellipse", "style": "filled", "fillcolor": "#f4f1fa", "color": "#8e7cc3",
                 "fontsize": "11", "width": "0.3", "height": "0.25", "margin": "0.03,0.01"}  # fmt: skip
        if isinstance(node, MaxMargin) and not node.active:
            symbol += '<BR/><FONT POINT-SIZE="10">margin met — no gradient</FONT>'
            attrs.update(style="filled,dashed", fillcolor=CLOSED_FILL, color="#777777", fontcolor="#555555")
        formula = getattr(node, "formula", node.op)
        g.node(f"v{i}op", label=f"<{symbol}>", id=f"v{i}op", tooltip=_attr_text(f"{formula}"), **attrs)

    def _breakdown(self, i: int) -> str:
        """``∂J/∂U[3] = −0.42 (via s) + 0.31 (via s_c) = −0.11`` for a node used more than once."""
        if not self.o.show_grad or len(self.m.consumers[i]) < 2:
            return ""
        terms = sorted(self.m.contributions(i))
        if len(terms) < 2:  # one branch: its edges' labels already show the sum
            return ""
        fmt, node = self.fmt, self.m.nodes[i]
        shown = [f"{fmt(c)} (via {name})" for name, c in terms[:MAX_TERMS]]
        if len(terms) > MAX_TERMS:
            shown.append(f"{fmt(sum(c for _, c in terms[MAX_TERMS:]))} (via {len(terms) - MAX_TERMS} more)")
        earlier = node.grad - sum(c for _, c in terms)
        if abs(earlier) > 1e-9 * max(1.0, abs(node.grad)):
            shown.append(f"{fmt(earlier)} (earlier backward() calls)")
        text = shown[0]
        for term in shown[1:]:
            text += f" − {term[1:]}" if term.startswith("−") else f" + {term}"
        return f"{self._partial(i)} = {text} = {fmt(node.grad)}"

    def _partial(self, i: int) -> str:
        return self._partial_of(self.m.name(i))

    def _partial_of(self, name: str) -> str:
        return f"∂{self.m.root_name}/∂{name}"

    def _box_node(self, g: graphviz.Digraph, box: tuple[str, ...]) -> None:
        fmt = self.fmt
        inside = self.box_members[box]
        rows = [f'<TR><TD><B>{html_text(box[-1])}</B></TD></TR>',
                f'<TR><TD><FONT POINT-SIZE="10">{_count(len(inside), "node")} (collapsed)</FONT></TD></TR>']  # fmt: skip
        outputs = self._box_outputs(box)
        for i in outputs[:MAX_BOX_OUTPUTS]:
            node = self.m.nodes[i]
            text = f"{self.m.name(i)} = {fmt(node.data)}" if self.o.show_data else self.m.name(i)
            if self.o.show_grad:
                text += f",  grad {fmt(node.grad)}"
            rows.append(f"<TR><TD>{html_text(text)}</TD></TR>")
        if len(outputs) > MAX_BOX_OUTPUTS:
            rows.append(f"<TR><TD>… {len(outputs) - MAX_BOX_OUTPUTS} more outputs</TD></TR>")
        sid = self.scope_id[box]
        table = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">' + "".join(rows) + "</TABLE>"
        attrs = {"shape": "box3d", "style": "filled", "fillcolor": BOX_FILL, "color": BOX_BORDER}
        if any(i in self.o.highlight for i in inside):
            attrs.update(color=HIGHLIGHT_COLOUR, penwidth="4")
        if len(self.m.nodes) - 1 in inside:
            attrs.update(peripheries="2", color=ROOT_COLOUR)
        g.node(sid, label=f"<{table}>", id=sid, tooltip=_attr_text(f"scope {' / '.join(box)}"), **attrs)

    def _box_outputs(self, box: tuple[str, ...]) -> list[int]:
        """Nodes inside the box that a node outside it uses (or the root), in label order: z[0], z[1], ..."""
        root = len(self.m.nodes) - 1
        outputs = [i for i in self.box_members[box]
                   if i == root or any(self.box_of[e.child] != box for e in self.m.consumers[i])]  # fmt: skip
        return sorted(outputs, key=lambda i: _natural(self.m.name(i)))

    def _box_name(self, box: tuple[str, ...]) -> str:
        """The branch the box's outputs lie on (e.g. ``s``), else its scope name."""
        branches = {self.m.branch(i) for i in self._box_outputs(box)}
        return branches.pop() if len(branches) == 1 else box[-1]

    def _group_node(self, g: graphviz.Digraph, gid: str) -> None:
        members = self.groups[gid]
        nodes = [self.m.nodes[i] for i in members]
        name = _array_name(nodes[0].label)
        fmt = self.fmt
        rows = [f"<TR><TD><B>{html_text(name)}</B>  ({_shape(nodes)} {nodes[0].kind}s)</TD></TR>"]
        if self.o.show_data:
            low, high = min(n.data for n in nodes), max(n.data for n in nodes)
            rows.append(f"<TR><TD>data in [{fmt(low)}, {fmt(high)}]</TD></TR>")
        if self.o.show_grad:
            norm = math.sqrt(sum(n.grad * n.grad for n in nodes))
            text = html_text(f"‖{self._partial_of(name)}‖ = {fmt(norm)}")
            rows.append(f'<TR><TD><FONT COLOR="{_sign_colour(norm)}">{text}</FONT></TD></TR>')
            boxes = list(dict.fromkeys(self.box_of[e.child] for i in members for e in self.m.consumers[i]))
            if len(boxes) > 1:
                parts = " + ".join(f"(via {name})" for name in sorted(self._box_name(b) for b in boxes))
                text = f"{self._partial_of(name)} = {parts}, element by element"
                rows.append(f'<TR><TD><FONT POINT-SIZE="10">{html_text(text)}</FONT></TD></TR>')
        table = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">' + "".join(rows) + "</TABLE>"
        g.node(gid, label=f"<{table}>", id=gid, shape="box", style="rounded,filled", fillcolor=FILL[nodes[0].kind],
               tooltip=_attr_text(f"{len(nodes)} leaves {nodes[0].label} … {nodes[-1].label}"))  # fmt: skip

    # ---- edges ----
    def _edges(self, g: graphviz.Digraph) -> None:
        closed = {id(n) for n in self.m.closed_hinges()}
        folded: dict[tuple[str, tuple[str, ...]], dict[int, float]] = {}  # (source, box) → {parent: Σ carried}
        for e in self.m.edges:
            source, target, box = self.unit[e.parent], self.unit[e.child], self.box_of[e.child]
            if box is not None:  # into a collapsed box
                if source != target:
                    sums = folded.setdefault((source, box), {})
                    sums[e.parent] = sums.get(e.parent, 0.0) + (e.carried or 0.0)
                continue
            attrs = {"id": e.id, "tooltip": _attr_text(self._edge_tooltip(e))}
            if self.o.show_grad:
                attrs["label"] = f"<{self._edge_label(e)}>"
                if e.carried == 0.0:  # nothing flows back along this edge
                    attrs["color"] = NO_FLOW
            if e.child == len(self.m.nodes) - 1:
                attrs["penwidth"] = "2"
            if id(self.m.nodes[e.child]) in closed:
                attrs.update(style="dashed", color=NO_FLOW)
            g.edge(source, f"v{e.child}op", **attrs)
        for i, node in enumerate(self.m.nodes):
            if node.parents and self.unit[i] == f"v{i}":
                arrives = f"{self._partial(i)} = {self.fmt(node.grad)} arrives here" if self.o.show_grad else ""
                g.edge(f"v{i}op", f"v{i}", id=f"e{i}_out", arrowsize="0.5", tooltip=_attr_text(arrives or node.op))
        for (source, box), sums in folded.items():
            target = self.scope_id[box]
            attrs = {"id": f"{source}-{target}", "penwidth": "1.5", "color": BOX_BORDER}
            attrs["tooltip"] = _attr_text(f"{_count(len(sums), 'value')} flowing into the collapsed box; the label "
                                          "is the gradient sent back along these edges (its norm when several)")
            if self.o.show_grad:
                attrs["label"] = f"<{self._folded_label(sums, box)}>"
                if not any(sums.values()):
                    attrs["color"] = NO_FLOW
            g.edge(source, target, **attrs)

    def _edge_label(self, e: Edge) -> str:
        carried, colour = e.carried, _sign_colour(e.carried)
        if e.child == len(self.m.nodes) - 1 and self.m.nodes[e.parent].label:  # into the root: ∂J/∂s
            text = f"{self._partial(e.parent)} = {self.fmt(carried, signed=True)}"
            return f'<FONT COLOR="{colour}" POINT-SIZE="13"><B>{html_text(text)}</B></FONT>'
        return f'<FONT COLOR="{colour}">{html_text(self.fmt(carried))}</FONT>'

    def _edge_tooltip(self, e: Edge) -> str:
        fmt, child, parent = self.fmt, self.m.name(e.child), self.m.name(e.parent)
        local = f"∂{child}/∂{parent} = {fmt(e.local)}"
        if not self.o.show_grad:
            return f"local derivative {local}"
        return f"carries {fmt(e.carried)} = upstream grad {fmt(e.upstream)} × local derivative {local}"

    def _folded_label(self, sums: dict[int, float], box: tuple[str, ...]) -> str:
        """What flows back along the edges from one source into a box: ``−0.42`` for one node,
        ``‖∂J/∂W via s‖ = 0.69`` for several (the norm of the per-node sums)."""
        if len(sums) == 1:
            (value,) = sums.values()
            return f'<FONT COLOR="{_sign_colour(value)}">{html_text(self.fmt(value))}</FONT>'
        norm = math.sqrt(sum(v * v for v in sums.values()))
        arrays = {_array_name(self.m.nodes[i].label) for i in sums}
        what = self._partial_of(arrays.pop()) if len(arrays) == 1 and None not in arrays else f"{len(sums)} gradients"
        text = f"‖{what} via {self._box_name(box)}‖ = {self.fmt(norm)}"
        return f'<FONT COLOR="{_sign_colour(norm)}">{html_text(text)}</FONT>'

    # ---- header: title, status, legend ----
    def _header(self) -> str:
        root, fmt = self.m.root, self.fmt
        title = self.o.title if self.o.title is not None else f"{self.m.root_name} = {fmt(root.data)}"
        lines = [f'<FONT POINT-SIZE="18"><B>{html_text(title)}</B></FONT>'] if title else []
        if self.o.legend:
            lines += [html_text(line) for line in self._status()]
            kinds = {node.kind for node in self.m.nodes}
            lines.append(_legend(kinds, bool(self.box_members), self.o.show_grad))
        rows = "".join(f'<TR><TD ALIGN="LEFT">{line}</TD></TR>' for line in lines)
        return f'<<TABLE BORDER="0" CELLSPACING="3" CELLPADDING="3">{rows}</TABLE>>'

    def _status(self) -> list[str]:
        name, fmt = self.m.root_name, self.fmt
        if not self.o.show_grad:
            lines = [f"gradients not computed yet: call {name}.backward() to see them"] if not self.m.grads_computed else []
        else:
            lines = [f"after {name}.backward(): each edge shows the gradient it carries back (upstream grad × local derivative); "
                     "a value used twice receives the sum"]
        for hinge in (n for n in self.m.nodes if isinstance(n, MaxMargin)):
            s, s_c = (self.m.name(self.m.index[p]) for p in hinge.parents)
            J = self.m.name(self.m.index[hinge])
            gap = hinge.delta + hinge.parents[1].data - hinge.parents[0].data
            if hinge.active:
                lines.append(f"margin violated: Δ + {s_c} − {s} = {fmt(gap)} > 0, so ∂{J}/∂{s} = −1 and ∂{J}/∂{s_c} = +1")
            else:
                lines.append(
                    f"margin met: {s} − {s_c} = {fmt(-gap + hinge.delta)} ≥ Δ = {fmt(hinge.delta)}, "
                    f"so {J} = 0, the hinge is flat and no gradient flows (all gradients 0)"
                )
        return lines


def _legend(kinds: set[str], boxes: bool, grads: bool) -> str:
    """One line: a coloured square per kind of leaf present, ops, the root, boxes, and the gradient colours."""
    swatch = '<FONT COLOR="{}" POINT-SIZE="16">{}</FONT> {}'
    entries = [swatch.format(LEGEND_SWATCH[kind], "■", kind) for kind in LEGEND_SWATCH if kind in kinds]
    entries += [swatch.format("#555555", "□", "computed value"), swatch.format("#8e7cc3", "○", "op"),
                swatch.format(ROOT_COLOUR, "◎", "root (double border)")]  # fmt: skip
    if boxes:
        entries.append(swatch.format(BOX_BORDER, "◧", "collapsed scope"))
    if grads:
        entries.append(f'<FONT COLOR="{NEGATIVE}">grad &lt; 0</FONT>   <FONT COLOR="{POSITIVE}">grad &gt; 0</FONT>')
    return "     ".join(entries)


def _array_name(label: str) -> str | None:
    """``W`` for ``W[0,1]``; None for a label that is not an indexed element."""
    match = re.fullmatch(r"(.+?)\[[^\]]*\]", label)
    return match.group(1) if match else None


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _natural(text: str) -> list:
    """Sort key that puts z[2] before z[10]."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def _sign_colour(x: float | None) -> str:
    if not x:
        return ZERO
    return NEGATIVE if x < 0 else POSITIVE


def _attr_text(text: str) -> str:
    """A quoted DOT attribute (a tooltip) that Graphviz shows literally.

    Graphviz decodes entities, then escapes such as ``\\N``, so ``&`` becomes ``&amp;``
    and each backslash four (two survive DOT quoting, and they make one).
    """
    return graphviz_module().nohtml(text.replace("&", "&amp;").replace("\\", "\\" * 4))


def _shape(nodes: list[Value]) -> str:
    """``8×20`` for leaves labelled W[0,0] … W[7,19]; else the count."""
    indices = [re.fullmatch(r".+?\[([\d,\s]+)\]", n.label) for n in nodes]
    if not all(indices):
        return str(len(nodes))
    dims = [tuple(int(t) for t in m.group(1).split(",")) for m in indices]
    if len({len(d) for d in dims}) != 1:
        return str(len(nodes))
    return "×".join(str(max(d[k] for d in dims) + 1) for k in range(len(dims[0])))
