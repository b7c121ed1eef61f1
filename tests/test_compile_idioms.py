"""compile() on the code people actually write: micrograd's demo loss (Python's sum() over a generator, p * p per
parameter), Karpathy's micrograd nn.py (Neuron's sum((wi*xi for …), self.b)), a for loop accumulating the loss, the
project's nn.MLP, the CS224N example and the NER step — each compiles to generated Python (mode "python"), equals
the engine bit for bit, and runs a bounded number of Python lines per graph node (so a regression to the tape or to
a line per node shows up without timing anything)."""

from __future__ import annotations

import linecache
import random
import re
import sys

import pytest

import tinygrad_mm
from tinygrad_mm import Value
from tinygrad_mm.engine import backprop_order
from tinygrad_mm.models.cs224n import NOTES_VOCABULARY, ExampleSpec, build_example, negatives_example
from tinygrad_mm.models.datasets import make_moons
from tinygrad_mm.models.losses import max_margin_loss
from tinygrad_mm.models.nn import MLP, sgd
from tinygrad_mm.models.train import moons_objective
from tinygrad_mm.models.window_scorer import Vocabulary, window_vector

micrograd_nn = pytest.importorskip("micrograd.nn", reason="micrograd 0.1.0: pip install micrograd==0.1.0")

ALPHA = 1e-4


def micrograd_loss(model, X, y):
    """micrograd's demo.ipynb loss, as written there: svm max-margin with sum() and L2 with sum(p*p …)."""
    inputs = [list(map(Value, row)) if not isinstance(row[0], Value) else row for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def loop_loss(model, X, y):
    """The same loss accumulated in a for loop, as a student writes it."""
    loss = 0.0
    for row, yi in zip(X, y, strict=True):
        loss = loss + (1 + -yi * model(list(row))).relu()
    loss = loss * (1.0 / len(X))
    for p in model.parameters():
        loss += ALPHA * p * p
    return loss


def micrograd_models(seed: int):
    """Two equal micrograd nn.MLP(2, [16, 16, 1]) built on tinygrad_mm's Value (micrograd.nn imports Value by name)."""
    saved, micrograd_nn.Value = micrograd_nn.Value, Value
    try:
        random.seed(seed)
        first = micrograd_nn.MLP(2, [16, 16, 1])
        random.seed(seed)
        second = micrograd_nn.MLP(2, [16, 16, 1])
    finally:
        micrograd_nn.Value = saved
    return first, second


def side_by_side(step, eager, models, X, y, steps=3):
    """Run the compiled step and the engine for a few SGD steps: the same loss and gradients, bit for bit."""
    compiled_model, eager_model = models
    for k in range(steps):
        compiled_model.zero_grad()
        eager_model.zero_grad()
        loss = step(X, y)
        graph = eager(eager_model, [[Value(a) for a in row] for row in X], y)
        graph.backward()
        assert loss == graph.data
        assert [p.grad for p in compiled_model.parameters()] == [p.grad for p in eager_model.parameters()]
        for model in models:
            for p in model.parameters():
                p.data -= (1.0 - 0.09 * k) * p.grad
    assert step.mode == "python", step.source.splitlines()[0]
    assert step.stats["engine"] == 0


def test_micrograd_demo_loss_on_micrograd_nn_compiles_to_python_bit_for_bit() -> None:
    X, y = make_moons(100, 0.1, 1337)
    models = micrograd_models(1337)
    step = tinygrad_mm.compile(lambda X, y: micrograd_loss(models[0], X, y), cache=False)
    side_by_side(step, micrograd_loss, models, X, y)
    assert "_saved0" in step.source and len(step.source.splitlines()) < 3000  # the samples are one loop


def test_a_loss_accumulated_in_a_for_loop_compiles_to_python_bit_for_bit() -> None:
    X, y = make_moons(60, 0.1, 3)
    models = micrograd_models(3)
    step = tinygrad_mm.compile(lambda X, y: loop_loss(models[0], X, y), cache=False)
    side_by_side(step, loop_loss, models, X, y)


def test_micrograd_demo_loss_on_the_projects_mlp_compiles_to_python_bit_for_bit() -> None:
    X, y = make_moons(100, 0.1, 7)
    models = MLP(2, [16, 16, 1], rng=random.Random(7)), MLP(2, [16, 16, 1], rng=random.Random(7))
    step = tinygrad_mm.compile(lambda X, y: micrograd_loss(models[0], X, y), cache=False)
    side_by_side(step, micrograd_loss, models, X, y)


def test_the_projects_idiom_compiles_to_python_bit_for_bit() -> None:
    X, y = make_moons(100, 0.1, 11)
    models = MLP(2, [16, 16, 1], rng=random.Random(11)), MLP(2, [16, 16, 1], rng=random.Random(11))
    step = tinygrad_mm.compile(lambda X, y: moons_objective(models[0], X, y)[0], cache=False)
    side_by_side(step, lambda m, X, y: moons_objective(m, X, y)[0], models, X, y)


def test_the_ner_step_and_the_cs224n_example_with_k_negatives_compile_to_python_bit_for_bit() -> None:
    spec = ExampleSpec()
    words = ("museums", "in", "Paris", "are", "amazing")
    corruptions = [("museums", "in", w, "are", "amazing") for w in ("bread", "London", "music")]
    built = [build_example(spec) for _ in range(2)]
    scorers = [b.scorer for b in built]
    vocabularies = [Vocabulary(NOTES_VOCABULARY, 4, seed=0, trainable=True) for _ in built]

    def ner(scorer, x, x_c):  # what train_ner(compile=True) compiles
        return max_margin_loss(scorer.score(x, "s"), scorer.score(x_c, "s_c"))

    def k_negatives(scorer, x, *bad):  # the notes' objective over k negatives, summed with Python's sum()
        s = scorer.score(x, "s")
        return sum(max_margin_loss(s, scorer.score(b, f"s_c{k}")) for k, b in enumerate(bad))

    for fn in (ner, k_negatives):
        step = tinygrad_mm.compile(lambda *xs, fn=fn: fn(scorers[0], *xs), cache=False)
        for _ in range(3):
            windows = [[window_vector(scorer, vocabulary, w, "x") for w in (words, *corruptions)]
                       for scorer, vocabulary in zip(scorers, vocabularies, strict=True)]  # fmt: skip
            for scorer, vocabulary in zip(scorers, vocabularies, strict=True):
                for p in scorer.parameters() + vocabulary.parameters():
                    p.grad = 0.0
            args = windows[0][:2] if fn is ner else windows[0]
            loss = step(*args)
            graph = fn(scorers[1], *(windows[1][:2] if fn is ner else windows[1]))
            graph.backward()
            assert loss == graph.data
            for a, b in ((scorers[0], scorers[1]), (vocabularies[0], vocabularies[1])):
                assert [p.grad for p in a.parameters()] == [p.grad for p in b.parameters()]
            for scorer, vocabulary in zip(scorers, vocabularies, strict=True):
                sgd(scorer.parameters() + vocabulary.parameters(), 0.5)
        assert step.mode == "python" and step.stats["engine"] == 0
    example = negatives_example(scorers[0], vocabularies[0], words, corruptions)  # the notes' objective, one Σ node
    vectors = [window_vector(scorers[0], vocabularies[0], w, "x") for w in (words, *corruptions)]
    assert example.J.data == k_negatives(scorers[0], *vectors).data == step(*vectors)


# ---- a bounded number of Python lines per node ----------------------------------------------------------------


def executed(run, where: str = "") -> list[tuple[str, int]]:
    """(file, line) of every Python line ``run()`` executes in files whose name starts with ``where``, in order."""
    hits: list[tuple[str, int]] = []

    def tracer(frame, event, arg):
        if event == "line" and frame.f_code.co_filename.startswith(where):
            hits.append((frame.f_code.co_filename, frame.f_lineno))
        return tracer

    sys.settrace(tracer)
    try:
        run()
    finally:
        sys.settrace(None)
    return hits


def lines_per_edge(run, root: Value, where: str = "") -> float:
    """Python lines ``run()`` executes (in files whose name starts with ``where``), per edge of ``root``'s graph."""
    return len(executed(run, where)) / sum(len(node.parents) for node in backprop_order(root))


@pytest.mark.parametrize("idiom", ["micrograd", "project"])
def test_the_compiled_step_runs_a_bounded_number_of_lines_per_edge(idiom) -> None:
    """Generated code runs about one line per edge of the graph (the chain rule's products; forward lines are
    n-ary, per-sample copies are one loop): at most 1.5.  The engine's backward() alone runs over 5 (about 16)."""
    X, y = make_moons(30, 0.1, 5)
    model = micrograd_models(5)[0] if idiom == "micrograd" else MLP(2, [16, 16, 1], rng=random.Random(5))
    loss = micrograd_loss if idiom == "micrograd" else (lambda m, X, y: moons_objective(m, X, y)[0])
    step = tinygrad_mm.compile(lambda X, y: loss(model, X, y), cache=False)
    step(X, y)
    assert step.mode == "python"
    root = step.graph()
    assert lines_per_edge(lambda: step(X, y), root, "<tinygrad_mm step") < 1.5
    assert lines_per_edge(root.backward, root) > 5


@pytest.mark.parametrize("n", [300, 5000])
def test_a_long_sum_of_squares_compiles_in_pieces_and_equals_the_engine(n) -> None:
    """sum(p*p for p in params) over thousands of parameters: Σ nodes of at most 256 terms, expressions Python can
    compile, the floats of the chain of additions."""
    params = [tinygrad_mm.Parameter(random.Random(i).uniform(-1, 1), f"p{i}") for i in range(n)]
    step = tinygrad_mm.compile(lambda: sum(p * p for p in params) * 0.5, cache=False)
    loss = step()
    got = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    root = sum(p * p for p in params) * 0.5
    root.backward()
    assert loss == root.data and got == [p.grad for p in params]
    assert step.mode == "python" and max(line.count(" + ") for line in step.source.splitlines()) <= 512


@pytest.mark.parametrize("tape", [False, True])
def test_a_compiled_step_keeps_no_graph_alive(tape, monkeypatch) -> None:
    """Once compiled, the traced graph is let go: the garbage collector has nothing to walk on every call."""
    import gc
    import weakref

    from tinygrad_mm.compiled import program

    if tape:
        monkeypatch.setattr(program, "MAX_LINES", 0)
    params = [tinygrad_mm.Parameter(0.1 * i, f"keep{i}_{tape}") for i in range(20)]  # (no code cached from the other)
    built: list = []

    def fn(X):
        loss = sum((p * x).tanh() for p, x in zip(params, X, strict=True))
        built.append(weakref.ref(loss))
        return loss * 2.0, loss

    step = tinygrad_mm.compile(fn, cache=False)
    first = step([0.5] * 20)
    assert step.mode == ("tape" if tape else "python") and first[0] == 2.0 * first[1]
    gc.collect()
    assert built[0]() is None


def executed_lines(run) -> list[str]:
    """The generated step's source lines ``run()`` executes, in order."""
    return [linecache.getline(name, number).strip() for name, number in executed(run, "<tinygrad_mm step")]


def test_a_closed_relu_gate_skips_its_units_whole_backward() -> None:
    """relu(w·x + b) with the gate closed: as backward() (a zero gradient sends nothing), the step runs no line of
    the unit's backward — nothing touches grad_b or grad_w — and with it open it does; the numbers are the engine's."""
    w, b = tinygrad_mm.Parameter(0.5, "w"), tinygrad_mm.Parameter(-2.0, "b")

    def loss(x):
        return (w * x + b).relu() * 3.0 + w * w

    step = tinygrad_mm.compile(loss, cache=False)
    for x, gate_open in ((1.0, False), (10.0, True), (1.0, False)):
        w.grad = b.grad = 0.0
        lines = executed_lines(lambda x=x: step(x))
        got = (w.grad, b.grad)
        w.grad = b.grad = 0.0
        loss(Value(x)).backward()
        assert got == (w.grad, b.grad)
        unit = [line for line in lines if line.startswith("grad_b ") or line.startswith("grad_w ") and line.endswith("* x")]
        assert bool(unit) == gate_open, lines
    assert step.mode == "python"


def test_micrograd_neurons_sum_of_products_has_one_if_per_neuron() -> None:
    """micrograd's Neuron, sum((wi*xi …), b): backward() reaches its products one at a time, between the neurons
    below; the step writes them together under one ``if grad_sum:`` (as it does a Dot), the same floats."""
    model, twin = micrograd_models(2)
    x, target = [0.3, -0.7], 1.0
    step = tinygrad_mm.compile(lambda x: (model(x) - target) ** 2, cache=False)
    step(x)
    (twin([Value(v) for v in x]) - target).__pow__(2).backward()
    assert [p.grad for p in model.parameters()] == [p.grad for p in twin.parameters()]
    conditions = [line.strip() for line in step.source.splitlines() if line.strip().startswith("if grad_")]
    assert conditions and len(conditions) == len(set(conditions)), conditions


def test_the_loops_busiest_variables_are_pythons_cheapest_locals() -> None:
    """A step of more than 256 locals names the loops' busiest variables first: Python reaches its first 256 locals
    without an EXTENDED_ARG, so every relu value the sample loop reads is one of them."""
    X, y = make_moons(40, 0.1, 9)
    model = micrograd_models(9)[0]
    step = tinygrad_mm.compile(lambda X, y: micrograd_loss(model, X, y), cache=False)
    step(X, y)
    code = next(iter(step.programs.values())).function.__code__
    assert code.co_nlocals > 256
    lines = step.source.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("    for "))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("        "))
    loop = set(re.findall(r"\w+", "\n".join(lines[start + 1 : end])))
    relus = {name for name in loop if name.startswith("relu")}
    assert relus and all(code.co_varnames.index(name) < 256 for name in relus)


def test_a_sample_whose_hinge_is_closed_runs_no_backward_line() -> None:
    """The samples' loop: a cone whose root is a closed gate (the hinge satisfied) sends nothing, as a zero gradient
    does — ``continue`` before any of its backward lines; samples with an open hinge send theirs, as the engine."""
    w, b = tinygrad_mm.Parameter(10.0, "w"), tinygrad_mm.Parameter(0.0, "b")
    xs = [0.5, -0.8, 0.3, -0.4, 0.9, -0.6, 0.7, -0.2]

    def loss(xs, ys):
        return sum((1 + -yi * (w * xi + b)).relu() for xi, yi in zip(xs, ys, strict=True)) * (1.0 / len(xs))

    step = tinygrad_mm.compile(loss, cache=False)
    for ys in ([1.0 if x > 0 else -1.0 for x in xs], [1.0] * len(xs)):  # every hinge closed; then half of them open
        w.grad = b.grad = 0.0
        lines = executed_lines(lambda ys=ys: step(xs, ys))
        got = (w.grad, b.grad)
        w.grad = b.grad = 0.0
        loss([Value(x) for x in xs], ys).backward()
        assert got == (w.grad, b.grad)
        sent = [line for line in lines if line.startswith(("grad_w ", "grad_b "))]
        assert len(sent) == 2 * sum(1 - y * 10.0 * x > 0 for x, y in zip(xs, ys, strict=True)), lines  # w's and b's
        assert bool(sent) == (ys[1] == 1.0)
    assert "for " in step.source and step.mode == "python"
