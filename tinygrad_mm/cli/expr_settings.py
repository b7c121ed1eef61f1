"""``--set x=2 v=1,2,3 W[0,1]=0.5 µ=2``: the numbers of a formula's names (cli/expr.py), checked, one line per mistake.

Names are compared as Python reads the formula's (NFKC: the micro sign µ is the Greek μ);
``v=1,2,3`` sets the vector's elements v[0], v[1], v[2].  Each name may be set once.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

from .errors import UserError

__all__ = ["element_key", "parse_settings"]


def parse_settings(items: Sequence[str]) -> dict[str, float]:
    """``["x=2", "w1=-3", "v=1,2"]`` → ``{"x": 2.0, "w1": -3.0, "v[0]": 1.0, "v[1]": 2.0}``; `UserError` for anything else.

    Names are NFKC-normalised as Python normalises the formula's (so ``µ`` matches ``μ``).
    """
    values: dict[str, float] = {}
    typed: dict[str, str] = {}
    for item in items:
        name, equals, text = item.partition("=")
        key = element_key(name)
        if not equals or key is None:
            raise UserError(f"--set {item!r}: write NAME=VALUE, e.g. --set x=2 w1=-3 (or x[0]=2, or x=1,2,3)")
        numbers = text.split(",") if "," in text and "[" not in key else [text]
        keys = [f"{key}[{i}]" for i in range(len(numbers))] if len(numbers) > 1 else [key]
        for k, number in zip(keys, numbers, strict=True):
            if k in values:
                raise UserError(f"--set: {name.strip()} is set twice" + (f" (also as {typed[k]})" if typed[k] != name.strip() else ""))
            try:
                value = float(number)
            except ValueError:
                raise UserError(f"--set {item}: {number.strip()!r} is not a number") from None
            if not math.isfinite(value):
                raise UserError(f"--set {item}: {number.strip()} is not a finite number")
            values[k], typed[k] = value, name.strip()
    return values


def element_key(text: str) -> str | None:
    """``x``, ``W[0,1]`` (spaces dropped, NFKC as Python reads names) for a name or an element; None otherwise."""
    text = unicodedata.normalize("NFKC", "".join(text.split()))
    base, bracket, index = text.partition("[")
    if not base.isidentifier():
        return None
    if not bracket:
        return base
    parts = index[:-1].split(",") if index.endswith("]") else []
    return f"{base}[{','.join(parts)}]" if parts and all(p.isdigit() and p.isascii() for p in parts) else None
