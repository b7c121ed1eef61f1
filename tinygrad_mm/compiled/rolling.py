"""Loop rolling: many copies of one subgraph, side by side, become one loop over the copies.

A training loss is usually one term per sample, ``L = Σᵢ ℓ(xᵢ, θ)``: the graph holds one
copy of ℓ's subgraph per sample, each reading its own inputs and the same parameters.
Written out node by node, 100 samples of a small MLP are ~90,000 lines that take
seconds to compile; as a loop over the samples the code is 100 times smaller and runs
at the same speed.

A `Roll` is a run of consecutive operands of one node (the *anchor*: the Σ) whose
*cones* — each operand with every op node it is computed from — are

- private: no node of a cone is used outside it, and the cone's root only by the anchor;
- identical: the same ops with the same constants wired the same way, visited in the
  same order by ``backward()``;
- contiguous in ``backprop_order``: ``backward()`` finishes each cone before the next, so
  the loop, cone after cone, adds into every shared gradient in the very order it does;
- reading leaves that are either the same in every cone (a parameter, a number), or one
  cone's own (its inputs, its constants) — never a parameter of one cone only (a
  gradient that would have to leave the loop).

Rolls never nest: the body of a loop is one cone written out node by node.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..engine import Value
from .naming import literal

ROLL_MIN = 8  # fewer identical cones than this are written out node by node


@dataclass
class Slot:
    """One leaf a cone reads, in each cone: the same leaf everywhere (``shared``), or each cone's own."""

    leaves: list[Value]
    shared: bool


@dataclass
class Copy:
    """One cone of a candidate run: its nodes, its wiring, its leaves by slot and how often it uses each."""

    cone: list[Value]
    shape: tuple
    leaves: list[Value]
    counts: list[int]


@dataclass
class Roll:
    """A run of identical private cones under one anchor, to be computed by one loop."""

    anchor: Value
    cones: list[list[Value]]  # each cone's op nodes in backprop_order: its root first
    slots: list[Slot]  # the leaves the cones read, numbered by first use in the first cone

    @property
    def members(self) -> list[Value]:
        return [node for cone in self.cones for node in cone]


def find_rolls(backprop: list[Value], uses: dict[Value, int], own_leaf: Callable[[Value], bool]) -> list[Roll]:
    """Every `Roll` of the graph (``backprop``: its ``backprop_order``; ``uses``: its ``count_uses``).

    ``own_leaf(leaf)`` says whether a leaf may differ from cone to cone (a runtime input or
    a constant: values the loop can iterate over, gradients nobody keeps).
    """
    position = {node: i for i, node in enumerate(backprop)}
    taken: set[Value] = set()
    rolls: list[Roll] = []
    for anchor in backprop:
        if anchor.is_leaf or anchor in taken or len(anchor.parents) < ROLL_MIN:
            continue
        run: list[Copy] = []
        for parent in (*anchor.parents, None):
            cone = _private_cone(parent, uses, taken, position) if parent is not None else None
            shape, leaves, counts = _shape(cone) if cone else (None, [], [])
            if run and shape != run[0].shape:
                roll = _roll(anchor, run, backprop, position, uses, own_leaf)
                if roll:
                    rolls.append(roll)
                    taken.update(roll.members)
                run = []
            if shape is not None:
                run.append(Copy(cone, shape, leaves, counts))  # type: ignore[arg-type]
    return rolls


def _private_cone(root: Value, uses: dict[Value, int], taken: set[Value], position: dict[Value, int]) -> list[Value] | None:
    """``root`` and the op nodes it is computed from, in backprop order, if none is used from outside; else None."""
    if root.is_leaf or uses[root] != 1 or root in taken:
        return None
    inside, edges, stack = {root}, {}, [root]
    while stack:
        for parent in stack.pop().parents:
            if parent.is_leaf:
                continue
            edges[parent] = edges.get(parent, 0) + 1
            if parent not in inside:
                if parent in taken:
                    return None
                inside.add(parent)
                stack.append(parent)
    if any(uses[node] != count for node, count in edges.items()):
        return None
    return sorted(inside, key=position.__getitem__)


def _shape(cone: list[Value]) -> tuple[tuple, list[Value], list[int]]:
    """The cone's wiring, independent of which leaves it reads: per node its class, constants and operands
    (a cone node by its index, a leaf by its slot); the leaves, by slot; how often the cone uses each."""
    local = {node: i for i, node in enumerate(cone)}
    slots: dict[Value, int] = {}
    counts: list[int] = []
    shape = []
    for node in cone:
        refs = []
        for p in node.parents:
            if p in local:
                refs.append(local[p])
            else:
                slot = slots.setdefault(p, len(slots))
                if slot == len(counts):
                    counts.append(0)
                counts[slot] += 1
                refs.append(-1 - slot)
        shape.append((type(node), tuple(node.constants().items()), tuple(refs)))
    return tuple(shape), list(slots), counts


def _roll(
    anchor: Value,
    run: list[Copy],
    backprop: list[Value],
    position: dict[Value, int],
    uses: dict[Value, int],
    own_leaf: Callable[[Value], bool],
) -> Roll | None:
    """The run as a `Roll`, if it is long enough, contiguous in backprop order, and its leaves allow it."""
    if len(run) < ROLL_MIN:
        return None
    cones = [copy.cone for copy in run]
    members = [node for cone in cones for node in cone]
    start, end = position[members[0]], position[members[-1]]
    between = [node for node in backprop[start : end + 1] if not node.is_leaf]
    if len(between) != len(members) or any(a is not b for a, b in zip(between, members, strict=True)):
        return None  # backward() interleaves other nodes with these cones: a loop would reorder its additions
    slots = []
    for slot, leaves in enumerate(zip(*[copy.leaves for copy in run], strict=True)):
        first = leaves[0]
        if all(leaf is first for leaf in leaves) or (
            all(leaf.kind == "constant" for leaf in leaves) and len({literal(leaf._data) for leaf in leaves}) == 1
        ):
            slots.append(Slot(list(leaves), shared=True))
        elif all(own_leaf(leaf) for leaf in leaves) and _each_in_one_cone(leaves, [c.counts[slot] for c in run], uses):
            slots.append(Slot(list(leaves), shared=False))
        else:
            return None
    return Roll(anchor, cones, slots)


def _each_in_one_cone(leaves: tuple[Value, ...], counts: list[int], uses: dict[Value, int]) -> bool:
    """True if each of ``leaves`` (one per cone) is a different leaf, used by its own cone only (so its whole
    gradient stays inside one pass of the loop)."""
    if len(set(leaves)) != len(leaves):
        return False
    return all(leaf.kind == "constant" or uses[leaf] == count for leaf, count in zip(leaves, counts, strict=True))
