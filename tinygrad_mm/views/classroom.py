"""A class in session: who joined, the step the teacher shows, the question asked, every answer, the refusals.

`Classroom` is the state behind ``tinygrad-mm class`` (the HTTP side is `classroom_server`); it knows
nothing of sockets, so every rule is testable in-process.  All methods are thread-safe (one lock):

- the *public* state (the teacher's view and step, whether navigation is free, the open question) is
  what every student page follows; each change bumps ``public_version`` and wakes the students' streams;
- the *teacher's* state adds the live histogram, the counts and the refusals (``teacher_version``);
- a student sees the public state and only their own answer — never anyone else's.

Each student's first answer to a question counts, exactly once; a second one is refused.  What counts as
a number, a name and a right answer is in `classroom_answers`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .classroom_answers import (
    Answer,
    Question,
    Refused,
    cell,
    check_edits,
    clean_name,
    clean_text,
    parse_number,
    same,
    verdict,  # fmt: skip
)
from .page_data import tolerance

JOIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: a code read aloud or off a projector
MAX_QUESTIONS = 1000


@dataclass
class Student:
    number: int  # s1, s2, … in the CSV: students stay anonymous unless they give a name
    name: str = ""
    streams: int = 0  # how many of this student's event streams are open (0 or 1, briefly 2 while one replaces another)
    generation: int = 0  # bumped by each new stream: an older stream of the same student then ends


class Classroom:
    """One class: a join code for students, a key for the teacher, and the state both follow (module docstring)."""

    def __init__(self, *, max_students: int = 400, join_code: str | None = None, teacher_key: str | None = None) -> None:
        self.join_code = join_code or "".join(secrets.choice(JOIN_ALPHABET) for _ in range(8))
        self.teacher_key = teacher_key or secrets.token_urlsafe(18)
        self.max_students = max_students
        self.lock = threading.Lock()
        self.public_changed = threading.Condition(self.lock)  # wakes the students' streams
        self.teacher_changed = threading.Condition(self.lock)  # wakes the teacher's stream
        self.public_version = self.teacher_version = 1
        self.closed = False
        self.view = self.pos = 0
        self.edits: dict[str, float] = {}
        self.free = False
        self.students: dict[str, Student] = {}
        self.questions: list[Question] = []
        self.refused: Counter[str] = Counter()
        self.teacher_token: str | None = None
        self.teacher_streams = 0
        self.teacher_claimed = 0.0
        self.saved = ""  # where the CSV was last written

    # ---- who may do what
    def check_code(self, code: object) -> None:
        if not isinstance(code, str) or not same(code, self.join_code):
            raise Refused(403, "wrong join code", "wrong join code: ask the teacher for the class URL")

    def student(self, token: object) -> Student:
        found = self.students.get(token) if isinstance(token, str) else None
        if found is None:
            raise Refused(403, "unknown student", "unknown student: reload the class page to join again")
        return found

    def check_teacher(self, token: object) -> None:
        if not isinstance(token, str) or self.teacher_token is None or not same(token, self.teacher_token):
            raise Refused(403, "not the teacher", "only the teacher's page can do this")

    def refuse(self, error: Refused) -> None:
        """Count a refusal for the teacher's page."""
        with self.lock:
            self.refused[error.reason] += 1
            self._bump(teacher_only=True)

    def join(self, code: object) -> str:
        """A new student's token (they keep it in their tab: reloading the page does not join again)."""
        self.check_code(code)
        with self.lock:
            if len(self.students) >= self.max_students:
                raise Refused(503, "class full", f"the class is full ({self.max_students} students): ask the teacher")
            token = secrets.token_urlsafe(18)
            self.students[token] = Student(len(self.students) + 1)
            self._bump(teacher_only=True)
            return token

    def claim_teacher(self, key: object) -> str:
        """The teacher page's token; refused for a wrong key, or while another teacher page is open."""
        if not isinstance(key, str) or not same(key, self.teacher_key):
            raise Refused(403, "wrong teacher key", "wrong teacher key: use the teacher URL the command printed")
        with self.lock:
            if self.teacher_token is not None and (self.teacher_streams > 0 or time.monotonic() - self.teacher_claimed < 2):
                raise Refused(409, "second teacher", "a teacher page is already open for this class: close it first")
            self.teacher_token = secrets.token_urlsafe(18)
            self.teacher_claimed = time.monotonic()
            return self.teacher_token

    def release_teacher(self) -> None:
        """The teacher's page closed: another may claim the class at once."""
        with self.lock:
            self.teacher_token = None
            self._bump(teacher_only=True)

    # ---- the teacher's moves
    def show(self, view: object, pos: object, edits: object = None) -> None:
        """The teacher's page shows view ``view`` after ``pos`` steps, with the live page's ``edits`` (a leaf's or
        knob's name → the value the teacher gave it; ``{}`` when none): every student follows."""
        for value in (view, pos):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**6:
                raise Refused(400, "bad input", "view and step must be whole numbers from 0")
        edits = check_edits({} if edits is None else edits)
        with self.lock:
            if (self.view, self.pos, self.edits) != (view, pos, edits):
                self.view, self.pos, self.edits = view, pos, edits
                self._bump()

    def set_free(self, free: object) -> None:
        if not isinstance(free, bool):
            raise Refused(400, "bad input", "free must be true or false")
        with self.lock:
            self.free = free
            self._bump()

    def ask(self, text: object, kind: object, right: object = None, *, tol: object = None,
            view: object = None, step: object = None) -> Question:  # fmt: skip
        """Open a question to everyone (closing the previous one). ``right`` may be None for a free question."""
        text = clean_text(text, "a question")
        if kind not in ("step", "free"):
            raise Refused(400, "bad input", "a question is a 'step' or a 'free' one")
        value = None if right is None or right == "" else parse_number(right)
        shown = "" if value is None else str(right).strip()
        if value is not None and tol is None:
            tol = tolerance(value, shown)
        if tol is not None and (isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < math.inf):
            raise Refused(400, "bad input", "the tolerance must be a finite number from 0")
        if kind == "step":
            for what in (view, step):
                if isinstance(what, bool) or not isinstance(what, int) or not 0 <= what <= 10**6:
                    raise Refused(400, "bad input", "a step question names its view and step (whole numbers)")
        with self.lock:
            if len(self.questions) >= MAX_QUESTIONS:
                raise Refused(409, "too many questions", f"this class has asked {MAX_QUESTIONS} questions: start a new one")
            question = Question(len(self.questions) + 1, text, kind, value, float(tol or 0.0), shown,
                                view if kind == "step" else None, step if kind == "step" else None)  # fmt: skip
            if self.questions and not self.questions[-1].revealed:
                self.questions[-1].revealed = True  # the previous question closes (its answers stay counted)
            self.questions.append(question)
            self._bump()
            return question

    def reveal(self) -> None:
        with self.lock:
            if not self.questions or self.questions[-1].revealed:
                raise Refused(409, "nothing to reveal", "no open question to reveal")
            self.questions[-1].revealed = True
            self._bump()

    # ---- a student's answer
    def answer(self, token: object, number: object, text: object, name: object = None) -> None:
        """Count this student's answer to question ``number``, once."""
        student = self.student(token)
        value = parse_number(text)
        name = clean_name(name)
        with self.lock:
            question = self.questions[-1] if self.questions else None
            if question is None or question.number != number or question.revealed:
                raise Refused(409, "question closed", "that question is closed: wait for the next one")
            if token in question.answers:
                raise Refused(409, "already answered", "you already answered this question: one answer each")
            question.answers[token] = Answer(value, str(text).strip(), verdict(value, question.right, question.tol),
                                             round(time.monotonic() - question.asked, 3))  # fmt: skip
            if name:
                student.name = name
            self._bump(teacher_only=True)

    # ---- the streams
    def _bump(self, teacher_only: bool = False) -> None:
        """(lock held) Something changed: wake the streams that show it."""
        self.teacher_version += 1
        self.teacher_changed.notify_all()
        if not teacher_only:
            self.public_version += 1
            self.public_changed.notify_all()

    def stream_opened(self, token: str | None) -> int:
        """Count a student's (or with None the teacher's) stream; returns the stream's generation:
        a student's newer stream replaces the older one, which ends at once."""
        with self.lock:
            self._bump(teacher_only=True)
            if token is None:
                self.teacher_streams += 1
                return 0
            student = self.students[token]
            student.streams += 1
            student.generation += 1
            self.public_changed.notify_all()
            return student.generation

    def stream_closed(self, token: str | None) -> None:
        with self.lock:
            if token is None:
                self.teacher_streams -= 1
            else:
                self.students[token].streams -= 1
            self._bump(teacher_only=True)

    def next_state(self, token: str | None, teacher: str | None, seen: int, generation: int,
                   timeout: float) -> tuple[int, str | None] | None:  # fmt: skip
        """Wait up to ``timeout`` s for a state newer than version ``seen``: ``(version, JSON)``, or ``(seen, None)``
        when nothing changed (time for a keep-alive), or None when the stream must end (class over, replaced)."""
        condition = self.public_changed if token is not None else self.teacher_changed
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                if self.closed or (token is not None and self.students[token].generation != generation):
                    return None
                if token is None and teacher != self.teacher_token:
                    return None
                version = self.public_version if token is not None else self.teacher_version
                if version != seen:
                    state = self.teacher_view() if token is None else self.student_view(token)
                    return version, json.dumps(state, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return seen, None
                condition.wait(remaining)

    def close(self) -> None:
        """End the class: every stream ends at once."""
        with self.lock:
            self.closed = True
            self.teacher_changed.notify_all()
            self.public_changed.notify_all()

    # ---- what each page sees
    def student_view(self, token: str) -> dict[str, Any]:
        """(lock held) A student's snapshot: the public state and their own answer only."""
        state: dict[str, Any] = {"view": self.view, "pos": self.pos, "edits": self.edits, "free": self.free, "question": None,
                                 "you": None}  # fmt: skip
        if self.questions:
            question = self.questions[-1]
            state["question"] = question.public()
            mine = question.answers.get(token)
            if mine is not None:
                state["you"] = {"answer": mine.text, "verdict": mine.verdict if question.revealed else None}
        return state

    def teacher_view(self) -> dict[str, Any]:
        """(lock held) The teacher's snapshot: the public state, the histogram, the counts and the refusals."""
        question = self.questions[-1] if self.questions else None
        return {
            "view": self.view, "pos": self.pos, "edits": self.edits, "free": self.free,
            "question": None if question is None else {**question.public(), "answer": question.shown, **question.histogram()},
            "students": len(self.students), "connected": sum(1 for s in self.students.values() if s.streams > 0),
            "answered": 0 if question is None else len(question.answers),
            "refused": sum(self.refused.values()), "refusals": dict(self.refused), "asked": len(self.questions),
            "saved": self.saved,
        }  # fmt: skip

    # ---- results
    def csv_text(self) -> str:
        """Every answer to every question, one row each; students by number (and name if they gave one)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["question", "kind", "text", "right_answer", "tolerance", "student", "name", "answer", "verdict", "seconds"])
        with self.lock:
            for q in self.questions:
                for token, a in q.answers.items():
                    student = self.students[token]
                    writer.writerow([q.number, q.kind, cell(q.text), q.shown, f"{q.tol:g}", f"s{student.number}",
                                     cell(student.name), cell(a.text), a.verdict, f"{a.seconds:.3f}"])  # fmt: skip
        return out.getvalue()
