"""The engine layer: `Value` and its backward pass, the op classes, errors, scopes.  No dependencies.

Read it in this order:

    value.py      Value, Parameter, Constant; backward(), backward_steps(), zero_grad()
    op.py         what every op is (numbers, chain rule, words);  ops.py: each op, once
    rules.py      an op's statement as math, parsed once;  statement.py: its methods, texts, code and JS
    traversal.py  the orders a graph is walked in (iterative: no recursion limit)
    record.py     record(root) -> Pass: one backward pass recorded on the side, what every view reads
    checks.py     numbers that may enter a graph, stale graphs, putting gradients back
    errors.py     the errors, each naming the node;  scopes.py: ``with scope("name"):``
    copying.py    copy, deepcopy, pickle

Speed: the tricks, each written once, and what it buys (benchmarks/versions.py measures them).

    1. ``__slots__``, and labels and scopes kept beside the graph in weak dicts (value.py): an op
       node holds only its numbers and operands, ~100 bytes (tests/test_memory.py).
    2. ``Value.node`` makes an op's node without ``__init__``'s checks: its number is already a finite float.
    3. ``UnaryOp``/``BinaryOp.propagate`` write the chain rule out for one and two parents (op.py):
       about twice as fast as the loop, and nearly every node has one or two parents.
    4. Checks that cost only when something is wrong: the stale-graph check runs only if some
       ``.data`` was set since the oldest node was made (one ``min`` over epochs); ``all_finite`` adds
       the gradients once and looks closer only if the sum is not finite; ``finite_float`` and the
       ``.data`` setter test ``type(x) is float and x - x == 0.0`` before anything slower; the open
       scope (a ContextVar) is read only while some scope is open anywhere (``scopes.ANYWHERE``).
    5. ``TYPE_CHECKING = False`` in place of ``from typing import TYPE_CHECKING``: the engine never
       imports ``typing`` (a few milliseconds of ``import tinygrad_mm``); type checkers read the block.
"""

# value.py first: it defines Value, then imports the op classes that subclass it (ops.py, op.py)
from .value import Constant, Leaf, Parameter, Value, dot, operand, sum_values  # isort: skip
from .errors import DivisionByZeroError, DomainError, GradientError, StaleGraphError, describe
from .op import Op
from .ops import Add, Div, Dot, Exp, Log, Mul, Neg, Pow, PowConst, Relu, Sigmoid, Sub, Sum, Tanh
from .record import BackwardStep, Pass, gradients_of, record
from .scopes import scope
from .traversal import backprop_order, count_uses, finishing_order, topological_order, uses_of

__all__ = [
    "Add", "BackwardStep", "Constant", "Leaf", "Div", "DivisionByZeroError", "DomainError", "Dot", "Exp", "GradientError",
    "Log", "Mul", "Neg", "Op", "Parameter", "Pass", "Pow", "PowConst", "Relu", "Sigmoid", "StaleGraphError", "Sub",
    "Sum", "Tanh", "Value", "backprop_order", "count_uses", "describe", "dot", "finishing_order", "gradients_of",
    "operand", "record", "scope", "sum_values", "topological_order", "uses_of",
]  # fmt: skip
