"""Tracing: run the user's function once on Value leaves and record the graph it builds.

Every runtime number becomes an input leaf labelled by where it sits in the arguments
(``X[3][0]``); Value leaves passed as arguments are used as they are.  The function must
return the Value to differentiate (the loss), or a tuple ``(loss, outputs…)`` whose other
items are Values of the loss's graph (or lists/tuples of them) to report alongside.

The leaves of the traced graph are then sorted by how a call supplies them:

    constant   a number used in an op: baked into the code
    input      a runtime number: read from the call's arguments
    argument   a Value leaf passed as an argument: read, and accumulated into, per call
    bound      any other leaf the function reached (a model's parameters): the same
               object every call, its ``.data`` read fresh and its ``.grad`` accumulated

The signature (`Trace.signature`) is the graph's structure — ops, constants, wiring,
which leaf is which kind — without any object identity: two traces with the same
signature are computed by the same code (the cache's key).
"""

from __future__ import annotations

import functools
import hashlib
import marshal
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain, compress, islice, repeat
from operator import attrgetter, is_
from typing import Any

from ..engine import Value, backprop_order, count_uses
from ..engine.op import Op
from ..engine.value import _LABELS  # every label, read once per signature
from .arguments import Path, rebuild

SIGNATURE_VERSION = "tinygrad_mm compiled step 4"  # bump when generated code changes for the same graph


@dataclass
class Trace:
    """One traced call: the graph, and where each of its leaves comes from."""

    root: Value
    inputs: list[Value]  # one input leaf per runtime number, in argument order
    arguments: list[Value]  # the distinct Value leaves passed as arguments, in order
    bound: list[Value]  # the other non-constant leaves, in the order `numbered` finds them
    outputs: list[Value]  # the extra values fn returned, flattened
    output_shape: list[object] | None  # how to nest them again (see `nest`); None: fn returned the loss alone
    _signature: str = ""
    collapsed: bool = False  # chains of additions already one Σ each (program.collapsed)
    numbering: tuple[list[Value], list[int], list[int], dict[Value, int]] = ([], [], [], {})  # `numbered(root)`

    def release(self) -> None:
        """Forget the graph (root, nodes, outputs), once a program is built from it: what stays is the signature and the
        leaves a call reads (kept by `Program` for `check=True` and for reading parameters)."""
        self.signature()
        self.root, self.outputs, self.numbering = None, [], ([], [], [], {})  # type: ignore[assignment]
        self.__dict__.pop("uses", None)
        self.__dict__["nodes"], self.__dict__["backprop"] = set(), []

    @property
    def leaves(self) -> list[Value]:
        """The leaves whose ``.data`` a call reads and whose ``.grad`` it accumulates: bound, then arguments in the graph."""
        return self.bound + [v for v in self.arguments if v in self.nodes]

    @functools.cached_property
    def nodes(self) -> set[Value]:
        """Every node of the graph (made when first asked: a call with no Value argument and no extra output
        never asks)."""
        return set(self.numbering[0] or self.backprop)

    @property
    def size(self) -> int:
        """How many nodes the graph has."""
        return len(self.numbering[0] or self.backprop)

    @functools.cached_property
    def backprop(self) -> list[Value]:
        """``backprop_order(root)``: the order code is generated in (made when first asked: a step whose code is
        cached never asks)."""
        return backprop_order(self.root)

    @functools.cached_property
    def uses(self) -> dict[Value, int]:
        """``count_uses(root)``: how many edges lead into each node (only code generation needs it)."""
        return count_uses(self.root)

    def signature(self) -> str:
        """A hash of the graph's structure and labels (no object identity): equal signatures, equal code.

        Per node, in the order `numbered` gives them: its class (by `op_identity`), how many operands it has and
        which nodes they are (by number), its constants and its label (labels name the generated variables); per leaf,
        which input or argument it is, or a constant's bits.  This runs on every first call, cached or not, over every node: it is
        written as whole-list passes (``map``, ``compress``: loops in C) and hashes flat lists of ints once.
        """
        if self._signature:
            return self._signature
        order, operand_counts, wiring, number_of = self.numbering if self.numbering[0] else numbered(self.root)
        count = len(order)
        index = dict(zip(order, range(count), strict=True)) if self.outputs else {}
        types = list(map(type, order))
        classes = {cls: i for i, cls in enumerate(dict.fromkeys(types))}
        leaf_flags = list(map(_IS_LEAF, order))
        given = {v: i for i, v in enumerate(self.inputs)} | {v: -1 - i for i, v in enumerate(self.arguments)}
        labels = dict(_LABELS.items())  # one plain dict: far cheaper than a weak lookup per node
        extras: list[object] = [  # (position, constant's bits or which input/argument, label) per leaf
            (i, leaf._data.hex() if leaf.kind == "constant" else given.get(leaf, "bound"), labels.get(leaf, ""))
            for i, leaf in compress(enumerate(order), leaf_flags)
        ]
        if len(labels) < count:  # labelled nodes (leaves again: cheap), by number; fewer labels alive than nodes: look up those
            extras += sorted((number_of[node], label) for node, label in labels.items() if node in number_of)
        else:
            extras += sorted((number_of[node], labels[node]) for node in order if node in labels)
        for cls in classes:
            if not cls.is_leaf and (cls.constants is not Op.constants or getattr(cls, "constant_fields", None)):
                mask = map(is_, types, repeat(cls))  # the nodes of a class with constants: ask each for them
                extras += [(i, node.constants()) for i, node in compress(enumerate(order), mask)]
        identities = [op_identity(cls) for cls in classes]
        outputs = [index[v] for v in self.outputs]
        text = repr((SIGNATURE_VERSION, count, len(self.inputs), len(self.arguments), identities, extras, outputs,
                     self.output_shape))  # fmt: skip
        digest = hashlib.sha256(text.encode())
        for ints in (map(classes.__getitem__, types), operand_counts, wiring):
            digest.update(array("q", ints).tobytes())  # class, operand count, wiring: machine words (repr is slower)
        self._signature = digest.hexdigest()
        return self._signature


_IS_LEAF, _PARENTS = attrgetter("is_leaf"), attrgetter("parents")


_IDENTITIES: dict[type, str] = {}


_CODE_METHODS = ("code_text", "code_derivative", "code_gate", "constants", "render", "operands", "terms", "group")


def op_identity(cls: type) -> str:
    """An op class as its name, its statement and the bytecode of the methods that render it:
    a change to any of these changes the signature, so cached code is never stale."""
    identity = _IDENTITIES.get(cls)
    if identity is None:
        digest = hashlib.sha256(f"{cls.__module__}.{cls.__qualname__}".encode())
        statement = getattr(cls, "statement", None)  # the code printed from the op's statement
        printed = (statement.value_code, statement.derivative_code, statement.gate_code) if statement else None
        digest.update(repr((printed, getattr(cls, "undefined_when", None))).encode())
        for name in _CODE_METHODS:
            code = getattr(getattr(cls, name, None), "__code__", None)
            digest.update(marshal.dumps(code) if code is not None else b"-")
        identity = _IDENTITIES[cls] = digest.hexdigest()[:16]
    return identity


def parameter_names(fn: Callable) -> list[str]:
    """The names of ``fn``'s positional parameters (labels of the input leaves), as far as they are known."""
    code = getattr(fn, "__code__", None)
    if code is not None and not getattr(fn, "__self__", None):  # a plain function or lambda: no need for inspect
        return list(code.co_varnames[: code.co_argcount])
    import inspect

    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def call_on_leaves(fn: Callable, args: tuple, kwargs: dict[str, Any], names: list[str]) -> tuple[Any, list[Value], list[Value]]:
    """``fn`` called with every number replaced by a fresh input leaf labelled by its place; (result, inputs, arguments)."""
    inputs: list[Value] = []
    arguments: list[Value] = []
    seen: set[int] = set()

    def leaf(x: object, path: Path) -> object:
        if isinstance(x, Value) and x.kind != "constant":
            if id(x) not in seen:
                seen.add(id(x))
                arguments.append(x)
            return x
        value = Value(x._data if isinstance(x, Value) else x, path)  # type: ignore[arg-type]
        inputs.append(value)
        return value

    new_args, new_kwargs = rebuild(args, kwargs, leaf, names)
    return fn(*new_args, **new_kwargs), inputs, arguments


def trace(fn: Callable, args: tuple, kwargs: dict[str, Any], names: list[str]) -> Trace:
    """Run ``fn`` on leaves and record its graph (see the module docstring)."""
    result, inputs, arguments = call_on_leaves(fn, args, kwargs, names)
    root, outputs, shape = split_result(result, fn)
    numbering = numbered(root)
    graph = Trace(root, inputs, arguments, [], outputs, shape, numbering=numbering)
    for node in outputs:
        if node not in graph.nodes:
            raise ValueError(
                f"{_name(fn)} returned an extra value ({node.label or node.op or 'a leaf'}, data={node._data:.6g}) that "
                "the loss is not computed from; a compiled step can only report values on the way to the loss"
            )
    given = set(inputs) | set(arguments)
    order = numbering[0]
    graph.bound = [v for v in compress(order, map(_IS_LEAF, order)) if v.kind != "constant" and v not in given]
    return graph


def numbered(root: Value) -> tuple[list[Value], list[int], list[int], dict[Value, int]]:
    """Every node reachable from ``root``, level by level — root, then its operands, then theirs (each node once,
    where first met, operands in order) — with, per node in that order, how many operands it has, and the numbers of
    its operands one after the other: the graph's wiring without object identity (`Trace.signature`); and each
    node's number.

    A node's number is the count of edges walked when it was first met (the root's is 0): not its place in the
    order, but as fixed by the graph's shape.  A level is numbered in whole-list passes (loops in C); a level of one
    node (a long chain) node by node."""
    number_of = {root: 0}
    order, operand_counts, wiring = [root], [], []
    level, walked = [root], 1
    while level:
        if len(level) == 1:
            operands = level[0].parents
            operand_counts.append(len(operands))
            level = []
            for operand in operands:
                number = number_of.setdefault(operand, walked)
                if number == walked:
                    order.append(operand)
                    level.append(operand)
                wiring.append(number)
                walked += 1
            continue
        operands_of = list(map(_PARENTS, level))
        operand_counts += map(len, operands_of)
        flat = list(chain.from_iterable(operands_of))
        edges = range(walked, walked + len(flat))
        known = len(number_of)
        numbers = list(map(number_of.setdefault, flat, edges))
        level = list(islice(reversed(number_of), len(number_of) - known))  # the nodes first met here, last first
        level.reverse()
        order += level
        wiring += numbers
        walked += len(flat)
    return order, operand_counts, wiring, number_of


def split_result(result: object, fn: Callable) -> tuple[Value, list[Value], list[object] | None]:
    """(loss, extra outputs flattened, their nesting) from what ``fn`` returned; TypeError naming it otherwise."""
    if isinstance(result, Value):
        return result, [], None
    if isinstance(result, tuple) and result and isinstance(result[0], Value):
        outputs: list[Value] = []
        shape = _shape(result[1:], outputs, fn)
        return result[0], outputs, shape
    found = f"{type(result).__name__} {repr(result)[:80]}"
    raise TypeError(
        f"{_name(fn)} must return the Value to differentiate (the loss), or a tuple (loss, outputs…); it returned "
        f"{found}: build the loss from Value operations (e.g. return model(x) ** 2) and return it"
    )


def _shape(items: tuple, outputs: list[Value], fn: Callable) -> list[object]:
    """The nesting of ``items`` in prefix order: ``("tuple"|"list", n)`` per container, an index per Value."""
    tokens: list[object] = []
    stack: list[object] = [items]
    while stack:
        item = stack.pop()
        if isinstance(item, Value):
            outputs.append(item)
            tokens.append(len(outputs) - 1)
        elif isinstance(item, (list, tuple)):
            tokens.append((type(item).__name__, len(item)))
            stack += reversed(item)
        else:
            raise TypeError(
                f"{_name(fn)} returned (loss, …) with an extra item that is not a Value or a list/tuple of Values: "
                f"{type(item).__name__} {repr(item)[:60]}"
            )
    return tokens


def nest(shape: list[object] | None, values: list[float]) -> object:
    """``values`` put back into the nesting `_shape` recorded (the extra outputs, as a tuple)."""
    if shape is None:
        return None
    frames: list[list] = [["tuple", 1, []]]  # kind, size, items so far
    for token in shape:
        if isinstance(token, int):
            item: object = values[token]
        else:
            kind, size = token  # type: ignore[misc]
            frames.append([kind, size, []])
            if size:
                continue
            frames.pop()
            item = [] if kind == "list" else ()
        while True:  # put the item in its container; a container that is now full is an item itself
            frame = frames[-1]
            frame[2].append(item)
            if len(frame[2]) < frame[1]:
                break
            frames.pop()
            item = tuple(frame[2]) if frame[0] == "tuple" else frame[2]
            if not frames:
                return item[0]  # type: ignore[index]
    raise AssertionError("unreachable: the shape always closes")


def _name(fn: Callable) -> str:
    return f"the compiled function {getattr(fn, '__qualname__', repr(fn))}()"


__all__ = ["Trace", "call_on_leaves", "nest", "parameter_names", "split_result", "trace"]
