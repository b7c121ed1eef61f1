"""tinygrad_mm graphs replayed in PyTorch float64: every node's value and every gradient must agree.

`to_torch` rebuilds any tinygrad_mm graph op by op in PyTorch (leaves become leaf tensors that require
grad, constants plain tensors that do not — a constant needs no gradient —, interior nodes retain their grads), so random graphs (helpers.random_graph: every op, deep
chains, fan-out, shared subexpressions, numbers on either side) and hand-built ones are checked the
same way, to a relative tolerance of 1e-6.
"""

from __future__ import annotations

import random

import pytest
from helpers import random_graph
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_mm import Value, topological_order
from tinygrad_mm.engine import Op, ops
from tinygrad_mm.models.losses import MaxMargin

RTOL = 1e-6


def _dot(torch, ps):
    n = len(ps) // 2
    return torch.dot(torch.stack(ps[:n]), torch.stack(ps[n:]))


TRANSLATE = {
    ops.Add: lambda torch, node, ps: ps[0] + ps[1],
    ops.Sub: lambda torch, node, ps: ps[0] - ps[1],
    ops.Mul: lambda torch, node, ps: ps[0] * ps[1],
    ops.Div: lambda torch, node, ps: ps[0] / ps[1],
    ops.Neg: lambda torch, node, ps: -ps[0],
    ops.Pow: lambda torch, node, ps: ps[0] ** ps[1],
    ops.PowConst: lambda torch, node, ps: ps[0] ** node.exponent,
    ops.Relu: lambda torch, node, ps: torch.relu(ps[0]),
    ops.Tanh: lambda torch, node, ps: torch.tanh(ps[0]),
    ops.Sigmoid: lambda torch, node, ps: torch.sigmoid(ps[0]),
    ops.Exp: lambda torch, node, ps: torch.exp(ps[0]),
    ops.Log: lambda torch, node, ps: torch.log(ps[0]),
    ops.Sum: lambda torch, node, ps: torch.stack(ps).sum(),
    ops.Dot: lambda torch, node, ps: _dot(torch, ps),
    MaxMargin: lambda torch, node, ps: torch.relu(node.delta + ps[1] - ps[0]),
}


def to_torch(root: Value, torch) -> dict:
    """Every node of ``root``'s graph → the PyTorch float64 tensor computed the same way."""
    tensors = {}
    for node in topological_order(root):
        if node.parents:
            tensor = TRANSLATE[type(node)](torch, node, [tensors[p] for p in node.parents])
            tensor.retain_grad()
        else:
            tensor = torch.tensor(node.data, dtype=torch.float64, requires_grad=node.kind != "constant")
        tensors[node] = tensor
    return tensors


def assert_matches_torch(root: Value, torch) -> int:
    """Forward values, then after both backward passes every gradient, agree within RTOL; returns #nodes."""
    tensors = to_torch(root, torch)
    for node, tensor in tensors.items():
        assert node.data == pytest.approx(tensor.item(), rel=RTOL, abs=1e-9), node
    root.backward()
    tensors[root].backward()
    theirs = {node: tensor.grad.item() if tensor.requires_grad else 0.0 for node, tensor in tensors.items()}
    # sums of large contributions may cancel: allow float64 rounding relative to the largest gradient
    scale = max(1.0, *map(abs, theirs.values()))
    for node, want in theirs.items():
        assert node.grad == pytest.approx(want, rel=RTOL, abs=1e-12 * scale), node
    return len(tensors)


def test_every_op_class_has_a_torch_translation():
    """So a new op cannot silently escape the oracle."""
    classes = [c for c in vars(ops).values() if isinstance(c, type) and issubclass(c, Op)]
    concrete = {c for c in classes if c.forward is not Op.forward}  # not the abstract bases
    assert len(concrete) == 14 and concrete <= set(TRANSLATE)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_leaves=st.integers(1, 6), n_ops=st.integers(1, 60))
def test_random_graphs_match_torch(torch, seed, n_leaves, n_ops):
    _, _, root = random_graph(seed, n_leaves, n_ops)
    assert_matches_torch(root, torch)


@pytest.mark.parametrize("seed", range(20))
def test_large_random_graphs_match_torch(torch, seed):
    """Fixed seeds, bigger graphs: a stable regression set for CI."""
    _, _, root = random_graph(seed, n_leaves=8, n_ops=400)
    assert assert_matches_torch(root, torch) > 100


def test_random_graphs_use_every_op():
    """The generator really exercises every op class (so the oracle tests above cover them all)."""
    seen = {type(node) for seed in range(30) for node in topological_order(random_graph(seed, 4, 80)[2])}
    assert set(TRANSLATE) - seen == {MaxMargin}


def test_deep_chain_with_shared_leaves_matches_torch(torch):
    """y ← tanh(y·w + x) repeated 2000 times: w and x are used by every step (fan-out 2000)."""
    w, x = Value(0.9, label="w"), Value(0.3, label="x")
    y = x
    for _ in range(2000):
        y = (y * w + x).tanh()
    assert assert_matches_torch(y, torch) == 3 * 2000 + 2
    assert w.grad != 0.0 and x.grad != 0.0


def test_shared_subexpressions_match_torch(torch):
    """A lattice: each layer uses both nodes of the layer below twice, so root→leaf paths double per layer."""
    p, q = a, b = Value(0.7, label="a"), Value(-0.4, label="b")
    for _ in range(40):  # 2⁴⁰ paths from root to each leaf: only a correct topological pass is feasible
        p, q = (p * q).sigmoid(), (p - q).tanh() + p / 2
    assert assert_matches_torch(p + q * q, torch) > 200
    assert a.grad != 0.0 and b.grad != 0.0


@pytest.mark.parametrize("active", [True, False])
def test_margin_loss_on_shared_network_matches_torch(torch, active):
    """The CS224N question, checked against PyTorch written as matrices: s and s_c share W, b, U."""
    from tinygrad_mm.models.cs224n import WindowScorer
    from tinygrad_mm.models.losses import max_margin_loss

    scorer = WindowScorer(3, 4, activation="sigmoid", seed=1)
    rng = random.Random(5)
    x = [Value(rng.uniform(-1, 1), label=f"x[{j}]") for j in range(3)]
    x_c = [Value(rng.uniform(-1, 1), label=f"x_c[{j}]") for j in range(3)]
    s, s_c = scorer.score(x, name="s"), scorer.score(x_c, name="s_c")
    swapped = (s.data > s_c.data) == active  # active: make s ≤ s_c; flat: make s > s_c
    if swapped:
        s, s_c = s_c, s
    J = max_margin_loss(s, s_c, delta=1.0 if active else (s.data - s_c.data) / 2)  # J ≥ 1, or J = 0
    J.backward()

    W = torch.tensor([[w.data for w in row] for row in scorer.W], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([v.data for v in scorer.b], dtype=torch.float64, requires_grad=True)
    U = torch.tensor([v.data for v in scorer.U], dtype=torch.float64, requires_grad=True)
    tx, txc = (torch.tensor([v.data for v in vs], dtype=torch.float64) for vs in (x, x_c))
    ts, tsc = U @ torch.sigmoid(W @ tx + b), U @ torch.sigmoid(W @ txc + b)
    if swapped:
        ts, tsc = tsc, ts
    tJ = torch.relu(J.delta + tsc - ts)
    tJ.backward()
    assert J.data == pytest.approx(tJ.item(), rel=RTOL)
    assert [w.grad for row in scorer.W for w in row] == pytest.approx(W.grad.flatten().tolist(), rel=RTOL)
    assert [v.grad for v in scorer.b] == pytest.approx(b.grad.tolist(), rel=RTOL)
    assert [v.grad for v in scorer.U] == pytest.approx(U.grad.tolist(), rel=RTOL)
    assert J.active == active and (J.data == 0.0) != active
    assert any(p.grad != 0.0 for p in scorer.parameters()) == active


@pytest.mark.parametrize("y", [1.0, 2.0, 3.5])
def test_value_power_of_zero_base_matches_torch(torch, y):
    """0 ** y (y > 0, a Value exponent): value 0, ∂/∂x = y·0^(y−1), ∂/∂y = lim x^y·ln x = 0, as PyTorch."""
    x, e = Value(0.0, label="x"), Value(y, label="y")
    root = x**e * 3.0
    assert assert_matches_torch(root, torch) == 5
    assert (x.grad, e.grad) == (3.0 if y == 1.0 else 0.0, 0.0)
