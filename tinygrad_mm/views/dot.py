"""Graphviz's DOT language, written by hand: text that always parses, and running ``dot`` with clear errors.

Writing DOT here (not through the ``graphviz`` package) keeps DOT and JSON output free
of any dependency, keeps deep scope nesting free of recursion, and puts every escape
in one place:

- `label`: user text (a label, a scope name, a title) made safe to *show*: control
  characters and lone surrogates escaped, long text cut.
- `html`: text inside an HTML-like label ``<…>``; `string`: a quoted attribute value.
- `render`: DOT source → svg/png/pdf bytes through the ``dot`` program, or
  `GraphvizNotFoundError` / `GraphvizError` with one clear message.
"""

from __future__ import annotations

import shutil
import subprocess
from html import escape as _html_escape

from .text import printable

MAX_LABEL = 200  # characters of user text shown in a drawing; the rest becomes "…"
INSTALL_GRAPHVIZ = (
    "Install Graphviz: Debian/Ubuntu 'sudo apt-get install graphviz', macOS 'brew install graphviz', "
    "conda 'conda install -c conda-forge graphviz', Windows 'winget install graphviz' "
    "(then add its bin folder to PATH)"
)


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is not installed (DOT and JSON output never need it)."""


class GraphvizError(RuntimeError):
    """``dot`` rejected the drawing or failed; the message carries its first error line."""


def label(text: str, limit: int = MAX_LABEL) -> str:
    """User text as it should be shown: control characters escaped, at most ``limit`` characters."""
    text = printable(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def html(text: str) -> str:
    """``text`` for an HTML-like label, shown literally (markup, ``]`` and backslashes escaped)."""
    return _html_escape(printable(text), quote=True).replace("]", "&#93;").replace("\\", "\\\\")


def string(text: str) -> str:
    """A quoted DOT attribute value that Graphviz shows literally (a tooltip, a plain label).

    Graphviz decodes entities, then escapes such as ``\\N``: so ``&`` becomes
    ``&amp;`` and a backslash four of them (two survive DOT quoting, and they make one).
    """
    text = printable(text).replace("&", "&amp;").replace("\\", "\\" * 4).replace('"', '\\"')
    return f'"{text}"'


def attributes(attrs: dict[str, str]) -> str:
    """``[key=value …]``: a ``label`` is an HTML-like label ``<…>`` already escaped; every other value is quoted."""
    if not attrs:
        return ""
    parts = [f"{key}={value if key == 'label' else string(value)}" for key, value in attrs.items()]
    return f" [{' '.join(parts)}]"


def node(name: str, attrs: dict[str, str]) -> str:
    return f"{name}{attributes(attrs)}"


def edge(tail: str, head: str, attrs: dict[str, str]) -> str:
    return f"{tail} -> {head}{attributes(attrs)}"


def render(source: str, format: str, what: str = "the drawing") -> bytes:
    """Run ``dot -T<format>`` on ``source``; `GraphvizNotFoundError` or `GraphvizError` say what to do."""
    program = shutil.which("dot")
    if program is None:
        raise GraphvizNotFoundError(f"cannot draw {what}: Graphviz's 'dot' program was not found on PATH. {INSTALL_GRAPHVIZ}")
    try:
        done = subprocess.run([program, f"-T{format}"], input=source.encode("utf-8"), capture_output=True, timeout=600)
    except subprocess.TimeoutExpired:
        raise GraphvizError(f"Graphviz's dot took over 10 minutes to lay out {what}; collapse scopes to draw fewer nodes") from None
    if done.returncode != 0 or not done.stdout:
        lines = [line for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        reason = next((line for line in lines if "rror" in line), lines[0] if lines else f"exit status {done.returncode}")
        raise GraphvizError(f"Graphviz's dot could not draw {what}: {reason.strip()[:300]}")
    return done.stdout


def graphviz_module():  # noqa: ANN201 (the optional package's module)
    """The ``graphviz`` package, imported on first use: only `draw_dot`'s return value needs it."""
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "draw_dot returns a graphviz.Digraph, which needs the graphviz Python package: "
            "pip install 'tinygrad-mm[draw]' (or pip install graphviz); write_graph and tinygrad-mm render do not"
        ) from None
    return graphviz
