"""The arguments of a compiled step: numbers, nested lists/tuples of numbers, and Value leaves.

Every call flattens its arguments (`flatten`) into

- a *key*: their structure — nesting, lengths, which places hold numbers and which hold
  Values, which places hold the *same* Value, and every *static* value — so a call with
  another structure traces again;
- the runtime numbers, in order (each checked: a finite real);
- the distinct Value leaves, in order of first appearance.

*Static* values are those Python logic in the function can see, so they are part of the
key and passed to the function as they are (``if training:``, ``range(n)``): a bool
anywhere, and a whole argument that is an int, None, a str or bytes.  A float, and an
int inside a list or tuple (data, such as labels ±1), is a runtime number.

Keyword arguments are taken in the order the call gives them (the caller binds them by
name first: `compiler.CompiledStep`), the same order in `flatten` and in `rebuild`.

`rebuild` puts leaves back into the same structure, to call the user's function.
Nothing here recurses: the nesting is walked with a stack.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from itertools import chain
from typing import Any

from ..engine import Value
from ..engine.errors import finite_float

Path = str  # where a leaf sits in the arguments, e.g. "X[3][0]"
STATIC = frozenset({bool, int, str, bytes, type(None)})  # a whole argument of these types is static (see above)
_FLOAT_MAX = sys.float_info.max


class ArgumentError(TypeError):
    """An argument of a compiled step is neither a number, a list/tuple of numbers, nor a Value leaf."""


def _problem(path: Path, x: object) -> ArgumentError:
    kind = "a computed Value" if isinstance(x, Value) else f"{type(x).__name__} {repr(x)[:60]}"
    hint = (
        f" ({x.op!r} node): pass leaves, or its .data, or compute it inside the function"
        if isinstance(x, Value)
        else ""
    )
    return ArgumentError(
        f"argument {path} of the compiled step must be a number, a list or tuple of numbers, or a Value leaf; "
        f"got {kind}{hint}"
    )


def flatten(args: tuple, kwargs: dict[str, Any], names: list[str]) -> tuple[tuple, list[float], list[Value]]:
    """(key, numbers, distinct Value leaves) of a call; ``names`` name the positional arguments in messages.

    This runs on every call, so it keeps no paths: a bad argument is looked for again, with paths, by `_named_problem`.
    """
    key: list[object] = [len(args), *kwargs]
    numbers: list[float] = []
    values: list[Value] = []
    seen: dict[int, int] = {}
    stack: list[object] = []
    for place, item in enumerate([*args, *kwargs.values()]):
        if type(item) in STATIC:  # seen by Python logic: part of the key, passed as it is
            key.append((place, type(item), item))
        else:
            stack.append(item)
    stack.reverse()
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is float:
            numbers.append(item)  # type: ignore[arg-type]
            key.append(0)
        elif kind is list and item and _rows_of_floats(item):  # a data matrix (a list of lists of floats): in one go
            lengths = tuple(map(len, item))  # type: ignore[arg-type]
            key.append(("rows", lengths))  # (no other branch puts a tuple starting "rows" in the key)
            numbers += chain.from_iterable(item)  # type: ignore[arg-type]
        elif kind is list or kind is tuple:
            key.append(len(item) if kind is list else -1 - len(item))  # type: ignore[arg-type]
            row = _floats(item)  # type: ignore[arg-type]
            if row is None:
                stack += reversed(item)  # type: ignore[call-overload]
            else:  # all numbers (a row of data, labels ±1): taken in one go
                numbers += row
                key += [0] * len(row)
        elif kind is int and -_FLOAT_MAX <= item <= _FLOAT_MAX:  # type: ignore[operator]
            numbers.append(float(item))  # type: ignore[arg-type]
            key.append(0)
        elif kind is bool:  # a flag, never data
            key.append(("bool", item))
        elif isinstance(item, Value) and item.is_leaf:
            if item.kind == "constant":  # a fixed number: the same as passing its value
                numbers.append(item._data)
                key.append(0)
                continue
            place = seen.setdefault(id(item), len(values))
            if place == len(values):
                values.append(item)
            key.append(("v", place))
        else:
            number = _number(item)
            if number is None:
                raise _named_problem(args, kwargs, names)
            numbers.append(number)
            key.append(0)
    total = sum(numbers)
    if total - total != 0.0 and not all(map(math.isfinite, numbers)):  # a NaN or an infinity (not just a big sum)
        raise _named_problem(args, kwargs, names)
    return tuple(key), numbers, values


def _floats(item: list | tuple) -> list | tuple | None:
    """``item`` as floats if it holds only floats and ints a float can hold (types checked at C speed); else None."""
    kinds = set(map(type, item))
    if kinds <= {float}:
        return item
    if kinds <= {float, int}:
        try:
            return list(map(float, item))
        except OverflowError:  # an int too large for a float: the element-by-element path names it
            return None
    return None


def _rows_of_floats(item: list) -> bool:
    """True if every element of ``item`` is a list and every element of those a float (checked at C speed)."""
    return set(map(type, item)) == {list} and set(map(type, chain.from_iterable(item))) <= {float}


def _number(item: object) -> float | None:
    """A real number that is not a float or an int (numpy's, a Fraction, a bool) as a float; None for anything else."""
    if isinstance(item, (str, bytes, dict, set, Value)) or (hasattr(item, "__len__") and not hasattr(item, "dtype")):
        return None
    try:
        return finite_float(item, "an argument")
    except (TypeError, ValueError):
        return None


def _named_problem(args: tuple, kwargs: dict[str, Any], names: list[str]) -> ArgumentError:
    """The first bad argument, found again with its path: an `ArgumentError` to raise (for a NaN or an infinity,
    `finite_float` raises its ValueError here, naming the path)."""
    problem: list[ArgumentError] = []

    def check(item: object, path: Path) -> object:
        if problem or isinstance(item, Value) and item.is_leaf or type(item) is bool:
            return item
        if type(item) is float or type(item) is int or _number(item) is not None:
            finite_float(item, f"argument {path} of the compiled step")  # raises for NaN, ±inf, a huge int
            return item
        problem.append(_problem(path, item))
        return item

    rebuild(args, kwargs, check, names)
    if not problem:
        raise AssertionError("a bad argument was found once but not again")
    return problem[0]


def rebuild(args: tuple, kwargs: dict[str, Any], leaf: Callable[[object, Path], object], names: list[str]) -> tuple[tuple, dict[str, Any]]:
    """``args`` and ``kwargs`` with every number and Value replaced by ``leaf(it, path)``, same nesting;
    static values (a whole argument of a `STATIC` type, a bool anywhere) are kept as they are."""
    top = [*args, *(kwargs[k] for k in kwargs)]
    paths = [names[i] if i < len(names) else f"args[{i}]" for i in range(len(args))] + list(kwargs)
    out: list[object] = []
    # a frame: (the items of a container, its type, where its rebuilt items go, its path)
    frames: list[tuple[list, type, list, Path]] = [(list(reversed(list(zip(top, paths, strict=True)))), list, out, "")]
    while frames:
        pending, kind, built, _ = frames[-1]
        if not pending:
            frames.pop()
            if frames:
                frames[-1][2].append(kind(built) if kind is tuple else built)
            continue
        item, path = pending.pop()
        if type(item) is bool or (len(frames) == 1 and type(item) in STATIC):
            built.append(item)
        elif type(item) is list or type(item) is tuple:
            children = [(item[i], f"{path}[{i}]") for i in range(len(item) - 1, -1, -1)]
            frames.append((children, type(item), [], path))
        else:
            built.append(leaf(item, path))
    return tuple(out[: len(args)]), dict(zip(kwargs, out[len(args) :], strict=True))
