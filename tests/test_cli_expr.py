"""``-e/--expr FORMULA --set NAME=VALUE …``: a formula from the command line, checked by a whitelist, never run."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, cli, files_in, svg_words

from tinygrad_mm.cli import main
from tinygrad_mm.cli.errors import UserError
from tinygrad_mm.cli.expr import build_expression, parse_settings
from tinygrad_mm.engine import topological_order

NEURON = ["-e", "tanh(x*w1 + x2*w2 + b)", "--set", "x=2", "w1=-3", "x2=0", "w2=1", "b=6.8813735870195432"]


def labels(formula: str, **values: float) -> list[str]:
    return [node.label for node in topological_order(build_expression(formula, values).root)]


def test_every_node_is_labelled_by_its_sub_expression() -> None:
    settings = parse_settings(NEURON[3:])
    expression = build_expression(NEURON[1], settings)
    order = topological_order(expression.root)
    assert [n.label for n in order] == [
        "x", "w1", "x*w1", "x2", "w2", "x2*w2", "x*w1 + x2*w2", "b", "x*w1 + x2*w2 + b", "tanh(x*w1 + x2*w2 + b)",
    ]  # fmt: skip
    assert expression.leaves == {n.label: n for n in order if not n.parents}
    assert [n.data for n in expression.leaves.values()] == [2.0, -3.0, 0.0, 1.0, 6.8813735870195432]
    assert all(n.kind == "input" for n in expression.leaves.values())
    assert expression.root.data == pytest.approx(math.sqrt(0.5))
    expression.root.backward()
    assert expression.leaves["x"].grad == pytest.approx(-1.5) and expression.leaves["w1"].grad == pytest.approx(1.0)


def test_names_are_one_leaf_each_and_numbers_are_constants() -> None:
    e = build_expression("o = x*x + 3*x - -2", {"x": 2.0})
    assert e.root.label == "o" and e.root.data == 12.0
    e.root.backward()
    assert e.leaves["x"].grad == 7.0  # d/dx (x² + 3x) = 2x + 3: x used three times, one leaf
    constants = [n for n in topological_order(e.root) if n.kind == "constant"]
    assert sorted(c.data for c in constants) == [-2.0, 3.0] and all(c.grad == 0.0 for c in constants)
    assert labels("2*3 + x", x=1.0)[2] == "2*3"  # an operation on two numbers is a node too


def test_helpers_and_functions() -> None:
    e = build_expression("sum(relu(a), sigmoid(b), exp(c), log(d)) + dot([a, b], [c, d]) + sum([a, b]) / a**2",
                         {"a": 1.0, "b": 0.0, "c": 0.0, "d": 1.0})  # fmt: skip
    names = [n.label for n in topological_order(e.root)]
    assert "sum(relu(a), sigmoid(b), exp(c), log(d))" in names and "dot([a, b], [c, d])" in names
    assert e.root.data == pytest.approx(1 + 0.5 + 1 + 0 + 0 + 1.0)
    ops = {n.op for n in topological_order(e.root)}
    assert {"sum", "dot", "relu", "sigmoid", "exp", "log", "/"} <= ops and any(op.startswith("**") for op in ops)


def test_long_labels_keep_their_start_and_end() -> None:
    formula = "sum(" + ", ".join(f"x{i}*x{i}" for i in range(300)) + ")"
    e = build_expression(formula, {f"x{i}": 1.0 for i in range(300)})
    assert e.root.data == 300.0 and len(e.root.label) < 100
    assert e.root.label.startswith("sum(x0*x0, x1*x1") and e.root.label.endswith("x299*x299)") and " … " in e.root.label


@pytest.mark.parametrize(
    ("formula", "refused"),
    [
        ("x.__class__", "attribute access"),
        ("__import__('os').system('touch pwned')", "calling anything but relu tanh sigmoid exp log sum dot"),
        ("open('pwned', 'w')", "calling anything but"),
        ("eval('1')", "calling anything but"),
        ("[v for v in (x,)]", "comprehensions"),
        ("sum(v for v in (x,))", "comprehensions"),
        ("x[0]", "subscripts"),
        ("(lambda: x)()", "calling anything but"),
        ("lambda: x", "lambdas"),
        ("x < 1", "comparisons"),
        ("x and 1", "and/or"),
        ("x if x else 1", "if/else"),
        ("relu(x=1)", "keyword arguments"),
        ("tanh(x, x)", "tanh() with 2 arguments"),
        ("dot([x], [x, x])", "dot() unless"),
        ("sum(x, [x])", "a list as one of several arguments"),
        ("'text' * x", "the constant 'text' (not a number)"),
        ("True * x", "the constant True"),
        ("2j * x", "the constant 2j"),
        ("1e999 * x", "the number 1e999 (not a finite float)"),
        ("x % 2", "the operator %"),
        ("x // 2", "the operator //"),
        ("~x", "'not' and '~'"),
        ("__x * 2", "names starting with __"),
        ("__builtins__", "names starting with __"),
        ("relu + x", "relu without a call"),
        ("import os", "import statements"),
        ("x.y = 3", "assignments other than NAME = formula"),
        ("f'{x}'", "f-strings"),
        ("(x := 3)", ":="),
        ("{x: 1}", "dicts"),
        ("(x, x)", "tuples"),
    ],
)
def test_refused_constructs_name_what_and_where(formula: str, refused: str) -> None:
    with pytest.raises(UserError) as caught:
        build_expression(formula, {"x": 1.0})
    message = caught.value.message
    assert message.startswith(f"--expr refuses {refused}") and "(column " in message
    assert "it allows only numbers, names, + - * / **" in message and "\n" not in message


def test_the_column_is_where_the_construct_is() -> None:
    with pytest.raises(UserError, match=r"attribute access \(column 8: 'θ.real'\)"):
        build_expression("x*w1 + θ.real", {"x": 1.0})


def test_nothing_runs_before_the_refusal(tmp_path: Path) -> None:
    for formula in ("__import__('os').system('touch pwned')", "open('pwned', 'w').write('x')", "x.__class__('pwned')"):
        done = cli("render", "-e", formula, "--set", "x=1", "--out", "g.svg", cwd=tmp_path)
        assert_one_line_error(done, 2, "--expr refuses")
        assert files_in(tmp_path) == []


@pytest.mark.parametrize(
    ("formula", "settings", "message"),
    [
        ("x*w + b", ["x=1"], "--expr uses w, b but no value was given for them: add --set w=… b=…"),
        ("x*w", ["x=1"], "--expr uses w but no value was given for it: add --set w=…"),
        ("x*w", ["x=1", "w=2", "z=3", "q=4"], "--set z, q: not in the formula, whose names are x, w"),
        ("x", ["x=1", "x=2"], "--set: x is set twice"),
        ("x", ["x"], "--set 'x': write NAME=VALUE, e.g. --set x=2 w1=-3"),
        ("x", ["2x=1"], "--set '2x=1': write NAME=VALUE"),
        ("x", ["x=nan"], "--set x=nan: nan is not a finite number"),
        ("x +", [], "--expr is not a formula at column 4: invalid syntax"),
        ("", [], "--expr is empty"),
        ("x; y", [], "--expr holds 2 statements"),
        ("+".join(["x"] * 5000), ["x=1"], "--expr is nested too deeply for Python's parser"),
        ("3", [], "--expr '3' has no name or operation in it"),
        ("x = x*2", ["x=1"], "--expr x = …: the root's name x is also a name in the formula"),
        ("log(x - 1)", ["x=1"], "--expr: log(x - 1) cannot be computed at these values"),
        ("1/(x - 1)", ["x=1"], "--expr: 1/(x - 1) cannot be computed at these values"),
    ],
)
def test_settings_and_formula_errors(capsys, formula: str, settings: list[str], message: str) -> None:
    assert main(["trace", "-e", formula, *(["--set", *settings] if settings else [])]) in (1, 2)
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"tinygrad-mm trace: {message}") and err.count("\n") == 1


def test_render_draws_the_formula(tmp_path: Path) -> None:
    done = cli("render", *NEURON, "--out", "neuron.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    words = svg_words(tmp_path / "neuron.svg")
    for label in ("x*w1", "x2*w2", "x*w1 + x2*w2", "x*w1 + x2*w2 + b", "tanh(x*w1 + x2*w2 + b)", "b", "w1"):
        assert label in words, label
    titles = [" ".join(w.replace("\xa0", " ").split()) for w in words]
    assert any(t.startswith("tanh(x*w1 + x2*w2 + b) at x = 2, w1 = −3, x2 = 0, w2 = 1, b = 6.88") for t in titles)
    assert files_in(tmp_path) == ["neuron.svg"]
    assert main(["render", *NEURON, "--out", str(tmp_path / "neuron.json")]) == 0
    nodes = {n["label"]: n for n in json.loads((tmp_path / "neuron.json").read_text())["nodes"]}
    assert nodes["x"]["grad"] == pytest.approx(-1.5) and nodes["x*w1 + x2*w2 + b"]["grad"] == pytest.approx(0.5)


def test_trace_explain_and_html_of_a_named_formula(tmp_path: Path, capsys) -> None:
    named = ["-e", "o = tanh(x*w1 + x2*w2 + b)", *NEURON[2:]]
    assert main(["trace", *named]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[3] == "∂o/∂node" and lines[1].split()[:2] == ["1", "o"]
    assert lines[-1] == "10 steps, 14 rows; o = 0.7071"
    assert main(["explain", "x", *named]) == 0
    out = capsys.readouterr().out
    assert out.startswith("∂o/∂x = -1.5, the sum over 1 path from o to x:")
    assert "o → x*w1 + x2*w2 + b → x*w1 + x2*w2 → x*w1 → x" in out
    assert main(["html", *named, "--out", str(tmp_path / "o.html")]) == 0
    page = (tmp_path / "o.html").read_text(encoding="utf-8")
    assert "x*w1 + x2*w2" in page and "x = 2, w1 = −3" in page
