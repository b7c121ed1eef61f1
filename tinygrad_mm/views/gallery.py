"""The classroom pictures of the CS224N margin loss, drawn with ``draw_dot`` and written to files.

Each picture is the notes' example (``cs224n.notes_example``) after ``J.backward()``:

  margin-loss-active    both branches folded into one box each: ∂J/∂s = −1 and ∂J/∂s_c = +1
                        enter at the two scores, and W, b, U each feed both boxes.
  margin-loss-inactive  the same after training until the margin is met: the hinge is closed
                        and every gradient is 0.
  small-expanded        the n = 2, H = 2 example, every node, top to bottom: the two branches meet
                        at J, the gradient is on every edge and, at each shared parameter,
                        ``∂J/∂U[0] = … (via s) + … (via s_c) = …``.
  full-collapsed        the notes' n = 20, H = 8 example with z = Wx + b, a = f(z), s = U·a
                        folded inside each branch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine import Value
from ..models.cs224n import MarginExample, notes_example
from .dot import GraphvizNotFoundError
from .drawing import draw_dot, scopes_in
from .export import write_graph

if TYPE_CHECKING:
    import graphviz

Picture = tuple[Value, dict[str, Any]]  # a root and the draw_dot options that draw it


def example_picture(
    active: bool = True, small: bool = False, collapse_depth: int | None = 1, rankdir: str = "LR"
) -> Picture:
    """The notes' example after ``J.backward()``, with the scopes at ``collapse_depth`` folded (None: none)."""
    example = notes_example(active=active, small=small)
    example.J.backward()
    root, options = picture_of(example, collapse_depth)
    return root, {**options, "rankdir": rankdir}


def picture_of(example: MarginExample, collapse_depth: int | None = 1) -> Picture:
    """``example.J`` with a title naming the windows and the scopes at ``collapse_depth`` (1 = s, s_c) folded."""
    collapse = scopes_in(example.J, collapse_depth) if collapse_depth else []
    return example.J, {"collapse": collapse, "title": title(example)}


def title(example: MarginExample) -> str:
    """``J = max(0, Δ + s_c − s) = 1.015   "museums in Paris …" vs "museums in bread …"``."""
    J = example.J
    window = f'"{" ".join(example.words)}" vs "{" ".join(example.corrupt_words)}"'
    trained = f", after {example.trained_steps} SGD steps on this pair" if example.trained_steps else ""
    return f"J = max(0, Δ + s_c − s) = {J.data:.4g}   for {window}{trained}"


PICTURES: dict[str, Callable[[], Picture]] = {
    "margin-loss-active": lambda: example_picture(active=True),
    "margin-loss-inactive": lambda: example_picture(active=False),
    "small-expanded": lambda: example_picture(small=True, collapse_depth=None, rankdir="TB"),
    "full-collapsed": lambda: example_picture(collapse_depth=2),
}


def draw_picture(name: str) -> graphviz.Digraph:
    """One gallery picture as a ``graphviz.Digraph`` (e.g. to display in Jupyter)."""
    root, options = _picture(name)
    return draw_dot(root, **options)


def write_picture(name: str, out_dir: str | Path = "out", formats: Iterable[str] = ("svg", "png"), **size: Any) -> list[Path]:
    """Write one picture as ``out_dir/<name>.<format>`` for each format.

    ``size``: `DrawOptions` for projection or print, e.g. ``fontsize=18, scale=1.5`` or ``dpi=200``.
    """
    root, options = _picture(name)
    return [write_graph(root, Path(out_dir) / f"{name}.{fmt}", fmt, **{**options, **size}) for fmt in formats]


def write_gallery(out_dir: str | Path = "out", formats: Iterable[str] = ("svg", "png"), **size: Any) -> list[Path]:
    """Write every picture of ``PICTURES`` into ``out_dir`` (``size`` as `write_picture`); returns the files written."""
    formats = tuple(formats)
    return [path for name in PICTURES for path in write_picture(name, out_dir, formats, **size)]


def _picture(name: str) -> Picture:
    if name not in PICTURES:
        raise ValueError(f"no gallery picture named {name!r}; the pictures are: {', '.join(PICTURES)}")
    return PICTURES[name]()


def script(names: Iterable[str], argv: list[str] | None = None) -> int:
    """What each ``visualize/*.py`` does: write the named pictures into ``argv[0]`` (default ``out``), print where."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0].startswith("-")):
        print("usage: python visualize/<script>.py [OUT_DIR]   (default OUT_DIR: out)", file=sys.stderr)
        return 2
    try:
        for name in names:
            for path in write_picture(name, args[0] if args else "out"):
                print(f"wrote {path}")
    except GraphvizNotFoundError as err:
        print(err, file=sys.stderr)
        return 1
    return 0
