"""No stale number survives a copy, a constant is never backpropagated, and threads never erase each other's gradients.

- a stale graph (a ``.data`` set after the forward pass) stays stale through copy, deepcopy and pickle;
- ``Constant.backward()`` is a clear error (PyTorch: "does not require grad");
- ``backward()`` runs one pass at a time: a pass failing in one thread restores only what it found,
  so another thread's gradients on shared parameters are never erased (real threads below);
- ``str(value)`` reads as micrograd's ``Value(data=…, grad=…)``; ``repr`` keeps the rich text.
"""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
import threading

import pytest

from tinygrad_mm import Constant, GradientError, Parameter, StaleGraphError, Value, sum_values


def stale_graph(where: str) -> Value:
    x, w = Value(2.0, "x"), Parameter(-3.0)
    w.label = "w"
    y = (x * w).tanh()
    y.label = "y"
    loss = y * y + 1.0
    if where == "leaf":
        w.data = 0.5  # the SGD pattern: the graph was computed from the old w
    else:
        y.data = 0.25  # an interior number set by hand
    return loss


COPIES = {
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
    "pickle": lambda v: pickle.loads(pickle.dumps(v)),
    "pickle, highest protocol": lambda v: pickle.loads(pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)),
}


@pytest.mark.parametrize("where", ["leaf", "interior"])
@pytest.mark.parametrize("how", list(COPIES))
def test_a_copy_of_a_stale_graph_is_stale(how, where):
    original = stale_graph(where)
    with pytest.raises(StaleGraphError):
        original.backward()
    copied = COPIES[how](original)
    with pytest.raises(StaleGraphError, match="w|y"):
        copied.backward()


@pytest.mark.parametrize("how", list(COPIES))
def test_a_copy_of_a_current_graph_backpropagates_like_the_original(how):
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    loss = (x * w).tanh() * 2.0
    copied = COPIES[how](loss)
    copied.backward()
    loss.backward()
    leaves = lambda v: sorted((n.label, n.grad) for n in _nodes(v) if n.label in "xw")  # noqa: E731
    assert leaves(copied) == leaves(loss)


def _nodes(root: Value) -> list[Value]:
    seen, stack = {}, [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen[id(node)] = node
            stack.extend(node.parents)
    return list(seen.values())


def test_a_stale_graph_pickled_in_another_process_is_stale_there():
    data = pickle.dumps(stale_graph("leaf"))
    code = (
        "import pickle, sys\nfrom tinygrad_mm import StaleGraphError\nroot = pickle.loads(sys.stdin.buffer.read())\n"
        "try:\n    root.backward()\nexcept StaleGraphError:\n    print('stale')\nelse:\n    print('computed')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, check=True)
    assert done.stdout.decode().strip() == "stale"


def test_a_graph_rebuilt_after_the_write_is_current_again():
    w = Value(-3.0, "w")
    loss = w * w
    w.data = 0.5
    again = pickle.loads(pickle.dumps(w * w))  # the forward pass run again: current
    again.backward()
    with pytest.raises(StaleGraphError):
        pickle.loads(pickle.dumps(loss)).backward()


def test_backward_on_a_constant_is_a_clear_error():
    x = Value(3.0, "x")
    y = x * 2
    two = y.parents[1]
    assert isinstance(two, Constant)
    with pytest.raises(RuntimeError, match=r"constant .*needs no gradient.*loss\.backward\(\)"):
        two.backward()
    with pytest.raises(RuntimeError, match="constant"):
        list(two.backward_steps())
    y.backward()  # the graph it belongs to is fine
    assert x.grad == 2.0


def test_str_reads_as_micrograds_value_and_repr_keeps_the_rich_text():
    x = Value(0.8958441028683222, "x")
    loss = x * 1.0
    assert str(loss) == "Value(data=0.8958441028683222, grad=0.0)"
    assert str(x) == "Value(data=0.8958441028683222, grad=0.0)" and f"{loss}" == str(loss)
    assert repr(loss).startswith("<Mul ")  # a debugger still sees what the node is


# ---- threads ------------------------------------------------------------------------------------


def failing_graph(p: Value, length: int) -> Value:
    """A long chain from ``p`` whose backward pass fails only at the end: two contributions of 1e308 overflow."""
    chain = p
    for _ in range(length):
        chain = chain + 0.0
    return sum_values([chain * 1e308, chain * 1e308])


def run_beside(main, background, copies: int = 2) -> None:
    """Run ``main`` in a thread while ``copies`` threads repeat ``background()`` until it is done, switching threads
    as often as the interpreter can (the race, if any, shows); an exception in any thread fails the test."""
    stop, errors = threading.Event(), []

    def guarded(work) -> None:
        try:
            work()
        except BaseException as err:  # noqa: BLE001 (reported below, in the test's own thread)
            errors.append(err)

    def again() -> None:
        while not stop.is_set():
            background()

    saved_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        others = [threading.Thread(target=guarded, args=(again,)) for _ in range(copies)]
        first = threading.Thread(target=guarded, args=(main,))
        for t in [*others, first]:
            t.start()
        first.join()
        stop.set()
        for t in others:
            t.join()
    finally:
        sys.setswitchinterval(saved_interval)
    assert not errors, errors


def test_a_failing_backward_in_one_thread_never_erases_another_threads_gradients():
    p, passes, failures = Parameter(1e-10), 3000, []
    bad = failing_graph(p, 3000)

    def fail() -> None:
        with pytest.raises(GradientError):
            bad.backward()
        failures.append(1)

    def learn() -> None:
        for _ in range(passes):
            (p * 1.0).backward()  # adds exactly 1.0 to p.grad

    run_beside(learn, fail)
    assert failures, "the failing passes ran"
    assert p.grad == float(passes)  # every successful pass's contribution, none erased by a failing one


def test_passes_in_many_threads_over_shared_parameters_add_up_exactly():
    w = [Parameter(0.5 + k / 10) for k in range(4)]
    rounds = []

    def learn() -> None:
        for _ in range(200):
            sum_values([wk * 1.0 for wk in w]).backward()

    def learn_in_background() -> None:
        if len(rounds) < 3:
            learn()
            rounds.append(1)

    run_beside(learn, learn_in_background, copies=3)
    assert [wk.grad for wk in w] == [200.0 * (1 + len(rounds))] * 4


def test_drawing_in_one_thread_never_erases_the_gradients_another_thread_is_computing():
    from tinygrad_mm.engine import record

    p = Parameter(0.5)
    seen = p * 3.0

    def look() -> None:  # what every view does: a pass on the side, every .grad put back
        assert record(seen).grads[p] == 3.0

    def learn() -> None:
        for _ in range(2000):
            (p * 1.0).backward()

    run_beside(learn, look)
    assert p.grad == 2000.0
