"""The compiled steps' cache: a new process that builds the same graph reuses the code an earlier one compiled, from
a place nobody else can write, checked against its hashes — and anything doubtful is simply compiled again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tinygrad_mm
from tinygrad_mm import Parameter
from tinygrad_mm.compiled import cache

SCRIPT = """
import json, random, sys
import tinygrad_mm
from tinygrad_mm.models.datasets import make_moons
from tinygrad_mm.models.nn import MLP
from tinygrad_mm.models.train import moons_objective
X, y = make_moons(20, 0.1, 1)
model = MLP(2, [4, 4, 1], rng=random.Random(1))
step = tinygrad_mm.compile(lambda X, y: moons_objective(model, X, y))
loss, _ = step(X, y)
program = next(iter(step.programs.values()))
print(json.dumps({"loss": loss, "origin": program.origin, "grads": [p.grad for p in model.parameters()]}))
"""


def run_in_new_process(cache_home: Path, **env: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True,
        env={**os.environ, "XDG_CACHE_HOME": str(cache_home), **env},
    )  # fmt: skip
    return json.loads(done.stdout)


def entries(cache_home: Path) -> list[Path]:
    return sorted((cache_home / "tinygrad_mm" / "compiled").glob("*.step"))


def test_a_new_process_reuses_the_compiled_code_from_the_disk_cache(tmp_path) -> None:
    first = run_in_new_process(tmp_path)
    assert first["origin"] == "compiled" and len(entries(tmp_path)) == 1
    (entry,) = entries(tmp_path)
    assert entry.stat().st_mode & 0o077 == 0 and entry.parent.stat().st_mode & 0o077 == 0  # private
    second = run_in_new_process(tmp_path)
    assert second == {**first, "origin": "cache"}
    assert run_in_new_process(tmp_path, TINYGRAD_MM_CACHE="0")["origin"] == "compiled"  # switched off


def test_a_tampered_or_foreign_entry_is_never_executed(tmp_path) -> None:
    first = run_in_new_process(tmp_path)
    (entry,) = entries(tmp_path)
    original = entry.read_bytes()
    entry.write_bytes(original.replace(b"_finite = 0.0", b"_finite = 1.0"))  # the source no longer matches its hash
    assert run_in_new_process(tmp_path) == first  # recompiled (and the entry rewritten)
    entry.write_bytes(original[:-10])  # truncated code
    assert run_in_new_process(tmp_path)["origin"] == "compiled"
    entry.chmod(0o666)  # writable by anyone: not trusted, whatever it holds
    assert run_in_new_process(tmp_path)["origin"] == "compiled"
    entry.chmod(0o600)
    entry.parent.chmod(0o777)  # a directory others can write into: not trusted either
    try:
        assert run_in_new_process(tmp_path)["origin"] == "compiled"
    finally:
        entry.parent.chmod(0o700)
    assert run_in_new_process(tmp_path)["origin"] == "cache"


def test_the_memory_cache_serves_a_second_step_of_the_same_structure(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    w = Parameter(2.0, "w_memory_test")
    first = tinygrad_mm.compile(lambda x: (w * x).tanh())
    first(1.0)
    again = tinygrad_mm.compile(lambda x: (w * x).tanh())
    again(3.0)
    assert [p.origin for p in first.programs.values()] == ["compiled"]
    assert [p.origin for p in again.programs.values()] == ["cache"]
    assert cache.directory() == tmp_path / "tinygrad_mm" / "compiled"


def test_a_cache_that_cannot_be_written_is_only_slower(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    w = Parameter(2.0, "w_unwritable_cache")
    assert tinygrad_mm.compile(lambda x: w * x * 7.0)(1.0) == 14.0


@pytest.mark.parametrize("home", ["", "relative"])
def test_the_cache_directory_follows_xdg(monkeypatch, home) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", home)
    expected = (Path(home) if home else Path.home() / ".cache") / "tinygrad_mm" / "compiled"
    assert cache.directory() == expected
