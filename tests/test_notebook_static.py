"""A saved notebook with ``show()`` output is not blank where the iframe is stripped (GitHub, nbviewer):
the output bundle carries the graph as a static ``image/svg+xml`` beside the live ``text/html`` viewer.

The notebook is built with nbformat and run with nbclient on this test's own interpreter.
"""

from __future__ import annotations

import json
import sys
from xml.etree import ElementTree

import pytest

from tinygrad_mm import Value, show

nbformat = pytest.importorskip("nbformat", reason="the notebook test needs nbformat, nbclient and ipykernel (make test)")
SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ElementTree.fromstring(svg.encode()).iter(f"{SVG}text")]


def test_show_offers_the_static_drawing_beside_the_live_view():
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    y = (x * w).tanh()
    y.label = "y"
    bundle = show(y)._repr_mimebundle_()
    assert bundle["text/html"].startswith("<iframe ")
    assert "y" in texts(bundle["image/svg+xml"]) and x.grad == 0.0  # drawn, and looking changed no gradient


def test_a_saved_notebook_keeps_a_static_svg_of_show(tmp_path):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    kernels = tmp_path / "kernels"
    (kernels / "python3").mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": "test", "language": "python"}
    (kernels / "python3" / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    manager = KernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
    code = "from tinygrad_mm import Value, show\nx = Value(2.0, 'x')\nloss = (x * 3).tanh()\nloss.label = 'loss'\nshow(loss)"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(nb, km=manager, timeout=300, resources={"metadata": {"path": str(tmp_path)}}).execute()
    saved = tmp_path / "saved.ipynb"
    nbformat.write(nb, saved)
    (cell,) = nbformat.read(saved, as_version=4).cells
    (output,) = [out for out in cell.outputs if out.output_type == "execute_result"]
    assert output.data["text/html"].startswith("<iframe ")  # the live viewer, for Jupyter
    static = output.data["image/svg+xml"]  # the picture, for viewers that strip the iframe
    assert {"x", "loss"} <= set(texts(static))
