"""The arguments of a compiled step: numbers, nested lists/tuples of numbers, and Value leaves.

Every call flattens its arguments (`flatten`) into

- a *key*: their structure — nesting, lengths, which places hold numbers and which hold
  Values, and which places hold the *same* Value — so a call with another structure
  traces again;
- the runtime numbers, in order (each checked: a finite real);
- the distinct Value leaves, in order of first appearance.

`rebuild` puts leaves back into the same structure, to call the user's function.
Nothing here recurses: the nesting is walked with a stack.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..engine import Value
from ..engine.checks import finite_float

Path = str  # where a leaf sits in the arguments, e.g. "X[3][0]"


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
    """(key, numbers, distinct Value leaves) of a call; ``names`` name the positional arguments in messages."""
    key: list[object] = [len(args), *sorted(kwargs)]
    numbers: list[float] = []
    values: list[Value] = []
    seen: dict[int, int] = {}
    stack: list[tuple[object, Path]] = [(kwargs[k], k) for k in sorted(kwargs, reverse=True)]
    stack += [(args[i], names[i] if i < len(names) else f"args[{i}]") for i in range(len(args) - 1, -1, -1)]
    while stack:
        item, path = stack.pop()
        kind = type(item)
        if kind is float:
            numbers.append(item)
            key.append(0)
        elif kind is list or kind is tuple:
            key.append(len(item) if kind is list else -1 - len(item))  # type: ignore[arg-type]
            stack += [(item[i], f"{path}[{i}]") for i in range(len(item) - 1, -1, -1)]  # type: ignore[index]
        elif isinstance(item, Value):
            if not item.is_leaf:
                raise _problem(path, item)
            if item.kind == "constant":  # a fixed number: the same as passing its value
                numbers.append(item._data)
                key.append(0)
                continue
            place = seen.setdefault(id(item), len(values))
            if place == len(values):
                values.append(item)
            key.append(("v", place))
        elif isinstance(item, (str, bytes, dict, set)) or hasattr(item, "__len__") and not hasattr(item, "dtype"):
            raise _problem(path, item)
        else:
            try:
                numbers.append(finite_float(item, f"argument {path} of the compiled step"))
            except TypeError:
                raise _problem(path, item) from None
            key.append(0)
    total = sum(numbers)
    if total - total != 0.0:  # a NaN or an infinity among them (or a sum that overflows: look one by one)
        for number in numbers:
            finite_float(number, "an argument of the compiled step")
    return tuple(key), numbers, values


def rebuild(args: tuple, kwargs: dict[str, Any], leaf: Callable[[object, Path], object], names: list[str]) -> tuple[tuple, dict[str, Any]]:
    """``args`` and ``kwargs`` with every number and Value replaced by ``leaf(it, path)``, same nesting."""
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
        if type(item) is list or type(item) is tuple:
            children = [(item[i], f"{path}[{i}]") for i in range(len(item) - 1, -1, -1)]
            frames.append((children, type(item), [], path))
        else:
            built.append(leaf(item, path))
    return tuple(out[: len(args)]), dict(zip(kwargs, out[len(args) :], strict=True))
