"""A student in pdb: from ``J.backward()`` to the chain-rule line in a handful of commands, with ``self`` saying what it is.

pdb really runs (in a subprocess, fed commands on stdin), on the notes' small example.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import textwrap

from tinygrad_mm.engine.op import UnaryOp

SCRIPT = textwrap.dedent(
    """
    import pdb
    from tinygrad_mm.models.cs224n import notes_example
    J = notes_example(small=True).J
    pdb.Pdb(nosigint=True, readrc=False).runcall(J.backward)
    print("grads:", J.parents[0].grad, J.parents[1].grad)
    """
)
# The path the README documents: over the set-up lines, into the loop (chain_rule), to node.propagate(), into it,
# over the local derivatives.
PATH = ["n", "n", "n", "s", "n", "n", "n", "s", "n", "n"]


# The way a student usually starts: breakpoint() in a script, on the line before J.backward().
BREAKPOINT_SCRIPT = textwrap.dedent(
    """
    from tinygrad_mm.models.cs224n import notes_example
    J = notes_example(small=True).J
    breakpoint()
    J.backward()
    print("grads:", J.parents[0].grad, J.parents[1].grad)
    """
)
# The README's path from there: into backward(), then PATH.
BREAKPOINT_PATH = ["s", "n", *PATH]


def pdb_session(commands: list[str], script: str = SCRIPT) -> list[str]:
    """The lines pdb prints as the current line (``-> …``) after each command, and everything else it printed."""
    env = {**os.environ, "PYTHONBREAKPOINT": "pdb.set_trace"}  # breakpoint() is pdb, whatever the caller's setting
    done = subprocess.run(
        [sys.executable, "-c", script], input="\n".join(commands) + "\n", capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_ten_commands_reach_the_chain_rule_line_and_self_names_the_op():
    out = pdb_session([*PATH, "p self", "where", "c"])
    current = [line for line in out if line.startswith("-> ") or line.startswith("(Pdb) -> ")]
    current = [line.split("-> ", 1)[1] for line in current]
    assert current[0].startswith("order = backprop_order(self)")
    assert current[4].startswith("def chain_rule(order")  # the one loop of the chain rule (backward_steps pauses in it)
    assert current[7].startswith("node.propagate()  # the chain rule at this node")
    assert current[len(PATH)] == "self.a.grad += self.grad * da"  # J = max(0, Δ + s_c − s) has two parents: a = s, b = s_c
    text = "\n".join(out)
    assert "<MaxMargin J = max(0, 1 + s_c − s) = " in text and "∂J/∂s = −1; ∂J/∂s_c = +1>" in text  # p self
    assert "op.py" in text and "propagate()" in text  # the frame: the one chain rule for two-parent ops
    assert "grads: -1.0 1.0" in text  # and `c` finishes the pass normally


def test_a_one_parent_op_has_its_chain_rule_line_too():
    # a breakpoint on the chain-rule line of one-parent ops: the first to run is a[i] = σ(z[i]) (a Sigmoid)
    source, first = inspect.getsourcelines(UnaryOp.propagate)
    line = first + next(i for i, text in enumerate(source) if "self.x.grad +=" in text)
    out = pdb_session([f"b {inspect.getsourcefile(UnaryOp)}:{line}", "c", "p self", "cl 1", "c"])
    text = "\n".join(out)
    assert "-> self.x.grad += self.grad * dx" in text
    assert "<Sigmoid a[" in text and "= σ(z[" in text and "·(1 − a[" in text  # self: the op, its formula, its derivative


def test_stepping_into_local_grads_shows_the_code_generated_from_the_ops_statement():
    """One more `s` on ``da, db = self.local_grads()``: pdb shows the generated function's own lines, under a clear name."""
    out = pdb_session([*PATH[:-1], "s", "s", "where", "l", "c"])  # --Call--, then its first line
    text = "\n".join(out)
    assert "<generated: tinygrad_mm.models.losses.MaxMargin>" in text  # the frame's file: whose statement it is
    assert "-> if self._data > 0.0:" in text  # flows_when = "out > 0"
    assert "return (-1.0, 1.0)" in text  # `l` lists the source: derivatives = ("-1", "+1")


def test_from_breakpoint_the_readme_path_of_twelve_commands_reaches_the_chain_rule_line():
    out = pdb_session([*BREAKPOINT_PATH, "p self", "c"], BREAKPOINT_SCRIPT)
    current = [line.split("-> ", 1)[1] for line in out if line.startswith(("-> ", "(Pdb) -> "))]
    assert out[0] == "> <string>(5)<module>()"  # breakpoint() stops on the line after it: J.backward()
    assert current[0] == "def backward(self) -> None:" and current[len(BREAKPOINT_PATH) - 1] == "self.a.grad += self.grad * da"
    assert "<MaxMargin J = max(0, 1 + s_c − s) = " in "\n".join(out) and "grads: -1.0 1.0" in "\n".join(out)
