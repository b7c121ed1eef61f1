"""``tinygrad-mm trace`` and ``tinygrad-mm html`` on the notes' CS224N example."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_mm.cli import main
from tinygrad_mm.engine import record
from tinygrad_mm.models.cs224n import notes_example
from tinygrad_mm.views.text import fmt

EXE = Path(sys.executable).with_name("tinygrad-mm")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_trace_prints_the_whole_tape_of_the_notes_example(capsys):
    code, out, err = run(capsys, "trace")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["step", "node", "op", "∂J/∂node", "∂node/∂parent", "contribution", "→", "parent", "parent", "grad"]
    assert lines[1].split() == ["1", "J", "max(0,·)", "1", "-1", "-1", "→", "s", "0", "→", "-1"]
    assert lines[2].split() == ["1", "1", "→", "s_c", "0", "→", "1"]
    example = notes_example()
    steps = record(example.J).steps
    rows = sum(max(1, len(s.parents)) for s in steps)
    assert len(steps) == 267  # 20 + 20 inputs, 160 + 8 + 8 parameters, 16 dot, 16 z, 16 a, s, s_c, J
    assert lines[-1] == f"267 steps, {rows} rows; J = {fmt(example.J.data)}"
    assert len(lines) == 1 + rows + 1
    assert "\x1b[" not in out  # not a terminal: no colour


def test_trace_follow_limit_and_explain(capsys):
    code, out, _ = run(capsys, "trace", "--follow", "U[3]", "--explain", "U[3]")
    assert code == 0
    table, explanation = out.split("\n\n")
    rows = table.splitlines()[1:-1]
    assert [r.split()[1] for r in rows] == ["s", "s_c", "U[3]"]
    assert explanation.splitlines()[0].startswith("∂J/∂U[3] = ")
    assert "path 1: J → s → U[3]" in explanation and "path 2: J → s_c → U[3]" in explanation
    code, out, _ = run(capsys, "trace", "--small", "--limit", "4")
    assert code == 0 and len(out.splitlines()) == 1 + 4 + 2
    assert out.splitlines()[-2].startswith("… 46 more rows")


def test_trace_inactive_margin_sends_nothing(capsys):
    code, out, _ = run(capsys, "trace", "--inactive", "--small", "--follow", "W[0,0]")
    assert code == 0
    rows = out.splitlines()[1:-1]
    assert [r.split()[-4:] for r in rows[:2]] == [["W[0,0]", "0", "→", "0"]] * 2
    assert out.splitlines()[-1].endswith("J = 0")


def test_trace_unknown_label_is_a_clear_error(capsys):
    code, out, err = run(capsys, "trace", "--follow", "W[0,99]")
    assert code == 2 and out == ""
    assert "no node named 'W[0,99]'" in err and "did you mean" in err
    code, _, err = run(capsys, "trace", "--limit", "-3")
    assert code == 2 and "--limit must be >= 0" in err


def test_trace_colours_only_when_asked(capsys):
    _, out, _ = run(capsys, "trace", "--small", "--limit", "2", "--color", "always")
    assert "\x1b[1;36mJ" in out


def test_the_installed_command_respects_no_color():
    env = dict(os.environ, NO_COLOR="1")
    done = subprocess.run([EXE, "trace", "--small", "--limit", "3"], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.splitlines()[1].split()[:3] == ["1", "J", "max(0,·)"] and "\x1b" not in done.stdout


@pytest.mark.parametrize("flags, name", [((), "page.html"), (("--inactive", "--small"), "inactive.html")])
def test_html_command_writes_the_page(capsys, tmp_path, flags, name):
    code, out, _ = run(capsys, "html", *flags, "--out", str(tmp_path / name))
    assert code == 0 and out.startswith(f"wrote {tmp_path / name}")
    html = (tmp_path / name).read_text()
    drawings = html.count("<svg")  # one per view: --small draws every node once; the full example folds its branches
    assert (drawings == 1) if "--small" in flags else (2 <= drawings <= 12)  # the folded view, and views opening a box
    assert "CS224N max-margin loss" in html
    drawn = html.split('<script type="application/json"')[0]  # the live page's data also holds the closed gate's words
    assert ("margin met" in drawn) == ("--inactive" in flags)


def test_html_command_default_path(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "html", "--small")
    assert code == 0 and (tmp_path / "out" / "notes-example-small.html").is_file()
