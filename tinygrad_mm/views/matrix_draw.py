"""The matrix lens, part 3: the picture — each array's gradient as heat maps, beside the notes' δ xᵀ.

One Graphviz drawing (HTML-like tables, so ``dot`` writes svg, png and pdf alike), top to bottom:

    W     δ xᵀ (δ as a column, xᵀ as a row)  × ∂J/∂s   = via s
          δ_c x_cᵀ                           × ∂J/∂s_c = via s_c
                                               sum     = ∂J/∂W       and the cell-by-cell check
    b, U  via s | via s_c | … | ∂J/∂b        and their checks (δ, a)
    x, …  via each branch | the sum

Colours: a diverging red (< 0) / blue (> 0) scale through white, in the colour-blind-safe ColorBrewer
RdBu ramp, one scale per array (so its grids compare); an exact 0 is white with a light frame.
Every cell carries a tooltip (its number and its scalar paths, as `explain` lists them) and an id
``mx{i}-{k}``: node ``#i`` of the graph (its topological index, the page's ``v{i}``), cell k.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

from ..engine import Value
from ..files import write_atomic
from . import dot
from .explain import PathExplosionError, explain
from .matrix import Array, Grid, MatrixLens, elementwise, gradient_lens
from .matrix_formulas import SLOT, BranchFormula, NotesFormulas, NotFound, filled, notes_formulas, slot
from .text import added, node_names, number

NEGATIVE_RAMP = ("#f7f7f7", "#f4a582", "#d6604d", "#b2182b")  # ColorBrewer RdBu, the red half
POSITIVE_RAMP = ("#f7f7f7", "#92c5de", "#4393c3", "#2166ac")  # ColorBrewer RdBu, the blue half
ZERO_FILL, GAP_FILL, FRAME = "#ffffff", "#e9e9e9", "#c8c8c8"
FONT = "DejaVu Sans"
MAX_EXPLAINED = 800  # nodes whose paths a tooltip lists; past this a tooltip names the explain command
MAX_PATHS_SHOWN = 3
FORMATS = ("svg", "png", "pdf", "dot")

# The texts that carry numbers are templates with named slots, filled here and (on a live page) again by
# templates/viewer-live-matrix.js with the recomputed numbers: one set of words for both.
WORDS = {
    "scale": "colour: red < 0 < blue, full at ±\ue000largest\ue001", "flat": "every value is 0",
    "ok": "✓ the formula and the scalar gradients agree", "bad": "✗ MISMATCH: the formula and the scalar gradients differ",
    "zero": "  (every factor is 0\ue000why\ue001; nothing flows back)",
    "why": ": \ue000flat\ue001 flat here (for the hinge: the margin is met)",
}  # fmt: skip


def colour(value: float, largest: float) -> str:
    """The cell's fill: white at 0, deepening to red (negative) or blue (positive) at ±``largest``."""
    if not math.isfinite(value):
        return "#000000"
    if value == 0.0 or largest == 0.0:
        return ZERO_FILL
    ramp = NEGATIVE_RAMP if value < 0 else POSITIVE_RAMP
    t = min(abs(value) / largest, 1.0) * (len(ramp) - 1)
    k = min(int(t), len(ramp) - 2)
    return _mix(ramp[k], ramp[k + 1], t - k)


def _mix(a: str, b: str, t: float) -> str:
    pa, pb = [int(a[i : i + 2], 16) for i in (1, 3, 5)], [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{math.floor(x + (y - x) * t + 0.5):02x}" for x, y in zip(pa, pb, strict=True))  # as JS Math.round


def ink(value: float, largest: float) -> str:
    """Text colour on a cell: white on the darker half of the ramp."""
    return "#ffffff" if largest and math.isfinite(value) and abs(value) / largest > 0.6 else "#222222"


class Cells:
    """Numbers the cells: ids ``mx{node}-{k}``, tooltips with each node's paths (explained once, then cached)."""

    def __init__(self, lens: MatrixLens, digits: int = 4) -> None:
        self.lens, self.digits, self.k = lens, digits, 0
        self.index = {node: i for i, node in enumerate(lens.order)}
        self.names = node_names(lens.order)
        self._paths: dict[Value, object] = {}
        self.numbered: list[tuple[str, int, str]] = []  # (cell id, node index, tooltip): what the page needs
        self.role: tuple[str, int, str] = ("sum", -1, "")  # what the next cells show: kind, branch, colour scale
        self.roles: dict[str, tuple[str, int, str, float]] = {}  # cell id → its role and number (the page's live hook)
        self.texts: list[dict] = []  # the texts with numbers: id, template, and what each slot shows (the live page)
        self.routes: dict[str, list[list[int]]] = {}  # cell id → the paths its tooltip lists, as node indices (live page)
        self._listed: list[list[int]] | None = None  # the paths the tooltip just made lists (for the next cell)

    def text(self, template: str, slots: dict[str, list], values: dict[str, str], size: int = 10, bold: bool = False,
             align: str = "CENTER", colspan: int = 1) -> str:  # fmt: skip
        """A `_td` of ``template`` filled with ``values``, with an id ``mtx{k}`` and its slots recorded for the live page.

        A slot is ``["grad", node]`` (∂J/∂node), ``["scale", name]`` (the colour scale of the cells of that scale),
        ``["check", role, part]`` (the formula check of W, b or U: largest, worst, verdict, zero) or ``["sum", array]``."""
        text_id = f"mtx{len(self.texts)}"
        self.texts.append({"id": text_id, "template": template, "slots": slots})
        return _td(filled(template, values), size, bold, align, colspan, text_id)

    def num(self, x: float) -> str:
        return number(x, self.digits)

    def paths(self, node: Value, through: Value | None) -> str:
        """The scalar paths from the root to ``node`` (only those through ``through``), as explain shows them."""
        if node not in self._paths:
            if len(self._paths) >= MAX_EXPLAINED:
                self._paths[node] = None
            else:
                try:
                    self._paths[node] = explain(self.lens.root, node, max_paths=200, names=self.names)
                except PathExplosionError:
                    self._paths[node] = None
        found = self._paths[node]
        if found is None:
            self._listed = None
            return f"paths: tinygrad-mm explain '{self.names[node]}' lists them"
        chosen = [p for p in found.paths if through is None or through in p.nodes]  # type: ignore[attr-defined]
        self._listed = [[self.index[v] for v in path.nodes] for path in chosen[:MAX_PATHS_SHOWN]]
        lines = [f"{len(chosen)} path{'s' * (len(chosen) != 1)}{' through ' + self.names[through] if through is not None else ''}:"]
        for path in chosen[:MAX_PATHS_SHOWN]:
            route = " → ".join(self.names[v] for v in path.nodes)
            factors = "·".join(f"({self.num(d)})" for d in path.local_grads) or "1"
            lines.append(f"{route} = {factors} = {self.num(path.contribution)}")
        if len(chosen) > MAX_PATHS_SHOWN:
            lines.append(f"… and {len(chosen) - MAX_PATHS_SHOWN} more")
        return "\n".join(lines)

    def cell(self, node: Value | None, value: float | None, largest: float, tooltip: str, width: int, height: int,
             text: str = "") -> str:  # fmt: skip
        """One ``<TD>``: coloured by ``value``; a gap (``node`` None) is grey."""
        size = f'WIDTH="{width}" HEIGHT="{height}" FIXEDSIZE="TRUE"'
        escaped = "&#10;".join(dot.html(line) for line in tooltip.split("\n"))  # Graphviz keeps &#10; as a line break
        if node is None or value is None:
            return f'<TD {size} BGCOLOR="{GAP_FILL}" TOOLTIP="{escaped}" HREF="#"><FONT POINT-SIZE="7" COLOR="#888888">×</FONT></TD>'
        cell_id = f"mx{self.index[node]}-{self.k}"
        self.k += 1
        self.numbered.append((cell_id, self.index[node], tooltip))
        self.roles[cell_id] = (*self.role, value)
        if self._listed:
            self.routes[cell_id], self._listed = self._listed, None
        label = f'<FONT POINT-SIZE="8" COLOR="{ink(value, largest)}">{dot.html(text)}</FONT>' if text else ""
        return (f'<TD {size} BGCOLOR="{colour(value, largest)}" ID="{cell_id}" HREF="#" '
                f'TOOLTIP="{escaped}">{label}</TD>')  # fmt: skip


def grid_table(cells: Cells, grid: Grid, largest: float, tip: Callable[[tuple[int, ...]], str], as_row: bool = False) -> str:
    """An array's grid as a table: a matrix as it is, a vector as a column (``as_row``: a row)."""
    array, values = grid.array, grid.values.get
    cells.role = grid_role(cells.lens, grid)
    rows, cols = (array.shape if len(array.shape) == 2 else ((1, array.shape[0]) if as_row else (array.shape[0], 1)))
    wide = cols <= 6
    width, height = (62, 16) if wide else (13, 13)
    out = [f'<TABLE BORDER="0" COLOR="{FRAME}" CELLBORDER="1" CELLSPACING="0" CELLPADDING="0">']  # no fill: never stretched
    for r in range(rows):
        out.append("<TR>")
        for c in range(cols):
            index = (r, c) if len(array.shape) == 2 else ((c,) if as_row else (r,))
            node, value = array.cells.get(index), values(index)
            text = cells.num(value) if wide and value is not None else ""
            out.append(cells.cell(node, value, largest, tip(index), width, height, text))
        out.append("</TR>")
    out.append("</TABLE>")
    return "".join(out)


def grid_role(lens: MatrixLens, grid: Grid) -> tuple[str, int, str]:
    """("via", k, W) for the grid through branch k, ("rest", -1, W) through no branch, ("sum", -1, W) for ∂J/∂W."""
    if grid.via in lens.branch_names:
        return "via", lens.branch_names.index(grid.via), grid.array.name
    return ("rest" if grid.via else "sum"), -1, grid.array.name


def _td(text: str, size: int = 10, bold: bool = False, align: str = "CENTER", colspan: int = 1, text_id: str = "") -> str:
    """A table cell of text (lines split at \\n); with ``text_id``, Graphviz keeps it as a group the page can find
    (``ID`` is written only with a link, so a tooltip of the text itself comes along; matrix_page unwraps it)."""
    body = '<BR ALIGN="LEFT"/>'.join(dot.html(part) for part in text.split("\n"))
    body = f"<B>{body}</B>" if bold else body
    span = f' COLSPAN="{colspan}"' if colspan > 1 else ""
    tip = "&#10;".join(dot.html(part) for part in text.split("\n"))
    named = f' ID="{text_id}" HREF="#" TOOLTIP="{tip}"' if text_id else ""
    return f'<TD ALIGN="{align}" BALIGN="LEFT"{span}{named}><FONT POINT-SIZE="{size}">{body}</FONT></TD>'


def scale_text(largest: float, cells: Cells) -> str:
    return filled(WORDS["scale"], {"largest": cells.num(largest)}) if largest else WORDS["flat"]


def _grid_tip(cells: Cells, grid: Grid, branch: Value | None, root: str) -> Callable[[tuple[int, ...]], str]:
    array = grid.array

    def tip(index: tuple[int, ...]) -> str:
        node = array.cells.get(index)
        if node is None:
            return f"{array.entry(index)}: no node has this label (a gap)"
        head = f"∂{root}/∂{array.entry(index)}" + (f" via {grid.via}" if grid.via else "")
        return f"{head} = {cells.num(grid.values[index])}\n{cells.paths(node, branch)}"

    return tip


def array_panel(cells: Cells, array: Array, formulas: NotesFormulas | None) -> str:
    """One array: its grids via each branch and the sum, side by side (W with δ xᵀ beside each, if found)."""
    lens, root = cells.lens, cells.names[cells.lens.root]
    grids = lens.grids(array)
    largest = max(g.largest() for g in grids)
    by_name = dict(zip(lens.branch_names, lens.branches, strict=True))
    head = f"{array.name}   ({array.shape_text}, {array.kind})   {slot('scale')}"
    head_td = cells.text(head, {"scale": ["scale", array.name]}, {"scale": scale_text(largest, cells)}, 12, True, "LEFT", 8)
    rows = [f"<TR>{head_td}</TR>"]
    if array.note:
        rows.append(f"<TR>{_td('⚠ ' + array.note, 10, False, 'LEFT', 8)}</TR>")
    role = _role(array, formulas)
    tip = lambda grid: _grid_tip(cells, grid, by_name.get(grid.via), root)  # noqa: E731
    name = lambda grid: f"via {grid.via}" if grid.via else f"∂{root}/∂{array.name}"  # noqa: E731
    if role == "W" and formulas is not None:
        row = lambda left, grid: f"<TR>{left}<TD>{grid_table(cells, grid, largest, tip(grid))}</TD>{_td(name(grid), 11, True)}</TR>"  # noqa: E731
        rows.append('<TR><TD COLSPAN="8" ALIGN="LEFT"><TABLE BORDER="0" CELLSPACING="6">')
        for grid, branch in zip(grids, formulas.branches, strict=False):
            out = cells.index[branch.output]
            by = cells.text(f"× ∂{root}/∂{branch.name}\n= {slot('g')}\n→", {"g": ["grad", out]}, {"g": cells.num(branch.grad)}, 11)
            rows.append(row(outer_product(cells, formulas, branch) + by, grid))
        # through no branch (an op outside every branch uses W itself), then the sum
        rows += [row("<TD></TD>" + _td("+", 11), grid) for grid in grids[len(formulas.branches) : -1]]
        rows.append(row("<TD></TD>" + _td("sum →", 11), grids[-1]) + "</TABLE></TD></TR>")
    else:
        tds = []
        for grid in grids:
            table = grid_table(cells, grid, largest, tip(grid), as_row=len(array.shape) == 1 and array.shape[0] > 10)
            tds.append(f'<TD><TABLE BORDER="0" CELLSPACING="2"><TR>{_td(name(grid), 10, True)}</TR><TR><TD>{table}</TD></TR></TABLE></TD>')
        rows.append(f'<TR><TD COLSPAN="8" ALIGN="LEFT"><TABLE BORDER="0" CELLSPACING="6"><TR>{"".join(tds)}</TR></TABLE></TD></TR>')
    if formulas is not None and role:
        template, slots, values = check_text(formulas, role, root, cells)
        rows.append(f"<TR>{cells.text(template, slots, values, 10, False, 'LEFT', 8)}</TR>")
    template, slots, values = sum_check(lens, array, cells)
    rows.append(f"<TR>{cells.text(template, slots, values, 9, False, 'LEFT', 8)}</TR>")
    return f'<TABLE BORDER="0" CELLSPACING="4" CELLPADDING="2">{"".join(rows)}</TABLE>'


def _role(array: Array, formulas: NotesFormulas | None) -> str:
    if formulas is None:
        return ""
    return next((r for r, a in (("W", formulas.W), ("b", formulas.b), ("U", formulas.U)) if a is array), "")


def outer_product(cells: Cells, formulas: NotesFormulas, branch: BranchFormula) -> str:
    """δ_B x_Bᵀ as a multiplication table: δ down the left (numbers), xᵀ along the top, each cell δᵢ·xⱼ."""
    W, x = formulas.W, branch.x
    rows, cols = W.shape
    d = f"δ{branch.name[1:]}"
    product = {(i, j): branch.delta[i] * x.cells[(j,)].data for i in range(rows) for j in range(cols) if (j,) in x.cells}
    largest = max((abs(v) for v in product.values()), default=0.0)
    x_largest = max((abs(n.data) for n in x.cells.values()), default=0.0)
    d_largest = max((abs(v) for v in branch.delta), default=0.0)
    wide = cols <= 6
    width, height = (62, 16) if wide else (13, 13)
    z = branch.z_name
    corner = f"{d} = {formulas.U.name} ∘ f′({z})  ·  {x.name}ᵀ"
    k = formulas.branches.index(branch)
    title = _td(corner, 9, True, "LEFT", cols + 1).replace("<TD ", '<TD BORDER="0" ', 1)  # above, so δ's column stays narrow
    out = [f'<TD><TABLE BORDER="0" COLOR="{FRAME}" CELLBORDER="1" CELLSPACING="0" CELLPADDING="0">'
           f'<TR>{title}</TR><TR><TD BORDER="0"></TD>']
    cells.role = ("x", k, f"{x.name}ᵀ")
    for j in range(cols):
        node = x.cells.get((j,))
        value = None if node is None else node.data
        tip = f"{x.entry((j,))} = {cells.num(value)}" if node is not None else f"{x.entry((j,))}: a gap"
        out.append(cells.cell(node, value, x_largest, tip, width, height, cells.num(value) if wide and node else ""))
    out.append("</TR>")
    for i in range(rows):
        u, fp, zi = formulas.U.cells[(i,)].data, branch.fprime[i], branch.z[i]
        tip = (f"{d}[{i}] = {formulas.U.name}[{i}]·f′({cells.names[zi]}) = {cells.num(u)} · {cells.num(fp)} = "
               f"{cells.num(branch.delta[i])}\n{formulas.derivative_text(branch)}, from the op {branch.f.__name__}")  # fmt: skip
        cells.role = ("delta", k, d)
        out.append("<TR>" + cells.cell(zi, branch.delta[i], d_largest, tip, 58, height, cells.num(branch.delta[i])))
        cells.role = ("outer", k, f"{d}{x.name}ᵀ")
        for j in range(cols):
            value = product.get((i, j))
            node = W.cells.get((i, j)) if value is not None else None
            tip = f"({d}{x.name}ᵀ)[{i},{j}] = {d}[{i}]·{x.name}[{j}] = {cells.num(branch.delta[i])} · " \
                  f"{cells.num(x.cells[(j,)].data) if (j,) in x.cells else '?'} = {cells.num(value or 0.0)}"  # fmt: skip
            out.append(cells.cell(node, value, largest, tip, width, height, cells.num(value) if wide and value is not None else ""))
        out.append("</TR>")
    out.append("</TABLE></TD>")
    return "".join(out)


def check_text(formulas: NotesFormulas, role: str, root: str, cells: Cells) -> tuple[str, dict[str, list], dict[str, str]]:
    """The claim for this array and how it held: ``checked on all 160 cells: largest difference 0 ✓``
    (as a template, its slots and their values: see `Cells.text`)."""
    check = next(c for c in formulas.checks if c.array == getattr(formulas, role).name)
    terms = " + ".join(f"(∂{root}/∂{b.name} = {slot(f'g{k}')})·{cell_factor(b, role)}" for k, b in enumerate(formulas.branches))
    array = getattr(formulas, role)
    if any(node in cells.lens.elsewhere for node in array.cells.values()):
        terms += " + (via no branch)"  # an op outside every branch uses the array itself: the notes' formula is not all
    template = (f"each cell: ∂{root}/∂{check.array}[{'i,j' if role == 'W' else 'i'}] = {terms}{slot('zero')}\n"
                f"checked on all {check.cells} cells against the scalar gradients: largest difference "
                f"{slot('largest')} (at {slot('worst')})   {slot('verdict')}")  # fmt: skip
    slots = {f"g{k}": ["grad", cells.index[b.output]] for k, b in enumerate(formulas.branches)}
    slots |= {part: ["check", role, part] for part in ("zero", "largest", "worst", "verdict")}
    closed = [cells.names[g] for g in gate_nodes(cells.lens) if g.gate() is False]
    values = {f"g{k}": cells.num(b.grad) for k, b in enumerate(formulas.branches)}
    values |= {"zero": zero_text(closed) if not any(b.grad for b in formulas.branches) else "", "largest": cells.num(check.largest),
               "worst": check.worst, "verdict": WORDS["ok"] if check.ok else WORDS["bad"]}  # fmt: skip
    return template, slots, values


def gate_nodes(lens: MatrixLens) -> list[Value]:
    """The root and its operands that have a gate (a hinge or relu): the check names those that are flat."""
    return [g for g in (lens.root, *dict.fromkeys(lens.root.parents)) if g.gate() is not None]


def zero_text(closed: list[str]) -> str:
    """``  (every factor is 0: J is flat here (…); nothing flows back)``, naming the closed gates, if any."""
    flat = " and ".join(closed) + (" is" if len(closed) == 1 else " are")
    return filled(WORDS["zero"], {"why": filled(WORDS["why"], {"flat": flat}) if closed else ""})


def cell_factor(branch: BranchFormula, role: str) -> str:
    """``δ_c,ᵢ·x_c,ⱼ`` (W), ``δ_c,ᵢ`` (b) or ``a_c,ᵢ`` (U) for the branch s_c; ``δᵢ·xⱼ`` for s."""
    comma = lambda name: name + ("," if "_" in name else "")  # noqa: E731
    delta = comma("δ" + branch.name[1:])
    return {"W": f"{delta}ᵢ·{comma(branch.x.name)}ⱼ", "b": f"{delta}ᵢ", "U": f"{comma(branch.a_name)}ᵢ"}[role]


def sum_check(lens: MatrixLens, array: Array, cells: Cells) -> tuple[str, dict[str, list], dict[str, str]]:
    """``Σ via = ∂J/∂W``: how far the branch parts are from the fresh pass's gradient (rounding only); as `check_text`."""
    if not lens.branches:
        return "one branch: the grid is ∂J/∂(entry) of a fresh backward pass", {}, {}
    worst = max(abs(added(lens.via[n]) + lens.elsewhere.get(n, 0.0) - lens.grads[n]) for n in array.cells.values())
    parts = lens.branch_names + ["no branch"] * any(n in lens.elsewhere for n in array.cells.values())
    return (f"the parts add up: Σ over {', '.join(parts)} = the sum grid (a fresh backward pass) "
            f"to within {slot('worst')} (the order of float additions)"), {"worst": ["sum", array.name]}, {"worst": cells.num(worst)}


def lens_source(lens: MatrixLens, title: str = "", digits: int = 4, only: Sequence[str] = ()) -> tuple[str, Cells]:
    """The DOT source of the whole picture (``only``: just these arrays), and the numbered cells (for the page)."""
    shown = [lens.array(name) for name in only] if only else lens.arrays
    cells = Cells(lens, digits)
    try:
        formulas: NotesFormulas | None = notes_formulas(lens)
        formula_note = ""
    except NotFound as err:
        formulas, formula_note = None, f"the notes' formulas are not shown: {err}"
    root = cells.names[lens.root]
    branches = ", ".join(f"∂{root}/∂{name} = {slot(f'g{k}')}" for k, name in enumerate(lens.branch_names))
    lines = [title or f"The matrix lens: ∂{root}/∂(each array), split by branch",
             f"branches: {branches}" if lens.branches else "one branch (no shared array feeds two branches)"]  # fmt: skip
    if formulas is not None:
        lines.append(formulas.statement(root) + "   with " + "; ".join(formulas.derivative_text(b) for b in formulas.branches[:1]))
    lines += [formula_note] if formula_note else []
    noted = {a.note for a in lens.arrays}
    lines += [f"⚠ {note}" for note in lens.notes if note not in noted]  # an array's own note heads its panel
    ops = [a for a in lens.arrays if a.kind == "op"]
    if ops:
        affine = {b.z_name: f"{formulas.W.name} {b.x.name} + {formulas.b.name if formulas.b else 'b'}"
                  for b in (formulas.branches if formulas else [])}  # fmt: skip
        lines.append("computed vectors found: " + ", ".join(_computed(a, lens, affine.get(a.name, "")) for a in ops))
    slots = {f"g{k}": ["grad", cells.index[b]] for k, b in enumerate(lens.branches)}
    values = {f"g{k}": cells.num(g) for k, g in enumerate(lens.branch_grads)}
    header = "".join(f"<TR>{cells.text(line, slots, values, 11, False, 'LEFT') if SLOT.search(line) else _td(line, 14 if k == 0 else 11, k == 0, 'LEFT')}</TR>"
                     for k, line in enumerate(lines))  # fmt: skip
    out = ["digraph matrix_lens {", f'  graph [rankdir=TB nodesep=0.2 ranksep=0.25 fontname="{FONT}" bgcolor="white"];',
           f'  node [shape=plaintext fontname="{FONT}" margin=0];', "  edge [style=invis];",
           f'  head [label=<<TABLE BORDER="0" CELLSPACING="2">{header}</TABLE>>];']  # fmt: skip
    previous = "head"
    for k, array in enumerate(shown):
        out.append(f"  a{k} [label=<{array_panel(cells, array, formulas)}>];")
        out.append(f"  {previous} -> a{k};")
        previous = f"a{k}"
    out.append("}")
    return "\n".join(out), cells


def _computed(array: Array, lens: MatrixLens, affine: str = "") -> str:
    """``a (8) = σ(z) element-wise``, ``z (8) = W x + b`` (found by the formulas), else ``z (8)``."""
    formula = elementwise(array, lens.arrays)
    said = f" = {formula} element-wise" if formula else f" = {affine}" if affine else ""
    return f"{array.name} ({array.shape_text}){said}"


def matrix_picture(root: Value, format: str = "svg", title: str = "", digits: int = 4, only: Sequence[str] = ()) -> bytes:
    """The lens of ``root`` drawn by Graphviz as ``format`` (svg, png, pdf; dot: the source); ``only``: these arrays."""
    if format not in FORMATS:
        raise ValueError(f"the matrix picture is written as {', '.join(FORMATS)}, not {format!r}")
    lens = gradient_lens(root)
    try:
        source, _ = lens_source(lens, title, digits, only)
    except KeyError as err:
        raise ValueError(err.args[0]) from None
    if format == "dot":
        return source.encode("utf-8")
    return dot.render(source, format, "the matrix lens")


def write_matrix(root: Value, path: str | Path, format: str | None = None, title: str = "", digits: int = 4,
                 only: Sequence[str] = ()) -> Path:  # fmt: skip
    """Write the lens picture to ``path`` (format from its suffix unless given; ``only``: these arrays); no ``.grad`` changes."""
    path = Path(path)
    format = format or path.suffix.lstrip(".").lower() or "svg"
    return write_atomic(path, matrix_picture(root, format, title, digits, only))

