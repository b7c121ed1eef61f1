"""tinygrad_mm: a scalar autograd engine that makes backpropagation visible.

    >>> from tinygrad_mm import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x
    >>> y.backward()
    >>> x.grad            # d/dx (x² + 3x) = 2x + 3
    7.0
"""

from .drawing import draw_dot
from .engine import BackwardStep, Constant, Parameter, Value, dot, sum_values, topological_order
from .errors import DivisionByZeroError, DomainError, GradientError
from .scopes import scope
from .stepping import explain
from .viewer import to_html

__version__ = "0.1.0"

__all__ = [
    "BackwardStep",
    "Constant",
    "DivisionByZeroError",
    "DomainError",
    "GradientError",
    "Parameter",
    "Value",
    "dot",
    "draw_dot",
    "explain",
    "scope",
    "sum_values",
    "topological_order",
    "to_html",
]
