"""Text for every view, written once: numbers, node names, and the chain-rule sentence of a step.

- Numbers, one family over `format_number` (any format spec; never ``−0``; ``undefined`` for NaN,
  ``∞`` for infinity): `number` (significant digits, typeset minus: drawings, pages), `fmt` (the
  same with an ASCII minus: terminal tables), `places_format` (fixed decimal places, so a sum reads
  as one).  The drawing's user-chosen spec (``draw_options.NumberFormat``) is `format_number` too.
- `node_names`: every node of a graph → its name.  A label if it has one; a constant is
  its value; an unlabelled op is named by what it computes (``x·w``) when that is short,
  a long dot product by the product it is (``(Wx)[7]``, `product_name`), else by its op and
  topological index (``sum#37``, the ``37`` of the drawing's ``v37``).
  The drawing, the trace, the page and the code all use these names.
- `derivative_sentence`: ``o = tanh(n): ∂o/∂n = 1 − o² = 1 − 0.7071² = 0.5``, from the op
  class's own templates (engine/op.py).
- `places_to_add_up`: enough decimal places that shown terms add up to the shown total.
"""

from __future__ import annotations

import difflib
import math
import unicodedata
from collections.abc import Callable, Sequence

from ..engine import Op, Value, describe, topological_order
from ..engine.statement import parenthesize
from . import gate_words

MINUS = "−"  # U+2212, the typeset minus
MAX_NAME = 40  # an unlabelled op is named by its formula up to this many characters, else by op#index


def format_number(x: float, spec: str = ".4g", minus: str = "-", signed: bool = False) -> str:
    """``format(x, spec)`` without a negative zero (``-0`` or ``-0.000`` reads ``0``).

    ``minus="−"`` for typeset text; ``signed`` puts ``+`` before a positive number that does not read 0.
    """
    if x != x:
        return "undefined"
    if x in (math.inf, -math.inf):
        return ("+∞" if signed else "∞") if x > 0 else f"{minus}∞"
    text = format(x, spec)
    if _reads_zero(text):
        return format(0.0, spec).lstrip("+")
    if signed and x > 0 and not text.startswith("+"):
        text = "+" + text
    return text.replace("-", minus)


def _reads_zero(text: str) -> bool:
    try:
        return float(text.replace(",", "").replace("_", "").rstrip("%")) == 0.0
    except ValueError:
        return False


def number(x: float | None, digits: int = 4, *, minus: str = MINUS, signed: bool = False) -> str:
    """``x`` to ``digits`` significant figures (typeset minus by default); ``undefined`` for None or NaN."""
    if x is None:
        return "undefined"
    return format_number(x, f".{digits}g", minus, signed)


def fmt(x: float, digits: int = 4) -> str:
    """``x`` to ``digits`` significant figures with an ASCII minus (terminal tables)."""
    return format_number(x, f".{digits}g", "-")


def places_format(places: int | None, digits: int) -> Callable[[float | None], str]:
    """Numbers with ``places`` decimal places, or (None) ``digits`` significant digits; typeset minus."""
    if places is None:
        return lambda x: number(x, digits)
    return lambda x: "undefined" if x is None else format_number(round(x, places), f".{max(places, 0)}f", MINUS)


MAX_PLACES = 12  # past this many decimal places a sum is shown in significant digits instead


def places_to_add_up(terms: Sequence[float], total: float, digits: int = 4) -> int | None:
    """The fewest decimal places (giving the largest number and the total at least ``digits`` significant digits) at
    which the rounded terms add up to the rounded total and stay distinct; None if that needs more than `MAX_PLACES`.

    ``0.04752 + (−0.04752) = −4.544e−06`` does not read as a sum; ``0.047524544 + (−0.047529088) = −0.000004544`` does.
    """
    values = [*terms, total]
    if not all(math.isfinite(v) for v in values):
        return None
    largest = max(abs(v) for v in values)
    if largest == 0.0:
        return None
    start = digits - 1 - decimal_exponent(largest)
    if total:  # the total itself gets at least ``digits`` significant digits
        start = max(start, digits - 1 - decimal_exponent(total))
    for places in range(start, MAX_PLACES + 1):
        shown = [round(v, places) for v in terms]
        if round(added(shown), places) == round(total, places) and len(set(shown)) == len(set(terms)):
            while places > 0 and all(round(v, places - 1) == round(v, places) for v in values):
                places -= 1  # no trailing zeros: 0.1 + 0.2 = 0.3, not 0.1000 + 0.2000 = 0.3000
            return places
    return None


def decimal_exponent(x: float) -> int:
    """⌊log₁₀ |x|⌋ exactly (``math.log10`` may round 999.9999999999999 up to 3): the exponent of 17 significant
    digits, which no double rounds up to the next power of ten.  The live page computes it the same way."""
    return int(format(x, ".16e").partition("e")[2])


def added(values: Sequence[float]) -> float:
    """``values`` added left to right, as a loop of ``+=`` does (Python's own ``sum`` compensates from 3.12 on;
    the page's script adds as this does, so the two agree to the last bit)."""
    total = 0.0
    for value in values:
        total += value
    return total


_ESCAPED = {"Cc", "Cs", "Zl", "Zp"}  # control characters, lone surrogates, line and paragraph separators
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")  # direction overrides that could disguise text


def printable(text: str) -> str:
    """``text`` with control characters, lone surrogates and direction overrides escaped (``\\n``, ``\\x1b``):
    it cannot break a table, a DOT file or an encoder, nor drive a terminal."""
    if text.isprintable():
        return text
    return "".join(_escape(c) if unicodedata.category(c) in _ESCAPED or c in _BIDI else c for c in text)


def _escape(char: str) -> str:
    return char.encode("unicode_escape", "backslashreplace").decode("ascii")


# ---------------------------------------------------------------- names


def node_names(graph: Value | Sequence[Value], digits: int = 4) -> dict[Value, str]:
    """Every node → its display name, in topological order (parents first); see the module docstring.

    ``graph`` is a root, or its ``topological_order`` already computed.
    """
    order = topological_order(graph) if isinstance(graph, Value) else graph
    names: dict[Value, str] = {}
    for i, node in enumerate(order):
        if node.label:
            names[node] = node.label
        elif node.kind == "constant":
            names[node] = number(node._data, 6)
        elif isinstance(node, Op):
            formula = node.formula_text(names.__getitem__, lambda x: number(x, 6))
            short = formula if len(formula) <= MAX_NAME else product_name(node)
            names[node] = short or f"{node.op}#{i}"
        else:
            names[node] = f"{node.kind}#{i}"
    return names


def product_name(node: Value) -> str | None:
    """A long Σⱼ aⱼ·bⱼ (a dot node) named as the product it is: ``(Wx)[7]`` for Σⱼ W[7,j]·x[j], ``U·a`` for
    Σⱼ U[j]·a[j]; None for any other node, or elements that do not line up as a matrix row (or vector) and a vector."""
    parents = getattr(node, "parents", ())
    n = len(parents) // 2
    if getattr(node, "op", "") != "dot" or n == 0:
        return None
    left, right = [_element(p.label) for p in parents[:n]], [_element(p.label) for p in parents[n:]]
    if None in left or None in right:
        return None
    (a, rows), (b, cols) = _one_array(left), _one_array(right)  # type: ignore[arg-type]
    if not a or not b or any(len(c) != 1 for c in cols):
        return None
    if all(len(r) == 1 for r in rows) and rows == cols:
        return f"{a}·{b}"
    if all(len(r) == 2 for r in rows) and len({r[0] for r in rows}) == 1 and [r[1:] for r in rows] == cols:
        return f"({a}{b})[{rows[0][0]}]"
    return None


def _element(label: str) -> tuple[str, tuple[str, ...]] | None:
    """``("W", ("7", "3"))`` for ``W[7,3]``; None for a label that is not an array element."""
    if not label.endswith("]") or "[" not in label:
        return None
    name, _, inside = label[:-1].partition("[")
    return (name, tuple(t.strip() for t in inside.split(","))) if name and inside else None


def _one_array(elements: list[tuple[str, tuple[str, ...]]]) -> tuple[str, list[tuple[str, ...]]]:
    """The array's name if all elements share it (else ""), and their indices."""
    names = {name for name, _ in elements}
    return (names.pop() if len(names) == 1 else ""), [index for _, index in elements]


_OPERATORS = (" + ", " - ", " − ", "*", "·")  # a label with one of these reads as a formula


def standalone(node: Value, names: dict[Value, str]) -> str:
    """``node``'s name as it stands after ∂: ``z[0]``, ``(x·w)``, and ``(x*w1 + b)`` for a label that reads as a formula."""
    name = names[node]
    if node.label and not any(0 < name.find(op) < len(name) - len(op) for op in _OPERATORS):
        return name  # a label is a name, shown as given (unless it reads as a formula: an operator between operands)
    return parenthesize(name)


def partial(root: Value, node: Value, names: dict[Value, str]) -> str:
    """``∂J/∂z[0]``: the derivative of ``root`` with respect to ``node``, in the graph's names."""
    return f"∂{standalone(root, names)}/∂{standalone(node, names)}"


def find_node(root: Value, key: Value | str, names: dict[Value, str] | None = None) -> Value:
    """The node of ``root``'s graph given as a `Value`, a name (label), or a topological index ``"#i"``.

    Raises ValueError naming the key and what to do when it matches no node or several.
    """
    names = names or node_names(root)
    if isinstance(key, Value):
        if key not in names:
            raise ValueError(
                f"{describe(key)} is not part of the graph of {describe(root)}: "
                "nothing flows back to it from this root, so its gradient would be 0"
            )
        return key
    if not isinstance(key, str):
        raise TypeError(f"a node is given as a Value, a label or '#index', got {type(key).__name__} {key!r}")
    order = list(names)
    if key.startswith("#") and key[1:].isdigit():
        if int(key[1:]) < len(order):
            return order[int(key[1:])]
        raise ValueError(f"node {key!r} does not exist: the graph of {describe(root)} has {len(order)} nodes (#0…#{len(order) - 1})")
    matches = [node for node, name in names.items() if name == key]
    if len(matches) == 1:
        return matches[0]
    if matches:
        indexes = ", ".join(f"#{order.index(node)}" for node in matches[:10])
        raise ValueError(f"{len(matches)} nodes are named {key!r}; name one by its index instead: {indexes}")
    close = difflib.get_close_matches(key, list(names.values()), n=5)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    raise ValueError(f"no node named {key!r} in the graph of {describe(root)}{hint}")


# ---------------------------------------------------------------- sentences


def derivative_sentence(node: Op, k: int, names: dict[Value, str], digits: int = 4) -> str:
    """``o = tanh(n): ∂o/∂n = 1 − o² = 1 − 0.7071² = 0.5``: the local derivative as math, in numbers, and its value."""
    name, num = names.__getitem__, (lambda x: number(x, digits))
    value = node.local_grads()[k]
    symbolic = node.derivative_text(k, name, num)
    numeric = node.derivative_text(k, lambda v: num(v._data), num)
    chain = [symbolic] + ([numeric] if numeric != symbolic else []) + ([num(value)] if num(value) != numeric else [])
    formula = node.formula_text(name, num)
    head = formula if names[node] == formula else f"{names[node]} = {formula}"  # an unlabelled node is its formula
    return f"{head}: {partial(node, node.parents[k], names)} = {' = '.join(chain)}"


def gate_sentence(node: Value, names: dict[Value, str], digits: int = 4) -> str | None:
    """Why gradient flows through ``node`` or not (an op with a gate: relu, the hinge), else None."""
    return gate_words.gate_sentence(node, names.__getitem__, lambda x: number(x, digits))


def op_summary(node: Op, names: dict[Value, str], num: Callable[[float], str], parents_shown: int = 4) -> str:
    """``J = max(0, 1 + s_c − s): ∂J/∂s = −1, ∂J/∂s_c = +1`` — the op in the graph's own names (an op's tooltip)."""
    name = names.__getitem__
    formula = node.formula_text(name, num)
    head = formula if names[node] == formula else f"{standalone(node, names)} = {formula}"
    parts = [f"{partial(node, p, names)} = {node.derivative_text(k, name, num)}" for k, p in enumerate(node.parents[:parents_shown])]
    more = ", …" if len(node.parents) > parents_shown else ""
    return f"{head}: {', '.join(parts)}{more}"
