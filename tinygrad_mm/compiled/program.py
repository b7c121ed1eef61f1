"""One traced graph, ready to run per call: generated Python, or the tape for a graph too large to compile cheaply.

The size rule (`use_tape`): the graph is written out as Python when that code — after
loop rolling — has at most `MAX_LINES` lines and no node has more than `MAX_OPERANDS`
operands (Python cannot compile one longer expression); otherwise it runs on the tape.
Compiling costs ~10 µs per line, so the rule keeps a first call under about a second,
and the tape, which needs no compiling, runs a 10⁶-op chain at a few tenths of a µs per node.
"""

from __future__ import annotations

import builtins
import linecache
import math
from collections import deque
from collections.abc import Callable
from itertools import repeat
from operator import attrgetter
from types import CodeType

from ..engine import Value
from . import cache
from .chains import collapse_chains
from .codegen import plan_for
from .layout import step_source
from .naming import comment_text
from .rolling import ROLL_MIN, Roll, find_rolls
from .tape import Tape, TapeError
from .templates import resolve_forward
from .tracing import Trace

MAX_LINES = 50_000
LOOKUP_NODES = 200_000  # a graph of at most this many nodes may have cached code (collapsed, rolled): look it up first
MAX_OPERANDS = 1_000

Result = tuple[float, list[float]]  # (loss, extra outputs)


class Program:
    """A trace and how to run it: ``run`` returns (loss, outputs), or None if the step must be left to the engine."""

    def __init__(self, trace: Trace, name: str, disk_cache: bool = True) -> None:
        self.trace = trace
        self.leaves = trace.leaves
        self.argument_places = [i for i, v in enumerate(trace.arguments) if v in trace.nodes]
        self.tape: Tape | None = None
        self.function: Callable | None = None
        self.source = ""
        self.origin = "tape"  # or "compiled" (code generated and compiled now), "cache" (memory or disk)
        self.failure = ""  # why the latest `run` returned None (the engine ran that call)
        self.output_slots: list[int] = []  # on the tape: where the values the step returns are
        self.lines = 0  # about: a line per node and per edge, before loop rolling
        try:
            self._build(trace, name, disk_cache)
        finally:
            trace.release()  # nothing keeps the graph alive: the garbage collector need not walk it on every call

    def _build(self, trace: Trace, name: str, disk_cache: bool) -> None:
        entry = None
        if trace.size <= LOOKUP_NODES:  # code may be cached: look before any other work
            entry = cache.lookup(trace.signature(), disk=disk_cache)  # only code that passed the size rule is stored
        graph = trace
        edges, widest = _edges(trace) if entry is None else (0, 0)
        self.lines = edges
        if entry is None and (edges > MAX_LINES or widest > MAX_OPERANDS):  # large: maybe not once sums are one Σ each
            graph = collapsed(trace)
            edges, widest = _edges(graph)
            self.lines = edges
            rollable = edges > MAX_LINES and widest >= ROLL_MIN  # nothing to roll without a node of many operands
            if widest > MAX_OPERANDS or (edges > MAX_LINES and not rollable):
                self._use_tape(graph, name)
                return
        signature = trace.signature()
        if entry is not None:
            (source, code), self.origin = entry, "cache"
        else:
            graph = collapsed(graph)
            rolls = _rolls(graph)
            self.lines = edges - sum(1 + len(v.parents) for roll in rolls for cone in roll.cones[1:] for v in cone)
            if self.lines > MAX_LINES:
                self._use_tape(graph, name)
                return
            source = _generate(graph, rolls, name)
            code = compile(source, _filename(signature), "exec")
            cache.store(signature, source, code, disk=disk_cache)
            self.origin = "compiled"
        self.source = source
        linecache.cache[_filename(signature)] = (len(source), None, source.splitlines(True), _filename(signature))
        self.function = _define(code)

    def _use_tape(self, trace: Trace, name: str) -> None:
        try:
            self.tape = Tape(trace.backprop, trace.inputs, self.leaves)
            self.output_slots = [self.tape.slot[v] for v in trace.outputs]
            self.tape.slot = {}  # (it named every node: the graph would stay alive)
        except TapeError as err:
            self.source = f"# {comment_text(name)}: runs on the engine: {comment_text(str(err))}\n"
        else:
            self.source = (
                f"# {comment_text(name)}: {len(trace.backprop):,} nodes run on the tape (tape.py): the code would have about "
                f"{self.lines:,} lines (more than {MAX_LINES:,}) or a node with more than {MAX_OPERANDS:,} operands; "
                "read it with tinygrad_mm.to_python(step.graph())\n"
            )

    def _fail(self, why: str) -> None:
        self.failure = why.replace("\n", " ")
        return None

    @property
    def kind(self) -> str:
        return "python" if self.function else "tape" if self.tape else "engine"

    def leaves_for(self, values: list[Value]) -> list[Value]:
        """This call's accumulating leaves: the bound ones, then the Value arguments the graph reads."""
        return self.trace.bound + [values[i] for i in self.argument_places] if self.argument_places else self.leaves

    def run(self, numbers: list[float], values: list[Value]) -> Result | None:
        """Forward and backward for one call, adding into the leaves' ``.grad``; None (nothing changed) if any
        value or gradient is not finite or a computation fails: the caller then lets the engine say why."""
        leaves = self.leaves_for(values)
        data = list(map(_DATA, leaves))  # (map with attrgetter: a C loop, ~2× a comprehension over 300 parameters)
        grads = list(map(_GRAD, leaves))
        try:
            if self.function is not None:
                loss, finite, new_grads, outputs = self.function(numbers, data, grads)
                if type(finite) is not float or finite - finite != 0.0:  # inf, NaN, or a complex power on the way
                    return self._fail(NOT_FINITE)
            elif self.tape is not None:
                vals, all_grads = self.tape.run(numbers, data, grads)
                if not self.tape.finite(vals, all_grads):
                    return self._fail(NOT_FINITE)
                tape = self.tape
                loss, new_grads = vals[tape.root], all_grads[tape.leaf_start : tape.leaf_stop]
                outputs = [vals[i] for i in self.output_slots]
            else:
                return self._fail(self.source.partition(": ")[2].strip() or "the graph cannot be compiled")
        except (ArithmeticError, ValueError, TypeError) as err:  # math domain, overflow, a complex power: the engine says which
            return self._fail(f"the compiled code stopped ({type(err).__name__}: {err})")
        deque(map(setattr, leaves, repeat("grad"), new_grads), maxlen=0)  # leaf.grad = grad for each, as a C loop
        self.failure = ""
        return loss, list(outputs)


_DATA, _GRAD = attrgetter("_data"), attrgetter("grad")
NOT_FINITE = "a value or gradient was not finite (or a sum of them overflowed): the engine names it, or computes it"


def collapsed(trace: Trace) -> Trace:
    """The trace with every chain of additions as one Σ node (chains.py), for code generation; itself if it has none
    or is collapsed already."""
    if trace.collapsed:
        return trace
    found = collapse_chains(list(reversed(trace.backprop)), trace.uses, set(trace.outputs))
    if found is None:
        trace.collapsed = True
        return trace
    root, new = found
    graph = Trace(root, trace.inputs, trace.arguments, trace.bound, [new[v] for v in trace.outputs], trace.output_shape,
                  trace.signature())  # fmt: skip
    graph.collapsed = True
    return graph


def _edges(trace: Trace) -> tuple[int, int]:
    """(nodes + edges of the op nodes: about the lines of code written out node by node, the most operands of one)."""
    total = widest = 0
    for node in trace.backprop:
        if not node.is_leaf:
            n = len(node.parents)
            total += 1 + n
            widest = max(widest, n)
    return total, widest


def _rolls(trace: Trace) -> list[Roll]:
    inputs = set(trace.inputs)
    return find_rolls(trace.backprop, trace.uses, lambda v: v in inputs or v.kind == "constant")


def _generate(trace: Trace, rolls: list[Roll], name: str) -> str:
    keep = {cone[0] for roll in rolls for cone in roll.cones} | set(trace.outputs)  # read by name after a loop, returned
    unnamed = {node for roll in rolls for cone in roll.cones[1:] for node in cone[1:]}  # the loop's body is the first cone
    plan = plan_for(trace.root, trace.backprop, uses=trace.uses, keep=keep, unnamed=unnamed)
    title = (
        f"{name}: forward and backward over floats, {len(trace.backprop):,} nodes, written by tinygrad_mm.compile. "
        "Returns (loss, finite, leaf gradients, extra outputs)."
    )
    return step_source(plan, trace.inputs, trace.leaves, trace.outputs, rolls, title)


def _filename(signature: str) -> str:
    return f"<tinygrad_mm step {signature[:12]}>"


def _define(code: CodeType) -> Callable:
    namespace: dict[str, object] = {"math": math, "__builtins__": builtins, "_resolve_forward": resolve_forward}
    exec(code, namespace)  # noqa: S102 (code we generated, from the cache only after its checks)
    return namespace["step"]  # type: ignore[return-value]
