"""Files are never harmed: normal permissions, only the file named, never a device, frames that match the run.

The atomic writer (tinygrad_mm/files.py) sits below every layer; the CLI is run as a subprocess.
"""

from __future__ import annotations

import ast
import os
import stat
import sys
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, cli

from tinygrad_mm import Value
from tinygrad_mm.files import OutputPathError, write_atomic
from tinygrad_mm.views import slides
from tinygrad_mm.views.slides import write_frames

POSIX = pytest.mark.skipif(os.name != "posix", reason="file modes, FIFOs and /dev are POSIX")
FILES = Path(__file__).resolve().parents[1] / "tinygrad_mm" / "files.py"


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    """Set the process umask for one test (and put the old one back)."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield lambda mask: os.umask(mask)
    os.umask(saved)


def test_the_writer_sits_below_every_layer_and_imports_only_the_standard_library():
    tree = ast.parse(FILES.read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.level}
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level], "no package import"
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)
    assert not (FILES.parent / "views" / "files.py").exists()


@POSIX
@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_a_new_file_gets_the_mode_a_normal_write_gives(tmp_path, umask, mask):
    umask(mask)
    (tmp_path / "plain.txt").write_text("x")  # what open(path, "w") gives
    path = write_atomic(tmp_path / "page.html", "<p>hi</p>\n")
    assert mode_of(path) == mode_of(tmp_path / "plain.txt") == 0o666 & ~mask
    assert path.read_bytes() == b"<p>hi</p>\n"


@POSIX
@pytest.mark.parametrize("mode", [0o644, 0o755, 0o640])
def test_overwriting_keeps_the_replaced_files_mode(tmp_path, umask, mode):
    umask(0o077)  # would give 0o600 to a new file: the old file's mode wins
    target = tmp_path / "graph.svg"
    target.write_text("old")
    target.chmod(mode)
    write_atomic(target, "new")
    assert target.read_text() == "new" and mode_of(target) == mode
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]  # no temporary left


@POSIX
def test_a_private_file_is_written_private_whatever_the_umask(tmp_path, umask):
    umask(0)
    assert mode_of(write_atomic(tmp_path / "cache.bin", b"\x00", mode=0o600)) == 0o600


@POSIX
def test_a_fifo_is_never_replaced_by_a_regular_file(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputPathError, match="not a regular file"):
        write_atomic(fifo, "x")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@POSIX
def test_a_link_to_a_device_is_refused_and_a_link_to_a_file_is_written_through(tmp_path):
    device = tmp_path / "null"
    device.symlink_to("/dev/null")
    with pytest.raises(OutputPathError, match="not a regular file"):
        write_atomic(device, "x")
    assert device.is_symlink() and os.readlink(device) == "/dev/null"
    real = tmp_path / "real.svg"
    real.write_text("old")
    link = tmp_path / "link.svg"
    link.symlink_to(real.name)
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.svg", "null", "real.svg"]


def test_newlines_are_written_as_given(tmp_path):
    assert write_atomic(tmp_path / "a.py", "x = 1\ny = 2\n").read_bytes() == b"x = 1\ny = 2\n"  # never \r\n


# ---- the CLI ------------------------------------------------------------------------------------


@POSIX
@pytest.mark.parametrize("command", ["render", "html", "code"])
def test_out_naming_a_device_or_fifo_is_one_clear_line(tmp_path, command):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "stdout"
    link.symlink_to("/dev/stdout")
    for out in (fifo, link):
        done = cli(command, "-e", "x*2", "--set", "x=3", "--out", str(out), cwd=tmp_path)
        assert_one_line_error(done, 2, str(out), "not a regular file")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and link.is_symlink()


CHDIR_SCRIPT = """
import os
from tinygrad_mm import Value
os.makedirs("elsewhere", exist_ok=True)
os.chdir("elsewhere")
x = Value(2.0)
loss = x * x
"""


@pytest.mark.parametrize(("command", "written"), [("render", "out/chdir.svg"), ("html", "out/chdir.html"), ("code", "mine.py")])
def test_a_script_that_changes_directory_never_moves_the_output(tmp_path, command, written):
    (tmp_path / "chdir.py").write_text(CHDIR_SCRIPT)
    (tmp_path / "elsewhere" / "out").mkdir(parents=True)
    (tmp_path / "elsewhere" / "mine.py").write_text("the user's own file")
    args = ["--out", "mine.py"] if command == "code" else []
    done = cli(command, "chdir.py", *args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / written).is_file()
    assert list((tmp_path / "elsewhere" / "out").iterdir()) == []
    assert (tmp_path / "elsewhere" / "mine.py").read_text() == "the user's own file"


# ---- --frames -------------------------------------------------------------------------------------


def small_graph() -> Value:
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    return (x * w).tanh()


def test_frames_of_an_earlier_longer_run_are_removed(tmp_path):
    longer = write_frames(small_graph() * Value(2.0, "k") + 1.0, tmp_path, "svg")
    shorter = write_frames(small_graph(), tmp_path, "svg")
    assert len(longer) > len(shorter)
    on_disk = sorted(p for p in tmp_path.iterdir() if p.name.startswith("step-"))
    assert on_disk == sorted(shorter)


def test_after_an_interrupted_run_the_same_command_works_again(tmp_path, monkeypatch):
    render, calls = slides.dot.render, []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return render(*args, **kwargs)

    monkeypatch.setattr(slides.dot, "render", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_frames(small_graph(), tmp_path, "svg")
    monkeypatch.setattr(slides.dot, "render", render)
    frames = write_frames(small_graph(), tmp_path, "svg")
    assert sorted(p for p in tmp_path.iterdir() if p.name.startswith("step-")) == frames


def test_frames_never_delete_files_in_a_folder_they_did_not_mark(tmp_path):
    mine = tmp_path / "step-099.svg"
    mine.write_text("the user's own")
    write_frames(small_graph(), tmp_path, "svg")
    assert mine.read_text() == "the user's own"  # an unmarked folder: nothing removed that was not written


@pytest.mark.skipif(os.name != "posix", reason="symbolic links need privileges on Windows")
def test_a_link_is_replaced_not_written_through_when_asked(tmp_path) -> None:
    """follow_links=False (the compile cache): the link itself is replaced by the new file; its target is untouched."""
    target, link = tmp_path / "elsewhere.txt", tmp_path / "entry.txt"
    target.write_text("someone else's")
    link.symlink_to(target)
    write_atomic(link, "mine", follow_links=False, mode=0o600)
    assert target.read_text() == "someone else's" and not link.is_symlink() and link.read_text() == "mine"
    assert stat.S_IMODE(link.stat().st_mode) == 0o600
