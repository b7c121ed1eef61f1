"""The drawing's options, written once: one validated `DrawOptions` for draw_dot, write_graph, the page and the CLI."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from ..engine import Value
from .text import format_number

if TYPE_CHECKING:
    from .graph import GraphModel

DEFAULT_MAX_NODES = 300
BASE_FONTSIZE = 12.0
RANKDIRS = ("LR", "TB")


class GraphTooLargeError(ValueError):
    """The drawing would have more than ``max_nodes`` nodes."""

    @classmethod
    def for_drawing(cls, model: GraphModel, size: int, max_nodes: int) -> GraphTooLargeError:
        top = list(dict.fromkeys(path[0] for path in model.scope_paths))
        hint = (
            f"collapse scopes, e.g. collapse={top!r} (CLI: --collapse SCOPE …)" if top
            else "build the graph inside tinygrad_mm.scope(...) blocks and collapse them"
        )  # fmt: skip
        return cls(
            f"the drawing of {model.root_name[:60]!r} would have {size} nodes, more than max_nodes={max_nodes}: "
            f"{hint}, draw a smaller sub-expression, or raise max_nodes (CLI: --max-nodes)"
        )


class NumberFormat:
    """Format numbers with a format spec (e.g. ``".4g"``), a true minus sign, and no ``−0``."""

    def __init__(self, spec: str) -> None:
        if not isinstance(spec, str):
            raise TypeError(f"number_format must be a format spec str such as '.4g' or '.3f', got {spec!r}")
        try:
            format(-1.5, spec)
        except (ValueError, TypeError) as err:
            raise ValueError(
                f"number_format {spec!r} is not a float format spec ({err}); use e.g. '.4g', '.3f' or '.2e'"
            ) from None
        fill = spec[0] if len(spec) > 1 and spec[1] in "<>=^" else ""  # [[fill]align]…: the padding character
        if fill in ("<", "&", ">"):
            raise ValueError(
                f"number_format {spec!r} pads numbers with {fill!r}, which the drawing's labels (Graphviz HTML) "
                f"cannot hold; choose another fill character, e.g. {' ' + spec[1:]!r} or {'0' + spec[1:]!r}"
            )
        self.spec = spec

    def __call__(self, x: float | None, signed: bool = False) -> str:
        if x is None:
            return "undefined"
        return format_number(x, self.spec, "−", signed)


@dataclass
class DrawOptions:
    """How to draw a graph.

    rankdir        "LR" (left to right) or "TB" (top to bottom).
    show_data      print each value's data.
    show_grad      print gradients and the gradient on every edge; None (default) = only once a
                   backward pass has reached the graph, else the drawing says "gradients not computed yet".
                   Shown gradients are ∂root/∂node, computed for the drawing (no .grad changes).
    number_format  a float format spec, e.g. ".4g" or ".3f".
    highlight      nodes (Values, or labels) to outline in orange.
    collapse       scope names to draw as one box each (see ``scopes_in``).
    clusters       draw name scopes as nested clusters.
    group_leaves   beside collapsed scopes, fold leaves named like W[i,j] that only feed
                   collapsed boxes into one node per name (W, b, U, x, ...).
    legend, title  the header: title, what the drawing shows, and a colour legend.
    max_nodes      refuse to draw more nodes than this (collapse scopes instead).
    fontsize       the base font size in points (12); every text of the drawing scales with it (projection).
    dpi            pixels per inch of PNG output (None: Graphviz's 96); Graphviz draws SVG and PDF
                   dpi/72 times their size in points as well.
    scale          multiplies the picture's size: it is drawn at dpi × scale (None dpi: 96 × scale).
    grad_slots     leave an empty, fixed-size row in each value (and each collapsed box output, each
                   leaf group) where the step-through page and the slides write the gradient.
    """

    rankdir: str = "LR"
    show_data: bool = True
    show_grad: bool | None = None
    number_format: Any = ".4g"  # a spec str; a NumberFormat once checked
    highlight: Iterable[Value | str] = ()
    collapse: Iterable[str] = ()
    clusters: bool = True
    group_leaves: bool = True
    legend: bool = True
    title: str | None = None
    max_nodes: int = DEFAULT_MAX_NODES
    fontsize: float = BASE_FONTSIZE
    dpi: float | None = None
    scale: float = 1.0
    grad_slots: bool = False
    _checked: bool = field(default=False, repr=False, compare=False)

    @classmethod
    def of(cls, options: DrawOptions | None, kwargs: dict[str, Any]) -> DrawOptions:
        """``options`` updated with ``kwargs`` (or the defaults with them), validated."""
        names = {f.name for f in fields(cls) if not f.name.startswith("_")}
        unknown = sorted(set(kwargs) - names)
        if unknown:
            raise TypeError(f"unexpected keyword argument {unknown[0]!r}; the drawing's options are: {', '.join(sorted(names))}")
        if options is not None and not isinstance(options, DrawOptions):
            raise TypeError(f"options must be a DrawOptions, got {type(options).__name__}")
        base = {name: getattr(options, name) for name in names} if options is not None else {}
        if isinstance(base.get("number_format"), NumberFormat):
            base["number_format"] = base["number_format"].spec
        return cls(**{**base, **kwargs}).checked()

    def checked(self) -> DrawOptions:
        """Validate every option, with an error that says what is accepted."""
        if self.rankdir not in RANKDIRS:
            raise ValueError(f"rankdir must be 'LR' (left to right) or 'TB' (top to bottom), got {self.rankdir!r}")
        for name in ("show_data", "clusters", "group_leaves", "legend", "grad_slots"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.show_grad is not None and not isinstance(self.show_grad, bool):
            raise TypeError(f"show_grad must be True, False or None (= after backward()), got {self.show_grad!r}")
        if isinstance(self.max_nodes, bool) or not isinstance(self.max_nodes, int) or self.max_nodes < 1:
            raise ValueError(f"max_nodes must be a positive int, got {self.max_nodes!r}")
        self.fontsize = _positive("fontsize", self.fontsize, 4.0, 72.0)
        self.scale = _positive("scale", self.scale, 0.05, 20.0)
        if self.dpi is not None:
            self.dpi = _positive("dpi", self.dpi, 10.0, 2400.0)
        if self.title is not None and not isinstance(self.title, str):
            raise TypeError(f"title must be a str or None, got {self.title!r}")
        if not isinstance(self.number_format, NumberFormat):
            self.number_format = NumberFormat(self.number_format)
        self.highlight = [self.highlight] if isinstance(self.highlight, (str, Value)) else list(self.highlight)
        self.collapse = [self.collapse] if isinstance(self.collapse, str) else list(self.collapse)
        for name in self.collapse:
            if not isinstance(name, str):
                raise TypeError(f"collapse takes scope names (str), got {type(name).__name__} {name!r}")
        self._checked = True
        return self

    def graph_dpi(self) -> float | None:
        """The ``dpi`` graph attribute to write: None keeps Graphviz's default size."""
        if self.dpi is None and self.scale == 1.0:
            return None
        return (self.dpi or 96.0) * self.scale

    def points(self, size: float) -> float:
        """A font size of the 12-point drawing at this drawing's ``fontsize``."""
        return round(size * self.fontsize / BASE_FONTSIZE, 1)

    def checked_collapse(self, model: GraphModel) -> set[str]:
        """The scope names to collapse, each checked to exist in ``model``'s graph."""
        known = list(dict.fromkeys(path[-1] for path in model.scope_paths))
        unknown = [name for name in self.collapse if name not in known]
        if unknown:
            listing = ", ".join(repr(k) for k in known) or "none (this graph was built outside any tinygrad_mm.scope)"
            raise ValueError(f"collapse: unknown scope {sorted(unknown)!r}; the scopes in this graph are: {listing}")
        return set(self.collapse)

    def checked_highlight(self, model: GraphModel) -> set[int]:
        """The node indices to outline, each checked to exist in ``model``'s graph."""
        chosen = set()
        for item in self.highlight:
            if isinstance(item, Value):
                if item not in model.index:
                    raise ValueError(f"highlight: the Value {item!r} is not part of this graph")
                chosen.add(model.index[item])
            elif isinstance(item, str):
                found = [i for i, node in enumerate(model.nodes) if node.label == item]
                if not found:
                    raise ValueError(f"highlight: no node labelled {item!r} in this graph")
                chosen.update(found)
            else:
                raise TypeError(f"highlight takes Values or labels (str), got {type(item).__name__} {item!r}")
        return chosen


def _positive(name: str, value: object, low: float, high: float) -> float:
    """``value`` as a float in [low, high], or an error that says what is accepted."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}, got {value!r}")
    return float(value)
