"""Walking a graph from its root: the orders backward() and the views use, all iterative (no recursion)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

TYPE_CHECKING = False  # see engine/__init__.py, "Speed"
if TYPE_CHECKING:
    from .value import Value


def backprop_order(root: Value) -> list[Value]:
    """Every node reachable from ``root``, each before its parents: the order backward() runs in.

    Root first, then the first parent's whole branch, then the next one's; a node
    shared by several branches comes after all of them.
    """
    order = finishing_order(root, first_parent_first=False)
    order.reverse()
    return order


def topological_order(root: Value) -> list[Value]:
    """Every node reachable from ``root``, each after its parents: leaves first, ``root`` last.

    The first parent's branch comes first (drawings keep operands in reading order).
    """
    return finishing_order(root, first_parent_first=True)


def finishing_order(root: Value, *, first_parent_first: bool) -> list[Value]:
    """Every node reachable from ``root``, each listed once all its parents are (a depth-first post-order).

    A depth-first search with a stack, no recursion.  A ``None`` on the stack sits
    above a node whose parents are being searched: popping it means that node is
    finished.  The search goes into a node's last parent first unless
    ``first_parent_first``.  Deterministic: depends only on the graph.
    """
    finished: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:  # every parent of the node below the marker is finished
            finished.append(stack.pop())
        elif node not in visited:
            visited.add(node)
            if not node.is_leaf:
                stack.append(node)
                stack.append(None)
                parents = node.parents[::-1] if first_parent_first else node.parents  # the stack pops the last first
                for parent in parents:
                    if parent not in visited:
                        stack.append(parent)
            else:  # a leaf is finished as soon as it is found
                finished.append(node)
    return finished


def count_uses(root: Value) -> dict[Value, int]:
    """Every node reachable from ``root`` → how many times nodes of this graph use it as a parent.

    Iterative depth-first search; the dict's order is deterministic (discovery order).
    """
    uses = {root: 0}
    stack = [root]
    while stack:
        for parent in stack.pop().parents:
            if parent in uses:
                uses[parent] += 1
            else:
                uses[parent] = 1
                if not parent.is_leaf:  # a leaf has no parents to visit
                    stack.append(parent)
    return uses


def uses_of(node: Value, users: Iterable[Value]) -> Iterator[tuple[Value, int]]:
    """Each edge from one of ``users`` into ``node``, as ``(user, k)`` with ``user.parents[k] is node``.

    In ``users``' order; ``a + a`` gives two edges.  After ``backward()`` the edge
    carried ``user.grad · user.local_grads()[k]`` into ``node.grad``.
    """
    for user in users:
        if node in user.parents:
            for k, parent in enumerate(user.parents):
                if parent is node:
                    yield user, k
