"""One op class's statement, parsed once (`rules.Rule`), and everything printed from it.

`Statement(cls)` runs when an op class is made (`Op.__init_subclass__`).  From ``value``,
``derivatives``, ``flows_when`` and ``undefined_when`` it makes:

- the engine's ``forward``, ``local_grads`` and ``gate``: Python source, compiled once, kept in
  `linecache` under ``<generated: module.Class>`` so that pdb steps through it line by line;
- the display templates (``formula``, `derivative_display`), filled by `fill` (below);
- the code templates of the compiled layer (``value_code``, ``derivative_code``, ``gate_code``).

Below it, the display helpers every text goes through: `fill` puts operands into a template in
parentheses only where the math needs them (`parenthesize`), `short_name` names a node in a message.
An n-ary op (``nary = True``: Sum, Dot) states one *term* over its operand fields; its value is
the sum of the terms, over groups of parents laid out field by field (x₁…xₙ, w₁…wₙ).
"""

from __future__ import annotations

import re

from .rules import Rule, build_methods, error_class, message_fstring

TYPE_CHECKING = False  # see engine/__init__.py, "Speed"
if TYPE_CHECKING:
    from .op import Op
    from .value import Value


class Statement:
    """The parsed statement of ``cls`` and its printed forms."""

    def __init__(self, cls: type[Op]) -> None:
        self.cls, self.nary = cls, bool(getattr(cls, "nary", False))
        self.fields, self.constant_fields = tuple(cls.operand_fields), dict(cls.constant_fields)
        names = (*self.fields, "out", *self.constant_fields)
        where = f"{cls.__qualname__}"
        self.value = Rule(cls.value, (*self.fields, *self.constant_fields), f"{where}.value")
        if len(cls.derivatives) != len(self.fields):
            raise ValueError(f"{where}.derivatives: {len(self.fields)} operand field(s) {self.fields} need as many derivatives")
        self.derivatives = tuple(Rule(d, names, f"{where}.derivatives") for d in cls.derivatives)
        self.flows = None if cls.flows_when is None else Rule(cls.flows_when, names, f"{where}.flows_when")
        self.refusals = [(Rule(c, names, f"{where}.undefined_when"), why) for c, why in cls.undefined_when.items()]
        if self.nary and (self.flows or self.refusals):
            raise ValueError(f"{where}: an n-ary op can have neither a gate nor refusals")
        template = {n: "{" + n + "}" for n in names}
        self.formula = self.value.display(template)[0]
        self._display: dict[tuple, tuple[str, dict[str, float]]] = {}
        self.value_code = self.value.python(template)
        self.derivative_code = tuple(d.python(template) for d in self.derivatives)
        self.gate_code = None if self.flows is None else self.flows.python(template)

    def derivative_display(self, field: int, constants: dict[str, float]) -> tuple[str, dict[str, float]]:
        """∂value/∂(operand field) as a display template, with the numbers the constants make known worked out."""
        key = (field, *constants.values())
        if key not in self._display:
            names = {n: "{" + n + "}" for n in (*self.fields, "out", *self.constant_fields)}
            self._display[key] = self.derivatives[field].display(names, constants)
        return self._display[key]

    # ---- the engine's methods ----
    def source(self) -> str:
        """The Python source of ``forward``, ``local_grads`` and ``gate``, as pdb shows it."""
        return self._nary_source() if self.nary else self._source()

    def _source(self) -> str:
        cls, identity = self.cls, {n: n for n in (*self.fields, "out", *self.constant_fields)}
        lines = [f"def forward({', '.join((*self.fields, *self.constant_fields))}):", f'    """{cls.__name__}: {cls.value}"""']
        for condition, why in self.refusals:
            lines += [f"    if {condition.python(identity)}:", f"        raise {error_class(why)}({message_fstring(why, identity)})"]
        lines += [f"    return {self.value.python(identity)}", ""]
        rules = [*self.derivatives, *([self.flows] if self.flows else [])]
        loads = {n: f"self.{n}._data" for n in self.fields} | {"out": "self._data"}
        loads |= {n: f"self.{attribute}" for n, attribute in self.constant_fields.items()}
        printed = " ".join(r.python(identity, safe_power=True) for r in rules)
        counts = {n: len(re.findall(rf"\b{n}\b", printed)) for n in loads}
        names = {n: (loads[n] if counts[n] == 1 else n) for n in loads}  # a name used once is read in place
        body = [f"    {n} = {loads[n]}" for n in loads if counts[n] > 1]
        derivatives = _tuple([d.python(names, safe_power=True) for d in self.derivatives])
        said = ", ".join(f"∂out/∂{f} = {d.text}" for f, d in zip(self.fields, self.derivatives, strict=True))
        lines += ["def local_grads(self):", f'    """{cls.__name__}: {said}"""', *body]
        if self.flows is None:
            lines += [f"    return {derivatives}", ""]
        else:
            lines[-1 - len(body)] = f'    """{cls.__name__}: {said} while {self.flows.text}, else 0"""'
            zeros = _tuple(["0.0"] * len(self.fields))
            lines += [f"    if {self.flows.python(names)}:", f"        return {derivatives}", f"    return {zeros}", ""]
            gate_names = {n: loads[n] for n in loads}
            lines += ["def gate(self):", f'    """{cls.__name__}: gradient flows while {self.flows.text}"""',
                      f"    return {self.flows.python(gate_names)}", ""]  # fmt: skip
        return "\n".join(lines)

    def _nary_source(self) -> str:
        cls, width = self.cls, len(self.fields)
        identity = {n: n for n in (*self.fields, "out")}
        split = _slices(width, "xs")
        lines = ["def forward(*xs):", f'    """{cls.__name__}: the sum over i of {cls.value}, added left to right"""']
        # left to right, in a loop: built-in sum() compensates rounding from Python 3.12 on, and the
        # generated code and the page's JavaScript add left to right
        term = self.value.python(identity)
        if width > 1:
            lines += [f"    n = len(xs) // {width}"]
        lines += ["    total = 0.0", f"    for {', '.join(self.fields)} in {f'zip({split})' if width > 1 else 'xs'}:",
                  f"        total += {term}", "    return total", ""]  # fmt: skip
        parts, uses_data = [], False
        for d in self.derivatives:
            number = d.python(identity)
            if type(d.tree).__name__ == "Name":
                parts.append(f"*{d.tree.id}s")  # type: ignore[attr-defined]
                uses_data = True
            elif not d.names:
                parts.append(f"*(({number},) * n)")
            else:
                parts.append(f"*[{number} for {', '.join(self.fields)} in zip({', '.join(f + 's' for f in self.fields)})]")
                uses_data = True
        said = ", ".join(f"∂out/∂{f}ᵢ = {d.text}" for f, d in zip(self.fields, self.derivatives, strict=True))
        lines += ["def local_grads(self):", f'    """{cls.__name__}: {said}"""']
        if uses_data:
            lines += ["    data = [p._data for p in self.parents]", f"    n = len(data) // {width}"]
            lines += [f"    {', '.join(f + 's' for f in self.fields)} = {_slices(width, 'data')}"]
        else:
            lines += [f"    n = len(self.parents){f' // {width}' if width > 1 else ''}"]
        lines += [f"    return ({', '.join(parts)},)" if len(parts) > 1 or uses_data else f"    return {parts[0][1:]}", ""]
        return "\n".join(lines)

    def methods(self) -> dict[str, object]:
        """``forward`` (a staticmethod), ``local_grads`` and, for a gated op, ``gate``: compiled once from `source`."""
        namespace = build_methods(f"<generated: {self.cls.__module__}.{self.cls.__qualname__}>", self.source())
        made: dict[str, object] = {"forward": staticmethod(namespace["forward"]), "local_grads": namespace["local_grads"]}
        if "gate" in namespace:
            made["gate"] = namespace["gate"]
        return made


def _tuple(items: list[str]) -> str:
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _slices(width: int, sequence: str) -> str:
    """``xs[:n], xs[n:]``: a sequence laid out field by field, cut into its ``width`` fields of n."""
    if width == 1:
        return sequence
    bound = lambda i: "" if i in (0, width) else "n" if i == 1 else f"{i} * n"  # noqa: E731
    return ", ".join(f"{sequence}[{bound(i)}:{bound(i + 1)}]" for i in range(width))


# ---- display: operands in parentheses where the math needs them, names in messages ----

_NAME_CHARACTERS = frozenset("_.[],'′#")  # beside letters and digits: labels such as W[0,1], x_c, s'; numbers ≥ 0


def parenthesize(text: str) -> str:
    """``text`` as an operand anywhere in a formula: as is if it reads as one unit (a name, a call, a number ≥ 0), else in ( )."""
    return text if _atomic(text) else f"({text})"


def _atomic(text: str) -> bool:
    """A name (letters, digits, ``_.[],'#``), a call or parenthesis that closes at the very end (``tanh(z + 1)``), or an element of one (``(Wx)[7]``)."""
    if text and all(c.isalnum() or c in _NAME_CHARACTERS for c in text):
        return True
    if text.endswith("]") and "[" in text:  # an element of a unit: (Wx)[7]
        base, index = text[: text.rindex("[")], text[text.rindex("[") + 1 : -1]
        return bool(base) and all(c.isalnum() or c in ", " for c in index) and _atomic(base)
    start = text.find("(")
    return start >= 0 and all(c.isalnum() or c == "_" for c in text[:start]) and _closes_at_end(text, start)


def _closes_at_end(text: str, start: int) -> bool:
    """True if the parenthesis opened at ``start`` closes at the very end of ``text``."""
    depth = 0
    for i in range(start, len(text)):
        depth += (text[i] == "(") - (text[i] == ")")
        if depth == 0:
            return i == len(text) - 1
    return False


def _top_level(text: str) -> str:
    """``text`` with everything inside parentheses or brackets removed."""
    out, depth = [], 0
    for char in text:
        depth += (char in "([") - (char in ")]")
        out.append(char if depth == 0 and char not in ")]" else "")
    return "".join(out)


def fill(template: str, fields: dict[str, str]) -> str:
    """``template`` with each ``{field}`` replaced, in parentheses only where the math needs them.

    An operand that is not one unit is wrapped when it is a sum or a negative number next to
    ·, /, ^, ², a leading −, or a − before it; never where the template already encloses it
    (``tanh({x})``, ``max(0, …)``).
    """
    out, i = [], 0
    while (start := template.find("{", i)) >= 0:
        end = template.index("}", start)
        out.append(template[i:start])
        out.append(_operand(fields[template[start + 1 : end]], template[:start], template[end + 1 :]))
        i = end + 1
    out.append(template[i:])
    return "".join(out)


def _operand(text: str, before: str, after: str) -> str:
    """One operand of a template, in parentheses if the text around it needs them."""
    if _atomic(text):
        return text
    before, after = before.rstrip(" "), after.lstrip(" ")
    left, right = before[-1:], after[:1]
    if left in ("(", ",") and right in (")", ","):
        return text  # enclosed by the template
    top = _top_level(text)
    sum_like = any(op in top for op in (" + ", " − ", " - ", "=")) or top.startswith(("−", "-"))
    tight = left in ("·", "/", "^", "−") or right in ("·", "/", "^", "²")
    if sum_like and (tight or before != ""):
        return f"({text})"
    if not sum_like and (left in ("/", "^") or right in ("^", "²")):
        return f"({text})"  # a product raised to a power or divided by
    return text


class FieldNames(dict):
    """Fill a template with its own field names: "tanh({x})" → "tanh(x)", for messages about the op in general."""

    def __missing__(self, key: str) -> str:
        return {"delta": "Δ", "out": "f"}.get(key, key)


def short_number(x: float) -> str:
    """A number in a message or a formula: 4 significant digits."""
    return f"{x:.4g}"


def short_name(node: Value, this: Value | None = None, depth: int = 2) -> str:
    """A node's name in a message: its label; the number, for a constant; ``out`` for ``this``; else its formula."""
    if node.label:
        return node.label
    if node is this:
        return "out"
    if node.kind == "constant":
        return short_number(node._data)
    if node.is_leaf or depth == 0:
        return "…"
    return node.formula_text(lambda p: short_name(p, this, depth - 1), short_number)  # type: ignore[attr-defined]


MAX_TERMS_SHOWN = 4  # a formula over n operands writes out this many terms, then "… (n terms)"


def joined_terms(parts: list[str], joiner: str = " + ") -> str:
    """``a + b + c``, or ``a + b + … + z (n terms)`` when there are more than `MAX_TERMS_SHOWN`."""
    if len(parts) <= MAX_TERMS_SHOWN:
        return joiner.join(parts)
    return f"{joiner.join(parts[:2])}{joiner}…{joiner}{parts[-1]} ({len(parts)} terms)"
