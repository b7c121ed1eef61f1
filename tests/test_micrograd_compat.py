"""Drop-in for micrograd: code written against micrograd.engine.Value runs unchanged on tinygrad_mm.Value.

micrograd's own tests (test_sanity_check, test_more_ops), its README example, its nn module and demo
training loop, and its draw_dot-style graph walk are run with the import swapped, and compared with
the real micrograd 0.1.0 package on the same inputs, and with PyTorch as micrograd's tests do.
"""

from __future__ import annotations

import random

import pytest

import tinygrad_mm

micrograd_engine = pytest.importorskip(
    "micrograd.engine", reason="micrograd 0.1.0 is the reference: pip install micrograd==0.1.0"
)


# ---- micrograd's tests/test_engine.py: the same code on micrograd, tinygrad_mm and torch ------------


def sanity_expression(x):
    """test_sanity_check's expression of x = -4."""
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    return y


def readme_expression(a, b):
    """micrograd's README example of a = -4, b = 2, which is also test_more_ops's expression."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def sanity_check(leaf):
    x = leaf(-4.0)
    y = sanity_expression(x)
    y.backward()
    return x, y


def more_ops(leaf):
    a, b = leaf(-4.0), leaf(2.0)
    g = readme_expression(a, b)
    g.backward()
    return a, b, g


def torch_leaf(torch):
    return lambda v: torch.tensor([v], dtype=torch.float64, requires_grad=True)


def test_sanity_check_matches_torch(torch):
    x, y = sanity_check(tinygrad_mm.Value)
    xt, yt = sanity_check(torch_leaf(torch))
    assert y.data == yt.data.item()  # forward pass went well (exactly, as micrograd's test asserts)
    assert x.grad == xt.grad.item()  # backward pass went well


def test_more_ops_matches_torch(torch):
    a, b, g = more_ops(tinygrad_mm.Value)
    at, bt, gt = more_ops(torch_leaf(torch))
    tol = 1e-6  # micrograd's tolerance
    assert abs(g.data - gt.data.item()) < tol
    assert abs(a.grad - at.grad.item()) < tol
    assert abs(b.grad - bt.grad.item()) < tol


@pytest.mark.parametrize("program", [sanity_check, more_ops])
def test_micrograd_tests_give_micrograds_numbers(program):
    ours, theirs = program(tinygrad_mm.Value), program(micrograd_engine.Value)
    for mine, reference in zip(ours, theirs, strict=True):
        assert mine.data == pytest.approx(reference.data, rel=1e-12, abs=0)
        assert mine.grad == pytest.approx(reference.grad, rel=1e-12, abs=0)


def test_readme_example_prints_the_same(capsys):
    from tinygrad_mm import Value  # micrograd's README: `from micrograd.engine import Value`

    a = Value(-4.0)
    b = Value(2.0)
    g = readme_expression(a, b)
    print(f"{g.data:.4f}")  # prints 24.7041, the outcome of this forward pass
    g.backward()
    print(f"{a.grad:.4f}")  # prints 138.8338, i.e. the numerical value of dg/da
    print(f"{b.grad:.4f}")  # prints 645.5773, i.e. the numerical value of dg/db
    assert capsys.readouterr().out.split() == ["24.7041", "138.8338", "645.5773"]


# ---- micrograd's nn module and demo training loop ----------------------------------------------


def train_like_the_demo(Value, steps: int = 6):
    """micrograd's demo: MLP(2, [16, 16, 1]), SVM max-margin loss + L2, SGD; nn.py built on ``Value``."""
    import micrograd.nn as nn

    saved, nn.Value = nn.Value, Value  # micrograd.nn runs unchanged on whichever Value it imports
    try:
        random.seed(1337)
        model = nn.MLP(2, [16, 16, 1])
        rng = random.Random(0)
        X = [[rng.uniform(-1.5, 2.5), rng.uniform(-1.0, 1.5)] for _ in range(16)]
        y = [1.0 if x1 > 0.5 * x0 else -1.0 for x0, x1 in X]
        history = []
        for k in range(steps):
            inputs = [list(map(Value, xrow)) for xrow in X]
            scores = list(map(model, inputs))
            losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores, strict=True)]
            data_loss = sum(losses) * (1.0 / len(losses))
            reg_loss = 1e-4 * sum(p * p for p in model.parameters())
            total_loss = data_loss + reg_loss
            accuracy = sum((yi > 0) == (s.data > 0) for yi, s in zip(y, scores, strict=True)) / len(y)
            model.zero_grad()
            total_loss.backward()
            history.append((total_loss.data, accuracy, [p.grad for p in model.parameters()]))
            learning_rate = 1.0 - 0.9 * k / 100
            for p in model.parameters():
                p.data -= learning_rate * p.grad
        return history, [p.data for p in model.parameters()]
    finally:
        nn.Value = saved


def test_micrograd_nn_and_demo_loop_give_the_same_numbers():
    ours, theirs = train_like_the_demo(tinygrad_mm.Value), train_like_the_demo(micrograd_engine.Value)
    # micrograd walks its _prev *sets*, so it adds a shared leaf's contributions in a different order:
    # the last bits differ, and the SGD steps carry those differences forward.
    for (loss, accuracy, grads), (ref_loss, ref_accuracy, ref_grads) in zip(ours[0], theirs[0], strict=True):
        assert loss == pytest.approx(ref_loss, rel=1e-12)
        assert accuracy == ref_accuracy
        assert grads == pytest.approx(ref_grads, rel=1e-9, abs=1e-12)
    assert ours[1] == pytest.approx(theirs[1], rel=1e-9, abs=1e-12)
    assert len({loss for loss, _, _ in ours[0]}) == len(ours[0])  # the parameters really moved each step


# ---- draw_dot-style access: _prev, _op, data, grad -----------------------------------------------


def trace(root):
    """micrograd's trace(): all nodes and edges, walking ``_prev`` (recursion, as micrograd writes it)."""
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def draw_dot(root):
    """micrograd's draw_dot(), written against its Value API only."""
    from graphviz import Digraph

    dot = Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        dot.node(name=uid, label=f"{{ data {n.data:.4f} | grad {n.grad:.4f} }}", shape="record")
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


def test_draw_dot_style_access():
    a, b, g = more_ops(tinygrad_mm.Value)
    nodes, edges = trace(g)
    assert nodes == set(tinygrad_mm.topological_order(g))
    assert edges == {(p, n) for n in nodes for p in n.parents}
    assert all(n._op == n.op and n._prev == set(n.parents) for n in nodes)
    assert {n._op for n in nodes} >= {"+", "-", "*", "/", "neg", "relu", "**2", "**3", ""}
    source = draw_dot(g).source
    assert f"data {g.data:.4f} | grad 1.0000" in source and f"grad {a.grad:.4f}" in source
    assert source.count("->") == len(edges) + sum(1 for n in nodes if n._op)


def test_draw_dot_style_graph_renders():
    pytest.importorskip("graphviz", reason="the graphviz Python package draws the graph")
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("Graphviz's `dot` program is not installed (apt-get install graphviz)")
    x, y = sanity_check(tinygrad_mm.Value)
    nodes, _ = trace(y)
    svg = draw_dot(y).pipe(format="svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert f"{abs(y.data):.4f}" in svg and svg.count('<g id="node') == len(nodes) + sum(1 for n in nodes if n._op)


def test_the_notebook_additions_leave_what_micrograd_code_reads_unchanged():
    """show(), the Jupyter display and every other addition keep _prev, _op, data and grad as micrograd has them."""
    a, b, g = more_ops(tinygrad_mm.Value)
    before = draw_dot(g).source
    state = [(n.data, n.grad, n._op, frozenset(map(id, n._prev))) for n in topological_order_of(g)]
    g._repr_mimebundle_()
    g._repr_svg_()
    g.show()
    tinygrad_mm.show(a * b)
    assert draw_dot(g).source == before
    assert [(n.data, n.grad, n._op, frozenset(map(id, n._prev))) for n in topological_order_of(g)] == state
    assert repr(a).startswith("Value(data=-4.0, grad=")  # micrograd's repr shape: Value(data=..., grad=...)


def topological_order_of(root):
    """micrograd's own build_topo, as its backward() writes it (recursion: fine for these small graphs)."""
    topo, visited = [], set()

    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(root)
    return topo
