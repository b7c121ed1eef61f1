"""copy, deepcopy and pickle for Values: labels, scopes and attributes survive, and deep graphs never recurse.

- ``copy.copy(v)``: a new node with the same parents, data, grad, label, scope and attributes.
- ``copy.deepcopy(root)``: the whole graph copied, node by node in topological
  order (so a 10⁶-op chain is fine); shared nodes stay shared.
- ``pickle``: a leaf pickles as itself; an op node pickles as a flat list of its
  graph's nodes in topological order (leaves by reference, so parameters keep
  their identity), rebuilt by `rebuild_graph`.  Interior nodes pickled in two
  separate places come back as two copies that share their leaves.

A copy is exactly as current as the original: a graph that is stale (a ``.data`` set after
nodes were computed from it) stays stale when copied, deep-copied or pickled, so its
``backward()`` raises `StaleGraphError` as the original's does; a current graph's copy is current.
"""

from __future__ import annotations

from .backprop import topological_order
from .errors import LEAF_EPOCH, WRITTEN, mark_written, stale_part, written_at

TYPE_CHECKING = False  # see engine/__init__.py, "Speed"
if TYPE_CHECKING:
    from typing import Any

    from .value import Value

_ENGINE_SLOTS = ("_data", "grad", "_epoch")  # every node's numbers; the rest of a class's slots are operands or constants


def _slots(cls: type) -> list[str]:
    """The slot names of ``cls`` beyond the engine's own (an op's operands ``x``/``a``/``b``/``parents``, ``exponent``…)."""
    names = [name for klass in cls.__mro__ for name in getattr(klass, "__slots__", ())]
    return [name for name in dict.fromkeys(names) if name not in (*_ENGINE_SLOTS, "__dict__", "__weakref__")]


def _new(node: Value, translate: Any) -> Value:
    """A node of ``node``'s class with its numbers, label and scope, its other slots passed through ``translate``."""
    new = object.__new__(type(node))
    for name in _ENGINE_SLOTS:
        setattr(new, name, getattr(node, name))
    for name in _slots(type(node)):
        if hasattr(node, name):
            setattr(new, name, translate(getattr(node, name)))
    new.label, new.scope = node.label, node.scope
    if node in WRITTEN:  # an op node whose .data was set by hand: the copy remembers when (a leaf's _epoch says it)
        WRITTEN[new] = WRITTEN[node]
    return new


def _attributes(node: Value) -> dict[str, Any]:
    """What user code attached to a leaf (op nodes carry none)."""
    return dict(getattr(node, "__dict__", {}))


def _is_node(v: object) -> bool:
    """True for a Value (every node has an ``_epoch``; value.py imports this module, not the other way round)."""
    return hasattr(v, "_epoch")


def shallow_copy(node: Value) -> Value:
    """``copy.copy``: the same parents, numbers, label, scope and attributes (the attribute dict itself is copied)."""
    new = _new(node, lambda v: v)
    if hasattr(new, "__dict__"):
        new.__dict__.update(_attributes(node))
    return new


def deep_copy(root: Value, memo: dict[int, Any]) -> Value:
    """``copy.deepcopy``: every node of ``root``'s graph copied once, parents before the nodes that use them."""
    import copy  # only when copying: importing it costs ``import tinygrad_mm`` time

    def translate(v: Any) -> Any:
        if _is_node(v):
            return memo[id(v)]
        if isinstance(v, tuple) and v and _is_node(v[0]):
            return tuple(memo[id(p)] for p in v)
        return v  # numbers: immutable

    for node in topological_order(root):
        if id(node) not in memo:
            new = _new(node, translate)
            memo[id(node)] = new
            if hasattr(new, "__dict__"):
                new.__dict__.update(copy.deepcopy(_attributes(node), memo))
    return memo[id(root)]


def reduce(node: Value, protocol: object = None) -> tuple:
    """``__reduce_ex__`` (any protocol): a leaf as itself; an op node as its whole graph, flattened (see the module docstring)."""
    if node.is_leaf:
        return rebuild_leaf, (type(node), node._data, node.grad, node.label, node.scope, _attributes(node))
    records: list[Any] = []
    index: dict[Value, int] = {}
    for k, v in enumerate(topological_order(node)):
        index[v] = k
        if v.is_leaf:
            records.append(v)
        else:
            operands = {name: getattr(v, name) for name in _slots(type(v))}
            for name, value in operands.items():
                if name in ("x", "a", "b"):
                    operands[name] = index[value]
                elif name == "parents":
                    operands[name] = tuple(index[p] for p in value)
            stale = stale_part(v)
            written = None if stale is None else k if stale == -1 else index[v.parents[stale]]
            records.append((type(v), v._data, v.grad, operands, v.label, v.scope, written))
    return rebuild_graph, (records,)


def rebuild_leaf(cls: type, data: float, grad: float, label: str, scope: tuple[str, ...], attributes: dict) -> Value:
    """A pickled leaf: its numbers, label, scope and attributes (so no scope open where it is loaded is added)."""
    leaf = object.__new__(cls)
    leaf._data, leaf.grad, leaf._epoch = data, grad, LEAF_EPOCH
    leaf.label, leaf.scope = label, scope
    if attributes:
        leaf.__dict__.update(attributes)
    return leaf


def rebuild_graph(records: list[Any]) -> Value:
    """The graph `reduce` flattened: each record is a leaf, or (class, data, grad, operands by index, label, scope,
    written) where ``written`` is None for a current node, else the index of the node whose ``.data`` was set after
    this one was made (itself or a parent): the rebuilt node is stale in the same way."""
    nodes: list[Value] = []
    for record in records:
        if not isinstance(record, tuple):
            nodes.append(record)
            continue
        cls, data, grad, operands, label, scope, written = record if len(record) == 7 else (*record, None)
        node = cls.node(data)  # made now (its epoch), from the numbers as they were: consistent with each other
        node.grad = grad
        for name, value in operands.items():
            if name in ("x", "a", "b"):
                value = nodes[value]
            elif name == "parents":
                value = tuple(nodes[k] for k in value)
            setattr(node, name, value)
        node.label, node.scope = label, scope
        nodes.append(node)
        if written is not None:  # made before a write, as the original was: older than now, and that node written now
            now = node._epoch
            node._epoch = now - 1
            mark_written(nodes[written], max(written_at(nodes[written]), now))
    return nodes[-1]
