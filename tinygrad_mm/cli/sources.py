"""Where a graph command's graph comes from: the notes' example (default), a user's script, or a formula.

Every graph command (render, trace, explain, html, slides, code, …) calls
`add_graph_arguments(parser)` and then `load_graph(args)`, which returns a
`GraphSource`: the root Value plus what the views need to present it (title,
subtitle, a default collapse, the example when it is the notes' one).

    tinygrad-mm render my_graph.py [--root NAME] [--no-autolabel]     (cli/script.py)
    tinygrad-mm render -e "tanh(x*w + b)" --set x=2 w=-3 b=6.88        (cli/expr.py)
    tinygrad-mm render [--window "…"] [--corrupt WORD …] [--delta Δ] …  (models/cs224n.py)

A bad choice (a missing script, a refused formula, an unknown --root, options that
do not go together) is a `UserError`: one line, raised before anything is drawn.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine import Value
from ..models.cs224n import ACTIVATIONS, ExampleSpec, MarginExample, build_example
from .errors import UserError
from .options import check_output_file, real, whole

# the notes' example's options: dest → how to name it in an error (their defaults are None / False)
EXAMPLE_OPTIONS = {
    "window": "--window", "corrupt": "--corrupt", "corrupt_window": "--corrupt-window", "delta": "--delta",
    "hidden": "--hidden", "dim": "--dim", "seed": "--seed", "activation": "--activation", "small": "--small",
    "inactive": "--inactive", "expanded_hinge": "--expanded-hinge",
}  # fmt: skip


@dataclass
class GraphSource:
    """A graph to show, and how to present it."""

    root: Value
    title: str  # e.g. "CS224N max-margin loss: backprop, step by step"
    subtitle: str = ""  # e.g. the windows and whether the margin is met
    name: str = "graph"  # a short name for default file names, e.g. "notes-example"
    collapse: list[str] = field(default_factory=list)  # scopes collapsed by default (the full notes' example: its branches)
    example: MarginExample | None = None  # set when the graph is the notes' example
    drawing_title: str = ""  # a one-line title for a picture (the example: J's formula, value and windows); "" → title


def add_graph_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that choose the graph: SCRIPT.py, or -e FORMULA, or (by default) the notes' example's options."""
    mine = parser.add_argument_group("your own graph: a script (as python SCRIPT.py runs it) or a formula")
    mine.add_argument("script", nargs="?", type=Path, metavar="SCRIPT.py", help="run this script and draw its root Value")
    mine.add_argument(
        "--root", metavar="NAME", help="the script's variable holding the root (default: J, then loss, then the "
        "only top-level Value no other one uses)",
    )  # fmt: skip
    mine.add_argument("--no-autolabel", action="store_true", help="do not label unlabelled Values with their variable names")
    mine.add_argument(
        "-e", "--expr", metavar="FORMULA",
        help="a formula, e.g. 'tanh(x*w1 + x2*w2 + b)' or 'J = max(0, 1 + s_c - s)': numbers, names, x[0], W[0,1], "
        "+ - * / **, the ops' functions (relu tanh sigmoid exp log …), max(0, …), sum(...), dot([...], [...]); "
        "'NAME = formula' names a result, and statements separated by ';' or new lines build on each other",
    )  # fmt: skip
    mine.add_argument("--set", nargs="+", action="extend", default=[], metavar="NAME=VALUE",
                      help="the formula's numbers, e.g. --set x=2 w1=-3 v=1,2,3 (v[0], v[1], v[2]); repeat --set to add more")
    add_example_arguments(parser)


def add_example_arguments(parser: argparse.ArgumentParser) -> None:
    """The notes' example's options: the windows, Δ, H, d, the seed, f, --small and --inactive."""
    group = parser.add_argument_group("the notes' example (the default graph): J = Σₖ max(0, Δ + s_c⁽ᵏ⁾ − s)")
    group.add_argument("--window", metavar="WORDS", help="the true window (default: 'museums in Paris are amazing')")
    group.add_argument(
        "--corrupt", nargs="+", metavar="WORD", help="replace the centre word by each WORD: k words give k corrupted "
        "windows (default: bread)",
    )  # fmt: skip
    group.add_argument(
        "--corrupt-window", action="append", metavar="WORDS", help="a whole corrupted window (repeat for several)"
    )
    group.add_argument("--delta", type=real(0, 1000), metavar="Δ", help="the margin Δ (default 1)")
    group.add_argument("--hidden", type=whole(1, 1000), metavar="H", help="hidden units (default 8; 2 with --small)")
    group.add_argument("--dim", type=whole(1, 1000), metavar="d", help="embedding size (default 4; 2 with --small)")
    group.add_argument("--seed", type=whole(-(2**63), 2**63 - 1), help="embeddings and initialisation (default 0)")
    group.add_argument("--activation", choices=ACTIVATIONS, help="f in s = Uᵀf(Wx + b) (default: sigmoid)")
    group.add_argument(
        "--small", action="store_true", help="keep only the centre words, with d = H = 2: every node fits in one picture"
    )
    group.add_argument(
        "--inactive", action="store_true", help="train first until every margin is met (J = 0): no gradient flows"
    )
    group.add_argument(
        "--expanded-hinge", action="store_true",
        help="build each hinge as two nodes, m = Δ + s_c − s and J = max(0, m): the −1 comes from the subtraction",
    )  # fmt: skip


def load_graph(args: argparse.Namespace) -> GraphSource:
    """The graph the options chose, forward built and not backpropagated.

    A named ``--out FILE`` is checked first (`options.check_output_file`), so a bad path
    is reported before a script runs.
    """
    if isinstance(getattr(args, "out", None), Path):
        try:
            check_output_file(args.out)
        except argparse.ArgumentTypeError as err:
            raise UserError(f"--out: {err}") from None
    script, expr = getattr(args, "script", None), getattr(args, "expr", None)
    chosen = [EXAMPLE_OPTIONS[dest] for dest in EXAMPLE_OPTIONS if getattr(args, dest, None) not in (None, False)]
    if script and expr is not None:
        raise UserError("give either SCRIPT.py or -e FORMULA, not both")
    if (script or expr is not None) and chosen:
        raise UserError(f"{', '.join(chosen)}: only for the notes' example, not for {'a script' if script else 'a formula'}")
    if getattr(args, "set", None) and expr is None:
        raise UserError("--set gives numbers to a formula's names: add -e FORMULA")
    if not script and (getattr(args, "root", None) or getattr(args, "no_autolabel", False)):
        raise UserError("--root and --no-autolabel apply to SCRIPT.py only")
    if script:
        return script_source(script, args.root, not args.no_autolabel)
    if expr is not None:
        return expression_source(expr, args.set)
    return example_source(example_of(args), small=args.small)


def script_source(path: Path, root: str | None = None, label: bool = True) -> GraphSource:
    """The root Value of the user's script, its gradients cleared (the commands backpropagate it themselves)."""
    from ..views.live_text import Shown, live_text
    from .script import autolabel, choose_root, run_script, top_level_values

    namespace = run_script(path)
    values = top_level_values(namespace)
    if label:
        autolabel(values)
    name = choose_root(values, root, path, namespace)
    value = values[name]
    value.zero_grad()  # whatever the script backpropagated, the views show ∂root/∂node
    title = f"{value.label or name} from {path.name}"
    subtitle = live_text(f"{name} = ", Shown(value, 6))  # the live page rewrites the number after an edit
    return GraphSource(value, title, subtitle, path.stem or "script", drawing_title=title)


def expression_source(text: str, settings: list[str]) -> GraphSource:
    """The graph of a formula, its names set by ``--set NAME=VALUE``."""
    from ..views.live_text import Shown, live_text
    from .expr import build_expression, parse_settings

    expression = build_expression(text, parse_settings(settings))
    parts: list[Any] = []  # "x = 2, w = −3": the live page rewrites the numbers after an edit
    for n, (name, leaf) in enumerate(expression.leaves.items()):
        parts += [", " if n else "", f"{name} = ", Shown(leaf, 6)]
    values = live_text(*parts)
    title = expression.text  # "o = tanh(x*w + b)" or "tanh(x*w + b)", as typed
    return GraphSource(expression.root, title, values, "expr", drawing_title=f"{title}   at {values}" if values else title)


def example_spec(args: argparse.Namespace) -> ExampleSpec:
    """The `ExampleSpec` the example options describe (`UserError` if they do not fit together)."""
    for option, texts in (("--window", [args.window] if args.window is not None else []),
                          ("--corrupt-window", args.corrupt_window or [])):  # fmt: skip
        if any(not text.split() for text in texts):
            raise UserError(f"{option} needs words, e.g. {option} 'museums in Paris are amazing'")
    try:
        return ExampleSpec.notes(
            small=getattr(args, "small", False),
            window=args.window.split() if getattr(args, "window", None) is not None else None,
            corrupt_words=getattr(args, "corrupt", None) or (),
            corrupt_windows=[w.split() for w in getattr(args, "corrupt_window", None) or ()],
            **{name: getattr(args, name, None) for name in ("delta", "hidden", "dim", "activation", "seed")},
            expanded_hinge=getattr(args, "expanded_hinge", False) or None,
        )
    except (TypeError, ValueError) as err:
        raise UserError(str(err)) from None


def example_of(args: argparse.Namespace, active: bool | None = None) -> MarginExample:
    """The example the options describe, built (and, for --inactive, trained until every margin is met)."""
    spec = example_spec(args)
    try:
        return build_example(spec, active=not args.inactive if active is None else active)
    except RuntimeError as err:  # the margins could not be met by training (e.g. a huge Δ)
        raise UserError(f"--inactive: {err}", 1) from None


def example_source(example: MarginExample, small: bool = False) -> GraphSource:
    """The notes' example as a `GraphSource` (the full example collapses each of its k + 1 branches by default)."""
    from ..views.drawing import scopes_in
    from ..views.gallery import title as picture_title
    from ..views.live_text import live_text

    state = (example.J, "every margin met: J = 0, the hinge is flat, no gradient flows", "margin violated: gradient flows")
    corrupted: list[Any] = []
    for n, negative in enumerate(example.negatives):
        corrupted += [", " if n else "", f"“{' '.join(negative.words)}” ({negative.s.label} = ", negative.s, ")"]
    subtitle = live_text(  # a text whose numbers the live page rewrites after an edit
        f"true window “{' '.join(example.words)}” (s = ", example.s, "), corrupted ", *corrupted,
        f": J = {formula(example)} = ", example.J, ", ", state,
    )  # fmt: skip
    collapse = [] if small else scopes_in(example.J, depth=1)
    name = "notes-example" + ("" if example.active else "-inactive") + ("-small" if small else "")
    source = GraphSource(example.J, "CS224N max-margin loss: backprop, step by step", subtitle, name, collapse, example)
    source.drawing_title = picture_title(example)
    return source


def formula(example: MarginExample) -> str:
    """``max(0, Δ + s_c − s)`` for one corrupted window, ``Σₖ max(0, Δ + s_cₖ − s)`` (k = 1…K) for several."""
    return "max(0, Δ + s_c − s)" if example.k == 1 else f"Σₖ max(0, Δ + s_cₖ − s), k = 1…{example.k}"
