"""Compiled backprop: the chain rule written out as Python.

    compile(fn)       a step that runs fn's forward and backward over plain floats (compiler.py)

(``tinygrad_mm.to_python(root)``, the same code written to be read, is in views/python_code.py.)

    tracing.py    run fn once on Value leaves; the graph's signature
    arguments.py  what a call passes: numbers, lists/tuples of numbers, Value leaves
    codegen.py    the graph as Python lines (templates.py: each op's own code; naming.py: variable names)
    chains.py     chains of additions (sum(), a generator, a for loop) → one Σ node each
    rolling.py    many identical per-sample subgraphs → one loop
    program.py    a trace ready to run: Python, or the tape (tape.py) past the size rule
    cache.py      compiled code kept in memory and under ~/.cache/tinygrad_mm (bounded, checked, portable)
"""

from .compiler import CompiledStep, compile

__all__ = ["CompiledStep", "compile"]
