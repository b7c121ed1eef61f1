"""The matrix lens, part 1: the arrays of a scalar graph, its branches, and each array's gradient per branch.

* `find_arrays` — nodes labelled like array entries (``W[i,j]``, ``b[i]``, ``x[k]``, ``x_c[k]``, and
  computed vectors such as ``z[i]``, ``a[i]``) grouped into matrices and vectors.  Nothing is declared:
  the shape comes from the labels, and anything that does not make one clean array (gaps, mixed
  shapes, an index used twice, labels that only look like entries) gets a note saying what is shown.
* `find_branches` — the branch outputs of the loss (``s``, ``s_c``, or ``s``, ``s_c1``, ``s_c2``, …),
  found from the graph alone: the self-contained sub-graphs nearest the root.  A node B is
  *self-contained* when every op it is computed from is used only inside B, so every path from
  the root into B's ops passes through B.
* `gradient_lens` — per array, per branch B, the gradient that flows through B:

      via B (entry w) = Σ over the edges into w from ops inside B of what the backward pass sent along them
                      = (∂J/∂B) · (∂B/∂w)          (every path from J to those edges runs through B)

  and the sum, ∂J/∂w, the gradient of a fresh pass.  All numbers come from one backward pass
  recorded on the side (``engine.record``): no ``.grad`` or ``.data`` changes.
"""

from __future__ import annotations

import math
import re
from collections import deque
from dataclasses import dataclass, field

from ..engine import BackwardStep, Value, record, topological_order
from ..engine.errors import describe_all
from .graph import natural_key
from .text import node_names

MAX_CELLS = 20_000  # an array with more entries than this is noted, not shown
ENTRY = re.compile(r"([A-Za-z_][\w′']*)\[\s*(\d+)\s*(?:,\s*(\d+)\s*)?\]")  # W[2,5], b[3], x_c1[0]
LOOKS_LIKE = re.compile(r"(.+?)\[.*\]")  # W[a], L[Paris][0], x[-1]: brackets, but not whole-number indices


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one array per name
class Array:
    """A matrix (``shape = (rows, cols)``) or a vector (``shape = (n,)``) of nodes found by their labels.

    ``cells`` maps an index to its node; an index without a node is a gap (``note`` says so).
    ``kind``: "parameter", "input" (leaves) or "op" (a computed vector such as z or a).
    """

    name: str
    shape: tuple[int, ...]
    cells: dict[tuple[int, ...], Value]
    kind: str
    note: str = ""

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def missing(self) -> int:
        return self.size - len(self.cells)

    @property
    def shape_text(self) -> str:
        """``8×20`` for a matrix, ``8`` for a vector."""
        return "×".join(map(str, self.shape))

    def indices(self) -> list[tuple[int, ...]]:
        """Every index of the grid, row by row (gaps included)."""
        if len(self.shape) == 1:
            return [(i,) for i in range(self.shape[0])]
        return [(i, j) for i in range(self.shape[0]) for j in range(self.shape[1])]

    def entry(self, index: tuple[int, ...]) -> str:
        """``W[2,5]``: the label of the entry at ``index``."""
        return f"{self.name}[{','.join(map(str, index))}]"


def parse_entry(label: str) -> tuple[str, tuple[int, ...]] | None:
    """``("W", (2, 5))`` for ``W[2,5]``; None for a label that is not an array entry."""
    match = ENTRY.fullmatch(label)
    if match is None:
        return None
    name, i, j = match.groups()
    return name, (int(i),) if j is None else (int(i), int(j))


def find_arrays(root: Value, order: list[Value] | None = None) -> tuple[list[Array], list[str]]:
    """The arrays of ``root``'s graph (leaves first, in the order their first entry appears) and the notes.

    A name is refused, with a note, when its entries mix one and two indices, mix leaves and
    ops, or when one index labels two nodes; an array with gaps is kept with a note (never a
    smaller or shifted shape); one with fewer entries than gaps, or over `MAX_CELLS`, is noted only.
    """
    order = order if order is not None else topological_order(root)
    groups: dict[str, list[tuple[tuple[int, ...], Value]]] = {}
    loose: dict[str, list[str]] = {}
    for node in order:
        label = node.label
        if not label or "[" not in label:
            continue
        parsed = parse_entry(label)
        if parsed is not None:
            groups.setdefault(parsed[0], []).append((parsed[1], node))
        elif (looks := LOOKS_LIKE.fullmatch(label)) is not None:
            loose.setdefault(looks.group(1), []).append(label)
    arrays, notes = [], []
    for name, labels in loose.items():
        kept = f" (left out of {name})" if name in groups else ": not shown as an array"
        notes.append(f"{_listing(labels)} look{'s' * (len(labels) == 1)} like array entries but {_are(labels)} not "
                     f"name[i] or name[i,j] with whole-number indices{kept}")  # fmt: skip
    for name, entries in groups.items():
        array, note = _array(name, entries)
        if note:
            notes.append(note)
        if array is not None:
            arrays.append(array)
    position = {node: i for i, node in enumerate(order)}
    first_use = {node: position[user] for user in reversed(order) for node in user.parents}
    arrays.sort(key=lambda a: (a.kind == "op", a.kind != "parameter", min(first_use.get(n, 0) for n in a.cells.values())))
    return arrays, notes  # parameters, then inputs, then computed vectors; each in the order the forward pass uses them


def _listing(labels: list[str]) -> str:
    return ", ".join(labels[:3]) + (f" and {len(labels) - 3} more" if len(labels) > 3 else "")


def _are(labels: list[str]) -> str:
    return "it is" if len(labels) == 1 else "they are"


def _array(name: str, entries: list[tuple[tuple[int, ...], Value]]) -> tuple[Array | None, str]:
    """One array from its entries, or None and the note that says why not; the note on its gaps."""
    ranks = sorted({len(index) for index, _ in entries})
    if len(ranks) > 1:
        one = next(f"{name}[{i[0]}]" for i, _ in entries if len(i) == 1)
        two = next(f"{name}[{i[0]},{i[1]}]" for i, _ in entries if len(i) == 2)
        return None, (f"{name} has entries with one index ({one}) and with two ({two}): not shown as an array; "
                      f"label every entry {name}[i] or every entry {name}[i,j]")  # fmt: skip
    cells: dict[tuple[int, ...], Value] = {}
    for index, node in entries:
        if index in cells:
            label = f"{name}[{','.join(map(str, index))}]"
            return None, f"{label} labels two different nodes: {name} is not shown as an array (which one is the entry?)"
        cells[index] = node
    kinds = {"op" if not node.is_leaf else node.kind for node in cells.values()}
    if len(kinds) > 1:
        return None, f"{name} mixes {' and '.join(sorted(kinds))} nodes: not shown as an array (give them different names)"
    kind = kinds.pop()
    if kind == "constant":
        return None, ""
    shape = tuple(max(index[d] for index in cells) + 1 for d in range(ranks[0]))
    size = math.prod(shape)
    first, last = min(cells), tuple(n - 1 for n in shape)
    span = f"{name} has entries [{','.join(map(str, first))}]…[{','.join(map(str, last))}]"
    grid = "×".join(map(str, shape))
    if size > MAX_CELLS:
        return None, f"{span}: a {grid} grid of {size:,} cells is too large to show (at most {MAX_CELLS:,})"
    missing = size - len(cells)
    if missing > len(cells):
        return None, f"{span} but only {len(cells)} of the {size} entries exist: not shown as a {grid} grid"
    note = ""
    if missing:
        gaps = [i for i in Array(name, shape, cells, kind).indices() if i not in cells]
        where = ", ".join(f"[{','.join(map(str, g))}]" for g in gaps[:3]) + (", …" if len(gaps) > 3 else "")
        note = f"{span} with {missing} missing ({where}): shown as a {grid} grid with gaps"
    return Array(name, shape, cells, kind, note), note


def elementwise(array: Array, arrays: list[Array]) -> str:
    """``σ(z)`` when every entry a[i] of a computed vector is one op, of one class, of the entry z[i] of one other
    array (the same index); else "" (computed otherwise, or not unambiguously element-wise)."""
    nodes = list(array.cells.values())
    if array.kind != "op" or len(array.shape) != 1 or len({type(n) for n in nodes}) != 1:
        return ""
    entry_of = {node: (other, index) for other in arrays if other is not array for index, node in other.cells.items()}
    sources = set()
    for index, node in array.cells.items():
        found = entry_of.get(node.parents[0]) if len(node.parents) == 1 else None
        if found is None or found[1] != index:
            return ""
        sources.add(found[0])
    if len(sources) != 1:
        return ""
    source = sources.pop()
    return nodes[0].formula_text(lambda v: source.name, str)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- branches


def users_of(order: list[Value]) -> dict[Value, list[Value]]:
    """Every node → the nodes that use it (each once)."""
    users: dict[Value, list[Value]] = {node: [] for node in order}
    for node in order:
        for parent in dict.fromkeys(node.parents):
            users[parent].append(node)
    return users


def inside(node: Value) -> set[Value]:
    """The ops ``node`` is computed from (``node`` itself included): its sub-graph without the leaves."""
    seen, stack = {node}, [node]
    while stack:
        for parent in stack.pop().parents:
            if not parent.is_leaf and parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def self_contained(node: Value, users: dict[Value, list[Value]]) -> bool:
    """True if every op ``node`` is computed from is used only inside it: all paths into them run through ``node``."""
    ops = inside(node)
    return all(user in ops for op in ops if op is not node for user in users[op])


def find_branches(root: Value, arrays: list[Array], order: list[Value] | None = None) -> list[Value]:
    """The branch outputs of ``root`` (see `split`), each split again while it splits: [] when there is one branch.

    For J = max(0, Δ + s_c − s) + λ·Σ W², first J and the penalty, then s and s_c inside J: s, s_c and the penalty.
    """
    order = order if order is not None else topological_order(root)
    users = users_of(order)
    found, queue = [], split(root, arrays, users)
    while queue:
        node = queue.pop(0)
        parts = split(node, arrays, users)
        queue[:0] = parts
        if not parts:
            found.append(node)
    return sorted(found, key=lambda node: (not node.label, natural_key(node.label)))


def split(head: Value, arrays: list[Array], users: dict[Value, list[Value]]) -> list[Value]:
    """The self-contained ops nearest below ``head``, when there are two or more and they share weights; else [].

    Walks down past a single self-contained node (a hinge over one margin m); an unlabelled output with a
    single op operand is followed to it (Δ + s_c → s_c).  Entries of an array (``a[i]``) are a vector's
    parts, never branches.  *Sharing weights*: a parameter is used by two of them, or each uses every entry
    of one matrix — W in s and in s_c — and not, as the hidden units of one layer do, only its own row.
    """
    entries = {node for array in arrays for node in array.cells.values()}
    outputs = _outermost(head, users)
    for _ in range(len(users)):
        if len(outputs) != 1 or outputs[0] in entries:
            break
        outputs = _outermost(outputs[0], users)
    outputs = list(dict.fromkeys(_narrow(node) for node in outputs))
    if len(outputs) < 2 or any(node in entries for node in outputs):
        return []
    used = [{p for op in inside(node) for p in op.parents if p in entries} for node in outputs]
    for array in arrays:
        cells = set(array.cells.values())
        if any(n.kind == "parameter" and sum(n in u for u in used) > 1 for n in cells):
            return outputs
        if len(array.shape) == 2 and all(cells <= u for u in used):
            return outputs
    return []


def _outermost(head: Value, users: dict[Value, list[Value]]) -> list[Value]:
    """The self-contained ops below ``head`` nearest to it (breadth first; not looking inside one found)."""
    found, seen, queue = [], {head}, deque(p for p in head.parents if not p.is_leaf)
    while queue:
        node = queue.popleft()
        if node in seen:
            continue
        seen.add(node)
        if self_contained(node, users):
            found.append(node)
        else:
            queue.extend(p for p in node.parents if not p.is_leaf)
    return found


def _narrow(node: Value) -> Value:
    """Follow an unlabelled op that only shifts a single op operand down to it (∂ = ±1): ``Δ + s_c`` → ``s_c``."""
    while not node.label:
        ops = [(p, d) for p, d in zip(node.parents, node.local_grads(), strict=True) if not p.is_leaf]
        if len(ops) != 1 or abs(ops[0][1]) != 1.0:
            break
        node = ops[0][0]
    return node


# ---------------------------------------------------------------- gradients per branch


@dataclass(frozen=True)
class Grid:
    """One array's gradient, through one branch (``via`` its name) or in sum (``via`` = "")."""

    array: Array
    via: str
    values: dict[tuple[int, ...], float]  # index → number (gaps absent)

    def largest(self) -> float:
        return max((abs(v) for v in self.values.values() if math.isfinite(v)), default=0.0)


@dataclass
class MatrixLens:
    """Everything the lens shows: the arrays, the branches, each array's grids, and ∂J/∂(branch)."""

    root: Value
    order: list[Value]
    arrays: list[Array]
    notes: list[str]
    branches: list[Value]
    branch_grads: list[float]  # ∂J/∂B per branch
    steps: tuple[BackwardStep, ...]  # the side pass (engine.record), root first
    grads: dict[Value, float]  # ∂J/∂node, every node (the fresh side pass)
    via: dict[Value, list[float]] = field(default_factory=dict)  # entry → what it received through each branch
    elsewhere: dict[Value, float] = field(default_factory=dict)  # entry used outside every branch → what it received there

    @property
    def branch_names(self) -> list[str]:
        """Each branch output's label, or for an unlabelled one what it computes (``text.node_names``)."""
        if any(not node.label for node in self.branches):
            names = node_names(self.order)
            return [names[node] for node in self.branches]
        return [node.label for node in self.branches]

    def grids(self, array: Array) -> list[Grid]:
        """Via each branch, then "no branch" (if an op outside every branch uses an entry: by the graph's shape, not
        its numbers, so that an edit on the live page that makes it 0 keeps the grid), then the sum."""
        out = [Grid(array, name, {i: self.via[n][k] for i, n in array.cells.items()})
               for k, name in enumerate(self.branch_names)]  # fmt: skip
        if self.branches and any(n in self.elsewhere for n in array.cells.values()):
            out.append(Grid(array, "no branch", {i: self.elsewhere.get(n, 0.0) for i, n in array.cells.items()}))
        out.append(Grid(array, "", {i: self.grads[n] for i, n in array.cells.items()}))
        return out

    def array(self, name: str) -> Array:
        for array in self.arrays:
            if array.name == name:
                return array
        known = ", ".join(a.name for a in self.arrays) or "none"
        raise KeyError(f"no array named {name!r} in this graph (found: {known})")


def _reading_order(array: Array, used_by: list[set[Value]]) -> tuple:
    """Leaves before computed vectors; shared by several branches first (matrices first), then by the first branch using them."""
    branches = [k for k, used in enumerate(used_by) if any(n in used for n in array.cells.values())]
    return array.kind == "op", len(branches) < 2, -len(array.shape), branches[:1] or [len(used_by)]


def gradient_lens(root: Value) -> MatrixLens:
    """Find the arrays and branches of ``root``'s graph and split every entry's gradient by branch.

    One fresh backward pass, run on the side (every ``.grad`` left as it was).  Raises ValueError
    when the graph has no array (with what was found instead).
    """
    if not isinstance(root, Value):
        raise TypeError(f"the matrix lens needs a tinygrad_mm Value as the root, got {type(root).__name__}")
    order = topological_order(root)
    arrays, notes = find_arrays(root, order)
    if not arrays:
        why = f" ({'; '.join(notes)})" if notes else ""
        raise ValueError(
            f"the graph of {root.label or 'the root'} has no arrays to show{why}: label entries like W[i,j], b[i], "
            "x[k] (e.g. Value(0.5, label='W[0,1]')) and the lens finds them"
        )
    branches = find_branches(root, arrays, order)
    backward = record(root)
    steps, grads = backward.steps, dict(backward.grads)
    if backward.nonfinite:
        notes.append(f"the gradients of {describe_all(sorted(backward.nonfinite, key=order.index))} are infinite or "
                     "undefined (backward() would raise GradientError): drawn black")  # fmt: skip
    branch_of: dict[Value, int] = {}
    for k, branch in enumerate(branches):
        branch_of.update(dict.fromkeys(inside(branch), k))
    entries = {node for array in arrays for node in array.cells.values()}
    lens = MatrixLens(root, order, arrays, notes, branches, [grads[b] for b in branches], steps, grads)
    users = [{p for op in inside(b) for p in op.parents if p in entries} for b in branches]
    lens.arrays.sort(key=lambda a: _reading_order(a, users))
    lens.via = {node: [0.0] * len(branches) for node in entries}
    for step in steps:  # in the order backward() ran: each entry's parts add up as its .grad did
        k = branch_of.get(step.node)
        for parent, sent in zip(step.parents, step.contributions, strict=True):
            if parent in entries:
                if k is not None:
                    lens.via[parent][k] += sent
                elif branches:  # outside every branch (without branches, everything is the sum grid's)
                    lens.elsewhere[parent] = lens.elsewhere.get(parent, 0.0) + sent
    return lens
