"""The classroom pictures of the CS224N margin loss: defined once here, written by ``tinygrad-mm pictures``
(which ``tinygrad-mm demo`` and the ``visualize/`` scripts call).

Each picture is one of the example's versions after ``J.backward()`` (the notes' windows by
default; any `ExampleSpec`: other words, k corrupted windows, Δ, H, d, f):

  margin-loss-active    every branch folded into one box: ∂J/∂s = −1 and ∂J/∂s_c = +1 enter at
                        the two scores, and W, b, U each feed both boxes.
  margin-loss-inactive  the same after training until the margin is met: the hinge is closed
                        and every gradient is 0.
  small-expanded        the centre words only (d = H = 2), every node, top to bottom: the branches
                        meet at J, the gradient is on every edge and, at each shared parameter,
                        ``∂J/∂U[0] = … (via s) + … (via s_c) = …``.
  full-collapsed        the whole example with z = Wx + b, a = f(z), s = U·a folded inside each branch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..models.cs224n import ExampleSpec, MarginExample, build_example
from .draw_options import GraphTooLargeError
from .drawing import draw_dot, scopes_in
from .export import write_graph

if TYPE_CHECKING:
    import graphviz

# name → (which version of the example: "active", "inactive" or "small"; scope depth folded, None: none; rankdir)
PICTURES = {
    "margin-loss-active": ("active", 1, "LR"),
    "margin-loss-inactive": ("inactive", 1, "LR"),
    "small-expanded": ("small", None, "TB"),
    "full-collapsed": ("active", 2, "LR"),
}
MAX_NODES = 1000  # a picture with more nodes is skipped, with a note (k corrupted windows, or a large H or d)


@dataclass
class Gallery:
    """The example's versions, backpropagated, and what could not be built or drawn (one note each)."""

    examples: dict[str, MarginExample]
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, spec: ExampleSpec | None = None) -> Gallery:
        """The example, its inactive version, and both cut to the centre words, each after ``J.backward()``.

        A version that cannot be built (an inactive one whose margins training cannot meet) is left out, with a note.
        """
        spec = spec or ExampleSpec()
        small = spec.centre_words() if len(spec.window) % 2 else spec  # an even window has no centre: draw it whole
        gallery = cls({})
        for name, chosen, active in (("active", spec, True), ("inactive", spec, False), ("small", small, True),
                                     ("inactive-small", small, False)):  # fmt: skip
            try:
                example = build_example(chosen, active)
            except RuntimeError as err:
                gallery.notes.append(f"the {name.replace('-', ' ')} example is not drawn: {err}")
                continue
            example.J.backward()
            gallery.examples[name] = example
        return gallery

    def picture(self, name: str) -> tuple[MarginExample, dict[str, Any]]:
        """The example a picture shows, and the `DrawOptions` that draw it."""
        if name not in PICTURES:
            raise ValueError(f"no gallery picture named {name!r}; the pictures are: {', '.join(PICTURES)}")
        which, depth, rankdir = PICTURES[name]
        example = self.examples[which]
        collapse = scopes_in(example.J, depth) if depth else []
        return example, {"collapse": collapse, "title": title(example), "rankdir": rankdir, "max_nodes": MAX_NODES}

    def write(self, out_dir: str | Path = "out", names: Iterable[str] = PICTURES,
              formats: Iterable[str] = ("svg", "png"), **size: Any) -> list[Path]:  # fmt: skip
        """Write each named picture as ``out_dir/<name>.<format>``; one too large to draw becomes a note.

        ``size``: `DrawOptions` for projection or print, e.g. ``fontsize=18, scale=1.5`` or ``dpi=200``.
        """
        written: list[Path] = []
        for name in names:
            if PICTURES.get(name, ("",))[0] not in self.examples and name in PICTURES:
                continue  # its version could not be built: already a note
            example, options = self.picture(name)
            try:
                written += [write_graph(example.J, Path(out_dir) / f"{name}.{fmt}", fmt, **options, **size) for fmt in formats]
            except GraphTooLargeError as err:
                self.notes.append(f"{name} not drawn: {err}")
        return written


def title(example: MarginExample) -> str:
    """``J = max(0, Δ + s_c − s) = 1.015   for "museums in Paris …" vs "museums in bread …"`` (every window when k > 1)."""
    windows = " vs ".join(f'"{" ".join(w)}"' for w in (example.words, *(n.words for n in example.negatives)))
    formula = "max(0, Δ + s_c − s)" if example.k == 1 else f"Σₖ max(0, Δ + s_cₖ − s), k = 1…{example.k}"
    trained = f", after {example.trained_steps} SGD steps on these windows" if example.trained_steps else ""
    return f"J = {formula} = {example.J.data:.4g}   for {windows}{trained}"


def draw_picture(name: str, spec: ExampleSpec | None = None) -> graphviz.Digraph:
    """One gallery picture as a ``graphviz.Digraph`` (e.g. to display in Jupyter)."""
    example, options = Gallery.of(spec).picture(name)
    return draw_dot(example.J, **options)


def write_picture(name: str, out_dir: str | Path = "out", formats: Iterable[str] = ("svg", "png"), **size: Any) -> list[Path]:
    """Write one picture of the notes' example as ``out_dir/<name>.<format>`` for each format."""
    if name not in PICTURES:
        raise ValueError(f"no gallery picture named {name!r}; the pictures are: {', '.join(PICTURES)}")
    return Gallery.of().write(out_dir, [name], formats, **size)


def write_gallery(out_dir: str | Path = "out", formats: Iterable[str] = ("svg", "png"), **size: Any) -> list[Path]:
    """Write every picture of the notes' example into ``out_dir``; returns the files written."""
    return Gallery.of().write(out_dir, PICTURES, formats, **size)
