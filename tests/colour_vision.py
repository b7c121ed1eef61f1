"""Colour-vision-deficiency simulation for tests: Machado, Oliveira & Fernandes (2009), then CIELAB distances.

    simulate_linear("#e03131", "deuteranopia") -> (r, g, b) in linear 0…1 RGB, as a deuteranope sees it
    delta_e("#e03131", "#2f9e44", "deuteranopia") -> the CIE76 ΔE*ab between the two as seen

The matrices are the paper's full-severity (1.0) ones, applied to linear RGB; the result is
clipped to the gamut and converted to CIELAB under D65.  A ΔE of about 2 is just noticeable;
at 20 and above two colours read as different at a glance.
"""

from __future__ import annotations

import math

MACHADO = {
    "normal": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}
VISIONS = tuple(MACHADO)
_SRGB_TO_XYZ = ((0.4124564, 0.3575761, 0.1804375), (0.2126729, 0.7151522, 0.0721750), (0.0193339, 0.1191920, 0.9503041))
_WHITE = (0.95047, 1.0, 1.08883)  # D65


def rgb(colour: str) -> tuple[float, float, float]:
    """``#rrggbb`` (or ``#rgb``) → sRGB components in 0…1."""
    text = colour.lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    return tuple(int(text[k : k + 2], 16) / 255 for k in (0, 2, 4))  # type: ignore[return-value]


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _times(matrix, vector) -> tuple[float, float, float]:
    return tuple(sum(m * v for m, v in zip(row, vector, strict=True)) for row in matrix)  # type: ignore[return-value]


def simulate_linear(colour: str, vision: str) -> tuple[float, float, float]:
    """The colour as seen with ``vision``, in linear RGB clipped to 0…1."""
    seen = _times(MACHADO[vision], [_linear(c) for c in rgb(colour)])
    return tuple(min(1.0, max(0.0, c)) for c in seen)  # type: ignore[return-value]


def lab(linear: tuple[float, float, float]) -> tuple[float, float, float]:
    """Linear sRGB → CIELAB (D65)."""

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    x, y, z = (f(v / w) for v, w in zip(_times(_SRGB_TO_XYZ, linear), _WHITE, strict=True))
    return 116 * y - 16, 500 * (x - y), 200 * (y - z)


def delta_e(a: str, b: str, vision: str = "normal") -> float:
    """CIE76 ΔE*ab between ``a`` and ``b`` as seen with ``vision``."""
    return math.dist(lab(simulate_linear(a, vision)), lab(simulate_linear(b, vision)))
