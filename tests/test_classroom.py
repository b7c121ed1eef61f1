"""``tinygrad-mm class``: the class's rules in-process (views/classroom.py), then the real server as a subprocess
over HTTP on 127.0.0.1 — every refusal the issue lists, what is (not) written, Ctrl-C, and a class of 20."""

from __future__ import annotations

import csv
import http.client
import io
import json
import socket
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, cli

from tinygrad_mm.views.classroom import Classroom
from tinygrad_mm.views.classroom_answers import Refused, parse_number, verdict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from class_load import Stream, Streams, post, simulate, start_class  # noqa: E402


# ---- the rules, in-process
@pytest.mark.parametrize(("text", "value"), [("−0.5", -0.5), ("-.5", -0.5), ("1,5", 1.5), (" 1.25e-3 ", 1.25e-3), (2, 2.0)])
def test_numbers_as_people_type_them(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "abc", "nan", "inf", "-inf", "1e999", "1" * 41, None, True, [1], "0x10", "1_000"])
def test_anything_but_a_finite_number_is_refused(text):
    with pytest.raises(Refused) as refused:
        parse_number(text)
    assert refused.value.status == 400


def test_verdicts_right_close_wrong():
    assert verdict(-0.5, -0.5, 0.005) == "right"
    assert verdict(0.5, -0.5, 0.005) == "close"  # the sign flipped
    assert verdict(-0.46, -0.5, 0.005) == "close"  # within 10 %
    assert verdict(2.0, -0.5, 0.005) == "wrong"
    assert verdict(2.0, None, 0.0) == "answered"


def test_each_answer_counts_once_and_students_see_only_their_own():
    room = Classroom()
    a, b = room.join(room.join_code), room.join(room.join_code)
    question = room.ask("x = ?", "free", "1.5")
    assert question.tol == pytest.approx(0.05)  # half a unit in the last digit given
    room.answer(a, question.number, "1.5", name="Ada")
    with pytest.raises(Refused, match="already answered"):
        room.answer(a, question.number, "7")
    room.answer(b, question.number, "-1.5")
    with room.lock:
        mine, teacher = room.student_view(a), room.teacher_view()
    assert mine["you"] == {"answer": "1.5", "verdict": None}  # no verdict before the reveal
    assert "answer" not in mine["question"] and "values" not in json.dumps(mine)  # neither the answer nor anyone else's
    assert teacher["answered"] == 2 and teacher["question"]["verdicts"] == {"right": 1, "close": 1, "wrong": 0, "answered": 0}
    room.reveal()
    with room.lock:
        assert room.student_view(b)["you"]["verdict"] == "close"
        assert room.student_view(b)["question"]["answer"] == "1.5"
    with pytest.raises(Refused, match="closed"):
        room.answer(b, question.number, "1.5")


def test_the_csv_is_anonymous_unless_named_and_never_a_formula():
    room = Classroom()
    a, b = room.join(room.join_code), room.join(room.join_code)
    question = room.ask("=1+1", "free", None)
    room.answer(a, question.number, "-2", name="=HYPERLINK(1)")
    room.answer(b, question.number, "3")
    rows = list(csv.DictReader(io.StringIO(room.csv_text())))
    assert [(r["student"], r["name"], r["answer"], r["verdict"]) for r in rows] == [
        ("s1", "'=HYPERLINK(1)", "-2", "answered"), ("s2", "", "3", "answered")]  # fmt: skip
    assert rows[0]["text"] == "'=1+1"


def test_a_second_teacher_page_waits_while_one_is_open():
    room = Classroom()
    token = room.claim_teacher(room.teacher_key)
    room.stream_opened(None)
    with pytest.raises(Refused) as refused:
        room.claim_teacher(room.teacher_key)
    assert refused.value.status == 409
    with pytest.raises(Refused):
        room.claim_teacher("wrong")
    room.stream_closed(None)
    room.release_teacher()
    assert room.claim_teacher(room.teacher_key) != token


# ---- the server, as a subprocess on 127.0.0.1
def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("class")


@pytest.fixture(scope="module")
def room(folder):
    running = start_class("--small", "--csv", "results.csv", "--joins-per-address", "200", cwd=folder)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def teacher(room) -> str:
    status, body = post(room.port, "/api/teacher/claim", {"key": room.key})
    assert status == 200, body
    return body["teacher"]


def test_the_class_listens_on_this_machine_only_by_default_and_serves_its_two_pages(room):
    assert room.student_url.startswith("http://127.0.0.1:") and room.teacher_url.startswith("http://127.0.0.1:")
    assert len(room.code) == 8 and room.key != room.code and len(room.key) >= 24
    status, page = get(room.port, f"/c/{room.code}")
    assert status == 200 and b'id="class-panel"' in page and b"connect-src 'self'" in page
    assert b"class-ask-step" not in page and room.key.encode() not in page  # no teacher control, no teacher key
    status, page = get(room.port, f"/t/{room.key}")
    assert status == 200 and b"class-qr" in page and room.student_url.encode() in page


@pytest.mark.parametrize("path", ["/", "/c/WRONGCOD", "/t/not-the-key", "/c/../../etc/passwd", "/etc/passwd",
                                  "/favicon.ico", "/api/events", "/api/events?student=forged"])  # fmt: skip
def test_nothing_else_is_served(room, path):
    status, body = get(room.port, path)
    assert status in (403, 404)
    assert b"root:" not in body
    message = json.loads(body)["error"] if path.startswith("/api/") else body.decode()  # a person gets a sentence
    assert message.startswith(("wrong join code", "wrong teacher key", "nothing here", "unknown student", "only the teacher"))


def test_students_cannot_act_as_the_teacher(room, teacher):
    _, joined = post(room.port, "/api/join", {"code": room.code})
    student = joined["student"]
    for action, body in (("show", {"view": 0, "pos": 3}), ("ask", {"kind": "free", "text": "hi"}), ("reveal", {}),
                         ("free", {"free": True}), ("save", {}), ("leave", {})):  # fmt: skip
        status, answer = post(room.port, f"/api/teacher/{action}", {"teacher": student, **body})
        assert status == 403 and "teacher" in answer["error"], (action, answer)
    assert get(room.port, f"/api/events?teacher={student}")[0] == 403


@pytest.mark.parametrize(("request_bytes", "status"), [
    (b"POST /api/join HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{{{{{", 400),
    (b"POST /api/join HTTP/1.0\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}", 415),
    (b"POST /api/join HTTP/1.0\r\nContent-Type: application/json\r\n\r\n{}", 411),
    (b"POST /api/join HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: 99999\r\n\r\n{}", 413),
    (b"POST /api/join HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]", 400),
    (b"POST /api/join HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n\xff\xfe", 400),
    (b"POST /api/nothing HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", 404),
    (b"DELETE /api/join HTTP/1.0\r\n\r\n", 501),
    (b"garbage\r\n\r\n", 400),
])  # fmt: skip
def test_garbage_gets_a_clear_refusal(room, request_bytes, status):
    answer = raw(room.port, request_bytes)
    assert answer.startswith(b"HTTP/1.0 %d" % status), answer[:200]


def test_bad_answers_floods_and_forgeries_are_refused_and_counted(room, teacher):
    port = room.port
    _, joined = post(port, "/api/join", {"code": room.code})
    student = joined["student"]
    status, asked = post(port, "/api/teacher/ask", {"teacher": teacher, "kind": "free", "text": "2 + 2 = ?", "answer": "4"})
    assert status == 200
    number = asked["question"]
    for body, reason in (({"answer": "four"}, "not a number"), ({"answer": "nan"}, "not a number"),
                         ({"answer": "1e999"}, "finite"), ({"answer": "4", "name": "x" * 33}, "name"),
                         ({"answer": "4", "question": number + 1}, "closed")):  # fmt: skip
        status, answer = post(port, "/api/answer", {"student": student, "question": number, **body})
        assert status in (400, 409) and reason in answer["error"], (body, answer)
    assert post(port, "/api/answer", {"student": "forged", "question": number, "answer": "4"})[0] == 403
    statuses = [post(port, "/api/answer", {"student": student, "question": number, "answer": "4"})[0] for _ in range(12)]
    assert statuses.count(200) == 1 and set(statuses) <= {200, 409, 429} and 429 in statuses  # one counted; a flood is cut
    _, state = post(port, "/api/teacher/ask", {"teacher": teacher, "kind": "free", "text": "next"})  # closes the question
    streams = Streams()
    try:
        watch = streams.add(Stream.open(port, f"teacher={teacher}"))
        assert streams.wait(lambda: bool(watch.states), 10)
        refusals = watch.last["refusals"]
        assert watch.last["refused"] == sum(refusals.values()) and refusals["bad input"] >= 4
        assert refusals["already answered"] + refusals["rate limited"] >= 11 and refusals["unknown student"] >= 1
    finally:
        streams.close()


def test_wrong_codes_a_second_teacher_and_reconnection_storms_are_refused(room, teacher):
    port = room.port
    assert post(port, "/api/join", {"code": "AAAAAAAA"}) == (403, {"error": "wrong join code: ask the teacher for the class URL",
                                                                   "reason": "wrong join code"})  # fmt: skip
    assert post(port, "/api/teacher/claim", {"key": room.key[:-1] + "x"})[0] == 403
    streams = Streams()
    try:
        streams.add(Stream.open(port, f"teacher={teacher}"))
        time.sleep(0.3)
        status, answer = post(port, "/api/teacher/claim", {"key": room.key})
        assert status == 409 and "already open" in answer["error"]
    finally:
        streams.close()
    _, joined = post(port, "/api/join", {"code": room.code})
    statuses = []
    for _ in range(24):  # a student reconnecting again and again
        stream = Stream.open(port, f"student={joined['student']}")
        streams = Streams()
        streams.add(stream)
        streams.wait(lambda: stream.status is not None, 10)  # noqa: B023  (called at once, in this iteration)
        statuses.append(stream.status)
        streams.close()
    assert statuses[:20] == [200] * 20 and statuses[-1] == 429
    guesses = [post(port, "/api/join", {"code": f"GUESS{k:03d}"})[0] for k in range(25)]
    assert guesses[0] == 403 and guesses[-1] == 429  # guessing the code is slowed down to one try per 5 s


def test_a_cross_site_request_is_refused(room):
    status, answer = post(room.port, "/api/join", {"code": room.code}, {"Origin": "http://evil.example"})
    assert status == 403 and "another site" in answer["error"]


def test_nothing_is_written_but_the_csv_the_teacher_asks_for(room, teacher, folder):
    assert sorted(p.name for p in folder.iterdir()) == []
    _, asked = post(room.port, "/api/teacher/ask", {"teacher": teacher, "kind": "free", "text": "1 + 1 = ?", "answer": "2"})
    _, joined = post(room.port, "/api/join", {"code": room.code})
    assert post(room.port, "/api/answer", {"student": joined["student"], "question": asked["question"], "answer": "2"})[0] == 200
    status, answer = post(room.port, "/api/teacher/save", {"teacher": teacher})
    assert status == 200 and answer["saved"] == "results.csv"
    assert sorted(p.name for p in folder.iterdir()) == ["results.csv"]
    rows = list(csv.DictReader((folder / "results.csv").open(encoding="utf-8")))
    assert ["1 + 1 = ?", "2", "2", "right"] in [[r["text"], r["right_answer"], r["answer"], r["verdict"]] for r in rows]
    assert all(r["student"].startswith("s") and r["name"] == "" for r in rows)


def test_a_class_of_20_follows_every_step_and_each_answer_counts_once(tmp_path):
    running = start_class("--small", "--joins-per-address", "40", cwd=tmp_path)
    try:
        result = simulate(running, students=20, steps=3, timeout=30)
    finally:
        code, err = running.stop()
    assert result["answers_counted"] == 20 and result["verdicts"] == {"right": 8, "close": 8, "wrong": 4, "answered": 0}
    assert (code, err.strip()) == (130, "tinygrad-mm class: interrupted")  # Ctrl-C: one line, no traceback
    assert list(tmp_path.iterdir()) == []


def test_the_class_takes_a_formula_or_a_script(tmp_path):
    running = start_class("-e", "tanh(x*w + b)", "--set", "x=2", "w=-3", "b=6.88", cwd=tmp_path)
    try:
        status, page = get(running.port, f"/c/{running.code}")
        assert status == 200 and b"tanh" in page
    finally:
        running.stop()
    script = tmp_path / "graph.py"
    script.write_text("from tinygrad_mm import Value\na = Value(2.0, label='a')\nloss = (a * a).relu()\n")
    running = start_class(str(script), cwd=tmp_path)
    try:
        assert get(running.port, f"/c/{running.code}")[0] == 200
    finally:
        code, err = running.stop()
    assert code == 130 and len(err.splitlines()) == 1


def test_a_port_in_use_is_one_line(room):
    done = cli("class", "--small", "--no-open", "--port", str(room.port), timeout=120)
    assert_one_line_error(done, 2, f"port {room.port} is in use", "--port 0")


def test_connections_beyond_the_cap_get_a_short_refusal(tmp_path):
    running = start_class("--small", "--max-students", "1", cwd=tmp_path)  # room for 1 + 200 connections
    idle = []
    try:
        for _ in range(201):  # connections that say nothing, each holding a server thread (for at most 20 s)
            idle.append(socket.create_connection(("127.0.0.1", running.port), timeout=20))
        time.sleep(0.5)
        assert raw(running.port, b"GET / HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.0 503")
        for sock in idle:
            sock.close()
        idle.clear()
        deadline = time.monotonic() + 10
        while get(running.port, f"/c/{running.code}")[0] != 200:  # the threads end as their sockets close
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        for sock in idle:
            sock.close()
        running.stop()


def test_a_csv_that_cannot_be_written_is_a_clear_refusal_and_the_class_goes_on(tmp_path):
    (tmp_path / "gone").mkdir()
    target = tmp_path / "gone" / "results.csv"
    running = start_class("--small", "--csv", str(target), cwd=tmp_path)
    try:
        _, claimed = post(running.port, "/api/teacher/claim", {"key": running.key})
        (tmp_path / "gone").rmdir()
        (tmp_path / "gone").write_text("a file where the folder was")
        status, answer = post(running.port, "/api/teacher/save", {"teacher": claimed["teacher"]})
        assert status == 500 and "could not save the results" in answer["error"] and str(target) in answer["error"]
        assert get(running.port, f"/c/{running.code}")[0] == 200
    finally:
        code, err = running.stop()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gone"]
    assert (code, err.strip()) == (130, "tinygrad-mm class: interrupted")


def test_a_full_class_and_too_many_joins_from_one_address_are_refused(tmp_path):
    running = start_class("--small", "--max-students", "2", "--joins-per-address", "3", cwd=tmp_path)
    try:
        answers = [post(running.port, "/api/join", {"code": running.code}) for _ in range(4)]
    finally:
        running.stop()
    assert [status for status, _ in answers] == [200, 200, 503, 429]
    assert "full" in answers[2][1]["error"] and "too many joins" in answers[3][1]["error"]


def test_a_dropped_stream_reconnects_to_the_current_state(room, teacher):
    """Every event is the whole state (its id the version): a reconnection — Last-Event-ID or not — starts from now."""
    port = room.port
    _, joined = post(port, "/api/join", {"code": room.code})
    streams = Streams()
    try:
        assert post(port, "/api/teacher/show", {"teacher": teacher, "view": 0, "pos": 5})[0] == 200
        first = streams.add(Stream.open(port, f"student={joined['student']}"))
        assert streams.wait(lambda: bool(first.states), 10) and first.last["pos"] == 5
        streams.selector.unregister(first.sock)
        first.sock.close()  # the Wi-Fi drops…
        assert post(port, "/api/teacher/show", {"teacher": teacher, "view": 0, "pos": 6})[0] == 200
        again = Stream(socket.create_connection(("127.0.0.1", port), timeout=20))
        again.sock.sendall(f"GET /api/events?student={joined['student']} HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 3\r\n\r\n".encode())
        again.sock.setblocking(False)
        streams.add(again)
        assert streams.wait(lambda: bool(again.states), 10)
        assert again.status == 200 and again.last["pos"] == 6 and again.last["view"] == 0
    finally:
        streams.close()


@pytest.mark.parametrize(("args", "fragments"), [
    (["--port", "70000"], ("--port", "70000")),
    (["--csv", "{d}"], ("is a directory",)),
    (["-e", "tanh(x", "--set", "x=1"], ()),
    (["--collapse", "nosuchscope"], ("nosuchscope",)),
])  # fmt: skip
def test_a_mistake_is_one_line_before_any_class_starts(tmp_path, args, fragments):
    done = cli("class", "--small", "--no-open", "--port", "0", *[a.format(d=tmp_path) for a in args], cwd=tmp_path, timeout=120)
    assert_one_line_error(done, done.returncode if done.returncode in (1, 2) else 2, *fragments)
    assert done.stdout == "" and list(tmp_path.iterdir()) == []


def test_ctrl_c_with_pages_connected_ends_the_class_cleanly(tmp_path):
    running = start_class("--small", cwd=tmp_path)
    streams = Streams()
    try:
        _, claimed = post(running.port, "/api/teacher/claim", {"key": running.key})
        watch = streams.add(Stream.open(running.port, f"teacher={claimed['teacher']}"))
        pupils = [streams.add(Stream.open(running.port, f"student={post(running.port, '/api/join', {'code': running.code})[1]['student']}"))
                  for _ in range(5)]  # fmt: skip
        assert streams.wait(lambda: all(p.states for p in pupils) and watch.last.get("connected") == 5, 20)
        code, err = running.stop()
        assert (code, err) == (130, "tinygrad-mm class: interrupted\n")
        assert streams.wait(lambda: all(not p.feed() for p in pupils), 10)  # every stream was closed by the server
    finally:
        streams.close()
    assert list(tmp_path.iterdir()) == []


def test_the_teachers_live_edits_reach_students_and_bad_ones_are_refused(room, teacher):
    port = room.port
    _, joined = post(port, "/api/join", {"code": room.code})
    streams = Streams()
    try:
        assert post(port, "/api/teacher/show", {"teacher": teacher, "view": 0, "pos": 2, "edits": {"Δ": 2, "U[0]": -0.5}})[0] == 200
        pupil = streams.add(Stream.open(port, f"student={joined['student']}"))
        assert streams.wait(lambda: bool(pupil.states), 10)
        assert pupil.last["edits"] == {"Δ": 2.0, "U[0]": -0.5} and pupil.last["pos"] == 2
        for edits in ({"x": "1"}, {"x": True}, {"": 1}, {"x" * 65: 1}, [1], {f"x{k}": 1 for k in range(201)}):
            assert post(port, "/api/teacher/show", {"teacher": teacher, "view": 0, "pos": 2, "edits": edits})[0] == 400
        infinite = f'{{"teacher": "{teacher}", "view": 0, "pos": 2, "edits": {{"x": Infinity}}}}'.encode()
        assert post(port, "/api/teacher/show", infinite)[0] == 400  # JSON's Infinity parses; it is still refused
        assert post(port, "/api/teacher/show", {"teacher": teacher, "view": 0, "pos": 2, "edits": {}})[0] == 200
        assert streams.wait(lambda: pupil.last["edits"] == {}, 10)
    finally:
        streams.close()


def test_an_ipv6_loopback_class_prints_a_bracketed_url(tmp_path):
    running = start_class("--small", "--host", "::1", cwd=tmp_path)
    try:
        assert running.student_url.startswith("http://[::1]:")
        connection = http.client.HTTPConnection("::1", running.port, timeout=20)
        connection.request("GET", f"/c/{running.code}")
        assert connection.getresponse().status == 200
        connection.close()
    finally:
        code, _ = running.stop()
    assert code == 130
