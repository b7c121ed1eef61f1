"""tinygrad_mm.models.nn: micrograd's API and numbers, one dot node per neuron, the one-neuron hidden layer fixed."""

from __future__ import annotations

import random

import pytest

from tinygrad_mm import Parameter, Value, topological_order
from tinygrad_mm.models.datasets import make_moons
from tinygrad_mm.models.nn import MLP, Layer, Module, Neuron, sgd

MICROGRAD_DEMO = """
from tinygrad_mm.engine import Value
from tinygrad_mm.models.nn import Neuron, Layer, MLP
import numpy as np
import random

np.random.seed(1337)
random.seed(1337)
model = MLP(2, [16, 16, 1]) # 2-layer neural network
print(model)
print("number of parameters", len(model.parameters()))

def loss(batch_size=None):
    if batch_size is None:
        Xb, yb = X, y
    else:
        ri = np.random.permutation(X.shape[0])[:batch_size]
        Xb, yb = X[ri], y[ri]
    inputs = [list(map(Value, xrow)) for xrow in Xb]
    scores = list(map(model, inputs))
    losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum((p*p for p in model.parameters()))
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
    return total_loss, sum(accuracy) / len(accuracy)

total_loss, acc = loss()
print(total_loss, acc)
history = []
for k in range(STEPS):
    total_loss, acc = loss(BATCH)
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9*k/100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    history.append(total_loss.data)
    if k % 1 == 0:
        print(f"step {k} loss {total_loss.data}, accuracy {acc*100}%")
"""


def test_neuron_is_relu_of_one_dot_node_plus_bias() -> None:
    n = Neuron(3, rng=random.Random(0))
    x = [Value(0.5, "a"), Value(-1.0, "b"), Value(2.0, "c")]
    n.b.data = 0.25
    out = n(x)
    expected = max(0.0, sum(w.data * xi.data for w, xi in zip(n.w, x, strict=True)) + 0.25)
    assert out.data == pytest.approx(expected, rel=1e-15)
    assert out.op == "relu"
    add = out.parents[0]
    dot_node, bias = add.parents
    assert (add.op, dot_node.op, bias) == ("+", "dot", n.b)
    assert dot_node.parents == (*x, *n.w)  # ONE n-ary node: inputs then weights
    assert len(topological_order(out)) == 3 + 3 + 1 + 3  # leaves x, w, b + dot, +, relu


def test_parameters_are_labelled_parameters_with_micrograds_init() -> None:
    model = MLP(2, [3, 1], rng=random.Random(5))
    params = model.parameters()
    assert len(params) == (2 + 1) * 3 + (3 + 1) * 1
    assert all(isinstance(p, Parameter) for p in params)
    assert [p.label for p in params[:3]] == ["L0.n0.w[0]", "L0.n0.w[1]", "L0.n0.b"]
    assert params[-1].label == "L1.n0.b"
    weights = [p for p in params if "w[" in p.label]
    assert all(-1.0 <= p.data <= 1.0 for p in weights)
    assert all(p.data == 0.0 for p in params if p.label.endswith(".b"))
    assert len({p.data for p in weights}) == len(weights)


def test_linear_neuron_and_reprs_match_micrograd() -> None:
    assert repr(Neuron(2, nonlin=False)) == "LinearNeuron(2)"
    assert repr(Layer(2, 2)) == "Layer of [ReLUNeuron(2), ReLUNeuron(2)]"
    assert repr(MLP(2, [1, 1])) == "MLP of [Layer of [ReLUNeuron(2)], Layer of [LinearNeuron(1)]]"
    n = Neuron(1, nonlin=False)
    n.w[0].data = -3.0
    assert n([2.0]).data == -6.0  # no relu on a linear neuron


def test_layer_always_returns_a_list_and_mlp_unwraps_a_single_output() -> None:
    assert isinstance(Layer(2, 1)([1.0, 2.0]), list)
    assert isinstance(MLP(2, [4, 1])([1.0, 2.0]), Value)
    out = MLP(2, [4, 3])([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3


def test_one_neuron_hidden_layer_works_unlike_micrograd() -> None:
    model = MLP(2, [1, 3, 1], rng=random.Random(1))
    out = model([0.5, -0.5])
    out.backward()
    assert isinstance(out, Value)
    assert all(p.grad == p.grad for p in model.parameters())
    micrograd_nn = pytest.importorskip(
        "micrograd.nn", reason="micrograd is the bench extra: pip install micrograd==0.1.0"
    )
    with pytest.raises(TypeError):  # micrograd's hidden layer hands a bare Value to the next layer
        micrograd_nn.MLP(2, [1, 3, 1])([0.5, -0.5])


def test_same_seed_gives_micrograds_exact_weights_outputs_and_gradients() -> None:
    mg_engine = pytest.importorskip("micrograd.engine", reason="micrograd is the bench extra")
    mg_nn = pytest.importorskip("micrograd.nn")
    random.seed(42)
    theirs = mg_nn.MLP(2, [4, 4, 1])
    random.seed(42)
    ours = MLP(2, [4, 4, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    X, y = make_moons(8, seed=3)
    for model, V in ((ours, Value), (theirs, mg_engine.Value)):
        losses = [(1 + -yi * model([V(a), V(b)])).relu() for (a, b), yi in zip(X, y, strict=True)]
        total = sum(losses) * (1.0 / len(losses))
        total.backward()
        model.total = total.data
    assert ours.total == pytest.approx(theirs.total, rel=1e-12)
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert p.grad == pytest.approx(q.grad, rel=1e-9, abs=1e-15)


def test_micrograds_demo_code_runs_unchanged(capsys) -> None:
    np = pytest.importorskip("numpy")
    X, y = make_moons(100, seed=1337)
    namespace = {"X": np.array(X), "y": np.array(y), "STEPS": 3, "BATCH": None}
    exec(compile(MICROGRAD_DEMO, "micrograd_demo", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "number of parameters 337" in printed
    assert printed.count("step ") == 3
    history = namespace["history"]
    assert history[2] < history[0]  # it is learning
    namespace.update(STEPS=2, BATCH=10)  # the mini-batch path (numpy int64 labels, fancy indexing)
    exec(compile(MICROGRAD_DEMO, "micrograd_demo", "exec"), namespace)
    assert len(namespace["history"]) == 2


def test_gradients_agree_with_pytorch(torch) -> None:
    model = MLP(3, [4, 2], rng=random.Random(7))
    x = [0.3, -1.2, 0.8]
    out = model(x)
    loss = out[0] * out[1] + out[1]
    loss.backward()
    tensors = []
    h = torch.tensor(x, dtype=torch.float64)
    for i, layer in enumerate(model.layers):
        W = torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        tensors.append((layer, W, b))
        h = W @ h + b
        if i < len(model.layers) - 1:
            h = torch.relu(h)
    (h[0] * h[1] + h[1]).backward()
    assert loss.data == pytest.approx((h[0] * h[1] + h[1]).item(), rel=1e-12)
    for layer, W, b in tensors:
        for k, neuron in enumerate(layer.neurons):
            assert [w.grad for w in neuron.w] == pytest.approx(W.grad[k].tolist(), rel=1e-12, abs=1e-15)
            assert neuron.b.grad == pytest.approx(b.grad[k].item(), rel=1e-12, abs=1e-15)


def test_zero_grad_and_sgd() -> None:
    model = MLP(2, [2, 1], rng=random.Random(2))
    model([1.0, 1.0]).backward()
    before = [(p.data, p.grad) for p in model.parameters()]
    assert any(g for _, g in before)
    sgd(model.parameters(), 0.5)
    assert [p.data for p in model.parameters()] == [d - 0.5 * g for d, g in before]
    assert all(p.grad == 0.0 for p in model.parameters())
    model([1.0, 1.0]).backward()
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    assert Module().parameters() == []


def test_wrong_inputs_are_clear_errors() -> None:
    with pytest.raises(ValueError, match=r"ReLUNeuron\(2\) expects 2 inputs, got 3"):
        Neuron(2)([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"MLP\(2, \[3, 1\]\) expects 2 inputs, got 1"):
        MLP(2, [3, 1])([1.0])
    with pytest.raises(TypeError, match=r"Layer\(2, 3\) takes 2 inputs \(a list, tuple, numpy row…\), got a single Value"):
        Layer(2, 3)(Value(1.0))
    with pytest.raises(TypeError, match=r"ReLUNeuron\(1\)' must be a real number"):
        Neuron(1)(["x"])
    with pytest.raises(ValueError, match="at least one layer size"):
        MLP(2, [])
    with pytest.raises(ValueError, match="nin >= 1"):
        Neuron(0)
    with pytest.raises(ValueError, match="nout >= 1"):
        Layer(2, 0)
