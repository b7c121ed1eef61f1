"""visualize/cs224n_backprop.ipynb: stored without outputs, executed top to bottom with nbclient on this interpreter.

The kernel is this test's own Python (a kernelspec written for the test whose argv is ``sys.executable``),
so the notebook runs against the tinygrad_mm being tested, whatever kernels the machine has installed.
Its printed numbers are compared with the same quantities computed here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from test_notebook import Elements

from tinygrad_mm.models import closed_form, cs224n

NOTEBOOK = Path(__file__).resolve().parents[1] / "visualize" / "cs224n_backprop.ipynb"
nbformat = pytest.importorskip("nbformat", reason="the notebook test needs nbformat, nbclient and ipykernel (make test)")


def test_the_notebook_is_stored_valid_and_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code)
    assert nb.metadata.kernelspec.name == "python3" and "widgets" not in nb.metadata
    tags = {tag for cell in code for tag in cell.metadata.get("tags", [])}
    assert tags >= {"branch-sums", "closed-form", "inactive", "show", "neuron", "neuron-show"}


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook after nbclient ran every cell (any error fails the test)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    kernels = tmp_path_factory.mktemp("kernels")
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "tinygrad_mm test", "language": "python"}  # fmt: skip
    (kernels / "python3").mkdir()
    (kernels / "python3" / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    manager = KernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
    assert manager.kernel_spec.argv[0] == sys.executable
    nb = nbformat.read(NOTEBOOK, as_version=4)
    work = tmp_path_factory.mktemp("run")
    NotebookClient(nb, km=manager, timeout=600, resources={"metadata": {"path": str(work)}}).execute()
    assert list(work.iterdir()) == []  # the lecture writes no files
    return {tag: cell for cell in nb.cells for tag in cell.metadata.get("tags", [])}, nb


def text_of(cell) -> str:
    return "".join(out.text for out in cell.outputs if out.output_type == "stream" and out.name == "stdout")


def html_of(cell) -> str:
    (html,) = [out.data["text/html"] for out in cell.outputs if "text/html" in out.get("data", {})]
    return html


def test_every_cell_ran_without_error(executed):
    _, nb = executed
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)
    assert not [out for cell in code for out in cell.outputs if out.output_type == "error"]
    assert not [out for cell in code for out in cell.outputs if out.output_type == "stream" and out.name == "stderr"]


def test_the_branch_sums_are_the_gradients(executed):
    cells, _ = executed
    example = cs224n.notes_example()
    example.J.backward()
    centre = len(example.words) // 2 * example.vocabulary.dim
    lines = text_of(cells["branch-sums"]).splitlines()
    shared = [example.scorer.U[0], example.scorer.W[0][centre], example.scorer.b[0]]
    assert len(lines) == len(shared)
    for line, w in zip(lines, shared, strict=True):
        parts = cs224n.branch_contributions(example, w)
        assert line.split()[:3] == [w.label, "via", "s"] and line.endswith("sum == .grad: True")
        numbers = [float(word) for word in line.split() if word[0] in "+-0123456789"]
        assert numbers == [parts["s"], parts["s_c"], parts["s"] + parts["s_c"], w.grad]  # the notebook's numbers, exactly


def test_the_closed_form_agrees_and_the_met_margin_sends_nothing(executed):
    cells, _ = executed
    example = cs224n.notes_example()
    closed = closed_form.for_example(example)
    count = len(closed.W) * len(closed.W[0]) + len(closed.b) + len(closed.U)
    assert text_of(cells["closed-form"]).splitlines()[-1] == "engine and closed form agree: True"
    assert text_of(cells["closed-form"]).startswith(f"{count} parameters;")
    inactive = text_of(cells["inactive"])
    assert "dJ/ds = 0.0   dJ/ds_c = 0.0" in inactive and "every parameter's gradient is 0: True" in inactive
    assert "<figure" in html_of(cells["inactive"])  # J displayed as its (folded) drawing


@pytest.mark.parametrize(("tag", "height"), [("show", "560"), ("neuron-show", "420")])
def test_the_inline_viewers_are_there(executed, tag, height):
    cells, _ = executed
    (frame,) = [attrs for name, attrs in Elements(html_of(cells[tag])).tags if name == "iframe"]
    assert frame["sandbox"] == "allow-scripts" and frame["height"] == height
    assert frame["srcdoc"].startswith("<!DOCTYPE html>") and "Next ▶" in frame["srcdoc"]


def test_the_students_neuron(executed):
    cells, _ = executed
    text = text_of(cells["neuron"])
    assert text.splitlines() == ["o = 0.7071", "do/dn = 0.5000  (tanh' = 1 - o**2 = 0.5000)", "do/dw1 = 1.0000  (= do/dn * x1)"]
    assert "<figure" in html_of(cells["neuron"])
