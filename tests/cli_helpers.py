"""Running ``tinygrad-mm`` as a real subprocess, and what a user mistake must look like.

    from cli_helpers import cli, assert_one_line_error, svg_words, files_in, demo_table
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

SVG_TEXT = "{http://www.w3.org/2000/svg}text"


def cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m tinygrad_mm ARGS`` with stdout and stderr captured as text (UTF-8)."""
    environment = dict(os.environ, PYTHONIOENCODING="utf-8") | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "tinygrad_mm", *args], cwd=cwd, env=environment, capture_output=True, text=True,
        encoding="utf-8", errors="replace", timeout=timeout, check=False,
    )  # fmt: skip


def assert_one_line_error(done: subprocess.CompletedProcess, code: int, *fragments: str) -> str:
    """Exit ``code``, exactly ONE line on stderr naming every fragment, and no traceback; returns that line."""
    lines = done.stderr.splitlines()
    assert done.returncode == code, f"exit {done.returncode} (wanted {code}); stderr:\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
    assert len(lines) == 1, f"{len(lines)} stderr lines:\n{done.stderr}"
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    assert lines[0].startswith(("tinygrad-mm ", "tinygrad-mm:"))
    return lines[0]


def svg_words(path: Path) -> list[str]:
    """Every text line of an SVG file written by Graphviz."""
    return [t.text or "" for t in ET.parse(path).getroot().iter(SVG_TEXT)]


def files_in(directory: Path) -> list[str]:
    """The names in ``directory`` (hidden temporary files included), sorted."""
    return sorted(p.name for p in directory.iterdir())


def demo_table(out: str) -> dict[str, list[float]]:
    """The demo's shared-weight rows marked ✓: label → [via s, via s_c…, sum, .grad, closed form]."""
    rows = {}
    for line in out.splitlines():
        m = re.match(r"\s+((?:U|W)\[[\d,]+\])\s+(.*?)\s+✓$", line)
        if m:
            rows[m.group(1)] = [float(v) for v in m.group(2).split()]
    return rows
