"""The engine layer: `Value`, its operations and its backward pass.  No dependencies.

Read it in this order:

    value.py      Value: its numbers, label, scope(), operators; backward(), backward_steps(), zero_grad()
    backprop.py   the orders a graph is walked in; chain_rule, THE loop; record(root) -> Pass, what views read
    op.py         what every op is (numbers, chain rule, words);  ops.py: the leaves, and each op stated once as math
    rules.py      that math, parsed once and printed (Python, display);  statement.py: an op's generated methods
    errors.py     what may enter a graph, and the errors, each naming the node;  copying.py: copy, pickle

The live page prints the same statements as JavaScript (views/op_script.py).

Speed: the tricks, each written once, and what it buys (benchmarks/versions.py measures them).

    1. ``__slots__``, and labels and scopes kept beside the graph in weak dicts (value.py): an op
       node holds only its numbers and operands, ~100 bytes (tests/test_memory.py).
    2. ``Value.node`` makes an op's node without ``__init__``'s checks (its number is already a finite float),
       and ``UnaryOp``/``BinaryOp.apply`` call ``forward`` directly, not through ``checked_forward``: the
       forward pass, most of a step's time, is about 25 % faster (0.64 against 0.83 µs per mul node).
    3. ``UnaryOp``/``BinaryOp.propagate`` write the chain rule out for one and two parents (op.py):
       about twice as fast as the loop, and nearly every node has one or two parents.
    4. Checks that cost only when something is wrong: the stale-graph check runs only if some
       ``.data`` was set since the oldest node was made (one ``min`` over epochs), and a leaf keeps its
       own write stamp in its ``_epoch`` slot (an SGD step's ``p.data -= …`` costs one store, not a weak
       dict entry: 337 writes take 92 instead of 140 µs); ``all_finite`` adds the gradients once and
       looks closer only if the sum is not finite; ``finite_float`` and the
       ``.data`` setter test ``type(x) is float and x - x == 0.0`` before anything slower; the open
       scope (a ContextVar) is read only while some scope is open anywhere.
    5. ``TYPE_CHECKING = False`` in place of ``from typing import TYPE_CHECKING``: the engine never
       imports ``typing`` (a few milliseconds of ``import tinygrad_mm``); type checkers read the block.
"""

# value.py first: it defines Value, then imports the leaves and op classes that subclass it (ops.py, op.py)
from .value import Value, scope  # isort: skip
from .backprop import (  # isort: skip
    BackwardStep, Pass, backprop_order, count_uses, finishing_order, gradients_of, record, topological_order, uses_of,
)  # fmt: skip
from .op import Op  # isort: skip
from .errors import DivisionByZeroError, DomainError, GradientError, StaleGraphError, describe  # isort: skip
from .ops import (  # isort: skip
    Add, Constant, Div, Dot, Exp, Leaf, Log, Mul, Neg, Parameter, Pow, PowConst, Relu, Sigmoid, Sub, Sum, Tanh, dot, operand,
    sum_values,
)  # fmt: skip

__all__ = [
    "Add", "BackwardStep", "Constant", "Leaf", "Div", "DivisionByZeroError", "DomainError", "Dot", "Exp", "GradientError",
    "Log", "Mul", "Neg", "Op", "Parameter", "Pass", "Pow", "PowConst", "Relu", "Sigmoid", "StaleGraphError", "Sub",
    "Sum", "Tanh", "Value", "backprop_order", "count_uses", "describe", "dot", "finishing_order", "gradients_of",
    "operand", "record", "scope", "sum_values", "topological_order", "uses_of",
]  # fmt: skip
