"""The classroom pictures: what each one shows, and the visualize/ scripts that write them."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_drawing_support import by_id, texts, words

from tinygrad_mm import topological_order
from tinygrad_mm.views.gallery import PICTURES, draw_picture, write_gallery

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gallery(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("gallery")
    paths = write_gallery(out)
    assert [p.name for p in paths] == [f"{name}.{fmt}" for name in PICTURES for fmt in ("svg", "png")]
    assert all(p.parent == out and p.stat().st_size > 1000 for p in paths)
    return {p.name: p for p in paths}


def test_active_picture(gallery):
    svg = ET.parse(gallery["margin-loss-active.svg"]).getroot()
    text = words(svg)
    assert "∂J/∂s = −1" in text and "∂J/∂s_c = +1" in text
    assert sum("nodes (collapsed)" in t for t in text) == 2
    for name in ("W", "b", "U"):
        assert f"∂J/∂{name} = (via s) + (via s_c), element by element" in text
    assert gallery["margin-loss-active.png"].read_bytes().startswith(b"\x89PNG")


def test_inactive_picture(gallery):
    text = words(ET.parse(gallery["margin-loss-inactive.svg"]).getroot())
    assert "margin met — no gradient" in text and "∂J/∂s = 0" in text and "∂J/∂s_c = 0" in text
    assert any(t.startswith("J = max(0, Δ + s_c − s) = 0 ") and "SGD steps" in t for t in text)
    assert any(t.startswith("Δ + s_c − s = 1 + ") and "≤ 0: J = 0 is flat here" in t for t in text)
    assert sorted(t for t in text if t.startswith("‖")) == sorted(
        [f"‖∂J/∂{name}‖ = 0" for name in ("W", "b", "U", "x", "x_c")]
        + [f"‖∂J/∂{name} via {branch}‖ = 0" for name in ("W", "b", "U") for branch in ("s", "s_c")]
        + ["‖∂J/∂x via s‖ = 0", "‖∂J/∂x_c via s_c‖ = 0"]
    )


def test_small_expanded_picture_draws_every_node_with_branch_sums(gallery):
    svg = ET.parse(gallery["small-expanded.svg"]).getroot()
    root, _ = PICTURES["small-expanded"]()
    nodes = topological_order(root)
    elements = by_id(svg)
    assert all(f"v{i}" in elements for i in range(len(nodes))) and len(nodes) == 27
    shared = [t for t in words(svg) if "(via s) " in t and "(via s_c)" in t]
    assert len(shared) == 4 + 2 + 2  # W, b, U of the n = 2, H = 2 scorer
    assert sum(el.get("class") == "cluster" for el in elements.values()) == 8


def test_full_collapsed_picture_keeps_branch_clusters_around_six_boxes(gallery):
    elements = by_id(ET.parse(gallery["full-collapsed.svg"]).getroot())
    boxes = [el for el in elements.values() if el.get("class") == "node" and "(collapsed)" in " ".join(texts(el))]
    assert sorted(texts(b)[0] for b in boxes) == sorted(
        ["z = Wx + b", "a = f(z)", "s = U·a", "z_c = Wx_c + b", "a_c = f(z_c)", "s_c = U·a_c"]
    )
    clusters = [texts(el)[0] for el in elements.values() if el.get("class") == "cluster"]
    assert clusters == ["s = Uᵀf(Wx + b)", "s_c = Uᵀf(Wx_c + b)"]


def test_draw_picture_and_unknown_names():
    assert "∂J/∂s = −1" in draw_picture("small-expanded").source
    with pytest.raises(ValueError, match="no gallery picture named 'nope'; the pictures are: margin-loss-active"):
        draw_picture("nope")


def test_visualize_scripts_write_and_say_where(tmp_path):
    scripts = sorted((REPO / "visualize").glob("*.py"))
    assert {s.name for s in scripts} >= {"margin_loss.py", "small_expanded.py", "full_collapsed.py", "gallery.py"}
    result = subprocess.run([sys.executable, str(REPO / "visualize" / "margin_loss.py"), str(tmp_path)],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = [line.removeprefix("wrote ") for line in result.stdout.splitlines()]
    assert [Path(p).name for p in written] == [
        "margin-loss-active.svg", "margin-loss-active.png", "margin-loss-inactive.svg", "margin-loss-inactive.png",
    ]  # fmt: skip
    assert all(Path(p).exists() for p in written)
    bad = subprocess.run([sys.executable, str(REPO / "visualize" / "small_expanded.py"), "--help"],
                         capture_output=True, text=True, check=False)  # fmt: skip
    assert bad.returncode == 2 and "usage: python visualize/<script>.py [OUT_DIR]" in bad.stderr
