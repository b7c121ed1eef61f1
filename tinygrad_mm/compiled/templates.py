"""Each op's own code, rendered once per kind of node and filled in by ``str.format`` for every node of that kind.

Rendering an op's templates (`Op.code_text`, `Op.code_derivative`, `Op.code_gate`) parses
them and decides on parentheses: slow next to the rest of code generation.  Two nodes of
the same class, with the same constants and the same pattern of coinciding operands
(``a * a`` is not ``a * b``), render the same text up to the names, so each such kind is
rendered once with placeholder names and then filled in.

The contribution of an edge is the float ``propagate`` adds: ``grad * local`` (`contribution`).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..engine import Value
from ..engine.op import Op
from ..engine.statement import parenthesize

_PLACEHOLDER = re.compile(r"_P(\d+)_")


def contribution(grad: str, derivative: str) -> str:
    """``grad · derivative`` as Python: the float ``propagate`` adds (``grad * local``), bit for bit.

    ``grad * 1.0`` is ``grad`` and ``grad * -1.0`` is ``-grad`` exactly, so those are written without the product.
    """
    if derivative == "1.0":
        return grad
    if derivative == "-1.0":
        return f"-{grad}"
    return f"{grad} * {parenthesize(derivative)}"


@dataclass(frozen=True)
class Rendered:
    """One kind of node's code as ``str.format`` templates over (its distinct operands…, the node, its gradient)."""

    forward: str
    edges: tuple[str, ...]  # per parent k: the contribution grad · ∂node/∂parent k
    gate: str | None
    pattern: tuple[int, ...]  # per parent k: which distinct operand it is
    calls: str = ""  # "module:Class" when ``forward`` calls the class's own forward (see `Templates`)


class Templates:
    """Each kind of node rendered once (`Rendered`), keyed on its class, its constants and its operand pattern.

    ``exact=True`` (code that runs instead of the engine): an op that refuses some inputs
    (its statement's ``undefined_when``) is computed by calling its own ``forward`` — the
    generated line reads ``pow7 = _forward_Pow(a, b)`` — so that the step fails, and the
    engine reports why, exactly where the engine would.  Every other op's code is printed
    from the same statement as its ``forward``, so the two compute the same float.
    """

    def __init__(self, exact: bool = True) -> None:
        self.cache: dict[tuple, Rendered] = {}
        self.exact = exact
        self.known: dict[Op, tuple[Rendered, list[Value]]] = {}  # node → `kind` (code generation asks several times)

    def kind(self, node: Op) -> tuple[Rendered, list[Value]]:
        """The node's templates, and its distinct operands in order (the first fields of the templates)."""
        known = self.known.get(node)
        if known is not None:
            return known
        parents = node.parents
        if len(parents) == 1:  # the common arities first: this runs once per node of a large graph
            operands, pattern = list(parents), (0,)
        elif len(parents) == 2:
            a, b = parents
            operands, pattern = ([a], (0, 0)) if a is b else ([a, b], (0, 1))
        else:
            index: dict[Value, int] = {}
            pattern = tuple([index.setdefault(p, len(index)) for p in parents])
            operands = list(index)
        constants = node.constants()
        key = (type(node), tuple(constants.items()) if constants else (), pattern)
        rendered = self.cache.get(key)
        if rendered is None:
            rendered = _render(node, {p: j for j, p in enumerate(operands)}, pattern)
            if self.exact and type(node).undefined_when:
                rendered = replace(rendered, forward=_call(type(node), pattern, constants), calls=_qualified(type(node)))
            self.cache[key] = rendered
        self.known[node] = rendered, operands
        return rendered, operands

    def of(self, node: Op, var: dict[Value, str], grad: dict[Value, str]) -> tuple[Rendered, list[str]]:
        """The node's templates, and the names to fill them with."""
        rendered, operands = self.kind(node)
        return rendered, [var[p] for p in operands] + [var[node], grad.get(node, "")]


def _render(node: Op, index: dict[Value, int], pattern: tuple[int, ...]) -> Rendered:
    """The node's code over placeholders: ``_P0_``… its operands, ``_Pn_`` the node itself, ``_Pn+1_`` its gradient."""
    n = len(index)

    def placeholder(v: Value) -> str:
        return f"_P{n}_" if v is node else f"_P{index[v]}_"

    grad = f"_P{n + 1}_"
    edges = tuple(_fields(contribution(grad, node.code_derivative(k, placeholder))) for k in range(len(node.parents)))
    gate = node.code_gate(placeholder)
    return Rendered(_fields(node.code_text(placeholder)), edges, None if gate is None else _fields(gate), pattern)


def bindings(rendered: Iterable[Rendered]) -> list[str]:
    """The module-level lines binding each class forward the code calls (``_forward_Pow = _resolve_forward(…)``)."""
    calls = sorted({r.calls for r in rendered if r.calls})
    return [f"{forward_name(q)} = _resolve_forward({q!r})" for q in calls]


def _qualified(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def forward_name(qualified: str) -> str:
    """The variable generated code calls a class's own forward by: ``_forward_Pow``."""
    return "_forward_" + qualified.rpartition(":")[2].replace(".", "_")


def _call(cls: type, pattern: tuple[int, ...], constants: dict[str, float]) -> str:
    arguments = ["{" + str(j) + "}" for j in pattern] + [repr(value) for value in constants.values()]
    return f"{forward_name(_qualified(cls))}({', '.join(arguments)})"


def resolve_forward(qualified: str) -> object:
    """The ``forward`` of the class named ``module:Class`` (what `forward_name` variables hold)."""
    module, _, name = qualified.partition(":")
    target: object = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target.forward  # type: ignore[attr-defined]


def _fields(text: str) -> str:
    """Placeholders → ``{i}`` fields; every other brace doubled, so ``str.format`` leaves it alone."""
    return _PLACEHOLDER.sub(r"{\1}", text.replace("{", "{{").replace("}", "}}"))
