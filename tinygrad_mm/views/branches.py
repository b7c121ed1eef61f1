"""Which branch of the graph a use of a node lies on: ``s``, ``s_c1``, ``s_c2`` — named by the graph's own labels.

A shared weight w feeds several paths to the root; its gradient is the sum of what each
path sends back.  A path is followed from the node that uses w toward the root while it
stays one path (each node has one consumer) and until it *meets* another path: a node
whose second operand is computed too (or is w itself).  The branch is the last labelled
node before that meeting — for J = Σₖ max(0, Δ + s_cₖ − s) the paths of W[0,0] meet at
each hinge, so its branches are ``s``, ``s_c1``, ``s_c2``; with the hinge expanded
(m = (Δ + s_c) − s; Δ is a constant, so Δ + s_c is still s_c's path) they meet at m, so
they are ``s`` and ``s_c``.

An element of a vector (a label such as ``a[3]``) does not name a branch by itself: the
walk goes on through meetings until a plain label (``s``) or the root's operand is
reached, so the eight uses of x[0] inside ``s = U·a`` are one branch, ``s``.
Nothing here is specific to a model: only labels, consumers and operands are read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .graph import GraphModel


def branch_of(model: GraphModel, start: int, source: int | None = None) -> str:
    """The name of the branch through node ``start`` (see the module docstring); ``source``: the shared node, if any."""
    nodes, j, name = model.nodes, start, ""
    while True:
        label = nodes[j].label
        if label and not _element(label):
            name = label
        out = model.consumers[j]
        if len(out) != 1 or out[0].child == model.root_index:
            break
        if name and _meets(model, out[0].child, j, source):
            break
        j = out[0].child
    return name or _last_label(model, start, j) or model.name(start)


def _meets(model: GraphModel, child: int, via: int, source: int | None) -> bool:
    """Does node ``child`` join the path coming from ``via`` with another one: a second operand computed, or ``source``?"""
    for parent in model.nodes[child].parents:
        k = model.index[parent]
        if k != via and (k == source or not parent.is_leaf):
            return True
    return False


def _last_label(model: GraphModel, start: int, end: int) -> str:
    """The last label on the one-consumer path from ``start`` to ``end`` (an element's label, when that is all)."""
    j, found = start, ""
    while True:
        found = model.nodes[j].label or found
        if j == end:
            return found
        j = model.consumers[j][0].child


def _element(label: str) -> bool:
    """``a[3]``, ``W[0,1]``: an element of an array, which names no branch by itself."""
    return label.endswith("]") and "[" in label
