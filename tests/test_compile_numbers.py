"""compile(): the right numbers on every call — arguments bound as Python binds them, static arguments re-traced,
Python 3.12's compensated sum(), unused arguments, names that shadow builtins, engine fallbacks that say so,
threads, and hostile labels in generated files (issue 19, "right numbers first")."""

from __future__ import annotations

import builtins
import math
import subprocess
import sys
import threading

import pytest

import tinygrad_mm
from tinygrad_mm import Parameter, Value, sum_values
from tinygrad_mm.compiled import cache
from tinygrad_mm.engine import Sum


def eager(fn, *args, **kwargs):
    """(loss, gradients of the given Parameters) as the engine computes them, from zero."""
    return fn(*args, **kwargs)


# ---- arguments bind by name, as Python binds them -------------------------------------------------------------


def test_keyword_arguments_in_any_order_feed_the_right_inputs() -> None:
    w1, w2 = Parameter(1.0, "w1"), Parameter(2.0, "w2")
    step = tinygrad_mm.compile(lambda x1, x2, y: (w1 * x1 + w2 * x2 - y) ** 2)
    step(x2=5.0, x1=1.0, y=-1.0)
    got = (w1.grad, w2.grad)
    w1.grad = w2.grad = 0.0
    loss = (w1 * 1.0 + w2 * 5.0 - (-1.0)) ** 2
    loss.backward()
    assert got == (w1.grad, w2.grad) == (24.0, 120.0)
    assert step(1.0, y=-1.0, x2=5.0) == step(y=-1.0, x1=1.0, x2=5.0) == step(1.0, 5.0, -1.0) == 144.0
    assert step.stats["traces"] == 1  # bound to the same places: one structure


def test_defaults_keyword_only_and_var_keyword_arguments_bind_as_python_does() -> None:
    w = Parameter(3.0, "w")

    def fn(x, scale=2.0, *rest, shift=1.0, **named):
        extra = sum_values([w * r for r in rest]) if rest else 0.0
        more = sum_values([w * v * (i + 1) for i, (_, v) in enumerate(sorted(named.items()))]) if named else 0.0
        return w * x * scale + shift + extra + more

    step = tinygrad_mm.compile(fn)
    assert step(1.0) == 7.0
    assert step(1.0, shift=0.0) == 6.0 and step(1.0, 1.0) == 4.0
    assert step(1.0, 1.0, 2.0, 3.0) == 3.0 + 1.0 + 15.0
    assert step(1.0, a=1.0, b=10.0) == fn(1.0, a=1.0, b=10.0).data == step(1.0, b=10.0, a=1.0)
    with pytest.raises(TypeError, match="x"):
        step(scale=1.0)  # Python's own message: the required argument x is missing


# ---- what Python logic can see is part of the trace key -------------------------------------------------------


def test_a_bool_int_none_or_str_argument_seen_by_python_logic_traces_again() -> None:
    w = Parameter(3.0, "w")

    def fn(x, training, repeats, mode, extra):
        y = w * x * 2.0 if training else w * x
        for _ in range(repeats):
            y = y * 1.5
        y = y + 1.0 if mode == "plus" else y
        return y if extra is None else y + extra

    step = tinygrad_mm.compile(fn)
    for args in [(1.0, False, 0, "", None), (1.0, True, 0, "", None), (1.0, False, 2, "plus", None), (1.0, True, 1, "plus", 2.0)]:
        assert step(*args) == fn(*args).data, args
    assert step.stats["traces"] == 4
    assert step(2.0, False, 0, "", None) == 6.0 and step.stats["traces"] == 4  # a float is a runtime input


def test_a_bool_inside_a_list_is_a_flag_not_a_number() -> None:
    w = Parameter(2.0, "w")
    step = tinygrad_mm.compile(lambda xs, flags: sum_values([w * x for x, f in zip(xs, flags, strict=True) if f]))
    assert step([1.0, 10.0], [True, False]) == 2.0
    assert step([1.0, 10.0], [False, True]) == 20.0
    assert step.stats["traces"] == 2


# ---- Python 3.12+ compensates sum() of floats: nothing may depend on it ----------------------------------------


def _neumaier(items, start=0):
    """Python 3.12's sum() of floats: Neumaier-compensated; anything else as before."""
    items = list(items)
    if not all(type(x) in (float, int) for x in [*items, start]):
        return _builtin_sum(items, start)
    total, compensation = float(start), 0.0
    for x in items:
        t = total + x
        compensation += (total - t) + x if abs(total) >= abs(x) else (x - t) + total
        total = t
    return total + compensation


_builtin_sum = builtins.sum


def test_compensated_sum_as_in_python_3_12_changes_nothing(monkeypatch) -> None:
    """1e16 + 1 − 1e16 is 0.0 left to right and 1.0 compensated: the engine and the code both add left to right."""
    compensated = sys.version_info >= (3, 12)  # the built-in sum() is the simulated one from 3.12 on
    assert _neumaier([1e16, 1.0, -1e16]) == 1.0 and _builtin_sum([1e16, 1.0, -1e16]) == (1.0 if compensated else 0.0)
    monkeypatch.setattr(builtins, "sum", _neumaier)
    assert Sum.forward(1e16, 1.0, -1e16) == 0.0
    w = Parameter(1.0, "w")

    def fn(xs):
        return sum_values([w * x for x in xs]) + tinygrad_mm.dot(xs, [w, w, w]) + sum(w * x for x in xs)

    xs = [1e16, 1.0, -1e16]
    step = tinygrad_mm.compile(fn, cache=False)
    assert step(xs) == fn([Value(x) for x in xs]).data == 0.0
    assert step.mode == "python"


# ---- arguments the loss does not use; names that shadow builtins; fallbacks that say so ---------------------------


def test_an_unused_number_argument_is_fine() -> None:
    w = Parameter(2.0, "w")
    step = tinygrad_mm.compile(lambda x, unused, also: w * x)
    assert step(3.0, 4.0, [5.0, 6.0]) == 6.0 and w.grad == 3.0 and step.mode == "python"


@pytest.mark.parametrize("label", ["map", "sum", "zip", "range", "math", "_inputs", "step", "print", "len"])
def test_a_label_named_like_a_builtin_never_shadows_it(label) -> None:
    w = Parameter(2.0, label)
    ws = [Parameter(float(i), f"v{i}") for i in range(3)]
    step = tinygrad_mm.compile(lambda X: sum_values([(w * x * v).tanh() for x, v in zip(X, ws, strict=True)]) * w, cache=False)
    X = [0.1 * i for i in range(3)]
    expected = sum_values([(w * x * v).tanh() for x, v in zip(X, ws, strict=True)]) * w
    w.grad = 0.0
    assert step(X) == expected.data and step.mode == "python" and step.stats["engine"] == 0


def test_a_fallback_to_the_engine_shows_in_mode_and_source() -> None:
    w = Parameter(2.0, "w")
    step = tinygrad_mm.compile(lambda x: (w * x).log())
    step(1.0)
    assert step.mode == "python"
    with pytest.raises(tinygrad_mm.DomainError):
        step(-1.0)
    assert step.mode == "engine" and step.source.startswith("# the latest call ran on the engine: ")
    step(1.0)
    assert step.mode == "python" and not step.source.startswith("# the latest call ran on the engine")


# ---- threads --------------------------------------------------------------------------------------------------


def test_one_step_shared_by_threads_loses_no_gradient(monkeypatch) -> None:
    params = [Parameter(0.1 * i, f"p{i}") for i in range(8)]
    step = tinygrad_mm.compile(lambda X: sum_values([(p * x).tanh() for p, x in zip(params, X, strict=True)]), cache=False)
    X = [0.3 * i for i in range(8)]
    step(X)
    once = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    monkeypatch.setattr(sys, "getswitchinterval", sys.getswitchinterval)
    sys_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        barrier = threading.Barrier(4)

        def work() -> None:
            barrier.wait()
            for _ in range(100):
                step(X)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(sys_interval)
    expected = []
    for g in once:
        total = 0.0
        for _ in range(400):
            total += g
        expected.append(total)
    assert [p.grad for p in params] == expected


# ---- generated files escape every label -----------------------------------------------------------------------

HOSTILE = ['"""; import os; os.system("echo PWNED")  #', "a\\", "$\\xi$", "x\nprint('PWNED')", "\r\nprint('PWNED')", "'''", "\\N{x}"]


@pytest.mark.parametrize("label", HOSTILE)
def test_to_python_with_a_hostile_label_runs_and_prints_only_the_gradients(label, tmp_path) -> None:
    x, y = Value(2.0, label), Value(3.0, "y")
    root = (x * y).tanh()
    root.label = label
    source = tinygrad_mm.to_python(root)
    path = tmp_path / "graph.py"
    path.write_text(source, encoding="utf-8")
    run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=False, timeout=60)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert run.stderr == "" and len(lines) == 2 and all(line.startswith("∂") for line in lines), run.stdout
    root.backward()
    assert lines[0].endswith(repr(x.grad)) and lines[1].endswith(repr(y.grad))


@pytest.mark.parametrize("label", HOSTILE)
def test_compiled_source_with_a_hostile_label_is_only_the_step(label) -> None:
    w = Parameter(2.0, label)
    step = tinygrad_mm.compile(lambda x: (w * x).tanh(), cache=False)
    assert step(1.0) == math.tanh(2.0)
    namespace: dict = {"math": math}
    exec(compile(step.source, "<test>", "exec"), namespace)  # noqa: S102
    assert [name for name in namespace if not name.startswith("__")] == ["math", "step"]
    cache.forget_memory()


def test_tinygrad_mm_code_escapes_a_hostile_label_in_the_file_it_writes(tmp_path) -> None:
    from cli_helpers import cli

    script = tmp_path / "graph.py"
    script.write_text(
        "from tinygrad_mm import Value\n"
        "x = Value(2.0, 'x\"\"\"; print(\"PWNED\")  #')\n"
        "w = Value(-3.0, 'w\\nprint(\"PWNED\")')\n"
        "loss = (x * w).tanh()\n"
        "loss.label = '$\\\\xi$ \"\"\" \\\\'\n",
        encoding="utf-8",
    )
    out = tmp_path / "backprop.py"
    done = cli("code", str(script), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    run = subprocess.run([sys.executable, str(out)], capture_output=True, text=True, check=False, timeout=60)
    lines = run.stdout.splitlines()
    assert run.returncode == 0 and run.stderr == "" and len(lines) == 2 and all(line.startswith("∂") for line in lines)


def test_a_data_matrix_and_integer_labels_are_read_whole_and_keyed_by_their_shape() -> None:
    """A list of lists of floats and a list of ints are taken in one go (no per-element work on every call); their
    shape is still the key — other row lengths trace again — and ints are the same numbers as floats."""
    w = Parameter(2.0, "w")
    step = tinygrad_mm.compile(lambda X, y: sum_values([w * row[-1] * label for row, label in zip(X, y, strict=True)]))
    assert step([[1.0, 2.0], [3.0, 4.0]], [1, -1]) == 2.0 * 2.0 - 2.0 * 4.0
    assert step([[1.0, 2.0], [3.0, 4.0]], [1.0, -1.0]) == -4.0 and step.stats["traces"] == 1
    assert step([[1.0], [3.0, 4.0]], [1, 1]) == 2.0 + 8.0 and step.stats["traces"] == 2
    assert step(((1.0, 2.0), [3.0, 4.0]), (1, 1)) == 12.0 and step.stats["traces"] == 3
    with pytest.raises(ValueError, match=r"argument y\[0\] of the compiled step"):
        step([[1.0, 2.0], [3.0, 4.0]], [10**400, 1])
    with pytest.raises(ValueError, match=r"argument X\[1\]\[0\] of the compiled step"):
        step([[1.0, 2.0], [math.nan, 4.0]], [1, 1])
