"""The matrix lens, part 2: the notes' matrix formulas, evaluated with the graph's numbers and checked.

For each branch B whose output has the notes' shape s = Uᵀf(Wx + b) — found in the graph, not
declared: s is a sum of products U[i]·a[i], each a[i] one op of one operand z[i], each z[i] a sum
of products W[i,j]·x[j] plus b[i] — the notes' backprop reads

    δ = U ∘ f′(z)                       (f′ is the op's own local derivative: ``a[i].local_grads()``)
    ∂s/∂W = δ xᵀ,   ∂s/∂b = δ,   ∂s/∂U = a

and, for the loss over all branches,

    ∂J/∂W[i,j] = Σ_B (∂J/∂s_B) · δ_B,i · x_B,j        (∂J/∂s = −1, ∂J/∂s_c = +1 while the margin is violated)

`notes_formulas` evaluates these from the forward values alone and compares every cell with the
scalar gradients of the backward pass (`matrix.gradient_lens`), reporting the largest difference;
`layer_steps` gives the backward pass by layer (U, then f, then W and b), and `lens_report` the lens in words.
Texts with numbers are templates with named slots (`slot`, `filled`), so a live page can fill them again.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..engine import Add, Dot, Mul, Op, Sum, Value
from .matrix import Array, MatrixLens, gradient_lens, parse_entry
from .text import added, number

MISMATCH = 1e-9  # a difference larger than this times the largest gradient of the array is a mismatch


@dataclass(frozen=True)
class BranchFormula:
    """One branch's numbers: s_B = Uᵀf(z_B), z_B = W x_B + b, and δ_B = U ∘ f′(z_B)."""

    name: str  # the branch output's label: s, s_c, s_c1, …
    grad: float  # ∂J/∂s_B from the backward pass
    x: Array  # the branch's input vector
    z: list[Value]  # z_B[i]
    a: list[Value]  # a_B[i] = f(z_B[i])
    fprime: list[float]  # f′(z_B[i]), the op's local derivative
    delta: list[float]  # U[i]·f′(z_B[i])
    f: type[Op]  # the op class of f (Sigmoid, Tanh, Relu, …)
    output: Value  # the branch's output node s_B

    @property
    def z_name(self) -> str:
        return _vector_name(self.z, "z")

    @property
    def a_name(self) -> str:
        return _vector_name(self.a, "a")


@dataclass(frozen=True)
class CellCheck:
    """The largest difference between the formula and the scalar gradients over one array's cells."""

    array: str
    cells: int
    largest: float  # |formula − scalar gradient|, largest over the cells
    worst: str  # the entry where it is largest (e.g. W[2,5])
    scale: float  # the largest |gradient| of the array

    @property
    def ok(self) -> bool:
        return self.largest <= MISMATCH * max(self.scale, 1e-300) or self.largest == 0.0


@dataclass(frozen=True)
class NotesFormulas:
    """The notes' formulas for W, b and U, evaluated per branch, and their check against the scalar gradients."""

    W: Array
    b: Array | None
    U: Array
    branches: list[BranchFormula]
    checks: list[CellCheck]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def predicted(self, array: str, index: tuple[int, ...]) -> float:
        """The formula's value for one cell of W, b or U: Σ_B (∂J/∂s_B)·(that branch's factor)."""
        return added([branch.grad * factor(branch, array, index) for branch in self.branches])

    def statement(self, root: str = "J") -> str:
        """``∂J/∂W[i,j] = (∂J/∂s)·δᵢ·xⱼ + (∂J/∂s_c)·δ_c,ᵢ·x_c,ⱼ``: the claim the check tests."""
        terms = [f"(∂{root}/∂{b.name})·δ{_sub(b)}ᵢ·{b.x.name}{',' * ('_' in b.x.name)}ⱼ" for b in self.branches]
        return f"∂{root}/∂{self.W.name}[i,j] = " + " + ".join(terms)

    def derivative_text(self, branch: BranchFormula) -> str:
        """``f′(z) = σ(z)·(1 − σ(z))``: the op's own derivative text (``Op.derivative_text``), over the vector's name."""
        z = branch.z_name
        a = next((a for a in branch.a if a.gate() is not False), branch.a[0])  # a node where the gate is open, if any
        f_of_z = a.formula_text(lambda v: z, str)
        named = lambda v: f_of_z if v is a else z  # noqa: E731
        derivative = a.derivative_text(0, named, str)
        if a.gate() is False and a.statement is not None:  # every gate closed: the formula where it is open, not "0"
            template, worked = a.statement.derivative_display(0, a.constants())
            derivative = a.render(template, named, str, worked)
        gate = a.code_gate(lambda v: z)
        return f"f′({z}) = {derivative}" + (f" where {gate.replace('.0', '')}, else 0" if gate else "")


def factor(branch: BranchFormula, array: str, index: tuple[int, ...]) -> float:
    """The cell's value in ∂s_B/∂(array): δᵢ·xⱼ for W, δᵢ for b, aᵢ for U."""
    if array == "W":
        return branch.delta[index[0]] * branch.x.cells[(index[1],)].data
    if array == "b":
        return branch.delta[index[0]]
    return branch.a[index[0]].data


def _sub(branch: BranchFormula) -> str:
    """``_c,`` for the branch s_c (δ_c,ᵢ), "" for s."""
    suffix = branch.name[1:] if branch.name.startswith("s") else f"({branch.name})"
    return f"{suffix}," if suffix else ""


def _vector_name(nodes: list[Value], fallback: str) -> str:
    parsed = {parse_entry(node.label)[0] if parse_entry(node.label) else None for node in nodes}
    name = parsed.pop() if len(parsed) == 1 else None
    return name or fallback


class NotFound(ValueError):
    """The graph does not have the notes' shape s = Uᵀf(Wx + b); the message says where it differs."""


def notes_formulas(lens: MatrixLens) -> NotesFormulas:
    """The notes' formulas for ``lens``'s branches (one branch if it has none), checked cell by cell.

    Raises `NotFound` saying what is missing when the graph is not s = Uᵀf(Wx + b) in every branch.
    """
    entry_of = {node: (array, index) for array in lens.arrays for index, node in array.cells.items()}
    outputs = lens.branches or [_single_output(lens)]
    grads = lens.branch_grads or [lens.grads[outputs[0]]]
    names = lens.branch_names or [outputs[0].label or "the output"]
    found = [_branch(node, grad, entry_of, name) for node, grad, name in zip(outputs, grads, names, strict=True)]
    W_arrays, U_arrays = {f[1].name for f in found}, {f[2].name for f in found}
    if len(W_arrays) != 1 or len(U_arrays) != 1:
        raise NotFound(f"the branches use different arrays as W ({', '.join(sorted(W_arrays))}) or U "
                       f"({', '.join(sorted(U_arrays))}): the notes' formula needs one W and one U shared by all")  # fmt: skip
    branches = [f[0] for f in found]
    W, U, b = found[0][1], found[0][2], found[0][3]
    formulas = NotesFormulas(W, b, U, branches, [])
    for array, label in ((W, "W"), (b, "b"), (U, "U")):
        if array is not None:
            formulas.checks.append(_check(lens, formulas, array, label))
    return formulas


def _single_output(lens: MatrixLens) -> Value:
    """A graph with one branch: the root itself, or the node below a chain of single-operand ops."""
    node = lens.root
    while len([p for p in node.parents if not p.is_leaf]) == 1 and not isinstance(node, (Dot, Sum)):
        node = next(p for p in node.parents if not p.is_leaf)
    return node


def _check(lens: MatrixLens, formulas: NotesFormulas, array: Array, role: str) -> CellCheck:
    largest, worst, scale = 0.0, "", 0.0
    for index, node in array.cells.items():
        grad = lens.grads[node]
        diff = abs(formulas.predicted(role, index) + lens.elsewhere.get(node, 0.0) - grad)  # + what came through no branch
        scale = max(scale, abs(grad))
        if diff > largest or not worst:
            largest, worst = diff if math.isfinite(diff) else math.inf, array.entry(index)
    return CellCheck(array.name, len(array.cells), largest, worst, scale)


def products(node: Value) -> tuple[list[tuple[Value, Value]], list[Value]]:
    """``node`` as Σ pᵢ·qᵢ + Σ cₖ: its products and its lone addends, through Dot, Mul, Add and Sum nodes
    (unlabelled ones inside; the node itself may be labelled)."""
    pairs: list[tuple[Value, Value]] = []
    addends: list[Value] = []
    stack = [node]
    while stack:
        v = stack.pop()
        if isinstance(v, Dot):
            n = len(v.parents) // 2
            pairs += list(zip(v.parents[:n], v.parents[n:], strict=True))
        elif isinstance(v, Mul):
            pairs.append((v.parents[0], v.parents[1]))
        elif isinstance(v, (Add, Sum)) and (v is node or not v.label):
            stack.extend(reversed(v.parents))
        elif not (v.kind == "constant" and v.data == 0.0):  # Python's sum() starts from 0
            addends.append(v)
    return pairs, addends


def _branch(s: Value, grad: float, entry_of: dict, name: str) -> tuple[BranchFormula, Array, Array, Array | None]:
    """One branch's BranchFormula and its W, U, b arrays; `NotFound` naming the first part that differs."""
    pairs, rest = products(s)
    if rest or not pairs:
        raise NotFound(f"{name} is not a sum of products U[i]·a[i] (the notes' s = Uᵀa)")
    U, a_of = None, {}
    for p, q in pairs:
        leaf, op = (p, q) if p in entry_of and p.is_leaf else (q, p)
        array, index = entry_of.get(leaf, (None, None))
        if array is None or len(array.shape) != 1 or op.is_leaf or (U is not None and array is not U):
            raise NotFound(f"{name} is not Σᵢ U[i]·a[i] with one vector U of labelled leaves and computed a[i]")
        U, a_of[index[0]] = array, op
    if sorted(a_of) != list(range(U.shape[0])):
        raise NotFound(f"{name} does not use every entry of {U.name} once")
    a = [a_of[i] for i in range(U.shape[0])]
    if any(len(ai.parents) != 1 or ai.parents[0].is_leaf for ai in a) or len({type(ai) for ai in a}) != 1:
        raise NotFound(f"the a[i] of {name} are not one element-wise op f(z[i]) of computed z[i]")
    z = [ai.parents[0] for ai in a]
    W, b, x, b_nodes = None, None, None, []
    for i, zi in enumerate(z):
        pairs, rest = products(zi)
        for p, q in pairs:
            (wa, wi), (xa, xi) = entry_of.get(p, (None, None)), entry_of.get(q, (None, None))
            if wa is None or xa is None:
                raise NotFound(f"z[{i}] of {name} has a product that is not W[i,j]·x[j] of labelled entries")
            if len(wa.shape) == 1:
                (wa, wi), (xa, xi) = (xa, xi), (wa, wi)
            if len(wa.shape) != 2 or len(xa.shape) != 1 or wi[0] != i or wi[1] != xi[0] or (W or wa) is not wa or (x or xa) is not xa:
                raise NotFound(f"z[{i}] of {name} is not Σⱼ W[{i},j]·x[j] with one matrix W and one vector x")
            W, x = wa, xa
        b_nodes.append(rest)
    if W is None or x is None or W.shape != (len(z), x.shape[0]):
        raise NotFound(f"the z of {name} do not form W x with W of shape {len(z)}×n and x of n entries")
    if all(len(r) == 1 and r[0] in entry_of for r in b_nodes):
        arrays = {entry_of[r[0]][0] for r in b_nodes}
        b = arrays.pop() if len(arrays) == 1 else None
    fprime = [ai.local_grads()[0] for ai in a]
    delta = [U.cells[(i,)].data * d for i, d in enumerate(fprime)]
    branch = BranchFormula(name, grad, x, z, a, fprime, delta, type(a[0]), s)
    return branch, W, U, b


# ---------------------------------------------------------------- the backward pass by layer


@dataclass(frozen=True)
class LayerStep:
    """One layer of the backward pass as the notes write it: its matrix formula, its numbers, and the scalar
    steps it stands for (``nodes``: the nodes whose backward steps do this layer's work).

    ``templates``: each line as a template with named slots (`slot`) and what each slot shows, so that a live
    page fills them again with its own numbers (see `slot_text`); ``lines``: the lines filled here."""

    title: str
    formula: str
    lines: list[str]
    nodes: list[Value]
    templates: list[tuple[str, dict[str, tuple]]] = field(default_factory=list)


SLOT = re.compile("\ue000(\\w+)\ue001")


def slot(name: str) -> str:
    """The mark of a slot named ``name`` in a text template."""
    return f"\ue000{name}\ue001"


def filled(template: str, values: dict[str, str]) -> str:
    """``template`` with each slot replaced by its value."""
    return SLOT.sub(lambda m: values[m.group(1)], template)


def vector_text(values: list[float], number: Callable[[float], str], most: int = 8) -> str:
    """``(0.1, −0.2, …, 0.3)``: a vector's numbers, the middle elided past ``most``."""
    shown = [number(v) for v in values]
    if len(shown) > most:
        shown = [*shown[: most - 2], "…", shown[-1]]
    return f"({', '.join(shown)})"


def slot_text(what: tuple, lens: MatrixLens, formulas: NotesFormulas, number: Callable[[float], str]) -> str:
    """A layer line's slot: ``("grad", node)`` ∂J/∂node, ``("factor", node)`` the same bracketed when negative,
    ``("data", nodes)`` / ``("grads", nodes)`` a vector of values / of gradients, ``("fprime", k)`` / ``("delta", k)``
    branch k's f′(z) / δ, ``("off", k)`` how far ∂J/∂z_k is from (∂J/∂s_k)·δ_k in the scalar steps."""
    kind, of = what
    if kind in ("grad", "factor"):
        text = number(lens.grads[of])
        return _factor(text) if kind == "factor" else text
    if kind == "data":
        return vector_text([node.data for node in of], number)
    if kind == "grads":
        return vector_text([lens.grads[node] for node in of], number)
    branch = formulas.branches[of]
    if kind == "off":
        return number(max(abs(branch.grad * d - lens.grads[z]) for d, z in zip(branch.delta, branch.z, strict=True)))
    return vector_text(branch.fprime if kind == "fprime" else branch.delta, number)


def layer_steps(lens: MatrixLens, formulas: NotesFormulas, number: Callable[[float], str]) -> list[LayerStep]:
    """The backward pass in three steps, U, then f, then W and b, each with its formula evaluated per branch.

    ∂J/∂U = Σ_B (∂J/∂s_B)·a_B;  ∂J/∂z_B = (∂J/∂s_B)·δ_B with δ_B = U ∘ f′(z_B);  ∂J/∂W = Σ_B (∂J/∂s_B)·δ_B x_Bᵀ,
    ∂J/∂b = Σ_B (∂J/∂s_B)·δ_B.  Each line compares the formula with the scalar steps' gradients.
    """
    root = lens.root.label or "J"
    B, U = formulas.branches, formulas.U.name
    sums = lambda factor: " + ".join(f"(∂{root}/∂{b.name})·{factor(b)}" for b in B)  # noqa: E731
    U_nodes = [formulas.U.cells[(i,)] for i in range(formulas.U.shape[0])]
    u_lines = [(f"∂{root}/∂{b.name} = {slot('g')},  {b.a_name} = {slot('a')}", {"g": ("grad", b.output), "a": ("data", b.a)})
               for b in B]  # fmt: skip
    u_lines.append((f"∂{root}/∂{U} = {slot('u')}", {"u": ("grads", U_nodes)}))
    f_lines = []
    for k, b in enumerate(B):
        f_lines += [(f"{formulas.derivative_text(b)} = {slot('f')}", {"f": ("fprime", k)}),
                    (f"δ{b.name[1:]} = {U} ∘ f′({b.z_name}) = {slot('d')}", {"d": ("delta", k)}),
                    (f"∂{root}/∂{b.z_name} = {slot('g')}·δ{b.name[1:]} = {slot('dz')}  (the scalar steps agree to {slot('off')})",
                     {"g": ("factor", b.output), "dz": ("grads", b.z), "off": ("off", k)})]  # fmt: skip
    w_lines: list[tuple[str, dict[str, tuple]]] = [(f"∂{root}/∂{formulas.W.name}: {formulas.W.shape_text}, each cell checked in the grids above", {})]
    if formulas.b is not None:
        b_nodes = [formulas.b.cells[(i,)] for i in range(formulas.b.shape[0])]
        w_lines.insert(0, (f"∂{root}/∂{formulas.b.name} = {slot('b')}", {"b": ("grads", b_nodes)}))
    products_of = [op for b in B for z in b.z for op in sorted(_ops_of(z), key=lens.order.index)]

    def step(title: str, formula: str, lines: list[tuple[str, dict[str, tuple]]], nodes: list[Value]) -> LayerStep:
        shown = [filled(t, {name: slot_text(what, lens, formulas, number) for name, what in slots.items()}) for t, slots in lines]
        return LayerStep(title, formula, shown, nodes, lines)

    return [
        step(f"1 · {U}", f"∂{root}/∂{U} = " + sums(lambda b: b.a_name), u_lines, [b_out for b_out in _outputs(lens, B)]),
        step("2 · f", "; ".join(f"∂{root}/∂{b.z_name} = (∂{root}/∂{b.name})·δ{b.name[1:]},  δ{b.name[1:]} = {U} ∘ f′({b.z_name})"
                                for b in B), f_lines, [a for b in B for a in b.a]),  # fmt: skip
        step(f"3 · {formulas.W.name}, {formulas.b.name if formulas.b else 'b'}",
             f"∂{root}/∂{formulas.W.name} = " + sums(lambda b: f"δ{b.name[1:]} {b.x.name}ᵀ"), w_lines, products_of),
    ]


def _factor(text: str) -> str:
    return f"({text})" if text.startswith(("−", "-")) else text


def _ops_of(z: Value) -> list[Value]:
    """z itself and the unlabelled sums and products it is made of (their steps send to W, x and b)."""
    found, stack = [], [z]
    while stack:
        v = stack.pop()
        found.append(v)
        stack.extend(p for p in v.parents if not p.is_leaf and not p.label)
    return found


def _outputs(lens: MatrixLens, branches: list[BranchFormula]) -> list[Value]:
    by_name = dict(zip(lens.branch_names, lens.branches, strict=True))
    return [by_name[b.name] for b in branches if b.name in by_name] or [lens.root]


def lens_report(root: Value, digits: int = 4) -> str:
    """The lens in words, for a terminal: the arrays found, the notes, the branches, and each formula check."""
    lens = gradient_lens(root)
    num, name = (lambda x: number(x, digits)), (root.label or "root")
    lines = ["arrays found: " + ", ".join(f"{a.name} ({a.shape_text}, {a.kind})" for a in lens.arrays)]
    lines += [f"note: {note}" for note in lens.notes + [a.note for a in lens.arrays if a.note and a.note not in lens.notes]]
    if lens.branches:
        lines.append("branches: " + ", ".join(f"∂{name}/∂{b} = {num(g)}" for b, g in zip(lens.branch_names, lens.branch_grads, strict=True)))
    else:
        lines.append("one branch: no array entry feeds two self-contained parts of the graph")
    try:
        formulas = notes_formulas(lens)
    except NotFound as err:
        lines.append(f"the notes' formulas: not shown ({err})")
        return "\n".join(lines)
    lines.append(f"{formulas.statement(name)}, δ = {formulas.U.name} ∘ f′(z), {formulas.derivative_text(formulas.branches[0])}")
    for check in formulas.checks:
        verdict = "✓" if check.ok else "✗ MISMATCH"
        lines.append(f"  {check.array}: {check.cells} cells checked against the scalar gradients, largest difference "
                     f"{num(check.largest)} (at {check.worst})  {verdict}")  # fmt: skip
    return "\n".join(lines)
