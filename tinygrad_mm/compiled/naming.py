"""Python variable names for the nodes of a graph: from labels where there are labels, unique, never a keyword.

    W[0,1]      → W_0_1          z_c[3] → z_c_3        L0.n3.w[1] → L0_n3_w_1
    an unlabelled op → its class and its index in ``topological_order`` (``dot4``: the drawing's v4)
    a constant  → its number, written as a Python literal (``2.0``, ``(-1.5)``)

Each node's gradient is ``grad_`` + its name.  All names, values and gradients alike,
come from one `Names` registry, so no two collide (Python compares identifiers after
NFKC normalisation, and so does the registry).
"""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata
from collections.abc import Iterable

from ..engine import Value

_RUNS = re.compile(r"__+")
RESERVED = frozenset(dir(builtins)) | {"math", "step"}  # never shadowed: generated code may call any of them


def string_body(text: str) -> str:
    """``text`` as the inside of a Python string literal, triple-quoted or not: a backslash or a quote is escaped,
    and so is every character that is not printable (a newline, a control or direction character)."""
    if text.isprintable() and "\\" not in text and '"' not in text and "'" not in text:
        return text
    return "".join(
        "\\" + c if c in "\\\"'" else c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii")
        for c in text
    )


def comment_text(text: str) -> str:
    """``text`` safe in a ``#`` comment: every character that is not printable (a newline ends a comment) escaped."""
    return text if text.isprintable() else "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii") for c in text)


def literal(x: float) -> str:
    """A float as a Python literal that is one unit anywhere in an expression: ``2.0``, ``(-1.5)``."""
    text = repr(float(x))
    return f"({text})" if text.startswith("-") else text


def sanitise(text: str, fallback: str = "v") -> str:
    """``text`` as a Python identifier: NFKC-normalised (``x²`` → ``x2``, as Python reads identifiers), ``'`` read as
    ``_prime``, any other character that cannot be in a name → ``_`` (runs of them → one), a leading digit behind
    ``fallback``, a keyword, a builtin (``map``, ``sum``) or a name the generated code uses followed by ``_``."""
    text = unicodedata.normalize("NFKC", text.replace("'", "_prime").replace("′", "_prime"))
    kept = (c if (c.isalnum() or c == "_") and ("_" + c).isidentifier() else "_" for c in text)  # not · (a product)
    name = _RUNS.sub("_", "".join(kept)).strip("_")
    if not name:
        return fallback
    if not name.isidentifier():  # it starts with a digit
        name = f"{fallback}_{name}"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in RESERVED:
        name += "_"
    return name


class Names:
    """Unique identifiers: ``claim(wanted)`` returns ``wanted`` or ``wanted_2``, ``wanted_3``… if taken."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken = {_normal(name) for name in taken}

    def claim(self, wanted: str) -> str:
        name, n = wanted, 1
        while _normal(name) in self.taken:
            n += 1
            name = f"{wanted}_{n}"
        self.taken.add(_normal(name))
        return name


def _normal(name: str) -> str:
    """The identifier as Python compares it (NFKC); an ASCII name already is."""
    return name if name.isascii() else unicodedata.normalize("NFKC", name)


def variable_names(order: list[Value], names: Names | None = None, unnamed: set[Value] | frozenset[Value] = frozenset()) -> dict[Value, str]:
    """Every node of ``order`` (a topological order) → its variable name; constants → their literal.

    ``unnamed``: nodes no code names (the copies of a rolled loop's body): left out."""
    names = names or Names()
    variables: dict[Value, str] = {}
    for i, node in enumerate(order):
        if node in unnamed:
            continue
        if node.kind == "constant":
            variables[node] = literal(node._data)
        elif node.label:
            variables[node] = names.claim(sanitise(node.label))
        elif node.is_leaf:
            variables[node] = names.claim(f"{node.kind}{i}")
        else:
            variables[node] = names.claim(f"{type(node).__name__.lower()}{i}")
    return variables


def gradient_names(variables: dict[Value, str], names: Names) -> dict[Value, str]:
    """Every non-constant node → the name of its gradient variable, ``grad_`` + its own name."""
    return {node: names.claim(f"grad_{name}") for node, name in variables.items() if node.kind != "constant"}
