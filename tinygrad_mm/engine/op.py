"""What every operation node is: its numbers, the chain rule, and the words every view asks it for.

An op class (ops.py) states its value and its local derivatives once, as math (rules.py); from that
statement it gets ``forward``, ``local_grads`` and ``gate`` (statement.py) and every text a view
shows: ``formula_text`` (``tanh(z)``), ``derivative_text`` (``1 − o²``; ``0`` behind a closed gate),
``gate_words`` (why a gate is open or closed: views/gate_words.py) and, for the compiled code,
``code_text``/``code_derivative``/``code_gate``.  Templates name the operands ``{x}`` (one parent) or
``{a}``/``{b}`` (two), the node itself ``{out}``, and numbers baked into the op by name (``{n}``,
``{delta}``).  No view knows any op by name.

The chain rule, ``parent.grad += node.grad · ∂node/∂parent``, is `Op.propagate` (speed trick 3:
`UnaryOp` and `BinaryOp` write it out for one and two parents).
"""

from __future__ import annotations

from collections.abc import Callable

from .errors import DivisionByZeroError, DomainError, describe_all
from .statement import FieldNames, Statement, fill, joined_terms, parenthesize, short_name, short_number
from .value import Value

TYPE_CHECKING = False  # see engine/__init__.py, "Speed"
if TYPE_CHECKING:
    from typing import ClassVar

Namer = Callable[[Value], str]  # a node → the text that stands for it (a name, a number, a variable)
Numberer = Callable[[float], str]  # a number baked into an op → its text


class Op(Value):
    """A computed node: ``data = forward(*parent data)``; ``local_grads()`` gives ∂data/∂parent (both generated
    from the class's statement when the class is made, unless the class writes them itself)."""

    __slots__ = ()
    kind = "op"
    is_leaf = False
    symbol: ClassVar[str] = ""  # drawn inside the op's node
    value: ClassVar[str] = ""  # the statement (rules.py): the value as math over the operand fields …
    derivatives: ClassVar[tuple[str, ...]] = ()  # … ∂value/∂operand, one per operand field …
    flows_when: ClassVar[str | None] = None  # … the gate: gradient flows only while this holds …
    undefined_when: ClassVar[dict[str, str]] = {}  # … and the inputs it refuses: condition → why
    constant_fields: ClassVar[dict[str, str]] = {}  # numbers baked into the op: field name → attribute (n → exponent)
    closed_label: ClassVar[str] = "flat here — no gradient"  # drawn on a closed gate
    gate_words: ClassVar[tuple[str, str] | None] = None  # why gradient flows, and why not (views/gate_words.py)
    operand_fields: ClassVar[tuple[str, ...]] = ()  # the names of the parents in the statement, in order
    formula: ClassVar[str] = ""  # printed from ``value``: "tanh({x})" (a display template, see `fill`)
    statement: ClassVar[Statement | None] = None  # the parsed statement, made with the class
    nary: ClassVar[bool] = False  # an op of any number of parents (`NaryOp`)

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.value and any(name in cls.__dict__ for name in ("value", "derivatives", "flows_when", "undefined_when")):
            cls.statement = Statement(cls)
            cls.formula = cls.statement.formula
            for name, method in cls.statement.methods().items():
                if name not in cls.__dict__:  # a method written in the class itself wins
                    setattr(cls, name, method)

    @staticmethod
    def forward(*xs: float) -> float:
        raise NotImplementedError

    def local_grads(self) -> tuple[float, ...]:
        raise NotImplementedError

    def propagate(self) -> None:
        """The chain rule at this node: each parent's gradient grows by ``self.grad · ∂self/∂parent``."""
        grad = self.grad
        for parent, local in zip(self.parents, self.local_grads()):  # noqa: B905 (one local per parent)
            parent.grad += grad * local

    def gate(self) -> bool | None:
        """None for an op that always passes gradient; else True while it does, False while it is flat here."""
        return None

    # ---- words: what the views show ----
    def operands(self) -> dict[str, Value]:
        """Template field → parent (``{"x": …}`` or ``{"a": …, "b": …}``)."""
        return dict(zip(self.operand_fields, self.parents))  # noqa: B905 (one field per parent)

    def constants(self) -> dict[str, float]:
        """Template field → a number baked into this op (the exponent of x ** 2, the hinge's Δ)."""
        return {field: getattr(self, attribute) for field, attribute in self.constant_fields.items()}

    def terms(self) -> list[dict[str, Value]]:
        """The terms the op's value sums, each as field → parent: one for a unary or binary op (`NaryOp`: n)."""
        return [self.operands()]

    def group(self, k: int) -> tuple[int, dict[str, Value]]:
        """Parent k's operand field, and the term it is in."""
        return k, self.operands()

    def render(self, template: str, name: Namer, number: Numberer, worked_out: dict[str, float] | None = None,
               term: dict[str, Value] | None = None) -> str:  # fmt: skip
        """Fill ``template`` with ``name(operand)`` (of ``term``, else of the op) and ``number(constant)``, in parentheses
        where needed (`fill`)."""
        fields = {field: name(node) for field, node in (self.operands() if term is None else term).items()}
        fields.update({field: number(value) for field, value in {**self.constants(), **(worked_out or {})}.items()})
        if "{out}" in template:
            fields["out"] = name(self)
        return fill(template, fields)

    def formula_text(self, name: Namer, number: Numberer) -> str:
        """This node's value as math: ``tanh(z)``; with a namer that gives numbers, ``tanh(0.5)``."""
        return joined_terms([self.render(self.formula, name, number, term=term) for term in self.terms()])

    def derivative_text(self, k: int, name: Namer, number: Numberer) -> str:
        """∂self/∂(parent k) as math, as it stands here: ``1 − a²``; ``0`` where a closed gate blocks it.

        Numbers the op's constants make known are worked out: ``2·x`` for x², ``0.5·x^(−0.5)`` for √x."""
        if self.gate() is False:
            return "0"
        field, term = self.group(k)
        template, worked_out = self.statement.derivative_display(field, self.constants())  # type: ignore[union-attr]
        return self.render(template, name, number, worked_out, term)

    def code_text(self, var: Namer) -> str:
        """The forward value as a Python expression over the float variables ``var(node)``."""
        return " + ".join(self.render(self.statement.value_code, var, repr, term=term) for term in self.terms())  # type: ignore[union-attr]

    def code_derivative(self, k: int, var: Namer) -> str:
        """∂self/∂(parent k) as a Python expression (valid while the gate, if any, is open)."""
        field, term = self.group(k)
        return self.render(self.statement.derivative_code[field], var, repr, term=term)  # type: ignore[union-attr]

    def code_gate(self, var: Namer) -> str | None:
        """The condition under which gradient flows, as Python; None if it always does."""
        gate = self.statement.gate_code  # type: ignore[union-attr]
        return None if gate is None else self.render(gate, var, repr)

    @classmethod
    def general_formula(cls) -> str:
        """The formula with its field names: ``tanh(x)``, ``a·b``."""
        return cls.formula.format_map(FieldNames())

    @classmethod
    def formula_for(cls, parents: tuple[Value, ...]) -> str:
        """The formula with these parents' labels (or numbers, for constants) before a node exists: ``x/d``."""
        names = FieldNames()
        for field, parent in zip(cls.operand_fields, parents):  # noqa: B905 (n-ary ops have none)
            names[field] = parent.label or (short_number(parent._data) if parent.kind == "constant" else field)
        return fill(cls.formula, names) if cls.operand_fields else cls.general_formula()

    def __repr__(self) -> str:
        """``<Tanh o = tanh(n) = 0.7616, grad 1; ∂o/∂n = 1 − o²>``: what this node is, as pdb shows ``self``."""
        name = lambda node: short_name(node, self)  # noqa: E731
        out = parenthesize(name(self))
        derivatives = "; ".join(
            f"∂{out}/∂{parenthesize(name(p))} = {self.derivative_text(k, name, short_number)}" for k, p in enumerate(self.parents[:4])
        )
        more = "; …" if len(self.parents) > 4 else ""
        return f"<{type(self).__name__} {name(self)} = {self.formula_text(name, short_number)} = {self._data:.6g}, grad {self.grad:.6g}; {derivatives}{more}>"

    # ---- errors ----
    @classmethod
    def checked_forward(cls, parents: tuple[Value, ...], *xs: float, note: str = "") -> float:
        """``forward(*xs)`` on the parents' data, or the `DomainError` that says why it is undefined there."""
        try:
            data = cls.forward(*xs)
        except (ArithmeticError, ValueError) as err:
            raise cls.undefined(parents, err, note) from None
        if data - data != 0.0:  # inf or NaN
            raise cls.undefined(parents, f"the result would be {data}", note)
        return data

    @classmethod
    def undefined(cls, parents: tuple[Value, ...], why: Exception | str, note: str = "") -> DomainError:
        """The error for this op at these inputs: names the op, each input's label and value, and why."""
        if isinstance(why, OverflowError):
            why = "the result overflows a float (|result| > 1.8e308); scale the input down"
        error = DivisionByZeroError if isinstance(why, ZeroDivisionError) else DomainError
        return error(f"cannot compute {cls.formula_for(parents)} for {describe_all(parents)}: {note}{why}")


class UnaryOp(Op):
    """An op of one parent, kept in ``x``."""

    __slots__ = ("x",)
    operand_fields = ("x",)

    @property
    def parents(self) -> tuple[Value]:  # type: ignore[override]
        return (self.x,)

    @classmethod
    def apply(cls, x: Value) -> Value:
        """Compute ``forward(x)`` and record the result as a new node (``checked_forward`` written out: speed trick 2)."""
        try:
            data = cls.forward(x._data)
        except (ArithmeticError, ValueError) as err:
            raise cls.undefined((x,), err) from None
        if data - data != 0.0:  # inf or NaN
            raise cls.undefined((x,), f"the result would be {data}")
        node = cls.node(data)
        node.x = x
        return node

    def propagate(self) -> None:
        """The chain rule for one parent: ``x.grad += self.grad · ∂self/∂x`` (`Op.propagate`, unrolled)."""
        (dx,) = self.local_grads()
        self.x.grad += self.grad * dx


class BinaryOp(Op):
    """An op of two parents, kept in ``a`` and ``b``."""

    __slots__ = ("a", "b")
    operand_fields = ("a", "b")

    @property
    def parents(self) -> tuple[Value, Value]:  # type: ignore[override]
        return (self.a, self.b)

    @classmethod
    def apply(cls, a: Value, b: Value) -> Value:
        """Compute ``forward(a, b)`` and record the result as a new node (``checked_forward`` written out: speed trick 2)."""
        try:
            data = cls.forward(a._data, b._data)
        except (ArithmeticError, ValueError) as err:
            raise cls.undefined((a, b), err) from None
        if data - data != 0.0:  # inf or NaN
            raise cls.undefined((a, b), f"the result would be {data}")
        node = cls.node(data)
        node.a, node.b = a, b
        return node

    def propagate(self) -> None:
        """The chain rule for two parents: ``a.grad += self.grad · ∂self/∂a``, the same for b (`Op.propagate`, unrolled)."""
        da, db = self.local_grads()
        self.a.grad += self.grad * da
        self.b.grad += self.grad * db


class NaryOp(Op):
    """An op of n parents, kept in the tuple ``parents``; `Op.propagate` is its chain rule.

    Its statement is one term over ``operand_fields`` (Dot: ``x * w``), and its value is the sum of
    the terms over the groups of parents, laid out field by field: (x₁…xₙ, w₁…wₙ)."""

    __slots__ = ("parents",)
    nary = True
    operand_fields: ClassVar[tuple[str, ...]] = ("x",)

    def operands(self) -> dict[str, Value]:
        return {f"x{i}": p for i, p in enumerate(self.parents)}

    @classmethod
    def apply(cls, *parents: Value) -> Value:
        """Compute ``forward`` on the parents' data and record the result as a new node."""
        node = cls.node(cls.checked_forward(parents, *[p._data for p in parents]))
        node.parents = parents
        return node

    def group(self, k: int) -> tuple[int, dict[str, Value]]:
        width = len(self.operand_fields)
        n = len(self.parents) // width
        i = k % n
        return k // n, {field: self.parents[j * n + i] for j, field in enumerate(self.operand_fields)}

    def terms(self) -> list[dict[str, Value]]:
        n = len(self.parents) // len(self.operand_fields)
        return [self.group(i)[1] for i in range(n)]

    def render(self, template: str, name: Namer, number: Numberer, worked_out: dict[str, float] | None = None,
               term: dict[str, Value] | None = None) -> str:  # fmt: skip
        if term is not None and template.strip("{}") in term:  # a bare operand: one unit in a sum
            return parenthesize(name(term[template.strip("{}")]))
        return super().render(template, name, number, worked_out, term)

    @classmethod
    def formula_for(cls, parents: tuple[Value, ...]) -> str:
        return cls.general_formula()
