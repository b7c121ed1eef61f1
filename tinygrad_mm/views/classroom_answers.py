"""A class's questions and answers: what counts as a number, a name, a right answer; one question's histogram.

An answer ``a`` to a question with right answer ``x`` and tolerance ``tol`` (half a unit in the last
digit the answer is shown with) is *right* when ``|a − x| ≤ tol``, *close* when not right but
``|a + x| ≤ tol`` (the sign flipped — the classic slip) or ``|a − x| ≤ |x| / 10``, and *wrong*
otherwise.  Everything a request brings is checked here; a request refused raises `Refused`.
"""

from __future__ import annotations

import hmac
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT, MAX_NUMBER, MAX_NAME = 300, 40, 32
HISTOGRAM_BARS, MAX_EDITS = 12, 200
VERDICTS = ("right", "close", "wrong")


class Refused(Exception):
    """A request the class turns down: HTTP ``status``, a short ``reason`` (counted), and a sentence saying why."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


def parse_number(text: object) -> float:
    """A finite number as a person types it: ``−0.5``, ``-.5``, ``1,5``, ``1.25e-3``; `Refused` (400) otherwise."""
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise Refused(400, "bad input", "an answer must be a number, e.g. -0.5 or 1.25e-3")
    raw = str(text).strip().replace("\u2212", "-").replace(" ", "")
    if "," in raw and "." not in raw:
        raw = raw.replace(",", ".", 1)
    if not raw or len(raw) > MAX_NUMBER or not all(c in "0123456789+-.eE" for c in raw):
        raise Refused(400, "bad input", f"not a number (at most {MAX_NUMBER} characters): type e.g. -0.5 or 1.25e-3")
    try:
        value = float(raw)
    except ValueError:
        raise Refused(400, "bad input", "not a number: type e.g. -0.5 or 1.25e-3") from None
    if not math.isfinite(value):
        raise Refused(400, "bad input", "the answer must be a finite number")
    return value


def clean_name(name: object) -> str:
    """A student's optional name: printable, at most `MAX_NAME` characters, ``""`` when none is given."""
    if name is None or name == "":
        return ""
    if not isinstance(name, str) or len(name) > MAX_NAME or not name.isprintable():
        raise Refused(400, "bad input", f"a name is at most {MAX_NAME} printable characters")
    return name.strip()


def clean_text(text: object, what: str) -> str:
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT or not text.replace("\n", " ").isprintable():
        raise Refused(400, "bad input", f"{what} must be 1 to {MAX_TEXT} printable characters")
    return text.strip()


def check_edits(edits: object) -> dict[str, float]:
    """The live page's edits as the teacher sent them: at most `MAX_EDITS` names (printable, ≤ `MAX_NAME` × 2
    characters), each to a finite number."""
    if not isinstance(edits, dict) or len(edits) > MAX_EDITS:
        raise Refused(400, "bad input", f"edits are at most {MAX_EDITS} names with their numbers")
    for name, value in edits.items():
        if not isinstance(name, str) or not 0 < len(name) <= 2 * MAX_NAME or not name.isprintable():
            raise Refused(400, "bad input", f"an edited value's name is 1 to {2 * MAX_NAME} printable characters")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise Refused(400, "bad input", f"the edited value of {name} must be a finite number")
    return {name: float(value) for name, value in edits.items()}


def verdict(value: float, right: float | None, tol: float) -> str:
    """``right``, ``close`` or ``wrong`` (see the module docstring); ``answered`` when the question has no right answer."""
    if right is None:
        return "answered"
    if abs(value - right) <= tol:
        return "right"
    if abs(value + right) <= tol or abs(value - right) <= abs(right) / 10:
        return "close"
    return "wrong"


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two secrets (a join code, the teacher's key or a token)."""
    return hmac.compare_digest(a.encode("utf-8", "replace"), b.encode("utf-8", "replace"))


@dataclass
class Answer:
    value: float
    text: str
    verdict: str
    seconds: float  # after the question was asked


@dataclass
class Question:
    number: int
    text: str
    kind: str  # "step" (the gradient the next backward step finds) or "free" (the teacher's own question)
    right: float | None
    tol: float
    shown: str  # how the right answer is shown when revealed, e.g. "−0.5"
    view: int | None = None  # a step question: the page's view and the 0-based step asked about
    step: int | None = None
    asked: float = field(default_factory=time.monotonic)
    revealed: bool = False
    answers: dict[str, Answer] = field(default_factory=dict)  # student token → the answer counted

    def public(self) -> dict[str, Any]:
        """What every student may see: the question, and the answer only once it is revealed."""
        seen = {"number": self.number, "text": self.text, "kind": self.kind, "view": self.view, "step": self.step,
                "revealed": self.revealed, "has_answer": self.right is not None}  # fmt: skip
        if self.revealed:
            seen["answer"] = self.shown
        return seen

    def histogram(self) -> dict[str, Any]:
        """The teacher's live picture: counts per verdict and the distribution of the numbers given."""
        verdicts = Counter(a.verdict for a in self.answers.values())
        groups: dict[str, list[Answer]] = {}
        for a in self.answers.values():
            groups.setdefault(f"{a.value:.4g}", []).append(a)
        bars = sorted(groups.items(), key=lambda item: (-len(item[1]), item[1][0].value))[:HISTOGRAM_BARS]
        bars.sort(key=lambda item: item[1][0].value)
        shown = sum(len(group) for _, group in bars)
        return {
            "verdicts": {v: verdicts.get(v, 0) for v in (*VERDICTS, "answered")},
            "values": [[label, len(group), group[0].verdict] for label, group in bars],
            "others": len(self.answers) - shown,
        }


def cell(text: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (``=``, ``+``, ``-``, ``@`` get a leading apostrophe)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not is_number(text) else text


def is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text.replace("\u2212", "-")))
    except ValueError:
        return False
