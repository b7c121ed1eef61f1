"""Draw a computation graph with Graphviz, with the gradient every edge carries.

``draw_dot(J)`` returns a ``graphviz.Digraph`` (``dot_source(J)`` the same DOT text,
without needing the package).  Each value is a box (label, data, grad) coloured by
kind; each operation is a small ellipse between its operands and its result.  With
gradients shown, the edge from a parent p into a node v is labelled with what the
chain rule sends along it,

    v.grad · ∂v/∂p          (upstream gradient × local derivative),

and a value used by several nodes lists those contributions, which sum to its
gradient — e.g. ``∂J/∂U[3] = −0.42 (via s) + 0.31 (via s_c) = −0.11``.  Name scopes
become nested clusters; ``collapse=[...]`` folds a scope into one box.  An op whose
gate is closed (a met margin, a relu at x ≤ 0) is drawn dashed.  Ids: see graph.py.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..engine import Value
from . import dot
from .draw_options import DrawOptions, GraphTooLargeError
from .graph import GraphModel, Layout, array_name, array_shape, graph_model
from .text import number

if TYPE_CHECKING:
    import graphviz

FONT = "DejaVu Sans"
FILL = {"parameter": "#fbd9a6", "input": "#bcd8f2", "constant": "#e4e4e4", "op": "#ffffff"}
ROOT_COLOUR, HIGHLIGHT_COLOUR = "#b03a2e", "#f39c12"
NEGATIVE, POSITIVE, ZERO, NO_FLOW = "#c0392b", "#1a5fa8", "#9a9a9a", "#b5b5b5"
BOX_FILL, BOX_BORDER, CLOSED_FILL = "#ece3f5", "#5b4a8b", "#d9d9d9"
LEGEND_SWATCH = {"parameter": "#f2b45a", "input": "#6fa8dc", "constant": "#b0b0b0"}
MAX_TERMS = 4  # a fan-out breakdown lists at most this many branches by name
MAX_BOX_OUTPUTS = 4
TABLE = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">{}</TABLE>'


def draw_dot(root: Value, options: DrawOptions | None = None, **kwargs: Any) -> graphviz.Digraph:
    """The graph of ``root`` as a ``graphviz.Digraph`` (render it, or display it in Jupyter).

    Options are `DrawOptions` fields, given as keywords or as one ``options`` object.
    """
    return _digraph(dot_source(root, options, **kwargs))


def dot_source(root: Value, options: DrawOptions | None = None, **kwargs: Any) -> str:
    """The DOT text `draw_dot` renders (no Graphviz needed to make it)."""
    options = DrawOptions.of(options, kwargs)
    model = graph_model(root, options.show_grad)
    return Drawing(model, options).source()


def _digraph(source: str) -> graphviz.Digraph:
    """A ``graphviz.Digraph`` holding ``source`` (its body lines), so callers can still add attributes."""
    head, _, rest = source.partition("{\n")
    body = rest.rstrip().removesuffix("}").splitlines(keepends=True)
    return dot.graphviz_module().Digraph(head.split()[1], body=body)


def scopes_in(root: Value, depth: int | None = None) -> list[str]:
    """The scope names in ``root``'s graph (what ``collapse=`` accepts); ``depth=1``: only the outermost, ..."""
    paths = graph_model(root, gradients=False).scope_paths
    return list(dict.fromkeys(path[-1] for path in paths if depth is None or len(path) == depth))


class Drawing:
    """Builds the DOT text: which node goes where (cluster, box, leaf group), then nodes, edges, header."""

    def __init__(self, model: GraphModel, options: DrawOptions) -> None:
        self.m, self.o = model, options
        self.layout = Layout(model, options.checked_collapse(model), options.group_leaves)
        self.highlight = options.checked_highlight(model)
        self.grads = model.grads is not None
        self.items: dict[tuple[str, ...], list[str]] = {(): []}  # cluster path → node statements

    def num(self, x: float | None, signed: bool = False) -> str:
        return self.o.number_format(x, signed)

    def source(self) -> str:
        layout = self.layout
        if layout.size() > self.o.max_nodes:
            raise GraphTooLargeError.for_drawing(self.m, layout.size(), self.o.max_nodes)
        for i in layout.visible():
            self._place(self.m.nodes[i].scope, self._value_node(i))
            if not self.m.nodes[i].is_leaf:
                self._place(self.m.nodes[i].scope, self._op_node(i))
        for box in layout.box_members:
            self._place(box[:-1], self._box_node(box))
        for gid in layout.groups:
            self._place((), self._group_node(gid))
        lines = [
            f"\tgraph [rankdir={self.o.rankdir} fontname={dot.string(FONT)} nodesep=0.25 ranksep=0.45 newrank=true]",
            f"\tnode [fontname={dot.string(FONT)} fontsize=12]",
            f'\tedge [fontname={dot.string(FONT)} fontsize=11 color="#555555" arrowsize=0.7]',
        ]
        if self.o.legend or self.o.title:
            lines.append(f"\tgraph [label={self._header()} labelloc=t labeljust=l]")
        lines += self._clusters() + self._edges()
        return "digraph computation_graph {\n" + "\n".join(lines) + "\n}\n"

    # ---- placement: clusters, written out with a stack (no recursion, however deep scopes nest) ----
    def _place(self, path: tuple[str, ...], statement: str) -> None:
        if not self.o.clusters:
            path = ()
        for depth in range(len(path) + 1):
            self.items.setdefault(path[:depth], [])
        self.items[path].append(statement)

    def _clusters(self) -> list[str]:
        children: dict[tuple[str, ...], list[tuple[str, ...]]] = {path: [] for path in self.items}
        for path in self.items:
            if path:
                children[path[:-1]].append(path)
        lines, stack = [], [((), False)]
        while stack:
            path, done = stack.pop()
            if done:
                lines.append("}")
                continue
            if path:
                sid = self.layout.scope_id[path]
                label = f"<<B>{dot.html(dot.label(path[-1]))}</B>>"
                lines.append(f"subgraph cluster_{sid} {{")
                lines.append(f'graph [id={sid} label={label} style="rounded,dashed" color="#8e7cc3" '
                             'fontcolor="#5b4a8b" fontsize=13 labeljust=l]')  # fmt: skip
                stack.append((path, True))
            lines += [f"\t{statement}" for statement in self.items[path]]
            stack += [(child, False) for child in reversed(children[path])]
        return lines

    # ---- nodes ----
    def _value_node(self, i: int) -> str:
        node, m = self.m.nodes[i], self.m
        rows = [f'<TR><TD COLSPAN="2"><B>{dot.html(dot.label(node.label))}</B></TD></TR>'] if node.label else []
        cells = [f'<TD ALIGN="LEFT">data {self.num(node._data)}</TD>'] if self.o.show_data else []
        if self.grads:
            cells.append(f'<TD ALIGN="RIGHT"><FONT COLOR="{sign_colour(m.grad(i))}">grad {self.num(m.grad(i))}</FONT></TD>')
        if cells:
            rows.append("<TR>" + "".join(cells) + "</TR>")
        for line in (self._breakdown(i), self._stored_grad(i)):
            if line:
                rows.append(f'<TR><TD COLSPAN="2"><FONT POINT-SIZE="10">{dot.html(line)}</FONT></TD></TR>')
        if not rows:
            rows.append(f"<TR><TD>{dot.html(node.op or 'leaf')}</TD></TR>")
        attrs = {"id": f"v{i}", "shape": "box", "style": "rounded,filled", "fillcolor": FILL[node.kind], "margin": "0.05,0.03"}
        if i == m.root_index:
            attrs.update(peripheries="2", color=ROOT_COLOUR, penwidth="2")
        if node.kind == "constant":
            attrs.update(fontsize="10", color="#999999")
        if i in self.highlight:
            attrs.update(color=HIGHLIGHT_COLOUR, penwidth="4")
        grad = f", grad = {self.num(m.grad(i))}" if self.grads else ""
        attrs["tooltip"] = f"{dot.label(m.name(i))}: data = {self.num(node._data)}{grad}, kind = {node.kind}"
        return dot.node(f"v{i}", {"label": f"<{TABLE.format(''.join(rows))}>", **attrs})

    def _op_node(self, i: int) -> str:
        node = self.m.nodes[i]
        symbol = dot.html(node.symbol or node.op)
        attrs = {"id": f"v{i}op", "shape": "ellipse", "style": "filled", "fillcolor": "#f4f1fa", "color": "#8e7cc3",
                 "fontsize": "11", "width": "0.3", "height": "0.25", "margin": "0.03,0.01"}  # fmt: skip
        if node.gate() is False:
            symbol += f'<BR/><FONT POINT-SIZE="10">{dot.html(node.closed_label)}</FONT>'
            attrs.update(style="filled,dashed", fillcolor=CLOSED_FILL, color="#777777", fontcolor="#555555")
        attrs["tooltip"] = dot.label(node.general_formula())
        return dot.node(f"v{i}op", {"label": f"<{symbol}>", **attrs})

    def _breakdown(self, i: int) -> str:
        """``∂J/∂U[3] = −0.42 (via s) + 0.31 (via s_c) = −0.11`` for a node used by more than one branch."""
        if not self.grads or len(self.m.consumers[i]) < 2:
            return ""
        terms = sorted(self.m.contributions(i))
        if len(terms) < 2:  # one branch: its edges' labels already show the sum
            return ""
        shown = [f"{self.num(c)} (via {dot.label(name, 40)})" for name, c in terms[:MAX_TERMS]]
        if len(terms) > MAX_TERMS:
            shown.append(f"{self.num(sum(c for _, c in terms[MAX_TERMS:]))} (via {len(terms) - MAX_TERMS} more)")
        text = shown[0]
        for term in shown[1:]:
            text += f" − {term[1:]}" if term.startswith("−") else f" + {term}"
        return f"{self._partial(i)} = {text} = {self.num(self.m.grad(i))}"

    def _stored_grad(self, i: int) -> str:
        """Where the user's ``.grad`` differs from ∂root/∂node shown: say what it holds."""
        node, shown = self.m.nodes[i], self.m.grad(i)
        if shown is None or node.grad == shown:
            return ""
        owner = self.m.status.owner
        why = f"∂{owner.label or 'root'}/∂· from a later backward()" if owner is not None else "earlier backward() calls add up"
        return f".grad = {self.num(node.grad)} ({why})"

    def _partial(self, i: int) -> str:
        return dot.label(self.m.partial_of(i), 80)

    def _box_node(self, box: tuple[str, ...]) -> str:
        inside = self.layout.box_members[box]
        rows = [f"<TR><TD><B>{dot.html(dot.label(box[-1]))}</B></TD></TR>",
                f'<TR><TD><FONT POINT-SIZE="10">{count(len(inside), "node")} (collapsed)</FONT></TD></TR>']  # fmt: skip
        outputs = self.layout.box_outputs(box)
        for i in outputs[:MAX_BOX_OUTPUTS]:
            name = dot.label(self.m.name(i), 40)
            text = f"{name} = {self.num(self.m.nodes[i]._data)}" if self.o.show_data else name
            if self.grads:
                text += f",  grad {self.num(self.m.grad(i))}"
            rows.append(f"<TR><TD>{dot.html(text)}</TD></TR>")
        if len(outputs) > MAX_BOX_OUTPUTS:
            rows.append(f"<TR><TD>… {len(outputs) - MAX_BOX_OUTPUTS} more outputs</TD></TR>")
        sid = self.layout.scope_id[box]
        attrs = {"id": sid, "shape": "box3d", "style": "filled", "fillcolor": BOX_FILL, "color": BOX_BORDER,
                 "tooltip": f"scope {dot.label(' / '.join(box))}"}  # fmt: skip
        if any(i in self.highlight for i in inside):
            attrs.update(color=HIGHLIGHT_COLOUR, penwidth="4")
        if self.m.root_index in inside:
            attrs.update(peripheries="2", color=ROOT_COLOUR)
        return dot.node(sid, {"label": f"<{TABLE.format(''.join(rows))}>", **attrs})

    def _group_node(self, gid: str) -> str:
        members = self.layout.groups[gid]
        nodes = [self.m.nodes[i] for i in members]
        name = dot.label(array_name(nodes[0].label) or "", 40)
        rows = [f"<TR><TD><B>{dot.html(name)}</B>  ({array_shape([n.label for n in nodes])} {nodes[0].kind}s)</TD></TR>"]
        if self.o.show_data:
            low, high = min(n._data for n in nodes), max(n._data for n in nodes)
            rows.append(f"<TR><TD>data in [{self.num(low)}, {self.num(high)}]</TD></TR>")
        if self.grads:
            norm = math.sqrt(sum(self.m.grads[n] ** 2 for n in nodes))  # type: ignore[index]
            text = dot.html(f"‖{self.m.partial(name)}‖ = {self.num(norm)}")
            rows.append(f'<TR><TD><FONT COLOR="{sign_colour(norm)}">{text}</FONT></TD></TR>')
            boxes = list(dict.fromkeys(self.layout.box_of[e.child] for i in members for e in self.m.consumers[i]))
            if len(boxes) > 1:
                parts = " + ".join(f"(via {dot.label(b, 40)})" for b in sorted(self.layout.box_name(b) for b in boxes))
                text = dot.html(f"{self.m.partial(name)} = {parts}, element by element")
                rows.append(f'<TR><TD><FONT POINT-SIZE="10">{text}</FONT></TD></TR>')
        attrs = {"id": gid, "shape": "box", "style": "rounded,filled", "fillcolor": FILL[nodes[0].kind],
                 "tooltip": f"{len(nodes)} leaves {dot.label(nodes[0].label, 40)} … {dot.label(nodes[-1].label, 40)}"}  # fmt: skip
        return dot.node(gid, {"label": f"<{TABLE.format(''.join(rows))}>", **attrs})

    # ---- edges ----
    def _edges(self) -> list[str]:
        m, layout, lines = self.m, self.layout, []
        folded: dict[tuple[str, tuple[str, ...]], dict[int, float]] = {}  # (source, box) → {parent: Σ carried}
        for e in m.edges:
            source, target, box = layout.unit[e.parent], layout.unit[e.child], layout.box_of[e.child]
            if box is not None:  # into a collapsed box
                if source != target:
                    sums = folded.setdefault((source, box), {})
                    sums[e.parent] = sums.get(e.parent, 0.0) + (e.carried or 0.0)
                continue
            attrs = {"id": e.id, "tooltip": self._edge_tooltip(e)}
            if self.grads and not e.to_constant:  # a constant needs no gradient: its edge has no label
                attrs["label"] = f"<{self._edge_label(e)}>"
            if self.grads and not e.carried:  # nothing flows back along this edge
                attrs["color"] = NO_FLOW
            if e.child == m.root_index:
                attrs["penwidth"] = "2"
            if m.nodes[e.child].gate() is False:
                attrs.update(style="dashed", color=NO_FLOW)
            lines.append("\t" + dot.edge(source, f"v{e.child}op", attrs))
        for i in layout.visible():
            if not m.nodes[i].is_leaf:
                arrives = f"{self._partial(i)} = {self.num(m.grad(i))} arrives here" if self.grads else m.nodes[i].op
                lines.append("\t" + dot.edge(f"v{i}op", f"v{i}", {"id": f"e{i}_out", "arrowsize": "0.5", "tooltip": arrives}))
        for (source, box), sums in folded.items():
            target = layout.scope_id[box]
            attrs = {"id": f"{source}-{target}", "penwidth": "1.5", "color": BOX_BORDER,
                     "tooltip": f"{count(len(sums), 'value')} flowing into the collapsed box; the label is the gradient "
                                "sent back along these edges (its norm when several)"}  # fmt: skip
            if self.grads:
                attrs["label"] = f"<{self._folded_label(sums, box)}>"
                if not any(sums.values()):
                    attrs["color"] = NO_FLOW
            lines.append("\t" + dot.edge(source, target, attrs))
        return lines

    def _edge_label(self, e: Any) -> str:
        carried, colour = e.carried, sign_colour(e.carried)
        if e.child == self.m.root_index and self.m.nodes[e.parent].label:  # into the root: ∂J/∂s
            text = f"{self._partial(e.parent)} = {self.num(carried, signed=True)}"
            return f'<FONT COLOR="{colour}" POINT-SIZE="13"><B>{dot.html(text)}</B></FONT>'
        return f'<FONT COLOR="{colour}">{dot.html(self.num(carried))}</FONT>'

    def _edge_tooltip(self, e: Any) -> str:
        child, parent = dot.label(self.m.name(e.child), 40), dot.label(self.m.name(e.parent), 40)
        local = f"∂{child}/∂{parent} = {self.num(e.local if math.isfinite(e.local) else None)}"
        if e.to_constant:
            return f"local derivative {local}; {parent} is a constant, which needs no gradient"
        if not self.grads:
            return f"local derivative {local}"
        return f"carries {self.num(e.carried)} = upstream grad {self.num(e.upstream)} × local derivative {local}"

    def _folded_label(self, sums: dict[int, float], box: tuple[str, ...]) -> str:
        """What flows back from one source into a box: ``−0.42`` for one node, ``‖∂J/∂W via s‖ = 0.69`` for several."""
        if len(sums) == 1:
            (value,) = sums.values()
            return f'<FONT COLOR="{sign_colour(value)}">{dot.html(self.num(value))}</FONT>'
        norm = math.sqrt(sum(v * v for v in sums.values()))
        arrays = {array_name(self.m.nodes[i].label) for i in sums}
        what = self.m.partial(arrays.pop()) if len(arrays) == 1 and None not in arrays else f"{len(sums)} gradients"  # type: ignore[arg-type]
        text = f"‖{dot.label(what, 60)} via {dot.label(self.layout.box_name(box), 40)}‖ = {self.num(norm)}"
        return f'<FONT COLOR="{sign_colour(norm)}">{dot.html(text)}</FONT>'

    # ---- header: title, status, legend ----
    def _header(self) -> str:
        title = self.o.title if self.o.title is not None else f"{self.m.root_name} = {self.num(self.m.root._data)}"
        lines = [f'<FONT POINT-SIZE="18"><B>{dot.html(dot.label(title))}</B></FONT>'] if title else []
        if self.o.legend:
            lines += [dot.html(dot.label(line, 400)) for line in self._status()]
            kinds = {node.kind for node in self.m.nodes}
            lines.append(legend(kinds, bool(self.layout.box_members), self.grads))
        rows = "".join(f'<TR><TD ALIGN="LEFT">{line}</TD></TR>' for line in lines)
        return f'<<TABLE BORDER="0" CELLSPACING="3" CELLPADDING="3">{rows}</TABLE>>'

    def _status(self) -> list[str]:
        return status_lines(self.m, self.grads, lambda x: self.num(x))


def status_lines(m: GraphModel, shown: bool, num: Any) -> list[str]:
    """What the drawing shows, in words: gradients or not, whose, and the state of the gates that head the graph."""
    root, status, lines = dot.label(m.root_name, 40), m.status, []
    if not shown:
        if not status.computed:
            lines.append(f"gradients not computed yet: call {root}.backward() to see them")
    elif not status.differs:
        lines.append(f"after {root}.backward(): each edge shows the gradient it carries back "
                     "(upstream grad × local derivative); a value used twice receives the sum")  # fmt: skip
    else:
        owner = status.owner
        held = f"∂{dot.label(owner.label or 'root', 40)}/∂· from a backward() on a graph that uses {root}" if owner is not None \
            else "sums over several backward() calls"  # fmt: skip
        lines.append(f"showing ∂{root}/∂·, computed for this drawing; the .grad of {status.differs} values here differs "
                     f"(it holds {held})")  # fmt: skip
    for i in m.gates():
        text = m.nodes[i].gate_text(lambda v: m.names[v], num)
        if text:
            lines.append(text)
    return lines


def legend(kinds: set[str], boxes: bool, grads: bool) -> str:
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


def count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def sign_colour(x: float | None) -> str:
    if not x or x != x:
        return ZERO
    return NEGATIVE if x < 0 else POSITIVE


__all__ = ["DrawOptions", "GraphTooLargeError", "draw_dot", "dot_source", "number", "scopes_in"]
