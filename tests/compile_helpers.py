"""Random graphs to compile: a graph recorded once (`Recipe`) and rebuilt on any leaves, so that a compiled step
and the engine can be run side by side on the same structure with new numbers every call."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from helpers import random_graph

from tinygrad_mm import Parameter, Value
from tinygrad_mm.engine import Constant, DomainError, GradientError, PowConst, topological_order
from tinygrad_mm.engine.value import operand
from tinygrad_mm.models.losses import Hinge, MaxMargin, max_margin_loss


@dataclass
class Recipe:
    """A graph as steps: leaves (by index) and ops (class, operand indices, constants), in topological order."""

    steps: list[tuple]
    n_leaves: int

    @classmethod
    def of(cls, root: Value, leaves: list[Value]) -> Recipe:
        order = topological_order(root)
        index = {leaf: i for i, leaf in enumerate(leaves)}
        position: dict[Value, int] = {}
        steps: list[tuple] = []
        for node in order:
            position[node] = len(steps)
            if node.kind == "constant":
                steps.append(("constant", node.data))
            elif node.is_leaf:
                steps.append(("leaf", index[node]))
            else:
                steps.append((type(node), [position[p] for p in node.parents], node.constants(), node.label))
        return cls(steps, len(leaves))

    def build(self, leaves: list[Value]) -> Value:
        """The recorded graph on these leaves (numbers or Values)."""
        made: list[Value] = []
        for step in self.steps:
            if step[0] == "constant":
                made.append(Constant.node(step[1]))
            elif step[0] == "leaf":
                made.append(operand(leaves[step[1]], "leaf"))
            else:
                kind, parents, constants, label = step
                args = [made[i] for i in parents]
                if kind is PowConst:
                    node = kind.apply(*args, exponent=constants["n"])
                elif constants:
                    node = kind.apply(*args, **constants)
                else:
                    node = kind.apply(*args)
                if label:
                    node.label = label
                made.append(node)
        return made[-1]


def random_recipe(seed: int, n_leaves: int, n_ops: int) -> tuple[Recipe, list[float]]:
    """A random graph using every op (helpers.random_graph), sometimes ending in the max-margin hinge (one node or
    expanded), as a recipe, and its leaves' values."""
    leaves, nodes, root = random_graph(seed, n_leaves, n_ops)
    rng = random.Random(seed)
    ending = rng.choice(["none", "none", "maxmargin", "expanded"])
    if ending != "none":
        other = rng.choice(nodes)
        root = max_margin_loss(root * 0.01, other * 0.01, delta=rng.choice([0.0, 0.5, 1.0]), expanded=ending == "expanded")
    return Recipe.of(root, leaves), [leaf.data for leaf in leaves]


def outcome(run) -> tuple[str, object]:
    """("ok", result) or ("error", its class) for the engine's own errors."""
    try:
        return "ok", run()
    except (DomainError, GradientError) as err:
        return "error", type(err)


def same(a: float, b: float) -> bool:
    """Equal to 1e-12 relative (the compiled step matches the engine's float order, so it is usually bit for bit)."""
    return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)


__all__ = ["Hinge", "MaxMargin", "Parameter", "Recipe", "outcome", "random_recipe", "same"]
