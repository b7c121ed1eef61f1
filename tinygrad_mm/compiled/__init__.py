"""Compiled backprop: the chain rule written out as Python.

    compile(fn)       a step that runs fn's forward and backward over plain floats (compiler.py)
    to_python(root)   a standalone, commented Python file computing root and every gradient (readable.py)

    tracing.py    run fn once on Value leaves; the graph's signature
    arguments.py  what a call passes: numbers, lists/tuples of numbers, Value leaves
    codegen.py    the graph as Python lines (templates.py: each op's own code; naming.py: variable names)
    rolling.py    many identical per-sample subgraphs → one loop
    program.py    a trace ready to run: Python, or the tape (tape.py) past the size rule
    cache.py      compiled code kept in memory and under ~/.cache/tinygrad_mm
"""

from .compiler import CompiledStep, compile

__all__ = ["CompiledStep", "compile", "to_python"]


def __getattr__(name: str) -> object:
    if name == "to_python":  # it needs the views (names, numbers, files): imported when first used
        from .readable import to_python

        return to_python
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
