"""The engine layer: `Value` and its backward pass, the op classes, errors, scopes.  No dependencies.

    value.py      Value, Parameter, Constant; backward() and backward_steps()
    op.py         what every op is (numbers, chain rule, words); ops.py: each op, once
    traversal.py  the orders a graph is walked in (iterative)
    steps.py      BackwardStep;  side.py: passes run on the side, leaving every .grad as it was
    checks.py     numbers that may enter a graph; the guards around a pass
    copying.py    copy, deepcopy, pickle;  errors.py, scopes.py
"""

# value.py first: it defines Value, then imports the op classes that subclass it (ops.py, op.py)
from .value import Constant, Leaf, Parameter, Value, dot, operand, sum_values  # isort: skip
from .errors import DivisionByZeroError, DomainError, GradientError, StaleGraphError, describe
from .op import Op
from .ops import Add, Div, Dot, Exp, Log, Mul, Neg, Pow, PowConst, Relu, Sigmoid, Sub, Sum, Tanh
from .scopes import scope
from .side import gradients_of, steps_of
from .steps import BackwardStep
from .traversal import backprop_order, count_uses, finishing_order, topological_order, uses_of

__all__ = [
    "Add", "BackwardStep", "Constant", "Leaf", "Div", "DivisionByZeroError", "DomainError", "Dot", "Exp", "GradientError",
    "Log", "Mul", "Neg", "Op", "Parameter", "Pow", "PowConst", "Relu", "Sigmoid", "StaleGraphError", "Sub", "Sum",
    "Tanh", "Value", "backprop_order", "count_uses", "describe", "dot", "finishing_order", "gradients_of", "operand",
    "scope", "steps_of", "sum_values", "topological_order", "uses_of",
]  # fmt: skip
