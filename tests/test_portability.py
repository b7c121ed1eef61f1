"""Portable: the engine is tested on every Python the package promises (3.10–3.13) that the machine has, and
the versions it lacks are named, not skipped in silence; files are written in binary (``\\n`` stays ``\\n``
on Windows) by one writer; no unguarded POSIX-only call (``getattr(os, "getuid", None)`` is the guarded way)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "test-pythons.sh"
PACKAGE = ROOT / "tinygrad_mm"
POSIX_ONLY = {"getuid", "geteuid", "getgid", "fork", "mkfifo", "chown", "killpg", "setsid", "getpgid", "sync", "statvfs"}
POSIX_MODULES = {"pwd", "grp", "fcntl", "termios", "resource", "tty", "pty"}


def run_matrix(versions: str, path: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHON_VERSIONS=versions, PYENV_ROOT=str(ROOT / "no-such-pyenv"),
               PYTHON_MATRIX_TESTS="tests/test_stale_and_threads.py")  # fmt: skip
    if path is not None:
        env["PATH"] = path
    return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=600, check=False)


def test_a_python_the_machine_lacks_is_named_not_skipped_in_silence(tmp_path):
    shims = tmp_path / "bin"
    shims.mkdir()
    shim = shims / "python3.98"  # like a pyenv shim for a version that is not selected: present, but does not run
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.98: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    done = run_matrix("3.98 3.99", f"{shims}{os.pathsep}{os.environ['PATH']}")
    assert done.returncode == 0, done.stdout + done.stderr  # missing is reported, not a failure of the suite
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Python 3.98: MISSING") and lines[1].startswith("Python 3.99: MISSING")
    assert lines[-1] == "not tested on Python 3.98 3.99: install it (e.g. pyenv install 3.98) to test there"


def test_make_test_runs_the_version_matrix():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "scripts/test-pythons.sh" in recipe and "PYTHON_VERSIONS" in SCRIPT.read_text(encoding="utf-8")
    assert all(v in SCRIPT.read_text(encoding="utf-8") for v in ("3.10", "3.11", "3.12", "3.13"))


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="once, from the main venv")
def test_the_matrix_runs_the_engine_on_this_python():
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    done = run_matrix(version, f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    line = done.stdout.splitlines()[0]
    assert done.returncode == 0 and line.startswith(f"Python {version} (") and " passed" in line, done.stdout


def modules() -> list[Path]:
    return list(PACKAGE.rglob("*.py"))


def test_only_the_atomic_writer_writes_files_and_always_in_binary():
    for path in modules():
        if path.name == "files.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("write_text", "write_bytes"):
                pytest.fail(f"{path.name}:{node.lineno} writes a file itself; use tinygrad_mm.files.write_atomic")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
                modes = [a.value for a in node.args[1:2] if isinstance(a, ast.Constant)]
                modes += [k.value.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)]
                assert not any(set(str(m)) & set("wax+") for m in modes), f"{path.name}:{node.lineno} opens a file to write"


def test_no_unguarded_posix_only_call():
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os":
                assert node.attr not in POSIX_ONLY, f"{path.name}:{node.lineno} calls os.{node.attr} (POSIX only)"
            if isinstance(node, ast.Import):
                assert not {a.name for a in node.names} & POSIX_MODULES, f"{path.name}:{node.lineno} imports a POSIX-only module"
