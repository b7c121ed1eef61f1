"""``tinygrad_mm.compile(fn)``: trace a loss function once, then run its forward and backward as plain Python floats.

    step = tinygrad_mm.compile(lambda X, y: loss_of(model, X, y))
    for k in range(100):
        model.zero_grad()
        loss = step(X, y)                 # forward + backward: adds ∂loss/∂p into every p.grad
        for p in model.parameters():
            p.data -= lr * p.grad         # parameters are read fresh on every call

What a call does, exactly as ``loss = fn(*args); loss.backward()`` would:

- numbers in the arguments (and nested lists/tuples of them) are *runtime inputs*;
  Value leaves in the arguments and every other leaf ``fn`` reaches (a model's
  parameters) have their ``.data`` read and their ``.grad`` added into (``+=``, in
  ``backward()``'s order, so the floats are the same, bit for bit), until ``zero_grad()``;
  numbers ``fn`` uses in operations are baked into the code;
- it returns the loss as a float, or ``(loss, outputs…)`` if ``fn`` returns ``(loss, …)``;
- arguments of another structure (lengths, nesting, which places hold Values) trace again;
- if any value or gradient is not finite, or a computation fails, nothing is changed
  and the step is run by the engine instead, which raises its own error naming the
  node (`DomainError`, `GradientError`) — never a bare ``ZeroDivisionError``.  (The
  gradient of a number argument, which nobody reads, is not computed where only a float
  overflow could make it infinite: that overflow alone is not reported.)

What is frozen at trace time: Python control flow in ``fn`` that depends on values
(``if x.data > 0``), numbers ``fn`` reads from anywhere but its arguments, and which
leaves it reaches (replace the model and the step still trains the old one).  With
``check=True`` every call traces ``fn`` again and recompiles if any of that changed.

``step.source`` is the generated code (the chain rule written out); ``step.graph()``
is the graph of the latest call, built by the engine, with every interior ``.grad``
set to ∂loss/∂node (the leaves keep their own), for drawings, ``explain`` and the viewer.
"""

from __future__ import annotations

import functools
import gc
import inspect
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..engine import Value, gradients_of
from .arguments import flatten
from .program import Program
from .tracing import Trace, call_on_leaves, nest, parameter_names, split_result, trace

MAX_TRACES = 64  # argument structures remembered per step; the oldest is traced again if it comes back


class CompiledStep:
    """The callable `compile` returns (see the module docstring)."""

    def __init__(self, fn: Callable[..., Any], *, check: bool = False, cache: bool = True) -> None:
        if not callable(fn):
            raise TypeError(f"compile() needs a function that builds and returns a loss Value, got {type(fn).__name__} {fn!r}")
        self.fn, self.check, self.cache = fn, check, cache
        self.names = parameter_names(fn)
        self.name = getattr(fn, "__qualname__", type(fn).__name__)
        self.programs: dict[tuple, Program] = {}
        self.stats = {"calls": 0, "traces": 0, "compiled": 0, "engine": 0}
        self._latest: tuple[Program, tuple, dict[str, Any], str] | None = None  # (…, why the engine ran it, or "")
        self._signature = _signature_of(fn)
        self._lock = threading.RLock()  # one call at a time: each reads, then writes, every leaf's .grad
        functools.update_wrapper(self, fn, updated=())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:  # another thread's call waits: concurrent calls would lose each other's gradients
            return self._call(*self._bind(args, kwargs))

    def _bind(self, args: tuple, kwargs: dict[str, Any]) -> tuple[tuple, dict[str, Any]]:
        """The call's arguments as Python binds them to ``fn``'s parameters: a parameter given by keyword is put in
        its place; keyword-only and ``**`` ones follow in the parameters' order (``**`` ones by name)."""
        if not kwargs or self._signature is None:
            return args, kwargs
        bound = self._signature.bind(*args, **kwargs)  # Python's own TypeError for a call fn would refuse
        named = bound.kwargs  # the parameters' order, then the ** ones in the call's order: sorted below
        own = self._signature.parameters
        extra = sorted(name for name in named if name not in own)
        return bound.args, {name: named[name] for name in named if name not in extra} | {name: named[name] for name in extra}

    def _call(self, args: tuple, kwargs: dict[str, Any]) -> Any:
        self.stats["calls"] += 1
        key, numbers, values = flatten(args, kwargs, self.names)
        program = self.programs.get(key)
        fresh = expected = None
        if program is None or self.check:
            with collector_paused():  # the traced graph is freed before the collector runs again
                fresh = trace(self.fn, args, kwargs, self.names)
                expected = [fresh.root._data, *[v._data for v in fresh.outputs]]  # (a Program forgets the graph)
                if program is None or not _same(program.trace, fresh):
                    program = self._remember(key, Program(fresh, self.name, self.cache))
                else:
                    fresh.release()
        result = program.run(numbers, values)
        self._latest = (program, args, kwargs, program.failure if result is None else "")
        if result is None:
            return self._engine(args, kwargs)
        if expected is not None:
            _agree(result, expected, self.name)
        self.stats["compiled"] += 1
        return _shaped(*result, program.trace.output_shape)

    def _remember(self, key: tuple, program: Program) -> Program:
        self.stats["traces"] += 1
        if len(self.programs) >= MAX_TRACES:
            del self.programs[next(iter(self.programs))]
        self.programs[key] = program
        return program

    def _engine(self, args: tuple, kwargs: dict[str, Any]) -> Any:
        """The step run by the engine itself: its result, or its own error (nothing changed before it)."""
        self.stats["engine"] += 1
        result, _, _ = call_on_leaves(self.fn, args, kwargs, self.names)
        root, outputs, shape = split_result(result, self.fn)
        root.backward()
        return _shaped(root._data, [v._data for v in outputs], shape)

    @property
    def mode(self) -> str:
        """How the latest call ran: ``python`` (generated code), ``tape`` (a large graph), ``engine`` (the graph
        cannot be compiled, or this call's numbers made the compiled code fail: `source`'s first line says why);
        "" before any call."""
        if self._latest is None:
            return ""
        return "engine" if self._latest[3] else self._latest[0].kind

    @property
    def source(self) -> str:
        """The generated code of the latest call's graph (the chain rule written out); "" before any call.

        If the engine ran the latest call, the first line is a comment saying why."""
        if self._latest is None:
            return ""
        program, _, _, why = self._latest
        return (f"# the latest call ran on the engine: {why}\n" if why else "") + program.source

    def graph(self) -> Value:
        """The latest call's graph, built by the engine from its arguments, every interior ``.grad`` = ∂loss/∂node.

        Leaves keep their own ``.grad`` (nothing the step or you accumulated is touched).
        """
        if self._latest is None:
            raise RuntimeError(f"{self.name}: the compiled step has not been called yet, so there is no graph to show")
        _, args, kwargs, _ = self._latest
        result, _, _ = call_on_leaves(self.fn, args, kwargs, self.names)
        root, _, _ = split_result(result, self.fn)
        for node, grad in gradients_of(root).items():
            if not node.is_leaf:
                node.grad = grad
        return root

    def __repr__(self) -> str:
        calls, traces = self.stats["calls"], self.stats["traces"]
        counts = f"{calls} call{'s' * (calls != 1)}, {traces} trace{'s' * (traces != 1)}"
        return f"<compiled step {self.name}: {counts}, mode {self.mode or '—'}>"


_PAUSES = {"depth": 0, "was_enabled": False}
_PAUSES_LOCK = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a step is traced and compiled (back as it was after).

    A trace builds a graph of tens of thousands of Values, acyclic, freed by reference counting as soon as the
    program is built; meanwhile the collector would only walk it, again and again (a third of a cached first call).
    Nested or concurrent pauses (threads) share one: the collector resumes when the last one ends."""
    with _PAUSES_LOCK:
        if _PAUSES["depth"] == 0:
            _PAUSES["was_enabled"] = gc.isenabled()
            gc.disable()
        _PAUSES["depth"] += 1
    try:
        yield
    finally:
        with _PAUSES_LOCK:
            _PAUSES["depth"] -= 1
            if _PAUSES["depth"] == 0 and _PAUSES["was_enabled"]:
                gc.enable()


def _signature_of(fn: Callable[..., Any]) -> inspect.Signature | None:
    """``fn``'s signature, to bind keyword arguments as Python does; None if Python cannot say (a builtin)."""
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return None


def _same(old: Trace, new: Trace) -> bool:
    """True if a fresh trace would run the same code on the same leaves (check=True)."""
    return (
        len(old.bound) == len(new.bound)
        and all(a is b for a, b in zip(old.bound, new.bound, strict=True))
        and old.signature() == new.signature()
    )


def _agree(result: tuple[float, list[float]], expected: list[float], name: str) -> None:
    """The compiled loss and outputs must be the engine's (the trace's), bit for bit."""
    loss, outputs = result
    if [loss, *outputs] != expected:
        raise RuntimeError(
            f"{name}: the compiled step computed {[loss, *outputs]} but the engine computes {expected}; "
            "this is a bug in tinygrad_mm.compile — please report it (the engine's numbers are the right ones)"
        )


def _shaped(loss: float, outputs: list[float], shape: list[object] | None) -> Any:
    return loss if shape is None else (loss, *nest(shape, outputs))  # type: ignore[misc]


def compile(fn: Callable[..., Any], *, check: bool = False, cache: bool = True) -> CompiledStep:  # noqa: A001
    """A compiled step for the loss function ``fn`` (see the module docstring).

    ``check=True``: trace ``fn`` again on every call, recompile if its graph changed, and compare.
    ``cache=False``: keep compiled code in memory only (not under ``~/.cache/tinygrad_mm``).
    """
    return CompiledStep(fn, check=check, cache=cache)
