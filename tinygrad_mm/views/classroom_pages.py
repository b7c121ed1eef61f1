"""The teacher's and the students' pages of ``tinygrad-mm class``: the step-through page, plus a class panel.

Each page is `viewer.page` as ``tinygrad-mm html`` writes it — the same drawings, steps and keys — with
three additions spliced in at fixed markers: the class stylesheet (before ``</head>``), the class panel
(before ``</main>``) and the class script (before ``</body>``, after the page's own, whose functions it
calls: ``tgmm.go``, ``tgmm.switchView``).  The page's Content-Security-Policy gains the class script's
hash and ``connect-src 'self'`` (the page may talk to the server it came from, and to nothing else).
"""

from __future__ import annotations

import base64
import hashlib
import html
from importlib import resources
from typing import Any

from ..engine import Value
from .classroom_server import Pages
from .qr import qr_svg
from .viewer import page

SCRIPTS = {"teacher": ("class-common.js", "class-teacher.js"), "student": ("class-common.js", "class-student.js")}


def class_pages(root: Value, title: str | None, subtitle: str, student_url: str, **options: Any) -> Pages:
    """Both pages for ``root`` (``options`` as `viewer.page` takes them); the teacher's shows ``student_url`` and its QR code."""
    base = page(root, title, subtitle, **options)
    fields = {"student_url": html.escape(student_url), "qr": qr_svg(student_url, label="the class URL as a QR code")}
    return Pages(teacher=_with_class(base, "teacher", fields).encode("utf-8"),
                 student=_with_class(base, "student", fields).encode("utf-8"))  # fmt: skip


def _with_class(base: str, role: str, fields: dict[str, str]) -> str:
    script = "\n".join(_template(name) for name in SCRIPTS[role])
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    panel = _template(f"class-{role}.html")
    for name, value in fields.items():
        panel = panel.replace("{{" + name + "}}", value)
    text = _splice(base, "script-src ", f"script-src 'sha256-{digest}' ", before=False)
    text = _splice(text, "default-src 'none';", "default-src 'none'; connect-src 'self';", before=False)
    text = _splice(text, "</head>", f"<style>\n{_template('class.css')}</style>\n")
    text = _splice(text, "</main>", panel)
    return _splice(text, "</body>", f"<script>{script}</script>\n")


def _splice(text: str, marker: str, insert: str, *, before: bool = True) -> str:
    """``insert`` placed just before the one ``marker`` in ``text`` (or, with ``before=False``, put in its place)."""
    if text.count(marker) != 1:
        raise ValueError(f"the step-through page changed: expected one {marker!r} to add the class panel to")
    return text.replace(marker, insert + marker if before else insert)


def _template(name: str) -> str:
    return resources.files("tinygrad_mm.views").joinpath("templates", name).read_text(encoding="utf-8")
