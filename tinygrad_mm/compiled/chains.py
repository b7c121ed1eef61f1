"""Chains of additions — what Python's ``sum()``, a generator or a ``for`` loop builds — compiled as one Σ node.

``sum(terms)``, ``sum(gen, start)`` and ``loss = loss + term`` in a loop all build a chain

    ((start + t₁) + t₂) + … + tₙ          n binary Add nodes, each used only by the next

which written out node by node is a line per addition forward and two per addition
backward, and which loop rolling (rolling.py) cannot see: no node has many operands.
`collapse_chains` gives code generation the same graph with each such chain as one
`Sum` node of parents ``(start, t₁, …, tₙ)``.  The numbers are the same, bit for bit:

- forward: `Sum` adds left to right, ``((start + t₁) + t₂) + …``, exactly the chain's additions;
- backward: every edge of the chain carries the chain's gradient g unchanged (∂(a + b)/∂a =
  ∂(a + b)/∂b = 1, and ``g·1.0`` is ``g``), so each term, and the start, receives g once per
  time it appears — the same float additions whatever their order — and ``backward()``
  visits the chain's nodes one after another, with nothing else in between;
- a value that is not finite on the way makes the sum not finite: the step still sees it.

A chain is cut after `MAX_TERMS` terms (the next chain starts from the Σ so far), so one
expression stays short enough for Python to compile.  Only code generation sees the
collapsed graph: ``step.graph()``, the views and the engine keep the user's nodes.
"""

from __future__ import annotations

import functools

from ..engine import Value
from ..engine.copying import _slots
from ..engine.ops import Add, Sum

MAX_TERMS = 256  # terms of one collapsed Σ (Python compiles a 256-term sum in one expression easily)


def collapse_chains(order: list[Value], uses: dict[Value, int], keep: set[Value]) -> tuple[Value, dict[Value, Value]] | None:
    """The graph with every chain of two or more additions as one `Sum` (see the module docstring): (the new root,
    every node of the old graph → the node standing for it); None if there is no chain.

    ``order``: the graph in a topological order, root last; ``uses``: its `count_uses`;
    ``keep``: nodes that must stay nodes of their own (values the step returns).
    """
    terms: dict[Value, list[Value]] = {}  # a chain's top so far → its terms, start first
    for node in order:
        if type(node) is not Add:
            continue
        left = node.a  # type: ignore[attr-defined]
        chain = terms.get(left) if uses[left] == 1 and left not in keep else None
        if chain is not None and len(chain) < MAX_TERMS:
            del terms[left]  # the chain goes on through this node
            chain.append(node.b)  # type: ignore[attr-defined]
            terms[node] = chain
        else:
            terms[node] = [left, node.b]  # type: ignore[attr-defined]
    chains = {top: parts for top, parts in terms.items() if len(parts) > 2}
    if not chains:
        return None
    inside = {node for top, parts in chains.items() for node in _links(top, len(parts) - 1)}
    new: dict[Value, Value] = {}
    for node in order:
        if node.is_leaf:
            new[node] = node
        elif node in chains:
            total = Sum.node(node._data)  # the same float: Sum adds the same terms in the same order
            total.parents = tuple(new[t] for t in chains[node])  # type: ignore[attr-defined]
            if node.label:
                total.label = node.label
            new[node] = total
        elif node in inside:
            continue  # an addition inside a chain: its Σ stands for it
        elif any(new[p] is not p for p in node.parents):
            new[node] = _copy(node, new)
        else:
            new[node] = node
    return new[order[-1]], new


def _links(top: Value, count: int) -> list[Value]:
    """The chain's Add nodes below ``top`` (``count`` additions in all, ``top`` included)."""
    links = []
    node = top
    for _ in range(count - 1):
        node = node.a  # type: ignore[attr-defined]
        links.append(node)
    return links


_operand_slots = functools.cache(_slots)  # an op class → its slots beyond the engine's: operands and constants


def _copy(node: Value, new: dict[Value, Value]) -> Value:
    """A node of ``node``'s class, value and label, its operands replaced by the nodes standing for them."""
    copy = type(node).node(node._data)
    for name in _operand_slots(type(node)):
        if hasattr(node, name):
            setattr(copy, name, _translate(getattr(node, name), new))
    if node.label:
        copy.label = node.label
    return copy


def _translate(slot: object, new: dict[Value, Value]) -> object:
    """An op's slot with its operands replaced by the nodes standing for them (a number slot is kept)."""
    if isinstance(slot, Value):
        return new[slot]
    if isinstance(slot, tuple):
        return tuple(new[v] if isinstance(v, Value) else v for v in slot)
    return slot
