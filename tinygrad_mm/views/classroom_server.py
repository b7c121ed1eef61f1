"""The HTTP side of ``tinygrad-mm class``: two pages, a small JSON API, and server-sent events.

Standard library only (``http.server.ThreadingHTTPServer``): one thread per connection, and an event
stream is one long response, so a class of 300 holds ~300 threads blocked on a condition — cheap (a
few hundred KiB of stack each is reserved, little is touched); `benchmarks/class_load.py` measures it.

    GET  /c/JOINCODE                 the student page          GET /t/TEACHERKEY   the teacher page
    GET  /api/events?student=TOKEN   the student's event stream (the teacher's: ?teacher=TOKEN)
    POST /api/join {code}            → {student: TOKEN}
    POST /api/answer {student, question, answer, name?}
    POST /api/teacher/claim {key}    → {teacher: TOKEN}; then show / free / ask / reveal / save / leave {teacher, …}

Every event is a full snapshot (``id:`` is its version), so a page that reconnects — the browser's
EventSource does so after a drop — simply gets the current state first: no step is ever lost.

Safety: nothing but the two pages and the API is served (no file path is ever read from a request);
the join code and the teacher key are compared in constant time; bodies are JSON of at most
`MAX_BODY` bytes; joins and failed codes are rate-limited per address, answers and reconnections per
student; each refusal is a clear JSON ``{"error": …}`` with a 4xx status, changes nothing else, and is
counted on the teacher's page.  Only the CSV the teacher asks for is ever written (atomically).
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..files import write_atomic
from .classroom import Classroom
from .classroom_answers import Refused, same

MAX_BODY = 4096
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
    "X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'",
}  # fmt: skip


class RateLimit:
    """Token buckets by key: ``burst`` requests at once, then one every ``every`` seconds (keys are bounded)."""

    def __init__(self, burst: float, every: float, max_keys: int = 20000) -> None:
        self.burst, self.every, self.max_keys = burst, every, max_keys
        self.buckets: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self.lock:
            tokens, then = self.buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) / self.every)
            if len(self.buckets) >= self.max_keys and key not in self.buckets:
                self.buckets.clear()  # a flood of addresses: forget them all rather than grow without bound
            self.buckets[key] = (tokens - 1, now) if tokens >= 1 else (tokens, now)
            return tokens >= 1


@dataclass
class Limits:
    """Per-client limits: joins per address (a minute's worth at once), answers and reconnections per student."""

    joins_per_address: int = 20
    answer_burst: int = 8  # a few typos at once; then…
    answers_per_second: float = 2.0
    reconnects: int = 20  # at once; then one every 3 s
    failures_per_address: int = 20  # wrong codes / keys; then one every 5 s


@dataclass
class Pages:
    teacher: bytes
    student: bytes


class ClassServer(ThreadingHTTPServer):
    """The class's server: `Classroom` state, the two pages, the limits, and where the CSV goes."""

    daemon_threads = True
    request_queue_size = 1024  # a whole class may connect within a second
    allow_reuse_address = os.name != "nt"  # on Windows SO_REUSEADDR would let a second server take the same port

    def __init__(self, address: tuple[str, int], room: Classroom, pages: Pages, csv_path: Path,
                 limits: Limits | None = None) -> None:  # fmt: skip
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, ClassHandler)
        self.max_connections = room.max_students + 200  # every student's stream, and room for their requests
        self.connections = 0
        self.connections_lock = threading.Lock()
        self.room, self.pages, self.csv_path = room, pages, csv_path
        self.limits = limits or Limits()
        self.zipped = Pages(gzip.compress(pages.teacher, 6), gzip.compress(pages.student, 6))
        self.joins = RateLimit(self.limits.joins_per_address, 60 / self.limits.joins_per_address)
        self.failures = RateLimit(self.limits.failures_per_address, 5)
        self.answers = RateLimit(self.limits.answer_burst, 1 / self.limits.answers_per_second)
        self.reconnects = RateLimit(self.limits.reconnects, 3)
        self.save_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        """One thread per connection, up to `max_connections` at once: beyond, a short 503 and the socket closes."""
        with self.connections_lock:
            full = self.connections >= self.max_connections
            if not full:
                self.connections += 1
        if full:
            self.room.refuse(Refused(503, "too many connections", "too many connections"))
            try:
                request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 5\r\n\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.connections_lock:
                self.connections -= 1

    def set_pages(self, pages: Pages) -> None:
        self.pages, self.zipped = pages, Pages(gzip.compress(pages.teacher, 6), gzip.compress(pages.student, 6))

    def shut(self) -> None:
        """End the class: streams end, the socket closes."""
        self.room.close()
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A request that failed in an unexpected way: one line on stderr (not a traceback per request); the class goes on."""
        error = sys.exc_info()[1]
        print(f"tinygrad-mm class: a request failed: {type(error).__name__}: {error}", file=sys.stderr)

    def save_csv(self) -> str:
        with self.save_lock:
            try:
                write_atomic(self.csv_path, self.room.csv_text())
            except (OSError, ValueError) as err:  # OutputPathError: a full disk, a directory that went away, …
                raise Refused(500, "could not save", f"could not save the results: {err}") from None
        with self.room.lock:
            self.room.saved = str(self.csv_path)
            self.room._bump(teacher_only=True)
        return str(self.csv_path)


class ClassHandler(BaseHTTPRequestHandler):
    server: ClassServer
    timeout = 20  # a client that sends nothing for 20 s loses its connection (and its thread)
    server_version = "tinygrad-mm-class"
    sys_version = ""

    default_request_version = "HTTP/1.0"  # a garbled request line still gets a status line back

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (the base class's name)
        pass  # the terminal shows the class's URLs, not a line per request

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What http.server refuses itself (a garbled request, an unknown method): JSON like the rest, and counted."""
        self.close_connection = True
        try:
            self.refuse(Refused(code, "bad input", message or HTTPStatus(code).phrase))
        except OSError:
            pass

    # ---- answering
    def send_body(self, status: int, content_type: str, data: bytes, **headers: str) -> None:
        """One whole response: ``data`` with its length, type and the security headers (no caching, no framing)."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in {**SECURITY_HEADERS, **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def send_json(self, status: int, body: dict[str, Any]) -> None:
        self.send_body(status, "application/json; charset=utf-8", json.dumps(body, ensure_ascii=False).encode("utf-8"))

    def refuse(self, error: Refused) -> None:
        """Count the refusal; answer JSON to the API, a plain sentence to a person who typed a URL."""
        self.server.room.refuse(error)
        if getattr(self, "path", "/api/").startswith("/api/") or getattr(self, "command", None) != "GET":
            self.send_json(error.status, {"error": error.message, "reason": error.reason})
        else:
            self.send_body(error.status, "text/plain; charset=utf-8", f"{error.message}\n".encode())

    def send_page(self, page: str) -> None:
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            self.send_body(200, "text/html; charset=utf-8", getattr(self.server.zipped, page), **{"Content-Encoding": "gzip"})
        else:
            self.send_body(200, "text/html; charset=utf-8", getattr(self.server.pages, page))

    def address(self) -> str:
        return str(self.client_address[0])

    def check_secret(self, given: str, secret: str, reason: str, message: str) -> None:
        """A join code or teacher key from this address: rate-limited failures, then a constant-time compare."""
        if same(given, secret):
            return
        if not self.server.failures.allow(self.address()):
            raise Refused(429, "rate limited", "too many wrong codes from this address: wait a minute")
        raise Refused(403, reason, message)

    # ---- GET: the two pages and the streams
    def do_GET(self) -> None:  # noqa: N802  (the base class's name)
        try:
            parts = urlsplit(self.path)
            path, query = parts.path, parse_qs(parts.query, max_num_fields=4)
            room = self.server.room
            if path.startswith("/c/"):
                self.check_secret(path[3:], room.join_code, "wrong join code", "wrong join code: ask the teacher for the class URL")
                self.send_page("student")
            elif path.startswith("/t/"):
                self.check_secret(path[3:], room.teacher_key, "wrong teacher key", "wrong teacher key: use the URL the command printed")
                self.send_page("teacher")
            elif path == "/api/events":
                self.events(query)
            else:
                raise Refused(404, "not found", "nothing here: students open the class URL the teacher shows")
        except Refused as error:
            self.refuse(error)
        except ValueError:
            self.refuse(Refused(400, "bad input", "a malformed request"))

    def events(self, query: dict[str, list[str]]) -> None:
        room = self.server.room
        token = (query.get("student") or [None])[0]
        teacher = (query.get("teacher") or [None])[0]
        if token is not None:
            room.student(token)
            if not self.server.reconnects.allow(token):
                raise Refused(429, "reconnecting too often", "reconnecting too often: wait a few seconds")
        else:
            room.check_teacher(teacher)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        self.close_connection = True
        generation = room.stream_opened(token)
        heartbeat = 15.0 if token is not None else 3.0  # a closed teacher page is noticed within 3 s
        seen = 0
        try:
            self.wfile.write(b"retry: 1000\n\n")
            self.wfile.flush()
            while True:
                found = room.next_state(token, teacher, seen, generation, heartbeat)
                if found is None:
                    break
                seen, state = found
                message = f"id: {seen}\nevent: state\ndata: {state}\n\n" if state is not None else ": keep-alive\n\n"
                self.wfile.write(message.encode("utf-8"))
                self.wfile.flush()
        except (OSError, ValueError):  # the page went away (or the class ended under us)
            pass
        finally:
            room.stream_closed(token)

    # ---- POST: the JSON API
    def do_POST(self) -> None:  # noqa: N802
        try:
            body = self.read_json()
            path = urlsplit(self.path).path
            self.send_json(200, self.api(path, body))
        except Refused as error:
            self.refuse(error)

    def read_json(self) -> dict[str, Any]:
        origin = self.headers.get("Origin")
        if origin and urlsplit(origin).netloc != self.headers.get("Host", ""):
            raise Refused(403, "bad input", "a request from another site")
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            raise Refused(415, "bad input", "send JSON (Content-Type: application/json)")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise Refused(411, "bad input", "a request body needs a Content-Length") from None
        if not 0 <= length <= MAX_BODY:
            self.close_connection = True
            raise Refused(413, "bad input", f"a request body is at most {MAX_BODY} bytes")
        try:
            body = json.loads(self.rfile.read(length).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise Refused(400, "bad input", "the body is not JSON") from None
        if not isinstance(body, dict):
            raise Refused(400, "bad input", "the body must be a JSON object")
        return body

    def api(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        room, server = self.server.room, self.server
        if path == "/api/join":
            if not server.joins.allow(self.address()):
                raise Refused(429, "rate limited", "too many joins from this address: wait a minute")
            code = body.get("code")
            self.check_secret(code if isinstance(code, str) else "", room.join_code, "wrong join code",
                              "wrong join code: ask the teacher for the class URL")  # fmt: skip
            return {"student": room.join(code)}
        if path == "/api/answer":
            room.student(body.get("student"))
            if not server.answers.allow(body["student"]):
                raise Refused(429, "rate limited", "too many answers: one answer per question")
            room.answer(body["student"], body.get("question"), body.get("answer"), body.get("name"))
            return {"ok": True}
        if path == "/api/teacher/claim":
            key = body.get("key")
            self.check_secret(key if isinstance(key, str) else "", room.teacher_key, "wrong teacher key",
                              "wrong teacher key: use the URL the command printed")  # fmt: skip
            return {"teacher": room.claim_teacher(key)}
        if path.startswith("/api/teacher/"):
            room.check_teacher(body.get("teacher"))
            action = path.removeprefix("/api/teacher/")
            if action == "show":
                room.show(body.get("view"), body.get("pos"), body.get("edits"))
            elif action == "free":
                room.set_free(body.get("free"))
            elif action == "ask":
                question = room.ask(body.get("text"), body.get("kind"), body.get("answer"), tol=body.get("tol"),
                                    view=body.get("view"), step=body.get("step"))  # fmt: skip
                return {"ok": True, "question": question.number}
            elif action == "reveal":
                room.reveal()
            elif action == "leave":
                room.release_teacher()
            elif action == "save":
                return {"ok": True, "saved": server.save_csv()}
            else:
                raise Refused(404, "not found", f"no teacher action {action!r}")
            return {"ok": True}
        raise Refused(404, "not found", "no such API call")


def lan_address() -> str:
    """This machine's address on its network (for the URL students type), or 127.0.0.1 if it has none.
    A UDP socket's connect() only picks the route: no packet is sent."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()
