"""The CLI never shows a traceback for a user mistake (issue 11): one line on stderr, a non-zero exit, no stray file.

Every test runs ``python -m tinygrad_mm`` as a real subprocess.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, cli, files_in

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """A working directory with a sub-directory ``adir`` and a file ``afile`` (and nothing else)."""
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("the user's file\n")
    return tmp_path


def assert_untouched(place: Path) -> None:
    """Nothing was written: no output, no temporary file, the user's file as it was."""
    assert files_in(place) == ["adir", "afile"]
    assert files_in(place / "adir") == []
    assert (place / "afile").read_text() == "the user's file\n"


# ---- --out: a directory, a path under a file, a missing or unwritable directory ----


@pytest.mark.parametrize(
    ("command", "out", "fragments"),
    [
        (["render", "--small"], "adir", ("adir is a directory", "give a file name")),
        (["render", "--small"], "afile/x.svg", ("afile is a file, not a directory",)),
        (["render", "--small"], "missing/x.svg", ("the directory missing does not exist", "create it first")),
        (["html", "--small"], "adir", ("adir is a directory",)),
        (["html", "--small"], "afile/page.html", ("afile is a file, not a directory",)),
        (["html", "--small"], "missing/deeper/page.html", ("does not exist",)),
        (["demo", "--small"], "afile", ("afile is a file, not a directory",)),
        (["demo", "--small"], "missing", ("the directory missing does not exist", "mkdir -p missing")),
        (["train", "moons", "--steps", "2", "--plot"], "afile", ("afile is a file, not a directory",)),
        (["train", "ner", "--epochs", "1", "--plot"], "missing", ("does not exist",)),
    ],
)
def test_bad_out_paths(place: Path, command: list[str], out: str, fragments: tuple[str, ...]) -> None:
    done = cli(*command, "--out", out, cwd=place)
    assert_one_line_error(done, 2, "--out", *fragments)
    assert done.stdout == ""  # refused before any work
    assert_untouched(place)


@pytest.mark.parametrize(
    "command",
    [["render", "--small", "--out", "{d}/x.svg"], ["html", "--small", "--out", "{d}/x.html"],
     ["demo", "--small", "--out", "{d}"], ["train", "moons", "--steps", "2", "--plot", "--out", "{d}"]],
)  # fmt: skip
def test_unwritable_directory(place: Path, command: list[str]) -> None:
    """A directory no file can be created in: /sys (refused even to root), and a chmod 555 one when not root."""
    directories = ["/sys"] + ([] if IS_ROOT else [str(place / "adir")])
    if not IS_ROOT:
        (place / "adir").chmod(0o555)
    try:
        for directory in directories:
            done = cli(*[part.format(d=directory) for part in command], cwd=place)
            assert_one_line_error(done, 2, "--out", directory)
            assert "cannot write" in done.stderr or "not writable" in done.stderr
    finally:
        (place / "adir").chmod(0o755)
    assert_untouched(place)


def test_the_default_out_directory_is_created(tmp_path: Path) -> None:
    done = cli("render", "--small", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert files_in(tmp_path / "out") == ["notes-example-small.svg"]


# ---- numbers: non-finite, absurd, not numbers ----


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["train", "ner", "--lr", "inf"], ("--lr must be > 0 and at most 10, got inf",)),
        (["train", "ner", "--lr", "1e300"], ("--lr must be > 0 and at most 10, got 1e+300",)),
        (["train", "ner", "--lr", "nan"], ("--lr", "got nan")),
        (["train", "ner", "--lr", "-1"], ("--lr must be > 0",)),
        (["train", "ner", "--epochs", "1e3"], ("--epochs", "invalid int value: '1e3'")),
        (["train", "moons", "--steps", "99999999999"], ("--steps must be > 0 and at most 10,000,000",)),
        (["render", "--delta", "nan"], ("--delta", "'nan' is not a finite number")),
        (["render", "--delta", "1e400"], ("--delta", "not a finite number")),
        (["render", "--hidden", "0"], ("--hidden", "out of range")),
        (["render", "--dim", "1e9"], ("--dim", "'1e9' is not a whole number")),
        (["explain", "U[0]", "--max-paths", "0"], ("--max-paths", "out of range")),
        (["trace", "--digits", "400"], ("--digits from 1 to 17",)),
        (["render", "-e", "x*w", "--set", "x=2", "w=inf"], ("--set w=inf: inf is not a finite number",)),
        (["render", "-e", "x*w", "--set", "x=2", "w=1e999"], ("not a finite number",)),
        (["render", "-e", "x*w", "--set", "x=2", "w=two"], ("--set w=two: 'two' is not a number",)),
    ],
)
def test_bad_numbers_are_refused_up_front(place: Path, args: list[str], fragments: tuple[str, ...]) -> None:
    done = cli(*args, cwd=place)
    assert_one_line_error(done, 2, *fragments)
    assert done.stdout == ""
    assert_untouched(place)


def test_training_that_diverges_is_one_line(place: Path) -> None:
    """lr = 10 is allowed, but relu units blow up: the engine refuses the overflow and the CLI says so."""
    done = cli("train", "ner", "--lr", "10", "--activation", "relu", cwd=place)
    line = assert_one_line_error(done, 1, "training diverged", "--lr 10 is probably too large")
    assert len(line) < 600
    assert_untouched(place)


def test_usage_mistakes_are_one_line(place: Path) -> None:
    assert_one_line_error(cli("render", "--rankdir", "RL", cwd=place), 2, "invalid choice: 'RL'", "--help")
    assert_one_line_error(cli("render", "--nope", cwd=place), 2, "unrecognized arguments: --nope")
    assert_one_line_error(cli("train", cwd=place), 2, "required", "{ner,moons}")
    assert_one_line_error(cli("frobnicate", cwd=place), 2, "invalid choice: 'frobnicate'")
    assert_untouched(place)


# ---- the graph's own problems ----


def test_an_operation_undefined_at_the_users_numbers(place: Path) -> None:
    done = cli("render", "-e", "log(x - 2)", "--set", "x=1", cwd=place)
    assert_one_line_error(done, 1, "log(x - 2) cannot be computed at these values", "log needs x > 0")
    assert_untouched(place)


def test_a_graph_too_large_to_draw(place: Path) -> None:
    done = cli("render", "--expand", "--max-nodes", "50", "--out", "g.svg", cwd=place)
    assert_one_line_error(done, 2, "more than max_nodes=50")
    done = cli("html", "-e", "sum(" + ", ".join(f"x{i}*x{i}" for i in range(400)) + ")", "--set",
               *(f"x{i}=1" for i in range(400)), "--out", "g.html", cwd=place)  # fmt: skip
    assert_one_line_error(done, 2, "more than max_nodes=")
    assert_untouched(place)


def test_missing_graphviz_is_one_line(place: Path) -> None:
    empty = place / "adir"
    done = cli("render", "--small", "--out", "x.svg", cwd=place, env={"PATH": str(empty)})
    assert_one_line_error(done, 1, "'dot' program was not found", "apt-get install graphviz")
    assert_untouched(place)


def test_a_stale_graph_in_a_script(place: Path) -> None:
    (place / "adir" / "stale.py").write_text(
        "from tinygrad_mm import Value\nw = Value(2.0)\nloss = w * w\nw.data = 3.0  # changed after the forward pass\n"
    )
    done = cli("trace", "adir/stale.py", cwd=place)
    assert_one_line_error(done, 1, "'w'")


# ---- streams: a closed pipe, a terminal that cannot show ∂, Ctrl-C ----


def test_broken_pipe_exits_quietly(tmp_path: Path) -> None:
    """``tinygrad-mm trace | head -1``: the reader stops after one line; no traceback, no message."""
    done = subprocess.run(
        f"{sys.executable} -m tinygrad_mm trace | head -1", shell=True, capture_output=True, text=True,
        encoding="utf-8", cwd=tmp_path, timeout=120, check=False, executable="/bin/bash",
    )  # fmt: skip
    assert done.stdout.startswith("step") and len(done.stdout.splitlines()) == 1
    assert done.stderr == ""
    process = subprocess.Popen(
        [sys.executable, "-m", "tinygrad_mm", "trace"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path
    )
    assert process.stdout is not None and process.stdout.readline().startswith(b"step")
    process.stdout.close()  # what head does after its line
    _, err = process.communicate(timeout=120)
    assert err == b"" and process.returncode == 141


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_a_terminal_that_cannot_show_the_symbols(tmp_path: Path, encoding: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tinygrad_mm", "explain", "U[0]", "--small"], capture_output=True, cwd=tmp_path,
        env=dict(os.environ, PYTHONIOENCODING=encoding), timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode(encoding)
    assert out.startswith("\\u2202J/\\u2202U[0] = ")  # ∂ written as an escape, not a crash
    err = subprocess.run(
        [sys.executable, "-m", "tinygrad_mm", "explain", "nope", "--small"], capture_output=True, cwd=tmp_path,
        env=dict(os.environ, PYTHONIOENCODING=encoding), timeout=120, check=False,
    )  # fmt: skip
    assert err.returncode == 2 and len(err.stderr.decode(encoding).splitlines()) == 1
    assert b"Traceback" not in err.stderr


def interruptible() -> None:
    """In the child: Ctrl-C as at a terminal, even when the test suite runs where SIGINT is ignored (a background job)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_during_training(place: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tinygrad_mm", "train", "moons", "--steps", "100000", "--plot", "--out", "adir"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", cwd=place,
        preexec_fn=interruptible,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline().startswith("two moons")
    assert process.stdout.readline().startswith("step   1/100000")  # training has started
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert err == "tinygrad-mm train moons: interrupted\n"
    assert_untouched(place)


def test_ctrl_c_while_a_script_runs(place: Path) -> None:
    script = place / "adir" / "slow.py"
    script.write_text("import time\nprint('ready', flush=True)\ntime.sleep(60)\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "tinygrad_mm", "render", str(script), "--out", "x.svg"], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, encoding="utf-8", cwd=place, preexec_fn=interruptible,
    )  # fmt: skip
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and err == "tinygrad-mm render: interrupted\n"
    assert files_in(place) == ["adir", "afile"]
