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
        ("__import__('os').system('touch pwned')", "calling anything but neg relu tanh sigmoid exp log"),  # then any op class defined later, sum dot max
        ("open('pwned', 'w')", "calling anything but"),
        ("eval('1')", "calling anything but"),
        ("[v for v in (x,)]", "comprehensions"),
        ("sum(v for v in (x,))", "comprehensions"),
        ("x[y]", "subscripts other than x[0] or W[0,1]"),
        ("x[0.5]", "subscripts other than"),
        ("max(x, 1)", "max() unless it is max(0, …), the hinge"),
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
        ("x; y", [], "--expr refuses a formula without a name before the last statement (statement 1"),
        ("+".join(["x"] * 5000), ["x=1"], "--expr is nested too deeply for Python's parser"),
        ("3", [], "--expr '3' has no name or operation in it"),
        ("x = x*2", ["x=1"], "--expr x = …: the name x is also a name in its own formula"),
        ("z = x*2; z = z + 1", ["x=1"], "--expr computes z twice"),
        ("y = z + 1; z = x*2; y", ["x=1"], "--expr uses z before the statement that computes it"),
        ("z = x*2; y = x + 1", ["x=1"], "--expr computes z but nothing after it uses it"),
        ("z = x*2; y = z", ["x=1"], "--expr refuses y = z, which only gives a second name"),
        ("z = x*2; y = z*z", ["x=1", "z=2"], "--set z: the formula computes it (z = …); remove it from --set"),
        ("c = 2; c*x", ["x=1"], "--expr c = 2: a name for a number; give it with --set instead"),
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


def notes_formula(example) -> tuple[str, list[str]]:
    """The notes' J = max(0, Δ + s_c − s) with s = Uᵀσ(Wx + b), written element by element, and its --set values."""
    scorer, lines = example.scorer, []
    for sub in ("", "_c"):
        for i in range(scorer.hidden):
            row = ", ".join(f"W[{i},{j}]" for j in range(scorer.n))
            xs = ", ".join(f"x{sub}[{j}]" for j in range(scorer.n))
            lines += [f"z{sub}[{i}] = dot([{row}], [{xs}]) + b[{i}]", f"a{sub}[{i}] = sigmoid(z{sub}[{i}])"]
        terms = " + ".join(f"U[{i}]*a{sub}[{i}]" for i in range(scorer.hidden))
        lines.append(f"s{sub} = {terms}")
    lines.append("J = max(0, 1 + s_c - s)")
    values = [f"{p.label}={p.data!r}" for p in scorer.parameters()]
    values += [f"x={','.join(repr(v.data) for v in example.x)}", f"x_c={','.join(repr(v.data) for v in example.x_c)}"]
    return "\n".join(lines), values


def test_the_notes_formula_typed_as_written_gives_the_closed_forms_gradients() -> None:
    from tinygrad_mm.models.closed_form import for_example
    from tinygrad_mm.models.cs224n import notes_example

    example = notes_example(small=True)
    closed = for_example(example)
    text, values = notes_formula(example)
    e = build_expression(text, parse_settings(values))
    assert e.root.label == "J" and list(e.named)[-3:] == ["a_c[1]", "s_c", "J"]
    assert e.root.data == pytest.approx(closed.J, rel=1e-12)
    e.root.backward()
    scorer = example.scorer
    for i in range(scorer.hidden):
        assert e.leaves[f"U[{i}]"].grad == pytest.approx(closed.U[i], rel=1e-9, abs=1e-15)
        assert e.leaves[f"b[{i}]"].grad == pytest.approx(closed.b[i], rel=1e-9, abs=1e-15)
        for j in range(scorer.n):
            assert e.leaves[f"W[{i},{j}]"].grad == pytest.approx(closed.W[i][j], rel=1e-9, abs=1e-15)
    assert [e.leaves[f"x[{j}]"].grad for j in range(scorer.n)] == pytest.approx(closed.x, rel=1e-9)
    assert [e.leaves[f"x_c[{j}]"].grad for j in range(scorer.n)] == pytest.approx(closed.x_c, rel=1e-9)
    assert e.named["s"].grad == -1.0 and e.named["s_c"].grad == 1.0  # the seeds' question: ∂J/∂s = −1, ∂J/∂s_c = +1


def test_max_0_is_the_engines_hinge_with_its_gate_text(capsys) -> None:
    from tinygrad_mm.models.losses import Hinge
    from tinygrad_mm.views.text import gate_sentence, node_names

    e = build_expression("J = max(0, 1 + s_c - s)", {"s": 0.2, "s_c": -0.1})
    assert isinstance(e.root, Hinge) and e.root.data == pytest.approx(0.7)
    same = Hinge.apply(e.root.parents[0])
    same.label = "J"
    assert gate_sentence(e.root, node_names(e.root)) == gate_sentence(same, node_names(same))
    assert "the margin is violated" in gate_sentence(e.root, node_names(e.root))
    e.root.backward()
    assert (e.leaves["s"].grad, e.leaves["s_c"].grad) == (-1.0, 1.0)
    met = build_expression("max(1 + s_c - s, 0)", {"s": 2.0, "s_c": 0.0})
    met.root.backward()
    assert met.root.data == 0.0 and met.leaves["s"].grad == 0.0 and "nothing flows back" in gate_sentence(met.root, node_names(met.root))
    assert main(["trace", "-e", "J = max(0, 1 + s_c - s)", "--set", "s=0.2", "s_c=-0.1"]) == 0
    assert "J = 0.7" in capsys.readouterr().out


def test_named_sub_expressions_by_semicolons_or_new_lines() -> None:
    one = build_expression("z = w*x + b; J = max(0, 1 - z)", {"w": 2.0, "x": 0.25, "b": 0.1})
    two = build_expression("z = w*x + b\n\nJ = max(0,\n 1 - z)\n", {"w": 2.0, "x": 0.25, "b": 0.1})
    for e in (one, two):
        assert list(e.named) == ["z", "J"] and e.root.label == "J" and e.named["z"].label == "z"
        assert e.root.data == pytest.approx(0.4)
        e.root.backward()
        assert (e.leaves["w"].grad, e.leaves["x"].grad, e.leaves["b"].grad) == (-0.25, -2.0, -1.0)
    assert sorted(n.label for n in topological_order(one.root)) == sorted(["w", "x", "w*x", "b", "z", "", "1 - z", "J"])


def test_vectors_by_index_and_repeated_set_merge(tmp_path: Path) -> None:
    assert parse_settings(["v=1,2.5,-3", "W[0, 1]=4"]) == {"v[0]": 1.0, "v[1]": 2.5, "v[2]": -3.0, "W[0,1]": 4.0}
    e = build_expression("dot([v[0], v[1], v[2]], [W[0,1], 1, 2])", parse_settings(["v=1,2.5,-3", "W[0,1]=4"]))
    assert e.root.data == pytest.approx(4 + 2.5 - 6) and set(e.leaves) == {"v[0]", "v[1]", "v[2]", "W[0,1]"}
    done = cli("trace", "-e", "x*y", "--set", "x=2", "--set", "y=3")  # used to drop x=2 silently
    assert done.returncode == 0 and "x*y = 6" in done.stdout, done.stderr
    done = cli("trace", "-e", "x*y", "--set", "x=2", "--set", "x=3", "y=1")
    assert_one_line_error(done, 2, "--set: x is set twice")


def test_a_formula_may_start_with_a_minus_and_names_are_read_as_python_reads_them() -> None:
    done = cli("trace", "-e", "-log(p)", "--set", "p=0.5")
    assert done.returncode == 0 and "-log(p) = 0.6931" in done.stdout, done.stderr  # was "expected one argument"
    done = cli("trace", "-e", "µ*x", "--set", "µ=2", "x=3")  # the micro sign: Python reads it as the Greek μ
    assert done.returncode == 0 and "µ*x = 6" in done.stdout, done.stderr
    assert parse_settings(["µ=2"]) == {"μ": 2.0}
    with pytest.raises(UserError, match="--set: μ is set twice \\(also as µ\\)"):
        parse_settings(["µ=2", "μ=3"])
    done = cli("trace", "-e", "-x", "--set", "x=1")
    assert_one_line_error(done, 2, "argument -e/--expr: expected one argument (a formula that starts with a minus")


def test_a_new_op_class_is_reachable_from_a_formula() -> None:
    from tinygrad_mm.cli.expr import functions
    from tinygrad_mm.engine.op import UnaryOp

    class Softsign(UnaryOp):
        """x / (1 + |x|).    ∂/∂x = 1 / (1 + |x|)²"""

        __slots__ = ()
        op, symbol, formula, derivatives = "softsign", "softsign", "softsign({x})", ("1/(1 + |{x}|)²",)

        @staticmethod
        def forward(x: float) -> float:
            return x / (1.0 + abs(x))

        def local_grads(self) -> tuple[float]:
            return (1.0 / (1.0 + abs(self.x._data)) ** 2,)

    assert functions()["softsign"] is Softsign and list(functions())[:6] == ["neg", "relu", "tanh", "sigmoid", "exp", "log"]
    e = build_expression("softsign(x) + relu(x)", {"x": 1.0})
    assert e.root.data == pytest.approx(1.5)
    e.root.backward()
    assert e.leaves["x"].grad == pytest.approx(1.25)
