"""``tinygrad-mm render``: the notes' example drawn to a file, its options, and its error messages."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from test_drawing_support import words

from tinygrad_mm.cli import main


def words_of(path) -> list[str]:
    return words(ET.parse(path).getroot())


def test_default_render_is_the_notes_example_with_both_branches_collapsed(tmp_path, capsys):
    out = tmp_path / "notes.svg"
    assert main(["render", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.svg"]  # only the file named
    words = words_of(out)
    assert "∂J/∂s = −1" in words and "∂J/∂s_c = +1" in words
    assert "s = Uᵀf(Wx + b)" in words and "s_c = Uᵀf(Wx_c + b)" in words
    assert "25 nodes (collapsed)" in words and "∂J/∂W = (via s) + (via s_c), element by element" in words
    assert any('"museums in Paris are amazing" vs "museums in bread are amazing"' in w for w in words)


def test_inactive_small_expanded_render_shows_the_closed_hinge(tmp_path):
    out = tmp_path / "inactive.svg"
    assert main(["render", "--inactive", "--small", "--out", str(out)]) == 0
    words = words_of(out)
    assert "margin met — no gradient" in words and "∂J/∂s = 0" in words and "∂J/∂s_c = 0" in words
    assert "z[0]" in words  # --small draws every node


def test_collapse_rankdir_format_digits_highlight_and_no_backward(tmp_path):
    out = tmp_path / "g.dot"
    args = ["render", "--collapse", "z = Wx + b", "z_c = Wx_c + b", "--rankdir", "TB", "--out", str(out),
            "--digits", "2", "--highlight", "U[0]", "--max-nodes", "150"]  # fmt: skip
    assert main(args) == 0
    source = out.read_text(encoding="utf-8")
    assert "rankdir=TB" in source and "16 nodes (collapsed)" in source and "#f39c12" in source
    assert "∂J/∂s = −1" in source and "a[0]" in source
    assert main(["render", "--small", "--no-backward", "--format", "json", "--out", str(tmp_path / "g")]) == 0
    doc = json.loads((tmp_path / "g").read_text(encoding="utf-8"))
    assert doc["gradients_computed"] is False and len(doc["nodes"]) == 27
    assert main(["render", "--small", "--no-backward", "--out", str(tmp_path / "before.svg")]) == 0
    assert any("gradients not computed yet" in w for w in words_of(tmp_path / "before.svg"))


def test_list_scopes(capsys):
    assert main(["render", "--list-scopes"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "s = Uᵀf(Wx + b)", "z = Wx + b", "a = f(z)", "s = U·a",
        "s_c = Uᵀf(Wx_c + b)", "z_c = Wx_c + b", "a_c = f(z_c)", "s_c = U·a_c",
    ]  # fmt: skip


def test_errors_exit_with_a_message(tmp_path, capsys, monkeypatch):
    assert main(["render", "--collapse", "nope", "--out", str(tmp_path / "x.svg")]) == 2
    err = capsys.readouterr().err
    assert "tinygrad-mm render: collapse: unknown scope ['nope']; the scopes in this graph are: " in err
    assert "'z_c = Wx_c + b'" in err
    assert main(["render", "--expand", "--max-nodes", "50", "--out", str(tmp_path / "x.svg")]) == 2
    assert "more than max_nodes=50: collapse scopes" in capsys.readouterr().err
    assert main(["render", "--expand", "--collapse", "z = Wx + b"]) == 2
    assert "either --collapse SCOPE ... or --expand" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["render", "--rankdir", "RL"])
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert main(["render", "--out", str(tmp_path / "x.png")]) == 1
    err = capsys.readouterr().err
    assert "'dot' program was not found" in err and "apt-get install graphviz" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin"]  # nothing written that the user did not name


def test_the_installed_command_runs(tmp_path):
    out = tmp_path / "cmd.pdf"
    result = subprocess.run(
        [sys.executable, "-m", "tinygrad_mm", "render", "--small", "--out", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF") and result.stdout.startswith(f"wrote {out}")


def test_render_never_writes_a_file_it_was_not_named(tmp_path, capsys):
    """`--out results.svg` writes results.svg only; a suffix that contradicts --format is an error, not SVG in a .dot."""
    (tmp_path / "results.dot").write_text("the user's DOT")
    (tmp_path / "results.json").write_text("the user's JSON")
    assert main(["render", "--small", "--out", str(tmp_path / "results.svg")]) == 0
    assert (tmp_path / "results.dot").read_text() == "the user's DOT" and (tmp_path / "results.json").read_text() == "the user's JSON"
    capsys.readouterr()
    assert main(["render", "--small", "--out", str(tmp_path / "same.dot"), "--format", "svg"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ends in .dot but the format asked for is svg: name the file same.svg" in err
    assert not (tmp_path / "same.dot").exists()
