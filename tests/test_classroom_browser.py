"""Class mode in headless Chromium: a teacher's page and three students' pages on one ``tinygrad-mm class`` server.

The students follow the teacher's step and view, are read-only until navigation is freed, get the question,
answer; the teacher sees the histogram, reveals, and each student is told whether they were right.  Every page
may reach the class server (127.0.0.1) and nothing else; none logs an error.
"""

from __future__ import annotations

import csv
import json
import socket
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from class_load import post, start_class  # noqa: E402

pytest_plugins = ("browser_support",)


class ClassPage:
    """One page of the class, allowed to talk to the class server only; every error and blocked request recorded."""

    def __init__(self, browser, url: str, width: int = 1400, height: int = 900) -> None:
        self.origin = "{0.scheme}://{0.netloc}/".format(urlsplit(url))
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.blocked, self.errors = [], []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready]")

    def _route(self, route) -> None:
        if route.request.url.startswith(self.origin):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def js(self, expression: str):
        return self.page.evaluate(expression)

    def wait(self, expression: str, timeout: float = 20) -> None:
        """Poll ``expression`` until it is true (Playwright's wait_for_function evaluates a string, which the page's CSP refuses)."""
        deadline = time.monotonic() + timeout
        while not self.js(expression):
            assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
            self.page.wait_for_timeout(50)

    def where(self) -> tuple[int, int]:
        return tuple(self.js("[tgmm.view, tgmm.pos]"))

    def text(self, selector: str) -> str:
        return self.page.text_content(selector) or ""

    def close(self) -> None:
        self.page.close(run_before_unload=True)  # as a browser closes a tab: the page's pagehide runs
        self.context.close()
        assert self.errors == [], self.errors
        assert self.blocked == [], f"a class page tried to reach another server: {self.blocked}"


class Relay:
    """A TCP relay on 127.0.0.1 to the class server whose connections can all be cut at once (a network drop)."""

    def __init__(self, target: int) -> None:
        self.target, self.open, self.lock = target, [], threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.refusing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refusing:
                client.close()
                continue
            server = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                self.open += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        self.refusing = True
        with self.lock:
            for sock in self.open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.open.clear()

    def resume(self) -> None:
        self.refusing = False

    def __enter__(self) -> Relay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cut()
        self.listener.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("class")


@pytest.fixture(scope="module")
def room(folder):
    running = start_class("--small", cwd=folder)
    yield running
    running.stop()


def test_students_follow_answer_and_see_their_verdict(browser, room, folder):
    teacher = ClassPage(browser, room.teacher_url)
    students = [ClassPage(browser, room.student_url, width=420, height=860) for _ in range(3)]
    try:
        teacher.wait("document.getElementById('class-connected').textContent === '3'")
        assert "live" in teacher.text("#class-status")
        assert teacher.page.locator("#class-qr-toggle svg path").count() == 1  # the QR code of the students' URL
        assert teacher.text("#class-url") == room.student_url

        # the teacher steps: every student follows, and cannot step on their own
        for _ in range(2):
            teacher.page.keyboard.press("ArrowRight")
        assert teacher.where() == (0, 2)
        for student in students:
            student.wait("tgmm.pos === 2")
            assert "following the teacher" in student.text("#class-status")
            assert student.page.locator("#next").is_hidden()
            student.page.keyboard.press("ArrowRight")
            student.page.locator("#graph g.node").first.click(force=True)
            assert student.where() == (0, 2)

        # a question about the next step reaches everyone; three different answers arrive as a histogram
        assert teacher.page.get_by_role("button", name="Reveal").is_disabled()  # reachable by name; nothing to reveal yet
        teacher.page.get_by_role("button", name="Ask: the next step").click()
        question = teacher.js("(function(){var b=tgmm.done(),f=tgmm.full(tgmm.V().steps[b]);return [f.grad_exact, f.grad];})()")
        right = question[0]
        for student in students:
            student.page.wait_for_selector("#class-form:not([hidden])")
            assert "what does backprop find for" in student.text("#class-question")
            assert student.page.locator("#graph g.node.asking").count() == 1  # the node asked about, outlined
        answers = [str(right), str(-right), "12345"]
        for student, answer in zip(students, answers, strict=True):  # keyboard only: the box has the focus, ⏎ sends
            assert student.js("document.activeElement.id") == "class-answer"
            student.page.keyboard.type(answer)
            student.page.keyboard.press("Enter")
            student.wait("document.getElementById('class-feedback').textContent.indexOf('Sent') >= 0")
        teacher.wait("document.getElementById('class-answered').textContent.indexOf('3 of 3') === 0")
        counts = teacher.page.eval_on_selector_all("#class-verdicts li .count", "els => els.map(e => e.textContent)")
        assert counts == ["1", "1", "1"]  # right, close (the sign flipped), wrong
        bars = teacher.page.eval_on_selector_all("#class-values li .label", "els => els.map(e => e.textContent)")
        assert len(bars) == 3

        # a second answer from the same student is refused, and counted as a refusal
        token = students[0].js("sessionStorage.getItem('tgmm-class-student:' + tgmmClass.secret)")
        assert post(room.port, "/api/answer", {"student": token, "question": 1, "answer": "0"})[0] == 409
        teacher.wait("Number(document.getElementById('class-refused').textContent) >= 1")
        assert "already answered" in teacher.text("#class-refusals")

        # reveal (the button, or → as on the page's own quiz): the teacher's page shows the step, the students
        # follow it and learn how they did
        teacher.page.keyboard.press("ArrowRight")
        teacher.wait("tgmm.pos === 3")
        verdicts = []
        for student in students:
            student.wait("tgmm.pos === 3 && document.getElementById('class-form').hidden")
            verdicts.append(student.text("#class-feedback"))
        assert verdicts[0].startswith("✓ Right") and verdicts[1].startswith("≈ Close") and verdicts[2].startswith("✗")
        assert question[1] in verdicts[2]

        # free navigation: a student may step alone, then return to the teacher's step
        teacher.page.check("#class-free-nav")
        students[0].page.wait_for_selector("#class-follow:not([hidden])")
        students[0].page.click("#next")
        assert students[0].where() == (0, 4)
        students[0].page.click("#class-follow")
        assert students[0].where() == (0, 3)
        teacher.page.uncheck("#class-free-nav")
        students[0].page.wait_for_selector("#next", state="hidden")

        # a question of the teacher's own, with its answer: asked from the form, revealed with the button
        teacher.page.fill("#class-free-text", "What is ∂J/∂s_c here?")
        teacher.page.fill("#class-free-answer", "1")
        teacher.page.click("#class-free-ask")
        for student, answer in zip(students[:2], ("1", "−1"), strict=True):
            student.wait("!document.getElementById('class-form').hidden && document.getElementById('class-answer').value === ''")
            assert student.text("#class-question") == "What is ∂J/∂s_c here?"
            student.page.get_by_label("your name, if you wish").fill("Ada" if answer == "1" else "")
            student.page.fill("#class-answer", answer)
            student.page.get_by_role("button", name="Send").click()
        teacher.wait("document.getElementById('class-answered').textContent.indexOf('2 of 3') === 0")
        teacher.page.click("#class-reveal")
        students[2].wait("document.getElementById('class-form').hidden")
        assert students[2].text("#class-feedback") == "You did not answer; the answer is 1."
        students[1].wait("document.getElementById('class-feedback').textContent.indexOf('≈ Close') === 0")

        # the results, saved on request: one row per answer, a name only where a student gave one
        assert list(folder.iterdir()) == []
        teacher.page.get_by_role("button", name="Save results (CSV)").click()
        teacher.wait("document.getElementById('class-saved').textContent.indexOf('saved to class-results-') === 0")
        (saved,) = folder.iterdir()
        rows = list(csv.DictReader(saved.open(encoding="utf-8")))
        assert len(rows) == 5 and len({r["student"] for r in rows if r["name"] == "Ada"}) == 1  # her rows, both questions
        assert sorted(r["verdict"] for r in rows) == ["close", "close", "right", "right", "wrong"]
    finally:
        for page in [teacher, *students]:
            page.close()


def test_a_student_reconnecting_lands_on_the_current_step_and_view(browser):
    room = start_class("--small")  # its own class: no teacher page was open before this one
    teacher = ClassPage(browser, room.teacher_url)
    try:
        teacher.page.keyboard.press("End")
        teacher.page.keyboard.press("ArrowLeft")
        where = teacher.where()
        student = ClassPage(browser, room.student_url)
        student.wait(f"tgmm.pos === {where[1]}")
        student.page.reload()  # the same tab: the same student, the current state at once
        student.page.wait_for_selector("body[data-ready]")
        student.wait(f"tgmm.pos === {where[1]}")
        assert student.where() == where
        student.close()
        with Relay(room.port) as relay:  # a student whose connection goes through a relay we can cut
            student = ClassPage(browser, room.student_url.replace(f":{room.port}/", f":{relay.port}/"))
            student.wait(f"tgmm.pos === {where[1]}")
            relay.cut()  # the network drops: the stream breaks, the page says so, while the teacher moves on
            student.wait("document.getElementById('class-status').textContent.indexOf('reconnecting') >= 0")
            teacher.page.keyboard.press("Home")
            relay.resume()  # back: EventSource reconnects, and its first event is the current state
            student.wait("tgmm.pos === 0", timeout=30)
            assert "following the teacher" in student.text("#class-status")
            student.close()
    finally:
        teacher.close()
        room.stop()


def test_students_follow_the_teacher_into_a_box_and_out_again(browser):
    room = start_class()  # the notes' full example: its two branches drawn as boxes
    teacher = ClassPage(browser, room.teacher_url)
    student = ClassPage(browser, room.student_url)
    try:
        student.wait("tgmm.view === 0")
        teacher.page.click("#graph g.node[id^=scope]")
        view = teacher.where()[0]
        assert view != 0
        student.wait(f"tgmm.view === {view} && tgmm.pos === {teacher.where()[1]}")
        assert student.page.locator("#graph g.cluster").count() == teacher.page.locator("#graph g.cluster").count()
        teacher.page.keyboard.press("c")  # collapse again
        student.wait("tgmm.view === 0")
        assert student.where() == teacher.where()
    finally:
        for page in (teacher, student):
            page.close()
        room.stop()


def test_students_follow_the_teachers_live_edits(browser):
    room = start_class("--small")
    teacher = ClassPage(browser, room.teacher_url)
    student = ClassPage(browser, room.student_url)
    try:
        teacher.wait("tgmm.live && tgmm.live.ready === true")
        student.wait("tgmm.live && tgmm.live.ready === true && document.getElementById('class-status').textContent.indexOf('following') >= 0")
        name = teacher.js("Object.keys(tgmm.live.targets)[0]")
        assert teacher.js(f"tgmm.live.set({json.dumps(name)}, 0.75)")
        student.wait(f"tgmm.live.value({json.dumps(name)}) === 0.75")
        assert student.js("tgmm.data.root_data") == teacher.js("tgmm.data.root_data")  # the same J, recomputed
        assert student.page.locator("#live-value").evaluate("e => getComputedStyle(e).pointerEvents") == "none"
        teacher.js("tgmm.live.reset()")
        student.wait(f"tgmm.live.value({json.dumps(name)}) === tgmm.live.originalValue({json.dumps(name)})")
    finally:
        for page in (teacher, student):
            page.close()
        room.stop()
