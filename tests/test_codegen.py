"""The chain rule written out as Python: every op's code templates say what the op computes (the single source),
to_python writes a file that reads like the notes, runs standalone to backward()'s gradients and steps in pdb,
and ``tinygrad-mm code`` writes it from the command line."""

from __future__ import annotations

import contextlib
import inspect
import io
import math
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import random_graph

import tinygrad_mm
from tinygrad_mm import Value
from tinygrad_mm.compiled.naming import Names, literal, sanitise
from tinygrad_mm.compiled.templates import Templates
from tinygrad_mm.engine import DomainError, Op, gradients_of, topological_order
from tinygrad_mm.engine.op import BinaryOp, NaryOp, UnaryOp
from tinygrad_mm.models import losses  # noqa: F401 (its op classes join the census)
from tinygrad_mm.models.cs224n import notes_example
from tinygrad_mm.views import python_code as readable

CLI = [sys.executable, "-m", "tinygrad_mm"]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Compiled code goes to a temporary cache directory, never the user's ~/.cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


class Cube(UnaryOp):
    """x³, an op written only for this test: any Op subclass with templates must just work."""

    __slots__ = ()
    op, symbol = "cube", "x³"
    value, derivatives = "x**3", ("3 * x**2",)


def op_classes() -> list[type]:
    """Every concrete op class there is (engine.ops, losses, and Cube above), found by walking the subclasses."""
    found, stack = [], [Op]
    while stack:
        cls = stack.pop()
        stack += cls.__subclasses__()
        if cls not in (Op, UnaryOp, BinaryOp, NaryOp) and cls.statement is not None:
            found.append(cls)
    return found


def make(cls: type, rng: random.Random) -> Op | None:
    """A node of ``cls`` on random operands (some repeated), or None where the op is undefined."""
    keywords = {
        name: rng.choice([0.5, 2.0, -1.0, 3.0, 1.5, 0.0, 1.0])
        for name, p in inspect.signature(cls.apply).parameters.items() if p.kind is p.KEYWORD_ONLY
    }  # fmt: skip
    arity = 1 if issubclass(cls, UnaryOp) else 2 if issubclass(cls, BinaryOp) else 2 * rng.randint(1, 3)
    pool = [Value(rng.choice([rng.uniform(-3, 3), rng.uniform(0.01, 2), 0.0, -1.0])) for _ in range(arity)]
    parents = [rng.choice(pool) if rng.random() < 0.2 else pool[i] for i in range(arity)]
    try:
        return cls.apply(*parents, **keywords)
    except DomainError:
        return None


def evaluate(text: str, names: dict[Value, str], node: Op) -> object:
    scope = {names[v]: v.data for v in names} | {"out": node.data}
    return eval(text, {"math": math}, scope)  # noqa: S307 (the op's own template)


def test_every_op_class_says_in_code_exactly_what_it_computes() -> None:
    """The single source: code_text, code_derivative and code_gate, evaluated, are forward, local_grads and gate."""
    classes = op_classes()
    names = {cls.__name__ for cls in classes}
    assert {"Add", "Sub", "Mul", "Div", "Neg", "Pow", "PowConst", "Relu", "Tanh", "Sigmoid", "Exp", "Log", "Sum", "Dot",
            "MaxMargin", "Hinge", "Cube"} <= names  # fmt: skip
    rng = random.Random(0)
    for cls in classes:
        checked = 0
        for _ in range(300):
            node = make(cls, rng)
            if node is None:
                continue
            var = {p: f"v{i}" for i, p in enumerate(dict.fromkeys(node.parents))}
            name = lambda v, node=node, var=var: "out" if v is node else var[v]  # noqa: E731
            assert evaluate(node.code_text(name), var, node) == node.data, (cls, node)
            gate = node.code_gate(name)
            assert (gate is None) == (node.gate() is None), cls
            if gate is not None:
                assert evaluate(gate, var, node) == node.gate(), (cls, node)
            if node.gate() is not False:
                for k, local in enumerate(node.local_grads()):
                    try:
                        value = evaluate(node.code_derivative(k, name), var, node)
                    except (ZeroDivisionError, OverflowError):  # an infinite derivative, or 0·x⁻¹ of x⁰ at 0:
                        continue  # the compiled step then leaves the step to the engine (tested in test_compile.py)
                    assert value == local, (cls, node, k, value, local)
            checked += 1
        assert checked >= 50, cls


def test_a_new_op_class_compiles_and_reads_without_any_change_elsewhere() -> None:
    x = tinygrad_mm.Parameter(1.5, "x")
    step = tinygrad_mm.compile(lambda: Cube.apply(x) + 1.0)
    assert step() == 1.5**3 + 1.0 and x.grad == 3 * 1.5**2
    assert "x * x * x" in step.source
    assert "# cube1 = x³" in tinygrad_mm.to_python(Cube.apply(x))


def test_where_an_op_refuses_inputs_the_step_calls_its_forward() -> None:
    """An op with ``undefined_when`` is computed by its own forward: Pow's "a ** b" alone would give (−2)² = 4 where Pow refuses."""
    rng = random.Random(1)
    calls = set()
    for cls in op_classes():
        templates = Templates()
        for _ in range(20):
            node = make(cls, rng)
            if node is not None:
                rendered, _ = templates.kind(node)
                if rendered.calls:
                    calls.add(cls.__name__)
                    assert rendered.forward.startswith("_forward_")
    assert calls == {cls.__name__ for cls in op_classes() if cls.undefined_when} >= {"Pow", "Div", "Log", "PowConst"}
    w = tinygrad_mm.Parameter(2.0, "w")
    step = tinygrad_mm.compile(lambda x: x**w)
    assert step(3.0) == 9.0 and "_forward_Pow(" in step.source
    with pytest.raises(DomainError, match="base must be > 0"):
        step(-3.0)


# ---- to_python ----


def gradients_printed(output: str) -> list[tuple[str, float]]:
    return [(line.rsplit(" = ", 1)[0], float(line.rsplit(" = ", 1)[1])) for line in output.splitlines()]


def expected_gradients(root: Value, name: str = "J") -> list[tuple[str, float]]:
    """What the file should print: ∂root/∂leaf for every leaf, from a fresh backward() (no .grad changed)."""
    grads = gradients_of(root)
    leaves = [v for v in topological_order(root) if v.is_leaf and v.kind != "constant"]
    return [(f"∂{name}/∂{v.label}", grads[v]) for v in leaves]


def test_the_small_notes_example_reads_like_the_notes() -> None:
    source = tinygrad_mm.to_python(notes_example(small=True).J)
    for line in [
        "# z[0] = W[0,0]·x[0] + W[0,1]·x[1] + b[0]", "z_0 = dot6 + b_0", "# J = max(0, 1 + s_c − s)",
        "J = max(0.0, 1.0 + s_c - s)", "grad_J = 1.0", "if J > 0.0:", "    grad_s += -grad_J  # ∂J/∂s = −1",
        "grad_z_0 = grad_a_0 * (a_0 * (1.0 - a_0))  # ∂a[0]/∂z[0] = a[0]·(1 − a[0])",
        "grad_U_0 += grad_s_c * a_c_0  # ∂s_c/∂U[0] = a_c[0]",  # fan-out: W, b, U are shared by both branches
        "grad_W_0_0 += grad_dot19 * x_c_0  # ∂dot19/∂W[0,0] = x_c[0]",
    ]:  # fmt: skip
        assert line in source, line
    backward = source.split("# ---- backward pass")[1].split("# ---- every leaf")[0]
    for line in backward.splitlines()[1:]:  # one comment per node, one per edge
        assert not line.strip() or line.lstrip().startswith(("#", "if ")) or "  # " in line, line
    relu = tinygrad_mm.to_python(notes_example(small=True, activation="relu").J)
    assert "if z_0 > 0.0:" in relu and "# a[0] = relu(z[0])" in relu


def test_the_file_runs_standalone_and_prints_backwards_gradients(tmp_path) -> None:
    example = notes_example()
    path = tmp_path / "backprop.py"
    tinygrad_mm.to_python(example.J, path)
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True)
    printed = gradients_printed(done.stdout)
    assert printed == expected_gradients(example.J)
    assert len(printed) == 8 * 20 + 8 + 8 + 40  # W, b, U and both windows' inputs


def test_the_file_steps_in_pdb_to_a_chain_rule_line(tmp_path) -> None:
    example = notes_example(small=True)
    path = tmp_path / "backprop.py"
    source = tinygrad_mm.to_python(example.J, path)
    target = "grad_U_0 = grad_s * a_0  # ∂s/∂U[0] = a[0]"
    line = source.splitlines().index(target) + 1
    commands = f"break {line}\ncontinue\np grad_s\nnext\np grad_U_0\nquit\n"
    done = subprocess.run([sys.executable, "-m", "pdb", str(path)], input=commands, capture_output=True, text=True)
    assert f"-> {target}" in done.stdout
    a_0 = next(v for v in example.s.parents if v.label == "a[0]")
    assert "\n(Pdb) -1.0\n" in done.stdout  # grad_s = ∂J/∂s = −1 (the margin is violated)
    assert f"\n(Pdb) {-1.0 * a_0.data!r}\n" in done.stdout  # one step later: grad_U_0 = grad_s · a[0]


@pytest.mark.parametrize("seed", range(120))
def test_random_graphs_written_out_compute_backwards_gradients(seed) -> None:
    rng = random.Random(seed)
    _, _, root = random_graph(seed, rng.randint(1, 4), rng.randint(1, 25))
    source = tinygrad_mm.to_python(root)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<to_python>", "exec"), {"__name__": "__main__"})  # noqa: S102
    assert gradients_printed(out.getvalue()) == expected_gradients(root, f"sum{len(topological_order(root)) - 1}")


def test_to_python_checks_what_it_is_given(tmp_path, monkeypatch) -> None:
    with pytest.raises(TypeError, match="root Value"):
        tinygrad_mm.to_python(3.0)
    monkeypatch.setattr(readable, "MAX_NODES", 3)
    with pytest.raises(ValueError, match="too many to read as code"):
        tinygrad_mm.to_python(Value(1.0, "x") * 2.0 + 1.0)


# ---- names ----


def test_names_are_identifiers_from_labels_and_never_collide() -> None:
    assert sanitise("W[0,1]") == "W_0_1" and sanitise("L0.n3.w[1]") == "L0_n3_w_1" and sanitise("s'") == "s_prime"
    assert sanitise("3x") == "v_3x" and sanitise("for") == "for_" and sanitise("math") == "math_" and sanitise("") == "v"
    assert sanitise("α·β") == "α_β" and sanitise("x²") == "x2" and sanitise("a + b") == "a_b" and sanitise("_") == "v"
    names = Names()
    assert [names.claim(n) for n in ("x", "x", "x_2", "ﬁ", "fi")] == ["x", "x_2", "x_2_2", "ﬁ", "fi_2"]  # NFKC: ﬁ is fi
    assert literal(-1.5) == "(-1.5)" and literal(2.0) == "2.0" and literal(1e300) == "1e+300"
    x = Value(1.0, "x")
    y = Value(2.0, "x")  # the same label twice
    source = tinygrad_mm.to_python(x * y + x)
    assert "x_2 = 2.0" in source and "grad_x_2" in source


# ---- the command line ----


def test_code_command_writes_a_file_that_runs(tmp_path) -> None:
    out = tmp_path / "backprop.py"
    done = subprocess.run([*CLI, "code", "--small", "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == f"wrote {out}" and not done.stderr
    ran = subprocess.run([sys.executable, str(out)], capture_output=True, text=True, check=True)
    assert gradients_printed(ran.stdout) == expected_gradients(notes_example(small=True).J)


def test_code_command_on_a_formula_and_on_a_script(tmp_path) -> None:
    done = subprocess.run([*CLI, "code", "-e", "tanh(x*w + b)", "--set", "x=2", "w=-3", "b=6.88"],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0 and "math.tanh(" in done.stdout and "grad_w = " in done.stdout
    script = tmp_path / "graph.py"
    script.write_text("from tinygrad_mm import Value\na = Value(3.0, 'a')\nloss = (a * a).relu()\n", encoding="utf-8")
    done = subprocess.run([*CLI, "code", str(script)], capture_output=True, text=True)
    assert done.returncode == 0 and "if mul" in done.stdout or "if a_a" in done.stdout or "if " in done.stdout
    assert re.search(r"grad_a = .*\n.*grad_a \+= ", done.stdout)  # a·a: both edges into a


def test_code_command_reports_a_bad_output_path_in_one_line(tmp_path) -> None:
    done = subprocess.run([*CLI, "code", "--small", "--out", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "is a directory" in done.stderr
    assert not done.stdout and "Traceback" not in done.stderr
    assert not list(Path(tmp_path).iterdir())
