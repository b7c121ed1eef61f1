"""Small deterministic datasets, generated in code (no downloads, no scikit-learn).

- `make_moons`: the two interleaving half circles of micrograd's demo.
- `toy_ner`: 5-word windows whose centre word is or is not a location, for the
  CS224N window scorer (sentences made from fixed templates and word lists).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


def make_moons(n_samples: int = 100, noise: float = 0.1, seed: int = 1337) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles in 2-D, shuffled, with Gaussian noise of standard deviation ``noise``.

    The upper moon is (cos t, sin t) with label −1; the lower moon is
    (1 − cos t, ½ − sin t) with label +1, for t evenly spaced in [0, π] (the
    same shapes as scikit-learn's ``make_moons``; labels in {−1, +1} as the
    micrograd demo uses them).  Returns ``(X, y)``: X a list of [x, y] floats.
    """
    if not isinstance(n_samples, int) or n_samples < 2:
        raise ValueError(f"n_samples must be an int >= 2 (one point per moon at least), got {n_samples!r}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0 (a standard deviation), got {noise!r}")
    rng = random.Random(seed)
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    points = [(math.cos(t), math.sin(t), -1) for t in _linspace(0.0, math.pi, n_upper)]
    points += [(1.0 - math.cos(t), 0.5 - math.sin(t), 1) for t in _linspace(0.0, math.pi, n_lower)]
    rng.shuffle(points)
    X = [[px + rng.gauss(0.0, noise), py + rng.gauss(0.0, noise)] for px, py, _ in points]
    y = [label for _, _, label in points]
    return X, y


def _linspace(start: float, stop: float, num: int) -> list[float]:
    if num == 1:
        return [start]
    step = (stop - start) / (num - 1)
    return [start + k * step for k in range(num)]


# ---- toy NER: is the centre word of a 5-word window a location? ----

LOCATIONS = (
    "Paris", "London", "Tokyo", "Berlin", "Rome", "Madrid", "Cairo", "Lima",
    "Oslo", "Vienna", "Dublin", "Lisbon", "Prague", "Seoul", "Boston", "Sydney",
)  # fmt: skip
NON_LOCATIONS = (
    "bread", "music", "coffee", "summer", "football", "jazz", "cheese", "rain",
    "history", "dinner", "silence", "poetry", "winter", "science", "tea", "chess",
)  # fmt: skip
# Location windows: "<left2> <left1> LOCATION <right1> <right2>", e.g. "museums in Paris are amazing".
LOCATION_CONTEXTS = (
    ("museums", "in", "are", "amazing"),
    ("we", "visited", "last", "summer"),
    ("she", "moved", "to", "study"),
    ("flights", "from", "were", "cancelled"),
    ("hotels", "near", "are", "expensive"),
    ("streets", "of", "look", "beautiful"),
    ("trains", "to", "leave", "early"),
    ("they", "live", "near", "the"),
    ("he", "returned", "to", "work"),
    ("parks", "in", "are", "green"),
)
# Windows around a non-location centre, e.g. "I like jazz and rain".
OTHER_CONTEXTS = (
    ("I", "like", "and", "rain"),
    ("we", "love", "in", "winter"),
    ("she", "enjoys", "after", "dinner"),
    ("they", "discussed", "all", "night"),
    ("good", "fresh", "is", "rare"),
    ("he", "studies", "every", "day"),
    ("some", "old", "was", "amazing"),
    ("the", "best", "is", "free"),
)


@dataclass(frozen=True)
class NerWindow:
    """One 5-word window and whether its centre word is a location."""

    words: tuple[str, ...]
    is_location: bool


@dataclass(frozen=True)
class ToyNer:
    """The toy NER data: training and held-out windows (disjoint sentences) and the vocabulary."""

    train: tuple[NerWindow, ...]
    heldout: tuple[NerWindow, ...]
    vocabulary: tuple[str, ...]
    corruptions: tuple[str, ...]  # the words a corrupted window puts at the centre


def toy_ner(heldout_fraction: float = 0.25, seed: int = 0) -> ToyNer:
    """Every (context, centre word) combination, shuffled with ``seed`` and split into train / held-out.

    Location windows put a location in a location context ("museums in Paris
    are amazing"); the others put a non-location word in a non-location context
    ("I like jazz and rain").  Held-out windows are sentences never seen in
    training (each word of them is, in other sentences).
    """
    if not 0.0 < heldout_fraction < 1.0:
        raise ValueError(f"heldout_fraction must be strictly between 0 and 1, got {heldout_fraction!r}")
    windows = [NerWindow((l2, l1, c, r1, r2), True) for l2, l1, r1, r2 in LOCATION_CONTEXTS for c in LOCATIONS]
    windows += [NerWindow((l2, l1, c, r1, r2), False) for l2, l1, r1, r2 in OTHER_CONTEXTS for c in NON_LOCATIONS]
    random.Random(seed).shuffle(windows)
    cut = round(len(windows) * (1.0 - heldout_fraction))
    vocabulary = tuple(dict.fromkeys(w for window in windows for w in window.words))
    return ToyNer(tuple(windows[:cut]), tuple(windows[cut:]), vocabulary, NON_LOCATIONS)
