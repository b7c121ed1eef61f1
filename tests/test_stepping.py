"""backward_steps(): the same pass as backward(), one node at a time; and the text trace built on it."""

from __future__ import annotations

import io
import re
import sys

import pytest

from tinygrad_mm import Value
from tinygrad_mm.engine import gradients_of, record, topological_order
from tinygrad_mm.models.cs224n import WindowScorer
from tinygrad_mm.models.losses import max_margin_loss
from tinygrad_mm.views.text import find_node, fmt, node_names
from tinygrad_mm.views.trace import format_trace, print_trace, use_color


def margin_graph(n: int = 3, hidden: int = 2, seed: int = 0) -> tuple[Value, WindowScorer]:
    """J = max(0, 1 + s_c − s) with s, s_c scored by one WindowScorer (shared W, b, U); margin violated."""
    scorer = WindowScorer(n, hidden, seed=seed)
    x = [Value(0.3 + 0.2 * j, f"x[{j}]") for j in range(n)]
    x_c = [Value(-0.4 + 0.3 * j, f"x_c[{j}]") for j in range(n)]
    J = max_margin_loss(scorer.score(x, "s"), scorer.score(x_c, "s_c"))
    assert J.data > 0, "test graph should violate the margin"
    return J, scorer


def grads(root: Value) -> dict[Value, float]:
    return {node: node.grad for node in topological_order(root)}


def test_steps_reproduce_backward_exactly():
    J, _ = margin_graph()
    J.backward()
    expected = grads(J)
    steps = record(J).steps
    assert grads(J) == expected  # bit-for-bit, every node
    assert [s.index for s in steps] == list(range(len(expected)))
    assert {s.node for s in steps} == set(expected) and len(steps) == len(expected)
    for step in steps:
        assert step.grad == expected[step.node]  # the yielded grad is already final


def test_steps_visit_each_node_after_all_its_users():
    J, _ = margin_graph()
    position = {step.node: step.index for step in record(J).steps}
    for node in position:
        for parent in node.parents:
            assert position[node] < position[parent]


def test_step_record_arithmetic_and_accumulation():
    J, _ = margin_graph()
    steps = record(J).steps
    received: dict[Value, float] = {}
    for step in steps:
        assert step.local_grads == step.node.local_grads()
        for k, parent in enumerate(step.parents):
            assert step.contributions[k] == step.grad * step.local_grads[k]
            assert step.grads_before[k] == received.get(parent, 0.0)
            received[parent] = received.get(parent, 0.0) + step.contributions[k]
            assert step.grads_after[k] == received[parent]
    exact = gradients_of(J)
    for node, total in received.items():  # the sum of what a node received, in order, is its gradient
        assert exact[node] == total
    assert all(node.grad == 0.0 for node in topological_order(J))  # recording the steps changed no .grad


def test_repeated_parent_is_listed_twice_in_order():
    a = Value(3.0, "a")
    b = a + a
    b.label = "b"
    (step, _) = record(b).steps
    assert step.parents == (a, a)
    assert step.contributions == (1.0, 1.0)
    assert step.grads_before == (0.0, 1.0) and step.grads_after == (1.0, 2.0)
    assert a.grad == 0.0  # recorded on the side


def test_first_step_sends_minus_one_to_s_and_plus_one_to_s_c():
    J, _ = margin_graph()
    first = record(J).steps[0]
    assert first.node is J and first.grad == 1.0
    assert [p.label for p in first.parents] == ["s", "s_c"]
    assert first.contributions == (-1.0, 1.0)


def test_early_stop_leaves_the_documented_state():
    J, _ = margin_graph()
    J.backward()
    final = grads(J)
    J.zero_grad()
    done, received = set(), {}
    for step in J.backward_steps():
        done.add(step.node)
        for parent, c in zip(step.parents, step.contributions, strict=True):
            received[parent] = received.get(parent, 0.0) + c
        if step.index == 4:
            break
    for node in final:
        if node in done:
            assert node.grad == final[node], node.label  # yielded: final
        else:
            assert node.grad == received.get(node, 0.0), node.label  # not yet: the partial sum so far
    assert any(node.grad != final[node] for node in final if node not in done)
    J.zero_grad()
    J.backward()
    assert grads(J) == final  # a fresh pass after zero_grad() is exact again


def test_backward_calls_only_named_documented_functions():
    """In pdb, `s` from any line of backward() lands in a named, documented function (no lambda or comprehension)."""
    J, _ = margin_graph()
    called = set()

    def tracer(frame, event, arg):
        if event == "call" and frame.f_back is not None and frame.f_back.f_code.co_name in ("backward", "chain_rule"):
            called.add((frame.f_code.co_name, frame.f_code.co_filename.rsplit("/", 1)[-1]))
        return None

    sys.settrace(tracer)
    try:
        J.backward()
    finally:
        sys.settrace(None)
    assert {name for name, _ in called} == {"backprop_order", "_start_pass", "chain_rule", "propagate", "all_finite"}, called
    from tinygrad_mm.engine import backprop, op, value

    for function in (value.Value.backward, value.Value._start_pass, op.Op.propagate, op.UnaryOp.propagate,
                     op.BinaryOp.propagate, backprop.backprop_order, backprop.count_uses, backprop.all_finite, backprop.chain_rule):  # fmt: skip
        assert function.__doc__, function


# ---------------------------------------------------------------- the trace table


def table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith(("…", "step")) and " steps, " not in line]


def test_trace_table_lists_every_edge_aligned():
    J, scorer = margin_graph()
    text = format_trace(J)
    lines = text.splitlines()
    assert re.match(r"step\s+node\s+op\s+∂J/∂node\s+∂node/∂parent\s+contribution\s+→ parent\s+parent grad$", lines[0])
    steps = record(J).steps
    rows = table_rows(text)
    assert len(rows) == sum(max(1, len(s.parents)) for s in steps)
    assert rows[0].split() == ["1", "J", "max(0,·)", "1", "-1", "-1", "→", "s", "0", "→", "-1"]
    assert rows[1].split() == ["1", "1", "→", "s_c", "0", "→", "1"]  # same step: step, node, op, grad not repeated
    arrow = lines[0].index("→ parent")
    for row in rows:  # the parent column starts at the same place on every row
        assert row[arrow:].startswith(("→ ", "(leaf")), row
    assert lines[-1] == f"{len(steps)} steps, {len(rows)} rows; J = {fmt(J.data)}"
    assert "\x1b[" not in text


def test_trace_follow_shows_both_branches_into_a_shared_weight():
    J, scorer = margin_graph()
    text = format_trace(J, follow="U[1]")
    rows = table_rows(text)
    steps = record(J).steps
    step_s, step_s_c = (next(step for step in steps if step.node.label == name) for name in ("s", "s_c"))
    via_s, via_s_c = step_s.contributions[1], step_s_c.contributions[1]  # s = U·a: U[1] is parent slot 1
    assert [r.split()[1] for r in rows] == ["s", "s_c", "U[1]"]  # U[1] is a leaf: its turn comes after both users
    assert [int(r.split()[0]) for r in rows[:2]] == [step_s.index + 1, step_s_c.index + 1]
    assert rows[0].split()[-6:] == [fmt(via_s), "→", "U[1]", "0", "→", fmt(via_s)]
    assert rows[1].split()[-6:] == [fmt(via_s_c), "→", "U[1]", fmt(via_s), "→", fmt(via_s + via_s_c)]
    assert rows[2].split()[2:] == ["parameter", fmt(via_s + via_s_c), "(leaf:", "grad", "final)"]
    assert gradients_of(J)[scorer.U[1]] == via_s + via_s_c and scorer.U[1].grad == 0.0
    assert "3 rows touching 'U[1]'" in text.splitlines()[-1]


def test_trace_limit_and_footer():
    J, _ = margin_graph()
    text = format_trace(J, limit=3)
    assert len(table_rows(text)) == 3
    total = len(table_rows(format_trace(J)))
    assert f"… {total - 3} more rows (limit 3; 0 shows all)" in text
    assert format_trace(J, limit=0) == format_trace(J)
    with pytest.raises(ValueError, match="limit must be a non-negative int"):
        format_trace(J, limit=-1)


def test_trace_colour_only_when_asked_and_never_with_no_color(monkeypatch):
    J, _ = margin_graph()
    assert "\x1b[1;36mJ" in format_trace(J, color=True)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(Terminal()) and not use_color(io.StringIO())
    tty = Terminal()
    print_trace(J, file=tty, limit=2)
    assert "\x1b[" in tty.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(Terminal())
    plain = Terminal()
    print_trace(J, file=plain, limit=2)
    assert "\x1b[" not in plain.getvalue()


def test_trace_escapes_control_characters_in_labels():
    x = Value(2.0, "x\n\x1b[31mred")
    y = x * 3
    y.label = "y"
    text = format_trace(y)
    assert "\x1b" not in text and "→ x\\n\\x1b[31mred" in text
    assert len(text.splitlines()) == 1 + 4 + 1  # header; y → x, y → 3; the leaves x and 3; footer


def test_find_node_by_label_index_and_clear_errors():
    J, scorer = margin_graph()
    names = node_names(J)
    assert find_node(J, "U[0]") is scorer.U[0]
    assert find_node(J, f"#{list(names).index(scorer.b[1])}") is scorer.b[1]
    with pytest.raises(ValueError, match=r"no node named 'U\[9\]'.*did you mean 'U\[1\]', 'U\[0\]'"):
        find_node(J, "U[9]")
    with pytest.raises(ValueError, match=r"does not exist: the graph of 'J' .* has 31 nodes"):
        find_node(J, "#99")
    twin = Value(1.0, "t") * Value(2.0, "t")
    with pytest.raises(ValueError, match=r"2 nodes are named 't'; name one by its index instead: #0, #1"):
        find_node(twin, "t")
    with pytest.raises(ValueError, match="is not part of the graph"):
        find_node(J, Value(1.0, "stranger"))
