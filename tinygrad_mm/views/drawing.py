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
from .drawing_style import (
    BOX_BORDER,
    BOX_FILL,
    CLOSED_FILL,
    FILL,
    FONT,
    HIGHLIGHT_COLOUR,
    MONO,
    NO_FLOW,
    ROOT_COLOUR,
    SLOT_CHAR,
    SLOT_POINTS,
    STEP_COLOURS,
    Marks,
    count,
    edge_attributes,
    legend,
    sign_colour,
    slot_marker,
    status_lines,
    sum_text,
    unit_attributes,
)
from .graph import GraphModel, Layout, array_name, array_shape, graph_model
from .text import number, op_summary

if TYPE_CHECKING:
    import graphviz

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
    """Builds the DOT text: which node goes where (cluster, box, leaf group), then nodes, edges, header.

    ``marks`` (the slides, the page) colour one backprop step and fill the gradient slots.
    After `source`, ``data_texts`` holds, per unit id, the texts that show its data (the
    page hides them until its forward stage computes them).
    """

    def __init__(self, model: GraphModel, options: DrawOptions, marks: Marks | None = None) -> None:
        self.m, self.o, self.marks = model, options, marks or Marks()
        self.layout = Layout(model, options.checked_collapse(model), options.group_leaves)
        self.highlight = options.checked_highlight(model)
        self.grads = model.grads is not None
        self.items: dict[tuple[str, ...], list[str]] = {(): []}  # cluster path → node statements
        self.data_texts: dict[str, list[str]] = {}

    def num(self, x: float | None, signed: bool = False) -> str:
        return self.o.number_format(x, signed)

    def pt(self, size: float) -> str:
        """A font size of the 12-point drawing, at the drawing's fontsize."""
        return f"{self.o.points(size):g}"

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
        dpi = self.o.graph_dpi()
        lines = [
            f"\tgraph [rankdir={self.o.rankdir} fontname={dot.string(FONT)} fontsize={self.pt(14)} nodesep=0.25 ranksep=0.45 newrank=true"
            + (f" dpi={dpi:g}]" if dpi else "]"),
            f"\tnode [fontname={dot.string(FONT)} fontsize={self.pt(12)}]",
            f'\tedge [fontname={dot.string(FONT)} fontsize={self.pt(11)} color="#555555" arrowsize=0.7]',
        ]
        if self.o.legend or self.o.title:
            lines.append(f"\tgraph [label={self._header()} labelloc=t labeljust=l]")
        elif self.marks.caption:
            lines.append(f"\tgraph [label={self._caption()} labelloc=b labeljust=l]")
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
                             f'fontcolor="#5b4a8b" fontsize={self.pt(13)} labeljust=l labelloc=t]')  # fmt: skip
                stack.append((path, True))
            lines += [f"\t{statement}" for statement in self.items[path]]
            stack += [(child, False) for child in reversed(children[path])]
        return lines

    # ---- nodes ----
    def _value_node(self, i: int) -> str:
        node, m = self.m.nodes[i], self.m
        rows = [f'<TR><TD COLSPAN="2"><B>{dot.html(dot.label(node.label))}</B></TD></TR>'] if node.label else []
        cells = []
        if self.o.show_data:
            cells.append(f'<TD ALIGN="LEFT">data {self.num(node._data)}</TD>')
            self.data_texts.setdefault(f"v{i}", []).append(f"data {self.num(node._data)}")
        if self.grads:
            cells.append(f'<TD ALIGN="RIGHT"><FONT COLOR="{sign_colour(m.grad(i))}">grad {self.num(m.grad(i))}</FONT></TD>')
        if cells:
            rows.append("<TR>" + "".join(cells) + "</TR>")
        for line in (self._breakdown(i), self._stored_grad(i)):
            if line:
                rows.append(f'<TR><TD COLSPAN="2"><FONT POINT-SIZE="{self.pt(10)}">{dot.html(line)}</FONT></TD></TR>')
        if node.kind != "constant":  # a constant needs no gradient: no slot for one
            rows += self._slot(f"v{i}", 'COLSPAN="2" ')
        if not rows:
            rows.append(f"<TR><TD>{dot.html(node.op or 'leaf')}</TD></TR>")
        attrs = {"id": f"v{i}", "shape": "box", "style": "rounded,filled", "fillcolor": FILL[node.kind], "margin": "0.05,0.03"}
        if i == m.root_index:
            attrs.update(peripheries="2", color=ROOT_COLOUR, penwidth="2")
        if node.kind == "constant":
            attrs.update(fontsize=self.pt(10), color="#999999")
        if i in self.highlight:
            attrs.update(color=HIGHLIGHT_COLOUR, penwidth="4")
        attrs.update(unit_attributes(self.marks.units.get(f"v{i}")))
        grad = f", grad = {self.num(m.grad(i))}" if self.grads else ""
        attrs["tooltip"] = f"{dot.label(m.name(i))}: data = {self.num(node._data)}{grad}, kind = {node.kind}"
        return dot.node(f"v{i}", {"label": f"<{TABLE.format(''.join(rows))}>", **attrs})

    def _slot(self, slot: str, span: str = "") -> list[str]:
        """The fixed-size row where a page or a slide writes a gradient (only with ``grad_slots``)."""
        if not self.o.grad_slots:
            return []
        size = self.o.points(SLOT_POINTS)
        width = round(self.marks.slot_chars.get(slot, 12) * SLOT_CHAR * size * 1.08 + 10)
        text, state = self.marks.slots.get(slot, ("", ""))
        if not text and self.marks.markers:
            text = slot_marker(slot)
        colour = STEP_COLOURS.get(f"{state}-text", "#555555")
        font = f'<FONT FACE="{MONO}" POINT-SIZE="{size:g}" COLOR="{colour}"><B>{dot.html(text)}</B></FONT>' if text else ""
        return [f'<TR><TD {span}FIXEDSIZE="TRUE" WIDTH="{width}" HEIGHT="{round(size * 1.5)}">{font}</TD></TR>']

    def _op_node(self, i: int) -> str:
        node = self.m.nodes[i]
        symbol = dot.html(node.symbol or node.op)
        attrs = {"id": f"v{i}op", "shape": "ellipse", "style": "filled", "fillcolor": "#f4f1fa", "color": "#8e7cc3",
                 "fontsize": self.pt(11), "width": "0.3", "height": "0.25", "margin": "0.03,0.01"}  # fmt: skip
        if node.gate() is False:
            symbol += f'<BR/><FONT POINT-SIZE="{self.pt(10)}">{dot.html(node.closed_label)}</FONT>'
            attrs.update(style="filled,dashed", fillcolor=CLOSED_FILL, color="#777777", fontcolor="#555555")
        attrs.update(unit_attributes(self.marks.units.get(f"v{i}op"), "filled"))
        attrs["tooltip"] = dot.label(op_summary(node, self.m.names, self.num), 300)  # the graph's names: nothing clashes
        return dot.node(f"v{i}op", {"label": f"<{symbol}>", **attrs})

    def _breakdown(self, i: int) -> str:
        """``∂J/∂U[3] = −0.42 (via s) + 0.31 (via s_c) = −0.11`` for a node used by more than one branch."""
        if not self.grads or len(self.m.consumers[i]) < 2:
            return ""
        terms = sorted(self.m.contributions(i))
        if len(terms) < 2:  # one branch: its edges' labels already show the sum
            return ""
        return f"{self._partial(i)} = {sum_text(terms, self.m.grad(i), self.num, MAX_TERMS)}"

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
        sid = self.layout.scope_id[box]
        rows = [f"<TR><TD><B>{dot.html(dot.label(box[-1]))}</B></TD></TR>",
                f'<TR><TD><FONT POINT-SIZE="{self.pt(10)}">{count(len(inside), "node")} (collapsed)</FONT></TD></TR>']  # fmt: skip
        outputs = self.layout.box_outputs(box)
        for i in outputs[:MAX_BOX_OUTPUTS]:
            name = dot.label(self.m.name(i), 40)
            text = f"{name} = {self.num(self.m.nodes[i]._data)}" if self.o.show_data else name
            if self.o.show_data:
                self.data_texts.setdefault(sid, []).append(text)
            if self.grads:
                text += f",  grad {self.num(self.m.grad(i))}"
            rows.append(f"<TR><TD>{dot.html(text)}</TD></TR>")
            rows += self._slot(f"v{i}")
        if len(outputs) > MAX_BOX_OUTPUTS:
            rows.append(f"<TR><TD>… {len(outputs) - MAX_BOX_OUTPUTS} more outputs</TD></TR>")
        attrs = {"id": sid, "shape": "box3d", "style": "filled", "fillcolor": BOX_FILL, "color": BOX_BORDER,
                 "tooltip": f"scope {dot.label(' / '.join(box))}"}  # fmt: skip
        if any(i in self.highlight for i in inside):
            attrs.update(color=HIGHLIGHT_COLOUR, penwidth="4")
        if self.m.root_index in inside:
            attrs.update(peripheries="2", color=ROOT_COLOUR)
        attrs.update(unit_attributes(self.marks.units.get(sid), "filled"))
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
                rows.append(f'<TR><TD><FONT POINT-SIZE="{self.pt(10)}">{text}</FONT></TD></TR>')
        rows += self._slot(gid)
        attrs = {"id": gid, "shape": "box", "style": "rounded,filled", "fillcolor": FILL[nodes[0].kind],
                 "tooltip": f"{len(nodes)} leaves {dot.label(nodes[0].label, 40)} … {dot.label(nodes[-1].label, 40)}"}  # fmt: skip
        attrs.update(unit_attributes(self.marks.units.get(gid)))
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
            attrs.update(edge_attributes(self.marks.edges.get(e.id)))
            lines.append("\t" + dot.edge(source, f"v{e.child}op", attrs))
        for i in layout.visible():
            if not m.nodes[i].is_leaf:
                arrives = f"{self._partial(i)} = {self.num(m.grad(i))} arrives here" if self.grads else m.nodes[i].op
                attrs = {"id": f"e{i}_out", "arrowsize": "0.5", "tooltip": arrives}
                attrs.update(edge_attributes(self.marks.edges.get(f"e{i}_out")))
                lines.append("\t" + dot.edge(f"v{i}op", f"v{i}", attrs))
        for (source, box), sums in folded.items():
            target = layout.scope_id[box]
            attrs = {"id": f"{source}-{target}", "penwidth": "1.5", "color": BOX_BORDER,
                     "tooltip": f"{count(len(sums), 'value')} flowing into the collapsed box; the label is the gradient "
                                "sent back along these edges (its norm when several)"}  # fmt: skip
            if self.grads:
                attrs["label"] = f"<{self._folded_label(sums, box)}>"
                if not any(sums.values()):
                    attrs["color"] = NO_FLOW
            attrs.update(edge_attributes(self.marks.edges.get(f"{source}-{target}")))
            lines.append("\t" + dot.edge(source, target, attrs))
        return lines

    def _edge_label(self, e: Any) -> str:
        carried, colour = e.carried, sign_colour(e.carried)
        if e.child == self.m.root_index and self.m.nodes[e.parent].label:  # into the root: ∂J/∂s
            text = f"{self._partial(e.parent)} = {self.num(carried, signed=True)}"
            return f'<FONT COLOR="{colour}" POINT-SIZE="{self.pt(13)}"><B>{dot.html(text)}</B></FONT>'
        return f'<FONT COLOR="{colour}">{dot.html(self.num(carried))}</FONT>'

    def _edge_tooltip(self, e: Any) -> str:
        child, parent = dot.label(self.m.shown_name(e.child), 40), dot.label(self.m.shown_name(e.parent), 40)
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

    # ---- header: title, status, legend; or a step's caption ----
    def _header(self) -> str:
        title = self.o.title if self.o.title is not None else f"{self.m.root_name} = {self.num(self.m.root._data)}"
        lines = [f'<FONT POINT-SIZE="{self.pt(18)}"><B>{dot.html(dot.label(title))}</B></FONT>'] if title else []
        if self.o.legend:
            lines += [dot.html(dot.label(line, 400)) for line in status_lines(self.m, self.grads, self.num)]
            kinds = {node.kind for node in self.m.nodes}
            lines.append(legend(kinds, bool(self.layout.box_members), self.grads, self.pt(16)))
        rows = "".join(f'<TR><TD ALIGN="LEFT">{line}</TD></TR>' for line in lines)
        return f'<<TABLE BORDER="0" CELLSPACING="3" CELLPADDING="3">{rows}</TABLE>>'

    def _caption(self) -> str:
        """The step's arithmetic under a slide: the first line bold, each line as it is (cut at 400 characters)."""
        first, *rest = self.marks.caption
        lines = [f'<FONT POINT-SIZE="{self.pt(16)}"><B>{dot.html(dot.label(first, 400))}</B></FONT>']
        lines += [f'<FONT POINT-SIZE="{self.pt(13)}">{dot.html(dot.label(line, 400))}</FONT>' for line in rest]
        rows = "".join(f'<TR><TD ALIGN="LEFT">{line}</TD></TR>' for line in lines)
        return f'<<TABLE BORDER="0" CELLSPACING="2" CELLPADDING="2">{rows}</TABLE>>'


__all__ = ["DrawOptions", "GraphTooLargeError", "draw_dot", "dot_source", "number", "scopes_in"]
