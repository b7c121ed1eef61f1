"""A simulated class over HTTP on 127.0.0.1: N students join ``tinygrad-mm class``, follow the teacher, answer.

    .venv/bin/python benchmarks/class_load.py                  # 300 students, 5 steps
    .venv/bin/python benchmarks/class_load.py --students 50 --steps 3

The server runs as the user runs it (``python -m tinygrad_mm class --small --no-open --port 0``, in a
subprocess); the students are N event streams held by one selector in this process (no thread each),
plus a few threads that post.  Measured and checked:

- every student's stream gets each step the teacher shows: the delay from the teacher's POST to the last
  student receiving it (max and median over the class; the issue asks for ≤ 1 s at 300);
- every answer counted exactly once: each student posts an answer and then the same again; the teacher's
  histogram must count N answers, and every second post must be refused (409);
- after Reveal each student's own verdict is the one their number deserves;
- the server's thread count with all N streams open (Linux: /proc), and its exit code after Ctrl-C.

Bounded: at most 2000 students and 50 steps, and every wait gives up after ``--timeout`` seconds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class RunningClass:
    process: subprocess.Popen
    student_url: str
    teacher_url: str

    @property
    def port(self) -> int:
        return int(urlsplit(self.student_url).port or 0)

    @property
    def code(self) -> str:
        return urlsplit(self.student_url).path.rsplit("/", 1)[-1]

    @property
    def key(self) -> str:
        return urlsplit(self.teacher_url).path.rsplit("/", 1)[-1]

    def stop(self, timeout: float = 15) -> tuple[int, str]:
        """Ctrl-C the server; its exit code and stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            _, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return self.process.returncode, err


def start_class(*args: str, cwd: Path | None = None, timeout: float = 120) -> RunningClass:
    """``python -m tinygrad_mm class ARGS --no-open --port 0`` (on 127.0.0.1, the default); returns once it printed its URLs."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    command = [sys.executable, "-m", "tinygrad_mm", "class", *args, "--no-open", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                               env=env, cwd=cwd, preexec_fn=_default_sigint if os.name == "posix" else None)  # fmt: skip
    urls: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while len(urls) < 2 and time.monotonic() < deadline:
        line = process.stdout.readline() if process.stdout else ""
        if not line:
            break
        found = re.search(r"(http://\S+/([ct])/\S+)", line)
        if found:
            urls[found.group(2)] = found.group(1)
    if len(urls) < 2:
        process.kill()
        raise RuntimeError(f"the class did not start: {process.communicate()[1]}")
    return RunningClass(process, urls["c"], urls["t"])


def _default_sigint() -> None:  # a job started in the background inherits SIGINT ignored: give the server Ctrl-C back
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def post(port: int, path: str, body: object, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    """POST JSON to the class on 127.0.0.1; (status, JSON answer)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        connection.request("POST", path, data, {"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        text = response.read()
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, {"raw": text.decode("utf-8", "replace")}
    finally:
        connection.close()


@dataclass
class Stream:
    """One event stream read without a thread: its socket, what is buffered, and each state with when it came."""

    sock: socket.socket
    buffer: bytes = b""
    states: list[tuple[float, dict]] = field(default_factory=list)
    status: int | None = None

    @classmethod
    def open(cls, port: int, query: str) -> Stream:
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(f"GET /api/events?{query} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
        sock.setblocking(False)
        return cls(sock)

    def feed(self) -> bool:
        """Read what arrived; False once the server closed the stream."""
        try:
            chunk = self.sock.recv(65536)
        except BlockingIOError:
            return True
        except OSError:
            return False
        now = time.monotonic()
        self.buffer += chunk
        if self.status is None and b"\r\n\r\n" in self.buffer:
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            self.status = int(head.split(b" ", 2)[1])
        while self.status is not None and b"\n\n" in self.buffer:
            event, self.buffer = self.buffer.split(b"\n\n", 1)
            for line in event.decode("utf-8").splitlines():
                if line.startswith("data: "):
                    self.states.append((now, json.loads(line[6:])))
        return bool(chunk)

    @property
    def last(self) -> dict:
        return self.states[-1][1] if self.states else {}


class Streams:
    """Many streams on one selector."""

    def __init__(self) -> None:
        self.selector = selectors.DefaultSelector()
        self.streams: list[Stream] = []

    def add(self, stream: Stream) -> Stream:
        self.selector.register(stream.sock, selectors.EVENT_READ, stream)
        self.streams.append(stream)
        return stream

    def wait(self, done, timeout: float) -> bool:
        """Read until ``done()`` holds (True) or ``timeout`` seconds pass (False)."""
        deadline = time.monotonic() + timeout
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            for key, _ in self.selector.select(min(left, 0.5)):
                if not key.data.feed():
                    self.selector.unregister(key.fileobj)
        return True

    def close(self) -> None:
        for stream in self.streams:
            try:
                self.selector.unregister(stream.sock)
            except (KeyError, ValueError):
                pass
            stream.sock.close()
        self.selector.close()


def page_size(port: int, path: str) -> int:
    """GET a page as a browser does (gzip accepted); the bytes sent over the network."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        return len(response.read()) if response.status == 200 else 0
    finally:
        connection.close()


def server_status(pid: int, field: str) -> int | None:
    """A number from the server process's /proc status, e.g. ``Threads`` or ``VmRSS`` (KiB); None off Linux."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(rf"^{field}:\s+(\d+)", text, re.M)
    return int(found.group(1)) if found else None


def arrival(stream: Stream, pos: int) -> float | None:
    """When ``stream`` first got the state at step ``pos`` (None: not yet)."""
    return next((t for t, state in stream.states if state.get("pos") == pos), None)


ANSWERS = ("1.5", "-1.5", "1.4", "7", "1.50")  # right, close (sign), close (within 10 %), wrong, right
EXPECTED = {"1.5": "right", "-1.5": "close", "1.4": "close", "7": "wrong", "1.50": "right"}


def simulate(room: RunningClass, students: int, steps: int, timeout: float = 60, workers: int = 8) -> dict:
    """Run the class (module docstring) and return what was measured; raises AssertionError if a check fails."""
    port, pool, streams = room.port, ThreadPoolExecutor(workers), Streams()
    try:
        status, teacher = post(port, "/api/teacher/claim", {"key": room.key})
        assert status == 200, teacher
        token = teacher["teacher"]
        started = time.monotonic()
        pages = list(pool.map(lambda _: page_size(port, f"/c/{room.code}"), range(students)))
        assert len(set(pages)) == 1 and pages[0] > 0, "a student did not get the page"
        page_seconds = time.monotonic() - started
        started = time.monotonic()
        joins = list(pool.map(lambda _: post(port, "/api/join", {"code": room.code}), range(students)))
        assert all(s == 200 for s, _ in joins), [j for s, j in joins if s != 200][:3]
        tokens = [j["student"] for _, j in joins]
        join_seconds = time.monotonic() - started
        teacher_stream = streams.add(Stream.open(port, f"teacher={token}"))
        pupils = [streams.add(Stream.open(port, f"student={t}")) for t in tokens]
        assert streams.wait(lambda: all(p.states for p in pupils) and teacher_stream.last.get("connected") == students, timeout), (
            f"{sum(1 for p in pupils if p.states)} of {students} streams got the state; "
            f"the teacher sees {teacher_stream.last.get('connected')} connected"
        )
        threads, memory = server_status(room.process.pid, "Threads"), server_status(room.process.pid, "VmRSS")
        delays: list[float] = []
        worst: list[float] = []
        for pos in range(1, steps + 1):
            sent = time.monotonic()
            assert post(port, "/api/teacher/show", {"teacher": token, "view": 0, "pos": pos})[0] == 200
            assert streams.wait(lambda: all(arrival(p, pos) is not None for p in pupils), timeout), f"step {pos} did not reach everyone"  # noqa: B023
            these = [arrival(p, pos) - sent for p in pupils]
            delays += these
            worst.append(max(these))
        status, asked = post(port, "/api/teacher/ask", {"teacher": token, "kind": "free", "text": "x = ?", "answer": "1.5"})
        assert status == 200, asked
        number = asked["question"]
        assert streams.wait(lambda: all((p.last.get("question") or {}).get("number") == number for p in pupils), timeout)
        given = [ANSWERS[k % len(ANSWERS)] for k in range(students)]
        answer = lambda k: post(port, "/api/answer", {"student": tokens[k], "question": number, "answer": given[k]})[0]  # noqa: E731
        started = time.monotonic()
        first = list(pool.map(answer, range(students)))
        answer_seconds = time.monotonic() - started
        again = list(pool.map(answer, range(students)))
        assert first == [200] * students, f"{first.count(200)} of {students} answers accepted"
        assert again == [409] * students, f"second answers: {sorted(set(again))}"
        assert streams.wait(lambda: teacher_stream.last.get("answered") == students, timeout), teacher_stream.last
        histogram = teacher_stream.last["question"]
        assert sum(histogram["verdicts"].values()) == students, histogram
        assert post(port, "/api/teacher/reveal", {"teacher": token})[0] == 200
        assert streams.wait(lambda: all((p.last.get("question") or {}).get("revealed") for p in pupils), timeout)
        verdicts = [p.last["you"]["verdict"] for p in pupils]
        assert verdicts == [EXPECTED[g] for g in given], "a student was told the wrong verdict"
        return {
            "students": students, "steps": steps, "page_seconds": page_seconds, "page_bytes": pages[0],
            "join_seconds": join_seconds, "answer_seconds": answer_seconds,
            "step_delay_max": max(delays), "step_delay_median": statistics.median(delays), "worst_per_step": worst,
            "server_threads": threads, "server_rss_kib": memory, "answers_counted": sum(histogram["verdicts"].values()),
            "verdicts": histogram["verdicts"], "refused": teacher_stream.last["refused"],
        }  # fmt: skip
    finally:
        streams.close()
        pool.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300, choices=range(1, 2001), metavar="N")
    parser.add_argument("--steps", type=int, default=5, choices=range(1, 51), metavar="K")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--workers", type=int, default=32, choices=range(1, 257), metavar="W", help="threads posting at once")
    parser.add_argument("--full", action="store_true", help="the notes' full example (a 2 MiB page) instead of --small")
    args = parser.parse_args()
    graph = () if args.full else ("--small",)
    room = start_class(*graph, "--max-students", str(args.students), "--joins-per-address", str(args.students))
    try:
        result = simulate(room, args.students, args.steps, args.timeout, args.workers)
    finally:
        code, err = room.stop()
    print(f"{result['students']} students on 127.0.0.1 (server: {result['server_threads']} threads, "
          f"{(result['server_rss_kib'] or 0) / 1024:.0f} MiB resident with every stream open; {args.workers} posting threads)")
    print(f"  all loaded the page ({result['page_bytes'] // 1024} KiB gzipped) in {result['page_seconds']:.2f} s, "
          f"joined in {result['join_seconds']:.2f} s; {result['answers_counted']} answers counted once each "
          f"({result['verdicts']}), posted in {result['answer_seconds']:.2f} s; every second answer refused")
    print(f"  a step reaches every student in {result['step_delay_max'] * 1000:.0f} ms at worst "
          f"(median {result['step_delay_median'] * 1000:.0f} ms; worst per step: "
          + ", ".join(f"{w * 1000:.0f}" for w in result["worst_per_step"]) + " ms)")
    print(f"  server after Ctrl-C: exit {code}, stderr {err.strip()!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
