"""The compiled steps' cache: a new process that builds the same graph reuses the code an earlier one compiled, from
a place nobody else can write, checked against its hashes — and anything doubtful is simply compiled again."""

from __future__ import annotations

import json
import math
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


def test_the_cache_directory_follows_xdg_or_home(monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    monkeypatch.setenv("HOME", "/somewhere/home")
    assert cache.directory() == Path("/somewhere/home/.cache/tinygrad_mm/compiled")
    monkeypatch.setenv("XDG_CACHE_HOME", "/elsewhere")
    assert cache.directory() == Path("/elsewhere/tinygrad_mm/compiled")


def compile_once(label: str) -> float:
    w = Parameter(2.0, label)
    return tinygrad_mm.compile(lambda x: (w * x).tanh() * 3.0)(1.0)


@pytest.mark.parametrize(
    ("xdg", "home", "words"),
    [
        ("relative/cache", "/home/x", "XDG_CACHE_HOME='relative/cache' is not an absolute path"),
        ("~/.cache", "/home/x", "XDG_CACHE_HOME='~/.cache' is not an absolute path"),
        (None, None, "HOME is not set"),
        (None, "relative-home", "HOME is not set to an absolute path"),
    ],
)
def test_an_unusable_location_is_refused_in_one_line_and_nothing_is_made_in_the_cwd(
    xdg, home, words, tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in (("XDG_CACHE_HOME", xdg), ("HOME", home)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    monkeypatch.setattr(cache, "_SAID", set())
    assert cache.directory() is None
    assert compile_once(f"w_location_{len(words)}") == math.tanh(2.0) * 3.0
    assert compile_once(f"w_location2_{len(words)}") == math.tanh(2.0) * 3.0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and "stay in memory" in err  # said once
    assert list(tmp_path.iterdir()) == []  # never a folder named ~ (or anything) in the current directory


def folder_of(tmp_path: Path) -> Path:
    return tmp_path / "tinygrad_mm" / "compiled"


@pytest.mark.parametrize("problem", ["symlink", "read-only", "foreign", "open to all"])
def test_a_folder_that_cannot_be_trusted_is_refused_and_steps_compile_in_memory(problem, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(cache, "_SAID", set())
    folder = folder_of(tmp_path)
    folder.parent.mkdir(parents=True)
    words = {"symlink": "is a symbolic link", "read-only": "is read-only", "foreign": "belongs to another user",
             "open to all": "can be written by other users"}[problem]  # fmt: skip
    if problem == "symlink":
        real = tmp_path / "real"
        real.mkdir(mode=0o700)
        folder.symlink_to(real)
    else:
        folder.mkdir(mode=0o700)
        if problem == "read-only":
            folder.chmod(0o500)
        elif problem == "foreign":
            if not hasattr(os, "chown") or os.geteuid() != 0:
                pytest.skip("giving a folder to another user needs root")
            os.chown(folder, 12345, 12345)
        else:
            folder.chmod(0o777)
    try:
        assert compile_once(f"w_folder_{problem}") == math.tanh(2.0) * 3.0
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err
        assert not list((tmp_path / "real").glob("*")) if problem == "symlink" else not list(folder.glob("*.step"))
    finally:
        folder.chmod(0o700) if not folder.is_symlink() else None


def test_an_entry_that_is_a_link_is_never_opened(tmp_path) -> None:
    first = run_in_new_process(tmp_path)
    (entry,) = entries(tmp_path)
    elsewhere = tmp_path / "elsewhere.step"
    entry.rename(elsewhere)
    entry.symlink_to(elsewhere)  # the same bytes, reached through a link
    assert run_in_new_process(tmp_path) == first  # recompiled, not read through the link
    assert not entry.is_symlink()  # and the entry written anew in its place


def test_the_disk_cache_is_bounded_oldest_first(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    made: list[str] = []
    for i in range(6):
        w = Parameter(2.0, f"w_bounded_{i}")
        tinygrad_mm.compile(lambda x, w=w: w * x)(1.0)
        (new,) = {path.name for path in entries(tmp_path)} - set(made)
        made.append(new)
        os.utime(folder_of(tmp_path) / new, (i, i))  # written at "time i": the oldest are the first
    assert [path.name for path in entries(tmp_path)] == sorted(made[-3:])


def test_the_cache_works_without_posix_only_functions(tmp_path, monkeypatch) -> None:
    """As on Windows: no os.getuid, no os.O_NOFOLLOW. The disk cache still stores and reads entries."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delattr(os, "getuid")
    monkeypatch.delattr(os, "O_NOFOLLOW")
    monkeypatch.setattr(cache, "_NO_FOLLOW", getattr(os, "O_NOFOLLOW", 0))
    w = Parameter(2.0, "w_no_posix")
    first = tinygrad_mm.compile(lambda x: (w * x).tanh())
    assert first(1.0) == math.tanh(2.0)
    assert [p.origin for p in first.programs.values()] == ["compiled"] and len(entries(tmp_path)) == 1
    cache.forget_memory()
    again = tinygrad_mm.compile(lambda x: (w * x).tanh())
    assert again(1.0) == math.tanh(2.0)
    assert [p.origin for p in again.programs.values()] == ["cache"]  # read back from disk
    (entry,) = entries(tmp_path)
    elsewhere = tmp_path / "elsewhere.step"
    entry.rename(elsewhere)
    entry.symlink_to(elsewhere)  # without O_NOFOLLOW, lstat and fstat must agree: a link is refused
    cache.forget_memory()
    third = tinygrad_mm.compile(lambda x: (w * x).tanh())
    assert third(1.0) == math.tanh(2.0) and [p.origin for p in third.programs.values()] == ["compiled"]


def test_the_graph_is_numbered_by_its_shape_alone() -> None:
    """The signature's numbering (tracing.numbered): level by level, a node numbered by the edge it was first met
    through — two graphs of the same shape get the same numbers, swapped operands do not."""
    from tinygrad_mm.compiled.tracing import numbered

    a, b = Parameter(2.0), Parameter(3.0)
    order, counts, wiring, number_of = numbered(a * b + a)
    assert [v.op for v in order] == ["+", "*", "", ""] and order[2] is a and order[3] is b
    assert counts == [2, 2, 0, 0] and wiring == [1, 2, 2, 4] and [number_of[v] for v in order] == [0, 1, 2, 4]
    c, d = Parameter(5.0), Parameter(7.0)
    assert numbered(c * d + c)[1:3] == (counts, wiring)
    assert numbered(a * b + b)[1:3] != (counts, wiring)


def test_the_collector_is_paused_only_while_a_step_is_traced(monkeypatch) -> None:
    """Tracing builds an acyclic graph that reference counting frees: Python's cyclic collector is off meanwhile,
    and back as it was afterwards — on, or off if the program had turned it off, also when the function raises."""
    import gc

    seen, fail = [], []
    w = Parameter(1.5)

    def loss(x):
        seen.append(gc.isenabled())
        if fail:
            raise ValueError("too big")
        return w * x

    assert gc.isenabled()
    tinygrad_mm.compile(loss, cache=False)(0.5)
    assert seen == [False] and gc.isenabled()
    fail.append(True)
    with pytest.raises(ValueError, match="too big"):
        tinygrad_mm.compile(loss, cache=False)(2.0)
    fail.clear()
    assert gc.isenabled()
    gc.disable()
    try:
        tinygrad_mm.compile(loss, cache=False)(0.25)
        assert not gc.isenabled()
    finally:
        gc.enable()
