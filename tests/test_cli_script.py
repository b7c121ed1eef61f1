"""``tinygrad-mm render|trace|explain|html SCRIPT.py``: the user's own script, run as ``python SCRIPT.py`` would."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, cli, files_in, svg_words

from tinygrad_mm.cli import main

NEURON = """\
from tinygrad_mm import Value

x1 = Value(2.0)
x2 = Value(0.0)
w1 = Value(-3.0)
w2 = Value(1.0, "w2 (mine)")
b = Value(6.8813735870195432)
n = x1*w1 + x2*w2 + b
o = n.tanh()
o.backward()
o.backward()  # twice: the leaves now hold twice their gradient
"""


def write(directory: Path, name: str, source: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def json_nodes(path: Path) -> dict[str, dict]:
    return {node["label"]: node for node in json.loads(path.read_text(encoding="utf-8"))["nodes"] if node["label"]}


def test_render_a_script_labels_its_variables_and_keeps_the_users_labels(tmp_path: Path) -> None:
    script = write(tmp_path, "neuron.py", NEURON)
    done = cli("render", str(script), "--out", "neuron.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "wrote neuron.svg\n" and files_in(tmp_path) == ["neuron.py", "neuron.svg"]
    words = svg_words(tmp_path / "neuron.svg")
    for label in ("x1", "x2", "w1", "b", "n", "o", "w2 (mine)"):
        assert label in words, label
    assert "w2" not in words  # the label the user set is kept
    assert any("o from neuron.py" in w for w in words)


def test_the_drawing_shows_d_root_d_node_once_whatever_the_script_backpropagated(tmp_path: Path, capsys) -> None:
    script = write(tmp_path, "neuron.py", NEURON)
    assert main(["render", str(script), "--out", str(tmp_path / "g.json")]) == 0
    nodes = json_nodes(tmp_path / "g.json")
    assert nodes["o"]["data"] == pytest.approx(0.7071067811865476)
    assert nodes["x1"]["grad"] == pytest.approx(-1.5) and nodes["w1"]["grad"] == pytest.approx(1.0)  # not doubled
    assert nodes["n"]["grad"] == pytest.approx(0.5)


def test_no_autolabel(tmp_path: Path, capsys) -> None:
    script = write(tmp_path, "neuron.py", NEURON)
    assert main(["trace", str(script), "--no-autolabel"]) == 0
    out = capsys.readouterr().out
    assert "w2 (mine)" in out and "input#" in out and " x1 " not in out
    assert main(["trace", str(script)]) == 0
    assert " x1 " in capsys.readouterr().out


def test_trace_and_explain_a_script(tmp_path: Path, capsys) -> None:
    script = write(tmp_path, "neuron.py", NEURON)
    assert main(["trace", str(script), "--follow", "w1"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:4] == ["step", "node", "op", "∂o/∂node"]
    assert out.splitlines()[-1] == "10 steps, 2 rows touching 'w1'; o = 0.7071"
    assert main(["explain", "w1", str(script)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("∂o/∂w1 = 1, the sum over 1 path from o to w1:")
    assert "path 1: o → n →" in out


@pytest.mark.parametrize(
    ("source", "root"),
    [
        ("from tinygrad_mm import Value\nx = Value(1.0)\nloss = x * 2\nJ = loss + 1\n", "J"),
        ("from tinygrad_mm import Value\nx = Value(1.0)\nloss = x * 2\nother = x * 3\n", "loss"),
        ("from tinygrad_mm import Value\nx = Value(1.0)\ny = x * 2\nz = y.tanh()\n", "z"),
        ("from tinygrad_mm import Value\nx = Value(1.0)\n_scratch = x * 5\nout = x.exp()\nalias = out\n", "out"),
        ("from tinygrad_mm import Value\nJ = 3\nx = Value(1.0)\nloss = x * 2\n", "loss"),  # J is not a Value
    ],
)
def test_the_default_root(tmp_path: Path, capsys, source: str, root: str) -> None:
    script = write(tmp_path, "s.py", source)
    assert main(["trace", str(script), "--limit", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[1] == root


def test_ambiguous_root_lists_the_candidates_and_root_chooses(tmp_path: Path, capsys) -> None:
    script = write(tmp_path, "two.py", "from tinygrad_mm import Value\na = Value(1.0)\nb = a * 2\nc = a * 3\n")
    assert main(["trace", str(script)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        f"tinygrad-mm trace: {script} defines several top-level Values that no other one uses: b, c; "
        "choose the root with --root NAME"
    )
    assert main(["trace", str(script), "--root", "c", "--limit", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[1] == "c"


@pytest.mark.parametrize(
    ("source", "args", "fragments"),
    [
        (None, [], ("no such script: missing.py",)),
        ("x = 1\n", [], ("defines no Value at top level", "loss = ...")),
        ("from tinygrad_mm import Value\nx = Value(1.0)\ny = x * 2\n", ["--root", "q"], ("--root q", "defines no 'q'", "x, y")),
        ("from tinygrad_mm import Value\nx = Value(1.0)\nn = 3\n", ["--root", "n"], ("n is a int", "not a Value", "x")),
        ("import sys\nsys.exit(3)\n", [], ("exited with status 3",)),
    ],
)
def test_script_mistakes_are_one_line(tmp_path: Path, source: str | None, args: list[str], fragments: tuple[str, ...]) -> None:
    if source is not None:
        write(tmp_path, "missing.py", source)
    done = cli("render", "missing.py", *args, "--out", "x.svg", cwd=tmp_path)
    assert_one_line_error(done, 1 if "exited" in fragments[0] else 2, *fragments)
    assert "x.svg" not in files_in(tmp_path)


def test_a_directory_is_not_a_script(tmp_path: Path) -> None:
    assert_one_line_error(cli("trace", str(tmp_path), cwd=tmp_path), 2, "is not a file")


def test_a_script_that_raises_shows_its_own_traceback_only(tmp_path: Path) -> None:
    write(tmp_path, "helper.py", "def inverse(v):\n    return 1 / v\n")
    write(tmp_path, "boom.py", "from helper import inverse\n\nvalue = inverse(0)\n")
    done = cli("render", "boom.py", "--out", "x.svg", cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == "tinygrad-mm render: your script boom.py raised ZeroDivisionError: division by zero"
    assert lines[1] == "Traceback (most recent call last):"
    frames = [line.strip() for line in lines if line.strip().startswith("File ")]
    assert frames == ['File "boom.py", line 3, in <module>', f'File "{tmp_path / "helper.py"}", line 2, in inverse']
    assert lines[-1] == "ZeroDivisionError: division by zero"
    assert "tinygrad_mm" not in done.stderr  # none of our frames
    assert files_in(tmp_path) == ["boom.py", "helper.py"]


def test_an_error_raised_inside_the_engine_by_the_script(tmp_path: Path) -> None:
    write(tmp_path, "dom.py", "from tinygrad_mm import Value\nx = Value(0.0, 'x')\ny = x.log()\n")
    done = cli("trace", "dom.py", cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0].startswith("tinygrad-mm trace: your script dom.py raised DomainError: ")
    assert [line.strip() for line in lines if line.strip().startswith("File ")] == ['File "dom.py", line 3, in <module>']
    assert "/tinygrad_mm/" not in done.stderr


def test_a_script_with_a_syntax_error(tmp_path: Path) -> None:
    write(tmp_path, "bad.py", "x = (\n")
    done = cli("trace", "bad.py", cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == "tinygrad-mm trace: your script bad.py is not valid Python: SyntaxError"
    assert 'File "bad.py", line 1' in lines[1] and "never closed" in lines[-1]
    assert "Traceback" not in done.stderr


def test_the_script_runs_as_main_with_its_directory_and_argv(tmp_path: Path, capsys) -> None:
    project = tmp_path / "project"
    project.mkdir()
    write(project, "sibling.py", "FACTOR = 3.0\n")
    script = write(
        project,
        "main_script.py",
        """\
        import sys
        from dataclasses import dataclass

        from sibling import FACTOR
        from tinygrad_mm import Value

        @dataclass
        class Box:  # dataclasses look their module up in sys.modules
            v: float

        seen = (__name__, list(sys.argv), sys.path[0])
        if __name__ == "__main__":
            loss = Value(Box(2.0).v, "x") * FACTOR
        sys.exit(0)  # a script that ends with sys.exit(0) still gives its graph
        """,
    )
    argv, path = list(sys.argv), list(sys.path)
    main_module = sys.modules["__main__"]
    assert main(["explain", "x", str(script)]) == 0
    assert capsys.readouterr().out.startswith("∂loss/∂x = 3,")
    assert (sys.argv, sys.path, sys.modules["__main__"]) == (argv, path, main_module)  # all restored
    done = cli("trace", "main_script.py", "--limit", "1", cwd=project)
    assert done.returncode == 0, done.stderr


def test_html_of_a_script(tmp_path: Path) -> None:
    write(tmp_path, "neuron.py", NEURON)
    done = cli("html", "neuron.py", "--out", "page.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 1 and "o from neuron.py" in page and "w2 (mine)" in page


def test_script_options_do_not_mix_with_other_sources(tmp_path: Path, capsys) -> None:
    script = write(tmp_path, "neuron.py", NEURON)
    for args, message in (
        (["trace", str(script), "-e", "x"], "give either SCRIPT.py or -e FORMULA, not both"),
        (["trace", str(script), "--corrupt", "dog"], "--corrupt: only for the notes' example, not for a script"),
        (["trace", "--root", "o"], "--root and --no-autolabel apply to SCRIPT.py only"),
    ):
        assert main(args) == 2
        assert capsys.readouterr().err == f"tinygrad-mm trace: {message}\n"
